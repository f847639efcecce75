"""Numeric stress testing of a claim over its domain: boundary points, hypothesis examples, then (on
an inequality) a deterministic worst-case search, then a re-check of the worst and the sharpest
point at higher precision.

Every evaluation is at the profile's digits and counts as a *point* (forgetcheck.run.settings):
the budget a statement is checked with is the number of high-precision values its verdict rests
on, whatever produced them. hypothesis explores (with boundaries and pinned points first); scipy's
differential_evolution, then a bounded Nelder–Mead polish from its best point, minimise the
relative slack, because random examples rarely land in a small violation region (THEORY §7: the
optimizer found one 10/10 times in 0.1 s, `target()` did not). Where both sides are positive the
relative slack is 1 − lhs/rhs (or rhs/lhs − 1 past equality), so the same search maximises the
ratio lhs/rhs: the largest ratio found is the statement's *sharpness*, the best constant the
search could attain. Any violation is confirmed at dps + recheck_extra_dps before it is
reported, so a refutation is never a rounding artefact; any generated point where the engine
cannot reach the digits makes the check inconclusive.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings as hyp_settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from forgetcheck.checks.draws import seeded_draws
from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import RESOLUTION_BITS, decimal
from forgetcheck.quantities.evaluate import sides, violation_threshold
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence

MAX_CORNERS = 16
#: share of the search's points spent by differential_evolution; a Nelder–Mead polish from its
#: best point spends the rest (the supremum of a ratio often sits on a ridge the population
#: only brackets)
GLOBAL_SHARE = 2 / 3
SHOWN_DIGITS = 25        # of a point's coordinates in the sharpness record (round-trips exactly enough)


class _Stop(Exception):
    """Ends the search: a violation was found, or its points are spent."""


@dataclass
class _Search:
    """Mutable record of one stress run."""
    claim: object
    parameters: tuple
    hypotheses: tuple
    dps: int
    points: int = 0                      # evaluations at dps digits
    searched: int = 0                    # of which by the worst-case search
    skipped: int = 0                     # search evaluations without the digits (not points)
    worst: tuple | None = None           # (slack, point)
    sharpest: tuple | None = None        # (lhs/rhs, point), where both sides are positive
    violation: tuple | None = None       # (SideValues, point, how)
    inconclusive: list = field(default_factory=list)

    @property
    def inequality(self) -> bool:
        return self.claim.kind is not ClaimKind.IDENTITY

    def probe(self, point: dict, how: str, *, searching: bool = False):
        """The claim's sides at `point` (None without the digits). A generated point without the
        digits makes the run inconclusive; a search point is only skipped (the search chose it,
        the domain's coverage does not rest on it) and counted as such."""
        _check_hypotheses(self.hypotheses, point)
        try:
            values = sides(self.claim, point, self.dps)
        except PrecisionNotReached as exc:
            if searching:
                self.skipped += 1
            else:
                self.inconclusive.append((point, str(exc)))
            return None
        self.points += 1
        self.searched += searching
        if self.worst is None or values.slack < self.worst[0]:
            self.worst = (values.slack, point)
        if self.inequality and values.lhs > 0 and values.rhs > 0:
            ratio = values.lhs / values.rhs
            if self.sharpest is None or ratio > self.sharpest[0]:
                self.sharpest = (ratio, point)
        if values.slack < violation_threshold(self.dps) and self.violation is None:
            self.violation = (values, point, how)
        return values


def _check_hypotheses(hypotheses, point):
    """Generated points satisfy the hypotheses by construction; if not, the statement's domain
    is wrong, and that must surface rather than produce a meaningless verdict."""
    if not hypotheses:
        return
    subs = {}
    for h in hypotheses:
        for s in h.free_symbols:
            subs[s] = _rational(point[str(s)])
        truth = h.subs(subs)
        if truth is not True and bool(truth) is not True:
            raise ValueError(f"generated point {point} violates hypothesis {h}: the parameter "
                             "intervals of this statement do not imply its hypotheses")


def _rational(value):
    import sympy
    return sympy.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else sympy.nsimplify(value)


def corner_points(parameters, pinned):
    """Pinned points first, then the product of every parameter's emphasised values."""
    points = [dict(p) for p in pinned]
    choices = []
    for p in parameters:
        values = [Fraction(str(v)) for v in p.emphasis] or [p.from_unit(2 ** (RESOLUTION_BITS - 1))]
        choices.append(values)
    for combo in itertools.islice(itertools.product(*choices), MAX_CORNERS):
        points.append({p.name: v for p, v in zip(parameters, combo)})
    return [{k: Fraction(str(v)) if not isinstance(v, Fraction) else v for k, v in pt.items()} for pt in points]


def stress(claim, parameters, hypotheses, settings, *, pinned=(), search=True, boundary=True,
           description="sampled") -> CheckOutcome:
    """`settings.points` evaluations of the claim at `settings.dps` digits: the boundary and pinned
    points, hypothesis examples, and on an inequality (unless search=False) the worst-case
    search's `settings.search_points`. boundary=False is a further batch of a split run
    (forgetcheck.run.batches): its share of the examples only, no boundary points, no search."""
    run = _Search(claim, tuple(parameters), tuple(hypotheses), settings.dps)
    searching = search and run.inequality and bool(run.parameters)
    examples = settings.generated_examples(searching)
    for point in (corner_points(parameters, pinned) if boundary else ()):
        run.probe(point, "pinned/boundary point")
        if run.violation:
            break
    examples -= run.points + len(run.inconclusive)  # the boundary points are part of the examples
    if not run.violation and examples > 0:
        _hypothesis_phase(run, settings, examples)
    if not run.violation and searching and boundary:
        _optimizer_phase(run, settings, settings.search_points)
    return _conclude(run, settings, description)


def _hypothesis_phase(run: _Search, settings, examples: int):
    names = [p.name for p in run.parameters]
    strategy = st.tuples(*[p.strategy() for p in run.parameters])
    database = DirectoryBasedExampleDatabase(settings.replay_database) if settings.replay_database else None

    @hyp_settings(max_examples=examples, deadline=None, database=database,
                  phases=[Phase.explicit, Phase.reuse, Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False, report_multiple_bugs=False)
    @hypothesis_seed(settings.seed)
    @given(strategy)
    def explore(values):
        result = run.probe(dict(zip(names, values)), f"hypothesis (seed={settings.seed})")
        # Failing the hypothesis test stores the example in the database for replay.
        assert result is None or result.slack >= violation_threshold(run.dps)

    try:
        with seeded_draws():
            explore()
    except AssertionError:
        pass  # recorded in run.violation


def _optimizer_phase(run: _Search, settings, budget: int):
    """differential_evolution from a Sobol population, then Nelder–Mead from its best point, on the
    relative slack at the profile's digits; every new point evaluated is a point of the run. A
    point met twice (the grid is dyadic, the polish revisits) is evaluated once."""
    from scipy.optimize import differential_evolution
    from scipy.stats import qmc

    if budget < 2:
        return
    n, dims = 2 ** RESOLUTION_BITS, len(run.parameters)
    seen = {}
    start_points, start_skipped = run.points, run.skipped

    def spent():
        return run.points - start_points + run.skipped - start_skipped

    def point_of(u):
        return {p.name: p.from_unit(int(round(min(max(x, 0.0), 1.0) * n))) for p, x in zip(run.parameters, u)}

    def objective(u):
        point = point_of(u)
        key = tuple(point.values())
        if key not in seen:
            if spent() >= budget:
                raise _Stop
            values = run.probe(point, f"worst-case search (seed={settings.seed})", searching=True)
            if run.violation:
                raise _Stop
            seen[key] = _ranking(values)
        return seen[key]

    # a power of two (Sobol points balance only then), at least 8 (scipy needs more than 4)
    members = 2 ** max(3, int(math.log2(max(1, min(settings.search_popsize * dims, int(budget * GLOBAL_SHARE) // 2)))))
    generations = max(0, int(budget * GLOBAL_SHARE) // members - 1)
    population = qmc.Sobol(dims, scramble=True, seed=settings.seed).random(members)
    try:
        differential_evolution(objective, [(0.0, 1.0)] * dims, seed=settings.seed, maxiter=generations,
                               init=population, tol=0, polish=False)
        _polish(objective, seen, run.parameters, budget, spent)
    except _Stop:
        pass


def _polish(objective, seen, parameters, budget, spent, fruitless_limit=3):
    """Bounded Nelder–Mead from the best point seen, then from the next best, until the budget is
    spent: a local search that converges early (on the dyadic grid it revisits points it has
    seen, which cost nothing) hands its remaining points to a search from another start."""
    from scipy.optimize import minimize

    n = 2 ** RESOLUTION_BITS
    tried, fruitless = set(), 0
    while spent() < budget and fruitless < fruitless_limit:
        starts = [key for key, _ in sorted(seen.items(), key=lambda item: item[1]) if key not in tried]
        if not starts:
            return
        tried.add(starts[0])
        x0 = [p.to_unit(v) for p, v in zip(parameters, starts[0])]
        before = spent()
        minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(parameters),
                 # revisits are free and the objective stops the search when the budget is spent
                 options={"maxfev": 10 * (budget - spent()) + 10, "xatol": 1.0 / n, "fatol": 0.0})
        fruitless = fruitless + 1 if spent() == before else 0


def _ranking(values):
    """What the search minimises: the relative slack, which is 1 − lhs/rhs where both sides are
    positive; against an identically zero side the relative slack is just ±1, with no slope to
    follow, so there the raw difference keeps the landscape's shape (its sign is the same)."""
    if values is None:
        return 1.0  # uninformative for ranking; the point is counted as skipped
    if values.lhs == 0 and values.rhs == 0:
        return 1.0  # an equality of two vanishing sides (log(1+u) ≤ sqrt(u) at u = 0) says nothing
                    # about the constant; the search looks where the ratio is defined
    if min(abs(values.lhs), abs(values.rhs)) == 0:
        return float(mpmath.tanh(values.rhs - values.lhs))
    return float(values.slack)


def _refutation(run: _Search, point, confirmed, how, description) -> CheckOutcome:
    cex = Counterexample({k: decimal(v, 25) for k, v in point.items()},
                         mpmath.nstr(confirmed.lhs, 15), mpmath.nstr(confirmed.rhs, 15),
                         mpmath.nstr(confirmed.slack, 6), confirmed.dps, how)
    return CheckOutcome(description, Evidence.REFUTED, cex.describe(), examples=run.points,
                        worst_slack=mpmath.nstr(confirmed.slack, 6),
                        worst_point={k: str(v) for k, v in point.items()},  # exact, for replay
                        counterexample=cex)


def sharpness_record(value, point: dict, kind: str) -> dict:
    """The CheckOutcome.sharpness record: `value` is lhs/rhs (kind "ratio") or the relative slack
    (kind "slack"), `point` exact parameter values."""
    return {"ratio": mpmath.nstr(value, 15), "point": {k: decimal(v, SHOWN_DIGITS) for k, v in point.items()},
            "kind": kind}


def _conclude(run: _Search, settings, description) -> CheckOutcome:
    high = settings.dps + settings.recheck_extra_dps
    if run.violation:
        _, point, how = run.violation
        try:
            confirmed = sides(run.claim, point, high)
        except PrecisionNotReached as exc:
            return CheckOutcome(description, Evidence.INCONCLUSIVE,
                                f"candidate counterexample could not be confirmed: {exc}", examples=run.points)
        if confirmed.slack < violation_threshold(high):
            return _refutation(run, point, confirmed, how, description)
        run.worst = (confirmed.slack, point)  # the working-precision violation was rounding
    if run.inconclusive:
        point, why = run.inconclusive[0]
        shown = {k: decimal(v, 12) for k, v in point.items()}
        return CheckOutcome(description, Evidence.INCONCLUSIVE,
                            f"{len(run.inconclusive)} point(s) without the requested digits, e.g. {shown}: {why}",
                            examples=run.points)
    if run.points == 0:
        return CheckOutcome(description, Evidence.UNCHECKED, "no point was evaluated")
    _, point = run.worst
    try:  # the worst point again, at higher precision: the reported slack is the confirmed one
        confirmed = sides(run.claim, point, high)
    except PrecisionNotReached as exc:
        return CheckOutcome(description, Evidence.INCONCLUSIVE, f"worst point not confirmed: {exc}",
                            examples=run.points)
    if confirmed.slack < violation_threshold(high):
        return _refutation(run, point, confirmed, "re-check of the worst point", description)
    sharpness, said = _sharpness(run, point, confirmed, high)
    where = ", ".join(f"{k}={decimal(v, 8)}" for k, v in point.items())
    search = f" ({run.searched} by the worst-case search)" if run.searched else ""
    skipped = (f"; {run.skipped} search point(s) without the requested digits skipped" if run.skipped else "")
    return CheckOutcome(description, Evidence.SAMPLED,
                        f"{run.points} points at {run.dps} digits{search}, no violation{skipped}; worst relative "
                        f"slack {mpmath.nstr(confirmed.slack, 4)} at {where}" + said,
                        examples=run.points, worst_slack=mpmath.nstr(confirmed.slack, 6),
                        worst_point={k: decimal(v, 20) for k, v in point.items()}, sharpness=sharpness)


def _sharpness(run: _Search, worst_point, worst_confirmed, high):
    """(sharpness record, sentence for the detail) from the points re-checked at `high` digits:
    the largest lhs/rhs where both sides are positive, else the worst slack. None for identities."""
    if not run.inequality:
        return None, ""
    if run.sharpest is None:
        return sharpness_record(worst_confirmed.slack, worst_point, "slack"), ""
    _, point = run.sharpest
    try:
        confirmed = worst_confirmed if point == worst_point else sides(run.claim, point, high)
    except PrecisionNotReached as exc:
        return None, f"; the sharpest point could not be re-checked: {exc}"
    ratio = confirmed.lhs / confirmed.rhs
    where = ", ".join(f"{k}={decimal(v, 8)}" for k, v in point.items())
    return sharpness_record(ratio, point, "ratio"), f"; largest lhs/rhs {mpmath.nstr(ratio, 6)} at {where}"
