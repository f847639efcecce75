"""docs/tutorial.md is run, not just read, the way a user runs it: its files are written to a fresh
folder outside the checkout, and its commands run there against the installed package (no
PYTHONPATH, nothing edited in the package). A true statement passes the command line,
forgetcheck.verify and pytest; the same statement made false fails all three."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import forgetcheck

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
FILES = ("my_statements.py", "check_my_statements.py", "test_my_statements.py")


def blocks():
    """(language, code) of every fenced block of the tutorial, in order."""
    return re.findall(r"^ *```(\w+)\n(.*?)^ *```", TUTORIAL.read_text(), re.S | re.M)


def block_starting(header, language="python"):
    found = [code for lang, code in blocks() if lang == language and code.startswith(header)]
    assert len(found) == 1, f"docs/tutorial.md must have one ```{language} block starting with {header!r}"
    return found[0]


def commands():
    """The tutorial's `forgetcheck ...` command lines, in order."""
    return [line.split("#")[0].strip() for lang, code in blocks() if lang == "sh"
            for line in code.splitlines() if line.startswith("forgetcheck ")]


def run(args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORGETCHECK_CACHE")}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_command(line, cwd):
    assert line.startswith("forgetcheck ")
    return run(["-m", "forgetcheck", *line.split()[1:]], cwd)


@pytest.fixture
def folder(tmp_path):
    """A user's working folder, outside the checkout, holding the tutorial's files."""
    assert ROOT not in tmp_path.resolve().parents
    for name in FILES:
        (tmp_path / name).write_text(block_starting(f"# {name}"))
    return tmp_path


def falsify(folder):
    """The statement made false: exponent Δ²/4 in the claim (the tutorial's mutant, now claimed)."""
    path = folder / "my_statements.py"
    text = path.read_text()
    claim = "claim=fc.Claim.inequality(error_old, exp(-eta / 2 - Delta ** 2 / 8)),"
    assert claim in text
    path.write_text(text.replace(claim, claim.replace("/ 8", "/ 4")))


def test_the_package_is_the_installed_one(folder):
    where = run(["-c", "import forgetcheck, sys; print(forgetcheck.__file__)"], folder)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == Path(forgetcheck.__file__)
    assert folder not in Path(where.stdout.strip()).parents


def test_the_command_line_walkthrough(folder):
    lines = commands()
    assert any(" verify " in line for line in lines) and any(" latex " in line for line in lines)
    for line in lines:
        if "mpmath" in line:
            continue
        result = run_command(line, folder)
        assert result.returncode == 0, f"`{line}` failed:\n{result.stdout}\n{result.stderr}"
        if " verify " in line:
            assert re.search(r"^T1 +sampled +sampled +1/1 .* ok", result.stdout, re.M), result.stdout
    tex = (folder / "t1-standalone.tex").read_text()
    assert r"\eta" in tex and "Decision rules" in tex and r"\textbf{sampled}" in tex
    assert "threshold on the log-likelihood ratio" in tex  # the declared meaning, in the notation table


def test_the_catalog_named_in_pyproject_is_read(folder):
    (folder / "pyproject.toml").write_text(block_starting("[tool.forgetcheck]", "toml"))
    (folder / "sub").mkdir()
    result = run_command("forgetcheck verify --only T1", folder / "sub")
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_and_pytest(folder):
    script = run(["check_my_statements.py"], folder)
    assert script.returncode == 0, script.stdout + script.stderr
    assert "T1" in script.stdout and "O2" in script.stdout
    suite = run(["-m", "pytest", "-v", "-p", "no:cacheprovider", "test_my_statements.py"], folder)
    assert suite.returncode == 0, suite.stdout + suite.stderr
    for aspect in ("definition", "printing", "evidence", "mutants", "dependencies"):
        assert f"test_theory[T1-{aspect}] PASSED" in suite.stdout, suite.stdout


def test_a_false_statement_fails_all_three(folder):
    falsify(folder)
    verify = run_command("forgetcheck verify --only T1,O2 --catalog my_statements.py", folder)
    assert verify.returncode == 1 and "T1: FAILED" in verify.stdout, verify.stdout + verify.stderr
    script = run(["check_my_statements.py"], folder)
    assert script.returncode == 1 and "T1: FAILED" in script.stdout, script.stdout + script.stderr
    suite = run(["-m", "pytest", "-v", "-p", "no:cacheprovider", "test_my_statements.py"], folder)
    assert suite.returncode == 1
    assert "test_theory[T1-evidence] FAILED" in suite.stdout and "Delta=" in suite.stdout, suite.stdout


def test_the_printed_claim_in_the_tutorial_is_the_printer_output(folder, monkeypatch):
    from forgetcheck.printing import latex, statement_latex
    monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop("my_statements", None)
    import my_statements
    (theorem,) = my_statements.THEOREMS
    (shown,) = [code.strip() for lang, code in blocks() if lang == "latex"]
    assert shown == latex(theorem.claim), (
        "the LaTeX shown in docs/tutorial.md is not what the printer prints now; paste this: "
        + latex(theorem.claim))
    tex = statement_latex(theorem)
    assert r"\eta" in tex and "Assume" in tex and theorem.content_hash() in tex
    sys.modules.pop("my_statements", None)


def test_a_clashing_declaration_is_an_error():
    with pytest.raises(ValueError, match="already declared by the catalog"):
        forgetcheck.declare("Delta", latex="D", meaning="something else", positive=True)
    same = forgetcheck.declare("tutorial_zeta", latex=r"\zeta", meaning="a test symbol", positive=True)
    assert forgetcheck.declare("tutorial_zeta", latex=r"\zeta", meaning="a test symbol", positive=True) == same
    with pytest.raises(ValueError, match="unknown assumption"):
        forgetcheck.declare("tutorial_xi", postive=True)
