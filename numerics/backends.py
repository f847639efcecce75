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
from mpmath.libmp import (fninf, fone, fzero, mpf_add, mpf_exp, mpf_log, mpf_lt, mpf_mul, mpf_neg,
                           mpf_pos, mpf_shift, mpf_sub, round_nearest)

from .float_quadrature import integrate_float
from .quadrature import NONFINITE_RAW, Peak, integrate


# --- mpmath's elementary functions on the raw (sign, man, exp, bc) tuples ----------------------------
# Inside an integrand most of mpmath's time is its Python-level wrapping (type dispatch, precision
# and rounding lookup, a new object per operation), not the arithmetic. The functions below call
# libmp directly on the mpf's tuple, at the active precision with mpmath's own default rounding
# (round_nearest), so each returns the *same bits* as the mpmath expression it replaces (tests:
# tests/test_reference_integrands.py compares them); anything that is not a finite mpf goes to mpmath.

_mpf = mpmath.mpf
_make = mpmath.mp.make_mpf
_RND = round_nearest


def _mag(raw) -> int:
    """mpmath.mag of a nonzero finite raw mpf: 2^(mag−1) ≤ |x| < 2^mag."""
    return raw[2] + raw[3]


def _mp_exp(x):
    if type(x) is not _mpf:
        return mpmath.exp(x)
    return _make(mpf_exp(x._mpf_, mpmath.mp.prec, _RND))


def _mp_log(x):
    """mpmath.log for a positive finite mpf (a negative one goes to mpmath: a complex result)."""
    if type(x) is not _mpf or x._mpf_[0] or x._mpf_ in NONFINITE_RAW or x._mpf_ == fzero:
        return mpmath.log(x)
    return _make(mpf_log(x._mpf_, mpmath.mp.prec, _RND))


def _raw_log1p(y, prec: int):
    """log(1 + y) of a raw finite mpf y > −1: 1 + y is formed exactly, so only the log rounds;
    below the last bit, y − y²/2."""
    if y == fzero:
        return y
    if _mag(y) < -prec:
        return mpf_sub(y, mpf_shift(mpf_mul(y, y, prec, _RND), -1), prec, _RND)
    return mpf_log(mpf_add(fone, y), prec, _RND)  # mpf_add without a precision is exact


def _mp_expm1(y):
    """e^y − 1 to full relative precision, ~4x faster than mpmath.expm1 (which sums [e^y, −1] by its
    generic accurate-sum loop): e^y at as many extra bits as the subtraction cancels (−mag(y) for
    small |y|), then one rounding."""
    if type(y) is not _mpf or y._mpf_ in NONFINITE_RAW:
        return mpmath.expm1(y)
    raw, prec = y._mpf_, mpmath.mp.prec
    if raw == fzero:
        return y
    magnitude = _mag(raw)
    if magnitude < -prec:  # e^y − 1 = y(1 + y/2 + …): y/2 is below the last bit
        return _make(mpf_add(raw, mpf_shift(mpf_mul(raw, raw, prec, _RND), -1), prec, _RND))
    wp = prec + max(0, -magnitude) + 10
    return _make(mpf_sub(mpf_exp(raw, wp, _RND), fone, prec, _RND))


def _mp_log1p(y):
    """log(1 + y) to full relative precision, ~3x faster than mpmath.log1p (whose generic wrapper
    dominates inside integrands)."""
    if type(y) is not _mpf or y._mpf_ in NONFINITE_RAW or y <= -1:
        return mpmath.log1p(y)
    return _make(_raw_log1p(y._mpf_, mpmath.mp.prec))


def _mp_logaddexp(a, b):
    """log(e^a + e^b) = max + log1p(e^{min − max}) without forming e^a: exact in form for a or
    b = −inf (a zero weight)."""
    if type(a) is not _mpf or type(b) is not _mpf:
        return _mp_logaddexp(_mpf(a), _mpf(b))
    ra, rb = a._mpf_, b._mpf_
    prec = mpmath.mp.prec
    if mpf_lt(ra, rb):
        ra, rb = rb, ra
    if rb == fninf:
        return _make(mpf_pos(ra, prec, _RND))
    if ra in NONFINITE_RAW or rb in NONFINITE_RAW:
        return mpmath.log(mpmath.exp(a) + mpmath.exp(b))  # +inf or nan: let mpmath say what it is
    ratio = mpf_exp(mpf_sub(rb, ra, prec, _RND), prec, _RND)   # e^{min − max} ∈ (0, 1]
    return _make(mpf_add(ra, _raw_log1p(ratio, prec), prec, _RND))


def _mp_log_normal_pdf(x, mean):
    """log N(x; mean, 1) = −(x − mean)²/2 − log(2π)/2 on raw mpfs (the generic formula below, with
    the same roundings: x − mean, the square, the exact halving, the subtraction)."""
    prec = mpmath.mp.prec
    d = x._mpf_ if type(mean) is int else mpf_sub(x._mpf_, mean._mpf_, prec, _RND)  # int: the 0 callers pass
    square = mpf_shift(mpf_mul(d, d, prec, _RND), -1)
    return _make(mpf_sub(mpf_neg(square), _half_log_2pi(prec)._mpf_, prec, _RND))


class _ScalarSoftplus:
    """softplus from the context's own logaddexp, for the scalar contexts (the float64 context
    writes both out on whole arrays)."""

    @classmethod
    def softplus(cls, t):
        return cls.logaddexp(0 * t, t)

    @classmethod
    def softplus_both(cls, t):
        return cls.softplus(t), cls.softplus(-t)


class _MpContext(_ScalarSoftplus):
    """Scalar mpmath at the active working precision."""
    name = "mpmath"
    exp = staticmethod(_mp_exp)
    log = staticmethod(_mp_log)
    log1p = staticmethod(_mp_log1p)
    expm1 = staticmethod(_mp_expm1)
    sqrt = staticmethod(mpmath.sqrt)
    ninf = mpmath.ninf
    pi = mpmath.pi  # a lazy constant: evaluated at the precision of the expression using it

    logaddexp = staticmethod(_mp_logaddexp)

    @staticmethod
    def number(x):
        return mpmath.mpf(x)

    @staticmethod
    def precision():
        return mpmath.mp.prec

    @staticmethod
    def raised(digits: int):
        """`digits` more working digits for a block (a value that is a difference of large terms)."""
        return _MpRaised(digits)

    @staticmethod
    def half_log_2pi():
        return _half_log_2pi(mpmath.mp.prec)


def arb_from_mpf(value):
    """The arb equal to an mpf (or int) *exactly*, whatever flint's precision: built from the mpf's
    own (mantissa, exponent). Never arb(float(value)) or arb − mpf (both round to 53 bits)."""
    if isinstance(value, int):
        return flint.arb(value)
    if not isinstance(value, mpmath.mpf):
        # a string or float would first have to become an mpf at *some* precision: refuse, so
        # that nothing reaches the arb formula rounded (mpmath.mpf(mpf) would round it too)
        raise TypeError(f"arb_from_mpf takes an mpf or an int, not {type(value).__name__} ({value!r})")
    if value._mpf_ in NONFINITE_RAW:
        return flint.arb.neg_inf() if value < 0 else flint.arb.pos_inf()
    sign, man, exp, _ = value._mpf_
    return flint.arb((-int(man) if sign else int(man), int(exp)))


def mpf_from_arb(value):
    """The ball's midpoint as an mpf (rounded to mpmath's working precision)."""
    man, exp = value.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


_ARB_NINF = flint.arb.neg_inf()


class _ArbContext(_ScalarSoftplus):
    """python-flint balls at flint.ctx.prec (set by the caller: quadrature.py sets it to the
    confirming pass's precision). Every constant enters through `number` (exact), never by mixing
    an mpf into arb arithmetic."""
    name = "arb"
    ninf = _ARB_NINF

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def log(x):
        """log x; an exact 0 (a zero weight) gives the object ARB.ninf, which logaddexp knows."""
        return _ARB_NINF if x.is_zero() else x.log()

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
        """log(e^a + e^b), the larger (by midpoint) first; exact in form for a zero weight, whose
        log is the object ARB.ninf (arb has no −inf that survives arithmetic: −inf + 3 is
        [± inf], so any other non-finite term gives nan, which the quadrature refuses)."""
        if b is _ARB_NINF:
            return +a
        if a is _ARB_NINF:
            return +b
        if not (a.is_finite() and b.is_finite()):
            return flint.arb.nan()
        if a.mid() < b.mid():
            a, b = b, a
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


class _MpRaised:
    """mpmath.workdps(mp.dps + digits) without its per-use overhead (it runs at every node)."""
    __slots__ = ("digits", "saved")

    def __init__(self, digits: int):
        self.digits = digits

    def __enter__(self):
        self.saved = mpmath.mp.prec
        mpmath.mp.dps = mpmath.mp.dps + self.digits

    def __exit__(self, *exc):
        mpmath.mp.prec = self.saved


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
    ninf = -np.inf
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
ARB = _ArbContext()


def in_both_systems(integrand, constants):
    """(mpmath integrand, arb integrand) of one formula integrand(x, m, *constants) for the
    quadrature's two passes (quadrature._gauss_arb): the constants (mpfs) go to the mpmath formula
    as they are and to the arb one converted exactly, once."""
    exact = tuple(ARB.number(v) for v in constants)
    return (lambda x: integrand(x, MP, *constants)), (lambda x: integrand(x, ARB, *exact))


# --- elementary pieces shared by all integrands (written once, for both contexts) -----------------

def log_normal_pdf(x, mean, m):
    """log N(x; mean, 1). (d*d, not d**2: mpmath's integer power is a slower generic path; a zero
    mean is not subtracted at all: mixing an int into mpf arithmetic converts it every time.)"""
    if m is MP and type(x) is _mpf and (type(mean) is _mpf or type(mean) is int and mean == 0):
        return _mp_log_normal_pdf(x, mean)  # the same formula and roundings, without the wrappers
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

    def integral_of(self, integrand, constants, points=(), peaks=(), quantity="integral"):
        """∫_R integrand(x, m, *constants): one formula with its constants, which the
        high-precision evaluator also runs on exact arbs for the quadrature's confirming pass."""
        if self.m is MP:
            f, g = in_both_systems(integrand, constants)
            return self.integral(f, points, peaks, quantity, arb_integrand=g)
        return self.integral(lambda x: integrand(x, self.m, *constants), points, peaks, quantity)


def mp_evaluator(dps: int) -> Evaluator:
    """High-precision evaluator: each integral is confirmed to `dps` digits (two precisions)."""
    def integral(f, points=(), peaks=(), quantity="integral", absolute_tolerance=None, arb_integrand=None):
        return integrate(f, dps=dps, points=points,
                         peaks=[Peak(mpmath.mpf(loc), mpmath.mpf(w)) for loc, w in peaks],
                         quantity=quantity, absolute_tolerance=absolute_tolerance,
                         arb_integrand=arb_integrand).value
    return Evaluator(MP, integral)


def _float_integral(f, points=(), peaks=(), quantity="integral", absolute_tolerance=None):
    return integrate_float(f, points=points, peaks=peaks)


#: Float64 evaluator (composite Gauss–Legendre on the same split points; see float_quadrature.py).
FLOAT = Evaluator(NP, _float_integral)
