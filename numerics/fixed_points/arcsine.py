r"""Fixed correlations of erf without RC (layer ``nl``): the arcsine kernel.

For ``phi = erf`` and ``h ~ N(0, sigma G)`` the kernel of docs/theory.md section 2 is

    V_ij = (2/pi) arcsin(2 sigma G_ij / sqrt((1 + 2 sigma G_ii)(1 + 2 sigma G_jj))).

With ``u_i = 2 sigma G_ii / (1 + 2 sigma G_ii)`` in ``[0, 1)`` and the correlation
``c_ij``: ``V_ii = v(G_ii) = (2/pi) arcsin(u_i)``, ``V_ij = (2/pi) arcsin(sqrt(u_i u_j)
c_ij)``.  ``v(0) = 0`` and ``v`` is strictly concave,

    v'(x) = (4 sigma / pi) / ((1 + 2 sigma x) sqrt(1 + 4 sigma x))   (decreasing),

so ``v(x) / x`` is strictly decreasing on ``x > 0`` and :mod:`numerics.fixed_points.entrywise`
applies: a fixed point has the diagonal ``d = n / k`` on its support.  There every
``u_i`` is ``u = 2 sigma d / (1 + 2 sigma d)`` (exact, rational) and a correlation is
fixed iff ``F_hat_ij / d = arcsin(u c) / arcsin(u) = c``.  For every ``u`` in
``(0, 1)`` the solutions in ``[-1, 1]`` are exactly ``-1, 0, 1``: arcsin is odd and
strictly convex on ``[0, 1)`` (``arcsin'' x = x / (1 - x^2)^(3/2) > 0``), so
``arcsin(u c) < c arcsin(u)`` for ``c`` in ``(0, 1)`` (the chord from ``0`` to ``u``
lies above the graph), and by oddness ``>`` for ``c`` in ``(-1, 0)``.  (A proof for
all ``u`` at once; an interval search of ``arcsin(u c) - c arcsin(u)`` would need
``~3 log10(1/u)`` extra digits as ``u -> 0``, where the difference is ``u^3 (c^3 - c) /
6``.  The tests run that search at several ``u`` as an independent check, and SymPy
checks the second derivative.)
"""

from __future__ import annotations

from fractions import Fraction

from numerics.fixed_points.entrywise import Entry

__all__ = [
    "fixed_correlations",
    "u_of",
]


def u_of(d: Fraction, sigma: Fraction) -> Fraction:
    """``u = 2 sigma d / (1 + 2 sigma d)``: the erf kernel's diagonal argument (exact)."""
    return 2 * sigma * d / (1 + 2 * sigma * d)


def fixed_correlations(u: Fraction) -> list[Entry]:
    """All ``c`` in ``[-1, 1]`` with ``arcsin(u c) = c arcsin(u)``: ``1, 0, -1`` (module
    docstring), for ``u`` in ``(0, 1)``."""
    if not 0 < u < 1:
        raise ValueError(f"u = {u} is not in (0, 1)")
    proof = (f"c = {{}}: arcsin(u c) = c arcsin(u) exactly (u = {u}); no other c, arcsin "
             "being odd and strictly convex on [0, 1)")
    return [Entry.of(Fraction(x), proof.format(x)) for x in (1, 0, -1)]
