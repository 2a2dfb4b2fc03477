"""Simplification that is checked before it is trusted.

SymPy's ``simplify`` is sound but often stops short on the maps of this project:
square roots of variances such as ``sqrt((n-1) x) / (sqrt(n-1) sqrt(x))`` do not
cancel without knowing the factors are non-negative.  :func:`split_roots`
splits ``sqrt(u v)`` into ``sqrt(u) sqrt(v)``, which is only valid for
``u, v >= 0``; so :func:`simplify_checked` accepts a rewritten expression only
when it agrees with the original to 25 digits at every sample point of the
domain where the original is real (at least two such points), and otherwise
returns the original unchanged.  This is a guard, not a proof: the identities
this module produces are re-verified independently in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

_DIGITS = 30
_TOL = sp.Float("1e-25")


def split_roots(expr: sp.Expr) -> sp.Expr:
    """Factor every square-root argument and split it into a product of roots."""
    return sp.sympify(expr).replace(
        lambda y: y.is_Pow and y.exp.is_Rational and y.exp.q == 2,
        lambda y: sp.expand_power_base(sp.Pow(sp.factor(y.base), y.exp), force=True),
    )


def _value(expr: sp.Expr, point: Mapping) -> sp.Expr | None:
    try:
        v = sp.N(expr.subs(point), _DIGITS)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not v.is_number or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    re, im = v.as_real_imag()
    if abs(im) > _TOL * (1 + abs(re)):
        return None
    return re


def agree(a: sp.Expr, b: sp.Expr, points: Iterable[Mapping], minimum: int = 2) -> bool:
    """Whether ``a`` and ``b`` agree to 25 digits wherever ``a`` is real at ``points``."""
    checked = 0
    for point in points:
        va = _value(a, point)
        if va is None:
            continue
        vb = _value(b, point)
        if vb is None or abs(va - vb) > _TOL * (1 + abs(va)):
            return False
        checked += 1
    return checked >= minimum


def simplify_checked(expr: sp.Expr, points: list[Mapping]) -> sp.Expr:
    """``simplify(split_roots(factor(expr)))`` if it agrees with ``expr`` at ``points``."""
    expr = sp.sympify(expr)
    if expr.is_number and expr.is_rational:
        return expr
    try:
        candidate = sp.simplify(split_roots(sp.factor(expr)))
    except (TypeError, ValueError, NotImplementedError):
        return expr
    if candidate == expr:
        return expr
    if candidate.free_symbols - expr.free_symbols:
        return expr
    return candidate if agree(expr, candidate, points) else expr
