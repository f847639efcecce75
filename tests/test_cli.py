"""`forgetcheck` end to end, as a user runs it: exit codes, JSON report, eval, list, show."""
import json
from fractions import Fraction
import os
import subprocess
import sys

import mpmath
import pytest

from forgetcheck.numerics import misassignment

TESTS = os.path.dirname(__file__)


def forgetcheck(*args, catalog=None, cwd=None):
    """The installed command (python -m forgetcheck), with the user catalog `catalog` if given."""
    extra = ("--catalog", catalog) if catalog else ()
    return subprocess.run([sys.executable, "-m", "forgetcheck", *args, *extra], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_verify_passes_and_writes_the_json_report(tmp_path):
    out = tmp_path / "report.json"
    run = forgetcheck("verify", "--only", "O5,O6", "--json", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 statements: 2 passed, 0 failed" in run.stdout
    assert "[2/2]" in run.stderr  # progress lines
    report = json.loads(out.read_text())
    assert {"sympy", "mpmath", "numpy", "scipy", "hypothesis"} <= set(report["versions"])
    by_id = {s["id"]: s for s in report["statements"]}
    assert by_id["O6"]["evidence"] == "proved" and by_id["O5"]["evidence"] in ("sampled", "certified")
    for s in by_id.values():
        for field in ("id", "evidence", "examples", "worst_slack", "worst_point", "dps", "seed", "mutants"):
            assert field in s
        assert s["dps"] == 30 and s["seed"] == 0 and s["examples"] > 0
        assert all(m["refuted"] and m["counterexample"] for m in s["mutants"])
    # `show` reads the evidence of that run from the same working directory
    shown = forgetcheck("show", "O6", cwd=tmp_path)
    assert shown.returncode == 0 and "last evidence: proved" in shown.stdout


def test_a_false_statement_fails_the_run_with_its_counterexample(tmp_path):
    run = forgetcheck("verify", "--only", "TEST.narrow", "--json", str(tmp_path / "r.json"),
                      catalog=os.path.join(TESTS, "false_catalog.py"), cwd=tmp_path)
    assert run.returncode == 1
    assert "TEST.narrow: FAILED" in run.stdout
    (statement,) = json.loads((tmp_path / "r.json").read_text())["statements"]
    assert statement["evidence"] == "refuted" and not statement["passed"]
    # the counterexample printed is in the window |u − 7| < 1/100 where the statement is false
    (where,) = [c["counterexample"]["parameters"]["u"] for c in statement["checks"] if c.get("counterexample")]
    assert abs(Fraction(where) - 7) < Fraction(1, 100) and f"u={where}" in run.stdout


def test_unknown_statement_is_a_clear_error(tmp_path):
    run = forgetcheck("verify", "--only", "Q99", cwd=tmp_path)
    assert run.returncode == 2 and "unknown statement id 'Q99'" in run.stderr


def test_an_unimportable_catalog_is_reported_and_blocks_nothing_else(tmp_path):
    listed = forgetcheck("list", catalog="no_such_module", cwd=tmp_path)
    assert listed.returncode == 0 and "O1.BC" in listed.stdout
    assert "catalog no_such_module: it could not be loaded: ModuleNotFoundError" in listed.stderr
    verified = forgetcheck("verify", "--only", "O6", catalog="no_such_module", cwd=tmp_path)
    assert verified.returncode == 1, "a run that could not load a catalog must not pass"
    assert "O6" in verified.stdout and "could not be loaded" in verified.stderr


def test_a_broken_user_statement_blocks_only_itself(tmp_path):
    (tmp_path / "mine.py").write_text(
        "import forgetcheck as fc\n"
        "from false_catalog import NARROW_DIP\n"
        "import dataclasses\n"
        "TYPO = dataclasses.replace(NARROW_DIP, id='MINE.typo', depends_on=('O66',))\n"
        "THEOREMS = [TYPO]\n")
    run = forgetcheck("list", "--catalog", os.path.join(TESTS, "false_catalog.py"), catalog=str(tmp_path / "mine.py"),
                      cwd=tmp_path)
    assert run.returncode == 0 and "TEST.narrow" in run.stdout and "MINE.typo" not in run.stdout
    assert "statement MINE.typo: depends on unknown id(s) 'O66'; did you mean 'O6'?" in run.stderr
    assert "mine.py" in run.stderr


def test_empty_run_is_an_error(monkeypatch, capsys):
    from forgetcheck import cli
    from forgetcheck.statements import registry
    monkeypatch.setattr(registry, "load_catalog", lambda *args, **kwargs: registry.Registry())
    assert cli.main(["verify"]) == 1
    assert "nothing to verify" in capsys.readouterr().err


def test_eval_prints_the_value_on_its_last_line():
    run = forgetcheck("eval", "misassignment", "weight_old=0.1", "delta=30", "--dps", "40")
    assert run.returncode == 0, run.stderr
    printed = run.stdout.strip().splitlines()[-1]
    with mpmath.workdps(45):
        expected = misassignment("0.1", 30, dps=40)
        assert abs(mpmath.mpf(printed) - expected) <= abs(expected) * mpmath.mpf(10) ** -39


@pytest.mark.parametrize("args, message", [
    (("misassignment", "weight_old=1.5", "delta=3"), "weight_old='1.5' is outside the allowed range (0, 1)"),
    (("misassignment", "weight_old=0.5", "delta=-1"), "delta='-1' is outside the allowed range [0, inf)"),
    (("misassignment", "weight_old=0.5", "delta=3", "--dps", "10"), "dps=10 is outside the allowed range"),
    (("misassignment", "weight_old=0.5"), "needs delta=..."),
    (("misassignment", "colour=red", "delta=1"), "no parameter 'colour'"),
])
def test_eval_bad_input(args, message):
    run = forgetcheck("eval", *args)
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_list_shows_every_statement(catalog):
    run = forgetcheck("list")
    assert run.returncode == 0
    for theorem_id in catalog.ids():
        assert theorem_id in run.stdout


def test_show_accepts_a_group_id(catalog):
    run = forgetcheck("show", "R3")
    assert run.returncode == 0
    for theorem_id in catalog.resolve("R3"):
        assert f"{theorem_id}:" in run.stdout


def test_eval_knows_every_engine_quantity_including_a_users(tmp_path):
    from forgetcheck.cli.evaluate import command_name, evaluable
    listed = forgetcheck("eval", "--list", cwd=tmp_path)
    assert listed.returncode == 0
    # the package's own (test modules of this process define quantities of their own too)
    names = {name for name, cls in evaluable().items() if cls.__module__.startswith("forgetcheck.")}
    assert len(names) >= 50 and {"misassignment", "kappa_reverse", "reverse_kl_weight_gradient",
                                 "partial_drift", "fisher_deviation"} <= names
    for name in names:
        assert f"\n{name} " in "\n" + listed.stdout, name
    # a quantity of one's own, in a user catalog, is evaluable like the paper's
    (tmp_path / "mine.py").write_text(
        "import mpmath\n"
        "from forgetcheck.quantities.engine_function import EngineFunction\n"
        "class TwiceTheSine(EngineFunction):\n"
        "    '''2 sin(x), a quantity of one's own.'''\n"
        "    arg_names = ('x',)\n"
        "    takes_dps = False\n"
        "    @classmethod\n"
        "    def evaluate_at(cls, args, dps):\n"
        "        return 2 * mpmath.sin(mpmath.mpf(args[0]))\n"
        "THEOREMS = []\n")
    run = forgetcheck("eval", "twice_the_sine", "x=1", "--dps", "25", catalog=str(tmp_path / "mine.py"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(run.stdout.splitlines()[-1]) - 2 * mpmath.sin(1)) < mpmath.mpf(10) ** -24
    assert command_name("Bhattacharyya2D") == "bhattacharyya_2d"
    # the ranges are read from the engine's own validation, and the engine enforces what is shown
    assert "\nmisassignment weight_old=<(0, 1)> delta=<[0, 60]>\n" in listed.stdout
    refused = forgetcheck("eval", "misassignment", "weight_old=0.5", "delta=61", cwd=tmp_path)
    assert refused.returncode == 2 and "[0, 60]" in refused.stderr


def test_an_internal_error_shows_its_traceback_and_exits_1(monkeypatch, capsys):
    from forgetcheck import cli
    from forgetcheck.cli import listing

    def broken(args):
        raise ValueError("a bug of ours, not bad input")
    monkeypatch.setattr(listing, "run_list", broken)
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "a bug of ours" in err and "internal error" in err
