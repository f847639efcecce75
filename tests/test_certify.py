"""Certified evidence: enclosures contain the 60-digit references, the point and box checks certify
what is true, refute what is false (with a counterexample that reproduces), report what they cannot
decide, and a stored certificate re-checks from the JSON alone."""
from __future__ import annotations

import copy
import random
from fractions import Fraction

import mpmath
import pytest
import sympy
from flint import arb, ctx

from forgetcheck import numerics
from forgetcheck.numerics import enclosures as E
from forgetcheck.numerics.forward_kl import forward_kl_replay_gradient, kappa_forward
from forgetcheck.quantities.ball_evaluate import NotCertifiable, check_certifiable, enclose, enclose_box, mul, prepared
from forgetcheck.checks.certified import BoxProof, CertifiedAtPoints, branch_and_bound, covers, recheck_certificate
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.quantities.evaluate import evaluate
from forgetcheck.statements.evidence import Evidence
from forgetcheck.catalog.quantities.overlap import Bhattacharyya, Misassignment
from forgetcheck.run.settings import profile
from forgetcheck.statements.theorem import Mutant, Theorem

SETTINGS = profile("ci")


def mpf(value) -> mpmath.mpf:
    f = Fraction(str(value))
    with mpmath.workdps(100):
        return mpmath.mpf(f.numerator) / f.denominator


def contains(ball: arb, reference: mpmath.mpf) -> bool:
    with ctx.workprec(400):
        return ball.contains(arb(mpmath.nstr(reference, 80)))


# --- enclosures -----------------------------------------------------------------------------------

MISASSIGNMENT_POINTS = [("1/2", "1"), ("1/10", "30"), ("1/2", "60"), ("99/100", "40"), ("1/100", "1/10"),
                        ("1/3", "0"), ("1/1000", "5"), ("999/1000", "3"), ("7/10", "25/2")]


@pytest.mark.parametrize("prec", [53, 100, 170])
@pytest.mark.parametrize("weight, delta", MISASSIGNMENT_POINTS)
def test_misassignment_enclosure_contains_the_60_digit_reference(weight, delta, prec):
    reference = numerics.misassignment(mpf(weight), mpf(delta), dps=60)
    with ctx.workprec(prec):
        ball = E.misassignment_ball(weight, delta)
    assert contains(ball, reference)
    assert ball.rel_accuracy_bits() >= prec - 20   # an enclosure, and a tight one


def test_misassignment_box_enclosure_contains_every_point_of_the_box():
    box = {"weight_old": ("3/10", "7/20"), "delta": ("9", "19/2")}
    with ctx.workprec(64):
        ball = E.misassignment_ball(E.interval(*box["weight_old"]), E.interval(*box["delta"]))
    rng = random.Random(1)
    for _ in range(6):
        a = Fraction(3, 10) + Fraction(rng.randrange(1000), 20000)
        d = Fraction(9) + Fraction(rng.randrange(1000), 2000)
        assert contains(ball, numerics.misassignment(mpf(a), mpf(d), dps=40))


@pytest.mark.parametrize("scaled", [False, True])
def test_gradient_enclosures_satisfy_the_mean_value_theorem(scaled):
    """f(x2) − f(x1) ∈ ∇f(segment)·(x2 − x1): the property the centred form relies on."""
    value = E.misassignment_scaled_ball if scaled else E.misassignment_ball
    gradient = E.misassignment_scaled_gradient_ball if scaled else E.misassignment_gradient_ball
    for (a1, d1), (a2, d2) in [(("1/4", "2"), ("13/50", "201/100")), (("9/10", "12"), ("901/1000", "1201/100")),
                               (("1/100", "1/2"), ("11/1000", "11/20"))]:
        with ctx.workprec(128):
            f1, f2 = value(a1, d1), value(a2, d2)
            ga, gd = gradient(E.interval(a1, a2), E.interval(d1, d2))
            step = ga * (E.to_ball(a2) - E.to_ball(a1)) + gd * (E.to_ball(d2) - E.to_ball(d1))
            assert (f2 - f1).overlaps(step)
            assert step.rad() < abs(f2 - f1).upper()  # informative, not a trivial ball


@pytest.mark.parametrize("delta", ["1/10", "1", "3", "8"])
def test_kappa_forward_enclosure_contains_the_engine_value(delta):
    with ctx.workprec(80):
        kappa = E.kappa_forward_ball(delta)
    assert contains(kappa, kappa_forward(mpf(delta), dps=30))


def test_forward_kl_curvature_enclosure_contains_the_engine_values():
    """G(α) against the engine's L_F'(α)/α (2 s per engine value, hence one separation), and
    G(0) = χ² = e^{Δ²} − 1 at several."""
    for w in ("1/1000", "1/3"):
        with ctx.workprec(64):
            ball = E.forward_kl_curvature_ball(w, 3) * E.to_ball(w)
        assert contains(ball, forward_kl_replay_gradient(mpf(w), 0, mpf(3), dps=25))
    for delta in ("1/10", "1", "3", "8"):
        with ctx.workprec(80):
            ball = E.forward_kl_curvature_ball(0, delta)
        with mpmath.workdps(60):
            assert contains(ball, mpmath.expm1(mpf(delta) ** 2))


def test_closed_form_enclosures():
    d = mpf("5/2")
    with ctx.workprec(120), mpmath.workdps(60):
        assert contains(E.kappa_reverse_ball("5/2"),
                        2 * (mpmath.ncdf(d / 2) - 2 * mpmath.ncdf(-d / 2) + mpmath.exp(d * d) * mpmath.ncdf(-3 * d / 2)))
        assert contains(E.total_variation_ball("5/2"), 2 * mpmath.ncdf(d / 2) - 1)
        assert contains(E.chi_squared_ball("1/1000000"), mpmath.expm1(mpf("1/1000000") ** 2))
        assert contains(E.normal_cdf_ball(-30), mpmath.ncdf(-30))


def test_entropic_maximizer_encloses_the_root_of_the_slope():
    a0, beta, ro, rn, lam = mpf("1/3"), mpf(2), mpf(0), mpf(1), mpf("1/2")
    with mpmath.workdps(50):
        g, t0 = mpmath.exp(beta * (rn - ro)), mpmath.log(a0 / (1 - a0))
        slope = lambda s: (1 - g) / (mpmath.sigmoid(t0 + s) + (1 - mpmath.sigmoid(t0 + s)) * g) - lam * s
        root = mpmath.findroot(slope, 0)
    with ctx.workprec(100):
        ball = E.entropic_maximizer_shift_ball("1/3", 2, 0, 1, "1/2")
        box = E.entropic_maximizer_shift_ball(E.interval("3/10", "7/20"), E.interval("19/10", "21/10"), 0, 1, "1/2")
    assert contains(ball, root) and ball.rad() < 1e-20
    assert contains(box, root) and box.rad() < 1   # one enclosure for the whole parameter box


def test_inputs_are_validated_and_floats_refused():
    with pytest.raises(ValueError, match="weight_old"):
        E.misassignment_ball("3/2", 1)
    with pytest.raises(ValueError, match="float"):
        E.misassignment_ball(0.1, 1)
    with pytest.raises(ValueError, match="delta"):
        E.misassignment_ball("1/2", -1)
    with pytest.raises(ValueError, match="lam"):
        E.entropic_maximizer_shift_ball("1/3", 2, 0, 1, 0)


def test_wide_products_are_formed_from_endpoints():
    with ctx.workprec(53):
        x, y = E.interval("1/100", 1), E.interval("1/1000", 2)
        assert (x * y).lower() < 0 < mul(x, y).lower()          # midpoint-radius loses the sign
        assert mul(x, y).contains(E.to_ball("1/100000")) and mul(x, y).contains(E.to_ball(2))


# --- the ball evaluator ---------------------------------------------------------------------------

a, Delta, x = sympy.symbols("a Delta x", positive=True)


def test_unsupported_nodes_are_not_certifiable():
    for expr in (sympy.hyper([1], [2], a), Bhattacharyya(Delta), sympy.Float("0.1") * a):
        with pytest.raises(NotCertifiable):
            check_certifiable(expr)
        with pytest.raises(NotCertifiable):
            enclose(expr, {"a": 1, "Delta": 1})


def test_box_enclosure_contains_the_expression_across_the_box():
    """O3.total's rhs − lhs after the factored rewrite, against forgetcheck.quantities.evaluate at random points."""
    expr = sympy.sqrt(a * (1 - a)) * sympy.exp(-Delta ** 2 / 8) - a * Misassignment(a, Delta) \
        - (1 - a) * Misassignment(1 - a, Delta)
    assert "ScaledMisassignment" in str(prepared(expr))
    box = {"a": (Fraction(1, 5), Fraction(1, 4)), "Delta": (Fraction(3), Fraction(7, 2))}
    result = enclose_box(expr, box, 64)
    rng = random.Random(2)
    for _ in range(5):
        point = {k: lo + (hi - lo) * Fraction(rng.randrange(1025), 1024) for k, (lo, hi) in box.items()}
        assert contains(result.value, evaluate(expr, point, 30))
    assert result.value > 0


# --- CertifiedAtPoints ----------------------------------------------------------------------------

X_PARAMETER = Parameter(x, "1/10", 3, emphasis=("1/2", 1))


def _statement(claim, *checks, parameters=(X_PARAMETER,)):
    return Theorem(id="T.certify", title="test", section="0", claim=claim, parameters=parameters,
                   checks=checks or (CertifiedAtPoints(count=8),),
                   mutants=(Mutant("m", Claim.inequality(x + 1, x), "everywhere"),))


def test_points_certify_a_true_inequality():
    claim = Claim.inequality(sympy.log(1 + x), sympy.sqrt(x))
    outcome = CertifiedAtPoints(count=8).run(_statement(claim), claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED and outcome.examples >= 8


def test_points_refute_a_false_inequality_with_a_reproducible_counterexample():
    claim = Claim.inequality(sympy.log(1 + x), sympy.sqrt(x) / 2)
    outcome = CertifiedAtPoints(count=8).run(_statement(claim), claim, SETTINGS)
    assert outcome.evidence is Evidence.REFUTED
    point = {k: Fraction(v) for k, v in outcome.worst_point.items()}
    assert enclose(claim.rhs - claim.lhs, point, 64) < 0


def test_points_raise_the_precision_when_64_bits_cannot_decide():
    # cosh² − sinh² = 1 is not simplified by sympy; the margin 2^-100 needs more than 64 bits
    claim = Claim.inequality(sympy.cosh(x) ** 2 - sympy.sinh(x) ** 2, 1 + sympy.Rational(1, 2 ** 100))
    difference = claim.rhs - claim.lhs
    assert not enclose(difference, {"x": 1}, 64) > 0 and not enclose(difference, {"x": 1}, 64) < 0
    assert enclose(difference, {"x": 1}, 256) > 0
    outcome = CertifiedAtPoints(count=4).run(_statement(claim), claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED


def test_points_report_equality_and_undecidable_points():
    tight = Claim.inequality(sympy.cosh(x) ** 2 - sympy.sinh(x) ** 2, 1)     # equal everywhere
    outcome = CertifiedAtPoints(count=4).run(_statement(tight), tight, SETTINGS)
    assert outcome.evidence is Evidence.INCONCLUSIVE and "no point certified" in outcome.detail
    strict = Claim.inequality(sympy.cosh(x) ** 2 - sympy.sinh(x) ** 2, 1, strict=True)
    outcome = CertifiedAtPoints(count=4).run(_statement(strict), strict, SETTINGS)
    assert outcome.evidence is Evidence.INCONCLUSIVE and "contains 0" in outcome.detail


def test_an_exact_equality_satisfies_a_non_strict_inequality_only():
    square = (x - sympy.Rational(1, 2)) ** 2          # exactly 0 at the emphasised point x = ½
    claim = Claim.inequality(0, square)
    outcome = CertifiedAtPoints(count=4).run(_statement(claim), claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED and "x=0.5" in outcome.detail
    strict = Claim.inequality(0, square, strict=True)
    assert CertifiedAtPoints(count=4).run(_statement(strict), strict, SETTINGS).evidence is Evidence.INCONCLUSIVE


def test_non_inequalities_and_uncertifiable_claims_are_reported_not_certified():
    identity = Claim.identity(x, x)
    assert CertifiedAtPoints().run(_statement(identity), identity, SETTINGS).evidence is Evidence.UNCHECKED
    gamma = Claim.inequality(sympy.hyper([1], [2], x), x + 10)
    outcome = CertifiedAtPoints().run(_statement(gamma), gamma, SETTINGS)
    assert outcome.evidence is Evidence.UNCHECKED and "not certifiable" in outcome.detail


# --- BoxProof -------------------------------------------------------------------------------------

def test_box_proof_closes_a_true_inequality_and_lists_its_boxes():
    claim = Claim.inequality(sympy.log(1 + x), sympy.sqrt(x))
    check = BoxProof(((("x", "1/10", 3),),))
    outcome = check.run(_statement(claim, check), claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED
    certificate = outcome.measured["certificate"]
    assert covers(((("x", Fraction(1, 10), Fraction(3)),)), [p for _, p, _ in certificate["boxes"]])
    assert "certified on x ∈ [1/10, 3]" in outcome.detail


def test_box_proof_refutes_a_false_inequality_at_a_box_centre():
    # log(1+x)/sqrt(x) reaches 0.80 at x = 3: false near the right end only
    claim = Claim.inequality(sympy.log(1 + x), sympy.sqrt(x) * sympy.Rational(3, 4))
    check = BoxProof(((("x", "1/10", 3),),))
    outcome = check.run(_statement(claim, check), claim, SETTINGS)
    assert outcome.evidence is Evidence.REFUTED
    point = {k: Fraction(v) for k, v in outcome.worst_point.items()}
    assert enclose(claim.rhs - claim.lhs, point, 53) < 0


def test_box_proof_says_where_it_cannot_close():
    """(x − ½)² ≥ 0 is an equality at ½: the boxes around it never close, and the outcome says so."""
    claim = Claim.inequality(0, x ** 2 - x + sympy.Rational(1, 4))
    result = branch_and_bound(claim.rhs - claim.lhs, ((("x", Fraction(1, 10), Fraction(3)),),),
                              min_width_bits=16, max_boxes=400)
    assert result.violation is None and result.open_boxes
    assert all(abs(box["x"][0] - Fraction(1, 2)) < Fraction(1, 1000) for _, _, box, _ in result.open_boxes)
    check = BoxProof(((("x", "1/10", 3),),), min_width_bits=16, max_boxes=400)
    outcome = check.run(_statement(claim, check), claim, SETTINGS)
    assert outcome.evidence is Evidence.INCONCLUSIVE and "could not close" in outcome.detail
    assert "0.5" in outcome.detail


def test_box_proof_refuses_a_box_outside_the_domain():
    claim = Claim.inequality(sympy.log(1 + x), sympy.sqrt(x))
    check = BoxProof(((("x", 0, 3),),))
    with pytest.raises(ValueError, match="leaves the parameter's domain"):
        check.run(_statement(claim, check), claim, SETTINGS)


def test_two_dimensional_box_proof_of_o3_old_on_a_sub_box(catalog):
    theorem = catalog["O3.old"]
    check = BoxProof(((("a", "1/4", "3/4"), ("Delta", "1", "3")),), goal=24)
    outcome = check.run(theorem, theorem.claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED
    assert outcome.measured["certificate"]["boxes"]


# --- stored certificates --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def o5_entry():
    from forgetcheck.statements.registry import load_catalog
    theorem = load_catalog()["O5"]
    box = next(c for c in theorem.checks if isinstance(c, BoxProof))
    outcome = box.run(theorem, theorem.claim, SETTINGS)
    assert outcome.evidence is Evidence.CERTIFIED
    return {"id": "O5", "checks": [outcome.to_json()]}


def test_a_stored_certificate_rechecks_from_the_json_alone(o5_entry):
    import json
    entry = json.loads(json.dumps(o5_entry))
    result = recheck_certificate(entry)
    assert result.ok, result.describe()
    assert result.boxes == len(entry["checks"][0]["measured"]["certificate"]["boxes"])


def test_a_tampered_certificate_fails_the_recheck(o5_entry):
    def tampered(edit):
        entry = copy.deepcopy(o5_entry)
        edit(entry["checks"][0]["measured"]["certificate"])
        return recheck_certificate(entry)

    assert not tampered(lambda c: c["boxes"].pop()).ok                         # a hole in the cover
    assert not tampered(lambda c: c["boxes"][0].__setitem__(2, "1e3")).ok      # a lower bound it lacks
    assert not tampered(lambda c: c.__setitem__("content_hash", "0" * 16)).ok  # another statement version
    assert not tampered(lambda c: c["region"][0][0].__setitem__(1, "1/1000000000000000")).ok  # other region
    result = tampered(lambda c: c["region"][1][0].__setitem__(1, "1/2"))       # a region with p = ½ in it
    assert not result.ok and any("is not > 0" in failure for failure in result.failures)


# --- mutants of certified statements ---------------------------------------------------------------

def test_mutants_of_certified_statements_are_refuted_by_the_certified_checks(catalog):
    certified = [t for t in catalog.theorems()
                 if any(isinstance(c, (BoxProof, CertifiedAtPoints)) for c in t.checks)]
    assert {"O3.old", "O3.new", "O3.total", "O5", "O6", "O6.lipschitz"} <= {t.id for t in certified}
    for theorem in certified:
        for mutant in theorem.mutants:
            outcomes = [c.run(theorem, mutant.claim, SETTINGS) for c in theorem.checks
                        if isinstance(c, (BoxProof, CertifiedAtPoints))]
            assert not any(o.evidence is Evidence.CERTIFIED for o in outcomes), (theorem.id, mutant.name)
            assert any(o.evidence is Evidence.REFUTED for o in outcomes), (theorem.id, mutant.name)


def test_certificates_of_a_report_file_recheck_from_the_command_line(o5_entry, tmp_path, capsys):
    import json
    from forgetcheck.cli import main
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"statements": [o5_entry]}))
    assert main(["certify", str(path)]) == 0
    boxes = len(o5_entry["checks"][0]["measured"]["certificate"]["boxes"])
    assert f"O5: {boxes} boxes re-verified" in capsys.readouterr().out
    assert main(["certify", str(tmp_path / "missing.json")]) == 2
    assert "cannot read it" in capsys.readouterr().err
