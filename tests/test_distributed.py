"""(statement, example batch) tasks: the split, the merge, and the same verdicts in this process,
a process pool and a two-worker dask cluster, also when a worker is killed mid-run."""
import os
import signal
import threading
import time

import pytest
from distributed import Client, LocalCluster

import cheap_catalog
from forgetcheck import cli
from forgetcheck.run import distributed as distributed_runs
from forgetcheck.run.batches import batch_count, batch_seed, batch_settings, merge_check
from forgetcheck.run.distributed import cluster_executor, require_single_threaded
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.statements.registry import load_catalog
from forgetcheck.run.runner import verify_all, verify_theorem
from forgetcheck.run.settings import profile

# three example batches per sampled check, small search: enough to exercise the split and merge
SPLIT = profile("ci", points=24, batch_points=8, search_points=8, search_popsize=5)


VERDICT_FIELDS = ("check", "evidence", "examples", "worst_slack", "worst_point", "counterexample", "trace", "sharpness")


def _outcome(check):
    return {k: check.get(k) for k in VERDICT_FIELDS}


def comparable(reports):
    """What each report concludes, check by check and mutant by mutant: levels, example counts,
    worst slacks and points, counterexamples. Free text and measurements are left out, as checks
    may put their own timings there (a certificate records how long it took)."""
    out = []
    for r in reports:
        document = r.to_json()
        out.append({
            **{k: document[k] for k in ("id", "evidence", "passed", "fully_verified", "examples", "worst_slack",
                                        "worst_point", "content_hash", "error", "settings")},
            "checks": [_outcome(c) for c in document["checks"]],
            "mutants": [dict(name=m["name"], evidence=m["evidence"], counterexample=m["counterexample"],
                             checks=[_outcome(c) for c in m["checks"]]) for m in document["mutants"]],
        })
    return out


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield client


@pytest.fixture(scope="module")
def cheap_reference():
    registry = cheap_catalog.registry()
    return registry, verify_all(registry.theorems(), SPLIT, jobs=1)


def test_the_split_depends_on_the_settings_alone():
    assert batch_count(SPLIT) == 3 and batch_count(profile("ci")) == 1 and batch_count(profile("deep")) == 8
    split = profile("ci", points=32, search_points=7, batch_points=8)
    shares = [batch_settings(split, "O5", i).generated_examples(search=True) for i in range(4)]
    assert shares == [7, 6, 6, 6]  # the 25 points the search does not take
    assert [batch_settings(split, "O5", i).generated_examples(search=False) for i in range(4)] == [8] * 4
    seeds = [batch_settings(SPLIT, "O5", i).seed for i in range(3)]
    assert seeds[0] == SPLIT.seed and len(set(seeds)) == 3  # batch 0 is the unsplit run's seed
    assert seeds == [batch_seed(SPLIT.seed, "O5", i) for i in range(3)]  # reproducible
    assert batch_seed(0, "O5", 1) != batch_seed(0, "O6", 1) != batch_seed(1, "O6", 1)
    assert all(0 <= batch_seed(7, "O5", i) < 2 ** 32 for i in range(1, 50))
    with pytest.raises(ValueError, match=r"batch index=3 is outside the allowed range \[0, 2\]"):
        batch_settings(SPLIT, "O5", 3)
    with pytest.raises(ValueError, match="batch_points=0"):
        profile("ci", batch_points=0)
    with pytest.raises(ValueError, match=r"search_points=200 is outside the allowed range \[0, points - 1 = 199\]"):
        profile("ci", search_points=200)


def test_merge_any_refutation_wins_counts_add_worst_slack_over_batches():
    sampled = lambda slack, n: CheckOutcome("c", Evidence.SAMPLED, f"{n} points", examples=n, worst_slack=slack,
                                            worst_point={"u": slack})
    merged = merge_check([sampled("0.5", 10), sampled("1.0e-3", 8), sampled("2", 8)])
    assert merged.evidence is Evidence.SAMPLED and merged.examples == 26
    assert merged.worst_slack == "1.0e-3" and merged.worst_point == {"u": "1.0e-3"}
    cex = Counterexample({"u": "1"}, "3", "2.7", "-0.1", 30, "hypothesis (seed=5)")
    refuted = CheckOutcome("c", Evidence.REFUTED, cex.describe(), examples=3, worst_slack="-0.1", counterexample=cex)
    merged = merge_check([sampled("0.5", 10), refuted, sampled("0.1", 8)])
    assert merged.evidence is Evidence.REFUTED and merged.counterexample == cex and merged.examples == 21
    unsure = CheckOutcome("c", Evidence.INCONCLUSIVE, "digits not reached", examples=4)
    merged = merge_check([sampled("0.5", 10), unsure])
    assert merged.evidence is Evidence.INCONCLUSIVE and merged.examples == 14


def test_split_run_is_the_same_in_process_in_a_pool_and_one_statement_at_a_time(cheap_reference):
    registry, reference = cheap_reference
    assert all(r.passed for r in reference)
    assert all(r.examples > SPLIT.batch_points for r in reference)  # more than one batch was merged
    assert all("in 3 batches" in r.outcomes[0].detail for r in reference)
    pooled = verify_all(registry.theorems(), SPLIT, jobs=2, registry_factory=cheap_catalog.registry)
    assert comparable(pooled) == comparable(reference)
    one_by_one = [verify_theorem(t, SPLIT) for t in registry.theorems()]
    for r in one_by_one:
        r.fully_verified = True  # verify_theorem does not look at dependencies
    assert comparable(one_by_one) == comparable(reference)


def test_a_dask_cluster_gives_the_local_verdicts(cluster, cheap_reference):
    registry, reference = cheap_reference
    distributed = verify_all(registry.theorems(), SPLIT, executor=cluster_executor(cluster),
                             registry_factory=cheap_catalog.registry)
    assert comparable(distributed) == comparable(reference)
    catalog = load_catalog().select(["O5", "O6"])  # the real catalog, rebuilt by the workers' import
    local = verify_all(catalog, SPLIT, jobs=1)
    assert all(r.passed for r in local)
    assert comparable(verify_all(catalog, SPLIT, executor=cluster_executor(cluster))) == comparable(local)


def test_a_worker_running_another_version_of_a_statement_is_an_error(cluster):
    edited = cheap_catalog.registry([cheap_catalog.BASE, cheap_catalog.MIDDLE_EDITED, cheap_catalog.TOP])
    # the workers import the unedited module: their middle statement is not the one given here
    reports = verify_all(edited.theorems(), SPLIT, executor=cluster_executor(cluster),
                         registry_factory=cheap_catalog.registry)
    by_id = {r.id: r for r in reports}
    assert "ran a different version of the statement" in by_id["CHEAP.middle"].error
    assert not by_id["CHEAP.middle"].passed and by_id["CHEAP.base"].passed


class LosesOneTask:
    """An executor whose every unit of work with a task of one statement fails, as after repeated
    worker deaths (a unit is a list of (statement id, batch index), runner.work_units)."""

    def __init__(self, doomed):
        from concurrent.futures import ThreadPoolExecutor
        self.pool, self.doomed = ThreadPoolExecutor(1), doomed

    def submit(self, fn, unit, *args):
        if any(theorem_id == self.doomed for theorem_id, _ in unit):
            return self.pool.submit(self._fail)
        return self.pool.submit(fn, unit, *args)

    @staticmethod
    def _fail():
        raise RuntimeError("worker died three times")


def test_a_task_lost_for_good_is_an_error_of_its_statement_only(cheap_reference):
    registry, reference = cheap_reference
    reports = verify_all(registry.theorems(), SPLIT, executor=LosesOneTask("CHEAP.top"),
                         registry_factory=cheap_catalog.registry)
    by_id = {r.id: r for r in reports}
    assert "lost by the executor: RuntimeError: worker died three times" in by_id["CHEAP.top"].error
    assert comparable(reports[:2]) == comparable(reference[:2])


def test_threaded_workers_are_refused():
    class Scheduler:
        def scheduler_info(self):
            return {"workers": {"tcp://a:1": {"nthreads": 1}, "tcp://b:2": {"nthreads": 4}}}
    with pytest.raises(ValueError, match="nthreads != 1"):
        require_single_threaded(Scheduler())


def test_the_command_runs_on_a_scheduler_address(cluster, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORGETCHECK_CACHE", str(tmp_path / "store"))
    address = cluster.scheduler.address
    assert cli.main(["verify", "--only", "O5,O6", "--scheduler", address, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert f"on dask scheduler {address} with 2 worker(s)" in captured.err
    assert "2 statements: 2 passed" in captured.out and "0 verdict(s) reused" in captured.out
    assert cluster.scheduler_info()["workers"]  # the command closed its client, not the cluster


def test_an_unreachable_scheduler_is_a_clear_error(capsys, monkeypatch, tmp_path):
    # --fresh and a private working directory: a verdict cached by an earlier run would (rightly)
    # be reused without contacting any scheduler, and this test would check nothing
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(distributed_runs, "CONNECT_TIMEOUT", "1s")
    assert cli.main(["verify", "--only", "O6", "--fresh", "--scheduler", "tcp://127.0.0.1:9", "--quiet"]) == 2
    assert "no dask scheduler answered" in capsys.readouterr().err


def test_a_killed_worker_loses_no_result(cluster):
    """Kill (SIGKILL) a worker process while it holds a task: the scheduler re-runs its tasks
    on the other worker (the nanny restarts the dead one), and every report arrives, unchanged."""
    settings = profile("ci", points=40, batch_points=4, search_points=8, search_popsize=5)  # 30 tasks
    registry = cheap_catalog.registry()
    reference = verify_all(registry.theorems(), settings, jobs=1)
    pids = cluster.run(os.getpid)
    finished, result = [], {}

    def run():
        result["reports"] = verify_all(registry.theorems(), settings, executor=cluster_executor(cluster),
                                       registry_factory=cheap_catalog.registry,
                                       progress=lambda report, done, total: finished.append(report.id))

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 60
    busy = {}
    while not busy and time.monotonic() < deadline:
        busy = {worker: keys for worker, keys in cluster.processing().items() if keys}
        time.sleep(0.005)
    assert busy, "no worker ever received a task"
    victim = next(iter(busy))
    os.kill(pids[victim], signal.SIGKILL)
    killed_while_running = runner.is_alive() and len(finished) < len(reference)
    runner.join(timeout=120)
    assert not runner.is_alive()
    assert killed_while_running
    assert comparable(result["reports"]) == comparable(reference)
    assert pids[victim] not in cluster.run(os.getpid).values()  # that process is gone


def test_statements_that_share_cached_flows_run_in_one_unit_per_batch():
    """R5's three statements read the same per-process flow cache: one unit per batch index runs
    them together (so each start's flow is solved once); a statement sharing nothing is a unit alone.
    Statements that evaluate the same cached engine quantity over the same ranges are grouped too,
    a group joining every statement linked through shared values (P1 shares ReplayGradient with
    F3.minimizer and κ_λ with F3.convex, which share nothing with each other)."""
    from forgetcheck.run.runner import work_units
    from forgetcheck.statements.registry import load_catalog
    catalog = load_catalog()
    chosen = [catalog[i] for i in ("O5", "R5.drift", "R1.flow", "R5.weight", "R5.convergence")]
    assert work_units(chosen, 2) == [
        [("O5", 0)], [("O5", 1)],
        [("R5.drift", 0), ("R5.weight", 0), ("R5.convergence", 0)],
        [("R5.drift", 1), ("R5.weight", 1), ("R5.convergence", 1)],
        [("R1.flow", 0)], [("R1.flow", 1)]]
    replay = [catalog[i] for i in ("P1", "F3.convex", "F1.flow", "F3.minimizer")]
    assert work_units(replay, 1) == [[("P1", 0), ("F3.convex", 0), ("F3.minimizer", 0)], [("F1.flow", 0)]]
    units = work_units(catalog.theorems(), 1)
    assert sorted(task for unit in units for task in unit) == sorted((t.id, 0) for t in catalog.theorems())
