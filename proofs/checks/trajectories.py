"""Dynamics statements: quantities read off float64 gradient flows, and the check that stresses a
claim along the flows from starts generated over the statement's domain.

A `FlowQuantity` is a sympy function of the statement's parameters (and, for a quantity that
changes along the flow, of the time t, its last argument), e.g. α(t) of the forward-KL flow from
α(0). It prints like the mathematics and is evaluated on the engine's float64 flow
(numerics/flows.py: the engine's exact gradients, dense output, solver tolerance SOLVER_RTOL). A
claim such as α(t) ≤ α(0) e^{−κ_F t} is one sympy object; `Trajectories` evaluates *the claim it is
given*, so a mutant with rate 4κ_F is refuted by the same code.

The supremum over t is the flow's, not a grid's: along each trajectory the claim's ratio lhs/rhs
(or lhs − rhs where the right side is not positive) is sampled at the solver's own steps and on a
uniform grid, and every local maximum is then located as a root of its time derivative (brentq on
the dense output; the derivative is the claim's, by the chain rule, with the flow quantities' rates
read from the flow's right-hand side). The largest value is re-evaluated at EVAL_DPS with the
engine's constants (κ_F, ...) at high precision and compared with a stated tolerance: relative
REL_TOL (100 times the solver's) plus ABS_TOL for quantities that tend to 0.

Starts: the fixed `points`, the statement's pinned points, the corners of the start space (every
parameter at both ends of its interval, then at its emphasised values), the profile's points
(Settings.points: ≥ 200 in every profile) split as for every sampled check between starts drawn
by hypothesis under the profile's seed and the worst-case search over starts
(scipy's differential_evolution on the largest ratio along the flow). A flow that leaves the
domain of its parameters (α reaching 0 or 1) before the horizon refutes a claim about all t: the
counterexample says where it left. The outcome's sharpness is the largest ratio found.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Callable

import mpmath
import numpy as np
import sympy

from forgetcheck import numerics  # numerics.<flow> resolves lazily: scipy.integrate loads only when a flow runs
from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.checks.draws import seeded_draws
from forgetcheck.checks.kinds import Check, atoms_in_claims, sampled_ranges
from forgetcheck.checks.stress import _check_hypotheses
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import RESOLUTION_BITS, decimal
from forgetcheck.quantities.evaluate import evaluate
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.quantities.engine_function import EngineFunction

#: Relative tolerance the flows are solved to (numerics.flows; tests/test_engine_flows.py checks
#: that 100 times tighter agrees), and the comparison's tolerance: 100 times that, relative.
SOLVER_RTOL = 1e-8
REL_TOL = 1e-6
ABS_TOL = 1e-11
#: Digits of the claim's non-flow parts (κ_F, e^{−κt}, ...): far beyond the float64 flows' own accuracy.
EVAL_DPS = 15
#: Uniform samples of each trajectory between which the extrema are located (besides the
#: solver's own steps).
SAMPLES = 257
#: The measured sharpness (lhs/rhs) counts only times where the right side is at least this: three
#: orders above ABS_TOL, so the flow's absolute error moves the ratio by less than 0.1 %.
SHARPNESS_FLOOR = 1e-8
#: A flow whose largest velocity component is below this (relative to its state) has stopped: a
#: limit claim not met there is refuted (the flow settled elsewhere), not left to a longer horizon.
STALLED = 1e-9
#: The coordinates of the full reverse-KL flow of R5 (see docs/derivations/reverse_kl.md).
FULL_FLOW_COORDINATES = "natural"


# --- flows, cached per process (a statement and its mutants integrate the same trajectories) --------

_WEIGHT_FLOWS = {"forward": "forward_kl_weight_solution", "replay": "forward_kl_replay_solution",
                 "reverse": "reverse_kl_weight_solution"}


@lru_cache(maxsize=2048)
def _weight_flow(kind: str, args: tuple, horizon: float):
    flow = getattr(numerics, _WEIGHT_FLOWS[kind])  # an unknown kind is a KeyError, never a silent default
    return flow(*args, horizon, rtol=SOLVER_RTOL)


@lru_cache(maxsize=2048)
def _full_reverse_flow(alpha_0: float, alpha_star: float, shift: float, delta: float, horizon: float,
                       coordinates: str = FULL_FLOW_COORDINATES):
    """R5: the reverse-KL flow on θ = (α, m_o, m_n) from (α(0), μ_o, μ_n + shift)."""
    return numerics.reverse_kl_solution(alpha_0, 0.0, delta + shift, alpha_star, delta, horizon,
                                        coordinates=coordinates, rtol=SOLVER_RTOL)


class FlowQuantity(sympy.Function):
    """A quantity of a gradient-flow trajectory. Subclasses set `latex_name`, `arg_names` (the
    parameters, then "t" if the quantity depends on time) and implement `solution(args, horizon)`
    (the flow they read) and `value(solution, args, t)` / `rate(solution, args, t)` (the quantity
    and its time derivative at an array of times); a functional of the whole trajectory (no t)
    implements `value` only, returning a float."""
    latex_name = ""
    #: The whole quantity as printed, where its arguments are implicit (e.g. Δ_min): set instead of latex_name
    latex_symbol = ""
    arg_names: tuple = ()
    #: Not evaluated pointwise by proofs.quantities.evaluate: `Trajectories` reads it off its flow.
    is_trajectory_quantity = True

    def _latex(self, printer, exp=None):
        if self.latex_symbol:
            base = self.latex_symbol
        else:
            args = ", ".join(printer._print(a) for a in self.args)
            base = rf"{self.latex_name}\left({args}\right)"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def time_dependent(cls) -> bool:
        return cls.arg_names[-1:] == ("t",)

    @classmethod
    def shared_solver(cls) -> str:
        """The per-process cache `solution` reads ("" if none): statements whose quantities read the
        same one run in one worker (Check.shared_work), so each start's flow is solved once."""
        return ""

    @classmethod
    def solution(cls, args: tuple, horizon: float):  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def value(cls, solution, args: tuple, t):  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def rate(cls, solution, args: tuple, t):  # pragma: no cover - interface
        raise NotImplementedError


def extremum_of_column(solution, name: str, *, smallest: bool) -> float:
    """inf_t or sup_t of one state column over the solved range: sampled, then each candidate
    interior extremum refined as a root of the column's velocity (brentq on the dense output)."""
    sign = -1.0 if smallest else 1.0
    times = _sample_times((solution,))
    values = sign * solution.column(name, times)

    def f(t):
        return sign * float(solution.column(name, [t])[0])

    def df(t):
        return sign * float(solution.velocity([t])[0, solution.names.index(name)])

    best, _ = _refine_maximum(times, values, f, df)
    return sign * best


class _Weight(FlowQuantity):
    """α(t) read off a flow whose state begins with the weight (the scalar weight flows and the full
    reverse-KL flow alike)."""

    @classmethod
    def value(cls, solution, args, t):
        return solution.column("alpha", t)

    @classmethod
    def rate(cls, solution, args, t):
        return solution.velocity(t)[:, 0]


class _WeightFlow(_Weight):
    """α(t) along one of the scalar weight flows, named by `flow` (see _weight_flow)."""
    flow = ""

    @classmethod
    def solution(cls, args, horizon):
        return _weight_flow(cls.flow, args, horizon)

    @classmethod
    def shared_solver(cls):
        return f"{cls.flow} weight flow"


class ForwardKLFlowWeight(_WeightFlow):
    """α(t) of the new-only forward-KL flow α' = −L_F'(α) (F1)."""
    latex_name = r"\alpha^{F}_{t}"
    arg_names = ("alpha_0", "Delta", "t")
    flow = "forward"


class ReplayFlowWeight(_WeightFlow):
    """α(t) of the forward-KL flow with replay, α' = −∂_α KL(p_λ||q_α) (F3)."""
    latex_name = r"\alpha^{F,\lambda}_{t}"
    arg_names = ("alpha_0", "lam", "Delta", "t")
    flow = "replay"


class ReverseKLFlowWeight(_WeightFlow):
    """α(t) of the weight-only reverse-KL flow α' = −L_R'(α), means at the truth (R1(ii))."""
    latex_name = r"\alpha^{R}_{t}"
    arg_names = ("alpha_0", "alpha_star", "Delta", "t")
    flow = "reverse"


class _FullFlow(FlowQuantity):
    """Quantities of the full reverse-KL flow from θ(0) = (α(0), μ_o, μ_n + s) (R5), in the
    coordinates FULL_FLOW_COORDINATES."""
    coordinates = FULL_FLOW_COORDINATES

    @classmethod
    def solution(cls, args, horizon):
        return _full_reverse_flow(*[float(a) for a in args[:4]], horizon, cls.coordinates)

    @classmethod
    def shared_solver(cls):
        return f"full reverse-KL flow in {cls.coordinates} coordinates"


class FullFlowWeight(_FullFlow, _Weight):
    latex_name = r"\alpha_t"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")


class EuclideanFlowWeight(FullFlowWeight):
    """α(t) of THEORY's Euclidean flow θ' = −∇L_R (which can leave the domain: α reaches 0)."""
    latex_name = r"\alpha^{\mathrm{eucl}}_t"
    coordinates = "euclidean"


class FullFlowOldMeanDeviation(_FullFlow):
    """||m_o(t) − μ_o||_{Σ^{-1}} (whitened 1-D: |m_o(t)|)."""
    latex_symbol = r"\left\|m_o(t) - \mu_o\right\|_{\Sigma^{-1}}"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    @classmethod
    def value(cls, solution, args, t):
        return np.abs(solution.column("mean_old", t))

    @classmethod
    def rate(cls, solution, args, t):
        return np.sign(solution.column("mean_old", t)) * solution.velocity(t)[:, 1]


class ClosestNewMean(_FullFlow):
    """Δ_min = inf_t ||m_n(t) − μ_o||_{Σ^{-1}} over the trajectory (a functional, no t)."""
    latex_symbol = r"\Delta_{\min}"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta")

    @classmethod
    def value(cls, solution, args, t=None):
        # m_n stays on one side of μ_o = 0 on the flows checked; |m_n| is smooth away from 0
        low = extremum_of_column(solution, "mean_new", smallest=True)
        high = extremum_of_column(solution, "mean_new", smallest=False)
        return 0.0 if low <= 0 <= high else min(abs(low), abs(high))


class SmallestWeight(_FullFlow):
    """α_min = inf_t α(t) over the trajectory (a functional, no t)."""
    latex_symbol = r"\alpha_{\min}"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta")

    @classmethod
    def value(cls, solution, args, t=None):
        return extremum_of_column(solution, "alpha", smallest=True)


class LargestOldMeanGate(_FullFlow):
    """sup_t G(θ(t)) over the trajectory, G the old mean's overlap gate (numerics.flows.old_mean_gate):
    sampled on the solver's steps and a uniform grid, each local maximum refined as a root of its
    rate on the dense output. (A sup found too small could only make the bound smaller: never a
    false pass.)"""
    latex_symbol = r"\sup_{t} G(\theta(t))"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta")

    def _latex(self, printer, exp=None):  # a supremum raised to a power needs its parentheses
        return rf"\left({self.latex_symbol}\right)^{{{exp}}}" if exp else self.latex_symbol

    @classmethod
    def value(cls, solution, args, t=None):
        alpha_target, delta = float(args[1]), float(args[3])

        def gate(times, with_rate=False):
            times = np.atleast_1d(times)
            if not with_rate:
                return numerics.old_mean_gate(solution.state(times), alpha_target, delta)
            return numerics.old_mean_gate(solution.state(times), alpha_target, delta, solution.velocity(times))

        times = _sample_times((solution,))
        best, _ = _refine_maximum(times, gate(times), lambda s: float(gate(s)[0]),
                                  lambda s: float(gate(s, with_rate=True)[1][0]))
        return best


class FullFlowObjective(_FullFlow):
    """L_R(θ(t)) = KL(q_θ(t) || p*) along the flow (float64, the engine's terms)."""
    latex_symbol = r"L_R\left(\theta(t)\right)"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    @classmethod
    def value(cls, solution, args, t):
        alpha_target, delta = float(args[1]), float(args[3])
        return np.array([numerics.objective_float(*state, alpha_target, delta) for state in solution.state(t)])

    @classmethod
    def rate(cls, solution, args, t):
        # dL_R/dt = ∇L_R · θ' (used only where a supremum over t of a claim with L_R is located)
        from forgetcheck.numerics.flows import gradient_float
        alpha_target, delta = float(args[1]), float(args[3])
        return np.array([float(np.dot(gradient_float(*state, alpha_target, delta), velocity))
                         for state, velocity in zip(solution.state(t), solution.velocity(t))])


class FullFlowDistance(_FullFlow):
    """||θ(t) − θ*|| (Euclidean in (α, m_o, m_n), whitened)."""
    latex_symbol = r"\left\|\theta(t) - \theta^*\right\|"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")
    swapped = False

    @classmethod
    def _target(cls, args):
        alpha_star, delta = float(args[1]), float(args[3])
        return np.array([1 - alpha_star, delta, 0.0]) if cls.swapped else np.array([alpha_star, 0.0, delta])

    @classmethod
    def value(cls, solution, args, t):
        return np.linalg.norm(solution.state(t) - cls._target(args), axis=1)

    @classmethod
    def rate(cls, solution, args, t):
        gap = solution.state(t) - cls._target(args)
        norm = np.linalg.norm(gap, axis=1)
        return np.einsum("ij,ij->i", gap, solution.velocity(t)) / np.where(norm > 0, norm, 1.0)


class FullFlowSwapDistance(FullFlowDistance):
    """||θ(t) − θ*_swap||, θ*_swap = (1 − α*, μ_n, μ_o): the label-swapped minimizer."""
    latex_symbol = r"\left\|\theta(t) - \theta^*_{\mathrm{swap}}\right\|"
    swapped = True





# --- a claim's symbolic shape, once per claim ---------------------------------------------------------

@dataclass(frozen=True)
class _Shape:
    """A dynamics or limit claim with its time, flow quantities and engine quantities replaced by
    symbols: the same for every start, so built once (and its compiled sides, _compiled_sides)."""
    time: sympy.Dummy
    lhs: sympy.Expr
    rhs: sympy.Expr
    flows: tuple       # (FlowQuantity atom, its symbol)
    rates: tuple       # (symbol of a time-dependent flow quantity, symbol of its rate)
    engines: tuple     # (EngineFunction atom, its symbol): evaluated per start at EVAL_DPS


@lru_cache(maxsize=256)
def _shape(claim) -> _Shape:
    variable = claim.variable if claim.variable is not None else sympy.Symbol("t")
    time = sympy.Dummy("t", real=True)
    replaced, flows, rates, engines = {variable: time}, [], [], []
    for expr in (claim.lhs, claim.rhs):
        for atom in expr.atoms(FlowQuantity):
            if atom not in replaced:
                cls = type(atom)
                replaced[atom] = sympy.Dummy(cls.__name__, real=True)
                flows.append((atom, replaced[atom]))
                if cls.time_dependent():
                    rates.append((replaced[atom], sympy.Dummy(cls.__name__ + "_rate", real=True)))
        for atom in expr.atoms(EngineFunction):
            if atom not in replaced:
                replaced[atom] = sympy.Dummy(type(atom).__name__, real=True)
                engines.append((atom, replaced[atom]))
    return _Shape(time, claim.lhs.xreplace(replaced), claim.rhs.xreplace(replaced), tuple(flows), tuple(rates),
                  tuple(engines))


@lru_cache(maxsize=256)
def _compiled_sides(lhs, rhs, time, dummies, rate_symbols, fixed_symbols) -> tuple:
    """numpy functions of (t, the flow quantities, their rates, the start's fixed values) for lhs, rhs
    and their total time derivatives (the chain rule through the quantities' rates)."""
    chain = dict(zip(dummies, rate_symbols))

    def total_derivative(expr):
        return sympy.diff(expr, time) + sum((sympy.diff(expr, d) * chain[d] for d in dummies), sympy.Integer(0))

    symbols = [time, *dummies, *rate_symbols, *fixed_symbols]
    return tuple(sympy.lambdify(symbols, e, modules="numpy")
                 for e in (lhs, rhs, total_derivative(lhs), total_derivative(rhs)))


# --- the supremum over t -----------------------------------------------------------------------------

def _sample_times(solutions) -> np.ndarray:
    t_stop = min(s.t_stop for s in solutions)
    steps = np.concatenate([s.steps for s in solutions] + [np.linspace(0.0, t_stop, SAMPLES)])
    return np.unique(np.clip(steps, 0.0, t_stop))


#: Local maxima of the samples refined per trajectory (the largest ones).
MAX_REFINED = 6


def _refine_maximum(times, values, f, df):
    """(sup, argsup) of f on [times[0], times[-1]] from its samples `values`: every local maximum
    among the samples (the largest MAX_REFINED) is refined as the root of df between its
    neighbours when df changes sign there."""
    from scipy.optimize import brentq
    n = len(times)
    best_k = int(np.argmax(values))
    best, best_t = float(values[best_k]), float(times[best_k])
    interior = [k for k in range(n) if (k == 0 or values[k] >= values[k - 1]) and (k == n - 1 or values[k] >= values[k + 1])]
    for k in sorted(interior, key=lambda k: -values[k])[:MAX_REFINED]:
        for lo, hi in ((max(k - 1, 0), k), (k, min(k + 1, n - 1))):
            if lo == hi:
                continue
            a, b = float(times[lo]), float(times[hi])
            da, db = df(a), df(b)
            if not (np.isfinite(da) and np.isfinite(db)) or not (da > 0 > db):
                continue
            root = brentq(df, a, b, xtol=1e-14 * max(1.0, b), rtol=1e-15, maxiter=100)
            value = f(root)
            if value > best:
                best, best_t = value, root
    return best, best_t


# --- the check --------------------------------------------------------------------------------------

def _exact(value) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(str(value))


def _corners(parameters):
    """Every parameter at both ends of its interval (open ends one grid step inside), then the
    product of the emphasised values with the ends."""
    n = 2 ** RESOLUTION_BITS
    ends = [[p.from_unit(0), p.from_unit(n)] for p in parameters]
    points = [dict(zip([p.name for p in parameters], combo)) for combo in itertools.product(*ends)]
    for k, p in enumerate(parameters):
        for value in p.emphasis:
            for combo in itertools.product(*(ends[:k] + [[Fraction(str(value))]] + ends[k + 1:])):
                points.append(dict(zip([q.name for q in parameters], combo)))
    return points


@dataclass
class _Run:
    """Mutable record of one check run."""
    worst: dict | None = None        # the verdict with the largest ratio, with its point
    violation: tuple | None = None   # (verdict, point, how)
    examples: int = 0
    searched: int = 0
    seen: list = field(default_factory=list)   # (ratio, start in the unit cube) of every probe


class _Refuted(Exception):
    pass


@dataclass(frozen=True)
class Trajectories(Check):
    """Stress a dynamics claim (lhs ≤ rhs at every t ∈ [0, horizon]) or a limit claim in t (|lhs −
    rhs| at the horizon ≤ `limit_fraction` × its value at t = 0, and not above its value at half
    the horizon) along the flows from starts over the statement's domain (see the module
    docstring). `horizon(point)` gives the time span, chosen by the statement (derived from the
    flow's rate); `points` are starts always checked first (the figure's cases, former
    counterexamples). `measure` adds further measured constants to the outcome."""
    description: str
    horizon: object = field(compare=False)
    points: tuple = ()
    limit_fraction: float = 1e-3
    search: bool = True
    measure: Callable | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        return (f"{super().fingerprint()}:{self.points!r}:{self.limit_fraction}:{self.search}:"
                f"{SOLVER_RTOL}:{REL_TOL}:{SAMPLES}:{FULL_FLOW_COORDINATES}")

    def shared_work(self, theorem):
        """The flows' caches with the start space: statements over the same starts solve the same flows."""
        ranges = sampled_ranges(theorem.parameters)
        return frozenset(f"{atom.shared_solver()} from starts over {ranges}"
                         for atom in atoms_in_claims(theorem, FlowQuantity) if atom.shared_solver())

    def run(self, theorem, claim, settings):
        if claim.kind not in (ClaimKind.DYNAMICS, ClaimKind.LIMIT):
            raise ValueError(f"{theorem.id}: Trajectories check on a {claim.kind.value} claim")
        parameters = tuple(theorem.parameters)
        hypotheses = tuple(theorem.assumptions())
        run = _Run()

        def probe(point, how):
            point = {k: _exact(v) for k, v in point.items()}
            _check_hypotheses(hypotheses, point)
            verdict = self._one(claim, point)
            run.examples += 1
            run.seen.append((verdict.get("search", verdict["ratio"]), [p.to_unit(point[p.name]) for p in parameters]))
            if run.worst is None or verdict["ratio"] > run.worst["ratio"]:
                run.worst = dict(verdict, point=point)
            if verdict["violation"] is not None:
                run.violation = (verdict, point, how)
                raise _Refuted
            return verdict.get("search", verdict["ratio"])

        try:
            for point in list(self.points) + [dict(p) for p in theorem.pinned]:
                probe(point, "fixed start")
            for point in _corners(parameters):
                probe(point, "corner of the start space")
            self._hypothesis_phase(parameters, probe, settings, self._generated(settings), settings.seed)
            if self.search:
                self._search_phase(parameters, probe, settings, run)
            # the profile's points are a floor: a search that converged early, or hypothesis
            # skipping a duplicate, leaves a remainder, drawn as further starts under derived seeds
            for extra in range(1, 4):
                if run.examples >= settings.points:
                    break
                self._hypothesis_phase(parameters, probe, settings, settings.points - run.examples,
                                       settings.seed + extra)
        except _Refuted:
            return self._refuted(*run.violation, run.examples)
        except PrecisionNotReached as exc:
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE, str(exc), examples=run.examples)
        except numerics.FlowFailed as exc:
            # a start the float64 solver cannot follow is reported, never skipped
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE, f"{exc} (after {run.examples} starts)",
                                examples=run.examples)
        return self._held(claim, run)

    # --- the phases -------------------------------------------------------------------------------

    def _hypothesis_phase(self, parameters, probe, settings, examples, seed):
        from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings as hyp_settings
        from hypothesis import strategies as st

        names = [p.name for p in parameters]

        @hyp_settings(max_examples=examples, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                      derandomize=False, report_multiple_bugs=False)
        @hypothesis_seed(seed)
        @given(st.tuples(*[p.strategy() for p in parameters]))
        def explore(values):
            probe(dict(zip(names, values)), f"hypothesis (seed={seed})")

        with seeded_draws():
            explore()

    def _generated(self, settings) -> int:
        """Starts drawn by hypothesis: the profile's points less the search's share. The check
        runs whole in the first batch (it does not split its examples), so it takes every point."""
        return settings.points - (settings.search_points if self.search else 0)

    def _search_phase(self, parameters, probe, settings, run):
        """The worst-case search over starts, on the largest ratio along the flow in the unit cube
        of the start space (a smaller budget than the stress test's: each evaluation integrates a
        flow): differential_evolution whose first population is the best starts seen so far, then
        a Nelder–Mead descent from the best point it found, which follows the slope of the ratio
        into a window too narrow for the population to land in."""
        from scipy.optimize import differential_evolution, minimize
        n = 2 ** RESOLUTION_BITS
        dims = len(parameters)

        def objective(u, how):
            point = {p.name: p.from_unit(int(round(min(max(x, 0.0), 1.0) * n))) for p, x in zip(parameters, u)}
            run.searched += 1
            ratio = probe(point, f"{how} (seed={settings.seed})")
            return -min(ratio, 1e300)

        size = max(5, dims * max(3, settings.search_popsize // 2))
        descent = 10 * dims
        # differential_evolution evaluates its population once and then once per generation
        generations = max(1, (settings.search_points - descent) // size - 1)
        seen = sorted(run.seen, key=lambda pair: -pair[0])
        population = [u for _, u in seen[:size]]
        rng = np.random.default_rng(settings.seed)
        while len(population) < size:
            population.append(rng.random(dims))
        result = differential_evolution(objective, [(0.0, 1.0)] * dims, args=("differential_evolution",),
                                        seed=settings.seed, maxiter=generations, tol=0, polish=False,
                                        init=np.clip(np.array(population), 0.0, 1.0))
        minimize(objective, result.x, args=("Nelder-Mead descent",), method="Nelder-Mead",
                 bounds=[(0.0, 1.0)] * dims,
                 options={"maxfev": descent, "xatol": 1e-9, "fatol": 1e-12, "initial_simplex":
                          np.clip(result.x + np.vstack([np.zeros(dims), 0.05 * np.eye(dims)]), 0.0, 1.0)})

    # --- one start --------------------------------------------------------------------------------

    def _one(self, claim, point):
        horizon = float(self.horizon(point))
        floats = {k: float(v) for k, v in point.items()}
        shape = _shape(claim)
        time, lhs, rhs = shape.time, shape.lhs, shape.rhs
        series, rates, functionals, constants = {}, dict(shape.rates), {}, {}
        solutions = []
        for atom, dummy in shape.flows:
            cls = type(atom)
            args = tuple(floats[str(a)] for a, name in zip(atom.args, cls.arg_names) if name != "t")
            solution = cls.solution(args, horizon)
            solutions.append(solution)
            if cls.time_dependent():
                series[dummy] = (cls, solution, args)
            else:
                functionals[dummy] = cls.value(solution, args)
        for atom, dummy in shape.engines:
            constants[dummy] = evaluate(atom, point, EVAL_DPS)
        exited = next((s for s in solutions if s.outcome != "horizon"), None)

        def exact_values(t, states):
            values = dict(point)
            values[time] = _exact(repr(float(t)))
            for dummy, v in states.items():
                values[dummy] = _exact(repr(float(v)))
            for dummy, v in functionals.items():
                values[dummy] = _exact(repr(float(v)))
            values.update(constants)
            return values

        def at(t):
            states = {d: float(cls.value(sol, args, [t])[0]) for d, (cls, sol, args) in series.items()}
            values = exact_values(t, states)
            return evaluate(lhs, values, EVAL_DPS), evaluate(rhs, values, EVAL_DPS), states

        t_stop = min((s.t_stop for s in solutions), default=horizon)
        if claim.kind is ClaimKind.LIMIT:
            verdict = self._limit(at, t_stop, horizon, solutions, point)
        else:
            verdict = self._supremum(lhs, rhs, time, series, rates, functionals, constants, point, at, solutions)
        if exited is not None and verdict["violation"] is None:
            left, right, _ = at(exited.t_stop)
            verdict["violation"] = (exited.t_stop, left, right, f"the flow left the domain ({exited.boundary}) "
                                                                f"before the horizon t = {horizon:.6g}")
        return verdict

    def _supremum(self, lhs, rhs, time, series, rates, functionals, constants, point, at, solutions):
        """sup over t of lhs/rhs (or of lhs − rhs where rhs is not positive): see the module docstring."""
        fixed = {d: float(v) for d, v in functionals.items()}
        fixed.update({d: float(v) for d, v in constants.items()})
        fixed.update({s: float(point[str(s)]) for s in lhs.free_symbols | rhs.free_symbols if str(s) in point})
        dummies = tuple(series)
        fixed_symbols = tuple(sorted(fixed, key=sympy.default_sort_key))
        compiled = _compiled_sides(lhs, rhs, time, dummies, tuple(rates[d] for d in dummies), fixed_symbols)
        fixed_values = [fixed[symbol] for symbol in fixed_symbols]

        def sides(t, with_rates=False):
            t = np.atleast_1d(np.asarray(t, dtype=float))
            values = [cls.value(sol, args, t) for cls, sol, args in series.values()]
            rate_values = [cls.rate(sol, args, t) if with_rates else np.zeros_like(t)
                           for cls, sol, args in series.values()]
            arguments = [t] + values + rate_values + fixed_values
            out = [np.broadcast_to(np.asarray(c(*arguments), dtype=float), t.shape) for c in compiled[:2 if not with_rates else 4]]
            return out

        times = _sample_times(solutions) if solutions else np.array([0.0])
        left, right = sides(times)

        # the score is lhs/rhs where rhs > ABS_TOL, and 1 + (lhs − rhs)/ABS_TOL below (the comparison's
        # absolute floor): its maximum is where the claim comes closest to failing, and it is the
        # ratio reported as the sharpness
        def score(l_, r_):
            return 1 + (l_ - r_) / np.maximum(np.abs(r_), ABS_TOL)

        def f(t):
            l_, r_ = sides([t])
            return float(score(l_[0], r_[0]))

        def df(t):
            l_, r_, dl, dr = sides([t], with_rates=True)
            scale = max(abs(r_[0]), ABS_TOL)
            d_scale = np.sign(r_[0]) * dr[0] if abs(r_[0]) > ABS_TOL else 0.0
            return float((dl[0] - dr[0]) / scale - (l_[0] - r_[0]) * d_scale / scale ** 2)

        _, t_star = _refine_maximum(times, score(left, right), f, df)
        high_left, high_right, _ = at(t_star)
        excess = high_left - high_right - REL_TOL * max(abs(high_left), abs(high_right)) - ABS_TOL
        violation = (t_star, high_left, high_right, "float64 gradient flow, supremum over t") if excess > 0 else None
        ratio, t_ratio = self._sharpest(times, left, right, sides, at)
        if violation is not None:
            ratio, t_ratio = max(ratio, float(high_left / high_right) if high_right > 0 else np.inf), t_star
        # the worst-case search follows the same informative ratio: the floored score is flat below
        # the absolute floor and gives no slope, and a plain ratio of two sides that are both below it
        # is rounding (the search then chased it into starts a hair's breadth from the target)
        return {"ratio": ratio, "time": t_ratio, "violation": violation, "search": ratio}

    @staticmethod
    def _sharpest(times, left, right, sides, at):
        """(sup of lhs/rhs over t where rhs ≥ SHARPNESS_FLOOR, where): the measured sharpness. Where
        the right side is below the floor the float64 flow's absolute error can move the ratio by
        more than the comparison's tolerance, so those times do not count (the violation test
        above still covers them); 0 if there is no such time."""
        def informative(l_, r_):
            return np.where(r_ >= SHARPNESS_FLOOR, l_ / np.where(r_ >= SHARPNESS_FLOOR, r_, 1.0), 0.0)

        values = informative(left, right)
        if not np.any(values > 0):
            return 0.0, float(times[int(np.argmax(right))])

        def f(t):
            l_, r_ = sides([t])
            return float(informative(l_, r_)[0])

        def df(t):
            l_, r_, dl, dr = sides([t], with_rates=True)
            return float((dl[0] * r_[0] - l_[0] * dr[0]) / r_[0] ** 2) if r_[0] >= SHARPNESS_FLOOR else 0.0

        _, where = _refine_maximum(times, values, f, df)
        high_left, high_right, _ = at(where)
        return (float(high_left / high_right) if high_right >= SHARPNESS_FLOOR else 0.0), where

    def _limit(self, at, t_stop, horizon, solutions, point):
        """Converged: the gap at the horizon is below `limit_fraction` of its initial value and not
        above its value at half the horizon. Not converged while the flow has stopped (its velocity
        below STALLED relative to its state) means it settled elsewhere: refuted. Not converged
        while it still moves means the horizon was too short to judge: inconclusive, never refuted."""
        t_end = min(t_stop, horizon)
        gaps = [abs(a - b) for a, b, _ in (at(0.0), at(t_end / 2), at(t_end))]
        # the final gap beyond the absolute floor, relative to the allowed fraction of the initial one:
        # how close the start comes to failing. Below the floor it is 0, so neither the report nor the
        # worst-case search chases rounding noise (e.g. a KL of 10^{−13} at a corner "growing" to 2·10^{−13})
        allowed = self.limit_fraction * gaps[0]
        ratio = float(max(gaps[2] - ABS_TOL, 0) / allowed) if allowed > 0 else float(gaps[2] > ABS_TOL)
        converged = gaps[2] <= self.limit_fraction * gaps[0] + ABS_TOL and gaps[2] <= gaps[1] + ABS_TOL
        if not converged:
            speed = max(float(np.abs(s.velocity([t_end])).max() / max(1.0, np.abs(s.state([t_end])).max()))
                        for s in solutions)
            if speed > STALLED:
                where = ", ".join(f"{k}={decimal(v, 8)}" for k, v in point.items())
                raise numerics.FlowFailed(
                    f"from ({where}) the flow has not converged by the horizon t = {horizon:.6g} and still moves "
                    f"(relative speed {speed:.3g} > {STALLED:g}): the horizon is too short to judge this start")
        violation = None if converged else (t_end, gaps[2], self.limit_fraction * gaps[0],
                                             f"settled away from the limit by the horizon t = {horizon:.6g}")
        return {"ratio": ratio, "time": t_end, "violation": violation}

    # --- outcomes -----------------------------------------------------------------------------------

    def _held(self, claim, run):
        worst = run.worst
        where = {k: decimal(v, 8) for k, v in worst["point"].items()}
        what = ("largest lhs/rhs" if claim.kind is ClaimKind.DYNAMICS
                else f"largest final gap (less {ABS_TOL:g}) over {self.limit_fraction:g} × the initial one")
        measured = {"largest_ratio": f"{worst['ratio']:.6g}", "at": dict(where, t=f"{worst['time']:.6g}"),
                    "trajectories": run.examples, "searched": run.searched, "solver_rtol": SOLVER_RTOL,
                    "comparison_rel_tol": REL_TOL}
        if self.measure is not None:
            measured.update(self.measure())
        sharpness = None
        if claim.kind is ClaimKind.DYNAMICS:
            sharpness = {"ratio": mpmath.nstr(mpmath.mpf(worst["ratio"]), 8),
                         "point": dict({k: decimal(v, 20) for k, v in worst["point"].items()},
                                       t=f"{worst['time']:.10g}"), "kind": "ratio"}
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"{run.examples} float64 trajectories ({run.searched} from the worst-case search), "
                            f"no violation; {what} {worst['ratio']:.6g} at {where}, t={worst['time']:.6g} "
                            f"(supremum over t by root finding on the dense output)",
                            examples=run.examples, worst_slack=mpmath.nstr(1 - mpmath.mpf(worst["ratio"]), 6),
                            worst_point=where, measured=measured, sharpness=sharpness)

    def _refuted(self, verdict, point, how, examples):
        t, left, right, what = verdict["violation"]
        where = {k: decimal(v, 20) for k, v in point.items()}
        cex = Counterexample(dict(where, t=f"{t:.10g}"), mpmath.nstr(left, 12), mpmath.nstr(right, 12),
                             mpmath.nstr((right - left) / max(abs(left), abs(right), mpmath.mpf(ABS_TOL)), 6),
                             EVAL_DPS, f"{how}; {what}")
        return CheckOutcome(self.description, Evidence.REFUTED, cex.describe(),
                            examples=examples, worst_slack=cex.slack, worst_point=dict(where), counterexample=cex)


def engine_constant(quantity, point) -> float:
    """An engine quantity of the claim (κ_F(Δ), ...) at a start, as a float for a horizon: the same
    evaluation (and cache entry) as the claim's own, so it is computed once per start."""
    return float(evaluate(quantity, {k: _exact(v) for k, v in point.items()}, EVAL_DPS))


def decay_horizon(rate, lifetimes: int = 8) -> float:
    """The horizon of an exponential bound e^{−rate t}: `lifetimes`/rate, in which the bound falls by
    e^{−lifetimes}. At rate 0 (Δ = 0: the two components coincide, the objective does not depend on
    α, the flow is stationary and both sides of the claim are constant in t) every horizon checks
    the same thing, and we take 1."""
    rate = float(rate)
    if rate < 0 or not np.isfinite(rate):
        raise ValueError(f"rate={rate!r} is outside the allowed range [0, inf)")
    return lifetimes / rate if rate > 0 else 1.0
