"""Helpers shared by the subcommands."""
from __future__ import annotations

import sys


def ids_argument(text):
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def add_catalog_option(parser) -> None:
    parser.add_argument("--catalog", action="append", default=[], metavar="FILE.py",
                        help="statements of your own: a Python file or an importable module defining "
                             "THEOREMS (repeatable); also read from [tool.forgetcheck] catalogs = [...] in "
                             "the nearest pyproject.toml and from packages' forgetcheck.catalogs entry points")


def catalog_sources(args):
    from forgetcheck.statements.registry import CatalogSources
    return CatalogSources.configured(getattr(args, "catalog", ()) or ())


def load_registry(args):
    """The paper's catalog and the user's, with what could not be loaded reported on stderr (the
    rest is usable: one bad statement does not block the others)."""
    from forgetcheck.statements.registry import load_catalog
    registry = load_catalog(catalog_sources(args))
    for problem in registry.problems:
        print(f"forgetcheck: warning: {problem}", file=sys.stderr)
    return registry


def select(registry, ids):
    """The statements named by ids (group ids like O3 expand to O3.*), or all of them."""
    if not ids:
        return registry.theorems()
    chosen = []
    for ref in ids:
        chosen.extend(t for t in registry.resolve_or_explain(ref) if t not in chosen)
    return registry.select(chosen)
