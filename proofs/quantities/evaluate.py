"""Numeric evaluation of a claim's two sides at a point, at a stated precision.

The number checked is the number of the printed formula: the claim's own sympy expression is
evaluated, node by node. Two layers:

* *opaque* values, each computed by a validated routine to a stated number of digits: engine
  quantities (ε_o, κ_F, ...; the engine certifies its digits or raises PrecisionNotReached) and
  sympy Integrals (forgetcheck.quantities.integrals: peak-aware quadrature confirmed at two
  precisions);
* the elementary rest (arithmetic, exp, log, sqrt, erf, special functions), evaluated in ball
  arithmetic (python-flint arb) with each opaque value entered as a ball whose radius is its
  error. The result's radius then says how many digits survived, including those lost to
  cancellation *between* opaque values (ε_o(a, Δ) − ε_o(a, Δ + 10^{-20}) keeps none of the engine's
  digits): when too few survive, the opaque values are recomputed with as many more digits as were
  lost, and the working precision is raised, until the result is correct to the requested digits
  or the budget is spent (PrecisionNotReached: the point is inconclusive, never a verdict).

Nodes arb cannot evaluate (Piecewise, hypergeometric functions, ...) fall back to mpmath through
lambdify at rising precisions, with the opaque values' errors propagated by perturbing each one by
its error. Constructs no validated path exists for (Limit, Sum and Product with symbolic or infinite
ranges, Derivative of an engine quantity, unknown functions) are refused with UnsupportedConstruct,
which names the construct (and `check_claim` names the statement too).

Exact parameter values (dyadic Fractions) enter without rounding; sympy Rationals are exact balls,
so no 53-bit constant enters a 50-digit computation.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy

from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.statements.domain import exact_mpf
from forgetcheck.quantities.engine_function import EngineFunction

GUARD_DIGITS = 10
#: Digits the opaque values are first computed with, above the requested ones.
ENGINE_EXTRA = 5
#: The most digits an opaque value may be asked for above the requested ones (cancellation beyond
#: this is reported as inconclusive rather than paid for with ever slower quadrature).
ENGINE_MAX_EXTRA = 80
#: Extra working digits tried, in order, for the elementary part until the result is accurate.
ELEMENTARY_LADDER = (10, 30, 70, 150, 300)


class UnsupportedConstruct(ValueError):
    """A construct in a claim that no validated evaluation path handles."""


# --- what may appear in a claim ------------------------------------------------------------------

#: sympy functions the mpmath fallback evaluates (arb handles most of them first). Their mpmath
#: implementations reach the working precision or raise NoConvergence, which becomes
#: PrecisionNotReached; the ladder of precisions confirms the digits.
MPMATH_FUNCTIONS = frozenset({
    "exp", "log", "sqrt", "Abs", "sign", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "coth", "asinh", "acosh", "atanh", "erf", "erfc", "erfi", "erfinv",
    "erfcinv", "gamma", "loggamma", "digamma", "polygamma", "beta", "factorial", "binomial", "zeta",
    "besselj", "bessely", "besseli", "besselk", "expint", "Ei", "Si", "Ci", "li", "LambertW", "polylog",
    "uppergamma", "lowergamma", "hyper", "airyai", "airybi", "Max", "Min", "Piecewise", "Heaviside",
    "floor", "ceiling", "ExprCondPair",
})


def audit(expr, where: str = "") -> None:
    """Raise UnsupportedConstruct for any node of `expr` that has no validated numeric path."""
    from forgetcheck.quantities.integrals import IntegralNotSupported, audit as audit_integral
    prefix = f"{where}: " if where else ""
    for node in sympy.preorder_traversal(sympy.sympify(expr)):
        if isinstance(node, sympy.Integral):
            try:
                audit_integral(node)
            except IntegralNotSupported as why:
                raise UnsupportedConstruct(f"{prefix}{why}") from None
            inside = [n for n in sympy.preorder_traversal(node.function) if isinstance(n, EngineFunction)]
            if inside:
                raise UnsupportedConstruct(
                    f"{prefix}the integrand of {_short(node)} contains the engine quantity {_short(inside[0])}; "
                    "an integrand must be elementary (write the quantity's own integrand instead)")
        elif isinstance(node, sympy.Limit):
            raise UnsupportedConstruct(
                f"{prefix}Limit {_short(node)} inside a claim is not evaluated numerically (a limit "
                "cannot be confirmed at finitely many points); state it with Claim.limit and the Limit check")
        elif isinstance(node, (sympy.Sum, sympy.Product)):
            _audit_series(node, prefix)
        elif isinstance(node, sympy.Derivative):
            raise UnsupportedConstruct(
                f"{prefix}Derivative {_short(node)} is not evaluated numerically (finite differences "
                "lose half the digits with no bound); write the derivative out, e.g. with .doit()")
        elif isinstance(node, (sympy.Function, sympy.core.function.AppliedUndef)) \
                and not isinstance(node, EngineFunction) and not _is_ball_function(node) \
                and not getattr(type(node), "is_trajectory_quantity", False):  # their dynamics check evaluates them
            name = type(node).__name__
            if name not in MPMATH_FUNCTIONS:
                raise UnsupportedConstruct(
                    f"{prefix}the function {name} (in {_short(node)}) has no validated numeric evaluation; "
                    "define it as a quantity (forgetcheck.quantity) or an EngineFunction")


def _audit_series(node, prefix):
    kind = type(node).__name__
    for limit in node.limits:
        if len(limit) != 3 or not all(b.is_Integer for b in limit[1:]):
            raise UnsupportedConstruct(
                f"{prefix}{kind} {_short(node)} has a symbolic or infinite range; only sums and products over "
                "explicit integer ranges are evaluated (a tail cannot be bounded from the expression)")
        if int(limit[2]) - int(limit[1]) > 10_000:
            raise UnsupportedConstruct(f"{prefix}{kind} {_short(node)} has more than 10,000 terms")


def _is_ball_function(node) -> bool:
    from forgetcheck.quantities.ball_evaluate import BallFunction
    return isinstance(node, BallFunction)


def _short(node) -> str:
    return sympy.sstr(node)[:100]


def check_claim(claim, statement_id: str) -> None:
    """Both sides of a claim pass `audit`; the error names the statement and the construct."""
    for side in (claim.lhs, claim.rhs):
        audit(side, f"statement {statement_id}")


# --- values --------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def compile_expression(expr: sympy.Expr, symbols: tuple):
    return sympy.lambdify(symbols, expr, modules="mpmath")


def to_mpf(value):
    if isinstance(value, Fraction):
        return exact_mpf(value)
    if isinstance(value, int):
        return mpmath.mpf(value)
    if isinstance(value, str):
        f = Fraction(value)
        return mpmath.mpf(f.numerator) / f.denominator
    return mpmath.mpf(value)


@lru_cache(maxsize=8192)
def _engine_value(cls, args_key: tuple, dps: int):
    """One engine evaluation, remembered: a statement and its mutants are checked at the same
    points (same seeds), and the side they share need not be recomputed by quadrature."""
    with mpmath.workdps(dps + GUARD_DIGITS):
        # mpf(tuple) rounds to the *active* precision: build the arguments inside the context,
        # and exactly (a dyadic argument of up to ~200 bits fits in dps + guard digits).
        args = [mpmath.mpf(a) for a in args_key]
        return cls.evaluate_at(args, dps)


@lru_cache(maxsize=8192)
def _integral_value(integral, values_key: tuple, dps: int):
    from forgetcheck.quantities.integrals import evaluate_integral
    with mpmath.workdps(dps + GUARD_DIGITS):
        values = {name: mpmath.mpf(v) for name, v in values_key}
        return evaluate_integral(integral, values, dps)


def _key(value) -> tuple:
    """An exact, hashable form of an mpf (its binary mantissa and exponent)."""
    return value._mpf_


@dataclass(frozen=True)
class Opaque:
    """A value computed by a validated routine: `value` with |error| ≤ `error`, at `digits`."""
    value: mpmath.mpf
    error: mpmath.mpf
    digits: int


def _opaque_nodes(expr) -> list:
    """Engine quantities and integrals, outermost first (an integral's parameters are plain)."""
    found = set(expr.atoms(EngineFunction)) | set(expr.atoms(sympy.Integral))
    return sorted(found, key=sympy.default_sort_key)


def _opaque_value(node, by_name: dict, digits: int) -> Opaque:
    with mpmath.workdps(digits + GUARD_DIGITS):
        if isinstance(node, sympy.Integral):
            names = sorted(str(s) for s in node.free_symbols)
            missing = [n for n in names if n not in by_name]
            if missing:
                raise ValueError(f"no value given for {', '.join(missing)} in {_short(node)}")
            key = tuple((n, _key(mpmath.mpmathify(to_mpf(by_name[n])))) for n in names)
            result = _integral_value(node, key, digits)
            value, error = result.value, result.error
        else:
            args = [mpmath.mpmathify(evaluate(arg, by_name, digits)) for arg in node.args]
            value = _engine_value(type(node), tuple(_key(a) for a in args), digits)
            error = mpmath.mpf(0)
        # the routine's contract: correct to `digits` significant digits
        error = max(error, abs(value) * mpmath.mpf(10) ** (-digits))
        value = +value  # rounded to digits + guard: the same value at two precisions is then telling
        return Opaque(value, error, digits)


@lru_cache(maxsize=4096)
def _audited(expr):
    audit(expr)
    return expr


@lru_cache(maxsize=1024)
def _explicit_series(expr):
    """Sums and products over explicit integer ranges written out term by term, so that each term
    is evaluated like the rest of the claim (lambdify would run them as Python loops over ints,
    where 1/k**2 is a 53-bit float)."""
    def written_out(node):
        (index, low, high), *others = node.limits
        terms = [node.function.xreplace({index: sympy.Integer(i)}) for i in range(int(low), int(high) + 1)]
        body = sympy.Add(*terms) if isinstance(node, sympy.Sum) else sympy.Mul(*terms)
        return type(node)(body, *others) if others else body
    series = [n for n in sympy.preorder_traversal(expr) if isinstance(n, (sympy.Sum, sympy.Product))]
    while series:
        expr = expr.xreplace({series[0]: written_out(series[0])})
        series = [n for n in sympy.preorder_traversal(expr) if isinstance(n, (sympy.Sum, sympy.Product))]
    return expr


def evaluate(expr, values: dict, dps: int):
    """expr at {symbol_or_name: exact value}, correct to dps digits (or PrecisionNotReached)."""
    expr = _explicit_series(_audited(sympy.sympify(expr)))
    by_name = {str(k): v for k, v in values.items()}
    nodes = _opaque_nodes(expr)
    placeholders = {f: sympy.Dummy(f"opaque{k}") for k, f in enumerate(nodes)}
    elementary = expr.xreplace(placeholders)
    for s in elementary.free_symbols:
        if s not in placeholders.values() and str(s) not in by_name:
            raise ValueError(f"no value given for {s} in {expr}")
    digits = {f: dps + ENGINE_EXTRA for f in nodes}
    previous = {}
    while True:
        opaque = {}
        for f in nodes:
            value = _opaque_value(f, by_name, digits[f])
            earlier = previous.get(f)
            if earlier is not None and earlier.digits < value.digits and earlier.value._mpf_ == value.value._mpf_:
                # Bit-identical at two precisions: an exactly representable value (Φ(0) = 1/2, a
                # quadrature of an odd function that is exactly 0), not a rounded one, which would
                # have gained bits. It enters exactly, so 2Φ(0) − 1 is 0 rather than 0 ± 10^{−35}.
                value = Opaque(value.value, mpmath.mpf(0), value.digits)
            opaque[placeholders[f]] = previous[f] = value
        try:
            return _combine_in_balls(elementary, by_name, opaque, dps)
        except _NeedMoreDigits as need:
            lost, relative = need.digits, need.relative
        except _NotInBalls:
            return _combine_by_mpmath(elementary, by_name, opaque, dps)
        if not nodes or max(digits.values()) >= dps + ENGINE_MAX_EXTRA:
            raise PrecisionNotReached(f"{_short(expr)} (cancellation between engine values)", dps, relative)
        for f in nodes:
            digits[f] = min(digits[f] + lost + 5, dps + ENGINE_MAX_EXTRA)


class _NeedMoreDigits(Exception):
    def __init__(self, digits: int, relative):
        self.digits, self.relative = digits, relative


class _NotInBalls(Exception):
    pass


def _ball(value) -> object:
    from forgetcheck.numerics.enclosures import to_ball
    from forgetcheck.quantities.integrals import mpf_to_arb
    if isinstance(value, mpmath.mpf):
        return mpf_to_arb(value)  # with its sign (to_ball's mpf branch drops it)
    return to_ball(value if not isinstance(value, float) else Fraction(value))


def _combine_in_balls(elementary, by_name, opaque: dict, dps: int):
    """The elementary part in arb, opaque values as balls of their error. Returns an mpf correct to
    dps digits; raises _NeedMoreDigits when the opaque values' errors dominate, _NotInBalls when
    some node has no ball implementation, PrecisionNotReached when the working precision runs out."""
    from flint import arb, ctx

    from forgetcheck.quantities.ball_evaluate import NotCertifiable, walker
    target = mpmath.mpf(10) ** (-(dps + 1))
    # the working precision holds every digit of the opaque values (their cancellation is the point)
    floor = max((o.digits + GUARD_DIGITS for o in opaque.values()), default=0)
    for extra in ELEMENTARY_LADDER:
        prec = int(max(dps + extra, floor) * 3.33) + 16
        with ctx.workprec(prec):
            env = {}
            for symbol in elementary.free_symbols:  # the walker looks symbols up by .name, which
                if symbol not in opaque:          # for a Dummy differs from str() ("_x" vs "x")
                    env[symbol.name] = _ball(by_name[str(symbol)])
            for symbol, o in opaque.items():
                error = _ball(o.error)
                env[symbol.name] = _ball(o.value) + error.union(-error)
            exact = dict(env, **{s.name: _ball(o.value) for s, o in opaque.items()})
            try:
                result = walker(env)(elementary)
            except NotCertifiable:
                raise _NotInBalls() from None
            except (ValueError, ZeroDivisionError):
                raise _NotInBalls() from None
            if not isinstance(result, arb):
                result = _ball(result)
            if not result.is_finite() and extra == ELEMENTARY_LADDER[0]:
                # a pole, a log or a real power of a ball reaching 0 or below (e.g. (−2)^k with k
                # an integer symbol): no enclosure here, so mpmath's ladder of precisions decides
                raise _NotInBalls()
            if result.is_exact():
                return _to_mpf(result.mid(), dps)
            if result.is_finite() and result.rad() <= abs(result.mid()) * _ball(target):
                return _to_mpf(result.mid(), dps)
            if extra == ELEMENTARY_LADDER[0] and result.contains(0) and _exactly_zero(elementary, by_name, opaque):
                return mpmath.mpf(0)
            if opaque:
                # Which error dominates, the opaque values' or the working precision's? With the
                # opaque values taken as exact, the working precision alone shows.
                point = walker(exact)(elementary)
                point = point if isinstance(point, arb) else _ball(point)
                if point.is_exact() or (point.is_finite()
                                        and point.rad() <= abs(point.mid()) * _ball(target) / 4):
                    raise _NeedMoreDigits(_digits_short(result, target), _relative(result))
    raise PrecisionNotReached(f"elementary part of {_short(elementary)}", dps, _relative(result))


def _exactly_zero(elementary, by_name, opaque) -> bool:
    """Whether the expression is the literal 0 at the exact point: sympy's arithmetic on the exact
    parameter values (Rationals) and exact opaque values, no simplification heuristics. A ball
    around 0 cannot tell 0 from 10^{−100}; α|sqrt(c(α)) − sqrt(1 − α*)/sqrt(α*)| at α = α* is
    exactly 0, and sympy's canonical form of sqrt of a Rational shows it."""
    if any(o.error for o in opaque.values()):
        return False  # an opaque value known only to its digits: no exact point to evaluate at
    exact = {}
    for symbol in elementary.free_symbols:
        if symbol in opaque:
            value = opaque[symbol].value
        else:
            value = by_name.get(str(symbol))
        if isinstance(value, mpmath.mpf):
            sign, man, exp, _ = value._mpf_  # with its sign (man_exp drops it)
            exact[symbol] = (-1) ** sign * sympy.Integer(int(man)) * sympy.Integer(2) ** int(exp)
        elif isinstance(value, (int, Fraction, str)):
            fraction = Fraction(value) if not isinstance(value, Fraction) else value
            exact[symbol] = sympy.Rational(fraction.numerator, fraction.denominator)
        else:
            return False
    return elementary.xreplace(exact) == 0  # structural: the literal zero, never .equals()


def _digits_short(ball, target) -> int:
    """How many more digits the inputs need for `ball` to reach the relative `target`."""
    relative = _relative(ball)
    if not mpmath.isfinite(relative) or relative <= 0:
        return 20
    return max(1, int(mpmath.ceil(mpmath.log10(relative / target))))


def _relative(ball):
    """The relative radius of a ball, as an mpf (inf for a non-finite ball or one centred on 0)."""
    if not ball.is_finite():
        return mpmath.inf
    with mpmath.workdps(30):
        mid, rad = _to_mpf(ball.mid(), 20), _to_mpf(ball.rad(), 20)
        return rad / abs(mid) if mid else mpmath.inf


def _to_mpf(mid, dps: int):
    """The exact midpoint of a ball as an mpf (rounded to dps + guard digits)."""
    from flint import arb
    man, exp = arb(mid).man_exp()
    with mpmath.workdps(dps + GUARD_DIGITS):
        return mpmath.mpf(int(man)) * mpmath.mpf(2) ** int(exp)


def _combine_by_mpmath(elementary, by_name, opaque: dict, dps: int):
    """The elementary part by lambdify/mpmath at rising precisions; each opaque value's error is
    propagated by evaluating once more with that value moved by its error (first order)."""
    symbols = tuple(sorted(elementary.free_symbols, key=str))
    fn = compile_expression(elementary, symbols)

    def at(extra, shift=None):
        with mpmath.workdps(dps + extra):
            args = []
            for s in symbols:
                if s in opaque:
                    o = opaque[s]
                    args.append(o.value + (o.error if s == shift else 0))
                else:
                    args.append(to_mpf(by_name[str(s)]))
            try:
                value = fn(*args)
            except (mpmath.libmp.NoConvergence, ZeroDivisionError) as why:
                raise PrecisionNotReached(f"{_short(elementary)} ({type(why).__name__}: {why})", dps,
                                          mpmath.inf) from None
            if isinstance(value, (int, Fraction)):
                value = to_mpf(value)
            return mpmath.mpmathify(value)

    previous = gap = value = None
    for extra in ELEMENTARY_LADDER:
        value = at(extra)
        if previous is not None:
            with mpmath.workdps(dps + extra):
                gap = abs(value - previous)
                if isinstance(value, mpmath.mpc):
                    break
                propagated = sum((abs(at(extra, s) - value) for s in opaque), mpmath.mpf(0))
                tolerance = abs(value) * mpmath.mpf(10) ** (-(dps + 2))
                if value != 0 and gap + propagated <= tolerance:
                    return value
                if value == 0 and gap == 0 and _exactly_zero(elementary, by_name, opaque):
                    return value  # the literal 0 at the exact point, not a cancellation
                if opaque and propagated > tolerance and gap <= tolerance:
                    break  # the opaque values' digits, not the working precision, are short
        previous = value
    raise PrecisionNotReached(f"{_short(elementary)} (evaluated by mpmath)", dps,
                              gap / abs(value) if gap is not None and value else mpmath.inf)


@dataclass(frozen=True)
class SideValues:
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    slack: mpmath.mpf    # relative: ≥ 0 means the claim holds here
    dps: int


def relative_slack(kind_is_identity: bool, lhs, rhs):
    """(rhs − lhs)/scale for an inequality; −|lhs − rhs|/scale for an identity."""
    scale = max(abs(lhs), abs(rhs))
    if scale == 0:
        return mpmath.mpf(0)
    diff = rhs - lhs
    return -abs(diff) / scale if kind_is_identity else diff / scale


def sides(claim, values: dict, dps: int) -> SideValues:
    """Both sides of `claim` and its relative slack at `values`. Raises PrecisionNotReached."""
    from forgetcheck.statements.claims import ClaimKind
    lhs = evaluate(claim.lhs, values, dps)
    rhs = evaluate(claim.rhs, values, dps)
    for side, v in (("lhs", lhs), ("rhs", rhs)):
        if isinstance(v, mpmath.mpc) or not mpmath.isfinite(v):
            raise PrecisionNotReached(f"claim {side} evaluated to {v}", dps, mpmath.inf)
    with mpmath.workdps(dps + GUARD_DIGITS):
        slack = relative_slack(claim.kind is ClaimKind.IDENTITY, lhs, rhs)
    return SideValues(lhs, rhs, slack, dps)


def violation_threshold(dps: int):
    """A relative slack below −10^{−(dps−3)} is a violation; above it, rounding could explain it.
    Each side is correct to `dps` digits, so 3 digits of margin cover both sides."""
    return -mpmath.mpf(10) ** (-(dps - 3))
