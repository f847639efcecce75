"""Claims: what a statement asserts, as sympy objects.

Kinds (DESIGN: identity, inequality, limit/asymptotic, rate, dynamics):
- identity    lhs = rhs on the domain
- inequality  lhs ≤ rhs on the domain (use `Claim.inequality(a, b)` for a ≤ b)
- limit       lhs → rhs as `variable` → `point` (with an optional rate exponent: |lhs/rhs − 1| = O(variable^-rate))
- rate        the slope of `lhs` against `variable` tends to `rhs` (a fitted slope)
- dynamics    a trajectory property; lhs/rhs are the quantities compared along the trajectory,
              evaluated by a dynamics check
Floats are rejected: a sympy Float freezes a constant at 53 bits (THEORY §7); write Rational(1, 8).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy
from forgetcheck.numerics.errors import InputError


class ClaimKind(str, Enum):
    IDENTITY = "identity"
    INEQUALITY = "inequality"
    LIMIT = "limit"
    RATE = "rate"
    DYNAMICS = "dynamics"


def reject_floats(where: str, *exprs) -> None:
    for expr in exprs:
        if expr is None:
            continue
        floats = sorted({str(f) for f in sympy.sympify(expr).atoms(sympy.Float)})
        if floats:
            raise InputError(
                f"{where}: sympy Float(s) {', '.join(floats)} in {expr}; a Float freezes the constant "
                "at 53 bits. Write it exactly, e.g. sympy.Rational(1, 8) or sympy.Rational('0.75')")


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    lhs: sympy.Expr
    rhs: sympy.Expr
    variable: sympy.Symbol | None = None
    point: sympy.Expr | None = None
    rate: sympy.Expr | None = None
    strict: bool = False
    abscissa: sympy.Expr | None = None   # for slope claims: the slope is d lhs / d abscissa

    def __post_init__(self):
        object.__setattr__(self, "lhs", sympy.sympify(self.lhs))
        object.__setattr__(self, "rhs", sympy.sympify(self.rhs))
        reject_floats("claim", self.lhs, self.rhs, self.point, self.rate, self.abscissa)
        if self.kind in (ClaimKind.LIMIT, ClaimKind.RATE) and self.variable is None:
            raise InputError(f"a {self.kind.value} claim needs the variable that tends to its point")

    # constructors that read like the mathematics
    @classmethod
    def identity(cls, lhs, rhs):
        return cls(ClaimKind.IDENTITY, lhs, rhs)

    @classmethod
    def inequality(cls, lhs, rhs, *, strict=False):
        """lhs ≤ rhs (lhs < rhs if strict)."""
        return cls(ClaimKind.INEQUALITY, lhs, rhs, strict=strict)

    @classmethod
    def limit(cls, lhs, rhs, variable, point=sympy.oo, *, rate=None):
        return cls(ClaimKind.LIMIT, lhs, rhs, variable=variable, point=sympy.sympify(point),
                   rate=None if rate is None else sympy.sympify(rate))

    @classmethod
    def slope(cls, lhs, rhs, variable, point=sympy.oo, *, against=None):
        """The slope of lhs against `against` (default: the variable) tends to rhs as the variable
        tends to `point`, e.g. the slope of log D against Δ² tends to −1/8."""
        return cls(ClaimKind.RATE, lhs, rhs, variable=variable, point=sympy.sympify(point),
                   abscissa=sympy.sympify(against if against is not None else variable))

    @classmethod
    def dynamics(cls, lhs, rhs, variable):
        """lhs ≤ rhs along a trajectory, `variable` is time."""
        return cls(ClaimKind.DYNAMICS, lhs, rhs, variable=variable)

    def replace(self, **changes) -> "Claim":
        fields = dict(kind=self.kind, lhs=self.lhs, rhs=self.rhs, variable=self.variable,
                      point=self.point, rate=self.rate, strict=self.strict, abscissa=self.abscissa)
        fields.update(changes)
        return Claim(**fields)

    def as_relational(self):
        """A sympy object for printing: Eq / Le / Lt, or the limit statement."""
        if self.kind is ClaimKind.IDENTITY:
            return sympy.Eq(self.lhs, self.rhs, evaluate=False)
        if self.kind in (ClaimKind.INEQUALITY, ClaimKind.DYNAMICS):
            return (sympy.Lt if self.strict else sympy.Le)(self.lhs, self.rhs, evaluate=False)
        if self.kind is ClaimKind.LIMIT:
            return sympy.Eq(sympy.Limit(self.lhs, self.variable, self.point), self.rhs, evaluate=False)
        # slope against the abscissa, by the chain rule: (d lhs/dv) / (d abscissa/dv)
        slope = sympy.Mul(sympy.Derivative(self.lhs, self.variable),
                          sympy.Pow(sympy.Derivative(self.abscissa, self.variable), -1, evaluate=False),
                          evaluate=False)
        return sympy.Eq(sympy.Limit(slope, self.variable, self.point), self.rhs, evaluate=False)

    def __repr__(self) -> str:
        return f"<Claim {self.kind.value}: {sympy.sstr(self.as_relational())}>"

    def _repr_latex_(self) -> str:
        """Notebook display: the claim in the project's notation."""
        from forgetcheck.printing.latex import latex
        return rf"$\displaystyle {latex(self)}$"

    def free_symbols(self) -> set:
        return (self.lhs.free_symbols | self.rhs.free_symbols) - ({self.variable} if self.variable else set())

    def srepr(self) -> str:
        return "|".join([self.kind.value, sympy.srepr(self.lhs), sympy.srepr(self.rhs),
                         sympy.srepr(self.variable), sympy.srepr(self.point), sympy.srepr(self.rate),
                         str(self.strict), sympy.srepr(self.abscissa)])
