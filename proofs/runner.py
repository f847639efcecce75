"""Running the checks: one statement (claim and mutants), or a selection of the catalog in
parallel processes, with the transitive "fully verified" status over the dependency graph."""
from __future__ import annotations

import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from .evidence import CheckOutcome, Evidence, combine


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

    def to_json(self) -> dict:
        slack, point = self.worst()
        return {
            "id": self.id, "title": self.title, "evidence": self.evidence.value,
            "expected": self.expected.value, "passed": self.passed, "fully_verified": self.fully_verified,
            "examples": self.examples, "worst_slack": slack, "worst_point": point,
            "dps": self.settings.get("dps"), "seed": self.settings.get("seed"),
            "profile": self.settings.get("profile"), "content_hash": self.content_hash,
            "seconds": round(self.seconds, 3), "depends_on": list(self.depends_on), "error": self.error,
            "checks": [o.to_json() for o in self.outcomes],
            "mutants": [m.to_json() for m in self.mutants],
        }


def _run_checks(theorem, claim, settings, *, mutant: bool) -> list:
    outcomes = []
    for check in theorem.checks:
        if mutant and not check.runs_on_mutants:
            continue
        outcome = check.run(theorem, claim, settings)
        outcomes.append(outcome)
        if mutant and outcome.evidence is Evidence.REFUTED:
            break  # one refutation settles a mutant
    return outcomes


def verify_theorem(theorem, settings) -> StatementReport:
    start = time.perf_counter()
    error = ""
    try:
        outcomes = _run_checks(theorem, theorem.claim, settings, mutant=False)
        mutants = []
        for m in theorem.mutants:
            m_outcomes = _run_checks(theorem, m.claim, settings, mutant=True)
            evidence = combine(m_outcomes)
            if evidence is Evidence.PROVED:
                error = f"mutant {m.name!r} was PROVED: a symbolic strategy is unsound"
            mutants.append(MutantReport(m.name, m.where_false, evidence, m_outcomes))
    except Exception as exc:  # a crash is reported against the statement, never hidden
        import traceback
        outcomes, mutants = [CheckOutcome("run", Evidence.UNCHECKED, traceback.format_exc(limit=6))], []
        error = f"{type(exc).__name__}: {exc}"
    return StatementReport(theorem.id, theorem.title, theorem.expected, combine(outcomes), outcomes, mutants,
                           theorem.content_hash(), time.perf_counter() - start, settings.to_json(), error,
                           depends_on=theorem.depends_on)


def _verify_by_id(theorem_id, settings, registry_factory):
    registry = registry_factory()
    return verify_theorem(registry[theorem_id], settings)


def _default_registry():
    from .registry import load_catalog
    return load_catalog()


def verify_all(theorems, settings, *, jobs=None, registry_factory=_default_registry, progress=None) -> list:
    """Check statements in `jobs` processes (default: all cores). Workers rebuild the registry
    by import and take statement ids, so nothing unpicklable crosses the process boundary."""
    theorems = list(theorems)
    jobs = jobs or os.cpu_count() or 1
    reports = {}
    if jobs == 1 or len(theorems) == 1:
        for t in theorems:
            reports[t.id] = verify_theorem(t, settings)
            if progress:
                progress(reports[t.id], len(reports), len(theorems))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(theorems))) as pool:
            futures = {pool.submit(_verify_by_id, t.id, settings, registry_factory): t.id for t in theorems}
            for future in as_completed(futures):
                report = future.result()
                reports[report.id] = report
                if progress:
                    progress(report, len(reports), len(theorems))
    ordered = [reports[t.id] for t in theorems]
    mark_fully_verified(ordered)
    return ordered


def mark_fully_verified(reports) -> None:
    """A statement is fully verified when it passed and everything it uses is fully verified.
    A dependency outside this run counts as not verified (we have no evidence for it here)."""
    by_id = {r.id: r for r in reports}
    memo = {}

    def resolve(ref):  # a statement id, or a group 'O3' meaning every 'O3.*' (see Registry.resolve)
        return [ref] if ref in by_id else [rid for rid in by_id if rid.startswith(ref + ".")]

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
    return versions
