"""O3/O4: the fast misassignment path against the independent quadrature path, and the asymptotics."""
import mpmath
import pytest

from forgetcheck import numerics

from engine_helpers import DPS, agree, working_precision  # noqa: F401  (autouse fixture)




@pytest.mark.parametrize("weight_old, delta", [
    ("0.3", "0.5"), ("0.1", 2), ("0.5", 10), ("1e-6", 10), ("0.999999", 10),
    ("0.1", 30), ("1e-12", 30), ("0.5", 60), ("0.999", 60),
])
def test_fast_path_matches_quadrature(weight_old, delta):
    fast = numerics.misassignment(weight_old, delta, DPS)
    slow = numerics.misassignment_by_quadrature(weight_old, delta, DPS)
    assert agree(fast, slow, DPS - 2), (fast, slow)


def test_section7_pitfall_value_at_delta_30():
    """THEORY §7: ε_o(0.1, 30) = 1.7235e−50 (naive mpmath.quad returns 1.7916e−50)."""
    assert agree(numerics.misassignment("0.1", 30, DPS), mpmath.mpf("1.7235e-50"), 4)


@pytest.mark.parametrize("weight_old, delta", [("0.2", 3), ("0.7", 10)])
def test_identity_a_eps_old_equals_one_minus_a_eps_new(weight_old, delta):
    a = mpmath.mpf(weight_old)
    eps_o = numerics.misassignment(weight_old, delta, DPS)
    eps_n = numerics.misassignment_new_by_quadrature(weight_old, delta, DPS)  # independent path
    assert agree(a * eps_o, (1 - a) * eps_n, DPS - 2)


@pytest.mark.parametrize("delta, reference", [(10, "0.95577"), (20, "0.98803"), (30, "0.99459"), (60, "0.99863")])
def test_o4_ratio_reference_values(delta, reference):
    ratio = numerics.misassignment_ratio_to_limit("0.5", delta, DPS)
    assert abs(ratio - mpmath.mpf(reference)) <= mpmath.mpf("0.5e-5")


def test_o4_exponent_tends_to_one_eighth():
    exponents = [-mpmath.log(numerics.misassignment("0.5", d, DPS)) / d ** 2 for d in (10, 20, 30, 60)]
    gaps = [e - mpmath.mpf(1) / 8 for e in exponents]
    assert all(g > 0 for g in gaps)
    assert all(later < earlier for earlier, later in zip(gaps, gaps[1:]))
    assert gaps[-1] < mpmath.mpf("0.0011")  # log(Δ sqrt(2/π))/Δ² at Δ = 60 is ≈ 0.00105


@pytest.mark.parametrize("weight_old", ["1e-9", "0.5", "0.999999999"])
def test_o3_overlap_bound(weight_old):
    a = mpmath.mpf(weight_old)
    for delta in (1, 6):
        eps = numerics.misassignment(weight_old, delta, DPS)
        assert eps <= mpmath.sqrt((1 - a) / a) * mpmath.exp(-mpmath.mpf(delta) ** 2 / 8) / 2
