"""Notation: every symbol a statement uses, with its sympy assumptions, its LaTeX and its meaning.

A symbol is declared once, by the module that owns it: the catalog's in forgetcheck.catalog.notation,
a user's in the user's own statement module (`forgetcheck.declare`). Declaring happens at import,
so worker processes and dask workers, which import the same modules to rebuild the statements, see
the same symbols. Re-declaring a name identically is harmless (a module imported twice); declaring
it differently is an error, because one name would then mean two things in one report.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import sympy
from forgetcheck.numerics.errors import InputError

#: sympy assumptions a declared symbol may carry (anything else is a typo, not a fact).
ASSUMPTIONS = ("real", "positive", "nonnegative", "negative", "nonpositive", "integer", "finite", "nonzero")


@dataclass(frozen=True)
class Notation:
    name: str
    assumptions: tuple   # sorted (key, value) pairs
    latex: str
    meaning: str
    declared_by: str

    def same_as(self, other: "Notation") -> bool:
        return (self.assumptions, self.latex, self.meaning) == (other.assumptions, other.latex, other.meaning)


_NOTATION: dict[str, Notation] = {}
_source = ["a user module"]
_catalog_loaded = False


@contextlib.contextmanager
def notation_source(description: str):
    """Attribute the declarations made inside the block to `description` (for clash messages)."""
    _source.append(description)
    try:
        yield
    finally:
        _source.pop()


def _load_catalog_notation() -> None:
    global _catalog_loaded
    if not _catalog_loaded:
        _catalog_loaded = True
        import forgetcheck.catalog.notation  # noqa: F401  (declares the paper's symbols)


def declare(name: str, *, latex: str | None = None, meaning: str = "", **assumptions) -> sympy.Symbol:
    r"""Declare a symbol of one's own and return it.

        eta = forgetcheck.declare("eta", latex=r"\eta", meaning="a threshold", positive=True)

    `latex` defaults to the name; `meaning` is printed in the notation table of the appendix and
    the theory notes; `assumptions` are sympy's (positive=True, real=True, integer=True, ...).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"declare: name must be a Python identifier such as 'eta' or 'm_1', got {name!r}")
    unknown = sorted(set(assumptions) - set(ASSUMPTIONS))
    if unknown:
        raise InputError(f"declare({name!r}): unknown assumption(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(ASSUMPTIONS)}")
    bad = {k: v for k, v in assumptions.items() if not isinstance(v, bool)}
    if bad:
        raise InputError(f"declare({name!r}): assumptions take True or False, got {bad}")
    if not _source[-1].startswith("the catalog"):
        _load_catalog_notation()
    entry = Notation(name, tuple(sorted(assumptions.items())), latex if latex is not None else name,
                     meaning, _source[-1])
    known = _NOTATION.get(name)
    if known is not None and not known.same_as(entry):
        raise InputError(
            f"declare({name!r}): the name is already declared by {known.declared_by} with assumptions "
            f"{dict(known.assumptions)}, LaTeX {known.latex!r}, meaning {known.meaning!r}; a name means one "
            "thing in a report: pick another name, or declare it exactly as before")
    if known is None:
        _NOTATION[name] = entry
    return sympy.Symbol(name, **assumptions)


def declared(name: str) -> Notation | None:
    _load_catalog_notation()
    return _NOTATION.get(name)


def symbol(name: str) -> sympy.Symbol:
    """The declared symbol `name` (the same object every call: sympy caches by name + assumptions)."""
    entry = declared(name)
    if entry is None:
        raise KeyError(f"no notation for {name!r}: declare it first, e.g. "
                       f"forgetcheck.declare({name!r}, latex=..., meaning=..., positive=True)")
    return sympy.Symbol(name, **dict(entry.assumptions))


def symbols(names: str) -> tuple:
    """The declared symbols named in `names` (space separated), e.g. symbols("a Delta")."""
    return tuple(symbol(n) for n in names.split())


def latex_of(name: str) -> str | None:
    entry = declared(name)
    return entry.latex if entry else None


def meaning_of(name: str) -> str | None:
    entry = declared(name)
    return entry.meaning if entry else None


def odds(weight) -> sympy.Expr:
    """c(a) = (1 − a)/a (THEORY §0)."""
    return (1 - weight) / weight


def binary_entropy(p) -> sympy.Expr:
    return -p * sympy.log(p) - (1 - p) * sympy.log(1 - p)
