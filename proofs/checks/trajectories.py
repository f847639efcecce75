"""Dynamics statements: quantities read off float64 gradient flows, and the check that compares a
claim's two sides along the trajectories.

A `FlowQuantity` is a sympy function of the statement's parameters (and, for a quantity that
changes along the flow, of the time t, its last argument), e.g. α(t) of the forward-KL flow from
α(0). It prints like the mathematics and is evaluated by integrating the engine's float64 flow
(numerics/flows.py, the engine's exact gradients; solver tolerance ~1e−10). A claim such as
α(t) ≤ α(0) e^{−κ_F t} is one sympy object; `Trajectories` evaluates *the claim it is given* at each
time of a grid: the flow quantities from the trajectory, everything else (κ_F, the exponential)
by forgetcheck.quantities.evaluate at high precision. So a mutant with rate 4κ_F is refuted by the same code.

Float64 trajectories are compared with a stated tolerance: relative REL_TOL (the flows' solver
tolerance is 1e−9..1e−10) plus an absolute ABS_TOL for quantities that tend to 0 (float64 noise on
O(1) states). The mutants the statements carry are wrong by factors, far beyond both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np
import sympy

from forgetcheck import numerics  # numerics.<flow> resolves lazily: scipy.integrate loads only when a flow runs
from forgetcheck.numerics.errors import PrecisionNotReached

from forgetcheck.checks.kinds import Check
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import decimal
from forgetcheck.quantities.evaluate import evaluate
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.quantities.engine_function import EngineFunction

REL_TOL = 1e-7
ABS_TOL = 1e-11
GRID_POINTS = 121
EVAL_DPS = 20


# --- flows, cached per process (a statement and its mutants integrate the same trajectories) --------

_WEIGHT_FLOWS = {"forward": "forward_kl_weight_flow", "replay": "forward_kl_replay_flow",
                 "reverse": "reverse_kl_weight_flow"}


@lru_cache(maxsize=256)
def _weight_flow(kind: str, args: tuple, horizon: float, n: int) -> np.ndarray:
    flow = getattr(numerics, _WEIGHT_FLOWS[kind])  # an unknown kind is a KeyError, never a silent default
    return flow(*args, horizon, n).column("alpha")


@lru_cache(maxsize=256)
def _full_reverse_flow(alpha_0: float, alpha_star: float, shift: float, delta: float, horizon: float, n: int):
    """R5: the reverse-KL flow on θ = (α, m_o, m_n) from (α(0), μ_o, μ_n + shift)."""
    return numerics.reverse_kl_flow(alpha_0, 0.0, delta + shift, alpha_star, delta, horizon, n)


class FlowQuantity(sympy.Function):
    """A quantity of a gradient-flow trajectory. Subclasses set `latex_name`, `arg_names` (the
    parameters, then "t" if the quantity depends on time) and implement `along(args, horizon, n)`,
    returning an array over the time grid (or a float for a functional of the whole trajectory)."""
    latex_name = ""
    arg_names: tuple = ()

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        base = rf"{self.latex_name}\left({args}\right)"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def time_dependent(cls) -> bool:
        return cls.arg_names[-1:] == ("t",)

    @classmethod
    def along(cls, args: tuple, horizon: float, n: int):  # pragma: no cover - interface
        raise NotImplementedError


class _WeightFlow(FlowQuantity):
    """α(t) along one of the scalar weight flows, named by `flow` (see _weight_flow)."""
    flow = ""

    @classmethod
    def along(cls, args, horizon, n):
        return _weight_flow(cls.flow, args, horizon, n)


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
    """Quantities of the full reverse-KL flow from θ(0) = (α(0), μ_o, μ_n + s) (R5)."""

    @classmethod
    def trajectory(cls, args, horizon, n):
        return _full_reverse_flow(*[float(a) for a in args[:4]], horizon, n)


class FullFlowWeight(_FullFlow):
    latex_name = r"\alpha_t"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    @classmethod
    def along(cls, args, horizon, n):
        return cls.trajectory(args, horizon, n).column("alpha")


class FullFlowOldMeanDeviation(_FullFlow):
    """||m_o(t) − μ_o||_{Σ^{-1}} (whitened 1-D: |m_o(t)|)."""
    latex_name = r"\|m_o(t) - \mu_o\|"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    def _latex(self, printer, exp=None):
        base = r"\left\|m_o(t) - \mu_o\right\|_{\Sigma^{-1}}"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def along(cls, args, horizon, n):
        return np.abs(cls.trajectory(args, horizon, n).column("mean_old"))


class ClosestNewMean(_FullFlow):
    """Δ_min = inf_t ||m_n(t) − μ_o||_{Σ^{-1}} over the trajectory (a functional, no t)."""
    latex_name = r"\Delta_{\min}"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta")

    def _latex(self, printer, exp=None):
        return rf"\Delta_{{\min}}^{{{exp}}}" if exp else r"\Delta_{\min}"

    @classmethod
    def along(cls, args, horizon, n):
        return float(np.min(np.abs(cls.trajectory(args, horizon, n).column("mean_new"))))


class FullFlowDistance(_FullFlow):
    """||θ(t) − θ*|| (Euclidean in (α, m_o, m_n), whitened)."""
    latex_name = r"\|\theta_t - \theta^*\|"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    def _latex(self, printer, exp=None):
        base = r"\left\|\theta(t) - \theta^*\right\|"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def along(cls, args, horizon, n):
        states = cls.trajectory(args, horizon, n).states
        target = np.array([float(args[1]), 0.0, float(args[3])])
        return np.linalg.norm(states - target, axis=1)


class FullFlowSwapDistance(_FullFlow):
    """||θ(t) − θ*_swap||, θ*_swap = (1 − α*, μ_n, μ_o): the label-swapped minimizer."""
    latex_name = r"\|\theta_t - \theta^*_{\mathrm{swap}}\|"
    arg_names = ("alpha_0", "alpha_star", "s", "Delta", "t")

    def _latex(self, printer, exp=None):
        base = r"\left\|\theta(t) - \theta^*_{\mathrm{swap}}\right\|"
        return rf"{base}^{{{exp}}}" if exp else base

    @classmethod
    def along(cls, args, horizon, n):
        states = cls.trajectory(args, horizon, n).states
        target = np.array([1 - float(args[1]), float(args[3]), 0.0])
        return np.linalg.norm(states - target, axis=1)


# --- the check --------------------------------------------------------------------------------------

def _exact(value) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(str(value))


@dataclass(frozen=True)
class Trajectories(Check):
    """Evaluate a dynamics claim (lhs ≤ rhs at every time of the grid) or a limit claim in t
    (|lhs − rhs| at the horizon ≤ `limit_fraction` × its value at t = 0, and smaller than at half
    the horizon) along the flows from each of `points` (dicts of exact parameter values).

    `horizon(point)` gives the time span (float), chosen by the statement so that the claim's
    right-hand side has decayed by several orders of magnitude. The outcome's `measured` records
    the largest ratio lhs/rhs seen for t > 0 (how close the flows come to the bound) and where.
    """
    description: str
    points: tuple
    horizon: object = field(compare=False)
    grid: int = GRID_POINTS
    limit_fraction: float = 1e-3

    def fingerprint(self) -> str:
        return f"{super().fingerprint()}:{self.points!r}:{self.grid}:{self.limit_fraction}"

    def run(self, theorem, claim, settings):
        if claim.kind not in (ClaimKind.DYNAMICS, ClaimKind.LIMIT):
            raise ValueError(f"{theorem.id}: Trajectories check on a {claim.kind.value} claim")
        worst, examples, ratios = None, 0, {}
        for raw in self.points:
            point = {k: _exact(v) for k, v in raw.items()}
            try:
                verdict = self._one(claim, point)
            except PrecisionNotReached as exc:
                return CheckOutcome(self.description, Evidence.INCONCLUSIVE, str(exc), examples=examples)
            examples += 1
            ratios[self._label(point)] = verdict["ratio"]
            if verdict["violation"] is not None:
                return self._refuted(verdict, point, examples)
            if worst is None or verdict["ratio"] > worst["ratio"]:
                worst = dict(verdict, point=point)
        where = {k: decimal(v, 8) for k, v in worst["point"].items()}
        what = "largest lhs/rhs" if claim.kind is ClaimKind.DYNAMICS else "largest final/initial gap"
        measured = {"largest_ratio": float(worst["ratio"]), "at": dict(where, t=worst["time"]),
                    "trajectories": examples, "ratios": ratios}
        return CheckOutcome(self.description, Evidence.SAMPLED,
                            f"{examples} float64 trajectories, {self.grid} times each, no violation; {what} "
                            f"{worst['ratio']:.4g} at {where}, t={worst['time']:.4g}",
                            examples=examples, worst_slack=mpmath.nstr(1 - worst["ratio"], 6),
                            worst_point=where, measured=measured)

    # one trajectory (set of flows) at one parameter point
    def _one(self, claim, point):
        horizon = float(self.horizon(point))
        times = np.linspace(0.0, horizon, self.grid)
        floats = {k: float(v) for k, v in point.items()}
        replaced, dummies, series = {}, {}, {}
        for expr in (claim.lhs, claim.rhs):
            for atom in expr.atoms(FlowQuantity):
                if atom in replaced:
                    continue
                names = type(atom).arg_names
                args = tuple(floats[str(a)] for a, name in zip(atom.args, names) if name != "t")
                values = type(atom).along(args, horizon, self.grid)
                replaced[atom] = dummies[atom] = sympy.Dummy(type(atom).__name__)
                series[dummies[atom]] = values
            for atom in expr.atoms(EngineFunction):
                if atom not in replaced:
                    replaced[atom] = sympy.Dummy(type(atom).__name__)
                    series[replaced[atom]] = evaluate(atom, point, EVAL_DPS)
        lhs, rhs = claim.lhs.xreplace(replaced), claim.rhs.xreplace(replaced)
        variable = str(claim.variable) if claim.variable is not None else "t"

        def at(k):
            values = dict(point)
            values[variable] = _exact(repr(float(times[k])))
            for dummy, v in series.items():
                if isinstance(v, np.ndarray):
                    values[dummy] = _exact(repr(float(v[k])))
                elif isinstance(v, float):
                    values[dummy] = _exact(repr(v))
                else:
                    values[dummy] = v
            return evaluate(lhs, values, EVAL_DPS), evaluate(rhs, values, EVAL_DPS)

        if claim.kind is ClaimKind.LIMIT:
            return self._limit(at, times)
        ratio, ratio_time, violation = 0.0, 0.0, None
        for k in range(self.grid):
            left, right = at(k)
            excess = left - right - REL_TOL * max(abs(left), abs(right)) - ABS_TOL
            r = float(left / right) if right > 0 else (0.0 if left <= 0 else float("inf"))
            if k > 0 and r > ratio:  # at t = 0 several claims hold with equality: uninformative
                ratio, ratio_time = r, float(times[k])
            if excess > 0:
                violation = (float(times[k]), left, right)
                break
        return {"ratio": ratio, "time": ratio_time, "violation": violation}

    def _limit(self, at, times):
        gap = [abs(a - b) for a, b in (at(0), at(len(times) // 2), at(len(times) - 1))]
        ratio = float(gap[2] / gap[0]) if gap[0] else 0.0
        converged = gap[2] <= self.limit_fraction * gap[0] + ABS_TOL and gap[2] <= gap[1] + ABS_TOL
        violation = None if converged else (float(times[-1]), gap[2], self.limit_fraction * gap[0])
        return {"ratio": ratio, "time": float(times[-1]), "violation": violation}

    @staticmethod
    def _label(point):
        return ", ".join(f"{k}={decimal(v, 6)}" for k, v in point.items())

    def _refuted(self, verdict, point, examples):
        t, left, right = verdict["violation"]
        where = {k: decimal(v, 20) for k, v in point.items()}
        cex = Counterexample(dict(where, t=f"{t:.6g}"), mpmath.nstr(left, 12), mpmath.nstr(right, 12),
                             mpmath.nstr((right - left) / max(abs(left), abs(right), mpmath.mpf(ABS_TOL)), 6),
                             EVAL_DPS, "float64 gradient flow on the time grid")
        return CheckOutcome(self.description, Evidence.REFUTED, cex.describe(), examples=examples,
                            worst_slack=cex.slack, worst_point=dict(where), counterexample=cex)
