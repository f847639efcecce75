"""Quantities of THEORY §2-§4 that the statements need beyond forward_kl.py and reverse_kl.py.

Most are *independent paths*: the definition integrated as it stands, next to the engine's
rewritten formula, so that an identity between the two is a real check rather than one formula
compared with itself:

* forward_kl_jensen_mean       g(α) = E_{φ_n}[1/(1−α+αr)] (F1(i): α L_F'(α) = g(α) − 1)
* forward_kl_replay_gradient_direct   −∫ p_λ(φ_o − φ_n)/q_α   (vs the engine's (α − λ) G(α))
* reverse_kl_weight_gradient_direct   ∫(φ_o − φ_n) log(q_α/p*)  (vs the engine's split form)
* reverse_kl_objective_direct  ∫ q log(q/p*) − q + p*          (vs L_sep + overlap part)
* old_mean_gradient_direct     α ∫ x φ_o log(q_θ/p*) at m_o = μ_o (vs R2's overlap form)

The direct integrands cancel: the answer can be many orders of magnitude below the integrand
(e^{−Δ²/8} against O(1) in R2). `_integrate_cancelling` therefore asks the quadrature for more
digits until the requested ones are confirmed *relative to the answer*, and raises
PrecisionNotReached beyond a cap. Where the answer is exactly 0 by an algebraic identity (α = λ,
θ = θ*) the integrand itself is identically 0 and 0 is returned.

The rest are the engine's own formulas exposed at high precision (G(α), the old-mean curvature,
the overlap part of L_R) and the replay quantities of P2 (importance-weighted moments, integrated
with the weight formed as written, w = q_θ/s).

Coordinates as everywhere in the engine: whitened, 1-D, φ_o = N(0, 1), φ_n = N(Δ, 1).

The integrated-as-it-stands integrands are each one formula `(x, m)` for a math context m (backends):
mpmath (MP) for the quadrature's working pass and python-flint balls (ARB) for its confirming pass,
~5x faster an evaluation (quadrature._gauss_arb). Their constants reach the arb formula only through
`in_both_systems` (exact conversion), so nothing is rounded to 53 bits on the way; a leak would show as
unconfirmed digits, not as a wrong value.
"""
from __future__ import annotations

from functools import lru_cache

import mpmath

from . import forward_kl, reverse_kl
from . import reverse_kl_fast as fast
from .forward_kl_fast import mixture_chi_square_ball, replay_curvature_ball, replay_curvature_endpoint_ball
from .backends import ARB, MP, in_both_systems, log_normal_pdf, mp_evaluator
from .errors import PrecisionNotReached
from .overlap import MAX_SEPARATION
from .quadrature import MAX_EXTRA_DIGITS, Peak, integrate, integrate_cancelling
from .validation import MAX_DPS, require_dps, require_in, require_real, require_separation, require_weight

def _round(value, dps):
    with mpmath.workdps(dps):
        return +value


def _separation(delta):
    return require_separation("delta", delta, maximum=MAX_SEPARATION)


def _integrate_cancelling(integrand, constants, points, peaks, dps, quantity, first_extra=0):
    f, g = in_both_systems(integrand, constants)
    return integrate_cancelling(f, dps=dps, points=points, peaks=peaks, quantity=quantity, first_extra=first_extra,
                                arb_integrand=g)


def _integrate(integrand, constants, points, peaks, dps, quantity):
    f, g = in_both_systems(integrand, constants)
    return integrate(f, dps=dps, points=points, peaks=[Peak(*p) for p in peaks], quantity=quantity,
                     arb_integrand=g).value


def _integrate_with_working_digits(integrand, constants, points, peaks, dps, quantity, first_extra):
    """∫ integrand(extra) to `dps` digits, where integrand(extra)(x, m, *constants) evaluates pointwise with
    `extra` working digits because its value is a small difference of large terms; `extra` is raised
    by the shortfall until `integrate` confirms the digits (its two passes then differ only by the
    quadrature's own error, not by the integrand's rounding)."""
    extra = first_extra
    peaks = [Peak(mpmath.mpf(loc), mpmath.mpf(w)) for loc, w in peaks]
    while True:
        try:
            f, g = in_both_systems(integrand(extra), constants)
            return integrate(f, dps=dps, points=points, peaks=peaks, quantity=quantity, arb_integrand=g).value
        except PrecisionNotReached as exc:
            relative = exc.estimated_error
            if not mpmath.isfinite(relative) or relative <= 0:
                raise
            extra += max(10, dps + int(mpmath.ceil(mpmath.log10(relative))) + 5)
            if extra > MAX_EXTRA_DIGITS + 100 or dps + extra > MAX_DPS:
                raise PrecisionNotReached(quantity, dps, relative) from None


#: A crossover farther than this from every special point carries no mass (a Gaussian factor below
#: e^{−800}); refining the quadrature around it only costs time (as in reverse_kl.py).
FAR = 40


def _forward_split(alpha, delta):
    """forward_kl.split_points without crossovers that lie far from every mean (tiny Δ or extreme α
    put the crossover ~log(1/α)/Δ away, e.g. at −6e6 for α = 3e−8, Δ = 3e−6)."""
    points, peaks = forward_kl.split_points(alpha, delta, MP)
    low, high = min(points) - FAR, max(points) + FAR
    return points, [p for p in peaks if low < p[0] < high]


def _log_weights(weight, prec: int, m=MP) -> tuple:
    """(log w, log(1 − w)) at `prec` bits (m's working precision) in context m, −inf for a zero
    weight: computed once per integral and pass, not at every node (they were a third of the
    integrands' cost). `weight` is an mpf; the cache is keyed by its raw tuple (hashing an mpf
    costs more than the lookup)."""
    return _log_weights_cached(weight._mpf_, prec, m)


@lru_cache(maxsize=256)
def _log_weights_cached(raw, prec: int, m) -> tuple:
    weight = mpmath.mp.make_mpf(raw)  # exactly the caller's weight (mpf(raw) would round it)
    if m is ARB:  # converted exactly (arb_from_mpf), the logs taken in arb at flint's precision
        w = m.number(weight)
        return (w.log() if weight > 0 else m.ninf, (-w).log1p() if weight < 1 else m.ninf)
    with mpmath.workprec(prec):
        return (mpmath.log(weight) if weight > 0 else mpmath.ninf,
                mpmath.log1p(-weight) if weight < 1 else mpmath.ninf)


def _log_mixture(x, weight, mean_o, mean_n, m=MP, logs=None):
    """log(w N(mean_o, 1) + (1 − w) N(mean_n, 1)) at x, exact in form for w ∈ {0, 1}. `weight` is
    an mpf (exact), the means are in m's number type (or the int 0). `logs`: the two log-densities
    at x as _log_densities(x, mean_o, mean_n, m) gives them, where the caller needs them more than
    once (the same calls, hence the same bits, made once a node)."""
    log_w, log_rest = _log_weights(weight, m.precision(), m)
    log_o, log_n = logs if logs is not None else (None, None)
    if log_rest is m.ninf:  # w = 1 (the object _log_weights returns for a zero weight, no comparison)
        return log_w + (log_normal_pdf(x, mean_o, m) if log_o is None else log_o)
    if log_w is m.ninf:     # w = 0
        return log_rest + (log_normal_pdf(x, mean_n, m) if log_n is None else log_n)
    if logs is None:
        log_o, log_n = log_normal_pdf(x, mean_o, m), log_normal_pdf(x, mean_n, m)
    return m.logaddexp(log_w + log_o, log_rest + log_n)


def _log_densities(x, mean_o, mean_n, m=MP) -> tuple:
    """(log N(x; mean_o, 1), log N(x; mean_n, 1)) for _log_mixture's `logs`: an integrand with two
    mixtures over the same components (log q − log p*) evaluated 4-6 log-densities a node, 2 distinct."""
    return log_normal_pdf(x, mean_o, m), log_normal_pdf(x, mean_n, m)


# --- F1, F3 -----------------------------------------------------------------------------------------

def forward_kl_jensen_mean(alpha, delta, dps: int = 30) -> mpmath.mpf:
    """F1(i): g(α) = E_{φ_n}[1/(1 − α + α r)], r = φ_o/φ_n, α ∈ [0, 1], by quadrature of
    φ_n²/q_α (the same integrand: φ_n/(1−α+αr) = φ_n²/(αφ_o + (1−α)φ_n)). g(1) = e^{Δ²}."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha, closed=True)
        delta = _separation(delta)
        if delta == 0:
            return _round(mpmath.mpf(1), dps)

        def f(x, m, d):
            return m.exp(2 * log_normal_pdf(x, d, m) - _log_mixture(x, alpha, 0, d, m))

        points, peaks = _forward_split(alpha, delta)
        value = _integrate(f, (delta,), points, peaks, dps, "forward-KL Jensen mean g")
    return _round(value, dps)


def forward_kl_replay_gradient_direct(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: d/dα KL(p_λ||q_α) = −∫ p_λ (φ_o − φ_n)/q_α, integrated as it stands (no rewriting);
    α, λ ∈ [0, 1]. At α = λ the integrand is φ_n − φ_o, whose integral is exactly 0."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha, closed=True)
        lam = require_weight("lam", lam, closed=True)
        delta = _separation(delta)
        if alpha == lam or delta == 0:
            return mpmath.mpf(0)

        def f(x, m, d):
            logs = _log_densities(x, 0, d, m)
            log_p = _log_mixture(x, lam, 0, d, m, logs)
            log_q = _log_mixture(x, alpha, 0, d, m, logs)
            diff = m.exp(logs[0]) - m.exp(logs[1])
            return -m.exp(log_p - log_q) * diff

        points, peaks = _forward_split(alpha, delta)
        # The answer is (α − λ) G(α) ~ |α − λ| min(Δ, 1)² against an integrand of size ~min(Δ, 1).
        lost = int(mpmath.ceil(-mpmath.log10(abs(alpha - lam) * min(delta, 1)))) + 3
        value = _integrate_cancelling(f, (delta,), points, peaks, dps, "forward-KL replay gradient (direct)",
                                      max(lost, 0))
    return _round(value, dps)


def replay_curvature(alpha, delta, dps: int = 30) -> mpmath.mpf:
    """G(a) = ∫(φ_o − φ_n)²/q_a, a ∈ [0, 1]: the forward-KL gradient's factor (F3), the reverse-KL
    weight curvature L_R''(a) (R1(ii)), the Fisher entry I_αα at a = α* (R4) and the second moment of
    the weight-score estimator (P3). Fast validated path (forward_kl_fast.py) for a ∈ (0, 1), Δ > 0;
    reference: replay_curvature_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a = require_weight("alpha", alpha, closed=True)
        d = _separation(delta)
    if d == 0:
        return mpmath.mpf(0)
    if a in (0, 1):  # q_a is one Gaussian: G = χ²(φ_o||φ_n) = e^{Δ²} − 1 (both ends, by the reflection x ↦ Δ − x)
        with mpmath.workdps(dps + 10):
            value = mpmath.expm1(d * d)
        return _round(value, dps)
    ab, db = fast.balls(a, d)
    return fast.confirmed(lambda tol: mixture_chi_square_ball(ab, db, tol), dps, "mixture chi-square G",
                          lambda: replay_curvature_by_quadrature(alpha, delta, dps))


def replay_curvature_by_quadrature(alpha, delta, dps: int = 30) -> mpmath.mpf:
    """G(a) = ∫(φ_o − φ_n)²/q_a, a ∈ [0, 1]: the engine's formula at high precision. It is the
    forward-KL gradient's factor (F3), the reverse-KL weight curvature L_R''(a) (R1(ii)), the
    Fisher entry I_αα at a = α* (R4) and the second moment of the weight-score estimator (P3)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha, closed=True)
        delta = _separation(delta)
        if delta == 0:
            return mpmath.mpf(0)
        points, peaks = _forward_split(alpha, delta)  # the engine's integrand, without far peaks
        value = mp_evaluator(dps).integral(lambda x: forward_kl.replay_curvature_density(x, alpha, delta, MP),
                                           points, peaks, "mixture chi-square G")
    return _round(value, dps)


def forward_kl_replay_curvature(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: d²/dα² KL(p_λ||q_α) = ∫ p_λ (φ_o − φ_n)²/q_α²: fast validated path (forward_kl_fast.py) for
    α ∈ (0, 1), Δ > 0; reference: forward_kl_replay_curvature_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a = require_weight("alpha", alpha, closed=True)
        la = require_weight("lam", lam, closed=True)
        d = _separation(delta)
    if d == 0:
        return mpmath.mpf(0)
    ab, lb, db = fast.balls(a, la, d)
    if a in (0, 1):  # q_α is one Gaussian: a closed form (forward_kl_fast.replay_curvature_endpoint_ball)
        return fast.confirmed(lambda tol: replay_curvature_endpoint_ball(a == 1, lb, db), dps,
                              "forward-KL replay curvature", lambda: forward_kl_replay_curvature_by_quadrature(
                                  alpha, lam, delta, dps))
    return fast.confirmed(lambda tol: replay_curvature_ball(ab, lb, db, tol), dps, "forward-KL replay curvature",
                          lambda: forward_kl_replay_curvature_by_quadrature(alpha, lam, delta, dps))


def forward_kl_replay_curvature_by_quadrature(alpha, lam, delta, dps: int = 30) -> mpmath.mpf:
    """F3: d²/dα² KL(p_λ||q_α) = ∫ p_λ (φ_o − φ_n)²/q_α² (positive integrand, in logs)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha, closed=True)
        lam = require_weight("lam", lam, closed=True)
        delta = _separation(delta)
        if delta == 0:
            return mpmath.mpf(0)

        def f(x, m, d):
            t = reverse_kl.target_llr(x, 0, d)  # ℓ(x)
            log_abs_diff = log_normal_pdf(x, 0, m) + (t + abs(t)) / 2 + m.log(-m.expm1(-abs(t)))
            return m.exp(_log_mixture(x, lam, 0, d, m) + 2 * log_abs_diff - 2 * _log_mixture(x, alpha, 0, d, m))

        points, peaks = _forward_split(alpha, delta)
        value = _integrate(f, (delta,), points, peaks, dps, "forward-KL replay curvature")
    return _round(value, dps)


# --- F2 ---------------------------------------------------------------------------------------------

def old_task_loss(alpha, mean_old, mean_new, delta, dps: int = 30) -> mpmath.mpf:
    """F2: KL(φ_o || q_θ), q_θ = α N(m_o, 1) + (1−α) N(m_n, 1), α ∈ [0, 1], any means; integrated
    as ∫ φ_o log(φ_o/q) − φ_o + q (a non-negative integrand: the added q − φ_o integrates to 0)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha, closed=True)
        mo, mn = require_real("mean_old", mean_old), require_real("mean_new", mean_new)
        delta = _separation(delta)

        def f(x, m, mean_o, mean_n):
            lo = log_normal_pdf(x, 0, m)
            lq = _log_mixture(x, alpha, mean_o, mean_n, m)
            density = m.exp(lo)
            return density * (lo - lq) - density + m.exp(lq)

        points = [0, mo, mn, delta, (mo + mn) / 2]
        # with both model means within d < 1 of μ_o, the integrand ≈ φ_o u²/2 (u = log q − log φ_o
        # = O(d x)) is formed from O(φ_o) terms: 2 log10(1/d) digits cancel at every node
        d = max(abs(mo), abs(mn))
        lost = 2 * int(mpmath.ceil(-mpmath.log10(d))) + 3 if 0 < d < 1 else 0
        value = _integrate_cancelling(f, (mo, mn), points, (), dps, "old-task loss KL(φ_o||q_θ)", lost)
    return _round(value, dps)


# --- R1, R4 -----------------------------------------------------------------------------------------

def reverse_kl_weight_gradient_direct(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii): L_R'(α) = ∫(φ_o − φ_n) log(q_α/p*), integrated as it stands (means at the truth).
    At α = α* the integrand is identically 0."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha = require_weight("alpha", alpha)
        alpha_target = require_weight("alpha_target", alpha_target)
        delta = _separation(delta)
        if alpha == alpha_target or delta == 0:
            return mpmath.mpf(0)
        lost = int(mpmath.ceil(-mpmath.log10(abs(alpha - alpha_target)))) + 3

        def f(x, m, d):
            with m.raised(lost):  # log q − log p* cancels pointwise
                logs = _log_densities(x, 0, d, m)
                diff = m.exp(logs[0]) - m.exp(logs[1])
                return diff * (_log_mixture(x, alpha, 0, d, m, logs) - _log_mixture(x, alpha_target, 0, d, m, logs))

        points, peaks = reverse_kl.split_points((alpha, 0 * delta, delta), (alpha_target, delta), MP)
        value = _integrate_cancelling(f, (delta,), points, peaks, dps, "reverse-KL weight gradient (direct)", lost)
    return _round(value, dps)


def reverse_kl_weight_objective(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1(ii): L_R(α) = KL(q_α || p*) with both model means at the truth."""
    with mpmath.workdps(require_dps(dps) + 15):
        delta = _separation(delta)
    return reverse_kl.reverse_kl_objective(alpha, 0, delta, alpha_target, delta, dps)


def _theta(alpha, mean_old, mean_new, alpha_target, delta):
    return ((require_weight("alpha", alpha), require_real("mean_old", mean_old), require_real("mean_new", mean_new)),
            (require_weight("alpha_target", alpha_target), _separation(delta)))


def reverse_kl_objective_direct(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R1/R4: L_R(θ) = KL(q_θ||p*) = ∫ q log(q/p*) − q + p* (non-negative integrand), integrated as
    it stands: an independent path to the engine's L_sep + overlap form. Near θ* the integrand is
    ≈ (q − p*)²/(2p*) and is formed from O(q) terms, so it is evaluated with the digits that cancel."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, mean_old, mean_new, alpha_target, delta)
        (a, mo, mn), (at, d) = theta, target
        gap = max(abs(a - at), abs(mo), abs(mn - d))
        if gap == 0:
            return mpmath.mpf(0)
        lost = 2 * max(0, int(mpmath.ceil(-mpmath.log10(gap)))) + 5

        def f(x, m, mean_o, mean_n, delta_):
            with m.raised(lost):
                lq, lp = _log_mixture(x, a, mean_o, mean_n, m), _log_mixture(x, at, 0, delta_, m)
                q = m.exp(lq)
                return q * (lq - lp) - q + m.exp(lp)

        points, peaks = reverse_kl.split_points(theta, target, MP)
        value = _integrate_cancelling(f, (mo, mn, d), points, peaks, dps, "reverse-KL objective (direct)")
    return _round(value, dps)


def reverse_kl_overlap_part(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R4: L_R(θ) − L_sep(θ) = α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n] (reverse_kl.py's decomposition),
    computed from the overlap terms alone, so its digits are relative to itself (not to L_R); fast
    validated path (reverse_kl_fast.py), reference: reverse_kl_overlap_part_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, mean_old, mean_new, alpha_target, delta)
    theta_b, target_b = fast.balls(*theta), fast.balls(*target)
    return fast.confirmed(lambda tol: fast.overlap_part_ball(theta_b, target_b, tol), dps, "reverse-KL overlap part",
                          lambda: reverse_kl_overlap_part_by_quadrature(alpha, mean_old, mean_new, alpha_target,
                                                                        delta, dps))


def reverse_kl_overlap_part_by_quadrature(alpha, mean_old, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R4: L_R(θ) − L_sep(θ) = α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n] (reverse_kl.py's decomposition),
    computed from the overlap terms alone, so its digits are relative to itself (not to L_R)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, mean_old, mean_new, alpha_target, delta)
    return reverse_kl._confirmed_sums(lambda ev: [reverse_kl.objective_terms(ev, theta, target)[3:]], dps,
                                      "reverse-KL overlap part")[0]


# --- R2, R3 -----------------------------------------------------------------------------------------

def old_mean_gradient_direct(alpha, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R2: ∂_{m_o} L_R at m_o = μ_o = 0 from the densities: differentiating under the integral,
    ∂_{m_o} L_R = ∫ ∂_{m_o}q (log(q/p*) + 1) = α ∫ x φ_o log(q_θ/p*), and since ∫ x φ_o = 0 (the
    Gaussian's first moment) this is α ∫ x φ_o [log q_θ − log p* − log(α/α*)], with log q_θ and
    log p* formed from the mixture densities (reverse_kl.py uses softplus of the log-odds instead).

    Subtracting the constant keeps the quadrature's work proportional to the answer (~e^{−Δ²/8}
    against an O(1) integrand); the cancellation moves into the integrand, where it costs only
    working digits: they are raised until the answer's digits are confirmed."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, 0, mean_new, alpha_target, delta)
        (a, _, mn), (at, d) = theta, target
        if a == at and mn == d:
            return mpmath.mpf(0)  # q = p*: the log-ratio vanishes identically

        def integrand(extra):
            def f(x, m, mean_n, delta_):
                with m.raised(extra):
                    log_odds_shift = _log_weights(a, m.precision(), m)[0] - _log_weights(at, m.precision(), m)[0]
                    log_old = log_normal_pdf(x, 0, m)  # φ_o's, shared by both mixtures and the weight
                    ratio = (_log_mixture(x, a, 0, mean_n, m, (log_old, log_normal_pdf(x, mean_n, m)))
                             - _log_mixture(x, at, 0, delta_, m, (log_old, log_normal_pdf(x, delta_, m)))
                             - log_odds_shift)
                    return x * m.exp(log_old) * ratio
            return f

        points, peaks = reverse_kl.split_points(theta, target, MP)
        first = int(mpmath.ceil(min(d, abs(mn)) ** 2 / 8 / mpmath.log(10))) + 10
        value = _integrate_with_working_digits(integrand, (mn, d), points, peaks, dps, "old-mean gradient (direct)",
                                               first)
        return _round(a * value, dps)


def old_mean_overlap_expectation(alpha, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R2: E_{φ_o}[x (log(1 − γ*_n) − log(1 − γ^θ_n))] with the model's old component at μ_o = 0:
    log(1 − γ*_n) − log(1 − γ^θ_n) = softplus(t_θ) − softplus(t*) = A_o (reverse_kl.py); fast validated
    path, reference: old_mean_overlap_expectation_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, 0, mean_new, alpha_target, delta)
    theta_b, target_b = fast.balls(*theta), fast.balls(*target)
    return fast.confirmed(lambda tol: fast.overlap_moment(fast.Setup(theta_b, target_b), 0, 1, tol), dps,
                          "R2 overlap expectation",
                          lambda: old_mean_overlap_expectation_by_quadrature(alpha, mean_new, alpha_target, delta, dps))


def old_mean_curvature(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R3: ∂²L_R/∂m_o² at θ = (α, μ_o, μ_n) = α(1 + E_{φ_o}[x(σ(t_θ)(Δ − x) − σ(t*)Δ)]), α, α* ∈ (0, 1);
    fast validated path, reference: old_mean_curvature_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, 0, delta, alpha_target, delta)
    theta_b, target_b = fast.balls(*theta), fast.balls(*target)
    return fast.confirmed(lambda tol: theta_b[0] * fast.old_mean_curvature_over_alpha_ball(theta_b, target_b, tol),
                          dps, "old-mean curvature",
                          lambda: old_mean_curvature_by_quadrature(alpha, alpha_target, delta, dps))


def old_mean_overlap_expectation_by_quadrature(alpha, mean_new, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R2: E_{φ_o}[x (log(1 − γ*_n) − log(1 − γ^θ_n))] with the model's old component at μ_o = 0:
    log(1 − γ*_n) − log(1 − γ^θ_n) = softplus(t_θ) − softplus(t*) = A_o (reverse_kl.py), an
    overlap-gated integrand (no cancellation)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, 0, mean_new, alpha_target, delta)
    return reverse_kl._confirmed_sums(
        lambda ev: [[reverse_kl._expect(ev, 0, lambda x: x, theta, target, "R2 overlap expectation")]],
        dps, "R2 overlap expectation")[0]


def old_mean_curvature_by_quadrature(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R3: ∂²L_R/∂m_o² at θ = (α, μ_o, μ_n) = α(1 + E_{φ_o}[x(σ(t_θ)(Δ − x) − σ(t*)Δ)])
    (reverse_kl.old_mean_curvature_terms), α, α* ∈ (0, 1)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        theta, target = _theta(alpha, 0, delta, alpha_target, delta)
    total = reverse_kl._confirmed_sums(lambda ev: [reverse_kl.old_mean_curvature_terms(ev, theta, target)], dps,
                                       "old-mean curvature")[0]
    with mpmath.workdps(dps + 15):
        return _round(theta[0] * total, dps)


# --- P2 ---------------------------------------------------------------------------------------------

def _replay_inputs(alpha, mean_old, mean_new, rho, s):
    return (require_weight("alpha", alpha, closed=True), require_real("mean_old", mean_old),
            require_real("mean_new", mean_new), require_in("rho", rho, 0, 1, high_open=True),
            require_in("s", s, -5, 5))


def _replay_logs(x, alpha, mo, mn, rho, m):
    """(log q_θ, log s) with s = (1 − ρ) q_θ + ρ φ_o, φ_o = N(0, 1); the means in m's type."""
    log_q = _log_mixture(x, alpha, mo, mn, m)
    log_rho, log_rest = _log_weights(rho, m.precision(), m)
    if log_rho is m.ninf:  # ρ = 0
        return log_q, log_rest + log_q
    return log_q, m.logaddexp(log_rest + log_q, log_rho + log_normal_pdf(x, 0, m))


def _replay_integral(alpha, mean_old, mean_new, rho, s, power, dps, quantity):
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha, mo, mn, rho, s = _replay_inputs(alpha, mean_old, mean_new, rho, s)

        def f(x, m, mean_o, mean_n, tilt):
            log_q, log_s = _replay_logs(x, alpha, mean_o, mean_n, rho, m)
            density, weight = m.exp(log_s), m.exp(log_q - log_s)  # w = q_θ/s, as written
            weighted = weight * m.exp(tilt * x)
            return density * weighted if power == 1 else density * weighted * weighted

        if power not in (1, 2):
            raise ValueError(f"power must be 1 or 2, got {power}")
        shift = power * s
        points = [0, mo, mn, shift, mo + shift, mn + shift]
        value = _integrate(f, (mo, mn, s), points, (), dps, quantity)
    return _round(value, dps)


def importance_weighted_mgf(alpha, mean_old, mean_new, rho, s, dps: int = 30) -> mpmath.mpf:
    """P2: E_s[w h] for h(x) = e^{s x}, sampling from s_ρ = (1 − ρ) q_θ + ρ φ_o and weighting by
    w = q_θ/s_ρ (ρ ∈ [0, 1), |s| ≤ 5). Equals E_{q_θ}[e^{s x}] if the weighting is unbiased."""
    return _replay_integral(alpha, mean_old, mean_new, rho, s, 1, dps, "importance-weighted MGF")


def importance_weighted_second_moment(alpha, mean_old, mean_new, rho, s, dps: int = 30) -> mpmath.mpf:
    """P2: E_s[(w h)²] for h(x) = e^{s x} (same sampling and weights as importance_weighted_mgf)."""
    return _replay_integral(alpha, mean_old, mean_new, rho, s, 2, dps, "importance-weighted second moment")
