"""THEORY §4: replay (P1-P3) — what replay changes for forward and reverse KL, and old-mode starvation."""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy
from sympy import Rational, exp, log, pi, sqrt

from forgetcheck.numerics.replay_sampling import no_old_sample_probability, simulate_old_counts

from forgetcheck.checks.certified import CertifiedAtPoints
from forgetcheck.checks.kinds import Custom, Sampled, Symbolic
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter, decimal
from forgetcheck.quantities.evaluate import evaluate
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.catalog.quantities.overlap import Misassignment
from forgetcheck.catalog.quantities.kl import (ImportanceWeightedMGF, ImportanceWeightedSecondMoment, KappaReplay, MixtureChiSquare,
                            NoOldSampleProbability, ReplayGradient, StratifiedOldSampleProbability)
from forgetcheck.statements.notation import odds, symbol, symbols
from forgetcheck.checks.symbolic import NotProved, gaussian_integral, identity
from forgetcheck.statements.theorem import Mutant, Theorem

alpha, lam, Delta, rho, omega, m_o, m_n, B, x = symbols("alpha lam Delta rho omega m_o m_n B x")
SOURCE = "THEORY.md §4 (our formalization; ids are ours)"

# --- P1 ---------------------------------------------------------------------------------------------

P1 = Theorem(
    id="P1", title="Forward KL: the optimum moves only if the training distribution moves (stationary point "
                   "λ, approached at rate ≥ κ_λ)", section="4", source=SOURCE,
    claim=Claim.inequality(KappaReplay(lam, Delta) * (alpha - lam) ** 2, (alpha - lam) * ReplayGradient(alpha, lam, Delta)),
    parameters=(Parameter(alpha, 0, 1, emphasis=("3/8",)), Parameter(lam, 0, 1, emphasis=("1/2",)),
                Parameter(Delta, 0, 30, emphasis=(1,))),
    hypotheses=(alpha <= 1, lam <= 1),
    checks=(Sampled("the gradient integrated as it stands, against κ_λ(α − λ)²"),),
    mutants=(Mutant("optimum at λ²", Claim.inequality(KappaReplay(lam, Delta) * (alpha - lam ** 2) ** 2,
                                                       (alpha - lam ** 2) * ReplayGradient(alpha, lam, Delta)),
                    "false for α between λ² and λ (α = 3/8, λ = ½): the gradient is negative there"),),
    depends_on=("F3",),
    notes="The model's own weight, the start and the separation do not enter the optimum: only the replay "
          "fraction λ of the training distribution p_λ does.",
    proof_sketch="∂_αKL(p_λ||q_α) = (α − λ)G(α) by `F3.minimizer`, and G ≥ κ_R ≥ κ_λ as in `F3.convex`.",
)

# --- P2 ---------------------------------------------------------------------------------------------

ROOT = sqrt(2 * pi)


def _normal(mean):
    return exp(-(x - mean) ** 2 / 2) / ROOT


Q_X = alpha * _normal(m_o) + (1 - alpha) * _normal(m_n)      # q_θ(x)
S_X = (1 - rho) * Q_X + rho * _normal(0)                      # s(x) = (1 − ρ) q_θ + ρ φ_o
W_X = Q_X / S_X                                               # the importance weight


def _weight_bound_proof(claim):
    if claim.lhs != W_X or claim.rhs != 1 / (1 - rho):
        raise NotProved("the claim is not w(x) = q_θ/s ≤ 1/(1 − ρ)")
    # q_θ(x) = Q > 0, φ_o(x) = X > 0, ρ = r ≥ 0 and 1 − ρ = b > 0 on the domain; s = bQ + rX
    Q, X_, b = sympy.symbols("Q X b", positive=True)
    r = sympy.Symbol("r", nonnegative=True)
    gap = r * X_ / (b * (b * Q + r * X_))
    steps = ["q_θ(x) = Q > 0, φ_o(x) = X > 0, ρ = r ≥ 0, 1 − ρ = b > 0; s(x) = bQ + rX",
             *identity(1 / b - Q / (b * Q + r * X_), gap)]
    if gap.is_nonnegative is not True:
        raise NotProved(f"sympy cannot decide that {gap} is non-negative")
    steps.append(f"{sympy.sstr(gap)} >= 0 (decided from the symbols' signs)")
    return tuple(steps)


P2_WEIGHT_BOUND = Theorem(
    id="P2.weight_bound", title="Bounded importance weights: w = q_θ/s ≤ 1/(1 − ρ), s = (1 − ρ)q_θ + ρφ_o",
    section="4", source=SOURCE,
    claim=Claim.inequality(W_X, 1 / (1 - rho)),
    parameters=(Parameter(alpha, 0, 1, emphasis=(0,)), Parameter(m_o, -10, 10, emphasis=(0,)),
                Parameter(m_n, -10, 10, emphasis=(3,)), Parameter(rho, 0, 1, high_open=True, emphasis=("1/2",)),
                Parameter(x, -20, 20, emphasis=(3,))),
    hypotheses=(alpha <= 1, rho < 1),
    checks=(Symbolic("the gap 1/(1−ρ) − w as a product of non-negative factors", _weight_bound_proof), Sampled()),
    mutants=(Mutant("w ≤ 1", Claim.inequality(W_X, 1),
                    "false wherever q_θ > φ_o, e.g. at the new mean (α = 0, m_n = 3, x = 3, ρ = ½: w ≈ 2)"),),
    expected=Evidence.PROVED,
    notes="Pointwise in x (whitened 1-D, φ_o = N(0, 1)); the bound needs nothing about θ.",
    proof_sketch="s ≥ (1 − ρ) q_θ because ρ φ_o ≥ 0.",
)


def _mgf(weight, mean_a, mean_b, argument):
    return weight * exp(argument * mean_a + argument ** 2 / 2) + (1 - weight) * exp(argument * mean_b + argument ** 2 / 2)


def _unbiased_proof(claim):
    if claim.lhs != ImportanceWeightedMGF(alpha, m_o, m_n, rho, omega):
        raise NotProved("the claim's left side is not E_s[w e^{ωx}]")
    steps = list(identity(W_X * S_X, Q_X))
    steps[-1] += "   [w · s = q_θ pointwise, so E_s[w h] = ∫ q_θ h for every integrable h]"
    value = gaussian_integral(sympy.expand(Q_X * exp(omega * x)), x)
    steps.append(f"∫ q_θ e^{{ωx}} dx = {sympy.sstr(value)} (completing the square)")
    steps.extend(identity(value, claim.rhs))
    return tuple(steps)


P2_MOMENT_PARAMETERS = (Parameter(alpha, 0, 1, emphasis=("1/10",)), Parameter(m_o, -5, 5, emphasis=(0,)),
                        Parameter(m_n, -5, 5, emphasis=(3,)), Parameter(rho, 0, 1, high_open=True, emphasis=("1/2",)),
                        Parameter(omega, -2, 2, emphasis=(1,)))

P2_UNBIASED = Theorem(
    id="P2.unbiased", title="The reweighted replay estimator is unbiased: E_s[w h] = E_{q_θ}[h] (h = e^{ωx})",
    section="4", source=SOURCE,
    claim=Claim.identity(ImportanceWeightedMGF(alpha, m_o, m_n, rho, omega), _mgf(alpha, m_o, m_n, omega)),
    parameters=P2_MOMENT_PARAMETERS, hypotheses=(alpha <= 1, rho < 1),
    checks=(Symbolic("w s = q_θ, then a Gaussian integral", _unbiased_proof),
            Sampled("quadrature of s · w · h with w formed as q_θ/s")),
    mutants=(Mutant("no reweighting (the replayed mixture's own mean)", Claim.identity(
        ImportanceWeightedMGF(alpha, m_o, m_n, rho, omega),
        (1 - rho) * _mgf(alpha, m_o, m_n, omega) + rho * exp(omega ** 2 / 2)),
        "false for ρ > 0 whenever E_{q_θ}h ≠ E_{φ_o}h (α = 1/10, m_n = 3, ρ = ½, ω = 1)"),),
    expected=Evidence.PROVED,
    notes="The test functions e^{ωx} determine a distribution, so agreement for all ω ∈ [−2, 2] is agreement of "
          "the reweighted and the on-policy laws; objective and gradients (expectations of log(q/p*) and its "
          "derivatives) are therefore unchanged.",
    proof_sketch="w s = q_θ pointwise.",
)

P2_SECOND_MOMENT = Theorem(
    id="P2.second_moment", title="… with second moment E_s[(w h)²] ≤ E_{q_θ}[h²]/(1 − ρ)", section="4", source=SOURCE,
    claim=Claim.inequality(ImportanceWeightedSecondMoment(alpha, m_o, m_n, rho, omega),
                           _mgf(alpha, m_o, m_n, 2 * omega) / (1 - rho)),
    parameters=P2_MOMENT_PARAMETERS, hypotheses=(alpha <= 1, rho < 1),
    checks=(Sampled("quadrature of s (w h)² against E_q[h²]/(1 − ρ)"),),
    mutants=(Mutant("no 1/(1 − ρ)", Claim.inequality(ImportanceWeightedSecondMoment(alpha, m_o, m_n, rho, omega),
                                                      _mgf(alpha, m_o, m_n, 2 * omega)),
                    "false when h weights the region where q_θ > φ_o (α = 1/10, m_n = 3, ρ = ½, ω = 1: w ≈ 2 there)"),),
    depends_on=("P2.weight_bound", "P2.unbiased"),
    proof_sketch="E_s[(w h)²] = E_{q_θ}[w h²] ≤ E_{q_θ}[h²]/(1 − ρ) by the weight bound.",
)

# --- P3: starvation -----------------------------------------------------------------------------------

#: The exact check's points: every combination of weights (both ends included), replay fractions and
#: batch sizes below, 252 points (216 with ρ > 0 for the stratified scheme), each an exact rational
#: evaluation of the enumerated law (~4 ms): the profile's 200 points and more. They are exact, so
#: no digits are at stake; they do not cover the continuum of (α, ρ) (the symbolic check does).
STARVATION_GRID = tuple((Fraction(a), Fraction(r), b)
                        for a in ("0", "1/100", "1/20", "1/10", "3/10", "1/2", "2/3", "99/100", "1")
                        for r in ("0", "1/100", "1/10", "1/4", "1/2", "3/4", "99/100")
                        for b in (1, 5, 16, 64))


def _exact_probability_check(function, scheme):
    """Custom check: at each grid point the claim's sides in exact rational arithmetic, the lhs (a
    probability) from the exact law of the number of old samples (forgetcheck.numerics.replay_sampling)."""
    def check(theorem, claim, settings):
        grid = [(a, r, b) for a, r, b in STARVATION_GRID if scheme == "mixture" or r > 0]
        for a, r, b in grid:
            exact = no_old_sample_probability(a, r, b, scheme)
            value = exact if scheme == "mixture" else 1 - exact
            subs = {alpha: sympy.Rational(a.numerator, a.denominator), rho: sympy.Rational(r.numerator, r.denominator),
                    B: sympy.Integer(b)}
            sides = [side.xreplace({function(alpha, rho, B): sympy.Rational(value.numerator, value.denominator)}).subs(subs)
                     for side in (claim.lhs, claim.rhs)]
            if not all(s.is_Rational for s in sides):
                return CheckOutcome("exact probabilities", Evidence.INCONCLUSIVE, f"sides not rational: {sides}")
            if sides[0] != sides[1]:
                point = {"alpha": str(a), "rho": str(r), "B": str(b)}
                cex = Counterexample(point, str(sides[0]), str(sides[1]), "exact inequality", 0,
                                     "exact rational arithmetic")
                return CheckOutcome("exact probabilities", Evidence.REFUTED, cex.describe(), examples=1,
                                    counterexample=cex, worst_slack=mpmath.nstr(
                                        -abs(mpmath.mpf(sides[0] - sides[1])) / max(abs(mpmath.mpf(sides[0])),
                                                                                     abs(mpmath.mpf(sides[1]))), 6))
        return CheckOutcome("exact probabilities", Evidence.SAMPLED,
                            f"sides equal in exact rational arithmetic at {len(grid)} (α, ρ, B) points",
                            examples=len(grid), worst_slack="0")
    return check


def _starvation_proof(claim):
    if claim.lhs != NoOldSampleProbability(alpha, rho, B) or not (claim.rhs.is_Pow and claim.rhs.exp == B):
        raise NotProved("the claim is not P(no old sample) = (base)^B")
    per_slot_old = rho + (1 - rho) * alpha
    steps = ["each slot is old with probability ρ·1 + (1 − ρ)·α (a replay draw, or an on-policy draw from the "
             "old component), independently of the others: P(N_o = 0) = (1 − ρ − (1 − ρ)α)^B"]
    steps.extend(identity(1 - per_slot_old, claim.rhs.base))
    return tuple(steps)


P3_PARAMETERS = (Parameter(alpha, 0, 1, emphasis=("1/10",)), Parameter(rho, 0, 1, high_open=True, emphasis=("1/4",)),
                 Parameter(B, 1, 64, emphasis=(8,)))

P3_STARVATION = Theorem(
    id="P3.starvation", title="Old-mode starvation: P(no old sample) = ((1 − ρ)(1 − α))^B under mixture replay "
                              "((1 − α)^B on-policy)", section="4", source=SOURCE,
    claim=Claim.identity(NoOldSampleProbability(alpha, rho, B), ((1 - rho) * (1 - alpha)) ** B),
    parameters=P3_PARAMETERS, hypotheses=(alpha <= 1, rho < 1),
    checks=(Symbolic("per-slot probability of an old sample", _starvation_proof),
            Custom("exact law of the number of old samples", _exact_probability_check(NoOldSampleProbability, "mixture"))),
    mutants=(Mutant("replay does not help", Claim.identity(NoOldSampleProbability(alpha, rho, B), (1 - alpha) ** B),
                    "false for ρ > 0 and α < 1 (α = 1/10, ρ = ¼, B = 8: 0.0434 vs 0.430)"),),
    expected=Evidence.PROVED,
    notes="B is a whole number (the exact check uses B ∈ {1, 5, 16, 64}).",
    proof_sketch="The number of old samples is Binomial(B, ρ + (1 − ρ)α).",
)


def _stratified_proof(claim):
    if claim.lhs != StratifiedOldSampleProbability(alpha, rho, B) or claim.rhs != 1:
        raise NotProved("the claim is not P_strat(N_o ≥ 1) = 1")
    return ("ρ > 0 and B ≥ 1 give ⌈ρB⌉ ≥ 1 replay slots, each drawn from φ_o, i.e. an old sample with "
            "probability 1; hence P(N_o ≥ 1) ≥ P(the first replay slot is old) = 1",)


P3_STRATIFIED = Theorem(
    id="P3.stratified", title="Stratified replay with ⌈ρB⌉ ≥ 1 slots never starves the old mode", section="4",
    source=SOURCE,
    claim=Claim.identity(StratifiedOldSampleProbability(alpha, rho, B), 1),
    parameters=(Parameter(alpha, 0, 1, emphasis=("1/10",)), Parameter(rho, 0, 1, low_open=True, high_open=True,
                                                                      emphasis=("1/4",)), Parameter(B, 1, 64, emphasis=(8,))),
    hypotheses=(alpha <= 1, rho > 0, rho < 1),
    checks=(Symbolic("a replay slot is an old sample", _stratified_proof),
            Custom("exact law of the number of old samples", _exact_probability_check(StratifiedOldSampleProbability,
                                                                                     "stratified"))),
    mutants=(Mutant("as if the replay slots were mixed", Claim.identity(
        StratifiedOldSampleProbability(alpha, rho, B), 1 - ((1 - rho) * (1 - alpha)) ** B),
        "false whenever α < 1 (mixture replay starves with positive probability; stratified never does)"),),
    expected=Evidence.PROVED,
    proof_sketch="The reserved replay slots are old samples with certainty.",
)

MC_TRIALS = 20000
MC_SIGMAS = 5
MC_GRID = (("1/10", 0, 8), ("1/10", "1/4", 8), ("1/20", "1/10", 16), ("3/10", "1/2", 4), ("1/100", 0, 64),
           ("1/50", "1/20", 32))


#: Monte Carlo corroborates the exact law (P3.starvation, proved and checked exactly at 252 points) by
#: an independent simulation; a point here is a configuration tested against a 5σ band, and more
#: configurations would add statistical tests of the same law, not coverage: six, not 200.
def _monte_carlo(theorem, claim, settings):
    """Simulate the sampling process (seed = settings.seed + grid index) and compare the frequency of
    batches without an old sample with the claim's right side, within a 5σ binomial band
    σ = sqrt(p(1 − p)/N), N = 20000 batches."""
    worst, table = 0.0, {}
    for k, (a, r, b) in enumerate(MC_GRID):
        counts = simulate_old_counts(float(Fraction(a)), float(Fraction(r)), b, MC_TRIALS, settings.seed + k)
        frequency = float(np.mean(counts == 0))
        point = {"alpha": Fraction(a), "rho": Fraction(r), "B": Fraction(b)}
        p = float(evaluate(claim.rhs, point, 20))
        sigma = math.sqrt(max(p * (1 - p), 0.0) / MC_TRIALS)
        z = abs(frequency - p) / sigma if sigma > 0 else (0.0 if frequency == p else math.inf)
        label = f"alpha={a}, rho={r}, B={b}"
        table[label] = {"frequency": frequency, "claimed": p, "z": round(z, 3)}
        worst = max(worst, z)
        if z > MC_SIGMAS:
            cex = Counterexample({"alpha": a, "rho": str(r), "B": str(b)}, f"{frequency:.6g} (frequency)",
                                 f"{p:.6g}", f"-{z:.3g} sigma", 20,
                                 f"Monte Carlo, {MC_TRIALS} batches, seed {settings.seed + k}")
            return CheckOutcome("Monte Carlo", Evidence.REFUTED, cex.describe(), examples=k + 1, counterexample=cex,
                                worst_slack=f"{-z:.4g}", measured={"table": table})
    return CheckOutcome("Monte Carlo", Evidence.SAMPLED,
                        f"{len(MC_GRID)} configurations × {MC_TRIALS} simulated batches (seeds {settings.seed}.."
                        f"{settings.seed + len(MC_GRID) - 1}); largest deviation {worst:.3g}σ ≤ {MC_SIGMAS}σ",
                        examples=len(MC_GRID), worst_slack=f"{MC_SIGMAS - worst:.4g}", measured={"table": table,
                                                                                          "largest_z": worst})


P3_MONTE_CARLO = Theorem(
    id="P3.monte_carlo", title="Starvation probabilities reproduced by simulating the sampling process", section="4",
    source=SOURCE,
    claim=Claim.identity(NoOldSampleProbability(alpha, rho, B), ((1 - rho) * (1 - alpha)) ** B),
    parameters=P3_PARAMETERS, hypotheses=(alpha <= 1, rho < 1),
    checks=(Custom("simulated batches within a 5σ binomial band", _monte_carlo),),
    mutants=(Mutant("replay does not help", Claim.identity(NoOldSampleProbability(alpha, rho, B), (1 - alpha) ** B),
                    "false for ρ > 0 (α = 1/10, ρ = ¼, B = 8: 0.0434 vs 0.430, ~200σ)"),),
    depends_on=("P3.starvation",),
    notes="Band: |frequency − p| ≤ 5 sqrt(p(1 − p)/N), N = 20000; a true claim fails it with probability < 1e−6 "
          "per configuration, and the seeds are fixed, so the verdict is reproducible.",
    proof_sketch="Independent simulation of the batch: a replay coin per slot, then the model's component coin.",
)

# --- P3: variance of the weight-score estimator ------------------------------------------------------

A_S = rho + (1 - rho) * alpha      # the old weight of s = (1 − ρ) q_α + ρ φ_o
VARIANCE_PARAMETERS = (Parameter(alpha, 0, 1, low_open=True, high_open=True, emphasis=("1/2",)),
                       Parameter(rho, 0, 1, high_open=True, emphasis=("1/2",)), Parameter(Delta, 0, 30, emphasis=(30,)))

P3_VARIANCE_BOUND = Theorem(
    id="P3.variance_bound", title="Replay bounds the weight-score estimator's second moment: E_s[(w ∂_α log q h)²] ≤ "
                                  "2H²[1/(ρ + (1−ρ)α) + 1/((1−ρ)(1−α))]", section="4", source=SOURCE,
    claim=Claim.inequality(MixtureChiSquare(A_S, Delta), 2 * (1 / A_S + 1 / ((1 - rho) * (1 - alpha)))),
    parameters=VARIANCE_PARAMETERS, hypotheses=(alpha > 0, alpha < 1, rho < 1),
    checks=(Sampled("G at the sampling weight against the bound"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("constant ½ instead of 2", Claim.inequality(MixtureChiSquare(A_S, Delta),
                                                                 (1 / A_S + 1 / ((1 - rho) * (1 - alpha))) / 2),
                    "false for separated modes, where G(a) → 1/a + 1/(1−a) (α = ρ = ½, Δ = 30)"),),
    depends_on=("P2.weight_bound",),
    notes="Components at the truth, H = 1: for |h| ≤ H the second moment ∫(φ_o − φ_n)² h²/s is at most H² times "
          "∫(φ_o − φ_n)²/s = G(ρ + (1−ρ)α), because s is the mixture with old weight ρ + (1−ρ)α; both sides scale "
          "with H². Bounded as α → 0 when ρ > 0 (by 2[1/ρ + 1/(1−ρ)]). The constant 2 is not needed "
          "— see `P3.variance_sharp`.",
    proof_sketch="(φ_o − φ_n)² ≤ 2(φ_o² + φ_n²), s ≥ (ρ + (1−ρ)α)φ_o and s ≥ (1−ρ)(1−α)φ_n.",
)

P3_VARIANCE_SHARP = Theorem(
    id="P3.variance_sharp", title="Sharper: the same second moment is at most 1/(a(1 − a)), a = ρ + (1−ρ)α",
    section="4", source="our sharpening of THEORY.md §4 P3, derived in docs/derivations/replay.md",
    claim=Claim.inequality(MixtureChiSquare(A_S, Delta), 1 / (A_S * (1 - A_S))),
    parameters=VARIANCE_PARAMETERS, hypotheses=(alpha > 0, alpha < 1, rho < 1),
    checks=(Sampled("G at the sampling weight against 1/(a(1−a))"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("constant 9/10", Claim.inequality(MixtureChiSquare(A_S, Delta), Rational(9, 10) / (A_S * (1 - A_S))),
                    "false for separated modes (α = ρ = ½, Δ = 30: G = 1/(a(1−a)) up to e^{−Δ²/8}-small terms)"),),
    depends_on=("R4.fisher_entry",),
    notes="Exact: G(a) = (1 − ε_o(a, Δ)/(1 − a))/(a(1 − a)), which is `R4.fisher_entry` at α* = a; the cross term "
          "−2φ_oφ_n/s only lowers it, which the factor 2 of THEORY's bound ignores.",
    proof_sketch="G(a) = 1/(a(1−a)) − ε_o(a, Δ)/(a(1−a)²) ≤ 1/(a(1−a)).",
)

ON_POLICY_WEIGHT = Parameter(alpha, 0, 1, low_open=True, high_open=True, emphasis=("1/1000",))

P3_ON_POLICY_GROWTH = Theorem(
    id="P3.on_policy_growth", title="On-policy (ρ = 0) the second moment grows like 1/α while the modes are separated: "
                                    "G(α) ≥ (1 − sqrt(c(α)) e^{−Δ²/8}/(2(1 − α)))/(α(1 − α))", section="4",
    source="THEORY.md §4 P3, corrected in docs/derivations/replay.md",
    claim=Claim.inequality((1 - sqrt(odds(alpha)) * exp(-Delta ** 2 / 8) / (2 * (1 - alpha))) / (alpha * (1 - alpha)),
                           MixtureChiSquare(alpha, Delta)),
    parameters=(ON_POLICY_WEIGHT, Parameter(Delta, 0, 30, emphasis=(1,))), hypotheses=(alpha > 0, alpha < 1),
    checks=(Sampled("the engine's G(α) against the overlap-corrected 1/(α(1−α))"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("THEORY's reading: grows like 1/α for every Δ (constant ½)", Claim.inequality(
        1 / (2 * alpha), MixtureChiSquare(alpha, Delta)),
        "false at α = 1/1000, Δ = 1: G ≤ e^{Δ²} − 1 = 1.72 < 500 (the growth saturates at χ²(φ_o||φ_n))"),),
    depends_on=("R4.fisher_entry", "O3.old"),
    pinned=({"alpha": Fraction(1, 1000), "Delta": Fraction(1)},),
    notes="Correction: THEORY says the on-policy second moment 'grows like 1/α'. For fixed Δ it cannot: "
          "G(α, Δ) ≤ e^{Δ²} − 1 for all α, see `P3.on_policy_saturation`, so as α → 0 it saturates. What holds is "
          "this bound: G ≈ 1/α as long as ε_o(α, Δ) ≪ 1 − α, i.e. for α ≫ e^{−Δ²/2} (the O3 bound used here "
          "certifies it for α ≫ e^{−Δ²/4}), and then G saturates at e^{Δ²} − 1. The pinned point α = 1/1000, "
          "Δ = 1 refutes the literal reading (kept as the mutant).",
    proof_sketch="Exactly G(α) = (1 − ε_o/(1 − α))/(α(1 − α)) by `R4.fisher_entry`, and ε_o ≤ ½ sqrt(c(α)) e^{−Δ²/8} by O3.",
)

P3_ON_POLICY_SATURATION = Theorem(
    id="P3.on_policy_saturation", title="… and saturates: G(α, Δ) ≤ e^{Δ²} − 1 = χ²(φ_o||φ_n) for every α", section="4",
    source="our correction of THEORY.md §4 P3, derived in docs/derivations/replay.md",
    claim=Claim.inequality(MixtureChiSquare(alpha, Delta), exp(Delta ** 2) - 1),
    parameters=(Parameter(alpha, 0, 1, emphasis=("1/1000", 0)), Parameter(Delta, 0, 30, emphasis=(1,))),
    hypotheses=(alpha <= 1,),
    checks=(Sampled("the engine's G(α) against χ²"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("exponent Δ²/2", Claim.inequality(MixtureChiSquare(alpha, Delta), exp(Delta ** 2 / 2) - 1),
                    "false for small α (α = 1/1000, Δ = 1: G ≈ 1.7 > 0.65)"),),
    depends_on=("F1.curvature",),
    notes="Equality at α ∈ {0, 1}: G(0) = ∫(φ_o − φ_n)²/φ_n = e^{Δ²} − 1 by `F1.curvature`, and G(1) likewise.",
    proof_sketch="1/q_α is convex in α pointwise, so G is convex in α and at most max(G(0), G(1)) = e^{Δ²} − 1.",
)

THEOREMS = [P1, P2_WEIGHT_BOUND, P2_UNBIASED, P2_SECOND_MOMENT, P3_STARVATION, P3_STRATIFIED, P3_MONTE_CARLO,
            P3_VARIANCE_BOUND, P3_VARIANCE_SHARP, P3_ON_POLICY_GROWTH, P3_ON_POLICY_SATURATION]
