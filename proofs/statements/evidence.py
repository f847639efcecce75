"""Evidence levels and the outcomes that checks report.

Evidence is computed from what the checks actually did, never declared: a statement's level is
the strongest level that one of its checks reached, unless some check refuted it (then it is
refuted) or nothing was settled (inconclusive / unchecked).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Evidence(str, Enum):
    PROVED = "proved"            # symbolic, with the rewrite trace that succeeded
    CERTIFIED = "certified"      # ball arithmetic: an enclosure that excludes failure
    SAMPLED = "sampled"          # n generated examples + worst-case search, no violation
    REFUTED = "refuted"          # a reproducible counterexample
    INCONCLUSIVE = "inconclusive"  # precision or budget not reached: says nothing either way
    UNCHECKED = "unchecked"      # no check ran

    @property
    def strength(self) -> int:
        """Order of the *supporting* levels; refuted/inconclusive/unchecked support nothing."""
        return {"proved": 3, "certified": 2, "sampled": 1}.get(self.value, 0)

    def at_least(self, other: "Evidence") -> bool:
        return self.strength >= other.strength > 0


@dataclass(frozen=True)
class Counterexample:
    """Parameters (as exact decimal strings) where a claim fails, and by how much."""
    parameters: dict
    lhs: str
    rhs: str
    slack: str
    dps: int
    how_found: str               # "hypothesis (seed=…)", "differential_evolution", "grid", ...

    @classmethod
    def from_json(cls, data: dict) -> "Counterexample":
        return cls(dict(data["parameters"]), data["lhs"], data["rhs"], data["slack"], int(data["dps"]),
                   data["how_found"])

    def precision_note(self) -> str:
        """How precisely the sides were computed and how many digits of them are shown: a side
        printed to 15 digits of a 60-digit evaluation must not read as 60 correct digits shown."""
        if self.dps <= 0:
            return ""      # exact arithmetic: how_found says so
        note = f"evaluated with {self.dps} digits"
        shown = [d for d in (significant_digits(self.lhs), significant_digits(self.rhs)) if d]
        if shown and max(shown) < self.dps:
            note += f", sides shown to {max(shown)} significant digit{'s' if max(shown) > 1 else ''}"
        return note

    def describe(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        how = "; ".join(part for part in (self.how_found, self.precision_note()) if part)
        return f"at {params}: lhs={self.lhs}, rhs={self.rhs}, slack={self.slack} ({how})"


_DECIMAL = re.compile(r"[-+]?(\d*)\.?(\d*)(?:[eE][-+]?\d+)?")


def significant_digits(text) -> int | None:
    """The significant digits a decimal string shows ("0.001250" -> 4, "1.5e-3" -> 2), or None
    when it is not a plain decimal (an interval, a fraction, a sentence)."""
    match = _DECIMAL.fullmatch(str(text).strip())
    if not match or not (match.group(1) + match.group(2)):
        return None
    return len((match.group(1) + match.group(2)).lstrip("0")) or 1


@dataclass
class CheckOutcome:
    """What one check established about one claim."""
    check: str                   # the check's description
    evidence: Evidence
    detail: str = ""
    trace: tuple = ()            # proof steps for PROVED, box list for CERTIFIED
    examples: int = 0
    worst_slack: Any = None      # relative slack, as a decimal string
    worst_point: dict = field(default_factory=dict)
    counterexample: Counterexample | None = None
    measured: dict = field(default_factory=dict)  # empirical constants a statement leaves open
    #: For an inequality: how close the search came to equality, {"ratio": decimal string, "point":
    #: {name: decimal string}, "kind": "ratio" | "slack"}: the largest lhs/rhs where both sides are
    #: positive ("ratio"), otherwise the smallest relative slack ("slack"). None when not measured.
    sharpness: dict | None = None

    def to_json(self) -> dict:
        out = {
            "check": self.check, "evidence": self.evidence.value, "detail": self.detail,
            "examples": self.examples, "worst_slack": self.worst_slack,
            "worst_point": self.worst_point, "trace": list(self.trace), "measured": self.measured,
        }
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample.__dict__
        if self.sharpness is not None:
            out["sharpness"] = self.sharpness
        return out

    @classmethod
    def from_json(cls, data: dict) -> "CheckOutcome":
        cex = data.get("counterexample")
        return cls(data["check"], Evidence(data["evidence"]), data.get("detail", ""), tuple(data.get("trace", ())),
                   data.get("examples", 0), data.get("worst_slack"), dict(data.get("worst_point") or {}),
                   Counterexample.from_json(cex) if cex else None, dict(data.get("measured") or {}),
                   data.get("sharpness"))


def sharpest(found):
    """The closest approach to equality among sharpness records (None ones skipped): the largest
    ratio lhs/rhs if any record measured one, else the smallest slack; None if there are none."""
    found = [s for s in found if s]
    ratios = [s for s in found if s.get("kind", "ratio") == "ratio"]
    if ratios:
        return max(ratios, key=lambda s: float(s["ratio"]))
    return min(found, key=lambda s: float(s["ratio"])) if found else None


def combine(outcomes) -> Evidence:
    """The statement's level from its checks' outcomes."""
    outcomes = list(outcomes)
    if not outcomes:
        return Evidence.UNCHECKED
    if any(o.evidence is Evidence.REFUTED for o in outcomes):
        return Evidence.REFUTED
    supporting = [o.evidence for o in outcomes if o.evidence.strength > 0]
    if supporting:
        return max(supporting, key=lambda e: e.strength)
    if any(o.evidence is Evidence.INCONCLUSIVE for o in outcomes):
        return Evidence.INCONCLUSIVE
    return Evidence.UNCHECKED
