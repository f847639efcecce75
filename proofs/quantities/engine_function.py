"""Engine quantities as sympy functions, so that a claim is one sympy object that is printed,
hashed, and evaluated numerically without a second, hand-written copy that could drift from it.

Each class names the numerics function that evaluates it ("module:function"), its LaTeX notation
(THEORY §0) and, where it has one, the integral that defines it (for symbolic strategies).
forgetcheck.quantities.evaluate calls the engine at the digits it needs.
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
    #: partial derivatives over them (for box proofs, forgetcheck.quantities.ball_evaluate). Without `arb_engine`
    #: a claim using the quantity is "not certifiable".
    arb_engine: str = ""
    arb_gradient: str = ""
    #: Whether evaluate_at remembers its values in the process (statements that evaluate the same
    #: quantity over the same domain then run in one worker: Check.shared_work).
    values_cached: bool = False

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
    def notation_latex(cls, printer) -> str:
        """Its entry in the appendix's notation table (after its symbol): what it is, how computed."""
        from forgetcheck.printing.latex import code
        from forgetcheck.printing.text import inline_latex
        doc = (cls.__doc__ or "").strip().split("\n")[0]
        return inline_latex(doc) + rf" Computed by {code(cls.engine)}."

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
