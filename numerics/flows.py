"""Float64 gradient flows for trajectories (THEORY F1, F3, R1, R5; experiments X3), Δ ≤ 10.

The right-hand sides are the engine's own exact gradient formulas evaluated in the float64 context
(forward_kl.replay_curvature_with, reverse_kl.gradient_terms with backends.FLOAT): no second
implementation of any formula lives here. The three weight-only flows are scalar and monotone and
are solved as t(u), u = logit α (see _scalar_flow: near α = 0 the forward-KL rate is
L_F''(0) = e^{Δ²} − 1 ≈ 1e43 at Δ = 10); the full reverse-KL flow uses solve_ivp (LSODA).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import expit, logit

from .forward_kl import replay_curvature_float
from .reverse_kl import gradient_float, weight_gradient_float
from .validation import require_finite_float, require_in

#: Float64 flows are validated up to this separation (e^{Δ²} stays far from overflow).
MAX_FLOW_SEPARATION = 10.0


@dataclass(frozen=True)
class Trajectory:
    """t: times (n,), states: (n, k) with columns named by `names`."""
    t: np.ndarray
    states: np.ndarray
    names: tuple

    def __iter__(self):  # `t, states = flow(...)`
        return iter((self.t, self.states))

    def column(self, name: str) -> np.ndarray:
        return self.states[:, self.names.index(name)]


def _float_weight(name, value, *, closed):
    x = require_finite_float(name, value)
    require_in(name, x, 0, 1, low_open=not closed, high_open=not closed)
    return x


def _float_delta(delta):
    d = require_finite_float("delta", delta)
    require_in("delta", d, 0, MAX_FLOW_SEPARATION)
    return d


def _times(t_end, n_points):
    t_end = require_finite_float("t_end", t_end)
    if t_end <= 0:
        raise ValueError(f"t_end={t_end!r} is outside the allowed range (0, inf)")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ValueError(f"n_points={n_points!r} is outside the allowed range [2, inf) (whole number)")
    return t_end, np.linspace(0.0, t_end, n_points)


def _solve(rhs, y0, t_end, grid, names, rtol, atol):
    solution = solve_ivp(lambda t, y: rhs(y), (0.0, t_end), np.asarray(y0, dtype=float), method="LSODA",
                         t_eval=grid, rtol=rtol, atol=atol)
    if not solution.success:
        raise ArithmeticError(f"gradient flow failed: {solution.message}")
    return Trajectory(solution.t, solution.y.T.copy(), names)


#: |u| where the scalar flows stop: σ(−700) ≈ 1e−304 is still a normal float64, and α below that
#: is continued analytically (constant speed) rather than integrated.
U_LIMIT = 700.0


def _scalar_flow(speed, u0, u_fixed, grid, rtol):
    """u(t) on `grid` for u' = speed(u), which moves u monotonically from u0 to u_fixed (±inf allowed).

    A scalar autonomous flow is solved as t(u) = ∫_{u0}^{u} dv/speed(v), then inverted. Stepping in
    t instead fails for new-only forward KL: u reaches −∞ in finite time at rate e^{Δ²} ≈ 1e43
    (Δ = 10), i.e. within a time interval below the float64 spacing of t. Near a finite fixed point,
    where t(u) diverges logarithmically, we stop at |u − u_fixed| = 1e−10 and continue with the
    linearised flow u_fixed + (u_stop − u_fixed) e^{−k (t − t_stop)}, k = −speed'(u_fixed)
    (relative error O(1e−10)); towards ±inf we stop at |u| = U_LIMIT and continue at constant speed.
    """
    stop_gap = 1e-10 * max(1.0, abs(u_fixed)) if np.isfinite(u_fixed) else None
    if u0 == u_fixed or (stop_gap is not None and abs(u0 - u_fixed) <= stop_gap):
        return np.full(grid.shape, u0)
    direction = 1.0 if u_fixed > u0 else -1.0
    u_stop = u_fixed - direction * stop_gap if stop_gap is not None else direction * U_LIMIT
    if direction * (u_stop - u0) <= 0:  # already beyond float64's range of σ
        return np.full(grid.shape, u0)
    solution = solve_ivp(lambda u, t: [1.0 / speed(u)], (u0, u_stop), [0.0], method="RK45",
                         dense_output=True, rtol=rtol, atol=1e-14)
    if not solution.success:
        raise ArithmeticError(f"gradient flow failed: {solution.message}")
    t_stop = float(solution.y[0, -1])
    if stop_gap is not None:
        h = 1e-6 * max(1.0, abs(u_fixed))
        rate = -(speed(u_fixed + h) - speed(u_fixed - h)) / (2 * h)
    else:
        # Towards ±inf the speed tends to a constant (−G(0) for new-only forward KL), reached to
        # float64 precision long before |u| = U_LIMIT: beyond the stop u moves linearly.
        final_speed = speed(u_stop)
    out = np.empty(grid.shape)
    for i, t in enumerate(grid):
        if t >= t_stop:
            out[i] = (u_fixed + (u_stop - u_fixed) * np.exp(-rate * (t - t_stop))) if stop_gap is not None \
                else u_stop + final_speed * (t - t_stop)
        else:
            out[i] = brentq(lambda u: float(solution.sol(u)[0]) - t, u0, u_stop, xtol=1e-13, rtol=1e-15)
    return out


def forward_kl_replay_flow(alpha0, lam, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """F3: α' = −d/dα KL(p_λ||q_α) = −(α − λ) G(α) from α(0) = alpha0 ∈ (0, 1); α → λ ∈ [0, 1].

    Solved for u = logit α, u' = −(α − λ) G(α)/(α(1 − α)) (see _scalar_flow for why as t(u)).
    """
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    lam = _float_weight("lam", lam, closed=True)
    delta = _float_delta(delta)
    t_end, grid = _times(t_end, n_points)

    def speed(u):
        # α and 1 − α as σ(u), σ(−u): neither rounds to 0 before it should, and α − λ is formed
        # from the one of them that is not rounded to 1 (α → λ = 1 would otherwise give 0/0).
        alpha, beta = float(expit(u)), float(expit(-u))
        gap = alpha - lam if lam <= 0.5 else (1 - lam) - beta
        return -gap * replay_curvature_float(alpha, delta) / (alpha * beta)

    u = _scalar_flow(speed, float(logit(alpha0)), float(logit(lam)), grid, rtol)
    return Trajectory(grid, expit(u)[:, None], ("alpha",))


def forward_kl_weight_flow(alpha0, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """F1: α' = −L_F'(α) (new-task data only), α(0) ∈ (0, 1); α(t) ≤ α(0) e^{−κ_F t}."""
    return forward_kl_replay_flow(alpha0, 0.0, delta, t_end, n_points, rtol)


def reverse_kl_weight_flow(alpha0, alpha_target, delta, t_end, n_points: int = 201, rtol=1e-10) -> Trajectory:
    """R1(ii): α' = −L_R'(α) with both means at the truth; |α(t) − α*| ≤ |α0 − α*| e^{−κ_R t}."""
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    alpha_target = _float_weight("alpha_target", alpha_target, closed=False)
    delta = _float_delta(delta)
    t_end, grid = _times(t_end, n_points)

    def speed(u):
        alpha = float(expit(u))
        return -weight_gradient_float(alpha, alpha_target, delta) / (alpha * float(expit(-u)))

    u = _scalar_flow(speed, float(logit(alpha0)), float(logit(alpha_target)), grid, rtol)
    return Trajectory(grid, expit(u)[:, None], ("alpha",))


def reverse_kl_flow(alpha0, mean_old0, mean_new0, alpha_target, delta, t_end, n_points: int = 201,
                    rtol=1e-9, atol=1e-12) -> Trajectory:
    """R5: θ' = −∇L_R(θ) on θ = (α, m_o, m_n) from (alpha0, mean_old0, mean_new0)."""
    alpha0 = _float_weight("alpha0", alpha0, closed=False)
    alpha_target = _float_weight("alpha_target", alpha_target, closed=False)
    mean_old0 = require_finite_float("mean_old0", mean_old0)
    mean_new0 = require_finite_float("mean_new0", mean_new0)
    delta = _float_delta(delta)
    t_end, grid = _times(t_end, n_points)

    def rhs(y):
        return [-g for g in gradient_float(y[0], y[1], y[2], alpha_target, delta)]

    return _solve(rhs, [alpha0, mean_old0, mean_new0], t_end, grid, ("alpha", "mean_old", "mean_new"), rtol, atol)
