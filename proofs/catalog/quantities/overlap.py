"""Engine quantities of THEORY §0-§1 (misassignment, divergences, the normal CDF, the LLR's moment
generating function) as sympy functions."""
from __future__ import annotations

import sympy

from forgetcheck.quantities.engine_function import EngineFunction


class Misassignment(EngineFunction):
    """ε_o(a, Δ) = E_{φ_o}[γ_n] (THEORY O3)."""
    engine = "forgetcheck.numerics.overlap:misassignment"
    latex_name = r"\varepsilon_o"
    arg_names = ("weight_old", "delta")
    arb_engine = "forgetcheck.numerics.enclosures:misassignment_ball"
    arb_gradient = "forgetcheck.numerics.enclosures:misassignment_gradient_ball"


class MisassignmentNew(EngineFunction):
    """ε_n(a, Δ) = E_{φ_n}[γ_o], by quadrature centred on the new mean (independent path)."""
    engine = "forgetcheck.numerics.overlap:misassignment_new_by_quadrature"
    latex_name = r"\varepsilon_n"
    arg_names = ("weight_old", "delta")


class MisassignmentByQuadrature(EngineFunction):
    """ε_o by adaptive quadrature in x: an independent path to the same number."""
    engine = "forgetcheck.numerics.overlap:misassignment_by_quadrature"
    latex_name = r"\varepsilon_o^{\mathrm{quad}}"
    arg_names = ("weight_old", "delta")


class NormalCDF(EngineFunction):
    """Φ, the standard normal CDF."""
    engine = "mpmath:ncdf"
    latex_name = r"\Phi"
    arg_names = ("x",)
    takes_dps = False
    arb_engine = "forgetcheck.numerics.enclosures:normal_cdf_ball"
    arb_gradient = "forgetcheck.numerics.enclosures:normal_cdf_gradient_ball"


def _phi(x, mean=0):
    return sympy.exp(-(x - mean) ** 2 / 2) / sympy.sqrt(2 * sympy.pi)


class Bhattacharyya(EngineFunction):
    """BC(φ_o, φ_n) = ∫ sqrt(φ_o φ_n), by quadrature of the definition."""
    engine = "forgetcheck.numerics.divergences:bhattacharyya_by_quadrature"
    latex_name = r"\mathrm{BC}_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return sympy.sqrt(_phi(x) * _phi(x, delta))


class Bhattacharyya2D(EngineFunction):
    """BC computed in R² with a correlated covariance (no reduction to one dimension)."""
    engine = "forgetcheck.numerics.reduction:bhattacharyya_in_two_dimensions"
    latex_name = r"\mathrm{BC}_{\mathbb{R}^2}"
    arg_names = ("delta",)


class KLDivergence(EngineFunction):
    """KL(φ_o || φ_n) = ∫ φ_o log(φ_o/φ_n), by quadrature."""
    engine = "forgetcheck.numerics.divergences:kl_divergence_by_quadrature"
    latex_name = r"\mathrm{KL}_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return _phi(x) * sympy.expand(sympy.log(_phi(x) / _phi(x, delta)))


class ChiSquared(EngineFunction):
    """χ²(φ_o || φ_n) = ∫ φ_o²/φ_n − 1, by quadrature."""
    engine = "forgetcheck.numerics.divergences:chi_squared_by_quadrature"
    latex_name = r"\chi^2_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return _phi(x) ** 2 / _phi(x, delta) - _phi(x)


class TotalVariation(EngineFunction):
    """TV(φ_o, φ_n) = ½ ∫ |φ_o − φ_n|, by quadrature split at the kink."""
    engine = "forgetcheck.numerics.divergences:total_variation_by_quadrature"
    latex_name = r"\mathrm{TV}_{\mathrm{quad}}"
    arg_names = ("delta",)


class HellingerSquared(EngineFunction):
    """H² = ½ ∫ (√φ_o − √φ_n)², by quadrature."""
    engine = "forgetcheck.numerics.divergences:hellinger_squared_by_quadrature"
    latex_name = r"H^2_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return sympy.expand((_phi(x) + _phi(x, delta)) / 2 - sympy.sqrt(_phi(x) * _phi(x, delta)))


class LLRMomentGenerating(EngineFunction):
    """E_{φ_o}[e^{sℓ}] with ℓ = log(φ_n/φ_o) from the densities, by quadrature."""
    engine = "forgetcheck.numerics.llr:llr_mgf_under_old"
    latex_name = r"M_{\ell}"  # the moment generating function of ℓ under φ_o
    arg_names = ("s", "delta")

    @classmethod
    def integrand(cls, x, s, delta):
        return _phi(x) * sympy.exp(s * sympy.expand(sympy.log(_phi(x, delta) / _phi(x))))


def standard_normal_cdf(x):
    """Φ(x) as a sympy expression (erf form), for symbolic work."""
    return (1 + sympy.erf(x / sympy.sqrt(2))) / 2
