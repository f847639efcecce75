"""Splitting one statement's verification into independent tasks, and merging their outcomes.

A task is (statement, batch index). Batch 0 runs every check the way an unsplit run does (symbolic
strategies, limits, custom checks; for sampled checks the pinned and boundary points, the first
share of the hypothesis examples and the worst-case search), under the run's own seed. Batch k ≥ 1
draws only further hypothesis examples for the checks that can spread their budget, under a seed
derived from (run seed, statement id, k). The split depends on the settings alone, never on how
many workers there are, so the same settings give the same verdicts in one process, in a process
pool and on a dask cluster; with one batch (the `ci` profile) a run is exactly the unsplit run.
"""
from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field, replace

import mpmath

from forgetcheck.statements.evidence import CheckOutcome, Evidence, sharpest
from forgetcheck.numerics.errors import InputError


def batch_count(settings) -> int:
    return -(-settings.points // settings.batch_points)


def batch_seed(seed: int, statement_id: str, index: int) -> int:
    """Batch 0 keeps the run's seed (a one-batch run is the unsplit run); the others get
    independent, reproducible seeds in [0, 2^32), the range scipy and hypothesis both take."""
    if index == 0:
        return seed
    digest = hashlib.sha256(f"{seed}:{statement_id}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def batch_settings(settings, statement_id: str, index: int):
    """The settings of one batch: its place among the batches (a sampled check takes its share of
    the generated examples from it, Settings.generated_examples) and its seed; every budget
    (points, search, precision) is the run's."""
    count = batch_count(settings)
    if not isinstance(index, int) or not 0 <= index < count:
        raise InputError(f"batch index={index!r} is outside the allowed range [0, {count - 1}]")
    return replace(settings, batch=(index, count), seed=batch_seed(settings.seed, statement_id, index))


@dataclass
class BatchResult:
    """What one task established. Outcomes are (check index, CheckOutcome) pairs so that batches
    can be merged check by check; `mutants` holds one such list per mutant, in the statement's order."""
    statement_id: str
    index: int
    content_hash: str                # of the statement the task ran: workers rebuild it by import
    outcomes: list
    mutants: list
    seconds: float
    error: str = ""                  # a crash: outcomes then hold its traceback
    environment: dict = field(default_factory=dict)  # library versions where the task ran


def _run_checks(theorem, claim, settings, index, *, mutant: bool) -> list:
    share = batch_settings(settings, theorem.id, index)
    outcomes = []
    for number, check in enumerate(theorem.checks):
        if mutant and not check.runs_on_mutants:
            continue
        if index == 0:
            # checks that do not split their budget see the run's settings unchanged
            outcome = check.run(theorem, claim, share if check.splits_examples else settings)
        elif check.splits_examples:
            outcome = check.run_more_examples(theorem, claim, share)
        else:
            continue
        outcomes.append((number, outcome))
        if mutant and outcome.evidence is Evidence.REFUTED:
            break  # one refutation settles a mutant
    return outcomes


def run_batch(theorem, settings, index: int, environment=None) -> BatchResult:
    start = time.perf_counter()
    try:
        outcomes = _run_checks(theorem, theorem.claim, settings, index, mutant=False)
        mutants = [_run_checks(theorem, m.claim, settings, index, mutant=True) for m in theorem.mutants]
        error = ""
    except Exception as exc:  # a crash is reported against the statement, never hidden
        outcomes = [(-1, CheckOutcome("run", Evidence.UNCHECKED, traceback.format_exc(limit=6)))]
        mutants, error = [], f"{type(exc).__name__}: {exc}" + (f" (example batch {index})" if index else "")
    return BatchResult(theorem.id, index, theorem.content_hash(), outcomes, mutants,
                       time.perf_counter() - start, error, environment or {})


def _slack(outcome):
    return mpmath.mpf(outcome.worst_slack)


def merge_check(outcomes: list) -> CheckOutcome:
    """One check's outcomes from several batches (in batch order) as one outcome: any refutation
    wins (the first, so its seed reproduces it), then any point without the requested digits;
    otherwise the weakest supporting level with the worst slack and the sharpest approach to
    equality over all batches. Point counts add."""
    if len(outcomes) == 1:
        return outcomes[0]
    total = sum(o.examples for o in outcomes)
    refuted = next((o for o in outcomes if o.evidence is Evidence.REFUTED), None)
    if refuted is not None:
        return replace(refuted, examples=total)
    inconclusive = next((o for o in outcomes if o.evidence is Evidence.INCONCLUSIVE), None)
    if inconclusive is not None:
        return replace(inconclusive, examples=total,
                       detail=f"{inconclusive.detail} (in one of {len(outcomes)} example batches)")
    supporting = [o for o in outcomes if o.evidence.strength > 0]
    if not supporting:
        return replace(outcomes[0], examples=total)
    weakest = min((o.evidence for o in supporting), key=lambda e: e.strength)
    with_slack = [o for o in supporting if o.worst_slack is not None]
    worst = min(with_slack, key=_slack) if with_slack else supporting[0]
    return replace(worst, evidence=weakest, examples=total,
                   sharpness=sharpest(o.sharpness for o in supporting),
                   detail=f"{total} points in {len(outcomes)} batches, no violation; "
                          f"the worst batch: {worst.detail}")


def merge_outcome_lists(lists) -> list:
    """Per-batch lists of (check index, outcome) as one outcome per check, in the checks' order."""
    by_check = {}
    for pairs in lists:
        for number, outcome in pairs:
            by_check.setdefault(number, []).append(outcome)
    return [merge_check(by_check[number]) for number in sorted(by_check)]
