"""The symbols of THEORY §0, with their sympy assumptions, LaTeX and meaning, in one place.

Catalog modules take their symbols from here (through `forgetcheck.symbols`), so a symbol means
the same thing, carries the same assumptions and prints the same way in every statement.
"""
from __future__ import annotations

from forgetcheck.statements.notation import declare, notation_source

# name -> (sympy assumptions, LaTeX, meaning)
PAPER_NOTATION = {
    "a": (dict(positive=True), "a", "old weight of the mixture whose responsibilities are taken"),
    "Delta": (dict(nonnegative=True), r"\Delta", "Mahalanobis separation of the true means"),
    "Delta_theta": (dict(nonnegative=True), r"\Delta_\theta", "separation of the model's new mean from the old"),
    "alpha": (dict(nonnegative=True), r"\alpha", "model's old weight"),
    "alpha_star": (dict(positive=True), r"\alpha^*", "old weight of the reverse-KL target p*"),
    "alpha_0": (dict(positive=True), r"\alpha_0", "initial or base old weight"),
    "lam": (dict(nonnegative=True), r"\lambda", "replay fraction / anchor strength / KL penalty"),
    "rho": (dict(nonnegative=True), r"\rho", "replay mixing fraction"),
    "p": (dict(nonnegative=True), "p", "a probability"),
    "u": (dict(nonnegative=True), "u", "a nonnegative real"),
    "v": (dict(nonnegative=True), "v", "a nonnegative real"),
    "s": (dict(real=True), "s", "a real argument (e.g. of a moment generating function)"),
    "t": (dict(nonnegative=True), "t", "time, or a nonnegative real"),
    "x": (dict(real=True), "x", "the whitened coordinate along the means"),
    "d": (dict(positive=True, integer=True), "d", "dimension"),
    "m_o": (dict(real=True), "m_o", "model's old mean (whitened)"),
    "m_n": (dict(real=True), "m_n", "model's new mean (whitened)"),
    "X": (dict(positive=True), "X", "a positive real"),
    "Y": (dict(positive=True), "Y", "a positive real"),
    "b1": (dict(nonnegative=True), "b_1", "a nonnegative real"),
    "b2": (dict(nonnegative=True), "b_2", "a nonnegative real"),
    "tau": (dict(positive=True), r"\tau", "EMA rate"),
    "beta": (dict(positive=True), r"\beta", "inverse temperature"),
    "k": (dict(nonnegative=True, integer=True), "k", "step count"),
    "B": (dict(positive=True, integer=True), "B", "batch size"),
    "H": (dict(positive=True), "H", "bound on |h|"),
    "R_o": (dict(real=True), "R_o", "reward of the old behaviour"),
    "R_n": (dict(real=True), "R_n", "reward of the new behaviour"),
    "K": (dict(nonnegative=True, integer=True), "K", "number of sync rounds"),
    # THEORY §5-§6 (near-on-policy methods, experiments)
    "alpha_k": (dict(positive=True), r"\alpha_k", "EMA (teacher) model's old weight at step k (SDFT)"),
    "alpha_A": (dict(positive=True), r"\alpha_A", "old weight of the demonstration-conditioned anchor p_A (SDFT)"),
    "alpha_lag": (dict(positive=True), r"\alpha_{\mathrm{lag}}", "old probability of the lagged inference policy (OAPL)"),
    "beta_1": (dict(positive=True), r"\beta_1", "temperature of OAPL's value estimate"),
    "beta_2": (dict(positive=True), r"\beta_2", "temperature of OAPL's policy regression"),
    "G": (dict(real=True), "G", "reward gap R_n − R_o"),
    "g": (dict(positive=True), "g", "a positive reward gap R_n − R_o"),
    "b": (dict(real=True), "b", "offset of the reward's sigmoid, r = R σ(ℓ + b)"),
    "R": (dict(nonnegative=True), "R", "scale of a reward r = R σ(ℓ + b)"),
    "nu": (dict(real=True), r"\nu", "offset of the initial new mean from μ_n (whitened)"),
    # THEORY §2-§4 (forward KL, reverse KL, replay)
    "omega": (dict(real=True), r"\omega", "argument of the test function h(x) = e^{omega x} (replay, P2)"),
}

with notation_source("the catalog (forgetcheck.catalog.notation)"):
    for _name, (_assumptions, _latex, _meaning) in PAPER_NOTATION.items():
        declare(_name, latex=_latex, meaning=_meaning, **_assumptions)
