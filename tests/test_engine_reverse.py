"""R1-R4: reverse KL objective, exact gradient, Fisher information, and the R3 drift."""
import mpmath
import numpy as np
import pytest

from forgetcheck import numerics
from forgetcheck.numerics.backends import FLOAT
from forgetcheck.numerics.reverse_kl import gradient_float, objective_terms

from engine_helpers import DPS, agree, working_precision  # noqa: F401  (autouse fixture)




# --- R2 ------------------------------------------------------------------------------------------

R2_CASES = [  # (alpha, alpha_target, delta, mean_new) -> dL/dm_o at m_o = 0
    (("0.3", "0.5", 3, 3), "0.0437605522534"),
    (("0.5", "0.2", 2, "1.5"), "-0.175711370384"),
]


@pytest.mark.parametrize("case, reference", R2_CASES)
def test_r2_reference_old_mean_gradient(case, reference):
    alpha, alpha_target, delta, mean_new = case
    value = numerics.reverse_kl_old_mean_gradient(alpha, 0, mean_new, alpha_target, delta, DPS)
    assert abs(value - mpmath.mpf(reference)) <= mpmath.mpf("0.5e-12")
    # The float64 twin (same formula, other context) agrees to float precision.
    g = gradient_float(float(alpha), 0.0, float(mean_new), float(alpha_target), float(delta))
    assert abs(g[1] - float(value)) <= 1e-13


def test_r2_identity_against_high_precision_central_difference():
    """∂L_R/∂m_o from the exact formula vs (L(h) − L(−h))/2h with h = 1e−6 and the objective at
    20 digits: truncation ~h² and rounding ~1e−20/h leave 11 digits, beyond float64's reach
    (the reference is the R2 value, reproduced by test_r2_reference_old_mean_gradient)."""
    h = mpmath.mpf("1e-6")
    up = numerics.reverse_kl_objective("0.3", h, 3, "0.5", 3, 20)
    down = numerics.reverse_kl_objective("0.3", -h, 3, "0.5", 3, 20)
    assert agree((up - down) / (2 * h), mpmath.mpf("0.043760552253445870856370222988"), 11)


@pytest.mark.parametrize("theta", [(0.3, 0.4, 2.5), (0.8, -0.5, 1.2)])
def test_all_gradient_components_against_central_difference_float64(theta):
    """The three derivative formulas against a finite difference of the objective formula, both in
    the float64 context (the same code the high-precision engine runs)."""
    target = (0.6, 2.0)
    objective = lambda th: sum(objective_terms(FLOAT, tuple(th), target))  # noqa: E731
    grad = gradient_float(*theta, *target)
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-5
        fd = (objective(np.array(theta) + e) - objective(np.array(theta) - e)) / 2e-5
        assert abs(fd - grad[i]) <= 1e-8 * (1 + abs(grad[i]))


def test_high_precision_gradient_matches_float64():
    exact = numerics.reverse_kl_gradient("0.8", "-0.5", "1.2", "0.6", 2, 15)
    approx = gradient_float(0.8, -0.5, 1.2, 0.6, 2.0)
    assert all(abs(float(e) - a) <= 1e-13 * (1 + abs(a)) for e, a in zip(exact, approx))


# --- R1 ------------------------------------------------------------------------------------------

def test_truth_is_a_stationary_zero_of_the_objective():
    assert numerics.reverse_kl_objective("0.3", 0, 4, "0.3", 4, DPS) == 0
    assert numerics.reverse_kl_gradient("0.3", 0, 4, "0.3", 4, DPS) == (0, 0, 0)


def test_weight_gradient_sign_and_objective_positive():
    """R1(i)-(ii): L_R > 0 off θ*, L_R' < 0 below α* and > 0 above."""
    assert numerics.reverse_kl_weight_gradient("0.2", "0.5", 3, 15) < 0
    assert gradient_float(0.8, 0.0, 3.0, 0.5, 3.0)[0] > 0
    assert sum(objective_terms(FLOAT, (0.2, 0.1, 2.9), (0.5, 3.0))) > 0


# --- R4: Fisher information ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def fisher_03_2():
    return numerics.fisher_information("0.3", 2, 18)


def test_fisher_information_against_naive_quadrature_and_closed_form(fisher_03_2):
    a, delta = mpmath.mpf("0.3"), mpmath.mpf(2)
    info = fisher_03_2
    with mpmath.workdps(25):
        p = lambda x: a * mpmath.npdf(x) + (1 - a) * mpmath.npdf(x, delta)  # noqa: E731
        scores = [lambda x: mpmath.npdf(x) - mpmath.npdf(x, delta),
                  lambda x: a * x * mpmath.npdf(x),
                  lambda x: (1 - a) * (x - delta) * mpmath.npdf(x, delta)]
        for i in range(3):
            for j in range(i, 3):
                raw = mpmath.quad(lambda x: scores[i](x) * scores[j](x) / p(x),
                                  [-mpmath.inf, -3, 0, 1, 2, 5, mpmath.inf])
                assert abs(info[i, j] - raw) <= mpmath.mpf(10) ** -16 * (1 + abs(raw)), (i, j)
                assert info[i, j] == info[j, i]
    closed = numerics.fisher_weight_entry_closed_form("0.3", 2, 18)
    assert agree(closed, info[0, 0], 16)


def test_fisher_is_the_hessian_at_the_truth(fisher_03_2):
    """R4: at θ*, Hess L_R = I(θ*) (central differences of the float64 exact gradient)."""
    info = fisher_03_2
    theta = np.array([0.3, 0.0, 2.0])
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-5
        column = (np.array(gradient_float(*(theta + e), 0.3, 2.0))
                  - np.array(gradient_float(*(theta - e), 0.3, 2.0))) / 2e-5
        assert np.allclose(column, [float(info[i, j]) for i in range(3)], rtol=1e-7, atol=1e-8)


def test_fisher_deviation_bound_at_delta_6():
    """R4: η ≤ Δ e^{−Δ²/8}/sqrt(α*(1−α*)) for Δ ≥ 2 (margin ≈ 3 claimed)."""
    eta = numerics.fisher_deviation("0.5", 6, 15)
    bound = 6 * mpmath.exp(mpmath.mpf(-36) / 8) / mpmath.sqrt(mpmath.mpf("0.25"))
    assert 0 < eta <= bound


# --- R3: drift -----------------------------------------------------------------------------------

@pytest.mark.parametrize("delta, reference", [(6, "0.0064771768"), (10, "2.3325403e-6"), (12, "9.6843616e-9")])
def test_r3_reference_drifts(delta, reference):
    drift = numerics.partial_drift("0.3", "0.5", delta, 15)
    assert abs(drift / mpmath.mpf(reference) - 1) <= mpmath.mpf("1e-7")


def test_drift_at_large_separation_follows_the_r3_asymptotics():
    """At Δ = 30 (D ≈ 1e−49) the ratio D e^{Δ²/8}/(sqrt(π/2)|sqrt c(α) − sqrt c(α*)|) is 1 − O(1/Δ²),
    and the answer does not move when the precision is raised (digits relative to D itself)."""
    drift = numerics.partial_drift("0.3", "0.5", 30, 16)
    limit = mpmath.sqrt(mpmath.pi / 2) * abs(mpmath.sqrt(mpmath.mpf(7) / 3) - 1)
    ratio = drift * mpmath.exp(mpmath.mpf(900) / 8) / limit
    assert mpmath.mpf("0.99") < ratio < 1
    assert agree(drift, mpmath.mpf("9.10587877731673e-50"), 13)
