"""P3: how many old-component samples a batch contains, exactly and by simulation.

A batch has B slots. Under *mixture replay* each slot independently comes from the replay buffer
(the old task, φ_o) with probability ρ, else from the model q_θ, whose draw is old-component with
probability α. Under *stratified replay* the first ⌈ρB⌉ slots are replay slots and the rest are
on-policy. ρ = 0 is on-policy sampling.

`old_count_distribution` builds the law of the number of old samples exactly, in rational
arithmetic, by convolving the per-slot laws read off that sampling tree (no closed form is used);
`simulate_old_counts` draws the same process with numpy's seeded generator.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

SCHEMES = ("mixture", "stratified")


def _exact_probability(name: str, value) -> Fraction:
    if isinstance(value, float):
        raise ValueError(f"{name}={value!r} must be exact (int, Fraction or a decimal string), not a float")
    try:
        p = Fraction(str(value)) if not isinstance(value, Fraction) else value
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be an exact number in [0, 1]") from None
    if not 0 <= p <= 1:
        raise ValueError(f"{name}={value!r} is outside the allowed range [0, 1]")
    return p


def _batch(batch) -> int:
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch={batch!r} is outside the allowed range [1, inf) (whole number)")
    return batch


def _scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {SCHEMES}")
    return scheme


def replay_slots(rho, batch: int, scheme: str) -> int:
    """Number of slots reserved for replay under stratified replay (⌈ρB⌉); 0 for mixture replay."""
    return math.ceil(_exact_probability("rho", rho) * _batch(batch)) if _scheme(scheme) == "stratified" else 0


def _slot_law(alpha: Fraction, rho_slot: Fraction) -> tuple:
    """(P(slot not old), P(slot old)) for a slot that is a replay draw with probability rho_slot:
    replay → old; on-policy → old with probability α, new otherwise."""
    p_old = rho_slot * 1 + (1 - rho_slot) * alpha
    return (1 - p_old, p_old)


def old_count_distribution(alpha, rho, batch: int, scheme: str = "mixture") -> list:
    """P(N_old = k), k = 0..B, as Fractions (exact)."""
    alpha, rho = _exact_probability("alpha", alpha), _exact_probability("rho", rho)
    batch, scheme = _batch(batch), _scheme(scheme)
    fixed = replay_slots(rho, batch, scheme)
    laws = [_slot_law(alpha, Fraction(1))] * fixed + [
        _slot_law(alpha, rho if scheme == "mixture" else Fraction(0))] * (batch - fixed)
    pmf = [Fraction(1)]
    for not_old, old in laws:
        nxt = [Fraction(0)] * (len(pmf) + 1)
        for k, p in enumerate(pmf):
            nxt[k] += p * not_old
            nxt[k + 1] += p * old
        pmf = nxt
    return pmf


def no_old_sample_probability(alpha, rho, batch: int, scheme: str = "mixture") -> Fraction:
    """P(N_old = 0), exact."""
    return old_count_distribution(alpha, rho, batch, scheme)[0]


def simulate_old_counts(alpha: float, rho: float, batch: int, trials: int, seed: int,
                        scheme: str = "mixture") -> np.ndarray:
    """Monte Carlo: the number of old samples in each of `trials` batches, drawing every slot as
    the process does (a replay coin, then the model's component coin)."""
    batch, scheme = _batch(batch), _scheme(scheme)
    for name, value in (("alpha", alpha), ("rho", rho)):
        if not 0 <= float(value) <= 1:
            raise ValueError(f"{name}={value!r} is outside the allowed range [0, 1]")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials={trials!r} is outside the allowed range [1, inf) (whole number)")
    rng = np.random.default_rng(seed)
    fixed = replay_slots(Fraction(str(rho)), batch, scheme)
    replay = rng.random((trials, batch)) < (float(rho) if scheme == "mixture" else 0.0)
    replay[:, :fixed] = True
    component_old = rng.random((trials, batch)) < float(alpha)
    return np.count_nonzero(replay | component_old, axis=1)


def _exact_from_mpf(name: str, value) -> Fraction:
    """An mpf (or int/Fraction/str) as the exact Fraction it represents (binary floats are exact)."""
    import mpmath
    if isinstance(value, (int, Fraction, str)):
        return Fraction(str(value)) if not isinstance(value, Fraction) else value
    v = mpmath.mpf(value)
    if not mpmath.isfinite(v):
        raise ValueError(f"{name}={value!r} must be finite")
    man, exp = v.man_exp
    return Fraction(int(man)) * Fraction(2) ** int(exp) if exp >= 0 else Fraction(int(man), 2 ** int(-exp))


def _whole(name: str, value) -> int:
    f = _exact_from_mpf(name, value)
    if f.denominator != 1:
        raise ValueError(f"{name}={value!r} must be a whole number")
    return int(f)


def no_old_sample_value(alpha, rho, batch, dps: int = 30):
    """P(no old sample in a batch) under mixture replay, as an mpf (exact value rounded to dps)."""
    import mpmath
    p = no_old_sample_probability(_exact_from_mpf("alpha", alpha), _exact_from_mpf("rho", rho),
                                  _whole("batch", batch), "mixture")
    with mpmath.workdps(dps):
        return mpmath.mpf(p.numerator) / p.denominator


def stratified_old_sample_value(alpha, rho, batch, dps: int = 30):
    """P(at least one old sample) under stratified replay, as an mpf."""
    import mpmath
    p = 1 - no_old_sample_probability(_exact_from_mpf("alpha", alpha), _exact_from_mpf("rho", rho),
                                      _whole("batch", batch), "stratified")
    with mpmath.workdps(dps):
        return mpmath.mpf(p.numerator) / p.denominator
