"""Math contexts: each formula of the theory is written once and evaluated in two number systems.

mpmath's own design is the model (one function body, several contexts): the integrands in
forward_kl.py, reverse_kl.py, ... take a context `m` and call only `m.exp`, `m.log`, `m.log1p`,
`m.expm1`, `m.logaddexp`, `m.pi` and plain arithmetic (`abs`, `+`, `*`, ...). With `MP` they run on
mpmath numbers at the active working precision (the high-precision engine); with `NP` they run
elementwise on numpy float64 arrays (fast trajectories, flows.py).

`ARB` runs the same formulas on python-flint balls at flint's working precision, ~5x faster an
evaluation than mpmath (no Python-level arithmetic). It serves only as the *confirming* pass of the
high-precision quadrature (quadrature.py), next to a working pass in mpmath: a 53-bit float that
leaked into either formula (an mpf constant mixed into arb arithmetic is silently converted to a
float) then shows as a 1e-16 gap between the passes instead of going unnoticed.

An `Evaluator` bundles a context with the matching quadrature, so that a quantity assembled from
integrals (a gradient, a Fisher matrix) is also written once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import flint
import mpmath
import numpy as np
from mpmath.libmp import fone, mpf_exp, mpf_sub, round_nearest

from .float_quadrature import integrate_float
from .quadrature import Peak, integrate


def _mp_expm1(y):
    """e^y − 1 to full relative precision, ~4x faster than mpmath.expm1 (which sums [e^y, −1] by its
    generic accurate-sum loop): e^y at as many extra bits as the subtraction cancels (−mag(y) for
    small |y|), then one rounding."""
    if not y:
        return +y
    prec = mpmath.mp.prec
    magnitude = mpmath.mag(y)
    if magnitude < -prec:  # e^y − 1 = y(1 + y/2 + …): y/2 is below the last bit
        return y + y * y / 2
    wp = prec + max(0, -magnitude) + 10
    return mpmath.mp.make_mpf(mpf_sub(mpf_exp(y._mpf_, wp, round_nearest), fone, prec, round_nearest))


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
    expm1 = staticmethod(_mp_expm1)
    sqrt = staticmethod(mpmath.sqrt)
    ninf = mpmath.ninf
    pi = mpmath.pi  # a lazy constant: evaluated at the precision of the expression using it

    @staticmethod
    def logaddexp(a, b):
        """log(e^a + e^b) without forming e^a: exact in form for a or b = −inf (a zero weight)."""
        if a < b:
            a, b = b, a
        if b == mpmath.ninf:
            return +a
        return a + _mp_log1p(mpmath.exp(b - a))

    @staticmethod
    def number(x):
        return mpmath.mpf(x)

    @staticmethod
    def precision():
        return mpmath.mp.prec

    @staticmethod
    def raised(digits: int):
        """`digits` more working digits for a block (a value that is a difference of large terms)."""
        return mpmath.workdps(mpmath.mp.dps + digits)

    @staticmethod
    def half_log_2pi():
        return _half_log_2pi(mpmath.mp.prec)


def arb_from_mpf(value):
    """The arb equal to an mpf (or int) *exactly*, whatever flint's precision: built from the mpf's
    own (mantissa, exponent). Never arb(float(value)) or arb − mpf (both round to 53 bits)."""
    if isinstance(value, int):
        return flint.arb(value)
    value = mpmath.mpf(value)
    if not mpmath.isfinite(value):
        return flint.arb.neg_inf() if value < 0 else flint.arb.pos_inf()
    sign, man, exp, _ = value._mpf_
    return flint.arb((-int(man) if sign else int(man), int(exp)))


def mpf_from_arb(value):
    """The ball's midpoint as an mpf (rounded to mpmath's working precision)."""
    man, exp = value.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


class _ArbContext:
    """python-flint balls at flint.ctx.prec (set by the caller: quadrature.py sets it to the
    confirming pass's precision). Every constant enters through `number` (exact), never by mixing
    an mpf into arb arithmetic."""
    name = "arb"
    ninf = flint.arb.neg_inf()

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def log(x):
        return x.log()

    @staticmethod
    def log1p(x):
        return x.log1p()

    @staticmethod
    def expm1(x):
        return x.expm1()

    @staticmethod
    def sqrt(x):
        return x.sqrt()

    @staticmethod
    def logaddexp(a, b):
        """log(e^a + e^b), the larger (by midpoint) first; exact in form for b = −inf."""
        if a.mid() < b.mid():
            a, b = b, a
        if not b.is_finite():
            return +a
        return a + (b - a).exp().log1p()

    number = staticmethod(arb_from_mpf)

    @staticmethod
    def precision():
        return flint.ctx.prec

    @staticmethod
    def raised(digits: int):
        return _ArbRaised(digits)

    @staticmethod
    def half_log_2pi():
        return _arb_half_log_2pi(flint.ctx.prec)


class _ArbRaised:
    """flint's precision raised by `digits` decimal digits for a block, then restored."""
    __slots__ = ("bits", "saved")

    def __init__(self, digits: int):
        self.bits = int(digits * 3.3219280948873626) + 1

    def __enter__(self):
        self.saved = flint.ctx.prec
        flint.ctx.prec = self.saved + self.bits

    def __exit__(self, *exc):
        flint.ctx.prec = self.saved


@lru_cache(maxsize=64)
def _arb_half_log_2pi(prec: int):
    return (2 * flint.arb.pi()).log() / 2


class _NpContext:
    """Elementwise numpy float64; overflow and log(0) follow IEEE (inf, −inf), callers wrap
    evaluations in np.errstate where such values are expected and harmless."""
    name = "float64"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    expm1 = staticmethod(np.expm1)
    sqrt = staticmethod(np.sqrt)
    logaddexp = staticmethod(np.logaddexp)
    ninf = -np.inf
    pi = np.pi

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
ARB = _ArbContext()


# --- elementary pieces shared by all integrands (written once, for both contexts) -----------------

def log_normal_pdf(x, mean, m):
    """log N(x; mean, 1). (d*d, not d**2: mpmath's integer power is a slower generic path; a zero
    mean is not subtracted at all: mixing an int into mpf arithmetic converts it every time.)"""
    d = x if isinstance(mean, int) and mean == 0 else x - mean
    return -(d * d) / 2 - m.half_log_2pi()


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
    """log(1 + e^t) = −log σ(−t), stable for either sign."""
    return m.logaddexp(0 * t, t)


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
