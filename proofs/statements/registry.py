"""The registry of statements and their dependency graph."""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from forgetcheck.numerics.errors import InputError
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


class RegistryError(InputError):
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
        self.problems: list = []   # LoadProblem: what load_catalog had to leave out
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

    def remove(self, theorem_id: str) -> None:
        del self._theorems[theorem_id]

    def invalid_statements(self) -> list:
        """(id, why) for statements with unknown dependencies, statements that use them, and
        statements in a dependency cycle, in a stable order."""
        bad = {}
        for t in self._theorems.values():
            unknown = [d for d in t.depends_on if not self.resolve(d)]
            if unknown:
                bad[t.id] = ("depends on unknown id(s) " + ", ".join(
                    f"{u!r}{did_you_mean(u, self._theorems)}" for u in unknown))
        changed = True
        while changed:  # whatever uses a left-out statement cannot be checked either
            changed = False
            for t in self._theorems.values():
                if t.id not in bad:
                    missing = [d for d in self.direct_dependencies(t.id) if d in bad]
                    if missing:
                        bad[t.id] = f"uses {', '.join(missing)}, which could not be loaded"
                        changed = True
        try:  # a cycle among the rest: its members are left out (one cycle reported per load)
            Registry([t for t in self._theorems.values() if t.id not in bad]).topological_order()
        except RegistryError as exc:
            for tid in exc.cycle:
                bad.setdefault(tid, str(exc))
        return list(bad.items())

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
                error = RegistryError(f"dependency cycle: {' -> '.join(cycle)}")
                error.cycle = cycle[:-1]
                raise error
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


@dataclass(frozen=True)
class LoadProblem:
    """A catalog, or one statement of it, that could not be used; the rest load without it."""
    source: str           # the catalog file or module
    statement: str        # the statement id, or "" when the whole catalog failed to load
    message: str

    def __str__(self) -> str:
        what = f"statement {self.statement}" if self.statement else "it could not be loaded"
        return f"catalog {self.source}: {what}: {self.message}"


@dataclass(frozen=True)
class CatalogSources:
    """Where statements come from: the paper's catalog, then users' catalogs, each a Python file
    (`my_statements.py`) or an importable module name (`mypaper.statements`) defining THEOREMS.

    Frozen and made of strings, so it crosses process boundaries by value: a worker process (or a
    dask worker, where the same paths must exist) calls it to rebuild the very same registry."""
    catalogs: tuple = ()
    include_paper: bool = True

    def __call__(self) -> "Registry":
        return load_catalog(self)

    @classmethod
    def configured(cls, extra=(), *, start: Path | None = None) -> "CatalogSources":
        """The paper's catalog, the catalogs named in the nearest pyproject.toml's
        `[tool.forgetcheck] catalogs = [...]` (relative to that file), the packages registered under
        the `forgetcheck.catalogs` entry-point group, then `extra` (e.g. from --catalog)."""
        found = list(_pyproject_catalogs(start or Path.cwd())) + list(_entry_point_catalogs())
        found += [_absolute(c) for c in extra]
        unique = tuple(dict.fromkeys(found))
        return cls(unique)


def _absolute(reference: str) -> str:
    """A file path made absolute (workers may run elsewhere), a module name left as it is."""
    reference = str(reference)
    if _is_file_reference(reference):
        return str(Path(reference).expanduser().resolve())
    return reference


def _is_file_reference(reference: str) -> bool:
    return reference.endswith(".py") or "/" in reference or os.sep in reference


def _pyproject_catalogs(start: Path):
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            try:
                config = tomllib.loads(candidate.read_text()).get("tool", {}).get("forgetcheck", {})
            except (OSError, ValueError) as exc:
                raise RegistryError(f"{candidate}: cannot be read as TOML ({exc})") from None
            catalogs = config.get("catalogs", [])
            if not isinstance(catalogs, list) or not all(isinstance(c, str) for c in catalogs):
                raise RegistryError(f"{candidate}: [tool.forgetcheck] catalogs must be a list of file paths "
                                    f"or module names, got {catalogs!r}")
            for c in catalogs:
                yield str((folder / c).resolve()) if _is_file_reference(c) else c
            return  # the nearest pyproject.toml is the project's: stop there


def _entry_point_catalogs():
    from importlib.metadata import entry_points
    for ep in entry_points(group="forgetcheck.catalogs"):
        yield ep.value.split(":")[0].strip()


def _import_catalog(reference: str):
    """The module a catalog reference names. A file is imported under its stem, with its folder
    on sys.path so that it can import its neighbours, as `python my_statements.py` would."""
    if not _is_file_reference(reference):
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.append(os.getcwd())
        return importlib.import_module(reference)
    path = Path(reference)
    if not path.is_file():
        raise FileNotFoundError(f"no such file {reference}")
    name = path.stem
    if not name.isidentifier():
        raise InputError(f"the file name {path.name!r} is not a Python module name (use letters, digits, _)")
    loaded = sys.modules.get(name)
    if loaded is not None:
        if Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
            return loaded
        raise InputError(f"a module named {name!r} is already imported from {getattr(loaded, '__file__', None)}; "
                         "rename the catalog file")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    return importlib.import_module(name)


def _problem_text(exc: BaseException) -> str:
    import traceback
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def load_catalog(sources: CatalogSources | None = None) -> Registry:
    """The registry of the paper's catalog plus the users' catalogs in `sources` (default: the
    ones configured for the current folder, CatalogSources.configured()).

    A user catalog that fails to import, a statement with unknown dependencies or in a cycle is
    left out and recorded in `registry.problems` (a LoadProblem each), so one typo does not block
    the other statements; commands print the problems and `verify` fails while there are any."""
    sources = CatalogSources.configured() if sources is None else sources
    registry = Registry()
    origin = {}
    if sources.include_paper:
        for name in CATALOG_MODULES:
            for theorem in importlib.import_module(name).THEOREMS:
                registry.add(theorem)
                origin[theorem.id] = name
    for reference in sources.catalogs:
        try:
            module = _import_catalog(reference)
            theorems = getattr(module, "THEOREMS", None)
            if not isinstance(theorems, (list, tuple)):
                raise InputError("defines no THEOREMS list (a list of forgetcheck.Theorem)")
            for theorem in theorems:
                if getattr(theorem, "id", None) in origin:
                    registry.problems.append(LoadProblem(reference, theorem.id,
                                                         f"duplicate id: {origin[theorem.id]} defines it already"))
                    continue
                registry.add(theorem)
                origin[theorem.id] = reference
        except Exception as exc:  # a user's module can fail in any way; the others still load
            registry.problems.append(LoadProblem(reference, "", _problem_text(exc)))
    for theorem_id, message in registry.invalid_statements():
        registry.remove(theorem_id)
        registry.problems.append(LoadProblem(origin.get(theorem_id, "?"), theorem_id, message))
    registry.validate()
    return registry
