import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # test-only statement modules live beside the tests


@pytest.fixture(scope="session")
def catalog():
    from forgetcheck.statements.registry import load_catalog
    return load_catalog()


@pytest.fixture(scope="session")
def catalog_reports(catalog, tmp_path_factory):
    """One verification of the whole catalog, shared by every conformance test."""
    from forgetcheck.run.runner import verify_all
    from forgetcheck.run.settings import profile
    reports = verify_all(catalog.theorems(), profile("ci"), jobs=os.cpu_count())
    return {r.id: r for r in reports}
