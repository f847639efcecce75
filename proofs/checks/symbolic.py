"""Symbolic strategies. Each returns the trace of the rewrite that succeeded or raises NotProved.

Only structural results count: an expression that simplifies to the literal 0, a polynomial
identity verified by expansion. sympy's `None` (from `ask`, `refine`, `is_nonnegative`) and
`.equals()` (random numeric points; None on erf(x)+erfc(x)−1) are never taken as proof (THEORY §7).
"""
from __future__ import annotations

import sympy


class NotProved(Exception):
    """The strategy did not establish the claim (which says nothing about its truth)."""


def _zero(expr, rewrites=("simplify",)) -> str:
    """Try rewrites in order; return the name of the first that yields the literal zero."""
    expr = sympy.sympify(expr)
    attempts = {
        "expand": sympy.expand,
        "simplify": sympy.simplify,
        "together+expand": lambda e: sympy.expand(sympy.together(e)),
        "expand_log(force)": lambda e: sympy.simplify(sympy.expand_log(e, force=True)),
        "powsimp+expand": lambda e: sympy.expand(sympy.powsimp(sympy.powdenest(e, force=True), force=True)),
        "rewrite(exp)": lambda e: sympy.simplify(e.rewrite(sympy.exp)),
    }
    for name in rewrites:
        result = attempts[name](expr)
        if result == 0:  # structural comparison with the literal, not .equals
            return name
    raise NotProved(f"none of {', '.join(rewrites)} reduced the expression to 0")


def identity(lhs, rhs, rewrites=("expand", "simplify", "together+expand", "expand_log(force)",
                                 "powsimp+expand", "rewrite(exp)")) -> tuple:
    """lhs − rhs ≡ 0."""
    how = _zero(sympy.sympify(lhs) - sympy.sympify(rhs), rewrites)
    return (f"{how}(({sympy.sstr(lhs)}) - ({sympy.sstr(rhs)})) -> 0",)


def perfect_square(difference, root) -> tuple:
    """difference ≥ 0 because difference − root² ≡ 0 (root real)."""
    root = sympy.sympify(root)
    if root.is_extended_real is not True:
        raise NotProved(f"cannot show {root} is real under the symbols' assumptions")
    how = _zero(sympy.sympify(difference) - root ** 2, ("expand", "simplify", "powsimp+expand"))
    return (f"{how}(({sympy.sstr(difference)}) - ({sympy.sstr(root)})**2) -> 0",
            f"({sympy.sstr(root)})**2 >= 0 since it is real")


def nonnegative_by_derivative(function, variable, start, derivative_form) -> tuple:
    """f ≥ 0 on [start, ∞) because f(start) = 0 and f' ≡ derivative_form, which is ≥ 0 as a
    product/quotient of squares and positive factors (checked structurally, see `_obviously_nonnegative`)."""
    f = sympy.sympify(function)
    at_start = sympy.simplify(f.subs(variable, start))
    if at_start != 0:
        raise NotProved(f"f({start}) simplifies to {at_start}, not 0")
    trace = [f"f({start}) -> 0"]
    derivative = sympy.diff(f, variable)
    trace.append(identity(derivative, derivative_form)[0].replace("((", "(d/d%s f = (" % variable, 1))
    if not _obviously_nonnegative(sympy.sympify(derivative_form)):
        raise NotProved(f"{derivative_form} is not a product of squares and positive factors")
    trace.append(f"{sympy.sstr(derivative_form)} >= 0 (squares and positive factors)")
    return tuple(trace)


def _obviously_nonnegative(expr) -> bool:
    """A conservative structural test: products/quotients/sums of even powers and factors that
    sympy *decides* are nonnegative from the symbols' assumptions (True, never None)."""
    if expr.is_nonnegative is True:
        return True
    if expr.is_Pow and expr.exp.is_even is True and expr.base.is_extended_real is True:
        return True
    if expr.is_Mul or expr.is_Add:
        return all(_obviously_nonnegative(a) for a in expr.args)
    if expr.is_Pow and expr.exp == -1:
        return _obviously_positive(expr.base)
    return False


def _obviously_positive(expr) -> bool:
    if expr.is_positive is True:
        return True
    if expr.is_Add:
        return all(_obviously_nonnegative(a) for a in expr.args) and any(_obviously_positive(a) for a in expr.args)
    if expr.is_Mul:
        return all(_obviously_positive(a) for a in expr.args)
    return False


def gaussian_integral(integrand, variable) -> sympy.Expr:
    """∫_R exp(quadratic in x) · (polynomial) dx by completing the square, which sympy's raw
    `integrate` gets wrong at special parameter values (nan at m = 0, THEORY §1)."""
    x = variable
    integrand = sympy.powsimp(sympy.expand(sympy.sympify(integrand)), combine="exp")
    terms = sympy.Add.make_args(sympy.expand(integrand))
    total = sympy.Integer(0)
    for term in terms:
        coeff, exponent = _split_exponential(term, x)
        poly = sympy.Poly(sympy.expand(exponent), x)
        if poly.degree() != 2:
            raise NotProved(f"exponent {exponent} is not quadratic in {x}")
        a2, a1, a0 = [poly.coeff_monomial(x ** k) for k in (2, 1, 0)]
        if (-a2).is_positive is not True:
            raise NotProved(f"the quadratic coefficient {a2} is not known to be negative")
        # a2 x² + a1 x + a0 = a2 (x + a1/(2a2))² + a0 − a1²/(4 a2)
        shift = a1 / (2 * a2)
        y = sympy.Dummy("y", real=True)
        gauss = sympy.integrate(sympy.expand(coeff.subs(x, y - shift)) * sympy.exp(a2 * y ** 2), (y, -sympy.oo, sympy.oo))
        total += sympy.simplify(gauss * sympy.exp(a0 - a1 ** 2 / (4 * a2)))
    return sympy.simplify(total)


def _split_exponential(term, x):
    """term = coeff(x) · exp(exponent(x)), coeff polynomial in x."""
    coeff, exponent = sympy.Integer(1), sympy.Integer(0)
    for factor in sympy.Mul.make_args(term):
        if isinstance(factor, sympy.exp):
            exponent += factor.args[0]
        elif factor.is_Pow and isinstance(factor.base, sympy.exp):
            exponent += factor.base.args[0] * factor.exp
        else:
            coeff *= factor
    if not coeff.is_polynomial(x):
        raise NotProved(f"{coeff} is not a polynomial in {x}")
    return coeff, exponent


def by_definition(claim) -> tuple:
    """Identity claims whose lhs is built from engine quantities with integral definitions:
    substitute each definition, integrate by completing the square, and compare with the rhs."""
    from forgetcheck.quantities.engine_function import EngineFunction
    x = sympy.Symbol("x", real=True)
    lhs, trace = claim.lhs, []
    for f in sorted(lhs.atoms(EngineFunction), key=str):
        integrand = type(f).integrand(x, *f.args)
        if integrand is None:
            raise NotProved(f"{type(f).__name__} has no integral definition")
        value = gaussian_integral(integrand, x)
        trace.append(f"{f} = ∫ {sympy.sstr(integrand)} dx = {sympy.sstr(value)} (completing the square)")
        lhs = lhs.subs(f, value)
    return (*trace, *identity(lhs, claim.rhs))


# --- identities between integrals of functions of the two densities ---------------------------------

def _as_one_integrand(expr, X, Y, trace, densities=None):
    """expr = Σ c_k F_k + c_0, with each F_k an engine quantity defined by ∫ f_k(X, Y) dx (X, Y the
    two normalized densities) and coefficients free of x, as one pointwise integrand
    Σ c_k f_k + c_0 Y (a constant c is c ∫ φ_n). Raises NotProved for any other shape."""
    from forgetcheck.quantities.engine_function import EngineFunction
    pointwise = sympy.Integer(0)
    for term in sympy.Add.make_args(sympy.expand(expr)):
        found = sorted(term.atoms(EngineFunction), key=sympy.default_sort_key)
        if not found:
            pointwise += term * Y
            continue
        if len(found) != 1:
            raise NotProved(f"the term {term} is not linear in one integral")
        f = found[0]
        coefficient, rest = term.as_independent(f, as_Add=False)
        if rest != f:
            raise NotProved(f"the term {term} is not a constant multiple of {f}")
        density = (densities or {}).get(type(f)) or getattr(type(f), "density", None)
        integrand = density(X, Y, *f.args) if density is not None else None
        if integrand is None:
            raise NotProved(f"{type(f).__name__} has no pointwise definition in terms of the densities")
        note = type(f).derivative_note() if hasattr(type(f), "derivative_note") else ""
        if note and note not in trace:
            trace.append(note)
        pointwise += coefficient * integrand
    return pointwise


def pointwise_integrands(claim, densities=None) -> tuple:
    """Identity claims between integrals over the line of functions of X = φ_o(x), Y = φ_n(x):
    write lhs − rhs as one integral ∫ r(X, Y) dx and show that r ≡ a X + b Y with a + b ≡ 0, whose
    integral vanishes because ∫ φ_o = ∫ φ_n = 1 (r ≡ 0 is the case a = b = 0). `densities` maps
    engine classes without a `density` of their own to one: (X, Y, *args) -> integrand."""
    X, Y = sympy.symbols("X Y", positive=True)
    trace = []
    r = (_as_one_integrand(claim.lhs, X, Y, trace, densities)
         - _as_one_integrand(claim.rhs, X, Y, trace, densities))
    trace.append(f"lhs - rhs = ∫ r dx with r = {sympy.sstr(r)} (X = φ_o(x), Y = φ_n(x))")
    for rewrite in ("together+expand", "simplify", "expand_log(force)"):
        reduced = {"together+expand": lambda e: sympy.expand(sympy.together(e)),
                   "simplify": sympy.simplify,
                   "expand_log(force)": lambda e: sympy.simplify(sympy.expand_log(e, force=True))}[rewrite](r)
        a, b = sympy.diff(reduced, X), sympy.diff(reduced, Y)
        if a.has(X, Y) or b.has(X, Y):
            continue
        if sympy.expand(reduced - a * X - b * Y) != 0:
            continue
        if sympy.simplify(a + b) != 0:
            raise NotProved(f"r = {sympy.sstr(a)} X + {sympy.sstr(b)} Y integrates to {sympy.sstr(a + b)}, not 0")
        trace.append(f"{rewrite}(r) = ({sympy.sstr(a)}) X + ({sympy.sstr(b)}) Y, coefficients summing to 0; "
                     "∫ φ_o = ∫ φ_n = 1, so ∫ r = 0")
        return tuple(trace)
    raise NotProved(f"r = {sympy.sstr(r)} did not reduce to a X + b Y")


def definite_gaussian_integrals(pieces, variable) -> sympy.Expr:
    """Σ ∫_{lower}^{upper} g(x) dx for pieces (g, lower, upper), each g a sum of exp(quadratic in x)
    times constants, by sympy's integrate (error functions), rewritten in erf."""
    total = sympy.Integer(0)
    for integrand, lower, upper in pieces:
        total += sympy.integrate(sympy.expand(integrand), (variable, lower, upper))
    return sympy.expand(total.rewrite(sympy.erf))
