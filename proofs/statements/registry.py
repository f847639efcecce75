"""The registry of statements and their dependency graph."""
from __future__ import annotations

import importlib
import os

from forgetcheck.statements.theorem import Theorem

#: Catalog modules, in reading order (THEORY §1-§6). Each defines `THEOREMS`, a list.
CATALOG_MODULES = (
    "forgetcheck.catalog.overlap",
    "forgetcheck.catalog.forward_kl",
    "forgetcheck.catalog.reverse_kl",
    "forgetcheck.catalog.replay",
    "forgetcheck.catalog.methods",
    "forgetcheck.catalog.experiments",
    "forgetcheck.catalog.beyond",
)


class RegistryError(ValueError):
    pass


def resolve_reference(reference: str, ids) -> list:
    """The statements a reference names, in `ids` order: the statement itself ('O3.old'), or a group
    ('O3' = every 'O3.*'). The one rule used for --only, depends_on and "fully verified"."""
    ids = list(ids)
    if reference in ids:
        return [reference]
    return [tid for tid in ids if tid.startswith(reference + ".")]


def did_you_mean(reference: str, ids) -> str:
    import difflib
    groups = {tid.split(".")[0] for tid in ids}
    close = difflib.get_close_matches(reference, sorted(set(ids) | groups), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


class Registry:
    def __init__(self, theorems=()):
        self._theorems: dict[str, Theorem] = {}
        for t in theorems:
            self.add(t)

    def add(self, theorem: Theorem) -> None:
        if not isinstance(theorem, Theorem):
            raise RegistryError(f"only Theorem objects can be registered, got {type(theorem).__name__}")
        if theorem.id in self._theorems:
            raise RegistryError(f"duplicate statement id {theorem.id!r}: ids must be unique")
        self._theorems[theorem.id] = theorem

    def __getitem__(self, theorem_id: str) -> Theorem:
        try:
            return self._theorems[theorem_id]
        except KeyError:
            raise RegistryError(f"unknown statement id {theorem_id!r}{did_you_mean(theorem_id, self._theorems)} "
                                f"(`forgetcheck list` shows them all)") from None

    def __contains__(self, theorem_id) -> bool:
        return theorem_id in self._theorems

    def __len__(self) -> int:
        return len(self._theorems)

    def ids(self) -> list:
        return list(self._theorems)

    def theorems(self) -> list:
        return list(self._theorems.values())

    def resolve(self, reference: str) -> list:
        """A dependency names a statement ('O3.old') or a group of them ('O3' = every 'O3.*')."""
        return resolve_reference(reference, self._theorems)

    def resolve_or_explain(self, reference: str) -> list:
        """resolve(), with an error that suggests the closest known ids when nothing matches."""
        found = self.resolve(reference)
        if not found:
            raise RegistryError(f"unknown statement id {reference!r}{did_you_mean(reference, self._theorems)} "
                                f"(`forgetcheck list` shows them all)")
        return found

    def validate(self) -> None:
        """Unknown dependencies and cycles are errors (a proof cannot rest on itself)."""
        for t in self._theorems.values():
            unknown = [d for d in t.depends_on if not self.resolve(d)]
            if unknown:
                raise RegistryError(f"statement {t.id} depends on unknown id(s) {', '.join(unknown)}")
        self.topological_order()

    def topological_order(self) -> list:
        order, state = [], {}

        def visit(tid, path):
            if state.get(tid) == "done":
                return
            if state.get(tid) == "active":
                cycle = path[path.index(tid):] + [tid]
                raise RegistryError(f"dependency cycle: {' -> '.join(cycle)}")
            state[tid] = "active"
            for dep in self.direct_dependencies(tid):
                visit(dep, path + [tid])
            state[tid] = "done"
            order.append(tid)

        for tid in self._theorems:
            visit(tid, [])
        return order

    def direct_dependencies(self, theorem_id: str) -> list:
        return [d for ref in self._theorems[theorem_id].depends_on for d in self.resolve(ref)]

    def dependents(self, theorem_id: str) -> set:
        """Every statement that uses `theorem_id`, directly or through others."""
        found, frontier = set(), {theorem_id}
        while frontier:
            frontier = {t.id for t in self._theorems.values()
                        if set(self.direct_dependencies(t.id)) & frontier} - found
            found |= frontier
        return found

    def select(self, ids) -> list:
        return [self[i] for i in ids]


#: Users' own statement modules (comma-separated import names), verified with the catalog.
EXTRA_CATALOG_ENV = "FORGETCHECK_EXTRA_CATALOG"


def catalog_modules() -> list:
    extra = [m.strip() for m in os.environ.get(EXTRA_CATALOG_ENV, "").split(",") if m.strip()]
    return list(CATALOG_MODULES) + extra


def load_catalog() -> Registry:
    """The catalog of THEORY.md, from whichever section modules exist, plus the modules named in
    $FORGETCHECK_EXTRA_CATALOG (a user's own statements)."""
    registry = Registry()
    for name in catalog_modules():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name and name in CATALOG_MODULES:
                continue  # a section of THEORY.md not encoded yet
            if exc.name == name:
                raise RegistryError(f"{EXTRA_CATALOG_ENV} names module {name!r}, which cannot be "
                                    "imported (is it on PYTHONPATH?)") from None
            raise
        for theorem in module.THEOREMS:
            registry.add(theorem)
    registry.validate()
    return registry
