import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # test-only statement modules live beside the tests


@pytest.fixture(scope="session")
def catalog():
    from forgetcheck.statements.registry import load_catalog
    return load_catalog()
