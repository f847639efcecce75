"""Overlap divergences of THEORY O1 by quadrature of their integral definitions.

These are the independent witnesses of the closed forms in closed_forms.py (tests compare the two
up to Δ = 60). Each integrand is its definition rewritten only so that nothing overflows or cancels:
with ℓ = log(φ_n/φ_o) and M = max(φ_o, φ_n),  |φ_o − φ_n| = M (1 − e^{−|ℓ|}) and
|√φ_o − √φ_n| = √M (1 − e^{−|ℓ|/2}), which keeps every digit where φ_o ≈ φ_n (small Δ) and
never forms e^{Δ²}-sized intermediates except where the integral itself is that large (χ²).

Each integrand is one formula `(x, Δ, m)` for any math context m: mpmath (MP) for the quadrature's
working pass, python-flint balls (ARB) for its confirming pass (quadrature._gauss_arb: ~5x faster
an evaluation, and a second number system, so a 53-bit leak shows as a gap).
"""
from __future__ import annotations

import mpmath

from . import closed_forms
from .backends import in_both_systems, llr, log_max_pdf, log_normal_pdf, log_one_minus_exp_neg_abs, positive_part
from .overlap import MAX_SEPARATION
from .quadrature import integrate_cancelling
from .validation import require_dps, require_separation


def _by_quadrature(quantity, integrand, delta, dps, extra_points=(), cancels=False):
    """`cancels`: the integrand changes sign and is O(Δ) against an answer O(Δ²) at small Δ (KL), so
    the first attempt already works with the log10(1/Δ) digits that cancel (a retry would find them
    too, at the price of a failed attempt). `integrand(x, Δ, m)`: the formula in context m."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
        points = [0, delta / 2, delta, *[p(delta) for p in extra_points]]
        lost = int(mpmath.ceil(-mpmath.log10(delta))) + 3 if cancels and 0 < delta < 1 else 0
        f, g = in_both_systems(lambda x, m, d: integrand(x, d, m), (delta,))
        value = integrate_cancelling(f, dps=dps, points=points, quantity=quantity, first_extra=lost, arb_integrand=g)
    with mpmath.workdps(dps):
        return +value


def bhattacharyya(delta, dps: int = 30) -> mpmath.mpf:
    """O1: BC(φ_o, φ_n) = e^{−Δ²/8} (closed form, validated input, rounded to dps)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        value = closed_forms.bhattacharyya(require_separation("delta", delta, maximum=MAX_SEPARATION))
    with mpmath.workdps(dps):
        return +value


def bhattacharyya_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """O1: ∫ sqrt(φ_o φ_n)."""
    return _by_quadrature("Bhattacharyya (quadrature)", lambda x, d, m: m.exp(
        (log_normal_pdf(x, 0, m) + log_normal_pdf(x, d, m)) / 2), delta, dps)


def kl_divergence_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """O1: KL(φ_o || φ_n) = ∫ φ_o log(φ_o/φ_n)."""
    def integrand(x, d, m):
        log_old = log_normal_pdf(x, 0, m)
        return m.exp(log_old) * (log_old - log_normal_pdf(x, d, m))
    return _by_quadrature("KL (quadrature)", integrand, delta, dps, cancels=True)


def chi_squared_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """O1 and F1(iii): χ²(φ_o || φ_n) = ∫ (φ_o − φ_n)²/φ_n = E_{φ_n}[(r − 1)²], r = φ_o/φ_n.

    |r − 1| = e^{max(s,0)}(1 − e^{−|s|}) with s = −ℓ; the mass sits at −Δ (φ_o²/φ_n ∝ N(−Δ, 1)).
    """
    def integrand(x, d, m):
        s = -llr(x, d)
        return m.exp(log_normal_pdf(x, d, m) + 2 * (positive_part(s) + log_one_minus_exp_neg_abs(s, m)))
    return _by_quadrature("chi-squared (quadrature)", integrand, delta, dps, extra_points=[lambda d: -d])


def total_variation_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """O1: TV(φ_o, φ_n) = ½ ∫ |φ_o − φ_n| (split at the kink Δ/2)."""
    return _by_quadrature("total variation (quadrature)", lambda x, d, m: -m.exp(
        log_max_pdf(x, d, m)) * m.expm1(-abs(llr(x, d))) / 2, delta, dps)


def hellinger_squared_by_quadrature(delta, dps: int = 30) -> mpmath.mpf:
    """O1: H² = ½ ∫ (√φ_o − √φ_n)² (= 1 − BC)."""
    def integrand(x, d, m):
        half_gap = m.expm1(-abs(llr(x, d)) / 2)
        return m.exp(log_max_pdf(x, d, m)) * (half_gap * half_gap) / 2
    return _by_quadrature("squared Hellinger (quadrature)", integrand, delta, dps)
