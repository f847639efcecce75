"""Reverse KL L_R(θ) = KL(q_θ || p*) and its exact gradient (THEORY §3: R1, R2, R4).

θ = (α, m_o, m_n), q_θ = α ψ_o + (1−α) ψ_n with ψ = N(m, 1); p* = α* φ_o + (1−α*) φ_n, φ_o = N(0, 1),
φ_n = N(Δ, 1) (whitened 1-D coordinates).

Exact derivative formulas: ∂_θ L = ∫ ∂_θ q (log(q/p*) + 1) and ∫ ∂_θ q = 0, so
    ∂_α L = ∫(ψ_o − ψ_n) log(q/p*),  ∂_{m_o} L = α ∫(x − m_o) ψ_o log(q/p*),
    ∂_{m_n} L = (1−α) ∫(x − m_n) ψ_n log(q/p*).
Integrated as they stand these lose every digit to cancellation once Δ is large (the answer is
~e^{−Δ²/8}, the integrand O(1)). Split the log-ratio exactly as in R4:
    log(q/p*) = log(α/α*) + log ψ_o − log φ_o + A_o   with  A_o = softplus(t_θ) − softplus(t*),
              = log((1−α)/(1−α*)) + log ψ_n − log φ_n + A_n,  A_n = softplus(−t_θ) − softplus(−t*),
t_θ = log((1−α)/α) + log ψ_n − log ψ_o, t* = log((1−α*)/α*) + ℓ. The Gaussian parts integrate in
closed form (E_{ψ_o}[log ψ_o − log φ_o] = m_o²/2, E_{ψ_o}[(x−m_o)(log ψ_o − log φ_o)] = m_o), which gives
    L_R      = kl(α||α*) + α m_o²/2 + (1−α)(m_n−Δ)²/2 + α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n],
    ∂_α L    = logit α − logit α* + (m_o² − (m_n−Δ)²)/2 + E_{ψ_o}[A_o] − E_{ψ_n}[A_n],
    ∂_{m_o}L = α (m_o + E_{ψ_o}[(x − m_o) A_o]),   ∂_{m_n}L = (1−α)((m_n − Δ) + E_{ψ_n}[(x − m_n) A_n]),
where every remaining integrand is overlap-gated (A_o is ~e^{t} where ψ_o has its mass).
"""
from __future__ import annotations

import mpmath
import numpy as np

from .backends import (MP, NP, Evaluator, llr, log_max_pdf, log_normal_pdf, mp_evaluator, per_precision,
                       sigmoid, softplus, softplus_both)
from . import reverse_kl_fast as fast
from .errors import PrecisionNotReached
from .float_quadrature import nodes_and_weights
from .overlap import MAX_SEPARATION
from .validation import MAX_DPS, require_dps, require_real, require_separation, require_weight

#: A crossover farther than this from every mean carries no mass (Gaussian factor < e^{-800}).
FAR = 40


# --- one formula, any context ----------------------------------------------------------------------

def log_odds(weight, m):
    """log((1−w)/w) = −logit(w)."""
    return m.log1p(-weight) - m.log(weight)


def model_llr(x, model_log_odds, mo, mn):
    """t_θ(x) = log((1−α)ψ_n/(αψ_o)) = log((1−α)/α) + (m_n − m_o)x + (m_o² − m_n²)/2.

    Written exactly like `llr`, so that at the truth (m_o = 0, m_n = Δ, α = α*) t_θ and t* agree to
    the last bit and the overlap terms vanish exactly instead of as rounding noise.
    """
    return model_log_odds + ((mn - mo) * x + (mo * mo - mn * mn) / 2)


def target_llr(x, target_log_odds, delta):
    """t*(x) = log((1−α*)φ_n/(α*φ_o)) = log((1−α*)/α*) + ℓ(x)."""
    return target_log_odds + (delta * x + (0 * delta - delta * delta) / 2)


def llr_pair(theta, target, m):
    """x ↦ (t_θ(x), t*(x)); the log-odds are computed once per working precision."""
    alpha, mo, mn = theta
    alpha_target, delta = target
    odds = per_precision(m, lambda: (log_odds(alpha, m), log_odds(alpha_target, m)))

    def llrs(x):
        model_odds, target_odds = odds()
        return model_llr(x, model_odds, mo, mn), target_llr(x, target_odds, delta)
    return llrs


def overlap_term(component, t_model, t_target, m):
    """A_o = softplus(t_θ) − softplus(t*) (component 0) or A_n = softplus(−t_θ) − softplus(−t*) (1):
    the part of log(q/p*) beyond the matched components' Gaussian log-ratio."""
    sign = 1 - 2 * component
    return softplus(sign * t_model, m) - softplus(sign * t_target, m)


def overlap_terms(t_model, t_target, m):
    """(A_o, A_n) at once, each the same number as overlap_term(0 or 1, ...) gives, with the four
    softplus values from two softplus_both calls (the float64 flows evaluate both on every node)."""
    model, model_mirror = softplus_both(t_model, m)
    target, target_mirror = softplus_both(t_target, m)
    return model - target, model_mirror - target_mirror


def split_points(theta, target, m):
    """Means, midpoints, and the crossover points of q_θ and p* (responsibilities ½) as peaks."""
    alpha, mo, mn = theta
    alpha_target, delta = target
    points = [mo, mn, 0 * delta, delta, (mo + mn) / 2, delta / 2]
    peaks = []
    if mn != mo:
        peaks.append(((mo + mn) / 2 - log_odds(alpha, m) / (mn - mo), min(1, 1 / abs(mn - mo))))
    if delta > 0:
        peaks.append((delta / 2 - log_odds(alpha_target, m) / delta, min(1, 1 / delta)))
    low, high = min(points) - FAR, max(points) + FAR
    peaks = [p for p in peaks if low < p[0] < high]
    if len(peaks) == 2 and abs(peaks[0][0] - peaks[1][0]) < 2 * min(peaks[0][1], peaks[1][1]):
        # Two crossovers within a width of each other (α near α*, m near the truth) form one
        # window: refining around both would double the sub-intervals and the cost, not the accuracy.
        points.append(peaks[0][0])
        peaks = [(peaks[1][0], min(peaks[0][1], peaks[1][1]))]
    return points, peaks


def _expect(ev: Evaluator, component, weight_fn, theta, target, quantity):
    """E_{ψ_component}[weight_fn(x) · A_component(x)] (component 0 = old, 1 = new)."""
    m = ev.m
    mean = theta[1 + component]
    llrs = llr_pair(theta, target, m)
    points, peaks = split_points(theta, target, m)

    def f(x):
        return m.exp(log_normal_pdf(x, mean, m)) * weight_fn(x) * overlap_term(component, *llrs(x), m)

    return ev.integral(f, points, peaks, quantity)


def objective_terms(ev: Evaluator, theta, target):
    """Terms whose sum is L_R(θ) (separable part first, then the overlap corrections)."""
    return objective_from(theta, target, ev.m,
                          _expect(ev, 0, _one, theta, target, "reverse-KL objective (old part)"),
                          _expect(ev, 1, _one, theta, target, "reverse-KL objective (new part)"))


# --- the terms assembled from the overlap expectations ----------------------------------------------
# Written once for both paths: the high-precision one passes expectations integrated one at a time
# (_expect), the float64 one (overlap_expectations_float) all four from one composite rule.

def objective_from(theta, target, m, e_old, e_new):
    """L_R's terms given e_old = E_{ψ_o}[A_o] and e_new = E_{ψ_n}[A_n]."""
    alpha, mo, mn = theta
    alpha_target, delta = target
    kl_weights = _closed_form(m, lambda: alpha * (m.log(alpha) - m.log(alpha_target))
                              + (1 - alpha) * (m.log1p(-alpha) - m.log1p(-alpha_target)))
    return [kl_weights, alpha * mo ** 2 / 2, (1 - alpha) * (mn - delta) ** 2 / 2, alpha * e_old, (1 - alpha) * e_new]


def weight_gradient_from(theta, target, m, e_old, e_new):
    """∂_α L's terms given e_old = E_{ψ_o}[A_o] and e_new = E_{ψ_n}[A_n]."""
    alpha, mo, mn = theta
    alpha_target, delta = target
    # The closed-form part is one term: it vanishes exactly at θ*, where the sum is exactly 0.
    closed = _closed_form(m, lambda: log_odds(alpha_target, m) - log_odds(alpha, m) + (mo ** 2 - (mn - delta) ** 2) / 2)
    return [closed, e_old, -e_new]


def old_mean_gradient_from(theta, e_old_moment):
    """∂_{m_o} L's terms given e_old_moment = E_{ψ_o}[(x − m_o) A_o]."""
    alpha, mo, _ = theta
    return [alpha * mo, alpha * e_old_moment]


def new_mean_gradient_from(theta, target, e_new_moment):
    """∂_{m_n} L's terms given e_new_moment = E_{ψ_n}[(x − m_n) A_n]."""
    alpha, _, mn = theta
    _, delta = target
    return [(1 - alpha) * (mn - delta), (1 - alpha) * e_new_moment]


def _one(x):
    return 1 + 0 * x  # keeps the array shape in the float context


#: Closed-form parts cancel internally near α = α* (kl(α||α*) ~ (α − α*)², logit α − logit α*):
#: they are cheap, so they get this many extra digits instead of a cancellation analysis.
CLOSED_FORM_EXTRA_DIGITS = 30


def _closed_form(m, compute):
    if m is MP:
        with mpmath.workdps(mpmath.mp.dps + CLOSED_FORM_EXTRA_DIGITS):
            return compute()
    return compute()


def weight_gradient_terms(ev: Evaluator, theta, target):
    """Terms whose sum is ∂_α L = logit α − logit α* + (m_o² − (m_n−Δ)²)/2 + E_{ψ_o}A_o − E_{ψ_n}A_n."""
    return weight_gradient_from(theta, target, ev.m,
                                _expect(ev, 0, _one, theta, target, "reverse-KL weight gradient (old part)"),
                                _expect(ev, 1, _one, theta, target, "reverse-KL weight gradient (new part)"))


def new_mean_gradient_terms(ev: Evaluator, theta, target):
    """∂_{m_n} L = (1−α)(m_n − Δ) + (1−α) E_{ψ_n}[(x − m_n) A_n]."""
    mn = theta[2]
    return new_mean_gradient_from(theta, target,
                                  _expect(ev, 1, lambda x: x - mn, theta, target, "reverse-KL gradient (new mean)"))


def gradient_terms(ev: Evaluator, theta, target):
    """Three lists of terms whose sums are (∂_α L, ∂_{m_o} L, ∂_{m_n} L)."""
    return [weight_gradient_terms(ev, theta, target), old_mean_gradient_terms(ev, theta, target),
            new_mean_gradient_terms(ev, theta, target)]


def old_mean_gradient_terms(ev: Evaluator, theta, target):
    """∂_{m_o} L = α m_o + α E_{ψ_o}[(x − m_o) A_o] (R2's identity, plus m_o's own pull)."""
    mo = theta[1]
    return old_mean_gradient_from(theta, _expect(ev, 0, lambda x: x - mo, theta, target, "reverse-KL gradient (old mean)"))


def old_mean_curvature_terms(ev: Evaluator, theta, target):
    """∂²_{m_o} L / α = 1 + E_{ψ_o}[(x − m_o)(σ(t_θ)(m_n − x) − σ(t*) Δ)].

    Derivation: substitute x = m_o + y in E_{ψ_o}[(x − m_o) A_o] and differentiate at fixed y:
    d t_θ/d m_o = m_n − x, d t*/d m_o = Δ, and d softplus(t) = σ(t) dt.
    """
    m = ev.m
    alpha, mo, mn = theta
    alpha_target, delta = target
    points, peaks = split_points(theta, target, m)
    llrs = llr_pair(theta, target, m)

    def f(x):
        t_model, t_target = llrs(x)
        s_model, s_target = sigmoid(t_model, m), sigmoid(t_target, m)
        return m.exp(log_normal_pdf(x, mo, m)) * (x - mo) * (s_model * (mn - x) - s_target * delta)

    return [1, ev.integral(f, points, peaks, "reverse-KL old-mean curvature")]


# --- high-precision API: validate, evaluate, confirm the digits of every sum ----------------------

def _confirmed_sums(terms_of, dps: int, quantity: str):
    """Sum each list of terms from `terms_of(evaluator)` to `dps` significant digits.

    The integrals come back correct to a number of digits *relative to themselves*; a sum whose
    terms cancel loses log10(max|term|/|sum|) of them. Measure that loss and, if needed, recompute
    once with that many extra digits; raise PrecisionNotReached if the loss keeps growing.
    """
    extra = 5
    for _ in range(3):
        with mpmath.workdps(dps + extra + 15):
            groups = terms_of(mp_evaluator(dps + extra))
            sums, worst = [], 0
            for terms in groups:
                total = mpmath.fsum(terms)
                size = max(abs(mpmath.mpf(t)) for t in terms)
                if size and not total:
                    worst = mpmath.inf
                elif size:
                    worst = max(worst, mpmath.log10(size / abs(total)))
                sums.append(total)
        if worst <= extra - 2:
            with mpmath.workdps(dps):
                return [+s for s in sums]
        if worst == mpmath.inf or dps + worst + 7 > MAX_DPS:
            break
        extra = int(mpmath.ceil(worst)) + 5
    raise PrecisionNotReached(quantity, dps, mpmath.mpf(10) ** (worst - extra) if worst != mpmath.inf else worst)


#: Inputs are converted with this many digits beyond the requested ones, so that the extra working
#: digits of _confirmed_sums and _closed_form still see the inputs as given (strings longer than
#: that are rounded; floats are exact anyway).
INPUT_EXTRA_DIGITS = 60


def _theta_target(alpha, mean_old, mean_new, alpha_target, delta):
    theta = (require_weight("alpha", alpha), require_real("mean_old", mean_old), require_real("mean_new", mean_new))
    target = (require_weight("alpha_target", alpha_target),
              require_separation("delta", delta, maximum=MAX_SEPARATION))
    return theta, target


def _fast_inputs(alpha, mean_old, mean_new, alpha_target, delta, dps):
    """(dps, θ balls, target balls, whether q_θ = p* identically)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        theta, target = _theta_target(alpha, mean_old, mean_new, alpha_target, delta)
        at_minimum = fast.model_is_target(theta, target)
    return dps, fast.balls(*theta), fast.balls(*target), at_minimum


def reverse_kl_objective(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1: L_R(θ) = KL(q_θ || p*), α, α* ∈ (0, 1), by the validated fixed-node path
    (reverse_kl_fast.py); reverse_kl_objective_by_quadrature is the independent reference.

    Where q_θ = p* identically (θ*, the label swap θ = (1−α*, Δ, 0), or Δ = 0 with both means at μ_o)
    L_R = 0 exactly. Near the label swap the separable part and the overlap corrections cancel; the
    digits lost are recovered with more working bits, and PrecisionNotReached is raised when they
    cannot be.
    """
    dps, theta, target, at_minimum = _fast_inputs(alpha, mean_old, mean_new, alpha_target, delta, dps)
    if at_minimum:
        return mpmath.mpf(0)
    return fast.confirmed(lambda tol: fast.objective_ball(theta, target, tol), dps, "reverse-KL objective",
                          lambda: reverse_kl_objective_by_quadrature(alpha, mean_old, mean_new, alpha_target,
                                                                     delta, dps))


def reverse_kl_gradient(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> tuple:
    """R2/R5: the exact gradient (∂_α L_R, ∂_{m_o} L_R, ∂_{m_n} L_R) (no finite differences), each
    component confirmed to `dps` digits by the fast path, else by the reference path."""
    dps, theta, target, at_minimum = _fast_inputs(alpha, mean_old, mean_new, alpha_target, delta, dps)
    if at_minimum:
        return (mpmath.mpf(0),) * 3
    parts = (fast.weight_gradient_ball, fast.old_mean_gradient_ball, fast.new_mean_gradient_ball)
    try:
        return tuple(fast.ball_to_mpf(fast.confirm(lambda tol, f=f: f(theta, target, tol), dps,
                                                   "reverse-KL gradient"), dps) for f in parts)
    except PrecisionNotReached:
        return reverse_kl_gradient_by_quadrature(alpha, mean_old, mean_new, alpha_target, delta, dps)


def reverse_kl_old_mean_gradient(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R2: ∂_{m_o} L_R alone (exactly 0 where q_θ = p*)."""
    dps, theta, target, at_minimum = _fast_inputs(alpha, mean_old, mean_new, alpha_target, delta, dps)
    if at_minimum:
        return mpmath.mpf(0)
    return fast.confirmed(lambda tol: fast.old_mean_gradient_ball(theta, target, tol), dps,
                          "reverse-KL old-mean gradient",
                          lambda: reverse_kl_old_mean_gradient_by_quadrature(alpha, mean_old, mean_new,
                                                                             alpha_target, delta, dps))


def reverse_kl_weight_gradient(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii): L_R'(α) = ∫(φ_o − φ_n) log(q_α/p*) with both means at the truth."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        delta_mp = require_separation("delta", delta, maximum=MAX_SEPARATION)
        theta, target = _theta_target(alpha, 0, delta_mp, alpha_target, delta_mp)
        if fast.model_is_target(theta, target):
            return mpmath.mpf(0)
    theta_b, target_b = fast.balls(*theta), fast.balls(*target)
    return fast.confirmed(lambda tol: fast.weight_gradient_ball(theta_b, target_b, tol), dps,
                          "reverse-KL weight gradient",
                          lambda: reverse_kl_weight_gradient_by_quadrature(alpha, alpha_target, delta, dps))


# --- reference path: adaptive quadrature of the same decomposition (independent of the fast rules) ---

def reverse_kl_objective_by_quadrature(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1: L_R(θ) = KL(q_θ || p*), α, α* ∈ (0, 1).

    Near the label swap θ = (1−α*, Δ, 0), where L_R → 0 again, the separable part and the overlap
    corrections cancel; the digits lost are measured, and PrecisionNotReached is raised when they
    cannot be recovered (at the swap itself: relative digits of 0 do not exist).
    """
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        theta, target = _theta_target(alpha, mean_old, mean_new, alpha_target, delta)
    return _confirmed_sums(lambda ev: [objective_terms(ev, theta, target)], dps, "reverse-KL objective")[0]


def reverse_kl_gradient_by_quadrature(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> tuple:
    """R2/R5: the exact gradient (∂_α L_R, ∂_{m_o} L_R, ∂_{m_n} L_R) by quadrature of the
    derivative formulas (no finite differences)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        theta, target = _theta_target(alpha, mean_old, mean_new, alpha_target, delta)
    return tuple(_confirmed_sums(lambda ev: gradient_terms(ev, theta, target), dps, "reverse-KL gradient"))


def reverse_kl_old_mean_gradient_by_quadrature(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R2: ∂_{m_o} L_R alone (one integral instead of four)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        theta, target = _theta_target(alpha, mean_old, mean_new, alpha_target, delta)
    return _confirmed_sums(lambda ev: [old_mean_gradient_terms(ev, theta, target)], dps,
                           "reverse-KL old-mean gradient")[0]


def reverse_kl_weight_gradient_by_quadrature(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii): L_R'(α) = ∫(φ_o − φ_n) log(q_α/p*) with both means at the truth."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + INPUT_EXTRA_DIGITS):
        delta_mp = require_separation("delta", delta, maximum=MAX_SEPARATION)
        theta, target = _theta_target(alpha, 0, delta_mp, alpha_target, delta_mp)
    return _confirmed_sums(lambda ev: [weight_gradient_terms(ev, theta, target)], dps, "reverse-KL weight gradient")[0]


def kappa_reverse(delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii)/(iii): κ_R = ∫(φ_o − φ_n)²/max(φ_o, φ_n) from its half-line Gaussian integrals,
    2[Φ(Δ/2) − 2Φ(−Δ/2) + e^{Δ²}Φ(−3Δ/2)] (R1.kappa_closed_form, proved there), in ball arithmetic with
    the precision raised until the cancellation at small Δ leaves `dps` digits. The quadrature of the
    definition, kappa_reverse_by_quadrature, is the independent path R1.kappa_closed_form compares with."""
    from .enclosures import kappa_reverse_ball
    from .logistic_normal import confirm
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
    if delta == 0:
        return mpmath.mpf(0)
    d = fast.balls(delta)[0]
    return fast.ball_to_mpf(confirm(lambda tol: kappa_reverse_ball(d), dps, "kappa_reverse"), dps)


def _kappa_reverse_density(x, m, delta):
    """(φ_o − φ_n)²/M = M (1 − e^{−|ℓ|})², M = max(φ_o, φ_n)."""
    gap = m.expm1(-abs(llr(x, delta)))
    return m.exp(log_max_pdf(x, delta, m)) * (gap * gap)


def kappa_reverse_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii)/(iii): κ_R = ∫(φ_o − φ_n)²/max(φ_o, φ_n) by quadrature (closed form:
    closed_forms.kappa_reverse_closed_form). (φ_o − φ_n)²/M = M (1 − e^{−|ℓ|})², M = max(φ_o, φ_n)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        value = mp_evaluator(dps).integral_of(_kappa_reverse_density, (delta,), [0, delta / 2, delta], (),
                                              "kappa_reverse")
    with mpmath.workdps(dps):
        return +value


# --- float64 twins for flows.py (same formulas, other context) -------------------------------------
# A flow evaluates its gradient hundreds of times per trajectory, on ~10^3 nodes: the cost is Python
# and numpy call overhead, not arithmetic. So the float64 path integrates all overlap expectations
# of one θ on a single composite rule, with t_θ, t*, ψ_o, ψ_n and A_o, A_n formed once on its nodes,
# and assembles the same terms (objective_from, *_gradient_from) as the high-precision path.
# A_n is formed as softplus(−t_θ) − softplus(−t*) (overlap_term), not as A_o − (t_θ − t*): under ψ_n,
# where t ≫ 0, A_n ~ e^{−t_θ} − e^{−t*} is tiny while A_o and t_θ − t* are O(t), and the difference
# would keep only its absolute, not its relative, precision. Every product below is formed in the
# order of _expect's integrand, so the values are those of integrating the terms one at a time.

def overlap_expectations_float(theta, target, moments: bool = True) -> tuple:
    """(E_{ψ_o}[A_o], E_{ψ_n}[A_n]) and, with `moments`, (E_{ψ_o}[(x − m_o)A_o], E_{ψ_n}[(x − m_n)A_n]),
    all on one composite Gauss–Legendre rule (float_quadrature) on split_points(θ, target)."""
    _, mo, mn = theta
    points, peaks = split_points(theta, target, NP)
    x, w = nodes_and_weights(points, peaks)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        t_model, t_target = llr_pair(theta, target, NP)(x)
        psi_old = NP.exp(log_normal_pdf(x, mo, NP))
        psi_new = NP.exp(log_normal_pdf(x, mn, NP))
        a_old, a_new = overlap_terms(t_model, t_target, NP)
        integrands = [psi_old * a_old, psi_new * a_new]
        if moments:
            integrands += [psi_old * (x - mo) * a_old, psi_new * (x - mn) * a_new]
    values = [float(np.dot(w, f)) for f in integrands]
    if not all(np.isfinite(v) for v in values):  # a non-finite node value makes its dot product non-finite
        raise FloatingPointError("reverse-KL overlap expectations: float64 integrand is not finite at some node")
    return tuple(values)


def gradient_float(alpha: float, mean_old: float, mean_new: float, alpha_target: float, delta: float) -> tuple:
    """(∂_α, ∂_{m_o}, ∂_{m_n}) L_R in float64."""
    theta, target = (alpha, mean_old, mean_new), (alpha_target, delta)
    e_old, e_new, e_old_moment, e_new_moment = overlap_expectations_float(theta, target)
    return (float(sum(weight_gradient_from(theta, target, NP, e_old, e_new))),
            float(sum(old_mean_gradient_from(theta, e_old_moment))),
            float(sum(new_mean_gradient_from(theta, target, e_new_moment))))


def objective_float(alpha: float, mean_old: float, mean_new: float, alpha_target: float, delta: float) -> float:
    """L_R(θ) in float64."""
    theta, target = (alpha, mean_old, mean_new), (alpha_target, delta)
    return float(sum(objective_from(theta, target, NP, *overlap_expectations_float(theta, target, moments=False))))


def weight_gradient_float(alpha: float, alpha_target: float, delta: float) -> float:
    """L_R'(α) with both means at the truth, in float64."""
    theta, target = (alpha, 0.0, delta), (alpha_target, delta)
    return float(sum(weight_gradient_from(theta, target, NP, *overlap_expectations_float(theta, target, moments=False))))
