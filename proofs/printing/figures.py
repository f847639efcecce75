"""The figures of THEORY §6, drawn from the same computations the statements check:

* x1: Chen et al.'s simulation (X1), densities before and after each objective;
* x2: log D against Δ² with the least-squares slope and the line of slope −1/8, and the local
  slopes approaching −1/8 (X2);
* x3: the old weight under forward and reverse KL from the same start (X3).

Each is written as PNG and PDF (matplotlib, Agg backend: no display needed). The file names are
sentences because `forgetcheck latex` captions a figure with its file name.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from forgetcheck.numerics.errors import InputError

#: figure name -> (file stem, drawing function, what it shows)
FIGURES = {}

#: X2's figure grid (R3's drift costs ~1-2 s per point at 15 digits)
DRIFT_GRID = (6, 8, 10, 12, 14, 16)
DRIFT_WEIGHTS = ("3/10", "1/2")
#: X3's figure start: old weight ½, target ¾, Δ = 3, new mean 2 beyond μ_n (the first X3 case)
X3_START = {"alpha_0": 0.5, "alpha_star": 0.75, "delta": 3.0, "new_offset": 2.0}


def _figure(name, stem, what):
    def register(draw):
        FIGURES[name] = (stem, draw, what)
        return draw
    return register


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "legend.fontsize": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


# --- data ----------------------------------------------------------------------------------------------

def drift_decay_data(grid=None, weights=DRIFT_WEIGHTS, dps: int = 15) -> dict:
    """Δ, D(Δ) (R3, forgetcheck.numerics.drift.partial_drift), and the least-squares slope of log D against Δ²
    (grid: DRIFT_GRID, read when called)."""
    import mpmath

    from forgetcheck.numerics.methods import partial_drift_memoized
    grid = DRIFT_GRID if grid is None else grid
    deltas = np.array([float(d) for d in grid])
    drifts = [partial_drift_memoized(weights[0], weights[1], d, dps) for d in grid]
    log_d = np.array([float(mpmath.log(v)) for v in drifts])
    slope, intercept = np.polyfit(deltas ** 2, log_d, 1)
    return {"delta": deltas, "log_drift": log_d, "slope": float(slope), "intercept": float(intercept),
            "alpha": float(Fraction(weights[0])), "alpha_star": float(Fraction(weights[1]))}


def trajectories_data(start=X3_START) -> dict:
    from forgetcheck.numerics import kappa_forward
    from forgetcheck.numerics.simulation import x3_trajectories
    curves = x3_trajectories(start["alpha_0"], start["alpha_star"], start["delta"],
                             start["delta"] + start["new_offset"])
    from forgetcheck.numerics.flows import forward_kl_weight_flow
    kappa = float(kappa_forward(start["delta"], dps=15))
    # the forward weight collapses within t ≈ 0.6 (near α = 0 its rate is e^{Δ²} − 1): a fine grid there
    early = forward_kl_weight_flow(start["alpha_0"], start["delta"], 1.0, 401)
    return {**curves, "kappa_forward": kappa, "early_t": early.t, "early_forward": early.column("alpha"),
            "early_bound": start["alpha_0"] * np.exp(-kappa * early.t), **start}


def chen_data() -> dict:
    from forgetcheck.numerics.simulation import CHEN_HORIZON, CHEN_START, CHEN_TARGET, _as_floats, chen_simulation, mode_accuracies
    runs = {objective: chen_simulation(objective) for objective in ("forward", "reverse")}
    return {"target": _as_floats(CHEN_TARGET), "start": _as_floats(CHEN_START), "horizon": CHEN_HORIZON,
            "final": {k: tuple(run.at(CHEN_HORIZON).values()) for k, run in runs.items()},
            "accuracy": {k: mode_accuracies(run.at(CHEN_HORIZON)) for k, run in runs.items()},
            "accuracy_start": mode_accuracies(runs["forward"].at(0.0)),
            "alpha_path": {k: (run.t, run.column("alpha")) for k, run in runs.items()}}


def mixture_density(x, weight, mean_old, mean_new, sd_old, sd_new):
    def normal(m, s):
        return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
    return weight * normal(mean_old, sd_old) + (1 - weight) * normal(mean_new, sd_new)


# --- drawings ------------------------------------------------------------------------------------------

@_figure("x1", "X1-densities-before-and-after-forward-and-reverse-KL",
         "X1: Chen et al.'s simulation, densities before and after forward / reverse KL")
def draw_chen(plt):
    data = chen_data()
    x = np.linspace(-8, 7, 1200)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    labels = {"forward": "forward KL on new-mode samples", "reverse": "reverse KL toward p"}
    for ax, objective in zip(axes, ("forward", "reverse")):
        final = data["final"][objective]
        acc = data["accuracy"][objective]
        ax.fill_between(x, mixture_density(x, *data["target"]), color="0.85", label="target p")
        ax.plot(x, mixture_density(x, *data["start"]), "--", color="0.35", lw=1.3, label="start $q_0$")
        ax.plot(x, mixture_density(x, *final), color="C0" if objective == "forward" else "C3", lw=2,
                label=f"after $t = {data['horizon']:g}$")
        ax.set_title(f"{labels[objective]}: old weight {data['start'][0]:.2f} → {final[0]:.3f}")
        ax.set_xlabel("$x$")
        ax.text(0.98, 0.97, "accuracy (old / new mode)\n"
                            f"before {data['accuracy_start']['old']:.2f} / {data['accuracy_start']['new']:.2f}\n"
                            f"after  {acc['old']:.2f} / {acc['new']:.2f}",
                transform=ax.transAxes, va="top", ha="right", fontsize=8.5, family="monospace")
        ax.legend(loc="upper left", frameon=False)
    axes[0].set_ylabel("density")
    axes[0].set_ylim(0, 0.8)
    fig.tight_layout()
    return fig


def _minus(text: str) -> str:
    return text.replace("-", "\u2212")


@_figure("x2", "X2-drift-decay-log-D-against-Delta-squared",
         "X2: log D(Δ) against Δ², least-squares slope and the line of slope −1/8")
def draw_drift_decay(plt):
    data = drift_decay_data()
    squares = data["delta"] ** 2
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.9))
    left.plot(squares, data["log_drift"], "o", color="C0", ms=6, label=r"$\log D(\Delta)$ (R3)", zorder=3)
    span = np.linspace(squares.min() - 4, squares.max() + 4, 50)
    left.plot(span, data["intercept"] + data["slope"] * span, "-", color="C0", lw=1.2,
              label="least-squares fit, slope " + _minus(f"{data['slope']:.4f}"))
    # the −1/8 line through the last point: it runs parallel to the fit
    anchor_x, anchor_y = squares[-1], data["log_drift"][-1]
    left.plot(span, anchor_y - (span - anchor_x) / 8, "--", color="C1", lw=1.2, label=r"slope $-1/8$")
    left.set_xlabel(r"$\Delta^2$")
    left.set_ylabel(r"$\log D$")
    left.set_title(rf"Drift decay, $\alpha = {data['alpha']:g}$, $\alpha^* = {data['alpha_star']:g}$")
    for delta, sq, y in zip(data["delta"], squares, data["log_drift"]):
        left.annotate(rf"$\Delta={delta:g}$", (sq, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    left.legend(frameon=False, loc="lower left")
    # the local slopes between neighbouring points approach −1/8 (like 1/Δ⁴)
    local = np.diff(data["log_drift"]) / np.diff(squares)
    middle = (squares[1:] + squares[:-1]) / 2
    right.plot(middle, local, "o-", color="C0", ms=5, label="local slope between neighbours")
    right.axhline(-1 / 8, color="C1", ls="--", lw=1.2, label=r"$-1/8$")
    right.axhline(data["slope"], color="C0", ls=":", lw=1, label="least-squares slope")
    right.set_xlabel(r"$\Delta^2$ (midpoint)")
    right.set_ylabel(r"slope of $\log D$ against $\Delta^2$")
    right.set_title("The slope tends to $-1/8$")
    right.legend(frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


@_figure("x3", "X3-old-weight-under-forward-and-reverse-KL-from-the-same-start",
         "X3: the old weight under forward and reverse KL from the same start")
def draw_trajectories(plt):
    data = trajectories_data()
    t = data["t"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(t, data["forward"], color="C0", lw=2, label="forward KL, new-task data only (F1)")
    left.plot(t, data["reverse_weight_only"], color="C3", lw=1.2, ls="--", label="reverse KL, weight only (R1)")
    left.plot(t, data["reverse"], color="C3", lw=2, label=r"reverse KL, all of $\theta$ (R5)")
    left.axhline(data["alpha_star"], color="0.5", lw=0.8, ls=":")
    left.annotate(r"$\alpha^*$", (t[-1], data["alpha_star"]), textcoords="offset points", xytext=(-12, -14))
    left.set_xscale("symlog", linthresh=1, linscale=0.6)
    left.set_xlim(0, t[-1])
    left.set_ylim(-0.02, 1)
    left.set_xlabel("$t$ (linear to 1, then logarithmic)")
    left.set_ylabel(r"old weight $\alpha(t)$")
    left.set_title(rf"Same start: $\alpha_0 = {data['alpha_0']:g}$, $\alpha^* = {data['alpha_star']:g}$, "
                   rf"$\Delta = {data['delta']:g}$, $m_n^0 = \mu_n + {data['new_offset']:g}$")
    left.legend(frameon=False, loc="center right")
    # forward KL on a log scale, against F1(ii)'s bound α_0 e^{−κ_F t}
    floor = 1e-30
    right.semilogy(data["early_t"], np.maximum(data["early_forward"], floor), color="C0", lw=2,
                   label=r"forward KL $\alpha(t)$")
    right.semilogy(data["early_t"], data["early_bound"], "--", color="0.3", lw=1.2,
                   label=rf"$\alpha_0 e^{{-\kappa_F t}}$ (F1), $\kappa_F = {data['kappa_forward']:.3f}$")
    right.set_ylim(floor, 2)
    right.set_xlabel("$t$")
    right.set_ylabel(r"$\alpha(t)$ (log scale, floor $10^{-30}$)")
    right.set_title("Forward KL: much faster than F1's bound")
    right.legend(frameon=False, loc="center right")
    fig.tight_layout()
    return fig


def write_figures(out_dir, names=None) -> list:
    """Draw the named figures (default: all) into out_dir as PNG and PDF; returns the paths."""
    plt = _pyplot()
    names = list(FIGURES) if names is None else list(names)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise InputError(f"unknown figure(s) {unknown}; the figures are {sorted(FIGURES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        stem, draw, _ = FIGURES[name]
        fig = draw(plt)
        # no creation dates or versions in the files: the same numbers give the same bytes
        fig.savefig(out / f"{stem}.png", dpi=150, metadata={"Software": None})
        fig.savefig(out / f"{stem}.pdf", metadata={"CreationDate": None, "Producer": None, "Creator": None})
        written += [out / f"{stem}.png", out / f"{stem}.pdf"]
        plt.close(fig)
    return written
