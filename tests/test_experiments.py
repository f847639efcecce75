"""THEORY §6 and M2 simulations (forgetcheck.numerics.simulation) against independent computations, and the
checks written for them (OnCases, FittedSlope)."""
import numpy as np
import pytest
import sympy
from scipy import integrate
from scipy.special import expit, logit

from forgetcheck.numerics import simulation
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.catalog.quantities.methods import ForwardWeight
from forgetcheck.checks.cases import FittedSlope, OnCases
from forgetcheck.statements.notation import symbols
from forgetcheck.run.settings import profile
from forgetcheck.statements.theorem import Mutant, Theorem


def normal(x, mean, sd):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


# --- overlap accuracy ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(0.75, -3, 1, 0.75, -3.5, 1), (0.25, 3.5, 0.7, 0.25, 0.5, 0.7),
                                  (0.75, -3, 1, 0.005, -3.5, 1.3), (0.25, 3.5, 0.7, 0.9, 3.0, 2.0)])
def test_overlap_area_matches_quadrature_of_the_minimum(args):
    wa, ma, sa, wb, mb, sb = args
    direct = integrate.quad(lambda x: min(wa * normal(x, ma, sa), wb * normal(x, mb, sb)), -30, 30,
                            points=[ma, mb], limit=400, epsabs=1e-13)[0]
    assert simulation.overlap_area(*args) == pytest.approx(direct, abs=1e-10)


def test_overlap_area_validates():
    with pytest.raises(ValueError, match="sd_a"):
        simulation.overlap_area(0.5, 0, 0, 0.5, 1, 1)
    assert simulation.overlap_area(0, 0, 1, 0.5, 0, 1) == 0.0


# --- X1: the gradients of Chen et al.'s flows ---------------------------------------------------------

TARGET = simulation._as_floats(simulation.CHEN_TARGET)


def _objective(theta, kind):
    """The two objectives by scipy quadrature, in the flow's coordinates (logit α, m, m, log s, log s)."""
    a, mo, mn, so, sn = expit(theta[0]), theta[1], theta[2], np.exp(theta[3]), np.exp(theta[4])
    q = lambda x: a * normal(x, mo, so) + (1 - a) * normal(x, mn, sn)
    if kind == "forward":
        f = lambda x: -normal(x, TARGET[2], TARGET[4]) * np.log(q(x))
    else:
        p = lambda x: TARGET[0] * normal(x, TARGET[1], TARGET[3]) + (1 - TARGET[0]) * normal(x, TARGET[2], TARGET[4])
        f = lambda x: q(x) * np.log(q(x) / p(x)) if q(x) > 0 else 0.0
    return integrate.quad(f, -25, 25, points=[mo, mn, TARGET[1], TARGET[2]], limit=400, epsabs=1e-13)[0]


@pytest.mark.parametrize("kind", ["forward", "reverse"])
@pytest.mark.parametrize("theta", [(logit(0.75), -3.5, 0.5, 0.0, np.log(0.7)), (logit(0.3), -2.0, 2.0, 0.2, -0.1)])
def test_chen_gradients_match_finite_differences(kind, theta):
    theta = np.array(theta)
    gradient = simulation._chen_gradient(theta, kind, TARGET)
    h = 1e-5
    numeric = [(_objective(theta + h * e, kind) - _objective(theta - h * e, kind)) / (2 * h) for e in np.eye(5)]
    assert gradient == pytest.approx(numeric, abs=1e-7)


def test_chen_simulation_outcome_and_summary():
    summary = simulation.chen_summary()
    assert summary["start"]["alpha"] == 0.75 and summary["start"]["accuracy_old"] == pytest.approx(0.8026, abs=1e-4)
    assert summary["forward"]["alpha"] < 0.01 and summary["forward"]["mean_new"] == pytest.approx(3.5, abs=1e-3)
    reverse = summary["reverse"]
    assert (reverse["alpha"], reverse["mean_old"], reverse["mean_new"], reverse["sd_old"], reverse["sd_new"]) == \
        pytest.approx((0.75, -3.0, 3.5, 1.0, 0.7), abs=1e-4)
    assert reverse["accuracy_old"] > 0.999 and summary["forward"]["accuracy_old"] < 0.01
    with pytest.raises(ValueError, match="objective"):
        simulation.chen_simulation("sideways")
    with pytest.raises(ValueError, match="time grid"):
        simulation.chen_quantity("forward", "alpha", 0.5)


# --- M2: SDFT with learned means -------------------------------------------------------------------------

def test_sdft_student_with_means_at_the_truth_is_m1s_projection():
    """With the new mean correct, the teacher is in the family: the learned-means projection must
    reproduce M1's weight (1−λ)α_k + λα* and leave both means at the truth."""
    run = simulation.sdft_learned_means(0.3, 0.75, 4.0, 0.0, tau=0.2, anchor_strength=0.5, steps=3)
    alpha_k = run.ema[0, 0]
    assert run.student[0] == pytest.approx([(1 - 0.5) * alpha_k + 0.5 * 0.75, 0.0, 4.0], abs=1e-10)
    assert run.ema[1, 0] == pytest.approx(alpha_k + 0.2 * 0.5 * (0.75 - alpha_k), abs=1e-10)   # M1.recursion


def test_sdft_student_is_a_stationary_point_of_the_kl_by_independent_quadrature():
    run = simulation.sdft_learned_means(0.5, 0.5, 4.0, 2.0, steps=1)
    a, mo, mn = run.ema[0]
    sa, smo, smn = run.student[0]
    teacher = lambda x: 0.5 * (a * normal(x, mo, 1) + (1 - a) * normal(x, mn, 1)) + 0.5 * (
        0.5 * normal(x, 0, 1) + 0.5 * normal(x, 4, 1))

    def kl(weight, old, new):
        q = lambda x: weight * normal(x, old, 1) + (1 - weight) * normal(x, new, 1)
        return integrate.quad(lambda x: q(x) * np.log(q(x) / teacher(x)), -15, 20, limit=400, epsabs=1e-14)[0]

    h = 1e-4
    for e in np.eye(3):
        d = (kl(*(np.array([sa, smo, smn]) + h * e)) - kl(*(np.array([sa, smo, smn]) - h * e))) / (2 * h)
        assert abs(d) < 1e-7
    assert abs(smo) > 1e-3  # the wrong new mean does pull the old one (overlap-gated, not zero)


def test_sdft_drift_decays_like_the_overlap():
    drifts = [simulation.sdft_drift(0.5, 0.5, delta, 2.0) for delta in (4.0, 8.0)]
    envelopes = [simulation.drift_envelope(delta) for delta in (4.0, 8.0)]
    ratios = [d / e for d, e in zip(drifts, envelopes)]
    assert drifts[1] < drifts[0] / 100 and 0.1 < ratios[1] < ratios[0] < 0.3


# --- X3 ------------------------------------------------------------------------------------------------

def test_x3_trajectories_start_together_and_part():
    assert simulation.forward_weight_at(0.5, 3.0, 0.0) == pytest.approx(0.5)
    assert simulation.reverse_weight_at(0.5, 0.75, 3.0, 5.0, 0.0) == pytest.approx(0.5)
    assert simulation.forward_weight_at(0.5, 3.0, 20.0) < 1e-100
    assert simulation.reverse_weight_at(0.5, 0.75, 3.0, 5.0, 20.0) > 0.7
    with pytest.raises(ValueError, match="time grid"):
        simulation.forward_weight_at(0.5, 3.0, 0.05)


# --- the checks -------------------------------------------------------------------------------------------

def _theorem(claim, mutant_claim, check, parameters=()):
    return Theorem(id="T.sim", title="test", section="test", claim=claim, parameters=parameters, checks=(check,),
                   mutants=(Mutant("false", mutant_claim, "by construction"),))


def test_on_cases_refutes_with_a_counterexample_and_measures():
    alpha_0, delta, t = symbols("alpha_0 Delta t")
    measured = {"calls": 0}

    def measure():
        measured["calls"] += 1
        return {"note": "measured"}

    check = OnCases("forward flow", ({"alpha_0": "1/2", "Delta": "3"},), tolerance="1e-7",
                    times=("0", "1/2", "1", "5"), measure=measure)
    true = Claim.dynamics(ForwardWeight(alpha_0, delta, t), alpha_0, t)
    false = Claim.dynamics(alpha_0 / 2, ForwardWeight(alpha_0, delta, t), t)
    theorem = _theorem(true, false, check, (Parameter(alpha_0, 0, 1), Parameter(delta, 0, 10)))
    ok = check.run(theorem, true, profile("ci"))
    assert ok.evidence is Evidence.SAMPLED and ok.examples == 4 and ok.measured == {"note": "measured"}
    bad = check.run(theorem, false, profile("ci"))
    assert bad.evidence is Evidence.REFUTED and bad.counterexample is not None
    assert bad.counterexample.parameters["t"] in ("0.5", "1.0", "5.0")
    assert measured["calls"] == 2


def test_fitted_slope_accepts_the_true_limit_and_refutes_a_wrong_one():
    delta = symbols("Delta")[0]
    curve = sympy.log(sympy.exp(-delta ** 2 / 8) * (1 + 1 / delta ** 2))
    check = FittedSlope("slope of a test curve", (8, 11, 14), ({},), within="1/100", dps=15)
    true = Claim.slope(curve, -sympy.Rational(1, 8), delta, against=delta ** 2)
    wrong = Claim.slope(curve, -sympy.Rational(1, 7), delta, against=delta ** 2)
    theorem = _theorem(true, wrong, check, (Parameter(delta, 6, 60),))
    ok = check.run(theorem, true, profile("ci"))
    assert ok.evidence is Evidence.SAMPLED
    fitted = float(ok.measured["fits"][0]["fitted_slope"])
    assert fitted == pytest.approx(-0.125, abs=2e-4)
    bad = check.run(theorem, wrong, profile("ci"))
    assert bad.evidence is Evidence.REFUTED and bad.counterexample is not None
