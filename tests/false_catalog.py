"""A statement that is false only in a narrow window, registered through FORGETCHECK_EXTRA_CATALOG
by the CLI tests: verification must find the window and report the statement refuted."""
import sympy

from forgetcheck.checks import kinds as checks
from forgetcheck.statements import claims
from forgetcheck.statements import domain
from forgetcheck.statements import theorem
from forgetcheck.statements.notation import symbol

u = symbol("u")

# 0 ≤ (u − 7)² − 1/10000 fails only for |u − 7| < 1/100: 0.2% of the domain [0, 10], which random
# examples rarely hit; the worst-case search must find it.
NARROW_DIP = theorem.Theorem(
    id="TEST.narrow", title="A parabola that dips below zero near u = 7", section="test", source="tests",
    claim=claims.Claim.inequality(0, (u - 7) ** 2 - sympy.Rational(1, 10000)),
    parameters=(domain.Parameter(u, 0, 10),),
    checks=(checks.Sampled(),),
    mutants=(theorem.Mutant("shifted", claims.Claim.inequality(1, (u - 7) ** 2), "false near u = 7"),),
)

THEOREMS = [NARROW_DIP]
