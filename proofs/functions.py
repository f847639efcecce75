"""Engine quantities as sympy functions, so that a claim is one sympy object that is printed,
hashed, and evaluated numerically without a second, hand-written copy that could drift from it.

Each class names the numerics function that evaluates it ("module:function"), its LaTeX notation
(THEORY §0) and, where it has one, the integral that defines it (for symbolic strategies).
proofs.evaluate calls the engine at the digits it needs.
"""
from __future__ import annotations

import importlib

import mpmath
import sympy

_REGISTRY: dict[str, type] = {}


class EngineFunction(sympy.Function):
    """A quantity computed by the numerics engine. Subclasses set `engine` ("module:function"),
    `latex_name` and `arg_names` (the engine's keyword names, in order)."""
    engine: str = ""
    latex_name: str = ""
    arg_names: tuple = ()
    takes_dps: bool = True
    #: Optional ball-arithmetic implementations ("module:function"), taking and returning flint
    #: arb balls: the enclosure of the quantity over the argument balls, and the tuple of its
    #: partial derivatives over them (for box proofs, proofs.ball_evaluate). Without `arb_engine`
    #: a claim using the quantity is "not certifiable".
    arb_engine: str = ""
    arb_gradient: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        base = rf"{self.latex_name}\left({args}\right)" if args else self.latex_name
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def integrand(cls, x, *args):
        """The integrand (in the whitened coordinate x) whose integral over R defines this
        quantity, for symbolic strategies; None when the quantity has no such definition."""
        return None

    @classmethod
    def engine_function(cls):
        module_name, func_name = cls.engine.split(":")
        return getattr(importlib.import_module(module_name), func_name)

    @classmethod
    def ball_function(cls, kind: str = "arb_engine"):
        """The ball implementation named by `arb_engine` (or `arb_gradient`), or None."""
        target = getattr(cls, kind)
        if not target:
            return None
        module_name, func_name = target.split(":")
        return getattr(importlib.import_module(module_name), func_name)

    @classmethod
    def evaluate_at(cls, args, dps: int):
        """The engine's value at mpf `args`, correct to `dps` digits (or PrecisionNotReached)."""
        kwargs = dict(zip(cls.arg_names, args))
        if cls.takes_dps:
            kwargs["dps"] = max(15, dps)
        return mpmath.mpmathify(cls.engine_function()(**kwargs))


def engine_functions() -> dict:
    """Every engine quantity known to the claims, by class name."""
    return dict(_REGISTRY)


class Misassignment(EngineFunction):
    """ε_o(a, Δ) = E_{φ_o}[γ_n] (THEORY O3)."""
    engine = "numerics.overlap:misassignment"
    latex_name = r"\varepsilon_o"
    arg_names = ("weight_old", "delta")
    arb_engine = "numerics.enclosures:misassignment_ball"
    arb_gradient = "numerics.enclosures:misassignment_gradient_ball"


class MisassignmentNew(EngineFunction):
    """ε_n(a, Δ) = E_{φ_n}[γ_o], by quadrature centred on the new mean (independent path)."""
    engine = "numerics.overlap:misassignment_new_by_quadrature"
    latex_name = r"\varepsilon_n"
    arg_names = ("weight_old", "delta")


class MisassignmentByQuadrature(EngineFunction):
    """ε_o by adaptive quadrature in x: an independent path to the same number."""
    engine = "numerics.overlap:misassignment_by_quadrature"
    latex_name = r"\varepsilon_o^{\mathrm{quad}}"
    arg_names = ("weight_old", "delta")


class NormalCDF(EngineFunction):
    """Φ, the standard normal CDF."""
    engine = "mpmath:ncdf"
    latex_name = r"\Phi"
    arg_names = ("x",)
    takes_dps = False
    arb_engine = "numerics.enclosures:normal_cdf_ball"
    arb_gradient = "numerics.enclosures:normal_cdf_gradient_ball"


def _phi(x, mean=0):
    return sympy.exp(-(x - mean) ** 2 / 2) / sympy.sqrt(2 * sympy.pi)


class Bhattacharyya(EngineFunction):
    """BC(φ_o, φ_n) = ∫ sqrt(φ_o φ_n), by quadrature of the definition."""
    engine = "numerics.divergences:bhattacharyya_by_quadrature"
    latex_name = r"\mathrm{BC}_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return sympy.sqrt(_phi(x) * _phi(x, delta))


class Bhattacharyya2D(EngineFunction):
    """BC computed in R² with a correlated covariance (no reduction to one dimension)."""
    engine = "numerics.reduction:bhattacharyya_in_two_dimensions"
    latex_name = r"\mathrm{BC}_{\mathbb{R}^2}"
    arg_names = ("delta",)


class KLDivergence(EngineFunction):
    """KL(φ_o || φ_n) = ∫ φ_o log(φ_o/φ_n), by quadrature."""
    engine = "numerics.divergences:kl_divergence_by_quadrature"
    latex_name = r"\mathrm{KL}_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return _phi(x) * sympy.expand(sympy.log(_phi(x) / _phi(x, delta)))


class ChiSquared(EngineFunction):
    """χ²(φ_o || φ_n) = ∫ φ_o²/φ_n − 1, by quadrature."""
    engine = "numerics.divergences:chi_squared_by_quadrature"
    latex_name = r"\chi^2_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return _phi(x) ** 2 / _phi(x, delta) - _phi(x)


class TotalVariation(EngineFunction):
    """TV(φ_o, φ_n) = ½ ∫ |φ_o − φ_n|, by quadrature split at the kink."""
    engine = "numerics.divergences:total_variation_by_quadrature"
    latex_name = r"\mathrm{TV}_{\mathrm{quad}}"
    arg_names = ("delta",)


class HellingerSquared(EngineFunction):
    """H² = ½ ∫ (√φ_o − √φ_n)², by quadrature."""
    engine = "numerics.divergences:hellinger_squared_by_quadrature"
    latex_name = r"H^2_{\mathrm{quad}}"
    arg_names = ("delta",)

    @classmethod
    def integrand(cls, x, delta):
        return sympy.expand((_phi(x) + _phi(x, delta)) / 2 - sympy.sqrt(_phi(x) * _phi(x, delta)))


class LLRMomentGenerating(EngineFunction):
    """E_{φ_o}[e^{sℓ}] with ℓ = log(φ_n/φ_o) from the densities, by quadrature."""
    engine = "numerics.llr:llr_mgf_under_old"
    latex_name = r"M_{\ell}"  # the moment generating function of ℓ under φ_o
    arg_names = ("s", "delta")

    @classmethod
    def integrand(cls, x, s, delta):
        return _phi(x) * sympy.exp(s * sympy.expand(sympy.log(_phi(x, delta) / _phi(x))))


def standard_normal_cdf(x):
    """Φ(x) as a sympy expression (erf form), for symbolic work."""
    return (1 + sympy.erf(x / sympy.sqrt(2))) / 2
