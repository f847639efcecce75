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

Then, in the same run, the catalog's G2 integral (ε_1 of a three-component mixture) at points over
its domain (weights 1/1000..1000, means −30..30), "old" against "new": old is the compiled arb
integrand evaluated whole at every node (its nodes free of x included), the panels' confirming rule
through mpf nodes and values, and a balance's roots lambdified at every point, restored by patching;
new is the code as it is. It prints per point both times and the digits on which the values agree,
then the median and total ratio old/new.

    python3 bench/bench_integrals.py [points per axis, default 5] [G2 points per axis, default 3]
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


def _old_integrals():
    """Patches restoring the evaluation before the compiled integrand was split (see the docstring)."""
    import forgetcheck.quantities.integrals as integrals

    class WholeTree:  # every node of the tree at every evaluation, as the closure was called before
        def __init__(self, closure):
            self.prepare, self.whole = (lambda args: args), closure

        def evaluate(self, x, args):
            return self.whole([x, *args[1:]])

    caller = integrals._arb_caller
    return {"_arb_caller": lambda closure, *rest: caller(WholeTree(closure), *rest),
            "_arb_balls_at_active_precision": lambda c, params: None,
            "_lambdified": integrals._lambdify}


def compare_g2(n):
    import itertools

    import forgetcheck.quantities.integrals as integrals
    from forgetcheck.catalog.beyond import G2_MISASSIGNMENT
    ratios = [Fraction(1, 1000), Fraction(1, 1), Fraction(1000)]
    means = [-30 + Fraction(60 * i, n - 1) for i in range(n)] if n > 1 else [Fraction(7, 3)]
    points = [{"r_2": r2, "r_3": r3, "mu_2": m2, "mu_3": m3 * Fraction(29, 30)}
              for r2, r3, m2, m3 in itertools.product(ratios, ratios, means, means)]
    old_patch, new_patch = _old_integrals(), {name: getattr(integrals, name) for name in _old_integrals()}
    times, agreed = {"old": [], "new": []}, []
    for point in points:
        with mpmath.workdps(DPS + 10):
            values = {k: mpmath.mpf(v.numerator) / v.denominator for k, v in point.items()}
        found = {}
        for label, patch in (("old", old_patch), ("new", new_patch)):
            for name, value in patch.items():
                setattr(integrals, name, value)
            start = time.perf_counter()
            found[label] = integrals.evaluate_integral(G2_MISASSIGNMENT, values, DPS).value
            times[label].append(time.perf_counter() - start)
        for name, value in new_patch.items():
            setattr(integrals, name, value)
        agreed.append(correct_digits(found["new"], found["old"]))
        print(f"G2 r2={float(point['r_2']):<6g} r3={float(point['r_3']):<6g} μ2={float(point['mu_2']):<7.3g} "
              f"μ3={float(point['mu_3']):<7.3g} old {1000 * times['old'][-1]:6.1f} ms new "
              f"{1000 * times['new'][-1]:6.1f} ms, agree to {agreed[-1]} digits")
    per_point = [o / w for o, w in zip(times["old"], times["new"])]
    print(f"G2, {len(points)} points at {DPS} digits: old/new median {statistics.median(per_point):.2f}x, "
          f"total {sum(times['old']):.2f} s / {sum(times['new']):.2f} s = {sum(times['old']) / sum(times['new']):.2f}x, "
          f"old and new agree to ≥ {min(agreed)} digits")


if __name__ == "__main__":
    main()
    compare_g2(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
