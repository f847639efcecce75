"""A true two-dimensional quadrature, to confirm the reduction to one dimension (THEORY §0).

Everything else in the engine works along the line of the means. This module integrates in R²
with a correlated covariance, with no use of that reduction, so that agreement with the 1-D
closed forms is evidence for the reduction itself.
"""
from __future__ import annotations

import mpmath

from .mixtures import GaussianPair
from .validation import require_dps, require_separation

#: A deliberately non-diagonal covariance and an oblique direction for the means.
SIGMA_2D = ((2, mpmath.mpf(1) / 2), (mpmath.mpf(1) / 2, 1))
DIRECTION_2D = (1, 1)


def pair_in_two_dimensions(delta) -> GaussianPair:
    """Means 0 and t·(1, 1) with t chosen so that the Mahalanobis separation under SIGMA_2D is Δ."""
    unit = GaussianPair((0, 0), DIRECTION_2D, [list(r) for r in SIGMA_2D])
    scale = delta / unit.delta
    return GaussianPair((0, 0), tuple(scale * c for c in DIRECTION_2D), [list(r) for r in SIGMA_2D])


#: Trapezoid step and half-width (in units of the largest standard deviation) of the 2-D grid.
#: For a Gaussian integrand with smallest standard deviation σ the trapezoid error is about
#: 2·exp(−2π²σ²/h²): with σ² ≥ 0.79 (SIGMA_2D's smaller eigenvalue) and h = 0.3 that is < 1e−70;
#: the grid is cut where the Gaussian tail drops below 10^{−(dps+5)}.
STEP_2D = mpmath.mpf(3) / 10


def bhattacharyya_in_two_dimensions(delta, dps: int = 20) -> mpmath.mpf:
    """∫∫ sqrt(φ_o φ_n) over R² by the 2-D trapezoid rule on a grid centred at the midpoint of the
    means (spectrally accurate for this smooth, Gaussian-decaying integrand; see STEP_2D)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 10):
        delta = require_separation("delta", delta, maximum=20)
        pair = pair_in_two_dimensions(delta)
        inverse = pair.sigma ** -1
        norm = 1 / (2 * mpmath.pi * mpmath.sqrt(mpmath.det(pair.sigma)))
        mid = [(o + n) / 2 for o, n in zip(pair.mean_old, pair.mean_new)]

        def log_density(x, y, mean):
            u, w = x - mean[0], y - mean[1]
            return -(inverse[0, 0] * u * u + 2 * inverse[0, 1] * u * w + inverse[1, 1] * w * w) / 2

        def integrand(x, y):
            return norm * mpmath.exp((log_density(x, y, pair.mean_old) + log_density(x, y, pair.mean_new)) / 2)

        if dps > 70:
            raise ValueError(f"dps={dps} is outside the allowed range [15, 70] of the 2-D grid")
        sds = mpmath.sqrt(2 * (dps + 5) * mpmath.log(10))
        half = sds * mpmath.sqrt(max(mpmath.eigsy(pair.sigma)[0]))
        count = int(mpmath.ceil(half / STEP_2D))
        offsets = [j * STEP_2D for j in range(-count, count + 1)]
        value = STEP_2D ** 2 * mpmath.fsum(integrand(mid[0] + dx, mid[1] + dy) for dx in offsets for dy in offsets)
    with mpmath.workdps(dps):
        return +value
