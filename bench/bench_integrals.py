"""Validated quadrature of a bare sympy Integral (forgetcheck.quantities.integrals) against
lambdify's blind mpmath.quad, on the unequal-variance Bhattacharyya coefficient

    ∫ sqrt(N(x; 0, σ_1²) N(x; Δ, σ_2²)) dx = sqrt(2σ_1σ_2/(σ_1² + σ_2²)) e^{−Δ²/(4(σ_1² + σ_2²))}

over Δ ∈ [0, 60], σ_1, σ_2 ∈ [1/100, 10] (a grid with log-spaced σ), at 30 digits.

Per point it measures, in this one run: the time of `forgetcheck.quantities.evaluate.evaluate` on the
Integral (cold caches: each point is new to it) and of the naive `mpmath.quad(f, [-inf, inf])` that
lambdify produces, and the digits each got right against the closed form at 50 digits (+20). The
last line sums it up: median and worst ms of the validated path, the median time ratio
validated/naive, and the fewest correct digits of each (the validated path must reach 30 digits or
raise PrecisionNotReached, which is counted as inconclusive).

    python3 bench/bench_integrals.py [points per axis, default 5]
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mpmath  # noqa: E402
import sympy  # noqa: E402
from sympy import Integral, exp, oo, pi, sqrt  # noqa: E402

from forgetcheck.numerics.errors import PrecisionNotReached  # noqa: E402
from forgetcheck.quantities.evaluate import evaluate  # noqa: E402

DPS = 30
x = sympy.Symbol("x", real=True)
s1, s2 = sympy.symbols("sigma_1 sigma_2", positive=True)
D = sympy.Symbol("Delta", nonnegative=True)


def normal(at, mean, sd):
    return exp(-(at - mean) ** 2 / (2 * sd ** 2)) / (sqrt(2 * pi) * sd)


INTEGRAL = Integral(sqrt(normal(x, 0, s1) * normal(x, D, s2)), (x, -oo, oo))
CLOSED = sqrt(2 * s1 * s2 / (s1 ** 2 + s2 ** 2)) * exp(-D ** 2 / (4 * (s1 ** 2 + s2 ** 2)))
NAIVE = sympy.lambdify((s1, s2, D), INTEGRAL, modules="mpmath")  # what evaluate did before


def grid(n):
    """σ log-spaced on [1/100, 10] (dyadic-exact decimals), Δ evenly on [0, 60]."""
    sigmas = [Fraction(str(mpmath.nstr(mpmath.mpf(10) ** (-2 + 3 * mpmath.mpf(i) / (n - 1)), 6))) for i in range(n)]
    deltas = [Fraction(60 * i, n - 1) for i in range(n)]
    return [(a, b, d) for a in sigmas for b in sigmas for d in deltas]


def correct_digits(value, exact):
    with mpmath.workdps(DPS + 40):
        if value is None or not mpmath.isfinite(value):
            return 0
        if value == exact:
            return DPS + 20
        error = abs(value - exact) / abs(exact)
        return max(0, min(DPS + 20, int(-mpmath.log10(error)))) if error else DPS + 20


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    points = grid(n)
    validated_ms, naive_ms, validated_digits, naive_digits, inconclusive = [], [], [], [], 0
    for sigma_1, sigma_2, delta in points:
        point = {"sigma_1": sigma_1, "sigma_2": sigma_2, "Delta": delta}
        subs = {s1: sympy.Rational(sigma_1.numerator, sigma_1.denominator),
                s2: sympy.Rational(sigma_2.numerator, sigma_2.denominator),
                D: sympy.Rational(delta.numerator, delta.denominator)}
        with mpmath.workdps(DPS + 30):
            exact = mpmath.mpf(str(sympy.N(CLOSED.xreplace(subs), DPS + 25)))
        start = time.perf_counter()
        try:
            value = evaluate(INTEGRAL, point, DPS)
        except PrecisionNotReached:
            value, inconclusive = None, inconclusive + 1
        validated_ms.append(1000 * (time.perf_counter() - start))
        with mpmath.workdps(DPS + 10):
            args = [mpmath.mpf(v.numerator) / v.denominator for v in (sigma_1, sigma_2, delta)]
            start = time.perf_counter()
            try:
                naive = mpmath.mpmathify(NAIVE(*args))
            except Exception:  # noqa: BLE001 - the naive path may fail in any way; it scores 0 digits
                naive = None
            naive_ms.append(1000 * (time.perf_counter() - start))
        validated_digits.append(correct_digits(value, exact) if value is not None else None)
        naive_digits.append(correct_digits(naive, exact))
        print(f"σ1={float(sigma_1):<8.4g} σ2={float(sigma_2):<8.4g} Δ={float(delta):<5.3g} "
              f"validated {validated_ms[-1]:7.1f} ms, {validated_digits[-1] if value is not None else 'inconclusive'}"
              f" digits | naive {naive_ms[-1]:7.1f} ms, {naive_digits[-1]} digits")
    reached = [d for d in validated_digits if d is not None]
    ratios = [v / w for v, w in zip(validated_ms, naive_ms) if w > 0]
    print(f"{len(points)} points at {DPS} digits: validated median {statistics.median(validated_ms):.1f} ms, "
          f"worst {max(validated_ms):.1f} ms, median time ratio validated/naive {statistics.median(ratios):.2f}, "
          f"fewest correct digits validated {min(reached) if reached else 'n/a'} ({inconclusive} inconclusive), "
          f"naive {min(naive_digits)} (wrong at {sum(d < DPS for d in naive_digits)} of {len(points)} points)")


if __name__ == "__main__":
    main()
