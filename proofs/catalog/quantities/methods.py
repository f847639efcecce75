"""Engine quantities of THEORY §5-§6 (near-on-policy methods, experiments) as sympy functions.

Two kinds:
* high-precision quantities (forgetcheck.numerics.methods, forgetcheck.numerics.drift): correct to the requested digits,
  used by symbolic and sampled checks like every other EngineFunction;
* simulation quantities (forgetcheck.numerics.simulation): float64 trajectories, good to the tolerance their
  function states. They set `takes_dps = False`, and the statements using them are checked only
  by `forgetcheck.checks.cases.OnCases`, which compares the sides with that tolerance, never at the
  profile's digits.

Where a quantity is defined by a recursion (M1's SDFT weight, M4's rounds), the class also gives
the recursion in sympy (`initial`, `step`), which `forgetcheck.checks.cases.by_induction` uses to prove
a closed form.
"""
from __future__ import annotations

import mpmath
import sympy

from forgetcheck.quantities.engine_function import EngineFunction


class _Simulated(EngineFunction):
    """A float64 simulation result (no `dps`): see the module docstring."""
    takes_dps = False
    simulation_tolerance = "1e-6"

    def _eval_is_extended_real(self):
        return True  # a real number (sympy's Min/Max need to know)

    @classmethod
    def evaluate_at(cls, args, dps: int):
        kwargs = dict(zip(cls.arg_names, (float(a) for a in args)))
        return mpmath.mpf(float(cls.engine_function()(**kwargs)))


# --- M1: SDFT --------------------------------------------------------------------------------------

class SDFTStudentWeight(EngineFunction):
    """argmin_α KL(q_α || (1−λ) q_{α_k} + λ p_A) with components at the truth (M1)."""
    engine = "forgetcheck.numerics.methods:sdft_student_weight"
    latex_name = r"\alpha_{\mathrm{student}}"
    arg_names = ("alpha_teacher", "alpha_anchor", "anchor_strength", "delta")


class SDFTWeight(EngineFunction):
    """The EMA (teacher) model's old weight after k rounds of SDFT with components at the truth."""
    engine = "forgetcheck.numerics.methods:sdft_weight_after_steps"
    latex_name = r"\alpha^{\mathrm{SDFT}}"
    arg_names = ("steps", "alpha_0", "alpha_anchor", "tau", "anchor_strength")

    @classmethod
    def initial(cls, steps, alpha_0, alpha_anchor, tau, strength):
        return alpha_0

    @classmethod
    def step(cls, value, steps, alpha_0, alpha_anchor, tau, strength):
        """One round: the student's exact projection (M1.projection), then the EMA."""
        student = (1 - strength) * value + strength * alpha_anchor
        return (1 - tau) * value + tau * student


# --- M3: TTT-Discover ------------------------------------------------------------------------------

class EntropicMaximizerShift(EngineFunction):
    """logit α_λ − logit α_0 for the maximizer α_λ of J_λ (M3), λ > 0."""
    engine = "forgetcheck.numerics.methods:entropic_maximizer_shift"
    latex_name = r"s_\lambda"
    arg_names = ("alpha_0", "beta", "reward_old", "reward_new", "lam")
    arb_engine = "forgetcheck.numerics.enclosures:entropic_maximizer_shift_ball"   # certified bisection, an independent path


class TiltLogitCorrection(EngineFunction):
    """logit α' − logit α + βG after one exact tilt of q_α by e^{βr}, r = R_o + Gσ(ℓ + b) (M3)."""
    engine = "forgetcheck.numerics.methods:tilt_logit_correction"
    latex_name = r"C_{\mathrm{tilt}}"
    arg_names = ("beta", "reward_gap", "offset", "delta")


# --- M4: OAPL --------------------------------------------------------------------------------------

class TiltMeanShift(EngineFunction):
    """The Mahalanobis shift of the mean of φ_o when tilted by e^{r/β}, r = Rσ(ℓ + b) (M4(iii))."""
    engine = "forgetcheck.numerics.methods:tilt_mean_shift"
    latex_name = r"\delta m_o"
    arg_names = ("reward_scale", "beta", "offset", "delta")


class OAPLPolicyLogit(EngineFunction):
    """logit of OAPL's population minimizer's old probability, lag α_lag, temperatures β₁, β₂ (M4(i)).

    The loss is minimized over normalized two-label policies; β₁ is the value estimate's
    temperature, β₂ the policy regression's."""
    engine = "forgetcheck.numerics.methods:oapl_policy_logit"
    latex_name = r"u^{\mathrm{OAPL}}"
    arg_names = ("alpha_lag", "reward_old", "reward_new", "beta_value", "beta_policy")

    @classmethod
    def residuals(cls, u, alpha_lag, reward_old, reward_new, beta_value, beta_policy):
        """The loss's two residuals β₂ log(π/π_lag) − (r − V̂*) at π = (σ(u), 1 − σ(u)), and their
        weights under π_lag: the loss is Σ weight · residual²."""
        pi_old = 1 / (1 + sympy.exp(-u))
        value = beta_value * sympy.log(alpha_lag * sympy.exp(reward_old / beta_value)
                                       + (1 - alpha_lag) * sympy.exp(reward_new / beta_value))
        e_old = beta_policy * (sympy.log(pi_old) - sympy.log(alpha_lag)) - (reward_old - value)
        e_new = beta_policy * (sympy.log(1 - pi_old) - sympy.log(1 - alpha_lag)) - (reward_new - value)
        return (e_old, e_new), (alpha_lag, 1 - alpha_lag)


class OAPLLogitAfterRounds(EngineFunction):
    """logit α_K after K sync rounds of OAPL with β₁ = β₂ = β (M4(ii)).

    Each round the policy is trained to the population minimizer against the lagged policy."""
    engine = "forgetcheck.numerics.methods:oapl_logit_after_rounds"
    latex_name = r"u^{\mathrm{OAPL}}_{K}"
    arg_names = ("rounds", "alpha_0", "reward_old", "reward_new", "beta")

    @classmethod
    def initial(cls, rounds, alpha_0, reward_old, reward_new, beta):
        return sympy.log(alpha_0 / (1 - alpha_0))

    @classmethod
    def step(cls, value, rounds, alpha_0, reward_old, reward_new, beta):
        """One round: the policy becomes π_lag e^{r/β}/Z (M4.tilt_optimum); its logit."""
        pi_old = 1 / (1 + sympy.exp(-value))
        return sympy.log(pi_old * sympy.exp(reward_old / beta) / ((1 - pi_old) * sympy.exp(reward_new / beta)))


# --- X2, X3: drift decay and the trajectories -----------------------------------------------------

class DecayDrift(EngineFunction):
    """R3's partial drift D = |m_o^† − μ_o|, remembered by its inputs for X2."""
    engine = "forgetcheck.numerics.methods:partial_drift_memoized"
    latex_name = "D"
    arg_names = ("alpha", "alpha_target", "delta")


class ForgettingRate(EngineFunction):
    """κ_F = E_{φ_n}[(1−r)²/max(1, r)³] (F1(ii))."""
    engine = "forgetcheck.numerics.forward_kl:kappa_forward"
    latex_name = r"\kappa_F"
    arg_names = ("delta",)


class ForwardWeight(_Simulated):
    """α(t) under F1's forward-KL flow on new-task data only, components at the truth, float64 (X3)."""
    engine = "forgetcheck.numerics.simulation:forward_weight_at"
    latex_name = r"\alpha_{\mathrm{F}}"
    arg_names = ("alpha_0", "delta", "time")
    simulation_tolerance = "1e-7"


class ReverseWeight(_Simulated):
    """α(t) under R5's reverse-KL flow on all of θ from (α_0, μ_o, m_n^0), float64 (X3)."""
    engine = "forgetcheck.numerics.simulation:reverse_weight_at"
    latex_name = r"\alpha_{\mathrm{R}}"
    arg_names = ("alpha_0", "alpha_target", "delta", "new_mean_start", "time")
    simulation_tolerance = "1e-7"


# --- M2: SDFT with learned means ------------------------------------------------------------------

class SDFTDrift(_Simulated):
    """sup_k |m_o − μ_o| over SDFT's student and EMA models, learned means, correct anchor, float64 (M2)."""
    engine = "forgetcheck.numerics.simulation:sdft_drift"
    latex_name = r"D_{\mathrm{SDFT}}"
    arg_names = ("alpha_0", "alpha_target", "delta", "new_offset")
    simulation_tolerance = "1e-9"


class SDFTMinSeparation(_Simulated):
    """The smallest |m_n − μ_o| any model of the SDFT run had, float64 (M2)."""
    engine = "forgetcheck.numerics.simulation:sdft_min_separation"
    latex_name = r"\Delta_{\min}"
    arg_names = ("alpha_0", "alpha_target", "delta", "new_offset")
    simulation_tolerance = "1e-9"


# --- X1: Chen et al.'s simulation -------------------------------------------------------------------

def _chen(name, objective, quantity, latex, doc):
    def evaluate_at(cls, args, dps):
        from forgetcheck.numerics.simulation import chen_quantity
        return mpmath.mpf(chen_quantity(objective, quantity, float(args[0])))
    return type(_Simulated)(name, (_Simulated,), {"__doc__": doc, "engine": "forgetcheck.numerics.simulation:chen_quantity",
                                      "latex_name": latex, "arg_names": ("time",),
                                      "evaluate_at": classmethod(evaluate_at), "__module__": __name__})


ChenWeightForward = _chen("ChenWeightForward", "forward", "alpha", r"\alpha^{\mathrm{fwd}}",
                          "Old weight at time t of the forward-KL flow (new-mode data only), X1.")
ChenWeightReverse = _chen("ChenWeightReverse", "reverse", "alpha", r"\alpha^{\mathrm{rev}}",
                          "Old weight at time t of the reverse-KL flow toward p, X1.")
ChenOldAccuracyForward = _chen("ChenOldAccuracyForward", "forward", "accuracy_old", r"\mathrm{acc}_o^{\mathrm{fwd}}",
                               "Old-mode overlap accuracy at time t of the forward-KL flow, X1.")
ChenOldAccuracyReverse = _chen("ChenOldAccuracyReverse", "reverse", "accuracy_old", r"\mathrm{acc}_o^{\mathrm{rev}}",
                               "Old-mode overlap accuracy at time t of the reverse-KL flow, X1.")
ChenNewAccuracyForward = _chen("ChenNewAccuracyForward", "forward", "accuracy_new", r"\mathrm{acc}_n^{\mathrm{fwd}}",
                               "New-mode overlap accuracy at time t of the forward-KL flow, X1.")
ChenNewAccuracyReverse = _chen("ChenNewAccuracyReverse", "reverse", "accuracy_new", r"\mathrm{acc}_n^{\mathrm{rev}}",
                               "New-mode overlap accuracy at time t of the reverse-KL flow, X1.")
