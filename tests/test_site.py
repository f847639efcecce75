"""The static site of `forgetcheck site`: the dependency graph laid out by Graphviz with a node per
statement linking to its page, statements in MathML, certificates from a real report, and the
whole site opened in a real (headless) Chromium: no console errors, formulas with a size, every
graph node reaching an anchor that exists. Under CI=true a missing browser or Graphviz fails."""
import json
import os
import re
import shutil
import tempfile
import xml.dom.minidom
from pathlib import Path

import mpmath
import pytest
import sympy

from forgetcheck.cli import main
from forgetcheck.printing.certificate import CURRENT, certificates, entries_from_report
from forgetcheck.printing.mathml import mathml
from forgetcheck.printing.site import (LEVEL_COLOURS, SitePrinter, NOT_VERIFIED, counterexample_html, graph_dot, level,
                                       measured_series, page_name)
from forgetcheck.run import report
from forgetcheck.run.runner import verify_all
from forgetcheck.run.settings import profile
from forgetcheck.statements.notation import symbol
from forgetcheck.statements.registry import load_catalog

CATALOG = load_catalog()
#: a small verified selection keeps the test fast: O6 is proved symbolically, O5 certified,
#: O4.exponent is a limit whose check records the relative errors it evaluated
VERIFIED = ("O5", "O6", "O4.exponent")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000")


def _missing(message):
    if os.environ.get("CI") == "true":
        pytest.fail("CI must build and render the site; " + message)
    pytest.skip(message)


def _dot_or_skip():
    if not shutil.which("dot"):
        _missing("Graphviz `dot` not found: install the Debian package graphviz")


@pytest.fixture(scope="module")
def verified_report(tmp_path_factory):
    """A real verification of a few statements, as `forgetcheck verify --json` writes it."""
    settings = profile("ci")
    results = verify_all(CATALOG.select(VERIFIED), settings, jobs=1)
    for result in results:
        assert result.passed, (result.id, result.outcomes)
    document = report.to_json(results, settings, sum(r.seconds for r in results))
    # O5 and O6 use nothing, so they are fully verified; O4.exponent uses O4.ratio, which is not in the run
    assert [s["fully_verified"] for s in document["statements"]] == [True, True, False]
    path = tmp_path_factory.mktemp("report") / "report.json"
    report.write_json(document, path)
    return document, path


@pytest.fixture(scope="module")
def site(verified_report, tmp_path_factory):
    _dot_or_skip()
    _, path = verified_report
    out = tmp_path_factory.mktemp("site") / "site"
    assert main(["site", "--out", str(out), "--report", str(path), "--figures", "docs/figures"]) == 0
    return out


# --- without a browser ---------------------------------------------------------------------------

def test_the_graph_has_a_node_per_statement_and_an_edge_per_dependency():
    certs = certificates(CATALOG.theorems(), {}, "")
    dot = graph_dot(CATALOG, CATALOG.theorems(), certs)
    nodes = set(re.findall(r'^    "([^"]+)" \[label=', dot, re.M))
    assert nodes == set(CATALOG.ids())
    edges = set(re.findall(r'^  "([^"]+)" -> "([^"]+)";', dot, re.M))
    expected = {(dep, t.id) for t in CATALOG.theorems() for dep in CATALOG.direct_dependencies(t.id)}
    assert edges == expected
    # a group reference (O4.ratio uses "O3") is an edge from every member of the group
    assert {("O3.identity", "O4.ratio"), ("O3.old", "O4.ratio"), ("O3.total", "O4.ratio")} <= edges
    assert all(level(c) == NOT_VERIFIED for c in certs.values())


def test_nodes_are_coloured_by_evidence_and_marked_when_fully_verified(verified_report):
    document, path = verified_report
    certs = certificates(CATALOG.theorems(), entries_from_report(path), str(path))
    dot = graph_dot(CATALOG, CATALOG.theorems(), certs)
    for entry in document["statements"]:
        node = re.search(rf'^    "{re.escape(entry["id"])}" \[(.*)\];$', dot, re.M).group(1)
        assert f'fillcolor="{LEVEL_COLOURS[entry["evidence"]]}"' in node
        assert ("✓" in node and "peripheries=2" in node) == bool(entry["fully_verified"])
    unverified = re.search(r'^    "O1.BC" \[(.*)\];$', dot, re.M).group(1)
    assert f'fillcolor="{LEVEL_COLOURS[NOT_VERIFIED]}"' in unverified and "✓" not in unverified


def test_a_missing_graphviz_is_an_error_that_says_what_to_install(verified_report, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))     # no `dot` anywhere on PATH
    assert main(["site", "--out", str(tmp_path / "site"), "--only", "O6"]) == 2
    error = capsys.readouterr().err
    assert "graphviz" in error.lower() and "apt-get install graphviz" in error
    assert not (tmp_path / "site").exists()


def test_a_users_catalog_gets_its_own_section_page(tmp_path, capsys):
    _dot_or_skip()
    catalog = str(Path(__file__).with_name("cheap_catalog.py"))
    out = tmp_path / "site"
    assert main(["site", "--out", str(out), "--catalog", catalog, "--only", "CHEAP"]) == 0
    page = (out / page_name("test")).read_text()
    assert all(f'id="CHEAP.{name}"' in page for name in ("base", "middle", "top"))
    graph = (out / "graph.svg").read_text()
    assert graph.count('class="node"') == 3 and graph.count('class="edge"') == 2
    assert 'xlink:href="section-test.html#CHEAP.top"' in graph


def test_the_guide_shows_a_screenshot_of_the_index():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "guide.md")
    (image,) = re.findall(r"!\[[^]]*\]\((figures/site/[^)]+\.png)\)", guide.read_text())
    png = guide.parent / image
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size < 300_000


def test_mathml_prints_the_projects_notation():
    alpha_star = mathml(symbol("alpha_star"))
    assert "<msup><mi>&#945;</mi><mo>*</mo></msup>" in alpha_star      # α^*, as declared
    assert "alpha_star" not in alpha_star and "star" not in alpha_star
    lag = mathml(symbol("alpha_lag"))
    assert '<mi mathvariant="normal">lag</mi>' in lag
    claim = mathml(CATALOG["O3.old"].claim)
    assert "<msub><mi>&#949;</mi><mi>o</mi></msub>" in claim       # the engine quantity ε_o, not a name
    assert "misassignment" not in claim.lower()
    strict = mathml(sympy.StrictLessThan(symbol("a"), 1, evaluate=False))
    assert "<mo>&lt;</mo>" in strict


def test_hypotheses_print_each_bound_once():
    # O4.ratio assumes a > 0 and Delta >= 0 (the symbols' own) and a < 1, Delta > 0 (its hypotheses)
    printed = SitePrinter().hypotheses(CATALOG["O4.ratio"])
    assert len(printed) == 2
    assert printed[0].count("<mo>&lt;</mo>") == 2                    # 0 < a < 1
    assert "&lt;" not in printed[1] and "&gt;" in printed[1] and "≥" not in printed[1]   # Δ > 0


def test_every_formula_of_the_catalog_is_wellformed_mathml():
    for t in CATALOG.theorems():
        for expr in [t.claim, *t.assumptions(), *t.parameters, *(m.claim for m in t.mutants)]:
            markup = mathml(expr)
            xml.dom.minidom.parseString(markup)           # raises on malformed markup
            assert "\\" not in markup, (t.id, markup)      # no LaTeX command left unconverted
        for claim in [t.claim, *(m.claim for m in t.mutants)]:
            markup = mathml(claim).lower()
            for f in (sympy.sympify(claim.lhs).atoms(sympy.Function) | sympy.sympify(claim.rhs).atoms(sympy.Function)):
                if hasattr(f, "_latex"):                   # printed in its notation, not by class name
                    assert type(f).__name__.lower() not in markup, (t.id, type(f).__name__)


def test_the_pages_carry_the_certificates_and_nothing_from_the_network(site, verified_report):
    document, _ = verified_report
    pages = {p.name: p.read_text() for p in site.glob("*.html")}
    assert set(pages) == {"index.html"} | {page_name(t.section) for t in CATALOG.theorems()}
    for name, text in pages.items():
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), name
        assert "<script src" not in text and "@import" not in text and "<link rel=\"stylesheet\" href=\"style.css\">" in text
    overlap = pages[page_name("1")]
    for entry in document["statements"]:
        assert f'id="{entry["id"]}"' in overlap
        assert entry["content_hash"] in overlap
        assert f"seed {entry['seed']}" in overlap
        assert f"<dt>Digits</dt><dd>{entry['dps']}</dd>" in overlap
    assert "not verified in this version" in overlap                # O1.BC and the others
    index = pages["index.html"]
    refuted = sum(m["refuted"] for s in document["statements"] for m in s["mutants"])
    total = sum(len(s["mutants"]) for s in document["statements"])
    assert f"mutants refuted: {refuted}/{total}" in index


def test_without_a_report_the_site_reads_the_last_run(verified_report, tmp_path, monkeypatch):
    _dot_or_skip()
    document, _ = verified_report
    monkeypatch.setattr(report, "CACHE_DIR", tmp_path / "cache")
    out = tmp_path / "site"
    assert main(["site", "--out", str(out), "--only", "O6"]) == 0
    page = (out / page_name("1")).read_text()
    assert "not verified in this version" in page and "<dt>Digits</dt>" not in page
    report.store_last_run(document)
    assert main(["site", "--out", str(out), "--only", "O6"]) == 0
    page = (out / page_name("1")).read_text()
    assert "not verified in this version" not in page and CATALOG["O6"].content_hash() in page
    assert 'title="' in page and ">proved</span>" in page


def test_evidence_for_another_version_is_not_shown(verified_report, tmp_path):
    _dot_or_skip()
    document, _ = verified_report
    changed = json.loads(json.dumps(document))
    o6 = next(s for s in changed["statements"] if s["id"] == "O6")
    o6["content_hash"] = "0" * 16                   # the report was made for another version of O6
    path = tmp_path / "old-report.json"
    path.write_text(json.dumps(changed))
    out = tmp_path / "site"
    assert main(["site", "--out", str(out), "--only", "O6", "--report", str(path)]) == 0
    page = (out / page_name("1")).read_text()
    assert "not verified in this version" in page and "0" * 16 in page
    assert ">proved</span>" not in page and "<dt>Digits</dt>" not in page


def test_every_link_and_image_of_the_site_resolves(site):
    ids = {p.name: set(re.findall(r'\bid="([^"]+)"', p.read_text())) for p in site.glob("*.html")}
    for page in site.glob("*.html"):
        text = page.read_text()
        for target in re.findall(r'(?:href|src)="([^"]+)"', text):
            if target.startswith("http://www.w3.org/"):
                continue                                    # namespaces, never fetched
            file, _, anchor = target.partition("#")
            assert (site / (file or page.name)).is_file(), (page.name, target)
            if anchor and (file or page.name).endswith(".html"):
                assert anchor in ids[file or page.name], (page.name, target)


def test_sharpness_is_shown_where_the_report_has_it(site, verified_report):
    document, _ = verified_report
    overlap = (site / page_name("1")).read_text()
    with_sharpness = [s for s in document["statements"] if s.get("sharpness")]
    for entry in with_sharpness:
        section = overlap[overlap.index(f'id="{entry["id"]}"'):]
        section = section[:section.index("</section>")]
        shown = mpmath.nstr(mpmath.mpf(entry["sharpness"]["ratio"]), 8)  # as the certificate words it
        assert "<dt>Sharpness</dt>" in section and shown in section
    for entry in document["statements"]:
        if not entry.get("sharpness"):
            section = overlap[overlap.index(f'id="{entry["id"]}"'):]
            assert "<dt>Sharpness</dt>" not in section[:section.index("</section>")]


def test_a_plot_only_where_the_report_has_the_evaluated_points(site, verified_report):
    _, path = verified_report
    certs = certificates(CATALOG.theorems(), entries_from_report(path), str(path))
    limit = measured_series(certs["O4.exponent"])
    entry = next(s for s in json.loads(path.read_text())["statements"] if s["id"] == "O4.exponent")
    table = entry["checks"][0]["measured"]["table"]
    ((title, kind, lines),) = limit
    assert kind == "limit:Delta" and len(lines) == len(table)
    assert lines[0][2] == [float(e) for e in table[0]["relative_error"]]
    assert (site / "plots" / "O4.exponent-1.svg").is_file()
    assert measured_series(certs["O6"]) == []                        # a proof has no points to plot
    assert not list((site / "plots").glob("O6-*"))


def test_counterexamples_say_how_many_digits_they_show():
    cex = {"parameters": {"a": "0.25"}, "lhs": "0.123456789012345", "rhs": "0.2", "slack": "-0.38",
           "dps": 60, "how_found": "hypothesis (seed=0)"}
    shown = counterexample_html(cex)
    assert "evaluated with 60 digits, sides shown to 15 significant digits" in shown


# --- in a browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed: pip install 'forgetcheck[test]'")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (os.path.exists(CHROMEDRIVER) and chromium):
        _missing(f"Chromium or {CHROMEDRIVER} not found: install the Debian packages chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium     # the installed browser: nothing is looked up or downloaded
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(dir=tmp_path_factory.mktemp("chromium")))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(browser, path: Path, anchor: str = ""):
    assert path.is_file(), path
    browser.get(path.resolve().as_uri() + (f"#{anchor}" if anchor else ""))
    assert browser.execute_script("return document.readyState") == "complete"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert not errors, f"console errors on {path.name}: {errors}"


def test_the_index_renders_with_every_node_linking_to_its_statement(site, browser, tmp_path):
    _open(browser, site / "index.html")
    links = browser.execute_script("""
        return Array.from(document.querySelectorAll('.graph svg g.node a')).map(function (a) {
            var box = a.getBoundingClientRect();
            return [a.getAttribute('xlink:href') || a.getAttribute('href'), box.width, box.height];
        });""")
    assert len(links) == len(CATALOG)
    assert all(width > 0 and height > 0 for _, width, height in links)
    targets = {}
    for href, _, _ in links:
        page, _, anchor = href.partition("#")
        assert (site / page).is_file(), href
        targets.setdefault(page, set()).add(anchor)
    assert set().union(*targets.values()) == set(CATALOG.ids())
    for page, anchors in targets.items():
        _open(browser, site / page)
        missing = browser.execute_script(
            "return arguments[0].filter(function (id) { return !document.getElementById(id); });", sorted(anchors))
        assert not missing, f"{page} has no element for {missing}"
    browser.save_screenshot(str(tmp_path / "index.png"))
    assert (tmp_path / "index.png").stat().st_size > 10_000


def test_the_table_filters_by_evidence(site, browser, verified_report):
    document, _ = verified_report
    _open(browser, site / "index.html")
    proved = sum(s["evidence"] == "proved" for s in document["statements"])
    visible = browser.execute_script("""
        var select = document.getElementById('filter-evidence');
        select.value = 'proved';
        select.dispatchEvent(new Event('change'));
        return Array.from(document.querySelectorAll('#statements tbody tr')).filter(
            function (row) { return !row.hidden; }).length;""")
    assert proved >= 1 and visible == proved
    order = browser.execute_script("""
        document.getElementById('filter-evidence').value = '';
        document.getElementById('filter-evidence').dispatchEvent(new Event('change'));
        var evidence = Array.from(document.querySelectorAll('#statements thead button')).find(
            function (b) { return b.textContent === 'Evidence'; });
        evidence.click();
        return Array.from(document.querySelectorAll('#statements tbody tr')).map(
            function (row) { return row.dataset.evidence; });""")
    strength = list(LEVEL_COLOURS)
    assert len(order) == len(CATALOG) and order == sorted(order, key=strength.index)


def test_a_statement_page_renders_its_mathml(site, browser, tmp_path):
    _open(browser, site / page_name("1"), "O6")
    formulas = browser.execute_script("""
        return Array.from(document.querySelectorAll('math')).map(function (m) {
            var box = m.getBoundingClientRect();
            return [getComputedStyle(m).display, box.width, box.height];
        });""")
    assert len(formulas) > 20
    # "block math" / "math": Chromium laid the element out as MathML, not as unknown inline tags
    assert {display for display, _, _ in formulas} <= {"block math", "inline math", "math"}
    assert all(width > 0 and height > 0 for _, width, height in formulas)
    fraction = browser.execute_script(
        "var f = document.querySelector('#O6 math mfrac, #O6 math msqrt');"
        "var b = f.getBoundingClientRect(); return [b.width, b.height];")
    assert fraction[0] > 0 and fraction[1] > 0
    browser.save_screenshot(str(tmp_path / "section.png"))
    assert (tmp_path / "section.png").stat().st_size > 10_000
