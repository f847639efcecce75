"""Gaussian-weighted trapezoid rules with an a-priori error bound.

For f analytic in the strip |Im z| < d, the trapezoid rule with step h on the real line has error
at most 2M/(e^{2πd/h} − 1), where M bounds ∫|f(x + iy)| dx for |y| < d (Trefethen & Weideman,
"The exponentially convergent trapezoidal rule", SIAM Review 2014, Thm 5.1). For f = N(x)·g(x)
with N the standard normal density, ∫|N(x+iy)| dx = e^{y²/2}, so M = e^{d²/2}·sup|g| on the strip.
The step is chosen from that bound, so the discretization error is *known* before summing, and the
truncation of the infinite sum is bounded by the Gaussian tail. No second evaluation is needed.

Nodes and Gaussian weights are cached per (working precision, step, count); steps are rounded down
to a grid of ratio 2^{1/4} so that the cache stays small while the bound stays valid.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath

STEP_GRID = 4  # steps are 2^{-k/STEP_GRID}


@dataclass(frozen=True)
class TrapezoidPlan:
    step: mpmath.mpf
    count: int               # nodes j·step for j = -count..count
    grid_index: int
    discretization_bound: mpmath.mpf
    truncation_bound: mpmath.mpf

    @property
    def error_bound(self) -> mpmath.mpf:
        return self.discretization_bound + self.truncation_bound


def plan(strip: mpmath.mpf, log_sup_on_strip: mpmath.mpf, tolerance: mpmath.mpf) -> TrapezoidPlan:
    """Step and node count so that |∫ N g − h Σ N(jh) g(jh)| ≤ tolerance.

    `strip` is a half-width d where g is analytic, `log_sup_on_strip` a bound on log sup|g| there
    (sup|g| ≤ 1 on the real line is assumed for the truncation bound).
    """
    log_m = strip * strip / 2 + log_sup_on_strip
    needed = log_m + mpmath.log(2) - mpmath.log(tolerance) + 1
    raw_step = 2 * mpmath.pi * strip / needed
    grid_index = int(mpmath.ceil(-mpmath.log(raw_step, 2) * STEP_GRID))
    step = mpmath.mpf(2) ** (mpmath.mpf(-grid_index) / STEP_GRID)
    disc = 2 * mpmath.exp(log_m) / (mpmath.exp(2 * mpmath.pi * strip / step) - 1)
    half_width = mpmath.sqrt(-2 * mpmath.log(tolerance)) + 2 * step
    count = int(mpmath.ceil(half_width / step))
    # Tail of h Σ_{|j|>count} N(jh) ≤ 2 ∫_{(count)h}^{∞} N, plus the integral's own tail.
    trunc = 2 * mpmath.erfc((count * step) / mpmath.sqrt(2))
    return TrapezoidPlan(step, count, grid_index, disc, trunc)


@lru_cache(maxsize=256)
def gaussian_weights(prec_bits: int, grid_index: int, count: int) -> tuple:
    """(h·N(j h) for j = 0..count) at `prec_bits`: the expensive part, computed once."""
    with mpmath.workprec(prec_bits):
        step = mpmath.mpf(2) ** (mpmath.mpf(-grid_index) / STEP_GRID)
        norm = step / mpmath.sqrt(2 * mpmath.pi)
        ratio = mpmath.exp(-step * step / 2)
        # N(jh)/N((j-1)h) = e^{-h²(2j-1)/2}: a geometric-like recurrence keeps this to
        # multiplications; every tenth weight is recomputed directly to stop error build-up.
        weights, current = [], norm
        factor, factor_step = ratio, ratio * ratio
        for j in range(count + 1):
            if j % 10 == 0:
                current = norm * mpmath.exp(-(j * step) ** 2 / 2)
                factor = mpmath.exp(-step * step * (2 * j + 1) / 2)
            weights.append(current)
            current *= factor
            factor *= factor_step
        return tuple(weights)
