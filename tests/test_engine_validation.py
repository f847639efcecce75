"""Bad input is rejected at the boundary with a ValueError naming parameter, value and allowed range."""
import math

import pytest

from forgetcheck import numerics

NAN, INF = float("nan"), float("inf")


def raises_naming(call, *fragments):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("weight", [0, 1, -0.1, 1.5, "2"])
def test_weights_outside_the_open_interval(weight):
    raises_naming(lambda: numerics.misassignment(weight, 2), "weight_old", str(weight), "(0, 1)")
    raises_naming(lambda: numerics.partial_drift(weight, 0.5, 6), "alpha", str(weight), "(0, 1)")
    raises_naming(lambda: numerics.fisher_deviation(weight, 6), "alpha_target", str(weight), "(0, 1)")


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_weights_outside_the_closed_interval(weight):
    raises_naming(lambda: numerics.forward_kl_weight_gradient(weight, 2), "alpha", str(weight), "[0, 1]")
    raises_naming(lambda: numerics.kappa_replay(weight, 2), "lam", str(weight), "[0, 1]")
    raises_naming(lambda: numerics.old_task_excess_loss(weight, 2), "lam", str(weight), "[0, 1]")


@pytest.mark.parametrize("delta", [-1, "-0.5", 61])
def test_separations_outside_the_range(delta):
    for f in (numerics.kappa_forward, numerics.kappa_reverse, numerics.bhattacharyya):
        raises_naming(lambda: f(delta), "delta", str(delta), "[0, ")
    raises_naming(lambda: numerics.misassignment(0.5, delta), "delta", str(delta))
    raises_naming(lambda: numerics.partial_drift(0.3, 0.5, delta), "delta", str(delta))


@pytest.mark.parametrize("value", [NAN, INF, -INF, "nan"])
def test_non_finite_inputs(value):
    raises_naming(lambda: numerics.kappa_reverse(value), "delta", "finite")
    raises_naming(lambda: numerics.misassignment(value, 2), "weight_old", "finite")
    raises_naming(lambda: numerics.reverse_kl_gradient(0.5, value, 2, 0.5, 2), "mean_old", "finite")


def test_zero_separation_where_the_drift_is_undefined():
    raises_naming(lambda: numerics.partial_drift(0.3, 0.5, 0), "delta=0", "(0, 60]")


def test_singular_covariance():
    raises_naming(lambda: numerics.GaussianPair([0, 0], [1, 1], [[1, 1], [1, 1]]),
                  "sigma", "positive definite", "eigenvalues > 0")


@pytest.mark.parametrize("dps", [14, 0, -3, 2.5, "30"])
def test_precision_below_float64_or_not_whole(dps):
    message = "dps"
    raises_naming(lambda: numerics.kappa_forward(1, dps), message)
    raises_naming(lambda: numerics.partial_drift(0.3, 0.5, 6, dps), message)


def test_precision_message_gives_the_range():
    raises_naming(lambda: numerics.fisher_information(0.5, 2, 10), "dps=10", "[15, 1000]")


def test_booleans_are_not_numbers():
    raises_naming(lambda: numerics.kappa_reverse(True), "delta", "boolean")


def test_valid_edge_values_are_accepted():
    assert numerics.kappa_reverse(0, 15) == 0
    assert numerics.forward_kl_weight_gradient(0, 2, 15) == 0
    assert math.isclose(float(numerics.bhattacharyya(60, 15)), math.exp(-450), rel_tol=1e-14)
