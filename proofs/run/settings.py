"""Verification profiles: how hard to look for counterexamples, and at what precision."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from forgetcheck.numerics.validation import require_dps
from forgetcheck.numerics.errors import InputError


@dataclass(frozen=True)
class Settings:
    profile: str = "ci"
    dps: int = 30                 # digits of every numeric evaluation
    examples: int = 30            # hypothesis examples per sampled check
    search_iterations: int = 12   # differential_evolution generations on the slack
    search_popsize: int = 8
    recheck_extra_dps: int = 20   # the worst point is re-evaluated at dps + this
    seed: int = 0                 # hypothesis and the optimizer; recorded in every report
    replay_database: str | None = None  # hypothesis example database (failures replayed), or None
    batch_examples: int = 50      # a sampled check's examples are drawn in batches of at most this
                                  # many, each an independent task with its own seed (forgetcheck.run.batches)

    def __post_init__(self):
        require_dps(self.dps)
        for name in ("examples", "search_iterations", "search_popsize", "batch_examples"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"{name}={value!r} is outside the allowed range [1, inf)")

    def scaled(self, factor: float) -> "Settings":
        """Fewer (or more) examples for a check whose single evaluation is expensive."""
        return replace(self, examples=max(3, round(self.examples * factor)),
                       search_iterations=max(2, round(self.search_iterations * factor)))

    def to_json(self) -> dict:
        return asdict(self)


PROFILES = {
    # fast and derandomized: the same examples every run, so CI is reproducible
    "ci": Settings(profile="ci", dps=30, examples=30, search_iterations=12, search_popsize=8),
    # thorough: many more examples, 50 digits, failures kept in the database and replayed
    "deep": Settings(profile="deep", dps=50, examples=400, search_iterations=60, search_popsize=15,
                     replay_database=".forgetcheck-cache/hypothesis"),
}


def profile(name: str, **overrides) -> Settings:
    if name not in PROFILES:
        raise InputError(f"profile={name!r} is not one of the allowed profiles {sorted(PROFILES)}")
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})
