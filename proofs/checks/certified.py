"""Certified evidence: ball-arithmetic checks of inequalities, at points and over parameter boxes.

* `CertifiedAtPoints`: at each point the enclosure of rhs − lhs (forgetcheck.quantities.ball_evaluate) decides:
  strictly above 0 certifies the point, strictly below refutes it (a rigorous, reproducible
  counterexample), otherwise the precision is raised and the point retried; a point still
  undecided at the highest precision is reported, never counted.
* `BoxProof`: branch and bound over a box of one or two parameters. A box closes when the
  enclosure of rhs − lhs over the whole box is > 0; otherwise it is bisected (along the coordinate
  that contributes most to the enclosure's width), up to a box budget. A box whose centre is
  certified to violate refutes the claim at that centre. Boxes that could not close are listed
  (they sit at equality cases), never dropped. The closed boxes, with the lower bounds of their
  enclosures and the precision, form a certificate that `recheck_certificate` re-verifies from a
  JSON report entry alone.

Both take the claim to check as an argument, so they run unchanged on mutants, which they must refute.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import mpmath
import sympy

from forgetcheck.numerics.enclosures import lower_bound

from forgetcheck.quantities.ball_evaluate import NotCertifiable, check_certifiable, enclose, enclose_box
from forgetcheck.checks.kinds import Check
from forgetcheck.statements.claims import ClaimKind
from forgetcheck.statements.domain import decimal
from forgetcheck.statements.evidence import CheckOutcome, Counterexample, Evidence
from forgetcheck.numerics.errors import InputError

#: Precisions (bits) tried in turn at a point whose enclosure straddles 0.
POINT_PRECISIONS = (64, 128, 256)
CERTIFICATE_FORMAT = 1


def _difference(claim):
    """rhs − lhs, the quantity whose positivity is certified; refuse what balls cannot settle."""
    if claim.kind is not ClaimKind.INEQUALITY:
        raise NotCertifiable(f"the claim is of kind '{claim.kind.value}': only inequalities can be "
                             "certified by enclosures")
    difference = claim.rhs - claim.lhs
    check_certifiable(difference)
    return difference


def _bits_to_digits(bits: int) -> int:
    return int(bits * 0.30103)


def _show(x) -> str:
    """A ball as [lower, upper] (arb's own midpoint ± radius notation hides the sign of wide balls)."""
    if not x.is_finite():
        return "[-inf, +inf]"
    if x.rad() == 0:
        return x.str(10, radius=False)
    return f"[{x.lower().str(8, radius=False)}, {x.upper().str(8, radius=False)}]"


def _decimal(x) -> str:
    """The midpoint of a ball as a plain decimal string (what worst_slack and slack hold)."""
    return x.mid().str(6, radius=False)


def _exact(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _counterexample(claim, point: dict, prec: int, how: str) -> Counterexample:
    lhs = enclose(claim.lhs, point, prec)
    rhs = enclose(claim.rhs, point, prec)
    diff = enclose(claim.rhs - claim.lhs, point, prec)
    scale = max(abs(lhs).upper(), abs(rhs).upper())
    slack = diff / scale if scale > 0 else diff
    return Counterexample({k: decimal(v, 25) for k, v in point.items()}, _show(lhs), _show(rhs),
                          _decimal(slack), _bits_to_digits(prec), how)


def _refuted(description, claim, point, prec, how, examples, extra=""):
    cex = _counterexample(claim, point, prec, how)
    return CheckOutcome(description, Evidence.REFUTED, cex.describe() + extra, examples=examples,
                        worst_slack=cex.slack, worst_point={k: _exact(v) for k, v in point.items()},
                        counterexample=cex)


def _not_certifiable(description, why) -> CheckOutcome:
    return CheckOutcome(description, Evidence.UNCHECKED, f"not certifiable: {why}")


# --- certified at points ---------------------------------------------------------------------------

def _halton(index: int, base: int) -> Fraction:
    """The van der Corput radical inverse: a deterministic, well-spread sequence in [0, 1)."""
    result, f = Fraction(0), Fraction(1, base)
    while index:
        index, digit = divmod(index, base)
        result += digit * f
        f /= base
    return result


_PRIMES = (2, 3, 5, 7, 11, 13)


def sample_points(parameters, pinned, count: int) -> list:
    """Pinned and boundary points (as the stress test takes them), then `count` Halton points on
    the parameters' exact grid."""
    from forgetcheck.statements.domain import RESOLUTION_BITS
    from forgetcheck.checks.stress import corner_points
    points = corner_points(parameters, pinned)
    n = 2 ** RESOLUTION_BITS
    for k in range(1, count + 1):
        points.append({p.name: p.from_unit(int(_halton(k, _PRIMES[i % len(_PRIMES)]) * n))
                       for i, p in enumerate(parameters)})
    unique, seen = [], set()
    for point in points:
        key = tuple(sorted(point.items()))
        if key not in seen:
            seen.add(key)
            unique.append(point)
    return unique


@dataclass(frozen=True)
class CertifiedAtPoints(Check):
    """The claim certified (or refuted) by enclosures at the boundary points and `count` Halton
    points of the statement's domain (default: the profile's certify_points)."""
    description: str = ("ball-arithmetic enclosures of rhs − lhs at the boundary points and Halton "
                        "points of the domain")
    count: int | None = None
    precisions: tuple = POINT_PRECISIONS


    def run(self, theorem, claim, settings):
        from forgetcheck.checks.stress import _check_hypotheses
        try:
            difference = _difference(claim)
        except NotCertifiable as why:
            return _not_certifiable(self.description, why)
        points = sample_points(theorem.parameters, theorem.pinned, self.count or settings.certify_points)
        certified, undecided, tight, worst = 0, [], [], None
        for point in points:
            _check_hypotheses(theorem.assumptions(), point)
            for prec in self.precisions:
                diff = enclose(difference, point, prec)
                if diff > 0 or (not claim.strict and diff.is_exact() and diff.is_zero()):
                    # (an exact zero ball is an exact equality, which a non-strict inequality allows)
                    certified += 1
                    lhs, rhs = enclose(claim.lhs, point, prec), enclose(claim.rhs, point, prec)
                    scale = max(abs(lhs).upper(), abs(rhs).upper())
                    slack = lower_bound(diff.lower() / scale) if scale > 0 else Fraction(0)
                    if worst is None or slack < worst[0]:
                        worst = (slack, point)
                    break
                if diff < 0:
                    return _refuted(self.description, claim, point, prec,
                                    f"ball arithmetic at {prec} bits", certified + 1)
            else:
                (tight if _is_tight(diff, claim, point, prec) else undecided).append((point, diff))
        if claim.strict:  # equality violates a strict inequality, so a tight point decides nothing
            undecided, tight = undecided + tight, []
        if undecided:
            shown = "; ".join(f"{_point_text(p)} (rhs − lhs ∈ {_show(d)})" for p, d in undecided[:5])
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE,
                                f"certified at {certified} of {len(points)} points; at {len(undecided)} "
                                f"the enclosure of rhs − lhs still contains 0 at {self.precisions[-1]} bits "
                                f"(equality cases are of this kind): {shown}", examples=certified)
        if worst is None:
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE,
                                f"no point certified; at {len(tight)} the sides agree to {self.precisions[-1]} bits")
        slack, point = worst
        equal = (f"; at {len(tight)} point(s) the two sides agree to the working precision, an equality "
                 f"case that no enclosure can certify or refute, so they are not counted: "
                 + "; ".join(_point_text(p) for p, _ in tight)) if tight else ""
        return CheckOutcome(self.description, Evidence.CERTIFIED,
                            f"certified at {certified} of {len(points)} points (boundary points and Halton "
                            f"points) with enclosures at up to {self.precisions[-1]} bits; smallest certified "
                            f"relative slack {decimal(slack, 4)} at {_point_text(point)}{equal}",
                            examples=certified, worst_slack=decimal(slack, 6),
                            worst_point={k: _exact(v) for k, v in point.items()})


def _is_tight(diff, claim, point, prec) -> bool:
    """rhs − lhs encloses 0 within 2^-(prec − 16) of the sides' size, or of 1 when both sides are
    smaller (quantities that vanish at the point, such as a root at 0, are enclosed to an absolute
    resolution): an equality case."""
    lhs, rhs = enclose(claim.lhs, point, prec), enclose(claim.rhs, point, prec)
    scale = max(abs(lhs).upper(), abs(rhs).upper(), flint.arb(1))
    return bool(abs(diff).upper() < scale * flint.arb(2) ** (16 - prec))


def _point_text(point: dict) -> str:
    return ", ".join(f"{k}={decimal(v, 8)}" for k, v in point.items())


# --- box proofs ------------------------------------------------------------------------------------

def _piece(piece) -> tuple:
    """((name, low, high), ...) with exact Fraction endpoints."""
    out = []
    for name, low, high in piece:
        lo, hi = Fraction(str(low)), Fraction(str(high))
        if not lo < hi:
            raise InputError(f"box coordinate {name}: low={low} must be below high={high}")
        out.append((str(name), lo, hi))
    return tuple(out)


def piece_text(piece) -> str:
    """A box as 'a ∈ [1/100, 99/100] × Δ ∈ [1/10, 40]' (symbol names as sympy pretty-prints them)."""
    return " × ".join(f"{_pretty(name)} ∈ [{_exact(lo)}, {_exact(hi)}]" for name, lo, hi in _piece(piece))


def _pretty(name: str) -> str:
    return sympy.pretty(sympy.Symbol(name), use_unicode=True)


def decode_box(piece, path: str) -> dict:
    """The box reached from `piece` by the bisections in `path`: character 2k+s halves coordinate k
    and keeps its lower (s = 0) or upper (s = 1) half."""
    box = {name: (lo, hi) for name, lo, hi in _piece(piece)}
    names = list(box)
    for ch in path:
        code = int(ch)
        name, upper = names[code // 2], code % 2
        lo, hi = box[name]
        mid = (lo + hi) / 2
        box[name] = (mid, hi) if upper else (lo, mid)
    return box


def _fraction_floor_text(value: Fraction, digits: int = 6) -> str:
    """A decimal string ≤ value with `digits` significant digits (a stored lower bound must stay one)."""
    if value == 0:
        return "0"
    with mpmath.workdps(digits + 30):
        exact = mpmath.mpf(value.numerator) / value.denominator
        e = int(mpmath.floor(mpmath.log10(abs(exact)))) - digits + 1
    scaled = value / Fraction(10) ** e
    floored = scaled.numerator // scaled.denominator
    return f"{floored}e{e}"


def covers(piece, paths) -> bool:
    """Whether the boxes of `paths` tile the piece exactly: no path extends another, and the
    volumes add up (each bisection halves the volume)."""
    paths = sorted(paths)
    for p, q in zip(paths, paths[1:]):
        if q.startswith(p):
            return False
    return sum(Fraction(1, 2 ** len(p)) for p in paths) == 1 if paths else False


@dataclass(frozen=True)
class BoxProof(Check):
    """Branch and bound over `region` (one or more boxes, each ((name, low, high), ...) with exact
    endpoints, inside the statement's domain). `excluded` says in words what the region leaves out
    of the domain and why (equality cases, degenerate corners); it is printed with the verdict."""
    region: tuple
    excluded: str = ""
    description: str = ""
    max_boxes: int = 4000
    prec: int = 53
    goal: int | None = None          # accuracy goal of the integrals, bits (default prec − 8)
    min_width_bits: int = 48         # boxes narrower than 2^-this of their piece are not split

    def __post_init__(self):
        object.__setattr__(self, "region", tuple(_piece(p) for p in self.region))
        if not self.region:
            raise InputError("BoxProof needs at least one box in its region")
        if not self.description:
            where = " ∪ ".join(piece_text(p) for p in self.region)
            excluded = f" (not covered: {self.excluded})" if self.excluded else ""
            object.__setattr__(self, "description", f"branch and bound with ball arithmetic on {where}{excluded}")


    def _validate(self, theorem, claim, difference):
        bounds = {p.name: p for p in theorem.parameters}
        names = {str(s) for s in difference.free_symbols}
        for piece in self.region:
            dims = {name for name, _, _ in piece}
            if dims != names:
                raise NotCertifiable(f"the box coordinates {sorted(dims)} are not the claim's free symbols "
                                     f"{sorted(names)}")
            for name, lo, hi in piece:
                p = bounds.get(name)
                if p is None:
                    raise InputError(f"{theorem.id}: box coordinate {name} is not a parameter")
                low, high = p.bounds()
                if lo < low or hi > high or (p.low_open and lo == low) or (p.high_open and hi == high):
                    raise InputError(f"{theorem.id}: box {name} ∈ [{_exact(lo)}, {_exact(hi)}] leaves the "
                                     f"parameter's domain {p.describe()}")

    def run(self, theorem, claim, settings):
        start = time.perf_counter()
        try:
            difference = _difference(claim)
            self._validate(theorem, claim, difference)
        except NotCertifiable as why:
            return _not_certifiable(self.description, why)
        result = branch_and_bound(difference, self.region, prec=self.prec, goal=self.goal,
                                  max_boxes=self.max_boxes, min_width_bits=self.min_width_bits)
        seconds = time.perf_counter() - start
        where = " ∪ ".join(piece_text(p) for p in self.region)
        excluded = f"; not covered: {self.excluded}" if self.excluded else ""
        if result.violation is not None:
            point, prec = result.violation
            return _refuted(self.description, claim, point, prec,
                            f"centre of a box in the branch and bound, ball arithmetic at {prec} bits",
                            result.evaluated)
        if result.open_boxes:
            return CheckOutcome(self.description, Evidence.INCONCLUSIVE,
                                f"{len(result.closed)} boxes closed, {len(result.open_boxes)} could not close "
                                f"within {self.max_boxes} box evaluations at {self.prec} bits "
                                f"({result.closed_fraction():.4%} of {where} certified); where they could "
                                f"not close: {result.describe_open()}{excluded}",
                                examples=result.evaluated,
                                measured={"boxes_closed": len(result.closed), "boxes_open": len(result.open_boxes),
                                          "seconds": round(seconds, 2)})
        label = "statement" if claim == theorem.claim else next(
            (m.name for m in theorem.mutants if m.claim == claim), "claim")
        certificate = {
            "format": CERTIFICATE_FORMAT, "statement": theorem.id, "claim": label,
            "content_hash": theorem.content_hash(), "prec": self.prec, "goal": self.goal,
            "region": [[[name, _exact(lo), _exact(hi)] for name, lo, hi in piece] for piece in self.region],
            "boxes": [[k, path, _fraction_floor_text(low)] for k, path, low in result.closed],
            "flint": flint.__version__,
        }
        smallest = min(low for _, _, low in result.closed)
        return CheckOutcome(
            self.description, Evidence.CERTIFIED,
            f"certified on {where} with {len(result.closed)} boxes ({result.evaluated} evaluated) at "
            f"{self.prec} bits in {seconds:.1f} s; every box's enclosure of rhs − lhs is > 0 (smallest "
            f"lower bound {float(smallest):.3g}){excluded}",
            trace=(f"region: {where}", f"boxes: {len(result.closed)} closed, precision {self.prec} bits",
                   "re-check: forgetcheck.checks.certified.recheck_certificate(<report entry>)"),
            examples=len(result.closed),
            measured={"certificate": certificate, "seconds": round(seconds, 2)})


@dataclass
class BranchAndBound:
    closed: list = field(default_factory=list)       # (piece index, path, Fraction lower bound)
    open_boxes: list = field(default_factory=list)   # (piece index, path, box, centre enclosure text)
    violation: tuple | None = None                   # (point, prec)
    evaluated: int = 0
    region: tuple = ()

    def closed_fraction(self) -> float:
        return float(sum(Fraction(1, 2 ** len(path)) for _, path, _ in self.closed) / len(self.region))

    def describe_open(self, limit: int = 6) -> str:
        """The hull of the open boxes per piece, and a few of them with their centre enclosures."""
        parts = []
        for k in sorted({k for k, _, _, _ in self.open_boxes}):
            boxes = [b for i, _, b, _ in self.open_boxes if i == k]
            hull = {name: (min(b[name][0] for b in boxes), max(b[name][1] for b in boxes)) for name in boxes[0]}
            parts.append(f"{len(boxes)} box(es) within " + " × ".join(
                f"{n} ∈ [{decimal(lo, 6)}, {decimal(hi, 6)}]" for n, (lo, hi) in hull.items()))
        examples = "; ".join(
            " × ".join(f"{n} ∈ [{decimal(lo, 6)}, {decimal(hi, 6)}]" for n, (lo, hi) in box.items())
            + f" (centre: rhs − lhs ∈ {centre})" for _, _, box, centre in self.open_boxes[:limit])
        return "; ".join(parts) + (f"; e.g. {examples}" if examples else "")


def _split_coordinate(piece, box: dict, enclosure) -> int:
    """The coordinate to halve: the one contributing most to the enclosure's width (|∂_i f| r_i),
    or without a gradient the widest relative to its piece."""
    names = list(box)
    if enclosure.contributions is not None:
        widths = [c for c in enclosure.contributions]
        best = 0
        for i in range(1, len(widths)):
            if widths[i] > widths[best]:
                best = i
        if widths[best] > 0:
            return best
    extents = {name: hi - lo for name, lo, hi in piece}
    relative = [(box[n][1] - box[n][0]) / extents[n] for n in names]
    return max(range(len(names)), key=lambda i: relative[i])


def branch_and_bound(difference, region, *, prec=53, goal=None, max_boxes=4000, min_width_bits=48) -> BranchAndBound:
    """Bisect the region's boxes breadth first (so box centres spread over the whole region early,
    which is where a false claim shows itself) until every box's enclosure of `difference` is > 0,
    a centre is certified < 0, or the budget is spent."""
    result = BranchAndBound(region=tuple(region))
    queue = deque((k, "", decode_box(piece, "")) for k, piece in enumerate(region))
    min_width = Fraction(1, 2 ** min_width_bits)
    while queue:
        if result.evaluated >= max_boxes:
            result.open_boxes.extend((k, path, box, "not evaluated: box budget spent") for k, path, box in queue)
            break
        k, path, box = queue.popleft()
        result.evaluated += 1
        enclosure = enclose_box(difference, box, prec, goal)
        if enclosure.value > 0:
            result.closed.append((k, path, lower_bound(enclosure.value)))
            continue
        centre = {name: (lo + hi) / 2 for name, (lo, hi) in box.items()}
        if enclosure.centre < 0:
            result.violation = (centre, prec)
            return result
        if not enclosure.centre > 0:  # the centre alone is undecided: retry it at higher precision
            for higher in POINT_PRECISIONS[1:]:
                value = enclose(difference, centre, higher)
                if value < 0:
                    result.violation = (centre, higher)
                    return result
                if value > 0:
                    break
        piece = region[k]
        extents = {name: hi - lo for name, lo, hi in piece}
        if all(box[n][1] - box[n][0] <= extents[n] * min_width for n in box):
            result.open_boxes.append((k, path, box, _show(enclosure.centre)))
            continue
        i = _split_coordinate(piece, box, enclosure)
        name = list(box)[i]
        if box[name][1] - box[name][0] <= extents[name] * min_width:  # that one is spent: widest other
            i = max(range(len(box)), key=lambda j: (box[list(box)[j]][1] - box[list(box)[j]][0]) / extents[list(box)[j]])
        for side in (0, 1):
            child = path + str(2 * i + side)
            queue.append((k, child, decode_box(piece, child)))
    return result


# --- re-checking a stored certificate --------------------------------------------------------------

@dataclass
class Recheck:
    ok: bool
    statement: str
    boxes: int = 0
    failures: list = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.ok:
            return f"{self.statement}: {self.boxes} boxes re-verified in {self.seconds:.1f} s"
        return f"{self.statement}: certificate NOT re-verified: " + "; ".join(self.failures[:5])


def certificates_in(entry: dict) -> list:
    """The stored box certificates of a statement's report entry (StatementReport.to_json())."""
    return [c["measured"]["certificate"] for c in entry.get("checks", [])
            if isinstance(c.get("measured"), dict) and "certificate" in c["measured"]]


def recheck_certificate(report_json_entry: dict, registry=None) -> Recheck:
    """Re-verify every box certificate of one statement's report entry from the JSON alone: the
    statement is rebuilt by id from the catalog (its content hash must match the certificate's),
    the boxes must tile the stored region exactly, and each box's enclosure of rhs − lhs,
    recomputed at the stored precision, must be > 0 and at least the stored lower bound."""
    from forgetcheck.statements.registry import load_catalog
    start = time.perf_counter()
    entry = report_json_entry
    statement = entry.get("id", "?")
    certificates = certificates_in(entry)
    if not certificates:
        return Recheck(False, statement, failures=["the entry holds no box certificate"])
    registry = registry or load_catalog()
    theorem = registry[statement]
    failures, count = [], 0
    for cert in certificates:
        if cert.get("format") != CERTIFICATE_FORMAT:
            failures.append(f"unknown certificate format {cert.get('format')!r}")
            continue
        if cert["content_hash"] != theorem.content_hash():
            failures.append(f"the statement changed since the certificate (hash {cert['content_hash']}, "
                            f"now {theorem.content_hash()})")
            continue
        claim = theorem.claim if cert["claim"] == "statement" else next(
            (m.claim for m in theorem.mutants if m.name == cert["claim"]), None)
        if claim is None:
            failures.append(f"no claim named {cert['claim']!r} in {statement}")
            continue
        difference = _difference(claim)
        region = [_piece(tuple(tuple(c) for c in piece)) for piece in cert["region"]]
        for k, piece in enumerate(region):
            paths = [path for i, path, _ in cert["boxes"] if i == k]
            if not covers(piece, paths):
                failures.append(f"the boxes do not tile {piece_text(piece)} exactly")
        for k, path, stored in cert["boxes"]:
            if not 0 <= k < len(region) or any(ch not in "0123456789" or int(ch) // 2 >= len(region[k])
                                               for ch in path):
                failures.append(f"malformed box ({k}, {path!r})")
                continue
            box = decode_box(region[k], path)
            value = enclose_box(difference, box, cert["prec"], cert.get("goal")).value
            count += 1
            if not value > 0:
                failures.append(f"box {_box_text(box)}: rhs − lhs ∈ {_show(value)} is not > 0")
            elif lower_bound(value) < _parse_stored(stored):
                failures.append(f"box {_box_text(box)}: recomputed lower bound {_show(value)} is below the "
                                f"stored {stored}")
    return Recheck(not failures, statement, count, failures, time.perf_counter() - start)


def _parse_stored(text: str) -> Fraction:
    mantissa, _, exponent = text.partition("e")
    return Fraction(int(mantissa)) * Fraction(10) ** int(exponent or 0)


def _box_text(box: dict) -> str:
    return " × ".join(f"{n} ∈ [{_exact(lo)}, {_exact(hi)}]" for n, (lo, hi) in box.items())


def recheck_report(report: dict, ids=None, registry=None) -> list:
    """recheck_certificate for every statement of a `forgetcheck verify --json` report that holds
    a box certificate (or only for `ids`)."""
    from forgetcheck.statements.registry import load_catalog
    registry = registry or load_catalog()
    entries = [e for e in report.get("statements", []) if certificates_in(e) and (not ids or e["id"] in ids)]
    return [recheck_certificate(e, registry) for e in entries]
