"""Verification profiles: how hard to look for counterexamples, and at what precision.

A sampled check's budget is counted in *points*: evaluations of the claim at the profile's digits
(the boundary and pinned points, the generated examples and every evaluation of the worst-case
search). Nothing at lower precision counts. An inequality gives `search_points` of its budget to
the worst-case search; an identity, whose slack is rounding noise with nothing to steer by, spends
all of it on generated examples.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from forgetcheck.numerics.validation import require_dps
from forgetcheck.numerics.errors import InputError


@dataclass(frozen=True)
class Settings:
    profile: str = "ci"
    dps: int = 30                 # digits of every numeric evaluation
    points: int = 200             # evaluations at `dps` digits per sampled check (examples + search)
    search_points: int = 100      # of those, the worst-case search's (on an inequality)
    search_popsize: int = 8       # differential_evolution's population per parameter
    certify_points: int = 30      # points a ball-arithmetic check encloses (checks.certified)
    recheck_extra_dps: int = 20   # the worst and the sharpest point are re-evaluated at dps + this
    seed: int = 0                 # hypothesis and the optimizer; recorded in every report
    replay_database: str | None = None  # hypothesis example database (failures replayed), or None
    batch_points: int = 250       # a sampled check's points are spread over batches of at most this
                                  # many, each an independent task with its own seed (forgetcheck.run.batches)
    #: (index, count) of the example batch these settings run; not a budget, so not reported
    batch: tuple = (0, 1)

    def __post_init__(self):
        require_dps(self.dps)
        for name in ("points", "search_popsize", "certify_points", "batch_points"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"{name}={value!r} is outside the allowed range [1, inf)")
        if not isinstance(self.search_points, int) or not 0 <= self.search_points < self.points:
            raise InputError(f"search_points={self.search_points!r} is outside the allowed range "
                             f"[0, points - 1 = {self.points - 1}]")

    def generated_examples(self, search: bool) -> int:
        """This batch's share of a sampled check's generated examples: the points the search does
        not take, split over the batches (shares differ by at most one)."""
        total = self.points - (self.search_points if search else 0)
        index, count = self.batch
        return total // count + (1 if index < total % count else 0)

    def scaled(self, factor: float) -> "Settings":
        """A smaller (or larger) budget, for a check whose single evaluation is expensive; every
        use in the catalog says why."""
        points = max(4, round(self.points * factor))
        return replace(self, points=points, search_points=min(points // 2, round(self.search_points * factor)))

    def to_json(self) -> dict:
        out = asdict(self)
        del out["batch"]
        return out


PROFILES = {
    # derandomized: the same points every run, so CI is reproducible
    "ci": Settings(profile="ci", dps=30, points=200, search_points=100, search_popsize=8, certify_points=30),
    # thorough: ten times the points, 50 digits, failures kept in the database and replayed
    "deep": Settings(profile="deep", dps=50, points=2000, search_points=600, search_popsize=15,
                     certify_points=400, replay_database=".forgetcheck-cache/hypothesis"),
}


def profile(name: str, **overrides) -> Settings:
    if name not in PROFILES:
        raise InputError(f"profile={name!r} is not one of the allowed profiles {sorted(PROFILES)}")
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})
