"""`forgetcheck latex --out FILE`: the appendix, every statement printed from the object that is
checked, each with the certificate of its last verification (or "not verified in this version")."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from forgetcheck.cli.common import ids_argument, load_registry, select
from forgetcheck.numerics.errors import InputError


def add_parser(sub):
    p = sub.add_parser("latex", help="the LaTeX appendix: statements, hypotheses, proof sketches, certificates")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the .tex file")
    p.add_argument("--only", type=ids_argument, help="comma-separated ids (a group id like O3 selects O3.*)")
    p.add_argument("--standalone", action="store_true",
                   help="a complete document for pdflatex (default: a fragment to \\input, which needs "
                        "amsmath, amssymb and amsthm, and graphicx with figures)")
    p.add_argument("--report", metavar="FILE",
                   help="certificates from this report of `forgetcheck verify --json FILE` "
                        "(default: the last run, .forgetcheck-cache/last-run.json)")
    p.add_argument("--verify", action="store_true", help="verify the selected statements first and certify from that run")
    p.add_argument("--profile", default="ci", choices=["ci", "deep"], help="profile of --verify")
    p.add_argument("--jobs", type=int, default=None, help="parallel processes of --verify (default: all cores)")
    p.add_argument("--figures", metavar="DIR", default="docs/figures",
                   help="include the PDF/PNG figures found in DIR, if it exists (default: docs/figures)")
    p.set_defaults(run=run)


def run(args) -> int:
    from forgetcheck.printing import appendix, certificates, entries_from_last_run, entries_from_report, find_figures
    from forgetcheck.printing.certificate import CURRENT, MISSING, STALE, last_run_source

    if args.verify and args.report:
        raise InputError("--verify and --report exclude each other: certify from a fresh run or from a report")
    registry = load_registry(args)
    theorems = select(registry, args.only)
    if not theorems:
        raise InputError("nothing to print: the catalog is empty")
    failed = 0
    if args.verify:
        entries, failed = _verify(theorems, args)
        source = "the run of `forgetcheck latex --verify`"
    elif args.report:
        entries, source = entries_from_report(args.report), args.report
    else:
        entries, source = entries_from_last_run(theorems), last_run_source()
    certs = certificates(theorems, entries, source)
    figures = find_figures(args.figures)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(appendix(theorems, certs, registry=registry, standalone=args.standalone, figures=figures,
                            output_directory=out.parent))
    count = lambda status: sum(c.status == status for c in certs.values())
    print(f"wrote {out}: {len(theorems)} statement(s), {count(CURRENT)} with evidence for their current "
          f"version, {count(STALE)} changed since their evidence, {count(MISSING)} never verified; "
          f"{len(figures)} figure(s)")
    if count(STALE) or count(MISSING):
        print("statements without current evidence print as 'not verified in this version'; run "
              "`forgetcheck verify` (or pass --verify) and regenerate", file=sys.stderr)
    return 1 if failed else 0


def _verify(theorems, args):
    """Verify, store the run like `forgetcheck verify` does, and return its entries."""
    from forgetcheck.run import report
    from forgetcheck.run.runner import verify_all
    from forgetcheck.run.settings import profile

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs={args.jobs} is outside the allowed range [1, cores]")
    settings = profile(args.profile)
    start = time.perf_counter()
    reports = verify_all(theorems, settings, jobs=args.jobs or os.cpu_count() or 1)
    document = report.to_json(reports, settings, time.perf_counter() - start)
    report.store_last_run(document)
    entries = {s["id"]: dict(s, settings=document["settings"], versions=document["versions"])
               for s in document["statements"]}
    failed = document["summary"]["failed"]
    if failed:
        print(report.problems(reports), file=sys.stderr)
    return entries, failed
