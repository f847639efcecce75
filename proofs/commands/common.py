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
        resolved = registry.resolve(ref)
        if not resolved:
            raise ValueError(f"--only names unknown statement {ref!r}; known: {', '.join(registry.ids())}")
        chosen.extend(t for t in resolved if t not in chosen)
    return registry.select(chosen)
