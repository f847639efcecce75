"""THEORY §5 engine quantities (forgetcheck.numerics.methods) against independent computations, their input
validation, and the pieces of the statement layer they brought (integer parameters, induction)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from scipy import integrate, optimize
from scipy.special import expit

from forgetcheck.numerics import methods
from forgetcheck.numerics.enclosures import entropic_maximizer_shift_ball
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.catalog.quantities.methods import OAPLLogitAfterRounds, SDFTWeight
from forgetcheck.checks.cases import by_induction
from forgetcheck.statements.notation import symbols
from forgetcheck.checks.symbolic import NotProved

SQRT_2PI = np.sqrt(2 * np.pi)


def normal(x, mean=0.0, sd=1.0):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * SQRT_2PI)


# --- M1 ---------------------------------------------------------------------------------------------

def test_sdft_projection_matches_a_float_minimization_of_the_kl_by_scipy():
    """Minimize KL(q_α || T) over α with scipy (quad + bounded scalar minimization), T formed pointwise."""
    alpha_k, anchor, strength, delta = 0.3, 0.8, 0.25, 2.0

    def kl(a):
        def f(x):
            q = a * normal(x) + (1 - a) * normal(x, delta)
            teacher = (1 - strength) * (alpha_k * normal(x) + (1 - alpha_k) * normal(x, delta)) + strength * (
                anchor * normal(x) + (1 - anchor) * normal(x, delta))
            return q * np.log(q / teacher)
        return integrate.quad(f, -12, delta + 12, points=[0, delta], limit=200, epsabs=1e-14)[0]

    best = optimize.minimize_scalar(kl, bounds=(0.01, 0.99), method="bounded", options={"xatol": 1e-10}).x
    engine = methods.sdft_student_weight("0.3", "0.8", "0.25", 2, dps=20)
    assert abs(float(engine) - best) < 1e-6
    with mpmath.workdps(40):
        assert abs(engine - mpmath.mpf("0.425")) < mpmath.mpf(10) ** -19


def test_sdft_weight_after_steps_matches_the_exact_rational_iteration():
    a, anchor, tau, lam = Fraction(1, 2), Fraction(9, 10), Fraction(1, 10), Fraction(1, 2)
    for _ in range(37):
        a = (1 - tau) * a + tau * ((1 - lam) * a + lam * anchor)
    value = methods.sdft_weight_after_steps(37, "1/2", "9/10", "1/10", "1/2", dps=40)
    with mpmath.workdps(60):
        assert abs(value - mpmath.mpf(a.numerator) / a.denominator) < mpmath.mpf(10) ** -39
    with mpmath.workdps(30):
        assert methods.sdft_weight_after_steps(0, "0.3", "0.9", "0.5", "0.5") == mpmath.mpf("0.3")


# --- M3 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("0.9", 2, 0, 1, "0.5"), ("0.999", "3.5", "-1.9", "1.7", "0.02"),
                                  ("0.2", 1, 1, -1, 10)])
def test_entropic_maximizer_matches_the_ball_enclosure(args):
    """Two implementations: safeguarded Newton in mpmath, certified bisection in arb (enclosures)."""
    shift = methods.entropic_maximizer_shift(*args, dps=30)
    ball = entropic_maximizer_shift_ball(*args)
    with mpmath.workdps(40):
        centre = mpmath.mpf(ball.mid().str(40, radius=False))
        radius = mpmath.mpf(ball.rad().str(5, radius=False))
        assert abs(shift - centre) <= radius + mpmath.mpf(10) ** -25 * abs(centre)


def test_entropic_maximizer_is_zero_exactly_for_equal_rewards_and_rejects_no_penalty():
    assert methods.entropic_maximizer_shift("0.3", 2, "0.5", "0.5", 1) == 0
    with pytest.raises(ValueError, match="lam=0"):
        methods.entropic_maximizer_shift("0.3", 2, 0, 1, 0)


def _tilted_logit_change(beta, gap, offset, delta):
    """logit α' − logit α for one tilt by e^{βr}, r = Gσ(ℓ + b) (R_o = 0), directly by scipy."""
    def expectation(mean):
        f = lambda x: normal(x, mean) * np.exp(beta * gap * expit(delta * x - delta ** 2 / 2 + offset))
        return integrate.quad(f, mean - 15, mean + 15, points=[0, delta / 2, delta], limit=200, epsrel=1e-13)[0]
    return np.log(expectation(0.0)) - np.log(expectation(delta))


@pytest.mark.parametrize("beta, gap, offset, delta", [(1.0, 2.0, 0.0, 2.0), (0.5, -1.5, 1.0, 1.0), (2.0, 1.0, -2.0, 3.0)])
def test_tilt_logit_correction_matches_the_direct_tilt(beta, gap, offset, delta):
    correction = methods.tilt_logit_correction(beta, gap, offset, delta, dps=20)
    assert abs(float(correction) - (_tilted_logit_change(beta, gap, offset, delta) + beta * gap)) < 1e-9


def test_tilt_corrections_at_zero_separation_and_zero_reward():
    assert methods.tilt_logit_correction(1, 2, 0, 0) == 2       # one component: C = βG
    assert methods.tilt_logit_correction(1, 0, 0, 3) == 0
    assert methods.tilt_mean_shift(0, 1, 0, 3) == 0
    assert methods.tilt_mean_shift(1, 1, 0, 0) == 0


@pytest.mark.parametrize("scale, beta, offset, delta", [(1.0, 1.0, 0.0, 3.0), (2.0, 0.5, 1.0, 1.5), (1.0, 2.0, -3.0, 0.5)])
def test_tilt_mean_shift_matches_the_direct_tilted_mean(scale, beta, offset, delta):
    """The engine uses Stein's identity; here the tilted mean E[x e^{r/β}]/E[e^{r/β}] directly."""
    weight = lambda x: normal(x) * np.exp(scale / beta * expit(delta * x - delta ** 2 / 2 + offset))
    z = integrate.quad(weight, -15, 15, points=[0, delta / 2], limit=200, epsrel=1e-13)[0]
    n = integrate.quad(lambda x: x * weight(x), -15, 15, points=[0, delta / 2], limit=200, epsrel=1e-13)[0]
    assert abs(float(methods.tilt_mean_shift(scale, beta, offset, delta, dps=20)) - n / z) < 1e-10


# --- M4 ---------------------------------------------------------------------------------------------

def _oapl_minimizer_by_scipy(alpha_lag, r_o, r_n, beta_value, beta_policy):
    value = beta_value * np.log(alpha_lag * np.exp(r_o / beta_value) + (1 - alpha_lag) * np.exp(r_n / beta_value))

    def loss(u):
        p = expit(u)
        e_o = beta_policy * (np.log(p) - np.log(alpha_lag)) - (r_o - value)
        e_n = beta_policy * (np.log1p(-p) - np.log1p(-alpha_lag)) - (r_n - value)
        return alpha_lag * e_o ** 2 + (1 - alpha_lag) * e_n ** 2

    grid = np.linspace(-30, 30, 60001)
    start = grid[np.argmin([loss(u) for u in grid])]
    return optimize.minimize_scalar(loss, bracket=(start - 0.01, start, start + 0.01), tol=1e-12).x


@pytest.mark.parametrize("alpha_lag, r_o, r_n, b1, b2", [(0.3, 0.0, 1.0, 0.5, 0.5), (0.3, 0.0, 1.0, 1.0, 0.5),
                                                         (0.8, 1.5, -0.5, 2.0, 1.0)])
def test_oapl_minimizer_matches_scipy(alpha_lag, r_o, r_n, b1, b2):
    engine = methods.oapl_policy_logit(alpha_lag, r_o, r_n, b1, b2, dps=20)
    assert abs(float(engine) - _oapl_minimizer_by_scipy(alpha_lag, r_o, r_n, b1, b2)) < 1e-6


def test_oapl_rounds_and_their_degenerate_start():
    u = methods.oapl_logit_after_rounds(3, "0.3", 0, 1, "0.5", dps=30)
    with mpmath.workdps(40):
        assert abs(u - (mpmath.log(mpmath.mpf(3) / 7) - 6)) < mpmath.mpf(10) ** -28
    with mpmath.workdps(30):
        assert methods.oapl_logit_after_rounds(0, "0.3", 0, 1, "0.5") == mpmath.log(mpmath.mpf(3) / 7)
    # a lagged policy that is already the optimum is returned exactly (not displaced by rounding)
    assert methods.oapl_policy_logit("0.5", 1, 1, 1, 1) == 0


# --- validation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: methods.sdft_student_weight(0, "0.5", "0.5", 1), "alpha_teacher"),
    (lambda: methods.sdft_student_weight("0.5", "0.5", "1.5", 1), "anchor_strength"),
    (lambda: methods.sdft_student_weight("0.5", "0.5", "0.5", 0), "delta=0"),
    (lambda: methods.sdft_weight_after_steps("2.5", "0.5", "0.5", "0.5", "0.5"), "steps"),
    (lambda: methods.sdft_weight_after_steps(3, "0.5", "0.5", 0, "0.5"), "tau"),
    (lambda: methods.entropic_maximizer_shift(1, 1, 0, 1, 1), "alpha_0"),
    (lambda: methods.tilt_logit_correction(-1, 1, 0, 1), "beta"),
    (lambda: methods.tilt_mean_shift(-1, 1, 0, 1), "reward_scale"),
    (lambda: methods.tilt_mean_shift(1, 1, 0, 41), "delta"),
    (lambda: methods.oapl_policy_logit("0.5", 0, 100, "0.5", "0.5"), "reward_new"),
    (lambda: methods.oapl_logit_after_rounds(201, "0.5", 0, 1, 1), "rounds"),
])
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- statement layer: integer parameters and induction ----------------------------------------------

def test_integer_parameters_sample_whole_numbers_and_print_so():
    k = symbols("k")[0]
    parameter = Parameter(k, 0, 60, integer=True)
    values = {parameter.from_unit(u) for u in (0, 1, 2 ** 39, 2 ** 40 - 1, 2 ** 40, 123456789)}
    assert all(v.denominator == 1 and 0 <= v <= 60 for v in values) and {Fraction(0), Fraction(30), Fraction(60)} <= values
    assert "(integers)" in parameter.describe()
    with pytest.raises(ValueError, match="integer parameter"):
        Parameter(k, 0, Fraction(1, 2), integer=True)


def test_induction_proves_the_closed_forms_and_not_their_mutants():
    k, a0, aA, tau, lam, K, r_o, r_n, beta = symbols("k alpha_0 alpha_A tau lam K R_o R_n beta")
    assert by_induction(Claim.identity(SDFTWeight(k, a0, aA, tau, lam), aA + (1 - tau * lam) ** k * (a0 - aA)))
    with pytest.raises(NotProved):
        by_induction(Claim.identity(SDFTWeight(k, a0, aA, tau, lam), aA + (1 - tau) ** k * (a0 - aA)))
    closed = sympy.log(a0 / (1 - a0)) - K * (r_n - r_o) / beta
    assert by_induction(Claim.identity(OAPLLogitAfterRounds(K, a0, r_o, r_n, beta), closed))
    with pytest.raises(NotProved):
        by_induction(Claim.identity(OAPLLogitAfterRounds(K, a0, r_o, r_n, beta),
                                    sympy.log(a0 / (1 - a0)) - K ** 2 * (r_n - r_o) / beta))
    with pytest.raises(NotProved):  # the step count must be the symbol of the recursion
        by_induction(Claim.identity(SDFTWeight(3, a0, aA, tau, lam), aA + (1 - tau * lam) ** 3 * (a0 - aA)))
