"""forgetcheck: statements of a theory as sympy objects, proved symbolically where the computer
algebra can carry the step and stress-tested by validated high-precision quadrature otherwise,
each with a false variant (a mutant) that the checks must refute.

    import forgetcheck as fc

    a, Delta = fc.symbols("a Delta")                 # the catalog's notation (THEORY §0)
    eta = fc.declare("eta", latex=r"\\eta", meaning="a threshold", positive=True)   # one's own
    theorem = fc.Theorem(id="U1", ..., claim=fc.Claim.inequality(lhs, rhs), checks=(fc.Sampled(),),
                         mutants=(fc.Mutant("twice", fc.Claim.inequality(2 * lhs, rhs), "..."),))
    report = fc.verify([theorem])
    assert report.passed

The folders read as the design: statements/ (what a statement is), quantities/ (engine values as
sympy functions and their evaluation), checks/ (how a statement is checked), run/ (settings,
runner, cache, clusters), printing/ (LaTeX, Markdown, figures), cli/ (the command line), catalog/
(this paper's statements, notation and quantities) and numerics/ (the engine).

The public names below are loaded on first use, so `import forgetcheck.numerics` alone stays light.
"""
from __future__ import annotations

import importlib

#: public name -> module that defines it
_PUBLIC = {
    "Theorem": "forgetcheck.statements.theorem",
    "Mutant": "forgetcheck.statements.theorem",
    "Claim": "forgetcheck.statements.claims",
    "Parameter": "forgetcheck.statements.domain",
    "Evidence": "forgetcheck.statements.evidence",
    "declare": "forgetcheck.statements.notation",
    "symbols": "forgetcheck.statements.notation",
    "quantity": "forgetcheck.quantities.user",
    "Symbolic": "forgetcheck.checks.kinds",
    "Sampled": "forgetcheck.checks.kinds",
    "Limit": "forgetcheck.checks.kinds",
    "Custom": "forgetcheck.checks.kinds",
    "OnCases": "forgetcheck.checks.cases",
    "AtDigits": "forgetcheck.checks.cases",
    "FittedSlope": "forgetcheck.checks.cases",
    "GridRatio": "forgetcheck.checks.grid",
    "Trajectories": "forgetcheck.checks.trajectories",
    "CertifiedAtPoints": "forgetcheck.checks.certified",
    "BoxProof": "forgetcheck.checks.certified",
    "verify": "forgetcheck.run.api",
    "Report": "forgetcheck.run.api",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forgetcheck' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
