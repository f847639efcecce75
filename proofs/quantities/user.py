"""Named quantities defined by an integral, declared in a few lines of one's own module:

    import forgetcheck as fc
    from sympy import Integral, exp, oo, pi, sqrt

    x = sympy.Symbol("x", real=True)
    s1, s2, Delta = fc.symbols("sigma1 sigma2 Delta")     # or fc.declare(...) one's own
    BC = fc.quantity("BC", sqrt(normal(x, 0, s1) * normal(x, Delta, s2)), x, (s1, s2, Delta),
                     latex=r"\\mathrm{BC}", meaning="Bhattacharyya coefficient of two normals")
    claim = fc.Claim.inequality(BC(s1, s2, Delta), 1)

The result is a sympy function class (an EngineFunction, so every layer knows it): printed by its
LaTeX name, listed in the appendix's notation table with its defining integral, evaluated by
validated quadrature (forgetcheck.quantities.integrals) at the digits a check asks for, visible to
`forgetcheck eval NAME`, and usable by symbolic strategies through `integrand()` (over the whole
line) and `definition()` (the Integral itself). The class records the module that declared it, so
the verification cache hashes that module's source (an edit re-checks its statements).
"""
from __future__ import annotations

import inspect

import sympy

from forgetcheck.quantities.engine_function import EngineFunction, engine_functions


class IntegralQuantity(EngineFunction):
    """Base of the quantities made by `quantity()`: evaluated from their defining integral."""
    #: set per quantity by `quantity()`
    variable: sympy.Symbol = None
    parameters: tuple = ()
    body: sympy.Expr = None
    lower: sympy.Expr = -sympy.oo
    upper: sympy.Expr = sympy.oo
    meaning: str = ""
    declared_in: str = ""

    @classmethod
    def definition(cls, *args) -> sympy.Integral:
        """The defining Integral, at the parameter symbols or at `args`."""
        integral = sympy.Integral(cls.body, (cls.variable, cls.lower, cls.upper))
        if args:
            integral = integral.xreplace(dict(zip(cls.parameters, args)))
        return integral

    @classmethod
    def integrand(cls, x, *args):
        """The integrand at x (over the whole line only: that is what the strategies integrate)."""
        if cls.lower != -sympy.oo or cls.upper != sympy.oo:
            return None
        return cls.body.xreplace({cls.variable: x, **dict(zip(cls.parameters, args))})

    def _eval_rewrite_as_Integral(self, *args, **kwargs):
        return type(self).definition(*args)

    def doit(self, **hints):
        """The defining integral at this quantity's arguments (sympy's doit on it integrates)."""
        return type(self).definition(*self.args)

    @classmethod
    def engine_function(cls):
        """A function of the parameters by keyword (and dps), as an engine function is called."""
        def value(dps: int = 30, **kwargs):
            from forgetcheck.quantities.evaluate import to_mpf
            missing = [n for n in cls.arg_names if n not in kwargs]
            if missing:
                raise ValueError(f"{cls.__name__} needs {', '.join(f'{m}=...' for m in missing)}")
            import mpmath
            with mpmath.workdps(dps + 10):
                return cls.evaluate_at([to_mpf(kwargs[n]) for n in cls.arg_names], dps)
        value.__name__ = cls.__name__
        return value

    @classmethod
    def evaluate_at(cls, args, dps: int):
        from forgetcheck.quantities.integrals import evaluate_integral
        values = {str(p): a for p, a in zip(cls.parameters, args)}
        return evaluate_integral(cls.definition(), values, dps).value

    @classmethod
    def notation_latex(cls, printer) -> str:
        from forgetcheck.printing.text import inline_latex
        equation = sympy.Eq(cls(*cls.parameters), cls.definition(), evaluate=False)
        meaning = inline_latex(cls.meaning) + ", " if cls.meaning else ""
        return rf"{meaning}defined as ${printer._print(equation)}$ (validated quadrature)."


def quantity(name: str, integrand, variable, parameters, *, latex: str, meaning: str = "",
             lower=-sympy.oo, upper=sympy.oo):
    """A sympy function `name`(*parameters) defined as ∫_lower^upper integrand d(variable).

    `variable` is a sympy Symbol (declare it real); `parameters` the symbols the integrand depends
    on, in argument order; `latex` its notation. Limits may be ±oo or expressions in the parameters.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"quantity: name must be a Python identifier such as 'BC', got {name!r}")
    if not isinstance(variable, sympy.Symbol):
        raise ValueError(f"quantity {name}: variable must be a sympy Symbol, got {variable!r}")
    parameters = tuple(parameters)
    if not all(isinstance(p, sympy.Symbol) for p in parameters):
        raise ValueError(f"quantity {name}: parameters must be sympy Symbols, got {parameters!r}")
    if variable in parameters:
        raise ValueError(f"quantity {name}: the integration variable {variable} is also a parameter")
    body, lower, upper = (sympy.sympify(e) for e in (integrand, lower, upper))
    stray = (body.free_symbols | lower.free_symbols | upper.free_symbols) - set(parameters) - {variable}
    if stray:
        raise ValueError(f"quantity {name}: the integrand or limits use {sorted(map(str, stray))}, which are "
                         f"not among its parameters {[str(p) for p in parameters]}")
    from forgetcheck.statements.claims import reject_floats
    from forgetcheck.quantities.integrals import audit
    reject_floats(f"quantity {name}", body, lower, upper)
    audit(sympy.Integral(body, (variable, lower, upper)))  # refuses what cannot be evaluated
    known = engine_functions().get(name)
    if known is not None and not issubclass(known, IntegralQuantity):
        raise ValueError(f"quantity {name}: the name is taken by the engine quantity {known.__module__}.{name}")
    caller = inspect.stack()[1].frame.f_globals.get("__name__", "")
    cls = type(name, (IntegralQuantity,), {
        "__module__": caller or __name__,
        "__doc__": f"{meaning or name}: ∫ {sympy.sstr(body)} d{variable} over [{lower}, {upper}].",
        "latex_name": latex, "arg_names": tuple(str(p) for p in parameters), "variable": variable,
        "parameters": parameters, "body": body, "lower": lower, "upper": upper, "meaning": meaning,
        "declared_in": caller, "engine": f"{caller}:{name}" if caller else name,
        "nargs": len(parameters),
    })
    return cls
