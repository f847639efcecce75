"""The checks a statement carries. Each takes the claim to check as an argument, so the very same
check runs on the statement and on its mutants: a check that cannot refute a mutant has no teeth.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import mpmath

from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import decimal
from forgetcheck.quantities.engine_function import EngineFunction
from forgetcheck.quantities.evaluate import evaluate
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.checks.stress import corner_points, stress
from forgetcheck.checks.symbolic import NotProved
from forgetcheck.numerics.errors import InputError


def sampled_ranges(parameters) -> str:
    """The ranges the points are drawn from ("a in (0, 1), Delta in [0, 30] (log scale)"): two checks
    with the same ranges draw the same points under one seed (Check.shared_work)."""
    return ", ".join(p.describe() for p in parameters)


def atoms_in_claims(theorem, kind) -> set:
    """The atoms of type `kind` in the claim and every mutant's claim, both sides."""
    claims = [theorem.claim] + [m.claim for m in theorem.mutants]
    return {atom for claim in claims for side in (claim.lhs, claim.rhs) for atom in side.atoms(kind)}


class Check:
    """Subclasses are frozen dataclasses with a `description` field."""
    runs_on_mutants = True
    #: whether the example budget can be spread over independent batches (forgetcheck.run.batches):
    #: such a check also implements run_more_examples
    splits_examples = False

    def run(self, theorem, claim, settings) -> CheckOutcome:  # pragma: no cover - interface
        raise NotImplementedError

    def shared_work(self, theorem) -> frozenset:
        """Names of per-process caches this check fills and other statements' checks read (e.g. a
        flow solved once per start): the runner runs statements sharing one in the same worker
        (forgetcheck.run.runner.work_units). Empty by default."""
        return frozenset()

    def fingerprint(self) -> str:
        """Everything that decides how this check runs: every field (budgets, scales, points,
        tolerances) and the source of the functions it calls. The statement's content hash and the
        cache key both use this one fingerprint, so a changed budget re-checks and re-marks the
        printed certificate."""
        from forgetcheck.run.cache import check_fingerprint
        return check_fingerprint(self)


@dataclass(frozen=True)
class Symbolic(Check):
    """A symbolic strategy applied to the claim. `prove(claim)` returns the trace or raises NotProved.

    With proves_claim=False the strategy establishes a *step* of the proof (e.g. the AM-GM square
    of O3); its trace is reported, but it does not make the statement `proved`.
    """
    description: str
    prove: Callable
    proves_claim: bool = True

    @property
    def runs_on_mutants(self):
        return self.proves_claim

    def run(self, theorem, claim, settings):
        try:
            trace = tuple(self.prove(claim))
        except NotProved as why:
            return CheckOutcome(self.description, Evidence.UNCHECKED, f"not proved: {why}")
        if not self.proves_claim:
            return CheckOutcome(self.description, Evidence.UNCHECKED, "supporting step proved", trace=trace)
        return CheckOutcome(self.description, Evidence.PROVED, "proved symbolically", trace=trace)


@dataclass(frozen=True)
class Sampled(Check):
    """Stress test over the statement's parameter domain (forgetcheck.checks.stress): the profile's
    points at its digits, generated examples and, on an inequality, the worst-case search, which
    also measures how sharp the bound is. `scale` ≠ 1 changes the budget for one check; search=False
    leaves out the search: for identities it never runs (an identity's slack is rounding noise,
    with nothing to steer by). A check that runs fewer points than the profile asks (scale < 1)
    or leaves the search out of an inequality says why in `budget_note` (e.g. a point that costs
    a 2-D quadrature): tests/test_budgets.py requires it."""
    description: str = "stress test over the domain"
    scale: float = 1.0
    search: bool = True
    parameters: tuple | None = None   # default: the theorem's
    budget_note: str = ""             # why the budget is below the profile's (see above)

    def reduced_budget(self, settings, inequality: bool) -> bool:
        """Whether this check runs fewer points than `settings` ask, or an inequality without the
        worst-case search."""
        return settings.scaled(self.scale).points < settings.points or (inequality and not self.search)

    splits_examples = True

    def shared_work(self, theorem):
        """One name per cached engine quantity of the claim and its mutants, with the domain it is
        sampled over: statements evaluating the same one over the same ranges draw many of the same
        points (hypothesis, under the run's one seed), so in one worker they reuse the values."""
        params = self.parameters if self.parameters is not None else theorem.parameters
        return frozenset(f"values of {atom} over {sampled_ranges(params)}"
                         for atom in atoms_in_claims(theorem, EngineFunction) if atom.values_cached)

    def run(self, theorem, claim, settings):
        params = self.parameters if self.parameters is not None else theorem.parameters
        return stress(claim, params, theorem.assumptions(), settings.scaled(self.scale),
                      pinned=theorem.pinned, search=self.search, description=self.description)

    def run_more_examples(self, theorem, claim, settings):
        """A further batch of hypothesis examples under settings.seed; the boundary points and
        the worst-case search belong to the first batch (`run`)."""
        params = self.parameters if self.parameters is not None else theorem.parameters
        return stress(claim, params, theorem.assumptions(), settings.scaled(self.scale),
                      search=self.search, boundary=False, description=self.description)


@dataclass(frozen=True)
class Limit(Check):
    """Asymptotic claims, along increasing values `at` of the claim's variable.

    limit claims: the relative error |lhs/rhs − 1| (|lhs| when rhs = 0) must shrink, and at the
    claimed rate: error · v^rate must not grow by more than `growth`. A wrong limit leaves an error
    that does not shrink and is refuted.
    slope claims: the local slopes of lhs against the abscissa between successive points must
    approach rhs in the same sense.
    """
    at: tuple
    description: str = "approach to the limit along increasing values"
    growth: int = 2
    samples: int = 4

    def run(self, theorem, claim, settings):
        if claim.kind not in (ClaimKind.LIMIT, ClaimKind.RATE):
            raise InputError(f"{theorem.id}: Limit check on a {claim.kind.value} claim")
        others = [p for p in theorem.parameters if p.symbol != claim.variable]
        points = corner_points(others, ())[: self.samples] if others else [{}]
        var = str(claim.variable)
        rate = evaluate(claim.rate, {}, settings.dps) if claim.rate is not None else None
        worst, table = None, []
        for point in points:
            try:
                places, errors = self._errors(claim, point, var, settings.dps)
            except PrecisionNotReached as exc:
                return CheckOutcome(self.description, Evidence.INCONCLUSIVE, str(exc))
            scaled = [e * mpmath.mpf(v) ** rate for e, v in zip(errors, places)] if rate is not None else errors
            shrinking = errors[-1] < errors[0] / 2 and all(b <= a for a, b in zip(errors, errors[1:]))
            bounded = rate is None or scaled[-1] <= self.growth * max(scaled[0], mpmath.mpf(10) ** (-settings.dps))
            table.append(dict({var: [mpmath.nstr(v, 6) for v in places],
                               "relative_error": [mpmath.nstr(e, 4) for e in errors]},
                              **{k: decimal(v, 10) for k, v in point.items()}))
            if not (shrinking and bounded):
                where = {k: decimal(v, 12) for k, v in point.items()}
                cex = Counterexample(dict(where, **{var: f"{self.at[0]}..{self.at[-1]}"}),
                                     "relative error " + ", ".join(mpmath.nstr(e, 4) for e in errors),
                                     f"rate {claim.rate}" if claim.rate is not None else "0",
                                     mpmath.nstr(errors[-1], 4), settings.dps,
                                     "sequence along the limit variable")
                why = "does not shrink" if not shrinking else f"shrinks slower than {var}^-{claim.rate}"
                return CheckOutcome(self.description, Evidence.REFUTED, f"the error {why}: {cex.describe()}",
                                    examples=len(table) * len(self.at), counterexample=cex,
                                    measured={"table": table})
            worst = errors[-1] if worst is None else max(worst, errors[-1])
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"relative error at {var}={self.at[-1]}: {mpmath.nstr(worst, 4)}, shrinking"
                            + (f" like {var}^-{claim.rate}" if claim.rate is not None else ""),
                            examples=len(points) * len(self.at), worst_slack=mpmath.nstr(worst, 6),
                            measured={"table": table})

    def _errors(self, claim, point, var, dps):
        """(places, relative errors) along the sequence `at`."""
        values = [dict(point, **{var: Fraction(str(v))}) for v in self.at]
        if claim.kind is ClaimKind.LIMIT:
            errors = []
            for vals in values:
                lhs, rhs = evaluate(claim.lhs, vals, dps), evaluate(claim.rhs, vals, dps)
                errors.append(abs(lhs / rhs - 1) if rhs != 0 else abs(lhs))
            return [mpmath.mpf(Fraction(str(v)).numerator) / Fraction(str(v)).denominator for v in self.at], errors
        lhs = [evaluate(claim.lhs, vals, dps) for vals in values]
        abscissa = [evaluate(claim.abscissa, vals, dps) for vals in values]
        target = evaluate(claim.rhs, values[-1], dps)
        slopes = [(l2 - l1) / (a2 - a1) for l1, l2, a1, a2 in zip(lhs, lhs[1:], abscissa, abscissa[1:])]
        places = [(evaluate(claim.variable, a, dps) + evaluate(claim.variable, b, dps)) / 2
                  for a, b in zip(values, values[1:])]
        return places, [abs(s / target - 1) if target != 0 else abs(s) for s in slopes]


@dataclass(frozen=True)
class Custom(Check):
    """A check written as a function `fn(theorem, claim, settings) -> CheckOutcome` (dynamics,
    Monte Carlo, fitted slopes). It must evaluate the claim it is given, not a copy."""
    description: str
    fn: Callable = field(compare=False)
    on_mutants: bool = True

    @property
    def runs_on_mutants(self):
        return self.on_mutants

    def run(self, theorem, claim, settings):
        return self.fn(theorem, claim, settings)
