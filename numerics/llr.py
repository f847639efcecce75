"""The log-likelihood ratio ℓ = log(φ_n/φ_o) and its law under φ_o (THEORY O2), by quadrature.

ℓ is computed here from the two log-densities, not from the affine formula of O2, so that the
moment generating function below is an independent witness of the claimed law.
"""
from __future__ import annotations

import mpmath

from .quadrature import Peak, integrate_cancelling
from .validation import require_dps, require_in, require_separation


def _log_density(x, mean):
    return -(x - mean) ** 2 / 2 - mpmath.log(2 * mpmath.pi) / 2


def llr_mgf_under_old(s, delta, dps: int = 30) -> mpmath.mpf:
    """E_{φ_o}[e^{s ℓ(x)}] by quadrature in x (φ_o = N(0,1), φ_n = N(Δ,1)).

    φ_o e^{sℓ} is a Gaussian bump centred at sΔ; the quadrature is split there."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        s = require_in("s", s, -5, 5)
        delta = require_separation("delta", delta, maximum=20)

        def integrand(x):
            log_old, log_new = _log_density(x, 0), _log_density(x, delta)
            return mpmath.exp(log_old + s * (log_new - log_old))

        value = integrate_cancelling(integrand, dps=dps, points=[0, delta], peaks=[Peak(s * delta, mpmath.mpf(1))],
                                     quantity="LLR moment generating function")
    with mpmath.workdps(dps):
        return +value
