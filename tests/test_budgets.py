"""Budgets of the sampled checks (issue 12, item 3): in the ci profile every parametrized sampled
check evaluates the profile's points at its digits, and every inequality runs the worst-case search,
unless the check says why not in `budget_note`."""
from __future__ import annotations

import forgetcheck as fc
from forgetcheck.checks.kinds import Sampled
from forgetcheck.run.settings import profile
from forgetcheck.statements.claims import ClaimKind


def _sampled(check):
    """The Sampled checks in `check`, looking through wrappers (AtDigits and the like hold `inner`)."""
    if isinstance(check, Sampled):
        return [check]
    inner = getattr(check, "inner", None)
    return _sampled(inner) if inner is not None else []


def reduced_without_reason(theorems, settings) -> list:
    """(id, description) of every sampled check below the budget of `settings` with no budget_note."""
    out = []
    for theorem in theorems:
        inequality = theorem.claim.kind is ClaimKind.INEQUALITY
        parametrized = bool(theorem.parameters)
        for check in (c for outer in theorem.checks for c in _sampled(outer)):
            if parametrized and check.reduced_budget(settings, inequality) and not check.budget_note.strip():
                out.append((theorem.id, check.description))
    return out


def test_every_sampled_check_in_the_ci_profile_runs_the_full_budget_or_says_why(catalog):
    assert reduced_without_reason(catalog.theorems(), profile("ci")) == []


def test_the_budget_test_sees_a_small_scale_and_a_missing_search():
    t, = fc.symbols("t")
    domain = (fc.Parameter(t, 0, 1),)

    def theorem(claim, check):
        return fc.Theorem(id="B.x", title="t", section="B", claim=claim, parameters=domain, checks=(check,),
                          mutants=(fc.Mutant("m", fc.Claim.inequality(t, t - 1), "always"),))

    small = theorem(fc.Claim.identity(t, t), fc.Sampled(scale=0.1))
    unsearched = theorem(fc.Claim.inequality(0, t), fc.Sampled(search=False))
    explained = theorem(fc.Claim.identity(t, t), fc.Sampled(scale=0.1, budget_note="a 2-D grid per point"))
    identity_without_search = theorem(fc.Claim.identity(t, t), fc.Sampled(search=False))
    assert [tid for tid, _ in reduced_without_reason([small, unsearched], profile("ci"))] == ["B.x", "B.x"]
    assert reduced_without_reason([explained, identity_without_search], profile("ci")) == []
