"""F1, F3: forward KL with the components at the truth."""
import mpmath
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from forgetcheck import numerics
from forgetcheck.numerics.forward_kl import replay_gradient_float

from engine_helpers import DPS, agree, working_precision  # noqa: F401  (autouse fixture)




@pytest.mark.parametrize("delta, reference", [(1, "0.281989"), (3, "0.832914")])
def test_kappa_forward_reference_values(delta, reference):
    assert abs(numerics.kappa_forward(delta, DPS) - mpmath.mpf(reference)) <= mpmath.mpf("0.5e-6")


def test_weight_gradient_is_the_f1_formula():
    """The engine evaluates α E_{φ_n}[(1−r)²/(1−α+αr)]; F1(i) states E_{φ_n}[(1−r)/(1−α+αr)].
    Integrate the latter naively (fine at Δ = 2) at 40 digits."""
    alpha, delta = mpmath.mpf("0.3"), mpmath.mpf(2)
    with mpmath.workdps(40):
        def integrand(x):
            r = mpmath.exp(delta ** 2 / 2 - delta * x)
            return mpmath.npdf(x, delta) * (1 - r) / (1 - alpha + alpha * r)
        raw = mpmath.quad(integrand, [-mpmath.inf, -2, 0, 1, 2, 4, mpmath.inf])
    assert agree(numerics.forward_kl_weight_gradient("0.3", 2, DPS), raw, DPS - 2)


def test_weight_gradient_matches_central_difference_of_objective():
    """h = 1e-9, objective at 26 digits: truncation ~h^2 and rounding ~1e-26/h are both <= 1e-17."""
    h = mpmath.mpf("1e-9")
    up = numerics.forward_kl_objective(mpmath.mpf("0.3") + h, 2, 26)
    down = numerics.forward_kl_objective(mpmath.mpf("0.3") - h, 2, 26)
    assert agree((up - down) / (2 * h), numerics.forward_kl_weight_gradient("0.3", 2, DPS), 15)


def test_objective_end_values():
    assert numerics.forward_kl_objective(0, 2, DPS) == 0
    assert agree(numerics.forward_kl_objective(1, 2, DPS), mpmath.mpf(2), DPS - 1)  # KL(φ_n||φ_o) = Δ²/2


def test_curvature_at_zero_is_chi_squared():
    """F1(iii): L_F''(0) = χ²(φ_o||φ_n) = e^{Δ²} − 1."""
    assert agree(numerics.forward_kl_curvature_at_zero(2, DPS), mpmath.expm1(4), DPS - 2)


def test_f1_ratio_reference_and_positivity():
    """F1(i)-(ii) in float64: L_F' > 0 on (0, 1], L_F'(α)/(κ_F α) has minimum ≈ 2.89 at Δ = 1."""
    kappa = float(numerics.kappa_forward(1, 15))
    ratio = lambda a: replay_gradient_float(a, 0.0, 1.0) / (kappa * a)  # noqa: E731
    grid = np.linspace(1e-6, 1, 201)
    assert all(replay_gradient_float(a, 0.0, 1.0) > 0 for a in grid)
    best = minimize_scalar(ratio, bounds=(1e-6, 1), method="bounded", options={"xatol": 1e-8})
    assert abs(best.fun - 2.89) < 0.01 and best.fun >= 1


def test_float_gradient_matches_high_precision():
    exact = numerics.forward_kl_replay_gradient("0.9", "0.2", 3, 15)
    assert abs(replay_gradient_float(0.9, 0.2, 3.0) - float(exact)) <= 1e-12 * abs(float(exact))


def test_replay_optimum_is_lambda():
    """F3: the gradient vanishes exactly at α = λ and points away from it on either side."""
    assert numerics.forward_kl_replay_gradient("0.4", "0.4", 2, DPS) == 0
    assert numerics.forward_kl_replay_objective("0.4", "0.4", 2, DPS) == 0
    assert replay_gradient_float(0.39, 0.4, 2.0) < 0 < replay_gradient_float(0.41, 0.4, 2.0)


@pytest.mark.parametrize("lam", ["0.01", "0.9"])
def test_old_task_excess_loss_bounds(lam):
    """F3: log(1/λ) − sqrt((1−λ)/λ) e^{−Δ²/8} ≤ KL(φ_o||q_λ) ≤ log(1/λ)."""
    lam_mp = mpmath.mpf(lam)
    loss = numerics.old_task_excess_loss(lam, 2, 15)
    upper = -mpmath.log(lam_mp)
    assert upper - mpmath.sqrt((1 - lam_mp) / lam_mp) * mpmath.exp(mpmath.mpf(-1) / 2) <= loss <= upper


def test_old_task_excess_loss_without_replay_is_kl():
    assert agree(numerics.old_task_excess_loss(0, 3, DPS), mpmath.mpf("4.5"), DPS - 1)


def test_kappa_replay_does_not_depend_on_lambda():
    """κ_λ = λ κ_1 + (1−λ) κ_0 and κ_1 = κ_0 (reflection x ↦ Δ − x swaps φ_o and φ_n), and
    κ_λ ≤ κ_R (as (φ_o−φ_n)²/max² ≤ (φ_o−φ_n)²/max pointwise after weighting by p_λ ≤ max)."""
    k0, k3 = numerics.kappa_replay(0, 2, 16), numerics.kappa_replay("0.3", 2, 16)
    assert agree(k0, k3, 14)
    assert k0 < numerics.kappa_reverse(2, 15)
