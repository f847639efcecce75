"""Running the checks: one statement (claim and mutants), or a selection of the catalog as
(statement, example batch) tasks (forgetcheck.run.batches), grouped into units of work that share
cached work (work_units), in this process, a local process pool or any concurrent.futures executor (a
dask cluster's: forgetcheck.run.distributed), with the transitive "fully verified" status over the
dependency graph."""
from __future__ import annotations

import functools
import os
import platform
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from forgetcheck.run.batches import BatchResult, batch_count, merge_outcome_lists, run_batch
from forgetcheck.statements.evidence import CheckOutcome, Evidence, combine, sharpest


@dataclass
class MutantReport:
    name: str
    where_false: str
    evidence: Evidence
    outcomes: list

    @property
    def refuted(self) -> bool:
        return self.evidence is Evidence.REFUTED

    @property
    def counterexample(self):
        return next((o.counterexample for o in self.outcomes if o.counterexample), None)

    def to_json(self) -> dict:
        cex = self.counterexample
        return {"name": self.name, "where_false": self.where_false, "evidence": self.evidence.value,
                "refuted": self.refuted, "counterexample": cex.__dict__ if cex else None,
                "checks": [o.to_json() for o in self.outcomes]}

    @classmethod
    def from_json(cls, data: dict) -> "MutantReport":
        return cls(data["name"], data["where_false"], Evidence(data["evidence"]),
                   [CheckOutcome.from_json(c) for c in data["checks"]])


@dataclass
class StatementReport:
    id: str
    title: str
    expected: Evidence
    evidence: Evidence
    outcomes: list
    mutants: list
    content_hash: str
    seconds: float
    settings: dict
    error: str = ""
    fully_verified: bool = False
    depends_on: tuple = ()
    cached_at: str = ""       # set when the verdict was reused from the cache: when it was obtained

    @property
    def reached(self) -> bool:
        return self.evidence.at_least(self.expected)

    @property
    def mutants_refuted(self) -> bool:
        return bool(self.mutants) and all(m.refuted for m in self.mutants)

    @property
    def passed(self) -> bool:
        return not self.error and self.reached and self.mutants_refuted

    @property
    def examples(self) -> int:
        return sum(o.examples for o in self.outcomes)

    def worst(self):
        """The numeric outcome with the smallest slack: (slack, point)."""
        candidates = [o for o in self.outcomes if o.worst_slack is not None and o.evidence is not Evidence.REFUTED]
        if not candidates:
            return None, {}
        best = min(candidates, key=lambda o: float(o.worst_slack))
        return best.worst_slack, best.worst_point

    def sharpness(self):
        """The closest approach to equality any check measured ({"ratio", "point", "kind"}), or None:
        the largest ratio lhs/rhs if some check measured one, else the smallest slack."""
        return sharpest(o.sharpness for o in self.outcomes if o.evidence is not Evidence.REFUTED)

    def to_json(self) -> dict:
        slack, point = self.worst()
        return {
            "id": self.id, "title": self.title, "evidence": self.evidence.value,
            "expected": self.expected.value, "passed": self.passed, "fully_verified": self.fully_verified,
            "examples": self.examples, "worst_slack": slack, "worst_point": point,
            "sharpness": self.sharpness(),
            "dps": self.settings.get("dps"), "seed": self.settings.get("seed"),
            "profile": self.settings.get("profile"), "content_hash": self.content_hash,
            "seconds": round(self.seconds, 3), "depends_on": list(self.depends_on), "error": self.error,
            "cached_at": self.cached_at or None, "settings": self.settings,
            "checks": [o.to_json() for o in self.outcomes],
            "mutants": [m.to_json() for m in self.mutants],
        }

    @classmethod
    def from_json(cls, data: dict) -> "StatementReport":
        """The inverse of to_json (derived fields such as passed and worst_slack are recomputed)."""
        settings = data.get("settings") or {k: data.get(k) for k in ("profile", "dps", "seed")}
        return cls(data["id"], data["title"], Evidence(data["expected"]), Evidence(data["evidence"]),
                   [CheckOutcome.from_json(c) for c in data["checks"]],
                   [MutantReport.from_json(m) for m in data["mutants"]],
                   data["content_hash"], float(data["seconds"]), dict(settings), data.get("error", ""),
                   bool(data.get("fully_verified", False)), tuple(data.get("depends_on", ())),
                   data.get("cached_at") or "")


def verify_theorem(theorem, settings) -> StatementReport:
    """Every example batch of one statement, in this process, merged: the same report a process
    pool or a cluster produces for these settings."""
    environment = worker_environment()
    return merge_batches(theorem, settings, [run_batch(theorem, settings, i, environment)
                                             for i in range(batch_count(settings))], environment)


def merge_batches(theorem, settings, results, environment=None) -> StatementReport:
    """The statement's report from all its batches. A batch that ran a different version of the
    statement, or under other library versions, makes the report an error: its verdict would
    not be the verdict of this statement here."""
    results = sorted(results, key=lambda r: r.index)
    seconds = sum(r.seconds for r in results)

    def report(outcomes, mutants, error):
        return StatementReport(theorem.id, theorem.title, theorem.expected, combine(outcomes), outcomes, mutants,
                               theorem.content_hash(), seconds, settings.to_json(), error,
                               depends_on=theorem.depends_on)

    mismatch = _mismatch(theorem, results, environment)
    if mismatch:
        return report([CheckOutcome("run", Evidence.UNCHECKED, mismatch)], [], mismatch)
    crashed = next((r for r in results if r.error), None)
    if crashed is not None:
        return report([o for _, o in crashed.outcomes], [], crashed.error)
    error = ""
    mutants = []
    for k, m in enumerate(theorem.mutants):
        outcomes = merge_outcome_lists(r.mutants[k] for r in results)
        evidence = combine(outcomes)
        if evidence is Evidence.PROVED:
            error = f"mutant {m.name!r} was PROVED: a symbolic strategy is unsound"
        mutants.append(MutantReport(m.name, m.where_false, evidence, outcomes))
    return report(merge_outcome_lists(r.outcomes for r in results), mutants, error)


def _mismatch(theorem, results, environment) -> str:
    for r in results:
        if r.content_hash != theorem.content_hash():
            return (f"example batch {r.index} of {theorem.id} ran a different version of the statement "
                    f"(content hash {r.content_hash}, here {theorem.content_hash()}): workers rebuild "
                    "statements by import, so restart them after editing the catalog, and give "
                    "verify_all a registry_factory that builds the statements it is given")
        if environment and r.environment and r.environment != environment:
            differ = {k: (r.environment.get(k), environment.get(k)) for k in set(r.environment) | set(environment)
                      if r.environment.get(k) != environment.get(k)}
            return (f"example batch {r.index} of {theorem.id} ran under other library versions "
                    f"(worker, here): {differ}; install the same versions on every worker")
    return ""


@functools.lru_cache(maxsize=8)
def _registry(registry_factory):
    # statements are immutable: one registry per factory and worker process
    return registry_factory()


def run_unit_by_id(unit, settings, registry_factory) -> list:
    """One unit of work, as a worker runs it: its (statement id, batch index) tasks in order, each
    statement rebuilt here by import (ids and settings cross the process boundary)."""
    with warnings.catch_warnings():
        # A dask worker's event-loop thread draws from the global `random` while hypothesis runs,
        # which hypothesis reports as a strategy using `random`; ours use hypothesis' own seeded
        # generator (the verdicts equal the in-process run's, tests/test_distributed.py).
        warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies")
        return [run_batch(_registry(registry_factory)[theorem_id], settings, index, worker_environment())
                for theorem_id, index in unit]


def work_units(theorems, count: int) -> list:
    """The (statement id, batch index) tasks, grouped into units that one worker runs in order.
    Statements whose checks share per-process work (Check.shared_work: R5's three statements read
    the same cached flows; F3.minimizer, F3.convex and P1 evaluate the same cached engine values),
    directly or through others, form one unit per batch index, so the work is done once; every
    other task is a unit of its own. Which worker runs a unit never changes a verdict: shared work
    is a cache of values a fresh computation gives identically."""
    theorems = list(theorems)
    group = list(range(len(theorems)))   # union-find over the statements, by shared work

    def root(i):
        while group[i] != i:
            group[i] = i = group[group[i]]
        return i

    first_with = {}
    for i, theorem in enumerate(theorems):
        for name in frozenset().union(*(check.shared_work(theorem) for check in theorem.checks)):
            if name in first_with:
                group[root(i)] = root(first_with[name])
            else:
                first_with[name] = i
    members = {}
    for i, theorem in enumerate(theorems):
        members.setdefault(root(i), []).append(theorem.id)
    units = []
    for ids in members.values():  # in the order of each group's first statement
        units.extend([(theorem_id, index) for theorem_id in ids] for index in range(count))
    return units


def _lost_task(theorem, index, exc) -> BatchResult:
    import traceback
    why = f"example batch {index} was lost by the executor: {type(exc).__name__}: {exc}"
    return BatchResult(theorem.id, index, theorem.content_hash(),
                       [(-1, CheckOutcome("run", Evidence.UNCHECKED, why + "\n" + traceback.format_exc(limit=4)))],
                       [], 0.0, why)


def _default_registry():
    from forgetcheck.statements.registry import load_catalog
    return load_catalog()


def verify_all(theorems, settings, *, jobs=None, registry_factory=_default_registry, progress=None,
               executor=None) -> list:
    """Check statements as (statement, example batch) tasks: on `executor` if given (any
    concurrent.futures executor, e.g. a dask cluster's), else in this process when jobs == 1,
    else in `jobs` local processes (default: all cores). Workers rebuild the statements with
    `registry_factory`, which must be importable (it crosses the process boundary by name); the
    split depends on the settings alone, so every way of running gives the same verdicts.
    `progress(report, done, total)` is called as each statement completes."""
    theorems = list(theorems)
    by_id = {t.id: t for t in theorems}
    count = batch_count(settings)
    units = work_units(theorems, count)
    environment = worker_environment()
    pending = {t.id: [] for t in theorems}
    reports = {}

    def collect(result):
        batches = pending[result.statement_id]
        batches.append(result)
        if len(batches) == count:
            report = merge_batches(by_id[result.statement_id], settings, batches, environment)
            reports[report.id] = report
            if progress:
                progress(report, len(reports), len(theorems))

    jobs = jobs or os.cpu_count() or 1
    if executor is None and (jobs == 1 or len(units) == 1):
        for unit in units:
            for theorem_id, index in unit:
                collect(run_batch(by_id[theorem_id], settings, index, environment))
    elif units:
        own_pool = executor is None
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(units))) if own_pool else executor
        futures = {}
        try:
            futures = {pool.submit(run_unit_by_id, unit, settings, registry_factory): unit for unit in units}
            for future in as_completed(futures):
                try:
                    results = future.result()
                except Exception as exc:  # the executor lost the unit for good (e.g. dask's KilledWorker
                    # after repeated worker deaths): its statements are errors, the others go on
                    results = [_lost_task(by_id[theorem_id], index, exc) for theorem_id, index in futures[future]]
                for result in results:
                    collect(result)
        finally:
            if own_pool:
                pool.shutdown(wait=True, cancel_futures=True)
            else:
                for future in futures:
                    future.cancel()  # after an interruption, leave nothing queued on the cluster
    ordered = [reports[t.id] for t in theorems]
    mark_fully_verified(ordered)
    return ordered


def mark_fully_verified(reports) -> None:
    """A statement is fully verified when it passed and everything it uses is fully verified.
    A dependency outside this run counts as not verified (we have no evidence for it here)."""
    from forgetcheck.statements.registry import resolve_reference
    by_id = {r.id: r for r in reports}
    memo = {}

    def resolve(ref):
        return resolve_reference(ref, by_id)

    def full(rid, trail=()):
        if rid in memo:
            return memo[rid]
        r = by_id.get(rid)
        ok = (r is not None and r.passed and rid not in trail
              and all(resolve(ref) and all(full(d, trail + (rid,)) for d in resolve(ref)) for ref in r.depends_on))
        memo[rid] = ok
        return ok

    for r in reports:
        r.fully_verified = full(r.id)


@functools.lru_cache(maxsize=1)
def worker_environment() -> dict:
    """The versions a task ran under, compared with the coordinator's before batches are merged."""
    return dict(environment(), forgetcheck=project_version())


def project_version() -> str:
    from importlib import metadata
    try:
        return metadata.version("forgetcheck")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "source"


def environment() -> dict:
    import hypothesis
    import mpmath
    import numpy
    import scipy
    import sympy
    versions = {"python": platform.python_version(), "sympy": sympy.__version__, "mpmath": mpmath.__version__,
                "numpy": numpy.__version__, "scipy": scipy.__version__, "hypothesis": hypothesis.__version__}
    try:
        import flint
        versions["python-flint"] = flint.__version__
    except ImportError:  # pragma: no cover - flint is a dependency, but reports must not crash
        versions["python-flint"] = None
    # mpmath's arithmetic backend (gmpy2 when installed, else pure Python): part of every cache
    # key, since a verdict obtained on one backend says nothing about the code paths of the other
    versions["mpmath-backend"] = mpmath.libmp.BACKEND
    try:
        import gmpy2
        versions["gmpy2"] = gmpy2.version()
    except ImportError:
        versions["gmpy2"] = None
    return versions
