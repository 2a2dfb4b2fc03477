"""The verdict vocabulary: checks, their kinds and regimes, and how they combine.

A claim is decided by :class:`Check` objects.  Each check has

* a ``kind``: ``symbolic`` (SymPy identity), ``interval`` (rigorous ball
  arithmetic), ``numeric`` (floating point / mpmath with an error estimate),
  ``simulation`` (finite-width Monte Carlo, with confidence intervals) or
  ``literature`` (a number from a cited paper compared with ours);
* a ``regime``: ``mean-field`` (the infinite-width map ``F_hat``) or
  ``finite-width`` (networks of width ``d``);
* ``passed``: ``True`` (the claim, in the precise version stated, holds for
  this piece of evidence), ``False`` (it fails) or ``None`` (the evidence does
  not decide, e.g. a confidence interval that straddles the threshold);
* ``decisive``: whether it enters the verdict (``False`` for context: numbers
  reported beside the verdict, such as the width dependence of a rate).

:func:`combine` turns the decisive checks into one of four verdicts:

``confirmed``
    every regime with decisive evidence holds;
``refuted``
    every regime with decisive evidence fails;
``regime-dependent``
    one regime holds and the other fails (the explanation says which);
``inconclusive``
    a regime is undecided or its checks disagree (the explanation says what
    would decide).

Per regime: the decisive checks with ``passed`` not ``None`` are *decided*.  A
regime *holds* when it has decided checks, all passed, and no undecided one;
*fails* when all its decided checks failed (undecided ones do not rescue it);
is *mixed* when decided checks disagree; is *undecided* when it has decisive
checks but none decided, or when it holds except for undecided ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

KINDS = ("symbolic", "interval", "numeric", "simulation", "literature")
REGIMES = ("mean-field", "finite-width")
VERDICTS = ("confirmed", "refuted", "regime-dependent", "inconclusive")


def plain_json(x: Any) -> Any:
    """Plain JSON values (floats kept, non-finite floats as strings, numpy unwrapped)."""
    if isinstance(x, dict):
        return {str(k): plain_json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain_json(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str | int):
        return x
    if hasattr(x, "tolist"):
        return plain_json(x.tolist())
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f if math.isfinite(f) else str(f)


@dataclass
class Check:
    """One piece of evidence for or against a claim (see the module docstring)."""

    kind: str
    regime: str
    passed: bool | None
    detail: str
    evidence: dict = field(default_factory=dict)
    decisive: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"check kind must be one of {KINDS}, got {self.kind!r}")
        if self.regime not in REGIMES:
            raise ValueError(f"check regime must be one of {REGIMES}, got {self.regime!r}")
        if self.passed is not None:
            self.passed = bool(self.passed)
        self.detail = " ".join(str(self.detail).split())

    def to_json(self) -> dict:
        return {"kind": self.kind, "regime": self.regime, "passed": self.passed,
                "detail": self.detail, "evidence": plain_json(self.evidence),
                "decisive": self.decisive}


def regime_status(checks: list[Check], regime: str) -> str | None:
    """``holds``, ``fails``, ``mixed``, ``undecided`` or ``None`` (no decisive check)."""
    mine = [c for c in checks if c.decisive and c.regime == regime]
    if not mine:
        return None
    decided = [c.passed for c in mine if c.passed is not None]
    undecided = len(mine) - len(decided)
    if not decided:
        return "undecided"
    if all(decided):
        return "holds" if undecided == 0 else "undecided"
    if not any(decided):
        return "fails"
    return "mixed"


def combine(checks: list[Check]) -> tuple[str, str]:
    """The verdict of a list of checks and a one-paragraph explanation."""
    status = {r: regime_status(checks, r) for r in REGIMES}
    present = {r: s for r, s in status.items() if s is not None}
    if not present:
        return "inconclusive", "no decisive check was run; run the claim's checks to decide"
    text = "; ".join(f"{r}: {s}" for r, s in present.items())
    values = set(present.values())
    if values == {"holds"}:
        return "confirmed", f"every decisive check passed ({text})"
    if values == {"fails"}:
        return "refuted", f"every decisive check failed ({text})"
    if values == {"holds", "fails"}:
        good = next(r for r, s in present.items() if s == "holds")
        bad = next(r for r, s in present.items() if s == "fails")
        return "regime-dependent", f"holds in the {good} regime, fails in the {bad} regime"
    todo = []
    for r, s in present.items():
        if s == "undecided":
            names = [c.detail for c in checks if c.decisive and c.regime == r
                     and c.passed is None]
            todo.append(f"{r}: decide " + "; ".join(names[:3])
                        + " (more trials / larger depth or precision)")
        elif s == "mixed":
            todo.append(f"{r}: the decisive checks disagree; a sharper statement of the "
                        "claim or a finer grid would decide")
    return "inconclusive", f"{text}. What would decide: " + " | ".join(todo)


@dataclass
class ClaimResult:
    """A claim's statement, source, checks and verdict, plus the parameters of its runs."""

    id: str
    statement: str
    source: str
    precise: str
    checks: list[Check]
    runs: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    seconds: float = 0.0
    verdict: str = ""
    explanation: str = ""

    def __post_init__(self) -> None:
        if not self.verdict:
            self.verdict, self.explanation = combine(self.checks)

    def to_json(self) -> dict:
        return {"id": self.id, "statement": self.statement, "source": self.source,
                "precise_version_checked": self.precise, "verdict": self.verdict,
                "explanation": self.explanation,
                "checks": [c.to_json() for c in self.checks],
                "seconds": round(self.seconds, 2)}

    def to_text(self) -> str:
        lines = [f"[{self.verdict}] {self.id}: {self.statement}",
                 f"    source: {self.source}",
                 f"    checked: {self.precise}",
                 f"    why: {self.explanation}"]
        for c in self.checks:
            mark = {True: "pass", False: "FAIL", None: " ?? "}[c.passed]
            ctx = "" if c.decisive else " (context)"
            lines.append(f"    - {mark} {c.kind}/{c.regime}{ctx}: {c.detail}")
        return "\n".join(lines)


__all__ = ["KINDS", "REGIMES", "VERDICTS", "Check", "ClaimResult", "combine", "regime_status"]
