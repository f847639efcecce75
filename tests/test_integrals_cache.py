"""No stale verdicts for user code: the cache key covers the source of a user's quantity and of the
module that defines the statements, wherever they live."""
import importlib
import sys
import textwrap

from forgetcheck.run.cache import CHANGED, Keys, verify_incremental
from forgetcheck.run.settings import profile
from forgetcheck.statements.registry import Registry

SMALL = profile("ci", points=6, search_points=2, search_popsize=3)

USER_MODULE = textwrap.dedent('''
    import sympy
    from sympy import exp, oo, pi, sqrt
    import forgetcheck as fc

    x = sympy.Symbol("x", real=True)
    w = fc.declare("w_cache_test", latex="w", meaning="a width", positive=True)

    def normal(t, mean, sd):
        return exp(-(t - mean) ** 2 / (2 * sd ** 2)) / (sqrt(2 * pi) * sd)

    MASS = fc.quantity("CacheTestMass", SCALE * normal(x, 0, w), x, (w,), latex=r"M", meaning="total mass")

    THEOREMS = [fc.Theorem(
        id="U.mass", title="a density integrates to 1", section="U", source="test",
        claim=fc.Claim.identity(MASS(w), 1), parameters=(fc.Parameter(w, "1/10", 10),),
        checks=(fc.Sampled(search=False),),
        mutants=(fc.Mutant("mass 2", fc.Claim.identity(MASS(w), 2), "false everywhere"),))]
''')


def _load(tmp_path, scale: str):
    (tmp_path / "user_quantities_for_cache.py").write_text(USER_MODULE.replace("SCALE", scale))
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop("user_quantities_for_cache", None)
        importlib.invalidate_caches()
        return importlib.import_module("user_quantities_for_cache")
    finally:
        sys.path.remove(str(tmp_path))


def test_editing_a_user_quantity_rechecks_its_statement(tmp_path):
    module = _load(tmp_path, "1")
    registry = Registry(module.THEOREMS)
    store = tmp_path / "cache"
    first = verify_incremental(registry, registry.theorems(), SMALL, folder=store, jobs=1)
    assert first.rechecked == {"U.mass": CHANGED} and first.reports[0].passed
    again = verify_incremental(registry, registry.theorems(), SMALL, folder=store, jobs=1)
    assert again.reused == ["U.mass"]
    # the user breaks the quantity's code (its integrand doubled): the statement text is unchanged
    edited = _load(tmp_path, "2")
    registry = Registry(edited.THEOREMS)
    assert edited.THEOREMS[0].content_hash() == module.THEOREMS[0].content_hash()
    after = verify_incremental(registry, registry.theorems(), SMALL, folder=store, jobs=1)
    assert after.reused == [] and after.rechecked == {"U.mass": CHANGED}
    assert not after.reports[0].passed  # and the re-check sees the broken quantity


def test_the_key_changes_with_the_defining_module_alone(tmp_path):
    module = _load(tmp_path, "1")
    key = Keys(Registry(module.THEOREMS), SMALL).own("U.mass")
    (tmp_path / "user_quantities_for_cache.py").write_text(
        USER_MODULE.replace("SCALE", "1") + "\n# a helper edited elsewhere in the module\n")
    assert Keys(Registry(module.THEOREMS), SMALL).own("U.mass") != key
