"""High-precision engine for two-mode Gaussian mixtures (THEORY §0-§4).

The public functions take exact or float inputs, validate them (a ValueError names the parameter,
its value and the allowed range), and return mpmath numbers correct to the requested digits, or
raise PrecisionNotReached.
"""
from .errors import PrecisionNotReached
from .mixtures import EqualCovarianceMixture, GaussianPair, Mixture1D, reduce_collinear
from .overlap import misassignment, misassignment_new, misassignment_ratio_to_limit

__all__ = [
    "EqualCovarianceMixture", "GaussianPair", "Mixture1D", "PrecisionNotReached",
    "misassignment", "misassignment_new", "misassignment_ratio_to_limit", "reduce_collinear",
]
