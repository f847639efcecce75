"""Peak-aware high-precision quadrature with an honest error estimate.

Why not `mpmath.quad(f, [-inf, inf])`: the integrands of this theory have their mass in a window of
width ~1/Δ around the point where the two weighted densities cross, far from the origin at large Δ.
Tanh-sinh on a few wide intervals then samples that window too sparsely and returns a wrong value
with no warning (THEORY §7: 4% error for ε_o(0.1, 30)). We therefore

1. split at every point the caller knows to be special (means, crossover points, midpoint, kinks),
2. refine around each *peak* with sub-intervals of geometrically growing width, starting at the
   peak's own scale (1/Δ), so every piece is smooth on its own scale, and
3. integrate twice, at two working precisions, and accept only if the two agree to the requested
   digits (mpmath's own error estimate is a heuristic that has understated errors by 10^6).

How step 3 integrates: first by fixed Gauss-Legendre panels (`panel_quadrature`), then, where
those do not confirm the digits, by adaptive tanh-sinh. From every split point where the integrand
is not negligible, panels are walked into the pieces on both sides (and out along the tails): the
first as wide as the shorter piece next to the point (the local scale: the peak refinement of step
2 makes it 1/Δ at a crossover), the next ones twice as wide up to MAX_PANEL (the integrands'
Gaussian factors have unit width in the whitened coordinate), until the integrand has fallen below
the digits asked for and is still falling; what is left of a piece between two walks, negligible at
both ends, is one panel. On every panel the n-point rule at the working precision is compared with the same
rule on the two halves at the confirming precision: a second rule *and* a second precision, so
under-resolution and rounding both show as a gap. Panels whose gap is more than their share of
the tolerance are halved and compared again; the sum of the halves' values is accepted only when
the gaps add up to less than the requested digits, and the gap sum is the reported error. Halving
that keeps splitting most panels is the integrand's own rounding, not resolution: the panels give
up and the adaptive path decides (it raises PrecisionNotReached where it cannot confirm either).

Where the integrand comes with the same formula on python-flint balls (`arb_integrand`), the
confirming rule runs in arb (see _gauss_arb): a second number system as well as a second rule and
precision, ~5x cheaper an evaluation; the working rule stays in mpmath.

Measured at 30 digits on the reference integrands of the catalog (R1's ∫(φ_o − φ_n) log(q_α/p*),
KL(q_θ||p*), R2's α∫xφ_o log(q/p*), F2, F3, g, P2, the O1 divergences, O2): adaptive tanh-sinh
spends 2,300-12,000 integrand evaluations (mpmath's error estimate needs every lower degree), the
panels 800-3,700; with the integrands' cost unchanged that is 2-5 times less time a value.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import flint
import mpmath
from mpmath.libmp import dps_to_prec, finf, fnan, fninf, mpf_add, mpf_mul, round_nearest

from .errors import PrecisionNotReached
from .validation import require_dps

#: Extra working digits on top of the requested ones, and the gap to the confirming precision.
#: The confirming pass exists to catch under-resolution (a different precision gives tanh-sinh a
#: different node set and stopping point), not rounding, which the guard digits cover.
GUARD_DIGITS = 10
CONFIRM_EXTRA_DIGITS = 8

#: Peak refinement: points at peak ± width·2^k for k = 0..PEAK_LEVELS-1, as long as width·2^k is
#: below the unit scale of the Gaussian factor (beyond it, the integrand is smooth on the pieces
#: the means and midpoint already make, and further splits only cost evaluations).
PEAK_LEVELS = 4


@dataclass(frozen=True)
class Peak:
    """A place where the integrand changes on the length scale `width`."""
    location: mpmath.mpf
    width: mpmath.mpf


@dataclass(frozen=True)
class QuadResult:
    value: mpmath.mpf
    error: mpmath.mpf   # estimated absolute error of `value`
    dps: int            # digits requested (and reached)

    def __iter__(self):  # allows `value, error, _ = result`
        return iter((self.value, self.error, self.dps))


def breakpoints(points: Iterable, peaks: Sequence[Peak] = ()) -> list:
    """Sorted, de-duplicated split points, including ±inf and the refinement around peaks."""
    finite = {mpmath.mpf(p) for p in points if mpmath.isfinite(p)}
    for peak in peaks:
        finite.add(mpmath.mpf(peak.location))
        for level in range(PEAK_LEVELS):
            step = peak.width * 2 ** level
            if step >= 1:
                break
            finite.add(peak.location - step)
            finite.add(peak.location + step)
    ordered = sorted(finite)
    return [mpmath.ninf] + ordered + [mpmath.inf]


#: Gauss-Legendre panels: the rule's degree in mpmath's numbering (3·2^(degree−1) nodes: 24, chosen
#: against 12 and 48 by the evaluation counts above), the longest panel before halving, and caps
#: after which the adaptive path decides (tail panels, panels, halving rounds, growth of the panel
#: count over the first cut).
PANEL_DEGREE = 4
MAX_PANEL = 4
MAX_TAIL_PANELS = 400
MAX_PANELS = 3000
MAX_REFINEMENTS = 20
GROWTH = 4
#: A tail ends where the integrand has fallen this many digits below the digits confirmed (and is
#: still falling outward): the integrands here are bounded by Gaussians of unit width centred at
#: split points, so what lies beyond is smaller again by orders of magnitude.
TAIL_MARGIN_DIGITS = 5


class PanelsNotConfirmed(Exception):
    """The panel rule could not confirm the digits: the adaptive path decides, unless `rounding`
    (the gaps are the integrand's own rounding at this precision, which no rule can remove: only
    more working digits help). `value` and `relative` are the panels' sum and its relative gap."""

    def __init__(self, why: str, rounding: bool = False, value=None, relative=mpmath.inf):
        super().__init__(why)
        self.rounding, self.value, self.relative = rounding, value, relative


@lru_cache(maxsize=64)
def _legendre_nodes(degree: int, prec: int) -> tuple:
    """(nodes, weights) of the Gauss-Legendre rule on [-1, 1] at `prec` bits (mpmath's rule)."""
    from mpmath.calculus.quadrature import GaussLegendre
    with mpmath.workprec(prec):
        pairs = GaussLegendre(mpmath.mp).calc_nodes(degree, prec)
        return tuple(x for x, _ in pairs), tuple(w for _, w in pairs)


#: The raw (sign, man, exp, bc) tuples of ±inf and nan: one set for every raw-tuple finiteness test.
NONFINITE_RAW = (finf, fninf, fnan)


def _finite(value) -> bool:
    return isinstance(value, mpmath.mpf) and value._mpf_ not in NONFINITE_RAW


def _gauss(f: Callable, a, b, dps: int):
    """The Gauss-Legendre rule on [a, b] at `dps` digits (PANEL_DEGREE)."""
    with mpmath.workdps(dps):
        a, b = mpmath.mpf(a), mpmath.mpf(b)
        prec = mpmath.mp.prec
        nodes, weights = _legendre_nodes(PANEL_DEGREE, prec)
        half, mid = (b - a) / 2, (a + b) / 2
        half_raw, mid_raw = half._mpf_, mid._mpf_
        values = []
        mpf, make = mpmath.mpf, mpmath.mp.make_mpf
        for x in nodes:
            # mid + half·x on the raw tuples: the same two roundings as the mpf expression, without
            # two wrapper calls per node
            point = make(mpf_add(mid_raw, mpf_mul(half_raw, x._mpf_, prec, round_nearest), prec, round_nearest))
            value = f(point)
            if type(value) is not mpf:  # mpmathify only what is not already an mpf (it is per node)
                value = mpmath.mpmathify(value)
            if not _finite(value):
                raise PanelsNotConfirmed(f"integrand {value} at {point}")
            values.append(value)
        return half * mpmath.fdot(weights, values)


# --- the confirming pass in arb -----------------------------------------------------------------------
# An integrand may come with a second implementation of the same formula on python-flint balls
# (`arb_integrand`, written against backends.ARB). It then evaluates the confirming rule (the 2·24
# nodes on the halves, two thirds of a panel's evaluations) ~5x faster than mpmath, while the
# working rule stays in mpmath: two rules, two precisions *and* two number systems. A constant that
# leaked into either formula as a 53-bit float (arb − mpf converts the mpf to a float) makes the
# passes differ by ~1e-16 relative, which no panel can halve away: the digits are then not
# confirmed (PrecisionNotReached), never wrong. The ball's own radius (arb's bound on its rounding)
# is added to the panel's gap, so the confirming pass's rounding is bounded, not estimated.

@lru_cache(maxsize=64)
def _legendre_nodes_arb(degree: int, prec: int) -> tuple:
    """_legendre_nodes as exact arbs (the same rational points as the mpmath rule at `prec` bits)."""
    from .backends import arb_from_mpf
    nodes, weights = _legendre_nodes(degree, prec)
    return tuple(arb_from_mpf(x) for x in nodes), tuple(arb_from_mpf(w) for w in weights)


def _gauss_arb(g: Callable, a, b, prec: int) -> tuple:
    """(midpoint, radius) as mpfs of the Gauss-Legendre rule on [a, b], g evaluated on arbs at
    `prec` bits (flint's precision is set for the call and restored)."""
    from .backends import arb_from_mpf, mpf_from_arb
    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        nodes, weights = _legendre_nodes_arb(PANEL_DEGREE, prec)
        low, high = arb_from_mpf(a), arb_from_mpf(b)
        half, mid = (high - low) / 2, (low + high) / 2
        total = flint.arb(0)
        for x, w in zip(nodes, weights):
            # the node as an exact point (the ball's midpoint): a node with a radius would carry
            # that radius through an integrand that cancels (R2's log-ratios lose 200 digits, which
            # its formula recovers by working at more digits, but not a ball's width)
            point = (mid + half * x).mid()
            value = g(point)
            if not isinstance(value, flint.arb) or not value.is_finite():
                raise PanelsNotConfirmed(f"arb integrand {value} near {mpmath.nstr(mpf_from_arb(point), 8)}")
            total += w * value
        total *= half
        return mpf_from_arb(total), mpf_from_arb(total.rad())
    finally:
        flint.ctx.prec = saved


@dataclass
class _Panel:
    a: mpmath.mpf
    b: mpmath.mpf
    coarse: mpmath.mpf   # the rule on [a, b] at the working precision
    fine: mpmath.mpf     # the rule on both halves at the confirming precision
    radius: mpmath.mpf = mpmath.mpf(0)   # the confirming pass's rounding bound, when it ran in arb

    @property
    def gap(self):
        return abs(self.fine - self.coarse) + self.radius


def _panel(f, a, b, work: int, confirm: int, g=None) -> _Panel:
    with mpmath.workdps(confirm):
        mid = (mpmath.mpf(a) + b) / 2
        if g is None:
            fine, radius = _gauss(f, a, mid, confirm) + _gauss(f, mid, b, confirm), mpmath.mpf(0)
        else:
            bits = dps_to_prec(confirm)
            (left, left_rad), (right, right_rad) = _gauss_arb(g, a, mid, bits), _gauss_arb(g, mid, b, bits)
            fine, radius = left + right, left_rad + right_rad
    return _Panel(a, b, _gauss(f, a, b, work), fine, radius)


def _tail(f, edge, direction, first_width, work, confirm, negligible, limit=None, g=None) -> tuple:
    """(panels, end): panels from `edge` outward (direction ±1) until the integrand is below
    `negligible` and falling, or until `limit`; widths double from `first_width` up to MAX_PANEL."""
    panels, x, width = [], edge, first_width
    with mpmath.workdps(confirm):
        previous = abs(mpmath.mpmathify(f(mpmath.mpf(edge))))
        for _ in range(MAX_TAIL_PANELS):
            nxt = x + direction * width
            if limit is not None and (nxt - limit) * direction >= 0:
                nxt = limit
            panels.append(_panel(f, min(x, nxt), max(x, nxt), work, confirm, g))
            if nxt == limit:
                return panels, nxt
            here = abs(mpmath.mpmathify(f(nxt)))
            if not _finite(here):
                raise PanelsNotConfirmed(f"integrand {here} at {nxt}")
            if here <= negligible and here <= previous and abs(panels[-1].fine) <= negligible * width:
                return panels, nxt
            previous, x, width = here, nxt, min(2 * width, MAX_PANEL)
    raise PanelsNotConfirmed("a tail did not fall below the digits asked for")


def _piece(f, a, b, size_a, size_b, scale_a, scale_b, work, confirm, negligible, g=None) -> list:
    """Panels on a finite piece between split points: one panel where both ends are negligible
    (far between two split points, where every Gaussian factor is e^{-hundreds}); otherwise walked
    in from each end that is not, until the integrand is negligible (a piece can be millions long:
    a crossover at log(a/(1−a))/Δ for a = 1e-8, Δ = 4e-6), the middle left as one panel. A walk's
    first panel is as wide as the shorter piece next to its split point (`scale_a`, `scale_b`: the
    integrand's scale there, e.g. a peak's refinement width), and the widths double up to
    MAX_PANEL: a Gauss rule has no nodes near its ends, so a panel much wider than the scale at
    its end would miss what changes there in both rules alike. The halving in panel_quadrature
    still applies to every panel."""
    if not (size_a > negligible or size_b > negligible or not _finite(size_a) or not _finite(size_b)):
        return [_panel(f, a, b, work, confirm, g)]
    panels, low, high = [], a, b
    if size_a > negligible or not _finite(size_a):
        walked, low = _tail(f, a, 1, min(scale_a, MAX_PANEL), work, confirm, negligible, limit=b, g=g)
        panels.extend(walked)
    if low < high and (size_b > negligible or not _finite(size_b)):
        walked, high = _tail(f, b, -1, min(scale_b, MAX_PANEL), work, confirm, negligible, limit=low, g=g)
        panels.extend(walked)
    if low < high:
        panels.append(_panel(f, low, high, work, confirm, g))
    return panels


def panel_quadrature(f: Callable, pts: list, dps: int, absolute_tolerance=None, extra_digits: int = 0,
                     scale_floor=None, arb_integrand=None) -> tuple:
    """(value, error) of ∫ f over the pieces `pts` (sorted, ±inf at the ends allowed) by
    Gauss-Legendre panels (module docstring), or PanelsNotConfirmed. `error` is the sum of the panels'
    gaps between the two rules, a conservative bound on the accepted (finer) sum's error.
    `extra_digits` are working digits beyond the guard digits (for integrands that cancel).
    `scale_floor`: no length scale of the integrand is below it (split points closer than that,
    e.g. two means 1e-10 apart, do not make the panels next to them start that small).
    `arb_integrand`: the same integrand on arbs, for the confirming rule (see _gauss_arb)."""
    g = arb_integrand
    work = dps + GUARD_DIGITS + extra_digits
    confirm = work + CONFIRM_EXTRA_DIGITS
    with mpmath.workdps(confirm):
        finite = sorted({mpmath.mpf(p) for p in pts if mpmath.isfinite(p)})
        if not finite:
            finite = [mpmath.mpf(0)]
        sizes = [abs(mpmath.mpmathify(f(p))) for p in finite]
        scale = max((v for v in sizes if _finite(v)), default=mpmath.mpf(0))
        # negligible against the integrand's size (and, below, against the answer)
        negligible = scale * mpmath.mpf(10) ** (-(confirm + TAIL_MARGIN_DIGITS))
        gaps = [b - a for a, b in zip(finite, finite[1:])]
        # the integrand's scale at each split point: the shorter piece next to it
        scales = [min(gaps[max(k - 1, 0):k + 1], default=MAX_PANEL) for k in range(len(finite))]
        if scale_floor is not None:
            scales = [max(s, scale_floor) for s in scales]
        panels = []
        for k in range(len(finite) - 1):
            panels.extend(_piece(f, finite[k], finite[k + 1], sizes[k], sizes[k + 1], scales[k], scales[k + 1],
                                 work, confirm, negligible, g))
        total = mpmath.fsum(p.fine for p in panels)
        if total:
            negligible = min(negligible, abs(total) * mpmath.mpf(10) ** (-(dps + TAIL_MARGIN_DIGITS)))
        if absolute_tolerance is not None:
            negligible = max(negligible, mpmath.mpf(absolute_tolerance) / 10 ** TAIL_MARGIN_DIGITS)
        if pts[0] == mpmath.ninf:
            panels.extend(_tail(f, finite[0], -1, min(scales[0], MAX_PANEL), work, confirm, negligible, g=g)[0])
        if pts[-1] == mpmath.inf:
            panels.extend(_tail(f, finite[-1], 1, min(scales[-1], MAX_PANEL), work, confirm, negligible, g=g)[0])
        initial, best, noisy = len(panels), mpmath.inf, 0
        for _ in range(MAX_REFINEMENTS):
            total = mpmath.fsum(p.fine for p in panels)
            error = mpmath.fsum(p.gap for p in panels)
            tolerance = abs(total) * mpmath.mpf(10) ** (-dps - 1)
            if absolute_tolerance is not None:
                tolerance = max(tolerance, mpmath.mpf(absolute_tolerance))
            if total and error <= tolerance or (not total and absolute_tolerance is not None
                                               and error <= tolerance):
                return total, error
            if not total and absolute_tolerance is None:
                # a sum of exactly 0 (an integrand that vanishes identically) has no relative digits
                # that halving could confirm (an arb pass's radius never shrinks to 0): the
                # adaptive path decides, as it did when every gap was 0
                raise PanelsNotConfirmed("the panels sum to exactly 0")
            # Halving the panels that resolve badly shrinks their gaps (a narrow peak at a panel's
            # end takes log2(length/width) rounds, a few panels each; a gap can grow for a round
            # while the halves find a feature both rules missed). Rounds that have to halve most
            # panels without halving the gaps, twice, are the integrand's own rounding: more
            # panels would not help, more working digits would.
            if len(panels) > GROWTH * initial + 64:
                break
            share = tolerance / (2 * len(panels))
            split = sum(1 for p in panels if p.gap > share)
            noisy = noisy + 1 if 2 * split >= len(panels) and error > best / 2 else 0
            best = min(best, error)
            if noisy >= 2:
                raise PanelsNotConfirmed("the gaps do not shrink with the panels: the integrand's rounding",
                                         True, total, error / abs(total) if total else mpmath.inf)
            refined = []
            for p in panels:
                if p.gap > share:
                    mid = (p.a + p.b) / 2
                    refined += [_panel(f, p.a, mid, work, confirm, g), _panel(f, mid, p.b, work, confirm, g)]
                else:
                    refined.append(p)
            if len(refined) > MAX_PANELS or len(refined) == len(panels):
                break
            panels = refined
    raise PanelsNotConfirmed(f"gaps {mpmath.nstr(error, 3)} against {mpmath.nstr(abs(total), 3)}")


def _integrate_once(f: Callable, pts: list, dps: int) -> tuple:
    with mpmath.workdps(dps):
        pts_here = [mpmath.mpf(p) for p in pts]
        # mpmath.quad stops on an *absolute* error near 2^-prec, so an integral of size 1e-300
        # would come back with no correct digit. Divide by the integrand's size at the split
        # points (where its mass is) so that absolute and relative accuracy coincide.
        scale = max((abs(f(p)) for p in pts_here if mpmath.isfinite(p)), default=mpmath.mpf(0))
        if not scale or not mpmath.isfinite(scale):
            scale = mpmath.mpf(1)
        value, err = mpmath.quad(lambda x: f(x) / scale, pts_here, error=True, maxdegree=10)
        return value * scale, err * scale


def integrate(
    f: Callable,
    *,
    dps: int,
    points: Iterable = (),
    peaks: Sequence[Peak] = (),
    quantity: str = "integral",
    absolute_tolerance=None,
    extra_digits: int = 0,
    arb_integrand: Callable | None = None,
) -> QuadResult:
    """∫ f over the real line to `dps` correct significant digits.

    `f` is called with mpf arguments under the active working precision; it must build its own
    constants from exact inputs (never from a float computed outside), or the extra precision of
    the confirming pass would be meaningless.

    `absolute_tolerance` accepts an answer whose estimated absolute error is below it even when the
    value is so close to 0 that relative digits are meaningless (e.g. an integral that vanishes by
    symmetry). `extra_digits` are working digits beyond the guard digits, for an integrand that
    cancels (see integrate_cancelling). `arb_integrand`, the same formula written against
    backends.ARB (every constant converted exactly), evaluates the panels' confirming rule (see
    _gauss_arb); the adaptive fallback uses `f` alone. Raises PrecisionNotReached otherwise.
    """
    dps = require_dps(dps)
    pts = breakpoints(points, peaks)
    # the integrands' length scales: the peaks' widths, else the unit width of the Gaussian factors
    floor = min([mpmath.mpf(p.width) for p in peaks] + [mpmath.mpf(1)])
    try:
        value, error = panel_quadrature(f, pts, dps, absolute_tolerance, extra_digits, floor, arb_integrand)
        return QuadResult(value, error, dps)
    except PanelsNotConfirmed as failed:
        if failed.rounding:  # another rule at the same precisions would meet the same rounding
            raise PrecisionNotReached(quantity, dps, failed.relative, failed.value) from None
        # else the adaptive path decides
    work = dps + GUARD_DIGITS + extra_digits
    low_value, low_err = _integrate_once(f, pts, work)
    high_value, high_err = _integrate_once(f, pts, work + CONFIRM_EXTRA_DIGITS)
    with mpmath.workdps(work + CONFIRM_EXTRA_DIGITS):
        # The low-precision run is the candidate answer's error witness; the high one's own
        # heuristic estimate is added so that a run where both passes fail alike is still caught.
        error = abs(high_value - low_value) + high_err
        scale = abs(high_value)
        tolerance = scale * mpmath.mpf(10) ** (-dps)
        if absolute_tolerance is not None:
            tolerance = max(tolerance, mpmath.mpf(absolute_tolerance))
        if not error <= tolerance:
            relative = error / scale if scale else mpmath.inf
            raise PrecisionNotReached(quantity, dps, relative, high_value)
    return QuadResult(high_value, error, dps)


#: Extra digits requested at most when an integrand cancels (beyond that: PrecisionNotReached).
MAX_EXTRA_DIGITS = 120


def integrate_cancelling(f: Callable, *, dps: int, points: Iterable = (), peaks: Sequence = (),
                         quantity: str = "integral", first_extra: int = 0, arb_integrand=None) -> mpmath.mpf:
    """∫ f to `dps` digits relative to the *answer*, for integrands much larger than their integral
    (or whose values are small differences of large terms: `f` works at the active precision).

    `integrate` works a fixed number of digits above the ones requested and confirms them relative
    to the answer, so an integrand that cancels k digits needs k more *working* digits, not more
    confirmed ones: `first_extra` of them from the start, and each retry raises them by the
    shortfall the failed attempt reported. `peaks` are Peak or (location, width) pairs."""
    from .validation import MAX_DPS
    extra = first_extra
    peaks = [p if isinstance(p, Peak) else Peak(mpmath.mpf(p[0]), mpmath.mpf(p[1])) for p in peaks]
    while True:
        try:
            return integrate(f, dps=dps, points=points, peaks=peaks, quantity=quantity, extra_digits=extra,
                             arb_integrand=arb_integrand).value
        except PrecisionNotReached as exc:
            relative = exc.estimated_error
            if not mpmath.isfinite(relative) or relative <= 0:
                raise
            # digits reached ≈ −log10(relative); the shortfall against the dps + 1 needed, plus margin
            extra += max(10, dps + 1 + int(mpmath.ceil(mpmath.log10(relative))) + 5)
            if extra > MAX_EXTRA_DIGITS or dps + extra > MAX_DPS:
                raise PrecisionNotReached(quantity, dps, relative) from None
