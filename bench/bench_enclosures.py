"""Ball-arithmetic enclosures of ε_o (forgetcheck.numerics.enclosures) against naive mpmath.quad and the engine's
fast path (forgetcheck.numerics.misassignment), at 53, 100 and 170 bits.

Prints, per (a, Δ, bits): the time of each method (best of REPEATS), its ratio to flint's, its
relative error against a 60-digit reference, and whether its value lies inside flint's enclosure
(which must contain the reference: that is asserted). mpmath.quad integrates φ_o γ_n over
[−inf, 0, Δ/2, Δ, inf], the naive split of THEORY §7.

    python3 bench/bench_enclosures.py
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mpmath  # noqa: E402
from flint import arb, ctx  # noqa: E402

from forgetcheck.numerics import misassignment  # noqa: E402
from forgetcheck.numerics.enclosures import misassignment_ball  # noqa: E402

WEIGHT = "1/10"
SEPARATIONS = ("1", "10", "30", "60")
BITS = (53, 100, 170)
REPEATS = 3


def exact(text):
    num, _, den = text.partition("/")
    return mpmath.mpf(int(num)) / int(den or 1)


def best_time(fn):
    best, value = None, None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def naive_quad(a, delta):
    def integrand(x):  # φ_o(x) γ_n(x) in whitened coordinates
        return mpmath.npdf(x) / (1 + a / (1 - a) * mpmath.exp(delta * delta / 2 - delta * x))
    return mpmath.quad(integrand, [-mpmath.inf, 0, delta / 2, delta, mpmath.inf])


def inside(ball, value):
    with ctx.workprec(400):
        return ball.contains(arb(mpmath.nstr(value, 100)))


def main():
    header = (f"{'Δ':>4} {'bits':>4} | {'flint':>9} {'quad':>9} {'engine':>9} | {'quad/flint':>10} "
              f"{'engine/flint':>12} | {'quad rel.err':>12} {'in ball':>7} | {'engine rel.err':>14} {'in ball':>7}")
    print(f"ε_o(a={WEIGHT}, Δ): times (best of {REPEATS}), ratios, errors against a 60-digit reference")
    print(header)
    print("-" * len(header))
    for d in SEPARATIONS:
        with mpmath.workdps(80):
            a, delta = exact(WEIGHT), exact(d)
            reference = misassignment(a, delta, dps=60)
        for bits in BITS:
            dps = int(bits * 0.30103)
            with ctx.workprec(bits):
                t_flint, ball = best_time(lambda: misassignment_ball(WEIGHT, d))
            assert inside(ball, reference), f"the enclosure {ball} misses the reference at Δ={d}, {bits} bits"
            with mpmath.workprec(bits):
                t_quad, quad = best_time(lambda: naive_quad(+a, +delta))
            t_engine, engine = best_time(lambda: misassignment(a, delta, dps=max(15, dps)))
            with mpmath.workdps(80):
                err_quad = abs(quad / reference - 1)
                err_engine = abs(engine / reference - 1)
            print(f"{d:>4} {bits:>4} | {t_flint * 1e3:7.2f}ms {t_quad * 1e3:7.2f}ms {t_engine * 1e3:7.2f}ms | "
                  f"{t_quad / t_flint:10.1f} {t_engine / t_flint:12.2f} | {mpmath.nstr(err_quad, 3):>12} "
                  f"{'yes' if inside(ball, quad) else 'no':>7} | {mpmath.nstr(err_engine, 3):>14} "
                  f"{'yes' if inside(ball, engine) else 'no':>7}")
    print("\nEvery flint enclosure contains the 60-digit reference (asserted). 'in ball': whether the other "
          "method's value lies inside flint's enclosure at the same precision.")


if __name__ == "__main__":
    main()
