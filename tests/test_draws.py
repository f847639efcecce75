"""Hypothesis draws depend on the seed alone, not on what the process has imported (proofs/checks/draws.py):
otherwise a run in a pytest worker, a process pool or on a dask cluster would draw other points than
an in-process run with the same settings."""
import importlib
import sys
from contextlib import nullcontext

import sympy

from forgetcheck.checks import stress
from forgetcheck.run.settings import profile
from forgetcheck.statements.domain import RESOLUTION_BITS, Parameter


class Recorder:
    """Stands in for a stress run: records every point hypothesis draws."""

    def __init__(self, parameters):
        self.parameters, self.points = parameters, []

    def probe(self, point, how):
        self.points.append(tuple(point.values()))


def draws(parameters, seed=0, examples=150):
    run = Recorder(parameters)
    stress._hypothesis_phase(run, profile("ci", seed=seed), examples)
    return run.points


def import_a_module_with_constants(tmp_path, name, prime):
    """A local module (outside site-packages) full of integers that hypothesis would draw from
    (fewer than its limit of 1024 a module, beyond which it takes none)."""
    constants = ", ".join(str(k * prime % 2 ** RESOLUTION_BITS) for k in range(1, 60))
    (tmp_path / f"{name}.py").write_text(f"TABLE = [{constants}]\n")
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def test_draws_do_not_change_when_the_process_imports_a_module(tmp_path, monkeypatch):
    u, v = sympy.symbols("u v")
    parameters = (Parameter(u, 0, 1), Parameter(v, -3, 3))
    before = draws(parameters)
    import_a_module_with_constants(tmp_path, "forgetcheck_test_constants_a", 7919)
    assert draws(parameters) == before
    # the test has teeth: without the pinning, the same seed draws other points once a module is loaded
    monkeypatch.setattr(stress, "seeded_draws", nullcontext)
    unpinned = draws(parameters)
    import_a_module_with_constants(tmp_path, "forgetcheck_test_constants_b", 104729)
    assert draws(parameters) != unpinned
