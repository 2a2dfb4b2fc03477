"""Comparing a claim with its reference at points: interval enclosures, then a verdict.

At each point both sides are enclosed (:func:`proofs_check.formulas.enclosure.enclose`)
at ``dps + GUARD`` digits, and again at ``2 (dps + GUARD)`` when undecided.  With
``D = claim - reference`` (intervals):

* ``differs`` when ``0`` is outside ``D`` (the enclosures are disjoint);
* ``agrees`` when ``max |D| <= 10^-dps max(1, |reference|)``;
* ``undecided`` otherwise, ``undefined`` where a side is not real.

A reference may offer several candidates (e.g. the eigenvalues of a spectrum);
the claim agrees when it agrees with one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import sympy as sp

from proofs_check.formulas.enclosure import (
    GUARD,
    IvPrecision,
    NotReal,
    Unsupported,
    enclose,
    interval_text,
    midpoint,
)
from proofs_check.formulas.results import PointCheck, format_point
from theory.errors import ExpressionError, InvalidInputError, NotClosedFormError

#: A reference evaluator: exact point -> list of candidate enclosures (a claim
#: agrees when it agrees with one of them), or raises NotReal / Unsupported.
Reference = Callable[[dict[sp.Symbol, sp.Rational]], list[Any]]


def compare(claim: sp.Expr, reference: Reference, points: list[dict[sp.Symbol, sp.Rational]],
            dps: int) -> tuple[list[PointCheck], PointCheck | None]:
    """Evaluate both sides at every point; stop at the first certified difference.

    Returns
    -------
    tuple
        The checks made, and the refuting check (``None`` when no point differs).
    """
    checks: list[PointCheck] = []
    for point in points:
        check = None
        for digits in (dps + GUARD, 2 * dps + 2 * GUARD):
            check = _compare_at(claim, reference, point, dps, digits)
            if check.status != "undecided":
                break
        assert check is not None
        checks.append(check)
        if check.status == "differs":
            return checks, check
    return checks, None


def _compare_at(claim: sp.Expr, reference: Reference, point: dict, dps: int,
                digits: int) -> PointCheck:
    shown = {str(k): str(v) for k, v in point.items()}
    with IvPrecision(digits):
        try:
            refs = reference(point)
        except NotReal:
            return PointCheck(shown, "-", "undefined", status="undefined")
        except Unsupported as exc:
            raise NotClosedFormError(f"the reference value cannot be enclosed ({exc}), so "
                                     "this claim has no numeric check") from None
        try:
            value = enclose(claim, point)
        except NotReal:
            return PointCheck(shown, "undefined", _fmt_refs(refs, dps), status="undefined")
        except Unsupported as exc:
            raise ExpressionError(f"claim: {exc}") from None
        tol = mpmath.mpf(10) ** (-dps)
        best, status = refs[0], "differs"
        for ref in refs:
            diff = value - ref
            scale = max(mpmath.mpf(1), abs(midpoint(ref)))
            if diff.a > 0 or diff.b < 0:
                continue
            if max(abs(diff.a), abs(diff.b)) <= tol * scale:
                best, status = ref, "agrees"
                break
            best, status = ref, "undecided"
        out = 12 if status == "differs" else dps
        kept = refs if status == "differs" else [best]
        return PointCheck(shown, mpmath.nstr(midpoint(value), out), _fmt_refs(kept, out),
                          interval_text(value, out + 5),
                          tuple(interval_text(r, out + 5) for r in kept), status)


def _fmt_refs(refs: list[Any], digits: int) -> str:
    texts = [mpmath.nstr(midpoint(r), digits) for r in refs]
    return texts[0] if len(texts) == 1 else "{" + ", ".join(texts) + "}"


def symbolic_reference(exprs: Sequence[sp.Expr]) -> Reference:
    """The reference whose candidates are the enclosures of ``exprs`` (those real at
    the point; :class:`NotReal` when none is)."""
    def evaluate(point: dict) -> list[Any]:
        out = []
        for e in exprs:
            try:
                out.append(enclose(e, point))
            except NotReal:
                continue
        if not out:
            raise NotReal
        return out
    return evaluate


def verdict_from_checks(claim: str, checks: list[PointCheck], counter: PointCheck | None,
                        dps: int) -> tuple[str, str]:
    """``("refuted" | "agrees-numerically", evidence)`` from the checks of :func:`compare`.

    Raises
    ------
    InvalidInputError
        When no point could be compared (both sides defined and decided).
    """
    if counter is not None:
        return "refuted", (f"at {format_point(counter.point)}: claimed {counter.claimed} "
                           f"!= reference {counter.reference} (interval enclosures disjoint)")
    agreed = [c for c in checks if c.status == "agrees"]
    if not agreed:
        raise InvalidInputError(f"claim {claim!r}: no point where both sides are defined and "
                                "could be compared")
    extra = ""
    skipped = len(checks) - len(agreed)
    if skipped:
        extra = f" ({skipped} points undefined or undecided)"
    return "agrees-numerically", (f"no proof found; agrees to {dps} digits at {len(agreed)} "
                                  f"points{extra}")


__all__ = ["Reference", "compare", "symbolic_reference", "verdict_from_checks"]
