"""Shared by the engine tests: the digits they check, and the precision they compare at."""
import mpmath
import pytest

#: Digits the engine is asked for in the tests; comparisons run 30 digits above, so that
#: multiplying and subtracting engine results does not itself cost the digits being checked.
DPS = 20


@pytest.fixture(autouse=True)
def working_precision():
    with mpmath.workdps(DPS + 30):
        yield


def agree(value, exact, digits):
    """value equals exact to `digits` significant digits (exactly, when exact is 0)."""
    return abs(value - exact) <= abs(exact) * mpmath.mpf(10) ** (-digits)
