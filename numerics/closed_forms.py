"""Closed forms of THEORY O1 and R1(iii), as functions of the Mahalanobis separation Δ.

Each is evaluated at the caller's working precision; the quadrature definitions they are checked
against live in divergences.py.
"""
from __future__ import annotations

import mpmath


def bhattacharyya(delta):
    """BC(φ_o, φ_n) = e^{−Δ²/8}."""
    return mpmath.exp(-mpmath.mpf(delta) ** 2 / 8)


def kl_divergence(delta):
    """KL(φ_o || φ_n) = Δ²/2."""
    return mpmath.mpf(delta) ** 2 / 2


def chi_squared(delta):
    """χ²(φ_o || φ_n) = e^{Δ²} − 1 (expm1 keeps the digits at small Δ)."""
    return mpmath.expm1(mpmath.mpf(delta) ** 2)


def total_variation(delta):
    """TV(φ_o, φ_n) = 2Φ(Δ/2) − 1 = erf(Δ/(2√2))."""
    return mpmath.erf(mpmath.mpf(delta) / (2 * mpmath.sqrt(2)))


def hellinger_squared(delta):
    """1 − BC = 1 − e^{−Δ²/8} (−expm1 keeps the digits at small Δ)."""
    return -mpmath.expm1(-mpmath.mpf(delta) ** 2 / 8)


def normal_cdf(x):
    return mpmath.ncdf(x)


def kappa_reverse_closed_form(delta):
    """κ_R = ∫(φ_o − φ_n)²/max(φ_o, φ_n) = 2[Φ(Δ/2) − 2Φ(−Δ/2) + e^{Δ²} Φ(−3Δ/2)] (R1(iii)).

    e^{Δ²}Φ(−3Δ/2) is a product of a huge and a tiny number at large Δ; mpmath's exponent range
    makes it exact in form, and the working precision carries the digits.
    """
    d = mpmath.mpf(delta)
    return 2 * (mpmath.ncdf(d / 2) - 2 * mpmath.ncdf(-d / 2) + mpmath.exp(d * d) * mpmath.ncdf(-3 * d / 2))
