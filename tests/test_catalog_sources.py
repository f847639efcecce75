"""Where statements come from: --catalog files and modules, [tool.forgetcheck] in pyproject.toml,
the forgetcheck.catalogs entry points; a catalog or statement that fails is left out and reported."""
import importlib.metadata
from types import SimpleNamespace

import pytest

from forgetcheck.statements.registry import CatalogSources, RegistryError, load_catalog, resolve_reference


def test_pyproject_catalogs_are_found_from_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.forgetcheck]\ncatalogs = ["theory/mine.py", "some.module"]\n')
    (tmp_path / "deeper" / "still").mkdir(parents=True)
    sources = CatalogSources.configured(start=tmp_path / "deeper" / "still")
    assert sources.catalogs == (str((tmp_path / "theory" / "mine.py").resolve()), "some.module")


def test_a_malformed_pyproject_entry_is_a_clear_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.forgetcheck]\ncatalogs = "mine.py"\n')
    with pytest.raises(RegistryError, match="catalogs must be a list"):
        CatalogSources.configured(start=tmp_path)


def test_entry_point_catalogs_are_loaded(monkeypatch, tmp_path):
    def entry_points(group=None):
        assert group == "forgetcheck.catalogs"
        return [SimpleNamespace(value="false_catalog")]   # tests/false_catalog.py, on sys.path here
    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    sources = CatalogSources.configured(start=tmp_path)
    assert sources.catalogs == ("false_catalog",)
    registry = load_catalog(sources)
    assert "TEST.narrow" in registry and "O3.old" in registry and registry.problems == []


def test_sources_cross_process_boundaries_by_value(tmp_path):
    import pickle
    sources = CatalogSources((str(tmp_path / "mine.py"),))
    assert pickle.loads(pickle.dumps(sources)) == sources and hash(sources) == hash(CatalogSources(sources.catalogs))


def test_a_missing_file_and_a_missing_list_are_reported_not_raised(tmp_path):
    (tmp_path / "empty_catalog.py").write_text("x = 1\n")
    registry = load_catalog(CatalogSources((str(tmp_path / "nowhere.py"), str(tmp_path / "empty_catalog.py"))))
    messages = [str(p) for p in registry.problems]
    assert any("nowhere.py" in m and "no such file" in m for m in messages)
    assert any("empty_catalog.py" in m and "defines no THEOREMS list" in m for m in messages)
    assert "O6" in registry


def test_one_rule_for_group_ids():
    ids = ["O6", "O6.lipschitz", "R3.bound", "R3.rate"]
    assert resolve_reference("O6", ids) == ["O6"]            # an exact id is that statement only
    assert resolve_reference("R3", ids) == ["R3.bound", "R3.rate"]
    assert resolve_reference("R", ids) == []


def test_a_cycle_in_a_user_catalog_leaves_out_only_its_members(tmp_path):
    (tmp_path / "cyclic.py").write_text(
        "import dataclasses\n"
        "from false_catalog import NARROW_DIP\n"
        "A = dataclasses.replace(NARROW_DIP, id='CYC.a', depends_on=('CYC.b',))\n"
        "B = dataclasses.replace(NARROW_DIP, id='CYC.b', depends_on=('CYC.a',))\n"
        "C = dataclasses.replace(NARROW_DIP, id='CYC.c', depends_on=('O6',))\n"
        "THEOREMS = [A, B, C]\n")
    registry = load_catalog(CatalogSources((str(tmp_path / "cyclic.py"),)))
    assert "CYC.c" in registry and "CYC.a" not in registry and "CYC.b" not in registry
    assert {p.statement for p in registry.problems} == {"CYC.a", "CYC.b"}
    assert all("dependency cycle" in p.message for p in registry.problems)
