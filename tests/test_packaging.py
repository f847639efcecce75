"""One import name, and a public API that is exactly the documented one."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import forgetcheck

ROOT = Path(__file__).resolve().parent.parent


def documented_api() -> set:
    section = (ROOT / "docs" / "guide.md").read_text().split("## The Python API")[1].split("\n## ")[0]
    return set(re.findall(r"`fc\.([A-Za-z]\w*)", section))


def test_the_public_api_is_the_documented_one():
    assert set(forgetcheck.__all__) == documented_api()
    for name in forgetcheck.__all__:
        assert getattr(forgetcheck, name) is not None
    with pytest.raises(AttributeError):
        forgetcheck.no_such_name  # noqa: B018


def test_the_package_list_names_every_folder():
    """pyproject.toml lists the packages explicitly (to map proofs/ and numerics/ under the one
    name): a new folder missing from the list would be missing from the installed package."""
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(re.findall(r'^\s*"(forgetcheck[\w.]*)",', text.split("packages = [")[1].split("]")[0], re.M))
    found = {"forgetcheck.numerics"}
    for init in (ROOT / "proofs").rglob("__init__.py"):
        relative = init.parent.relative_to(ROOT / "proofs").parts
        found.add(".".join(("forgetcheck",) + relative))
    assert listed == found


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_name(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("forgetcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"forgetcheck"}
    assert "forgetcheck/numerics/overlap.py" in names and "forgetcheck/statements/theorem.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "forgetcheck = forgetcheck.cli:main" in text and "forgetcheck = forgetcheck.testing" in text


def test_displays_are_short_and_notebook_ready():
    from forgetcheck.statements.registry import load_catalog
    theorem = load_catalog()["O6"]
    assert len(repr(theorem)) < 300 and repr(theorem).startswith("<Theorem O6:")
    assert theorem._repr_latex_().startswith("$") and "O6" in theorem._repr_html_()
    assert repr(theorem.claim).startswith("<Claim ") and theorem.claim._repr_latex_().startswith("$")
    report = forgetcheck.verify("O6")
    assert report.passed and "passed=True" in repr(report) and "<table>" in report._repr_html_()
    assert "O6" in str(report) and report["O6"].evidence is forgetcheck.Evidence.PROVED
