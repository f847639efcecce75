"""Every registered statement passes the conformance suite, through the same pytest integration
users get (forgetcheck.testing.parametrize_theorems): its definition is well-formed, it prints,
it reaches its expected evidence, every mutant is refuted with a counterexample, and what it uses
is verified too."""
from forgetcheck.statements.registry import load_catalog
from forgetcheck.testing import parametrize_theorems

CATALOG = load_catalog()


def test_catalog_is_not_empty_and_loads_cleanly():
    assert len(CATALOG) >= 10
    assert CATALOG.problems == []


@parametrize_theorems(CATALOG.theorems())
def test_statement(theorem, check):
    check(theorem)
