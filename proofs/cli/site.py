"""`forgetcheck site --out DIR`: a static site of the catalog that opens from disk: the dependency
graph coloured by evidence (laid out by Graphviz `dot`), one page per section with the statements
in MathML and their certificates (forgetcheck.printing.site)."""
from __future__ import annotations

import sys
from pathlib import Path

from forgetcheck.cli.common import ids_argument, load_registry, select
from forgetcheck.numerics.errors import InputError


def add_parser(sub):
    p = sub.add_parser("site", help="a static website: dependency graph by evidence, statements in MathML, certificates")
    p.add_argument("--out", required=True, metavar="DIR", help="directory of the site (index.html and its pages)")
    p.add_argument("--report", metavar="FILE",
                   help="certificates from this report of `forgetcheck verify --json FILE` "
                        "(default: the last run, .forgetcheck-cache/last-run.json)")
    p.add_argument("--only", type=ids_argument, help="comma-separated ids (a group id like O3 selects O3.*)")
    p.add_argument("--figures", metavar="DIR", default="docs/figures",
                   help="show the PNG figures found in DIR on their section's page, if it exists "
                        "(default: docs/figures, written by `forgetcheck figures`)")
    p.set_defaults(run=run)


def run(args) -> int:
    from forgetcheck.printing import certificates, entries_from_last_run, entries_from_report
    from forgetcheck.printing.certificate import CURRENT, MISSING, STALE, last_run_source
    from forgetcheck.printing.site import build_site

    registry = load_registry(args)
    theorems = select(registry, args.only)
    if not theorems:
        raise InputError("nothing to print: the catalog is empty")
    if args.report:
        entries, source = entries_from_report(args.report), args.report
    else:
        entries, source = entries_from_last_run(theorems), last_run_source()
    certs = certificates(theorems, entries, source)
    out = Path(args.out)
    written = build_site(out, registry, theorems, certs, source=source, figures_dir=args.figures)
    count = lambda status: sum(c.status == status for c in certs.values())
    print(f"wrote {out / 'index.html'} and {len(written) - 1} other file(s): {len(theorems)} statement(s), "
          f"{count(CURRENT)} with evidence for their current version, {count(STALE)} changed since their "
          f"evidence, {count(MISSING)} never verified")
    if count(STALE) or count(MISSING):
        print("statements without current evidence show as 'not verified in this version'; run "
              "`forgetcheck verify` and regenerate", file=sys.stderr)
    return 0
