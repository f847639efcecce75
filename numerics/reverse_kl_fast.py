"""Fast validated path for the reverse-KL quantities of THEORY §3 (R1-R4), in ball arithmetic.

reverse_kl.py writes L_R and its derivatives as closed-form parts plus expectations of
A_o = softplus(t_θ) − softplus(t*) under ψ_o and A_n = softplus(−t_θ) − softplus(−t*) under ψ_n. Every
log-odds is affine in x, so in the coordinate z = x − m of the component's mean each expectation is a
logistic-normal one, E_Z[Z^j F_k(a + bZ)] (logistic_normal.py), with
    under ψ_o:  t_θ = L − b_θ²/2 + b_θ z,           t* = L* + Δ m_o − Δ²/2 + Δ z,
    under ψ_n: −t_θ = −L − b_θ²/2 − b_θ z,          −t* = −L* − Δ m_n + Δ²/2 − Δ z,
with b_θ = m_n − m_o, L = log((1−α)/α), L* = log((1−α*)/α*). Each function here returns an arb ball that
contains the exact value (the *_ball functions are the enclosures that proofs' ball evaluation can use);
the mpf-returning functions confirm `dps` digits with logistic_normal.confirm and otherwise fall back to
the adaptive-quadrature reference path in reverse_kl.py (which may itself raise PrecisionNotReached).
"""
from __future__ import annotations

import math

import mpmath
from flint import arb, ctx

from .enclosures import to_ball
from .errors import PrecisionNotReached
from .logistic_normal import confirm, enclose, moment

#: log2 of the number of terms a tolerance is shared between (a safe upper bound).
SHARE_BITS = 4


# --- conversions ------------------------------------------------------------------------------------

def ball_to_mpf(x: arb, dps: int) -> mpmath.mpf:
    """The ball's midpoint rounded to `dps` digits (the caller has confirmed the radius)."""
    mid = x.mid()
    if mid.is_zero():
        return mpmath.mpf(0)
    man, exp = mid.man_exp()
    with mpmath.workdps(dps):
        return +mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


def balls(*values):
    """Exact balls of validated mpf inputs (mpf is binary, so exact)."""
    return tuple(to_ball(v) for v in values)


def _log2_size(x: arb) -> float:
    upper = abs(x).upper()
    return float(upper.log().upper()) / math.log(2) if not upper.is_zero() else -1e6


def _log_odds(w: arb) -> arb:
    return (1 - w).log() - w.log()


def model_is_target(theta, target) -> bool:
    """q_θ = p* as functions (exact inputs): θ = θ*, its label swap, or Δ = 0 with both model means at
    μ_o. There L_R = 0 and its gradient vanishes (a global minimum of a smooth function), exactly."""
    alpha, mo, mn = theta
    alpha_target, delta = target
    if delta == 0:
        return mo == 0 and mn == 0
    return (alpha == alpha_target and mo == 0 and mn == delta) or (alpha == 1 - alpha_target and mo == delta and mn == 0)


# --- the overlap expectations ---------------------------------------------------------------------------

class Setup:
    """Affine coefficients (a, b) of the log-odds under each component, from θ = (α, m_o, m_n), target (α*, Δ)."""

    def __init__(self, theta, target):
        self.alpha, self.mo, self.mn = theta
        self.alpha_target, self.delta = target
        self.L, self.Lt = _log_odds(self.alpha), _log_odds(self.alpha_target)
        b = self.mn - self.mo
        d = self.delta
        self.b = b
        # under ψ_o: (t_θ), (t*);  under ψ_n: (−t_θ), (−t*)
        self.old_model = (self.L - b * b / 2, b)
        self.old_target = (self.Lt + d * self.mo - d * d / 2, d)
        self.new_model = (-self.L - b * b / 2, -b)
        self.new_target = (-self.Lt - d * self.mn + d * d / 2, -d)


def _same(p, q) -> bool:
    """The two affine functions are identical (exactly), so the overlap term vanishes identically."""
    return all(x.is_exact() and y.is_exact() and x == y for x, y in zip(p, q))


def overlap_moment(setup: Setup, component: int, j: int, log2_tol: float, k: int = 0) -> arb:
    """E_{ψ_c}[(x − m_c)^j (F_k(±t_θ) − F_k(±t*))], c = component (0 old, 1 new); k = 0 gives A_c."""
    model, target = (setup.old_model, setup.old_target) if component == 0 else (setup.new_model, setup.new_target)
    if _same(model, target):
        return arb(0)
    return moment(j, k, *model, log2_tol - 1) - moment(j, k, *target, log2_tol - 1)


def _kl_weights(a: arb, at: arb) -> arb:
    return a * (a.log() - at.log()) + (1 - a) * ((1 - a).log() - (1 - at).log())


def objective_ball(theta, target, log2_tol: float) -> arb:
    """L_R(θ) = kl(α||α*) + α m_o²/2 + (1−α)(m_n−Δ)²/2 + α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n]."""
    s = Setup(theta, target)
    a = s.alpha
    return (_kl_weights(a, s.alpha_target) + a * s.mo ** 2 / 2 + (1 - a) * (s.mn - s.delta) ** 2 / 2
            + overlap_part_ball(theta, target, log2_tol, setup=s))


def overlap_part_ball(theta, target, log2_tol: float, setup: Setup | None = None) -> arb:
    """L_R − L_sep = α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n]."""
    s = setup or Setup(theta, target)
    tol = log2_tol - SHARE_BITS
    return s.alpha * overlap_moment(s, 0, 0, tol) + (1 - s.alpha) * overlap_moment(s, 1, 0, tol)


def weight_gradient_ball(theta, target, log2_tol: float) -> arb:
    """∂_α L_R = L* − L + (m_o² − (m_n−Δ)²)/2 + E_{ψ_o}[A_o] − E_{ψ_n}[A_n]."""
    s = Setup(theta, target)
    tol = log2_tol - SHARE_BITS
    return (s.Lt - s.L + (s.mo ** 2 - (s.mn - s.delta) ** 2) / 2
            + overlap_moment(s, 0, 0, tol) - overlap_moment(s, 1, 0, tol))


def old_mean_gradient_ball(theta, target, log2_tol: float) -> arb:
    """∂_{m_o} L_R = α (m_o + E_{ψ_o}[(x − m_o) A_o])."""
    s = Setup(theta, target)
    return s.alpha * (s.mo + overlap_moment(s, 0, 1, log2_tol - SHARE_BITS))


def new_mean_gradient_ball(theta, target, log2_tol: float) -> arb:
    """∂_{m_n} L_R = (1−α)((m_n − Δ) + E_{ψ_n}[(x − m_n) A_n])."""
    s = Setup(theta, target)
    return (1 - s.alpha) * (s.mn - s.delta + overlap_moment(s, 1, 1, log2_tol - SHARE_BITS))


def old_mean_curvature_over_alpha_ball(theta, target, log2_tol: float) -> arb:
    """∂²_{m_o} L_R / α = 1 + E_{ψ_o}[z(σ(t_θ)(b_θ − z) − σ(t*)Δ)], z = x − m_o
    = 1 + b_θ E[zσ(t_θ)] − E[z²σ(t_θ)] − Δ E[zσ(t*)]."""
    s = Setup(theta, target)
    tol = log2_tol - SHARE_BITS
    scale = max(1.0, float(abs(s.b).upper()), float(abs(s.delta).upper()))
    tol_scaled = tol - math.log2(scale)
    model, target_llr = s.old_model, s.old_target
    return (1 + s.b * moment(1, 1, *model, tol_scaled) - moment(2, 1, *model, tol)
            - s.delta * moment(1, 1, *target_llr, tol_scaled))


# --- mpf API: confirm the digits, else the reference path ----------------------------------------

def confirmed(ball_of, dps: int, quantity: str, reference):
    """`dps` digits of the quantity whose enclosure is ball_of(log2_tol); on PrecisionNotReached, the
    reference path's answer (reference()), which confirms its digits its own way or raises."""
    try:
        return ball_to_mpf(confirm(ball_of, dps, quantity), dps)
    except PrecisionNotReached:
        return reference()


# --- enclosures for the ball evaluation of claims (EngineFunction.arb_engine): arguments are balls ----

def _theta_target_balls(alpha, mean_old, mean_new, alpha_target, delta):
    from .enclosures import require_finite_ball, require_separation_ball, require_weight_ball
    from .overlap import MAX_SEPARATION
    return ((require_weight_ball("alpha", alpha), require_finite_ball("mean_old", to_ball(mean_old, "mean_old")),
             require_finite_ball("mean_new", to_ball(mean_new, "mean_new"))),
            (require_weight_ball("alpha_target", alpha_target),
             require_separation_ball("delta", delta, maximum=MAX_SEPARATION)))


def reverse_kl_objective_enclosure(alpha, mean_old, mean_new, alpha_target, delta) -> arb:
    theta, target = _theta_target_balls(alpha, mean_old, mean_new, alpha_target, delta)
    return enclose(lambda tol: objective_ball(theta, target, tol))


def overlap_part_enclosure(alpha, mean_old, mean_new, alpha_target, delta) -> arb:
    theta, target = _theta_target_balls(alpha, mean_old, mean_new, alpha_target, delta)
    return enclose(lambda tol: overlap_part_ball(theta, target, tol))


def weight_objective_enclosure(alpha, alpha_target, delta) -> arb:
    return reverse_kl_objective_enclosure(alpha, 0, delta, alpha_target, delta)


def weight_gradient_enclosure(alpha, alpha_target, delta) -> arb:
    theta, target = _theta_target_balls(alpha, 0, delta, alpha_target, delta)
    return enclose(lambda tol: weight_gradient_ball(theta, target, tol))


def old_mean_overlap_expectation_enclosure(alpha, mean_new, alpha_target, delta) -> arb:
    theta, target = _theta_target_balls(alpha, 0, mean_new, alpha_target, delta)
    return enclose(lambda tol: overlap_moment(Setup(theta, target), 0, 1, tol))


def old_mean_curvature_enclosure(alpha, alpha_target, delta) -> arb:
    theta, target = _theta_target_balls(alpha, 0, delta, alpha_target, delta)
    return enclose(lambda tol: theta[0] * old_mean_curvature_over_alpha_ball(theta, target, tol))
