"""Incremental verification: reuse the verdict of every statement whose key is unchanged.

The key of a statement hashes everything its verdict depends on:
* the statement itself (Theorem.content_hash: claim, hypotheses, domain, mutants, ...) and a full
  fingerprint of its checks (their fields, and the source of the functions they call that live in
  the catalog),
* the code its numbers come from wherever it lives (quantity_fingerprint): each engine quantity
  its claims use, with its defining integrand and the source of the modules defining and
  computing it, and the source of a user module that defines the statement,
* the settings (profile, digits, seed, budgets),
* the versions of python and the numeric libraries, and of this project, whose engine and
  statement-layer source is hashed too (a fix in the quadrature invalidates every verdict),
* the keys of the statements it depends on, so an edit re-checks the statement and everything that
  uses it, directly or not (Registry.dependents), and nothing else.

Verdicts are stored as JSON, one file per statement, in $FORGETCHECK_CACHE/results (default
.forgetcheck-cache/results); deleting the folder, or `forgetcheck verify --fresh`, re-checks
everything. Only reports of statements whose every batch completed without an error are stored:
a crash says nothing about the statement and is re-run next time. A reused report is marked with
the time its verdict was obtained.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import sympy

#: Bump when the stored layout or the meaning of a key changes: old entries are then ignored.
CACHE_FORMAT = 1
#: Verdicts kept per statement (e.g. the ci and the deep profile, before and after an edit).
ENTRIES_PER_STATEMENT = 8
#: Source that cannot change a verdict: presentation, the command line, this cache, and the
#: catalog's statements, which are hashed one by one (an edit re-checks only what it touches).
#: The catalog's quantities (which engine function a symbol calls, with which arguments) do
#: decide verdicts and are hashed with the engine.
_SOURCE_EXCLUDED = ("catalog/", "cli/", "printing/", "run/report.py", "run/cache.py")
_SOURCE_INCLUDED = ("catalog/quantities/", "catalog/notation.py")


def _decides_verdicts(relative: str) -> bool:
    return relative.startswith(_SOURCE_INCLUDED) or not relative.startswith(_SOURCE_EXCLUDED)


def default_folder() -> Path:
    return Path(os.environ.get("FORGETCHECK_CACHE", ".forgetcheck-cache")) / "results"


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """Hash of the engine (forgetcheck.numerics) and statement-layer (forgetcheck) source that
    decides verdicts, wherever the two are installed (in an editable install they are the
    checkout's proofs/ and numerics/ folders)."""
    import forgetcheck
    from forgetcheck import numerics
    digest = hashlib.sha256()
    for package, prefix in ((numerics, "numerics/"), (forgetcheck, "")):
        root = Path(list(package.__path__)[0])
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if prefix or (_decides_verdicts(relative) and not relative.startswith("numerics/")):
                digest.update((prefix + relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def versions() -> dict:
    """Python, the numeric libraries and this project (version and source hash)."""
    from forgetcheck.run.runner import environment, project_version
    return dict(environment(), forgetcheck=f"{project_version()} (source {source_fingerprint()})")


def _code_fingerprint(function, seen) -> str:
    """The source of a function and of the catalog functions it names, recursively: editing a
    custom check, or a helper it calls, changes the key even when its description does not."""
    if function in seen:
        return ""
    seen.add(function)
    try:
        parts = [f"{function.__module__}.{function.__qualname__}", inspect.getsource(function)]
    except (OSError, TypeError):  # no source (built-in, generated): its bytecode stands in
        code = getattr(function, "__code__", None)
        return f"{getattr(function, '__qualname__', type(function).__name__)}:{code.co_code.hex() if code else ''}"
    names, codes = set(), [function.__code__]
    while codes:  # the names used by the function and by the lambdas/comprehensions inside it
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if inspect.iscode(c))
    for name in sorted(names):
        target = function.__globals__.get(name)
        if inspect.isfunction(target) and target.__module__.startswith("forgetcheck.catalog"):
            parts.append(_code_fingerprint(target, seen))
    return "\n".join(parts)


def _module_source(module_name: str) -> str:
    """The bytes of a module's file (hashed), or of nothing when it has no file (a notebook)."""
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if not path:
        return f"{module_name}:<no file>"
    try:
        return f"{module_name}:{hashlib.sha256(Path(path).read_bytes()).hexdigest()}"
    except OSError:
        return f"{module_name}:<unreadable>"


#: Libraries whose versions are part of the key already (versions()).
_VERSIONED_LIBRARIES = ("mpmath", "sympy", "flint", "numpy", "scipy", "gmpy2")


def _outside_package(module_name: str) -> bool:
    """Code that neither source_fingerprint (this project, whose catalog statements are hashed one
    by one) nor versions() (the numeric libraries) covers: a user's."""
    top = module_name.split(".")[0]
    return top != "forgetcheck" and top not in _VERSIONED_LIBRARIES


def _defining_module(theorem) -> str | None:
    """The module whose THEOREMS holds this very statement object, if any is loaded."""
    for name, module in list(sys.modules.items()):
        theorems = getattr(module, "THEOREMS", None)
        if isinstance(theorems, (list, tuple)) and any(t is theorem for t in theorems):
            return name
    return None


def quantity_fingerprint(theorem) -> list:
    """What the statement's numbers depend on beyond its sympy text: for every engine quantity its
    claims and mutants use, its definition (an integrand, for a declared quantity) and the source
    of the module that defines it and of the engine module it calls, wherever they live (a user's
    module included); and the source of the user module that defines the statement. Editing a
    user quantity's code therefore re-checks the statements that use it."""
    from forgetcheck.quantities.engine_function import EngineFunction
    exprs = [theorem.claim.lhs, theorem.claim.rhs, *theorem.hypotheses]
    for mutant in theorem.mutants:
        exprs += [mutant.claim.lhs, mutant.claim.rhs]
    classes = {type(f) for e in exprs for f in sympy.sympify(e).atoms(EngineFunction)}
    parts, modules = [], set()
    for cls in sorted(classes, key=lambda c: (c.__module__, c.__name__)):
        parts.append(f"{cls.__module__}.{cls.__name__}")
        definition = getattr(cls, "definition", None)
        if callable(definition):
            parts.append(sympy.srepr(definition()))
        modules.add(cls.__module__)
        if cls.engine and ":" in cls.engine:
            modules.add(cls.engine.split(":")[0])
    home = _defining_module(theorem)
    if home:
        modules.add(home)
    parts += [_module_source(m) for m in sorted(modules) if _outside_package(m)]
    return parts


def _stable(value, seen) -> str:
    """A text that changes exactly when the value does, and is the same in every process
    (repr would show addresses of functions)."""
    if isinstance(value, sympy.Basic):
        return sympy.srepr(value)
    if inspect.isfunction(value):
        return _code_fingerprint(value, seen)
    if isinstance(value, functools.partial):
        return f"partial({_stable(value.func, seen)}, {_stable(value.args, seen)}, {_stable(value.keywords, seen)})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ", ".join(f"{f.name}={_stable(getattr(value, f.name), seen)}" for f in dataclasses.fields(value))
        return f"{type(value).__module__}.{type(value).__qualname__}({fields})"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_stable(v, seen) for v in value) + ")"
    if isinstance(value, (set, frozenset)):  # repr's order follows string hashing, which differs per process
        return "{" + ", ".join(sorted(_stable(v, seen) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_stable(k, seen)}: {_stable(v, seen)}" for k, v in sorted(value.items(), key=str)) + "}"
    if callable(value) and not isinstance(value, type):
        return f"{type(value).__module__}.{type(value).__qualname__}"
    return repr(value)


def check_fingerprint(check) -> str:
    return _stable(check, set())


def _hash(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


class Keys:
    """The cache keys of a registry's statements under one set of settings and versions."""

    def __init__(self, registry, settings, library_versions=None):
        self.registry = registry
        self.settings = settings.to_json()
        self.versions = versions() if library_versions is None else library_versions
        self._own, self._full = {}, {}

    def own(self, theorem_id: str) -> str:
        """The statement alone, without what it depends on."""
        if theorem_id not in self._own:
            t = self.registry[theorem_id]
            self._own[theorem_id] = _hash(CACHE_FORMAT, t.content_hash(), [check_fingerprint(c) for c in t.checks],
                                          quantity_fingerprint(t), self.settings, self.versions)
        return self._own[theorem_id]

    def full(self, theorem_id: str) -> str:
        """The statement and, through their keys, everything it depends on (the registry rejects cycles)."""
        if theorem_id not in self._full:
            dependencies = sorted(self.full(d) for d in set(self.registry.direct_dependencies(theorem_id)))
            self._full[theorem_id] = _hash(self.own(theorem_id), dependencies)
        return self._full[theorem_id]


class ResultCache:
    """Stored statement reports, one JSON file per statement holding its most recent entries."""

    def __init__(self, folder=None):
        self.folder = Path(folder) if folder is not None else default_folder()

    def _path(self, theorem_id: str) -> Path:
        return self.folder / f"{theorem_id}.json"  # ids are letters, digits, '.', '-', '_'

    def _entries(self, theorem_id: str) -> dict:
        try:
            data = json.loads(self._path(theorem_id).read_text())
        except (OSError, ValueError):
            return {}  # missing or unreadable: nothing reusable
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return {}
        return data.get("entries", {})

    def lookup(self, theorem_id: str, key: str):
        """The stored report under this key, marked with when its verdict was obtained, or None."""
        from forgetcheck.run.runner import StatementReport
        entry = self._entries(theorem_id).get(key)
        if entry is None:
            return None
        try:
            report = StatementReport.from_json(entry["report"])
        except (KeyError, TypeError, ValueError):
            return None  # written by another version of the report format: re-check
        report.cached_at = entry["obtained_at"]
        return report

    def has_own(self, theorem_id: str, own_key: str) -> bool:
        return any(e.get("own_key") == own_key for e in self._entries(theorem_id).values())

    def store(self, report, key: str, own_key: str) -> bool:
        """Keep a complete verdict (passed or failed); a crashed run is not a verdict. Returns
        whether it was stored; a read-only folder loses the cache, never the run."""
        if report.error:
            return False
        entries = self._entries(report.id)
        document = report.to_json()
        document["cached_at"] = None
        entries[key] = {"own_key": own_key, "obtained_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                        "stored": time.time(), "report": document}
        newest = sorted(entries.items(), key=lambda kv: kv[1].get("stored", 0))[-ENTRIES_PER_STATEMENT:]
        path = self._path(report.id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"format": CACHE_FORMAT, "id": report.id, "entries": dict(newest)},
                                            default=str))
            os.replace(temporary, path)  # atomic: an interrupted write leaves the old file
        except OSError:
            return False
        return True


@dataclass
class IncrementalRun:
    reports: list                                 # in the order of the selection
    reused: list = field(default_factory=list)    # ids whose cached verdict was reused
    rechecked: dict = field(default_factory=dict)  # id -> why it was re-checked
    folder: Path | None = None

    def summary(self) -> str:
        why = {}
        for reason in self.rechecked.values():
            why[reason] = why.get(reason, 0) + 1
        detail = "; ".join(f"{n} {reason}" for reason, n in why.items())
        return (f"cache: {len(self.reused)} verdict(s) reused from earlier runs (marked cached, with the time "
                f"each was obtained), {len(self.rechecked)} re-checked now" + (f": {detail}" if detail else "")
                + f"; delete {self.folder} or pass --fresh to re-check everything")


CHANGED = "new, edited, or last checked under other settings or library versions"
DEPENDENCY_CHANGED = "using something that changed"
FRESH = "--fresh"


class Plan:
    """What an incremental run will reuse and what it must check, decided before anything runs
    (so a cluster is started only when there is work for it)."""

    def __init__(self, registry, theorems, settings, *, fresh=False, folder=None):
        self.cache = ResultCache(folder)
        self.keys = Keys(registry, settings)
        self.settings = settings
        self.theorems = list(theorems)
        self.cached, self.stale, self.reasons = {}, [], {}
        for t in self.theorems:
            found = None if fresh else self.cache.lookup(t.id, self.keys.full(t.id))
            if found is not None:
                self.cached[t.id] = found
                continue
            self.stale.append(t)
            self.reasons[t.id] = (FRESH if fresh else DEPENDENCY_CHANGED
                                  if self.cache.has_own(t.id, self.keys.own(t.id)) else CHANGED)

    def run(self, *, progress=None, **run_options) -> IncrementalRun:
        """Check the stale statements with runner.verify_all (run_options: jobs, executor,
        registry_factory), storing each complete verdict as it arrives (an interrupted run keeps
        them), and mark "fully verified" over the whole selection. progress(report, done, total)
        is called for the reused reports first."""
        from forgetcheck.run.runner import mark_fully_verified, verify_all

        total = len(self.theorems)
        reports = {}
        for theorem_id, report in self.cached.items():
            reports[theorem_id] = report
            if progress:
                progress(report, len(reports), total)

        def finished(report, done, of):
            self.cache.store(report, self.keys.full(report.id), self.keys.own(report.id))
            reports[report.id] = report
            if progress:
                progress(report, len(reports), total)

        if self.stale:
            verify_all(self.stale, self.settings, progress=finished, **run_options)
        ordered = [reports[t.id] for t in self.theorems]
        mark_fully_verified(ordered)
        return IncrementalRun(ordered, list(self.cached), dict(self.reasons), self.cache.folder)


def verify_incremental(registry, theorems, settings, *, fresh=False, folder=None, progress=None,
                       **run_options) -> IncrementalRun:
    """Reuse unchanged verdicts and check the rest (Plan, then Plan.run)."""
    return Plan(registry, theorems, settings, fresh=fresh, folder=folder).run(progress=progress, **run_options)
