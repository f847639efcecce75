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


def forgetcheck(*args, extra_catalog=None, cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(TESTS), TESTS, env.get("PYTHONPATH", "")])
    env.pop("FORGETCHECK_EXTRA_CATALOG", None)
    if extra_catalog:
        env["FORGETCHECK_EXTRA_CATALOG"] = extra_catalog
    return subprocess.run([sys.executable, "-m", "forgetcheck", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


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
                      extra_catalog="false_catalog", cwd=tmp_path)
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


def test_unimportable_extra_catalog_is_a_clear_error(tmp_path):
    run = forgetcheck("list", extra_catalog="no_such_module", cwd=tmp_path)
    assert run.returncode == 2 and "no_such_module" in run.stderr


def test_empty_run_is_an_error(monkeypatch, capsys):
    from forgetcheck import cli
    from forgetcheck.statements import registry
    monkeypatch.setattr(registry, "load_catalog", lambda: registry.Registry())
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
