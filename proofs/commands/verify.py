"""`forgetcheck verify`: check statements, print progress and a summary table; exit 0 only if
every statement reached its expected evidence and every mutant was refuted."""
from __future__ import annotations

import os
import sys
import time

from .common import ids_argument, select


def add_parser(sub):
    v = sub.add_parser("verify", help="check the catalog: evidence per statement, mutants refuted")
    v.add_argument("--profile", default="ci", choices=["ci", "deep"])
    v.add_argument("--only", type=ids_argument, help="comma-separated ids (a group id like O3 selects O3.*)")
    v.add_argument("--dps", type=int, help="digits of every numeric evaluation (default: the profile's)")
    v.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    v.add_argument("--seed", type=int, default=None, help="seed of hypothesis and the optimizer")
    v.add_argument("--json", metavar="FILE", help="write the machine-readable report here")
    v.add_argument("--quiet", action="store_true", help="no progress lines")
    v.set_defaults(run=run)


def run(args) -> int:
    from .. import report
    from ..registry import load_catalog
    from ..runner import verify_all
    from ..settings import profile

    settings = profile(args.profile, dps=args.dps, seed=args.seed)
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs={args.jobs} is outside the allowed range [1, cores]")
    registry = load_catalog()
    theorems = select(registry, args.only)
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
