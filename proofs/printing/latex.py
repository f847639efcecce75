"""LaTeX for the appendix: statements printed from the very sympy objects that are checked.

`StatementLatexPrinter` is sympy's LatexPrinter with the project's notation (forgetcheck.statements.notation
for symbols, `EngineFunction._latex` / `latex_name` for engine quantities) and printing methods for
the statement layer's own classes, dispatched on the class like every sympy printer:
`_print_Theorem`, `_print_Claim`, `_print_Mutant`, `_print_Parameter`, `_print_Certificate`.
`appendix()` assembles them into an \\input-able fragment or a standalone document.
"""
from __future__ import annotations

import re
from pathlib import Path

import sympy
from sympy.printing.latex import LatexPrinter

from forgetcheck.statements.claims import Claim, ClaimKind
from forgetcheck.statements.notation import latex_of, meaning_of
from forgetcheck.printing.hypotheses import Bounds, merged_hypotheses
from forgetcheck.printing.certificate import CURRENT, EVIDENCE_MEANING, MISSING, Certificate, describe_sharpness
from forgetcheck.printing.sections import by_section, section_heading
from forgetcheck.printing.text import escape_text, inline_latex
from forgetcheck.numerics.errors import InputError

IDS_ARE_OURS = "Statement ids are this project's own, not the source paper's."

#: Preamble of a document that \inputs the fragment (also what the standalone document uses).
REQUIRED_PACKAGES = ("amsmath", "amssymb", "amsthm")

FIGURE_SUFFIXES = (".pdf", ".png")


def label(statement_id: str) -> str:
    return "fc:" + re.sub(r"[^A-Za-z0-9.:-]", "-", statement_id)


class StatementLatexPrinter(LatexPrinter):
    """LaTeX of expressions in the notation of THEORY §0, and of statements with certificates.

    Settings beyond sympy's: `registry` (resolves dependency ids, e.g. a group 'O3'), `printed`
    (the ids printed in the same document, which \\ref can reach), `certificates` (id -> Certificate).
    """
    printmethod = "_latex"
    _default_settings = dict(LatexPrinter._default_settings, registry=None, printed=None, certificates=None)

    # --- expressions -----------------------------------------------------------------------------

    def _print_Symbol(self, expr, style="plain"):
        notation = latex_of(expr.name)
        return notation if notation is not None else super()._print_Symbol(expr, style)

    def _print_ExpBase(self, expr, exp=None):
        """e^{−Δ²/8} rather than a stacked fraction in the exponent, as THEORY writes it."""
        fold = self._settings["fold_short_frac"]
        self._settings["fold_short_frac"] = True
        try:
            return super()._print_ExpBase(expr, exp)
        finally:
            self._settings["fold_short_frac"] = fold

    def _print_Claim(self, claim: Claim):
        """The claim's own relation (`Claim.as_relational`): Eq, Le/Lt, or the limit statement."""
        return self._print(claim.as_relational())

    def _print_Parameter(self, parameter):
        lo, hi = (sympy.Rational(str(b)) for b in parameter.bounds())
        left = "(" if parameter.low_open else "["
        right = ")" if parameter.high_open else "]"
        scale = r"\ \text{(log scale)}" if parameter.log_scale else ""
        if getattr(parameter, "integer", False):
            scale += r"\ \text{(integers)}"
        return (rf"{self._print(parameter.symbol)} \in \left{left}{self._print(lo)}, "
                rf"{self._print(hi)}\right{right}{scale}")

    def assumptions(self, relations) -> list:
        """The hypotheses as printed (forgetcheck.printing.hypotheses: bounds on one symbol merged
        into one chain, 0 < a < 1; the rest as they are)."""
        printed = []
        for item in merged_hypotheses(relations):
            if not isinstance(item, Bounds):
                printed.append(self._print(item))
                continue
            lower, upper, s = item.lower, item.upper, self._print(item.symbol)
            if lower and upper:
                printed.append(f"{self._print(lower[0])} {_LESS[lower[1]]} {s} {_LESS[upper[1]]} "
                               f"{self._print(upper[0])}")
            elif lower:
                printed.append(f"{s} {_GREATER[lower[1]]} {self._print(lower[0])}")
            else:
                printed.append(f"{s} {_LESS[upper[1]]} {self._print(upper[0])}")
        return printed

    # --- statements ------------------------------------------------------------------------------

    def _print_Theorem(self, theorem):
        ident = escape_text(theorem.id)
        out = [rf"\renewcommand{{\fcid}}{{{ident}}}",
               # braced: a ] in the title (e.g. E[...]) would otherwise end the optional argument
               rf"\begin{{fcstatement}}[{{{inline_latex(theorem.title)}}}]\label{{{label(theorem.id)}}}"]
        hypotheses = self.assumptions(theorem.assumptions())
        claim = self._print(theorem.claim)
        if hypotheses:
            out.append("Assume " + _and([f"${h}$" for h in hypotheses]) + ". Then")
        out.append(r"\[ " + claim + r" \]")
        out.extend(self._claim_qualifiers(theorem.claim))
        if theorem.depends_on:
            out.append("Uses " + self._references(theorem.depends_on) + ".")
        out.append(r"\end{fcstatement}")
        if theorem.proof_sketch:
            out.append(r"\begin{proof}[Proof sketch]" + inline_latex(theorem.proof_sketch) + r"\end{proof}")
        if theorem.notes:
            out.append(r"\noindent\emph{Notes.} " + inline_latex(theorem.notes) + r"\par")
        certificate = (self._settings["certificates"] or {}).get(theorem.id) or Certificate(
            theorem.id, theorem.content_hash(), MISSING, "")
        out.append(self._print_Certificate(certificate, theorem=theorem))
        return "\n".join(out)

    def _claim_qualifiers(self, claim: Claim) -> list:
        if claim.kind is ClaimKind.LIMIT and claim.rate is not None:
            var = self._print(claim.variable)
            return [rf"with relative error $O\left({var}^{{-{self._print(claim.rate)}}}\right)$."]
        if claim.kind is ClaimKind.DYNAMICS:
            return [rf"along the trajectory, for all ${self._print(claim.variable)} \geq 0$."]
        if claim.kind is ClaimKind.RATE:
            return [r"(the slope is fitted along increasing values of "
                    rf"${self._print(claim.variable)}$)."]
        return []

    def _references(self, depends_on) -> str:
        registry, printed = self._settings["registry"], self._settings["printed"]
        refs = []
        for ref in depends_on:
            ids = registry.resolve(ref) if registry is not None else [ref]
            for sid in ids or [ref]:
                if printed is None or sid in printed:
                    refs.append(rf"\ref{{{label(sid)}}}")
                else:
                    refs.append(rf"{escape_text(sid)} (not in this appendix)")
        return ("Statement~" if len(refs) == 1 else "Statements ") + _and(refs)

    def _print_Mutant(self, mutant):
        return (rf"\emph{{{inline_latex(mutant.name)}}}: ${self._print(mutant.claim)}$ "
                rf"(false: {inline_latex(mutant.where_false)})")

    def _print_Certificate(self, certificate: Certificate, theorem=None):
        items = []
        cid = escape_text(certificate.statement_id)
        if certificate.status != CURRENT:
            if certificate.status == MISSING:
                why = "no verification report has evidence for it"
            else:
                why = (rf"the report ({escape_text(certificate.source)}) was made for another version "
                       rf"of the statement (content hash \texttt{{{escape_text(str(certificate.verified_hash))}}})")
            items.append(rf"\item[Evidence] \emph{{not verified in this version}}: {why}. "
                         rf"Run \texttt{{forgetcheck verify --only {cid}}}, then regenerate this appendix.")
        else:
            items.extend(self._evidence_items(certificate, theorem))
        if theorem is not None and theorem.parameters:
            items.append(r"\item[Domain] " + _and([f"${self._print(p)}$" for p in theorem.parameters]))
        items.append(rf"\item[Statement] {cid} (id ours), content hash \texttt{{{certificate.content_hash}}}")
        return ("\\par\\medskip\\noindent{\\small\\textsc{Verification certificate}}\n"
                "{\\small\\begin{description}\\setlength{\\itemsep}{0pt}\\setlength{\\parskip}{0pt}\n"
                + "\n".join(items) + "\n\\end{description}}\\medskip")

    def _evidence_items(self, c: Certificate, theorem=None) -> list:
        evidence = escape_text(str(c.evidence))
        verdict = ("passed" if c.passed else "did not pass") + (
            "; every statement it uses is verified too" if c.fully_verified else
            "; not every statement it uses was verified in the same run" if c.passed else "")
        items = [rf"\item[Evidence] \textbf{{{evidence}}} (expected {escape_text(str(c.expected))}): {verdict}."]
        if c.cached_at:
            items[-1] += f" Verdict reused from the result cache (obtained {escape_text(str(c.cached_at))})."
        if c.error:
            items.append(rf"\item[Error] {escape_text(c.error[:300])}")
        numeric = []
        if c.examples:
            numeric.append(f"{c.examples} points")
        if c.dps:
            numeric.append(f"evaluated with {c.dps} digits")
        if c.worst_slack is not None:
            where = _point_latex(c.worst_point)
            if theorem is not None and theorem.claim.kind is ClaimKind.IDENTITY:
                # an identity's slack is −|lhs − rhs|/scale: report the disagreement itself
                value = str(c.worst_slack).lstrip("-")
                what = f"largest relative difference of the sides ${_number_latex(value)}$"
            elif theorem is not None and theorem.claim.kind is ClaimKind.LIMIT:
                what = f"relative error at the largest value ${_number_latex(c.worst_slack)}$"
            else:
                what = f"worst relative slack ${_number_latex(c.worst_slack)}$"
            numeric.append(what + (f" at {where}" if where else ""))
        if numeric:
            items.append(r"\item[Checked] " + "; ".join(numeric) + ".")
        if c.sharpness:
            items.append(r"\item[Sharpness] " + _capital(describe_sharpness(
                c.sharpness, number=lambda text: f"${_number_latex(text)}$", point=_point_latex)) + ".")
        for chk in c.checks:
            if chk["evidence"] in ("refuted", "inconclusive"):
                items.append(rf"\item[{escape_text(chk['evidence'].capitalize())}] "
                             rf"{escape_text(chk['check'] or '')}: {escape_text((chk['detail'] or '')[:300])}")
        if c.mutants:
            refuted = sum(bool(m["refuted"]) for m in c.mutants)
            described = []
            for m in c.mutants:
                cex = m.get("counterexample") or {}
                where = _point_latex(cex.get("parameters") or {})
                state = ("refuted" + (f" at {where}" if where else "")) if m["refuted"] else rf"\textbf{{not refuted}}"
                described.append(rf"\emph{{{inline_latex(m['name'] or '')}}} {state}")
            items.append(rf"\item[Mutants] {refuted}/{len(c.mutants)} refuted: " + "; ".join(described) + ".")
        run = [f"profile {escape_text(str(c.profile))}", f"seed {c.seed}"]
        versions = ", ".join(f"{escape_text(k)} {escape_text(str(v))}" for k, v in c.versions.items())
        items.append(r"\item[Run] " + ", ".join(run) + (f"; {versions}" if versions else "") + ".")
        return items


_LESS = {True: "<", False: r"\leq"}       # by strictness
_GREATER = {True: ">", False: r"\geq"}


def code(text: str) -> str:
    """Monospaced identifiers that may break after '.', ':' or '_' (module paths are long)."""
    return r"\texttt{" + re.sub(r"(\\_|[.:])", r"\1\\allowbreak{}", escape_text(text)) + "}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _name_latex(name: str) -> str:
    return latex_of(name) or (name if re.fullmatch(r"[A-Za-z]", name) else rf"\mathrm{{{escape_text(name)}}}")


_SCI = re.compile(r"^([-+]?\d+(?:\.\d+)?)[eE]([-+]?\d+)$")
SHOWN_DIGITS = 8
_APPROX = {True: r"\approx", False: "="}


def _shortened(text: str) -> tuple:
    """(text, rounded?): a decimal with more than SHOWN_DIGITS significant digits, rounded for
    reading; the exact value stays in the JSON report."""
    from decimal import Decimal, InvalidOperation
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text, False
    digits = len(value.as_tuple().digits)
    if digits <= SHOWN_DIGITS or not value.is_finite():
        return text, False
    return f"{value:.{SHOWN_DIGITS - 1}e}" if abs(value) < Decimal("1e-4") or abs(value) >= Decimal("1e8") \
        else f"{value:.{SHOWN_DIGITS}g}", True


def _point_latex(point: dict) -> str:
    parts = []
    for name, value in point.items():
        text, rounded = _shortened(str(value))
        parts.append(f"${_name_latex(name)} {_APPROX[rounded]} {_number_latex(text)}$")
    return ", ".join(parts)


def _number_latex(value) -> str:
    text = str(value)
    m = _SCI.match(text)
    if m:
        return rf"{m.group(1)} \times 10^{{{int(m.group(2))}}}"
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return text
    if re.fullmatch(r"[-+]?\d+/\d+", text):
        num, den = text.split("/")
        return rf"{num}/{den}"
    return r"\text{" + escape_text(text) + "}"


def latex(expr, **settings) -> str:
    """LaTeX of an expression, claim, statement or certificate in the project's notation."""
    return StatementLatexPrinter(settings).doprint(expr)


# --- the document ------------------------------------------------------------------------------

def _notation(printer, theorems) -> str:
    """The symbols and engine quantities the printed claims use, with their meaning."""
    from forgetcheck.quantities.engine_function import EngineFunction
    symbols, functions = {}, {}
    for t in theorems:
        exprs = [t.claim.lhs, t.claim.rhs, *t.hypotheses]
        for e in exprs:
            for s in sympy.sympify(e).free_symbols:
                symbols.setdefault(s.name, s)
            for f in sympy.sympify(e).atoms(EngineFunction):
                functions.setdefault(type(f).__name__, type(f))
    items = []
    for name in sorted(symbols):
        meaning = meaning_of(name)
        # the label is braced: a ] inside it (e.g. \Pr[...]) would otherwise end the optional argument
        items.append(rf"\item[{{${printer._print(symbols[name])}$}}] "
                     + (inline_latex(meaning) if meaning else "a symbol of this statement only"))
    for name in sorted(functions):
        cls = functions[name]
        items.append(rf"\item[{{${cls.latex_name}$}}] " + cls.notation_latex(printer))
    if not items:
        return ""
    return ("\\subsection*{Notation}\n{\\small\\begin{description}\\setlength{\\itemsep}{0pt}\n"
            + "\n".join(items) + "\n\\end{description}}\n")


def _intro(certificates: dict) -> str:
    levels = "\n".join(rf"\item[{level}] {inline_latex(meaning)}." for level, meaning in EVIDENCE_MEANING.items())
    return (
        "Each statement below is printed by \\texttt{forgetcheck latex} from the sympy object that "
        "\\texttt{forgetcheck verify} checks; its certificate gives the evidence that run reached and the "
        "statement's content hash, which changes whenever the statement does, so a certificate can only "
        "belong to the statement printed above it. "
        + IDS_ARE_OURS + " The statements are this project's formalization of the claims, not quotations.\n"
        "{\\small\\begin{description}\\setlength{\\itemsep}{0pt}\n" + levels + "\n\\end{description}}\n")


def find_figures(directory) -> list:
    """Figure files in `directory` (PDF preferred over PNG of the same name), sorted by name.
    A missing directory simply has no figures: they are written by a separate command."""
    if directory is None:
        return []
    directory = Path(directory)
    if not directory.is_dir():
        return []
    chosen = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in FIGURE_SUFFIXES and path.is_file():
            stem = path.stem
            if stem not in chosen or path.suffix.lower() == ".pdf":
                chosen[stem] = path
    return [chosen[k] for k in sorted(chosen)]


def _figures(figures, relative_to) -> str:
    if not figures:
        return ""
    out = ["\\subsection*{Figures}"]
    for path in figures:
        rel = Path(_relpath(path, relative_to)).as_posix()
        if not re.fullmatch(r"[A-Za-z0-9._/-]+", rel):
            raise InputError(f"figure {path}: LaTeX cannot include a file name with spaces or special "
                             "characters; rename it (letters, digits, '.', '_', '-')")
        stem, suffix = rel[: -len(path.suffix)], path.suffix
        caption = escape_text(path.stem.replace("_", " ").replace("-", " "))
        out.append("\\begin{figure}[htbp]\\centering\n"
                   f"\\includegraphics[width=0.85\\linewidth]{{{{{stem}}}{suffix}}}\n"
                   f"\\caption{{{caption}}}\n\\end{{figure}}")
    return "\n".join(out) + "\n"


def _relpath(path, start) -> str:
    import os
    return os.path.relpath(Path(path).resolve(), Path(start).resolve())


def appendix(theorems, certificates: dict, *, registry=None, standalone=False, figures=(),
             output_directory=".") -> str:
    """The appendix for `theorems`: a fragment to \\input (needs amsmath, amssymb, amsthm, and
    graphicx when figures are included), or with `standalone` a complete document."""
    theorems = list(theorems)
    printer = StatementLatexPrinter(dict(registry=registry, printed={t.id for t in theorems},
                                         certificates=certificates))
    body = [
        "% Generated by `forgetcheck latex` from the checked statements: regenerate, do not edit.",
        "% Needs \\usepackage{" + ",".join(REQUIRED_PACKAGES) + "}"
        + (" and \\usepackage{graphicx}" if figures else "") + " in the preamble.",
        "\\providecommand{\\fcid}{}",
        "\\ifcsname c@fcstatement\\endcsname\\else\\newtheorem{fcstatement}{Statement}\\fi",
        "\\renewcommand{\\thefcstatement}{\\fcid}",
        "\\section{Checked statements}\\label{fc:appendix}",
        _intro(certificates),
        _notation(printer, theorems),
    ]
    for section, members in by_section(theorems):
        body.append(rf"\subsection{{{escape_text(section_heading(section))}}}")
        for t in members:
            body.append(printer.doprint(t) + "\n")
    body.append(_figures(figures, output_directory))
    fragment = "\n".join(part for part in body if part)
    if not standalone:
        return fragment + "\n"
    verified = sum(c.status == CURRENT for c in certificates.values())
    return "\n".join([
        "\\documentclass[11pt]{article}",
        "\\usepackage[utf8]{inputenc}",
        "\\usepackage{" + ",".join(REQUIRED_PACKAGES) + "}",
        "\\usepackage{graphicx}",
        "\\usepackage[margin=2.4cm]{geometry}",
        "\\usepackage[hidelinks]{hyperref}",
        "\\title{forgetcheck: checked statements}",
        "\\author{Generated from the catalog}",
        "\\date{" + f"{len(theorems)} statements, {verified} with evidence for their current version" + "}",
        "\\begin{document}",
        "\\maketitle",
        fragment,
        "\\end{document}",
        "",
    ])


def statement_latex(theorem, certificate=None, *, registry=None) -> str:
    """One statement as the appendix prints it, with its certificate ("not verified" without one)."""
    certs = {theorem.id: certificate} if certificate is not None else {}
    return StatementLatexPrinter(dict(registry=registry, certificates=certs)).doprint(theorem)
