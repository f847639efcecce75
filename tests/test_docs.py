"""The docs cannot drift from the code: the committed theory notes equal what the catalog generates,
and the guide documents every command, option, evidence level, profile value and report field."""
import re
from pathlib import Path

import pytest

from forgetcheck.cli import build_parser, main
from forgetcheck.statements.evidence import Evidence
from forgetcheck.printing import latex
from forgetcheck.printing.markdown import GENERATED, REGENERATE, notes_differences, theory_notes, write_notes
from forgetcheck.statements.registry import load_catalog
from forgetcheck.run.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
THEORY_NOTES = ROOT / "docs" / "theory"
GUIDE = ROOT / "docs" / "guide.md"


@pytest.fixture
def catalog_only(monkeypatch):
    """The catalog without a user's own modules (the committed notes cover the catalog only)."""
    monkeypatch.delenv("FORGETCHECK_EXTRA_CATALOG", raising=False)
    return load_catalog()


# --- theory notes --------------------------------------------------------------------------------

def test_committed_theory_notes_are_what_the_catalog_generates(catalog_only):
    differences = notes_differences(THEORY_NOTES, theory_notes(catalog_only))
    assert not differences, ("docs/theory is out of date with the catalog:\n  " + "\n  ".join(differences)
                             + f"\nregenerate with `{REGENERATE}` (or `python3 -m forgetcheck.cli notes --out "
                               "docs/theory`) and commit the pages")


def test_every_statement_has_its_claim_on_its_section_page(catalog_only):
    pages = theory_notes(catalog_only)
    for theorem in catalog_only.theorems():
        page = next(text for name, text in pages.items() if f'<a id="{theorem.id}"></a>' in text)
        block = page.split(f'<a id="{theorem.id}"></a>')[1].split('<a id="')[0]
        assert latex(theorem.claim) in block, theorem.id
        assert all(latex(m.claim) in block for m in theorem.mutants), theorem.id
        assert all(c.description.split()[0] in block for c in theorem.checks), theorem.id
        assert theorem.id in pages["README.md"]
    assert "Statement ids are this project's own, not the source paper's." in pages["README.md"]


def test_notes_command_writes_checks_and_removes_stale_pages(catalog_only, tmp_path, capsys):
    out = tmp_path / "theory"
    assert main(["notes", "--out", str(out)]) == 0
    assert main(["notes", "--out", str(out), "--check"]) == 0
    (out / "section-1.md").write_text((out / "section-1.md").read_text() + "an edit by hand\n")
    (out / "section-99.md").write_text(GENERATED + "\nleft over from a section that was removed\n")
    (out / "handwritten.md").write_text("# not generated\n")
    assert main(["notes", "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert "section-1.md: differs" in err and "section-99.md: no longer generated" in err and REGENERATE in err
    written, removed = write_notes(out, theory_notes(catalog_only))
    assert removed == ["section-99.md"] and (out / "handwritten.md").exists()
    assert notes_differences(out, theory_notes(catalog_only)) == []


# --- the guide -----------------------------------------------------------------------------------

#: options every command takes, documented once in the guide's introduction to the command line
COMMON_OPTIONS = {"--help", "--catalog"}


def _subcommands():
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return {name: sorted({o for a in sub._actions for o in a.option_strings if o.startswith("--")} - COMMON_OPTIONS)
            for name, sub in action.choices.items()}


def test_guide_documents_the_options_every_command_takes():
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for name, sub in action.choices.items():
        assert "--catalog" in {o for a in sub._actions for o in a.option_strings}, name
    introduction = GUIDE.read_text().split("## The command line")[1].split("### ")[0]
    assert "`--catalog FILE.py`" in introduction and "[tool.forgetcheck]" in introduction


def _guide_sections():
    text = GUIDE.read_text()
    sections = re.split(r"^### `forgetcheck (\w+)", text, flags=re.M)
    return {name: body.split("\n## ")[0] for name, body in zip(sections[1::2], sections[2::2])}


def test_guide_has_the_readme_commands_verbatim():
    readme, guide = (ROOT / "README.md").read_text(), GUIDE.read_text()
    for command in ("python3 -m pip install . && forgetcheck verify",
                    "python3 -m pip install '.[test]' && python3 -m pytest -q"):
        assert command in readme and command in guide
    assert "docs/guide.md" in readme


def test_guide_documents_every_command_and_option():
    sections = _guide_sections()
    for name, options in _subcommands().items():
        assert name in sections, f"docs/guide.md has no section '### `forgetcheck {name} ...`'; add one"
        for option in options:
            assert f"`{option}" in sections[name] or f"[{option}" in sections[name], (
                f"docs/guide.md does not document `forgetcheck {name} {option}`; add it to its section")
        documented = set(re.findall(r"[`\[](--[a-z][a-z-]*)", sections[name])) - COMMON_OPTIONS
        assert documented <= set(options), (
            f"docs/guide.md documents {sorted(documented - set(options))} for `forgetcheck {name}`, "
            "which it does not have")


def test_guide_explains_every_evidence_level():
    guide = GUIDE.read_text()
    for level in Evidence:
        assert f"| `{level.value}` |" in guide, f"docs/guide.md does not explain evidence level {level.value}"


def test_guide_profile_table_matches_the_profiles():
    guide = GUIDE.read_text()
    for name, s in PROFILES.items():
        row = (f"| `{name}` | {s.dps} | {s.points} | {s.search_points} | {s.search_popsize} | {s.certify_points} | "
               f"{s.recheck_extra_dps} |")
        assert row in guide, f"docs/guide.md's profile table is out of date: expected a row starting {row}"
        replayed = guide.split(row)[1].splitlines()[0].strip()
        assert replayed.startswith("no") == (s.replay_database is None), f"{name}: failures replayed?"


def test_guide_lists_every_field_of_the_json_report(tmp_path):
    from forgetcheck.run import report
    from forgetcheck.run.runner import verify_theorem
    from forgetcheck.run.settings import profile
    settings = profile("ci")
    result = verify_theorem(load_catalog()["O6"], settings)
    document = report.to_json([result], settings, result.seconds)
    statement = document["statements"][0]
    fields = set(document) | set(document["settings"]) | set(document["summary"]) | set(statement)
    fields |= set(statement["checks"][0]) | set(statement["mutants"][0])
    fields |= set(statement["mutants"][0]["counterexample"])
    guide = GUIDE.read_text()
    missing = sorted(f for f in fields if f"`{f}`" not in guide)
    assert not missing, f"docs/guide.md does not describe the report field(s) {missing}"
