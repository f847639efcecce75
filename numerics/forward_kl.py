"""Forward KL with the components fixed at the truth (THEORY §2: F1, F3).

q_α = α φ_o + (1−α) φ_n, p_λ = λ φ_o + (1−λ) φ_n (λ = 0: new-task data only, L_F(α) = KL(φ_n||q_α)).

Two exact rewritings keep every digit where the naive integrands cancel (both integrate an O(1)
function to something small near the optimum α = λ):

* gradient: d/dα KL(p_λ||q_α) = −∫ p_λ (φ_o − φ_n)/q_α, and since ∫(φ_o − φ_n) = 0 and
  q_α − p_λ = (α − λ)(φ_o − φ_n),   L'(α) = (α − λ) ∫ (φ_o − φ_n)²/q_α   (positive integrand).
  For λ = 0 this is F1(i)'s E_{φ_n}[(1−r)/(1−α+αr)] = α E_{φ_n}[(1−r)²/(1−α+αr)], r = φ_o/φ_n.
* objective: KL(p||q) = ∫ [p log(p/q) − p + q] (the added q − p integrates to 0), a non-negative
  integrand ≈ (p − q)²/(2q); its evaluation still loses ~2 log10(1/|λ−α|) digits, which the
  integrand recovers by working at that many extra digits.
"""
from __future__ import annotations

import mpmath

from .backends import (FLOAT, MP, Evaluator, llr, log_normal_pdf, log_one_minus_exp_neg_abs, mp_evaluator,
                       positive_part)
from . import reverse_kl_fast as fast
from .forward_kl_fast import mixture_chi_square_ball
from .logistic_normal import expectation
from .divergences import chi_squared_by_quadrature  # F1(iii): L_F''(0) = χ²(φ_o||φ_n)
from .overlap import MAX_SEPARATION
from .reverse_kl import FAR  # the same cut-off: beyond it every Gaussian factor is below e^{-800}
from .validation import require_dps, require_separation, require_weight

__all__ = [
    "chi_squared_by_quadrature", "forward_kl_curvature_at_zero", "forward_kl_objective",
    "forward_kl_replay_gradient", "forward_kl_replay_objective", "forward_kl_weight_gradient",
    "kappa_forward", "kappa_replay", "old_task_excess_loss",
]


# --- integrands (one formula, any math context m) -------------------------------------------------

def replay_curvature_density(x, alpha, delta, m):
    """(φ_o − φ_n)²/q_α = φ_o (e^ℓ − 1)²/(α + (1−α)e^ℓ), in logs: finite for α ∈ [0, 1] and all x."""
    return replay_curvature_from_parts(*replay_curvature_parts(x, delta, m), alpha, m)


def replay_curvature_parts(x, delta, m):
    """(ℓ(x), log φ_o(x) + 2 log|e^ℓ − 1|): the α-free parts of G's integrand, which the float64 flows
    compute once per rule and reuse for every α (numerics.flows)."""
    t = llr(x, delta)
    log_abs_diff = positive_part(t) + log_one_minus_exp_neg_abs(t, m)  # log|e^ℓ − 1|
    return t, log_normal_pdf(x, 0, m) + 2 * log_abs_diff


def replay_curvature_from_parts(t, alpha_free, alpha, m):
    """G's integrand from replay_curvature_parts: exp(alpha_free − log(α + (1−α)e^ℓ))."""
    log_mix = m.logaddexp(m.log(alpha), m.log1p(-alpha) + t)   # log(α + (1−α)e^ℓ)
    return m.exp(alpha_free - log_mix)


def split_points(alpha, delta, m):
    """Means, midpoint, the peaks of φ_o²/φ_n (at −Δ, for α → 0) and φ_n²/φ_o (at 2Δ, for α → 1),
    and the crossover α φ_o = (1−α) φ_n where the integrand switches between the two regimes."""
    points = [-delta, 0 * delta, delta / 2, delta, 2 * delta]
    peaks = []
    if 0 < alpha < 1 and delta > 0:
        crossover = delta / 2 + (m.log(alpha) - m.log1p(-alpha)) / delta
        # A crossover FAR beyond every special point (small Δ, extreme α: |crossover| ~ |logit α|/Δ)
        # lies where the integrand is below e^{-800}: refining there would only multiply the nodes.
        if -delta - FAR < crossover < 2 * delta + FAR:
            peaks.append((crossover, min(1, 1 / delta)))
    return points, peaks


def replay_curvature_with(ev: Evaluator, alpha, delta):
    """G(α) = ∫(φ_o − φ_n)²/q_α (= L''(α) at α = λ; G(0) = χ²(φ_o||φ_n))."""
    if delta == 0:
        return ev.m.number(0)
    points, peaks = split_points(alpha, delta, ev.m)
    if alpha < 1:  # the formula once, also in arb for the confirming pass (backends.Evaluator.integral_of)
        return ev.integral_of(_replay_curvature_formula, (alpha, delta), points, peaks, "forward-KL curvature")
    # α = 1: log(1 − α) = −inf enters a sum, which arb cannot carry (−inf + t is [± inf]): mpmath alone
    return ev.integral(lambda x: replay_curvature_density(x, alpha, delta, ev.m), points, peaks,
                       "forward-KL curvature")


def _replay_curvature_formula(x, m, alpha, delta):
    return replay_curvature_density(x, alpha, delta, m)


def replay_gradient_with(ev: Evaluator, alpha, lam, delta):
    """d/dα KL(p_λ||q_α) = (α − λ) G(α) (F3; F1(i) at λ = 0)."""
    if alpha == lam:
        return ev.m.number(0)
    return (alpha - lam) * replay_curvature_with(ev, alpha, delta)


# --- public high-precision API --------------------------------------------------------------------

def _round(value, dps):
    with mpmath.workdps(dps):
        return +value


def _inputs(delta, **weights):
    """Validate inside the caller's workdps so no input is rounded to 53 bits on the way in."""
    values = {name: require_weight(name, v, closed=True) for name, v in weights.items()}
    return values, require_separation("delta", delta, maximum=MAX_SEPARATION)


def forward_kl_replay_gradient(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: d/dα KL(p_λ||q_α) = (α − λ) G(α) for α, λ ∈ [0, 1]; zero exactly at α = λ. G by the fast
    validated path for α ∈ (0, 1) (forward_kl_fast.py), else by forward_kl_replay_gradient_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, d = _inputs(delta, alpha=alpha, lam=lam)
    a, la = w["alpha"], w["lam"]
    if a == la or d == 0:
        return mpmath.mpf(0)
    if a in (0, 1):
        return forward_kl_replay_gradient_by_quadrature(alpha, lam, delta, dps)
    ab, lb, db = fast.balls(a, la, d)
    return fast.confirmed(lambda tol: (ab - lb) * mixture_chi_square_ball(ab, db, tol), dps,
                          "forward-KL replay gradient",
                          lambda: forward_kl_replay_gradient_by_quadrature(alpha, lam, delta, dps))


def forward_kl_replay_gradient_by_quadrature(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: d/dα KL(p_λ||q_α) for α, λ ∈ [0, 1]; zero exactly at α = λ."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, delta = _inputs(delta, alpha=alpha, lam=lam)
        value = replay_gradient_with(mp_evaluator(dps), w["alpha"], w["lam"], delta)
    return _round(value, dps)


def forward_kl_weight_gradient(alpha, delta, dps: int = 30) -> mpmath.mpf:
    """F1(i): L_F'(α) = E_{φ_n}[(1−r)/(1−α+αr)] for L_F(α) = KL(φ_n||q_α), α ∈ [0, 1]
    (evaluated as α E_{φ_n}[(1−r)²/(1−α+αr)], the same number without cancellation)."""
    return forward_kl_replay_gradient(alpha, 0, delta, dps)


def forward_kl_curvature_at_zero(delta, dps: int = 30) -> mpmath.mpf:
    """F1(iii): L_F''(0) = lim L_F'(α)/α = ∫(φ_o − φ_n)²/φ_n, from the gradient's own integrand
    (to be compared with χ²(φ_o||φ_n) = e^{Δ²} − 1)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        _, delta = _inputs(delta)
        value = replay_curvature_with(mp_evaluator(dps), 0, delta)
    return _round(value, dps)


def _kl_density(x, p_weight, q_weight, delta):
    """p log(p/q) − p + q for p, q mixtures of φ_o, φ_n with old weights p_weight, q_weight."""
    lo, ln = log_normal_pdf(x, 0, MP), log_normal_pdf(x, delta, MP)
    log_p = MP.logaddexp(mpmath.log(p_weight) + lo, mpmath.log1p(-p_weight) + ln)
    log_q = MP.logaddexp(mpmath.log(q_weight) + lo, mpmath.log1p(-q_weight) + ln)
    p, q = mpmath.exp(log_p), mpmath.exp(log_q)
    return p * (log_p - log_q) - p + q


def _mixture_kl(p_weight, q_weight, delta, dps, quantity):
    """KL(p||q) between two mixtures of φ_o, φ_n (old weights p_weight, q_weight), at the working
    precision of the caller."""
    if p_weight == q_weight or delta == 0:
        return mpmath.mpf(0)
    # The integrand is ~(p − q)²/q but is formed from O(p) terms: 2 log10(1/|λ−α|) digits cancel.
    extra = 5 + 2 * int(mpmath.ceil(-mpmath.log10(abs(p_weight - q_weight))))

    def f(x):
        with mpmath.workdps(mpmath.mp.dps + extra):
            return _kl_density(x, p_weight, q_weight, delta)

    points, peaks = split_points(q_weight, delta, MP)
    return mp_evaluator(dps).integral(f, points, peaks, quantity)


def forward_kl_replay_objective(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: KL(p_λ || q_α), α, λ ∈ [0, 1]."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, delta = _inputs(delta, alpha=alpha, lam=lam)
        value = _mixture_kl(w["lam"], w["alpha"], delta, dps, "forward-KL objective")
    return _round(value, dps)


def forward_kl_objective(alpha, delta, dps: int = 30) -> mpmath.mpf:
    """F1: L_F(α) = KL(φ_n || q_α), α ∈ [0, 1]."""
    return forward_kl_replay_objective(alpha, 0, delta, dps)


def old_task_excess_loss(lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: KL(φ_o || q_λ), the old task's loss at the replay optimum α = λ ∈ [0, 1]
    (bounds: log(1/λ) − sqrt((1−λ)/λ) e^{−Δ²/8} ≤ · ≤ log(1/λ)).

    Fast path for λ ∈ (0, 1): log(φ_o/q_λ) = −log λ − softplus(log c + ℓ), c = (1−λ)/λ, and under φ_o
    ℓ = Δz − Δ²/2, so KL = −log λ − E_Z[softplus(log c − Δ²/2 + ΔZ)], one logistic-normal expectation
    (logistic_normal.py); reference: old_task_excess_loss_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, d = _inputs(delta, lam=lam)
    la = w["lam"]
    if la == 1 or d == 0:
        return mpmath.mpf(0)  # q_λ = φ_o
    if la == 0:
        return old_task_excess_loss_by_quadrature(lam, delta, dps)
    lb, db = fast.balls(la, d)

    def ball(tol):
        log_odds = (1 - lb).log() - lb.log()
        return -lb.log() - expectation(0, log_odds - db * db / 2, db, tol - 1)
    return fast.confirmed(ball, dps, "old-task excess loss", lambda: old_task_excess_loss_by_quadrature(lam, delta, dps))


def old_task_excess_loss_by_quadrature(lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: KL(φ_o || q_λ), the old task's loss at the replay optimum α = λ ∈ [0, 1]
    (bounds: log(1/λ) − sqrt((1−λ)/λ) e^{−Δ²/8} ≤ · ≤ log(1/λ))."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, delta = _inputs(delta, lam=lam)
        value = _mixture_kl(1, w["lam"], delta, dps, "old-task excess loss")
    return _round(value, dps)


def kappa_forward(delta, dps: int = 30) -> mpmath.mpf:
    """F1(ii): κ_F = E_{φ_n}[(1−r)²/max(1, r)³], r = φ_o/φ_n, from its closed form
    (forward_kl_fast.kappa_forward_closed_ball) in ball arithmetic, the precision raised until the
    cancellation at small Δ leaves `dps` digits; reference: kappa_forward_by_quadrature."""
    from .forward_kl_fast import kappa_forward_closed_ball
    from .logistic_normal import confirm
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        _, d = _inputs(delta)
    if d == 0:
        return mpmath.mpf(0)
    db = fast.balls(d)[0]
    return fast.ball_to_mpf(confirm(lambda tol: kappa_forward_closed_ball(db), dps, "kappa_forward"), dps)


def kappa_forward_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """F1(ii): κ_F = E_{φ_n}[(1−r)²/max(1, r)³], r = φ_o/φ_n; split at the midpoint (r = 1).

    (1−r)²/max(1,r)² = (1 − e^{−|ℓ|})² and 1/max(1, r) = e^{−max(−ℓ, 0)}.
    """
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        _, delta = _inputs(delta)

        def f(x):
            t = llr(x, delta)
            return mpmath.exp(log_normal_pdf(x, delta, MP) - positive_part(-t)) * mpmath.expm1(-abs(t)) ** 2

        points, _ = split_points(0, delta, MP)
        value = mp_evaluator(dps).integral(f, points, (), "kappa_forward")
    return _round(value, dps)


def kappa_replay(lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: κ_λ = E_{p_λ}[(φ_o − φ_n)²/max(φ_o, φ_n)²] = E_{p_λ}[(1 − e^{−|ℓ|})²], λ ∈ [0, 1], from its closed
    form (forward_kl_fast.kappa_replay_ball; it does not depend on λ) in ball arithmetic, with the precision
    raised until the cancellation at small Δ leaves `dps` digits; reference: kappa_replay_by_quadrature."""
    from .forward_kl_fast import kappa_replay_ball
    from .logistic_normal import confirm
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, d = _inputs(delta, lam=lam)
    if d == 0:
        return mpmath.mpf(0)
    lb, db = fast.balls(w["lam"], d)
    return fast.ball_to_mpf(confirm(lambda tol: kappa_replay_ball(lb, db), dps, "kappa_replay"), dps)


def kappa_replay_by_quadrature(lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: κ_λ = E_{p_λ}[(φ_o − φ_n)²/max(φ_o, φ_n)²] = E_{p_λ}[(1 − e^{−|ℓ|})²], λ ∈ [0, 1]."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        w, delta = _inputs(delta, lam=lam)
        lam = w["lam"]

        def f(x):
            p = lam * mpmath.exp(log_normal_pdf(x, 0, MP)) + (1 - lam) * mpmath.exp(log_normal_pdf(x, delta, MP))
            return p * mpmath.expm1(-abs(llr(x, delta))) ** 2

        points, _ = split_points(0, delta, MP)
        value = mp_evaluator(dps).integral(f, points, (), "kappa_replay")
    return _round(value, dps)


# Float64 twins used by flows.py (same formulas, other context).
def replay_gradient_float(alpha: float, lam: float, delta: float) -> float:
    return replay_gradient_with(FLOAT, alpha, lam, delta)


def replay_curvature_float(alpha: float, delta: float) -> float:
    return replay_curvature_with(FLOAT, alpha, delta)

