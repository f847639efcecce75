"""Rigorous enclosures of the engine's quantities in ball arithmetic (python-flint arb/acb).

Every function here returns an `arb` ball that contains the exact value of the quantity for every
parameter value in its (ball-valued) arguments. So an enclosure holds over a whole parameter box,
which is what a branch-and-bound proof needs; with point arguments it is a certified value.
The working precision is flint's (`flint.ctx.workprec(bits)`), like mpmath's `workprec`.

Integrals over R are split into a finite window, integrated by `acb.integral` (rigorous: the result
ball contains the integral of every function in the integrand's ball), plus the two truncated
tails, each bounded analytically below (the bound is added as a one-sided or two-sided ball, never
estimated). Window and split points are chosen from float midpoints: they affect only speed and
tightness, never the validity of the enclosure.

Integrands are meromorphic (exp, sech, rational functions) except where noted; `acb.real_min`
carries the `analytic` flag for the one piecewise integrand (κ_F), as acb.integral requires.

Representation of ε_o (THEORY O3), chosen so that a parameter box costs little width: in midpoint
coordinates w = z − Δ/2 (z the whitened coordinate of φ_o),

    ε_o(a, Δ) = sqrt(c) e^{−Δ²/8} K(a, Δ),   K = E_W[½ sech((ΔW + log c)/2)],  W ~ N(0, 1),

because φ(w + Δ/2) = e^{−Δ²/8} e^{−Δw/2} φ(w) and e^{−Δw/2} σ(log c + Δw) = sqrt(c)/(2 cosh(·)).
The integrand of K is bounded by ½ and varies slowly with (a, Δ) at each w, unlike σ(L + ΔZ) whose
ball over a Δ-box overestimates by a factor ~Δ (measured: ±100% instead of ±4% at Δ = 30).
"""
from __future__ import annotations

from typing import NamedTuple

import math
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from numbers import Integral

import flint
from flint import acb, arb, ctx, fmpq

# --- exact conversion of inputs -------------------------------------------------------------------


def to_ball(value, name: str = "value") -> arb:
    """An arb ball containing `value` exactly, at the working precision.

    Accepted: arb (taken as is), int, Fraction, fmpq, decimal or fraction strings ("0.1", "1/3"),
    sympy Rational, mpmath mpf (binary, converted exactly). A Python float is refused: it has
    already rounded the intended number to 53 bits, and the enclosure would be of that number.
    """
    if isinstance(value, arb):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a real number, got the boolean {value!r}")
    if isinstance(value, float):
        raise ValueError(f"{name}={value!r} is a float, rounded to 53 bits already; pass it exactly "
                         "(int, Fraction, string like '0.1', sympy Rational or an arb ball)")
    if isinstance(value, Integral):
        return arb(int(value))
    if isinstance(value, fmpq):
        return arb(value)
    if isinstance(value, str):
        try:
            value = Fraction(value.strip())
        except ValueError:
            raise ValueError(f"{name}={value!r} is not a decimal or fraction string") from None
    if isinstance(value, Fraction):
        return arb(fmpq(value.numerator, value.denominator))
    if hasattr(value, "p") and hasattr(value, "q"):  # sympy Rational / Integer
        return arb(fmpq(int(value.p), int(value.q)))
    if hasattr(value, "_mpf_"):  # mpmath mpf: (−1)^sign · man · 2^exp, exact (man_exp drops the sign)
        sign, man, exp, _ = value._mpf_
        if not man and exp:
            raise ValueError(f"{name}={value!r} is not a finite number")
        ball = arb((int(man), int(exp)))  # exact at any working precision (a product would round)
        return -ball if sign else ball
    raise ValueError(f"{name}={value!r} cannot be converted exactly to a ball")


def interval(low, high, name: str = "interval") -> arb:
    """The smallest ball (up to outward rounding) containing [low, high]."""
    lo, hi = to_ball(low, name), to_ball(high, name)
    if lo > hi:
        raise ValueError(f"{name}: low={low} must not exceed high={high}")
    return lo.union(hi)


def arb_to_fraction(x: arb) -> Fraction:
    """An exact arb (a midpoint or an endpoint) as a Fraction."""
    if not x.is_exact():
        raise ValueError(f"{x} is not an exact number")
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2 ** exp) if exp >= 0 else Fraction(man, 2 ** -exp)


def lower_bound(x: arb) -> Fraction:
    return arb_to_fraction(x.lower())


def upper_bound(x: arb) -> Fraction:
    return arb_to_fraction(x.upper())


# --- validation of ball arguments -----------------------------------------------------------------

def _show(x: arb) -> str:
    return x.str(10, radius=True)


def require_finite_ball(name: str, x: arb) -> arb:
    if not x.is_finite():
        raise ValueError(f"{name}={_show(x)} is not a finite ball")
    return x


def require_weight_ball(name: str, value, *, closed: bool = False) -> arb:
    """A weight ball inside (0, 1) (or [0, 1] with closed=True; the ends are then clipped exactly,
    since a ball from exact endpoints may stick out by a rounding radius)."""
    x = require_finite_ball(name, to_ball(value, name))
    if closed:
        if x.upper() < 0 or x.lower() > 1 or x.mid() < 0 or x.mid() > 1:
            raise ValueError(f"{name}={_show(x)} is outside the allowed range [0, 1]")
        return x.nonnegative_part().min(arb(1)) if x.lower() < 0 or x.upper() > 1 else x
    if not (x.lower() > 0 and x.upper() < 1):
        raise ValueError(f"{name}={_show(x)} is outside the allowed range (0, 1)")
    return x


def require_separation_ball(name: str, value, maximum=None) -> arb:
    """Δ ≥ 0. A ball from [0, r] may reach below 0 by its rounding radius; every formula here is
    even in Δ or is written for Δ's nonnegative part, so the ball is clipped at 0, not refused."""
    x = require_finite_ball(name, to_ball(value, name))
    if x.mid() < 0:
        raise ValueError(f"{name}={_show(x)} is outside the allowed range [0, inf): a separation is a norm")
    if maximum is not None and x.lower() > maximum:
        raise ValueError(f"{name}={_show(x)} is outside the allowed range [0, {maximum}]")
    return x.nonnegative_part() if x.lower() < 0 else x


# --- accuracy goal and the integration helper -----------------------------------------------------

_GOAL: ContextVar = ContextVar("enclosure_goal_bits", default=None)
#: Relative accuracy (bits) of integrals whose value only multiplies a box radius (gradients).
GRADIENT_GOAL = 16


def goal_bits() -> int:
    """Relative accuracy aimed at by the integrals: the working precision minus guard bits,
    unless lowered with `accuracy_goal` (a box proof needs far fewer bits than 100)."""
    goal = _GOAL.get()
    return max(8, min(goal, ctx.prec - 8) if goal is not None else ctx.prec - 8)


@contextmanager
def accuracy_goal(bits: int):
    if not isinstance(bits, int) or bits < 8:
        raise ValueError(f"accuracy goal bits={bits!r} is outside the allowed range [8, inf)")
    token = _GOAL.set(bits)
    try:
        yield
    finally:
        _GOAL.reset(token)


def _dyadic(x: float) -> arb:
    """An exact split point near x (a float is fine here: split points only steer the work)."""
    return arb(fmpq(int(round(x * 1024)), 1024))


def _window_halfwidth(goal: int) -> float:
    """T with Φ(−T) ≲ 2^{−goal−12}: the Gaussian tails beyond ±T are below the accuracy goal."""
    return math.sqrt(2 * (goal + 12) * math.log(2)) + 1


def _inherent_width(f, cuts) -> float:
    """The relative radius of f's ball at a few interior points: with ball-valued parameters the
    integral can be no narrower than that, and asking acb.integral for more only makes it
    subdivide until its evaluation limit."""
    widest = 0.0
    for lo, hi in zip(cuts, cuts[1:]):
        v = f(acb((lo + hi) / 2), False).real
        if not v.is_finite():
            return 1.0
        m = abs(float(v.mid()))
        r = float(v.rad())
        if m > 0:
            widest = max(widest, min(1.0, r / m))
    return widest


#: Above this relative width of the integrand's ball, integrating is wasted work (acb.integral
#: subdivides to its evaluation limit, measured ~1 s on a full O3 box): the a-priori bound is used.
WIDE_INTEGRAND = 0.5


def _integral(f, cuts, magnitude: float, goal: int, a_priori: arb | None = None) -> arb:
    """∫ f over [cuts[0], cuts[-1]] (f: acb, analytic flag -> acb), split at the cuts.

    `magnitude` (a float estimate of the integral's size, may be crude) sets the absolute
    tolerance, which acb.integral needs for integrals far from 1 (its default 2^-prec absolute
    tolerance stops at ±1e-16 on an ε_o of 1e-50). With ball parameters the tolerance is relaxed
    to a quarter of the integrand's own relative width. Neither affects validity. When that width
    exceeds WIDE_INTEGRAND, `a_priori` (a valid enclosure of the whole integral over R, from a
    bound on the integrand) is returned instead, if given.
    """
    width = _inherent_width(f, cuts)
    if a_priori is not None and width > WIDE_INTEGRAND:
        return a_priori
    relative = max(2.0 ** (-goal), width / 4)
    tol = arb(2) ** int(math.floor(math.log2(relative)))
    scale = arb(magnitude) if magnitude > 1e-300 else arb(2) ** -1000
    abs_tol = tol * scale
    total = arb(0)
    for lo, hi in zip(cuts, cuts[1:]):
        total += acb.integral(f, lo, hi, rel_tol=tol, abs_tol=abs_tol).real
    return total


def _between(low, high) -> arb:
    """The ball [low, high] (exact endpoints)."""
    return to_ball(low).union(to_ball(high))


def _plus_nonnegative(value: arb, bound: arb) -> arb:
    """value + [0, bound] (a truncated tail of a nonnegative integrand)."""
    return value + _between(0, bound.upper())


def _plus_minus(value: arb, bound: arb) -> arb:
    """value + [−bound, bound] (a truncated tail of an integrand of either sign)."""
    b = abs(bound).upper()
    return value + _between(-b, b)


def _sorted_cuts(points, low: float, high: float):
    inner = sorted({p for p in points if low < p < high})
    return [_dyadic(low)] + [_dyadic(p) for p in inner] + [_dyadic(high)]


def _mid(x: arb) -> float:
    return float(x.mid())


# --- closed forms (THEORY O1, R1(iii)) ------------------------------------------------------------

def _sqrt2() -> arb:
    return arb(2).sqrt()


def normal_cdf_ball(x) -> arb:
    """Φ(x) = erfc(−x/√2)/2 (erfc keeps relative accuracy in the lower tail)."""
    x = require_finite_ball("x", to_ball(x, "x"))
    return (-x / _sqrt2()).erfc() / 2


def normal_pdf_ball(x) -> arb:
    x = require_finite_ball("x", to_ball(x, "x"))
    return (-(x ** 2) / 2).exp() / (2 * arb.pi()).sqrt()


def normal_cdf_gradient_ball(x) -> tuple:
    """(Φ'(x),) = (φ(x),), for box proofs."""
    return (normal_pdf_ball(x),)


def bhattacharyya_ball(delta) -> arb:
    """BC(φ_o, φ_n) = e^{−Δ²/8}."""
    d = require_separation_ball("delta", delta)
    return (-(d ** 2) / 8).exp()


def kl_divergence_ball(delta) -> arb:
    d = require_separation_ball("delta", delta)
    return d ** 2 / 2


def chi_squared_ball(delta) -> arb:
    """e^{Δ²} − 1 via expm1 (no cancellation at small Δ)."""
    d = require_separation_ball("delta", delta)
    return (d ** 2).expm1()


def total_variation_ball(delta) -> arb:
    """2Φ(Δ/2) − 1 = erf(Δ/(2√2))."""
    d = require_separation_ball("delta", delta)
    return (d / (2 * _sqrt2())).erf()


def hellinger_squared_ball(delta) -> arb:
    d = require_separation_ball("delta", delta)
    return -((-(d ** 2) / 8).expm1())


def kappa_reverse_ball(delta) -> arb:
    """κ_R = 2[Φ(Δ/2) − 2Φ(−Δ/2) + e^{Δ²} Φ(−3Δ/2)] (THEORY R1(iii))."""
    d = require_separation_ball("delta", delta)
    return 2 * (normal_cdf_ball(d / 2) - 2 * normal_cdf_ball(-d / 2) + (d ** 2).exp() * normal_cdf_ball(-3 * d / 2))


# --- ε_o (THEORY O3) ------------------------------------------------------------------------------

def _log_odds(a: arb) -> arb:
    """log c = log((1−a)/a), written with a single occurrence of a (1/a − 1) so that a ball a
    does not pay for the dependency between numerator and denominator."""
    return (1 / a - 1).log()


def _sech_window(delta: arb, log_odds: arb, goal: int):
    """Split points for integrands in N(w) sech((Δw + log c)/2): the Gaussian window ±T and the
    centre of sech, w0 = −log c/Δ, where the integrand changes on a scale 2/Δ."""
    t = _window_halfwidth(goal)
    d, lc = _mid(delta), _mid(log_odds)
    points = [0.0]
    if d > 0:
        w0 = -lc / d
        points += [w0 - 2 / d, w0, w0 + 2 / d]
    return _sorted_cuts(points, -t, t), t


def _sech_magnitude(delta: arb, log_odds: arb) -> float:
    """A (crude, low) estimate of K: ½ sech(log c/2) at Δ = 0, and ~1/Δ at large Δ."""
    lc = min(abs(_mid(log_odds)), 700.0)
    return 0.25 / math.cosh(lc / 2) / max(1.0, _mid(delta))


def _sech_expectation(delta: arb, log_odds: arb, goal: int) -> arb:
    """K = E_W[½ sech((ΔW + log c)/2)]; the integrand is in (0, ½], so the tails beyond ±T add
    [0, 2 · ½ Φ(−T)] = [0, Φ(−T)]."""
    cuts, t = _sech_window(delta, log_odds, goal)
    dc, lc = acb(delta), acb(log_odds)
    norm = 2 * (2 * arb.pi()).sqrt()

    def f(w, analytic):  # meromorphic: the analytic flag needs no handling
        return (-(w * w) / 2).exp() * ((dc * w + lc) / 2).sech() / norm

    value = _integral(f, cuts, _sech_magnitude(delta, log_odds), goal, a_priori=_between(0, arb(1) / 2))
    return _plus_nonnegative(value, (normal_cdf_ball(cuts[0]) + normal_cdf_ball(-cuts[-1])) / 2)


def misassignment_ball(weight_old, delta) -> arb:
    """ε_o(a, Δ) = E_{φ_o}[γ_n] (THEORY O3) for every a in the ball `weight_old` ⊂ (0, 1) and
    every Δ in the ball `delta` ⊂ [0, ∞)."""
    a = require_weight_ball("weight_old", weight_old)
    d = require_separation_ball("delta", delta)
    lc = _log_odds(a)
    return (lc / 2).exp() * (-(d ** 2) / 8).exp() * _sech_expectation(d, lc, goal_bits())


def misassignment_scaled_ball(weight_old, delta) -> arb:
    """K(a, Δ) = ε_o(a, Δ) / (sqrt(c) e^{−Δ²/8}) = E_W[½ sech((ΔW + log c)/2)] ∈ (0, ½].

    A ball evaluator that writes ε_o as sqrt(c) e^{−Δ²/8} K can factor the exponential out of
    a claim such as ε_o ≤ ½ sqrt(c) e^{−Δ²/8} exactly, instead of paying for it twice in width.
    """
    a = require_weight_ball("weight_old", weight_old)
    d = require_separation_ball("delta", delta)
    return _sech_expectation(d, _log_odds(a), goal_bits())


class _GradientSetup(NamedTuple):
    """What both gradient enclosures of ε_o share: validated balls, the log-odds, the integration
    window of the sech integrand and its tail cut, and the integrand's scale."""
    a: arb
    d: arb
    log_odds: arb
    goal: int
    cuts: list
    tail_start: arb
    d_complex: acb
    log_odds_complex: acb
    norm: arb
    magnitude: float

    @classmethod
    def of(cls, weight_old, delta):
        a = require_weight_ball("weight_old", weight_old)
        d = require_separation_ball("delta", delta)
        lc = _log_odds(a)
        goal = min(goal_bits(), GRADIENT_GOAL)
        cuts, _ = _sech_window(d, lc, goal)
        t_ball = (-cuts[0]).min(cuts[-1])  # both tails lie beyond |w| = t_ball
        return cls(a, d, lc, goal, cuts, t_ball, acb(d), acb(lc), (2 * arb.pi()).sqrt(), _sech_magnitude(d, lc))


def misassignment_scaled_gradient_ball(weight_old, delta) -> tuple:
    """(∂K/∂a, ∂K/∂Δ) over the balls, u = (ΔW + log c)/2:

        ∂K/∂Δ = E_W[−¼ W sech(u) tanh(u)],   ∂K/∂a = E_W[sech(u) tanh(u)] / (4a(1−a)).

    Tails: |sech tanh| ≤ ½, so beyond ±T they add at most ¼ φ(T) and ¼ Φ(−T) in absolute value.
    """
    a, d, lc, goal, cuts, t_ball, dc, lcc, norm, magnitude = _GradientSetup.of(weight_old, delta)

    def f_delta(w, analytic):
        u = (dc * w + lcc) / 2
        return -(-(w * w) / 2).exp() * w * u.sech() * u.tanh() / (4 * norm)

    def f_log_odds(w, analytic):
        u = (dc * w + lcc) / 2
        return (-(w * w) / 2).exp() * u.sech() * u.tanh() / norm

    bound_delta = ((2 / arb.pi()).sqrt() / 8).upper()      # ¼ · ½ · E|W|
    e_delta = _plus_minus(_integral(f_delta, cuts, magnitude / 8, goal, a_priori=_between(-bound_delta, bound_delta)),
                          normal_pdf_ball(t_ball) / 4)
    e_log_odds = _plus_minus(_integral(f_log_odds, cuts, magnitude, goal, a_priori=_between(arb(-1) / 2, arb(1) / 2)),
                             normal_cdf_ball(-t_ball))
    return (e_log_odds / (4 * a * (1 - a)), e_delta)


def misassignment_gradient_ball(weight_old, delta) -> tuple:
    """(∂ε_o/∂a, ∂ε_o/∂Δ) over the balls, each by one integral (u = (Δw + log c)/2):

        ∂ε_o/∂Δ = sqrt(c) e^{−Δ²/8} E_W[−sech(u)(Δ + 2W tanh u)/8]
        ∂ε_o/∂a = −sqrt(c) e^{−Δ²/8} / (4a(1−a)) · E_W[sech(u)(1 − tanh u)]

    (differentiate sqrt(c) e^{−Δ²/8} K under the integral; d log c/da = −1/(a(1−a))).
    Tails: |sech(u)(Δ + 2w tanh u)| ≤ Δ + 2|w| and 0 < sech(u)(1 − tanh u) ≤ 2.
    """
    a, d, lc, goal, cuts, t_ball, dc, lcc, norm, magnitude = _GradientSetup.of(weight_old, delta)

    def f_delta(w, analytic):
        u = (dc * w + lcc) / 2
        return -(-(w * w) / 2).exp() * u.sech() * (dc + 2 * w * u.tanh()) / (8 * norm)

    def f_weight(w, analytic):
        u = (dc * w + lcc) / 2
        return (-(w * w) / 2).exp() * u.sech() * (1 - u.tanh()) / norm

    tail_gauss = normal_cdf_ball(-t_ball)             # ∫_{w>T} N = Φ(−T)
    tail_abs_w = normal_pdf_ball(t_ball)              # ∫_{w>T} w N = φ(T)
    # a-priori bounds for boxes too wide to integrate over: |f_delta| ≤ N(w)(Δ + 2|w|)/8,
    # 0 < f_weight ≤ 2 N(w), and E|W| = sqrt(2/π)
    bound_delta = ((d + 2 * (2 / arb.pi()).sqrt()) / 8).upper()
    e_delta = _plus_minus(_integral(f_delta, cuts, magnitude * max(1.0, _mid(d)) / 8, goal,
                                    a_priori=_between(-bound_delta, bound_delta)),
                          (2 * d * tail_gauss + 4 * tail_abs_w) / 8)
    e_weight = _plus_nonnegative(_integral(f_weight, cuts, magnitude, goal, a_priori=_between(0, 2)),
                                 4 * tail_gauss)
    prefactor = (lc / 2).exp() * (-(d ** 2) / 8).exp()
    return (-prefactor * e_weight / (4 * a * (1 - a)), prefactor * e_delta)


# --- forward KL (THEORY F1): building blocks for F1(ii) -------------------------------------------

def _grid_magnitude(f, low: float, high: float, samples: int = 48) -> float:
    """A low estimate of ∫ f from point samples (for the tolerance only; see _integral)."""
    step = (high - low) / samples
    best = 0.0
    with ctx.workprec(30):
        for k in range(samples + 1):
            v = f(acb(_dyadic(low + k * step)), False).real
            if v.is_finite():
                best = max(best, abs(float(v.mid())))
    return best * min(1.0, step)


def _min_upper(*bounds) -> arb:
    """The smallest finite upper bound among alternatives (each valid on its own)."""
    finite = [b.upper() for b in bounds if b.is_finite()]
    if not finite:
        return arb.pos_inf()
    best = finite[0]
    for b in finite[1:]:
        if b < best:
            best = b
    return best


def forward_kl_curvature_ball(alpha, delta) -> arb:
    """G(α) = ∫ (φ_o − φ_n)²/q_α = ∫ φ_o (e^ℓ − 1)²/(α + (1−α)e^ℓ), α ∈ [0, 1], ℓ = Δx − Δ²/2.

    L_F'(α) = α G(α) (F1), G(0) = G(1) = e^{Δ²} − 1. Tails (x ≥ X ≥ max(Δ/2, 2Δ) and x ≤ X' ≤ 0):
    the integrand is at most min(e^{Δ²} φ(x − 2Δ)/α, φ(x − Δ)/(1 − α)) on the right and
    min(φ(x)/α, e^{Δ²} φ(x + Δ)/(1 − α)) on the left.
    """
    al = require_weight_ball("alpha", alpha, closed=True)
    d = require_separation_ball("delta", delta)
    goal = goal_bits()
    t = _window_halfwidth(goal)
    dm = _mid(d)
    low, high = -dm - t, 2 * dm + t
    alc, dc = acb(al), acb(d)
    norm = (2 * arb.pi()).sqrt()

    def f(x, analytic):
        ell = dc * x - dc * dc / 2
        return (-(x * x) / 2).exp() * ell.expm1() ** 2 / (alc + (1 - alc) * ell.exp()) / norm

    am = min(max(_mid(al), 0.0), 1.0)
    points = [-dm, 0.0, dm / 2, dm, 2 * dm]
    if 0 < am < 1 and dm > 0:
        points.append(dm / 2 + math.log(am / (1 - am)) / dm)
    cuts = _sorted_cuts(points, low, high)
    value = _integral(f, cuts, _grid_magnitude(f, low, high), goal)
    x_hi, x_lo = cuts[-1], cuts[0]
    e = (d ** 2).exp()
    right = _min_upper(e * normal_cdf_ball(2 * d - x_hi) / al, normal_cdf_ball(d - x_hi) / (1 - al))
    left = _min_upper(normal_cdf_ball(x_lo) / al, e * normal_cdf_ball(x_lo + d) / (1 - al))
    return _plus_nonnegative(value, right + left)


def forward_kl_weight_gradient_ball(alpha, delta) -> arb:
    """L_F'(α) = E_{φ_n}[(1−r)/(1−α+αr)] = α G(α) (F1(i))."""
    al = require_weight_ball("alpha", alpha, closed=True)
    return al * forward_kl_curvature_ball(al, delta)


def kappa_forward_ball(delta) -> arb:
    """κ_F = E_{φ_n}[(1−r)²/max(1, r)³] = ∫ φ_n expm1(−ℓ)² e^{3 min(ℓ, 0)} (F1(ii)).

    The kink at ℓ = 0 (x = Δ/2) moves with a ball Δ, so it is written with acb.real_min and the
    `analytic` flag forwarded (acb.integral then never applies Gauss–Legendre across it).
    Tails: ≤ φ_n for x ≥ X (→ Φ(Δ − X)); ≤ φ_n e^ℓ = e^{Δ²} φ(x − 2Δ) for x ≤ X' < Δ/2.
    """
    d = require_separation_ball("delta", delta)
    goal = goal_bits()
    t = _window_halfwidth(goal)
    dm = _mid(d)
    low, high = -t, dm + t
    dc = acb(d)
    norm = (2 * arb.pi()).sqrt()
    zero = acb(0)

    def f(x, analytic):
        ell = dc * x - dc * dc / 2
        return ((-((x - dc) ** 2) / 2).exp() * (-ell).expm1() ** 2
                * (3 * ell.real_min(zero, analytic=analytic)).exp() / norm)

    cuts = _sorted_cuts([0.0, dm / 2, dm], low, high)
    value = _integral(f, cuts, _grid_magnitude(f, low, high), goal)
    right = normal_cdf_ball(d - cuts[-1])
    left = (d ** 2).exp() * normal_cdf_ball(cuts[0] - 2 * d)
    return _plus_nonnegative(value, right + left)


# --- TTT-Discover's entropic objective (THEORY M3): the maximizer ---------------------------------

def _entropic_slope(shift: arb, logit0: arb, beta: arb, reward_old: arb, reward_new: arb, lam: arb) -> arb:
    """J_λ'(α) at logit α = logit α_0 + s: (1 − g)/(α + (1−α)g) − λ s, g = e^{β(R_n − R_o)}
    (kl'(α||α_0) = logit α − logit α_0 = s)."""
    alpha = 1 / (1 + (-(logit0 + shift)).exp())
    g = (beta * (reward_new - reward_old)).exp()
    return (1 - g) / (alpha + (1 - alpha) * g) - lam * shift


def entropic_maximizer_shift_ball(alpha_0, beta, reward_old, reward_new, lam, max_steps: int = 400) -> arb:
    """logit α_λ − logit α_0, α_λ the maximizer of J_λ(α) = log(αe^{βR_o} + (1−α)e^{βR_n}) −
    λ kl(α||α_0), λ > 0 (THEORY M3; the engine's forgetcheck.numerics.methods.entropic_maximizer_shift).

    J_λ is strictly concave, so J_λ' is strictly decreasing in α and the maximizer is its unique
    zero. A bracket [s_lo, s_hi] is grown by doubling from ±1 (never from the bound M3 claims)
    until J_λ' is certified > 0 at s_lo and < 0 at s_hi for every parameter in the balls, then
    bisected while the sign at the midpoint is certified. The result contains the shift for
    every parameter value in the balls.
    """
    a0 = require_weight_ball("alpha_0", alpha_0)
    beta_ = require_finite_ball("beta", to_ball(beta, "beta"))
    ro = require_finite_ball("reward_old", to_ball(reward_old, "reward_old"))
    rn = require_finite_ball("reward_new", to_ball(reward_new, "reward_new"))
    lm = require_finite_ball("lam", to_ball(lam, "lam"))
    if not lm.lower() > 0:
        raise ValueError(f"lam={_show(lm)} is outside the allowed range (0, inf): with λ = 0 the "
                         "maximizer is at the boundary (THEORY M3)")
    t0 = (1 / a0 - 1).log().neg()   # logit α_0 = −log(1/α_0 − 1), one occurrence of α_0
    slope = lambda shift: _entropic_slope(shift, t0, beta_, ro, rn, lm)
    width = arb(1)
    for _ in range(64):
        lo, hi = -width, width
        if slope(lo) > 0 and slope(hi) < 0:
            break
        width *= 2
    else:
        raise ValueError("entropic maximizer: no certified bracket within |shift| < 2^64; the "
                         "parameter balls are too wide")
    # the root set over the balls lies in [lo, hi]: tighten each end on its own, so that an
    # undecided midpoint (a root for some parameter in the balls) stops neither side early
    low_bracket, high_bracket = (lo, hi), (lo, hi)
    for _ in range(max_steps):
        left, right = low_bracket          # slope(left) > 0 certified: the lowest root is ≥ left
        mid = (left + right) / 2
        low_bracket = (mid, right) if slope(mid) > 0 else (left, mid)
        left, right = high_bracket         # slope(right) < 0 certified: the highest root is ≤ right
        mid = (left + right) / 2
        high_bracket = (left, mid) if slope(mid) < 0 else (mid, right)
        if (low_bracket[1] - low_bracket[0]) < _resolution(low_bracket[0]) and \
                (high_bracket[1] - high_bracket[0]) < _resolution(high_bracket[1]):
            break
    return low_bracket[0].union(high_bracket[1])


def _resolution(x: arb) -> arb:
    """Bisection stops at the working precision's resolution near x."""
    return arb(2) ** (10 - ctx.prec) * (abs(x) + 1)
