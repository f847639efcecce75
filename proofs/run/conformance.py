"""The conformance suite every registered statement must pass (cf. scikit-learn's check_estimator).

`check_theorem(theorem, report)` lists what is wrong, an empty list meaning conformant:
the expected evidence was reached, every mutant was refuted with a counterexample, no mutant was
"proved", the statement prints (LaTeX and plain text) with its hypotheses, and its definition is
well-formed (no Floats, known symbols, a domain per free symbol).
"""
from __future__ import annotations

import sympy

from forgetcheck.statements.evidence import Evidence


def _latex(theorem) -> str:
    try:  # the project's printer when present; sympy's otherwise
        from forgetcheck.printing.latex import statement_latex
        return statement_latex(theorem)
    except ImportError:
        return sympy.latex(theorem.claim.as_relational())


def check_definition(theorem) -> list:
    problems = []
    names = {p.name for p in theorem.parameters}
    free = {str(s) for s in theorem.claim.free_symbols()}
    if free - names:
        problems.append(f"claim symbols without a parameter domain: {sorted(free - names)}")
    for m in theorem.mutants:
        if m.claim == theorem.claim:
            problems.append(f"mutant {m.name!r} is the claim itself")
        if not m.where_false:
            problems.append(f"mutant {m.name!r} does not say where it is false")
    return problems


def check_printing(theorem) -> list:
    problems = []
    try:
        text = _latex(theorem)
    except Exception as exc:  # printing must never crash on a registered statement
        return [f"LaTeX rendering failed: {type(exc).__name__}: {exc}"]
    if not text.strip():
        problems.append("LaTeX rendering is empty")
    for h in theorem.assumptions():
        if not sympy.sstr(h):
            problems.append(f"hypothesis {h!r} prints as nothing")
    return problems


def check_report(theorem, report) -> list:
    problems = []
    if report.error:
        problems.append(f"verification crashed: {report.error}")
    if not report.evidence.at_least(theorem.expected):
        details = "; ".join(f"{o.check}: {o.evidence.value}: {o.detail[:200]}" for o in report.outcomes)
        problems.append(f"evidence {report.evidence.value}, expected {theorem.expected.value} ({details})")
    if not report.mutants:
        problems.append("no mutant was run")
    for m in report.mutants:
        if m.evidence is Evidence.PROVED:
            problems.append(f"mutant {m.name!r} was proved: a symbolic strategy is unsound")
        elif not m.refuted:
            problems.append(f"mutant {m.name!r} ({m.where_false}) survived with evidence {m.evidence.value}")
        elif m.counterexample is None:
            problems.append(f"mutant {m.name!r} refuted without a reproducible counterexample")
    return problems


def check_theorem(theorem, report) -> list:
    return check_definition(theorem) + check_printing(theorem) + check_report(theorem, report)
