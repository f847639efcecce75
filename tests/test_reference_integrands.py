"""The reference integrals' fast evaluation keeps every confirmed digit.

Three things changed how a reference value is computed, each tested here against something that did
not change with it:

* the mpmath context (backends.MP) calls libmp on the raw tuples: each function must give the bits
  of the mpmath expression it replaces (or, for expm1/log1p, the correctly rounded value);
* the panels' confirming rule runs the same formula on python-flint balls (quadrature._gauss_arb):
  a 53-bit leak into either formula must leave the digits unconfirmed, never give a wrong value;
* the integrands are written once for both number systems: every reference quantity at hard points
  (Δ up to 60, weights near 0 and 1, narrow crossover peaks) must agree with an independent value at
  +20 digits: a closed form where one exists, else the adaptive tanh-sinh path (mpmath only, no
  panels, no arb) at dps + 20.
"""
from __future__ import annotations

import flint
import mpmath
import pytest

from forgetcheck.numerics import (closed_forms, divergences, forward_kl, kl_quantities as kl, llr, methods, overlap,
                                  quadrature, reverse_kl)
from forgetcheck.numerics.backends import ARB, MP, arb_from_mpf, log_normal_pdf, mpf_from_arb
from forgetcheck.numerics.errors import PrecisionNotReached
from forgetcheck.numerics.quadrature import integrate

DPS = 30


def _agree(value, exact, digits):
    with mpmath.workdps(digits + 40):
        if exact == 0:
            return value == 0
        return abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** (-digits)


def _adaptive(fn, *args, dps):
    """fn at `dps` digits by the adaptive tanh-sinh path alone (the panels refused)."""
    saved = quadrature.panel_quadrature

    def refuse(*a, **k):
        raise quadrature.PanelsNotConfirmed("refused: the independent path")
    quadrature.panel_quadrature = refuse
    try:
        return fn(*args, dps=dps)
    finally:
        quadrature.panel_quadrature = saved


# --- the raw-tuple mpmath functions give mpmath's own bits ------------------------------------------

POINTS = ["0", "1e-60", "-1e-60", "1e-12", "-3e-9", "0.5", "-0.5", "0.999999", "-0.999999", "1", "-1", "7.25",
          "-40.5", "123.456", "-750.5", "1e5", "-1e5"]


@pytest.mark.parametrize("dps", [15, 48, 90])
def test_raw_exp_log_and_the_normal_log_density_are_mpmaths_bits(dps):
    with mpmath.workdps(dps):
        for text in POINTS:
            x = mpmath.mpf(text)
            assert MP.exp(x) == mpmath.exp(x), text
            if x > 0:
                assert MP.log(x) == mpmath.log(x), text
            for mean in (0, mpmath.mpf("17.3"), mpmath.mpf("-1e-7")):
                d = x - mean  # the generic formula, with the same cached log(2π)/2
                assert log_normal_pdf(x, mean, MP) == -(d * d) / 2 - MP.half_log_2pi(), (text, mean)


@pytest.mark.parametrize("dps", [15, 48, 90])
def test_raw_expm1_log1p_and_logaddexp_are_correct_to_the_last_digits(dps):
    for text in POINTS:
        with mpmath.workdps(dps):
            y = mpmath.mpf(text)
        with mpmath.workdps(dps + 30):
            exact_expm1 = mpmath.expm1(y)
            exact_log1p = mpmath.log1p(y) if y > -1 else None
        with mpmath.workdps(dps):
            assert _agree(MP.expm1(y), exact_expm1, dps - 1), text
            if exact_log1p is not None:
                assert _agree(MP.log1p(y), exact_log1p, dps - 1), text
            for other in ("0", "-3", "700.25", "-1e5"):
                b = mpmath.mpf(other)
                with mpmath.workdps(dps + 30):
                    high, low = max(y, b), min(y, b)  # log(e^y + e^b) with no 1 + tiny rounded away
                    exact = high + mpmath.log1p(mpmath.exp(low - high))
                assert _agree(MP.logaddexp(y, b), exact, dps - 1), (text, other)
                assert MP.logaddexp(y, b) == MP.logaddexp(b, y)
            assert MP.logaddexp(y, mpmath.ninf) == y and MP.logaddexp(mpmath.ninf, y) == y


def test_the_special_values_go_to_mpmath():
    with mpmath.workdps(30):
        assert MP.logaddexp(mpmath.ninf, mpmath.ninf) == mpmath.ninf
        assert MP.expm1(mpmath.ninf) == -1
        assert MP.log1p(mpmath.mpf(-1)) == mpmath.ninf
        assert MP.log(mpmath.mpf(0)) == mpmath.ninf
        assert isinstance(MP.log(mpmath.mpf(-2)), mpmath.mpc)


# --- the arb context ------------------------------------------------------------------------------

def test_an_mpf_becomes_the_same_number_in_arb_whatever_mpmaths_precision():
    # made at 60 digits, converted at mpmath's default 53 bits: the conversion must not round it
    with mpmath.workdps(60):
        c = mpmath.mpf("0.1")
    ball = arb_from_mpf(c)
    with mpmath.workdps(60):
        assert mpf_from_arb(ball) == c
    with pytest.raises(TypeError):
        arb_from_mpf("0.1")
    with pytest.raises(TypeError):
        arb_from_mpf(0.1)


def test_an_mpf_becomes_the_same_number_in_arb_whatever_flints_precision():
    saved = flint.ctx.prec
    try:
        flint.ctx.prec = 20  # far below the mpf's bits: a rounding conversion would show
        with mpmath.workdps(60):
            for text in ("0.1", "-17.3", "1e-300", "123456789.123456789123456789"):
                x = mpmath.mpf(text)
                ball = arb_from_mpf(x)
                assert ball.is_exact()
                assert mpf_from_arb(ball) == x
    finally:
        flint.ctx.prec = saved


def test_arb_context_agrees_with_mpmath_at_the_same_precision():
    saved = flint.ctx.prec
    try:
        with mpmath.workdps(50):
            flint.ctx.prec = mpmath.mp.prec
            for a_text, b_text in (("0.3", "-2"), ("-700", "1"), ("5", "5")):
                a, b = mpmath.mpf(a_text), mpmath.mpf(b_text)
                got = mpf_from_arb(ARB.logaddexp(arb_from_mpf(a), arb_from_mpf(b)))
                assert _agree(got, MP.logaddexp(a, b), 45)
            x = arb_from_mpf(mpmath.mpf("2.5"))
            assert mpf_from_arb(ARB.logaddexp(x, ARB.ninf)) == mpmath.mpf("2.5")
            assert _agree(mpf_from_arb(log_normal_pdf(x, arb_from_mpf(mpmath.mpf("0.75")), ARB)),
                          log_normal_pdf(mpmath.mpf("2.5"), mpmath.mpf("0.75"), MP), 45)
    finally:
        flint.ctx.prec = saved


# --- a leak into either number system is caught, not returned ------------------------------------

def _tilted_gaussian(x, m, c):
    return m.exp(log_normal_pdf(x, c, m)) * (1 + c * c)


def test_matching_formulas_in_mpmath_and_arb_confirm_the_digits():
    with mpmath.workdps(60):
        c = mpmath.mpf("0.1")
    exact_c = arb_from_mpf(c)
    value = integrate(lambda x: _tilted_gaussian(x, MP, c), dps=DPS, points=[0, c],
                      arb_integrand=lambda x: _tilted_gaussian(x, ARB, exact_c)).value
    with mpmath.workdps(60):
        assert _agree(value, 1 + c * c, DPS)


def test_a_53_bit_constant_in_the_arb_formula_leaves_the_digits_unconfirmed():
    # arb(float(c)) is what `arb − mpf` does silently: 0.1000000000000000055…
    with mpmath.workdps(60):
        c = mpmath.mpf("0.1")
    leaked = flint.arb(float(c))
    with pytest.raises(PrecisionNotReached):
        integrate(lambda x: _tilted_gaussian(x, MP, c), dps=DPS, points=[0, c],
                  arb_integrand=lambda x: _tilted_gaussian(x, ARB, leaked))


def test_a_53_bit_constant_in_the_mpmath_formula_leaves_the_digits_unconfirmed():
    with mpmath.workdps(60):
        c = mpmath.mpf("0.1")
    with pytest.raises(PrecisionNotReached):
        integrate(lambda x: _tilted_gaussian(x, MP, mpmath.mpf(float(c))), dps=DPS, points=[0, c],
                  arb_integrand=lambda x: _tilted_gaussian(x, ARB, arb_from_mpf(c)))


# --- every reference quantity at hard points, against an independent value at +20 digits ---------

CLOSED_FORMS = [
    (divergences.chi_squared_by_quadrature, lambda d: mpmath.expm1(d * d), ["0.001", "3", "37.3", "60"]),
    (divergences.kl_divergence_by_quadrature, lambda d: d * d / 2, ["0.001", "3", "60"]),
    (divergences.total_variation_by_quadrature, lambda d: mpmath.erf(d / (2 * mpmath.sqrt(2))), ["0.001", "3", "60"]),
    (divergences.hellinger_squared_by_quadrature, lambda d: -mpmath.expm1(-d * d / 8), ["0.001", "3", "60"]),
    (divergences.bhattacharyya_by_quadrature, lambda d: mpmath.exp(-d * d / 8), ["0.001", "60"]),
    # F1(iii): L_F''(0) = χ²(φ_o||φ_n), by the forward-KL gradient's own integrand (arb-confirmed at α = 0)
    (forward_kl.forward_kl_curvature_at_zero, lambda d: mpmath.expm1(d * d), ["0.001", "7.3", "30"]),
    # α = 1: log(1 − α) = −inf, the mpmath-only path; L_F'(1) = e^{Δ²} − 1 as well
    (lambda d, dps: forward_kl.forward_kl_weight_gradient(1, d, dps), lambda d: mpmath.expm1(d * d), ["0.001", "7.3"]),
    (reverse_kl.kappa_reverse_by_quadrature, closed_forms.kappa_reverse_closed_form, ["0.001", "2", "60"]),
]


@pytest.mark.parametrize("quantity, closed, deltas", CLOSED_FORMS, ids=lambda v: getattr(v, "__name__", ""))
def test_divergences_against_their_closed_forms(quantity, closed, deltas):
    for delta in deltas:
        value = quantity(delta, DPS)
        with mpmath.workdps(DPS + 20):
            assert _agree(value, closed(mpmath.mpf(delta)), DPS), (delta, value)


@pytest.mark.parametrize("s, delta", [("1.5", "7.3"), ("-1", "10"), ("2", "0.1"), ("5", "20")])
def test_llr_moment_generating_function_against_its_closed_form(s, delta):
    # ℓ ~ N(−Δ²/2, Δ²) under φ_o (O2): E[e^{sℓ}] = e^{s(s−1)Δ²/2}
    value = llr.llr_mgf_under_old(s, delta, DPS)
    with mpmath.workdps(DPS + 20):
        s_, d = mpmath.mpf(s), mpmath.mpf(delta)
        assert _agree(value, mpmath.exp(s_ * (s_ - 1) * d * d / 2), DPS)


@pytest.mark.parametrize("a, delta", [("0.3", "7"), ("0.001", "30"), ("0.999", "2"), ("1e-6", "60")])
def test_misassignment_by_quadrature_against_the_trapezoid_path(a, delta):
    # ε_o by the validated trapezoid sums (overlap.misassignment), ε_n = (1 − a)/a · ε_o (O3)
    with mpmath.workdps(DPS + 40):
        a_, eps_o = mpmath.mpf(a), overlap.misassignment(a, delta, DPS + 20)
        assert _agree(overlap.misassignment_by_quadrature(a, delta, DPS), eps_o, DPS)
        assert _agree(overlap.misassignment_new_by_quadrature(a, delta, DPS), a_ / (1 - a_) * eps_o, DPS)


DIRECT = [
    (kl.old_mean_gradient_direct, [("0.3", "16", "0.6", "17.3"), ("0.999", "3", "0.1", "3"),
                                   ("0.001", "59", "0.5", "60")]),
    (kl.reverse_kl_weight_gradient_direct, [("0.999", "0.3", "30"), ("0.001", "0.5", "2"),
                                            ("0.5", "0.5000001", "1")]),
    (kl.reverse_kl_objective_direct, [("0.01", "-5", "40", "0.5", "30"), ("0.9", "0", "2", "0.9", "2.001")]),
    (kl.old_task_loss, [("0.3", "0.2", "17", "17.3"), ("0.001", "0.01", "60", "60")]),
    (kl.forward_kl_replay_gradient_direct, [("0.01", "0.99", "30"), ("0.999", "0.001", "7.3")]),
    (kl.forward_kl_jensen_mean, [("0.001", "30"), ("0.999", "1")]),
    (kl.forward_kl_replay_curvature_by_quadrature, [("0.3", "0.9", "7.3"), ("0.001", "0.5", "20")]),
    (kl.importance_weighted_second_moment, [("0.01", "-5", "40", "0.9", "2"), ("1", "0", "3", "0", "-2")]),
    (kl.importance_weighted_mgf, [("0.3", "0.2", "3", "0.4", "1.5"), ("0", "1", "-4", "0.5", "5")]),
    (methods.tilt_logit_correction, [("2", "-1.5", "4", "10"), ("4", "4", "8", "30")]),
    (methods.tilt_mean_shift, [("2", "1", "8", "30"), ("1", "1", "0", "1e-3")]),
]


@pytest.mark.parametrize("quantity, points", DIRECT, ids=lambda v: getattr(v, "__name__", ""))
def test_integrated_as_it_stands_quantities_against_the_adaptive_path_at_more_digits(quantity, points):
    for args in points:
        value = quantity(*args, dps=DPS)
        reference = _adaptive(quantity, *args, dps=DPS + 20)
        assert _agree(value, reference, DPS), (args, value, reference)


def test_the_confirming_pass_runs_in_arb_for_the_reference_quantities(monkeypatch):
    # the arb rule is what confirms these quantities' panels (not a silent fallback to mpmath)
    calls = []
    original = quadrature._gauss_arb

    def counted(*args):
        calls.append(1)
        return original(*args)
    monkeypatch.setattr(quadrature, "_gauss_arb", counted)
    for quantity, points in DIRECT[:2]:
        calls.clear()
        quantity(*points[0], dps=DPS)
        assert calls, quantity.__name__
    calls.clear()
    divergences.chi_squared_by_quadrature("3", DPS)
    assert calls


@pytest.mark.parametrize("alpha_k, alpha_a, strength, delta",
                         [("0.001", "0.999", "0.1", "12"), ("0.999", "0.001", "1", "0.01"), ("0.2", "0.7", "0.3", "1e-3")])
def test_sdft_projection_against_its_closed_form(alpha_k, alpha_a, strength, delta):
    # M1.projection (proved there): the exact projection of (1 − λ) q_{α_k} + λ p_A has weight (1 − λ)α_k + λα_A
    value = methods.sdft_student_weight(alpha_k, alpha_a, strength, delta, DPS)
    with mpmath.workdps(DPS + 20):
        lam = mpmath.mpf(strength)
        assert _agree(value, (1 - lam) * mpmath.mpf(alpha_k) + lam * mpmath.mpf(alpha_a), DPS - 1)
