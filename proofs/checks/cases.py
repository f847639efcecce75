"""Checks and symbolic strategies used by the statements of THEORY §5-§6 (catalog.methods,
catalog.experiments).

* `by_induction`: a closed form of a recursively defined engine quantity (the class gives the
  recursion in sympy: `initial`, `step`), proved from the base case and the induction step.
* `OnCases`: a claim built from float64 simulation quantities, evaluated at a fixed list of cases
  (and, for dynamics claims, at every time of a grid). Both sides are compared with the stated
  relative tolerance of the simulation, never at the profile's digits: a slack below −tolerance
  refutes, anything else holds up to that tolerance. `measure` adds the measured constants; an
  inequality (or dynamics) claim's sharpness, the largest lhs/rhs over the evaluations, is the
  simulation's measurement of the constant the bound leaves.
* `AtDigits`: runs another check at a stated number of digits (for checks whose engine calls cost
  seconds each and whose conclusion needs far fewer digits than the profile's, e.g. a fitted slope).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import mpmath
import sympy

from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.checks.kinds import Check
from forgetcheck.checks.stress import sharpness_record
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.quantities.evaluate import evaluate, relative_slack
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.quantities.engine_function import EngineFunction
from forgetcheck.checks.symbolic import NotProved, identity


# --- induction ---------------------------------------------------------------------------------------

def by_induction(claim) -> tuple:
    """claim: F(n, *rest) = closed(n) where F is an engine quantity defined by a recursion
    (F(0) = F.initial(*args), F(n+1) = F.step(F(n), *args)) and n its first argument, a symbol.
    Proves closed(0) = initial and closed(n+1) = step(closed(n)) by the rewrites of `identity`."""
    if claim.kind is not ClaimKind.IDENTITY:
        raise NotProved("induction proves identities")
    lhs = claim.lhs
    if not isinstance(lhs, EngineFunction) or not hasattr(type(lhs), "step"):
        raise NotProved(f"the left side {lhs} is not a recursively defined engine quantity")
    n, args = lhs.args[0], lhs.args
    if not isinstance(n, sympy.Symbol) or n.is_integer is not True or n.is_nonnegative is not True:
        raise NotProved(f"the step count {n} is not a nonnegative integer symbol")
    if any(n in a.free_symbols for a in args[1:]):
        raise NotProved(f"{n} appears in the other arguments of {lhs}")
    closed = claim.rhs
    cls = type(lhs)
    base = identity(closed.subs(n, 0), cls.initial(*args))
    step = identity(closed.subs(n, n + 1), cls.step(closed, *args))
    return (f"base case {n} = 0: {base[0]}",
            f"induction step {n} -> {n} + 1 (step(value) = {sympy.sstr(cls.step(sympy.Symbol('value'), *args))}): "
            f"{step[0]}")


# --- float64 simulations at fixed cases ----------------------------------------------------------------

def _value_text(value) -> str:
    return mpmath.nstr(mpmath.mpf(value), 10)


@dataclass(frozen=True)
class OnCases(Check):
    """The claim at each case (a dict of parameter values given as exact strings); for a dynamics
    claim, at every time in `times` as well. `tolerance` is the simulation's relative accuracy."""
    description: str
    cases: tuple
    tolerance: str = "1e-6"
    times: tuple = ()
    measure: Callable | None = field(default=None, compare=False)


    def _points(self, claim):
        for case in self.cases:
            exact = {k: Fraction(str(v)) for k, v in case.items()}
            if claim.kind is ClaimKind.DYNAMICS:
                if not self.times:
                    raise ValueError(f"{self.description}: a dynamics claim needs the times to check")
                for t in self.times:
                    yield dict(exact, **{str(claim.variable): Fraction(str(t))})
            else:
                yield exact

    def run(self, theorem, claim, settings):
        tolerance = mpmath.mpf(self.tolerance)
        examples, worst, sharpest = 0, None, None
        bound = claim.kind in (ClaimKind.INEQUALITY, ClaimKind.DYNAMICS)
        for point in self._points(claim):
            try:
                lhs, rhs = evaluate(claim.lhs, point, 15), evaluate(claim.rhs, point, 15)
            except PrecisionNotReached as exc:
                return CheckOutcome(self.description, Evidence.INCONCLUSIVE, str(exc), examples=examples)
            examples += 1
            with mpmath.workdps(30):
                slack = relative_slack(claim.kind is ClaimKind.IDENTITY, lhs, rhs)
            shown = {k: _value_text(Fraction(v).numerator / mpmath.mpf(Fraction(v).denominator))
                     for k, v in point.items()}
            if worst is None or slack < worst[0]:
                worst = (slack, shown, point)
            if bound and lhs > 0 and rhs > 0 and (sharpest is None or lhs / rhs > sharpest[0]):
                sharpest = (lhs / rhs, point)
            if slack < -tolerance:
                cex = Counterexample(shown, _value_text(lhs), _value_text(rhs), mpmath.nstr(slack, 6), 15,
                                     f"float64 simulation (relative accuracy {self.tolerance})")
                return CheckOutcome(self.description, Evidence.REFUTED, cex.describe(), examples=examples,
                                    worst_slack=mpmath.nstr(slack, 6), worst_point=shown, counterexample=cex,
                                    measured=self._measured())
        if not examples:
            return CheckOutcome(self.description, Evidence.UNCHECKED, "no case was evaluated")
        slack, where, exact = worst
        sharpness = None
        if bound:  # 10 digits: the simulation's own accuracy is `tolerance`, not the working precision
            sharpness = (sharpness_record(mpmath.mpf(mpmath.nstr(sharpest[0], 10)), sharpest[1], "ratio")
                         if sharpest is not None else sharpness_record(mpmath.mpf(mpmath.nstr(slack, 10)), exact, "slack"))
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"{examples} evaluations ({len(self.cases)} cases"
                            + (f" x {len(self.times)} times" if claim.kind is ClaimKind.DYNAMICS else "")
                            + f"), no violation beyond the simulation's relative accuracy {self.tolerance}; "
                              f"worst relative slack {mpmath.nstr(slack, 4)} at "
                            + ", ".join(f"{k}={v}" for k, v in where.items()),
                            examples=examples, worst_slack=mpmath.nstr(slack, 6), worst_point=where,
                            measured=self._measured(), sharpness=sharpness)

    def _measured(self) -> dict:
        return self.measure() if self.measure is not None else {}


@dataclass(frozen=True)
class AtDigits(Check):
    """`inner` run at `dps` digits instead of the profile's (stated in the description)."""
    inner: Check
    dps: int
    description: str = ""

    def __post_init__(self):
        if not self.description:
            object.__setattr__(self, "description", f"{self.inner.description} (at {self.dps} digits)")

    @property
    def runs_on_mutants(self):
        return self.inner.runs_on_mutants


    def run(self, theorem, claim, settings):
        return self.inner.run(theorem, claim, dataclasses.replace(settings, dps=self.dps))


@dataclass(frozen=True)
class FittedSlope(Check):
    """Least-squares slope of the claim's lhs against its abscissa over `at` (the values of the
    claim's variable), at each point of `fixed`; the local slopes between successive points must
    approach the claim's rhs (relative error shrinking, the last below `within`), which a wrong
    limit slope cannot do. Reports the fitted slope and the local slopes."""
    description: str
    at: tuple
    fixed: tuple
    within: str = "1/100"
    dps: int = 20


    def run(self, theorem, claim, settings):
        if claim.kind is not ClaimKind.RATE:
            raise ValueError(f"{theorem.id}: FittedSlope on a {claim.kind.value} claim")
        var = str(claim.variable)
        within = mpmath.mpf(Fraction(self.within).numerator) / Fraction(self.within).denominator
        measured, examples = {"fits": []}, 0
        for case in self.fixed:
            exact = {k: Fraction(str(v)) for k, v in case.items()}
            points = [dict(exact, **{var: Fraction(str(v))}) for v in self.at]
            try:
                ys = [evaluate(claim.lhs, p, self.dps) for p in points]
                xs = [evaluate(claim.abscissa, p, self.dps) for p in points]
                target = evaluate(claim.rhs, points[-1], self.dps)
            except PrecisionNotReached as exc:
                return CheckOutcome(self.description, Evidence.INCONCLUSIVE, str(exc), examples=examples)
            examples += len(points)
            with mpmath.workdps(self.dps + 10):
                local = [(y2 - y1) / (x2 - x1) for y1, y2, x1, x2 in zip(ys, ys[1:], xs, xs[1:])]
                errors = [abs(s / target - 1) for s in local]
                n = len(xs)
                mean_x, mean_y = mpmath.fsum(xs) / n, mpmath.fsum(ys) / n
                fitted = (mpmath.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
                          / mpmath.fsum((x - mean_x) ** 2 for x in xs))
            fit = {**{k: str(v) for k, v in case.items()}, "fitted_slope": mpmath.nstr(fitted, 8),
                   "local_slopes": [mpmath.nstr(s, 8) for s in local],
                   "relative_errors": [mpmath.nstr(e, 4) for e in errors],
                   var: [str(v) for v in self.at], "lhs": [mpmath.nstr(y, 10) for y in ys]}
            measured["fits"].append(fit)
            shrinking = all(b <= a for a, b in zip(errors, errors[1:]))
            if not (shrinking and errors[-1] <= within):
                cex = Counterexample({**{k: str(v) for k, v in case.items()}, var: f"{self.at[0]}..{self.at[-1]}"},
                                     "local slopes " + ", ".join(mpmath.nstr(s, 6) for s in local),
                                     mpmath.nstr(target, 8), mpmath.nstr(-errors[-1], 4), self.dps,
                                     "sequence along the limit variable")
                why = "does not shrink" if not shrinking else f"is still {mpmath.nstr(errors[-1], 3)} > {self.within}"
                return CheckOutcome(self.description, Evidence.REFUTED,
                                    f"the relative error of the local slope {why}: {cex.describe()}",
                                    examples=examples, counterexample=cex, measured=measured)
        worst = max(mpmath.mpf(f["relative_errors"][-1]) for f in measured["fits"])
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"local slopes approach {sympy.sstr(claim.rhs)}: relative error at the last "
                            f"interval {mpmath.nstr(worst, 4)} (≤ {self.within}), shrinking; fitted slopes "
                            + ", ".join(f["fitted_slope"] for f in measured["fits"]),
                            examples=examples, worst_slack=mpmath.nstr(worst, 6), measured=measured)
