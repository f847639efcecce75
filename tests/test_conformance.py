"""Every registered statement passes the conformance suite: evidence reached, mutants refuted with
counterexamples, LaTeX renders, hypotheses print."""
import pytest

from forgetcheck.run.conformance import check_theorem
from forgetcheck.statements.registry import load_catalog

IDS = load_catalog().ids()


def test_catalog_is_not_empty():
    assert len(IDS) >= 10


@pytest.mark.parametrize("theorem_id", IDS)
def test_statement_conforms(theorem_id, catalog, catalog_reports):
    problems = check_theorem(catalog[theorem_id], catalog_reports[theorem_id])
    assert problems == [], f"{theorem_id}: " + "; ".join(problems)


@pytest.mark.parametrize("theorem_id", IDS)
def test_fully_verified(theorem_id, catalog_reports):
    assert catalog_reports[theorem_id].fully_verified, f"{theorem_id} or a dependency did not pass"
