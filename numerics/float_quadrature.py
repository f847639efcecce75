"""Float64 quadrature for trajectories: composite Gauss–Legendre on the engine's split points.

The flows call a gradient thousands of times, so the high-precision two-pass `integrate` is far too
slow there. The same split points and peak refinement are used, the domain is truncated PAD unit
standard deviations beyond the outermost special point (the integrands of this theory are bounded
by Gaussians centred at special points times slowly varying factors, so the tail beyond is below
e^{-PAD²/2} ≈ 1e-31 relative), and every piece is at most MAX_PIECE long so that a fixed
Gauss–Legendre rule is accurate to float64 on each. The integrand is evaluated once on a vector of
all nodes.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

PAD = 12.0
MAX_PIECE = 0.5
ORDER = 12
PEAK_LEVELS = 4  # same refinement as quadrature.breakpoints: peak ± width·2^k, k < PEAK_LEVELS


@lru_cache(maxsize=8)
def _legendre(order: int):
    nodes, weights = np.polynomial.legendre.leggauss(order)
    return nodes, weights


#: ±2^k, k < PEAK_LEVELS: a peak of width w is refined at loc ± w·2^k.
_PEAK_OFFSETS = tuple(s * 2 ** k for k in range(PEAK_LEVELS) for s in (-1, 1))


def _cuts(points, peaks) -> np.ndarray:
    # The special points are a few dozen Python floats: sorting and deduplicating them as such is
    # several times cheaper than numpy calls on tiny arrays (a flow builds this rule for every
    # evaluation of its right-hand side).
    finite = [x for x in map(float, points) if math.isfinite(x)]
    for loc, width in peaks:
        loc, width = float(loc), float(width)
        finite.append(loc)
        finite.extend(loc + width * offset for offset in _PEAK_OFFSETS)
    finite += [min(finite) - PAD, max(finite) + PAD]
    cuts = np.array(sorted(set(finite)))
    # Subdivide every gap into pieces no longer than MAX_PIECE: gap k into counts[k] equal pieces,
    # all at once
    gaps = cuts[1:] - cuts[:-1]
    counts = np.ceil(gaps / MAX_PIECE).astype(np.intp)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    index = np.arange(first.size) - first
    pieces = np.repeat(cuts[:-1], counts) + index * np.repeat(gaps / counts, counts)
    return np.concatenate([pieces, cuts[-1:]])


def nodes_and_weights(points, peaks=()):
    """All Gauss–Legendre nodes and weights of the composite rule for these split points."""
    edges = _cuts(points, peaks)
    t, w = _legendre(ORDER)
    mid = ((edges[1:] + edges[:-1]) / 2)[:, None]
    half = ((edges[1:] - edges[:-1]) / 2)[:, None]
    return (mid + half * t).ravel(), (half * w).ravel()


def integrate_float(f, *, points=(), peaks=()) -> float:
    """∫ f over R in float64; f is evaluated once on the array of nodes."""
    if not list(points) and not list(peaks):
        points = [0.0]
    x, w = nodes_and_weights(points, peaks)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        values = f(x)
    values = np.broadcast_to(values, x.shape)
    if not np.all(np.isfinite(values)):
        raise FloatingPointError("float64 integrand is not finite at some node; use the mpmath engine")
    return float(np.dot(w, values))
