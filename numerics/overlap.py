"""Misassignment probabilities ε_o, ε_n (THEORY O3) and the overlap divergences of O1.

Fast path for ε_o(a, Δ) = E_{φ_o}[γ_n]: two exact representations, each a Gaussian expectation of
a function analytic in a known strip, summed by the trapezoid rule with an a-priori error bound
(see trapezoid.py). One integral per call, nodes cached per precision.

* z-form (small Δ, or ε_o not small): ε_o = E_Z[σ(log c − Δ²/2 + ΔZ)], c = (1−a)/a. The sigmoid's
  poles sit at Im Z = π/Δ; on |Im Z| ≤ 3π/(4Δ) its modulus is at most √2.
* V-form (midpoint coordinates + Parseval): with BC = e^{−Δ²/8},
      ε_o = sqrt(π/2) · sqrt(c) · BC / Δ · E_V[sech(πV/Δ) · cos(V log c / Δ)],   V ~ N(0, 1).
  The tiny factor BC is exact and outside the sum, so ε_o ≈ 1e−390 at Δ = 60 costs no more than
  ε_o ≈ 0.1. The expectation is the O4 ratio itself (→ 1 as Δ → ∞). sech's poles sit at
  Im V = ±Δ/2; on |Im V| ≤ Δ/3, |sech| ≤ 2 and |cos(kV)| ≤ cosh(k·Im V).
  Derivation: docs/derivations/misassignment.md.

The slow path (peak-aware adaptive quadrature in x, two precisions) is kept as an independent
implementation: tests and the benchmark compare the two.
"""
from __future__ import annotations

import mpmath

from .closed_forms import bhattacharyya
from .errors import PrecisionNotReached
from .backends import in_both_systems, log_normal_pdf
from .quadrature import Peak, integrate
from .trapezoid import gaussian_weights, plan
from .validation import require_dps, require_separation, require_weight

#: The contract: ε_o is correct to the requested digits for Δ in [0, MAX_SEPARATION].
MAX_SEPARATION = 60
#: Below this separation the sigmoid's strip (∝ 1/Δ) beats sech's (∝ Δ): use the z-form.
Z_FORM_BELOW = mpmath.mpf(5) / 2


def misassignment(weight_old, delta, dps: int = 30) -> mpmath.mpf:
    """ε_o(a, Δ) = E_{φ_o}[γ_n]: the probability mass of the old component that a mixture with old
    weight `weight_old` assigns to the new component (THEORY O3), to `dps` significant digits."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):  # convert inputs at full precision, never at 53 bits
        a = require_weight("weight_old", weight_old)
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        if delta == 0:
            return +(1 - a)
        odds = (1 - a) / a
        log_odds = mpmath.log(odds)
        crossover = (delta * delta / 2 - log_odds) / delta  # where γ_n = ½, in units of φ_o's sd
        if delta >= Z_FORM_BELOW and crossover >= 1:
            value = _v_form(log_odds, delta, dps)
        else:
            value = _z_form(log_odds, delta, dps)
    with mpmath.workdps(dps):
        return +value


def misassignment_new(weight_old, delta, dps: int = 30) -> mpmath.mpf:
    """ε_n(a, Δ) = E_{φ_n}[γ_o]. Computed by reflection x ↦ Δ − x, which swaps the components
    and the weights: ε_n(a, Δ) = ε_o(1 − a, Δ). (The O3 identity a ε_o = (1−a) ε_n is checked
    against the independent quadrature path, not assumed here.)"""
    with mpmath.workdps(require_dps(dps) + 15):
        a = require_weight("weight_old", weight_old)
        return misassignment(1 - a, delta, dps)


def _sum_or_raise(terms_total, abs_total, bound, dps, quantity):
    """Accept a trapezoid sum only if its a-priori bound is within the requested relative error."""
    if terms_total <= 0 or bound > terms_total * mpmath.mpf(10) ** (-(dps + 2)):
        raise PrecisionNotReached(quantity, dps, bound / abs(terms_total) if terms_total else mpmath.inf)


def _z_form(log_odds, delta, dps):
    """ε_o = E_Z[σ(A + ΔZ)], A = log c − Δ²/2."""
    strip = 3 * mpmath.pi / (4 * delta)
    strip = min(strip, mpmath.sqrt(2 * (dps + 5) * mpmath.log(10)))  # beyond this e^{d²/2} costs more
    tolerance = mpmath.mpf(10) ** (-(dps + 4))
    # ε_o ≥ Φ(-crossover)·½ when crossover < 1 is not guaranteed tiny; the relative check below
    # catches the rare case where it is, by raising the working tolerance once.
    for attempt in range(2):
        rule = plan(strip, mpmath.log(2) / 2, tolerance)
        wp = mpmath.mp.prec + 10
        weights = gaussian_weights(wp, rule.grid_index, rule.count)
        with mpmath.workprec(wp):
            h = rule.step
            shift = log_odds - delta * delta / 2
            # σ(A + Δjh) = 1/(1 + e^{-A} q^j), q = e^{-Δh}: one exp for the whole sum.
            e_minus_a = mpmath.exp(-shift)
            q = mpmath.exp(-delta * h)
            total = weights[0] / (1 + e_minus_a)
            up, down = e_minus_a, e_minus_a
            for j in range(1, rule.count + 1):
                up *= q
                down /= q
                total += weights[j] * (1 / (1 + up) + 1 / (1 + down))
        bound = rule.error_bound
        if bound <= total * mpmath.mpf(10) ** (-(dps + 2)):
            return total
        tolerance = total * mpmath.mpf(10) ** (-(dps + 4))
    _sum_or_raise(total, total, bound, dps, "misassignment (z-form)")
    return total


def _v_form(log_odds, delta, dps):
    """ε_o = sqrt(π/2) sqrt(c) BC / Δ · E_V[sech(πV/Δ) cos(kV)], k = log c/Δ."""
    k = abs(log_odds) / delta
    tolerance = mpmath.mpf(10) ** (-(dps + 4))
    optimal = mpmath.sqrt(2 * (dps + 5) * mpmath.log(10))
    strip = min(delta / 3, optimal)
    for attempt in range(2):
        # |sech| ≤ 1/cos(π d/Δ) ≤ 2 and |cos(k(x+iy))| ≤ cosh(k d) ≤ e^{kd} on the strip.
        rule = plan(strip, mpmath.log(2) + k * strip, tolerance)
        wp = mpmath.mp.prec + 10
        weights = gaussian_weights(wp, rule.grid_index, rule.count)
        with mpmath.workprec(wp):
            h = rule.step
            growth = mpmath.exp(mpmath.pi * h / delta)       # e^{πV/Δ} at V = jh is growth^j
            rotation = mpmath.expjpi(k * h / mpmath.pi)      # e^{ikh}
            total = weights[0]                               # j = 0: sech(0) cos(0) = 1
            magnitude = weights[0]
            power, phase = mpmath.mpf(1), mpmath.mpc(1)
            for j in range(1, rule.count + 1):
                power *= growth
                phase *= rotation
                sech = 2 / (power + 1 / power)
                term = weights[j] * sech
                magnitude += 2 * term
                total += 2 * term * phase.real               # even integrand: ±j counted once
        bound = rule.error_bound + magnitude * mpmath.mpf(2) ** (-(wp - 10))
        if total > 0 and bound <= total * mpmath.mpf(10) ** (-(dps + 2)):
            break
        if total <= 0:
            raise PrecisionNotReached("misassignment (V-form)", dps, mpmath.inf)
        tolerance = total * mpmath.mpf(10) ** (-(dps + 4))
    _sum_or_raise(total, magnitude, bound, dps, "misassignment (V-form)")
    scale = mpmath.sqrt(mpmath.pi / 2) * mpmath.exp(log_odds / 2) * bhattacharyya(delta) / delta
    return scale * total


def misassignment_ratio_to_limit(weight_old, delta, dps: int = 30) -> mpmath.mpf:
    """ε_o · Δ · e^{Δ²/8} / (sqrt(π/2) sqrt(c)): the O4 ratio, → 1 as Δ → ∞."""
    with mpmath.workdps(require_dps(dps) + 15):
        a = require_weight("weight_old", weight_old)
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        if delta == 0:
            raise ValueError("delta=0 is outside the allowed range (0, 60] for the O4 ratio")
        eps = misassignment(a, delta, dps + 5)
        odds = (1 - a) / a
        ratio = eps * delta * mpmath.exp(delta ** 2 / 8) / (mpmath.sqrt(mpmath.pi / 2) * mpmath.sqrt(odds))
    with mpmath.workdps(dps):
        return +ratio


# --- independent slow path: peak-aware adaptive quadrature in x -----------------------------------

def crossover_peak(weight_old, delta) -> Peak:
    """Where a φ_o = (1−a) φ_n (x in whitened units, old mean at 0): the integrands' window."""
    a = mpmath.mpf(weight_old)
    location = delta / 2 + mpmath.log(a / (1 - a)) / delta
    return Peak(location, min(mpmath.mpf(1), 1 / delta))


def _by_quadrature(weight_old, delta, dps, integrand, at_zero_separation, quantity):
    """Validate, integrate integrand(x, m, a, Δ) split at the means, midpoint and crossover, round.
    Everything happens inside the working precision, so the answer carries the requested digits
    whatever the caller's own precision is. The formula runs in mpmath for the quadrature's working
    pass and on exact arbs for its confirming pass (quadrature._gauss_arb)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a = require_weight("weight_old", weight_old)
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        if delta == 0:
            value = at_zero_separation(a)
        else:
            f, g = in_both_systems(integrand, (a, delta))
            value = integrate(f, dps=dps, points=[0, delta, delta / 2], peaks=[crossover_peak(a, delta)],
                              quantity=quantity, arb_integrand=g).value
    with mpmath.workdps(dps):
        return +value


def misassignment_by_quadrature(weight_old, delta, dps: int = 30) -> mpmath.mpf:
    """ε_o = E_{φ_o}[γ_n] by adaptive quadrature in x: slower, independent of the fast path."""
    def integrand(x, m, a, delta):  # φ_o(x) γ_n(x)
        return m.exp(log_normal_pdf(x, 0, m)) / (1 + a / (1 - a) * m.exp(delta * delta / 2 - delta * x))
    return _by_quadrature(weight_old, delta, dps, integrand, lambda a: 1 - a, "misassignment (quadrature)")


def misassignment_new_by_quadrature(weight_old, delta, dps: int = 30) -> mpmath.mpf:
    """ε_n = E_{φ_n}[γ_o] by quadrature in x, centred on the new mean (independent of ε_o)."""
    def integrand(x, m, a, delta):  # φ_n(x) γ_o(x)
        return m.exp(log_normal_pdf(x, delta, m)) / (1 + (1 - a) / a * m.exp(delta * x - delta * delta / 2))
    return _by_quadrature(weight_old, delta, dps, integrand, lambda a: a, "misassignment_new (quadrature)")
