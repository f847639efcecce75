"""Math contexts: each formula of the theory is written once and evaluated in two number systems.

mpmath's own design is the model (one function body, several contexts): the integrands in
forward_kl.py, reverse_kl.py, ... take a context `m` and call only `m.exp`, `m.log`, `m.log1p`,
`m.expm1`, `m.logaddexp`, `m.pi` and plain arithmetic (`abs`, `+`, `*`, ...). With `MP` they run on
mpmath numbers at the active working precision (the high-precision engine); with `NP` they run
elementwise on numpy float64 arrays (fast trajectories, flows.py).

An `Evaluator` bundles a context with the matching quadrature, so that a quantity assembled from
integrals (a gradient, a Fisher matrix) is also written once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import mpmath
import numpy as np

from .float_quadrature import integrate_float
from .quadrature import Peak, integrate


def _mp_log1p(y):
    """log(1 + y) to full relative precision, ~3x faster than mpmath.log1p (whose generic wrapper
    dominates inside integrands): 1 + y is formed exactly, so only the log rounds."""
    if not y:
        return +y
    if mpmath.mag(y) < -mpmath.mp.prec:
        return y - y * y / 2
    return mpmath.log(mpmath.fadd(1, y, exact=True))


class _MpContext:
    """Scalar mpmath at the active working precision."""
    name = "mpmath"
    exp = staticmethod(mpmath.exp)
    log = staticmethod(mpmath.log)
    log1p = staticmethod(_mp_log1p)
    expm1 = staticmethod(mpmath.expm1)
    sqrt = staticmethod(mpmath.sqrt)
    pi = mpmath.pi  # a lazy constant: evaluated at the precision of the expression using it

    @staticmethod
    def logaddexp(a, b):
        """log(e^a + e^b) without forming e^a: exact in form for a or b = −inf (a zero weight)."""
        if a < b:
            a, b = b, a
        if b == mpmath.ninf:
            return +a
        return a + _mp_log1p(mpmath.exp(b - a))

    @classmethod
    def softplus(cls, t):
        return cls.logaddexp(0 * t, t)

    @classmethod
    def softplus_both(cls, t):
        return cls.softplus(t), cls.softplus(-t)

    @staticmethod
    def number(x):
        return mpmath.mpf(x)

    @staticmethod
    def precision():
        return mpmath.mp.prec

    @staticmethod
    def half_log_2pi():
        return _half_log_2pi(mpmath.mp.prec)


class _NpContext:
    """Elementwise numpy float64; overflow and log(0) follow IEEE (inf, −inf), callers wrap
    evaluations in np.errstate where such values are expected and harmless."""
    name = "float64"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    expm1 = staticmethod(np.expm1)
    sqrt = staticmethod(np.sqrt)
    pi = np.pi

    @staticmethod
    def logaddexp(a, b):
        # np.logaddexp's own formula, max + log1p(e^{−|a − b|}) (equal to within an ulp: numpy's
        # vectorised exp/log1p), written out because the generic ufunc is ~3x slower; where the
        # larger argument is infinite the gap is nan or inf, and the result is that argument.
        high = np.maximum(a, b)
        with np.errstate(invalid="ignore"):
            return np.where(np.isinf(high), high, high + np.log1p(np.exp(-np.abs(a - b))))[()]  # 0-d → scalar

    @staticmethod
    def softplus_both(t):
        """(softplus(t), softplus(−t)) sharing log1p(e^{−|t|}): the same bits as two softplus calls."""
        tail = np.log1p(np.exp(-np.abs(t)))
        return np.maximum(t, 0) + tail, np.maximum(-t, 0) + tail

    @staticmethod
    def softplus(t):
        # max(t, 0) + log1p(e^{−|t|}) is np.logaddexp(0, t)'s own formula (equal to within an ulp:
        # numpy's vectorised exp/log1p), written out because the generic two-argument ufunc is ~3x
        # slower, and the flows evaluate softplus on ~10^3 nodes hundreds of thousands of times.
        return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))

    @staticmethod
    def number(x):
        return float(x)

    @staticmethod
    def precision():
        return 53

    @staticmethod
    def half_log_2pi():
        return _HALF_LOG_2PI


_HALF_LOG_2PI = 0.5 * float(np.log(2 * np.pi))


@lru_cache(maxsize=64)
def _half_log_2pi(prec: int):
    with mpmath.workprec(prec + 10):
        value = mpmath.log(2 * mpmath.pi) / 2
    with mpmath.workprec(prec):
        return +value


MP = _MpContext()
NP = _NpContext()


# --- elementary pieces shared by all integrands (written once, for both contexts) -----------------

def log_normal_pdf(x, mean, m):
    """log N(x; mean, 1)."""
    return -(x - mean) ** 2 / 2 - m.half_log_2pi()


def per_precision(m, compute):
    """A getter for constants of an integrand (log-odds, normalisers): computed once per working
    precision, so the confirming pass of `integrate` sees them at its own, higher precision."""
    cache = {}

    def get():
        key = m.precision()
        if key not in cache:
            cache[key] = compute()
        return cache[key]
    return get


def llr(x, delta):
    """ℓ(x) = log(φ_n/φ_o)(x) = Δx − Δ²/2 in whitened coordinates (old mean 0, new mean Δ)."""
    return delta * x - delta * delta / 2


def log_max_pdf(x, delta, m):
    """log max(φ_o, φ_n)(x) = log φ_o + max(ℓ, 0): no branch, no overflow."""
    return log_normal_pdf(x, 0, m) + positive_part(llr(x, delta))


def positive_part(t):
    """max(t, 0) without a branch, so that it also works elementwise on arrays."""
    return (t + abs(t)) / 2


def log_one_minus_exp_neg_abs(t, m):
    """log(1 − e^{−|t|}) (−inf at t = 0): the log of |1 − ratio| for a ratio folded into (0, 1]."""
    return m.log(-m.expm1(-abs(t)))


def softplus(t, m):
    """log(1 + e^t) = −log σ(−t), stable for either sign (m.logaddexp(0, t), see the contexts)."""
    return m.softplus(t)


def softplus_both(t, m):
    """(softplus(t), softplus(−t)), each the same number as `softplus` gives (the float64 context
    shares their common part log1p(e^{−|t|}))."""
    return m.softplus_both(t)


def sigmoid(t, m):
    """σ(t) = 1/(1 + e^{−t}), via softplus so that neither side overflows."""
    return m.exp(-softplus(-t, m))


# --- evaluators: a context plus its quadrature ---------------------------------------------------

@dataclass(frozen=True)
class Evaluator:
    """`integral(f, points, peaks, quantity)` returns ∫_R f with `f(x)` written against `m`.

    points: where to split (means, midpoints, kinks); peaks: (location, width) pairs where the
    integrand changes on a short length scale (crossover points, width ~1/Δ).
    """
    m: object
    integral: Callable


def mp_evaluator(dps: int) -> Evaluator:
    """High-precision evaluator: each integral is confirmed to `dps` digits (two precisions)."""
    def integral(f, points=(), peaks=(), quantity="integral", absolute_tolerance=None):
        return integrate(f, dps=dps, points=points,
                         peaks=[Peak(mpmath.mpf(loc), mpmath.mpf(w)) for loc, w in peaks],
                         quantity=quantity, absolute_tolerance=absolute_tolerance).value
    return Evaluator(MP, integral)


def _float_integral(f, points=(), peaks=(), quantity="integral", absolute_tolerance=None):
    return integrate_float(f, points=points, peaks=peaks)


#: Float64 evaluator (composite Gauss–Legendre on the same split points; see float_quadrature.py).
FLOAT = Evaluator(NP, _float_integral)
