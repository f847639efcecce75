"""Three cheap statements in a dependency chain (base <- middle <- top), for the cache and the
distributed tests. Workers of a process pool or a dask cluster rebuild them by importing this
module (tests/ is on sys.path, see conftest.py), through `registry`."""
import sympy
from sympy import exp, log

from forgetcheck.checks.kinds import Sampled
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.registry import Registry
from forgetcheck.statements.theorem import Mutant, Theorem
from forgetcheck.statements.notation import symbol

u = symbol("u")
DOMAIN = (Parameter(u, 0, 5, emphasis=(0, 1)),)

BASE = Theorem(
    id="CHEAP.base", title="1 + u <= e^u", section="test", source="tests",
    claim=Claim.inequality(1 + u, exp(u)), parameters=DOMAIN, checks=(Sampled(),),
    mutants=(Mutant("slope 2", Claim.inequality(1 + 2 * u, exp(u)), "false at u = 1 (3 > e)"),),
)
MIDDLE = Theorem(
    id="CHEAP.middle", title="log(1 + u) <= u", section="test", source="tests",
    claim=Claim.inequality(log(1 + u), u), parameters=DOMAIN, checks=(Sampled(),),
    mutants=(Mutant("half", Claim.inequality(log(1 + u), u / 2), "false at u = 1 (0.693 > 0.5)"),),
    depends_on=("CHEAP.base",),
)
TOP = Theorem(
    id="CHEAP.top", title="u/(1 + u) <= log(1 + u)", section="test", source="tests",
    claim=Claim.inequality(u / (1 + u), log(1 + u)), parameters=DOMAIN, checks=(Sampled(),),
    mutants=(Mutant("twice", Claim.inequality(2 * u / (1 + u), log(1 + u)), "false at u = 1 (1 > 0.693)"),),
    depends_on=("CHEAP.middle",),
)
# An edit of the middle statement that keeps it true (a weaker bound): what a user's edit looks like.
MIDDLE_EDITED = Theorem(
    id="CHEAP.middle", title="log(1 + u) <= u", section="test", source="tests",
    claim=Claim.inequality(log(1 + u), u + sympy.Rational(1, 10)), parameters=DOMAIN, checks=(Sampled(),),
    mutants=MIDDLE.mutants, depends_on=("CHEAP.base",),
)

THEOREMS = [BASE, MIDDLE, TOP]


def registry(theorems=None) -> Registry:
    built = Registry(THEOREMS if theorems is None else theorems)
    built.validate()
    return built
