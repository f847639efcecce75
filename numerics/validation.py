"""Boundary validation: every public entry point checks its inputs here, once.

Errors name the parameter, the value received and the allowed range, so a user can fix the call
without reading the source. Nothing is clipped: an out-of-range value is an error, never a silent
correction.
"""
from __future__ import annotations

import math
from numbers import Real

import mpmath
from .errors import InputError

#: Below this many significant digits a "high-precision" answer is no better than float64,
#: and the error estimate (which compares two precisions) would itself be unreliable.
MIN_DPS = 15
MAX_DPS = 1000


def _as_mpf(name: str, value) -> mpmath.mpf:
    """Convert exactly: an int, Fraction-like, str or mpf keeps every digit; a float keeps its
    53 bits exactly (no decimal round trip), which is the most a float can honestly carry."""
    if isinstance(value, bool):
        raise InputError(f"{name} must be a real number, got the boolean {value!r}")
    try:
        if isinstance(value, str):
            return mpmath.mpf(value.strip())
        if isinstance(value, (Real, mpmath.mpf)):
            return mpmath.mpf(value)
        if hasattr(value, "p") and hasattr(value, "q"):  # sympy Rational / Integer
            return mpmath.mpf(int(value.p)) / int(value.q)
        return mpmath.mpf(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None


def require_real(name: str, value) -> mpmath.mpf:
    x = _as_mpf(name, value)
    if not mpmath.isfinite(x):
        raise InputError(f"{name} must be a finite real number, got {value!r}")
    return x


def require_in(name: str, value, low, high, *, low_open: bool = False, high_open: bool = False) -> mpmath.mpf:
    """Check low (<|<=) value (<|<=) high, with the interval printed in the error."""
    x = require_real(name, value)
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if below or above:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise InputError(f"{name}={value!r} is outside the allowed range {interval}")
    return x


def require_weight(name: str, value, *, closed: bool = False) -> mpmath.mpf:
    """A mixture weight: in (0, 1) by default, [0, 1] where the statement allows the ends."""
    return require_in(name, value, 0, 1, low_open=not closed, high_open=not closed)


def require_separation(name: str, value, *, maximum=None) -> mpmath.mpf:
    x = require_real(name, value)
    if x < 0:
        raise InputError(f"{name}={value!r} is outside the allowed range [0, inf): a separation is a norm")
    if maximum is not None and x > maximum:
        raise InputError(f"{name}={value!r} is outside the allowed range [0, {maximum}]")
    return x


def require_positive(name: str, value) -> mpmath.mpf:
    x = require_real(name, value)
    if x <= 0:
        raise InputError(f"{name}={value!r} is outside the allowed range (0, inf)")
    return x


def require_dps(dps) -> int:
    if isinstance(dps, bool) or not isinstance(dps, int):
        if isinstance(dps, float) and dps.is_integer():
            dps = int(dps)
        else:
            raise InputError(f"dps must be a whole number of decimal digits, got {dps!r}")
    if not MIN_DPS <= dps <= MAX_DPS:
        raise InputError(f"dps={dps} is outside the allowed range [{MIN_DPS}, {MAX_DPS}]: "
                         f"below {MIN_DPS} digits use float64 tools instead")
    return dps


def require_finite_float(name: str, value) -> float:
    """For float64 trajectory code, where 53 bits are the intended precision."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(x):
        raise InputError(f"{name} must be a finite real number, got {value!r}")
    return x
