"""Hypothesis draws that depend on the seed alone.

Hypothesis (from 6.131) draws about 5 % of its values from constants it finds in the source of the
non-library modules loaded in the process (its "local constants"). The points a seed gives then
depend on what the process has imported: a pytest worker after other test files, a dask worker, a
session that imported a user's catalog. A run split over processes or machines would not draw the
points an in-process run draws, and "the same settings give the same verdicts in one process, in a
process pool and on a dask cluster" (forgetcheck.run.batches) would not hold: a test comparing the
two reports found it (O6's sharpness 0.693 at u = 1 in the pytest process, 0.714 at u = 15.26 on the
cluster, from the same seed). Inside `seeded_draws()` that pool is empty; Hypothesis' own global
constants (0, ±1, the float extremes, ...) are still drawn, the same in every process.
"""
from __future__ import annotations

from contextlib import contextmanager


def _providers():
    """Hypothesis' provider module when it has the local-constants pool (else None: nothing to pin)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the module
        return None
    if not (hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants")
            and hasattr(providers, "CONSTANTS_CACHE")):
        return None  # pragma: no cover - a Hypothesis before the feature
    return providers


@contextmanager
def seeded_draws():
    """Run Hypothesis with an empty local-constants pool, restoring it afterwards. The constants
    cache (allowed constants per kind of draw, local ones included) is cleared on entry and exit,
    so that nothing drawn from the pool of the process leaks in or out."""
    providers = _providers()
    if providers is None:  # pragma: no cover
        yield
        return
    saved = providers._get_local_constants
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()
