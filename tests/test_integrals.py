"""Validated quadrature of a sympy Integral written in a claim (forgetcheck.quantities.integrals),
and named quantities defined by an integral (forgetcheck.quantity)."""
from fractions import Fraction

import mpmath
import pytest
import sympy
from sympy import Abs, Integral, Max, Piecewise, Rational, exp, oo, pi, sqrt

import forgetcheck as fc
from forgetcheck.numerics.errors import PrecisionNotReached
from forgetcheck.quantities.evaluate import UnsupportedConstruct, evaluate, sides
from forgetcheck.quantities.integrals import IntegralNotSupported, evaluate_integral

x = sympy.Symbol("x", real=True)
y = sympy.Symbol("y", real=True)
s1, s2 = sympy.symbols("s_one s_two", positive=True)
D = sympy.Symbol("D_sep", nonnegative=True)


def normal(at, mean, sd):
    return exp(-(at - mean) ** 2 / (2 * sd ** 2)) / (sqrt(2 * pi) * sd)


BC_INTEGRAL = Integral(sqrt(normal(x, 0, s1) * normal(x, D, s2)), (x, -oo, oo))
BC_CLOSED = sqrt(2 * s1 * s2 / (s1 ** 2 + s2 ** 2)) * exp(-D ** 2 / (4 * (s1 ** 2 + s2 ** 2)))


def reference(expr, point, digits=60):
    """expr at exact rational values, by sympy's evalf at `digits` (a closed form, no quadrature)."""
    subs = {sym: sympy.Rational(str(point[str(sym)])) for sym in expr.free_symbols}
    with mpmath.workdps(digits + 10):
        return mpmath.mpf(str(sympy.N(expr.xreplace(subs), digits + 5)))


def agrees(value, exact, dps):
    with mpmath.workdps(dps + 20):
        return abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** (-dps)


# The point of the issue (a blind mpmath.quad said 1.4e-122 for 5.9e-120), Δ = 60 with widths
# 1/100 (a value ~e^{-9·10^6}), and the corners of σ ∈ [1/100, 10].
POINTS = [
    {"s_one": Fraction(1, 100), "s_two": Fraction(1, 100), "D_sep": Fraction(47, 100)},
    {"s_one": Fraction(1, 100), "s_two": Fraction(2, 100), "D_sep": 60},
    {"s_one": Fraction(1, 100), "s_two": 10, "D_sep": 60},
    {"s_one": 10, "s_two": Fraction(1, 100), "D_sep": 0},
    {"s_one": 10, "s_two": 10, "D_sep": 60},
    {"s_one": Fraction(3, 7), "s_two": Fraction(5, 3), "D_sep": Fraction(31, 3)},
]


@pytest.mark.parametrize("point", POINTS)
def test_unequal_variance_bhattacharyya_is_right_to_the_digits_asked(point):
    value = evaluate(BC_INTEGRAL, point, 30)
    assert agrees(value, reference(BC_CLOSED, point), 30)


def test_the_identity_holds_and_its_mutant_is_refuted_at_the_issue_point():
    point = POINTS[0]
    assert sides(fc.Claim.identity(BC_INTEGRAL, BC_CLOSED), point, 30).slack > -mpmath.mpf(10) ** -27
    wrong = fc.Claim.identity(BC_INTEGRAL, exp(-D ** 2 / (4 * (s1 ** 2 + s2 ** 2))))
    assert sides(wrong, {**point, "s_two": Fraction(2, 100)}, 30).slack < -mpmath.mpf(1) / 10


def test_a_second_precision_confirms_the_digits():
    """At 50 digits the value agrees with the closed form to 50 digits (not merely to 30)."""
    point = POINTS[1]
    assert agrees(evaluate(BC_INTEGRAL, point, 50), reference(BC_CLOSED, point, 80), 50)


def test_two_far_narrow_peaks_are_both_found():
    """A mixture of two narrow bumps 50 apart: half the mass is 50 widths·10^4 away from the other."""
    w = sympy.Symbol("w_bump", positive=True)
    integral = Integral((normal(x, 0, w) + normal(x, 50, w)) / 2, (x, -oo, oo))
    assert agrees(evaluate(integral, {"w_bump": Fraction(1, 100)}, 30), mpmath.mpf(1), 30)


@pytest.mark.parametrize("integrand, exact", [
    (exp(-Abs(x - Rational(7, 3))), 2),                                   # a kink at 7/3
    (Max(0, 1 - Abs(x)), 1),                                              # a tent: three kinks
    (Piecewise((exp(-x), x > 0), (exp(2 * x), True)), Rational(3, 2)),    # a jump in slope at 0
])
def test_kinks_are_found_and_split_at(integrand, exact):
    value = evaluate(Integral(integrand, (x, -oo, oo)), {}, 30)
    assert agrees(value, mpmath.mpf(exact), 30)


def test_finite_interval_half_line_and_reversed_limits():
    erf_form = sqrt(pi / 2) * sympy.erf(D / sqrt(2))
    point = {"D_sep": Fraction(37, 10)}
    finite = evaluate(Integral(exp(-x ** 2 / 2), (x, 0, D)), point, 30)
    assert agrees(finite, reference(erf_form, point), 30)
    reversed_ = evaluate(Integral(exp(-x ** 2 / 2), (x, D, 0)), point, 30)
    with mpmath.workdps(60):  # negating an mpf rounds it to the active precision
        assert agrees(-reversed_, reference(erf_form, point), 30)
    assert agrees(evaluate(Integral(x ** 2 * exp(-x), (x, 0, oo)), {}, 30), mpmath.mpf(2), 30)


def test_a_sign_changing_integral_that_vanishes_is_inconclusive_not_a_number():
    with pytest.raises(PrecisionNotReached):
        evaluate(Integral(x * exp(-x ** 2), (x, -oo, oo)), {}, 30)


A_SHIFT = sympy.Symbol("a_shift", real=True)
PHI = exp(-x ** 2 / 2) / sqrt(2 * pi)
KL_SHIFT = Integral(PHI * (sympy.log(PHI) - sympy.log(PHI.subs(x, x - A_SHIFT))), (x, -oo, oo))
L1_SHIFT = Integral(Abs(PHI - PHI.subs(x, x - A_SHIFT)), (x, -oo, oo))


@pytest.mark.parametrize("integral", [KL_SHIFT, L1_SHIFT])
@pytest.mark.parametrize("zero", [Fraction(0), mpmath.mpf(0), 0])
def test_an_integrand_that_vanishes_identically_at_the_point_is_an_exact_zero(integral, zero):
    """KL(φ || φ(· − a)) and ∫|φ − φ(· − a)| at a = 0: no quadrature confirms relative digits of a
    zero, but with a = 0 substituted the integrand is sympy's structural 0."""
    result = evaluate_integral(integral, {"a_shift": zero}, 30)
    assert result.value == 0 and result.error == 0


def test_a_tiny_nonzero_shift_is_not_taken_for_zero():
    """At a = 2^-30 the integrand is not identically 0: the value is a²/2, confirmed, or the point
    is inconclusive; never the exact 0 of the structural path."""
    a = mpmath.mpf(2) ** -30
    try:
        result = evaluate_integral(KL_SHIFT, {"a_shift": a}, 30)
    except PrecisionNotReached:
        return
    with mpmath.workdps(60):
        assert abs(result.value - a * a / 2) <= abs(a * a / 2) * mpmath.mpf(10) ** -29


@pytest.mark.parametrize("integral, words", [
    (Integral(exp(-x ** 2 - y ** 2), (x, -oo, oo), (y, -oo, oo)), "runs over 2 variables"),
    (Integral(exp(-x ** 2), x), "indefinite"),
    (Integral(Integral(exp(-x ** 2 - y ** 2), (y, -oo, oo)), (x, -oo, oo)), "nested Integral"),
    (Integral(exp(-x ** 2) * sympy.Sum(x ** y, (y, 0, 3)), (x, -oo, oo)), "contains Sum"),
    (Integral(exp(-x ** 2), (x, 0, x)), "depends on the variable"),
])
def test_unsupported_integrals_are_refused_with_the_construct_named(integral, words):
    with pytest.raises(UnsupportedConstruct, match=words):
        evaluate(integral, {}, 30)


def test_a_statement_with_an_unsupported_integral_is_refused_when_written():
    two = Integral(exp(-x ** 2 - y ** 2), (x, -oo, oo), (y, -oo, oo))
    with pytest.raises(UnsupportedConstruct, match=r"statement U\.two.*runs over 2 variables"):
        fc.Theorem(id="U.two", title="t", section="U", claim=fc.Claim.identity(two, pi), parameters=(),
                   checks=(fc.Sampled(),), mutants=(fc.Mutant("m", fc.Claim.identity(two, 2 * pi), "always"),))


def test_evaluate_integral_reports_an_error_bound():
    result = evaluate_integral(BC_INTEGRAL, {"s_one": mpmath.mpf(1), "s_two": mpmath.mpf(2), "D_sep": mpmath.mpf(3)}, 30)
    exact = reference(BC_CLOSED, {"s_one": 1, "s_two": 2, "D_sep": 3})
    with mpmath.workdps(60):
        assert abs(result.value - exact) <= result.error + abs(exact) * mpmath.mpf(10) ** -40
        assert result.error <= abs(exact) * mpmath.mpf(10) ** -31


# --- named quantities -----------------------------------------------------------------------------

def _bc_quantity():
    return fc.quantity("TestBCUnequal", sqrt(normal(x, 0, s1) * normal(x, D, s2)), x, (s1, s2, D),
                       latex=r"\mathrm{BC}_{\mathrm{t}}", meaning="test Bhattacharyya coefficient")


def test_a_quantity_is_a_sympy_function_evaluated_by_its_integral():
    BC = _bc_quantity()
    expr = BC(s1, s2, D) / 2
    assert isinstance(expr.args[1] if expr.args[0].is_Number else expr.args[0], BC)
    point = POINTS[2]
    with mpmath.workdps(60):
        twice = 2 * reference(BC_CLOSED, point)
    assert agrees(evaluate(2 * BC(s1, s2, D), point, 30), twice, 30)


def test_a_quantity_prints_by_its_name_and_is_defined_in_the_notation_table():
    from forgetcheck.printing.latex import StatementLatexPrinter, latex
    BC = _bc_quantity()
    assert latex(BC(s1, s2, D)).startswith(r"\mathrm{BC}_{\mathrm{t}}\left(")
    entry = BC.notation_latex(StatementLatexPrinter())
    assert "test Bhattacharyya coefficient" in entry and r"\int\limits_{-\infty}^{\infty}" in entry


def test_a_quantity_is_registered_for_eval_and_usable_by_symbolic_strategies():
    from forgetcheck.checks.symbolic import by_definition
    from forgetcheck.quantities.engine_function import engine_functions
    BC = _bc_quantity()
    assert engine_functions()["TestBCUnequal"] is BC and BC.arg_names == ("s_one", "s_two", "D_sep")
    assert agrees(BC.evaluate_at([mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf(0)], 30), mpmath.mpf(1), 30)
    by_keyword = BC.engine_function()(s_one="1/100", s_two=10, D_sep=60, dps=30)  # as `forgetcheck eval` calls
    assert agrees(by_keyword, reference(BC_CLOSED, {"s_one": "1/100", "s_two": 10, "D_sep": 60}), 30)
    trace = by_definition(fc.Claim.identity(BC(s1, s2, D), BC_CLOSED))
    assert "completing the square" in trace[0]
    with pytest.raises(Exception, match="reduced the expression to 0"):
        by_definition(fc.Claim.identity(BC(s1, s2, D), exp(-D ** 2 / (4 * (s1 ** 2 + s2 ** 2)))))
    assert BC(s1, s2, D).doit() == BC.definition()


def test_a_half_line_quantity_has_no_whole_line_integrand():
    tail = fc.quantity("TestTail", exp(-x), x, (D,), latex="T", lower=D)
    assert tail.integrand(x, D) is None  # the whole-line strategies must not integrate it over R
    with mpmath.workdps(60):
        exact = mpmath.exp(-2)
    assert agrees(evaluate(tail(D), {"D_sep": 2}, 30), exact, 30)


@pytest.mark.parametrize("call, words", [
    (lambda: fc.quantity("1bad", x, x, (D,), latex="B"), "name must be a Python identifier"),
    (lambda: fc.quantity("Stray", x * s1, x, (D,), latex="B"), r"use \['s_one'\]"),
    (lambda: fc.quantity("Twice", x, x, (x,), latex="B"), "also a parameter"),
    (lambda: fc.quantity("Flt", sympy.Float("0.1") * exp(-x ** 2), x, (), latex="B"), "Float"),
    (lambda: fc.quantity("Misassignment", exp(-x ** 2), x, (), latex="B"), "taken by the engine quantity"),
])
def test_bad_quantity_declarations_name_the_problem(call, words):
    import forgetcheck.catalog.quantities.overlap  # noqa: F401  (registers Misassignment)
    with pytest.raises(ValueError, match=words):
        call()


USER_MODULE = '''
import sympy
from sympy import Integral, Rational, exp, oo, pi, sqrt
import forgetcheck as fc

x = sympy.Symbol("x", real=True)
s1 = fc.declare("s_user_1", latex=r"s_1", meaning="first standard deviation", positive=True)
s2 = fc.declare("s_user_2", latex=r"s_2", meaning="second standard deviation", positive=True)
d = fc.declare("d_user", latex=r"d", meaning="separation", nonnegative=True)


def normal(at, mean, sd):
    return exp(-(at - mean) ** 2 / (2 * sd ** 2)) / (sqrt(2 * pi) * sd)


BC = Integral(sqrt(normal(x, 0, s1) * normal(x, d, s2)), (x, -oo, oo))
CLOSED = sqrt(2 * s1 * s2 / (s1 ** 2 + s2 ** 2)) * exp(-d ** 2 / (4 * (s1 ** 2 + s2 ** 2)))
SD = dict(log_scale=True, emphasis=(Rational(1, 100), 1, 10))
THEOREMS = [fc.Theorem(
    id="U.bc", title="unequal-variance BC", section="U", source="a user",
    claim=fc.Claim.identity(BC, CLOSED),
    parameters=(fc.Parameter(s1, Rational(1, 100), 10, **SD), fc.Parameter(s2, Rational(1, 100), 10, **SD),
                fc.Parameter(d, 0, 60, emphasis=(0, 60))),
    checks=(fc.Sampled(search=False),),
    mutants=(fc.Mutant("no prefactor", fc.Claim.identity(BC, exp(-d ** 2 / (4 * (s1 ** 2 + s2 ** 2)))),
                       "false whenever s_1 != s_2"),))]
'''


def test_the_bare_integral_identity_from_a_user_module_is_verified_over_the_whole_domain(tmp_path):
    """The issue's done-criterion: σ down to 1/100, Δ up to 60, from a module outside the checkout."""
    import importlib
    import sys
    (tmp_path / "user_bc_module.py").write_text(USER_MODULE)
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("user_bc_module")
    finally:
        sys.path.remove(str(tmp_path))
    report = fc.verify(module.THEOREMS, points=12, search_points=6)
    (statement,) = report.statements
    assert report.passed and statement.passed and statement.mutants_refuted
    assert statement.examples >= 12  # the corners (σ = 1/100 and 10, Δ = 0 and 60) and generated points


# --- the catalog's G2 and G3 integrals at hard points, against an independent quadrature at +20 digits
# (the compiled integrand's invariant nodes, computed once a point, and the confirming rule on its arb
# balls must not lose a digit: both are checked against mpmath.quad of the integrand as written).

def _independent(integral, point, digits, centres, width):
    """∫ by mpmath.quad at `digits` (relative: the integrand divided by its largest size at the
    split points) on pieces `width` wide within ±1 of each centre (where the
    integrand turns), unit pieces within ±14, the tails beyond; the same at +5 digits on pieces half
    as wide must agree to `digits` − 10 (else the reference itself is not trusted)."""
    (variable, _, _), = integral.limits
    subs = {sym: sympy.Rational(str(point[str(sym)])) for sym in integral.free_symbols}
    f = sympy.lambdify(variable, integral.function.xreplace(subs), modules="mpmath")

    def run(dps, step):
        with mpmath.workdps(dps):
            pts = set()
            for c in centres:
                c = mpmath.mpf(c)
                n = int(1 / step) + 1
                pts.update(c + k * step for k in range(-n, n + 1))
                pts.update(mpmath.floor(c) + k for k in range(-14, 15))
            # mpmath.quad stops on an absolute error: divide by the integrand's size where its mass is
            scale = max(abs(f(p)) for p in pts)
            return scale * mpmath.quad(lambda t: f(t) / scale, [mpmath.ninf, *sorted(pts), mpmath.inf])

    first, second = run(digits, width), run(digits + 5, width / 2)
    with mpmath.workdps(digits):
        assert abs(first - second) <= abs(second) * mpmath.mpf(10) ** (10 - digits)
    return second


G2_HARD = [  # extreme weights and means: crossovers at x = (μ²/2 − log r)/μ, far out on φ_1's tail
    {"mu_2": 30, "mu_3": -30, "r_2": Fraction(1, 1000), "r_3": 1000},
    {"mu_2": Fraction(-1, 3), "mu_3": Fraction(29, 3), "r_2": 1000, "r_3": Fraction(1, 1000)},
    {"mu_2": Fraction(25, 2), "mu_3": Fraction(49, 4), "r_2": Fraction(3, 1000), "r_3": Fraction(7, 3)},
]


@pytest.mark.parametrize("point", G2_HARD)
def test_G2_misassignment_keeps_its_digits_at_hard_points(point):
    from forgetcheck.catalog.beyond import G2_MISASSIGNMENT
    def q(v):
        return mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator

    with mpmath.workdps(60):
        centres = [0] + [(q(point[f"mu_{j}"]) ** 2 / 2 - mpmath.log(q(point[f"r_{j}"]))) / q(point[f"mu_{j}"])
                         for j in (2, 3)]
        width = 1 / (2 * max(1, abs(q(point["mu_2"])), abs(q(point["mu_3"]))))
    value = evaluate(G2_MISASSIGNMENT, point, 30)
    assert agrees(value, _independent(G2_MISASSIGNMENT, point, 50, centres, width), 30)


def test_G3_misassignment_keeps_its_digits_at_a_hard_point():
    from forgetcheck.catalog.beyond import G3_MISASSIGNMENT
    point = {"a": Fraction(1, 1000), "sigma_1": Fraction(1, 10), "sigma_2": 3, "Delta": 7}
    value = evaluate(G3_MISASSIGNMENT, point, 30)
    assert agrees(value, _independent(G3_MISASSIGNMENT, point, 50, [0, 7], mpmath.mpf(1) / 40), 30)
