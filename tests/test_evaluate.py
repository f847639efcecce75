"""Every path from a claim to a number confirms its digits or says inconclusive: cancellation
between engine values, cancellation in elementary functions, special functions at extreme
arguments, sums, and the constructs that are refused (naming the statement and the construct)."""
from fractions import Fraction

import mpmath
import pytest
import sympy
from sympy import Rational, Sum, erf, exp, oo

import forgetcheck as fc
from forgetcheck.catalog.quantities.overlap import Misassignment
from forgetcheck.numerics.errors import PrecisionNotReached
from forgetcheck.numerics.overlap import misassignment
from forgetcheck.quantities.evaluate import UnsupportedConstruct, evaluate, sides, violation_threshold
from forgetcheck.statements.evidence import Evidence

a, Delta = fc.symbols("a Delta")
u = fc.symbols("u")[0]
POINT = {"a": Fraction(1, 3), "Delta": 2}
H = Rational(1, 10 ** 20)
#: ε_o(a, Δ) − ε_o(a, Δ + h): two engine values of size 0.3 that cancel to ~1e-21.
DIFFERENCE = Misassignment(a, Delta) - Misassignment(a, Delta + H)


def difference_reference(dps=80):
    """The same difference from the engine at 80 digits, outside the claim layer."""
    with mpmath.workdps(dps + 20):
        h = mpmath.mpf(1) / 10 ** 20
        return misassignment(mpmath.mpf(1) / 3, 2, dps=dps) - misassignment(mpmath.mpf(1) / 3, 2 + h, dps=dps)


def test_cancelling_engine_terms_are_right_to_the_digits_asked_or_inconclusive():
    try:
        value = evaluate(DIFFERENCE, POINT, 30)
    except PrecisionNotReached:
        return  # inconclusive is an honest answer; a wrong number is not
    exact = difference_reference()
    with mpmath.workdps(60):
        assert abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** -30


def test_a_true_claim_with_cancelling_engine_terms_is_never_a_violation():
    """The claim ε_o(a, Δ) − ε_o(a, Δ + h) = (that difference to 60 digits): with the engine values
    taken once at 35 digits, their cancellation left ~15 correct digits and the identity looked
    violated by 1e-15."""
    exact = sympy.Rational(mpmath.nstr(difference_reference(), 60, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
    claim = fc.Claim.identity(DIFFERENCE, exact)
    try:
        values = sides(claim, POINT, 30)
    except PrecisionNotReached:
        return
    assert values.slack >= violation_threshold(30)


def test_the_mutant_of_a_cancelling_claim_is_still_refuted():
    exact = sympy.Rational(mpmath.nstr(difference_reference(), 60, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
    values = sides(fc.Claim.identity(DIFFERENCE, exact * Rational(101, 100)), POINT, 30)
    assert values.slack < violation_threshold(30)


def test_cancellation_in_an_elementary_function_is_not_a_zero():
    """1 − erf(30) rounds to 0 at every precision below ~400 digits; its value is 2.6e-393."""
    with pytest.raises(PrecisionNotReached):
        evaluate(1 - erf(u), {"u": 30}, 30)
    value = evaluate(1 - erf(u), {"u": 3}, 30)
    with mpmath.workdps(60):
        assert abs(value - mpmath.erfc(3)) <= mpmath.erfc(3) * mpmath.mpf(10) ** -30


@pytest.mark.parametrize("expr, point, exact", [
    (sympy.gamma(u), {"u": 1000}, lambda: mpmath.gamma(1000)),
    (sympy.besselk(1, u), {"u": 2000}, lambda: mpmath.besselk(1, 2000)),
    (sympy.loggamma(u), {"u": 10 ** 12}, lambda: mpmath.loggamma(10 ** 12)),
    (sympy.LambertW(u), {"u": 10 ** 30}, lambda: mpmath.lambertw(mpmath.mpf(10) ** 30).real),
    (sympy.erfc(u), {"u": 100}, lambda: mpmath.erfc(100)),
])
def test_special_functions_at_extreme_arguments_are_enclosed(expr, point, exact):
    value = evaluate(expr, point, 30)
    with mpmath.workdps(80):
        assert abs(value - exact()) <= abs(exact()) * mpmath.mpf(10) ** -30


def test_a_finite_sum_is_evaluated_and_confirmed():
    k = sympy.Symbol("k", integer=True, positive=True)
    value = evaluate(Sum(1 / k ** 2, (k, 1, 1000)), {}, 30)
    with mpmath.workdps(60):
        assert abs(value - mpmath.nsum(lambda j: 1 / j ** 2, [1, 1000])) <= mpmath.mpf(10) ** -30


def test_the_mpmath_fallback_confirms_its_digits():
    """Piecewise has no ball form: the ladder of precisions evaluates it."""
    value = evaluate(sympy.Piecewise((exp(u), u > 1), (u, True)), {"u": 3}, 30)
    with mpmath.workdps(60):
        assert abs(value - mpmath.exp(3)) <= mpmath.exp(3) * mpmath.mpf(10) ** -30


def _theorem(claim):
    return fc.Theorem(id="U.refused", title="t", section="U", claim=claim,
                      parameters=(fc.Parameter(u, 0, 1),), checks=(fc.Sampled(),),
                      mutants=(fc.Mutant("m", fc.Claim.inequality(2 * claim.lhs, claim.rhs), "always"),))


@pytest.mark.parametrize("lhs, words", [
    (sympy.Limit(exp(-u * Delta), Delta, oo), r"Limit .* state it with Claim.limit"),
    (Sum(exp(-u * sympy.Symbol("j")), (sympy.Symbol("j"), 0, oo)), "symbolic or infinite range"),
    (sympy.Derivative(exp(u ** 2), u), "Derivative"),
    (sympy.Function("mystery")(u), "the function mystery"),
    (sympy.Integral(exp(-u * Misassignment(Rational(1, 2), sympy.Symbol("z"))), (sympy.Symbol("z"), 0, 1)),
     "contains the engine quantity"),
])
def test_constructs_without_a_validated_path_are_refused_naming_statement_and_construct(lhs, words):
    with pytest.raises(UnsupportedConstruct, match=r"statement U\.refused.*" + words):
        _theorem(fc.Claim.inequality(lhs, 1))
    with pytest.raises(UnsupportedConstruct, match=words):
        evaluate(lhs, {"u": Fraction(1, 2)}, 30)


def test_catalog_dynamics_quantities_are_not_refused(catalog):
    assert "F1.flow" in catalog and "R5.drift" in catalog  # trajectory quantities, evaluated by their checks


def test_a_sampled_check_on_cancelling_engine_terms_is_never_refuted():
    """End to end: the stress test of the true cancelling identity is sampled or inconclusive."""
    from forgetcheck.checks.stress import stress
    from forgetcheck.run.settings import profile
    exact = sympy.Rational(mpmath.nstr(difference_reference(), 60, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
    claim = fc.Claim.identity(DIFFERENCE.xreplace({a: Rational(1, 3), Delta: 2}), exact)
    outcome = stress(claim, (fc.Parameter(u, 0, 1),), (), profile("ci", points=2, search_points=0), search=False)
    assert outcome.evidence in (Evidence.SAMPLED, Evidence.INCONCLUSIVE)


def test_an_exact_zero_is_recognized_and_a_tiny_nonzero_is_not_taken_for_one():
    """Two forms of sqrt(c) at α = α* differ by exactly 0 (sympy's exact arithmetic on the rational
    point says so); sqrt(u) − sqrt(u + 10^{-100}) is not 0 and is computed to its digits."""
    p, q = sympy.symbols("p_w q_w", positive=True)
    difference = sympy.sqrt((1 - p) / p) - sympy.sqrt(1 - q) / sympy.sqrt(q)
    assert evaluate(p * abs(difference), {"p_w": Fraction(1, 2 ** 40), "q_w": Fraction(1, 2 ** 40)}, 30) == 0
    tiny = sympy.sqrt(u) - sympy.sqrt(u + Rational(1, 10 ** 100))
    value = evaluate(tiny, {"u": Fraction(1, 2)}, 30)
    with mpmath.workdps(200):
        exact = mpmath.sqrt(mpmath.mpf(1) / 2) - mpmath.sqrt(mpmath.mpf(1) / 2 + mpmath.mpf(10) ** -100)
        assert value != 0 and abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** -30
