"""Fast validated path for G(α) = ∫(φ_o − φ_n)²/q_α (THEORY §2-§4: F1, F3, R1, P3), in ball arithmetic.

With u = e^ℓ, ℓ = Δx − Δ²/2, and β = 1 − α: (φ_o − φ_n)²/q_α = φ_o (u − 1)²/(α + βu) and
1/(α + βu) = σ(−t)/α, t = ℓ + log(β/α). Completing the square, u^m φ_o = e^{m(m−1)Δ²/2} N(x − mΔ), so
    G(α) = (T_2 − 2T_1 + T_0)/α,   T_m = e^{m(m−1)Δ²/2} E_Z[σ(−log(β/α) − (m − ½)Δ² + ΔZ)],
three logistic-normal expectations (logistic_normal.py; the T_2 one has κ > 1 and uses the exact tilt).
The terms cancel to G's size only for small Δ (G ~ Δ²/(αβ)); `confirm` then adds the working bits.
The endpoints α ∈ {0, 1} (where a log-odds is infinite) stay on the reference path.
"""
from __future__ import annotations

import math

from flint import arb

from .logistic_normal import F_SQUARE, expectation


def mixture_chi_square_ball(alpha: arb, delta: arb, log2_tol: float) -> arb:
    """G(α) for exact balls α ∈ (0, 1), Δ > 0."""
    beta = 1 - alpha
    log_ratio = beta.log() - alpha.log()
    d2 = delta * delta
    alpha_lo = float(alpha.lower())
    tol = log2_tol + math.log2(alpha_lo) - 3
    terms = []
    for m, coefficient in ((2, 1), (1, -2), (0, 1)):
        growth = arb(m * (m - 1)) * d2 / 2
        inner_tol = tol - float(growth.upper()) / math.log(2)
        value = expectation(1, -log_ratio - (m - arb(1) / 2) * d2, delta, inner_tol)
        terms.append(coefficient * growth.exp() * value)
    return sum(terms, arb(0)) / alpha


def mixture_chi_square_enclosure(alpha, delta) -> arb:
    """G(α) as a ball for the ball evaluation of claims (EngineFunction.arb_engine); α ∈ [0, 1]: at the
    endpoints, and where a ball touches them, the acb.integral enclosure of enclosures.py."""
    from .enclosures import forward_kl_curvature_ball, require_separation_ball, require_weight_ball
    from .logistic_normal import enclose
    from .overlap import MAX_SEPARATION
    a = require_weight_ball("alpha", alpha, closed=True)
    d = require_separation_ball("delta", delta, maximum=MAX_SEPARATION)
    if not (a.lower() > 0 and a.upper() < 1 and d.lower() > 0):
        return forward_kl_curvature_ball(a, d)
    return enclose(lambda tol: mixture_chi_square_ball(a, d, tol))


def old_task_excess_loss_enclosure(lam, delta) -> arb:
    """KL(φ_o || q_λ) = −log λ − E_Z[softplus(log((1−λ)/λ) − Δ²/2 + ΔZ)] as a ball, λ ∈ (0, 1]
    (EngineFunction.arb_engine; forward_kl.old_task_excess_loss explains the formula)."""
    from .enclosures import require_separation_ball, require_weight_ball
    from .logistic_normal import enclose
    from .overlap import MAX_SEPARATION
    la = require_weight_ball("lam", lam, closed=True)
    d = require_separation_ball("delta", delta, maximum=MAX_SEPARATION)
    if not la.lower() > 0:
        raise ValueError(f"lam={la.str(10, radius=True)} is outside the allowed range (0, 1] of this enclosure")
    if la.is_exact() and la == 1:
        return arb(0)
    return enclose(lambda tol: -la.log() - expectation(0, (1 - la).log() - la.log() - d * d / 2, d, tol - 1))


def replay_curvature_ball(alpha: arb, lam: arb, delta: arb, log2_tol: float) -> arb:
    """∂²_α KL(p_λ||q_α) = ∫ p_λ(φ_o − φ_n)²/q_α² for exact balls α ∈ (0, 1), λ ∈ [0, 1], Δ > 0.

    With u = e^ℓ, t = ℓ + log(β/α): p_λ(φ_o − φ_n)²/q_α² = φ_o Σ_m c_m u^m σ(−t)²/α², where
    (λ + (1−λ)u)(u − 1)² = Σ_m c_m u^m. As for G, u^m φ_o = e^{m(m−1)Δ²/2} N(x − mΔ), so each term is
    e^{m(m−1)Δ²/2} E_Z[σ(A_m + ΔZ)²] with A_m = −log(β/α) − (m − ½)Δ² (logistic_normal.F_SQUARE: σ² on its
    own, since σ − σ' would cancel where σ is small)."""
    beta = 1 - alpha
    log_ratio = beta.log() - alpha.log()
    d2 = delta * delta
    coefficients = ((3, 1 - lam), (2, 3 * lam - 2), (1, 1 - 3 * lam), (0, lam))
    tol = log2_tol + 2 * math.log2(float(alpha.lower())) - 4
    total = arb(0)
    for m, c in coefficients:
        if c.is_exact() and c.is_zero():
            continue
        growth = arb(m * (m - 1)) * d2 / 2
        inner_tol = tol - float(growth.upper()) / math.log(2)
        a_m = -log_ratio - (m - arb(1) / 2) * d2
        total += c * growth.exp() * expectation(F_SQUARE, a_m, delta, inner_tol)
    return total / (alpha * alpha)


def replay_curvature_enclosure(alpha, lam, delta) -> arb:
    """∂²_α KL(p_λ||q_α) as a ball (EngineFunction.arb_engine), α ∈ (0, 1), λ ∈ [0, 1], Δ > 0."""
    from .enclosures import require_separation_ball, require_weight_ball
    from .logistic_normal import enclose
    from .overlap import MAX_SEPARATION
    a = require_weight_ball("alpha", alpha, closed=True)
    la = require_weight_ball("lam", lam, closed=True)
    d = require_separation_ball("delta", delta, maximum=MAX_SEPARATION)
    if a.is_exact() and (a.is_zero() or a == 1):
        return replay_curvature_endpoint_ball(a == 1, la, d)
    if not (d.lower() > 0 and a.lower() > 0 and a.upper() < 1):
        raise ValueError(f"alpha={a.str(10, radius=True)}, delta={d.str(10, radius=True)}: this enclosure needs "
                         "α ∈ (0, 1) or exactly 0 or 1, and Δ ∈ (0, 60]")
    return enclose(lambda tol: replay_curvature_ball(a, la, d, tol))


def kappa_replay_ball(lam, delta) -> arb:
    """κ_λ = E_{p_λ}[(1 − e^{−|ℓ|})²] = Φ(Δ/2) − Φ(−Δ/2) − e^{Δ²}Φ(−3Δ/2) + e^{3Δ²}Φ(−5Δ/2), for every λ ∈ [0, 1].

    The reflection x ↦ Δ − x swaps φ_o and φ_n and maps ℓ to −ℓ, so E_{φ_n} = E_{φ_o} and λ drops out. Under
    φ_o split at Δ/2: (1 − e^ℓ)²φ_o = φ_o − 2φ_n + e^{Δ²}N(x − 2Δ) on the left, (1 − e^{−ℓ})²φ_o =
    φ_o − 2e^{Δ²}N(x + Δ) + e^{3Δ²}N(x + 2Δ) on the right (docs/derivations/fast_quadrature.md)."""
    from .enclosures import normal_cdf_ball, require_separation_ball, require_weight_ball
    require_weight_ball("lam", lam, closed=True)
    d = require_separation_ball("delta", delta)
    d2 = d * d
    return (normal_cdf_ball(d / 2) - normal_cdf_ball(-d / 2) - d2.exp() * normal_cdf_ball(-3 * d / 2)
            + (3 * d2).exp() * normal_cdf_ball(-5 * d / 2))


def replay_curvature_endpoint_ball(alpha_is_one: bool, lam: arb, delta: arb) -> arb:
    """∂²_α KL(p_λ||q_α) at α = 0 or 1, where q_α is one Gaussian: with r = φ_o/φ_n, at α = 0 it is
    E_{p_λ}[(1 − r)²] = λ(1 − 2e^{Δ²} + e^{3Δ²}) + (1 − λ)(e^{Δ²} − 1) (E_{φ_n} r = 1, E_{φ_n} r² = e^{Δ²},
    E_{φ_o} r = e^{Δ²}, E_{φ_o} r² = e^{3Δ²}); α = 1 is the same with λ ↦ 1 − λ (the reflection x ↦ Δ − x)."""
    weight = 1 - lam if alpha_is_one else lam
    d2 = delta * delta
    return weight * (1 - 2 * d2.exp() + (3 * d2).exp()) + (1 - weight) * d2.expm1()


def kappa_forward_closed_ball(delta) -> arb:
    """κ_F = E_{φ_n}[(1 − r)²/max(1, r)³], r = φ_o/φ_n, in closed form:
        Φ(Δ/2) − 2Φ(−Δ/2) + 2e^{Δ²}Φ(−3Δ/2) − 2e^{3Δ²}Φ(−5Δ/2) + e^{6Δ²}Φ(−7Δ/2).
    Split at Δ/2 (r = 1): beyond it φ_n(1 − r)² = φ_n − 2φ_o + e^{Δ²}N(x + Δ); before it
    φ_n(1 − r)²/r³ = φ_n/r³ − 2φ_n/r² + φ_n/r with φ_n/r^k = e^{k(k+1)Δ²/2} N(x − (k+1)Δ)."""
    from .enclosures import normal_cdf_ball, require_separation_ball
    d = require_separation_ball("delta", delta)
    d2 = d * d
    return (normal_cdf_ball(d / 2) - 2 * normal_cdf_ball(-d / 2) + 2 * d2.exp() * normal_cdf_ball(-3 * d / 2)
            - 2 * (3 * d2).exp() * normal_cdf_ball(-5 * d / 2) + (6 * d2).exp() * normal_cdf_ball(-7 * d / 2))
