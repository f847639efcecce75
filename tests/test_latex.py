"""The LaTeX appendix: printed from the checked objects, certificates tied to the statement's
content hash, known expressions exactly as THEORY writes them, and the document compiles."""
import dataclasses
import json
import os
import re
import shutil
import subprocess

import pytest
import sympy
from hypothesis import given, settings as hyp_settings, strategies as st
from sympy import exp, sqrt

from forgetcheck.run import report
from forgetcheck.statements.claims import Claim
from forgetcheck.cli import main
from forgetcheck.catalog.quantities.overlap import Misassignment, NormalCDF
from forgetcheck.statements.notation import odds, symbol, symbols
from forgetcheck.printing import (StatementLatexPrinter, appendix, certificates, entries_from_report, latex,
                             statement_latex)
from forgetcheck.printing.certificate import CURRENT, MISSING, STALE, Certificate
from forgetcheck.printing.text import UNKNOWN_MARK, escape_text, inline_latex
from forgetcheck.statements.registry import load_catalog
from forgetcheck.run.runner import verify_theorem
from forgetcheck.run.settings import profile

a, Delta = symbols("a Delta")
CATALOG = load_catalog()


@pytest.fixture(scope="module")
def verified_o6(tmp_path_factory):
    """A real verification of O6 (proved symbolically, ~1 s), as the JSON report `verify --json` writes."""
    settings = profile("ci")
    result = verify_theorem(CATALOG["O6"], settings)
    assert result.passed, result.outcomes
    document = report.to_json([result], settings, result.seconds)
    path = tmp_path_factory.mktemp("report") / "report.json"
    report.write_json(document, path)
    return result, document, path


# --- expressions -------------------------------------------------------------------------------

def test_engine_quantities_and_symbols_print_in_the_notation_of_theory():
    assert latex(Misassignment(a, Delta)) == r"\varepsilon_o\left(a, \Delta\right)"
    assert latex(Misassignment(a, Delta) ** 2) == r"\varepsilon_o\left(a, \Delta\right)^{2}"
    assert latex(symbol("alpha_star")) == r"\alpha^*"
    assert latex(symbol("lam")) == r"\lambda"
    assert latex(exp(-Delta ** 2 / 8)) == r"e^{- \Delta^{2} / 8}"
    assert latex(NormalCDF(Delta / 2)) == r"\Phi\left(\frac{\Delta}{2}\right)"
    bound = Claim.inequality(Misassignment(a, Delta), sqrt(odds(a)) * exp(-Delta ** 2 / 8) / 2)
    assert latex(bound) == r"\varepsilon_o\left(a, \Delta\right) \leq \frac{\sqrt{1 - a} e^{- \Delta^{2} / 8}}{2 \sqrt{a}}"


def test_limit_claims_print_as_limits():
    tex = latex(CATALOG["O4.ratio"].claim)
    assert tex.startswith(r"\lim_{\Delta \to \infty}")
    assert r"\varepsilon_o\left(a, \Delta\right)" in tex
    assert "relative error" in statement_latex(CATALOG["O4.ratio"])


def test_bounds_on_one_symbol_print_as_one_chain():
    printer = StatementLatexPrinter()
    assert printer.assumptions(CATALOG["O3.old"].assumptions()) == ["0 < a < 1", r"\Delta \geq 0"]
    p = symbol("p")
    assert printer.assumptions([sympy.GreaterThan(p, 0, evaluate=False), p > 0, p < 1]) == ["0 < p < 1"]
    other = sympy.Ne(a, Delta)
    assert printer.assumptions([other]) == [latex(other)]


# --- statements and certificates ---------------------------------------------------------------

@pytest.mark.parametrize("theorem_id", CATALOG.ids())
def test_every_statement_renders_with_its_id_and_content_hash(theorem_id):
    theorem = CATALOG[theorem_id]
    tex = statement_latex(theorem, registry=CATALOG)
    assert "{" + theorem.id.replace("_", r"\_") + "}" in tex
    assert theorem.content_hash() in tex
    assert latex(theorem.claim) in tex
    assert UNKNOWN_MARK not in tex, "a character has no LaTeX spelling: add it to proofs/printing/text.py"
    if theorem.assumptions():
        assert "Assume $" in tex
    assert "not verified in this version" in tex  # no report given: no evidence may be printed


def test_certificate_prints_the_evidence_of_the_report(verified_o6):
    result, document, path = verified_o6
    theorem = CATALOG["O6"]
    certificate = certificates([theorem], entries_from_report(path), str(path))["O6"]
    assert certificate.status == CURRENT
    tex = statement_latex(theorem, certificate)
    assert r"\textbf{proved}" in tex
    assert f"{result.examples} points" in tex and f"{document['settings']['dps']} digits" in tex
    assert f"seed {document['settings']['seed']}" in tex and "profile ci" in tex
    assert f"sympy {sympy.__version__}" in tex and "mpmath" in tex
    slack, point = result.worst()
    assert slack is not None and all(f"= {v}" in tex for v in point.values())
    assert f"{len(result.mutants)}/{len(result.mutants)} refuted" in tex
    assert theorem.content_hash() in tex and "not verified" not in tex


def test_a_changed_claim_changes_the_hash_the_latex_and_voids_the_certificate(verified_o6):
    _, _, path = verified_o6
    original = CATALOG["O6"]
    changed = dataclasses.replace(original, claim=original.mutants[0].claim)
    assert changed.content_hash() != original.content_hash()
    assert latex(changed.claim) != latex(original.claim)
    assert latex(changed.claim) in statement_latex(changed)
    entries = entries_from_report(path)
    certificate = Certificate.for_statement(changed, entries["O6"], str(path))
    assert certificate.status == STALE and not certificate.verified
    tex = statement_latex(changed, certificate)
    assert "not verified in this version" in tex
    assert r"\textbf{proved}" not in tex and "examples" not in tex   # no stale evidence printed
    assert changed.content_hash() in tex and original.content_hash() in tex  # which version was checked


def test_a_statement_without_any_report_says_so():
    theorem = CATALOG["O5"]
    certificate = certificates([theorem], {}, "nowhere")["O5"]
    assert certificate.status == MISSING
    assert "not verified in this version" in statement_latex(theorem, certificate)


def test_dependencies_are_references_and_ids_are_marked_ours():
    theorems = [CATALOG["O6"], CATALOG["O6.lipschitz"]]
    tex = appendix(theorems, {}, registry=CATALOG)
    assert r"\label{fc:O6}" in tex and r"Statement~\ref{fc:O6}" in tex
    assert "Statement ids are this project's own, not the source paper's." in tex
    alone = appendix([CATALOG["O6.lipschitz"]], {}, registry=CATALOG)
    assert "O6 (not in this appendix)" in alone and r"\ref{fc:O6}" not in alone


# --- the command -------------------------------------------------------------------------------

def test_latex_command_with_a_report_and_with_the_last_run(verified_o6, tmp_path, monkeypatch, capsys):
    _, document, path = verified_o6
    out = tmp_path / "appendix.tex"
    assert main(["latex", "--out", str(out), "--only", "O6", "--report", str(path),
                 "--figures", str(tmp_path / "no-figures")]) == 0
    tex = out.read_text()
    assert r"\section{Checked statements}" in tex and r"\documentclass" not in tex
    assert r"\textbf{proved}" in tex and CATALOG["O6"].content_hash() in tex
    # without --report: the last-run store that `forgetcheck verify` keeps
    monkeypatch.setattr(report, "CACHE_DIR", tmp_path / "cache")
    assert main(["latex", "--out", str(out), "--only", "O6"]) == 0
    assert "not verified in this version" in out.read_text()
    report.store_last_run(document)
    assert main(["latex", "--out", str(out), "--only", "O6", "--standalone"]) == 0
    tex = out.read_text()
    assert tex.startswith(r"\documentclass") and r"\textbf{proved}" in tex


def test_latex_command_verifies_first_with_verify(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "CACHE_DIR", tmp_path / "cache")
    out = tmp_path / "appendix.tex"
    assert main(["latex", "--verify", "--only", "O6", "--jobs", "1", "--out", str(out),
                 "--figures", str(tmp_path / "none")]) == 0
    assert r"\textbf{proved}" in out.read_text()
    assert report.last_evidence("O6")["content_hash"] == CATALOG["O6"].content_hash()  # stored like verify's


def test_latex_command_rejects_bad_input(tmp_path, capsys):
    out = str(tmp_path / "a.tex")
    assert main(["latex", "--out", out, "--only", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{not json")
    assert main(["latex", "--out", out, "--report", str(tmp_path / "bad.json")]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(["latex", "--out", out, "--report", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "other.json").write_text(json.dumps({"something": 1}))
    assert main(["latex", "--out", out, "--report", str(tmp_path / "other.json")]) == 2
    assert "verify --json" in capsys.readouterr().err
    assert main(["latex", "--out", out, "--report", str(tmp_path / "bad.json"), "--verify"]) == 2


# --- prose with mathematics ----------------------------------------------------------------------

def test_prose_with_mathematics():
    assert inline_latex("false for every Δ > 0 (e.g. Δ = 1: 0.8825 vs 0.8669)") == (
        r"false for every $\Delta > 0$ (e.g. $\Delta = 1$: 0.8825 vs 0.8669)")
    assert inline_latex("Bhattacharyya coefficient e^{−Δ²/8}") == r"Bhattacharyya coefficient $e^{-\Delta ^{2}/8}$"
    assert inline_latex("at most sqrt(a(1−a)) BC") == r"at most $\sqrt{a(1-a)} \mathrm{BC}$"
    assert inline_latex("a window of width ~1/Δ") == r"a window of width $\sim 1/\Delta$"
    assert inline_latex("100% & #1 misassignment_by_quadrature") == r"100\% \& \#1 misassignment\_by\_quadrature"
    assert inline_latex("run `forgetcheck verify --only O3` first.") == r"run \texttt{forgetcheck verify --only O3} first."
    assert inline_latex("θ ∈ {0, 1}, m_o^† and x²²") == r"$\theta \in \{0, 1\}$, $m_o^{\dagger}$ and $x^{2}{}^{2}$"


def test_program_names_keep_their_underscores():
    assert inline_latex("the engine (forward_kl.py) and numerics.kl_quantities.old_mean_gradient_direct.") == (
        r"the engine (forward\_kl.py) and numerics.kl\_quantities.old\_mean\_gradient\_direct.")
    assert inline_latex("m_o = μ_o, (R2; kl_quantities.old_mean_gradient_direct)") == (
        r"$m_o = \mu _o$, (R2; kl\_quantities.old\_mean\_gradient\_direct)")
    # every dotted program name in the notation table's meanings prints as written, never as subscripts
    from forgetcheck.quantities.engine_function import engine_functions
    for cls in engine_functions().values():
        doc = (cls.__doc__ or "").strip().split("\n")[0]
        tex = inline_latex(doc)
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+", doc):
            if "_" in word:
                assert word.replace("_", r"\_") in tex, (cls.__name__, tex)


UNICODE_IN_NOTES = "↑↓↕↔⇐⇑⇓⟶⟵⟷⟹⟸⟺↗↘↖↙↪↠⟼≃≅⋯⋅∗″✓□∎≺⪯"


def test_arrows_and_other_unicode_of_notes_have_latex():
    tex = inline_latex("Tight as Δ → 0 with η ↑ 0; α ↓ 0 (monotone convergence).")
    assert UNKNOWN_MARK not in tex
    assert r"\eta \uparrow 0" in tex and r"\alpha \downarrow 0" in tex
    for ch in UNICODE_IN_NOTES:
        assert UNKNOWN_MARK not in inline_latex(f"x {ch} y"), ch
        assert UNKNOWN_MARK not in escape_text(ch), ch


def test_show_prints_each_bound_once():
    from forgetcheck.run.report import describe_theorem
    assume = describe_theorem(CATALOG["O4.ratio"]).splitlines()[3]
    # the assumptions are a > 0, Delta >= 0 (the symbols' own) and a < 1, Delta > 0 (the hypotheses)
    assert assume == "  assume: 0 < a < 1, Delta > 0"
    for t in CATALOG.theorems():
        items = describe_theorem(t).splitlines()[3].split(": ", 1)[1].split(", ")
        bounded = [re.fullmatch(r"(?:\S+ <=? )?(\w+) [<>]=? \S+", item) for item in items]
        names = [m.group(1) for m in bounded if m]
        assert len(names) == len(set(names)), (t.id, items)


def test_counterexamples_say_how_many_digits_they_show():
    from forgetcheck.statements.evidence import Counterexample, significant_digits
    cex = Counterexample({"a": "0.25"}, "0.123456789012345", "0.2", "-0.38", 50, "hypothesis (seed=0)")
    assert cex.describe().endswith("(hypothesis (seed=0); evaluated with 50 digits, sides shown to 15 "
                                   "significant digits)")
    full = "0." + "1" * 50
    assert "shown to" not in Counterexample({"a": "1"}, full, full, "-1e-3", 50, "grid").describe()
    assert significant_digits("0.001250") == 4 and significant_digits("-1.5e-3") == 2
    assert significant_digits("[0.1, 0.2]") is None


def _balanced(tex: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", tex):
        token = match.group(0)
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


@hyp_settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=list("aΔε_^{}()[]²†*|~%$&#\\ ,.:=<≤−/½√sqrtlog0123 φoBC"), max_size=40))
def test_any_prose_gives_balanced_latex(text):
    tex = inline_latex(text)
    assert _balanced(tex), tex
    assert len(re.findall(r"(?<!\\)\$", tex)) % 2 == 0, tex
    assert not re.search(r"[\^_]\s*(\$|$)", tex), tex   # no script without its argument


# --- it compiles ---------------------------------------------------------------------------------

def _pdflatex_or_skip():
    if shutil.which("pdflatex") and shutil.which("pdftoppm"):
        return
    message = ("pdflatex/pdftoppm not found: install the Debian packages texlive-latex-base, "
               "texlive-latex-recommended and poppler-utils")
    if os.environ.get("CI") == "true":
        pytest.fail("CI must compile the appendix; " + message)
    pytest.skip(message)


def _compile(tex_path):
    for _ in range(2):  # the second pass resolves the references
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex_path.name],
                             cwd=tex_path.parent, capture_output=True, text=True, timeout=300)
        log = tex_path.with_suffix(".log").read_text(errors="replace")
        errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
        assert run.returncode == 0, f"pdflatex failed on {tex_path}:\n{errors}\n{run.stdout[-3000:]}"
    assert "undefined references" not in log and "There were undefined" not in log, log[-2000:]
    return tex_path.with_suffix(".pdf")


def test_the_standalone_appendix_of_the_whole_catalog_compiles(verified_o6, tmp_path):
    _pdflatex_or_skip()
    from PIL import Image, ImageStat
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = tmp_path / "figures"
    figures.mkdir()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 1])
    fig.savefig(figures / "example_figure.png", dpi=50)
    plt.close(fig)
    _, _, path = verified_o6
    out = tmp_path / "appendix.tex"
    assert main(["latex", "--out", str(out), "--standalone", "--report", str(path), "--figures", str(figures)]) == 0
    tex = out.read_text()
    assert UNKNOWN_MARK not in tex and r"\includegraphics" in tex
    assert r"\textbf{proved}" in tex and "not verified in this version" in tex  # O6 certified, others not
    pdf = _compile(out)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    (png,) = tmp_path.glob("page*.png")
    stat = ImageStat.Stat(Image.open(png).convert("L"))
    assert stat.stddev[0] > 20, f"page 2 looks blank (pixel standard deviation {stat.stddev[0]:.1f})"
    assert stat.mean[0] > 128, "page 2 is not mostly white paper with text"


def test_the_fragment_compiles_inside_a_paper(tmp_path):
    _pdflatex_or_skip()
    out = tmp_path / "appendix.tex"
    assert main(["latex", "--out", str(out), "--only", "O3,O4", "--figures", str(tmp_path / "none")]) == 0
    paper = tmp_path / "paper.tex"
    paper.write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb,amsthm}\n"
                     "\\newtheorem{theorem}{Theorem}\n\\begin{document}\n\\begin{theorem}A result of the paper."
                     "\\end{theorem}\n\\appendix\n\\input{appendix}\n\\end{document}\n")
    _compile(paper)


def test_a_possessive_after_mathematics_stays_prose():
    """"α*'s" inside $...$ would make the apostrophe a prime: a double superscript in pdflatex."""
    from forgetcheck.printing.text import inline_latex
    assert inline_latex("the ends of α*'s range") == r"the ends of $\alpha ^{*}$'s range"
    assert inline_latex("Δ’s size.") == r"$\Delta$'s size."
