"""Validated numerical evaluation of a sympy Integral written in a claim.

lambdify turns `Integral(f, (x, -oo, oo))` into a blind `mpmath.quad(f, (-inf, inf))`: tanh-sinh on
the whole line samples a peak of width 1e-2 sitting at x = 12 a handful of times and returns a value
hundreds of orders of magnitude off, without a warning (issue 13: 1.4e-122 for 5.9e-120). Here the
integral is evaluated the way the engine evaluates its own quantities:

1. *Where is the mass.* The maxima of the log-integrand g = log|f| are located numerically (damped
   Newton ascent on g' with g'' from sympy's derivatives of the force-expanded log, started from 0,
   the finite limits, the parameters' values, the centres of Gaussian factors and the kinks); the
   width of each peak is 1/sqrt(−g''), its curvature. A Newton step that passes over a nearer peak
   is rejected. Kinks are the zeros of the arguments of Abs, sign, Heaviside, Max/Min differences
   and Piecewise conditions, found as polynomial roots or by bracketing. Transitions are where two
   terms of a sum trade places (a φ_o = (1 − a) φ_n in a mixture's denominator): log f turns from
   one slope to another within 1/|slope difference| there, a shoulder that need not be a peak.
2. *Split there.* Break points at every kink, around every transition, and at each peak ±
   width·3^k until the integrand has fallen below 10^{−(dps+GUARD)} of the peak (the tail pieces
   then run to the limits), so that every piece is smooth on its own scale.
3. *Confirm at a second precision.* The pieces are integrated at dps + 10 and dps + 18 digits with
   the integrand's scale divided out (mpmath stops on an absolute error); the value is accepted only
   when the two passes agree to the requested digits; if they do not, once more with every piece
   halved and a higher degree; else PrecisionNotReached (the point is inconclusive). The integrand
   is evaluated in arb (python-flint), compiled once from the sympy expression (its nodes free of
   x once a point and precision), at 30 bits above the pass's precision: ~1 µs per operation
   instead of mpmath's ~20-70 µs; nodes where the ball is too wide (far tails) fall back to
   mpmath. The working rule uses the ball's midpoint as an mpf; the panels' confirming rule sums
   the balls themselves and adds the sum's radius to the panel's gap.

Fast path: a smooth integrand over the whole line with one peak (no kinks) is summed by the
trapezoid rule in the peak's own coordinate x = m + w·t, which converges exponentially for an
integrand analytic in a strip (for a Gaussian the error at step h is ~e^{−2π²/h²}). The sum at step
h (at dps + 10 digits) is confirmed by the sum at h/2 (at dps + 18 digits: a second step and a
second precision), whose error is about the fourth power of the first's; if they disagree the step
is halved twice more, then the split tanh-sinh path above decides. A unimodal Gaussian-like
integrand costs ~200 evaluations instead of ~4,000.

A single Integral over one variable on the real line, a half-line or a finite interval (limits may
depend on the parameters) is supported. Several variables, nested integrals and indefinite integrals
are refused with IntegralNotSupported, naming the construct.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy

from forgetcheck.numerics.errors import PrecisionNotReached
from forgetcheck.numerics.quadrature import NONFINITE_RAW, PanelsNotConfirmed, panel_quadrature

#: Working digits above the requested ones, and the extra digits of the confirming pass (the pass
#: exists to catch under-resolution: another precision gives tanh-sinh other nodes and stopping point).
GUARD_DIGITS = 10
CONFIRM_EXTRA_DIGITS = 8
#: Digits at which peaks and kinks are located (positions need not be exact: any split is valid).
LOCATE_DPS = 20
#: Peak refinement: break points at peak ± width·PEAK_RATIO^k, k = 0, 1, ...
PEAK_RATIO = 3
MAX_PEAK_LEVELS = 12
#: Refinement around a transition between two terms of a sum: width·3^k, k < TRANSITION_LEVELS.
TRANSITION_LEVELS = 6
NEWTON_STEPS = 60


class IntegralNotSupported(ValueError):
    """The integral has a form this evaluator does not handle (the message names it)."""


def describe(node) -> str:
    return sympy.sstr(node)[:120]


def audit(integral: sympy.Integral) -> None:
    """Raise IntegralNotSupported unless `integral` is one definite integral over one variable with
    an integrand free of other integrals, sums, limits and derivatives."""
    if len(integral.limits) != 1:
        raise IntegralNotSupported(
            f"the integral {describe(integral)} runs over {len(integral.limits)} variables (sympy writes a "
            "nested Integral this way too); multiple and iterated integrals are not evaluated: reduce it to "
            "one variable first (integrate the inner variable symbolically, or change variables)")
    limit = integral.limits[0]
    if len(limit) != 3:
        raise IntegralNotSupported(f"the integral {describe(integral)} is indefinite; give both limits, "
                                   "e.g. Integral(f, (x, -oo, oo))")
    variable, lower, upper = limit
    nested = [n for n in sympy.preorder_traversal(integral.function)
              if isinstance(n, (sympy.Integral, sympy.Sum, sympy.Product, sympy.Limit, sympy.Derivative))]
    if nested:
        raise IntegralNotSupported(
            f"the integral {describe(integral)} contains {type(nested[0]).__name__} {describe(nested[0])}; "
            "nested integrals, sums, limits and derivatives inside an integrand are not evaluated")
    for bound in (lower, upper):
        if bound.has(variable):
            raise IntegralNotSupported(f"the limit {bound} of {describe(integral)} depends on the variable")
        if bound.has(sympy.zoo, sympy.nan) or (bound.is_infinite and bound not in (sympy.oo, -sympy.oo)):
            raise IntegralNotSupported(f"the limit {bound} of {describe(integral)} is not a real number or ±oo")


# --- the compiled integral ----------------------------------------------------------------------

def _kink_arguments(expr, x) -> list:
    """Expressions whose zeros are points where expr (or a derivative) is not smooth in x."""
    out = []
    for node in sympy.preorder_traversal(expr):
        if not node.has(x):
            continue
        if isinstance(node, (sympy.Abs, sympy.sign, sympy.Heaviside)):
            out.append(node.args[0])
        elif isinstance(node, (sympy.Max, sympy.Min)):
            args = list(node.args)
            out.extend(a - b for i, a in enumerate(args) for b in args[i + 1:])
        elif isinstance(node, sympy.Piecewise):
            for _, condition in node.args:
                for relation in sympy.preorder_traversal(condition):
                    if isinstance(relation, sympy.core.relational.Relational):
                        out.append(relation.lhs - relation.rhs)
        elif isinstance(node, (sympy.floor, sympy.ceiling)):
            raise IntegralNotSupported(f"{type(node).__name__} in an integrand (a staircase) is not supported")
    return [k for k in out if k.has(x)]


@dataclass(frozen=True)
class CompiledIntegral:
    variable: sympy.Symbol
    parameters: tuple           # the free symbols, sorted by name
    integrand: object           # (x, *params) -> mpf
    factor: object              # (*params) -> mpf, the x-free factor of the integrand
    shape: object               # (x, *params) -> mpf, the integrand over its x-free factor
    log_slope: object           # g'(x) = d/dx log|f|
    log_curvature: object       # g''(x)
    kinks: tuple                # ((sympy expr, callable), ...)
    lower: sympy.Expr
    upper: sympy.Expr
    arb_integrand: object = None  # [x, *params] as arb balls -> arb ball, when arb can evaluate it
    arb_shape: object = None      # the same for `shape`
    arb_slope: object = None      # and for log_slope, log_curvature (used by the peak search)
    arb_curvature: object = None
    centres: tuple = ()           # (*params) -> mpf: where an exponent's polynomial is stationary
    centre_polynomials: tuple = ()  # exponents' derivatives of degree ≥ 2 in x (roots per point)
    balances: tuple = ()          # ((log t_i − log t_j, its x-derivative as a callable), ...)


def _lambdify(args, expr):
    return sympy.lambdify(args, expr, modules="mpmath")


@lru_cache(maxsize=1024)
def _lambdified(args: tuple, expr):
    """_lambdify, remembered: the per-point searches (a balance's roots, a limit's value) printed
    and compiled the same expression at every point (~6 ms each, a quarter of G2's peak search)."""
    return _lambdify(args, expr)


@lru_cache(maxsize=256)
def compile_integral(integral: sympy.Integral) -> CompiledIntegral:
    audit(integral)
    (x, lower, upper), = integral.limits
    f = integral.function
    parameters = tuple(sorted(integral.free_symbols, key=str))
    # A real dummy: the derivative of the force-expanded log is d/dx log|f| wherever f ≠ 0, and the
    # expansion turns sqrt(exp(u)·exp(v)) into (u + v)/2, which never underflows.
    t = sympy.Dummy("t", real=True)
    ft = f.xreplace({x: t})
    log_f = sympy.expand_log(sympy.log(ft), force=True)
    # away from the kinks (where the pieces are split anyway) the derivative of a step is 0
    slope = sympy.diff(log_f, t).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    curvature = sympy.diff(slope, t).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    args = (t, *parameters)
    kinks = tuple((k, _lambdify(args, k)) for k in _kink_arguments(ft, t))
    # The x-free factor (normalizing constants) is computed once per pass, not at every node, and
    # the exponentials of the rest are merged (one exp per node instead of one per factor).
    factor, shape = ft.as_independent(t, as_Add=False)
    shape = sympy.powsimp(shape, combine="exp")
    try:
        arb_integrand, arb_shape = _arb_closure(ft, args), _arb_closure(shape, args)
    except NotCompilable:
        arb_integrand = arb_shape = None
    arb_slope = arb_curvature = None
    if arb_integrand is not None:
        try:
            arb_slope, arb_curvature = _arb_closure(slope, args), _arb_closure(curvature, args)
        except NotCompilable:
            pass
    centres, polynomials = _exponent_centres(ft, t)
    balances = tuple((b, _lambdify(args, sympy.diff(b, t))) for b in _term_balances(ft, t))
    return CompiledIntegral(t, parameters, _lambdify(args, ft), _lambdify(parameters, factor),
                            _lambdify(args, shape), _lambdify(args, slope), _lambdify(args, curvature),
                            kinks, lower, upper, arb_integrand, arb_shape, arb_slope, arb_curvature,
                            tuple(_lambdify(parameters, c) for c in centres), polynomials, balances)


def _fast_probe(c: CompiledIntegral, params) -> CompiledIntegral:
    """c with its integrand, log-slope and log-curvature evaluated through arb at the active
    precision (the peak search's), each falling back to mpmath where arb has no form or no digits."""
    import dataclasses
    changes = {}
    for name, closure in (("integrand", c.arb_integrand), ("log_slope", c.arb_slope),
                          ("log_curvature", c.arb_curvature)):
        if closure is not None:
            slow = getattr(c, name)
            fast = _arb_caller(closure, lambda x, slow=slow: slow(x, *params), params, mpmath.mp.prec)
            changes[name] = lambda x, *_, fast=fast: fast(x)
    return dataclasses.replace(c, **changes) if changes else c


#: At most this many term pairs are balanced (a sum of many exponentials would give quadratically many).
MAX_BALANCES = 24


def _term_balances(expr, t) -> tuple:
    """log|t_i| − log|t_j| for the pairs of terms of every sum in expr that depends on t: where two
    terms of a denominator a φ_o + (1 − a) φ_n trade places, the integrand turns from one Gaussian
    tail to another within a width 1/|slope of the balance| — a smoothed kink of log f that is not
    a peak (the integrand can rise straight through it) and that the peak search cannot see."""
    out = []
    for node in sympy.preorder_traversal(expr):
        if not node.is_Add or not node.has(t):
            continue
        terms = node.args
        for i, first in enumerate(terms):
            for second in terms[i + 1:]:
                if not (first.has(t) or second.has(t)):
                    continue
                balance = sympy.expand(sympy.expand_log(sympy.log(first) - sympy.log(second), force=True))
                if balance.has(t) and not balance.has(sympy.I):
                    out.append(balance)
    return tuple(dict.fromkeys(out))[:MAX_BALANCES]


def _exponent_centres(expr, t) -> tuple:
    """Where each exponent that is a polynomial in t is stationary: the centre of a Gaussian factor
    exp(−(t − m)²/(2s²)) is m. These are where a peak can sit even when no parameter's value is
    near it (a bump at a constant 50): the peak search starts there too. Linear derivatives give a
    closed-form centre; higher ones are solved per point."""
    centres, polynomials = [], []
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, sympy.exp) or not node.args[0].has(t):
            continue
        argument = sympy.expand(node.args[0])
        if not argument.is_polynomial(t):
            continue
        derivative = sympy.diff(argument, t)
        degree = sympy.degree(derivative, t)
        if degree == 1:
            a1, a0 = derivative.coeff(t, 1), derivative.coeff(t, 0)
            centres.append(sympy.simplify(-a0 / a1))
        elif degree >= 2:
            polynomials.append(derivative)
    return tuple(dict.fromkeys(centres)), tuple(dict.fromkeys(polynomials))


# --- where the mass is --------------------------------------------------------------------------

@dataclass(frozen=True)
class Peak:
    location: mpmath.mpf
    width: mpmath.mpf
    log_height: mpmath.mpf


def _safe(fn, *args):
    try:
        value = fn(*args)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
        return None  # not defined here (a pole, a kink, a node lambdify cannot print): no information
    value = mpmath.mpmathify(value)
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            return None
        value = value.real
    return value if mpmath.isfinite(value) else None


def _log_abs(fn, x, params):
    value = _safe(fn, x, *params)
    if value is None or value == 0:
        return None
    return mpmath.log(abs(value))


def _ascend(c: CompiledIntegral, params, start, low, high):
    """A local maximum of g = log|f| from `start`, by damped Newton steps on g' (an ascent step
    along g' where g is not concave), kept inside [low, high]. None if none is found."""
    x = mpmath.mpf(start)
    g = _log_abs(c.integrand, x, params)
    if g is None:
        return None
    step_cap = max(abs(x), 1)
    for _ in range(NEWTON_STEPS):
        slope = _safe(c.log_slope, x, *params)
        curvature = _safe(c.log_curvature, x, *params)
        if slope is None or curvature is None:
            return None
        if curvature < 0:
            step = -slope / curvature
            if slope == 0 or abs(step) <= mpmath.mpf(10) ** (-12) / mpmath.sqrt(-curvature):
                return Peak(x, 1 / mpmath.sqrt(-curvature), g)
        else:
            if slope == 0:
                return None  # a minimum or a flat stretch: no peak here
            step = mpmath.sign(slope) * step_cap
        step = max(min(step, step_cap), -step_cap)
        for _ in range(60):  # backtrack until g increases and we stay in the interval
            candidate = x + step
            if low <= candidate <= high:
                g_new = _log_abs(c.integrand, candidate, params)
                # a step within a few widths of a concave stretch cannot pass over another peak
                local = curvature < 0 and abs(step) * mpmath.sqrt(-curvature) <= 2
                if g_new is not None and g_new >= g and (local or not _passes_a_peak(c, params, x, step, g_new)):
                    break
            step /= 2
        else:
            return None
        if step == 0:
            return None
        step_cap = max(abs(step) * 4, mpmath.mpf(10) ** -30)
        x, g = candidate, g_new
    return None


def _passes_a_peak(c, params, x, step, g_end) -> bool:
    """Whether the integrand rises above its value at the end of the step somewhere along it: a
    full Newton step from a far tail can jump over a nearer peak onto the slope of a higher one,
    and the nearer peak would be missed."""
    for fraction in (mpmath.mpf(1) / 4, mpmath.mpf(1) / 2, mpmath.mpf(3) / 4):
        g_mid = _log_abs(c.integrand, x + fraction * step, params)
        if g_mid is not None and g_mid > g_end:
            return True
    return False


def _polynomial_roots(expr, t, param_values) -> list | None:
    exact = expr.xreplace(param_values)
    try:
        poly = sympy.Poly(exact, t)
    except sympy.PolynomialError:
        return None
    if not all(coefficient.is_Rational for coefficient in poly.all_coeffs()):
        return None
    if poly.degree() < 1:
        return []
    return [mpmath.mpf(sympy.Rational(r).p) / sympy.Rational(r).q if r.is_Rational
            else mpmath.mpf(sympy.N(r, LOCATE_DPS)) for r in sympy.real_roots(poly)]


def _bracketed_roots(fn, params, points) -> list:
    """Zeros of fn between consecutive points where it changes sign (bisection to LOCATE_DPS)."""
    values = [(p, _safe(fn, p, *params)) for p in points]
    roots = []
    for (a, fa), (b, fb) in zip(values, values[1:]):
        if fa is None or fb is None:
            continue
        if fa == 0:
            roots.append(a)
        elif fa * fb < 0:
            try:
                roots.append(mpmath.findroot(lambda s: fn(s, *params), (a, b), solver="anderson"))
            except (ValueError, ZeroDivisionError):
                roots.append((a + b) / 2)
    return roots


@dataclass(frozen=True)
class Landscape:
    """Where the integrand's mass is: the starting points of the search, kinks, peaks, and the
    transitions where two terms of a sum trade places (location, width)."""
    starts: tuple
    kinks: tuple
    peaks: tuple
    transitions: tuple = ()


def locate(c: CompiledIntegral, params: tuple, low, high) -> Landscape:
    """Kinks inside (low, high), then the maxima of log|f| reached from 0, ±each parameter value,
    the finite limits and the kinks (call at LOCATE_DPS: positions need not be exact)."""
    param_values = {s: _exact_rational(p) for s, p in zip(c.parameters, params)}
    starts = {mpmath.mpf(0)}
    starts.update(mpmath.mpf(p) for p in params)
    starts.update(-mpmath.mpf(p) for p in params)
    for centre in c.centres:
        value = _safe(centre, *params)
        if value is not None:
            starts.add(value)
    for polynomial in c.centre_polynomials:
        starts.update(_polynomial_roots(polynomial, c.variable, param_values) or ())
    for bound in (low, high):
        if mpmath.isfinite(bound):
            starts.add(bound)
    starts = {s for s in starts if low <= s <= high}
    if not starts:
        starts = {low if mpmath.isfinite(low) else high}
    kinks = []
    for expr, fn in c.kinks:
        roots = _polynomial_roots(expr, c.variable, param_values)
        if roots is None:
            scan = sorted(starts | {s + d for s in starts for d in (-100, -10, -1, 1, 10, 100)})
            roots = _bracketed_roots(fn, params, scan)
        kinks.extend(r for r in roots if low < r < high)
    transitions = []
    for expr, slope in c.balances:
        roots = _polynomial_roots(expr, c.variable, param_values)
        if roots is None:
            scan = sorted(starts | {s + d for s in starts for d in (-100, -10, -1, 1, 10, 100)})
            roots = _bracketed_roots(_lambdified((c.variable, *c.parameters), expr), params, scan)
        for r in roots:
            steepness = _safe(slope, r, *params)
            if low < r < high and steepness:
                transitions.append(Peak(r, 1 / abs(steepness), mpmath.mpf(0)))
    starts.update(kinks)
    starts.update(q.location for q in transitions)
    peaks = []
    probe = _fast_probe(c, params)
    for s in sorted(starts):
        peak = _ascend(probe, params, s, low, high)
        if peak is not None and not any(abs(peak.location - q.location) < q.width / 4 for q in peaks):
            peaks.append(peak)
    return Landscape(tuple(sorted(starts)), tuple(sorted(set(kinks))), tuple(peaks), tuple(transitions))


def break_points(c: CompiledIntegral, params: tuple, low, high, landscape: Landscape, dps: int) -> list:
    """Sorted split points strictly inside (low, high): kinks, peaks and the peaks' refinement
    (at width·3^k on both sides until the integrand is negligible against the highest peak)."""
    points = set(landscape.kinks)
    for transition in landscape.transitions:  # the shoulder, and its scale on both sides
        points.add(transition.location)
        for level in range(TRANSITION_LEVELS):
            for direction in (-1, 1):
                here = transition.location + direction * transition.width * PEAK_RATIO ** level
                if low < here < high:
                    points.add(here)
    if landscape.peaks:
        top = max(q.log_height for q in landscape.peaks)
        negligible = top - (dps + GUARD_DIGITS + CONFIRM_EXTRA_DIGITS + 5) * mpmath.log(10)
        for peak in landscape.peaks:
            points.add(peak.location)
            for direction in (-1, 1):
                offset = peak.width
                for _ in range(MAX_PEAK_LEVELS):
                    here = peak.location + direction * offset
                    if not low < here < high:
                        break
                    points.add(here)
                    g = _log_abs(c.integrand, here, params)
                    if g is None or g < negligible:
                        break
                    offset *= PEAK_RATIO
    return sorted(p for p in points if low < p < high)


def _exact_rational(value) -> sympy.Rational:
    man, exp = mpmath.mpf(value).man_exp
    return sympy.Integer(man) * sympy.Integer(2) ** exp


# --- the integrand in arb -----------------------------------------------------------------------

class NotCompilable(Exception):
    """The integrand has a node without an arb implementation: mpmath evaluates it instead."""


def _arb_closure(expr, symbols: tuple):
    """expr as a function of arb arguments (in the order of `symbols`), built once: evaluating a
    node costs one arb operation (C, ~1 µs at 130 bits) instead of mpmath's ~20-70 µs, which is
    what makes a split quadrature with thousands of nodes affordable.

    The expression is compiled to straight-line Python source, one assignment per distinct node
    (t3 = t1 * t2, ...), in the order of the operands as sympy holds them: the same arb operations
    in the same order as walking the tree, without a Python call per node (walking the tree by
    nested closures cost ~30 µs an evaluation of G2's integrand, three quarters of it in the walk).
    Every number enters exactly: an integer as arb(p), a rational as arb(fmpq(p, q)) rounded at
    the evaluation's precision, π and e by arb at that precision."""
    from flint import arb, fmpq

    variable = symbols[0]
    invariant, variant, names = [], [], {}
    namespace = {"arb": arb, "fmpq": fmpq, "_extremum": _arb_extremum}
    into = [invariant]  # where the node being built goes: its own line list by whether it has x

    def emit(code, free: bool = False) -> str:
        name = f"t{len(invariant) + len(variant)}"
        (invariant if free else into[-1]).append((name, code))
        return name

    def build(e) -> str:
        if e in names:  # a subexpression sympy shares: computed once
            return names[e]
        into.append(variant if e.has(variable) else invariant)
        try:
            names[e] = name = _arb_node(e, build, emit, symbols)
        finally:
            into.pop()
        return name

    result = build(expr)
    kept = ", ".join(name for name, _ in invariant)
    source = ("def prepare(args):\n" + "".join(f"    {n} = {c}\n" for n, c in invariant)
              + f"    return ({kept}{',' if invariant else ''})\n"
              + "def evaluate(x, kept):\n" + (f"    {kept}{',' if invariant else ''} = kept\n" if invariant else "")
              + "".join(f"    {n} = {c}\n" for n, c in variant) + f"    return {result}\n")
    exec(compile(source, "<arb integrand>", "exec"), namespace)  # noqa: S102 (source built from the tree above)
    return ArbClosure(namespace["prepare"], namespace["evaluate"])


@dataclass(frozen=True)
class ArbClosure:
    """A compiled integrand in two parts: `prepare(args)` computes every node free of the variable
    (constants, the parameters' powers and products) once per parameter point and precision, and
    `evaluate(x, prepared)` the rest at a node. The same arb operations on the same operands at the
    same precision as evaluating the whole tree at every node, hence the same bits; the nodes free
    of x were half of G2's integrand's operations."""
    prepare: object
    evaluate: object

    def __call__(self, args):
        return self.evaluate(args[0], self.prepare(args))


def _arb_extremum(pick: str, values: list):
    best = values[0]
    for v in values[1:]:
        best = getattr(best, pick)(v)
    return best


_ARB_METHOD = {"exp": "exp", "log": "log", "erf": "erf", "erfc": "erfc", "sin": "sin", "cos": "cos", "tan": "tan",
               "atan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "gamma": "gamma",
               "loggamma": "lgamma"}


def _arb_node(e, build, emit, symbols) -> str:
    """The source line(s) of one node of _arb_closure; returns the name holding its value."""
    if e.is_Symbol:
        if e not in symbols:
            raise NotCompilable(f"symbol {e}")
        index = symbols.index(e)
        return emit(f"args[{index}]" if index else "x")
    if e.is_Rational:
        p, q = int(e.p), int(e.q)
        return emit(f"arb({p})" if q == 1 else f"arb(fmpq({p}, {q}))")
    if e is sympy.pi:
        return emit("arb.pi()")
    if e is sympy.E:
        return emit("arb(1).exp()")
    if e.is_Add or e.is_Mul:
        parts = [build(a) for a in e.args]
        operator = " + " if e.is_Add else " * "
        total = parts[0]
        # left to right, one rounding per operation, as sympy orders them; a leading run of
        # operands free of the variable is combined once per point (ArbClosure)
        free = not e.args[0].has(symbols[0])
        for argument, part in zip(e.args[1:], parts[1:]):
            free = free and not argument.has(symbols[0])
            total = emit(f"{total}{operator}{part}", free)
        return total
    if e.is_Pow:
        base = build(e.base)
        if e.exp.is_Integer:
            n = int(e.exp)
            return emit(f"{base} ** {n}" if n >= 0 else f"1 / {base} ** {-n}")
        if e.exp == sympy.Rational(1, 2):
            return emit(f"{base}.sqrt()")
        if e.exp == -sympy.Rational(1, 2):
            return emit(f"{base}.rsqrt()")
        power = build(e.exp)
        return emit(f"({power} * {base}.log()).exp()")
    name = type(e).__name__
    if name == "Abs" and len(e.args) == 1:
        return emit(f"abs({build(e.args[0])})")
    if name in _ARB_METHOD and len(e.args) == 1:
        return emit(f"{build(e.args[0])}.{_ARB_METHOD[name]}()")
    if name in ("Max", "Min") and e.args:
        parts = [build(a) for a in e.args]
        return emit(f"_extremum({'max' if name == 'Max' else 'min'!r}, [{', '.join(parts)}])")
    raise NotCompilable(name)


def mpf_to_arb(value):
    """An mpf as an exact arb ball (backends.arb_from_mpf: its own mantissa and exponent, whatever the
    working precisions); anything else is made an mpf first. Not finite: ValueError."""
    from forgetcheck.numerics.backends import arb_from_mpf
    value = value if isinstance(value, mpmath.mpf) else mpmath.mpf(value)
    if value._mpf_ in NONFINITE_RAW:
        raise ValueError(f"{value} is not a finite number")
    return arb_from_mpf(value)


def _arb_shape(c: CompiledIntegral, params, target_bits: int):
    """The integrand over its x-free factor, through arb (as _arb_integrand), or None."""
    if c.arb_shape is None:
        return None
    return _arb_caller(c.arb_shape, lambda x: c.shape(x, *params), params, target_bits)


def _arb_integrand(c: CompiledIntegral, params, target_bits: int):
    """x (mpf) -> f(x) (mpf) through the arb closure, or None when the integrand has no arb form.
    The ball must carry `target_bits` correct bits (the precision the quadrature works at): where
    it does not (large exponents, cancellation), the node is recomputed at twice the precision,
    then by mpmath."""
    if c.arb_integrand is None:
        return None
    return _arb_caller(c.arb_integrand, lambda x: c.integrand(x, *params), params, target_bits)


def _arb_caller(closure, by_mpmath, params, target_bits: int):
    from flint import ctx
    precisions = (target_bits + 30, 2 * target_bits + 60)
    prepared = {}
    for prec in precisions:  # the nodes free of x, once per precision (ArbClosure)
        with ctx.workprec(prec):
            prepared[prec] = closure.prepare([None, *(mpf_to_arb(p) for p in params)])

    def f(x):
        point = mpf_to_arb(x)  # exact, whatever the precision: converted once
        saved = ctx.prec       # set and restored directly: a workprec object per node cost ~1 µs
        try:
            for prec in precisions:
                ctx.prec = prec
                value = closure.evaluate(point, prepared[prec])
                if value.is_finite() and (value.is_exact() or value.rel_accuracy_bits() >= target_bits):
                    mid = value.mid()
                    if mid == 0:
                        return mpmath.mpf(0)
                    m, e = mid.man_exp()
                    return mpmath.mpf((int(m), int(e)))
        finally:
            ctx.prec = saved
        return by_mpmath(x)  # far out on a tail (x ~ 1e300: arb's bounds give up)
    return f


# --- the two-precision quadrature ---------------------------------------------------------------

#: tanh-sinh degrees of the first and of the second (refined) attempt of the split path
MAX_DEGREES = (8, 10)


def _quad_once(c: CompiledIntegral, params, pieces: list, dps: int, degree: int = MAX_DEGREES[0]):
    with mpmath.workdps(dps):
        params_here = [mpmath.mpf(p) for p in params]
        f = _arb_integrand(c, params_here, mpmath.mp.prec)
        if f is None:
            def f(x):
                return c.integrand(x, *params_here)

        finite = [p for p in pieces if mpmath.isfinite(p)]
        # mpmath.quad stops on an absolute error near 2^-prec: divide by the integrand's size at the
        # split points (where its mass is) so that absolute and relative accuracy coincide.
        sizes = [abs(v) for v in (_safe(f, p) for p in finite) if v is not None]
        scale = max(sizes, default=mpmath.mpf(0))
        if not scale:
            scale = mpmath.mpf(1)
        value, error = mpmath.quad(lambda x: f(x) / scale, pieces, error=True, maxdegree=degree)
        if isinstance(value, mpmath.mpc):
            raise PrecisionNotReached("integral with a complex integrand", dps, mpmath.inf)
        return value * scale, error * scale


def _integrand_at_active_precision(c: CompiledIntegral, params):
    """x -> f(x) through arb at whatever precision mpmath is working at when it is called (the
    panel rule calls it at two), the parameters rounded once per precision."""
    callers = {}

    def f(x):
        prec = mpmath.mp.prec
        if prec not in callers:
            params_here = [mpmath.mpf(p) for p in params]
            callers[prec] = _arb_integrand(c, params_here, prec) or (lambda at: c.integrand(at, *params_here))
        return callers[prec](x)
    return f


def _arb_balls_at_active_precision(c: CompiledIntegral, params):
    """The integrand on arb points for the panels' confirming rule (quadrature._gauss_arb), or None
    when it has no arb form: at flint's precision P when called (the confirming pass's), the
    parameters rounded to P bits as _integrand_at_active_precision rounds them, evaluated as
    _arb_caller does (at P + 30 bits, at 2P + 60 where the ball has fewer than P correct bits,
    then by mpmath) but the ball is returned whole: the rule adds its radius to the panel's gap.
    No mpf is made per node and none converted back, which was half of a panel's cost."""
    if c.arb_integrand is None:
        return None
    from flint import arb, ctx

    from forgetcheck.numerics.backends import arb_from_mpf, mpf_from_arb
    closure, prepared = c.arb_integrand, {}

    def prepare(target: int):
        with mpmath.workprec(target):
            balls = [mpf_to_arb(mpmath.mpf(p)) for p in params]
        here = {}
        for prec in (target + 30, 2 * target + 60):
            with ctx.workprec(prec):
                here[prec] = closure.prepare([None, *balls])
        prepared[target] = here
        return here

    def g(point):
        target = ctx.prec
        here = prepared.get(target) or prepare(target)
        try:
            for prec, kept in here.items():
                ctx.prec = prec
                value = closure.evaluate(point, kept)
                if value.is_finite() and (value.is_exact() or value.rel_accuracy_bits() >= target):
                    return value
        finally:
            ctx.prec = target
        with mpmath.workprec(target):  # far out on a tail: as _arb_caller, by mpmath
            value = mpmath.mpmathify(c.integrand(mpf_from_arb(point), *(mpmath.mpf(p) for p in params)))
            if not isinstance(value, mpmath.mpf) or value._mpf_ in NONFINITE_RAW:
                return arb.nan()  # the rule refuses it (PanelsNotConfirmed): the adaptive path decides
            return arb_from_mpf(value)
    return g


@dataclass(frozen=True)
class IntegralValue:
    value: mpmath.mpf
    error: mpmath.mpf   # bound on |value − exact| (the two passes' gap plus mpmath's own estimate)


#: Trapezoid fast path: at most this many halvings of the first step, and nodes per side.
TRAPEZOID_HALVINGS = 3
TRAPEZOID_MAX_NODES = 4000


def _first_step(dps: int):
    """h with e^{−2π²/h²} ≈ 10^{−(dps+2)}: the step a Gaussian-shaped integrand needs."""
    return mpmath.pi * mpmath.sqrt(2 / ((dps + 2) * mpmath.log(10)))


def _trapezoid_sum(c, params, peak, step, dps, offset, negligible):
    """w·h·Σ_j f(m + w(offset + j)h) over the nodes on both sides of the peak, stopped where the
    terms have fallen below `negligible` (a log) and the integrand keeps decreasing outward.
    Returns (sum, nodes) or None when the nodes run out before the integrand is negligible."""
    with mpmath.workdps(dps):
        params_here = [mpmath.mpf(p) for p in params]
        factor = mpmath.mpmathify(c.factor(*params_here))
        m, w, h = mpmath.mpf(peak.location), mpmath.mpf(peak.width), mpmath.mpf(step)
        if not factor:
            return None
        # a term is negligible below this size (compared directly: no logarithm per node)
        small = mpmath.exp(negligible - mpmath.log(abs(factor)))
        shape = _arb_shape(c, params_here, mpmath.mp.prec) or (lambda at: c.shape(at, *params_here))
        total, nodes = mpmath.mpf(0), 0
        for direction in (1, -1):
            j = 0 if direction == 1 else 1
            while True:
                t = (offset + direction * j) * h if direction == 1 else (offset - j) * h
                x = m + w * t
                value = shape(x)
                total += value
                nodes += 1
                j += 1
                if nodes > TRAPEZOID_MAX_NODES:
                    return None
                if abs(value) < small and abs(t) > 1 and _outward_decreasing(c, x, params_here, direction):
                    break
        return factor * w * h * total, nodes


def _outward_decreasing(c, x, params, direction) -> bool:
    slope = _safe(c.log_slope, x, *params)
    return slope is not None and slope * direction < 0


def _by_trapezoid(c: CompiledIntegral, params, peak: Peak, probes, dps: int):
    """The trapezoid fast path (module docstring), or None when it does not apply or confirm."""
    work = dps + GUARD_DIGITS
    confirm = work + CONFIRM_EXTRA_DIGITS
    with mpmath.workdps(LOCATE_DPS):
        negligible = peak.log_height - (confirm + 5) * mpmath.log(10)
    step = _first_step(dps + 4)  # the first comparison then passes: its error is ~10^{-(dps+6)}
    coarse = _trapezoid_sum(c, params, peak, step, work, 0, negligible)
    for _ in range(TRAPEZOID_HALVINGS):
        if coarse is None:
            return None
        # the halved step: the coarse nodes again (at the confirming precision) and the midpoints
        even = _trapezoid_sum(c, params, peak, step, confirm, 0, negligible)
        odd = _trapezoid_sum(c, params, peak, step, confirm, mpmath.mpf(1) / 2, negligible)
        if even is None or odd is None:
            return None
        with mpmath.workdps(confirm):
            fine = (even[0] + odd[0]) / 2
            gap = abs(fine - coarse[0])
            if fine and gap <= abs(fine) * mpmath.mpf(10) ** (-dps - 2):
                # no mass outside the summed range: the integrand is negligible at every place a
                # second peak could have been missed (the starting points of the peak search)
                if all(_log_abs(c.integrand, q, params) is None
                       or _log_abs(c.integrand, q, params) < negligible for q in probes
                       if abs(q - peak.location) > 40 * peak.width):
                    return IntegralValue(fine, gap)
                return None
        coarse, step = (fine, coarse[1] + odd[1]), step / 2
    return None


def evaluate_integral(integral: sympy.Integral, values: dict, dps: int, bound_values=None) -> IntegralValue:
    """∫ at the parameter values {name: mpf or exact}, to `dps` correct digits, or PrecisionNotReached.
    `bound_values` gives the limits as mpf (default: the limits' exact values at `values`)."""
    c = compile_integral(integral)
    work = dps + GUARD_DIGITS + CONFIRM_EXTRA_DIGITS
    with mpmath.workdps(work):
        params = tuple(_as_mpf(values, s) for s in c.parameters)
        if bound_values is None:
            bound_values = tuple(_limit_value(b, c.parameters, params) for b in (c.lower, c.upper))
        low, high = bound_values
    sign = 1
    if low == high:
        return IntegralValue(mpmath.mpf(0), mpmath.mpf(0))
    if low > high:
        low, high, sign = high, low, -1
    with mpmath.workdps(LOCATE_DPS):
        landscape = locate(c, params, low, high)
    whole_line = low == mpmath.ninf and high == mpmath.inf
    if whole_line and not landscape.kinks and not landscape.transitions and len(landscape.peaks) == 1:
        found = _by_trapezoid(c, params, landscape.peaks[0], landscape.starts, dps)
        if found is not None:
            return IntegralValue(found.value if sign > 0 else -found.value, found.error)
    with mpmath.workdps(LOCATE_DPS):
        inner = break_points(c, params, low, high, landscape, dps)
    pieces = [low, *inner, high]
    name = f"∫ {describe(integral.function)} d{integral.limits[0][0]}"
    try:  # fixed Gauss-Legendre panels on the same pieces (numerics.quadrature), else split tanh-sinh
        widths = [p.width for p in landscape.peaks]  # the integrand's length scales, where known
        value, error = panel_quadrature(_integrand_at_active_precision(c, params), pieces, dps,
                                        scale_floor=min(widths) if widths else None,
                                        arb_integrand=_arb_balls_at_active_precision(c, params))
        return IntegralValue(value if sign > 0 else -value, error)
    except PanelsNotConfirmed as failed:
        if failed.rounding:  # the integrand's own rounding: no other rule at these precisions helps
            return _zero_or_unconfirmed(integral, values, PrecisionNotReached(name, dps, failed.relative, failed.value))
    for attempt, degree in enumerate(MAX_DEGREES):
        if attempt:  # a second try where the first did not confirm: every finite piece halved
            pieces = _halved(pieces)
        first, first_error = _quad_once(c, params, pieces, dps + GUARD_DIGITS, degree)
        second, second_error = _quad_once(c, params, pieces, work, degree)
        with mpmath.workdps(work):
            error = abs(second - first) + second_error
            # An exact 0 from a sign-changing integrand is symmetric nodes cancelling, which says
            # nothing about the digits of a tiny nonzero integral: relative digits are unconfirmed.
            if second and error <= abs(second) * mpmath.mpf(10) ** (-dps - 1):
                return IntegralValue(second if sign > 0 else -second, error)
    with mpmath.workdps(work):
        unconfirmed = PrecisionNotReached(name, dps, error / abs(second) if second else mpmath.inf, second)
    return _zero_or_unconfirmed(integral, values, unconfirmed)


def _zero_or_unconfirmed(integral: sympy.Integral, values: dict, unconfirmed: PrecisionNotReached) -> IntegralValue:
    """An exact 0 where the integrand vanishes identically at these parameter values, else the
    quadrature's failure. Quadrature cannot confirm relative digits of a zero (e.g. KL(φ || φ(· − a))
    at a = 0), but sympy can see it: with the values substituted exactly (an mpf is a dyadic
    rational), automatic evaluation gives the structural S.Zero only when the terms cancel
    identically, e.g. log φ(x) − log φ(x − 0). That is a proof, not a numerical judgement (no
    `.equals()`, no simplification heuristics); anything else stays unconfirmed. Tried only after
    the quadrature failed, so the usual path costs nothing."""
    exact = {}
    variable = integral.limits[0][0]
    for symbol in integral.function.free_symbols - {variable}:
        value = _exact_rational(values.get(str(symbol)))
        if value is None:
            raise unconfirmed
        exact[symbol] = value
    if integral.function.subs(exact) == 0:
        return IntegralValue(mpmath.mpf(0), mpmath.mpf(0))
    raise unconfirmed


def _exact_rational(value):
    """The exact sympy Rational of a parameter value (Fraction, int, exact string, mpf), or None."""
    from fractions import Fraction
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            return None
        sign, mantissa, exponent, _ = value._mpf_
        return sympy.Integer((-1) ** sign * mantissa) * sympy.Integer(2) ** exponent
    if isinstance(value, (int, Fraction, str, sympy.Rational)):
        try:
            fraction = Fraction(str(value)) if not isinstance(value, Fraction) else value
        except ValueError:
            return None
        return sympy.Rational(fraction.numerator, fraction.denominator)
    return None


def _halved(pieces: list) -> list:
    out = [pieces[0]]
    for a, b in zip(pieces, pieces[1:]):
        if mpmath.isfinite(a) and mpmath.isfinite(b):
            out.append((a + b) / 2)
        out.append(b)
    return out


def _as_mpf(values: dict, symbol):
    from forgetcheck.quantities.evaluate import to_mpf
    name = str(symbol)
    if name not in values:
        raise ValueError(f"no value given for {name}, a parameter of an integral")
    value = values[name]
    return value if isinstance(value, mpmath.mpf) else to_mpf(value)


def _limit_value(bound: sympy.Expr, parameters, params):
    if bound == sympy.oo:
        return mpmath.inf
    if bound == -sympy.oo:
        return mpmath.ninf
    value = mpmath.mpmathify(_lambdified(tuple(parameters), bound)(*params))
    if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value):
        raise ValueError(f"the integration limit {bound} is {value} at this point")
    return value
