"""Numeric evaluation of a claim's two sides at a point, at a stated precision.

The claim's own sympy expressions are compiled with lambdify (mpmath), so the number checked is
the number of the printed formula. Two layers:

* engine quantities (ε_o, κ_F, ...) are computed once, by the engine, to dps + ENGINE_EXTRA digits
  (the engine certifies its own digits or raises PrecisionNotReached);
* the elementary rest (exp, log, sqrt, arithmetic) is evaluated at two working precisions and
  again at higher ones until the two agree: closed forms such as e^{Δ²} − 1 at Δ = 1e−8 lose
  17 digits to cancellation, and a fixed number of guard digits would silently return noise.

Exact parameter values (dyadic Fractions) enter as mpf without rounding; sympy Rationals are
printed by lambdify as mpf quotients, so no 53-bit constant enters a 50-digit computation.
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
ENGINE_EXTRA = 5
#: Extra working digits tried, in order, for the elementary part until two successive agree.
ELEMENTARY_LADDER = (10, 30, 70, 150, 300)


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


def _key(value) -> tuple:
    """An exact, hashable form of an mpf (its binary mantissa and exponent)."""
    return value._mpf_


def _engine_values(expr, values: dict, dps: int) -> dict:
    """Every engine quantity in expr, by the engine, as a name -> mpf table."""
    table = {}
    for f in sorted(expr.atoms(EngineFunction), key=sympy.default_sort_key):
        args = [mpmath.mpmathify(evaluate(arg, values, dps + ENGINE_EXTRA)) for arg in f.args]
        table[f] = _engine_value(type(f), tuple(_key(a) for a in args), dps + ENGINE_EXTRA)
    return table


def evaluate(expr, values: dict, dps: int):
    """expr at {symbol_or_name: exact value}, correct to dps digits (or PrecisionNotReached)."""
    expr = sympy.sympify(expr)
    by_name = {str(k): v for k, v in values.items()}
    engine = _engine_values(expr, by_name, dps)
    placeholders = {f: sympy.Dummy(f"engine{k}") for k, f in enumerate(engine)}
    elementary = expr.xreplace(placeholders)
    symbols = tuple(sorted(elementary.free_symbols, key=str))
    inputs = {}
    for s in symbols:
        engine_f = next((f for f, d in placeholders.items() if d == s), None)
        if engine_f is not None:
            inputs[s] = engine[engine_f]
        elif str(s) in by_name:
            inputs[s] = by_name[str(s)]
        else:
            raise ValueError(f"no value given for {s} in {expr}")
    fn = compile_expression(elementary, symbols)
    previous = None
    for extra in ELEMENTARY_LADDER:
        with mpmath.workdps(dps + extra):
            value = fn(*[to_mpf(inputs[s]) if not isinstance(inputs[s], mpmath.mpf) else inputs[s]
                         for s in symbols])
            if isinstance(value, (int, Fraction)):
                value = to_mpf(value)
            value = mpmath.mpmathify(value)
            if previous is not None:
                gap = abs(value - previous)
                if gap == 0 or gap <= abs(value) * mpmath.mpf(10) ** (-(dps + 2)):
                    return value
            previous = value
    raise PrecisionNotReached(f"elementary part of {sympy.sstr(expr)[:80]}", dps,
                              gap / abs(value) if value else mpmath.inf)


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
