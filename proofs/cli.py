"""Command line: `forgetcheck verify | list | show | eval` (and more as sections land)."""
from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
import time

#: `forgetcheck eval NAME`: engine quantities by name ("module:function").
EVALUABLE = {
    "misassignment": "numerics.overlap:misassignment",
    "misassignment_new": "numerics.overlap:misassignment_new",
    "bhattacharyya": "numerics.closed_forms:bhattacharyya",
    "kappa_forward": "numerics:kappa_forward",
    "kappa_reverse": "numerics:kappa_reverse",
    "kappa_reverse_closed_form": "numerics.closed_forms:kappa_reverse_closed_form",
    "partial_drift": "numerics:partial_drift",
    "fisher_deviation": "numerics:fisher_deviation",
}


def _ids(text):
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forgetcheck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="check the catalog: evidence per statement, mutants refuted")
    v.add_argument("--profile", default="ci", choices=["ci", "deep"])
    v.add_argument("--only", type=_ids, help="comma-separated ids (a group id like O3 selects O3.*)")
    v.add_argument("--dps", type=int, help="digits of every numeric evaluation (default: the profile's)")
    v.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    v.add_argument("--seed", type=int, default=None, help="seed of hypothesis and the optimizer")
    v.add_argument("--json", metavar="FILE", help="write the machine-readable report here")
    v.add_argument("--quiet", action="store_true", help="no progress lines")

    sub.add_parser("list", help="the statements with their sections and dependencies")
    s = sub.add_parser("show", help="one statement: claim, hypotheses, dependencies, last evidence")
    s.add_argument("id")

    e = sub.add_parser("eval", help="evaluate an engine quantity, e.g. misassignment weight_old=0.1 delta=30")
    e.add_argument("name", choices=sorted(EVALUABLE))
    e.add_argument("assignments", nargs="*", metavar="key=value")
    e.add_argument("--dps", type=int, default=30)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"verify": cmd_verify, "list": cmd_list, "show": cmd_show, "eval": cmd_eval}[args.command](args)
    except ValueError as exc:  # bad input: one clear line, no traceback
        print(f"forgetcheck: error: {exc}", file=sys.stderr)
        return 2


def _select(registry, ids):
    if not ids:
        return registry.theorems()
    chosen = []
    for ref in ids:
        resolved = registry.resolve(ref)
        if not resolved:
            raise ValueError(f"--only names unknown statement {ref!r}; known: {', '.join(registry.ids())}")
        chosen.extend(t for t in resolved if t not in chosen)
    return registry.select(chosen)


def cmd_verify(args) -> int:
    from . import report
    from .registry import load_catalog
    from .runner import verify_all
    from .settings import profile

    settings = profile(args.profile, dps=args.dps, seed=args.seed)
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs={args.jobs} is outside the allowed range [1, cores]")
    registry = load_catalog()
    theorems = _select(registry, args.only)
    if not theorems:
        print("forgetcheck: error: nothing to verify (the catalog is empty)", file=sys.stderr)
        return 1
    jobs = args.jobs or os.cpu_count() or 1
    print(f"verifying {len(theorems)} statement(s), profile {settings.profile}, {settings.dps} digits, "
          f"seed {settings.seed}, {min(jobs, len(theorems))} process(es)", file=sys.stderr)
    start = time.perf_counter()
    progress = None if args.quiet else (lambda r, done, total: print(report.progress_line(r, done, total),
                                                                      file=sys.stderr, flush=True))
    reports = verify_all(theorems, settings, jobs=jobs, progress=progress)
    seconds = time.perf_counter() - start
    document = report.to_json(reports, settings, seconds)
    report.store_last_run(document)
    if args.json:
        report.write_json(document, args.json)
    print(report.table(reports))
    trouble = report.problems(reports)
    if trouble:
        print("\n" + trouble)
    s = document["summary"]
    print(f"\n{s['statements']} statements: {s['passed']} passed, {s['failed']} failed; "
          f"{s['fully_verified']} fully verified; mutants refuted {s['mutants_refuted']}/{s['mutants']}; "
          f"{seconds:.1f}s")
    return 0 if s["failed"] == 0 and s["statements"] > 0 else 1


def cmd_list(args) -> int:
    from .registry import load_catalog
    registry = load_catalog()
    width = max(len(i) for i in registry.ids())
    for t in registry.theorems():
        deps = f"  (uses {', '.join(t.depends_on)})" if t.depends_on else ""
        print(f"{t.id:<{width}}  §{t.section}  {t.claim.kind.value:<10}  {t.title}{deps}")
    return 0


def cmd_show(args) -> int:
    from .registry import load_catalog
    from .report import describe_theorem, last_evidence
    theorem = load_catalog()[args.id]
    print(describe_theorem(theorem, last_evidence(theorem.id)))
    return 0


def cmd_eval(args) -> int:
    import mpmath

    from numerics.validation import require_dps
    module_name, func_name = EVALUABLE[args.name].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    params = inspect.signature(func).parameters
    kwargs = {}
    for item in args.assignments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"argument {item!r} must look like key=value")
        if key not in params or key == "dps":
            allowed = ", ".join(p for p in params if p != "dps")
            raise ValueError(f"{args.name} has no parameter {key!r}; its parameters: {allowed}")
        kwargs[key] = value  # strings: the engine converts them exactly, at full precision
    missing = [p for p, spec in params.items()
               if spec.default is inspect.Parameter.empty and p not in kwargs and p != "dps"]
    if missing:
        raise ValueError(f"{args.name} needs {', '.join(f'{m}=...' for m in missing)}")
    dps = require_dps(args.dps)
    with mpmath.workdps(dps + 15):
        if "dps" in params:
            kwargs["dps"] = dps
        value = func(**kwargs)
    print(f"{args.name}({', '.join(f'{k}={v}' for k, v in kwargs.items() if k != 'dps')}) at {dps} digits:")
    print(mpmath.nstr(value, dps))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
