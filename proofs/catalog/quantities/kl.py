"""Engine quantities of THEORY §2-§4 (forward KL, reverse KL, replay) as sympy functions.

Besides the engine binding and the LaTeX notation (see functions.py), a quantity defined by an
integral over the line whose integrand depends on x only through the two true densities states
that integrand as `density(X, Y, *args)`, with X = φ_o(x) and Y = φ_n(x) (positive symbols). A
derivative of such a quantity with respect to one of its arguments names the quantity it
differentiates in `derivative_of = (class name, argument index, order)`; its density is then the
derivative of the other's density, taken by sympy (differentiation under the integral sign).
forgetcheck.checks.symbolic.pointwise_integrands uses these to prove identities between such integrals.

Every engine value is cached per process (by class, exact arguments and digits): a statement and
its mutants evaluate the same quantity at the same points. The reverse-KL quantities, G, the Fisher
deviation and the drift go through validated fixed-node rules in ball arithmetic (~1-20 ms at 30
digits; numerics/logistic_normal.py) and name their enclosures as `arb_engine`; the others, and the
independent "as it stands" integrals, go through numerics.quadrature (Gauss-Legendre panels in x
confirmed by a second rule at a second precision, ~50-300 ms).
"""
from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy

from forgetcheck.quantities.engine_function import EngineFunction, engine_functions


def _mixture(weight, X, Y):
    return weight * X + (1 - weight) * Y


@lru_cache(maxsize=4096)
def _cached_value(cls, args: tuple, dps: int):
    return EngineFunction.evaluate_at.__func__(cls, list(args), dps)


class KLQuantity(EngineFunction):
    """An engine quantity of §2-§4: cached values, optional pointwise density."""
    values_cached = True
    #: (name of the quantity differentiated, index of the argument, order) or None
    derivative_of: tuple | None = None

    @classmethod
    def evaluate_at(cls, args, dps: int):
        from forgetcheck.quantities.evaluate import to_mpf  # exact for Fractions and decimal strings
        return _cached_value(cls, tuple(a if isinstance(a, mpmath.mpf) else to_mpf(a) for a in args), dps)

    @classmethod
    def density(cls, X, Y, *args):
        """The integrand in terms of X = φ_o(x), Y = φ_n(x), or None."""
        if cls.derivative_of is None:
            return None
        name, index, order = cls.derivative_of
        base = engine_functions()[name]
        w = sympy.Dummy("w")
        values = list(args)
        values[index] = w
        integrand = base.density(X, Y, *values)
        if integrand is None:
            return None
        return sympy.diff(integrand, w, order).subs(w, args[index])

    @classmethod
    def derivative_note(cls) -> str:
        if cls.derivative_of is None:
            return ""
        name, index, order = cls.derivative_of
        which = {1: "first", 2: "second"}.get(order, f"order-{order}")
        return (f"{cls.__name__} is the {which} derivative of {name} in {cls.arg_names[index]}, taken under "
                "the integral sign (the integrand's derivatives are bounded by an integrable function of x, "
                "locally uniformly in the argument)")


# --- §2 forward KL -----------------------------------------------------------------------------------

class ForwardKLObjective(KLQuantity):
    """L_F(α) = KL(φ_n || q_α) (F1)."""
    engine = "forgetcheck.numerics.forward_kl:forward_kl_objective"
    latex_name = r"L_F"
    arg_names = ("alpha", "delta")

    @classmethod
    def density(cls, X, Y, alpha, delta):
        return Y * sympy.log(Y / _mixture(alpha, X, Y))


class ForwardKLWeightGradient(KLQuantity):
    """L_F'(α) (F1(i)); the engine integrates α ∫(φ_o − φ_n)²/q_α (forward_kl.py)."""
    engine = "forgetcheck.numerics.forward_kl:forward_kl_weight_gradient"
    arb_engine = "forgetcheck.numerics.enclosures:forward_kl_weight_gradient_ball"
    latex_name = r"L_F'"
    arg_names = ("alpha", "delta")
    derivative_of = ("ForwardKLObjective", 0, 1)


class ForwardKLJensenMean(KLQuantity):
    """g(α) = E_{φ_n}[1/(1 − α + α r)], r = φ_o/φ_n (F1(i)), by quadrature of the definition."""
    engine = "forgetcheck.numerics.kl_quantities:forward_kl_jensen_mean"
    latex_name = r"g"
    arg_names = ("alpha", "delta")

    @classmethod
    def density(cls, X, Y, alpha, delta):
        return Y / (1 - alpha + alpha * X / Y)


class KappaForward(KLQuantity):
    """κ_F = E_{φ_n}[(1 − r)²/max(1, r)³] (F1(ii))."""
    engine = "forgetcheck.numerics.forward_kl:kappa_forward"
    arb_engine = "forgetcheck.numerics.enclosures:kappa_forward_ball"
    latex_name = r"\kappa_F"
    arg_names = ("delta",)


class ForwardKLCurvatureAtZero(KLQuantity):
    """L_F''(0) = ∫(φ_o − φ_n)²/φ_n (F1(iii)), by quadrature."""
    engine = "forgetcheck.numerics.forward_kl:forward_kl_curvature_at_zero"
    latex_name = r"L_F''(0)"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        """(φ_o − φ_n)²/φ_n = φ_o²/φ_n − 2φ_o + φ_n, with φ_o²/φ_n = e^{−x² + (x−Δ)²/2}/sqrt(2π)."""
        root = sympy.sqrt(2 * sympy.pi)
        return (sympy.exp(sympy.expand(-x ** 2 + (x - delta) ** 2 / 2)) / root
                - 2 * sympy.exp(-x ** 2 / 2) / root + sympy.exp(-(x - delta) ** 2 / 2) / root)

    @classmethod
    def density(cls, X, Y, delta):
        return (X - Y) ** 2 / Y


class ReplayObjective(KLQuantity):
    """KL(p_λ || q_α) (F3)."""
    engine = "forgetcheck.numerics.forward_kl:forward_kl_replay_objective"
    latex_name = r"\mathrm{KL}_\lambda"
    arg_names = ("alpha", "lam", "delta")

    @classmethod
    def density(cls, X, Y, alpha, lam, delta):
        p = _mixture(lam, X, Y)
        return p * sympy.log(p / _mixture(alpha, X, Y))


class ReplayGradient(KLQuantity):
    """∂_α KL(p_λ||q_α), by quadrature of −∫ p_λ(φ_o − φ_n)/q_α as it stands (F3)."""
    engine = "forgetcheck.numerics.kl_quantities:forward_kl_replay_gradient_direct"
    latex_name = r"\partial_\alpha \mathrm{KL}_\lambda"
    arg_names = ("alpha", "lam", "delta")
    derivative_of = ("ReplayObjective", 0, 1)


class ReplayCurvature(KLQuantity):
    """∂²_α KL(p_λ||q_α) = ∫ p_λ (φ_o − φ_n)²/q_α² (F3)."""
    engine = "forgetcheck.numerics.kl_quantities:forward_kl_replay_curvature"
    arb_engine = "forgetcheck.numerics.forward_kl_fast:replay_curvature_enclosure"
    latex_name = r"\partial^2_\alpha \mathrm{KL}_\lambda"
    arg_names = ("alpha", "lam", "delta")
    derivative_of = ("ReplayObjective", 0, 2)


class MixtureChiSquare(KLQuantity):
    """G(a) = ∫(φ_o − φ_n)²/q_a: forward-KL gradient factor (F3), reverse-KL weight curvature (R1),
    Fisher entry I_αα at a = α* (R4), weight-score second moment (P3)."""
    engine = "forgetcheck.numerics.kl_quantities:replay_curvature"
    arb_engine = "forgetcheck.numerics.forward_kl_fast:mixture_chi_square_enclosure"
    latex_name = r"G"
    arg_names = ("alpha", "delta")

    @classmethod
    def density(cls, X, Y, alpha, delta):
        return (X - Y) ** 2 / _mixture(alpha, X, Y)


class KappaReplay(KLQuantity):
    """κ_λ = E_{p_λ}[(φ_o − φ_n)²/max(φ_o, φ_n)²] (F3)."""
    engine = "forgetcheck.numerics.forward_kl:kappa_replay"
    arb_engine = "forgetcheck.numerics.forward_kl_fast:kappa_replay_ball"
    latex_name = r"\kappa_\lambda"
    arg_names = ("lam", "delta")


class OldTaskExcessLoss(KLQuantity):
    """KL(φ_o || q_λ), the old task's loss at the replay optimum (F3)."""
    engine = "forgetcheck.numerics.forward_kl:old_task_excess_loss"
    arb_engine = "forgetcheck.numerics.forward_kl_fast:old_task_excess_loss_enclosure"
    latex_name = r"\mathrm{KL}(\varphi_o\|q_\lambda)"
    arg_names = ("lam", "delta")

    def _latex(self, printer, exp=None):  # the argument λ is part of the name
        base = r"\mathrm{KL}\left(\varphi_o \middle\| q_{" + printer._print(self.args[0]) + r"}\right)"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def density(cls, X, Y, lam, delta):
        return X * sympy.log(X / _mixture(lam, X, Y))


class OldTaskLoss(KLQuantity):
    """KL(φ_o || q_θ) with all parameters free (F2)."""
    engine = "forgetcheck.numerics.kl_quantities:old_task_loss"
    latex_name = r"\mathrm{KL}_o"
    arg_names = ("alpha", "mean_old", "mean_new", "delta")


# --- §3 reverse KL -----------------------------------------------------------------------------------

class ReverseKLObjective(KLQuantity):
    """L_R(θ) = KL(q_θ || p*) (engine: L_sep plus the overlap corrections, reverse_kl.py)."""
    engine = "forgetcheck.numerics.reverse_kl:reverse_kl_objective"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:reverse_kl_objective_enclosure"
    latex_name = r"L_R"
    arg_names = ("alpha", "mean_old", "mean_new", "alpha_target", "delta")


class ReverseKLObjectiveDirect(KLQuantity):
    """KL(q_θ || p*) by quadrature of its definition (independent of the engine's decomposition)."""
    engine = "forgetcheck.numerics.kl_quantities:reverse_kl_objective_direct"
    latex_name = r"\mathrm{KL}(q_\theta\|p^*)"
    arg_names = ("alpha", "mean_old", "mean_new", "alpha_target", "delta")

    def _latex(self, printer, exp=None):
        a, mo, mn, at, d = (printer._print(x) for x in self.args)
        base = rf"\mathrm{{KL}}\left(q_{{({a}, {mo}, {mn})}} \middle\| p^*_{{{at}, {d}}}\right)"
        return rf"{base}^{{{exp}}}" if exp else base


class OverlapCorrection(KLQuantity):
    """L_R(θ) − L_sep(θ) = α E_{ψ_o}[A_o] + (1−α) E_{ψ_n}[A_n] (R4), digits relative to itself."""
    engine = "forgetcheck.numerics.kl_quantities:reverse_kl_overlap_part"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:overlap_part_enclosure"
    latex_name = r"(L_R - L_{\mathrm{sep}})"
    arg_names = ("alpha", "mean_old", "mean_new", "alpha_target", "delta")


class ReverseKLWeightObjective(KLQuantity):
    """L_R(α) with both means at the truth (R1(ii))."""
    engine = "forgetcheck.numerics.kl_quantities:reverse_kl_weight_objective"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:weight_objective_enclosure"
    latex_name = r"L_R"
    arg_names = ("alpha", "alpha_target", "delta")

    @classmethod
    def density(cls, X, Y, alpha, alpha_target, delta):
        q = _mixture(alpha, X, Y)
        return q * sympy.log(q / _mixture(alpha_target, X, Y))


class ReverseKLWeightGradient(KLQuantity):
    """L_R'(α), means at the truth (engine: logit α − logit α* + overlap terms, reverse_kl.py)."""
    engine = "forgetcheck.numerics.reverse_kl:reverse_kl_weight_gradient"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:weight_gradient_enclosure"
    latex_name = r"L_R'"
    arg_names = ("alpha", "alpha_target", "delta")
    derivative_of = ("ReverseKLWeightObjective", 0, 1)


class ReverseKLWeightGradientIntegral(KLQuantity):
    """∫(φ_o − φ_n) log(q_α/p*), by quadrature as it stands (R1(ii))."""
    engine = "forgetcheck.numerics.kl_quantities:reverse_kl_weight_gradient_direct"
    latex_name = r"\textstyle\int(\varphi_o-\varphi_n)\log\frac{q_\alpha}{p^*}"
    arg_names = ("alpha", "alpha_target", "delta")

    def _latex(self, printer, exp=None):
        a, at, d = (printer._print(x) for x in self.args)
        base = (rf"\int_{{\mathbb{{R}}}} (\varphi_o - \varphi_n) \log\frac{{q_{{{a}}}}}{{p^*_{{{at}}}}}\,dx")
        return rf"\left({base}\right)^{{{exp}}}" if exp else base

    @classmethod
    def density(cls, X, Y, alpha, alpha_target, delta):
        return (X - Y) * sympy.log(_mixture(alpha, X, Y) / _mixture(alpha_target, X, Y))


class KappaReverse(KLQuantity):
    """κ_R = ∫(φ_o − φ_n)²/max(φ_o, φ_n) (R1(ii)-(iii)), from its closed form in ball arithmetic."""
    engine = "forgetcheck.numerics.reverse_kl:kappa_reverse"
    arb_engine = "forgetcheck.numerics.enclosures:kappa_reverse_ball"   # the closed form of R1.kappa_closed_form
    latex_name = r"\kappa_R"
    arg_names = ("delta",)


class KappaReverseQuadrature(KLQuantity):
    """κ_R by quadrature of its definition: the path R1.kappa_closed_form compares with the closed form
    (KappaReverse's engine evaluates that closed form)."""
    engine = "forgetcheck.numerics.reverse_kl:kappa_reverse_by_quadrature"
    latex_name = r"\kappa_R"
    arg_names = ("delta",)


class OldMeanGradient(KLQuantity):
    """∂_{m_o} L_R at m_o = μ_o, from the densities (R2; kl_quantities.old_mean_gradient_direct)."""
    engine = "forgetcheck.numerics.kl_quantities:old_mean_gradient_direct"
    latex_name = r"\partial_{m_o} L_R"
    arg_names = ("alpha", "mean_new", "alpha_target", "delta")


class OldMeanOverlapExpectation(KLQuantity):
    """E_{φ_o}[(x − μ_o)(log(1 − γ*_n) − log(1 − γ^θ_n))] at m_o = μ_o (R2)."""
    engine = "forgetcheck.numerics.kl_quantities:old_mean_overlap_expectation"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:old_mean_overlap_expectation_enclosure"
    latex_name = r"\mathbb{E}_{\varphi_o}\!\left[x\log\frac{1-\gamma^*_n}{1-\gamma^\theta_n}\right]"
    arg_names = ("alpha", "mean_new", "alpha_target", "delta")

    def _latex(self, printer, exp=None):
        base = self.latex_name + r"_{\left(" + ", ".join(printer._print(x) for x in self.args) + r"\right)}"
        return rf"\left({base}\right)^{{{exp}}}" if exp else base


class OldMeanCurvature(KLQuantity):
    """∂²_{m_o} L_R at θ = (α, μ_o, μ_n) (R3)."""
    engine = "forgetcheck.numerics.kl_quantities:old_mean_curvature"
    arb_engine = "forgetcheck.numerics.reverse_kl_fast:old_mean_curvature_enclosure"
    latex_name = r"\partial^2_{m_o} L_R"
    arg_names = ("alpha", "alpha_target", "delta")


class PartialDrift(KLQuantity):
    """D(Δ) = ||m_o^† − μ_o||_{Σ^{-1}} (R3)."""
    engine = "forgetcheck.numerics.drift:partial_drift"
    arb_engine = "forgetcheck.numerics.drift:partial_drift_enclosure"
    latex_name = r"D"
    arg_names = ("alpha", "alpha_target", "delta")


class FisherDeviation(KLQuantity):
    """η = ||D_sep^{-1/2}(I(θ*) − D_sep)D_sep^{-1/2}||_F (R4)."""
    engine = "forgetcheck.numerics.fisher:fisher_deviation"
    arb_engine = "forgetcheck.numerics.fisher:fisher_deviation_enclosure"
    latex_name = r"\eta"
    arg_names = ("alpha_target", "delta")


# --- §4 replay ---------------------------------------------------------------------------------------

class ImportanceWeightedMGF(KLQuantity):
    """E_s[w e^{s x}], s = (1 − ρ) q_θ + ρ φ_o, w = q_θ/s (P2), by quadrature with w formed as written."""
    engine = "forgetcheck.numerics.kl_quantities:importance_weighted_mgf"
    latex_name = r"\mathbb{E}_{s_\rho}\!\left[w\,e^{s x}\right]"
    arg_names = ("alpha", "mean_old", "mean_new", "rho", "s")


class ImportanceWeightedSecondMoment(KLQuantity):
    """E_s[(w e^{s x})²] (P2)."""
    engine = "forgetcheck.numerics.kl_quantities:importance_weighted_second_moment"
    latex_name = r"\mathbb{E}_{s_\rho}\!\left[(w\,e^{s x})^2\right]"
    arg_names = ("alpha", "mean_old", "mean_new", "rho", "s")


class NoOldSampleProbability(KLQuantity):
    """P(no old-component sample in a batch of B) under mixture replay, exact (P3)."""
    engine = "forgetcheck.numerics.replay_sampling:no_old_sample_value"
    latex_name = r"\Pr\nolimits_{\mathrm{mix}}[N_o = 0]"
    arg_names = ("alpha", "rho", "batch")


class StratifiedOldSampleProbability(KLQuantity):
    """P(at least one old-component sample) under stratified replay, exact (P3)."""
    engine = "forgetcheck.numerics.replay_sampling:stratified_old_sample_value"
    latex_name = r"\Pr\nolimits_{\mathrm{strat}}[N_o \geq 1]"
    arg_names = ("alpha", "rho", "batch")
