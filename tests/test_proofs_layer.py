"""The statement layer: claims, theorems, registry, evidence, stress testing, symbolic strategies."""
from fractions import Fraction

import mpmath
import pytest
import sympy

from forgetcheck.checks.kinds import Limit, Sampled, Symbolic
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import CheckOutcome, Evidence, combine
from forgetcheck.quantities.engine_function import EngineFunction
from forgetcheck.statements.notation import symbol
from forgetcheck.statements.registry import Registry, RegistryError
from forgetcheck.run.runner import verify_theorem
from forgetcheck.run.settings import profile
from forgetcheck.checks.symbolic import NotProved, identity, perfect_square
from forgetcheck.statements.theorem import Mutant, Theorem

u, t, Delta = symbol("u"), symbol("t"), symbol("Delta")
CI = profile("ci")


def make(id="T1", claim=None, mutants=None, depends_on=(), checks=None, parameters=None, **kw):
    claim = claim if claim is not None else Claim.inequality(sympy.log(1 + u), u)
    return Theorem(id=id, title="test", section="test", claim=claim,
                   parameters=parameters or (Parameter(u, 0, 100, emphasis=(0, 1)),),
                   checks=checks or (Sampled(),),
                   mutants=mutants if mutants is not None else (
                       Mutant("too strong", Claim.inequality(sympy.log(1 + u), u / 2), "false for small u"),),
                   depends_on=depends_on, **kw)


# --- definitions are validated ------------------------------------------------------------------

def test_float_in_claim_is_rejected_with_a_fix():
    with pytest.raises(ValueError, match="Rational"):
        Claim.inequality(u, sympy.Float("0.1"))


def test_statement_without_mutant_is_rejected():
    with pytest.raises(ValueError, match="mutant"):
        make(mutants=())


def test_pre_evaluated_hypothesis_is_rejected():
    with pytest.raises(ValueError, match="evaluated to True"):
        make(hypotheses=(u >= 0,))


def test_bad_parameter_interval():
    with pytest.raises(ValueError, match="low=5 must be below high=1"):
        Parameter(u, 5, 1)


# --- registry ----------------------------------------------------------------------------------

def test_registry_rejects_duplicates():
    r = Registry([make("A")])
    with pytest.raises(RegistryError, match="duplicate statement id 'A'"):
        r.add(make("A"))


def test_registry_rejects_unknown_dependency():
    r = Registry([make("A", depends_on=("Z9",))])
    with pytest.raises(RegistryError, match="A depends on unknown id.*Z9"):
        r.validate()


def test_registry_rejects_cycles():
    r = Registry([make("A", depends_on=("B",)), make("B", depends_on=("C",)), make("C", depends_on=("A",))])
    with pytest.raises(RegistryError, match="dependency cycle: A -> B -> C -> A"):
        r.validate()


def test_group_dependencies_and_dependents():
    r = Registry([make("O3.a"), make("O3.b"), make("R2", depends_on=("O3",)), make("R3", depends_on=("R2",))])
    r.validate()
    assert r.direct_dependencies("R2") == ["O3.a", "O3.b"]
    assert r.dependents("O3.b") == {"R2", "R3"}
    assert r.topological_order().index("O3.a") < r.topological_order().index("R2")


# --- evidence ------------------------------------------------------------------------------------

def outcome(e):
    return CheckOutcome("c", e)


def test_combine_evidence():
    assert combine([]) is Evidence.UNCHECKED
    assert combine([outcome(Evidence.SAMPLED), outcome(Evidence.PROVED)]) is Evidence.PROVED
    assert combine([outcome(Evidence.PROVED), outcome(Evidence.REFUTED)]) is Evidence.REFUTED
    assert combine([outcome(Evidence.INCONCLUSIVE), outcome(Evidence.UNCHECKED)]) is Evidence.INCONCLUSIVE
    assert Evidence.CERTIFIED.at_least(Evidence.SAMPLED) and not Evidence.SAMPLED.at_least(Evidence.PROVED)
    assert not Evidence.REFUTED.at_least(Evidence.REFUTED)


# --- verification has teeth -----------------------------------------------------------------------

def test_true_statement_is_sampled_and_its_mutant_refuted():
    report = verify_theorem(make(), CI)
    assert report.evidence is Evidence.SAMPLED and report.passed
    (mutant,) = report.mutants
    assert mutant.refuted
    cex = mutant.counterexample
    x = Fraction(report.mutants[0].outcomes[-1].worst_point["u"])
    assert sympy.log(1 + x) > x / 2  # the counterexample really violates the mutant
    assert cex.dps == CI.dps + CI.recheck_extra_dps


def test_narrow_violation_is_found_by_the_search():
    """False only for |u − 7| < 0.01 in [0, 10]: the optimizer must find the window."""
    from false_catalog import NARROW_DIP
    report = verify_theorem(NARROW_DIP, CI)
    assert report.evidence is Evidence.REFUTED and not report.passed
    refutation = next(o for o in report.outcomes if o.evidence is Evidence.REFUTED)
    x = Fraction(refutation.worst_point["u"])
    assert abs(x - 7) < Fraction(1, 100)
    assert float(refutation.counterexample.slack) < 0


def test_verification_is_reproducible():
    a, b = verify_theorem(make(), CI), verify_theorem(make(), CI)
    assert a.worst() == b.worst() and a.examples == b.examples


class AlwaysImprecise(EngineFunction):
    """An engine quantity that can never reach its digits."""
    engine = "forgetcheck.numerics.overlap:misassignment"
    arg_names = ("weight_old", "delta")

    @classmethod
    def evaluate_at(cls, args, dps):
        from forgetcheck.numerics.errors import PrecisionNotReached
        raise PrecisionNotReached("test quantity", dps, mpmath.mpf(1))


def test_precision_failure_is_inconclusive_never_passed():
    th = make(claim=Claim.inequality(AlwaysImprecise(u, u), 1))
    report = verify_theorem(th, CI)
    assert report.evidence is Evidence.INCONCLUSIVE and not report.passed


def test_wrong_limit_is_refuted_right_limit_sampled():
    x = symbol("Delta")
    right = make(claim=Claim.limit((x + 1) / x, 1, x, rate=1), parameters=(Parameter(x, 1, 100),),
                 checks=(Limit(at=(10, 20, 40, 80)),),
                 mutants=(Mutant("wrong", Claim.limit((x + 1) / x, 2, x, rate=1), "limit is 1"),))
    report = verify_theorem(right, CI)
    assert report.evidence is Evidence.SAMPLED and report.passed
    slow = make(claim=Claim.limit((x + 1) / x, 1, x, rate=2), parameters=(Parameter(x, 1, 100),),
                checks=(Limit(at=(10, 20, 40, 80)),),
                mutants=(Mutant("wrong", Claim.limit((x + 1) / x, 2, x, rate=1), "limit is 1"),))
    assert verify_theorem(slow, CI).evidence is Evidence.REFUTED  # claims a faster rate than true


# --- symbolic strategies -------------------------------------------------------------------------

def test_identity_needs_a_literal_zero():
    x = sympy.Symbol("x", real=True)
    assert identity(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1)
    with pytest.raises(NotProved):
        identity(sympy.sin(x), sympy.cos(x))
    # sympy's .equals() returns None here; it must never count as a proof either way
    with pytest.raises(NotProved):
        identity(sympy.erf(x) + sympy.erfc(x) + x - x ** 2, 1 + x)


def test_perfect_square_requires_a_real_root():
    a, b = sympy.symbols("a b", positive=True)
    assert perfect_square(a + b - 2 * sympy.sqrt(a * b), sympy.sqrt(a) - sympy.sqrt(b))
    z = sympy.Symbol("z")  # no assumptions: z**2 need not be >= 0
    with pytest.raises(NotProved, match="real"):
        perfect_square(z ** 2, z)


def test_symbolic_check_on_a_mutant_does_not_prove_it():
    from forgetcheck.catalog.overlap import O6
    report = verify_theorem(O6, CI)
    assert report.evidence is Evidence.PROVED
    assert all(o.evidence is not Evidence.PROVED for m in report.mutants for o in m.outcomes)


def test_slope_claim_true_and_mutant():
    x = symbol("Delta")
    f = sympy.log(sympy.exp(-x ** 2 / 8) / x)  # slope against Δ² is −1/8 − log(Δ)'s share → −1/8
    true = make(claim=Claim.slope(f, -sympy.Rational(1, 8), x, against=x ** 2),
                parameters=(Parameter(x, 1, 100),), checks=(Limit(at=(5, 10, 20, 40)),),
                mutants=(Mutant("1/7", Claim.slope(f, -sympy.Rational(1, 7), x, against=x ** 2), "slope is −1/8"),))
    report = verify_theorem(true, CI)
    assert report.evidence is Evidence.SAMPLED and report.passed, report.outcomes[0].detail
