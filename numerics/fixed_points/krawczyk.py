r"""All zeros of a map ``r: R^d -> R^d`` in a box, by branch and bound with the Krawczyk test.

Rigorous (python-flint ``arb`` balls).  The caller supplies ``residual(X, jac)``
returning enclosures of ``r(X)`` and, when ``jac`` is true, of its Jacobian
``J(X)`` over the box ``X`` (``None`` where it is unbounded).  Boxes are dyadic
sub-boxes of the unit cube ``[0, 1]^d``, with exact ``Fraction`` corners.

For a box ``X`` (midpoint ``x~``) and a preconditioner ``Y ~ J(x~)^-1``:

* **exclusion**: if some component of the enclosure of ``r(X)`` excludes 0,
  ``X`` holds no zero;
* **Krawczyk operator** ``K(X) = x~ - Y r(x~) + (I - Y J(X)) (X - x~)``: every
  zero in ``X`` lies in ``K(X)`` (mean value theorem), so ``K(X) ∩ X = ∅``
  excludes ``X``; ``K(X) ⊂ int X`` proves that ``X`` holds exactly one zero
  (Krawczyk 1969; Moore 1977), which is then refined by iterating
  ``X <- K(X) ∩ X`` (quadratic convergence) to the requested width;
* **injectivity**: if ``||I - Y J(X)||_inf < 1`` then every matrix of ``J(X)`` is
  invertible, and since ``r(x) - r(y) = A (x - y)`` with the rows of ``A`` in
  ``J(X)`` (mean value theorem on the convex set ``X``), ``r`` is injective on
  ``X``: a box known to hold one zero (a ``known`` neighbourhood, e.g. of a
  degenerate fixed point on an invariant face) holds no other.

The map is only needed on the *feasible* part of the box (``feasible(X)``:
``"in"``, ``"out"`` or ``"straddle"``): infeasible boxes are dropped, straddling
boxes are only excluded or bisected (the Krawczyk test needs ``r`` and ``J`` on all
of ``X``).  Boxes still undecided at ``max_depth`` are returned as unresolved:
the search is complete exactly when that list is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import ArbOps, arb_to_mpf, flint

__all__ = [
    "Box",
    "box_balls",
    "exact_ball",
    "find_zeros",
    "injective_neighbourhood",
    "krawczyk",
    "refine",
    "SearchOutcome",
    "Zero",
]

Box = tuple[tuple[Fraction, Fraction], ...]


def _arb():
    return flint.arb


#: The ball of a fraction (exact when dyadic, else rounded outward).
exact_ball = ArbOps.const


def box_balls(box: Box) -> list[Any]:
    """Balls enclosing each side ``[lo, hi]`` of ``box``."""
    return [exact_ball(lo).union(exact_ball(hi)) if lo != hi else exact_ball(lo)
            for lo, hi in box]


@dataclass
class Zero:
    """A proven zero: its enclosure (balls), the box it was proven in, and how."""

    enclosure: list[Any]
    box: Box
    proof: str


@dataclass
class SearchOutcome:
    zeros: list[Zero]
    unresolved: list[Box]
    boxes: int


def _inverse_mid(J: Sequence[Sequence[Any]], dps: int) -> list[list[Any]] | None:
    """A floating preconditioner ``Y ~ mid(J)^-1`` as exact balls (``None`` if singular)."""
    d = len(J)
    if not all(x.is_finite() for row in J for x in row):
        return None
    with mpmath.workdps(dps + 10):
        M = mpmath.matrix(d, d)
        for i in range(d):
            for j in range(d):
                M[i, j] = arb_to_mpf(J[i][j])
        try:
            Y = M ** -1
        except (ZeroDivisionError, TypeError):
            # (mpmath's LU raises TypeError when a whole pivot column is 0: singular)
            return None
        arb = _arb()
        return [[arb(mpmath.nstr(Y[i, j], dps + 5)) for j in range(d)] for i in range(d)]


def _contraction(Y, J) -> tuple[list[list[Any]], Any]:
    """``C = I - Y J`` and an upper bound of ``||C||_inf``."""
    arb = _arb()
    d = len(J)
    C = [[(arb(1) if i == j else arb(0)) - sum((Y[i][k] * J[k][j] for k in range(d)), arb(0))
          for j in range(d)] for i in range(d)]
    norm = max(sum((abs(C[i][j]) for j in range(d)), arb(0)).upper() for i in range(d))
    return C, norm


def _preconditioned(residual: Callable, X: list[Any], dps: int) -> tuple | None:
    """``(Y, I - Y J(X), ||I - Y J(X)||)`` (``None`` when ``J`` is unavailable)."""
    _, J = residual(X, True)
    if J is None or not all(v.is_finite() for row in J for v in row):
        return None
    Y = _inverse_mid(J, dps)
    if Y is None:
        return None
    C, norm = _contraction(Y, J)
    return Y, C, norm


def krawczyk(residual: Callable, X: list[Any], dps: int) -> tuple[list[Any], Any] | None:
    """``K(X)`` and ``||I - Y J(X)||`` for balls ``X`` (``None`` when ``J`` is unavailable)."""
    pre = _preconditioned(residual, X, dps)
    if pre is None:
        return None
    Y, C, norm = pre
    mid = [x.mid() for x in X]
    rm, _ = residual(mid, False)
    d = len(X)
    K = []
    for i in range(d):
        k = mid[i] - sum((Y[i][j] * rm[j] for j in range(d)), _arb()(0))
        k = k + sum((C[i][j] * (X[j] - mid[j]) for j in range(d)), _arb()(0))
        K.append(k)
    return K, norm


def _inside(K: Sequence[Any], box: Box) -> bool:
    return all(k.is_finite() and k > exact_ball(lo) and k < exact_ball(hi)
               for k, (lo, hi) in zip(K, box, strict=True))


def _disjoint(K: Sequence[Any], box: Box) -> bool:
    return any(k.is_finite() and (k < exact_ball(lo) or k > exact_ball(hi))
               for k, (lo, hi) in zip(K, box, strict=True))


def _within(box: Box, outer: Box) -> bool:
    return all(olo <= lo and hi <= ohi for (lo, hi), (olo, ohi) in zip(box, outer, strict=True))


def _meets(box: Box, other: Box) -> bool:
    return all(lo <= ohi and olo <= hi for (lo, hi), (olo, ohi) in zip(box, other, strict=True))


def _bisect(box: Box) -> list[Box]:
    k = max(range(len(box)), key=lambda i: box[i][1] - box[i][0])
    lo, hi = box[k]
    m = (lo + hi) / 2
    left = list(box)
    right = list(box)
    left[k], right[k] = (lo, m), (m, hi)
    return [tuple(left), tuple(right)]


def refine(residual: Callable, X: list[Any], dps: int, steps: int = 60) -> list[Any]:
    """Iterate ``X <- K(X) ∩ X`` until every radius is below ``10^-(dps+2)`` or it stalls."""
    target = mpmath.mpf(10) ** (-(dps + 2))
    for _ in range(steps):
        out = krawczyk(residual, X, dps)
        if out is None:
            break
        K, _ = out
        new = []
        for k, x in zip(K, X, strict=True):
            try:
                new.append(k.intersection(x))
            except ValueError:  # pragma: no cover - K ∩ X = ∅ cannot happen for a zero
                return X
        done = all(mpmath.mpf(x.rad().str(5, radius=False)) < target for x in new)
        stalled = all(n.rad() >= x.rad() for n, x in zip(new, X, strict=True))
        X = new
        if done or stalled:
            break
    return X


def find_zeros(residual: Callable, dim: int, *, dps: int,
               feasible: Callable[[Box], str] | None = None,
               known: Sequence[Box] = (), max_depth: int = 30,
               max_boxes: int = 200000, inflate_depth: int = 8,
               extra_depth: int = 24) -> SearchOutcome:
    """All zeros of ``residual`` in ``[0, 1]^dim`` (module docstring).

    Parameters
    ----------
    residual
        ``residual(balls, jac) -> (r, J)``: enclosures over the box of the balls.
    feasible
        ``"in"``, ``"out"`` or ``"straddle"`` for a box (default: all ``"in"``).
    known
        Boxes, each proven (by the caller, :func:`injective_neighbourhood`) to hold
        exactly one zero that is reported elsewhere: boxes inside them are dropped.
    """
    feasible = feasible or (lambda box: "in")
    known = list(known)
    stack: list[tuple[Box, int]] = [(tuple((Fraction(0), Fraction(1)) for _ in range(dim)), 0)]
    zeros: list[Zero] = []
    unresolved: list[Box] = []
    boxes = 0
    while stack:
        box, depth = stack.pop()
        boxes += 1
        where = feasible(box)
        if where == "out" or any(_within(box, kb) for kb in known):
            continue
        X = box_balls(box)
        r, _ = residual(X, False)
        if any(v.is_finite() and not v.contains(0) for v in r):
            continue
        if where == "in":
            out = krawczyk(residual, X, dps)
            if out is not None:
                K, _norm = out
                if _disjoint(K, box):
                    continue
                if _inside(K, box):
                    _record(zeros, known, residual, K, box, dps)
                    continue
            if depth >= inflate_depth:
                # a zero on the boundary of dyadic boxes (a rational point such as
                # t = 3/4) is never inside one: prove it on the box inflated by half
                # its width, and drop the boxes inside that one afterwards
                wide = _inflate(box)
                if feasible(wide) == "in":
                    out = krawczyk(residual, box_balls(wide), dps)
                    if out is not None and _inside(out[0], wide):
                        _record(zeros, known, residual, out[0], wide, dps)
                        if _within(box, wide):
                            continue
        # next to a known zero the injective neighbourhood may be finer than
        # max_depth: bisect on (a bounded number of extra levels) until boxes fit in it
        limit = max_depth + (extra_depth if any(_meets(box, kb) for kb in known) else 0)
        if depth >= limit or boxes > max_boxes:
            unresolved.append(box)
            continue
        stack += [(b, depth + 1) for b in _bisect(box)]
    return SearchOutcome(zeros, unresolved, boxes)


def _inflate(box: Box) -> Box:
    """``box`` widened by half its width on every side, clipped to ``[0, 1]``."""
    out = []
    for lo, hi in box:
        w = (hi - lo) / 2
        out.append((max(Fraction(0), lo - w), min(Fraction(1), hi + w)))
    return tuple(out)


def _ball_within(enc: Sequence[Any], box: Box) -> bool:
    return all(x.lower() >= exact_ball(lo) and x.upper() <= exact_ball(hi)
               for x, (lo, hi) in zip(enc, box, strict=True))


def _record(zeros: list[Zero], known: list[Box], residual: Callable, K: list[Any], box: Box,
            dps: int) -> None:
    """Refine and record the unique zero proven in ``box`` unless it is one already found
    (its enclosure inside the box of an earlier zero, which is unique there)."""
    enc = refine(residual, K, dps)
    known.append(box)
    if any(_ball_within(enc, z.box) or _ball_within(z.enclosure, box) for z in zeros):
        return
    zeros.append(Zero(enc, box, "Krawczyk: K(X) inside the interior of X "
                      f"= {_fmt_box(box)} (existence and uniqueness)"))


def injective_neighbourhood(residual: Callable, enclosure: Sequence[tuple[Fraction, Fraction]],
                            *, dps: int, feasible: Callable[[Box], str] | None = None,
                            levels: Sequence[int] = (3, 4, 6, 8, 10, 12, 16, 20),
                            straddle_ok: bool = False) -> Box | None:
    """A dyadic box of ``[0, 1]^d`` containing ``enclosure`` on which ``r`` is injective.

    The box is ``[floor(lo/h) h, ceil(hi/h) h]`` per axis with ``h = 2^-L`` (a union
    of dyadic cells of level ``L``), so the bisection of :func:`find_zeros` reaches
    boxes that lie inside it or outside it; an end on a grid line moves out by one
    cell (clipped to ``[0, 1]``), so the enclosure never touches a cell outside.
    Returns the box of the first level ``L`` that is feasible and passes
    ``||I - Y J(X)|| < 1``, else ``None``.
    ``straddle_ok``: also boxes that straddle the feasible region, when ``residual``
    encloses ``r`` and ``J`` over the feasible part only (the mean value argument
    needs a convex set: ``X`` intersected with a convex feasible region is one); then
    ``r`` is injective on that part, which is all :func:`find_zeros` searches.
    """
    feasible = feasible or (lambda box: "in")
    for level in levels:
        h = Fraction(1, 2 ** level)
        box = []
        for lo, hi in enclosure:
            # the enclosure strictly inside (relative to [0, 1]): a zero on a grid line
            # (an exact zero at a dyadic point) would otherwise touch the neighbouring
            # cells, which the bisection could then neither exclude nor prove
            a, b = (lo / h).__floor__() * h, (hi / h).__ceil__() * h
            a, b = a - h if a == lo else a, b + h if b == hi else b
            box.append((max(Fraction(0), a), min(Fraction(1), b)))
        box_t = tuple(box)
        where = feasible(box_t)
        if where == "out" or (where == "straddle" and not straddle_ok):
            continue
        pre = _preconditioned(residual, box_balls(box_t), dps)  # (no midpoint needed)
        if pre is not None and pre[2] < 1:
            return box_t
    return None


def _fmt_box(box: Box) -> str:
    return " x ".join(f"[{float(lo):.6g}, {float(hi):.6g}]" for lo, hi in box)
