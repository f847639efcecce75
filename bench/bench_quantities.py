"""Benchmark: the engine's fast validated paths against the adaptive-quadrature reference, per quantity.

For each quantity, a handful of points at the places that stress the rules (Δ up to 60, weights near
0 and 1, means off target). Per point: the fast path's time (median of 3 calls, warm node caches),
the reference path's time (one call, 30 digits), and the digits the fast path got right against the
reference at 50 digits (−log10 of the relative error, capped at 50; the fast path is asked for 30).
All measured in this one run. The last line sums up: median speed-up over all points, the worst
fast-path time, and the fewest correct digits.

Run: python3 bench/bench_quantities.py
"""
from __future__ import annotations

import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import mpmath

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from forgetcheck.numerics import drift, fisher, forward_kl, kl_quantities, reverse_kl  # noqa: E402

DPS, REFERENCE_DPS, REPEATS = 30, 50, 3

THETAS = [("0.1", 0, 1, "0.5", 1), ("0.5", 1, -2, "0.2", 2), ("0.999", "0.5", 10, "0.001", 10),
          ("1e-6", -5, 5, "0.9", 20), ("0.3", 0, 30, "0.5", 30), ("0.3", 0, 60, "0.5", 60)]
WEIGHTS = [("0.1", "0.5", 1), ("0.999", "0.001", 6), ("0.3", "0.5", 12), ("0.05", "0.95", 30), ("0.3", "0.5", 60)]
DRIFT = [("0.3", "0.5", 6), ("0.95", "0.05", 10), ("0.05", "0.95", 30), ("0.3", "0.5", 60)]
R2 = [("0.3", 3, "0.5", 3), ("0.5", "1.5", "0.2", 2), ("0.1", 40, "0.5", 30), ("0.5", -10, "0.1", "0.001"),
      ("0.7", 60, "0.9", 60)]
FISHER = [("0.5", 2), ("0.001", 10), ("0.9", 30), ("0.3", 60)]
CHI = [("1e-6", 3), ("0.999999", 3), ("0.5", "1e-5"), ("0.25", "0.5"), ("0.5", 30), ("0.3", 60)]
REPLAY = [("0.3", "0.5", 2), ("1e-6", 0, 1), ("0.9", "0.1", 10), ("0.5", 0, 60)]
EXCESS = [("0.5", 1), ("0.001", 30), ("0.999", "0.01"), ("1e-9", 60), ("0.3", "1e-6")]
CURVATURE = [("0.25", 0, "0.5"), ("1e-6", "0.3", 30), ("0.9", "0.1", 6), ("0.5", "0.5", 60), ("0.999", 0, 3)]
KAPPA_REPLAY = [("0.3", "0.5"), (0, "1e-7"), ("0.7", 6), (1, 60)]
KAPPA_REVERSE = [("1e-8",), ("0.5",), (2,), (60,)]

QUANTITIES = [  # (name, fast, reference, points)
    ("L_R objective", reverse_kl.reverse_kl_objective, reverse_kl.reverse_kl_objective_by_quadrature, THETAS),
    ("∂_{m_o} L_R", reverse_kl.reverse_kl_old_mean_gradient,
     reverse_kl.reverse_kl_old_mean_gradient_by_quadrature, THETAS),
    ("L_R − L_sep (overlap part)", kl_quantities.reverse_kl_overlap_part,
     kl_quantities.reverse_kl_overlap_part_by_quadrature, THETAS[:4] + THETAS[5:]),
    ("L_R'(α)", reverse_kl.reverse_kl_weight_gradient, reverse_kl.reverse_kl_weight_gradient_by_quadrature, WEIGHTS),
    ("∂²_{m_o} L_R (R3)", kl_quantities.old_mean_curvature, kl_quantities.old_mean_curvature_by_quadrature, WEIGHTS),
    ("R2 overlap expectation", kl_quantities.old_mean_overlap_expectation,
     kl_quantities.old_mean_overlap_expectation_by_quadrature, R2),
    ("drift root D (R3)", drift.partial_drift, drift.partial_drift_by_quadrature, DRIFT),
    ("Fisher deviation η (R4)", fisher.fisher_deviation, fisher.fisher_deviation_by_quadrature, FISHER),
    ("G(α) mixture χ²", kl_quantities.replay_curvature, kl_quantities.replay_curvature_by_quadrature, CHI),
    ("∂_α KL(p_λ||q_α) = (α−λ)G", forward_kl.forward_kl_replay_gradient,
     forward_kl.forward_kl_replay_gradient_by_quadrature, REPLAY),
    ("KL(φ_o||q_λ) (F3)", forward_kl.old_task_excess_loss, forward_kl.old_task_excess_loss_by_quadrature, EXCESS),
    ("∂²_α KL(p_λ||q_α) (F3)", kl_quantities.forward_kl_replay_curvature,
     kl_quantities.forward_kl_replay_curvature_by_quadrature, CURVATURE),
    ("κ_λ (closed form)", forward_kl.kappa_replay, forward_kl.kappa_replay_by_quadrature, KAPPA_REPLAY),
    ("κ_R (closed form)", reverse_kl.kappa_reverse, reverse_kl.kappa_reverse_by_quadrature, KAPPA_REVERSE),
]


def timed(call):
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def correct_digits(value, reference):
    with mpmath.workdps(REFERENCE_DPS + 20):
        if reference == 0:
            return float(REFERENCE_DPS) if value == 0 else 0.0
        error = abs(mpmath.mpf(value) - reference) / abs(reference)
        return float(REFERENCE_DPS) if error == 0 else max(0.0, min(float(REFERENCE_DPS), float(-mpmath.log10(error))))


def main():
    print(f"# bench_quantities  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.machine()} "
          f"{platform.processor() or platform.platform()}  python {platform.python_version()}")
    print(f"# fast path at {DPS} digits (median of {REPEATS}); reference at {DPS} digits (timed) and at "
          f"{REFERENCE_DPS} (for the digits)")
    header = f"{'quantity':30s} {'pts':>3s} {'fast med ms':>11s} {'fast max ms':>11s} {'ref med ms':>10s} " \
             f"{'ref max ms':>10s} {'speed-up':>9s} {'min digits':>10s}"
    print(header)
    all_ratios, worst_fast, fewest = [], 0.0, float("inf")
    for name, fast, reference, points in QUANTITIES:
        fast_times, ref_times, digits = [], [], []
        for point in points:
            fast_time = statistics.median(timed(lambda: fast(*point, DPS))[0] for _ in range(REPEATS))
            value = fast(*point, DPS)
            ref_time, _ = timed(lambda: reference(*point, DPS))
            exact = reference(*point, REFERENCE_DPS)
            fast_times.append(fast_time)
            ref_times.append(ref_time)
            digits.append(correct_digits(value, exact))
            all_ratios.append(ref_time / fast_time)
        worst_fast = max(worst_fast, max(fast_times))
        fewest = min(fewest, min(digits))
        ratio = statistics.median(r / f for r, f in zip(ref_times, fast_times))
        print(f"{name:30s} {len(points):3d} {1e3 * statistics.median(fast_times):11.2f} {1e3 * max(fast_times):11.2f} "
              f"{1e3 * statistics.median(ref_times):10.0f} {1e3 * max(ref_times):10.0f} {ratio:8.0f}x "
              f"{min(digits):10.1f}")
    print(f"SUMMARY median speed-up {statistics.median(all_ratios):.0f}x, worst fast path {1e3 * worst_fast:.1f} ms, "
          f"fewest correct digits {fewest:.1f} (asked {DPS})")


if __name__ == "__main__":
    main()
