"""THEORY §1: overlap geometry (O1-O6)."""
from __future__ import annotations

import sympy
from sympy import Rational, exp, log, pi, sqrt

from forgetcheck.checks.certified import BoxProof, CertifiedAtPoints
from forgetcheck.checks.kinds import Limit, Sampled, Symbolic
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.catalog.quantities.overlap import Bhattacharyya, Bhattacharyya2D, ChiSquared, HellingerSquared, KLDivergence, LLRMomentGenerating, Misassignment, MisassignmentNew, NormalCDF, TotalVariation
from forgetcheck.statements.notation import binary_entropy, odds, symbol, symbols
from forgetcheck.checks.symbolic import by_definition, nonnegative_by_derivative, perfect_square
from forgetcheck.statements.theorem import Mutant, Theorem

a, Delta = symbols("a Delta")
p, u, t, b1, b2 = symbols("p u t b1 b2")
X, Y = symbols("X Y")
SOURCE = "THEORY.md §1 (our formalization; ids are ours)"

BC = exp(-Delta ** 2 / 8)
c = odds(a)

# Shared domains: weights over the open unit interval (with the extremes and ½ emphasised) and
# separations reaching the contract's 60, where ε_o is ~1e-198.
WEIGHT = Parameter(a, 0, 1, low_open=True, high_open=True, emphasis=("1/2", "1/1000", "999/1000"))
SEPARATION = Parameter(Delta, 0, 60, emphasis=(0, 1, 30, 60))
WEIGHT_HYPOTHESES = (a < 1,)  # a > 0 and Δ ≥ 0 are the symbols' assumptions


# --- O1, O2 ------------------------------------------------------------------------------------

CLOSED_FORM = Symbolic("integral definition, completing the square", by_definition)


def _o1(suffix, title, quantity, closed_form, mutant_form, where_false, *, symbolic=True, notes="",
        sketch="Gaussian integral: complete the square in the exponent."):
    """Each point is a quadrature of the divergence's definition (numerics.divergences: Gauss-Legendre
    panels, 10-60 ms a value), the independent witness of the closed form: the profile's full budget."""
    return Theorem(
        id=f"O1.{suffix}", title=title, section="1", source=SOURCE,
        claim=Claim.identity(quantity(Delta), closed_form),
        parameters=(SEPARATION,),
        checks=((CLOSED_FORM,) if symbolic else ()) + (Sampled("quadrature of the definition"),),
        mutants=(Mutant("wrong closed form", Claim.identity(quantity(Delta), mutant_form), where_false),),
        expected=Evidence.PROVED if symbolic else Evidence.SAMPLED, notes=notes, proof_sketch=sketch,
    )


O1_BC = _o1("BC", "Bhattacharyya coefficient e^{−Δ²/8}", Bhattacharyya, BC, exp(-Delta ** 2 / 7),
            "false for every Δ > 0 (e.g. Δ = 1: 0.8825 vs 0.8669)")
O1_KL = _o1("KL", "KL(φ_o||φ_n) = Δ²/2", KLDivergence, Delta ** 2 / 2, Delta ** 2 / 4, "false for every Δ > 0")
O1_CHI2 = _o1("chi2", "χ²(φ_o||φ_n) = e^{Δ²} − 1", ChiSquared, exp(Delta ** 2) - 1, exp(Delta ** 2 / 2) - 1,
              "false for every Δ > 0")
O1_TV = _o1("TV", "TV(φ_o, φ_n) = 2Φ(Δ/2) − 1", TotalVariation, 2 * NormalCDF(Delta / 2) - 1,
            2 * NormalCDF(Delta / 4) - 1, "false for every Δ > 0", symbolic=False,
            notes="|φ_o − φ_n| has no completing-the-square form; checked by quadrature split at the kink.",
            sketch="φ_o > φ_n exactly left of the midpoint Δ/2, so ½∫|φ_o − φ_n| = P_o(x < Δ/2) − "
                   "P_n(x < Δ/2) = Φ(Δ/2) − Φ(−Δ/2) = 2Φ(Δ/2) − 1.")
O1_HELLINGER = _o1("H2", "Squared Hellinger 1 − e^{−Δ²/8}", HellingerSquared, 1 - BC, 1 - exp(-Delta ** 2 / 4),
                   "false for every Δ > 0")
O1_REDUCTION = Theorem(
    id="O1.2d", title="The reduction to one dimension: BC computed in R² equals e^{−Δ²/8}", section="0",
    source=SOURCE, claim=Claim.identity(Bhattacharyya2D(Delta), BC),
    parameters=(Parameter(Delta, 0, 12, emphasis=(0, 3, 12)),),
    checks=(Sampled("2-D trapezoid quadrature, correlated covariance", scale=0.03,
                    budget_note="each point is a 2-D grid sum, about 0.7 s, so the corners and a few "
                                "separations, 6 points in all, rather than 200 (140 s)"),),
    mutants=(Mutant("Euclidean instead of Mahalanobis", Claim.identity(
        Bhattacharyya2D(Delta), exp(-Delta ** 2 / 8 * Rational(2, 3))),
        "false for Δ > 0: the means differ by a vector whose Euclidean and Mahalanobis norms differ"),),
    notes="Σ = [[2, ½], [½, 1]], means 0 and t(1, 1) with Mahalanobis separation Δ.",
    proof_sketch="In whitened coordinates only the component along the means varies; the others integrate to 1.",
)

s_ = symbol("s")
O2 = Theorem(
    id="O2", title="LLR law: under φ_o, ℓ ~ N(−Δ²/2, Δ²)", section="1", source=SOURCE,
    claim=Claim.identity(LLRMomentGenerating(s_, Delta), exp(-s_ * Delta ** 2 / 2 + s_ ** 2 * Delta ** 2 / 2)),
    parameters=(Parameter(s_, -1, 2, emphasis=(-1, "1/2", 2)), Parameter(Delta, 0, 10, emphasis=(0, 3, 10))),
    checks=(CLOSED_FORM, Sampled("quadrature of E[e^{sℓ}] with ℓ from the densities")),
    mutants=(Mutant("variance Δ²/2", Claim.identity(LLRMomentGenerating(s_, Delta),
                                                    exp(-s_ * Delta ** 2 / 2 + s_ ** 2 * Delta ** 2 / 4)),
                    "false for s ≠ 0, Δ > 0"),),
    expected=Evidence.PROVED,
    notes="The moment generating function on an interval determines the law; E_{φ_o}[g(ℓ)] = "
          "E_Z[g(−Δ²/2 + ΔZ)] follows for every integrable g.",
    proof_sketch="ℓ(x) = Δx − Δ²/2 is affine in the whitened coordinate and x ~ N(0, 1) under φ_o.",
)

# --- O3 ---------------------------------------------------------------------------------------

def _am_gm_step(claim):
    """a X + b Y ≥ 2 sqrt(a b X Y) with b = 1 − a > 0: the perfect square behind every O3 bound
    (X, Y stand for φ_o(x), φ_n(x); b is a positive symbol because sympy cannot infer 1 − a > 0)."""
    b = sympy.Symbol("b", positive=True)
    difference = a * X + b * Y - 2 * sqrt(a * b * X * Y)
    return (f"b = 1 - a > 0 on the domain",
            *perfect_square(difference, sqrt(a * X) - sqrt(b * Y)))


O3_IDENTITY = Theorem(
    id="O3.identity", title="Misassignment balance a ε_o = (1−a) ε_n", section="1", source=SOURCE,
    claim=Claim.identity(a * Misassignment(a, Delta), (1 - a) * MisassignmentNew(a, Delta)),
    parameters=(WEIGHT, Parameter(Delta, 0, 40, emphasis=(0, 1, 30))), hypotheses=WEIGHT_HYPOTHESES,
    # ε_n is computed by quadrature in x centred on the new mean, independently of the fast ε_o path
    checks=(Sampled("fast ε_o against independent quadrature of ε_n"),),
    mutants=(Mutant("no weights", Claim.identity(a * Misassignment(a, Delta), a * MisassignmentNew(a, Delta)),
                    "false whenever a ≠ ½ and ε_n > 0, e.g. a = 1/1000"),),
    proof_sketch="Both sides equal ∫ a(1−a) φ_o φ_n / (a φ_o + (1−a) φ_n).",
)

# Certified evidence (ball arithmetic, forgetcheck.checks.certified). Each O3 bound is an equality at a = ½, Δ = 0,
# where no enclosure can separate the sides, so the boxes stop at Δ = 1/10; the points cover the rest.
# O3.total's box stops at Δ = 20: beyond, its boxes near a = 1/100 cost ~2 s more for little.


def _o3_certified(max_separation):
    box = BoxProof(((("a", "1/100", "99/100"), ("Delta", "1/10", max_separation)),), goal=24,
                   excluded=f"Δ < 1/10, where the bound is an equality at a = ½ and Δ = 0; a ∉ [1/100, 99/100] "
                            f"and Δ > {max_separation}, covered by the certified points and the stress test")
    return CertifiedAtPoints(), box


O3_OLD = Theorem(
    id="O3.old", title="Old-component misassignment is overlap-gated", section="1", source=SOURCE,
    claim=Claim.inequality(Misassignment(a, Delta), sqrt(c) * BC / 2),
    parameters=(WEIGHT, SEPARATION), hypotheses=WEIGHT_HYPOTHESES,
    checks=(Symbolic("AM-GM perfect square", _am_gm_step, proves_claim=False), *_o3_certified(40), Sampled()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("factor 1/4", Claim.inequality(Misassignment(a, Delta), sqrt(c) * BC / 4),
                    "false near a = ½, Δ ≈ 1 (ε_o(½, 1) = 0.398 > 0.221)"),),
    depends_on=("O1",),
    proof_sketch="AM-GM: aφ_o + (1−a)φ_n ≥ 2 sqrt(a(1−a)φ_oφ_n), so φ_o γ_n ≤ ½ sqrt(c) sqrt(φ_oφ_n); "
                 "integrate and use ∫ sqrt(φ_oφ_n) = BC = e^{−Δ²/8}.",
)

O3_NEW = Theorem(
    id="O3.new", title="New-component misassignment is overlap-gated", section="1", source=SOURCE,
    claim=Claim.inequality(Misassignment(1 - a, Delta), sqrt(1 / c) * BC / 2),
    parameters=(WEIGHT, SEPARATION), hypotheses=WEIGHT_HYPOTHESES,
    checks=(*_o3_certified(40), Sampled()), expected=Evidence.CERTIFIED,
    mutants=(Mutant("odds inverted", Claim.inequality(Misassignment(1 - a, Delta), sqrt(c) * BC / 2),
                    "false for a near 1 at moderate Δ (then 1/c ≫ c)"),),
    depends_on=("O1",),
    notes="ε_n(a, Δ) = ε_o(1 − a, Δ) by the reflection x ↦ Δ − x; the claim is written in that form.",
    proof_sketch="As O3.old with the roles of the components exchanged.",
)

O3_TOTAL = Theorem(
    id="O3.total", title="Total misassignment is at most sqrt(a(1−a)) BC", section="1", source=SOURCE,
    claim=Claim.inequality(a * Misassignment(a, Delta) + (1 - a) * Misassignment(1 - a, Delta),
                           sqrt(a * (1 - a)) * BC),
    parameters=(WEIGHT, SEPARATION), hypotheses=WEIGHT_HYPOTHESES,
    checks=(*_o3_certified(20), Sampled()), expected=Evidence.CERTIFIED,
    mutants=(Mutant("without the square root", Claim.inequality(
        a * Misassignment(a, Delta) + (1 - a) * Misassignment(1 - a, Delta), a * (1 - a) * BC),
        "false at a = ½, Δ = 1 (0.398 > 0.221)"),),
    depends_on=("O1",),
    proof_sketch="Sum the two AM-GM bounds: a ε_o + (1−a) ε_n = 2 ∫ a(1−a) φ_oφ_n/q ≤ sqrt(a(1−a)) BC.",
)

# --- O4 ---------------------------------------------------------------------------------------

O4_RATIO = Theorem(
    id="O4.ratio", title="The exponent 1/8 is sharp: ε_o Δ e^{Δ²/8} → sqrt(π/2) sqrt(c)", section="1",
    source=SOURCE,
    claim=Claim.limit(Misassignment(a, Delta) * Delta * exp(Delta ** 2 / 8), sqrt(pi / 2) * sqrt(c), Delta,
                      rate=2),
    parameters=(Parameter(a, 0, 1, low_open=True, high_open=True, emphasis=("1/2", "1/10", "9/10")),
                Parameter(Delta, 10, 60)),
    hypotheses=(a < 1, Delta > 0),
    checks=(Limit(at=(10, 20, 30, 60)),),
    mutants=(Mutant("limit sqrt(π)", Claim.limit(Misassignment(a, Delta) * Delta * exp(Delta ** 2 / 8),
                                                  sqrt(pi) * sqrt(c), Delta, rate=2),
                    "the ratio tends to 1/√2, not 1, for every a"),),
    depends_on=("O3",),
    proof_sketch="In midpoint coordinates φ_oφ_n/q = BC·N(w)/(a e^{−Δw/2} + (1−a) e^{Δw/2}); the "
                 "denominator confines w to a window of width ~1/Δ where N(w) ≈ N(0), and "
                 "∫ dx/(A e^{−x} + B e^{x}) = π/(2 sqrt(AB)).",
)

O4_EXPONENT = Theorem(
    id="O4.exponent", title="−log ε_o / Δ² → 1/8", section="1", source=SOURCE,
    claim=Claim.limit(-log(Misassignment(a, Delta)) / Delta ** 2, Rational(1, 8), Delta, rate=1),
    parameters=(Parameter(a, 0, 1, low_open=True, high_open=True, emphasis=("1/2", "1/10", "9/10")),
                Parameter(Delta, 10, 60)),
    hypotheses=(a < 1, Delta > 0),
    checks=(Limit(at=(10, 20, 30, 60)),),
    mutants=(Mutant("exponent 1/7", Claim.limit(-log(Misassignment(a, Delta)) / Delta ** 2, Rational(1, 7),
                                                Delta, rate=1),
                    "the relative error tends to 1/8 ÷ 1/7 − 1 = −1/8, it does not vanish"),),
    depends_on=("O4.ratio",),
    proof_sketch="Take logarithms in O4.ratio: −log ε_o = Δ²/8 + log Δ + O(1).",
)

# --- O5, O6 -----------------------------------------------------------------------------------

O5 = Theorem(
    id="O5", title="Binary entropy is at most 2 ln 2 · sqrt(p(1−p))", section="1", source=SOURCE,
    claim=Claim.inequality(binary_entropy(p), 2 * log(2) * sqrt(p * (1 - p))),
    parameters=(Parameter(p, 0, 1, low_open=True, high_open=True, emphasis=("1/2", "1/1000000", "1/4")),),
    hypotheses=(p > 0, p < 1),
    checks=(CertifiedAtPoints(),
            BoxProof(((("p", Rational(1, 10 ** 12), "499/1000"),), (("p", "501/1000", 1 - Rational(1, 10 ** 12)),)),
                     excluded="|p − ½| < 1/1000, where the bound is an equality at p = ½, and the outer "
                              "10^{-12} at each end"),
            Sampled()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("constant 1.9 ln 2", Claim.inequality(binary_entropy(p),
                                                           Rational(19, 10) * log(2) * sqrt(p * (1 - p))),
                    "false at p = ½ (ln 2 > 0.95 ln 2)"),),
    notes="Equality at p = ½: the worst slack there is 0, which the check accepts as tight, not violated.",
    proof_sketch="The ratio H_b(p)/sqrt(p(1−p)) is symmetric about ½ and maximal there, where it is 2 ln 2.",
)

v = symbol("v")


def _o6_by_derivative(claim):
    """With u = v² (v ≥ 0): sqrt(u) − log(1+u) = v − log(1+v²) =: f(v), f(0) = 0,
    f'(v) = (1−v)²/(1+v²) ≥ 0."""
    f = sympy.simplify((claim.rhs - claim.lhs).subs(u, v ** 2))
    return (f"u = v**2, v >= 0: rhs - lhs = {sympy.sstr(f)}",
            *nonnegative_by_derivative(f, v, 0, (1 - v) ** 2 / (1 + v ** 2)))


O6 = Theorem(
    id="O6", title="log(1+u) ≤ sqrt(u) for u ≥ 0", section="1", source=SOURCE,
    claim=Claim.inequality(log(1 + u), sqrt(u)),
    parameters=(Parameter(u, 0, 10 ** 6, emphasis=(0, 1, "1/100")),),
    checks=(Symbolic("derivative of v − log(1+v²)", _o6_by_derivative),
            BoxProof(((("u", Rational(1, 10 ** 12), 10 ** 6),),), excluded="u < 10^{-12}, where the two sides meet at u = 0"),
            Sampled()),
    mutants=(Mutant("half the root", Claim.inequality(log(1 + u), sqrt(u) / 2), "false at u = 1 (0.693 > 0.5)"),),
    expected=Evidence.PROVED,
    proof_sketch="Put u = v²; v − log(1+v²) vanishes at 0 and has derivative (1−v)²/(1+v²) ≥ 0.",
)

O6_LIPSCHITZ = Theorem(
    id="O6.lipschitz", title="log(1 + s²t²) is t-Lipschitz in s ≥ 0", section="1", source=SOURCE,
    claim=Claim.inequality(sympy.Abs(log(1 + b1 * t ** 2) - log(1 + b2 * t ** 2)), t * sympy.Abs(sqrt(b1) - sqrt(b2))),
    parameters=(Parameter(b1, 0, 100, emphasis=(0, 1)), Parameter(b2, 0, 100, emphasis=("1/4", 4)),
                Parameter(t, 0, 10, emphasis=(1, "1/2"))),
    # three parameters and equality on the whole diagonal b1 = b2: certified at points, not on boxes
    checks=(CertifiedAtPoints(), Sampled()), expected=Evidence.CERTIFIED,
    mutants=(Mutant("constant t/2", Claim.inequality(sympy.Abs(log(1 + b1 * t ** 2) - log(1 + b2 * t ** 2)),
                                                      t * sympy.Abs(sqrt(b1) - sqrt(b2)) / 2),
                    "false for small b1, b2 with t = 1 (the derivative 2st/(1+s²t²) reaches t at st = 1)"),),
    depends_on=("O6",),
    proof_sketch="d/ds log(1+s²t²) = 2st²/(1+s²t²) ≤ t since 2st ≤ 1 + s²t².",
)

THEOREMS = [O1_BC, O1_KL, O1_CHI2, O1_TV, O1_HELLINGER, O1_REDUCTION, O2, O3_IDENTITY, O3_OLD, O3_NEW, O3_TOTAL, O4_RATIO, O4_EXPONENT, O5, O6, O6_LIPSCHITZ]
