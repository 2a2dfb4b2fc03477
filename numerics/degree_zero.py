r"""Fixed points of degree-0 activations without RC, on every family, in closed form.

For ``phi(x) = a min(sgn x, 0) + b max(sgn x, 0)`` (step: ``a, b = 0, 1``; sign:
``-1, 1``) the kernel of THEORY.md section 2 is

    V_ii = (a^2 + b^2) / 2,      V_ij = V_ii (1 - c theta_ij),
    c = (a - b)^2 / (pi (a^2 + b^2)),   theta_ij = arccos(corr_ij),

so ``F_hat = n F / tr F`` has unit diagonal and ``F_hat_ij = kappa(corr_ij)`` with
``kappa(cos theta) = 1 - c theta``: the map acts on each correlation separately (RS
changes nothing: ``phi(h / sigma) = phi(h)``).  A member ``G`` (every ``G_ii > 0``) is
fixed iff its diagonal is 1 and each correlation is a fixed point of ``kappa``:
``corr = cos(theta)`` with

    g(theta) = 1 - cos(theta) - c theta = 0,   theta in [0, pi],

``g'(theta) = sin(theta) - c`` is finite everywhere (unlike ``kappa'`` at ``corr = 1``),
so the zeros ``Z`` are found with proof by the 1-D interval search of
:mod:`numerics.fixed_points` in ``u = theta / pi``: ``u = 0`` is a zero exactly,
``u = 1`` exactly when ``a = -b`` (an odd activation; ``g(pi) = 2 - c pi``).  The
fixed points of a family are then its members with unit diagonal and correlations in
``Z``, kept when positive semi-definite -- decided exactly when the correlations are
rational (``-1, 0, 1``), by enclosures otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import mpmath

from numerics.certify import ArbOps, _flint


@dataclass(frozen=True)
class Correlation:
    """A fixed correlation of ``kappa``: exact when rational, and its enclosure."""

    exact: Fraction | None
    ball: Any  # arb
    proof: str

    def value(self, dps: int) -> Any:
        if self.exact is not None:
            return mpmath.mpf(self.exact.numerator) / self.exact.denominator
        return mpmath.mpf(self.ball.mid().str(dps + 10, radius=False))


def kappa_constant(slopes: tuple[Fraction, Fraction]) -> Fraction:
    """``c * pi = (a - b)^2 / (a^2 + b^2)`` (exact)."""
    a, b = slopes
    return (a - b) ** 2 / (a * a + b * b)


def fixed_correlations(slopes: tuple[Fraction, Fraction], dps: int,
                       search_1d: Any) -> tuple[list[Correlation], list]:
    """``Z``: all ``corr`` in ``[-1, 1]`` with ``kappa(corr) = corr`` (module docstring)."""
    arb = _flint().arb
    cpi = ArbOps.const(kappa_constant(slopes))  # c pi
    pi = arb.pi()

    def residual(u: Any) -> tuple[Any, Any]:
        # g(pi u) = 1 - cos(pi u) - c pi u, and its u-derivative pi sin(pi u) - c pi
        return 1 - (pi * u).cos() - cpi * u, pi * (pi * u).sin() - cpi

    if kappa_constant(slopes) == 0:  # a constant activation: kappa = 1, g > 0 on (0, pi]
        return [Correlation(Fraction(1), arb(1), "kappa = 1 (a constant activation)")], []
    odd = slopes[0] == -slopes[1] and slopes[0] != 0
    # exact zeros: u = 0 always; for odd activations (c pi = 2) also u = 1/2 and u = 1
    exact = [Correlation(Fraction(1), arb(1), "theta = 0: kappa(1) = 1 exactly")]
    if odd:
        exact += [Correlation(Fraction(0), arb(0), "theta = pi/2: kappa(0) = 1 - c pi/2 = 0 "
                              "exactly (a = -b, c pi = 2)"),
                  Correlation(Fraction(-1), arb(-1), "theta = pi: kappa(-1) = 1 - c pi = -1 "
                              "exactly (a = -b, c pi = 2)")]
    ends = frozenset({Fraction(0)} | ({Fraction(1, 2), Fraction(1)} if odd else set()))
    roots, unresolved = search_1d(residual, Fraction(0), Fraction(1), dps, exact_zeros=ends)
    out = list(exact)
    for root, rad, proof in roots:
        u = arb(mpmath.nstr(root, dps + 8)) + arb(0, rad)
        out.append(Correlation(None, (pi * u).cos(), "theta / pi = u, u a zero of "
                                                     f"1 - cos(pi u) - c pi u: {proof}"))
    return out, unresolved


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


def family_points(family: str, sizes: list[int], Z: list[Correlation],
                  ) -> list[tuple[dict[str, Correlation], bool | None, bool]]:
    """Members with unit diagonal and correlations in ``Z``: ``(parameters, psd,
    singular)``, ``psd`` True/False/None (undecided), ``singular`` whether one of the
    conditions below is exactly 0 (a rank-deficient member).

    PSD of a cell-invariant correlation matrix: ``1 - rho_k >= 0`` (true),
    ``1 + (m_k - 1) rho_k >= 0`` per cluster, and for two cells the cell means'
    2x2 block ``[[1 + (m_1 - 1) rho_1, sqrt(m_1 m_2) gamma], [., 1 + (m_2 - 1) rho_2]]``
    PSD: ``m_1 m_2 gamma^2 <= (1 + (m_1 - 1) rho_1)(1 + (m_2 - 1) rho_2)``.
    """
    one = Correlation(Fraction(1), _flint().arb(1), "")
    out = []
    cells = len(sizes)
    # a singleton cell has no within correlation (taken as 1)
    choices = [Z if size >= 2 else [one] for size in sizes] + ([Z] if cells == 2 else [])
    for combo in product(*choices):
        rhos, gamma = combo[:cells], (combo[cells] if cells == 2 else None)
        # (1 - rho_k is a condition only inside a cell of two points or more)
        spread = [(1 - r.ball, 1 - r.exact if r.exact is not None else None)
                  for size, r in zip(sizes, rhos, strict=True) if size >= 2]
        means = []
        for size, r in zip(sizes, rhos, strict=True):
            ball = 1 + (size - 1) * r.ball
            exact = 1 + (size - 1) * r.exact if r.exact is not None else None
            means.append((ball, exact))
        conds = list(means)
        if gamma is not None:
            m12 = sizes[0] * sizes[1]
            ball = means[0][0] * means[1][0] - m12 * gamma.ball * gamma.ball
            exact = (means[0][1] * means[1][1] - m12 * gamma.exact ** 2
                     if None not in (means[0][1], means[1][1], gamma.exact) else None)
            conds.append((ball, exact))
        verdict = _psd(conds)
        singular = any(exact == 0 for _, exact in conds + spread)
        if family == "symmetric":
            params = {"q": one, "rho": rhos[0]}
        elif family == "cluster-odd":
            params = {"a": one, "rho": rhos[0], "b": one, "gamma": gamma}
        else:
            params = {"a1": one, "rho1": rhos[0], "a2": one, "rho2": rhos[1], "gamma": gamma}
        out.append((params, verdict, singular))
    return out
