"""High-precision engine for two-mode Gaussian mixtures (THEORY §0-§4).

The public functions take exact or float inputs, validate them (a ValueError names the parameter,
its value and the allowed range), and return mpmath numbers correct to the requested digits, or
raise PrecisionNotReached. Coordinates are whitened and 1-D: old mean 0, new mean Δ, unit variance.
The float64 trajectories in `flows` reuse the same formulas in another math context (backends.py).
"""
from .errors import PrecisionNotReached
from .mixtures import EqualCovarianceMixture, GaussianPair, Mixture1D, reduce_collinear
from .overlap import (misassignment, misassignment_by_quadrature, misassignment_new,
                      misassignment_new_by_quadrature, misassignment_ratio_to_limit)
from .divergences import (bhattacharyya, bhattacharyya_by_quadrature, chi_squared_by_quadrature,
                          hellinger_squared_by_quadrature, kl_divergence_by_quadrature,
                          total_variation_by_quadrature)
from .forward_kl import (forward_kl_curvature_at_zero, forward_kl_objective, forward_kl_replay_gradient,
                         forward_kl_replay_objective, forward_kl_weight_gradient, kappa_forward, kappa_replay,
                         old_task_excess_loss)
from .reverse_kl import (kappa_reverse, reverse_kl_gradient, reverse_kl_objective, reverse_kl_old_mean_gradient,
                         reverse_kl_weight_gradient)
from .fisher import fisher_deviation, fisher_information, fisher_weight_entry_closed_form
from .drift import partial_drift
from .closed_forms import kappa_reverse_closed_form

#: The float64 flows pull in scipy.integrate (~0.7 s of imports): loaded on first use, so that
#: `forgetcheck list` or a fully cached `verify` start fast.
_LAZY_FLOWS = ("Trajectory", "FlowSolution", "FlowFailed", "forward_kl_replay_flow", "forward_kl_weight_flow", "reverse_kl_flow",
               "reverse_kl_weight_flow", "forward_kl_replay_solution", "forward_kl_weight_solution",
               "reverse_kl_solution", "reverse_kl_weight_solution", "old_mean_gate", "natural_flow_local_rate", "objective_float")


def __getattr__(name):
    if name in _LAZY_FLOWS:
        from . import flows
        return getattr(flows, name)
    raise AttributeError(f"module 'numerics' has no attribute {name!r}")


__all__ = [
    "EqualCovarianceMixture", "FlowSolution", "GaussianPair", "Mixture1D", "PrecisionNotReached", "Trajectory",
    "bhattacharyya", "bhattacharyya_by_quadrature", "chi_squared_by_quadrature", "fisher_deviation",
    "fisher_information", "fisher_weight_entry_closed_form", "forward_kl_curvature_at_zero",
    "forward_kl_objective", "forward_kl_replay_flow", "forward_kl_replay_gradient", "forward_kl_replay_objective",
    "forward_kl_replay_solution", "forward_kl_weight_flow", "forward_kl_weight_solution", "forward_kl_weight_gradient", "hellinger_squared_by_quadrature", "kappa_forward",
    "kappa_replay", "kappa_reverse", "kappa_reverse_closed_form", "kl_divergence_by_quadrature", "misassignment",
    "misassignment_by_quadrature", "misassignment_new", "natural_flow_local_rate", "old_mean_gate", "misassignment_new_by_quadrature",
    "misassignment_ratio_to_limit", "old_task_excess_loss", "partial_drift", "reduce_collinear",
    "reverse_kl_flow", "reverse_kl_gradient", "reverse_kl_solution", "reverse_kl_objective", "reverse_kl_old_mean_gradient",
    "reverse_kl_weight_flow", "reverse_kl_weight_gradient", "reverse_kl_weight_solution", "total_variation_by_quadrature",
]
