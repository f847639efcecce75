"""Prose with inline mathematics, as the catalog writes it ("φ_o γ_n ≤ ½ sqrt(c) sqrt(φ_oφ_n)",
"e^{−Δ²/8}"), turned into LaTeX that pdflatex compiles with the base packages.

Titles, proof sketches and notes are written for people reading a terminal, in Unicode. The
appendix must not print them as raw text (a `_` or `^` outside math mode is an error) nor lose the
mathematics in them, so each whitespace-separated word is classified as mathematics (it carries a
Greek letter, an operator, a script, a function call), prose, or neutral (a number, a single
letter, a bare function name: mathematics only next to other mathematics); runs of mathematical
words become one `$...$`. The conversion is conservative where LaTeX is strict: braces are
balanced or escaped, a script never lacks its argument or doubles up. A character with no LaTeX
spelling here is printed as a visible [U+XXXX] marker (the tests reject it for the catalog) rather
than breaking the document.
"""
from __future__ import annotations

import re

UNKNOWN_MARK = "[U+"

GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu",
    "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi",
    "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "ϵ": r"\epsilon",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi",
    "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
}

#: Mathematical characters other than Greek letters, with their LaTeX (in math mode).
MATH_SYMBOLS = {
    "−": "-", "·": r"\cdot", "×": r"\times", "÷": r"\div", "±": r"\pm", "≤": r"\leq", "≥": r"\geq",
    "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv", "≪": r"\ll", "≫": r"\gg", "∼": r"\sim", "∝": r"\propto",
    "→": r"\to", "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "∞": r"\infty", "∫": r"\int", "∑": r"\sum", "∏": r"\prod", "∂": r"\partial", "∇": r"\nabla",
    "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap",
    "∀": r"\forall", "∃": r"\exists", "∘": r"\circ", "≻": r"\succ", "⪰": r"\succeq", "‖": r"\|",
    "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor", "ℓ": r"\ell", "ℝ": r"\mathbb{R}",
    "∅": r"\emptyset", "…": r"\ldots", "′": "'", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}",
    "¾": r"\tfrac{3}{4}", "⅛": r"\tfrac{1}{8}", "≳": r"\gtrsim", "≲": r"\lesssim", "∓": r"\mp",
    "⊥": r"\perp", "⟨": r"\langle", "⟩": r"\rangle", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg",
    "⊗": r"\otimes", "⊕": r"\oplus", "≜": r"\triangleq", "≔": ":=",
    "∖": r"\setminus", "∥": r"\parallel", "⊤": r"\top", "≍": r"\asymp",
    # arrows ("η ↑ 0", "α ↓ 0") and a few more relations and marks
    "↑": r"\uparrow", "↓": r"\downarrow", "↕": r"\updownarrow", "↔": r"\leftrightarrow",
    "⇐": r"\Leftarrow", "⇑": r"\Uparrow", "⇓": r"\Downarrow", "⟶": r"\longrightarrow",
    "⟵": r"\longleftarrow", "⟷": r"\longleftrightarrow", "⟹": r"\Longrightarrow", "⟸": r"\Longleftarrow",
    "⟺": r"\Longleftrightarrow", "↗": r"\nearrow", "↘": r"\searrow", "↖": r"\nwarrow", "↙": r"\swarrow",
    "↪": r"\hookrightarrow", "↠": r"\twoheadrightarrow", "⟼": r"\longmapsto", "≃": r"\simeq",
    "≅": r"\cong", "⋯": r"\cdots", "⋅": r"\cdot", "∗": r"\ast", "″": "''", "✓": r"\checkmark",
    "□": r"\square", "∎": r"\blacksquare", "≺": r"\prec", "⪯": r"\preceq", "∆": r"\Delta",
}

#: Combining accents (written after the letter they decorate, "V̂").
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0307": r"\dot", "\u0308": r"\ddot",
           "\u20d7": r"\vec"}

#: Characters that are a superscript or subscript of the atom before them.
SCRIPTS = {"²": "^{2}", "³": "^{3}", "¹": "^{1}", "⁴": "^{4}", "ⁿ": "^{n}", "†": r"^{\dagger}",
           "ᵀ": r"^{\top}", "⁻¹": "^{-1}", "₀": "_{0}", "₁": "_{1}", "₂": "_{2}"}

#: Typographic characters of prose, with their LaTeX (in text mode).
PROSE_SYMBOLS = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
                 "§": "section~", "\u00a0": "~", "°": r"\ensuremath{^\circ}"}

#: Named functions written as words ("sqrt(c)", "log Δ"); sqrt takes its parenthesised argument.
FUNCTIONS = {"sqrt", "log", "ln", "exp", "max", "min", "sup", "inf", "lim", "det", "sin", "cos", "tanh",
             "arg", "argmin", "argmax", "logit"}
_OPERATOR_NAMES = {"log", "ln", "exp", "max", "min", "sup", "inf", "lim", "det", "sin", "cos", "tanh", "arg"}

_MATH_MARKS = set("^_=<>+|~[]*{}") | set(GREEK) | set(MATH_SYMBOLS) | set(SCRIPTS) | set(ACCENTS) | {"⁻", "√"}
_TRAILING = re.compile(r"^(.*?)([.,;:!?]*)$", re.S)
#: "α*'s": a possessive after mathematics is prose (inside $...$ the apostrophe would be a prime)
_POSSESSIVE = re.compile(r"^(.+?)(['’]s[.,;:!?]*)$", re.S)
_CALL = re.compile(r"(?:^|[^A-Za-z])([A-Za-z]+)\(")
_NEUTRAL = re.compile(r"^[(\[]*(?:[A-Za-z]|[0-9][0-9.]*(?:/[0-9]+)?|[-/])[)\]]*$")
_IDENTIFIER = re.compile(r"[A-Za-z]{3,}\d*(_[A-Za-z0-9]+)+")
#: a dotted program name ("kl_quantities.old_mean_gradient_direct", "forward_kl.py"): an underscore
#: in it is part of the name, not a subscript
_DOTTED_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
_LATIN1_LETTER = re.compile(r"[À-ÖØ-öø-ÿ]")


def _mark(ch: str) -> str:
    return f"[U+{ord(ch):04X}]"


# --- prose -------------------------------------------------------------------------------------

# Only glyphs of the default (OT1) fonts and math: \textless & co. would pull in TS1 fonts that
# pdflatex then generates as bitmaps (slow, and needs METAFONT on the machine).
_TEXT_ESCAPES = {"\\": r"\ensuremath{\backslash}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\ensuremath{\sim}", "^": r"\^{}",
                 "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}", '"': "''"}


def escape_text(text: str) -> str:
    """Plain prose in text mode: LaTeX's special characters escaped, typography translated."""
    out = []
    for ch in text:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in PROSE_SYMBOLS:
            out.append(PROSE_SYMBOLS[ch])
        elif ord(ch) < 128 or _LATIN1_LETTER.match(ch):
            out.append(ch)   # pdflatex reads UTF-8 and knows the Latin-1 letters
        elif ch in GREEK or ch in MATH_SYMBOLS:
            out.append(r"\ensuremath{" + (GREEK.get(ch) or MATH_SYMBOLS[ch]) + "}")
        elif ch in SCRIPTS:
            out.append(r"\ensuremath{{}" + SCRIPTS[ch] + "}")
        else:
            out.append(_mark(ch))
    return "".join(out)


# --- classification of words -------------------------------------------------------------------

def _kind(core: str) -> str:
    """'math', 'neutral' or 'prose' for a word without its trailing punctuation."""
    if not core:
        return "neutral"
    bare = core.strip("()[]")
    if _IDENTIFIER.fullmatch(bare) or (_DOTTED_IDENTIFIER.fullmatch(bare) and "_" in bare):
        return "prose"     # a program name such as misassignment_by_quadrature, not a subscript
    if any(ch in _MATH_MARKS for ch in core):
        return "math"
    for name in _CALL.findall(core):
        if name in FUNCTIONS or len(name) == 1 or (name.isupper() and len(name) <= 3):
            return "math"
    if re.search(r"[A-Za-z0-9)]/[A-Za-z0-9(]", core) and re.search(r"[A-Za-z]", core):
        # a quotient of short names ("1/c", "dx/(A"); "and/or" or "d/ds" read as prose
        longest = max(len(run) for run in re.findall(r"[A-Za-z]+", core))
        if longest == 1 or (longest == 2 and "(" in core):
            return "math"
    if _NEUTRAL.match(core) or bare in FUNCTIONS or (bare.isalpha() and bare.isupper() and len(bare) <= 3):
        return "neutral"   # a number, a letter, "log", "BC": mathematics only among mathematics
    return "prose"


def _depths(text: str) -> tuple:
    brackets = sum(text.count(c) for c in "([") - sum(text.count(c) for c in ")]")
    braces = text.count("{") - text.count("}")
    return brackets, braces


def runs(text: str) -> list:
    """The text as alternating pieces ("math" | "prose", source text), in order; the pieces are
    separated by single spaces except that punctuation after a math run is its own prose piece."""
    pieces = []          # (kind, source, glue): glue is the text put between this piece and the next
    chunk = []           # consecutive non-prose word cores, not yet emitted

    def emit_chunk(punct=""):
        nonlocal chunk
        if chunk:
            joined = " ".join(core for core, _ in chunk)
            if any(kind == "math" for _, kind in chunk):
                pieces.append(("math", joined))
                if punct:
                    pieces.append(("punct", punct))
            else:
                pieces.append(("prose", joined + punct))
        chunk = []

    code = []            # words of an open `code span`
    for word in text.split():
        if code or (word.startswith("`") and word.count("`") == 1):
            code.append(word)
            if len(code) > 1 and word.rstrip(".,;:!?").endswith("`"):
                emit_chunk()
                joined = " ".join(code)
                core, punct = _TRAILING.match(joined).groups()
                pieces.append(("code", core.strip("`")))
                if punct:
                    pieces.append(("punct", punct))
                code = []
            continue
        if word.startswith("`") and word.rstrip(".,;:!?").endswith("`") and len(word) > 2:
            emit_chunk()
            core, punct = _TRAILING.match(word).groups()
            pieces.append(("code", core.strip("`")))
            if punct:
                pieces.append(("punct", punct))
            continue
        if chunk and _depths(" ".join(core for core, _ in chunk))[1] > 0:
            # inside an unclosed brace: still mathematics, up to the punctuation after it closes
            core, punct = _TRAILING.match(word).groups()
            if punct and max(_depths(" ".join([c for c, _ in chunk] + [core]))) <= 0:
                chunk.append((core, "math"))
                emit_chunk(punct)
            else:
                chunk.append((word, "math"))
            continue
        possessive = _POSSESSIVE.match(word)
        if possessive and _kind(possessive.group(1)) != "prose":
            chunk.append((possessive.group(1), _kind(possessive.group(1))))
            emit_chunk(possessive.group(2))
            continue
        core, punct = _TRAILING.match(word).groups()
        kind = _kind(core)
        if kind == "prose":
            emit_chunk()
            pieces.append(("prose", word))
            continue
        if punct == "," and max(_depths(" ".join([c for c, _ in chunk] + [core]))) > 0:
            core, punct = core + punct, ""        # a comma inside (...), [...] or {...} stays in the run
        chunk.append((core, kind))
        if punct:
            emit_chunk(punct)
    if code:                                      # an unclosed backtick: plain prose
        pieces.append(("prose", " ".join(code)))
    emit_chunk()
    return pieces


def _join(pieces) -> str:
    out = ""
    for kind, piece in pieces:
        out += piece if (kind == "punct" or not out) else " " + piece
    return out


def inline_latex(text: str) -> str:
    """Unicode prose with inline mathematics -> LaTeX (text mode with `$...$` runs)."""
    render = {"math": lambda src: f"${math_latex(src)}$", "code": lambda src: r"\texttt{" + escape_text(src) + "}"}
    return _join([(kind, render.get(kind, escape_text)(src)) for kind, src in runs(text or "")])


# --- mathematics -------------------------------------------------------------------------------

def _matching_paren(s: str, start: int, pair: str = "()") -> int:
    """Index of the closing bracket matching the opening one at s[start], or -1."""
    depth = 0
    for i in range(start, len(s)):
        if s[i] == pair[0]:
            depth += 1
        elif s[i] == pair[1]:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _matching_brace(s: str, start: int) -> int:
    return _matching_paren(s, start, "{}")


_ATOM_AFTER_ROOT = re.compile(r"(\d+|[A-Za-z]|[%s])(_[A-Za-z0-9])?" % "".join(GREEK))


def math_latex(text: str) -> str:
    """A run of Unicode mathematics -> LaTeX for math mode."""
    return re.sub(r" {2,}", " ", _fix_scripts(_convert(text))).strip()


def _convert(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if i + 1 < len(s) and s[i + 1] in ACCENTS and (ch.isalnum() or ch in GREEK):
            out.append(ACCENTS[s[i + 1]] + "{" + _convert(ch) + "}")    # "V̂" -> \hat{V}
            i += 2
            continue
        if ch in ACCENTS:
            out.append(r"\mbox{" + _mark(ch) + "}")   # an accent on nothing
            i += 1
            continue
        if s.startswith("sqrt(", i) and (i == 0 or not s[i - 1].isalpha()):
            end = _matching_paren(s, i + 4)
            if end > 0:
                out.append(r"\sqrt{" + _convert(s[i + 5:end]) + "}")
                i = end + 1
                continue
        if ch.isascii() and ch.isalpha():
            j = i
            while j < len(s) and s[j].isascii() and s[j].isalpha():
                j += 1
            run = s[i:j]
            after_script = i > 0 and s[i - 1] in "^_"
            if after_script:
                out.append(run if len(run) == 1 else r"{\mathrm{" + run + "}}")
            elif run in _OPERATOR_NAMES:
                out.append("\\" + run + " ")
            elif len(run) == 1:
                out.append(run)
            else:
                out.append(r"\mathrm{" + run + "}")
            i = j
            continue
        if ch == "√":
            m = _ATOM_AFTER_ROOT.match(s, i + 1)
            if m:
                out.append(r"\sqrt{" + _convert(m.group(0)) + "}")
                i = m.end()
            else:
                out.append(r"\surd ")
                i += 1
            continue
        if ch in "^_" and i + 1 < len(s) and SCRIPTS.get(s[i + 1], " ")[0] == ch:
            i += 1      # "m_o^†": the † is a superscript by itself
            continue
        if ch == "{":
            end = _matching_brace(s, i)
            if end < 0:
                out.append(r"\{")
            elif i > 0 and s[i - 1] in "^_":
                out.append("{" + _convert(s[i + 1:end]) + "}")   # a script's argument
                i = end + 1
                continue
            else:
                out.append(r"\{" + _convert(s[i + 1:end]) + r"\}")  # a set, printed with its braces
                i = end + 1
                continue
            i += 1
            continue
        if ch == "}":
            out.append(r"\}")   # unmatched (a matched one was consumed with its opening brace)
            i += 1
            continue
        if s.startswith("⁻¹", i):
            out.append("^{-1}")
            i += 2
            continue
        if s.startswith("||", i):
            out.append(r"\|")
            i += 2
            continue
        if ch == "*":
            prev = s[i - 1] if i else " "
            out.append("^{*}" if (prev.isalnum() or prev in GREEK or prev in ACCENTS or prev in ")}") else r"\ast ")
        elif ch in GREEK or ch in MATH_SYMBOLS:
            # a control word ends at the space after it, so "Δx" becomes "\Delta x", not "\Deltax";
            # no braces: "{\leq}" would lose the spacing of a relation
            tex = GREEK.get(ch) or MATH_SYMBOLS[ch]
            out.append(tex + " " if tex[-1].isalpha() and tex.startswith("\\") else tex)
        elif ch in SCRIPTS:
            out.append(SCRIPTS[ch])
        elif ch == "~":
            out.append(r"\sim ")
        elif ch in "%#&$":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\backslash ")
        elif ch == '"':
            out.append("''")
        elif ch.isspace():
            out.append(" ")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append(r"\mbox{" + _mark(ch) + "}")
        i += 1
    return "".join(out)


_TOKEN = re.compile(r"\\[A-Za-z]+ ?|\\.|\{|\}|\^|_|\s+|.", re.S)


def _fix_scripts(tex: str) -> str:
    """Insert `{}` before a second superscript (or subscript) on the same atom, and after a script
    with no argument, so the run compiles whatever the source looked like."""
    tokens = _TOKEN.findall(tex)
    out, pos = [], 0

    def sequence(closing: bool):
        nonlocal pos
        seen = set()
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == "}":
                if closing:
                    return
                out.append(tok)     # cannot happen: _convert emits balanced braces
                pos += 1
                continue
            if tok in ("^", "_"):
                if tok in seen:
                    out.append("{}")
                    seen = set()
                seen.add(tok)
                out.append(tok)
                pos += 1
                while pos < len(tokens) and tokens[pos].isspace():
                    pos += 1
                if pos >= len(tokens) or tokens[pos] in ("}", "^", "_"):
                    out.append("{}")
                    continue
                argument()
                continue
            if tok.isspace():
                out.append(tok)
                pos += 1
                continue
            seen = set()
            argument()

    def argument():
        nonlocal pos
        tok = tokens[pos]
        out.append(tok)
        pos += 1
        if tok == "{":
            sequence(closing=True)
            if pos < len(tokens):
                out.append(tokens[pos])   # the closing brace
                pos += 1
            else:
                out.append("}")
        elif tok.strip() in (r"\tfrac", r"\frac", r"\sqrt", r"\mathrm", r"\mathbb", r"\mbox"):
            # commands with a braced argument: the argument belongs to this atom
            while pos < len(tokens) and tokens[pos] == "{":
                argument()

    sequence(closing=False)
    return "".join(out)
