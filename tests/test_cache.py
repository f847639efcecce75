"""Incremental verification: what is re-checked after an edit, a library upgrade, --fresh, a crash;
cached reports read back exactly as they were written."""
import json

import pytest

import cheap_catalog
from forgetcheck.run import cache
from forgetcheck import cli
from forgetcheck.run import runner
from forgetcheck.run.cache import CHANGED, DEPENDENCY_CHANGED, FRESH, verify_incremental
from forgetcheck.checks.kinds import Custom, Sampled
from forgetcheck.statements.claims import Claim
from forgetcheck.statements.registry import Registry
from forgetcheck.run.settings import profile
from forgetcheck.statements.theorem import Theorem

SMALL = profile("ci", points=12, search_points=6, search_popsize=4)
ALL = {"CHEAP.base", "CHEAP.middle", "CHEAP.top"}


@pytest.fixture
def checked(monkeypatch):
    """The ids each run actually handed to the runner, run by run."""
    runs = []
    real = runner.verify_all

    def spy(theorems, settings, **options):
        theorems = list(theorems)
        runs.append({t.id for t in theorems})
        return real(theorems, settings, **options)

    monkeypatch.setattr(runner, "verify_all", spy)
    return runs


def comparable(report):
    document = report.to_json()
    document.pop("cached_at")
    return document


def test_a_second_run_reuses_every_verdict_exactly(tmp_path, checked):
    registry = cheap_catalog.registry()
    first = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert first.reused == [] and set(first.rechecked) == ALL and checked == [ALL]
    assert all(r.passed and not r.cached_at for r in first.reports)
    second = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert set(second.reused) == ALL and second.rechecked == {} and checked == [ALL]  # nothing ran
    assert all(r.cached_at for r in second.reports)
    # the JSON round trip loses nothing: mutants' counterexamples, worst points, seconds
    assert [comparable(r) for r in second.reports] == [comparable(r) for r in first.reports]
    assert all(m.counterexample is not None for r in second.reports for m in r.mutants)


def test_editing_one_statement_rechecks_it_and_its_dependents_and_nothing_else(tmp_path, checked):
    registry = cheap_catalog.registry()
    verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    edited = cheap_catalog.registry([cheap_catalog.BASE, cheap_catalog.MIDDLE_EDITED, cheap_catalog.TOP])
    assert edited["CHEAP.middle"].content_hash() != registry["CHEAP.middle"].content_hash()
    run = verify_incremental(edited, edited.theorems(), SMALL, folder=tmp_path, jobs=1)
    expected = {"CHEAP.middle"} | edited.dependents("CHEAP.middle")
    assert expected == {"CHEAP.middle", "CHEAP.top"}
    assert checked[-1] == expected and set(run.rechecked) == expected
    assert run.rechecked == {"CHEAP.middle": CHANGED, "CHEAP.top": DEPENDENCY_CHANGED}
    assert run.reused == ["CHEAP.base"]
    by_id = {r.id: r for r in run.reports}
    assert by_id["CHEAP.base"].cached_at and not by_id["CHEAP.middle"].cached_at
    assert all(r.fully_verified for r in run.reports)  # recomputed over cached and fresh reports
    # selecting only the dependent still sees that what it uses changed: its key folds theirs in
    cheap_catalog_again = verify_incremental(registry, [registry["CHEAP.top"]], SMALL, folder=tmp_path, jobs=1)
    assert cheap_catalog_again.reused == ["CHEAP.top"]  # the original chain is still cached
    top_only = verify_incremental(edited, [edited["CHEAP.top"]], SMALL, folder=tmp_path, jobs=1)
    assert top_only.reused == ["CHEAP.top"]  # and so is the edited chain


def test_a_library_version_change_invalidates_the_cache(tmp_path, checked, monkeypatch):
    registry = cheap_catalog.registry()
    verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    real = cache.versions()
    monkeypatch.setattr(cache, "versions", lambda: dict(real, mpmath="99.0"))
    upgraded = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert upgraded.reused == [] and checked[-1] == ALL
    assert set(upgraded.rechecked.values()) == {CHANGED}
    monkeypatch.setattr(cache, "versions", lambda: real)
    back = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert set(back.reused) == ALL and len(checked) == 2  # the old versions' entries were kept


def test_other_settings_are_another_key(tmp_path, checked):
    registry = cheap_catalog.registry()
    verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    reseeded = verify_incremental(registry, registry.theorems(), profile("ci", points=12, search_points=6,
                                                                        search_popsize=4, seed=1),
                                  folder=tmp_path, jobs=1)
    assert reseeded.reused == [] and checked[-1] == ALL


def test_fresh_ignores_the_cache_and_refreshes_it(tmp_path, checked):
    registry = cheap_catalog.registry()
    verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    fresh = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1, fresh=True)
    assert fresh.reused == [] and set(fresh.rechecked.values()) == {FRESH} and checked[-1] == ALL
    assert not any(r.cached_at for r in fresh.reports)


def _crash(theorem, claim, settings):
    raise RuntimeError("a check that crashes")


def test_errors_are_not_cached(tmp_path, checked):
    crashing = Theorem(id="CHEAP.crash", title="crashes", section="test", source="tests",
                       claim=cheap_catalog.BASE.claim, parameters=cheap_catalog.DOMAIN,
                       checks=(Custom("crashes", _crash),), mutants=cheap_catalog.BASE.mutants)
    registry = Registry([cheap_catalog.BASE, crashing])
    first = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert {r.id: bool(r.error) for r in first.reports} == {"CHEAP.base": False, "CHEAP.crash": True}
    second = verify_incremental(registry, registry.theorems(), SMALL, folder=tmp_path, jobs=1)
    assert second.reused == ["CHEAP.base"] and checked[-1] == {"CHEAP.crash"}


def test_editing_a_check_function_changes_the_key():
    def first(theorem, claim, settings):
        return None

    def second(theorem, claim, settings):
        return 1

    same_description = [Custom("the same words", first), Custom("the same words", second)]
    # one fingerprint serves the statement's content hash and the cache key
    assert same_description[0].fingerprint() == cache.check_fingerprint(same_description[0])
    assert cache.check_fingerprint(same_description[0]) != cache.check_fingerprint(same_description[1])
    assert cache.check_fingerprint(same_description[0]) == cache.check_fingerprint(Custom("the same words", first))


def test_the_content_hash_covers_how_a_statement_is_checked():
    """Changing a budget (Sampled.scale) or a check's function changes the content hash, and so the
    "current" mark of a printed certificate, not only the cache key."""
    import dataclasses
    base = cheap_catalog.BASE
    sampled = next(c for c in base.checks if isinstance(c, Sampled))
    rescaled = dataclasses.replace(base, checks=tuple(dataclasses.replace(c, scale=sampled.scale * 2)
                                                      if c is sampled else c for c in base.checks))
    assert rescaled.content_hash() != base.content_hash()
    assert dataclasses.replace(base).content_hash() == base.content_hash()


def test_the_command_reuses_marks_and_refreshes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORGETCHECK_CACHE", str(tmp_path / "store"))
    assert cli.main(["verify", "--only", "O6", "--jobs", "1", "--quiet"]) == 0
    assert "0 verdict(s) reused from earlier runs" in capsys.readouterr().out
    assert (tmp_path / "store" / "results" / "O6.json").is_file()
    assert cli.main(["verify", "--only", "O6", "--jobs", "1", "--quiet", "--json", "r.json"]) == 0
    out = capsys.readouterr().out
    assert "1 verdict(s) reused from earlier runs" in out and "(cached, obtained " in out
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["cache"]["reused"] == ["O6"] and document["statements"][0]["cached_at"]
    # nothing to re-check: no cluster is contacted (there is none at this address)
    assert cli.main(["verify", "--only", "O6", "--quiet", "--scheduler", "tcp://127.0.0.1:9"]) == 0
    assert "on nothing: every verdict is cached" in capsys.readouterr().err
    assert cli.main(["verify", "--only", "O6", "--jobs", "1", "--quiet", "--fresh"]) == 0
    out = capsys.readouterr().out
    assert "0 verdict(s) reused" in out and "1 re-checked now: 1 --fresh" in out and "cached" not in out.split("cache:")[0]
