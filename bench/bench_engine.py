"""Benchmark: the misassignment probability ε_o(a, Δ) (THEORY O3) three ways.

(a) forgetcheck.numerics.misassignment (trapezoid rule with an a-priori error bound, cached nodes);
(b) naive mpmath.quad at the requested precision over [−inf, 0, Δ/2, Δ, inf] of the z-integrand
    N(z) σ(log c − Δ²/2 + Δz), c = (1−a)/a (THEORY §7's pitfall);
(c) scipy.integrate.quad in float64 over the same pieces, given its best chance (epsabs=0,
    epsrel=1e−13, limit=200; with the default epsabs=1.5e−8 it returns ~0 for every Δ here).

Reference: the engine's independent slow path (peak-aware adaptive quadrature in x,
forgetcheck.numerics.misassignment_by_quadrature) at dps + 20, so the fast path is not graded against itself.
Correct digits = −log10(relative error), capped at dps (0 when the value has no correct digit). Times are medians over repeated calls; ours are with warm
node caches (the first, cold call is shown separately). Run: python3 bench/bench_engine.py
"""
from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

import mpmath
from scipy import integrate as scipy_integrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from forgetcheck import numerics  # noqa: E402

WEIGHT_OLD = "0.1"
SEPARATIONS = (10, 30, 60)
PRECISIONS = (15, 30, 50)
REPEATS = {"ours": 7, "mpmath": 3, "scipy": 5}


def median_time(call, repeats):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def correct_digits(value, reference, dps):
    with mpmath.workdps(dps + 30):
        value, reference = mpmath.mpf(value), mpmath.mpf(reference)
        if not mpmath.isfinite(value):
            return 0.0
        error = abs(value - reference) / abs(reference)
        if error == 0:
            return float(dps)
        return max(0.0, min(float(dps), float(-mpmath.log10(error))))


def naive_mpmath(delta, dps):
    with mpmath.workdps(dps):
        a = mpmath.mpf(WEIGHT_OLD)
        d = mpmath.mpf(delta)
        shift = mpmath.log((1 - a) / a) - d * d / 2
        f = lambda z: mpmath.npdf(z) / (1 + mpmath.exp(-(shift + d * z)))  # noqa: E731
        return mpmath.quad(f, [mpmath.ninf, 0, d / 2, d, mpmath.inf])


def naive_scipy(delta):
    a = float(WEIGHT_OLD)
    shift = math.log((1 - a) / a) - delta * delta / 2

    def f(z):
        t = shift + delta * z
        sigmoid = 1 / (1 + math.exp(-t)) if t > -700 else math.exp(t)  # avoid OverflowError
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * sigmoid

    pieces = [(-math.inf, 0), (0, delta / 2), (delta / 2, delta), (delta, math.inf)]
    return sum(scipy_integrate.quad(f, lo, hi, epsabs=0, epsrel=1e-13, limit=200)[0] for lo, hi in pieces)


def main():
    header = (f"{'Δ':>3} {'dps':>4} | {'ours: time':>11} {'cold':>9} {'digits':>6} | "
              f"{'mpmath.quad':>11} {'digits':>6} | {'scipy quad':>10} {'digits':>6} | {'mpmath/ours':>11}")
    print(f"ε_o(a={WEIGHT_OLD}, Δ): median time per call and correct digits (reference: independent quadrature path at dps+20)")
    print(header)
    print("-" * len(header))
    for delta in SEPARATIONS:
        for dps in PRECISIONS:
            reference = numerics.misassignment_by_quadrature(WEIGHT_OLD, delta, dps + 20)
            start = time.perf_counter()
            numerics.misassignment(WEIGHT_OLD, delta, dps)
            cold = time.perf_counter() - start
            t_ours, v_ours = median_time(lambda: numerics.misassignment(WEIGHT_OLD, delta, dps), REPEATS["ours"])
            t_mp, v_mp = median_time(lambda: naive_mpmath(delta, dps), REPEATS["mpmath"])
            t_sp, v_sp = median_time(lambda: naive_scipy(float(delta)), REPEATS["scipy"])
            print(f"{delta:>3} {dps:>4} | {t_ours * 1e3:>8.2f} ms {cold * 1e3:>6.1f} ms "
                  f"{correct_digits(v_ours, reference, dps):>6.1f} | "
                  f"{t_mp * 1e3:>8.1f} ms {correct_digits(v_mp, reference, dps):>6.1f} | "
                  f"{t_sp * 1e3:>7.2f} ms {correct_digits(v_sp, reference, min(dps, 16)):>6.1f} | "
                  f"{t_mp / t_ours:>10.0f}x")
    print("scipy's digits are capped at 16 (float64); 'cold' is ours with empty node caches for that "
          "precision (first call).")


if __name__ == "__main__":
    main()
