"""Float64 gradient flows for trajectories (THEORY F1, F3, R1, R5; experiments X3), Δ ≤ 10.

The right-hand sides are the engine's own exact gradient formulas evaluated in the float64 context
(forward_kl.replay_curvature_float, reverse_kl.gradient_float): no second implementation of any
formula lives here.

Every flow is returned as a `FlowSolution`: a dense solution on [0, t_stop] (the state at any
time, and its velocity, the flow's right-hand side there), the solver's own step times, the
tolerance it was solved to, and how it ended: `outcome` is "horizon" (it reached t_end) or
"boundary" (it left the domain, e.g. α reached 0, at t_stop; `boundary` says where). A flow never
ends in a FloatingPointError and never stops silently.

* The three weight-only flows are scalar and monotone and are solved as t(u), u = logit α (see
  _scalar_solution: near α = 0 the forward-KL rate is L_F''(0) = e^{Δ²} − 1 ≈ 1e43 at Δ = 10).
* The full reverse-KL flow on θ = (α, m_o, m_n) is solved with LSODA in one of three coordinate
  systems (`FULL_FLOW_COORDINATES`): THEORY's Euclidean flow θ' = −∇L_R, which can reach α = 0 in
  finite time (∂_αL_R has a finite limit as α → 0, docs/derivations/reverse_kl.md) and then stops
  there with outcome "boundary"; the gradient flow in (logit α, m_o, m_n); and the natural-gradient
  flow of the complete-data Fisher metric diag(1/(α(1−α)), α, 1−α). The last two cannot leave
  (0, 1) in finite time.

Tolerance: the solver's relative tolerance `rtol` (default RTOL) and absolute ATOL on the state;
tests/test_engine_flows.py checks that a run at 100× tighter tolerance agrees.
"""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import expit, logit

from .backends import NP
from .float_quadrature import nodes_and_weights
from .forward_kl import replay_curvature_from_parts, replay_curvature_parts
from .forward_kl import split_points as curvature_split_points
# gradient_float, objective_float: all overlap expectations of one θ on one composite rule (see there)
from .reverse_kl import gradient_float, objective_float, weight_gradient_float  # noqa: F401 (re-exported)
from .validation import require_finite_float, require_in

#: Float64 flows are validated up to this separation (e^{Δ²} stays far from overflow).
MAX_FLOW_SEPARATION = 10.0
#: Default solver tolerances (relative, and absolute on the state).
RTOL = 1e-9
ATOL = 1e-12
FULL_FLOW_COORDINATES = ("euclidean", "logit", "natural")
#: The full flow stops integrating once its solved coordinates are within this of θ*'s, and stays
#: there: 10^4 times below the solver's own relative tolerance, so nothing a claim can see changes,
#: while the solver would otherwise spend ~5 evaluations per unit time on rounding noise (a flow to
#: t = 10^4 took 50,700 evaluations, 58 s, before; docs/derivations/reverse_kl.md).
SETTLED = 1e-12


class FlowFailed(ArithmeticError):
    """The ODE solver could not follow a flow to its horizon (its message says why)."""


@dataclass(frozen=True)
class Trajectory:
    """t: times (n,), states: (n, k) with columns named by `names`; `outcome` as FlowSolution's."""
    t: np.ndarray
    states: np.ndarray
    names: tuple
    outcome: str = "horizon"
    boundary: str = ""

    def __iter__(self):  # `t, states = flow(...)`
        return iter((self.t, self.states))

    def column(self, name: str) -> np.ndarray:
        return self.states[:, self.names.index(name)]


@dataclass(frozen=True)
class FlowSolution:
    """A flow solved on [0, t_stop] with dense output. `state(t)` and `velocity(t)` take an array
    of times in [0, t_stop] and return (len(t), k) arrays, columns named by `names`."""
    names: tuple
    t_end: float
    t_stop: float
    outcome: str                      # "horizon" or "boundary"
    boundary: str                     # where the flow left the domain ("" if it did not)
    steps: np.ndarray                 # the solver's step times (extrema are searched between them)
    rtol: float
    _state: Callable = field(repr=False)
    _velocity: Callable = field(repr=False)

    def _times(self, t) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=float))
        if t.size and (t.min() < 0 or t.max() > self.t_stop * (1 + 1e-12)):
            raise ValueError(f"t in [{t.min()!r}, {t.max()!r}] is outside the solved range [0, {self.t_stop!r}]")
        return np.minimum(t, self.t_stop)

    def state(self, t) -> np.ndarray:
        return self._state(self._times(t))

    def velocity(self, t) -> np.ndarray:
        return self._velocity(self._times(t))

    def column(self, name: str, t) -> np.ndarray:
        return self.state(t)[:, self.names.index(name)]

    def sample(self, n_points: int) -> Trajectory:
        """The state at n_points equally spaced times of [0, t_stop]."""
        grid = np.linspace(0.0, self.t_stop, n_points)
        return Trajectory(grid, self.state(grid), self.names, self.outcome, self.boundary)


# --- input validation ---------------------------------------------------------------------------

def _float_weight(name, value, *, closed):
    x = require_finite_float(name, value)
    require_in(name, x, 0, 1, low_open=not closed, high_open=not closed)
    return x


def _float_delta(delta):
    d = require_finite_float("delta", delta)
    require_in("delta", d, 0, MAX_FLOW_SEPARATION)
    return d


def _horizon(t_end):
    t_end = require_finite_float("t_end", t_end)
    if t_end <= 0:
        raise ValueError(f"t_end={t_end!r} is outside the allowed range (0, inf)")
    return t_end


def _points(n_points):
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ValueError(f"n_points={n_points!r} is outside the allowed range [2, inf) (whole number)")
    return n_points


def _tolerance(rtol):
    rtol = require_finite_float("rtol", rtol)
    require_in("rtol", rtol, 1e-13, 1e-3)
    return rtol


# --- scalar flows in u = logit α ------------------------------------------------------------------

#: |u| where the scalar flows stop: σ(−700) ≈ 1e−304 is still a normal float64, and α below that
#: is continued analytically (constant speed) rather than integrated.
U_LIMIT = 700.0
#: The largest solver step in s = log|u − u_fixed| (the flows towards a finite fixed point). The
#: step control bounds the error at the steps' ends only; between them the state comes from DOP853's
#: dense interpolant, whose error grew to 1.6e−5 of |α − α*| with steps of ~3 in s at the checks'
#: rtol 1e−8 (R1 at Δ = 2.7e−9, where t(s) is nearly linear and the solver took 10 steps, and the
#: bound is sharp: a wrong verdict). With 0.25 the interpolated flow is as accurate as the former
#: solve in u at every start measured (tests/test_fused_flows.py, against a flow stepped in t).
MAX_LOG_STEP = 0.25


def _scalar_solution(speed, u0, u_fixed, t_end, rtol):
    """(u(t), u'(t), step times) for u' = speed(u, offset), which moves u monotonically from u0 to
    u_fixed (±inf allowed); u(t) and u'(t) are vectorised over arrays of t in [0, t_end]. `offset`
    is u − u_fixed where the caller knows it better than the difference of the two floats (else None).

    A scalar autonomous flow is solved as t(u) = ∫_{u0}^{u} dv/speed(v), then inverted. Stepping in
    t instead fails for new-only forward KL: u reaches −∞ in finite time at rate e^{Δ²} ≈ 1e43
    (Δ = 10), i.e. within a time interval below the float64 spacing of t. Near a finite fixed point,
    where t(u) diverges logarithmically, we stop at |u − u_fixed| = 1e−10 and continue with the
    linearised flow u_fixed + (u_stop − u_fixed) e^{−k (t − t_stop)}, k = −speed'(u_fixed)
    (relative error O(1e−10)); towards ±inf we stop at |u| = U_LIMIT and continue at constant speed.
    A start where the speed is exactly 0 (Δ = 0: the two components coincide and the objective
    does not depend on α) is a fixed point: u(t) = u0.

    Towards a finite fixed point the integration variable is s = log|u − u_fixed| rather than u:
    dt/ds = (u − u_fixed)/speed(u) → −1/k is analytic there (speed(u)/(u − u_fixed) is), while
    dt/du = 1/speed(u) has a pole at u_fixed, on which DOP853's steps had to shrink geometrically
    (R1.flow: ~1,900 evaluations a solve, 44 % of the steps rejected). The same integral, the same
    stop and tolerance; only the solver's path to it changes.
    """
    stationary = u0 == u_fixed or speed(u0, None) == 0.0
    stop_gap = 1e-10 * max(1.0, abs(u_fixed)) if np.isfinite(u_fixed) else None
    if not stationary and stop_gap is not None and abs(u0 - u_fixed) <= stop_gap:
        stationary = True
    direction = 1.0 if u_fixed > u0 else -1.0
    u_stop = (u_fixed - direction * stop_gap) if stop_gap is not None else direction * U_LIMIT
    if not stationary and direction * (u_stop - u0) <= 0:  # already beyond float64's range of σ
        stationary = True
    if stationary:
        def constant(t):
            return np.full(np.shape(t), u0)
        return constant, lambda t: np.zeros(np.shape(t)), np.array([0.0, t_end])

    if stop_gap is not None:
        side = -direction  # the sign of u − u_fixed along the whole flow

        def offset_of(s):
            return side * np.exp(s)

        def dt_ds(s, t):
            offset = side * math.exp(s)
            return [offset / speed(u_fixed + offset, offset)]

        span = (math.log(abs(u0 - u_fixed)), math.log(stop_gap))
        solution = solve_ivp(dt_ds, span, [0.0], method="DOP853", dense_output=True, rtol=rtol, atol=1e-14,
                             max_step=MAX_LOG_STEP)
    else:
        solution = solve_ivp(lambda u, t: [1.0 / speed(u, None)], (u0, u_stop), [0.0], method="DOP853",
                             dense_output=True, rtol=rtol, atol=1e-14)
    if not solution.success:
        raise FlowFailed(f"gradient flow failed: {solution.message}")
    t_stop = float(solution.y[0, -1])
    if stop_gap is not None:
        h = 1e-6 * max(1.0, abs(u_fixed))
        rate = -(speed(u_fixed + h, None) - speed(u_fixed - h, None)) / (2 * h)

        def tail(t):
            return u_fixed + (u_stop - u_fixed) * np.exp(-rate * (t - t_stop))

        def tail_rate(t):
            return -rate * (tail(t) - u_fixed)
    else:
        # Towards ±inf the speed tends to a constant (−G(0) for new-only forward KL), reached to
        # float64 precision long before |u| = U_LIMIT: beyond the stop u moves linearly.
        final_speed = speed(u_stop, None)

        def tail(t):
            return u_stop + final_speed * (t - t_stop)

        def tail_rate(t):
            return np.full(np.shape(t), final_speed)

    variable_of_steps = _InverseDenseOutput(solution)

    def solved(t):
        """(u, u − u_fixed or None) at times t < t_stop."""
        v = variable_of_steps(t)  # t(v) is monotone in v: invert it step by step
        if stop_gap is None:
            return v, None
        offset = offset_of(v)
        return u_fixed + offset, offset

    def u_of_t(t):
        t = np.asarray(t, dtype=float)
        inside = t < t_stop
        out = np.empty(t.shape)
        out[~inside] = tail(t[~inside])
        if inside.any():
            out[inside] = solved(t[inside])[0]
        return out

    def rate_of_t(t):
        t = np.asarray(t, dtype=float)
        inside = t < t_stop
        out = np.empty(t.shape)
        out[~inside] = tail_rate(t[~inside])
        if inside.any():
            u, offset = solved(t[inside])
            out[inside] = [speed(float(x), None if offset is None else float(d))
                           for x, d in zip(u, u if offset is None else offset)]
        return out

    steps = np.unique(np.concatenate([np.clip(solution.y[0], 0.0, None), [t_stop]]))
    return u_of_t, rate_of_t, steps


class _InverseDenseOutput:
    """u(t) for the scalar solution t(u) of _scalar_solution (scipy's DOP853 OdeSolution), vectorised.

    Each solver step k is a polynomial t = P_k(x), x = (u − u_k)/(u_{k+1} − u_k) ∈ [0, 1], increasing
    in x (t grows along the integration). A requested t is located among the steps' t-values, then
    P_k(x) = t is solved by Newton's method on the step's polynomial (Horner's scheme with its
    derivative, in Dop853DenseOutput's operation order), safeguarded by a bisection bracket in x,
    until its correction is a few ulps of x: the root to rounding, in ~4 iterations. The former
    bisection over the whole u-range called OdeSolution 64 times per request (one Python loop over
    segments each time), and the checks' root finders request one t at a time: it was the scalar
    flows' largest cost."""

    MAX_ITERATIONS = 60  # Newton steps rejected as leaving the bracket bisect: 60 halvings exhaust x

    def __init__(self, solution):
        sol = solution.sol
        self.u_start = np.asarray(solution.t[:-1], dtype=float)
        self.u_step = np.diff(np.asarray(solution.t, dtype=float))
        self.t_steps = np.asarray(solution.y[0], dtype=float)
        self.t_start = np.array([p.y_old[0] for p in sol.interpolants])
        self.coefficients = np.array([p.F[::-1, 0] for p in sol.interpolants])  # Horner order

    def _polynomial(self, coefficients, x):
        """(P_k(x) − P_k(0), dP_k/dx) for each row of coefficients."""
        value, slope = np.zeros_like(x), np.zeros_like(x)
        for i, f in enumerate(coefficients.T):
            value = value + f
            factor = x if i % 2 == 0 else 1 - x
            slope = slope * factor + (value if i % 2 == 0 else -value)
            value = value * factor
        return value, slope

    def __call__(self, t):
        k = np.clip(np.searchsorted(self.t_steps, t, side="right") - 1, 0, len(self.u_start) - 1)
        coefficients, goal = self.coefficients[k], t - self.t_start[k]
        span = self.t_steps[k + 1] - self.t_start[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.clip(np.where(span > 0, goal / span, 0.0), 0.0, 1.0)
            low, high = np.zeros_like(x), np.ones_like(x)
            for _ in range(self.MAX_ITERATIONS):
                value, slope = self._polynomial(coefficients, x)
                short = value < goal
                low, high = np.where(short, x, low), np.where(short, high, x)
                newton = x - (value - goal) / slope
                step = np.where((newton >= low) & (newton <= high), newton, (low + high) / 2)
                done = np.all(np.abs(step - x) <= 4e-16)  # Newton's last correction is a few ulps of x ≤ 1
                x = step
                if done:
                    break
        return self.u_start[k] + x * self.u_step[k]


def _weight_solution(speed, u0, u_fixed, t_end, rtol) -> FlowSolution:
    u_of_t, rate_of_t, steps = _scalar_solution(speed, u0, u_fixed, t_end, rtol)

    def state(t):
        return expit(u_of_t(t))[:, None]

    def velocity(t):
        u = u_of_t(t)
        return (expit(u) * expit(-u) * rate_of_t(t))[:, None]

    return FlowSolution(("alpha",), t_end, t_end, "horizon", "", steps[steps <= t_end], rtol, state, velocity)


def forward_kl_replay_solution(alpha0, lam, delta, t_end, rtol=1e-10) -> FlowSolution:
    """F3: α' = −d/dα KL(p_λ||q_α) = −(α − λ) G(α) from α(0) = alpha0 ∈ (0, 1); α → λ ∈ [0, 1].

    Solved for u = logit α, u' = −(α − λ) G(α)/(α(1 − α)) (see _scalar_solution for why as t(u)).
    """
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    lam = _float_weight("lam", lam, closed=True)
    delta = _float_delta(delta)
    t_end, rtol = _horizon(t_end), _tolerance(rtol)

    u_fixed = float(logit(lam))

    def speed(u, offset):
        # α and 1 − α as σ(u), σ(−u): neither rounds to 0 before it should
        alpha, beta = float(expit(u)), float(expit(-u))
        gap = _gap_to_fixed_point(u, alpha, beta, lam, u_fixed, offset)
        # (gap/α) first: for λ = 0 it is exactly 1, while gap·G underflows once α·G < 1e−308
        return -(gap / alpha) * float(_curvatures((alpha,), delta)[0]) / beta

    return _weight_solution(speed, float(logit(alpha0)), u_fixed, t_end, rtol)


def _gap_to_fixed_point(u, alpha, beta, fixed, u_fixed, offset=None):
    """α − a for α = σ(u) (alpha, beta = σ(u), σ(−u)) and a fixed weight a = σ(u_fixed) ∈ [0, 1];
    `offset`: u − u_fixed where the caller has it exactly (the flow solved in log|u − u_fixed|: u
    itself is then that offset rounded to the float spacing at u_fixed).

    Near the fixed point (|u − u_fixed| < 1, a ∈ (0, 1)) as σ(u)σ(−u_fixed)(1 − e^{u_fixed − u}):
    u − u_fixed is exact there (Sterbenz), so the gap keeps its relative precision however close u
    comes. The
    difference α − a keeps only an absolute ~1e−17: the scalar flows' speed was rounding noise of
    relative size 1e−17/|α − a| (1e−7 at their stop, |u − u_fixed| = 1e−10), and the solver, asked for
    rtol 1e−10, rejected step after step on it (F3 from α(0) = 0.05 to λ = ½ at Δ = 10: 1,750 steps,
    33,665 evaluations; 125 steps, 3,230 evaluations with this form). Elsewhere the difference is
    formed from the one of α, 1 − α that is not rounded to 1 (a = 1 would otherwise give 0/0)."""
    if offset is None:
        offset = u - u_fixed
    if 0 < fixed < 1 and abs(offset) < 1:
        return alpha * float(expit(-u_fixed)) * -math.expm1(-offset)
    return alpha - fixed if fixed <= 0.5 else (1 - fixed) - beta


def forward_kl_weight_solution(alpha0, delta, t_end, rtol=1e-10) -> FlowSolution:
    """F1: α' = −L_F'(α) (new-task data only), α(0) ∈ (0, 1); α(t) ≤ α(0) e^{−κ_F t}."""
    return forward_kl_replay_solution(alpha0, 0.0, delta, t_end, rtol)


#: Below this separation the weight-only reverse-KL gradient is taken in its mean-value form.
SMALL_SEPARATION = 0.5
#: Within this fraction of min(α*, 1 − α*) of the target the same mean-value form is used.
NEAR_TARGET = 0.1
_MEAN_VALUE_RULE = np.polynomial.legendre.leggauss(8)
#: (largest |α − α*| / min(α*, 1 − α*), Gauss–Legendre rule in s): fewer nodes for the mean-value
#: form the closer α is to the target, each within 1e−17 relative (the bound is in
#: _mean_value_rule's docstring). A flow spends most of its evaluations there.
_SHORTER_MEAN_VALUE_RULES = tuple((ratio, np.polynomial.legendre.leggauss(n))
                                  for ratio, n in ((2.4e-9, 1), (6.5e-5, 2), (1.9e-3, 3), (0.0108, 4), (0.059, 6)))


def _reverse_weight_gradient(alpha, alpha_target, delta, gap=None):
    """L_R'(α) with both means at the truth. For Δ < SMALL_SEPARATION the engine's split formula
    (logit α − logit α* + overlap terms) cancels O(1) terms to a result of size ~Δ² (at Δ = 1e−8
    nothing is left of it in float64), so there we use the exact mean-value form
    L_R'(α) = (α − α*) ∫_0^1 G(α* + s(α − α*)) ds (L_R'(α*) = 0 and L_R'' = G by R1.curvature), with
    the engine's G = ∫(φ_o − φ_n)²/q (a positive integrand, accurate to float64 relative precision):
    G varies with α by less than a factor (e^{Δ²} − 1)/κ_R ≤ 1.7 there, so 8 Gauss–Legendre nodes in
    s are exact to rounding (16 agree to 1e−15).

    The same form serves near the target at any Δ, |α − α*| ≤ NEAR_TARGET·min(α*, 1 − α*): there the
    split formula's absolute rounding (~1e−16 of its O(1) terms) exceeds L_R'(α) itself once
    |α − α*| ≲ 1e−16/L_R''(α*), and the flow solved as t(u) stalled on the sign noise of its speed
    (from α(0) = 0.000999, α* = 1.57e−8, Δ = 0.547); G varies there by less than 30 %, so the 8 nodes
    are exact to rounding.

    `gap`: α − α*, where the caller has it to better relative precision than the difference of the
    two floats (the flow, from logit α: _gap_to_fixed_point)."""
    if gap is None:
        gap = alpha - alpha_target
    near_target = abs(gap) <= NEAR_TARGET * min(alpha_target, 1 - alpha_target)
    if delta >= SMALL_SEPARATION and not near_target:
        return weight_gradient_float(alpha, alpha_target, delta)
    return gap * _mean_curvature(alpha_target, gap, delta)


def _mean_curvature(alpha_target, gap, delta) -> float:
    """∫_0^1 G(α* + s·gap) ds by the Gauss–Legendre rule in s of _mean_value_rule, all its G's on one
    composite rule in x (_curvatures): the same integrals as one replay_curvature_float per node,
    for the cost of about one."""
    nodes, weights = _mean_value_rule(alpha_target, gap)
    return float(np.dot(weights / 2, _curvatures(alpha_target + (1 + nodes) / 2 * gap, delta)))


#: A curvature rule's crossover is snapped to a grid of 1/CROSSOVER_GRID of its width (_curvatures).
CROSSOVER_GRID = 16


def _curvatures(alphas, delta) -> np.ndarray:
    """G(α) = ∫(φ_o − φ_n)²/q_α for each α of the array, in float64, on one composite rule in x:
    the engine's split points (which do not depend on α) and one refinement per run of crossovers
    (_merged_peaks), its centre snapped to a grid of 1/CROSSOVER_GRID of its width. The rule and the
    α-free parts of the integrand are cached (_curvature_rule): a flow converging to its target
    evaluates G at weights whose crossovers move by less than a grid step from one evaluation to
    the next, and then only log(α + (1 − α)e^ℓ) is computed afresh.

    Why snapping costs no accuracy: each α's integrand has its poles nearest the real line at its
    crossover c ± iπ/Δ, at least π widths off the axis (width min(1, 1/Δ)); c lies within 1/8 width
    of its run's centre (_merged_peaks) and the centre within 1/(2·CROSSOVER_GRID) width of the
    rule's peak, so within 5/32 width of it. On the pieces of one width next to the peak the pole
    then lies outside the Bernstein ellipse ρ = 12 (in the piece's coordinates [−1, 1]: real part
    within 1.31 of 0, imaginary part at least 2π), so the 12-node rule converges like 12^{−24}
    there; farther pieces are farther from it."""
    if delta == 0:
        return np.zeros(len(alphas))
    peaks = []
    for a in alphas:
        peaks.extend(curvature_split_points(float(a), delta, NP)[1])
    snapped = tuple((round(loc * CROSSOVER_GRID / width), width) for loc, width in _merged_peaks(peaks))
    w, t, alpha_free = _curvature_rule(float(delta), snapped)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        values = replay_curvature_from_parts(t[None, :], alpha_free[None, :], np.asarray(alphas)[:, None], NP)
    if not np.all(np.isfinite(values)):
        raise FloatingPointError("forward-KL curvature: float64 integrand is not finite at some node")
    return values @ w


@lru_cache(maxsize=1024)
def _curvature_rule(delta: float, snapped_peaks: tuple):
    """(weights, ℓ, α-free part of the integrand) on the nodes of G's composite rule with its peaks
    at (k·width/CROSSOVER_GRID, width) for each (k, width) of snapped_peaks."""
    points, _ = curvature_split_points(0.5, delta, NP)  # the points do not depend on α
    peaks = [(k * width / CROSSOVER_GRID, width) for k, width in snapped_peaks]
    x, w = nodes_and_weights(points, peaks)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        t, alpha_free = replay_curvature_parts(x, delta, NP)
    return w, t, alpha_free


def _mean_value_rule(alpha_target, gap):
    """The Gauss–Legendre rule in s for ∫_0^1 G(α* + s·gap) ds: 8 nodes, or fewer where
    r = |gap|/min(α*, 1 − α*) is small enough for them to be exact to rounding, by this a priori bound.

    G(α) = ∫(φ_o − φ_n)²/(α + (1 − α)e^ℓ) is analytic in α off (−∞, 0] ∪ [1, ∞) (the denominator
    vanishes at α = e^ℓ/(e^ℓ − 1), which is ≤ 0 for ℓ < 0 and ≥ 1 for ℓ > 0), so at distance
    d ≥ min(α*, 1 − α*) − |gap| ≥ 0.9·min(α*, 1 − α*) (r ≤ NEAR_TARGET) from the segment [α*, α].
    f(s) = G(α* + s·gap) is then analytic in the Bernstein ellipse of s ∈ [0, 1] with ρ = 2d/|gap|
    = 1.8/r, whose points lie within ρ|gap|/4 = d/2 of the segment. The denominator is
    (1 − e^ℓ)(α − α_p): at a point of the ellipse it is at least half its value at the nearest point of
    the segment (which is ≥ d from α_p), for every x; with G varying by less than 30 % along the
    segment (its ends' integrands differ by a factor within [1/1.1, 1/0.9]), |f| ≤ M = 2.6 min f
    there. On [0, 1] the n-node rule's error is at most (32/15) M ρ^{−2n+2}/(ρ² − 1) (Trefethen, "Is
    Gauss quadrature better than Clenshaw–Curtis?", SIAM Rev. 2008, Thm 4.5, for n nodes and halved
    for the unit interval), so below 5.55 ρ^{−2n} of the integral, i.e. below 1e−17 wherever
    r ≤ 1.8 (1e−17/5.55)^{1/(2n)}: 2.4e−9 for n = 1, 6.6e−5 (2), 1.99e−3 (3), 0.0109 (4), 0.0598 (6)
    and 0.14 for n = 8 (the whole near-target region, r ≤ 0.1). tests/test_fused_flows.py measures
    the rules against the 8-node one at their thresholds, and that the shorter rules are not exact
    everywhere. Below SMALL_SEPARATION with r > 0.1 the 8-node rule is kept: there it rests on the
    slow variation of G in α, not on this bound."""
    ratio = abs(gap) / min(alpha_target, 1 - alpha_target)
    for largest, rule in _SHORTER_MEAN_VALUE_RULES:
        if ratio <= largest:
            return rule
    return _MEAN_VALUE_RULE


def _merged_peaks(peaks):
    """One peak for each run of crossovers within a quarter width of the run's first: near the target
    the weights of the mean-value rule have crossovers within ~0.1 width of each other, and
    refining around each separately multiplied the pieces there ninefold for no accuracy. Why one
    refinement suffices: G(α)'s integrand has its poles nearest the real line at the crossover
    c ± iπ/Δ (where α + (1−α)e^ℓ = 0) and the peak width is min(1, 1/Δ), so every member of a run lies
    within 1/8 width of the run's centre while its poles stay ≥ π widths off the axis: on the pieces
    of one width next to the centre the 12-node Gauss–Legendre rule converges like (4π)^{−24}."""
    runs = []
    for loc, width in sorted((float(loc), float(width)) for loc, width in peaks):
        if runs and runs[-1][2] == width and loc - runs[-1][0] <= width / 4:
            runs[-1][1] = loc
        else:
            runs.append([loc, loc, width])
    return [((first + last) / 2, width) for first, last, width in runs]


def reverse_kl_weight_solution(alpha0, alpha_target, delta, t_end, rtol=1e-10) -> FlowSolution:
    """R1(ii): α' = −L_R'(α) with both means at the truth; |α(t) − α*| ≤ |α0 − α*| e^{−κ_R t}."""
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    alpha_target = _float_weight("alpha_target", alpha_target, closed=False)
    delta = _float_delta(delta)
    t_end, rtol = _horizon(t_end), _tolerance(rtol)
    if alpha_target > 0.5:
        # the mirror x ↦ Δ − x exchanges the components (α ↦ 1 − α, α* ↦ 1 − α*) and commutes with the
        # flow: solved where the target is at most ½, so that a weight near the target's end is a
        # float64 number with full relative precision (see reverse_kl_solution)
        mirrored = reverse_kl_weight_solution(1.0 - alpha0, 1.0 - alpha_target, delta, t_end, rtol)
        return FlowSolution(mirrored.names, t_end, mirrored.t_stop, mirrored.outcome, mirrored.boundary,
                            mirrored.steps, rtol, lambda t: 1.0 - mirrored.state(t), lambda t: -mirrored.velocity(t))

    u_fixed = float(logit(alpha_target))

    def speed(u, offset):
        alpha, beta = float(expit(u)), float(expit(-u))
        gap = _gap_to_fixed_point(u, alpha, beta, alpha_target, u_fixed, offset)
        return -_reverse_weight_gradient(alpha, alpha_target, delta, gap) / (alpha * beta)

    return _weight_solution(speed, float(logit(alpha0)), u_fixed, t_end, rtol)


# --- the full reverse-KL flow ---------------------------------------------------------------------

#: The Euclidean flow's field is continued beyond α ∈ (0, 1) by its value at the nearest of these
#: weights. Only the solver's trial stages ever evaluate it there: the solution stops at the first
#: crossing of α = 0 or 1 (an event located on the dense output), and ∂_αL_R has finite limits at
#: both ends (docs/derivations/reverse_kl.md), so the continuation is continuous and the step
#: control near the boundary stays sound.
_EDGE = (1e-300, 1.0 - 2.0 ** -53)


def _full_rhs(coordinates, alpha_target, delta):
    """(y0 map, right-hand side, state map, velocity map) of the full flow in `coordinates`."""
    def gradient(alpha, mo, mn):
        return gradient_float(alpha, mo, mn, alpha_target, delta)

    if coordinates == "euclidean":
        def rhs(t, y):
            alpha = min(max(y[0], _EDGE[0]), _EDGE[1])
            return [-g for g in gradient(alpha, y[1], y[2])]
        return (lambda a, mo, mn: [a, mo, mn]), rhs, (lambda y: y), (lambda y, dy: dy)

    def velocity_of(y, dy):  # α' = α(1 − α) u'
        out = np.array(dy, dtype=float)
        out[0] = expit(y[0]) * expit(-y[0]) * dy[0]
        return out

    def state_of(y):
        out = np.array(y, dtype=float)
        out[0] = expit(y[0])
        return out

    if coordinates == "logit":
        def rhs(t, y):
            alpha = float(expit(y[0]))
            g = gradient(alpha, y[1], y[2])
            return [-alpha * float(expit(-y[0])) * g[0], -g[1], -g[2]]
    else:  # natural gradient: the metric diag(1/(α(1−α)), α, 1−α), in u = logit α: u' = −∂_αL
        def rhs(t, y):
            alpha, beta = float(expit(y[0])), float(expit(-y[0]))
            g = gradient(alpha, y[1], y[2])
            return [-g[0], -g[1] / alpha, -g[2] / beta]
    return (lambda a, mo, mn: [float(logit(a)), mo, mn]), rhs, state_of, velocity_of


def _leaves(level, sense):
    def event(t, y):
        return y[0] - level
    event.terminal, event.direction = True, sense
    return event


def reverse_kl_solution(alpha0, mean_old0, mean_new0, alpha_target, delta, t_end, *, coordinates="euclidean",
                        rtol=RTOL, atol=ATOL) -> FlowSolution:
    """R5: the reverse-KL gradient flow on θ = (α, m_o, m_n) from (alpha0, mean_old0, mean_new0),
    in `coordinates` (see the module docstring); states are reported as (α, m_o, m_n)."""
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    alpha_target = _float_weight("alpha_target", alpha_target, closed=False)
    mean_old0 = require_finite_float("mean_old0", mean_old0)
    mean_new0 = require_finite_float("mean_new0", mean_new0)
    delta = _float_delta(delta)
    t_end, rtol = _horizon(t_end), _tolerance(rtol)
    atol = require_finite_float("atol", atol)
    require_in("atol", atol, 0, 1e-3, low_open=True)
    if coordinates not in FULL_FLOW_COORDINATES:
        raise ValueError(f"coordinates={coordinates!r} is not one of the allowed {FULL_FLOW_COORDINATES}")
    if coordinates != "euclidean" and alpha_target > 0.5:
        # The mirror x ↦ Δ − x exchanges the components: (α, m_o, m_n; α*) ↦ (1 − α, Δ − m_n, Δ − m_o;
        # 1 − α*) leaves L_R and both metrics invariant, so the flows commute with it. Solved on the
        # side where the target's old weight is at most ½: there a weight near 0 is a float64 number
        # with full relative precision, while near 1 it is quantized to 1.1e−16 absolute and the
        # field (through log(1 − α)) becomes a staircase the solver cannot step through.
        mirrored = reverse_kl_solution(1.0 - alpha0, delta - mean_new0, delta - mean_old0, 1.0 - alpha_target, delta,
                                       t_end, coordinates=coordinates, rtol=rtol, atol=atol)
        flip = np.array([-1.0, 1.0, 1.0])

        def mirror(states):
            return np.column_stack([1.0 - states[:, 0], delta - states[:, 2], delta - states[:, 1]])

        return FlowSolution(mirrored.names, t_end, mirrored.t_stop, mirrored.outcome, mirrored.boundary,
                            mirrored.steps, rtol, lambda t: mirror(mirrored.state(t)),
                            lambda t: flip * mirrored.velocity(t)[:, [0, 2, 1]] * np.array([1.0, -1.0, -1.0]))
    start, rhs, state_of, velocity_of = _full_rhs(coordinates, alpha_target, delta)
    settled_at = np.array(start(alpha_target, 0.0, delta))

    def settled(t, y):
        return float(np.abs(np.asarray(y) - settled_at).max()) - SETTLED

    settled.terminal, settled.direction = True, -1
    events = [settled] + ([_leaves(0.0, -1), _leaves(1.0, 1)] if coordinates == "euclidean" else [])
    y0 = start(alpha0, mean_old0, mean_new0)
    if settled(0.0, y0) <= 0:  # already at θ*: the flow stays there
        events = events[1:]
    solution = solve_ivp(rhs, (0.0, t_end), y0, method="LSODA", rtol=rtol, atol=atol, dense_output=True,
                         events=events)
    if solution.status < 0:
        raise FlowFailed(f"gradient flow failed: {solution.message}")
    outcome, boundary, t_stop = "horizon", "", float(solution.t[-1])
    t_settled = np.inf
    if solution.status == 1 and events[0] is settled and solution.t_events[0].size:
        t_settled, t_stop = t_stop, t_end
    elif solution.status == 1:
        hit = 0 if solution.t_events[-2].size else 1
        outcome, boundary = "boundary", f"alpha = {hit} at t = {t_stop:.10g}"
    dense = solution.sol

    def state(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return state_of(dense(np.minimum(t, t_settled))).T

    def velocity(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        ys = dense(np.minimum(t, t_settled)).T
        moving = np.array([velocity_of(y, rhs(0.0, y)) for y in ys])
        return np.where((t > t_settled)[:, None], 0.0, moving)

    return FlowSolution(("alpha", "mean_old", "mean_new"), t_end, t_stop, outcome, boundary,
                        np.asarray(solution.t, dtype=float), rtol, state, velocity)


# --- sampled trajectories (figures, simulations, tests) -------------------------------------------

def forward_kl_replay_flow(alpha0, lam, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """F3's flow sampled at n_points equally spaced times of [0, t_end]."""
    n_points = _points(n_points)
    return forward_kl_replay_solution(alpha0, lam, delta, t_end, rtol).sample(n_points)


def forward_kl_weight_flow(alpha0, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """F1's flow sampled at n_points equally spaced times of [0, t_end]."""
    n_points = _points(n_points)
    return forward_kl_weight_solution(alpha0, delta, t_end, rtol).sample(n_points)


def reverse_kl_weight_flow(alpha0, alpha_target, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """R1(ii)'s flow sampled at n_points equally spaced times of [0, t_end]."""
    n_points = _points(n_points)
    return reverse_kl_weight_solution(alpha0, alpha_target, delta, t_end, rtol).sample(n_points)


def reverse_kl_flow(alpha0, mean_old0, mean_new0, alpha_target, delta, t_end, n_points: int = 201,
                    rtol=RTOL, atol=ATOL, coordinates="euclidean") -> Trajectory:
    """R5's flow sampled at n_points equally spaced times of [0, t_stop]: if the flow leaves the
    domain before t_end the samples end where it left, and the Trajectory's outcome says so."""
    n_points = _points(n_points)
    return reverse_kl_solution(alpha0, mean_old0, mean_new0, alpha_target, delta, t_end, coordinates=coordinates,
                               rtol=rtol, atol=atol).sample(n_points)


def natural_flow_local_rate(alpha_target, delta) -> float:
    """The slowest local rate of the natural-gradient reverse-KL flow at θ* = (α*, μ_o, μ_n): the
    smallest eigenvalue of M^{-1} H, H the Hessian of L_R at θ* (the Fisher information I(θ*)) and
    M = diag(1/(α*(1−α*)), α*, 1−α*) the flow's metric; near θ* the flow is θ' ≈ −M^{-1}H(θ − θ*),
    so ||θ(t) − θ*|| decays like e^{−λ t} with λ this rate. H is the central difference (h = 1e−5,
    error ~1e−10 relative) of the engine's float64 gradient, which vanishes exactly at θ*."""
    alpha_target = _float_weight("alpha_target", alpha_target, closed=False)
    delta = _float_delta(delta)
    # The mirror x ↦ Δ − x exchanges the components (α* ↔ 1 − α*) and leaves the rate unchanged;
    # working with the smaller weight keeps the α-step h resolvable in float64 (near α* = 1 the
    # spacing of floats, 1.1e−16, is not small against 1 − α*).
    alpha_target = min(alpha_target, 1 - alpha_target)
    theta = np.array([alpha_target, 0.0, delta])
    h = 1e-5 * np.array([min(alpha_target, 1 - alpha_target), 1.0, 1.0])
    columns = []
    for k in range(3):
        up, down = theta.copy(), theta.copy()
        up[k] += h[k]
        down[k] -= h[k]
        columns.append((np.array(gradient_float(*up, alpha_target, delta))
                        - np.array(gradient_float(*down, alpha_target, delta))) / (2 * h[k]))
    hessian = np.column_stack(columns)
    hessian = (hessian + hessian.T) / 2
    scale = np.sqrt(np.array([alpha_target * (1 - alpha_target), 1 / alpha_target, 1 / (1 - alpha_target)]))
    return float(np.linalg.eigvalsh(scale[:, None] * hessian * scale[None, :]).min())


# --- R5.drift: the old mean's overlap gate along a trajectory ---------------------------------------

def _envelope(s):
    """g(s) = sqrt(1 + s²/4) e^{−s²/8} and its derivative g'(s) = −(s³/16) e^{−s²/8}/sqrt(1 + s²/4)."""
    root = np.sqrt(1 + s * s / 4)
    decay = np.exp(-s * s / 8)
    return root * decay, -(s ** 3 / 16) * decay / root


def old_mean_gate(states, alpha_target, delta, velocities=None):
    """G(θ) = sqrt(c(α)) g(|m_n − m_o|) + sqrt(c(α*)) g(Δ) e^{Δ m_o/2}, c(a) = (1 − a)/a, at each row
    (α, m_o, m_n) of `states` (whitened 1-D, μ_o = 0, μ_n = Δ); with `velocities` (the rows' θ'),
    also its time derivative along the flow.

    Why this bounds the old mean's pull (docs/derivations/reverse_kl.md, "R5.drift"): ∂_{m_o}L_R =
    α(m_o − μ_o − g̃(θ)) with g̃ = E_{ψ_o}[(x − m_o)(log γ^θ_o − log γ*_o)], and |g̃(θ)| ≤ G(θ) at *every* θ
    (log(1 + u) ≤ sqrt(u) on both posteriors' log-odds, then complete the square). Unlike R2.bound,
    which holds at m_o = μ_o, G carries the displacement factor e^{Δ(m_o − μ_o)/2}: a mean that has moved
    towards the new mode overlaps it more."""
    states = np.atleast_2d(np.asarray(states, dtype=float))
    alpha, mean_old, mean_new = states[:, 0], states[:, 1], states[:, 2]
    odds_root = np.sqrt((1 - alpha) / alpha)
    gap = mean_new - mean_old
    g_gap, dg_gap = _envelope(np.abs(gap))
    g_delta, _ = _envelope(delta)
    pull = np.sqrt((1 - alpha_target) / alpha_target) * g_delta * np.exp(delta * mean_old / 2)
    gate = odds_root * g_gap + pull
    if velocities is None:
        return gate
    velocities = np.atleast_2d(np.asarray(velocities, dtype=float))
    d_alpha, d_old, d_new = velocities[:, 0], velocities[:, 1], velocities[:, 2]
    d_odds_root = -d_alpha / (2 * alpha * alpha * odds_root)       # d sqrt((1−α)/α) = −dα/(2α² sqrt(c))
    rate = d_odds_root * g_gap + odds_root * dg_gap * np.sign(gap) * (d_new - d_old) + pull * delta / 2 * d_old
    return gate, rate
