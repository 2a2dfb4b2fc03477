r"""Fixed points of layers without RC whose shape map acts entry by entry.

For degree-0 activations (step, sign; with or without RS) and for erf (layer ``nl``)
the kernel ``V`` of docs/theory.md section 2 has the form

    V_ii = v(G_ii),    V_ij = V_ii-and-V_jj-scaled function of the correlation c_ij,

with ``v(0) = 0`` (a point at the origin stays there: ``phi(0) = 0``) and ``v(x) / x``
strictly decreasing on ``x > 0`` (degree 0: ``v = const * 1{x > 0}``; erf:
``v(x) = (2/pi) arcsin(2 sigma x / (1 + 2 sigma x))``, concave, see
:mod:`numerics.fixed_points.arcsine`).  Then a fixed point of ``F_hat = n V / tr V`` has

* **diagonal** ``n / k`` on its support (the ``k`` points not at the origin) and 0
  elsewhere: ``G_ii = n v(G_ii) / sum_k v(G_kk)`` gives ``v(G_ii) / G_ii = tr V / n``
  for every ``G_ii > 0``, and ``v(x) / x`` is injective; conversely every such diagonal
  is fixed;
* **correlations** on the support that are fixed points of the correlation map at that
  diagonal, ``kappa_d(c) = V_ij / V_ii`` (it depends on ``d = n / k`` for erf, not for
  degree 0); the module of the activation finds them with proof.

On a family the support is a union of cells (its points share a norm), so the fixed
points of the family are, for every non-empty union of cells: the members with that
support, diagonal ``n / k``, and correlations inside each cell of two points or more
and between the two cells in the fixed set ``Z(d)``, kept when positive semi-definite
-- decided exactly when the correlations are rational (``-1, 0, 1``), by enclosures
otherwise.  A cell at the origin is reported with norm 0, within correlation 1 (its
points are equal) and cross correlation 0; such members are rank deficient
(degenerate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, product
from typing import Any

import mpmath

from numerics.arith import ArbOps, arb_to_mpf

__all__ = [
    "correlation_choices",
    "Entry",
    "Member",
    "members",
]


@dataclass(frozen=True)
class Entry:
    """A parameter value: exact when rational, and its enclosure (an ``arb`` ball)."""

    exact: Fraction | None
    ball: Any  # arb
    proof: str

    @classmethod
    def of(cls, x: Fraction, proof: str = "") -> Entry:
        return cls(x, ArbOps.const(x), proof)

    def value(self) -> Any:
        """The exact value, or the ball's midpoint (at mpmath's working precision)."""
        if self.exact is not None:
            return mpmath.mpf(self.exact.numerator) / self.exact.denominator
        return arb_to_mpf(self.ball)


@dataclass(frozen=True)
class Member:
    """A candidate fixed point of a family: a support, its diagonal and correlations."""

    support: tuple[int, ...]  # the cells not at the origin
    diagonal: Fraction  # n / k on the support
    rhos: tuple[Entry, ...]  # the within correlation of each cell (1 at the origin)
    gamma: Entry | None  # the cross correlation of two cells (0 if one is at the origin)
    psd: bool | None  # True, False, or None (undecided by the enclosures)
    singular: bool  # rank deficient (a PSD condition exactly 0, or a cell at the origin)

    def parameters(self, family: str, sizes: list[int]) -> dict[str, Entry]:
        """The family's parameters (``theory.families``) of this member."""
        zero, d = Entry.of(Fraction(0)), Entry.of(self.diagonal)
        norms = [d if c in self.support else zero for c in range(len(sizes))]
        if family == "symmetric":
            return {"q": norms[0], "rho": self.rhos[0]}
        if family == "cluster-odd":
            return {"a": norms[0], "rho": self.rhos[0], "b": norms[1], "gamma": self.gamma}
        return {"a1": norms[0], "rho1": self.rhos[0], "a2": norms[1], "rho2": self.rhos[1],
                "gamma": self.gamma}

    def gram(self, sizes: list[int]) -> list[list[Any]]:
        """The member's Gram matrix (mpmath, at its working precision)."""
        cells = [c for c, size in enumerate(sizes) for _ in range(size)]
        n = len(cells)
        d = mpmath.mpf(self.diagonal.numerator) / self.diagonal.denominator
        rhos = [r.value() for r in self.rhos]
        gamma = self.gamma.value() if self.gamma is not None else None

        def entry(i: int, j: int) -> Any:
            if cells[i] not in self.support or cells[j] not in self.support:
                return mpmath.mpf(0)
            if i == j:
                return d
            return d * (rhos[cells[i]] if cells[i] == cells[j] else gamma)

        return [[entry(i, j) for j in range(n)] for i in range(n)]

    def radius(self) -> float:
        """A bound on every Gram entry's distance from the exact member."""
        rads = [float(e.ball.rad()) for e in (*self.rhos, self.gamma)
                if e is not None and e.exact is None]
        return max([0.0] + rads) * float(self.diagonal) * (1 + 1e-9)


def _psd(conditions: list[tuple[Any, Fraction | None]]) -> bool | None:
    """All ``x >= 0`` for ``(ball, exact or None)``: True, False, or None (undecided)."""
    verdict: bool | None = True
    for ball, exact in conditions:
        if exact is not None:
            if exact < 0:
                return False
            continue
        if ball < 0:
            return False
        if not ball >= 0:
            verdict = None
    return verdict


def correlation_choices(sizes: list[int], Z: list[Entry],
                        ) -> Iterator[tuple[tuple[Entry, ...], Entry | None, bool | None, bool]]:
    """Cell-invariant correlation matrices with correlations in ``Z``:
    ``(rhos, gamma, psd, singular)`` for one or two cells.

    PSD: ``1 - rho_k >= 0`` (true), ``1 + (m_k - 1) rho_k >= 0`` per cell, and for two
    cells the cell means' 2x2 block ``[[1 + (m_1 - 1) rho_1, sqrt(m_1 m_2) gamma],
    [., 1 + (m_2 - 1) rho_2]]`` PSD: ``m_1 m_2 gamma^2 <= (1 + (m_1 - 1) rho_1)(1 +
    (m_2 - 1) rho_2)``.  ``singular``: one of these conditions is exactly 0.
    """
    one = Entry.of(Fraction(1))
    cells = len(sizes)
    # a singleton cell has no within correlation (taken as 1)
    choices = [Z if size >= 2 else [one] for size in sizes] + ([Z] if cells == 2 else [])
    for combo in product(*choices):
        rhos, gamma = combo[:cells], (combo[cells] if cells == 2 else None)
        spread = [(1 - r.ball, 1 - r.exact if r.exact is not None else None)
                  for size, r in zip(sizes, rhos, strict=True) if size >= 2]
        means = [(1 + (size - 1) * r.ball,
                  1 + (size - 1) * r.exact if r.exact is not None else None)
                 for size, r in zip(sizes, rhos, strict=True)]
        conds = list(means)
        if gamma is not None:
            m12 = sizes[0] * sizes[1]
            ball = means[0][0] * means[1][0] - m12 * gamma.ball * gamma.ball
            exact = (means[0][1] * means[1][1] - m12 * gamma.exact ** 2
                     if None not in (means[0][1], means[1][1], gamma.exact) else None)
            conds.append((ball, exact))
        yield rhos, gamma, _psd(conds), any(exact == 0 for _, exact in conds + spread)


def members(sizes: list[int], fixed_correlations: Callable[[Fraction], list[Entry]],
            ) -> Iterator[Member]:
    """Every candidate fixed point of the family with cells ``sizes`` (module docstring):
    for each non-empty set of cells (the support, all cells first), the diagonal
    ``n / k`` and correlations in ``fixed_correlations(n / k)``."""
    n = sum(sizes)
    one, zero = Entry.of(Fraction(1)), Entry.of(Fraction(0))
    cells = range(len(sizes))
    for count in range(len(sizes), 0, -1):
        for support in combinations(cells, count):
            k = sum(sizes[c] for c in support)
            d = Fraction(n, k)
            Z = fixed_correlations(d)
            for rhos, gamma, psd, singular in correlation_choices(
                    [sizes[c] for c in support], Z):
                full = [one] * len(sizes)
                for c, r in zip(support, rhos, strict=True):
                    full[c] = r
                cross = gamma if gamma is not None else (zero if len(sizes) == 2 else None)
                yield Member(support, d, tuple(full), cross, psd,
                             singular or count < len(sizes))
