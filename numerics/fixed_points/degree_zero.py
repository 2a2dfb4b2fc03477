r"""Fixed points of degree-0 activations without RC, on every family, in closed form.

For ``phi(x) = a min(sgn x, 0) + b max(sgn x, 0)`` (step: ``a, b = 0, 1``; sign:
``-1, 1``) the kernel of docs/theory.md section 2 is

    V_ii = (a^2 + b^2) / 2 (0 at G_ii = 0),    V_ij = V_ii (1 - c theta_ij),
    c = (a - b)^2 / (pi (a^2 + b^2)),   theta_ij = arccos(corr_ij),

so on the points not at the origin ``F_hat`` has the diagonal ``n / k`` (``k`` of
them; a point at the origin stays there: ``phi(0) = 0``) and each correlation is
mapped separately by ``kappa(cos theta) = 1 - c theta`` (RS changes nothing:
``phi(h / sigma) = phi(h)``).  The fixed points of a family are those of
:mod:`numerics.fixed_points.entrywise` with the fixed correlations of ``kappa``:
``corr = cos(theta)``
with

    g(theta) = 1 - cos(theta) - c theta = 0,   theta in [0, pi],

``g'(theta) = sin(theta) - c`` is finite everywhere (unlike ``kappa'`` at ``corr = 1``),
so the zeros ``Z`` are found with proof by the 1-D interval search of
:mod:`numerics.fixed_points.search` in ``u = theta / pi``: ``u = 0`` is a zero exactly,
``u = 1`` exactly when ``a = -b`` (an odd activation; ``g(pi) = 2 - c pi``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import ArbOps, flint
from numerics.fixed_points.entrywise import Entry

__all__ = [
    "fixed_correlations",
    "kappa_constant",
]


def kappa_constant(slopes: tuple[Fraction, Fraction]) -> Fraction:
    """``c * pi = (a - b)^2 / (a^2 + b^2)`` (exact)."""
    a, b = slopes
    return (a - b) ** 2 / (a * a + b * b)


def fixed_correlations(slopes: tuple[Fraction, Fraction], dps: int,
                       search_1d: Any) -> tuple[list[Entry], list]:
    """``Z``: all ``corr`` in ``[-1, 1]`` with ``kappa(corr) = corr`` (module docstring)."""
    arb = flint.arb
    cpi = ArbOps.const(kappa_constant(slopes))  # c pi
    pi = arb.pi()

    def residual(u: Any) -> tuple[Any, Any]:
        # g(pi u) = 1 - cos(pi u) - c pi u, and its u-derivative pi sin(pi u) - c pi
        return 1 - (pi * u).cos() - cpi * u, pi * (pi * u).sin() - cpi

    if kappa_constant(slopes) == 0:  # a constant activation: kappa = 1, g > 0 on (0, pi]
        return [Entry.of(Fraction(1), "kappa = 1 (a constant activation)")], []
    odd = slopes[0] == -slopes[1] and slopes[0] != 0
    # exact zeros: u = 0 always; for odd activations (c pi = 2) also u = 1/2 and u = 1
    exact = [Entry.of(Fraction(1), "theta = 0: kappa(1) = 1 exactly")]
    if odd:
        exact += [Entry.of(Fraction(0), "theta = pi/2: kappa(0) = 1 - c pi/2 = 0 exactly "
                           "(a = -b, c pi = 2)"),
                  Entry.of(Fraction(-1), "theta = pi: kappa(-1) = 1 - c pi = -1 exactly "
                           "(a = -b, c pi = 2)")]
    ends = frozenset({Fraction(0)} | ({Fraction(1, 2), Fraction(1)} if odd else set()))
    roots, unresolved = search_1d(residual, Fraction(0), Fraction(1), dps, exact_zeros=ends)
    out = list(exact)
    for root, rad, proof in roots:
        u = arb(mpmath.nstr(root, dps + 8)) + arb(0, rad)
        out.append(Entry(None, (pi * u).cos(), "theta / pi = u, u a zero of "
                                               f"1 - cos(pi u) - c pi u: {proof}"))
    return out, unresolved
