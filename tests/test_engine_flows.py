"""Float64 gradient flows (F1, F3, R1, R5) built on the engine's exact gradient formulas."""
import math

import numpy as np
import pytest

from forgetcheck import numerics

KAPPA_F_DELTA_1 = 0.281989  # THEORY F1 reference (checked in test_engine_forward)


def test_forward_flow_obeys_the_f1_exponential_bound():
    trajectory = numerics.forward_kl_weight_flow(0.5, 1.0, 10.0, 41)
    t, states = trajectory
    alpha = states[:, 0]
    assert alpha[0] == 0.5 and np.all(np.diff(alpha) < 0)
    assert np.all(alpha <= 0.5 * np.exp(-KAPPA_F_DELTA_1 * t) + 1e-12)


def test_forward_flow_at_large_separation_reaches_zero_without_stalling():
    """Δ = 10: without overlap, α G(α) = 1 + α/(1−α) (φ_o's mass counts 1/α, φ_n's 1/(1−α)), so
    α − α²/2 = α0 − α0²/2 − t, up to e^{−Δ²/8}-sized corrections, until α ~ e^{−Δ²/2}; then the rate
    is e^{Δ²} − 1 ≈ 1e43 (time stepping would stall there). With α0 = ½, α hits 0 at t ≈ 3/8."""
    alpha = numerics.forward_kl_weight_flow(0.5, 10.0, 2.0, 5).column("alpha")
    assert alpha[0] == 0.5 and alpha[-1] == 0.0
    early = numerics.forward_kl_weight_flow(0.5, 10.0, 0.25, 2).column("alpha")
    assert abs(early[-1] - (1 - math.sqrt(0.75))) < 1e-5


def test_replay_flow_converges_to_lambda_at_rate_kappa_lambda():
    lam = 0.3
    kappa = float(numerics.kappa_replay(lam, 2, 15))
    t, states = numerics.forward_kl_replay_flow(0.9, lam, 2.0, 6.0, 25)
    gap = np.abs(states[:, 0] - lam)
    assert np.all(gap <= 0.6 * np.exp(-kappa * t) + 1e-10)
    assert gap[-1] < 1e-4


def test_reverse_weight_flow_converges_to_target_at_rate_kappa_r():
    delta, target = 3.0, 0.6
    kappa = float(numerics.kappa_reverse_closed_form(delta))
    t, states = numerics.reverse_kl_weight_flow(0.1, target, delta, 5.0, 21)
    gap = np.abs(states[:, 0] - target)
    assert np.all(gap <= 0.5 * np.exp(-kappa * t) + 1e-10)


def test_full_reverse_flow_keeps_old_mass_and_returns_to_truth():
    """R5 from an old-correct start with the new mean off by +2: θ(t) → θ* = (α*, 0, Δ), the old
    weight stays near α*, and the old mean's excursion is overlap-sized."""
    delta = 4.0
    trajectory = numerics.reverse_kl_flow(0.5, 0.0, delta + 2, 0.5, delta, 40.0, 81)
    alpha, mean_old, mean_new = (trajectory.column(n) for n in ("alpha", "mean_old", "mean_new"))
    assert abs(alpha[-1] - 0.5) < 1e-4 and abs(mean_old[-1]) < 1e-4 and abs(mean_new[-1] - delta) < 1e-4
    assert alpha.min() > 0.45
    delta_min = np.abs(mean_new).min()
    assert np.abs(mean_old).max() <= math.sqrt(1 + delta_min ** 2 / 4) * math.exp(-delta_min ** 2 / 8)


def test_same_start_forward_kl_forgets():
    """X3: the start that reverse KL keeps at α ≈ α* loses its old weight under new-only forward KL."""
    assert numerics.forward_kl_weight_flow(0.5, 4.0, 5.0, 3).column("alpha")[-1] < 1e-6


@pytest.mark.parametrize("call", [
    lambda: numerics.forward_kl_weight_flow(0.0, 1.0, 1.0),
    lambda: numerics.forward_kl_weight_flow(0.5, 11.0, 1.0),
    lambda: numerics.reverse_kl_flow(0.5, 0.0, float("nan"), 0.5, 2.0, 1.0),
    lambda: numerics.reverse_kl_weight_flow(0.5, 0.5, 2.0, -1.0),
    lambda: numerics.forward_kl_replay_flow(0.5, 1.5, 2.0, 1.0),
])
def test_flows_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()
