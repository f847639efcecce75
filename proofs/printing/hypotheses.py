"""Hypotheses as a reader wants them: the bounds on one symbol merged into one chain (0 < a < 1),
the tighter of two bounds on the same side kept (Δ ≥ 0 and Δ > 0 print as Δ > 0), every other
relation as it is. Only the printing merges; the statement's relations are untouched. Shared by
every output (LaTeX, Markdown, MathML, the terminal), so they all print the same hypotheses."""
from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.core.relational import Relational


@dataclass(frozen=True)
class Bounds:
    """lower < symbol < upper; a side is (value, strict) or None."""
    symbol: sympy.Symbol
    lower: tuple | None
    upper: tuple | None


def as_bound(rel):
    """(symbol, 'lower'|'upper', value, strict) for `symbol op number`, else None."""
    if not isinstance(rel, Relational) or rel.rel_op not in ("<", "<=", ">", ">="):
        return None
    lhs, rhs, op = rel.lhs, rel.rhs, rel.rel_op
    if isinstance(rhs, sympy.Symbol) and lhs.is_number:
        lhs, rhs = rhs, lhs
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
    if not (isinstance(lhs, sympy.Symbol) and rhs.is_number and rhs.is_real):
        return None
    return lhs, ("lower" if op in (">", ">=") else "upper"), rhs, op in ("<", ">")


def merged_hypotheses(relations) -> list:
    """[Bounds, ..., other relations ...]: one Bounds per bounded symbol, in order of appearance,
    then the relations that are not a bound on one symbol."""
    bounds, order, others = {}, [], []
    for rel in relations:
        parsed = as_bound(rel)
        if parsed is None:
            others.append(rel)
            continue
        sym, side, value, strict = parsed
        if sym not in bounds:
            bounds[sym] = {}
            order.append(sym)
        old = bounds[sym].get(side)
        tighter = (old is None or (value > old[0] if side == "lower" else value < old[0])
                   or (value == old[0] and strict and not old[1]))
        if tighter:
            bounds[sym][side] = (value, strict)
    return [Bounds(sym, bounds[sym].get("lower"), bounds[sym].get("upper")) for sym in order] + others


def chain_text(bounds: Bounds, show) -> str:
    """A Bounds as plain text ("0 < a < 1", "Delta > 0"), each value and the symbol through `show`."""
    less = {True: "<", False: "<="}
    s = show(bounds.symbol)
    if bounds.lower and bounds.upper:
        return (f"{show(bounds.lower[0])} {less[bounds.lower[1]]} {s} {less[bounds.upper[1]]} "
                f"{show(bounds.upper[0])}")
    if bounds.lower:
        return f"{s} {'>' if bounds.lower[1] else '>='} {show(bounds.lower[0])}"
    return f"{s} {less[bounds.upper[1]]} {show(bounds.upper[0])}"
