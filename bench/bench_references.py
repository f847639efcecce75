"""The independent reference integrals of the catalog's identities: Gauss-Legendre panels
(numerics.quadrature.panel_quadrature, the default first path of `integrate`) against the adaptive
tanh-sinh path they replace (forced here by refusing the panels), in one run.

These are the "as it stands" integrals that the sampled checks compare the engine's fast paths with
(R1.gradient, R2.identity, R4.decomposition, F1.gradient, F1.curvature, F2.old_task, F3.minimizer,
P1, P2.*, O1.*, O2, O3.identity), at points that stress them: Δ up to the statements' maxima,
weights near 0 and 1, means off target. Per quantity: median and worst ms of each path at 30 digits
(cold caches: every call is new to the quantity's cache), the speed-up of the medians, and the
fewest digits the panel value shares with the adaptive value computed at 50 digits. A point where a
path raises PrecisionNotReached is counted as inconclusive, not timed. The last line sums it up.

Old against new, in the same run: the panels as they were before the confirming rule moved to
python-flint balls and the mpmath context to raw libmp calls ("old": the confirming rule in mpmath,
mpmath's own exp/log/log1p/expm1 and workdps, restored here by patching), against the current code
("new"). Columns `old med` and `new/old` (speed-up of the medians), and `same` the fewest digits the
two panel values share (both are confirmed to 30 digits: they must agree to ~30).

    python3 bench/bench_references.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mpmath  # noqa: E402

from forgetcheck.numerics import (backends, divergences, forward_kl, kl_quantities as kl, llr, overlap,  # noqa: E402
                                  quadrature)
from forgetcheck.numerics.errors import PrecisionNotReached  # noqa: E402

DPS = 30

CASES = {
    "R1 ∫(φ_o−φ_n) log(q_α/p*)": (kl.reverse_kl_weight_gradient_direct, [
        ("0.3", "0.6", "17.3"), ("0.001", "0.5", "2"), ("0.999", "0.3", "30"), ("0.5", "0.5000001", "1")]),
    "R4 KL(q_θ‖p*) as it stands": (kl.reverse_kl_objective_direct, [
        ("0.3", "0.2", "17", "0.6", "17.3"), ("0.01", "-5", "40", "0.5", "30"), ("0.9", "0", "2", "0.9", "2.001")]),
    "R2 α∫xφ_o log(q/p*)": (kl.old_mean_gradient_direct, [
        ("0.3", "16", "0.6", "17.3"), ("0.999", "3", "0.1", "3"), ("0.5", "-10", "0.5", "30")]),
    "F1 g(α)": (kl.forward_kl_jensen_mean, [("0.3", "7.3"), ("0.001", "30"), ("0.999", "1")]),
    "F1 L_F''(0)": (forward_kl.forward_kl_curvature_at_zero, [("1",), ("7.3",), ("30",)]),
    "F2 KL(φ_o‖q_θ)": (kl.old_task_loss, [("0.3", "0.2", "17", "17.3"), ("0.5", "30", "30", "30"),
                                          ("0.001", "1", "1", "1")]),
    "F3 −∫p_λ(φ_o−φ_n)/q_α": (kl.forward_kl_replay_gradient_direct, [
        ("0.3", "0.6", "7.3"), ("0.01", "0.99", "30"), ("0.5", "0.4", "0.5")]),
    "P2 E_s[(w h)²]": (kl.importance_weighted_second_moment, [
        ("0.3", "0.2", "3", "0.4", "1.5"), ("0.01", "-5", "40", "0.9", "2"), ("0.5", "0", "0", "0", "-2")]),
    "O1 KL(φ_o‖φ_n)": (divergences.kl_divergence_by_quadrature, [("0.001",), ("3",), ("60",)]),
    "O1 TV": (divergences.total_variation_by_quadrature, [("0.001",), ("3",), ("60",)]),
    "O2 E[e^{sℓ}]": (llr.llr_mgf_under_old, [("1.5", "7.3"), ("-1", "10"), ("2", "0.1")]),
    "O3 ε_n": (overlap.misassignment_new_by_quadrature, [("0.3", "7"), ("0.001", "30"), ("0.999", "2")]),
    "O1 χ²": (divergences.chi_squared_by_quadrature, [("0.001",), ("3",), ("37.3",)]),
    "O1 H²": (divergences.hellinger_squared_by_quadrature, [("0.001",), ("3",), ("60",)]),
    "P2 E_s[w h]": (kl.importance_weighted_mgf, [("0.3", "0.2", "3", "0.4", "1.5"), ("0", "1", "-4", "0.5", "5")]),
}


# --- "old": the confirming rule in mpmath and mpmath's own elementary functions ------------------

def _old_logaddexp(a, b):
    if a < b:
        a, b = b, a
    if b == mpmath.ninf:
        return +a
    return a + _old_log1p(mpmath.exp(b - a))


def _old_log1p(y):
    if not y:
        return +y
    if mpmath.mag(y) < -mpmath.mp.prec:
        return y - y * y / 2
    return mpmath.log(mpmath.fadd(1, y, exact=True))


def _old_log_normal_pdf(x, mean):
    return -(x - mean) ** 2 / 2 - backends.MP.half_log_2pi()


OLD = {"exp": staticmethod(mpmath.exp), "log": staticmethod(mpmath.log), "log1p": staticmethod(_old_log1p),
       "expm1": staticmethod(mpmath.expm1), "logaddexp": staticmethod(_old_logaddexp),
       "raised": staticmethod(lambda digits: mpmath.workdps(mpmath.mp.dps + digits))}


def _without_arb(saved):
    def panels(f, pts, dps, absolute_tolerance=None, extra_digits=0, scale_floor=None, arb_integrand=None):
        return saved(f, pts, dps, absolute_tolerance, extra_digits, scale_floor)
    return panels


def old_way(run):
    """run() with the panels' confirming rule in mpmath and mpmath's own functions in MP."""
    context = type(backends.MP)
    saved_context = {name: context.__dict__[name] for name in OLD}
    saved_pdf, saved_panels = backends._mp_log_normal_pdf, quadrature.panel_quadrature
    for name, fn in OLD.items():
        setattr(context, name, fn)
    backends._mp_log_normal_pdf = _old_log_normal_pdf
    quadrature.panel_quadrature = _without_arb(saved_panels)
    try:
        return run()
    finally:
        for name, fn in saved_context.items():
            setattr(context, name, fn)
        backends._mp_log_normal_pdf, quadrature.panel_quadrature = saved_pdf, saved_panels


def _adaptive_only(*args, **kwargs):
    raise quadrature.PanelsNotConfirmed("forced: the adaptive path")


def timed(fn, args, dps, adaptive):
    saved = quadrature.panel_quadrature
    if adaptive:
        quadrature.panel_quadrature = _adaptive_only
    try:
        start = time.perf_counter()
        try:
            value = fn(*args, dps=dps)
        except PrecisionNotReached:
            value = None
        return value, (time.perf_counter() - start) * 1000
    finally:
        quadrature.panel_quadrature = saved


def digits(value, reference):
    if value is None or reference is None:
        return None
    with mpmath.workdps(DPS + 40):
        if value == reference:
            return DPS + 20
        return float(-mpmath.log10(abs(value - reference) / abs(reference))) if reference else None


def _fewest(values):
    known = [d for d in values if d is not None]
    return min(known) if known else float("nan")


def main():
    print(f"{'quantity':30s} {'pts':>3s} {'panel med':>9s} {'panel max':>9s} {'adapt med':>9s} {'adapt max':>9s} "
          f"{'speed-up':>8s} {'digits':>6s} {'old med':>8s} {'new/old':>7s} {'same':>5s}")
    speedups, gains, worst, fewest, fewest_same, unsure = [], [], 0.0, None, None, 0
    for name, (fn, points) in CASES.items():
        panel_ms, adaptive_ms, old_ms, got, same = [], [], [], [], []
        for args in points:
            fn(*args, dps=DPS - 5)  # nodes and caches of the precisions warm
            old_way(lambda: fn(*args, dps=DPS - 5))
            value, ms = timed(fn, args, DPS, adaptive=False)
            old_value, oms = old_way(lambda: timed(fn, args, DPS, adaptive=False))
            _, ams = timed(fn, args, DPS, adaptive=True)
            reference, _ = timed(fn, args, DPS + 20, adaptive=True)
            if value is None or old_value is None:
                unsure += 1
                continue
            panel_ms.append(ms)
            old_ms.append(oms)
            adaptive_ms.append(ams)
            got.append(digits(value, reference))
            same.append(digits(value, old_value))
        d, s = _fewest(got), _fewest(same)
        fewest = d if fewest is None or d < fewest else fewest
        fewest_same = s if fewest_same is None or s < fewest_same else fewest_same
        ratio = statistics.median(adaptive_ms) / statistics.median(panel_ms)
        gain = statistics.median(old_ms) / statistics.median(panel_ms)
        speedups.append(ratio)
        gains.append(gain)
        worst = max(worst, max(panel_ms))
        print(f"{name:30s} {len(points):3d} {statistics.median(panel_ms):9.1f} {max(panel_ms):9.1f} "
              f"{statistics.median(adaptive_ms):9.1f} {max(adaptive_ms):9.1f} {ratio:7.1f}x {d:6.1f} "
              f"{statistics.median(old_ms):8.1f} {gain:6.1f}x {s:5.1f}")
    print(f"median speed-up {statistics.median(speedups):.1f}x, worst panel path {worst:.0f} ms, fewest digits "
          f"agreeing with the adaptive path at {DPS + 20} digits {fewest:.1f} (asked {DPS}), inconclusive {unsure}")
    print(f"new against old panels: median speed-up {statistics.median(gains):.1f}x (range {min(gains):.1f}x-"
          f"{max(gains):.1f}x), fewest digits the two agree on {fewest_same:.1f}")


if __name__ == "__main__":
    main()
