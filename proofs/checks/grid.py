"""A check that evaluates an inequality claim on a stated grid and reports how close it comes.

Statements with an empirical constant left open (THEORY R4: "report the empirical worst ratio")
need the largest ratio lhs/rhs over a grid that contains the known worst cases, recorded in the
outcome's `measured` field. `GridRatio` evaluates the claim it is given at every grid point (so a
mutant is refuted by the same code), confirms a violation at higher precision before refuting,
exactly as the stress test does, and records the worst ratio and where it occurred, re-checked at
the higher precision, as the outcome's sharpness (the smallest slack where no point has both sides
positive).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.checks.kinds import Check
from forgetcheck.checks.stress import sharpness_record
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import decimal
from forgetcheck.quantities.evaluate import sides, violation_threshold
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence


@dataclass(frozen=True)
class GridRatio(Check):
    """`points`: tuple of {parameter name: exact value (str, int or Fraction)} dicts."""
    description: str
    points: tuple


    def run(self, theorem, claim, settings):
        if claim.kind is not ClaimKind.INEQUALITY:
            raise ValueError(f"{theorem.id}: GridRatio check on a {claim.kind.value} claim")
        ratios, worst, lowest = {}, None, None
        for raw in self.points:
            point = {k: Fraction(str(v)) for k, v in raw.items()}
            label = ", ".join(f"{k}={decimal(v, 8)}" for k, v in point.items())
            try:
                values = sides(claim, point, settings.dps)
                if values.slack < violation_threshold(settings.dps):
                    high = settings.dps + settings.recheck_extra_dps
                    confirmed = sides(claim, point, high)
                    if confirmed.slack < violation_threshold(high):
                        cex = Counterexample({k: decimal(v, 25) for k, v in point.items()},
                                             mpmath.nstr(confirmed.lhs, 15), mpmath.nstr(confirmed.rhs, 15),
                                             mpmath.nstr(confirmed.slack, 6), high, "grid point")
                        return CheckOutcome(self.description, Evidence.REFUTED, cex.describe(),
                                            examples=len(ratios) + 1, worst_slack=cex.slack,
                                            worst_point={k: str(v) for k, v in point.items()}, counterexample=cex)
            except PrecisionNotReached as exc:
                return CheckOutcome(self.description, Evidence.INCONCLUSIVE, f"at {label}: {exc}",
                                    examples=len(ratios))
            ratio = values.lhs / values.rhs if values.rhs else mpmath.mpf(0)
            ratios[label] = mpmath.nstr(ratio, 6)
            if values.lhs > 0 and values.rhs > 0 and (worst is None or ratio > worst[0]):
                worst = (ratio, point)
            if lowest is None or values.slack < lowest[0]:
                lowest = (values.slack, point)
        slack, point = lowest
        kind = "slack" if worst is None else "ratio"
        if worst is not None:
            point = worst[1]
        try:  # the sharpest point again, at higher precision: the reported constant is the confirmed one
            confirmed = sides(claim, point, settings.dps + settings.recheck_extra_dps)
        except PrecisionNotReached as exc:
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE, f"sharpest point not confirmed: {exc}",
                                examples=len(ratios))
        value = confirmed.lhs / confirmed.rhs if kind == "ratio" else confirmed.slack
        where = {k: decimal(v, 12) for k, v in point.items()}
        said = f"largest lhs/rhs {mpmath.nstr(value, 6)}" if kind == "ratio" else f"smallest slack {mpmath.nstr(value, 6)}"
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"{len(ratios)} grid points at {settings.dps} digits, no violation; {said} at {where}",
                            examples=len(ratios), worst_slack=mpmath.nstr(slack, 6),
                            worst_point={k: decimal(v, 12) for k, v in lowest[1].items()},
                            measured={"largest_ratio": mpmath.nstr(worst[0] if worst else 0, 6), "at": where,
                                      "ratios": ratios},
                            sharpness=sharpness_record(value, point, kind))
