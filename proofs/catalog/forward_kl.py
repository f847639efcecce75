"""THEORY §2: forward KL (F1-F3) — mass forgetting, and the optimum set by the training data."""
from __future__ import annotations

from fractions import Fraction

import sympy
from sympy import Rational, exp, log, sqrt

from forgetcheck.checks.certified import CertifiedAtPoints
from forgetcheck.checks.kinds import Sampled, Symbolic
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.catalog.quantities.kl import (ForwardKLCurvatureAtZero, ForwardKLJensenMean, ForwardKLWeightGradient, KappaForward,
                            KappaReplay, MixtureChiSquare, OldTaskExcessLoss, OldTaskLoss, ReplayCurvature,
                            ReplayGradient)
from forgetcheck.statements.notation import odds, symbol, symbols
from forgetcheck.checks.symbolic import NotProved, by_definition, gaussian_integral, identity, pointwise_integrands
from forgetcheck.statements.theorem import Mutant, Theorem
from forgetcheck.checks.trajectories import ForwardKLFlowWeight, ReplayFlowWeight, Trajectories, decay_horizon, engine_constant

alpha, Delta, lam, alpha_0, t = symbols("alpha Delta lam alpha_0 t")
SOURCE = "THEORY.md §2 (our formalization; ids are ours)"

SEPARATION = Parameter(Delta, 0, 30, emphasis=(1,))
POINTWISE = Symbolic("integrands agree pointwise (densities X = φ_o, Y = φ_n)", pointwise_integrands)


def _float_value(function, *args) -> float:
    """An engine constant at 15 digits, as a float: only to choose a trajectory's time span."""
    return float(type(function(*args)).evaluate_at(list(args), 15))


# --- F1 ---------------------------------------------------------------------------------------------

F1_GRADIENT = Theorem(
    id="F1.gradient", title="New-only SFT: α L_F'(α) = g(α) − 1 with g(α) = E_{φ_n}[1/(1−α+αr)] ≥ 1", section="2",
    source=SOURCE,
    claim=Claim.identity(alpha * ForwardKLWeightGradient(alpha, Delta) + 1, ForwardKLJensenMean(alpha, Delta)),
    parameters=(Parameter(alpha, 0, 1, low_open=True, emphasis=("1/2",)), SEPARATION),
    hypotheses=(alpha > 0, alpha <= 1),
    # L_F' by the engine's α∫(φ_o−φ_n)²/q_α, g by quadrature of its own definition: independent paths.
    checks=(POINTWISE, Sampled("engine gradient against quadrature of g")),
    mutants=(Mutant("the weight dropped", Claim.identity(ForwardKLWeightGradient(alpha, Delta) + 1,
                                                         ForwardKLJensenMean(alpha, Delta)),
                    "false for α < 1 and Δ > 0 (at α = ½, Δ = 1: 1.525 vs 1.263)"),),
    expected=Evidence.PROVED,
    notes="Written as α L_F' + 1 = g rather than L_F' = (g − 1)/α so that both sides are ≥ 1 and the "
          "relative comparison never divides a cancellation (g − 1 → 0 as Δ → 0). g ≥ 1 by Jensen "
          "(E_{φ_n} r = 1 and 1/y is convex), so L_F' ≥ 0 and α = 0 is the unique minimizer; `F1.rate` makes "
          "it quantitative.",
    proof_sketch="L_F'(α) = −∫φ_n(φ_o − φ_n)/q_α by differentiation under the integral; pointwise "
                 "φ_n(φ_n − φ_o)/q_α · α + φ_n = φ_n/(1 − α + αr), and ∫φ_n = 1.",
)

F1_RATE = Theorem(
    id="F1.rate", title="L_F'(α) ≥ κ_F α on [0, 1], κ_F = E_{φ_n}[(1−r)²/max(1, r)³]", section="2", source=SOURCE,
    claim=Claim.inequality(KappaForward(Delta) * alpha, ForwardKLWeightGradient(alpha, Delta)),
    parameters=(Parameter(alpha, 0, 1, emphasis=("1/2",)), SEPARATION),
    hypotheses=(alpha <= 1,),
    # Ball-arithmetic enclosures of both sides at points (forgetcheck.numerics.enclosures), then the engine's
    # high-precision values at a few more.
    checks=(CertifiedAtPoints(), Sampled("the engine's L_F' against κ_F α")),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("rate 4κ_F", Claim.inequality(4 * KappaForward(Delta) * alpha, ForwardKLWeightGradient(alpha, Delta)),
                    "false at Δ = 1, where min over α of L_F'/(κ_F α) is below 4 (at α ≈ ½, measured in "
                    "`docs/derivations/forward_kl.md`); true again for Δ ≳ 8"),),
    depends_on=("F1.gradient",),
    notes="The largest κ_F α/L_F'(α) the worst-case search finds is the statement's sharpness (the certificate "
          "and `forgetcheck show` print it with its point). At fixed Δ, min over α of L_F'(α)/(κ_F α) grows "
          "from 1 towards 4 as Δ grows, attained near α = ½ (measured per Δ in `docs/derivations/forward_kl.md`).",
    proof_sketch="g(α) = E_{φ_n}[1/(1−α+αr)] has g(0) = 1, g'(0) = E(1 − r) = 0 and g''(α) = 2E[(r−1)²/(1−α+αr)³] "
                 "≥ 2κ_F because 1 − α + αr ≤ max(1, r); so g(α) − 1 ≥ κ_F α² and L_F' = (g − 1)/α ≥ κ_F α.",
)


def _f1_horizon(point):
    return decay_horizon(engine_constant(KappaForward(Delta), point))


F1_FLOW = Theorem(
    id="F1.flow", title="The gradient flow α' = −L_F'(α) forgets: α(t) ≤ α(0) e^{−κ_F t}", section="2", source=SOURCE,
    claim=Claim.dynamics(ForwardKLFlowWeight(alpha_0, Delta, t), alpha_0 * exp(-KappaForward(Delta) * t), t),
    parameters=(Parameter(alpha_0, 0, 1, low_open=True, high_open=True), Parameter(Delta, 0, 10)),
    hypotheses=(alpha_0 < 1,),
    checks=(Trajectories("float64 flows from generated starts against α(0)e^{−κ_F t}", points=(
        {"alpha_0": "1/2", "Delta": 1}, {"alpha_0": "1/10", "Delta": "1/4"}, {"alpha_0": "9/10", "Delta": 3},
        {"alpha_0": "1/2", "Delta": 10}, {"alpha_0": "1/1000", "Delta": 2}), horizon=_f1_horizon),),
    mutants=(Mutant("rate 4κ_F", Claim.dynamics(ForwardKLFlowWeight(alpha_0, Delta, t),
                                                 alpha_0 * exp(-4 * KappaForward(Delta) * t), t),
                    "false at α(0) = ½, Δ = 1 for small t: the initial rate L_F'(½)/½ ≈ 2.89 κ_F < 4 κ_F"),),
    depends_on=("F1.rate",),
    notes="Trajectories from `forgetcheck.numerics.flows` (float64, the engine's exact gradient, solved as t(u) with "
          "u = logit(α), relative tolerance 1e−8) from the corners of the start space and the profile's "
          "points (at least 200 starts: generated ones and a worst-case search); the supremum over t ∈ [0, 8/κ_F] is located by root finding on the dense "
          "output and compared with relative tolerance 1e−6. At Δ = 0 (κ_F = 0) the flow is stationary and the "
          "claim holds with equality.",
    proof_sketch="d/dt α = −L_F'(α) ≤ −κ_F α by `F1.rate`; Grönwall.",
)

F1_CURVATURE = Theorem(
    id="F1.curvature", title="The local forgetting rate L_F''(0) = χ²(φ_o||φ_n) = e^{Δ²} − 1", section="2",
    source=SOURCE,
    claim=Claim.identity(ForwardKLCurvatureAtZero(Delta), exp(Delta ** 2) - 1),
    parameters=(Parameter(Delta, 0, 30, emphasis=(1, 30)),),
    checks=(Symbolic("integral definition, completing the square", by_definition),
            Sampled("quadrature of ∫(φ_o − φ_n)²/φ_n")),
    mutants=(Mutant("exponent Δ²/2", Claim.identity(ForwardKLCurvatureAtZero(Delta), exp(Delta ** 2 / 2) - 1),
                    "false for every Δ > 0"),),
    expected=Evidence.PROVED,
    depends_on=("F1.gradient",),
    notes="L_F'(α) = α ∫(φ_o − φ_n)²/q_α (the engine's form), so L_F''(0) = lim L_F'(α)/α = ∫(φ_o − φ_n)²/φ_n "
          "by monotone convergence; this integral is what the check computes.",
    proof_sketch="∫(φ_o − φ_n)²/φ_n = ∫φ_o²/φ_n − 1 and φ_o²/φ_n is a Gaussian with total mass e^{Δ²}.",
)

# --- F2 ---------------------------------------------------------------------------------------------

X_ = sympy.Symbol("x", real=True)


def _f2_collapsed(claim):
    """q_θ with both components at μ_n is φ_n; then KL(φ_o||φ_n) = Δ²/2 by completing the square."""
    phi_o = exp(-X_ ** 2 / 2) / sqrt(2 * sympy.pi)
    phi_n = exp(-(X_ - Delta) ** 2 / 2) / sqrt(2 * sympy.pi)
    q = alpha * phi_n + (1 - alpha) * phi_n
    steps = list(identity(q, phi_n))
    value = gaussian_integral(phi_o * sympy.expand(sympy.expand_log(sympy.log(phi_o / phi_n), force=True)), X_)
    steps.append(f"∫ φ_o log(φ_o/φ_n) dx = {sympy.sstr(value)} (completing the square)")
    lhs = claim.lhs
    if lhs.atoms(OldTaskLoss) != {OldTaskLoss(alpha, Delta, Delta, Delta)}:
        raise NotProved("the claim's left side is not KL(φ_o || q_θ) at the collapsed θ")
    steps.extend(identity(lhs.subs(OldTaskLoss(alpha, Delta, Delta, Delta), value), claim.rhs))
    return tuple(steps)


F2_OLD_TASK = Theorem(
    id="F2.old_task", title="All parameters free: at a minimizer the old task is fit as if never learned, "
                            "KL(φ_o||q_θ) = Δ²/2", section="2", source=SOURCE,
    claim=Claim.identity(OldTaskLoss(alpha, Delta, Delta, Delta), Delta ** 2 / 2),
    parameters=(Parameter(alpha, 0, 1, emphasis=("1/2", 0)), Parameter(Delta, 0, 30, emphasis=(1, 30))),
    hypotheses=(alpha <= 1,),
    checks=(Symbolic("the collapsed mixture is φ_n; KL(φ_o||φ_n) by completing the square", _f2_collapsed),
            Sampled("quadrature of KL(φ_o||q_θ) at θ = (α, μ_n, μ_n)")),
    mutants=(Mutant("the old task kept in proportion α", Claim.identity(OldTaskLoss(alpha, Delta, Delta, Delta),
                                                                         log(1 / alpha)),
                    "false at α = ½, Δ = 1 (Δ²/2 = 0.5, log 2 = 0.693); log(1/α) is the replay optimum's "
                    "upper bound in `F3.excess_upper`, not this"),),
    expected=Evidence.PROVED,
    depends_on=("O1.KL",),
    notes="The global minimizers of KL(φ_n||q_θ) are the θ with q_θ = φ_n (Gibbs: KL = 0 iff the densities "
          "agree; identifiability of finite Gaussian mixtures): α = 0 with any m_o, or m_o = μ_n (and then "
          "m_n = μ_n unless α = 1). The statement is checked on the family θ = (α, μ_n, μ_n), α ∈ [0, 1]; "
          "on the other family (α = 0) q_θ = φ_n for every m_o, which the same computation covers at α = 0.",
    proof_sketch="At a minimizer q_θ = φ_n, so KL(φ_o||q_θ) = KL(φ_o||φ_n) = Δ²/2, by `O1.KL`.",
)

# --- F3 ---------------------------------------------------------------------------------------------

CLOSED_WEIGHT = Parameter(alpha, 0, 1, emphasis=("1/2", "1/4"))
REPLAY = Parameter(lam, 0, 1, emphasis=("1/2",))

F3_MINIMIZER = Theorem(
    id="F3.minimizer", title="Forward KL with replay: ∂_α KL(p_λ||q_α) = (α − λ) G(α), G > 0: the unique "
                             "minimizer is α = λ", section="2", source=SOURCE,
    claim=Claim.identity(ReplayGradient(alpha, lam, Delta), (alpha - lam) * MixtureChiSquare(alpha, Delta)),
    parameters=(CLOSED_WEIGHT, REPLAY, SEPARATION),
    hypotheses=(alpha <= 1, lam <= 1),
    checks=(POINTWISE, Sampled("quadrature of −∫p_λ(φ_o−φ_n)/q_α against (α − λ)G(α)")),
    mutants=(Mutant("minimizer λ²", Claim.identity(ReplayGradient(alpha, lam, Delta),
                                                    (alpha - lam ** 2) * MixtureChiSquare(alpha, Delta)),
                    "false unless λ ∈ {0, 1} or Δ = 0 (at α = λ = ½ the gradient is 0, the mutant ¼G(½) ≠ 0)"),),
    expected=Evidence.PROVED,
    notes="G(α) = ∫(φ_o − φ_n)²/q_α > 0 for Δ > 0, so the gradient has the sign of α − λ: L decreases "
          "up to λ and increases after it; the optimum depends on the training distribution only.",
    proof_sketch="Pointwise, ∂_α[p log(p/q_α)] = −p(φ_o − φ_n)/q_α, and since q_α − p = (α − λ)(φ_o − φ_n), "
                 "−p(φ_o − φ_n)/q_α = (α − λ)(φ_o − φ_n)²/q_α − (φ_o − φ_n), whose last term integrates to 0.",
)

F3_CONVEX = Theorem(
    id="F3.convex", title="KL(p_λ||q_α) is strongly convex: ∂²_α KL ≥ κ_λ = E_{p_λ}[(φ_o−φ_n)²/max(φ_o,φ_n)²]",
    section="2", source=SOURCE,
    claim=Claim.inequality(KappaReplay(lam, Delta), ReplayCurvature(alpha, lam, Delta)),
    parameters=(Parameter(alpha, 0, 1, emphasis=("1/4",)), Parameter(lam, 0, 1, emphasis=(0,)),
                Parameter(Delta, 0, 30, emphasis=("1/2",))),
    hypotheses=(alpha <= 1, lam <= 1),
    checks=(Symbolic("second derivative of the integrand", lambda claim: _second_derivative_step(), proves_claim=False),
            Sampled("the engine's ∫p_λ(φ_o−φ_n)²/q_α² against κ_λ"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("modulus 2κ_λ", Claim.inequality(2 * KappaReplay(lam, Delta), ReplayCurvature(alpha, lam, Delta)),
                    "false for small Δ (at α = ¼, λ = 0, Δ = ½ the ratio ∂²KL/κ_λ is 1.73)"),),
    notes="The largest κ_λ/∂²_α KL the worst-case search finds is the statement's sharpness (the certificate and "
          "`forgetcheck show` print it with its point): the bound is tight as Δ → 0. At fixed Δ, min over α, λ "
          "of ∂²_α KL/κ_λ grows with Δ (values per Δ in `docs/derivations/forward_kl.md`).",
    proof_sketch="∂²_α KL(p_λ||q_α) = ∫p_λ(φ_o − φ_n)²/q_α² pointwise, and q_α ≤ max(φ_o, φ_n).",
)


def _second_derivative_step():
    from forgetcheck.catalog.quantities.kl import ReplayObjective
    X, Y = sympy.symbols("X Y", positive=True)
    second = ReplayCurvature.density(X, Y, alpha, lam, Delta)
    target = (lam * X + (1 - lam) * Y) * (X - Y) ** 2 / (alpha * X + (1 - alpha) * Y) ** 2
    return (ReplayCurvature.derivative_note(), *identity(second, target),
            "q_α = αφ_o + (1−α)φ_n ≤ max(φ_o, φ_n), so the integrand is ≥ p_λ(φ_o−φ_n)²/max(φ_o, φ_n)²")


F3_EXCESS_UPPER = Theorem(
    id="F3.excess_upper", title="At the replay optimum the old task's loss is at most log(1/λ)", section="2",
    source=SOURCE,
    claim=Claim.inequality(OldTaskExcessLoss(lam, Delta), log(1 / lam)),
    parameters=(Parameter(lam, 0, 1, low_open=True, emphasis=("1/2", "1/1000")), Parameter(Delta, 0, 30, emphasis=(30,))),
    hypotheses=(lam > 0, lam <= 1),
    checks=(Sampled("the engine's KL(φ_o||q_λ)"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("half the bound", Claim.inequality(OldTaskExcessLoss(lam, Delta), log(1 / lam) / 2),
                    "false at large Δ, where KL(φ_o||q_λ) → log(1/λ) (λ = ½, Δ = 30)"),),
    depends_on=("F3.minimizer",),
    proof_sketch="q_λ ≥ λφ_o, so log(φ_o/q_λ) ≤ log(1/λ) pointwise.",
)

F3_EXCESS_LOWER = Theorem(
    id="F3.excess_lower", title="… and at least log(1/λ) − sqrt((1−λ)/λ) e^{−Δ²/8}: replay fraction, not "
                                "separation, sets the old task's loss", section="2", source=SOURCE,
    claim=Claim.inequality(log(1 / lam) - sqrt(odds(lam)) * exp(-Delta ** 2 / 8), OldTaskExcessLoss(lam, Delta)),
    parameters=(Parameter(lam, 0, 1, low_open=True, emphasis=("1/2", "1/1000")), Parameter(Delta, 0, 30, emphasis=(0,))),
    hypotheses=(lam > 0, lam <= 1),
    checks=(Sampled("the engine's KL(φ_o||q_λ)"), CertifiedAtPoints()),
    expected=Evidence.CERTIFIED,
    mutants=(Mutant("half the overlap term", Claim.inequality(
        log(1 / lam) - sqrt(odds(lam)) * exp(-Delta ** 2 / 8) / 2, OldTaskExcessLoss(lam, Delta)),
        "false at λ = ½, Δ = 0 (log 2 − ½ = 0.19 > 0 = KL(φ_o||φ_o))"),),
    depends_on=("F3.minimizer", "O6", "O1.BC"),
    proof_sketch="KL(φ_o||q_λ) = log(1/λ) − E_{φ_o} log(1 + c(λ)φ_n/φ_o) with c(λ) = (1−λ)/λ; by O6 "
                 "log(1+u) ≤ sqrt(u), and E_{φ_o} sqrt(φ_n/φ_o) = BC = e^{−Δ²/8}.",
)


def _f3_horizon(point):
    return decay_horizon(engine_constant(KappaReplay(lam, Delta), point))


def _replay_points():
    return ({"alpha_0": "9/10", "lam": "1/2", "Delta": 1}, {"alpha_0": "1/10", "lam": "1/2", "Delta": "1/4"},
            {"alpha_0": "1/2", "lam": "1/10", "Delta": 3}, {"alpha_0": "1/1000", "lam": "9/10", "Delta": 6},
            {"alpha_0": "1/2", "lam": 0, "Delta": 2})


F3_FLOW = Theorem(
    id="F3.flow", title="The replay flow converges to λ: |α(t) − λ| ≤ |α(0) − λ| e^{−κ_λ t}", section="2",
    source=SOURCE,
    claim=Claim.dynamics(sympy.Abs(ReplayFlowWeight(alpha_0, lam, Delta, t) - lam),
                         sympy.Abs(alpha_0 - lam) * exp(-KappaReplay(lam, Delta) * t), t),
    parameters=(Parameter(alpha_0, 0, 1, low_open=True, high_open=True), Parameter(lam, 0, 1),
                Parameter(Delta, 0, 10)),
    hypotheses=(alpha_0 < 1, lam <= 1),
    checks=(Trajectories("float64 flows from generated starts against |α(0) − λ|e^{−κ_λ t}", points=_replay_points(),
                         horizon=_f3_horizon),),
    mutants=(Mutant("converges to λ²", Claim.dynamics(sympy.Abs(ReplayFlowWeight(alpha_0, lam, Delta, t) - lam ** 2),
                                                       sympy.Abs(alpha_0 - lam ** 2) * exp(-KappaReplay(lam, Delta) * t), t),
                    "false whenever λ ∉ {0, 1}: the flow settles at λ, at distance λ − λ² from λ²"),),
    depends_on=("F3.convex",),
    notes="Float64 trajectories from `forgetcheck.numerics.flows` from the corners and the profile's points (at least "
          "200 starts: generated ones and a worst-case search); supremum over t ∈ [0, 8/κ_λ] by root finding on the dense output, relative tolerance "
          "1e−6. At Δ = 0 (κ_λ = 0) the flow is stationary.",
    proof_sketch="d/dt (α − λ)² = −2(α − λ)∂_αKL, and (α − λ)∂_αKL ≥ κ_λ(α − λ)² by `F3.convex` since ∂_αKL vanishes at λ.",
)

THEOREMS = [F1_GRADIENT, F1_RATE, F1_FLOW, F1_CURVATURE, F2_OLD_TASK, F3_MINIMIZER, F3_CONVEX, F3_EXCESS_UPPER,
            F3_EXCESS_LOWER, F3_FLOW]
