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


def _cuts(points, peaks) -> np.ndarray:
    finite = [float(p) for p in points if np.isfinite(float(p))]
    for loc, width in peaks:
        loc, width = float(loc), float(width)
        finite.append(loc)
        finite.extend(loc + s * width * 2 ** k for k in range(PEAK_LEVELS) for s in (-1, 1))
    cuts = np.unique(np.array(finite + [min(finite) - PAD, max(finite) + PAD]))
    # Subdivide every gap into pieces no longer than MAX_PIECE: gap k into counts[k] equal pieces,
    # all at once (a flow builds this rule for every evaluation of its right-hand side)
    gaps = np.diff(cuts)
    counts = np.ceil(gaps / MAX_PIECE).astype(int)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    index = np.arange(counts.sum()) - first
    pieces = np.repeat(cuts[:-1], counts) + index * np.repeat(gaps / counts, counts)
    return np.concatenate([pieces, cuts[-1:]])


def nodes_and_weights(points, peaks=()):
    """All Gauss–Legendre nodes and weights of the composite rule for these split points."""
    edges = _cuts(points, peaks)
    t, w = _legendre(ORDER)
    mid = (edges[1:] + edges[:-1]) / 2
    half = (edges[1:] - edges[:-1]) / 2
    x = (mid[:, None] + half[:, None] * t[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return x, weights


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
