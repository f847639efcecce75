"""Logistic-normal expectations E_Z[Z^j F_k(a + bZ)], Z ~ N(0, 1), as rigorous arb balls.

F_0 = softplus, F_k = F_0^{(k)}: F_1 = σ, F_2 = σ', F_3 = σ'', F_4 = σ'''. Every §3 integral (the reverse-KL
objective, its gradients and curvatures, the Fisher corrections) is a Gaussian expectation of such a
function of an affine log-likelihood ratio, and the §2 mixture integrals are sums of them
(docs/derivations/fast_quadrature.md). Each expectation is a trapezoid sum whose error is bounded *before*
summing (Trefethen & Weideman 2014, Thm 5.1, as in trapezoid.py), evaluated in ball arithmetic, so the
returned ball contains the exact value: rounding is tracked by arb, discretization and truncation are
added as radii. Two representations, the cheaper one chosen per call:

* direct:  E = Σ_j h N(jh) F_k(a + b jh). F_k is analytic for |Im t| < π; on |Im t| ≤ 3π/4,
  |1 + e^{±t}| ≥ 1/√2, which bounds |F_k| by the constants below. Strip in z: 3π/(4b). Cheap for small b.
* Fourier: with a tilt κ ∈ (0, 1) and c = a + κb², Parseval gives
      E = e^{κa + κ²b²/2} / (sqrt(2π) b) · E_V[Re(e^{iVc/b} Ĥ_k(κ + iV/b))],   V ~ N(0, 1),
  Ĥ_k(s) = ∫ e^{−st} F_k(t) dt = s^{k−1} π / sin(πs)  (0 < Re s < 1).
  Poles at |Im V| = b·dist(κ, Z): the strip grows with b, so a large separation costs *fewer* nodes. The
  tiny factor e^{κa + κ²b²/2} (the Gaussian at the crossover) is exact and outside the sum; with
  κ = −a/b² the sum does not oscillate (c = 0).

Symmetries first bring a to a ≤ 0 (κ ≥ 0): F_0(t) = t + F_0(−t), F_1(t) = 1 − F_1(−t), F_k(−t) = (−1)^k F_k(t)
for k ≥ 2; and for σ with κ > 1 the exact tilt E[σ(a + bZ)] = e^{a + b²/2} E[σ(−a − b² + bZ)] maps κ to 1 − κ.

Moments: Stein's identity E[Z g(Z)] = E[g'(Z)] gives E[Z F_k] = b E[F_{k+1}], E[Z² F_k] = E[F_k] + b² E[F_{k+2}].

Every function takes `log2_tol`: the absolute error allowed (2^log2_tol), and works at flint's current
precision; callers raise both until the quantity they assemble is confirmed (`confirm`).
"""
from __future__ import annotations

import math
from functools import lru_cache

from flint import acb, arb, ctx

from .errors import PrecisionNotReached

#: Highest derivative order supported (moments need k + 2 ≤ MAX_ORDER).
MAX_ORDER = 4
#: F_SQUARE = σ²: not a derivative, but the square the replay curvature needs, σ(t)² = σ(t) − σ'(t), which
#: cancels where σ is small; its own transform (1 − s)π/sin(πs) has no pole at s = 1.
F_SQUARE = 5
#: sup |F_k| on |Im t| ≤ 3π/4 for k = 1..4 (from |σ(±t)| ≤ √2: σ' = σ(t)σ(−t), σ'' = σ'(1 − 2σ),
#: σ''' = σ'(1 − 6σ') ); for k = 0, |F_0(t)| ≤ F_0(Re t) + ln√2 + π ≤ F_0(Re t) + 3.5.
STRIP_BOUND = (3.5, 1.4143, 2.0, 7.66, 26.0, 2.0)
#: The direct form's strip in t.
T_STRIP = 3 * math.pi / 4
#: Steps are 2^{−i/STEP_GRID} so the cached weights serve many calls.
STEP_GRID = 4
#: Fraction of the distance to the nearest pole used as the Fourier form's strip.
FOURIER_THETAS = (0.5, 0.7, 0.85)
#: Beyond this many nodes the caller's reference path is cheaper to trust: raise instead.
MAX_NODES = 20000

LN2 = math.log(2)


# --- Gaussian weights, cached per (precision, step, count) ------------------------------------------

@lru_cache(maxsize=512)
def _weights(prec: int, grid_index: int, count: int) -> tuple:
    """(h N(jh) for j = 0..count) as arb balls at `prec` bits."""
    with ctx.workprec(prec + 10):
        h = arb(2) ** (arb(-grid_index) / STEP_GRID)
        norm = h / (2 * arb.pi()).sqrt()
        return tuple(norm * (-(arb(j) * h) ** 2 / 2).exp() for j in range(count + 1))


def _step(grid_index: int) -> arb:
    return arb(2) ** (arb(-grid_index) / STEP_GRID)


def _log_phi_c(x: float) -> float:
    """log Φc(x) for x ≥ 0, an upper bound (Mills: Φc(x) ≤ N(x)/x for x > 0, ≤ ½)."""
    bound = -x * x / 2 - 0.5 * math.log(2 * math.pi) - math.log(x) if x > 1 else math.log(0.5)
    return min(bound, math.log(0.5))


class _Plan:
    """A step h = 2^{−i/4} and node count N with the discretization and truncation errors bounded."""
    __slots__ = ("grid_index", "count", "log_error")

    def __init__(self, grid_index, count, log_error):
        self.grid_index, self.count, self.log_error = grid_index, count, log_error


def _plan(strip: float, log_m: float, log_tail, log_tol: float) -> _Plan | None:
    """Choose h from 2M/(e^{2πd/h} − 1) ≤ tol/2 and N from log_tail(X) ≤ log(tol/2) (X = N h).
    Floats here only choose the rule; `_error_ball` evaluates the chosen rule's bound rigorously."""
    needed = log_m + LN2 - (log_tol - LN2) + 1
    if needed <= 1:
        needed = 1
    raw = 2 * math.pi * strip / needed
    grid_index = max(int(math.ceil(-math.log2(raw) * STEP_GRID)), -8)
    h = 2.0 ** (-grid_index / STEP_GRID)
    x = max(1.0, math.sqrt(max(0.0, -2 * (log_tol - LN2))))
    while log_tail(x) > log_tol - LN2:
        x += 0.5
    count = int(math.ceil(x / h))
    if count > MAX_NODES:
        return None
    return _Plan(grid_index, count, 0.0)


def _discretization_ball(strip: float, log_m: arb, grid_index: int) -> arb:
    """2M/(e^{2πd/h} − 1) as an upper bound ball."""
    h = _step(grid_index)
    d = arb(strip)
    return 2 * log_m.exp() / ((2 * arb.pi() * d / h).exp() - 1)


def _error(value: arb, bound: arb) -> arb:
    """value ± bound."""
    b = abs(bound).upper()
    return value + arb(0, b)


# --- the two representations --------------------------------------------------------------------

def _f_values(k: int, e_t: arb, t: arb) -> arb:
    """F_k(t) from e = e^t (and t itself for F_0)."""
    if k == 0:
        return t + (1 / e_t).log1p() if t.mid() > 0 else e_t.log1p()
    s = e_t / (1 + e_t)           # σ(t)
    r = 1 / (1 + e_t)             # σ(−t) = 1 − σ(t), formed without cancellation
    if k == 1:
        return s
    if k == F_SQUARE:
        return s * s
    d1 = s * r
    if k == 2:
        return d1
    if k == 3:
        return d1 * (r - s)
    return d1 * (1 - 6 * d1)


def _direct(k: int, a: arb, b: arb, log2_tol: float):
    """(ball, node count) for E[F_k(a + bZ)] by the trapezoid rule in z, or None if too costly."""
    b_hi = float(b.upper())
    log_tol = log2_tol * LN2
    strip = T_STRIP / b_hi if b_hi > 0 else 50.0
    optimal = math.sqrt(max(1.0, -2 * log_tol))
    strip = min(strip, optimal)
    a_hi = float(a.upper())
    if k == 0:
        # |F_0(a + bz)| ≤ F_0(a) + b|z| + 3.5 on the strip; on the line the same without the 3.5
        base = max(a_hi, 0.0) + LN2
        log_sup_mean = math.log(base + b_hi * math.sqrt(2 / math.pi) + STRIP_BOUND[0])

        def log_tail(x):  # 2[A Φc(X) + B N(X)], A = base, B = b
            n = -x * x / 2 - 0.5 * math.log(2 * math.pi)
            return LN2 + math.log(base * math.exp(_log_phi_c(x)) + b_hi * math.exp(n) + 1e-300)
    else:
        log_sup_mean = math.log(STRIP_BOUND[k])

        def log_tail(x):
            return LN2 + math.log(STRIP_BOUND[k]) + _log_phi_c(x)
    plan = _plan(strip, strip * strip / 2 + log_sup_mean, log_tail, log_tol)
    if plan is None:
        return None
    return plan, lambda: _direct_sum(k, a, b, plan, strip, log_sup_mean, log_tail)


def _direct_sum(k, a, b, plan, strip, log_sup_mean, log_tail):
    prec = ctx.prec
    weights = _weights(prec, plan.grid_index, plan.count)
    h = _step(plan.grid_index)
    q = (b * h).exp()
    e0 = a.exp()
    total = weights[0] * _f_values(k, e0, a)
    up = down = e0
    qi = 1 / q
    for j in range(1, plan.count + 1):
        up = up * q
        down = down * qi
        jh = arb(j) * h * b
        total += weights[j] * (_f_values(k, up, a + jh) + _f_values(k, down, a - jh))
    log_m = arb(strip) ** 2 / 2 + arb(log_sup_mean)
    bound = _discretization_ball(strip, log_m, plan.grid_index) + arb(math.exp(log_tail(plan.count * float(h.lower()))))
    return _error(total, bound)


def _fourier(k: int, a: arb, b: arb, log2_tol: float):
    """(plan, thunk) for E[F_k(a + bZ)] by the tilted Parseval form, or None."""
    b_lo, b_hi = float(b.lower()), float(b.upper())
    if not b_lo > 0:
        return None
    kappa_true = -float(a.mid()) / float(b.mid()) ** 2
    edge = min(0.5, 2.0 / b_lo)
    kappa_f = min(max(kappa_true, edge), 1 - edge)
    kappa = arb(round(kappa_f * 2 ** 20)) / 2 ** 20          # exact dyadic tilt
    kf = float(kappa.mid())
    c = a + kappa * b * b
    c_over_b = float(abs(c / b).upper())
    log_prefactor = float((kappa * a + kappa * kappa * b * b / 2).upper()) - math.log(math.sqrt(2 * math.pi) * b_lo)
    log_tol = log2_tol * LN2 - log_prefactor                  # the tolerance for the sum S
    optimal = math.sqrt(max(1.0, -2 * log_tol))
    best = None
    for theta in FOURIER_THETAS:
        strip = min(theta * b_lo * min(kf, 1 - kf), optimal)
        sigma_m = min(kf, 1 - kf) - strip / b_lo
        power = 1 if k == F_SQUARE else max(k - 1, 0)     # |1 − s| ≤ 2 like |s| for k = 2
        log_b = math.log(math.pi * 2 ** power / math.sin(math.pi * sigma_m))
        if k == 0:
            log_b -= math.log(sigma_m)
        log_sup = log_b + strip * c_over_b

        def log_tail(x, log_b=log_b):   # the sum's tail, both sides: 2 B Φc(X)
            return LN2 + log_b + _log_phi_c(x)
        plan = _plan(strip, strip * strip / 2 + log_sup, log_tail, log_tol)
        if plan is not None and (best is None or plan.count < best[0].count):
            best = (plan, strip, log_sup, log_tail)
    if best is None:
        return None
    plan, strip, log_sup, log_tail = best
    return plan, lambda: _fourier_sum(k, a, b, kappa, c, plan, strip, log_sup, log_tail)


def _fourier_sum(k, a, b, kappa, c, plan, strip, log_sup, log_tail):
    prec = ctx.prec
    weights = _weights(prec, plan.grid_index, plan.count)
    h = _step(plan.grid_index)
    pi = arb.pi()
    sin_k, cos_k = (pi * kappa).sin(), (pi * kappa).cos()
    growth = (pi * h / b).exp()                  # e^{π τ_j}, τ_j = jh/b
    rotation = acb(0, h * c / b).exp()           # e^{i h c/b}
    total = weights[0] * _h_hat(k, acb(kappa), acb(sin_k)).real
    power, inverse, phase = arb(1), arb(1), acb(1)
    for j in range(1, plan.count + 1):
        power *= growth
        inverse = 1 / power
        phase *= rotation
        tau = arb(j) * h / b
        s = acb(kappa, tau)
        sin_s = acb(sin_k * (power + inverse) / 2, cos_k * (power - inverse) / 2)
        total += 2 * weights[j] * (phase * _h_hat(k, s, sin_s)).real
    log_m = arb(strip) ** 2 / 2 + arb(log_sup)
    bound = _discretization_ball(strip, log_m, plan.grid_index) + arb(math.exp(log_tail(plan.count * float(h.lower()))))
    prefactor = (kappa * a + kappa * kappa * b * b / 2).exp() / ((2 * pi).sqrt() * b)
    return prefactor * _error(total, bound)


def _h_hat(k, s, sin_s):
    """Ĥ_k(s) = s^{k−1} π / sin(πs); for σ², (1 − s) π / sin(πs)."""
    value = arb.pi() / sin_s
    if k == F_SQUARE:
        return (1 - s) * value
    if k == 0:
        return value / s
    for _ in range(k - 1):
        value = value * s
    return value


# --- public: expectations and moments ---------------------------------------------------------------

def expectation(k: int, a: arb, b: arb, log2_tol: float) -> arb:
    """E_Z[F_k(a + bZ)] to absolute error 2^log2_tol (a ball containing the exact value)."""
    if not 0 <= k <= MAX_ORDER and k != F_SQUARE:
        raise ValueError(f"k={k} is outside the allowed range [0, {MAX_ORDER}] (or {F_SQUARE} for σ²)")
    b = abs(b)
    if b.is_zero():
        return _f_values(k, a.exp(), a)
    if a > 0:  # reflect to a ≤ 0 (κ ≥ 0)
        reflected = expectation(k, -a, b, log2_tol)
        if k == 0:
            return a + reflected
        if k == 1:
            return 1 - reflected
        if k == F_SQUARE:  # σ(t)² = (1 − σ(−t))² = 1 − 2σ(−t) + σ(−t)²
            return 1 - 2 * expectation(1, -a, b, log2_tol - 2) + reflected
        return reflected if k % 2 == 0 else -reflected
    if k in (1, 2) and b.lower() >= 1 and b * b < -a < 4 * b * b:
        # κ > 1: tilt by e^t (exact). With t' = a + b² + bZ, e^{−t}σ(t) = σ(−t) and e^{−t}σ'(t) = σ(−t)² = σ(−t) − σ'(t):
        #   E[σ(a + bZ)] = e^{a + b²/2} E[σ(−t')],  E[σ'(a + bZ)] = e^{a + b²/2} (E[σ(−t')] − E[σ'(t')]),
        # and E[σ(−t')] has κ = 1 − κ < 0 (reflected next), E[σ'(t')] has κ − 1.
        exponent = a + b * b / 2
        factor = exponent.exp()
        inner_tol = log2_tol - float(exponent.upper()) / LN2 - 1   # from the exponent: e^{−900} underflows a float
        tilted = expectation(1, -a - b * b, b, inner_tol)
        if k == 2:
            tilted = tilted - expectation(2, a + b * b, b, inner_tol)
        return factor * tilted
    if k == F_SQUARE and b.lower() >= 1 and b * b < -a < 6 * b * b:
        # κ > 1: σ(t)² = e^{2t} σ(−t)², so E[σ(a + bZ)²] = e^{2a + 2b²} E[σ(−a − 2b² + bZ)²], κ ↦ 2 − κ
        exponent = 2 * a + 2 * b * b
        factor = exponent.exp()
        inner_tol = log2_tol - float(exponent.upper()) / LN2
        return factor * expectation(F_SQUARE, -a - 2 * b * b, b, inner_tol)
    candidates = [c for c in (_direct(k, a, b, log2_tol), _fourier(k, a, b, log2_tol)) if c is not None]
    if not candidates:
        raise PrecisionNotReached(f"logistic-normal expectation F_{k}", 0, math.inf)
    plan, thunk = min(candidates, key=lambda c: c[0].count)
    return thunk()


def moment(j: int, k: int, a: arb, b: arb, log2_tol: float) -> arb:
    """E_Z[Z^j F_k(a + bZ)] for j ∈ {0, 1, 2} (Stein's identity)."""
    if j == 0:
        return expectation(k, a, b, log2_tol)
    scale = max(1.0, float(abs(b).upper()))
    if j == 1:
        return b * expectation(k + 1, a, b, log2_tol - math.log2(scale))
    if j == 2:
        return expectation(k, a, b, log2_tol - 1) + b * b * expectation(k + 2, a, b, log2_tol - 1 - 2 * math.log2(scale))
    raise ValueError(f"j={j} is outside the allowed range [0, 2]")


# --- confirming a quantity assembled from expectations ---------------------------------------------

def confirm(compute, dps: int, quantity: str, max_extra_bits: int = 1200):
    """A ball from compute(log2_tol), evaluated at flint precision set here, whose relative radius is
    at most 10^{−(dps+2)}. compute must return a ball containing the exact value for any tolerance
    and precision; each retry takes the tolerance from the magnitude the last ball showed (an answer
    far below 1, or terms that cancel) and adds working bits. Raises PrecisionNotReached when the
    digits cannot be confirmed within max_extra_bits."""
    goal = int(math.ceil((dps + 2) * math.log2(10))) + 4
    scale_log2, extra = 0.0, 24
    value = None
    for _ in range(8):
        log2_tol = scale_log2 - goal - 4
        with ctx.workprec(goal + extra + int(max(0.0, -scale_log2))):
            value = compute(log2_tol)
        if not value.is_finite():
            break
        if value.is_exact() and value.is_zero():
            return value
        if not value.contains(0) and value.rad() <= abs(value.mid()) * arb(10) ** (-(dps + 2)):
            return value
        if value.contains(0):
            upper = abs(value).upper()
            if upper.is_zero():
                return value
            scale_log2 = min(scale_log2 - 64, float(upper.log().upper()) / LN2)
        else:
            scale_log2 = min(scale_log2, float(abs(value).lower().log().lower()) / LN2)
        extra += 16
        if extra + max(0.0, -scale_log2) > max_extra_bits + goal:
            break
    relative = math.inf
    if value is not None and value.is_finite() and not value.mid().is_zero():
        relative = float((value.rad() / abs(value.mid())).upper())
    raise PrecisionNotReached(quantity, dps, relative)


def enclose(compute) -> arb:
    """A ball from compute(log2_tol) at flint's current precision (no digit requirement: for the ball
    evaluation of claims). The tolerance is re-based once or twice on the magnitude the first ball
    shows, so a tiny quantity (e^{−Δ²/8}) gets relative, not absolute, accuracy; the narrowest of the
    valid balls is returned."""
    prec = ctx.prec
    best = compute(-(prec - 8))
    for _ in range(3):
        if not best.is_finite():
            return best
        upper = abs(best).upper()
        if upper.is_zero() or (not best.contains(0) and best.rel_accuracy_bits() >= prec - 24):
            return best
        scale = float(upper.log().upper()) / LN2 - (64 if best.contains(0) else 0)
        candidate = compute(scale - (prec - 8))
        if candidate.is_finite() and candidate.rad() < best.rad():
            best = candidate
    return best
