"""The static site of `forgetcheck site`: a browsable blueprint of the catalog that opens from disk.

    index.html        the dependency graph of every statement (SVG laid out by Graphviz `dot`),
                      coloured by evidence, each node a link to its statement; the summary of the
                      run; a table of the statements (sortable and filterable with a small inline
                      script, complete without it)
    section-N.html    one page per section: each statement printed from the checked sympy objects
                      as presentation MathML (forgetcheck.printing.mathml), its proof sketch and
                      notes, its certificate, its mutants with their counterexamples, the statements
                      it uses and those that use it, the section's figures
    style.css, figures/, plots/   beside them; nothing is fetched from the network

`SitePrinter` dispatches on the class of what it prints like the other printers of this package
(`_print_Theorem`, `_print_Certificate`, `_print_Mutant`, `_print_Parameter`). The layout of
the graph is Graphviz's: this module writes the graph in the DOT language and runs `dot -Tsvg`.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import sympy
from sympy.printing.printer import Printer

from forgetcheck.numerics.errors import InputError
from forgetcheck.printing.certificate import describe_sharpness, CURRENT, EVIDENCE_MEANING, MISSING, STALE, Certificate
from forgetcheck.printing.hypotheses import merged_hypotheses
from forgetcheck.printing.latex import IDS_ARE_OURS, find_figures
from forgetcheck.printing.mathml import mathml
from forgetcheck.printing.sections import by_section, section_heading
from forgetcheck.printing.text import runs
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.evidence import Counterexample
from forgetcheck.statements.notation import declared

#: Node colour of each evidence level; "not verified" covers statements without evidence for
#: their current version (never verified, or changed since).
NOT_VERIFIED = "not verified"
LEVEL_COLOURS = {
    "proved": "#1a9850", "certified": "#91cf60", "sampled": "#d9ef8b", "inconclusive": "#fee08b",
    "unchecked": "#fdae61", "refuted": "#d73027", NOT_VERIFIED: "#ffffff",
}
LEVEL_MEANING = dict(EVIDENCE_MEANING, **{NOT_VERIFIED: "no evidence for this version of the statement "
                                                          "(never verified, or changed since)"})
FULLY_VERIFIED_MARK = "✓"

INSTALL_GRAPHVIZ = ("the dependency graph is laid out by Graphviz `dot`, which is not on PATH: install "
                    "Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                    "others: https://graphviz.org/download/) and run the command again")

#: fewer points than this read better as the numbers the certificate prints
MIN_PLOTTED_POINTS = 4

#: matplotlib's SVG ids are random unless salted: the same report gives the same files
_SVG_SALT = "forgetcheck-site"


def page_name(section) -> str:
    return f"section-{re.sub(r'[^A-Za-z0-9]+', '-', str(section))}.html"


def level(certificate: Certificate | None) -> str:
    """The evidence level a statement shows: its report's, or "not verified" without current evidence."""
    if certificate is None or certificate.status != CURRENT or not certificate.evidence:
        return NOT_VERIFIED
    return str(certificate.evidence)


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def inline_html(text: str) -> str:
    """Prose as the catalog writes it (Unicode mathematics, `code` spans) as HTML: the browser
    shows the Unicode itself, code spans become <code>."""
    out = ""
    for kind, src in runs(text or ""):
        piece = f"<code>{esc(src)}</code>" if kind == "code" else esc(src)
        out += piece if (kind == "punct" or not out) else " " + piece
    return out


def _and(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- the dependency graph ------------------------------------------------------------------------

def _dot_string(text: str) -> str:
    """A DOT double-quoted string (backslashes doubled: DOT reads \\n, \\l ... in labels)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def graph_dot(registry, theorems, certificates: dict) -> str:
    """The dependency graph in the DOT language: a cluster per section, an edge from each statement
    to every statement that uses it, nodes filled by evidence and linked to their pages."""
    chosen = {t.id for t in theorems}
    lines = ["digraph statements {",
             '  graph [rankdir=LR, compound=true, fontname="Helvetica", fontsize=12, nodesep=0.15, '
             'ranksep=0.5, bgcolor="transparent"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, height=0.3, '
             'margin="0.08,0.03", target="_top"];',
             '  edge [color="#777777", arrowsize=0.6];']
    for index, (section, members) in enumerate(by_section(theorems)):
        page = page_name(section)
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label={_dot_string(section_heading(section, with_reference=False))}; '
                     f'URL={_dot_string(page)}; style="rounded"; color="#bbbbbb";')
        for t in members:
            cert = certificates.get(t.id)
            shown = level(cert)
            fully = bool(cert and cert.status == CURRENT and cert.fully_verified)
            uses_unverified = bool(cert and cert.status == CURRENT and cert.passed and not cert.fully_verified)
            label = t.id + (f" {FULLY_VERIFIED_MARK}" if fully else "")
            style = "rounded,filled" + (",dashed" if uses_unverified else ",bold" if fully else "")
            state = ("fully verified" if fully else "uses an unverified statement" if uses_unverified else "")
            tooltip = f"{t.id}: {t.title} [{shown}{'; ' + state if state else ''}]"
            lines.append(f"    {_dot_string(t.id)} [label={_dot_string(label)}, id={_dot_string('node-' + t.id)}, "
                         f"fillcolor={_dot_string(LEVEL_COLOURS[shown])}, style={_dot_string(style)}, "
                         f"peripheries={2 if fully else 1}, URL={_dot_string(page + '#' + t.id)}, "
                         f"tooltip={_dot_string(tooltip)}];")
        lines.append("  }")
    for t in theorems:
        for dep in registry.direct_dependencies(t.id):
            if dep in chosen:
                lines.append(f"  {_dot_string(dep)} -> {_dot_string(t.id)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def layout_svg(dot_source: str, dot: str = "dot") -> str:
    """The SVG Graphviz lays out for `dot_source` (without the XML prolog, for inlining)."""
    executable = shutil.which(dot)
    if executable is None:
        raise InputError(INSTALL_GRAPHVIZ)
    run = subprocess.run([executable, "-Tsvg"], input=dot_source, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise RuntimeError(f"Graphviz `dot` failed on the dependency graph: {run.stderr.strip()}")
    svg = run.stdout
    return svg[svg.index("<svg"):]


def scalable(svg: str) -> str:
    """The SVG without its fixed size, so it scales to the width of the page (the viewBox keeps
    its proportions); the file beside the index keeps Graphviz's full size."""
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", svg, count=1)


# --- plots of measured points ---------------------------------------------------------------------

def measured_series(certificate: Certificate) -> list:
    """[(title, kind, lines)] for every check of the report that recorded the points it evaluated,
    lines = [(label, xs, ys)]: a grid's or trajectories' lhs/rhs ratios (kind "ratio", xs the
    points' labels), a limit's relative errors along the limit variable (kind "limit:<variable>",
    a line per fixed choice of the other parameters). Checks that recorded only their worst point
    give nothing."""
    series = []
    for check in certificate.checks:
        measured = check.get("measured") or {}
        ratios = measured.get("ratios")
        if isinstance(ratios, dict) and len(ratios) >= MIN_PLOTTED_POINTS:
            # a trajectory check records the largest ratio along each start's trajectory
            what = "largest lhs/rhs along the trajectory" if "trajectories" in measured else "lhs/rhs at the point"
            series.append((check["check"], "ratio", [(what, list(ratios), [float(v) for v in ratios.values()])]))
        lines, variable = [], None
        for row in measured.get("table") or []:
            if not isinstance(row, dict) or "relative_error" not in row:
                continue
            variable = next((k for k, v in row.items() if isinstance(v, list) and k != "relative_error"), None)
            if variable is None or len(row[variable]) < MIN_PLOTTED_POINTS:
                continue
            where = ", ".join(f"{k} = {v}" for k, v in row.items() if not isinstance(v, list))
            lines.append((where, [float(x) for x in row[variable]], [float(e) for e in row["relative_error"]]))
        if lines:
            series.append((check["check"], f"limit:{variable}", lines))
    return series


def plot_series(series, path: Path) -> None:
    """One small SVG: ratios lhs/rhs, one row per evaluated point, against equality (1); or a
    limit's relative errors against the limit variable (log-log), a line per parameter choice."""
    from forgetcheck.printing.figures import _pyplot
    plt = _pyplot()
    plt.rcParams["svg.hashsalt"] = _SVG_SALT
    title, kind, lines = series
    if kind == "ratio":
        (what, labels, ys), = lines
        fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.2 * len(labels)))
        rows = range(len(labels))
        ax.plot(ys, rows, "o", color="#1a9850", markersize=4, label=what)
        ax.axvline(1.0, color="#d73027", linewidth=1, label="equality (lhs = rhs)")
        ax.set_yticks(list(rows))
        ax.set_yticklabels(labels, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("lhs / rhs")
        ax.set_xlim(0, max(1.05, max(ys) * 1.05))
        ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    else:
        fig, ax = plt.subplots(figsize=(5.2, 2.8))
        for label, xs, ys in lines:
            ax.loglog(xs, [abs(y) for y in ys], "o-", markersize=4, label=label or None)
        ax.set_xlabel(kind.split(":", 1)[1])
        ax.set_ylabel("relative error")
        if any(label for label, _, _ in lines):
            ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


# --- the pages -----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 68rem; padding: 1rem 1.5rem 3rem; line-height: 1.45; color: #1d1d1d; }
nav { font-size: 0.9rem; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
.graph { overflow: auto; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; background: #fcfcfc; }
.graph svg { width: 100%; height: auto; }
.legend span.swatch { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #888;
                      vertical-align: middle; margin: 0 0.3em 0 0.8em; border-radius: 2px; }
table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: bold; background: none; border: none; padding: 0; cursor: pointer; }
.level { display: inline-block; padding: 0 0.45em; border-radius: 3px; border: 1px solid #999; white-space: nowrap; }
dl.certificate { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; font-size: 0.92rem; }
dl.certificate dt { font-weight: bold; } dl.certificate dd { margin: 0; }
math { font-size: 1.12em; }
.statement math[display="block"] { margin: 0.6rem 0; font-size: 1.25em; }
.muted { color: #666; } .warning { color: #a50026; font-weight: bold; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
.statement figure img { max-width: 40rem; }
code { font-size: 0.88em; background: #f4f4f4; padding: 0 0.2em; border-radius: 3px; }
table.counterexample { width: auto; font-size: 0.85rem; margin: 0.3rem 0 0.6rem; }
"""

#: Sorting and filtering of the statements table: progressive enhancement (the table is complete
#: without it, the controls stay hidden).
TABLE_SCRIPT = """
(function () {
  var table = document.getElementById("statements");
  var controls = document.getElementById("filters");
  if (!table || !controls) { return; }
  controls.hidden = false;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var section = document.getElementById("filter-section");
  var evidence = document.getElementById("filter-evidence");
  function filter() {
    rows.forEach(function (row) {
      var shown = (!section.value || row.dataset.section === section.value) &&
                  (!evidence.value || row.dataset.evidence === evidence.value);
      row.hidden = !shown;
    });
  }
  section.addEventListener("change", filter);
  evidence.addEventListener("change", filter);
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (cell, column) {
    var button = cell.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = cell.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headers, function (c) { c.removeAttribute("aria-sort"); });
      cell.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.key || a.cells[column].textContent;
        var y = b.cells[column].dataset.key || b.cells[column].textContent;
        var order = x.localeCompare(y, undefined, {numeric: true});
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
"""


def _page(title: str, body: str, *, script: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n"
            + body + (f"\n<script>{script}</script>" if script else "") + "\n</body>\n</html>\n")


class SitePrinter(Printer):
    """HTML of statements, certificates and mutants. Settings: `registry`, `certificates`
    (id -> Certificate), `page_of` (id -> page file), `plots` (id -> [(plot file name, what it shows)])."""
    printmethod = "_site_html"
    _default_settings = {"registry": None, "certificates": None, "page_of": None, "plots": None}

    def emptyPrinter(self, expr):
        return esc(expr)

    def _print_Basic(self, expr):
        return mathml(expr)

    def math(self, expr, display=False) -> str:
        return mathml(expr, display=display)

    def link(self, statement_id: str) -> str:
        page = (self._settings["page_of"] or {}).get(statement_id)
        if page is None:
            return f"{esc(statement_id)} (not on this site)"
        return f'<a href="{esc(page)}#{esc(statement_id)}">{esc(statement_id)}</a>'

    def hypotheses(self, theorem) -> list:
        """The hypotheses as every output prints them (bounds on one symbol merged into a chain)."""
        return [self.math(item) for item in merged_hypotheses(theorem.assumptions())]

    def _qualifiers(self, claim) -> str:
        if claim.kind is ClaimKind.LIMIT and claim.rate is not None:
            return (f"<p>with relative error O({self.math(sympy.Pow(claim.variable, -claim.rate, evaluate=False))})."
                    "</p>")
        if claim.kind is ClaimKind.DYNAMICS:
            return (f"<p>along the trajectory, for all "
                    f"{self.math(sympy.GreaterThan(claim.variable, 0, evaluate=False))}.</p>")
        if claim.kind is ClaimKind.RATE:
            return f"<p>(the slope is fitted along increasing values of {self.math(claim.variable)}).</p>"
        return ""

    def _print_Parameter(self, parameter):
        extra = " (log scale)" if parameter.log_scale else ""
        if getattr(parameter, "integer", False):
            extra += " (integers)"
        return self.math(parameter) + extra

    def _print_Theorem(self, t):
        registry = self._settings["registry"]
        cert = (self._settings["certificates"] or {}).get(t.id) or Certificate(t.id, t.content_hash(), MISSING, "")
        shown = level(cert)
        out = [f'<section class="statement" id="{esc(t.id)}">',
               f'<h2><a href="#{esc(t.id)}">{esc(t.id)}</a>: {inline_html(t.title)}</h2>',
               f'<p>{_level_badge(shown)} {esc(_verification_state(cert))}</p>']
        hypotheses = self.hypotheses(t)
        if hypotheses:
            out.append("<p>Assume " + _and(hypotheses) + ". Then</p>")
        out.append(self.math(t.claim, display=True))
        out.append(self._qualifiers(t.claim))
        if t.depends_on:
            used = [d for ref in t.depends_on for d in (registry.resolve(ref) if registry else [ref]) or [ref]]
            out.append("<p>Uses " + _and(self.link(d) for d in dict.fromkeys(used)) + ".</p>")
        if registry is not None:
            direct = [tid for tid in registry.ids() if t.id in registry.direct_dependencies(tid)]
            everyone = registry.dependents(t.id)
            indirect = [tid for tid in registry.ids() if tid in everyone and tid not in direct]
            if direct:
                out.append("<p>Used by " + _and(self.link(d) for d in direct)
                           + (", and through them by " + _and(self.link(d) for d in indirect) if indirect else "")
                           + ".</p>")
        if t.proof_sketch:
            out.append(f"<h3>Proof sketch</h3>\n<p>{inline_html(t.proof_sketch)}</p>")
        if t.notes:
            out.append(f"<h3>Notes</h3>\n<p>{inline_html(t.notes)}</p>")
        out.append(self._print_Certificate(cert, theorem=t))
        out.append("<h3>Mutants</h3>\n<p class=\"muted\">False variants the same checks must refute.</p>\n<ul>")
        reported = {m["name"]: m for m in cert.mutants} if cert.status == CURRENT else {}
        for m in t.mutants:
            out.append("<li>" + self._print_Mutant(m, reported=reported.get(m.name), dps=cert.dps) + "</li>")
        out.append("</ul>")
        for name, title in (self._settings["plots"] or {}).get(t.id, []):
            out.append(f'<figure><img src="plots/{esc(name)}" alt="measured points of {esc(t.id)}">'
                       f'<figcaption class="muted">{esc(title)}: the points the check evaluated, as '
                       f"the report records them.</figcaption></figure>")
        out.append("</section>")
        return "\n".join(part for part in out if part)

    def _print_Mutant(self, mutant, reported=None, dps=None):
        text = (f"<em>{inline_html(mutant.name)}</em>: {self.math(mutant.claim)} "
                f"(false: {inline_html(mutant.where_false)})")
        if reported is None:
            return text + ' <span class="muted">not checked in this version</span>'
        if not reported.get("refuted"):
            return text + ' <span class="warning">not refuted</span>'
        return text + " — refuted" + counterexample_html(reported.get("counterexample"))

    def _print_Certificate(self, c: Certificate, theorem=None):
        rows = []
        if c.status != CURRENT:
            why = ("no verification report has evidence for it" if c.status == MISSING else
                   f"the report ({esc(c.source)}) was made for another version of the statement "
                   f"(content hash <code>{esc(c.verified_hash)}</code>)")
            rows.append(("Evidence", f'<span class="warning">not verified in this version</span>: {why}. '
                                     f"Run <code>forgetcheck verify --only {esc(c.statement_id)}</code>, then "
                                     "regenerate the site."))
        else:
            rows.extend(self._evidence_rows(c, theorem))
        if theorem is not None and theorem.parameters:
            rows.append(("Domain", _and(self._print(p) for p in theorem.parameters)))
        rows.append(("Statement", f"{esc(c.statement_id)} (id ours), content hash <code>{esc(c.content_hash)}</code>"))
        return ("<h3>Verification certificate</h3>\n<dl class=\"certificate\">\n"
                + "\n".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows) + "\n</dl>")

    def _evidence_rows(self, c: Certificate, theorem=None) -> list:
        verdict = ("passed" if c.passed else "did not pass") + (
            "; every statement it uses is verified too" if c.fully_verified else
            "; not every statement it uses was verified in the same run" if c.passed else "")
        evidence = f"{_level_badge(str(c.evidence))} (expected {esc(c.expected)}): {verdict}."
        if c.cached_at:
            evidence += f" Verdict reused from the result cache (obtained {esc(c.cached_at)})."
        rows = [("Evidence", evidence)]
        if c.error:
            rows.append(("Error", esc(c.error[:500])))
        if c.examples:
            rows.append(("Points", f"{c.examples} high-precision evaluations"))
        if c.worst_slack is not None:
            where = point_html(c.worst_point)
            kind = theorem.claim.kind if theorem is not None else None
            if kind is ClaimKind.IDENTITY:
                what = f"largest relative difference of the sides {esc(str(c.worst_slack).lstrip('-'))}"
            elif kind is ClaimKind.LIMIT:
                what = f"relative error at the largest value {esc(c.worst_slack)}"
            else:
                what = f"worst relative slack {esc(c.worst_slack)}"
            rows.append(("Worst case", what + (f" at {where}" if where else "")))
        if c.sharpness:  # the sentence the certificate and `show` print, with the point as HTML
            rows.append(("Sharpness", describe_sharpness(c.sharpness, number=esc, point=point_html)))
        if c.dps:
            rows.append(("Digits", str(c.dps)))
        checks = []
        for chk in c.checks:
            detail = (chk.get("detail") or "")[:500]
            checks.append(f"<li>{_level_badge(chk.get('evidence') or '')} {inline_html(chk.get('check') or '')}"
                          + (f": <span class=\"muted\">{esc(detail)}</span>" if detail else "") + "</li>")
        if checks:
            rows.append(("Checks", "<ul>" + "".join(checks) + "</ul>"))
        if c.mutants:
            refuted = sum(bool(m["refuted"]) for m in c.mutants)
            rows.append(("Mutants", f"{refuted}/{len(c.mutants)} refuted (each below, with its counterexample)"))
        versions = ", ".join(f"{esc(k)} {esc(v)}" for k, v in c.versions.items())
        rows.append(("Run", f"profile {esc(c.profile)}, seed {esc(c.seed)}" + (f"; {versions}" if versions else "")))
        return rows


def _level_badge(name: str) -> str:
    colour = LEVEL_COLOURS.get(name, "#ffffff")
    return f'<span class="level" style="background:{colour}" title="{esc(LEVEL_MEANING.get(name, ""))}">{esc(name)}</span>'


def _verification_state(cert: Certificate) -> str:
    if cert.status == STALE:
        return "changed since its last verification"
    if cert.status != CURRENT:
        return "never verified"
    if cert.fully_verified:
        return f"{FULLY_VERIFIED_MARK} fully verified: it and every statement it uses reached their evidence"
    if cert.passed:
        return "passed, but uses a statement that was not verified in the same run"
    return "did not pass"


def point_html(point: dict) -> str:
    """Parameters as "Δ = 2.0, α* = 0.5": a declared name in its notation, any other as written."""
    return ", ".join(f"{_name_html(name)} = {esc(value)}" for name, value in point.items())


def _name_html(name: str) -> str:
    return mathml(sympy.Symbol(name)) if declared(name) is not None else esc(name)


def counterexample_html(cex) -> str:
    """A counterexample's parameters and sides, with the digits it was evaluated at and the
    digits shown (a side printed to 15 digits of a 60-digit evaluation says so)."""
    if not cex:
        return ""
    rows = [f"<tr><th>{_name_html(k)}</th><td>{esc(v)}</td></tr>" for k, v in (cex.get("parameters") or {}).items()]
    for side in ("lhs", "rhs", "slack"):
        if cex.get(side) is not None:
            rows.append(f"<tr><th>{side}</th><td>{esc(cex[side])}</td></tr>")
    how = esc(cex.get("how_found") or "")
    try:
        precision = esc(Counterexample.from_json(cex).precision_note())
    except (KeyError, TypeError, ValueError):   # a report written by another version: show what it has
        precision = ""
    caption = "; ".join(part for part in (how, precision) if part)
    return (f'<table class="counterexample">' + "".join(rows) + "</table>"
            + (f'<p class="muted">Counterexample found by {caption}.</p>' if caption else ""))


# --- the site ------------------------------------------------------------------------------------

def _figure_section(path: Path, registry) -> str | None:
    """The section of a figure named after a statement ("X2-drift-decay..." belongs to X2's section)."""
    prefix = path.stem.split("-", 1)[0]
    ids = registry.resolve(prefix) if registry is not None else []
    return str(registry[ids[0]].section) if ids else None


def _summary(theorems, certificates: dict) -> str:
    counts = Counter(level(certificates.get(t.id)) for t in theorems)
    current = [c for c in certificates.values() if c.status == CURRENT]
    fully = sum(bool(c.fully_verified) for c in current)
    mutants = sum(len(c.mutants) for c in current)
    refuted = sum(bool(m["refuted"]) for c in current for m in c.mutants)
    stale = sum(c.status == STALE for c in certificates.values())

    def distinct(values):
        found = sorted({str(v) for v in values if v not in (None, "")})
        return ", ".join(found) if found else "—"

    versions = sorted({", ".join(f"{k} {v}" for k, v in c.versions.items()) for c in current if c.versions})
    items = [f"<li>{_level_badge(name)} {counts.get(name, 0)} statement(s)</li>"
             for name in LEVEL_COLOURS if counts.get(name)]
    return ("<h2 id=\"summary\">Summary</h2>\n<ul>" + "".join(items) + "</ul>\n<ul>"
            f"<li>{len(theorems)} statements; {len(current)} with evidence for their current version, "
            f"{fully} fully verified (they and everything they use); {stale} changed since their evidence</li>"
            f"<li>mutants refuted: {refuted}/{mutants}</li>"
            f"<li>profile: {esc(distinct(c.profile for c in current))}; seed: {esc(distinct(c.seed for c in current))}; "
            f"digits: {esc(distinct(c.dps for c in current))}</li>"
            f"<li>versions: {'; '.join(esc(v) for v in versions) or '—'}</li></ul>")


def _table(theorems, certificates: dict, page_of: dict) -> str:
    sections = list(dict.fromkeys(str(t.section) for t in theorems))
    levels = [name for name in LEVEL_COLOURS if any(level(certificates.get(t.id)) == name for t in theorems)]
    options = lambda values: "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    head = "".join(f'<th><button type="button">{name}</button></th>'
                   for name in ("Statement", "Title", "Section", "Evidence", "Fully verified", "Mutants refuted"))
    rows = []
    for t in theorems:
        cert = certificates.get(t.id)
        shown = level(cert)
        current = cert is not None and cert.status == CURRENT
        fully = "yes" if current and cert.fully_verified else "no" if current else "—"
        mutants = (f"{sum(bool(m['refuted']) for m in cert.mutants)}/{len(cert.mutants)}" if current else "—")
        rows.append(f'<tr data-section="{esc(t.section)}" data-evidence="{esc(shown)}">'
                    f'<td><a href="{esc(page_of[t.id])}#{esc(t.id)}">{esc(t.id)}</a></td>'
                    f"<td>{inline_html(t.title)}</td><td>{esc(t.section)}</td>"
                    f'<td data-key="{list(LEVEL_COLOURS).index(shown)}">{_level_badge(shown)}</td>'
                    f"<td>{fully}</td><td>{mutants}</td></tr>")
    return ("<h2 id=\"table\">Statements</h2>\n"
            '<div id="filters" hidden><label>Section <select id="filter-section"><option value="">all</option>'
            + options(sections) + '</select></label> <label>Evidence <select id="filter-evidence">'
            '<option value="">all</option>' + options(levels) + "</select></label> "
            '<span class="muted">(click a column heading to sort)</span></div>\n'
            f'<table id="statements"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table>")


def _legend() -> str:
    swatches = "".join(f'<span class="swatch" style="background:{colour}"></span>{esc(name)}'
                       for name, colour in LEVEL_COLOURS.items())
    return (f'<p class="legend">Node colour = evidence:{swatches}.<br>'
            f"Double bold border and {FULLY_VERIFIED_MARK} = fully verified (the statement and everything it "
            "uses reached their evidence); dashed border = passed, but uses a statement that was not "
            "verified in the same run. An arrow goes from a statement to each statement that uses it.</p>")


def build_site(out_dir, registry, theorems, certificates: dict, *, source: str = "", figures_dir=None,
               dot: str = "dot") -> list:
    """Write the site into out_dir; returns the paths written. Raises InputError naming what to
    install when Graphviz `dot` is missing (before anything is written)."""
    theorems = list(theorems)
    svg = layout_svg(graph_dot(registry, theorems, certificates), dot=dot)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name, text):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    # plots and figures of an earlier build could belong to statements or figures that are gone
    for folder, pattern in (("plots", "*.svg"), ("figures", "*.png")):
        for stale in (out / folder).glob(pattern):
            stale.unlink()

    groups = by_section(theorems)
    page_of = {t.id: page_name(section) for section, members in groups for t in members}
    write("style.css", STYLE.lstrip())
    write(".nojekyll", "")   # GitHub Pages serves the files as they are (see docs/guide.md, The site)
    write("graph.svg", '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + svg)

    # figures: PNGs (a browser shows them; the PDFs are for the appendix), on their section's page
    figures_by_section = {}
    for path in find_figures(figures_dir):
        png = path.with_suffix(".png")
        if not png.is_file():
            continue
        target = out / "figures" / png.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, target)
        written.append(target)
        figures_by_section.setdefault(_figure_section(png, registry), []).append(png.name)

    plots = {}
    for t in theorems:
        cert = certificates.get(t.id)
        if cert is None or cert.status != CURRENT:
            continue
        for index, series in enumerate(measured_series(cert)):
            name = f"{re.sub(r'[^A-Za-z0-9._-]', '-', t.id)}-{index + 1}.svg"
            plot_series(series, out / "plots" / name)
            written.append(out / "plots" / name)
            plots.setdefault(t.id, []).append((name, series[0]))

    printer = SitePrinter(dict(registry=registry, certificates=certificates, page_of=page_of, plots=plots))
    nav_sections = " · ".join(f'<a href="{page_name(s)}">{esc(section_heading(s, with_reference=False))}</a>'
                              for s, _ in groups)
    for section, members in groups:
        body = [f'<nav><a href="index.html">Index</a> · {nav_sections}</nav>',
                f"<h1>{esc(section_heading(section))}</h1>",
                f'<p class="muted">{esc(IDS_ARE_OURS)} Statements: '
                + ", ".join(printer.link(t.id) for t in members) + ".</p>"]
        body += [printer.doprint(t) for t in members]
        names = figures_by_section.get(str(section), [])
        if names:
            body.append("<h2>Figures</h2>")
            body += [f'<figure><img src="figures/{esc(n)}" alt="{esc(Path(n).stem)}">'
                     f"<figcaption>{esc(Path(n).stem.replace('-', ' '))}</figcaption></figure>" for n in names]
        write(page_name(section), _page(f"forgetcheck: {section_heading(section, with_reference=False)}",
                                        "\n".join(body)))

    other_figures = figures_by_section.get(None, [])
    index = [f"<nav>{nav_sections}</nav>", "<h1>forgetcheck: checked statements</h1>",
             "<p>Every statement of the catalog, what it rests on and how far it is verified. Each node "
             "links to the statement, printed from the sympy object that is checked, with its certificate. "
             f"{esc(IDS_ARE_OURS)} Evidence from {esc(source or 'no report')}.</p>",
             '<h2 id="graph">Dependency graph</h2>', _legend(), f'<div class="graph">{scalable(svg)}</div>',
             '<p class="muted"><a href="graph.svg">The graph at full size</a> (the same SVG on its own).</p>',
             _summary(theorems, certificates), _table(theorems, certificates, page_of),
             "<h2>Evidence levels</h2>\n<dl class=\"certificate\">"
             + "".join(f"<dt>{_level_badge(name)}</dt><dd>{inline_html(meaning)}</dd>"
                       for name, meaning in LEVEL_MEANING.items()) + "</dl>"]
    if other_figures:
        index.append("<h2>Figures</h2>")
        index += [f'<figure><img src="figures/{esc(n)}" alt="{esc(Path(n).stem)}"></figure>' for n in other_figures]
    write("index.html", _page("forgetcheck: checked statements", "\n".join(index), script=TABLE_SCRIPT))
    return written
