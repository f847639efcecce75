"""forgetcheck in pytest: a theory repository runs its statements as a regression suite.

    from forgetcheck.testing import parametrize_theorems
    from my_statements import THEOREMS

    @parametrize_theorems(THEOREMS)
    def test_theory(theorem, check):
        check(theorem)

One test per (statement, aspect), with ids such as `U1-definition`, `U1-printing`, `U1-evidence`,
`U1-mutants` (and `U1-dependencies` for a statement that uses others), as scikit-learn's
`parametrize_with_checks` does for estimators. A failure says what is wrong and prints the
counterexample. The statements are verified once per session, all of a decorator's statements
together (in parallel processes when they can be rebuilt by import from the configured catalogs,
in this process otherwise), with the profile and digits of the command-line options
`--forgetcheck-profile` (ci or deep) and `--forgetcheck-dps`. Under pytest-xdist, run with
`--dist loadfile`: a decorator's statements are verified once per worker that runs any of its tests.

This module is also the pytest plugin (entry point `pytest11`) that adds those options.
"""
from __future__ import annotations

import functools
import os

import pytest

ASPECTS = ("definition", "printing", "evidence", "mutants", "dependencies")

_options = {"profile": "ci", "dps": None}
_reports: dict = {}   # (content hash, settings) -> StatementReport


def pytest_addoption(parser):
    group = parser.getgroup("forgetcheck")
    group.addoption("--forgetcheck-profile", default="ci", choices=["ci", "deep"],
                    help="verification profile of parametrize_theorems (default: ci)")
    group.addoption("--forgetcheck-dps", type=int, default=None,
                    help="digits of every numeric evaluation (default: the profile's)")


def pytest_configure(config):
    _options["profile"] = config.getoption("--forgetcheck-profile", "ci")
    _options["dps"] = config.getoption("--forgetcheck-dps", None)


def settings():
    """The Settings the options select."""
    from forgetcheck.run.settings import profile
    return profile(_options["profile"], dps=_options["dps"])


def _key(theorem, chosen):
    return theorem.content_hash(), chosen


@functools.lru_cache(maxsize=1)
def _configured_catalog():
    """(sources, registry) of the catalogs configured for this folder, loaded once per session;
    (None, None) when they cannot be loaded here (statements then run in this process)."""
    from forgetcheck.statements.registry import CatalogSources, load_catalog
    try:
        sources = CatalogSources.configured()
        return sources, load_catalog(sources)
    except Exception:  # e.g. a malformed [tool.forgetcheck]: the given statements still run
        return None, None


def _rebuildable(theorems):
    """The configured catalogs (a registry factory worker processes can call) when every statement
    is in them unchanged, else None."""
    sources, registry = _configured_catalog()
    if registry is None:
        return None
    same = all(t.id in registry and registry[t.id].content_hash() == t.content_hash() for t in theorems)
    return sources if same else None


def _with_dependencies(group) -> list:
    """The group and, from the configured catalogs, every statement it uses that it lacks."""
    from forgetcheck.statements.registry import resolve_reference
    given = {t.id: t for t in group}
    frontier = list(group)
    while frontier:
        theorem = frontier.pop()
        for reference in theorem.depends_on:
            if resolve_reference(reference, given):
                continue
            _, catalog = _configured_catalog()
            for found in catalog.select(catalog.resolve(reference)) if catalog is not None else ():
                if found.id not in given:
                    given[found.id] = found
                    frontier.append(found)
    return list(given.values())


def _verify_group(group, chosen) -> None:
    from forgetcheck.run.runner import mark_fully_verified, verify_all
    group = _with_dependencies(group)
    todo = [t for t in group if _key(t, chosen) not in _reports]
    if todo:
        factory = _rebuildable(todo)
        jobs = (os.cpu_count() or 1) if factory is not None else 1
        options = {"registry_factory": factory} if factory is not None else {}
        for report in verify_all(todo, chosen, jobs=jobs, **options):
            _reports[report.content_hash, chosen] = report
    mark_fully_verified([_reports[_key(t, chosen)] for t in group])


class _Check:
    """The `check` argument: check(theorem) asserts one aspect of the statement."""

    def __init__(self, aspect: str, group: tuple):
        self.aspect, self.group = aspect, group

    def __repr__(self):
        return f"check[{self.aspect}]"

    def report(self, theorem):
        chosen = settings()
        if _key(theorem, chosen) not in _reports:
            _verify_group(self.group, chosen)
        return _reports[_key(theorem, chosen)]

    def __call__(self, theorem):
        from forgetcheck.run.conformance import check_definition, check_printing, check_report
        from forgetcheck.run.report import problems
        if self.aspect == "definition":
            found = check_definition(theorem)
        elif self.aspect == "printing":
            found = check_printing(theorem)
        elif self.aspect == "evidence":
            report = self.report(theorem)
            found = [p for p in check_report(theorem, report) if not p.startswith(("mutant", "no mutant"))]
            if found:
                found.append(problems([report]))
        elif self.aspect == "mutants":
            report = self.report(theorem)
            found = [p for p in check_report(theorem, report) if p.startswith(("mutant", "no mutant"))]
        else:  # dependencies
            report = self.report(theorem)
            found = [] if report.fully_verified or not report.passed else [
                f"{theorem.id} passed, but a statement it uses ({', '.join(theorem.depends_on)}), directly or "
                "not, did not pass or could not be found in the configured catalogs"]
        if found:
            pytest.fail(f"{theorem.id} ({self.aspect}):\n  " + "\n  ".join(found), pytrace=False)


def parametrize_theorems(theorems):
    """Parametrize a test over (statement, aspect): the arguments are named `theorem` and `check`.
    `theorems` is an iterable of forgetcheck.Theorem (e.g. a catalog module's THEOREMS, or
    forgetcheck.statements.registry.load_catalog().theorems())."""
    from forgetcheck.statements.theorem import Theorem
    group = tuple(theorems)
    if not group:
        raise ValueError("parametrize_theorems: no statements given (an empty list checks nothing)")
    bad = [t for t in group if not isinstance(t, Theorem)]
    if bad:
        raise TypeError(f"parametrize_theorems: expected forgetcheck.Theorem objects, got {type(bad[0]).__name__}")
    params = []
    for theorem in group:
        for aspect in ASPECTS:
            if aspect == "dependencies" and not theorem.depends_on:
                continue
            params.append(pytest.param(theorem, _Check(aspect, group), id=f"{theorem.id}-{aspect}"))
    return pytest.mark.parametrize(("theorem", "check"), params)
