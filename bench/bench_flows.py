"""Benchmark: the float64 flows' right-hand sides and dense outputs, former path against current.

The former path is the engine package (numerics/) as of git revision BASELINE, extracted with
`git archive` into a temporary directory and imported as a separate package in this process; the
current path is the working tree's forgetcheck.numerics. Both are timed in the same run, in
alternating rounds, with time.process_time (CPU time of this process: the machine is shared, and
wall time would mostly measure the other load); each figure is the median over ROUNDS rounds of the
mean µs per evaluation over a fixed sample of inputs.

Quantities (what each flow evaluates at every solver stage):
  full-flow gradient   flows.gradient_float (R5.*, X3.reverse): θ over the R5 start box, a third of them
                       within 1e−9 … 1e−3 of θ*, a sixth at Δ = 10 (the flows' largest separation)
  objective            flows.objective_float (L_R along R5's trajectories), same θ
  R1 weight gradient   flows._reverse_weight_gradient: far from α* (split formula), near α* (the
                       mean-value form, |α − α*| = 0.05 min(α*, 1 − α*)) and close to it (1e−4 of that:
                       where a converging flow spends most of its evaluations), Δ ∈ [0.55, 10]
  F1/F3 curvature      forward_kl.replay_curvature_float G(α), the speed of F1's and F3's flows
  scalar state u(t)    FlowSolution.state at one t of a solved F3 flow (the checks' root finders ask
                       one t at a time), and of a whole solve
  R1 flow solve        flows.reverse_kl_weight_solution to t = 10^4, state at the end
  full-flow solve      flows.reverse_kl_solution, natural coordinates, t ∈ [0, 20]
Deviation: max over the sample of |current − former| / max(|former|, SCALE) with SCALE the size of
the quantity's O(1) terms (1 for the gradients and the objective, whose float64 values near θ* are
limited by the absolute rounding of those terms), i.e. the relative deviation where it is meaningful.

Run: python3 bench/bench_flows.py [REVISION]  (needs git and the repository's history; about a minute;
REVISION: the former path's revision, default BASELINE)
"""
from __future__ import annotations

import importlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
#: The revision before the fused float64 evaluation (main when this benchmark was written).
BASELINE = "8242e09"
ROUNDS = 7


def load_baseline(revision: str):
    """The engine package at `revision`, imported as `baseline_numerics` (it uses relative imports only)."""
    directory = Path(tempfile.mkdtemp(prefix="bench_flows_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "numerics"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)
    (directory / "numerics").rename(directory / "baseline_numerics")
    sys.path.insert(0, str(directory))
    return importlib.import_module("baseline_numerics"), directory


def sample_thetas(count=48, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        delta = 10.0 if i % 6 == 0 else float(rng.uniform(0.55, 10))
        alpha_target = float(rng.uniform(0.02, 0.98))
        if i % 3 == 1:
            eps = 10 ** rng.uniform(-9, -3)
            theta = (alpha_target * (1 + eps * rng.normal()), eps * rng.normal(), delta + eps * rng.normal())
        else:
            theta = (float(rng.uniform(0.02, 0.98)), *rng.uniform(-2, delta + 2, 2))
        out.append(tuple(float(v) for v in (*theta, alpha_target, delta)))
    return out


def median_us(call, inputs, rounds):
    """Median over rounds of the mean µs per call over `inputs`; also the last round's values."""
    times, values = [], None
    for _ in range(rounds):
        start = time.process_time()
        values = [call(*args) for args in inputs]
        times.append((time.process_time() - start) / len(inputs) * 1e6)
    return times, values


def compare(name, old_call, new_call, inputs, scale=1.0, rounds=ROUNDS):
    old_times, new_times = [], []
    for _ in range(rounds):  # alternate, so that both see the same load
        t, old_values = median_us(old_call, inputs, 1)
        old_times += t
        t, new_values = median_us(new_call, inputs, 1)
        new_times += t
    old_arr = np.atleast_2d(np.array(old_values, dtype=float))
    new_arr = np.atleast_2d(np.array(new_values, dtype=float))
    deviation = float(np.max(np.abs(new_arr - old_arr) / np.maximum(np.abs(old_arr), scale)))
    old_us, new_us = statistics.median(old_times), statistics.median(new_times)
    print(f"{name:<34} {old_us:>11.1f} {new_us:>11.1f} {old_us / new_us:>7.1f}x   {deviation:.1e}")
    return old_us / new_us


def main():
    from forgetcheck.numerics import flows, forward_kl
    revision = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    baseline, directory = load_baseline(revision)
    try:
        from baseline_numerics import flows as old_flows, forward_kl as old_forward_kl
        thetas = sample_thetas()
        weight_far = [(a, t, d) for a, _, _, t, d in thetas[0::3]]
        weight_near = [(t + 0.05 * min(t, 1 - t) * (-1) ** i, t, d) for i, (_, _, _, t, d) in enumerate(thetas)]
        weight_close = [(t + 5e-6 * min(t, 1 - t) * (-1) ** i, t, d) for i, (_, _, _, t, d) in enumerate(thetas)]
        curvature = [(a, d) for a, _, _, _, d in thetas]
        print(f"former path: numerics/ at {revision}; current: working tree. CPU µs per evaluation, "
              f"median of {ROUNDS} rounds")
        print(f"{'quantity':<34} {'former µs':>11} {'current µs':>11} {'ratio':>8}   max deviation")
        ratios = {
            "full-flow gradient": compare("full-flow gradient (R5, X3)", old_flows.gradient_float,
                                          flows.gradient_float, thetas),
            "objective": compare("objective L_R", old_flows.objective_float, flows.objective_float, thetas),
            "R1 gradient, far": compare("R1 weight gradient, split form", old_flows._reverse_weight_gradient,
                                        flows._reverse_weight_gradient, weight_far, scale=1e-300),
            "R1 gradient, near": compare("R1 weight gradient, mean-value", old_flows._reverse_weight_gradient,
                                         flows._reverse_weight_gradient, weight_near, scale=1e-300),
            "R1 gradient, close": compare("R1 weight gradient, close to α*", old_flows._reverse_weight_gradient,
                                          flows._reverse_weight_gradient, weight_close, scale=1e-300),
            "F1/F3 curvature": compare("F1/F3 curvature G(alpha)", old_forward_kl.replay_curvature_float,
                                       forward_kl.replay_curvature_float, curvature, scale=1e-300),
        }
        starts = [(0.9, 0.3, 2.0, 5.0), (0.2, 0.7, 6.0, 5.0), (0.05, 0.5, 10.0, 3.0)]
        old_solutions = [old_flows.forward_kl_replay_solution(*s) for s in starts]
        new_solutions = [flows.forward_kl_replay_solution(*s) for s in starts]
        times = [(k, float(t)) for k in range(len(starts)) for t in np.linspace(0.01, 2.9, 8)]
        ratios["scalar state u(t)"] = compare(
            "F3 flow state at one t", lambda k, t: old_solutions[k].state([t])[0, 0],
            lambda k, t: new_solutions[k].state([t])[0, 0], times, scale=1e-300)
        ratios["scalar solve"] = compare(
            "F3 flow solve, state at t_end", lambda *s: old_flows.forward_kl_replay_solution(*s).state([s[-1]])[0, 0],
            lambda *s: flows.forward_kl_replay_solution(*s).state([s[-1]])[0, 0], starts, scale=1e-300, rounds=3)
        r1_starts = [(0.9, 0.3, 2.0, 1e4), (0.05, 0.6, 6.0, 1e4), (0.5, 0.49, 0.3, 1e4)]
        ratios["R1 flow solve"] = compare(
            "R1 flow solve, state at t_end", lambda *s: old_flows.reverse_kl_weight_solution(*s).state([s[-1]])[0, 0],
            lambda *s: flows.reverse_kl_weight_solution(*s).state([s[-1]])[0, 0], r1_starts, scale=1e-300, rounds=3)
        full = [(0.5, 0.0, 1.0, 0.5, 3.0, 20.0), (0.8, 0.0, 7.0, 0.3, 5.0, 20.0)]
        ratios["full-flow solve"] = compare(
            "R5 flow solve (natural), state at 20",
            lambda *a: old_flows.reverse_kl_solution(*a, coordinates="natural").state([a[-1]])[0],
            lambda *a: flows.reverse_kl_solution(*a, coordinates="natural").state([a[-1]])[0], full, rounds=3)
        geometric = float(np.exp(np.mean(np.log(list(ratios.values())))))
        print("summary: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items())
              + f"; geometric mean {geometric:.1f}x")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
