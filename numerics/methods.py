"""Near-on-policy methods (THEORY §5): the engine quantities of M1 (SDFT), M3 (TTT-Discover) and
M4 (OAPL), in whitened 1-D coordinates (φ_o = N(0, 1), φ_n = N(Δ, 1), ℓ(x) = Δx − Δ²/2).

Every function validates its inputs inside `mpmath.workdps(dps + 15)` (no input is rounded to 53
bits on the way in) and returns a number correct to `dps` significant digits, or raises
PrecisionNotReached. Each is computed from the method's own definition, never from the closed form
that the catalog claims for it, so that a wrong closed form is caught:

* M1 `sdft_student_weight`: the student's exact reverse-KL projection onto the teacher, found by
  Newton's method on the derivative ∫(φ_o − φ_n) log(q_α/T) with the teacher T = (1−λ)q_{α_k} + λp_A
  formed pointwise (the combined weight (1−λ)α_k + λα_A is never formed).
* M1 `sdft_weight_after_steps`: the scheme iterated k times, step by step.
* M3 `entropic_maximizer_shift`: the root of J_λ' by safeguarded Newton, bracketed by doubling
  (never by the bound the catalog checks, which would make the check unable to fail).
* M3 `tilt_logit_correction`, M4 `tilt_mean_shift`: Gaussian expectations by peak-aware quadrature
  (split at the means, the midpoint and the point where the reward's sigmoid passes ½).
* M4 `oapl_policy_logit`, `oapl_logit_after_rounds`: OAPL's population regression loss minimized
  over normalized two-label policies (a float64 scan for the global basin, then Newton).
* X2 `partial_drift_memoized`: R3's drift (forgetcheck.numerics.drift), remembered by its exact inputs.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np

from .backends import MP, NP, in_both_systems, log_normal_pdf, sigmoid, softplus
from .errors import PrecisionNotReached
from .quadrature import Peak, integrate
from .validation import (require_dps, require_in, require_positive, require_real, require_separation,
                         require_weight)

#: Separations of the M1 projection (its quadrature has no overlap-gated cancellation to exploit,
#: and the teacher's log-density is a sum of four terms: validated to this range).
MAX_PROJECTION_SEPARATION = 12
#: Separations of the Gaussian tilts (M3, M4(iii)); the integrands are overlap-gated, like ε_o.
MAX_TILT_SEPARATION = 40
#: |β·(reward gap)| and R/β above this would make e^{βG} overflow the bounds' arithmetic.
MAX_EXPONENT = 60
NEWTON_STEPS = 60
#: A split point farther than this from both means carries no mass (Gaussian factor < e^{-800}).
FAR = 40


def _to_dps(value, dps):
    with mpmath.workdps(dps):
        return +value


# --- M1: SDFT's student projection ----------------------------------------------------------------

def _projection_gradient_density(x, alpha, teacher, delta, m):
    """(φ_o − φ_n)(x) · (log q_α − log T)(x) with T = (1−λ) q_{α_k} + λ p_A, formed as a mixture of
    the two mixtures: d/dα KL(q_α || T) = ∫(φ_o − φ_n) log(q_α/T) (the +1 integrates to 0)."""
    alpha_k, alpha_anchor, strength = teacher
    lo, ln = log_normal_pdf(x, 0, m), log_normal_pdf(x, delta, m)
    log_q = m.logaddexp(m.log(alpha) + lo, m.log1p(-alpha) + ln)
    log_qk = m.logaddexp(m.log(alpha_k) + lo, m.log1p(-alpha_k) + ln)
    log_anchor = m.logaddexp(m.log(alpha_anchor) + lo, m.log1p(-alpha_anchor) + ln)
    log_teacher = m.logaddexp(_log_or_ninf(1 - strength, m) + log_qk, _log_or_ninf(strength, m) + log_anchor)
    return (m.exp(lo) - m.exp(ln)) * (log_q - log_teacher)


def _log_or_ninf(w, m):
    """log w, with log 0 = −inf in either context (an absent mixture part)."""
    if w == 0:
        return -np.inf if m is NP else mpmath.ninf
    return m.log(w)


def _projection_split(alpha, teacher, delta, m):
    """Means, midpoint, and the crossovers of q_α, q_{α_k} and p_A (where each passes ½)."""
    points = [0 * delta, delta / 2, delta]
    for w in (alpha, *teacher[:2]):
        points.append(delta / 2 - (m.log1p(-w) - m.log(w)) / delta)
    return points


def _projection_float(teacher, delta):
    """Float64 Newton (bisection-safeguarded) for the root of the projection's derivative."""
    from .float_quadrature import integrate_float
    t = tuple(float(v) for v in teacher)
    d = float(delta)
    low, high, alpha = 1e-12, 1 - 1e-12, 0.5
    for _ in range(NEWTON_STEPS):
        points = _projection_split(alpha, t, d, NP)
        g = integrate_float(lambda x: _projection_gradient_density(x, alpha, t, d, NP), points=points)
        curvature = integrate_float(lambda x: _curvature_float(x, alpha, d), points=points)
        if g > 0:
            high = alpha
        else:
            low = alpha
        step = g / curvature
        candidate = alpha - step
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - alpha) <= 1e-15 * alpha:
            return candidate, curvature
        alpha = candidate
    return alpha, curvature


def _curvature_float(x, alpha, delta):
    from .forward_kl import replay_curvature_density
    return replay_curvature_density(x, alpha, delta, NP)


def sdft_student_weight(alpha_teacher, alpha_anchor, anchor_strength, delta, dps: int = 30) -> mpmath.mpf:
    """M1: the old weight of argmin_α KL(q_α || T), T = (1−λ) q_{α_k} + λ p_A, components at the
    truth; alpha_teacher = α_k ∈ (0, 1), alpha_anchor = α_A ∈ (0, 1), anchor_strength = λ ∈ [0, 1],
    delta = Δ ∈ (0, 12]. The objective is strictly convex in α (its second derivative is
    ∫(φ_o − φ_n)²/q_α > 0), so the root of its derivative is the unique minimizer."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        alpha_k = require_weight("alpha_teacher", alpha_teacher)
        alpha_a = require_weight("alpha_anchor", alpha_anchor)
        strength = require_weight("anchor_strength", anchor_strength, closed=True)
        delta = require_separation("delta", delta, maximum=MAX_PROJECTION_SEPARATION)
        if delta == 0:
            raise ValueError("delta=0 is outside the allowed range (0, 12]: with equal components "
                             "every weight gives the same model")
        teacher = (alpha_k, alpha_a, strength)
        start, curvature = _projection_float(teacher, delta)
        alpha = mpmath.mpf(start)
        curvature = mpmath.mpf(curvature)
        # Newton with the float64 curvature (relative error ~1e-13): each step gains ≥ 12 digits.
        # Near the root the derivative is O(|α − root|) but formed from O(1) log-densities: the
        # integrand works with `extra` more digits than the quadrature (as forward_kl's objective
        # does), so its value is free of rounding noise and 15 digits of it suffice for a step;
        # an absolute tolerance covers a start that is the root itself (derivative 0).
        # digits that cancel in log(q_α/T) ≈ −log10|α − root|: ~14 after the float64 start, then
        # the digits each step gained (the last step's size measures the distance to the root)
        extra = 20

        def derivative_density(x, m, alpha, alpha_k, alpha_a, strength, delta):
            # neither mpmath nor arb overflows, so the densities are formed directly (no log-sum-exp);
            # the same formula in mpmath (working pass) and on exact arbs (confirming pass)
            with m.raised(extra):
                old, new = m.exp(log_normal_pdf(x, 0, m)), m.exp(log_normal_pdf(x, delta, m))
                model = alpha * old + (1 - alpha) * new
                teacher_model = alpha_k * old + (1 - alpha_k) * new
                anchor = alpha_a * old + (1 - alpha_a) * new
                return (old - new) * m.log(model / ((1 - strength) * teacher_model + strength * anchor))

        for _ in range(8):
            f, g_arb = in_both_systems(derivative_density, (alpha, alpha_k, alpha_a, strength, delta))
            g = integrate(f, dps=15, points=_projection_split(alpha, teacher, delta, MP),
                          quantity="SDFT projection derivative", arb_integrand=g_arb,
                          absolute_tolerance=mpmath.mpf(10) ** (-(dps + 6)) * alpha * curvature).value
            step = g / curvature
            alpha -= step
            # The error left after a step is at most |step| times the relative errors of the
            # curvature (float64 quadrature, < 1e-12) and of g (1e-15): stop once that is negligible.
            if abs(step) * mpmath.mpf(10) ** -11 <= alpha * mpmath.mpf(10) ** (-(dps + 3)):
                return _to_dps(alpha, dps)
            gained = -mpmath.log10(abs(step) / alpha) if step else dps
            extra = int(min(dps + 10, max(20, gained + 18)))
    raise PrecisionNotReached("sdft_student_weight (Newton did not converge)", dps, abs(step / alpha))


def sdft_weight_after_steps(steps, alpha_0, alpha_anchor, tau, anchor_strength, dps: int = 30) -> mpmath.mpf:
    """M1: the EMA (teacher) model's old weight after `steps` rounds of SDFT with components at the
    truth: each round the student takes the exact projection (1−λ)α_k + λα_A (M1.projection) and the
    EMA moves α ← (1−τ)α + τ·(student), iterated step by step at dps + 20 digits. steps ∈ {0, ..., 10000}; α_0, α_A ∈ [0, 1];
    τ ∈ (0, 1]; λ ∈ [0, 1]."""
    dps = require_dps(dps)
    k = _whole("steps", steps, 10000)
    # Each round adds about one ulp of rounding relative to the weight: with dps + 20 working digits
    # and k ≤ 10^4 the result keeps its dps digits.
    with mpmath.workdps(dps + 20):
        a = require_in("alpha_0", alpha_0, 0, 1)
        anchor = require_in("alpha_anchor", alpha_anchor, 0, 1)
        t = require_in("tau", tau, 0, 1, low_open=True)
        lam = require_in("anchor_strength", anchor_strength, 0, 1)
        for _ in range(k):
            student = (1 - lam) * a + lam * anchor
            a = (1 - t) * a + t * student
    return _to_dps(a, dps)


def _whole(name, value, maximum):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    exact = Fraction(str(value)) if not isinstance(value, (int, Fraction)) else Fraction(value)
    if exact.denominator != 1 or not 0 <= exact <= maximum:
        raise ValueError(f"{name}={value!r} is outside the allowed range {{0, ..., {maximum}}} (whole numbers)")
    return int(exact)


# --- M3: TTT-Discover's entropic objective ---------------------------------------------------------

def _rewards(beta, reward_old, reward_new):
    beta = require_positive("beta", beta)
    r_o = require_real("reward_old", reward_old)
    r_n = require_real("reward_new", reward_new)
    if abs(beta * (r_n - r_o)) > MAX_EXPONENT:
        raise ValueError(f"beta*(reward_new - reward_old)={mpmath.nstr(beta * (r_n - r_o), 6)} is outside "
                         f"the allowed range [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
    return beta, r_o, r_n


def entropic_maximizer_shift(alpha_0, beta, reward_old, reward_new, lam, dps: int = 30) -> mpmath.mpf:
    """M3: logit α_λ − logit α_0, α_λ the maximizer of J_λ(α) = log(αe^{βR_o} + (1−α)e^{βR_n})
    − λ kl(α||α_0), λ > 0 (α_0 ∈ (0, 1), β > 0).

    In s = logit α − logit α_0, J_λ' = (1 − g)/(α + (1−α)g) − λs with g = e^{β(R_n−R_o)}; it is
    strictly decreasing in s (J_λ is strictly concave), so the maximizer is its unique zero. The
    shift is returned rather than logit α_λ so that its digits are relative to itself (it is 0
    exactly when R_n = R_o)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a0 = require_weight("alpha_0", alpha_0)
        beta, r_o, r_n = _rewards(beta, reward_old, reward_new)
        lam = require_positive("lam", lam)
        t0 = mpmath.log(a0) - mpmath.log1p(-a0)
        one_minus_g = -mpmath.expm1(beta * (r_n - r_o))
        g = 1 - one_minus_g

        def slope(s):
            alpha = 1 / (1 + mpmath.exp(-(t0 + s)))
            return one_minus_g / (alpha + (1 - alpha) * g) - lam * s

        def slope_derivative(s):
            alpha = 1 / (1 + mpmath.exp(-(t0 + s)))
            return -one_minus_g ** 2 * alpha * (1 - alpha) / (alpha + (1 - alpha) * g) ** 2 - lam

        if one_minus_g == 0:
            return mpmath.mpf(0)
        # Bracket by doubling from ±1 (independent of any bound on the root).
        width = mpmath.mpf(1)
        while not (slope(-width) > 0 > slope(width)):
            width *= 2
            if width > 2 ** 80:
                raise PrecisionNotReached("entropic_maximizer_shift (no bracket)", dps, mpmath.inf)
        return _to_dps(_safeguarded_newton(slope, slope_derivative, -width, width, dps,
                                           "entropic_maximizer_shift"), dps)


def _safeguarded_newton(f, fprime, low, high, dps, quantity):
    """The zero of a decreasing f in [low, high] (f(low) > 0 > f(high)), relative accuracy 10^-dps."""
    s = (low + high) / 2
    for _ in range(400):
        value = f(s)
        if value == 0:
            return s
        if value > 0:
            low = s
        else:
            high = s
        candidate = s - value / fprime(s)
        if not low < candidate < high:
            candidate = (low + high) / 2
        step = candidate - s
        s = candidate
        if abs(step) <= abs(s) * mpmath.mpf(10) ** (-(dps + 5)):
            return s
    raise PrecisionNotReached(quantity, dps, abs(step / s) if s else mpmath.inf)


def _tilt_split(offset, delta):
    """Means, midpoint, and where ℓ + b = 0 (the reward's sigmoid passes ½): a peak of width ~1/Δ,
    dropped when it lies so far out that the sigmoid is constant over all the Gaussian mass."""
    points = [0 * delta, delta / 2, delta]
    crossover = delta / 2 - offset / delta
    if -FAR < crossover < delta + FAR:
        return points, [Peak(crossover, min(mpmath.mpf(1), 1 / delta))]
    return points, []


def _tilt_inputs(delta, offset):
    delta = require_separation("delta", delta, maximum=MAX_TILT_SEPARATION)
    offset = require_in("offset", offset, -MAX_EXPONENT, MAX_EXPONENT)
    return delta, offset


def tilt_logit_correction(beta, reward_gap, offset, delta, dps: int = 30) -> mpmath.mpf:
    """M3, Gaussian version: the overlap correction of one exact tilt step.

    The model q_α = αφ_o + (1−α)φ_n is tilted by e^{βr}, r(x) = R_o + G σ(ℓ(x) + b) (the reward
    passes from R_o on the old side to R_n = R_o + G on the new side; b shifts where), and projected
    on the old/new split: α' = α E_{φ_o}e^{βr} / (α E_{φ_o}e^{βr} + (1−α) E_{φ_n}e^{βr}). Then
    logit α' − logit α = −βG + C with the correction returned here,
        C = log(1 + E_{φ_o}[e^{βGσ(ℓ+b)} − 1]) − log(1 + E_{φ_n}[e^{−βGσ(−ℓ−b)} − 1]),
    each expectation overlap-gated (integrated to digits relative to itself). β > 0, |βG| ≤ 60,
    |b| ≤ 60, Δ ∈ [0, 40]."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        beta = require_positive("beta", beta)
        gap = require_real("reward_gap", reward_gap)
        if abs(beta * gap) > MAX_EXPONENT:
            raise ValueError(f"beta*reward_gap={mpmath.nstr(beta * gap, 6)} is outside the allowed range "
                             f"[-{MAX_EXPONENT}, {MAX_EXPONENT}]")
        delta, offset = _tilt_inputs(delta, offset)
        if gap == 0:
            return mpmath.mpf(0)
        kappa = beta * gap
        if delta == 0:
            return _to_dps(kappa, dps)  # one component: the tilt cannot move the split, C = βG exactly
        points, peaks = _tilt_split(offset, delta)
        # mpmath has no overflow, so the plain formulas are exact in form: σ(y) = 1/(1 + e^{−y}).
        # The old part is E_{φ_o}[e^{βGσ(ℓ+b)} − 1]; the new part, in the variable x − Δ (so that its
        # Gaussian is centred too), E_{φ_n}[e^{−βGσ(−ℓ−b)} − 1] with −ℓ − b = −Δy − Δ²/2 − b, y = x − Δ.
        # Each formula runs in mpmath (working pass) and on exact arbs (confirming pass).
        # (arb overflows nowhere either: e^{Δ²/2 + ...} of Δ ≤ 40 is a finite ball.)
        def old_part(x, m, kappa, delta, offset):
            return m.exp(log_normal_pdf(x, 0, m)) * m.expm1(kappa / (1 + m.exp(-(delta * x - delta * delta / 2 + offset))))

        def new_part(y, m, kappa, delta, offset):
            return m.exp(log_normal_pdf(y, 0, m)) * m.expm1(-kappa / (1 + m.exp(delta * y + delta * delta / 2 + offset)))

        f, g = in_both_systems(old_part, (kappa, delta, offset))
        old = integrate(f, dps=dps + 2, points=points, peaks=peaks, quantity="tilt correction (old part)",
                        arb_integrand=g).value
        new_points = [p - delta for p in points]
        new_peaks = [Peak(pk.location - delta, pk.width) for pk in peaks]
        f, g = in_both_systems(new_part, (kappa, delta, offset))
        new = integrate(f, dps=dps + 2, points=new_points, peaks=new_peaks, quantity="tilt correction (new part)",
                        arb_integrand=g).value
        # For G > 0 the old part is ≥ 0 and the new part ≤ 0 (and the reverse for G < 0): the
        # difference adds magnitudes, no digits cancel.
        value = mpmath.log1p(old) - mpmath.log1p(new)
    return _to_dps(value, dps)


# --- M4: OAPL --------------------------------------------------------------------------------------

def tilt_mean_shift(reward_scale, beta, offset, delta, dps: int = 30) -> mpmath.mpf:
    """M4(iii): how far tilting the old component φ_o by e^{r/β}, r(x) = R σ(ℓ(x) + b), moves its
    mean (whitened, i.e. Mahalanobis). The shift is along the means' line (r depends on x only
    through t), of size N/Z with Z = E_{φ_o}[e^{r/β}] and, by Stein's identity E[t f(t)] = E[f'(t)]
    for t ~ N(0, 1),
        N = E_{φ_o}[t (e^{r/β} − 1)] = (RΔ/β) E_{φ_o}[e^{r/β} σ(ℓ+b)(1 − σ(ℓ+b))]  ≥ 0,
    a positive integrand (the direct form cancels ± parts and loses digits as Δ → 0).
    R ∈ [0, 60β], β > 0, |b| ≤ 60, Δ ∈ [0, 40]."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        scale = require_in("reward_scale", reward_scale, 0, mpmath.inf)
        beta = require_positive("beta", beta)
        if scale / beta > MAX_EXPONENT:
            raise ValueError(f"reward_scale/beta={mpmath.nstr(scale / beta, 6)} is outside the allowed "
                             f"range [0, {MAX_EXPONENT}]")
        delta, offset = _tilt_inputs(delta, offset)
        if scale == 0 or delta == 0:
            return mpmath.mpf(0)  # a constant reward (or none) tilts nothing
        kappa = scale / beta
        points, peaks = _tilt_split(offset, delta)

        # each formula in mpmath (working pass) and on exact arbs (confirming pass)
        def numerator(x, m, kappa, delta, offset):
            # e^{−x²/2 + κσ} σ(1 − σ) with σ = σ(ℓ + b); σ(1 − σ) = e^{−y}/(1 + e^{−y})², no cancellation
            e = m.exp(-(delta * x - delta * delta / 2 + offset))
            s = 1 / (1 + e)
            return m.exp(log_normal_pdf(x, 0, m) + kappa * s) * e * s * s

        def excess(x, m, kappa, delta, offset):  # e^{κσ} − 1
            return m.exp(log_normal_pdf(x, 0, m)) * m.expm1(kappa / (1 + m.exp(-(delta * x - delta * delta / 2 + offset))))

        constants = (kappa, delta, offset)
        f, g = in_both_systems(numerator, constants)
        n = integrate(f, dps=dps + 2, points=points, peaks=peaks, quantity="tilt mean shift", arb_integrand=g).value
        f, g = in_both_systems(excess, constants)
        z = integrate(f, dps=dps + 2, points=points, peaks=peaks, quantity="tilt normaliser", arb_integrand=g).value
        value = kappa * delta * n / (1 + z)
    return _to_dps(value, dps)


def _oapl_residuals(u, lag_logit, r_o, r_n, value, beta_policy, m):
    """The two residuals β₂(log π − log π_lag) − (r − V̂) of OAPL's regression, for π = (σ(u), σ(−u))
    and π_lag = (σ(u_lag), σ(−u_lag)), logs via softplus (stable for any |u|)."""
    log_ratio_old = softplus(-lag_logit, m) - softplus(-u, m)
    log_ratio_new = softplus(lag_logit, m) - softplus(u, m)
    return beta_policy * log_ratio_old - (r_o - value), beta_policy * log_ratio_new - (r_n - value)


def _oapl_loss_slope(u, lag_logit, r_o, r_n, value, beta_policy, m):
    """d/du of α_lag e_o² + (1−α_lag) e_n² (the population loss), up to the factor 2β₂."""
    e_o, e_n = _oapl_residuals(u, lag_logit, r_o, r_n, value, beta_policy, m)
    w_o, w_n = sigmoid(lag_logit, m), sigmoid(-lag_logit, m)
    return w_o * e_o * sigmoid(-u, m) - w_n * e_n * sigmoid(u, m)


def _oapl_value(lag_logit, r_o, r_n, beta_value, m):
    """V̂* = β₁ log E_{π_lag} e^{r/β₁}, in logs."""
    log_w_o, log_w_n = -softplus(-lag_logit, m), -softplus(lag_logit, m)
    return beta_value * m.logaddexp(log_w_o + r_o / beta_value, log_w_n + r_n / beta_value)


def _oapl_minimizer_logit(lag_logit, r_o, r_n, beta_value, beta_policy, dps):
    """logit of argmin over π of E_{π_lag}[(β₂ log(π/π_lag) − (r − V̂*))²], at the working precision."""
    # 1. the global basin, in float64, on a grid around the lagged policy's logit
    u_lag = float(lag_logit)
    args = (float(r_o), float(r_n))
    v = _oapl_value(u_lag, *args, float(beta_value), NP)
    reach = 10 + 3 * abs(args[1] - args[0]) / min(float(beta_value), float(beta_policy))
    grid = np.linspace(u_lag - reach, u_lag + reach, 4001)
    e_o, e_n = _oapl_residuals(grid, u_lag, *args, v, float(beta_policy), NP)
    loss = float(sigmoid(u_lag, NP)) * e_o ** 2 + float(sigmoid(-u_lag, NP)) * e_n ** 2
    best = int(np.argmin(loss))
    if best in (0, len(grid) - 1):
        raise PrecisionNotReached("OAPL minimizer (the loss decreases beyond the scanned range)", dps, mpmath.inf)
    low, high = mpmath.mpf(grid[best - 1]), mpmath.mpf(grid[best + 1])
    # 2. Newton on the slope inside that cell, at the working precision
    value = _oapl_value(lag_logit, r_o, r_n, beta_value, MP)
    slope = lambda u: -_oapl_loss_slope(u, lag_logit, r_o, r_n, value, beta_policy, MP)  # decreasing there
    if not slope(low) > 0 > slope(high):
        # a minimum at the edge of a cell (the slope is 0 at a grid point): start Newton there
        start = mpmath.mpf(grid[best])
        if slope(start) == 0:
            return start
        raise PrecisionNotReached("OAPL minimizer (no sign change around the best grid point)", dps, mpmath.inf)
    return _newton_from(slope, low, high, mpmath.mpf(u_lag) if low < u_lag < high else (low + high) / 2, dps)


def _newton_from(f, low, high, start, dps):
    """The zero of f (decreasing on [low, high]) by Newton with a central-difference derivative,
    safeguarded by bisection. A step below the working precision's resolution ends the iteration
    at the current point, so a root that sits exactly on the start (a lagged policy that is
    already optimal) is returned exactly, not displaced by rounding noise."""
    s = start
    resolution = mpmath.mpf(10) ** (-(mpmath.mp.dps - 3))
    for _ in range(200):
        value = f(s)
        if value == 0:
            return s
        if value > 0:
            low = s
        else:
            high = s
        h = mpmath.mpf(10) ** (-(mpmath.mp.dps // 3)) * max(1, abs(s))
        derivative = (f(s + h) - f(s - h)) / (2 * h)
        candidate = s - value / derivative if derivative < 0 else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2
        step = candidate - s
        if abs(step) <= resolution * max(1, abs(s)):
            return s
        s = candidate
    raise PrecisionNotReached("OAPL minimizer (Newton did not converge)", dps, abs(step))


def _oapl_inputs(reward_old, reward_new, beta_value, beta_policy):
    r_o = require_real("reward_old", reward_old)
    r_n = require_real("reward_new", reward_new)
    b1 = require_positive("beta_value", beta_value)
    b2 = require_positive("beta_policy", beta_policy)
    if abs(r_n - r_o) / min(b1, b2) > MAX_EXPONENT:
        raise ValueError(f"|reward_new - reward_old|/min(beta_value, beta_policy)="
                         f"{mpmath.nstr(abs(r_n - r_o) / min(b1, b2), 6)} is outside the allowed range [0, {MAX_EXPONENT}]")
    return r_o, r_n, b1, b2


def oapl_policy_logit(alpha_lag, reward_old, reward_new, beta_value, beta_policy, dps: int = 30) -> mpmath.mpf:
    """M4(i): logit of the old probability of the policy minimizing OAPL's population loss
    E_{a~π_lag}[(β₂ log(π(a)/π_lag(a)) − (r(a) − V̂*))²], V̂* = β₁ log E_{π_lag} e^{r/β₁}, over normalized
    policies on the two labels {old, new}; α_lag ∈ (0, 1), β₁ = beta_value, β₂ = beta_policy."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a = require_weight("alpha_lag", alpha_lag)
        r_o, r_n, b1, b2 = _oapl_inputs(reward_old, reward_new, beta_value, beta_policy)
        lag_logit = mpmath.log(a) - mpmath.log1p(-a)
        value = _oapl_minimizer_logit(lag_logit, r_o, r_n, b1, b2, dps)
    return _to_dps(value, dps)


def oapl_logit_after_rounds(rounds, alpha_0, reward_old, reward_new, beta, dps: int = 30) -> mpmath.mpf:
    """M4(ii): logit α_K after K sync rounds of OAPL with β₁ = β₂ = β: each round the policy is
    trained to the minimizer of the population loss against the lagged policy (oapl_policy_logit's
    minimization, not its closed form), then the lagged policy is synced to it. K ∈ {0, ..., 200}."""
    dps = require_dps(dps)
    k = _whole("rounds", rounds, 200)
    with mpmath.workdps(dps + 15):
        a = require_weight("alpha_0", alpha_0)
        r_o, r_n, b, _ = _oapl_inputs(reward_old, reward_new, beta, beta)
        u = mpmath.log(a) - mpmath.log1p(-a)
        for _ in range(k):
            u = _oapl_minimizer_logit(u, r_o, r_n, b, b, dps)
    return _to_dps(u, dps)


# --- X2: the drift-decay curve ----------------------------------------------------------------------

@lru_cache(maxsize=256)
def _partial_drift_cached(alpha: str, alpha_target: str, delta: str, dps: int):
    from .drift import partial_drift
    return partial_drift(alpha, alpha_target, delta, dps)


def partial_drift_memoized(alpha, alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R3's D(Δ) (forgetcheck.numerics.drift.partial_drift), remembered by its exact inputs: X2's statement, its
    mutant and the figure evaluate the same points, and each costs seconds."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        key = tuple(mpmath.nstr(require_real(name, v), dps + 15, strip_zeros=False)
                    for name, v in (("alpha", alpha), ("alpha_target", alpha_target), ("delta", delta)))
    return _partial_drift_cached(*key, dps)
