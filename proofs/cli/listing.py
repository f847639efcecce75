"""`forgetcheck list` and `forgetcheck show ID`."""
from __future__ import annotations

from forgetcheck.cli.common import load_registry


def add_parser(sub):
    sub.add_parser("list", help="the statements with their sections and dependencies").set_defaults(run=run_list)
    s = sub.add_parser("show", help="a statement (or a group such as R3): claim, hypotheses, dependencies, "
                                    "last evidence")
    s.add_argument("id")
    s.set_defaults(run=run_show)


def run_list(args) -> int:
    from forgetcheck.printing.sections import is_theory_section
    registry = load_registry(args)
    width = max(len(i) for i in registry.ids())
    for t in registry.theorems():
        deps = f"  (uses {', '.join(t.depends_on)})" if t.depends_on else ""
        section = f"§{t.section}" if is_theory_section(t.section) else t.section
        print(f"{t.id:<{width}}  {section:<4}  {t.claim.kind.value:<10}  {t.title}{deps}")
    return 0


def run_show(args) -> int:
    from forgetcheck.run.report import describe_theorem, last_evidence
    registry = load_registry(args)
    ids = registry.resolve_or_explain(args.id)
    print("\n\n".join(describe_theorem(registry[i], last_evidence(i)) for i in ids))
    return 0
