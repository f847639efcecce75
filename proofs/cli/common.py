"""Helpers shared by the subcommands."""
from __future__ import annotations


def ids_argument(text):
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def select(registry, ids):
    """The statements named by ids (group ids like O3 expand to O3.*), or all of them."""
    if not ids:
        return registry.theorems()
    chosen = []
    for ref in ids:
        chosen.extend(t for t in registry.resolve_or_explain(ref) if t not in chosen)
    return registry.select(chosen)
