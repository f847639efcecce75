"""Value objects: Gaussian pairs and two-component mixtures, validated at construction.

The theory (THEORY §0) lives in R^d with a shared covariance Σ, but every quantity of a
configuration whose means are collinear depends on x only through the whitened coordinate
t = uᵀ Σ^{-1/2}(x − μ_o). The d-dimensional objects here therefore exist to be *reduced*: they
compute Δ and the whitened 1-D positions exactly, and everything downstream is 1-D.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import mpmath

from .validation import require_positive, require_real, require_weight


def _vector(name: str, values) -> tuple:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    vec = tuple(require_real(f"{name}[{i}]", v) for i, v in enumerate(values))
    if not vec:
        raise ValueError(f"{name} must have at least one coordinate, got an empty vector")
    return vec


def _covariance(sigma, dimension: int) -> mpmath.matrix:
    if not hasattr(sigma, "__iter__") or isinstance(sigma, str):
        sigma = [[sigma]]
    rows = [list(r) if hasattr(r, "__iter__") else [r] for r in sigma]
    if len(rows) != dimension or any(len(r) != dimension for r in rows):
        raise ValueError(f"sigma must be a {dimension}x{dimension} matrix to match the means, "
                         f"got shape {len(rows)}x{[len(r) for r in rows]}")
    m = mpmath.matrix([[require_real(f"sigma[{i}][{j}]", v) for j, v in enumerate(r)]
                       for i, r in enumerate(rows)])
    for i in range(dimension):
        for j in range(i):
            if m[i, j] != m[j, i]:
                raise ValueError(f"sigma must be symmetric: sigma[{i}][{j}]={m[i, j]} but "
                                 f"sigma[{j}][{i}]={m[j, i]}")
    try:
        mpmath.cholesky(m)
    except (ValueError, ZeroDivisionError):
        raise ValueError("sigma must be positive definite (allowed: symmetric with all "
                         "eigenvalues > 0); the given matrix is singular or indefinite") from None
    return m


def _mahalanobis_solve(sigma: mpmath.matrix, v: Sequence) -> mpmath.matrix:
    return mpmath.lu_solve(sigma, mpmath.matrix(list(v)))


@dataclass(frozen=True, init=False)
class GaussianPair:
    """Old and new task components N(μ_o, Σ), N(μ_n, Σ) in R^d."""
    mean_old: tuple
    mean_new: tuple
    sigma: mpmath.matrix

    def __init__(self, mean_old, mean_new, sigma=1):
        mo, mn = _vector("mean_old", mean_old), _vector("mean_new", mean_new)
        if len(mo) != len(mn):
            raise ValueError(f"mean_old and mean_new must have the same dimension, got {len(mo)} and {len(mn)}")
        object.__setattr__(self, "mean_old", mo)
        object.__setattr__(self, "mean_new", mn)
        object.__setattr__(self, "sigma", _covariance(sigma, len(mo)))

    @property
    def dimension(self) -> int:
        return len(self.mean_old)

    @property
    def delta(self) -> mpmath.mpf:
        """Mahalanobis separation Δ = sqrt(δᵀ Σ^{-1} δ) at the working precision."""
        d = [n - o for n, o in zip(self.mean_new, self.mean_old)]
        solved = _mahalanobis_solve(self.sigma, d)
        return mpmath.sqrt(mpmath.fsum(di * si for di, si in zip(d, solved)))

    def whitened_coordinate(self, point) -> mpmath.mpf:
        """t = uᵀ Σ^{-1/2}(x − μ_o) = δᵀΣ^{-1}(x − μ_o)/Δ: the only coordinate that matters."""
        x = _vector("point", point)
        if len(x) != self.dimension:
            raise ValueError(f"point must have dimension {self.dimension}, got {len(x)}")
        delta = self.delta
        if delta == 0:
            raise ValueError("the pair has delta=0: there is no direction to project on")
        d = [n - o for n, o in zip(self.mean_new, self.mean_old)]
        solved = _mahalanobis_solve(self.sigma, d)
        return mpmath.fsum(s * (xi - o) for s, xi, o in zip(solved, x, self.mean_old)) / delta

    def orthogonal_residual(self, point) -> mpmath.mpf:
        """Mahalanobis norm of the part of x − μ_o not along δ: zero iff x is on the means' line."""
        x = _vector("point", point)
        v = [xi - o for xi, o in zip(x, self.mean_old)]
        total = mpmath.fsum(a * b for a, b in zip(v, _mahalanobis_solve(self.sigma, v)))
        t = self.whitened_coordinate(point)
        return mpmath.sqrt(max(total - t * t, 0))


@dataclass(frozen=True, init=False)
class Mixture1D:
    """w N(m_o, s_o²) + (1 − w) N(m_n, s_n²) on the real line; w is the old weight.

    Standard deviations may differ (Chen et al.'s simulation uses 1 and 0.7).
    """
    weight_old: mpmath.mpf
    mean_old: mpmath.mpf
    mean_new: mpmath.mpf
    sd_old: mpmath.mpf
    sd_new: mpmath.mpf

    def __init__(self, weight_old, mean_old, mean_new, sd_old=1, sd_new=1, *, closed_weight=True):
        object.__setattr__(self, "weight_old", require_weight("weight_old", weight_old, closed=closed_weight))
        object.__setattr__(self, "mean_old", require_real("mean_old", mean_old))
        object.__setattr__(self, "mean_new", require_real("mean_new", mean_new))
        object.__setattr__(self, "sd_old", require_positive("sd_old", sd_old))
        object.__setattr__(self, "sd_new", require_positive("sd_new", sd_new))

    def component_old(self, x):
        return normal_pdf(x, self.mean_old, self.sd_old)

    def component_new(self, x):
        return normal_pdf(x, self.mean_new, self.sd_new)

    def density(self, x):
        w = self.weight_old
        return w * self.component_old(x) + (1 - w) * self.component_new(x)

    def crossover_points(self) -> list:
        """Points where w φ_o = (1−w) φ_n (responsibilities pass ½): roots of a quadratic."""
        w = self.weight_old
        if w in (0, 1):
            return []
        a_o, a_n = 1 / (2 * self.sd_old ** 2), 1 / (2 * self.sd_new ** 2)
        # log(w φ_o) − log((1−w) φ_n) = A x² + B x + C
        A = a_n - a_o
        B = 2 * (a_o * self.mean_old - a_n * self.mean_new)
        C = (a_n * self.mean_new ** 2 - a_o * self.mean_old ** 2
             + mpmath.log(w / (1 - w)) + mpmath.log(self.sd_new / self.sd_old))
        if A == 0:
            return [] if B == 0 else [-C / B]
        disc = B * B - 4 * A * C
        if disc < 0:
            return []
        root = mpmath.sqrt(disc)
        return sorted([(-B - root) / (2 * A), (-B + root) / (2 * A)])

    def special_points(self) -> list:
        """Means, crossover points and the midpoint: where quadrature must split."""
        return [self.mean_old, self.mean_new, (self.mean_old + self.mean_new) / 2,
                *self.crossover_points()]

    def standardized_separation(self) -> mpmath.mpf:
        """Δ for equal standard deviations; for unequal ones, |m_n − m_o| / max(sd)."""
        return abs(self.mean_new - self.mean_old) / max(self.sd_old, self.sd_new)


@dataclass(frozen=True, init=False)
class EqualCovarianceMixture:
    """α N(m_o, Σ) + (1−α) N(m_n, Σ) in R^d (THEORY §0's model family)."""
    weight_old: mpmath.mpf
    pair: GaussianPair

    def __init__(self, weight_old, mean_old, mean_new, sigma=1, *, closed_weight=True):
        object.__setattr__(self, "weight_old", require_weight("weight_old", weight_old, closed=closed_weight))
        object.__setattr__(self, "pair", GaussianPair(mean_old, mean_new, sigma))

    def reduce_to_1d(self) -> Mixture1D:
        """The 1-D mixture along the means' line, in whitened units (unit variances)."""
        return Mixture1D(self.weight_old, 0, self.pair.delta, 1, 1)


def reduce_collinear(target: EqualCovarianceMixture, model: EqualCovarianceMixture,
                     tolerance_digits: int = 20) -> tuple:
    """Whitened 1-D positions of the model's means relative to the target's pair.

    Returns (Δ, m_o, m_n) with the target's old mean at 0 and new mean at Δ. Raises if the model's
    means are off the target's line (then the 1-D reduction would be wrong, not approximate).
    """
    if target.pair.dimension != model.pair.dimension:
        raise ValueError("target and model must live in the same dimension")
    for name, m in (("model.mean_old", model.pair.mean_old), ("model.mean_new", model.pair.mean_new)):
        residual = target.pair.orthogonal_residual(m)
        if residual > mpmath.mpf(10) ** (-tolerance_digits) * (1 + target.pair.delta):
            raise ValueError(f"{name} is off the line through the target means (orthogonal "
                             f"Mahalanobis distance {mpmath.nstr(residual, 5)}); only collinear "
                             "configurations reduce to one dimension")
    return (target.pair.delta, target.pair.whitened_coordinate(model.pair.mean_old),
            target.pair.whitened_coordinate(model.pair.mean_new))


def normal_pdf(x, mean=0, sd=1):
    z = (x - mean) / sd
    return mpmath.exp(-z * z / 2) / (sd * mpmath.sqrt(2 * mpmath.pi))
