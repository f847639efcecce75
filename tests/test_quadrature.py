"""The reference quadrature (numerics.quadrature): Gauss-Legendre panels confirmed by a second rule at a
second precision, the adaptive path where they do not confirm, PrecisionNotReached where neither does."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy

import forgetcheck as fc
from forgetcheck.numerics import divergences, quadrature
from forgetcheck.numerics.errors import PrecisionNotReached
from forgetcheck.numerics.quadrature import PanelsNotConfirmed, Peak, breakpoints, integrate, panel_quadrature
from forgetcheck.run.settings import profile
from forgetcheck.statements.evidence import Evidence


@pytest.fixture
def panels_only(monkeypatch):
    """The adaptive path made unavailable: a value must come from the panels."""
    def refuse(*args):
        raise AssertionError("the adaptive path was used")
    monkeypatch.setattr(quadrature, "_integrate_once", refuse)


def _agree(value, exact, digits):
    with mpmath.workdps(digits + 20):
        return abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** (-digits)


@pytest.mark.parametrize("delta", ["0.001", "1", "37.3", "60"])
def test_panels_alone_give_the_divergences_to_the_digits_asked(panels_only, delta):
    with mpmath.workdps(80):
        d = mpmath.mpf(delta)
        assert _agree(divergences.bhattacharyya_by_quadrature(delta, 30), mpmath.exp(-d * d / 8), 30)
        assert _agree(divergences.total_variation_by_quadrature(delta, 30), 2 * mpmath.ncdf(d / 2) - 1, 30)


def test_a_narrow_peak_far_out_is_resolved_by_halving(panels_only):
    # width 1/1000 at x = 25: the split points mark it, the panels around it are halved until the
    # two rules agree
    def f(x):
        return mpmath.exp(-((x - 25) * 1000) ** 2 / 2)
    value = integrate(f, dps=30, points=[0], peaks=[Peak(mpmath.mpf(25), mpmath.mpf(1) / 1000)])
    with mpmath.workdps(60):
        assert _agree(value.value, mpmath.sqrt(2 * mpmath.pi) / 1000, 30)
        assert value.error <= value.value * mpmath.mpf(10) ** -31


def _unsettled(x):
    """A Gaussian times 1 + 2^{-prec/2}: its value moves with the working precision beyond ~half
    the digits, like an integrand that loses half its digits to cancellation."""
    return mpmath.exp(-x * x / 2) * (1 + mpmath.mpf(2) ** (-(mpmath.mp.prec // 2)))


def test_an_integrand_whose_digits_do_not_settle_is_not_confirmed():
    with pytest.raises(PanelsNotConfirmed):
        panel_quadrature(_unsettled, breakpoints([0]), 30)
    with pytest.raises(PrecisionNotReached):
        integrate(_unsettled, dps=30, points=[0])


def test_a_reference_integral_without_confirmed_digits_makes_the_check_inconclusive():
    # ∫ x e^{−(x−u)²} = u√π, an inequality that holds everywhere; at u = 0 the integral vanishes by
    # symmetry, its relative digits cannot be confirmed, and the point is inconclusive: neither a
    # pass nor a violation
    x, u = sympy.symbols("x u", real=True)
    integral = sympy.Integral(x * sympy.exp(-(x - u) ** 2), (x, -sympy.oo, sympy.oo))
    claim = fc.Claim.inequality(u * sympy.sqrt(sympy.pi) - 1, integral)
    theorem = fc.Theorem(id="Q.vanishing", title="t", section="Q", claim=claim,
                         parameters=(fc.Parameter(u, -1, 1, emphasis=(0,)),),
                         pinned=({"u": Fraction(0)},), checks=(fc.Sampled(search=False),),
                         mutants=(fc.Mutant("m", fc.Claim.inequality(u * sympy.sqrt(sympy.pi) + 1, integral),
                                            "always"),))
    outcome = theorem.checks[0].run(theorem, claim, profile("ci", points=8, search_points=0))
    assert outcome.evidence is Evidence.INCONCLUSIVE


def test_a_crossover_millions_away_does_not_cut_the_line_into_millions_of_panels(panels_only):
    # a = 2.8e-8, Δ = 3.7e-6 (a point the O3.identity stress test draws): the crossover, a split
    # point, sits at log(a/(1−a))/Δ ≈ −4.7e6; the piece from there to 0 is walked in from the end
    # that carries mass and left as one panel where the integrand is negligible
    from forgetcheck.numerics.overlap import misassignment, misassignment_new_by_quadrature
    a, delta = mpmath.mpf("2.821616363e-8"), mpmath.mpf("3.739369276e-6")
    with mpmath.workdps(60):
        assert _agree((1 - a) * misassignment_new_by_quadrature(a, delta, 30), a * misassignment(a, delta, 40), 29)
