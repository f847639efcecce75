"""`forgetcheck.verify` and its `Report`: the library's way to check statements from Python (a
script, a notebook, a test), with the same checks, settings and verdicts as `forgetcheck verify`."""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field

from forgetcheck.run.settings import Settings, profile as named_profile
from forgetcheck.numerics.errors import InputError


@dataclass
class Report:
    """The verdicts of one verification run. `passed` is True only if at least one statement was
    checked, every statement reached its expected evidence without error, and every mutant was
    refuted."""
    statements: list                      # forgetcheck.run.runner.StatementReport, in run order
    settings: Settings
    seconds: float = 0.0
    _by_id: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._by_id = {r.id: r for r in self.statements}

    @property
    def passed(self) -> bool:
        return bool(self.statements) and all(r.passed for r in self.statements)

    def __getitem__(self, statement_id: str):
        try:
            return self._by_id[statement_id]
        except KeyError:
            raise KeyError(f"no statement {statement_id!r} in this report; it has {', '.join(self._by_id)}") from None

    def __iter__(self):
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def summary(self) -> dict:
        from forgetcheck.run.report import summary
        return summary(self.statements)

    def table(self) -> str:
        from forgetcheck.run.report import table
        return table(self.statements)

    def problems(self) -> str:
        """What went wrong, with counterexamples ('' when everything passed)."""
        from forgetcheck.run.report import problems
        return problems(self.statements)

    def to_json(self) -> dict:
        """The document `forgetcheck verify --json` writes."""
        from forgetcheck.run.report import to_json
        return to_json(self.statements, self.settings, self.seconds)

    def __str__(self) -> str:
        s = self.summary()
        text = (f"{self.table()}\n\n{s['statements']} statements: {s['passed']} passed, {s['failed']} failed; "
                f"mutants refuted {s['mutants_refuted']}/{s['mutants']}")
        trouble = self.problems()
        return text + ("\n\n" + trouble if trouble else "")

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<Report {s['statements']} statement(s): {s['passed']} passed, {s['failed']} failed, "
                f"mutants refuted {s['mutants_refuted']}/{s['mutants']}, profile {self.settings.profile}, "
                f"{self.settings.dps} digits, passed={self.passed}>")

    def _repr_html_(self) -> str:
        from forgetcheck.run.report import status_word
        rows = []
        for r in self.statements:
            slack, _ = r.worst()
            cells = (r.id, r.evidence.value, r.expected.value,
                     f"{sum(m.refuted for m in r.mutants)}/{len(r.mutants)}", str(r.examples),
                     "-" if slack is None else f"{float(slack):.3g}", status_word(r))
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        head = "".join(f"<th>{h}</th>" for h in ("statement", "evidence", "expected", "mutants refuted",
                                                  "points", "worst slack", "status"))
        verdict = "passed" if self.passed else "FAILED"
        return (f"<p><b>forgetcheck: {verdict}</b> ({html.escape(repr(self)[1:-1])})</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _theorems(theorems_or_ids, catalog) -> list:
    from forgetcheck.statements.theorem import Theorem
    if isinstance(theorems_or_ids, (str, Theorem)):
        theorems_or_ids = [theorems_or_ids]
    chosen, seen = [], set()
    for item in theorems_or_ids:
        if isinstance(item, Theorem):
            found = [item]
        elif isinstance(item, str):
            found = catalog().select(catalog().resolve_or_explain(item))
        else:
            raise TypeError(f"verify: expected Theorem objects or statement ids, got {type(item).__name__} {item!r}")
        for t in found:
            if t.id not in seen:
                seen.add(t.id)
                chosen.append(t)
    return chosen


def verify(theorems_or_ids, *, profile: str = "ci", jobs: int = 1, **settings) -> Report:
    """Check statements (Theorem objects, catalog ids, or group ids such as 'R3') and return the
    Report. `profile` is 'ci' (fast, derandomized) or 'deep'; `settings` override its fields
    (dps, seed, examples, ...). Statements run in this process by default (`jobs=1`), which works
    for statements defined anywhere, a notebook included; `jobs=N` uses N processes, which rebuild
    the statements by importing the catalog (with the catalogs configured for this project)."""
    import functools

    from forgetcheck.run.runner import verify_all
    from forgetcheck.statements.registry import Registry, load_catalog

    catalog = functools.lru_cache(maxsize=1)(load_catalog)
    theorems = _theorems(theorems_or_ids, catalog)
    if not theorems:
        raise InputError("verify: nothing to verify (an empty list of statements was given)")
    chosen = named_profile(profile, **settings)
    if not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"verify: jobs={jobs!r} is outside the allowed range [1, cores]")
    Registry(theorems)  # duplicate ids are an error before anything runs
    start = time.perf_counter()
    reports = verify_all(theorems, chosen, jobs=jobs)
    return Report(reports, chosen, time.perf_counter() - start)
