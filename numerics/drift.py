"""R3: the old component's drift D(Δ) = |m_o^†| when the weight is not yet converged.

m_o^† minimises m ↦ L_R(α, m, Δ) (new mean at the truth, target p* = α* φ_o + (1−α*) φ_n) and is the
root nearest 0 of h(m) = ∂_{m_o} L_R = α (m + E_{ψ_o}[(x − m) A_o]) (reverse_kl.py). D ~ e^{−Δ²/8}
is tiny (≈1e−49 at Δ = 30), so the iteration works on h itself, which is of the size of D: the
integral E_{ψ_o}[(x − m) A_o] is overlap-gated and `integrate` scales it by its own size, so its
digits are relative to D, not to 1.

Newton's method, in two stages:
1. float64 (same formulas, flows' quadrature) from m = 0 to ~15 relative digits of D, together with
   the slope h'(m) = α(1 + E_{ψ_o}[(x−m)(σ(t_θ)(Δ − x) − σ(t*)Δ)]) (exact, reverse_kl.py);
2. high-precision steps m ← m − h(m)/h'_float. h'_float is accurate to ~1e−13 relative, so each
   step gains ≥ 13 digits; we stop when a step is below 10^{−(dps+2)}|m|, so that the remaining error
   (≤ step × 1e−13) is far below the requested digits.

Fast path (`partial_drift`): the same Newton iteration on the ball-arithmetic gradient and curvature
(reverse_kl_fast.py), finished by an interval Newton step: with M = m ± r and
N = m − h(m)/h'(M) (h' enclosed over all of M), N ⊂ M proves that M holds exactly one root and that
it lies in N (h' > 0 on M). The digits returned are those of N, so they are confirmed, not estimated.
"""
from __future__ import annotations

import math

from flint import arb, ctx

from . import reverse_kl_fast as fast

import mpmath

from .backends import FLOAT, mp_evaluator
from .errors import PrecisionNotReached
from .overlap import MAX_SEPARATION
from .reverse_kl import old_mean_curvature_terms, old_mean_gradient_terms
from .validation import require_dps, require_separation, require_weight

FLOAT_ITERATIONS = 60
PRECISE_ITERATIONS = 12


def _float_root(alpha, alpha_target, delta):
    """(m, slope) from float64 Newton, or None if float64 cannot represent the problem."""
    a, at, d = float(alpha), float(alpha_target), float(delta)
    target = (at, d)
    m = 0.0
    try:
        for _ in range(FLOAT_ITERATIONS):
            theta = (a, m, d)
            h = sum(old_mean_gradient_terms(FLOAT, theta, target))
            slope = a * sum(old_mean_curvature_terms(FLOAT, theta, target))
            if not slope > 0:
                return None
            step = h / slope
            m -= step
            if abs(step) <= 1e-15 * abs(m) or step == 0:
                slope = a * sum(old_mean_curvature_terms(FLOAT, (a, m, d), target))
                return m, slope
    except FloatingPointError:
        return None
    return None


def _precise_slope(alpha, m, alpha_target, delta):
    """h'(m) from the high-precision engine at its minimum precision (fallback for float64)."""
    with mpmath.workdps(30):
        return alpha * mpmath.fsum(old_mean_curvature_terms(mp_evaluator(15), (alpha, m, delta), (alpha_target, delta)))


def partial_drift_by_quadrature(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R3: D(Δ) = |m_o^† − μ_o| (whitened), α, α* ∈ (0, 1), Δ ∈ (0, 60], by Newton on the adaptive-quadrature
    gradient (the reference path)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 20):
        alpha = require_weight("alpha", alpha)
        alpha_target = require_weight("alpha_target", alpha_target)
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        if delta == 0:
            raise ValueError("delta=0 is outside the allowed range (0, 60]: the old and new components coincide")
        start = _float_root(alpha, alpha_target, delta)
        if start is None:
            m = mpmath.mpf(0)
            slope = _precise_slope(alpha, m, alpha_target, delta)
        else:
            m, slope = mpmath.mpf(start[0]), mpmath.mpf(start[1])
        if not slope > 0:
            raise PrecisionNotReached("partial_drift (no positive curvature at the start)", dps, mpmath.inf)
        ev = mp_evaluator(dps + 5)
        target = (alpha_target, delta)
        for _ in range(PRECISE_ITERATIONS):
            step = mpmath.fsum(old_mean_gradient_terms(ev, (alpha, m, delta), target)) / slope
            m -= step
            if abs(step) <= abs(m) * mpmath.mpf(10) ** (-(dps + 2)):
                with mpmath.workdps(dps):
                    return +abs(m)
            if abs(step) > abs(m) * mpmath.mpf(10) ** -10:
                # The float64 start was poor (or absent): refresh the slope so Newton stays fast.
                slope = _precise_slope(alpha, m, alpha_target, delta)
    raise PrecisionNotReached("partial_drift (Newton did not converge)", dps, abs(step / m) if m else mpmath.inf)


def _gradient(alpha, m, target, log2_tol):
    return fast.old_mean_gradient_ball((alpha, m, target[1]), target, log2_tol)


def _slope(alpha, m, target, log2_tol):
    return alpha * fast.old_mean_curvature_over_alpha_ball((alpha, m, target[1]), target, log2_tol)


def _verified_root(a, at, d, start, dps, goal=None):
    """A ball around the root of h(m) = ∂_{m_o} L_R proved by an interval Newton step, or None
    (a, at, d: balls; with wide balls the root is proved for every parameter value in them)."""
    target = (at, d)
    goal = goal or int(math.ceil((dps + 2) * math.log2(10))) + 8
    m = fast.balls(mpmath.mpf(start))[0]
    with ctx.workprec(goal + 40):
        for _ in range(PRECISE_ITERATIONS):
            size = max(float(abs(m).upper()), 1e-300)
            h = _gradient(a, m, target, math.log2(size) - goal - 12)
            slope = _slope(a, m, target, -40)
            if not slope > 0:
                return None
            step = (h / slope).mid()
            converged = h.contains(0) or abs(step) <= abs(m) * arb(2) ** (-goal - 6)
            m = (m - step).mid()
            if converged:
                # M = m ± r, wide enough for the last step and for h's own width (parameter balls)
                r = max(abs(step) * 16, abs(m) * arb(2) ** (-goal - 4), 4 * abs(h).upper() / slope.lower()).upper()
                box = m + arb(0, r)
                size = max(float(abs(m).upper()), 1e-300)
                newton = m - _gradient(a, m, target, math.log2(size) - goal - 12) / _slope(a, box, target, -40)
                return newton if newton.is_finite() and box.contains_interior(newton) else None
    return None


def partial_drift(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R3: D(Δ) = |m_o^† − μ_o| (whitened), α, α* ∈ (0, 1), Δ ∈ (0, 60]: Newton on the fast gradient,
    the root proved by an interval Newton step; else the reference path (partial_drift_by_quadrature)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 20):
        alpha = require_weight("alpha", alpha)
        alpha_target = require_weight("alpha_target", alpha_target)
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        if delta == 0:
            raise ValueError("delta=0 is outside the allowed range (0, 60]: the old and new components coincide")
        if alpha == alpha_target:
            return mpmath.mpf(0)  # q = p* at m = 0: the gradient vanishes identically there
        start = _float_root(alpha, alpha_target, delta)
    root = _verified_root(*fast.balls(alpha, alpha_target, delta), start[0] if start else 0, dps)
    if root is not None and not root.contains(0) and root.rad() <= abs(root.mid()) * arb(10) ** (-(dps + 2)):
        value = fast.ball_to_mpf(root, dps)
        with mpmath.workdps(dps):  # abs() rounds to the working precision (of arb or mpmath alike)
            return abs(value)
    return partial_drift_by_quadrature(alpha, alpha_target, delta, dps)


def partial_drift_enclosure(alpha, alpha_target, delta) -> arb:
    """D as a ball (the interval Newton enclosure of the root, at ~the working precision), for the ball
    evaluation of claims; raises PrecisionNotReached if the root cannot be proved."""
    from .enclosures import require_separation_ball, require_weight_ball
    a = require_weight_ball("alpha", alpha)
    at = require_weight_ball("alpha_target", alpha_target)
    d = require_separation_ball("delta", delta, maximum=MAX_SEPARATION)
    if not d > 0:
        raise ValueError(f"delta={d.str(10, radius=True)} is outside the allowed range (0, 60]")
    if a.is_exact() and at.is_exact() and a == at:
        return arb(0)
    start = _float_root(*(mpmath.mpf(float(x.mid())) for x in (a, at, d)))  # only a starting guess
    dps = max(15, int((ctx.prec - 16) * 0.30103))
    root = _verified_root(a, at, d, start[0] if start else 0, dps, goal=ctx.prec - 16)
    if root is None:
        raise PrecisionNotReached("partial_drift enclosure", dps, mpmath.inf)
    return abs(root)
