"""Beyond two equal-variance modes (section G, ours): statements outside THEORY.md's setting,
written with bare sympy Integrals and declared quantities (forgetcheck.quantity), so that they
read as a derivation does. Derivations: docs/derivations/beyond.md.

G1  the Bhattacharyya coefficient of two normals with unequal variances, in closed form;
G2  the misassignment of a three-component mixture is at most the sum of its pairwise bounds
    (the union form of O3);
G3  the misassignment of a two-component mixture with unequal variances is overlap-gated,
    ε_o ≤ ½ sqrt((1−a)/a) BC(σ_1, σ_2, Δ).
"""
from __future__ import annotations

import sympy
from sympy import Integral, Rational, exp, oo, pi, sqrt

from forgetcheck.checks.kinds import Sampled, Symbolic
from forgetcheck.checks.symbolic import NotProved, gaussian_integral, identity
from forgetcheck.quantities.user import quantity
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.statements.notation import declare, notation_source, odds, symbol, symbols
from forgetcheck.statements.theorem import Mutant, Theorem

SECTION = "G"
SOURCE = "forgetcheck's own extension beyond THEORY.md (docs/derivations/beyond.md)"

with notation_source("the catalog (forgetcheck.catalog.beyond)"):
    sigma_1 = declare("sigma_1", latex=r"\sigma_1", meaning="standard deviation of the old component", positive=True)
    sigma_2 = declare("sigma_2", latex=r"\sigma_2", meaning="standard deviation of the new component", positive=True)
    mu_2 = declare("mu_2", latex=r"\mu_2", meaning="mean of the second of three unit-variance components", real=True)
    mu_3 = declare("mu_3", latex=r"\mu_3", meaning="mean of the third of three unit-variance components", real=True)
    r_2 = declare("r_2", latex="r_2", meaning="weight ratio a_2/a_1 of a three-component mixture", positive=True)
    r_3 = declare("r_3", latex="r_3", meaning="weight ratio a_3/a_1 of a three-component mixture", positive=True)

a, Delta = symbols("a Delta")
x = symbol("x")


def normal(at, mean, sd):
    """The N(mean, sd²) density at `at`."""
    return exp(-(at - mean) ** 2 / (2 * sd ** 2)) / (sqrt(2 * pi) * sd)


#: The closed form of G1 (completing the square in the exponent).
BC_CLOSED = sqrt(2 * sigma_1 * sigma_2 / (sigma_1 ** 2 + sigma_2 ** 2)) * exp(-Delta ** 2 / (4 * (sigma_1 ** 2 + sigma_2 ** 2)))

#: BC(σ_1, σ_2, Δ) as a named quantity, for statements that use it as a building block (G3).
BC = quantity("BhattacharyyaUnequal", sqrt(normal(x, 0, sigma_1) * normal(x, Delta, sigma_2)), x,
              (sigma_1, sigma_2, Delta), latex=r"\mathrm{BC}",
              meaning="Bhattacharyya coefficient of N(0, σ_1²) and N(Δ, σ_2²)")

SIGMA_1 = Parameter(sigma_1, Rational(1, 100), 10, log_scale=True, emphasis=(Rational(1, 100), 1, 10))
SIGMA_2 = Parameter(sigma_2, Rational(1, 100), 10, log_scale=True, emphasis=(Rational(1, 100), 1, 10))
SEPARATION = Parameter(Delta, 0, 60, emphasis=(0, 1, 60))


def integrals_by_completing_the_square(claim) -> tuple:
    """Identity claims whose sides hold Integrals over the whole line of exp(quadratic) times a
    polynomial: each is replaced by its value (forgetcheck.checks.symbolic.gaussian_integral),
    then the sides must agree structurally."""
    sides, trace = [], []
    for side in (claim.lhs, claim.rhs):
        integrals = sorted(side.atoms(Integral), key=sympy.default_sort_key)
        for integral in integrals:
            (variable, lower, upper), = integral.limits
            if (lower, upper) != (-oo, oo):
                raise NotProved(f"{integral} is not over the whole line")
            value = gaussian_integral(integral.function, variable)
            trace.append(f"∫ {sympy.sstr(integral.function)} d{variable} = {sympy.sstr(value)} (completing the square)")
            side = side.xreplace({integral: value})
        sides.append(side)
    return (*trace, *identity(*sides))


# --- G1 ------------------------------------------------------------------------------------------

G1_INTEGRAL = Integral(sqrt(normal(x, 0, sigma_1) * normal(x, Delta, sigma_2)), (x, -oo, oo))

G1 = Theorem(
    id="G1", title="Bhattacharyya coefficient of two normals with unequal variances", section=SECTION,
    source=SOURCE,
    claim=Claim.identity(G1_INTEGRAL, BC_CLOSED),
    parameters=(SIGMA_1, SIGMA_2, SEPARATION),
    # The identity's slack is rounding noise: nothing for a worst-case search to steer by.
    checks=(Symbolic("completing the square", integrals_by_completing_the_square),
            Sampled("validated quadrature of the bare integral", search=False)),
    mutants=(Mutant("equal-variance prefactor", Claim.identity(
        G1_INTEGRAL, exp(-Delta ** 2 / (4 * (sigma_1 ** 2 + sigma_2 ** 2)))),
        "false whenever σ_1 ≠ σ_2 (the prefactor sqrt(2σ_1σ_2/(σ_1² + σ_2²)) is then below 1), "
        "e.g. σ_1 = 1/100, σ_2 = 10"),),
    expected=Evidence.PROVED,
    proof_sketch="The product of the densities is a Gaussian in x: the exponent −x²/(4σ_1²) − (x − Δ)²/(4σ_2²) "
                 "has its maximum at x* = Δσ_1²/(σ_1² + σ_2²); completing the square there leaves "
                 "e^{−Δ²/(4(σ_1² + σ_2²))} times a Gaussian integral.",
    notes="At σ_1 = σ_2 = 1 this is O1.BC, e^{−Δ²/8}. At σ_1 = σ_2 = 1/100, Δ = 60 the value is "
          "e^{−9,000,000}: the quadrature must find the peak, of width 1/100, by itself.",
)

# --- G2 ------------------------------------------------------------------------------------------

#: ε_1 = E_{φ_1}[1 − γ_1], the mass of component 1 that the responsibilities hand to the others,
#: written with the likelihood ratios φ_j/φ_1 = e^{μ_j x − μ_j²/2} (numerator and denominator of
#: γ_j divided by a_1 φ_1), so that it prints as it is read.
_others = r_2 * exp(mu_2 * x - mu_2 ** 2 / 2) + r_3 * exp(mu_3 * x - mu_3 ** 2 / 2)
G2_MISASSIGNMENT = Integral(normal(x, 0, 1) * _others / (1 + _others), (x, -oo, oo))


def _union_bound(factor):
    return factor * (sqrt(r_2) * exp(-mu_2 ** 2 / 8) + sqrt(r_3) * exp(-mu_3 ** 2 / 8))


RATIO_2 = Parameter(r_2, Rational(1, 1000), 1000, log_scale=True, emphasis=(1, Rational(1, 1000), 1000))
RATIO_3 = Parameter(r_3, Rational(1, 1000), 1000, log_scale=True, emphasis=(1, Rational(1, 1000), 1000))

G2 = Theorem(
    id="G2", title="Three components: misassignment is at most the sum of the pairwise bounds", section=SECTION,
    source=SOURCE,
    claim=Claim.inequality(G2_MISASSIGNMENT, _union_bound(Rational(1, 2))),
    parameters=(RATIO_2, RATIO_3, Parameter(mu_2, -30, 30, emphasis=(0, 1, 30)),
                Parameter(mu_3, -30, 30, emphasis=(0, -1, -30))),
    checks=(Sampled("validated quadrature of ε_1 over weights and means"),),
    mutants=(Mutant("factor 1/4", Claim.inequality(G2_MISASSIGNMENT, _union_bound(Rational(1, 4))),
                    "false at r_2 = r_3 = 1, μ_2 = μ_3 = 0, where ε_1 = 2/3 and the bound is 1/2"),),
    depends_on=("O3",),
    proof_sketch="With a_1 φ_1 + a_j φ_j ≥ 2 sqrt(a_1 a_j φ_1 φ_j) (AM-GM) and q ≥ a_1 φ_1 + a_j φ_j, each "
                 "term of φ_1 (1 − γ_1) = Σ_j φ_1 a_j φ_j / q is at most ½ sqrt(a_j/a_1) sqrt(φ_1 φ_j); "
                 "integrate, with ∫ sqrt(φ_1 φ_j) = e^{−μ_j²/8}.",
    notes="Weights enter only through the ratios r_j = a_j/a_1, so the domain is a product of intervals "
          "with no simplex constraint. At r_2 = r_3 = 1, μ_2 = μ_3 = 0 the bound is 1 against ε_1 = 2/3.",
)

# --- G3 ------------------------------------------------------------------------------------------

_phi_o, _phi_n = normal(x, 0, sigma_1), normal(x, Delta, sigma_2)
#: ε_o = E_{φ_o}[γ_n] with unequal variances.
G3_MISASSIGNMENT = Integral(_phi_o * (1 - a) * _phi_n / (a * _phi_o + (1 - a) * _phi_n), (x, -oo, oo))


def _g3_bound(factor):
    return factor * sqrt(odds(a)) * BC(sigma_1, sigma_2, Delta)


G3 = Theorem(
    id="G3", title="Unequal variances: old-component misassignment is overlap-gated", section=SECTION,
    source=SOURCE,
    claim=Claim.inequality(G3_MISASSIGNMENT, _g3_bound(Rational(1, 2))),
    parameters=(Parameter(a, 0, 1, low_open=True, high_open=True, emphasis=(Rational(1, 2), Rational(1, 1000),
                                                                             Rational(999, 1000))),
                SIGMA_1, SIGMA_2, SEPARATION),
    hypotheses=(a < 1,),
    checks=(Sampled("validated quadrature of ε_o and BC"),),
    mutants=(Mutant("factor 1/4", Claim.inequality(G3_MISASSIGNMENT, _g3_bound(Rational(1, 4))),
                    "false at a = ½, σ_1 = σ_2, Δ = 0, where ε_o = ½ and the bound is ¼"),),
    depends_on=("G1", "O3"),
    proof_sketch="AM-GM on the denominator: a φ_o + (1−a) φ_n ≥ 2 sqrt(a(1−a) φ_o φ_n), so "
                 "φ_o γ_n ≤ ½ sqrt((1−a)/a) sqrt(φ_o φ_n) pointwise; integrate (G1 gives ∫ sqrt(φ_o φ_n)).",
    notes="The pointwise step does not use the shape of the densities, so the bound holds for unequal "
          "variances as it does for O3; only BC changes.",
)

THEOREMS = [G1, G2, G3]
