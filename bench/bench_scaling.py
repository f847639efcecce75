"""Wall time of a deep sweep of one statement on a local dask cluster with 1 and with 2 workers,
and the scaling ratio, measured in one run.

    python3 bench/bench_scaling.py                       # O3.old, profile deep (2000 points, 50 digits)
    python3 bench/bench_scaling.py --points 16000        # a sweep where the generated examples dominate

The sweep is split into (statement, example batch) tasks (forgetcheck.run.batches); batch 0 also holds
the worst-case search, which does not split, so it bounds the speed-up (Amdahl): the printout gives
the total task time and the longest task next to the wall time, and the bound they set. Each measurement runs
`--repeat` times on a new cluster and the fastest counts, as the machine may be shared. Workers
import the catalog before the clock starts, so the times are the sweep's, not Python start-up. The replay database is off, so both runs do the
same work; the two runs' verdicts are compared.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _warm_up():
    from forgetcheck.statements.registry import load_catalog
    load_catalog()
    return os.getpid()


def sweep(statement, settings, workers, repeat):
    """The fastest of `repeat` sweeps (the machine may be shared: the minimum is the least
    disturbed): (wall seconds, report, longest task seconds). Each sweep gets a new cluster, so
    none profits from values an earlier sweep left in the workers' caches."""
    from distributed import Client, LocalCluster, get_task_stream

    from forgetcheck.run.distributed import cluster_executor
    from forgetcheck.statements.registry import load_catalog
    from forgetcheck.run.runner import verify_all

    theorem = load_catalog()[statement]
    best = None
    for _ in range(repeat):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(_warm_up)
            with get_task_stream(client=client) as stream:
                start = time.perf_counter()
                (report,) = verify_all([theorem], settings, executor=cluster_executor(client))
                seconds = time.perf_counter() - start
            longest = max(sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
                          for task in stream.data)
        if best is None or seconds < best[0]:
            best = (seconds, report, longest)
    return best


def verdict(report):
    """What a report concludes (levels, counts, worst slacks and points, counterexamples), without
    free text and measurements, where checks may record their own timings."""
    fields = ("check", "evidence", "examples", "worst_slack", "worst_point", "counterexample")
    document = report.to_json()
    return (document["evidence"], document["examples"], document["worst_slack"], document["worst_point"],
            [[c.get(f) for f in fields] for c in document["checks"]],
            [(m["evidence"], m["counterexample"], [[c.get(f) for f in fields] for c in m["checks"]])
             for m in document["mutants"]])


def main(argv=None) -> int:
    from forgetcheck.run.batches import batch_count
    from forgetcheck.run.settings import profile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statement", default="O3.old")
    parser.add_argument("--profile", default="deep", choices=["ci", "deep"])
    parser.add_argument("--points", type=int, help="points per sampled check (default: the profile's)")
    parser.add_argument("--dps", type=int)
    parser.add_argument("--repeat", type=int, default=2, help="sweeps per worker count; the fastest is shown")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        raise SystemExit(f"--repeat={args.repeat} is outside the allowed range [1, inf)")
    settings = replace(profile(args.profile, points=args.points, dps=args.dps), replay_database=None)
    print(f"sweep of {args.statement}: profile {settings.profile}, {settings.dps} digits, {settings.points} "
          f"points per sampled check in {batch_count(settings)} batches of <= {settings.batch_points}, "
          f"{settings.search_points} of them by the worst-case search (population {settings.search_popsize}), "
          f"seed {settings.seed}; machine has {os.cpu_count()} cores")
    results = {}
    for workers in (1, 2):
        seconds, report, longest = sweep(args.statement, settings, workers, args.repeat)
        results[workers] = (seconds, report, longest)
        print(f"{workers} worker(s): wall {seconds:7.2f} s   total task time {report.seconds:7.2f} s   "
              f"longest task {longest:6.2f} s   {report.evidence.value}, {report.examples} points, "
              f"worst slack {report.worst()[0]}, mutants refuted {sum(m.refuted for m in report.mutants)}/"
              f"{len(report.mutants)}")
    (t1, r1, longest1), (t2, r2, _) = results[1], results[2]
    same = verdict(r1) == verdict(r2)
    bound = r1.seconds / max(longest1, r1.seconds / 2)
    print(f"no schedule on 2 workers beats max(longest task, task time / 2): at most {bound:.2f}x here "
          "(the longest task is normally batch 0: the worst-case search and the checks that do not split)")
    print(f"scaling ratio (1 worker / 2 workers): {t1 / t2:.2f}x; verdicts identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
