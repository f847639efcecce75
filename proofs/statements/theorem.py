"""Theorem: one statement of the theory, with everything needed to check, print and cite it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sympy

from forgetcheck.checks.kinds import Check
from forgetcheck.quantities.evaluate import check_claim
from forgetcheck.statements.claims import Claim, reject_floats
from forgetcheck.statements.domain import Parameter
from forgetcheck.statements.evidence import Evidence
from forgetcheck.numerics.errors import InputError


@dataclass(frozen=True)
class Mutant:
    """A false variant of the statement. `where_false` says where it fails (confirmed by hand before
    it was added), so a mutant that survives points at a search that does not reach there."""
    name: str
    claim: Claim
    where_false: str


@dataclass(frozen=True)
class Theorem:
    id: str
    title: str
    section: str
    claim: Claim
    parameters: tuple
    checks: tuple
    mutants: tuple
    hypotheses: tuple = ()
    depends_on: tuple = ()
    source: str = ""
    proof_sketch: str = ""
    expected: Evidence = Evidence.SAMPLED
    pinned: tuple = ()               # points always checked first (former counterexamples, edges)
    notes: str = ""
    definitions: tuple = field(default=())  # (symbol-or-function, meaning) pairs for the printout

    def __post_init__(self):
        where = f"statement {self.id or '<no id>'}"
        if not self.id or not self.id.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise InputError(f"{where}: id must be a short name like 'O3' or 'O3.old' (letters, digits, "
                             f"'.', '-', '_'), got {self.id!r}")
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "mutants", tuple(self.mutants))
        object.__setattr__(self, "hypotheses", tuple(sympy.sympify(h) for h in self.hypotheses))
        object.__setattr__(self, "depends_on", tuple(self.depends_on))
        if not isinstance(self.claim, Claim):
            raise TypeError(f"{where}: claim must be a forgetcheck.Claim, got {type(self.claim).__name__}")
        if not self.checks:
            raise InputError(f"{where}: a statement needs at least one check")
        if not all(isinstance(c, Check) for c in self.checks):
            raise TypeError(f"{where}: every check must be a forgetcheck.checks.kinds.Check")
        if not self.mutants:
            raise InputError(f"{where}: a statement needs at least one mutant (a false variant the "
                             "checks must refute); without one, its checks are not shown to have teeth")
        if not all(isinstance(p, Parameter) for p in self.parameters):
            raise TypeError(f"{where}: parameters must be forgetcheck.Parameter objects")
        reject_floats(f"{where} hypotheses", *self.hypotheses)
        for h in self.hypotheses:
            if h is sympy.true or h is sympy.false:
                raise InputError(f"{where}: a hypothesis evaluated to {h} when it was written, so it "
                                 "would print as nothing; drop it if the symbols' assumptions imply it "
                                 "(e.g. Delta >= 0 for a nonnegative Delta), or build it unevaluated")
            if not isinstance(h, (sympy.core.relational.Relational, sympy.logic.boolalg.Boolean)):
                raise TypeError(f"{where}: hypothesis {h} is not a relation")
        names = {p.name for p in self.parameters}
        for claim, label in [(self.claim, "claim")] + [(m.claim, f"mutant {m.name!r}") for m in self.mutants]:
            unknown = {str(s) for s in claim.free_symbols()} - names
            if unknown and any(c for c in self.checks if not getattr(c, "prove", None)):
                raise InputError(f"{where}: {label} uses {sorted(unknown)} which are not parameters "
                                 f"(parameters: {sorted(names)})")
            check_claim(claim, f"{where}, {label}")  # constructs without a validated numeric path

    def __repr__(self) -> str:
        return (f"<Theorem {self.id}: {self.title} ({self.claim.kind.value}, section {self.section}, "
                f"expects {self.expected.value}, {len(self.mutants)} mutant(s))>")

    def _repr_latex_(self) -> str:
        """Notebook display: hypotheses ⇒ claim, in the project's notation."""
        from forgetcheck.printing.latex import StatementLatexPrinter
        printer = StatementLatexPrinter()
        claim = printer._print(self.claim)
        hypotheses = printer.assumptions(self.assumptions())
        return (rf"$\displaystyle {', '.join(hypotheses)} \implies {claim}$" if hypotheses
                else rf"$\displaystyle {claim}$")

    def _repr_html_(self) -> str:
        import html
        checks = ", ".join(html.escape(c.description) for c in self.checks)
        uses = f"<br>uses {html.escape(', '.join(self.depends_on))}" if self.depends_on else ""
        return (f"<p><b>{html.escape(self.id)}</b>: {html.escape(self.title)} "
                f"<i>(section {html.escape(str(self.section))}, expects {self.expected.value})</i><br>"
                f"{html.escape(self._repr_latex_())}<br>checks: {checks}; "
                f"{len(self.mutants)} mutant(s){uses}</p>")

    def assumptions(self) -> list:
        """Every hypothesis in force, as sympy relations: the symbols' own assumptions
        (a positive, Δ nonnegative, ...) followed by the explicit hypotheses."""
        out = []
        for p in self.parameters:
            sym = p.symbol
            if sym.is_positive:
                out.append(sympy.StrictGreaterThan(sym, 0, evaluate=False))
            elif sym.is_nonnegative:
                out.append(sympy.GreaterThan(sym, 0, evaluate=False))
        return out + list(self.hypotheses)

    def content_hash(self) -> str:
        """Changes whenever anything that affects what is checked or printed changes."""
        parts = [self.id, self.title, self.section, self.claim.srepr(),
                 *(sympy.srepr(h) for h in self.hypotheses),
                 *(p.describe() + repr(p.emphasis) for p in self.parameters),
                 *(c.fingerprint() for c in self.checks),
                 *(m.name + m.claim.srepr() for m in self.mutants),
                 ",".join(self.depends_on), self.expected.value, repr(self.pinned)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
