"""docs/tutorial.md is run, not just read: its notation entry, its statement module and its LaTeX
are taken from the page itself, so the tutorial cannot drift from what the toolkit does."""
import importlib
import re
import sys
from pathlib import Path

import pytest

from forgetcheck.statements import notation
from forgetcheck.run import report
from forgetcheck.cli import main
from forgetcheck.statements.evidence import Evidence
from forgetcheck.printing import certificates, entries_from_last_run, latex, statement_latex
from forgetcheck.statements.registry import Registry, load_catalog
from forgetcheck.run.runner import verify_theorem
from forgetcheck.run.settings import profile

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
MODULE_HEADER = "# my_statements.py"
NOTATION_HEADER = "# proofs/notation.py"


def blocks():
    """(language, code) of every fenced block of the tutorial, in order."""
    return [(lang, code) for lang, code in
            re.findall(r"^ *```(\w+)\n(.*?)^ *```", TUTORIAL.read_text(), re.S | re.M)]


def block_starting(header, language="python"):
    found = [code for lang, code in blocks() if lang == language and code.startswith(header)]
    assert len(found) == 1, f"docs/tutorial.md must have one ```{language} block starting with {header!r}"
    return found[0]


def notation_entries():
    """The `"name": (assumptions, latex, meaning),` lines the tutorial adds to _NOTATION."""
    entries = {}
    for line in block_starting(NOTATION_HEADER).splitlines()[1:]:
        if line.strip():
            entries.update(eval("{" + line + "}", {"dict": dict}))  # the tutorial's own text
    assert entries, "the tutorial's notation block adds no symbol"
    return entries


@pytest.fixture
def tutorial(tmp_path, monkeypatch):
    """The tutorial's module, imported the way a user's module is (from PYTHONPATH), with the
    tutorial's notation entry added to the registry for the duration of the test."""
    for name, entry in notation_entries().items():
        assert name not in notation._NOTATION or notation._NOTATION[name] == entry, (
            f"the tutorial adds symbol {name!r}, which notation.py already defines differently; "
            "pick another symbol for the tutorial")
        monkeypatch.setitem(notation._NOTATION, name, entry)
    (tmp_path / "my_statements.py").write_text(block_starting(MODULE_HEADER))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("my_statements", None)
    module = importlib.import_module("my_statements")
    yield module
    sys.modules.pop("my_statements", None)


def test_the_statement_registers_with_its_dependencies(tutorial):
    (theorem,) = tutorial.THEOREMS
    catalog = load_catalog()
    assert theorem.id not in catalog, f"the tutorial's id {theorem.id} is taken by the catalog"
    registry = Registry([catalog[d] for d in theorem.depends_on] + [theorem])
    registry.validate()
    assert registry.direct_dependencies(theorem.id) == list(theorem.depends_on)


def test_the_statement_is_verified_and_its_mutant_refuted(tutorial):
    (theorem,) = tutorial.THEOREMS
    result = verify_theorem(theorem, profile("ci"))
    assert result.error == ""
    assert result.evidence is theorem.expected is Evidence.SAMPLED
    assert result.examples >= profile("ci").points
    assert result.passed, result.outcomes
    (mutant,) = result.mutants
    assert mutant.refuted, f"the tutorial's mutant survived: {mutant.outcomes}"
    # it fails where the tutorial says: at large separations
    assert float(mutant.counterexample.parameters["Delta"]) >= 3.5


def test_the_printed_claim_in_the_tutorial_is_the_printer_output(tutorial):
    (theorem,) = tutorial.THEOREMS
    (shown,) = [code.strip() for lang, code in blocks() if lang == "latex"]
    assert shown == latex(theorem.claim), (
        "the LaTeX shown in docs/tutorial.md is not what the printer prints now; paste this: "
        + latex(theorem.claim))
    tex = statement_latex(theorem)
    assert r"\eta" in tex and "Assume" in tex and theorem.content_hash() in tex


def test_the_command_line_walkthrough(tutorial, tmp_path, monkeypatch):
    """verify, then latex, through FORGETCHECK_EXTRA_CATALOG, as the tutorial's shell lines do
    (in this process, where the tutorial's notation entry is in force)."""
    monkeypatch.setenv("FORGETCHECK_EXTRA_CATALOG", "my_statements")
    monkeypatch.setattr(report, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv("FORGETCHECK_CACHE", str(tmp_path / "cache"))
    (theorem,) = tutorial.THEOREMS
    assert main(["verify", "--only", theorem.id, "--jobs", "1", "--quiet"]) == 0
    out = tmp_path / "t1.tex"
    assert main(["latex", "--only", theorem.id, "--out", str(out), "--figures", str(tmp_path / "none")]) == 0
    tex = out.read_text()
    certificate = certificates([theorem], entries_from_last_run([theorem]), "")[theorem.id]
    assert certificate.verified and certificate.evidence == "sampled"
    assert r"\textbf{sampled}" in tex and theorem.content_hash() in tex
    assert "not verified in this version" not in tex
