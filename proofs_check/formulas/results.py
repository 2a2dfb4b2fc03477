"""What a formula check returns: points, verdicts on one claim, claims-file tables.

:class:`PointCheck` holds both sides of a claim at one point, :class:`VerifyResult`
the verdict on one claim with its evidence, :class:`ClaimsReport` the results of a
claims file.  :class:`Outcome` is what a quantity's verifier hands back to
:func:`proofs_check.formulas.verify` before it becomes a :class:`VerifyResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The verdicts on a claim (see :mod:`proofs_check.formulas`).
VERDICTS = ("proved", "refuted", "agrees-numerically")
#: Digits of agreement required by default.
DEFAULT_DPS = 30


def format_point(point: Mapping[str, str]) -> str:
    """``"n = 5, rho = 1/3"`` (or ``"(no variables)"`` for an empty point)."""
    return ", ".join(f"{k} = {v}" for k, v in point.items()) or "(no variables)"


@dataclass(frozen=True)
class PointCheck:
    """Both sides at one point: exact point values, decimals and enclosures.

    Attributes
    ----------
    point
        The exact values of the variables, as text.
    claimed, reference
        Decimal values of the claim and of the reference (a set ``{...}`` when
        the claim may equal any of several references).
    claimed_enclosure, reference_enclosures
        The ``mpmath.iv`` enclosures, as pairs of decimal end points.
    status
        ``"agrees"``, ``"differs"`` (enclosures disjoint), ``"undecided"`` or
        ``"undefined"`` (a side is not real at the point).
    """

    point: dict[str, str]
    claimed: str
    reference: str
    claimed_enclosure: tuple[str, str] | None = None
    reference_enclosures: tuple[tuple[str, str], ...] = ()
    status: str = "agrees"  # "agrees", "differs", "undecided", "undefined"

    def to_json(self) -> dict[str, Any]:
        return {
            "point": dict(self.point),
            "claimed": self.claimed,
            "reference": self.reference,
            "claimed_enclosure": None if self.claimed_enclosure is None
            else list(self.claimed_enclosure),
            "reference_enclosures": [list(x) for x in self.reference_enclosures],
            "status": self.status,
        }

    def labelled(self, key: str, value: str) -> PointCheck:
        """The same check with ``key = value`` added to its point (e.g. the parameter)."""
        return PointCheck({**self.point, key: value}, self.claimed, self.reference,
                          self.claimed_enclosure, self.reference_enclosures, self.status)


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on one claim, with its evidence.

    Attributes
    ----------
    verdict
        One of :data:`VERDICTS`.
    evidence
        One line: the proof chain, the counterexample, or the digits and points.
    chain
        The SymPy rewrites that reduced ``claim - reference`` to 0 (``proved``).
    counterexample
        The refuting point (``refuted``).
    checks
        Every numeric point evaluated.
    """

    quantity: str
    claim: str
    verdict: str
    evidence: str
    reference: str | None = None
    name: str | None = None
    chain: list[str] = field(default_factory=list)
    counterexample: PointCheck | None = None
    checks: list[PointCheck] = field(default_factory=list)
    dps: int = DEFAULT_DPS
    context: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 for a refuted claim, else 0."""
        return 1 if self.verdict == "refuted" else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity,
            "claim": self.claim,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "reference": self.reference,
            "chain": list(self.chain),
            "counterexample": None if self.counterexample is None
            else self.counterexample.to_json(),
            "checks": [c.to_json() for c in self.checks],
            "dps": self.dps,
            "context": dict(self.context),
        }

    def to_text(self) -> str:
        head = f"{self.name}: " if self.name else ""
        lines = [f"{head}{self.quantity} claim {self.claim}",
                 f"verdict: {self.verdict}", f"evidence: {self.evidence}"]
        if self.context:
            lines.append("context: " + ", ".join(f"{k}={v}" for k, v in self.context.items()))
        if self.reference is not None:
            lines.append(f"reference: {self.reference}")
        if self.chain:
            lines.append("proof chain: " + " -> ".join(self.chain))
        if self.counterexample is not None:
            c = self.counterexample
            lines.append("counterexample at " + format_point(c.point))
            lines.append(f"  claimed   = {c.claimed}  in {list(c.claimed_enclosure or ())}")
            shown = " or ".join(f"[{a}, {b}]" for a, b in c.reference_enclosures)
            lines.append(f"  reference = {c.reference}  in {shown}")
        elif self.checks and self.verdict != "proved":
            lines.append(f"checked at {len(self.checks)} points:")
            for c in self.checks:
                lines.append(f"  {format_point(c.point)}: claimed {c.claimed}, "
                             f"reference {c.reference} ({c.status})")
        return "\n".join(lines)


@dataclass(frozen=True)
class ClaimsReport:
    """The results of a claims file: a table, exit status 1 if any claim is refuted."""

    path: str
    results: list[VerifyResult]

    @property
    def exit_code(self) -> int:
        return 1 if any(r.verdict == "refuted" for r in self.results) else 0

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "refuted": sum(r.verdict == "refuted" for r in self.results),
                "claims": [r.to_json() for r in self.results]}

    def to_text(self) -> str:
        rows = [(r.name or "-", r.verdict, r.evidence) for r in self.results]
        w0 = max([len("claim")] + [len(r[0]) for r in rows])
        w1 = max([len("verdict")] + [len(r[1]) for r in rows])
        lines = [f"{'claim'.ljust(w0)}  {'verdict'.ljust(w1)}  evidence",
                 f"{'-' * w0}  {'-' * w1}  {'-' * 8}"]
        lines += [f"{a.ljust(w0)}  {b.ljust(w1)}  {c}" for a, b, c in rows]
        refuted = sum(r.verdict == "refuted" for r in self.results)
        lines.append(f"{len(rows)} claims, {refuted} refuted")
        return "\n".join(lines)


@dataclass
class Outcome:
    """What a quantity's verifier found, before it becomes a :class:`VerifyResult`.

    Attributes
    ----------
    verdict
        ``"proved"`` (``chain`` holds the proof) or ``"numeric"`` (``checks`` and
        ``counter`` decide between ``refuted`` and ``agrees-numerically``).
    reference
        The reference as text (``None`` for a numeric reference).
    note
        Text put into the evidence line; a note ending in ``"multiplicity"`` is
        a prefix (``"eigenvalue proved; multiplicity: ..."``), any other a suffix.
    joiner
        How the steps of ``chain`` are joined in the evidence line.
    """

    verdict: str  # "proved" or "numeric"
    chain: list[str] | None = None
    reference: str | None = None
    checks: list[PointCheck] = field(default_factory=list)
    counter: PointCheck | None = None
    context: dict[str, str] = field(default_factory=dict)
    note: str = ""
    joiner: str = " -> "


__all__ = ["DEFAULT_DPS", "VERDICTS", "ClaimsReport", "Outcome", "PointCheck", "VerifyResult",
           "format_point"]
