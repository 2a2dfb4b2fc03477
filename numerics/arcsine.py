r"""Fixed correlations of erf without RC (layer ``nl``): the arcsine kernel.

For ``phi = erf`` and ``h ~ N(0, sigma G)`` the kernel of THEORY.md section 2 is

    V_ij = (2/pi) arcsin(2 sigma G_ij / sqrt((1 + 2 sigma G_ii)(1 + 2 sigma G_jj))).

With ``u_i = 2 sigma G_ii / (1 + 2 sigma G_ii)`` in ``[0, 1)`` and the correlation
``c_ij``: ``V_ii = v(G_ii) = (2/pi) arcsin(u_i)``, ``V_ij = (2/pi) arcsin(sqrt(u_i u_j)
c_ij)``.  ``v(0) = 0`` and ``v`` is strictly concave,

    v'(x) = (4 sigma / pi) / ((1 + 2 sigma x) sqrt(1 + 4 sigma x))   (decreasing),

so ``v(x) / x`` is strictly decreasing on ``x > 0`` and :mod:`numerics.entrywise`
applies: a fixed point has the diagonal ``d = n / k`` on its support.  There every
``u_i`` is ``u = 2 sigma d / (1 + 2 sigma d)`` (exact, rational) and a correlation is
fixed iff it is a zero of

    r(c) = arcsin(u c) - c arcsin(u),    r'(c) = u / sqrt(1 - u^2 c^2) - arcsin(u),

on ``[-1, 1]`` (``F_hat_ij / d = arcsin(u c) / arcsin(u)``).  ``-1, 0, 1`` are zeros
exactly (arcsin is odd); the 1-D interval search of :mod:`numerics.fixed_points`
proves there is no other (``r`` and ``r'`` are analytic on ``[-1, 1]`` since
``u < 1``; ``r'(0) = u - arcsin(u) < 0`` and ``r'(1) = u / sqrt(1 - u^2) - arcsin(u)
> 0``, so the exact zeros are simple and isolated).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath

from numerics.certify import ArbOps, _flint
from numerics.entrywise import Entry


def u_of(d: Fraction, sigma: Fraction) -> Fraction:
    """``u = 2 sigma d / (1 + 2 sigma d)``: the erf kernel's diagonal argument (exact)."""
    return 2 * sigma * d / (1 + 2 * sigma * d)


def fixed_correlations(u: Fraction, dps: int, search_1d: Any) -> tuple[list[Entry], list]:
    """All ``c`` in ``[-1, 1]`` with ``arcsin(u c) = c arcsin(u)`` (module docstring)."""
    if not 0 < u < 1:
        raise ValueError(f"u = {u} is not in (0, 1)")
    arb = _flint().arb
    ub = ArbOps.const(u)
    asin_u = ub.asin()

    def residual(c: Any) -> tuple[Any, Any]:
        return (ub * c).asin() - c * asin_u, ub / (1 - (ub * c) ** 2).sqrt() - asin_u

    exact = [Entry.of(Fraction(x), f"r({x}) = 0 exactly (arcsin is odd)") for x in (1, 0, -1)]
    roots, unresolved = search_1d(residual, Fraction(-1), Fraction(1), dps,
                                  exact_zeros=frozenset({Fraction(-1), Fraction(0),
                                                         Fraction(1)}))
    out = list(exact)
    for root, rad, proof in roots:  # pragma: no cover - r has no other zero (convexity)
        out.append(Entry(None, arb(mpmath.nstr(root, dps + 8)) + arb(0, rad),
                         f"a zero of arcsin(u c) - c arcsin(u): {proof}"))
    return out, unresolved
