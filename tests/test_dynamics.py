"""The dynamics check: starts generated over the domain with a worst-case search, the supremum over
t located on the dense output (not on a grid), flows that leave the domain reported as such."""
from dataclasses import replace

import numpy as np
import pytest
import sympy
from sympy import Rational

from forgetcheck import numerics
from forgetcheck.checks.trajectories import (EuclideanFlowWeight, ForwardKLFlowWeight, Trajectories,
                                             _refine_maximum, extremum_of_column)
from forgetcheck.run.settings import profile
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.statements.theorem import Mutant, Theorem

alpha_0, alpha_star, nu, Delta, t = sympy.symbols("alpha_0 alpha_star nu Delta t", real=True)


def test_refined_maximum_lies_between_samples():
    times = np.linspace(0, 3, 7)                      # sin peaks at π/2, between two samples
    best, where = _refine_maximum(times, np.sin(times), lambda s: float(np.sin(s)), lambda s: float(np.cos(s)))
    assert where == pytest.approx(np.pi / 2, abs=1e-12) and best == pytest.approx(1.0, abs=1e-15)
    assert np.sin(times).max() < 1 - 1e-3


def test_supremum_over_time_is_the_flows_not_a_grids():
    """The largest |m_o(t)| along a natural-gradient flow: the root of m_o' on the dense output
    agrees with a brute-force maximum over 20001 dense samples, and a 121-point grid (the former
    check's) falls short of it by more than the comparison tolerance."""
    solution = numerics.reverse_kl_solution(0.5, 0.0, 1.0, 0.5, 3.0, 40.0, coordinates="natural")
    located = max(extremum_of_column(solution, "mean_old", smallest=False),
                  -extremum_of_column(solution, "mean_old", smallest=True))
    dense = np.abs(solution.column("mean_old", np.linspace(0, 40.0, 20001))).max()
    grid = np.abs(solution.column("mean_old", np.linspace(0, 40.0, 121))).max()
    assert located >= dense - 1e-13 and located - dense < 1e-7 * located
    assert located - grid > 1e-6 * located


def _flow_theorem(claim, mutant_claim, **check):
    return Theorem(id="T.flow", title="test", section="0", claim=claim,
                   parameters=(Parameter(alpha_0, 0, 1, low_open=True, high_open=True), Parameter(Delta, 0, 10)),
                   hypotheses=(alpha_0 < 1,),
                   checks=(Trajectories("forward-KL flows", horizon=lambda point: 1.0, **check),),
                   mutants=(Mutant("narrow window", mutant_claim, "false only near (0.37, 6.3)"),))


# A Lorentzian window of half-widths 1/500 in α(0) and 1/50 in Δ: the mutant's bound drops below
# α(0) (and the flow, which starts there, exceeds it) only where the window exceeds 1/100, i.e.
# within about ten half-widths: 0.13 % of the start space.
WINDOW = 1 / (1 + ((alpha_0 - Rational(37, 100)) * 500) ** 2 + ((Delta - Rational(63, 10)) * 50) ** 2)
FLOW = ForwardKLFlowWeight(alpha_0, Delta, t)


def test_search_finds_a_narrow_window_in_the_start_space():
    theorem = _flow_theorem(Claim.dynamics(FLOW, alpha_0, t),
                            Claim.dynamics(FLOW, alpha_0 * (1 + Rational(1, 100) - WINDOW), t))
    settings = profile("ci")
    held = theorem.checks[0].run(theorem, theorem.claim, settings)
    assert held.evidence is Evidence.SAMPLED and held.examples >= settings.points
    assert float(held.sharpness["ratio"]) == pytest.approx(1.0, abs=1e-12)  # equality at t = 0
    refuted = theorem.checks[0].run(theorem, theorem.mutants[0].claim, settings)
    assert refuted.evidence is Evidence.REFUTED
    point = refuted.counterexample.parameters
    assert abs(float(point["alpha_0"]) - 0.37) < 0.025 and abs(float(point["Delta"]) - 6.3) < 0.25
    assert refuted.counterexample.how_found.split(" (seed=0)")[0] in ("differential_evolution", "Nelder-Mead descent")
    # without the search, the generated starts and corners alone miss the window from this seed
    blind = replace(theorem.checks[0], search=False).run(theorem, theorem.mutants[0].claim, settings)
    assert blind.evidence is Evidence.SAMPLED


def test_a_flow_that_leaves_the_domain_refutes_a_claim_about_all_times():
    """THEORY's Euclidean flow from a light old mode reaches α = 0 in finite time: a claim about
    every t up to the horizon is refuted there, with the boundary named (no FloatingPointError)."""
    weight = EuclideanFlowWeight(alpha_0, alpha_star, nu, Delta, t)
    theorem = Theorem(
        id="T.exit", title="test", section="0", claim=Claim.dynamics(-weight, 0, t),
        parameters=(Parameter(alpha_0, 0, 1, low_open=True, high_open=True),
                    Parameter(alpha_star, 0, 1, low_open=True, high_open=True), Parameter(nu, -2, 2),
                    Parameter(Delta, 3, 10)),
        checks=(Trajectories("Euclidean flow", horizon=lambda point: 50.0, search=False,
                             points=({"alpha_0": "1/2", "alpha_star": "1/100", "nu": -2, "Delta": 3},)),),
        mutants=(Mutant("never", Claim.dynamics(weight, 0, t), "false"),))
    outcome = theorem.checks[0].run(theorem, theorem.claim, profile("ci", points=2, search_points=0))
    assert outcome.evidence is Evidence.REFUTED
    assert "left the domain (alpha = 0 at t = " in outcome.counterexample.how_found


def _limit_theorem(target, horizon):
    return Theorem(id="T.limit", title="test", section="0",
                   claim=Claim.limit(FLOW, target, t),
                   parameters=(Parameter(alpha_0, Rational(1, 4), Rational(3, 4)), Parameter(Delta, 2, 3)),
                   checks=(Trajectories("forward-KL flows", horizon=lambda point: horizon, search=False),),
                   mutants=(Mutant("other limit", Claim.limit(FLOW, alpha_0, t), "false"),))


def test_a_limit_claim_is_judged_only_where_the_flow_has_settled():
    """α_F(t) → 0 (F1): at a horizon long enough the flow has stopped at 0 and the claim holds; a
    wrong limit there (α(0)/2) is refuted, the flow having stopped elsewhere; at a horizon too short
    for the flow to settle the same true claim is inconclusive with the start named, never refuted."""
    settings = profile("ci", points=12, search_points=0)
    settled = _limit_theorem(0, 40.0)
    assert settled.checks[0].run(settled, settled.claim, settings).evidence is Evidence.SAMPLED
    wrong = Claim.limit(FLOW, alpha_0 / 2, t)
    outcome = settled.checks[0].run(settled, wrong, settings)
    assert outcome.evidence is Evidence.REFUTED and "settled away from the limit" in outcome.counterexample.how_found
    early = _limit_theorem(0, 1e-3)
    outcome = early.checks[0].run(early, early.claim, settings)
    assert outcome.evidence is Evidence.INCONCLUSIVE and "still moves" in outcome.detail and "alpha_0=" in outcome.detail
