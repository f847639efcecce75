"""A claim's sympy expression evaluated in ball arithmetic (python-flint arb).

The expression itself is walked, node by node, so the enclosure is of the printed formula, like
forgetcheck.quantities.evaluate. Supported: Add, Mul, Pow (integer, half-integer, rational and symbolic exponents),
Integer, Rational, pi, E, exp, log, sqrt, Abs, erf, erfc, cosh, sinh, tanh, sin, cos, tan, atan,
asinh, Max, Min, arb's special functions (gamma, loggamma, digamma, zeta, Bessel, incomplete gamma,
Ei, LambertW, ...; value only, no gradient), and every EngineFunction subclass that names an
`arb_engine`. Anything else raises NotCertifiable, so a check
reports "not certifiable" instead of a certificate it cannot back.

Two modes:
* `enclose(expr, balls)`: plain ball arithmetic; the result contains expr(x) for every x in the balls.
* `enclose_box(expr, box)`: a mean-value (centred) form on a box, f(B) ⊂ f(m) + ∇f(B)·(B − m),
  intersected with the plain enclosure. ∇f(B) comes from forward-mode differentiation with balls
  (a `Jet` carries a value ball and gradient balls); engine quantities supply their partial
  derivatives through `arb_gradient`. The centred form's width shrinks quadratically with the box,
  the plain form's only linearly, which is what lets a branch and bound close boxes near tight
  spots. At kinks (Abs, Max, Min) the derivative ball is the hull of the one-sided derivatives,
  which keeps the inclusion valid (Lebourg's mean value theorem with Clarke's chain rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy
from flint import arb, ctx

from forgetcheck.numerics.enclosures import accuracy_goal, to_ball

from forgetcheck.quantities.engine_function import EngineFunction


class BallFunction(sympy.Function):
    """A quantity that exists only for ball evaluation (the factored forms below): it names its
    enclosure and gradient functions like an EngineFunction's arb_engine/arb_gradient."""
    arb_engine: str = ""
    arb_gradient: str = ""
    ball_function = classmethod(EngineFunction.ball_function.__func__)


class ScaledMisassignment(BallFunction):
    """K(a, Δ) = ε_o(a, Δ) / (sqrt(c) e^{−Δ²/8}) (forgetcheck.numerics.enclosures)."""
    arb_engine = "forgetcheck.numerics.enclosures:misassignment_scaled_ball"
    arb_gradient = "forgetcheck.numerics.enclosures:misassignment_scaled_gradient_ball"


def _factored_misassignment(a, delta):
    return sympy.sqrt((1 - a) / a) * sympy.exp(-delta ** 2 / 8) * ScaledMisassignment(a, delta)


#: Exact rewrites applied before enclosing: an engine quantity written as a closed-form factor
#: times a slowly varying ball quantity (each identity is derived where its ball function is
#: defined). After sympy's factor_terms pulls common factors out of sums, a claim such as
#: ε_o ≤ ½ sqrt(c) e^{−Δ²/8} becomes sqrt(c) e^{−Δ²/8} (½ − K): the exponential is no longer
#: enclosed twice, which over a box of width r at separation Δ saves a relative width ~Δr.
FACTORED_FORMS = {"Misassignment": _factored_misassignment}


@lru_cache(maxsize=256)
def prepared(expr):
    """expr with the factored forms substituted and common factors pulled out of sums (both
    exact, structural rewrites: the function is unchanged, only its ball evaluation is tighter)."""
    expr = sympy.sympify(expr)
    atoms = [f for f in expr.atoms(EngineFunction) if type(f).__name__ in FACTORED_FORMS]
    if not atoms:
        return expr
    rewritten = expr.xreplace({f: FACTORED_FORMS[type(f).__name__](*f.args) for f in atoms})
    return sympy.factor_terms(rewritten)


class NotCertifiable(ValueError):
    """The expression has a node without a ball implementation."""


class _NoGradient(Exception):
    """Some node has no derivative in ball arithmetic: fall back to the plain enclosure."""


# --- products and quotients of wide balls ----------------------------------------------------------

#: Below this relative accuracy (a radius above 2^-8 of the midpoint) a product is formed from the
#: endpoints, not midpoint-radius.
_WIDE_BITS = 8


def _is_wide(x: arb) -> bool:
    return x.rel_accuracy_bits() < _WIDE_BITS


def mul(x, y):
    """x·y for balls. Midpoint-radius products overestimate wide balls badly (two positive balls
    of relative radius 1 give a product ball reaching below 0, measured on e^{−Δ²/8} over
    Δ ∈ [16, 17]); for those the hull of the four endpoint products is exact up to rounding."""
    if not isinstance(x, arb) or not isinstance(y, arb):
        return x * y
    if not (_is_wide(x) or _is_wide(y)) or not (x.is_finite() and y.is_finite()):
        return x * y
    xl, xu, yl, yu = x.lower(), x.upper(), y.lower(), y.upper()
    return (xl * yl).union(xl * yu).union(xu * yl).union(xu * yu)


def reciprocal(x):
    """1/x; for a wide ball not containing 0, the hull of the endpoint reciprocals."""
    if not isinstance(x, arb):
        return 1 / x
    if _is_wide(x) and x.is_finite() and (x > 0 or x < 0):
        return (1 / x.lower()).union(1 / x.upper())
    return 1 / x


# --- forward-mode differentiation over balls -------------------------------------------------------

class Jet:
    """f and ∇f enclosed over a box: a value ball and one gradient ball per box coordinate."""
    __slots__ = ("value", "grad")

    def __init__(self, value: arb, grad: tuple):
        self.value, self.grad = value, tuple(grad)

    @staticmethod
    def constant(value: arb, n: int) -> "Jet":
        return Jet(value, (arb(0),) * n)

    def _lift(self, other):
        return other if isinstance(other, Jet) else Jet.constant(to_ball(other), len(self.grad))

    def chain(self, value: arb, derivative: arb) -> "Jet":
        return Jet(value, tuple(mul(derivative, g) for g in self.grad))

    def __add__(self, other):
        o = self._lift(other)
        return Jet(self.value + o.value, tuple(a + b for a, b in zip(self.grad, o.grad)))

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.value, tuple(-g for g in self.grad))

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __mul__(self, other):
        o = self._lift(other)
        return Jet(mul(self.value, o.value),
                   tuple(mul(self.value, b) + mul(o.value, a) for a, b in zip(self.grad, o.grad)))

    __rmul__ = __mul__

    def reciprocal(self):
        inv = reciprocal(self.value)
        return self.chain(inv, -mul(inv, inv))

    def __truediv__(self, other):
        return self * self._lift(other).reciprocal()

    def __rtruediv__(self, other):
        return self._lift(other) * self.reciprocal()


# --- elementary functions for both arb and Jet -----------------------------------------------------

def _abs_ball(x: arb) -> arb:
    return abs(x).nonnegative_part()


def _sign_ball(x: arb) -> arb:
    if x > 0:
        return arb(1)
    if x < 0:
        return arb(-1)
    return arb(0, 1)  # [−1, 1]: the hull of the one-sided derivatives at the kink


def _two_over_sqrt_pi() -> arb:
    return 2 / arb.pi().sqrt()


#: name -> (value on a ball, derivative on a ball)
_UNARY = {
    "exp": (lambda x: x.exp(), lambda x: x.exp()),
    "log": (lambda x: x.log(), lambda x: reciprocal(x)),
    "sqrt": (lambda x: x.sqrt(), lambda x: reciprocal(2 * x.sqrt())),
    "Abs": (_abs_ball, _sign_ball),
    "erf": (lambda x: x.erf(), lambda x: _two_over_sqrt_pi() * (-_int_power_ball(x, 2)).exp()),
    "erfc": (lambda x: x.erfc(), lambda x: -_two_over_sqrt_pi() * (-_int_power_ball(x, 2)).exp()),
    "cosh": (lambda x: x.cosh(), lambda x: x.sinh()),
    "sinh": (lambda x: x.sinh(), lambda x: x.cosh()),
    "tanh": (lambda x: x.tanh(), lambda x: 1 - x.tanh() ** 2),
}


_UNARY.update({
    "sin": (lambda x: x.sin(), lambda x: x.cos()),
    "cos": (lambda x: x.cos(), lambda x: -x.sin()),
    "tan": (lambda x: x.tan(), lambda x: 1 + x.tan() ** 2),
    "atan": (lambda x: x.atan(), lambda x: reciprocal(1 + _int_power_ball(x, 2))),
    "asinh": (lambda x: x.asinh(), lambda x: reciprocal((1 + _int_power_ball(x, 2)).sqrt())),
})

#: Special functions enclosed by arb (value only: a claim using one is certified at points, and a
#: box proof falls back to the plain enclosure). arb's special functions are rigorous at any
#: argument, including the extreme ones where mpmath's are slow or lose digits.
_VALUE_ONLY = {
    "gamma": lambda x: x.gamma(),
    "loggamma": lambda x: x.lgamma(),
    "digamma": lambda x: x.digamma(),
    "zeta": lambda x: x.zeta(),
    "erfi": lambda x: x.erfi(),
    "erfinv": lambda x: x.erfinv(),
    "erfcinv": lambda x: x.erfcinv(),
    "Ei": lambda x: x.ei(),
    "Si": lambda x: x.si(),
    "Ci": lambda x: x.ci(),
    "li": lambda x: x.li(),
    "LambertW": lambda x: x.lambertw(),
    "asin": lambda x: x.asin(),
    "acos": lambda x: x.acos(),
    "acosh": lambda x: x.acosh(),
    "atanh": lambda x: x.atanh(),
}

#: Two-argument special functions: sympy name -> f(first, second) on balls.
_BINARY = {
    "besselj": lambda nu, x: x.bessel_j(nu),
    "bessely": lambda nu, x: x.bessel_y(nu),
    "besseli": lambda nu, x: x.bessel_i(nu),
    "besselk": lambda nu, x: x.bessel_k(nu),
    "uppergamma": lambda s, x: x.gamma_upper(s),
    "lowergamma": lambda s, x: x.gamma_lower(s),
    "polylog": lambda s, x: x.polylog(s),
    "expint": lambda nu, x: x.expint(nu),
}


def _unary(name: str, x):
    if name in _VALUE_ONLY:
        if isinstance(x, Jet):
            raise _NoGradient(name)
        return _VALUE_ONLY[name](x)
    value, derivative = _UNARY[name]
    if isinstance(x, Jet):
        return x.chain(value(x.value), derivative(x.value))
    return value(x)


def _int_power_ball(x: arb, n: int) -> arb:
    if n == 0:
        return arb(1)
    if n < 0:
        return reciprocal(_int_power_ball(x, -n))
    if not _is_wide(x) or not x.is_finite():
        return _abs_ball(x) ** n if n % 2 == 0 else x ** n
    # wide ball: x^n is monotone on each sign, so the endpoints (and 0 for even n) give the hull
    low, high = x.lower() ** n, x.upper() ** n
    hull = low.union(high)
    return hull.union(arb(0)) if n % 2 == 0 and x.lower() < 0 < x.upper() else hull


def _power(base, exponent: sympy.Expr, walk):
    if exponent.is_Integer:
        n = int(exponent)
        if isinstance(base, Jet):
            return base.chain(_int_power_ball(base.value, n), n * _int_power_ball(base.value, n - 1))
        return _int_power_ball(base, n)
    if exponent == sympy.Rational(1, 2):
        return _unary("sqrt", base)
    if exponent == -sympy.Rational(1, 2):
        root = _unary("sqrt", base)
        return root.reciprocal() if isinstance(root, Jet) else reciprocal(root)
    # x^e = exp(e log x): defined for x > 0 (log of a ball reaching 0 is not finite, so such a
    # node yields a non-finite enclosure, never a false one)
    exponent_value, log_base = walk(exponent), _unary("log", base)
    product = exponent_value * log_base if isinstance(exponent_value, Jet) or isinstance(log_base, Jet) \
        else mul(exponent_value, log_base)
    return _unary("exp", product)


def _extremum(kind: str, args):
    result = args[0]
    for other in args[1:]:
        result = _pair_extremum(result, other, kind == "Max")
    return result


def _pair_extremum(x, y, is_max: bool):
    if not isinstance(x, Jet) and not isinstance(y, Jet):
        return x.max(y) if is_max else x.min(y)
    n = len((x if isinstance(x, Jet) else y).grad)
    x = x if isinstance(x, Jet) else Jet.constant(x, n)
    y = y if isinstance(y, Jet) else Jet.constant(y, n)
    if (x.value > y.value) == is_max and (x.value > y.value or x.value < y.value):
        return x
    if (y.value > x.value) == is_max and (y.value > x.value or y.value < x.value):
        return y
    value = x.value.max(y.value) if is_max else x.value.min(y.value)
    return Jet(value, tuple(a.union(b) for a, b in zip(x.grad, y.grad)))


# --- the walker ------------------------------------------------------------------------------------

def _engine(function, args, memo=None):
    """The ball function of an engine quantity. On Jets (a box), the value is taken by the mean
    value theorem around the box centre: from `memo`, the point enclosure that the centre pass
    stored for this very node, or else a fresh one at the argument balls' midpoints."""
    cls = type(function)
    fn = cls.ball_function("arb_engine")
    if fn is None:
        raise NotCertifiable(f"{cls.__name__} has no ball implementation (arb_engine); claims using "
                             "it cannot be certified")
    if not any(isinstance(a, Jet) for a in args):
        value = fn(*args)
        if memo is not None:
            memo[function] = (args, value)
        return value
    gradient = cls.ball_function("arb_gradient")
    if gradient is None:
        raise _NoGradient(cls.__name__)
    n = len(next(a for a in args if isinstance(a, Jet)).grad)
    jets = [a if isinstance(a, Jet) else Jet.constant(a, n) for a in args]
    values = [j.value for j in jets]
    partials = gradient(*values)
    # value over the box by the mean value theorem in argument space, from the value at the
    # arguments' midpoints (one cheap point enclosure instead of a wide one)
    if memo is not None and function in memo:
        points, centre = memo[function]
    else:
        points = [arb(v.mid()) for v in values]
        centre = fn(*points)
    value = centre + sum((mul(p, v - m) for p, v, m in zip(partials, values, points)), arb(0))
    grad = tuple(sum((mul(p, j.grad[i]) for p, j in zip(partials, jets)), arb(0)) for i in range(n))
    return Jet(value, grad)


def _walker(env: dict, memo: dict | None = None):
    """A recursive translation of sympy nodes into ball (or Jet) operations, with the symbols'
    values taken from env (by name); `memo` carries engine values from a centre pass to a box pass."""
    def walk(e):
        if e.is_Symbol:
            if e.name not in env:
                raise NotCertifiable(f"no value for the symbol {e.name}")
            return env[e.name]
        if e.is_Integer or e.is_Rational:
            return to_ball(e)
        if isinstance(e, sympy.Float):
            raise NotCertifiable(f"Float {e} in the expression: a 53-bit constant cannot be enclosed exactly")
        if e is sympy.pi:
            return arb.pi()
        if e is sympy.E:
            return arb(1).exp()
        if isinstance(e, (EngineFunction, BallFunction)):
            return _engine(e, [walk(a) for a in e.args], memo)
        if e.is_Add:
            total = walk(e.args[0])
            for term in e.args[1:]:
                total = total + walk(term)
            return total
        if e.is_Mul:
            product = walk(e.args[0])
            for factor in e.args[1:]:
                product = mul(product, walk(factor))
            return product
        if e.is_Pow:
            return _power(walk(e.base), e.exp, walk)
        if isinstance(e, sympy.log) and len(e.args) == 2:
            num, den = _unary("log", walk(e.args[0])), _unary("log", walk(e.args[1]))
            return num / den if isinstance(num, Jet) or isinstance(den, Jet) else mul(num, reciprocal(den))
        name = type(e).__name__
        if (name in _UNARY or name in _VALUE_ONLY) and len(e.args) == 1:
            return _unary(name, walk(e.args[0]))
        if name in _BINARY and len(e.args) == 2:
            first, second = walk(e.args[0]), walk(e.args[1])
            if isinstance(first, Jet) or isinstance(second, Jet):
                raise _NoGradient(name)
            return _BINARY[name](first, second)
        if isinstance(e, sympy.Integral):
            # evaluated by validated quadrature (forgetcheck.quantities.integrals), not enclosed
            raise NotCertifiable(f"the integral {sympy.sstr(e)[:80]} has no ball enclosure; it is checked "
                                 "by validated quadrature at points")
        if name in ("Max", "Min"):
            return _extremum(name, [walk(a) for a in e.args])
        raise NotCertifiable(f"no ball implementation for {name} (in {sympy.sstr(e)[:80]})")
    return walk


def walker(env: dict):
    """expr -> its enclosure with the symbols' balls taken from env (by name); raises NotCertifiable."""
    return _walker(env)


# --- public API ------------------------------------------------------------------------------------

def check_certifiable(expr) -> None:
    """Raise NotCertifiable if some node of expr has no ball implementation (without evaluating)."""
    for node in sympy.preorder_traversal(sympy.sympify(expr)):
        if isinstance(node, EngineFunction) and not type(node).arb_engine:
            raise NotCertifiable(f"{type(node).__name__} has no ball implementation (arb_engine)")
        if isinstance(node, sympy.Float):
            raise NotCertifiable(f"Float {node} in the expression")
        if isinstance(node, sympy.Function) and not isinstance(node, EngineFunction):
            name = type(node).__name__
            if name not in _UNARY and name not in _VALUE_ONLY and name not in _BINARY \
                    and name not in ("Max", "Min") and not isinstance(node, sympy.log):
                raise NotCertifiable(f"no ball implementation for {name}")


def _balls_for(values: dict) -> dict:
    """name -> ball: exact values become point balls, (low, high) pairs interval balls."""
    out = {}
    for name, v in values.items():
        if isinstance(v, tuple):
            lo, hi = (Fraction(str(x)) if not isinstance(x, Fraction) else x for x in v)
            ball = to_ball(lo, name).union(to_ball(hi, name))
            if lo >= 0 and ball.lower() < 0:  # the rounding radius must not leave a sign domain
                ball = ball.nonnegative_part()
        else:
            ball = to_ball(v, name)
        out[name] = ball
    return out


def enclose(expr, values: dict, prec: int = 64, goal: int | None = None) -> arb:
    """A ball containing expr at every point of `values` (name -> exact value, or (low, high))."""
    expr = prepared(sympy.sympify(expr))
    with ctx.workprec(prec), accuracy_goal(goal or max(8, prec - 8)):
        return _walker(_balls_for(values))(expr)


@dataclass(frozen=True)
class BoxEnclosure:
    value: arb            # contains expr on the whole box
    centre: arb           # contains expr at the box's centre
    contributions: tuple  # |∂_i f|(B) · r_i per coordinate (None without a gradient)


def enclose_box(expr, box: dict, prec: int = 53, goal: int | None = None) -> BoxEnclosure:
    """expr over the box {name: (low, high)} (exact endpoints): plain and centred forms, intersected."""
    expr = prepared(sympy.sympify(expr))
    names = list(box)
    lows = {k: Fraction(str(v[0])) if not isinstance(v[0], Fraction) else v[0] for k, v in box.items()}
    highs = {k: Fraction(str(v[1])) if not isinstance(v[1], Fraction) else v[1] for k, v in box.items()}
    centre_point = {k: (lows[k] + highs[k]) / 2 for k in names}
    with ctx.workprec(prec), accuracy_goal(goal or max(8, prec - 8)):
        memo = {}
        centre = _walker(_balls_for(centre_point), memo)(expr)
        balls = _balls_for({k: (lows[k], highs[k]) for k in names})
        n = len(names)
        jets = {k: Jet(balls[k], tuple(arb(1) if j == i else arb(0) for j in range(n)))
                for i, k in enumerate(names)}
        try:
            jet = _walker(jets, memo)(expr)
        except _NoGradient:
            return BoxEnclosure(_walker(balls)(expr), centre, None)
        if not isinstance(jet, Jet):  # expr does not depend on the box
            return BoxEnclosure(jet, centre, tuple(arb(0) for _ in names))
        radii = [to_ball((highs[k] - lows[k]) / 2) for k in names]
        centred = centre + sum((g * arb(0, r.upper()) for g, r in zip(jet.grad, radii)), arb(0))
        contributions = tuple(abs(g).upper() * r for g, r in zip(jet.grad, radii))
        return BoxEnclosure(_tighter(centred, jet.value), centre, contributions)


def _tighter(x: arb, y: arb) -> arb:
    """The intersection of two enclosures of the same set (either may be non-finite)."""
    if not x.is_finite():
        return y
    if not y.is_finite():
        return x
    if not x.overlaps(y):  # two true enclosures of one set always overlap: this is a bug
        raise RuntimeError(f"disjoint enclosures {x} and {y} of the same quantity")
    return x.intersection(y)
