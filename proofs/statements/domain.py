"""The parameter domain of a statement, and how to generate points in it.

Points are built constructively (every generated point satisfies the hypotheses by construction,
no filtering), and exactly: a parameter value is a dyadic rational low + (high−low)·k/2^40, turned
into an mpf without rounding, so a counterexample printed as a decimal reproduces bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import sympy
from hypothesis import strategies as st
from forgetcheck.numerics.errors import InputError

RESOLUTION_BITS = 40


@dataclass(frozen=True)
class Parameter:
    """One free symbol of a statement with the interval it is sampled from.

    `low`/`high` are exact (int, Fraction or str). Open ends are kept away from by one grid step,
    so e.g. a weight in (0, 1) is never exactly 0 or 1. `log_scale` samples log(value) uniformly
    (for weights reaching 1e-6 or separations spanning decades). `emphasis` lists values that
    the worst-case search and the first examples always include (boundaries, equality cases).
    `integer` restricts the values to the whole numbers of the interval (step counts, dimensions).
    """
    symbol: sympy.Symbol
    low: object
    high: object
    low_open: bool = False
    high_open: bool = False
    log_scale: bool = False
    emphasis: tuple = field(default_factory=tuple)
    integer: bool = False

    def __post_init__(self):
        for end in ("low", "high"):
            value = getattr(self, end)
            if isinstance(value, sympy.Basic) and not value.is_Rational:
                raise InputError(f"parameter {self.symbol}: {end}={value} must be an exact number: an int, a "
                                 "sympy Rational or a string such as '1/100' or '0.05'")
            try:
                Fraction(str(value))
            except (ValueError, ZeroDivisionError):
                raise InputError(f"parameter {self.symbol}: {end}={value!r} is not an exact number; use an int, "
                                 "a sympy Rational or a string such as '1/100' or '0.05'") from None
        lo, hi = Fraction(str(self.low)), Fraction(str(self.high))
        if not lo < hi:
            raise InputError(f"parameter {self.symbol}: low={self.low} must be below high={self.high}")
        if self.log_scale and lo <= 0:
            raise InputError(f"parameter {self.symbol}: log_scale needs low > 0, got low={self.low}")
        if self.integer and (lo.denominator != 1 or hi.denominator != 1 or self.low_open or self.high_open
                             or self.log_scale):
            raise InputError(f"parameter {self.symbol}: an integer parameter needs whole, closed bounds "
                             f"and a linear scale, got low={self.low}, high={self.high}")

    @property
    def name(self) -> str:
        return str(self.symbol)

    def bounds(self) -> tuple:
        return Fraction(str(self.low)), Fraction(str(self.high))

    def from_unit(self, k: int) -> Fraction:
        """Grid point k of 0..2^RESOLUTION_BITS, open ends excluded (for an integer parameter:
        the whole number nearest to it)."""
        lo, hi = self.bounds()
        n = 2 ** RESOLUTION_BITS
        k = min(max(k, 1 if self.low_open else 0), n - 1 if self.high_open else n)
        if self.integer:
            return Fraction(round(lo + (hi - lo) * Fraction(k, n)))
        if not self.log_scale:
            return lo + (hi - lo) * Fraction(k, n)
        # log scale: exact dyadic value nearest lo·(hi/lo)^(k/n), computed at 30 digits
        with mpmath.workdps(30):
            v = mpmath.mpf(lo.numerator) / lo.denominator * (
                mpmath.mpf(hi.numerator) / hi.denominator / (mpmath.mpf(lo.numerator) / lo.denominator)
            ) ** (mpmath.mpf(k) / n)
            man, exp = mpmath.frexp(v)
            value = Fraction(int(mpmath.nint(man * 2 ** 60))) * Fraction(2) ** (exp - 60)
        return min(max(value, lo), hi)

    def to_unit(self, value: Fraction) -> float:
        lo, hi = self.bounds()
        if self.log_scale:
            import math
            return math.log(value / lo) / math.log(hi / lo)
        return float((value - lo) / (hi - lo))

    def strategy(self):
        return st.integers(0, 2 ** RESOLUTION_BITS).map(self.from_unit)

    def describe(self) -> str:
        return (f"{self.name} in {'(' if self.low_open else '['}{self.low}, {self.high}"
                f"{')' if self.high_open else ']'}{' (log scale)' if self.log_scale else ''}"
                f"{' (integers)' if self.integer else ''}")


def exact_mpf(value: Fraction) -> mpmath.mpf:
    """A dyadic Fraction as an mpf at the active precision (exact when the precision suffices)."""
    return mpmath.mpf(value.numerator) / value.denominator


def decimal(value, digits: int = 20) -> str:
    """A Fraction or mpf as a decimal string that reads well and round-trips at `digits`."""
    if isinstance(value, Fraction):
        with mpmath.workdps(digits + 10):
            return mpmath.nstr(exact_mpf(value), digits, min_fixed=-6, max_fixed=8)
    return mpmath.nstr(value, digits)
