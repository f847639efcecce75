"""O1 and R1(iii): closed forms against quadrature of the integral definitions, Δ from 0 to 60."""
import mpmath
import pytest

from forgetcheck import numerics
from forgetcheck.numerics import closed_forms, divergences, reverse_kl

from engine_helpers import DPS, agree, working_precision  # noqa: F401  (autouse fixture)

SEPARATIONS = [0, "0.5", 2, 10, 30, 60]

PAIRS = [
    (divergences.bhattacharyya_by_quadrature, closed_forms.bhattacharyya),
    (divergences.kl_divergence_by_quadrature, closed_forms.kl_divergence),
    (divergences.chi_squared_by_quadrature, closed_forms.chi_squared),
    (divergences.total_variation_by_quadrature, closed_forms.total_variation),
    (divergences.hellinger_squared_by_quadrature, closed_forms.hellinger_squared),
    # the quadrature of κ_R's definition (numerics.kappa_reverse itself now evaluates a closed form)
    (reverse_kl.kappa_reverse_by_quadrature, closed_forms.kappa_reverse_closed_form),
]


@pytest.mark.parametrize("delta", SEPARATIONS)
@pytest.mark.parametrize("quadrature, closed", PAIRS, ids=lambda f: getattr(f, "__name__", ""))
def test_quadrature_matches_closed_form(quadrature, closed, delta):
    value = quadrature(delta, DPS)
    with mpmath.workdps(DPS + 20):
        exact = closed(mpmath.mpf(delta))
    assert agree(value, exact, DPS - 3), (value, exact)


@pytest.mark.parametrize("delta, reference", [("0.5", "0.174228515234638"), (2, "1.19547234693203")])
def test_kappa_reverse_reference_values(delta, reference):
    assert agree(numerics.kappa_reverse(delta, DPS), mpmath.mpf(reference), 14)


def test_public_bhattacharyya_is_the_closed_form_at_the_requested_digits():
    value = numerics.bhattacharyya("0.5", 40)
    with mpmath.workdps(60):
        assert agree(value, mpmath.exp(-mpmath.mpf("0.25") / 8), 39)
