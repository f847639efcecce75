"""The fast validated paths (logistic_normal.py, reverse_kl_fast.py, forward_kl_fast.py, fisher, drift)
against the adaptive-quadrature reference at 20 more digits, at the hard places of the domains (Δ to
60, weights near 0 and 1, means off target); their two internal rules against each other; bad input;
and what happens when the digits cannot be confirmed."""
import mpmath
import pytest
from flint import arb, ctx

from forgetcheck.numerics import drift, fisher, forward_kl, kl_quantities, logistic_normal, reverse_kl
from forgetcheck.numerics import reverse_kl_fast
from forgetcheck.numerics.errors import PrecisionNotReached

FAST_DPS = 30
REFERENCE_DPS = FAST_DPS + 20


def _close(fast, reference, digits=FAST_DPS - 1):
    with mpmath.workdps(REFERENCE_DPS + 10):
        return abs(fast - reference) <= abs(reference) * mpmath.mpf(10) ** (-digits)


# --- each quantity against its reference (a few points each, where the rules are stressed) -------

OBJECTIVE_POINTS = [  # (α, m_o, m_n, α*, Δ)
    ("1/10", 0, 1, "1/2", 1),               # overlapping components
    ("1/2", 1, -2, "1/5", 2),               # new mean on the wrong side of the old one
    ("0.999", "0.5", 10, "0.001", 10),      # weights near 1 and 0
    ("1e-6", -5, 5, "0.9", 20),             # tiny weight, means off target
    ("3/10", 0, 60, "1/2", 60),             # the largest separation
]


def _value(text):
    return mpmath.mpf(mpmath.fraction(*map(int, text.split("/")))) if isinstance(text, str) and "/" in text else text


@pytest.mark.parametrize("point", OBJECTIVE_POINTS)
def test_reverse_kl_objective_fast_matches_quadrature(point):
    args = [_value(p) for p in point]
    fast = reverse_kl.reverse_kl_objective(*args, FAST_DPS)
    assert _close(fast, reverse_kl.reverse_kl_objective_by_quadrature(*args, REFERENCE_DPS))


@pytest.mark.parametrize("point", OBJECTIVE_POINTS[1:4])
def test_reverse_kl_gradient_fast_matches_quadrature(point):
    args = [_value(p) for p in point]
    fast = reverse_kl.reverse_kl_gradient(*args, FAST_DPS)
    reference = reverse_kl.reverse_kl_gradient_by_quadrature(*args, REFERENCE_DPS)
    assert all(_close(f, r) for f, r in zip(fast, reference))


@pytest.mark.parametrize("alpha, alpha_target, delta", [("0.3", "0.5", 10), ("0.05", "0.95", 60)])
def test_weight_gradient_and_curvature_fast_match_quadrature(alpha, alpha_target, delta):
    assert _close(reverse_kl.reverse_kl_weight_gradient(alpha, alpha_target, delta, FAST_DPS),
                  reverse_kl.reverse_kl_weight_gradient_by_quadrature(alpha, alpha_target, delta, REFERENCE_DPS))
    assert _close(kl_quantities.old_mean_curvature(alpha, alpha_target, delta, FAST_DPS),
                  kl_quantities.old_mean_curvature_by_quadrature(alpha, alpha_target, delta, REFERENCE_DPS))


@pytest.mark.parametrize("alpha, mean_new, alpha_target, delta", [("0.1", 40, "0.5", 30), ("0.7", 2, "0.9", 2)])
def test_r2_overlap_expectation_fast_matches_quadrature(alpha, mean_new, alpha_target, delta):
    assert _close(kl_quantities.old_mean_overlap_expectation(alpha, mean_new, alpha_target, delta, FAST_DPS),
                  kl_quantities.old_mean_overlap_expectation_by_quadrature(alpha, mean_new, alpha_target, delta,
                                                                           REFERENCE_DPS))


@pytest.mark.parametrize("alpha, alpha_target, delta", [("0.3", "0.5", 6), ("0.05", "0.95", 30)])
def test_drift_root_matches_quadrature(alpha, alpha_target, delta):
    assert _close(drift.partial_drift(alpha, alpha_target, delta, FAST_DPS),
                  drift.partial_drift_by_quadrature(alpha, alpha_target, delta, REFERENCE_DPS))


@pytest.mark.parametrize("alpha_target, delta", [("0.1", 2), ("0.3", 60)])
def test_fisher_deviation_fast_matches_quadrature(alpha_target, delta):
    assert _close(fisher.fisher_deviation(alpha_target, delta, FAST_DPS),
                  fisher.fisher_deviation_by_quadrature(alpha_target, delta, REFERENCE_DPS))


@pytest.mark.parametrize("alpha, delta", [("1e-6", 3), ("0.5", "1e-5"), ("0.3", 60), ("0.9", 6)])
def test_mixture_chi_square_fast_matches_quadrature(alpha, delta):
    assert _close(kl_quantities.replay_curvature(alpha, delta, FAST_DPS),
                  kl_quantities.replay_curvature_by_quadrature(alpha, delta, REFERENCE_DPS))


def test_forward_kl_gradient_fast_matches_quadrature():
    assert _close(forward_kl.forward_kl_replay_gradient("0.3", "0.5", 2, FAST_DPS),
                  forward_kl.forward_kl_replay_gradient_by_quadrature("0.3", "0.5", 2, REFERENCE_DPS))


@pytest.mark.parametrize("alpha, lam, delta", [("0.25", 0, "0.5"), ("1e-6", "0.3", 30), ("0.9", "0.1", 6)])
def test_replay_curvature_fast_matches_quadrature(alpha, lam, delta):
    assert _close(kl_quantities.forward_kl_replay_curvature(alpha, lam, delta, FAST_DPS),
                  kl_quantities.forward_kl_replay_curvature_by_quadrature(alpha, lam, delta, REFERENCE_DPS))


@pytest.mark.parametrize("lam, delta", [("0.3", "0.5"), (0, "1e-7"), (1, 6)])
def test_kappa_replay_closed_form_matches_quadrature_for_every_lambda(lam, delta):
    assert _close(forward_kl.kappa_replay(lam, delta, FAST_DPS),
                  forward_kl.kappa_replay_by_quadrature(lam, delta, REFERENCE_DPS))


@pytest.mark.parametrize("lam, delta", [("0.001", 30), ("0.999", "0.01"), ("1e-9", 60)])
def test_old_task_excess_loss_fast_matches_quadrature(lam, delta):
    assert _close(forward_kl.old_task_excess_loss(lam, delta, FAST_DPS),
                  forward_kl.old_task_excess_loss_by_quadrature(lam, delta, REFERENCE_DPS))


@pytest.mark.parametrize("delta", ["1e-6", 1, 60])
def test_kappa_forward_closed_form_matches_quadrature(delta):
    assert _close(forward_kl.kappa_forward(delta, FAST_DPS), forward_kl.kappa_forward_by_quadrature(delta, REFERENCE_DPS))


@pytest.mark.parametrize("delta", ["0.5", 2, 30])
def test_kappa_reverse_closed_form_matches_quadrature(delta):
    assert _close(reverse_kl.kappa_reverse(delta, FAST_DPS), reverse_kl.kappa_reverse_by_quadrature(delta, REFERENCE_DPS))


# --- the two fixed-node rules of logistic_normal.py against each other ---------------------------

@pytest.mark.parametrize("k", [*range(logistic_normal.MAX_ORDER + 1), logistic_normal.F_SQUARE])
@pytest.mark.parametrize("a, b", [("-450", "30"), ("-150", "10"), ("-40", "6")])
def test_direct_and_fourier_rules_overlap(k, a, b):
    """The z-trapezoid (thousands of nodes) and the tilted Parseval form (tens) are different sums
    with different error bounds; both balls must contain the exact value, so they must overlap,
    and each must be narrow enough to mean something."""
    with ctx.workprec(260):
        direct = logistic_normal._direct(k, arb(a), arb(b), -240)[1]()
        fourier = logistic_normal._fourier(k, arb(a), arb(b), -240)[1]()
    assert direct.overlaps(fourier)
    for ball in (direct, fourier):
        assert ball.rad() < abs(ball.mid()) * arb(10) ** -20


@pytest.mark.parametrize("k, a, b", [(1, "-150", "10"), (2, "-40", "4"), (logistic_normal.F_SQUARE, "-40", "4"),
                                     (logistic_normal.F_SQUARE, "3", "2")])
def test_exact_tilts_and_reflections_agree_with_the_direct_rule(k, a, b):
    """κ > 1 (tilted by e^t or e^{2t}) and a > 0 (reflected) against the plain z-trapezoid."""
    with ctx.workprec(300):
        direct = logistic_normal._direct(k, arb(a), arb(b), -280)[1]()
        value = logistic_normal.expectation(k, arb(a), arb(b), -280)
    assert direct.overlaps(value) and value.rad() < abs(value.mid()) * arb(10) ** -15


def test_balls_contain_the_reference_value():
    """Not only the midpoint: the whole enclosure is honest (the reference lies inside it)."""
    theta = reverse_kl_fast.balls(*(mpmath.mpf(x) for x in ("0.3", "0.2", "3.5", "0.5", "3")))
    with ctx.workprec(200):
        ball = reverse_kl_fast.objective_ball(theta[:3], theta[3:], -180)
    reference = reverse_kl.reverse_kl_objective_by_quadrature(*(mpmath.mpf(x) for x in ("0.3", "0.2", "3.5", "0.5", "3")),
                                                              REFERENCE_DPS)
    with ctx.workprec(200):  # the reference carries 50 digits: allow for its own last digits only
        assert (ball + arb(0, arb(10) ** -48)).contains(reverse_kl_fast.balls(reference)[0])
    assert ball.rad() < arb(10) ** -45


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name, value", [
    (lambda: reverse_kl.reverse_kl_objective("1.5", 0, 1, "0.5", 1), "alpha", "1.5"),
    (lambda: reverse_kl.reverse_kl_objective("0.5", 0, 1, "0.5", 61), "delta", "61"),
    (lambda: kl_quantities.old_mean_curvature("0.5", 0, 3), "alpha_target", "0"),
    (lambda: fisher.fisher_deviation("0.5", -1), "delta", "-1"),
    (lambda: drift.partial_drift("0.3", "0.5", 0), "delta", "0"),
    (lambda: kl_quantities.replay_curvature("-0.1", 2), "alpha", "-0.1"),
    (lambda: logistic_normal.expectation(7, arb(0), arb(1), -100), "k", "7"),
])
def test_bad_input_names_the_parameter(call, name, value):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert name in message and value in message


# --- unconfirmed digits are never returned -------------------------------------------------------------

def test_confirm_raises_when_the_ball_never_narrows():
    """A quantity whose enclosure always straddles 0 cannot have confirmed digits."""
    with pytest.raises(PrecisionNotReached):
        logistic_normal.confirm(lambda tol: arb(0, 1e-3), 30, "straddling")


def test_confirm_returns_only_narrow_balls():
    value = logistic_normal.confirm(lambda tol: logistic_normal.expectation(1, arb(-12), arb(5), tol), 30, "σ")
    assert value.rad() <= abs(value.mid()) * arb(10) ** -32


def test_fast_path_falls_back_to_the_reference(monkeypatch):
    """When the fast rule cannot confirm its digits the public function answers by quadrature."""
    def refuse(*args, **kwargs):
        raise PrecisionNotReached("forced", 30, mpmath.inf)
    monkeypatch.setattr(reverse_kl_fast, "confirm", refuse)
    args = ("0.3", 0, 3, "0.5", 3)
    fallback = reverse_kl.reverse_kl_old_mean_gradient(*args, 25)
    assert fallback == reverse_kl.reverse_kl_old_mean_gradient_by_quadrature(*args, 25)


def test_exact_minima_are_exact_zeros_and_near_them_digits_are_confirmed():
    """Where q_θ = p* identically (the label swap, Δ = 0 with the means at μ_o) L_R and its gradient are
    0 exactly; a hair away they are tiny differences of O(1) parts, which are still confirmed."""
    assert reverse_kl.reverse_kl_objective("0.75", 3, 0, "0.25", 3, 20) == 0
    assert reverse_kl.reverse_kl_gradient("0.75", 3, 0, "0.25", 3, 20) == (0, 0, 0)
    assert reverse_kl.reverse_kl_weight_gradient("0.5", "0.25", 0, 20) == 0
    near = reverse_kl.reverse_kl_objective("0.75", 3, "1e-8", "0.25", 3, 20)
    assert _close(near, reverse_kl.reverse_kl_objective_by_quadrature("0.75", 3, "1e-8", "0.25", 3, 40), 19)
