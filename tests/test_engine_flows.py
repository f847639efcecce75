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


# --- dense solutions, outcomes, tolerance ---------------------------------------------------------

EXIT_START = dict(alpha0=0.5, mean_old0=0.0, mean_new0=1.0, alpha_target=0.01, delta=3.0)


def test_euclidean_flow_stops_at_the_boundary_with_an_outcome():
    """From a light old mode (α* = 0.01) with the new mean started towards μ_o, THEORY's Euclidean
    flow drives α to 0 in finite time (∂_αL_R tends to a positive limit as α → 0): the solution
    stops there, says so, and never raises FloatingPointError."""
    solution = numerics.reverse_kl_solution(**EXIT_START, t_end=50.0)
    assert solution.outcome == "boundary" and solution.boundary.startswith("alpha = 0 at t = ")
    assert 0.1 < solution.t_stop < 1.0
    assert abs(solution.column("alpha", [solution.t_stop])[0]) < 1e-9
    sampled = numerics.reverse_kl_flow(**EXIT_START, t_end=50.0, n_points=11)
    assert sampled.outcome == "boundary" and sampled.t[-1] == solution.t_stop
    with pytest.raises(ValueError):
        solution.state([solution.t_stop * 2])


@pytest.mark.parametrize("coordinates", ["natural", "logit"])
def test_flows_in_logit_coordinates_cannot_leave(coordinates):
    solution = numerics.reverse_kl_solution(**EXIT_START, t_end=50.0, coordinates=coordinates)
    assert solution.outcome == "horizon" and solution.t_stop == 50.0
    alpha = solution.column("alpha", np.linspace(0, 50, 400))
    assert np.all((alpha > 0) & (alpha < 1))


def test_natural_flow_converges_to_the_truth_at_the_local_rate():
    rate = numerics.flows.natural_flow_local_rate(0.3, 5.0)
    # R4.fisher_bound: M^{-1/2}I(θ*)M^{-1/2} is within η ≤ Δe^{−Δ²/8}/sqrt(α*(1−α*)) of the identity
    # (Frobenius, hence in every eigenvalue); and the rate is not that bound
    eta = 5.0 * math.exp(-25 / 8) / math.sqrt(0.3 * 0.7)
    assert 1 - eta <= rate <= 1 + eta and abs(rate - 1) > 1e-3
    assert rate == pytest.approx(numerics.flows.natural_flow_local_rate(0.7, 5.0), rel=1e-6)  # mirror symmetry
    solution = numerics.reverse_kl_solution(0.8, 0.0, 7.0, 0.3, 5.0, 30 / rate, coordinates="natural")
    final = solution.state([solution.t_stop])[0]
    assert np.allclose(final, [0.3, 0.0, 5.0], atol=1e-8)


def test_velocity_is_the_right_hand_side_and_the_derivative_of_the_state():
    solution = numerics.reverse_kl_solution(0.6, 0.0, 5.0, 0.4, 3.0, 10.0, coordinates="natural")
    t, h = 1.3, 1e-5
    numeric = (solution.state([t + h]) - solution.state([t - h])) / (2 * h)
    assert np.allclose(solution.velocity([t]), numeric, rtol=1e-4, atol=1e-7)


def test_a_tighter_tolerance_agrees():
    """The solver tolerance is stated and controlled: 100 times tighter moves the quantities the
    checks read (sup of |m_o|, the state at the horizon) by far less than the comparison tolerance."""
    from forgetcheck.checks.trajectories import REL_TOL, SOLVER_RTOL, extremum_of_column
    runs = [numerics.reverse_kl_solution(0.5, 0.0, 1.0, 0.5, 3.0, 20.0, coordinates="natural", rtol=r, atol=a)
            for r, a in ((SOLVER_RTOL, 1e-12), (SOLVER_RTOL / 100, 1e-14))]
    sups = [max(extremum_of_column(s, "mean_old", smallest=False), -extremum_of_column(s, "mean_old", smallest=True))
            for s in runs]
    assert sups[0] > 0.01 and abs(sups[0] - sups[1]) <= REL_TOL / 10 * sups[1]
    weights = [numerics.forward_kl_replay_solution(0.9, 0.3, 2.0, 5.0, rtol=r).column("alpha", [2.5])[0]
               for r in (SOLVER_RTOL, SOLVER_RTOL / 100)]
    assert abs(weights[0] - weights[1]) <= REL_TOL / 10 * weights[1]


@pytest.mark.parametrize("flow", [
    lambda: numerics.reverse_kl_weight_solution(0.9, 0.2, 0.0, 5.0),
    lambda: numerics.forward_kl_weight_solution(0.9, 0.0, 5.0),
    lambda: numerics.forward_kl_replay_solution(0.9, 0.3, 0.0, 5.0),
])
def test_at_zero_separation_the_weight_flows_are_stationary(flow):
    solution = flow()
    assert np.allclose(solution.column("alpha", np.linspace(0, 5, 7)), 0.9, rtol=1e-15, atol=0)
    assert np.all(solution.velocity([0.0, 5.0]) == 0.0)


def test_reverse_weight_flow_at_tiny_separation_moves_towards_the_target():
    """At Δ = 1e−8 the split formula for L_R' cancels to noise; the mean-value form keeps the rate
    (α − α*)G ≈ (α − α*)Δ², so the flow is the linear decay towards α* at rate Δ²."""
    delta = 1e-8
    solution = numerics.reverse_kl_weight_solution(0.9, 0.2, delta, 1 / delta ** 2)
    alpha = solution.column("alpha", [1 / delta ** 2])[0]
    assert 0.2 < alpha < 0.9
    assert abs(alpha - 0.2) == pytest.approx(0.7 * math.exp(-1), rel=1e-6)


def test_forward_curvature_ignores_a_crossover_far_from_every_mean():
    """G(α) at Δ = 1e−11, α = 1e−12: the crossover sits at ~−3e12; it must not be refined."""
    from forgetcheck.numerics.forward_kl import replay_curvature_float
    assert replay_curvature_float(1e-12, 1e-11) / 1e-22 == pytest.approx(1.0, rel=1e-9)


def test_full_flow_rejects_unknown_coordinates():
    with pytest.raises(ValueError, match="coordinates"):
        numerics.reverse_kl_solution(0.5, 0.0, 3.0, 0.5, 3.0, 1.0, coordinates="polar")


def test_old_mean_gate_bounds_the_pull_at_every_theta():
    """R5.drift's lemma: ∂_{m_o}L_R = α(m_o − g̃(θ)) with |g̃(θ)| ≤ G(θ) at every θ, not only at
    m_o = μ_o (where R2.bound holds). g̃ is read off the engine's float64 gradient at random θ over
    the whole start box and beyond it (means on either side of both modes), and the bound is not
    loose by orders of magnitude everywhere (it is attained within a factor 3 somewhere)."""
    from forgetcheck.numerics.flows import gradient_float, old_mean_gate
    rng = np.random.default_rng(7)
    ratios = []
    for _ in range(400):
        alpha, alpha_target = rng.uniform(1e-3, 1 - 1e-3, 2)
        delta = rng.uniform(3, 10)
        mean_old, mean_new = rng.uniform(-2, delta + 2, 2)
        pull = mean_old - gradient_float(alpha, mean_old, mean_new, alpha_target, delta)[1] / alpha
        ratios.append(abs(pull) / old_mean_gate([[alpha, mean_old, mean_new]], alpha_target, delta)[0])
    assert max(ratios) <= 1 + 1e-9
    assert max(ratios) > 1 / 3


def test_old_mean_gate_rate_is_its_time_derivative():
    from forgetcheck.numerics.flows import old_mean_gate
    solution = numerics.reverse_kl_solution(0.3, 0.0, 2.0, 0.2, 3.0, 20.0, coordinates="natural")
    times = np.array([0.5, 2.0, 7.0])
    _, rate = old_mean_gate(solution.state(times), 0.2, 3.0, solution.velocity(times))
    h = 1e-5
    numeric = (old_mean_gate(solution.state(times + h), 0.2, 3.0)
               - old_mean_gate(solution.state(times - h), 0.2, 3.0)) / (2 * h)
    assert np.allclose(rate, numeric, rtol=1e-5, atol=1e-9)


def test_reverse_weight_flow_near_a_light_target_does_not_stall():
    """Near α* the split formula's rounding exceeds L_R'(α); the flow solved as t(u) then stalled
    on the sign noise of its speed (this start never finished). It now settles at α* at R1's rate."""
    alpha_0, alpha_target, delta = 0.0009987081612052862, 1.569151208968833e-08, 0.5469308193005418
    kappa = float(numerics.kappa_reverse(delta))
    solution = numerics.reverse_kl_weight_solution(alpha_0, alpha_target, delta, 8 / kappa, rtol=1e-8)
    times = np.linspace(0, 8 / kappa, 33)
    gap = np.abs(solution.column("alpha", times) - alpha_target)
    assert np.all(gap <= abs(alpha_0 - alpha_target) * np.exp(-kappa * times) * (1 + 1e-6) + 1e-18)
    assert gap[-1] < 1e-3 * abs(alpha_0 - alpha_target)
