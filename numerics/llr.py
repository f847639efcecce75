"""The log-likelihood ratio ℓ = log(φ_n/φ_o) and its law under φ_o (THEORY O2), by quadrature.

ℓ is computed here from the two log-densities, not from the affine formula of O2, so that the
moment generating function below is an independent witness of the claimed law.
"""
from __future__ import annotations

import mpmath

from .backends import in_both_systems, log_normal_pdf
from .quadrature import Peak, integrate_cancelling
from .validation import require_dps, require_in, require_separation


def llr_mgf_under_old(s, delta, dps: int = 30) -> mpmath.mpf:
    """E_{φ_o}[e^{s ℓ(x)}] by quadrature in x (φ_o = N(0,1), φ_n = N(Δ,1)).

    φ_o e^{sℓ} is a Gaussian bump centred at sΔ; the quadrature is split there. The formula runs
    in mpmath for the quadrature's working pass and on exact arbs for its confirming pass."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        s = require_in("s", s, -5, 5)
        delta = require_separation("delta", delta, maximum=20)

        def integrand(x, m, s, delta):
            log_old, log_new = log_normal_pdf(x, 0, m), log_normal_pdf(x, delta, m)
            return m.exp(log_old + s * (log_new - log_old))

        f, g = in_both_systems(integrand, (s, delta))
        value = integrate_cancelling(f, dps=dps, points=[0, delta], peaks=[Peak(s * delta, mpmath.mpf(1))],
                                     quantity="LLR moment generating function", arb_integrand=g)
    with mpmath.workdps(dps):
        return +value
