"""Float64 simulations of THEORY M2 and §6: SDFT with learned means (M2), Chen et al.'s two-mode
simulation (X1), the forward- vs reverse-KL trajectories (X3) and the drift-decay curve (X2).

These are trajectories, computed in float64 (53 bits): their numbers are good to the tolerances
stated with each function, not to the engine's requested digits, and the statements that use them
say so. Gradients are exact formulas integrated by the composite Gauss–Legendre rule of
float_quadrature (no finite differences). Results are cached by their exact inputs, so a statement,
its mutants and the figures share one run of each simulation.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import expit, logit, ndtr

from .float_quadrature import nodes_and_weights
from .mixtures import Mixture1D
from .validation import require_finite_float, require_in

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def _log_normal(x, mean, sd):
    return -0.5 * ((x - mean) / sd) ** 2 - np.log(sd) - _HALF_LOG_2PI


def _float_weight(name, value, *, closed=False):
    x = require_finite_float(name, value)
    require_in(name, x, 0, 1, low_open=not closed, high_open=not closed)
    return x


# --- overlap accuracy (Chen et al.'s per-mode "accuracy") ----------------------------------------

def overlap_area(weight_a, mean_a, sd_a, weight_b, mean_b, sd_b) -> float:
    """∫ min(w_a N(m_a, s_a²), w_b N(m_b, s_b²)) dx, exactly: the weighted densities cross where a
    quadratic vanishes, and between crossings the integral of the lower one is a difference of
    normal CDFs."""
    wa, wb = (require_finite_float("weight_a", weight_a), require_finite_float("weight_b", weight_b))
    if wa < 0 or wb < 0:
        raise ValueError(f"weights must be >= 0, got weight_a={weight_a!r}, weight_b={weight_b!r}")
    if wa == 0 or wb == 0:
        return 0.0
    ma, mb = require_finite_float("mean_a", mean_a), require_finite_float("mean_b", mean_b)
    sa, sb = require_finite_float("sd_a", sd_a), require_finite_float("sd_b", sd_b)
    if sa <= 0 or sb <= 0:
        raise ValueError(f"standard deviations must be > 0, got sd_a={sd_a!r}, sd_b={sd_b!r}")
    # log(w_a N_a) − log(w_b N_b) = A x² + B x + C
    A = 1 / (2 * sb ** 2) - 1 / (2 * sa ** 2)
    B = ma / sa ** 2 - mb / sb ** 2
    C = (np.log(wa) - np.log(sa) - ma ** 2 / (2 * sa ** 2)) - (np.log(wb) - np.log(sb) - mb ** 2 / (2 * sb ** 2))
    if A == 0:
        cuts = [] if B == 0 else [-C / B]
    else:
        disc = B * B - 4 * A * C
        cuts = [] if disc <= 0 else sorted([(-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)])
    edges = [-np.inf, *cuts, np.inf]
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        probe = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (hi - 1 if np.isfinite(hi) else
                                                                              lo + 1 if np.isfinite(lo) else 0.0)
        a_lower = A * probe ** 2 + B * probe + C < 0
        w, m, s = (wa, ma, sa) if a_lower else (wb, mb, sb)
        total += w * (ndtr((hi - m) / s) - ndtr((lo - m) / s))
    return float(total)


# --- X1: Chen et al.'s two-mode simulation ---------------------------------------------------------

#: THEORY §6 (Chen et al.'s constants): old = left mode.
CHEN_TARGET = Mixture1D("0.75", "-3", "3.5", "1", "0.7")
CHEN_START = Mixture1D("0.75", "-3.5", "0.5", "1", "0.7")
CHEN_HORIZON = 200.0
#: the flows' quadrature (pieces of at most 0.5 with 12 Gauss–Legendre nodes) is accurate for
#: standard deviations above this; a trajectory that goes below is stopped with an error.
MIN_SD = 0.2

STATE_NAMES = ("alpha", "mean_old", "mean_new", "sd_old", "sd_new")


def _as_floats(mixture: Mixture1D) -> tuple:
    return tuple(float(v) for v in (mixture.weight_old, mixture.mean_old, mixture.mean_new,
                                    mixture.sd_old, mixture.sd_new))


def _chen_scores(theta, target):
    """Nodes, weights, log q_θ, and d log q_θ/dθ at the nodes, θ = (logit α, m_o, m_n, log s_o, log s_n)."""
    u, mo, mn, lso, lsn = theta
    so, sn = np.exp(lso), np.exp(lsn)
    if min(so, sn) < MIN_SD:
        raise ArithmeticError(f"a standard deviation fell below {MIN_SD} (sd_old={so:.3g}, sd_new={sn:.3g}): "
                              "outside the range where the flow's quadrature is validated")
    a = expit(u)
    x, w = nodes_and_weights([mo - 3 * so, mo + 3 * so, mn - 3 * sn, mn + 3 * sn,
                              target[1], target[2]])
    log_old = np.log(a) + _log_normal(x, mo, so)
    log_new = np.log1p(-a) + _log_normal(x, mn, sn)
    log_q = np.logaddexp(log_old, log_new)
    g_old = np.exp(log_old - log_q)
    g_new = 1 - g_old
    zo, zn = (x - mo) / so, (x - mn) / sn
    scores = np.array([g_old * (1 - a) - g_new * a, g_old * zo / so, g_new * zn / sn,
                       g_old * (zo ** 2 - 1), g_new * (zn ** 2 - 1)])
    return x, w, log_q, scores


def _chen_gradient(theta, objective, target):
    """∇_θ of the objective: 'forward' = −E_{p_new}[log q_θ] (forward KL on new-mode samples, up to
    p_new's entropy), 'reverse' = KL(q_θ || p) = ∫ ∇q_θ · log(q_θ/p) (∫∇q_θ = 0)."""
    x, w, log_q, scores = _chen_scores(theta, target)
    if objective == "forward":
        p_new = np.exp(_log_normal(x, target[2], target[4]))
        return -(scores * p_new) @ w
    log_p = np.logaddexp(np.log(target[0]) + _log_normal(x, target[1], target[3]),
                         np.log1p(-target[0]) + _log_normal(x, target[2], target[4]))
    return (scores * np.exp(log_q) * (log_q - log_p)) @ w


@dataclass(frozen=True)
class ChenRun:
    """One gradient flow of Chen et al.'s simulation: states (n, 5) in STATE_NAMES at times t."""
    objective: str
    t: np.ndarray
    states: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.states[:, STATE_NAMES.index(name)]

    def at(self, time: float) -> dict:
        """The state at a time of the grid, as a dict."""
        i = _grid_index(self.t, time)
        return dict(zip(STATE_NAMES, (float(v) for v in self.states[i])))


def _grid_index(grid, time):
    i = int(np.argmin(np.abs(grid - time)))
    if abs(grid[i] - time) > 1e-9 * max(1.0, abs(time)):
        raise ValueError(f"time={time!r} is not a point of the simulation's time grid "
                         f"[{grid[0]:g}, {grid[-1]:g}] ({len(grid)} points)")
    return i


@lru_cache(maxsize=8)
def chen_simulation(objective: str, t_end: float = CHEN_HORIZON, n_points: int = 201) -> ChenRun:
    """X1: the gradient flow θ' = −∇L(θ) from Chen et al.'s start q_0 towards their target p, with
    every parameter learned (old weight via its logit, both means, both standard deviations via
    their logs). objective 'forward': forward KL on samples of the new mode only (the population
    version: the exact expectation under N(3.5, 0.7²)); 'reverse': KL(q_θ || p).
    LSODA with rtol 1e-8: states good to ~1e-6."""
    if objective not in ("forward", "reverse"):
        raise ValueError(f"objective={objective!r} is not one of the allowed values ['forward', 'reverse']")
    t_end = require_finite_float("t_end", t_end)
    if t_end <= 0:
        raise ValueError(f"t_end={t_end!r} is outside the allowed range (0, inf)")
    target = _as_floats(CHEN_TARGET)
    a, mo, mn, so, sn = _as_floats(CHEN_START)
    theta0 = np.array([logit(a), mo, mn, np.log(so), np.log(sn)])
    grid = np.linspace(0.0, t_end, n_points)
    solution = solve_ivp(lambda t, y: -_chen_gradient(y, objective, target), (0.0, t_end), theta0,
                         method="LSODA", t_eval=grid, rtol=1e-8, atol=1e-10)
    if not solution.success:
        raise ArithmeticError(f"Chen simulation ({objective}) failed: {solution.message}")
    y = solution.y
    states = np.column_stack([expit(y[0]), y[1], y[2], np.exp(y[3]), np.exp(y[4])])
    return ChenRun(objective, solution.t, states)


def mode_accuracies(state: dict, target: Mixture1D = CHEN_TARGET) -> dict:
    """Chen et al.'s per-mode accuracy: the overlap area ∫ min(w_k N^p_k, π_k N^q_k) / w_k of each
    target mode with the model's component of the same label."""
    p = _as_floats(target)
    old = overlap_area(p[0], p[1], p[3], state["alpha"], state["mean_old"], state["sd_old"]) / p[0]
    new = overlap_area(1 - p[0], p[2], p[4], 1 - state["alpha"], state["mean_new"], state["sd_new"]) / (1 - p[0])
    return {"old": old, "new": new}


def chen_quantity(objective: str, quantity: str, time) -> float:
    """One number of X1: a state entry (STATE_NAMES) or 'accuracy_old'/'accuracy_new' at a grid time."""
    run = chen_simulation(objective)
    state = run.at(float(time))
    if quantity in STATE_NAMES:
        return state[quantity]
    if quantity in ("accuracy_old", "accuracy_new"):
        return mode_accuracies(state)[quantity.split("_")[1]]
    raise ValueError(f"quantity={quantity!r} is not one of {list(STATE_NAMES) + ['accuracy_old', 'accuracy_new']}")


def chen_summary() -> dict:
    """Every number X1 reports: start, and the end of each flow (weights, means, sds, accuracies)."""
    out = {"horizon": CHEN_HORIZON}
    for objective in ("forward", "reverse"):
        run = chen_simulation(objective)
        for label, time in (("start", 0.0), ("final", CHEN_HORIZON)):
            state = run.at(time)
            acc = mode_accuracies(state)
            key = "start" if label == "start" else objective
            out[key] = {**{k: round(v, 6) for k, v in state.items()},
                        "accuracy_old": round(acc["old"], 6), "accuracy_new": round(acc["new"], 6)}
    out["reverse_max_alpha"] = round(float(chen_simulation("reverse").column("alpha").max()), 6)
    return out


# --- M2: SDFT with learned means --------------------------------------------------------------------

def _gl_grid(low, high, piece=0.5, order=20):
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(low, high, int(np.ceil((high - low) / piece)) + 1)
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    return (mid[:, None] + half[:, None] * nodes).ravel(), (half[:, None] * weights).ravel()


@dataclass(frozen=True)
class SDFTRun:
    """Per step k = 0..K: the EMA (teacher) model's (α, m_o, m_n) and, for k ≥ 1, the student's."""
    ema: np.ndarray       # (K+1, 3)
    student: np.ndarray   # (K, 3)

    def drift(self) -> float:
        """sup_k |m_o − μ_o| over the student's and the EMA's old means (whitened)."""
        return float(max(np.abs(self.ema[:, 1]).max(), np.abs(self.student[:, 1]).max()))

    def min_separation(self) -> float:
        """Δ_min: the smallest |m_n − μ_o| any model of the scheme had."""
        return float(min(np.abs(self.ema[:, 2]).min(), np.abs(self.student[:, 2]).min()))


def _damped_newton(objective, gradient, theta, tolerance=1e-13, iterations=100):
    """A stationary point of a smooth objective from a nearby start: Newton steps on the gradient
    (Jacobian by central differences of the exact gradient), halved until the objective does not
    increase, so the iteration stays in the start's basin. Stops when the gradient's largest entry
    is below `tolerance` or a step no longer moves θ."""
    value, g = objective(theta), gradient(theta)
    for _ in range(iterations):
        if np.max(np.abs(g)) <= tolerance:
            return theta
        h = 1e-5
        jacobian = np.column_stack([(gradient(theta + h * e) - gradient(theta - h * e)) / (2 * h)
                                    for e in np.eye(len(theta))])
        try:
            step = np.linalg.solve(jacobian, g)
        except np.linalg.LinAlgError:
            step = g
        if not np.all(np.isfinite(step)) or step @ g <= 0:
            step = g  # not a descent direction: fall back to the gradient
        scale = 1.0
        while scale > 1e-12:
            candidate = theta - scale * step
            candidate_value = objective(candidate)
            if candidate_value <= value + 1e-15 * max(1.0, abs(value)):
                break
            scale /= 2
        if np.max(np.abs(candidate - theta)) <= 1e-15 * max(1.0, np.max(np.abs(theta))):
            return candidate
        theta, value, g = candidate, candidate_value, gradient(candidate)
    if np.max(np.abs(g)) > 1e3 * tolerance:
        raise ArithmeticError(f"SDFT student projection did not converge (gradient {np.max(np.abs(g)):.3g})")
    return theta


@lru_cache(maxsize=256)
def sdft_learned_means(alpha_0: float, alpha_target: float, delta: float, new_offset: float,
                       tau: float = 0.2, anchor_strength: float = 0.5, steps: int = 100) -> SDFTRun:
    """M2: SDFT with components learned (unit variances, whitened 1-D: φ_o = N(0,1), φ_n = N(Δ,1)).

    Start: EMA model φ_0 = (α_0, μ_o = 0, m_n = Δ + new_offset) (old-correct). Each round the
    teacher is T_k = (1−λ) q_{φ_k} + λ p* (correct anchor p_A = p* = α*φ_o + (1−α*)φ_n), the student
    is the exact reverse-KL projection θ_k = argmin_θ KL(q_θ || T_k) (the stationary point of the
    exact gradient ∫∇q_θ log(q_θ/T_k), found from the EMA model by damped Newton to 1e-13),
    and the EMA moves φ ← (1−τ)φ + τθ on (α, m_o, m_n). Drifts are good to ~1e-12 absolute."""
    alpha_0 = _float_weight("alpha_0", alpha_0)
    alpha_target = _float_weight("alpha_target", alpha_target)
    delta = require_finite_float("delta", delta)
    require_in("delta", delta, 0, 12, low_open=True)
    new_offset = require_finite_float("new_offset", new_offset)
    tau = require_finite_float("tau", tau)
    require_in("tau", tau, 0, 1, low_open=True)
    lam = require_finite_float("anchor_strength", anchor_strength)
    require_in("anchor_strength", lam, 0, 1)
    mn0 = delta + new_offset
    x, w = _gl_grid(min(0.0, mn0) - 12, max(delta, mn0) + 12)
    log_anchor = np.logaddexp(np.log(alpha_target) + _log_normal(x, 0, 1),
                              np.log1p(-alpha_target) + _log_normal(x, delta, 1))
    ema = [np.array([alpha_0, 0.0, mn0])]
    students = []
    with np.errstate(divide="ignore"):
        log_lam, log_rest = np.log(lam), np.log1p(-lam)
    for _ in range(steps):
        a, mo, mn = ema[-1]
        log_model = np.logaddexp(np.log(a) + _log_normal(x, mo, 1), np.log1p(-a) + _log_normal(x, mn, 1))
        log_teacher = np.logaddexp(log_rest + log_model, log_lam + log_anchor)

        def terms(theta):
            b = expit(theta[0])
            lo = np.log(b) + _log_normal(x, theta[1], 1)
            ln = np.log1p(-b) + _log_normal(x, theta[2], 1)
            log_q = np.logaddexp(lo, ln)
            return b, lo, ln, log_q, (log_q - log_teacher) * w

        def objective(theta):  # KL(q_θ || T_k)
            _, _, _, log_q, ratio = terms(theta)
            return float(np.exp(log_q) @ ratio)

        def gradient(theta):  # ∫ ∇q_θ log(q_θ/T_k), θ = (logit α, m_o, m_n)
            b, lo, ln, _, ratio = terms(theta)
            po, pn = np.exp(lo), np.exp(ln)
            return np.array([((1 - b) * po - b * pn) @ ratio, (po * (x - theta[1])) @ ratio,
                             (pn * (x - theta[2])) @ ratio])

        theta = _damped_newton(objective, gradient, np.array([logit(a), mo, mn]))
        student = np.array([expit(theta[0]), theta[1], theta[2]])
        students.append(student)
        ema.append((1 - tau) * ema[-1] + tau * student)
    return SDFTRun(np.array(ema), np.array(students))


def sdft_drift(alpha_0, alpha_target, delta, new_offset) -> float:
    return sdft_learned_means(float(alpha_0), float(alpha_target), float(delta), float(new_offset)).drift()


def sdft_min_separation(alpha_0, alpha_target, delta, new_offset) -> float:
    return sdft_learned_means(float(alpha_0), float(alpha_target), float(delta), float(new_offset)).min_separation()


def drift_envelope(separation: float) -> float:
    """sqrt(1 + Δ²/4) e^{−Δ²/8}: the shape of R2/R5's overlap-gated bound (d = 1)."""
    return float(np.sqrt(1 + separation ** 2 / 4) * np.exp(-separation ** 2 / 8))


# --- X3: forward vs reverse trajectories from the same start -----------------------------------------

X3_HORIZON = 20.0
X3_POINTS = 201


@lru_cache(maxsize=32)
def _forward_run(alpha_0: float, delta: float):
    from .flows import forward_kl_weight_flow
    return forward_kl_weight_flow(alpha_0, delta, X3_HORIZON, X3_POINTS)


@lru_cache(maxsize=32)
def _reverse_weight_run(alpha_0: float, alpha_target: float, delta: float):
    from .flows import reverse_kl_weight_flow
    return reverse_kl_weight_flow(alpha_0, alpha_target, delta, X3_HORIZON, X3_POINTS)


@lru_cache(maxsize=32)
def _reverse_full_run(alpha_0: float, alpha_target: float, delta: float, new_mean_start: float):
    from .flows import reverse_kl_flow
    # R5's flow: the natural-gradient flow (THEORY's Euclidean flow can leave the domain, see R5)
    return reverse_kl_flow(alpha_0, 0.0, new_mean_start, alpha_target, delta, X3_HORIZON, X3_POINTS,
                           coordinates="natural")


def forward_weight_at(alpha_0, delta, time) -> float:
    """F1's flow α' = −L_F'(α) (new-task data only, components at the truth) at a time of the X3 grid."""
    run = _forward_run(float(alpha_0), float(delta))
    return float(run.column("alpha")[_grid_index(run.t, float(time))])


def reverse_weight_at(alpha_0, alpha_target, delta, new_mean_start, time) -> float:
    """R5's (natural-gradient) flow on all of θ = (α, m_o, m_n) from (α_0, μ_o, new_mean_start) at a time of the X3 grid."""
    run = _reverse_full_run(float(alpha_0), float(alpha_target), float(delta), float(new_mean_start))
    return float(run.column("alpha")[_grid_index(run.t, float(time))])


def x3_times() -> np.ndarray:
    return np.linspace(0.0, X3_HORIZON, X3_POINTS)


def x3_trajectories(alpha_0, alpha_target, delta, new_mean_start) -> dict:
    """The X3 figure's curves: t, forward α, reverse α (weight only, R1), reverse α and m_o (all of θ, R5)."""
    fwd = _forward_run(float(alpha_0), float(delta))
    rev_w = _reverse_weight_run(float(alpha_0), float(alpha_target), float(delta))
    rev = _reverse_full_run(float(alpha_0), float(alpha_target), float(delta), float(new_mean_start))
    return {"t": fwd.t, "forward": fwd.column("alpha"), "reverse_weight_only": rev_w.column("alpha"),
            "reverse": rev.column("alpha"), "reverse_mean_old": rev.column("mean_old")}
