"""Engine quantities added for THEORY §2-§4 (numerics/kl_quantities.py, numerics/replay_sampling.py) and
the statement-layer pieces the §2-§4 catalog uses (pointwise integrand proofs, flow and grid checks).

Each direct (definition-as-it-stands) quadrature is compared with the engine's rewritten formula, or
with a closed form or a finite difference; both paths are confirmed by the engine to the digits
asked, so agreement to those digits is the test."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from forgetcheck import numerics
from forgetcheck.numerics import kl_quantities as K
from forgetcheck.numerics.replay_sampling import (no_old_sample_probability, old_count_distribution, replay_slots,
                                      simulate_old_counts)

DPS = 20


def agree(a, b, digits=DPS - 2):
    with mpmath.workdps(DPS + 20):
        return abs(a - b) <= max(abs(a), abs(b)) * mpmath.mpf(10) ** (-digits)


# --- forward KL --------------------------------------------------------------------------------------

def test_jensen_mean_against_the_engine_gradient_and_its_closed_form_at_one():
    """α L_F'(α) = g(α) − 1 (F1(i)); g(1) = E_{φ_n}[φ_n/φ_o] = e^{Δ²}."""
    g = K.forward_kl_jensen_mean("0.3", 2, DPS)
    assert agree(g - 1, mpmath.mpf("0.3") * numerics.forward_kl_weight_gradient("0.3", 2, DPS + 5), DPS - 4)
    with mpmath.workdps(DPS + 10):
        assert agree(K.forward_kl_jensen_mean(1, 3, DPS), mpmath.exp(9))


def test_direct_replay_gradient_matches_the_factored_form_also_near_the_optimum():
    for alpha, lam in (("0.3", "0.5"), ("0.3", "0.3000000001"), ("0.9", 0)):
        direct = K.forward_kl_replay_gradient_direct(alpha, lam, 2, DPS)
        assert agree(direct, numerics.forward_kl_replay_gradient(alpha, lam, 2, DPS))
    assert K.forward_kl_replay_gradient_direct("0.4", "0.4", 3, DPS) == 0


def test_replay_curvature_is_the_derivative_of_the_gradient():
    with mpmath.workdps(DPS + 10):  # α ± h formed exactly, not at 53 bits
        h = mpmath.mpf("1e-7")
        up = numerics.forward_kl_replay_gradient(mpmath.mpf("0.3") + h, "0.5", 2, DPS + 10)
        down = numerics.forward_kl_replay_gradient(mpmath.mpf("0.3") - h, "0.5", 2, DPS + 10)
        assert agree((up - down) / (2 * h), K.forward_kl_replay_curvature("0.3", "0.5", 2, DPS), 11)


def test_old_task_loss_at_a_collapsed_mixture_and_at_the_replay_optimum():
    assert agree(K.old_task_loss("0.3", 4, 4, 4, DPS), mpmath.mpf(8))
    assert agree(K.old_task_loss("0.3", 0, 2, 2, DPS), numerics.old_task_excess_loss("0.3", 2, DPS))


def test_mixture_chi_square_endpoints_equal_chi_square():
    with mpmath.workdps(DPS + 10):
        assert agree(K.replay_curvature(0, 2, DPS), mpmath.expm1(4))
        assert agree(K.replay_curvature(1, 2, DPS), mpmath.expm1(4))


# --- reverse KL --------------------------------------------------------------------------------------

def test_reverse_kl_direct_paths_match_the_engine():
    assert agree(K.reverse_kl_weight_gradient_direct("0.3", "0.5", 2, DPS),
                 numerics.reverse_kl_weight_gradient("0.3", "0.5", 2, DPS))
    assert K.reverse_kl_weight_gradient_direct("0.3", "0.3", 2, DPS) == 0
    assert agree(K.reverse_kl_objective_direct("0.3", "0.1", "2.5", "0.5", 3, DPS),
                 numerics.reverse_kl_objective("0.3", "0.1", "2.5", "0.5", 3, DPS))
    assert K.reverse_kl_objective_direct("0.3", 0, 3, "0.3", 3, DPS) == 0


def test_overlap_part_is_the_objective_minus_the_separable_part():
    a, mo, mn, at, d = (mpmath.mpf(v) for v in ("0.3", "0.5", "2", "0.6", "3"))
    with mpmath.workdps(DPS + 10):
        separable = (a * mpmath.log(a / at) + (1 - a) * mpmath.log((1 - a) / (1 - at)) + a * mo ** 2 / 2
                     + (1 - a) * (mn - d) ** 2 / 2)
        assert agree(K.reverse_kl_overlap_part(a, mo, mn, at, d, DPS),
                     numerics.reverse_kl_objective(a, mo, mn, at, d, DPS + 5) - separable, DPS - 4)
        assert K.reverse_kl_overlap_part(a, mo, mn, at, d, DPS) <= 0  # L_R ≤ L_sep (data processing)


@pytest.mark.parametrize("case", [("0.3", 3, "0.5", 3), ("0.5", "1.5", "0.2", 2), ("0.9", 21, "0.05", 20)])
def test_old_mean_gradient_from_densities_matches_the_overlap_form(case):
    alpha, mean_new, alpha_target, delta = case
    direct = K.old_mean_gradient_direct(alpha, mean_new, alpha_target, delta, DPS)
    with mpmath.workdps(DPS + 10):
        overlap = mpmath.mpf(alpha) * K.old_mean_overlap_expectation(alpha, mean_new, alpha_target, delta, DPS + 5)
    assert agree(direct, overlap)
    assert agree(direct, numerics.reverse_kl_old_mean_gradient(alpha, 0, mean_new, alpha_target, delta, DPS))


def test_old_mean_curvature_is_the_derivative_of_the_old_mean_gradient():
    with mpmath.workdps(DPS + 10):
        h = mpmath.mpf("1e-7")
        up = numerics.reverse_kl_old_mean_gradient("0.3", h, 6, "0.5", 6, DPS + 10)
        down = numerics.reverse_kl_old_mean_gradient("0.3", -h, 6, "0.5", 6, DPS + 10)
        assert agree((up - down) / (2 * h), K.old_mean_curvature("0.3", "0.5", 6, DPS), 11)


# --- replay ------------------------------------------------------------------------------------------

def test_importance_weighted_moments():
    a, mo, mn, rho, s = (mpmath.mpf(v) for v in ("0.2", "-1", "2", "0.4", "0.7"))
    with mpmath.workdps(DPS + 10):
        mgf = lambda k: a * mpmath.exp(k * mo + k * k / 2) + (1 - a) * mpmath.exp(k * mn + k * k / 2)  # noqa: E731
        assert agree(K.importance_weighted_mgf(a, mo, mn, rho, s, DPS), mgf(s))
        assert K.importance_weighted_second_moment(a, mo, mn, rho, s, DPS) <= mgf(2 * s) / (1 - rho)
        assert K.importance_weighted_second_moment(a, mo, mn, 0, s, DPS) == pytest.approx(float(mgf(2 * s)), rel=1e-15)


def test_old_count_law_is_a_binomial_and_sums_to_one():
    alpha, rho, batch = Fraction(1, 10), Fraction(1, 4), 8
    pmf = old_count_distribution(alpha, rho, batch)
    p = rho + (1 - rho) * alpha
    assert sum(pmf) == 1
    assert pmf == [Fraction(__import__("math").comb(batch, k)) * p ** k * (1 - p) ** (batch - k) for k in range(batch + 1)]
    assert no_old_sample_probability(alpha, 0, batch) == (1 - alpha) ** batch


def test_stratified_replay_reserves_ceil_rho_b_old_slots():
    assert replay_slots(Fraction(1, 10), 8, "stratified") == 1
    assert replay_slots(Fraction(1, 10), 8, "mixture") == 0
    pmf = old_count_distribution(Fraction(0), Fraction(1, 3), 5, "stratified")
    assert pmf[2] == 1 and sum(pmf) == 1   # ⌈5/3⌉ = 2 certain old samples, none on-policy


def test_simulation_is_reproducible_and_matches_the_exact_law():
    a = simulate_old_counts(0.1, 0.25, 8, 50000, seed=3)
    assert np.array_equal(a, simulate_old_counts(0.1, 0.25, 8, 50000, seed=3))
    p = float(no_old_sample_probability(Fraction(1, 10), Fraction(1, 4), 8))
    assert abs(np.mean(a == 0) - p) <= 5 * np.sqrt(p * (1 - p) / 50000)
    strat = simulate_old_counts(0.0, 0.3, 10, 1000, seed=0, scheme="stratified")
    assert np.all(strat == 3)


@pytest.mark.parametrize("call, name", [
    (lambda: K.forward_kl_jensen_mean("1.5", 1), "alpha"),
    (lambda: K.old_mean_gradient_direct("0.3", 3, 1, 3), "alpha_target"),
    (lambda: K.importance_weighted_mgf("0.3", 0, 1, 1, "0.5"), "rho"),
    (lambda: K.reverse_kl_objective_direct("0.3", 0, 1, "0.5", -1), "delta"),
    (lambda: old_count_distribution(Fraction(1, 2), Fraction(1, 2), 0), "batch"),
    (lambda: old_count_distribution(0.5, Fraction(1, 2), 3), "alpha"),
    (lambda: old_count_distribution(Fraction(1, 2), Fraction(1, 2), 3, "uniform"), "scheme"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- statement layer ---------------------------------------------------------------------------------

def test_pointwise_integrands_proves_true_and_rejects_false_identities():
    from forgetcheck.statements.claims import Claim
    from forgetcheck.catalog.quantities.kl import MixtureChiSquare, ReplayGradient
    from forgetcheck.statements.notation import symbols
    from forgetcheck.checks.symbolic import NotProved, pointwise_integrands
    alpha, lam, delta = symbols("alpha lam Delta")
    trace = pointwise_integrands(Claim.identity(ReplayGradient(alpha, lam, delta), (alpha - lam) * MixtureChiSquare(alpha, delta)))
    assert any("coefficients summing to 0" in step for step in trace)
    with pytest.raises(NotProved):
        pointwise_integrands(Claim.identity(ReplayGradient(alpha, lam, delta), (alpha - lam ** 2) * MixtureChiSquare(alpha, delta)))


def test_flow_check_refutes_a_wrong_rate_and_records_the_closest_ratio():
    from forgetcheck.catalog.forward_kl import F1_FLOW
    from forgetcheck.run.settings import profile
    check = F1_FLOW.checks[0]
    from forgetcheck.checks.trajectories import REL_TOL
    # a unit test of the check, not of the budget (the conformance suite runs F1.flow at the
    # profile's 200 starts): a tenth of them shows the same equality at t = 0 and the same refutation
    settings = profile("ci", points=20, search_points=8)
    outcome = check.run(F1_FLOW, F1_FLOW.claim, settings)
    # the bound holds with equality at t = 0: the float64 flow meets it to within the comparison's tolerance
    assert outcome.evidence.value == "sampled" and 1 - REL_TOL <= float(outcome.measured["largest_ratio"]) <= 1 + REL_TOL
    assert outcome.examples >= settings.points
    mutant = check.run(F1_FLOW, F1_FLOW.mutants[0].claim, settings)
    assert mutant.evidence.value == "refuted" and mutant.counterexample is not None


def test_grid_ratio_reports_the_worst_ratio():
    from forgetcheck.statements.claims import Claim
    from forgetcheck.statements.domain import Parameter
    from forgetcheck.checks.grid import GridRatio
    from forgetcheck.run.settings import profile
    from forgetcheck.statements.theorem import Mutant, Theorem
    u = sympy.Symbol("u", nonnegative=True)
    check = GridRatio("grid", points=({"u": 1}, {"u": "1/2"}))
    theorem = Theorem(id="T", title="t", section="9", claim=Claim.inequality(u, 2 * u + 1),
                      parameters=(Parameter(u, 0, 1),), checks=(check,),
                      mutants=(Mutant("m", Claim.inequality(2 * u, u), "u > 0"),))
    outcome = check.run(theorem, theorem.claim, profile("ci"))
    assert outcome.measured["largest_ratio"] == "0.333333"
    assert check.run(theorem, theorem.mutants[0].claim, profile("ci")).evidence.value == "refuted"
