"""Verification certificates: what a report says about a statement, tied to the exact version of
the statement by its content hash.

A certificate is built from one entry of a verification report (the JSON of `forgetcheck verify
--json`, or the last-run store that `forgetcheck verify` keeps). If the entry was made for a
different version of the statement (another content hash), the certificate carries no evidence
at all: printing the old evidence next to the new statement is exactly the drift a certificate
exists to prevent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from forgetcheck.numerics.errors import InputError

#: What each evidence level establishes, and what it does not (printed in the appendix and guide).
EVIDENCE_MEANING = {
    "proved": "a symbolic strategy reduced the claim to a structural identity or a sum of squares "
              "(the rewrite trace is in the JSON report); sympy's undecided answers never count",
    "certified": "ball-arithmetic enclosures of both sides exclude a violation at the reported points "
                 "or boxes; it says nothing outside them",
    "sampled": "no violation among the reported points (evaluations at the profile's digits: generated "
               "examples plus, on an inequality, a worst-case search, the worst point re-checked at higher "
               "precision); evidence over the stated domain, not a proof. For an inequality the search also "
               "measures how sharp the bound is: the largest lhs/rhs it found",
    "refuted": "a reproducible counterexample: the parameters where the claim fails, by how much",
    "inconclusive": "the engine could not confirm the requested digits somewhere; says nothing either way",
    "unchecked": "no check established anything",
}

CURRENT, STALE, MISSING = "current", "stale", "missing"


@dataclass(frozen=True)
class Certificate:
    statement_id: str
    content_hash: str                 # of the statement as it is printed now
    status: str                       # CURRENT, STALE (report is for another version) or MISSING
    source: str = ""                  # where the evidence came from
    verified_hash: str | None = None  # the hash the report was made for
    evidence: str | None = None
    expected: str | None = None
    passed: bool | None = None
    fully_verified: bool | None = None
    examples: int | None = None
    worst_slack: str | None = None
    worst_point: dict = field(default_factory=dict)
    sharpness: dict | None = None     # {"ratio", "point", "kind"}: the closest approach to equality
    dps: int | None = None
    seed: int | None = None
    profile: str | None = None
    versions: dict = field(default_factory=dict)
    mutants: tuple = ()               # dicts: name, refuted, where_false, counterexample
    checks: tuple = ()                # dicts: check, evidence, detail, measured
    error: str = ""
    cached_at: str = ""               # when a cached verdict was first obtained, if it was reused

    @property
    def verified(self) -> bool:
        """True when the evidence is about this very version of the statement."""
        return self.status == CURRENT

    @classmethod
    def for_statement(cls, theorem, entry, source: str) -> "Certificate":
        current = theorem.content_hash()
        if entry is None:
            return cls(theorem.id, current, MISSING, source)
        if entry.get("content_hash") != current:
            return cls(theorem.id, current, STALE, source, verified_hash=entry.get("content_hash"))
        settings = entry.get("settings") or {}
        return cls(
            theorem.id, current, CURRENT, source, verified_hash=entry.get("content_hash"),
            evidence=entry.get("evidence"), expected=entry.get("expected"), passed=entry.get("passed"),
            fully_verified=entry.get("fully_verified"), examples=entry.get("examples"),
            worst_slack=entry.get("worst_slack"), worst_point=dict(entry.get("worst_point") or {}),
            sharpness=entry.get("sharpness") or None,
            dps=entry.get("dps", settings.get("dps")), seed=entry.get("seed", settings.get("seed")),
            profile=entry.get("profile", settings.get("profile")), versions=dict(entry.get("versions") or {}),
            mutants=tuple({"name": m.get("name"), "refuted": m.get("refuted"), "where_false": m.get("where_false"),
                           "evidence": m.get("evidence"), "counterexample": m.get("counterexample")}
                          for m in entry.get("mutants", [])),
            checks=tuple({"check": c.get("check"), "evidence": c.get("evidence"), "detail": c.get("detail", ""),
                          "measured": dict(c.get("measured") or {})}
                         for c in entry.get("checks", [])),
            error=entry.get("error") or "", cached_at=entry.get("cached_at") or "",
        )


def describe_sharpness(sharpness: dict, number=str, point=None) -> str:
    """How close the checks came to equality, as a sentence for `forgetcheck show` and the
    certificate: for a ratio r = lhs/rhs < 1 "attained to within 1 − r"; for a slack "tight to" it.
    `number` formats a decimal string, `point` a {name: decimal string} (both for LaTeX)."""
    import mpmath
    point = point or (lambda p: ", ".join(f"{k}={v}" for k, v in p.items()))
    where = point(sharpness.get("point") or {})
    at = f" at {where}" if where else ""
    value = mpmath.mpf(sharpness["ratio"])
    if sharpness.get("kind", "ratio") == "ratio":
        gap = 1 - value
        if gap <= 0:
            return f"the bound is attained: lhs/rhs = {number(mpmath.nstr(value, 8))}{at}"
        return (f"the bound is attained to within {number(mpmath.nstr(gap, 3))} "
                f"(the largest lhs/rhs found is {number(mpmath.nstr(value, 8))}{at})")
    return (f"tight to a relative slack of {number(mpmath.nstr(value, 3))}{at} (the sides are not both "
            "positive at any point checked, so no ratio is measured)")


# --- where entries come from -------------------------------------------------------------------

def entries_from_report(path) -> dict:
    """{statement id: entry} from a `forgetcheck verify --json` file; settings and versions,
    stored once per report, are copied into each entry (as the last-run store keeps them)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"--report {path}: cannot read it ({exc.strerror})") from None
    except ValueError:
        raise InputError(f"--report {path}: not JSON; pass the file written by `forgetcheck verify --json FILE`") from None
    statements = document.get("statements") if isinstance(document, dict) else None
    if isinstance(statements, dict):       # the last-run store's layout: {id: entry}
        return {sid: dict(entry) for sid, entry in statements.items()}
    if not isinstance(statements, list):
        raise InputError(f"--report {path}: no 'statements' list; pass the file written by "
                         "`forgetcheck verify --json FILE`")
    common = {"settings": document.get("settings", {}), "versions": document.get("versions", {})}
    return {s["id"]: dict(common, **s) for s in statements if isinstance(s, dict) and "id" in s}


def entries_from_last_run(theorems) -> dict:
    """{statement id: entry} from the last-run store of `forgetcheck verify` (forgetcheck.run.report)."""
    from forgetcheck.run import report
    return {t.id: report.last_evidence(t.id) for t in theorems}


def last_run_source() -> str:
    from forgetcheck.run import report
    return str(report.CACHE_DIR / report.LAST_RUN)


def certificates(theorems, entries: dict, source: str) -> dict:
    """{statement id: Certificate} for every statement (MISSING where the entries have none)."""
    return {t.id: Certificate.for_statement(t, entries.get(t.id), source) for t in theorems}
