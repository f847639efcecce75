"""Rendering of verification reports: terminal table, JSON, and the last-run store."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import sympy

from forgetcheck.run.runner import environment

CACHE_DIR = Path(os.environ.get("FORGETCHECK_CACHE", ".forgetcheck-cache"))
LAST_RUN = "last-run.json"


def status_word(report) -> str:
    if report.error:
        return "ERROR"
    if not report.reached:
        return "FAILED"
    if not report.mutants_refuted:
        return "MUTANT SURVIVED"
    return "ok"


def progress_line(report, done: int, total: int) -> str:
    refuted = sum(m.refuted for m in report.mutants)
    return (f"[{done:>{len(str(total))}}/{total}] {report.id:<14} {report.evidence.value:<12} "
            f"mutants {refuted}/{len(report.mutants)} refuted  {report.seconds:6.1f}s  {status_word(report)}")


def table(reports) -> str:
    header = ("statement", "evidence", "expected", "mutants", "points", "worst slack", "time", "status")
    rows = []
    for r in reports:
        slack, _ = r.worst()
        rows.append((r.id, r.evidence.value, r.expected.value,
                     f"{sum(m.refuted for m in r.mutants)}/{len(r.mutants)}", str(r.examples),
                     "-" if slack is None else str(slack), f"{r.seconds:.1f}s",
                     status_word(r) + ("" if not r.passed or r.fully_verified else " (deps not verified)")
                     + (f" (cached, obtained {r.cached_at})" if getattr(r, "cached_at", "") else "")))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out)


def problems(reports) -> str:
    """What went wrong, with counterexamples, for every statement that did not pass."""
    lines = []
    for r in reports:
        if r.passed:
            continue
        lines.append(f"{r.id}: {status_word(r)}" + (f" — {r.error}" if r.error else ""))
        for o in r.outcomes:
            if o.evidence.value in ("refuted", "inconclusive") or r.error:
                lines.append(f"    {o.check}: {o.evidence.value}: {o.detail[:500]}")
        for m in r.mutants:
            if not m.refuted:
                lines.append(f"    mutant {m.name!r} ({m.where_false}) was NOT refuted: {m.evidence.value}")
    return "\n".join(lines)


def summary(reports) -> dict:
    return {"statements": len(reports), "passed": sum(r.passed for r in reports),
            "failed": sum(not r.passed for r in reports),
            "fully_verified": sum(r.fully_verified for r in reports),
            "mutants": sum(len(r.mutants) for r in reports),
            "mutants_refuted": sum(m.refuted for r in reports for m in r.mutants)}


def to_json(reports, settings, seconds: float) -> dict:
    return {"tool": "forgetcheck", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "settings": settings.to_json(), "versions": environment(), "seconds": round(seconds, 2),
            "summary": summary(reports), "statements": [r.to_json() for r in reports]}


def write_json(document: dict, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def store_last_run(document: dict) -> None:
    """Merge this run's statements into the last-run store that `forgetcheck show` reads."""
    path = CACHE_DIR / LAST_RUN
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {"statements": {}}
    for s in document["statements"]:
        previous["statements"][s["id"]] = dict(s, settings=document["settings"], versions=document["versions"])
    try:
        write_json(previous, path)
    except OSError:
        pass  # a read-only working directory must not fail a verification run


def last_evidence(theorem_id: str):
    try:
        return json.loads((CACHE_DIR / LAST_RUN).read_text())["statements"].get(theorem_id)
    except (OSError, ValueError, KeyError):
        return None


def hypotheses_text(relations) -> list:
    """The hypotheses as the other outputs print them: one chain per bounded symbol (Delta > 0, not
    "Delta >= 0, Delta > 0"), the rest as sympy writes them."""
    from forgetcheck.printing.hypotheses import Bounds, chain_text, merged_hypotheses
    return [chain_text(item, sympy.sstr) if isinstance(item, Bounds) else sympy.sstr(item)
            for item in merged_hypotheses(relations)]


def describe_theorem(theorem, last=None) -> str:
    """`forgetcheck show`: the statement as a reader needs it."""
    from forgetcheck.printing.sections import section_heading
    source = f" — {theorem.source}" if theorem.source else ""
    out = [f"{theorem.id}: {theorem.title}", f"  section {section_heading(theorem.section, with_reference=False)}{source}",
           f"  claim ({theorem.claim.kind.value}): {sympy.sstr(theorem.claim.as_relational())}"]
    out.append("  assume: " + (", ".join(hypotheses_text(theorem.assumptions())) or "nothing"))
    out.append("  domain: " + "; ".join(p.describe() for p in theorem.parameters))
    out.append("  depends on: " + (", ".join(theorem.depends_on) or "nothing"))
    out.append("  checks: " + "; ".join(c.description for c in theorem.checks))
    for m in theorem.mutants:
        out.append(f"  mutant {m.name!r}: {sympy.sstr(m.claim.as_relational())}  (false: {m.where_false})")
    if theorem.proof_sketch:
        out.append(f"  proof idea: {theorem.proof_sketch}")
    if theorem.notes:
        out.append(f"  notes: {theorem.notes}")
    if last is None:
        out.append("  last evidence: never verified here (run `forgetcheck verify --only %s`)" % theorem.id)
    elif last.get("content_hash") != theorem.content_hash():
        out.append(f"  last evidence: {last['evidence']} — but the statement changed since; re-verify")
    else:
        out.append(f"  last evidence: {last['evidence']} (expected {last['expected']}), {last['examples']} "
                   f"points, worst slack {last['worst_slack']} at {last['worst_point']}, "
                   f"evaluated with {last['dps']} digits, seed {last['seed']}")
        if last.get("sharpness"):
            from forgetcheck.printing.certificate import describe_sharpness
            out.append(f"  sharpness: {describe_sharpness(last['sharpness'])}")
        for chk in last.get("checks", []):
            out.append(f"    - {chk['check']}: {chk['evidence']}: {chk['detail'][:300]}")
            for step in chk.get("trace", [])[:6]:
                out.append(f"        {step}")
    return "\n".join(out)
