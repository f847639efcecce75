"""R4: Fisher information of the model at the truth θ* = (α*, 0, Δ), in (α, m_o, m_n).

At θ*, q = p* and the scores over p* are s_α/p* = γ_o/a − γ_n/(1−a), s_o/p* = x γ_o, s_n/p* = (x−Δ) γ_n
(a = α*, γ the responsibilities of p*). Using p* γ_o = a φ_o, p* γ_n = (1−a) φ_n and γ_o + γ_n = 1,
I = D_sep + C with D_sep = diag(1/(a(1−a)), a, 1−a) and the overlap-gated corrections
    C_αα = −∫ φ_o φ_n / p* / (a(1−a))          [pointwise: (s_α/p*)² − γ_o/a² − γ_n/(1−a)²
                                                  = −γ_o γ_n/(a(1−a))²]
    C_oo = −a E_{φ_o}[x² γ_n],     C_nn = −(1−a) E_{φ_n}[(x−Δ)² γ_o],   C_on = a E_{φ_o}[x(x−Δ) γ_n],
    C_αo = −E_{φ_o}[x γ_n]/(1−a),  C_αn = E_{φ_n}[(x−Δ) γ_o]/a.
Each is integrated directly (never as I − D, which would cancel every digit at large Δ).
Fast path: with L = log((1−a)/a), under φ_o γ_n = σ(L − Δ²/2 + Δz) and under φ_n γ_o = σ(−L − Δ²/2 − Δz),
so every entry is a logistic-normal moment E[Z^j σ(·)] (logistic_normal.py) enclosed in a ball;
C_αα = −E_{φ_o}[γ_n]/(a(1−a)²) there. The adaptive quadrature below is kept as *_by_quadrature.
The closed form of THEORY R4 for I_αα, 1/(a(1−a)) − ε[1/a + a/(1−a)² + 2/(1−a)] with ε = ε_o(a, Δ),
equals D_αα + C_αα since ∫φ_oφ_n/p* = ε/(1−a) and 1/a + a/(1−a)² + 2/(1−a) = 1/(a(1−a)²).
"""
from __future__ import annotations

import math

import mpmath
from flint import arb

from .backends import MP, log_normal_pdf, mp_evaluator, per_precision, sigmoid
from .errors import PrecisionNotReached
from .overlap import MAX_SEPARATION, misassignment
from . import reverse_kl_fast as fast
from .logistic_normal import confirm, moment
from .reverse_kl import log_odds, target_llr
from .validation import require_dps, require_separation, require_weight

#: Order of the parameters in the matrices below.
PARAMETERS = ("alpha", "mean_old", "mean_new")


def _corrections(a, delta, dps):
    """The 3x3 matrix C = I(θ*) − D_sep, entry by entry."""
    ev = mp_evaluator(dps)
    constants = per_precision(MP, lambda: (log_odds(a, MP), mpmath.log(a), mpmath.log1p(-a)))
    points = [0, delta / 2, delta]
    peaks = [(delta / 2 - log_odds(a, MP) / delta, min(1, 1 / delta))] if delta > 0 else []

    def under(component, g, quantity):
        mean = 0 if component == 0 else delta
        sign = 1 if component == 0 else -1  # E_{φ_o}[g γ_n] or E_{φ_n}[g γ_o]
        return ev.integral(lambda x: mpmath.exp(log_normal_pdf(x, mean, MP))
                           * sigmoid(sign * target_llr(x, constants()[0], delta), MP) * g(x), points, peaks, quantity)

    def overlap_density(x):  # φ_o φ_n / p*
        _, log_a, log_b = constants()
        lo, ln = log_normal_pdf(x, 0, MP), log_normal_pdf(x, delta, MP)
        return mpmath.exp(lo + ln - MP.logaddexp(log_a + lo, log_b + ln))

    c = mpmath.matrix(3, 3)
    c[0, 0] = -ev.integral(overlap_density, points, peaks, "Fisher alpha-alpha") / (a * (1 - a))
    c[1, 1] = -a * under(0, lambda x: x * x, "Fisher m_o-m_o")
    c[2, 2] = -(1 - a) * under(1, lambda x: (x - delta) ** 2, "Fisher m_n-m_n")
    c[1, 2] = c[2, 1] = a * under(0, lambda x: x * (x - delta), "Fisher m_o-m_n")
    c[0, 1] = c[1, 0] = -under(0, lambda x: x, "Fisher alpha-m_o") / (1 - a)
    c[0, 2] = c[2, 0] = under(1, lambda x: x - delta, "Fisher alpha-m_n") / a
    return c


def _separable(a):
    return [1 / (a * (1 - a)), a, 1 - a]


def _inputs(alpha_target, delta):
    a = require_weight("alpha_target", alpha_target)
    delta = require_separation("delta", delta, maximum=MAX_SEPARATION)
    return a, delta


def fisher_information_by_quadrature(alpha_target, delta, dps: int = 30) -> mpmath.matrix:
    """R4: I(θ*) (3x3, order alpha, mean_old, mean_new) by quadrature, α* ∈ (0, 1)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a, delta = _inputs(alpha_target, delta)
        info = _corrections(a, delta, dps + 2)
        for i, d in enumerate(_separable(a)):
            info[i, i] += d
    with mpmath.workdps(dps):
        return info.apply(lambda v: +v)


def fisher_deviation_by_quadrature(alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R4: η = ||D^{-1/2}(I(θ*) − D)D^{-1/2}||_F with D = diag(1/(α*(1−α*)), α*, 1−α*)
    (bound for Δ ≥ 2: η ≤ Δ e^{−Δ²/8}/sqrt(α*(1−α*)))."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a, delta = _inputs(alpha_target, delta)
        c = _corrections(a, delta, dps + 2)
        d = _separable(a)
        total = mpmath.fsum(c[i, j] ** 2 / (d[i] * d[j]) for i in range(3) for j in range(3))
        value = mpmath.sqrt(total)
    with mpmath.workdps(dps):
        return +value


def fisher_weight_entry_closed_form(alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R4 (exact): I_αα = 1/(α*(1−α*)) − ε [1/α* + α*/(1−α*)² + 2/(1−α*)], ε = ε_o(α*, Δ)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a, delta = _inputs(alpha_target, delta)
        eps = misassignment(a, delta, dps + 5)
        value = 1 / (a * (1 - a)) - eps * (1 / a + a / (1 - a) ** 2 + 2 / (1 - a))
    with mpmath.workdps(dps):
        return +value


# --- fast validated path ----------------------------------------------------------------------------

def corrections_ball(a, delta, log2_tol):
    """C = I(θ*) − D_sep as a 3x3 list of balls (a, delta: exact balls, a ∈ (0, 1), delta > 0)."""
    L = (1 - a).log() - a.log()
    old = (L - delta * delta / 2, delta)       # γ_n under φ_o, z = x
    new = (-L - delta * delta / 2, -delta)     # γ_o under φ_n, z = x − Δ
    tol = log2_tol - 6 - 2 * math.log2(max(1.0, float(delta.upper())))
    o1, o2 = moment(1, 1, *old, tol), moment(2, 1, *old, tol)
    n1, n2 = moment(1, 1, *new, tol), moment(2, 1, *new, tol)
    c_aa = -moment(0, 1, *old, tol) / (a * (1 - a) ** 2)
    c_oo, c_nn, c_on = -a * o2, -(1 - a) * n2, a * (o2 - delta * o1)
    c_ao, c_an = -o1 / (1 - a), n1 / a
    return [[c_aa, c_ao, c_an], [c_ao, c_oo, c_on], [c_an, c_on, c_nn]]


def _separable_ball(a):
    return [1 / (a * (1 - a)), a, 1 - a]


def fisher_deviation_ball(a, delta, log2_tol):
    """η = ||D^{-1/2} C D^{-1/2}||_F as a ball."""
    if delta.is_zero():
        raise ValueError("delta=0: the Fisher information of coinciding components is singular")
    c, d = corrections_ball(a, delta, log2_tol - 4), _separable_ball(a)
    total = sum((c[i][j] ** 2 / (d[i] * d[j]) for i in range(3) for j in range(3)), arb(0))
    return total.nonnegative_part().sqrt()  # a sum of squares: the part of its ball below 0 is impossible


def fisher_information(alpha_target, delta, dps: int = 30) -> mpmath.matrix:
    """R4: I(θ*) (3x3, order alpha, mean_old, mean_new), α* ∈ (0, 1): each entry confirmed to `dps`
    digits by the fast path, else by quadrature (fisher_information_by_quadrature)."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a, delta = _inputs(alpha_target, delta)
    if delta == 0:
        return fisher_information_by_quadrature(alpha_target, delta, dps)
    ab, db = fast.balls(a, delta)
    info = mpmath.matrix(3, 3)
    try:
        for i in range(3):
            for j in range(3):
                def entry(tol, i=i, j=j):
                    value = corrections_ball(ab, db, tol)[i][j]
                    return value + _separable_ball(ab)[i] if i == j else value
                info[i, j] = fast.ball_to_mpf(confirm(entry, dps, "Fisher information"), dps)
    except PrecisionNotReached:
        return fisher_information_by_quadrature(alpha_target, delta, dps)
    return info


def fisher_deviation(alpha_target, delta, dps: int = 30) -> mpmath.mpf:
    """R4: η = ||D^{-1/2}(I(θ*) − D)D^{-1/2}||_F with D = diag(1/(α*(1−α*)), α*, 1−α*)
    (bound for Δ ≥ 2: η ≤ Δ e^{−Δ²/8}/sqrt(α*(1−α*))); fast path, reference fisher_deviation_by_quadrature."""
    dps = require_dps(dps)
    with mpmath.workdps(dps + 15):
        a, delta = _inputs(alpha_target, delta)
    if delta == 0:
        return fisher_deviation_by_quadrature(alpha_target, delta, dps)
    ab, db = fast.balls(a, delta)
    return fast.confirmed(lambda tol: fisher_deviation_ball(ab, db, tol), dps, "Fisher deviation",
                          lambda: fisher_deviation_by_quadrature(alpha_target, delta, dps))


def fisher_deviation_enclosure(alpha_target, delta) -> arb:
    """η as a ball for the ball evaluation of claims (EngineFunction.arb_engine)."""
    from .enclosures import require_separation_ball, require_weight_ball
    from .logistic_normal import enclose
    a = require_weight_ball("alpha_target", alpha_target)
    d = require_separation_ball("delta", delta, maximum=MAX_SEPARATION)
    return enclose(lambda tol: fisher_deviation_ball(a, d, tol))
