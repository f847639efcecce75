"""Presentation MathML of statements, in the notation of THEORY §0, for the static site.

`StatementMathMLPrinter` is sympy's MathMLPresentationPrinter with the project's notation: a
symbol prints as its declared LaTeX (forgetcheck.statements.notation.latex_of), a quantity with its
own notation (an engine or flow quantity: the `_latex` method the appendix uses) as that LaTeX, both
converted by `latex_to_mathml`, so the site shows exactly the notation of the appendix. Like the
other printers it dispatches on the class of what it prints (`_print_Claim`, `_print_Parameter`,
`_print_Bounds`, `_print_Function`).

The notation strings are short LaTeX written by the catalog (`\\alpha^*`, `\\mathrm{BC}_{\\mathrm{quad}}`,
`\\mathbb{E}_{s_\\rho}\\!\\left[w\\,e^{s x}\\right]`); `latex_to_mathml` understands the subset they
use (letters, Greek, scripts, groups, \\mathrm, \\mathbb, \\frac, \\left/\\middle/\\right, operators,
spacing) and prints anything else as the visible command name rather than failing.
"""
from __future__ import annotations

import html
import re

import sympy
from sympy.printing.mathml import MathMLPresentationPrinter

from forgetcheck.printing.latex import StatementLatexPrinter
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.notation import latex_of

GREEK_LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "ell": "ℓ", "partial": "∂", "infty": "∞", "nabla": "∇",
}

#: Commands printed as an operator (<mo>).
OPERATORS = {
    "geq": "≥", "leq": "≤", "neq": "≠", "approx": "≈", "to": "→", "in": "∈", "cdot": "·", "times": "×",
    "pm": "±", "mp": "∓", "|": "‖", "int": "∫", "sum": "∑", "prod": "∏", "sim": "∼", "ast": "∗",
    "langle": "⟨", "rangle": "⟩", "mid": "|", "setminus": "∖", "circ": "∘",
}

#: Commands printed as an upright function name.
FUNCTION_NAMES = {"log", "ln", "exp", "min", "max", "sup", "inf", "lim", "det", "Pr", "sin", "cos", "tanh"}

#: Commands that only affect spacing or style, with the space they stand for (in em).
SPACING = {",": 0.1667, ";": 0.2778, ":": 0.2222, "!": -0.1667, "quad": 1.0, " ": 0.25,
           "textstyle": None, "displaystyle": None, "nolimits": None, "limits": None}

DOUBLE_STRUCK = {"R": "ℝ", "E": "𝔼", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ"}

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_']|\s+|.", re.S)


class _LatexToMathML:
    """A recursive-descent reader of the notation subset; builds elements of `dom`."""

    def __init__(self, dom, tex: str, slots=()):
        self.dom = dom
        self.slots = list(slots)
        self.tokens = [t for t in _TOKEN.findall(tex)]
        self.pos = 0

    # --- element helpers --------------------------------------------------------------------------

    def element(self, tag, *children, text=None, **attributes):
        node = self.dom.createElement(tag)
        for key, value in attributes.items():
            node.setAttribute(key, value)
        if text is not None:
            node.appendChild(self.dom.createTextNode(html.escape(text, quote=False)))
        for child in children:
            node.appendChild(child)
        return node

    def row(self, items):
        return items[0] if len(items) == 1 else self.element("mrow", *items)

    # --- grammar ----------------------------------------------------------------------------------

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def parse(self):
        return self.row(self.sequence(closing=None) or [self.element("mrow")])

    def sequence(self, closing):
        items = []
        while self.peek() is not None and self.peek() != closing:
            token = self.peek()
            if token == "}":          # an unmatched brace: print it rather than stop early
                self.take()
                items.append(self.element("mo", text="}"))
                continue
            if token.isspace():
                self.take()
                continue
            if token in ("^", "_", "'"):
                base = items.pop() if items else self.element("mrow")
                items.append(self.scripts(base))
                continue
            if token == r"\right":
                if closing == r"\right":
                    break
                self.take()
                continue
            atom = self.atom()
            if atom is not None:
                items.append(atom)
        return items

    def scripts(self, base):
        sub = sup = None
        primes = ""
        while self.peek() in ("^", "_", "'"):
            token = self.take()
            if token == "'":
                primes += "′"
            elif token == "^":
                sup = self.argument()
            else:
                sub = self.argument()
        if primes:
            mark = self.element("mo", text=primes)
            sup = mark if sup is None else self.element("mrow", mark, sup)
        if sub is not None and sup is not None:
            return self.element("msubsup", base, sub, sup)
        if sub is not None:
            return self.element("msub", base, sub)
        return self.element("msup", base, sup) if sup is not None else base

    def argument(self):
        """The argument of a script or command: a braced group or one atom."""
        while self.peek() is not None and self.peek().isspace():
            self.take()
        if self.peek() == "{":
            self.take()
            items = self.sequence(closing="}")
            self.take()
            return self.row(items or [self.element("mrow")])
        atom = self.atom()
        return atom if atom is not None else self.element("mrow")

    def text_argument(self) -> str:
        """The raw text of a braced argument (for \\mathrm{...}, \\mathbb{...})."""
        if self.peek() != "{":
            return self.take() or ""
        self.take()
        depth, out = 1, []
        while self.peek() is not None:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                break
            out.append(token)
        return "".join(out)

    def atom(self):
        token = self.take()
        if token == "{":
            items = self.sequence(closing="}")
            self.take()
            return self.row(items or [self.element("mrow")])
        if token.startswith("\\"):
            return self.command(token[1:])
        if token.isdigit():
            digits = token
            while self.peek() is not None and (self.peek().isdigit() or self.peek() == "."):
                digits += self.take()
            return self.element("mn", text=digits)
        if token.isalpha():
            return self.element("mi", text=token)
        return self.element("mo", text="−" if token == "-" else token)   # a minus sign, not a hyphen

    def command(self, name):
        if name in GREEK_LETTERS:
            letter = GREEK_LETTERS[name]
            if name == "partial":
                return self.element("mo", text=letter)
            # capital Greek upright, as LaTeX sets \\Delta (a one-letter <mi> is otherwise italic)
            return self.element("mi", text=letter, mathvariant="normal") if name[0].isupper() else \
                self.element("mi", text=letter)
        if name in OPERATORS:
            return self.element("mo", text=OPERATORS[name])
        if name in FUNCTION_NAMES:
            return self.element("mi", text=name)
        if name in SPACING:
            width = SPACING[name]
            return None if width is None else self.element("mspace", width=f"{width}em")
        if name in ("mathrm", "operatorname", "text", "textrm"):
            return self.element("mi", text=self.text_argument(), mathvariant="normal")
        if name == "mathbb":
            letters = self.text_argument()
            return self.element("mi", text="".join(DOUBLE_STRUCK.get(ch, ch) for ch in letters))
        if name == "fcslot":           # an argument the MathML printer printed (see _print_Function)
            index = self.text_argument()
            return self.slots[int(index)].cloneNode(True)
        if name == "middle":
            return self.element("mo", text=self.delimiter())
        if name == "frac":
            return self.element("mfrac", self.argument(), self.argument())
        if name == "sqrt":
            return self.element("msqrt", self.argument())
        if name == "left":
            opening = self.delimiter()
            items = self.sequence(closing=r"\right")
            closing = ""
            if self.peek() == r"\right":
                self.take()
                closing = self.delimiter()
            fences = [self.element("mo", text=opening)] if opening else []
            return self.element("mrow", *fences, *items, *([self.element("mo", text=closing)] if closing else []))
        # a command outside the subset: visible, never silently dropped
        return self.element("mi", text="\\" + name, mathvariant="normal")

    def delimiter(self) -> str:
        token = self.take() or ""
        if token == ".":
            return ""
        if token.startswith("\\"):
            return OPERATORS.get(token[1:], {"{": "{", "}": "}"}.get(token[1:], token[1:]))
        return token


def latex_to_mathml(dom, tex: str, slots=()):
    """A presentation MathML element of `dom` for a notation string such as `\\alpha_{\\mathrm{lag}}`;
    `\\fcslot{i}` in it stands for the element slots[i]."""
    return _LatexToMathML(dom, tex, slots).parse()


class _ArgumentSlots(StatementLatexPrinter):
    """A LaTeX printer that prints every argument it is asked for as a slot `\\fcslot{i}`, so a
    quantity's own `_latex` gives its notation with the places of its arguments, which the MathML
    printer then fills with its own printing of them."""

    def __init__(self):
        super().__init__()
        self.slots = []

    def _print(self, expr, **kwargs):
        self.slots.append(expr)
        return rf"\fcslot{{{len(self.slots) - 1}}}"


class StatementMathMLPrinter(MathMLPresentationPrinter):
    """Presentation MathML in the notation of THEORY §0 (symbols as declared, engine quantities by
    their `latex_name`), and of the statement layer's claims and parameters."""

    def mathml_tag(self, e):
        tag = super().mathml_tag(e)
        # sympy writes the strict relations' operators unescaped (invalid markup): escape them
        return {"<": "&lt;", ">": "&gt;"}.get(tag, tag)

    def _print_Symbol(self, sym, style="plain"):
        notation = latex_of(sym.name)
        if notation is None:
            return super()._print_Symbol(sym, style)
        return latex_to_mathml(self.dom, notation)

    def _print_Function(self, expr):
        """A quantity with its own LaTeX notation (engine quantities, flow quantities: a `_latex`
        method, which the appendix uses) prints in exactly that notation; other functions as sympy does."""
        if not hasattr(expr, "_latex"):
            return super()._print_Function(expr)
        slots = _ArgumentSlots()
        tex = expr._latex(slots)
        return latex_to_mathml(self.dom, tex, [self._print(arg) for arg in slots.slots])

    def _print_Bounds(self, bounds):
        """A merged hypothesis (forgetcheck.printing.hypotheses): 0 < a < 1, Δ ≥ 0."""
        less, greater = {True: "<", False: "≤"}, {True: ">", False: "≥"}
        if bounds.lower and bounds.upper:
            pieces = [self._print(bounds.lower[0]), _mo(self.dom, less[bounds.lower[1]]), self._print(bounds.symbol),
                      _mo(self.dom, less[bounds.upper[1]]), self._print(bounds.upper[0])]
        elif bounds.lower:
            pieces = [self._print(bounds.symbol), _mo(self.dom, greater[bounds.lower[1]]), self._print(bounds.lower[0])]
        else:
            pieces = [self._print(bounds.symbol), _mo(self.dom, less[bounds.upper[1]]), self._print(bounds.upper[0])]
        row = self.dom.createElement("mrow")
        for piece in pieces:
            row.appendChild(piece)
        return row

    def _print_Claim(self, claim: Claim):
        return self._print(claim.as_relational())

    def _print_Parameter(self, parameter):
        lo, hi = (sympy.Rational(str(b)) for b in parameter.bounds())
        row = self.dom.createElement("mrow")
        for piece in (self._print(parameter.symbol), _mo(self.dom, "∈"),
                      _mo(self.dom, "(" if parameter.low_open else "["), self._print(lo), _mo(self.dom, ","),
                      self._print(hi), _mo(self.dom, ")" if parameter.high_open else "]")):
            row.appendChild(piece)
        return row


def _mo(dom, text):
    node = dom.createElement("mo")
    node.appendChild(dom.createTextNode(html.escape(text, quote=False)))
    return node


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_KEPT = {"lt", "gt", "amp", "quot", "apos"}


def _characters(markup: str) -> str:
    """Named entities (sympy writes &InvisibleTimes;, &dd;, ...) as the characters themselves, so
    the markup is valid as HTML and as XML alike (the five XML escapes stay), and minus signs."""
    markup = _ENTITY.sub(lambda m: m.group(0) if m.group(1) in _KEPT else html.unescape(m.group(0)), markup)
    return markup.replace("<mo>-</mo>", "<mo>−</mo>")     # sympy's hyphen-minus as a minus sign


def mathml(expr, *, display: bool = False) -> str:
    """`<math>...</math>` for an expression, relation, claim, parameter or merged bound, in the
    project's notation."""
    inner = _characters(StatementMathMLPrinter().doprint(expr))
    block = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{block}>{inner}</math>'


def notation_mathml(tex: str, *, display: bool = False) -> str:
    """`<math>` for a notation string itself (a symbol's or an engine quantity's LaTeX)."""
    printer = StatementMathMLPrinter()
    inner = _characters(latex_to_mathml(printer.dom, tex).toxml())
    block = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{block}>{inner}</math>'
