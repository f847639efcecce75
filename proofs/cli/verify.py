"""`forgetcheck verify`: check statements, print progress and a summary table; exit 0 only if
every statement reached its expected evidence and every mutant was refuted. Unchanged statements
reuse their cached verdicts (forgetcheck.run.cache); --scheduler runs the tasks on dask (forgetcheck.run.distributed)."""
from __future__ import annotations

import os
import sys
import time

from forgetcheck.cli.common import catalog_sources, ids_argument, load_registry, select
from forgetcheck.numerics.errors import InputError


def add_parser(sub):
    v = sub.add_parser(
        "verify", help="check the catalog: evidence per statement, mutants refuted",
        description="Check the catalog. Verdicts of statements unchanged since their last complete check "
                    "(same statement, settings, library versions and dependencies) are reused from the "
                    "cache in $FORGETCHECK_CACHE/results (default .forgetcheck-cache/results) and shown "
                    "as cached with the time they were obtained; --fresh re-checks everything. Work is "
                    "split into (statement, example batch) tasks with fixed seeds, so a local run and a "
                    "dask cluster (--scheduler) give the same verdicts.")
    v.add_argument("--profile", default="ci", choices=["ci", "deep"])
    v.add_argument("--only", type=ids_argument, help="comma-separated ids (a group id like O3 selects O3.*)")
    v.add_argument("--dps", type=int, help="digits of every numeric evaluation (default: the profile's)")
    v.add_argument("--jobs", type=int, default=None,
                   help="parallel processes (default: all cores); with --scheduler local, the dask workers")
    v.add_argument("--seed", type=int, default=None, help="seed of hypothesis and the optimizer")
    v.add_argument("--fresh", action="store_true", help="ignore cached verdicts and re-check every statement")
    v.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the tasks on a dask.distributed cluster: a scheduler address such as "
                        "tcp://host:8786 (workers started with --nthreads 1), or 'local' for a LocalCluster "
                        "on this machine; needs pip install 'forgetcheck[dask]'")
    v.add_argument("--json", metavar="FILE", help="write the machine-readable report here")
    v.add_argument("--quiet", action="store_true", help="no progress lines")
    v.set_defaults(run=run)


def _progress_line(report, done, total):
    from forgetcheck.run import report as rendering
    line = rendering.progress_line(report, done, total)
    return f"{line}  (cached, obtained {report.cached_at})" if report.cached_at else line


def run(args) -> int:
    from contextlib import nullcontext

    from forgetcheck.run import report
    from forgetcheck.run.batches import batch_count
    from forgetcheck.run.cache import Plan
    from forgetcheck.run.settings import profile

    settings = profile(args.profile, dps=args.dps, seed=args.seed)
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs={args.jobs} is outside the allowed range [1, cores]")
    sources = catalog_sources(args)
    registry = load_registry(args)
    theorems = select(registry, args.only)
    if not theorems:
        print("forgetcheck: error: nothing to verify (the catalog is empty)", file=sys.stderr)
        return 1
    jobs = args.jobs or os.cpu_count() or 1
    start = time.perf_counter()
    progress = None if args.quiet else (lambda r, done, total: print(_progress_line(r, done, total),
                                                                      file=sys.stderr, flush=True))
    plan = Plan(registry, theorems, settings, fresh=args.fresh)
    if not plan.stale:
        cluster = nullcontext((None, "nothing: every verdict is cached"))
    elif args.scheduler:
        from forgetcheck.run.distributed import dask_executor
        cluster = dask_executor(args.scheduler, workers=args.jobs)
    else:
        cluster = nullcontext((None, f"{min(jobs, len(plan.stale) * batch_count(settings))} process(es)"))
    with cluster as (executor, where):
        print(f"verifying {len(theorems)} statement(s), {len(plan.cached)} cached, profile {settings.profile}, "
              f"{settings.dps} digits, seed {settings.seed}, {batch_count(settings)} example batch(es) each, "
              f"on {where}", file=sys.stderr)
        run_ = plan.run(progress=progress, jobs=jobs, executor=executor, registry_factory=sources)
    reports = run_.reports
    seconds = time.perf_counter() - start
    document = report.to_json(reports, settings, seconds)
    document["cache"] = {"folder": str(run_.folder), "fresh": args.fresh, "reused": run_.reused,
                         "rechecked": run_.rechecked}
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
    print(run_.summary())
    if registry.problems:
        print(f"\n{len(registry.problems)} statement(s) or catalog(s) could not be loaded and were not "
              "checked (see the warnings above)", file=sys.stderr)
    return 0 if s["failed"] == 0 and s["statements"] > 0 and not registry.problems else 1
