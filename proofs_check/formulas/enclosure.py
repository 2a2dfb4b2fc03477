"""Interval enclosures of SymPy expressions with ``mpmath.iv``.

:func:`enclose` walks a SymPy expression tree (a user's formula, or a reference
from ``theory``) and returns an ``mpmath.iv`` interval that contains its real
value at a point given by exact rationals or intervals.  Functions absent from
``mpmath.iv`` (``asin, acos, atan, sinh, cosh, tanh``) use their monotonicity,
with end points enclosed through ``iv.atan2`` and ``iv.exp``.  Verifiers run it at
``dps + GUARD`` digits (:class:`IvPrecision`).

Why a second interval engine, apart from the arithmetic context of ``numerics``:
that context evaluates the project's *own* formulas (kernels, maps, Jacobians),
written once against float64, mpmath or arb balls; this module evaluates
*arbitrary* expression trees typed by a user, node by node, over the whitelist
of :func:`theory.expressions.parse_expression`.  It is also deliberately
independent: a claim refuted here is refuted by an engine that shares no code
with the ball arithmetic of the maps and certificates it is compared with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

iv = mpmath.iv

#: Guard digits of enclosures beyond the digits of agreement asked for.
GUARD = 10


class NotReal(Exception):
    """The expression is not real (or not defined) at the point."""


class Unsupported(Exception):
    """The expression holds something the interval evaluator does not know."""


def iv_rational(x: sp.Rational | Fraction | int) -> Any:
    """The tightest ``mpmath.iv`` interval around the rational ``x``."""
    x = sp.Rational(x)
    return iv.mpf(int(x.p)) / iv.mpf(int(x.q))


def _iv_point_fn(fn: Callable[[Any], Any], x: Any) -> Any:
    return fn(iv.mpf(x))


def _monotone(x: Any, f: Callable[[Any], Any], increasing: bool) -> Any:
    lo, hi = _iv_point_fn(f, x.a), _iv_point_fn(f, x.b)
    return iv.mpf([lo.a, hi.b]) if increasing else iv.mpf([hi.a, lo.b])


def _clamp_unit(x: Any) -> Any:
    if x.a > 1 or x.b < -1:
        raise NotReal
    return iv.mpf([max(x.a, -1), min(x.b, 1)])


def _iv_acos(x: Any) -> Any:
    x = _clamp_unit(x)
    return _monotone(x, lambda t: iv.atan2(iv.sqrt(iv.mpf(1) - t * t), t), False)


def _iv_asin(x: Any) -> Any:
    x = _clamp_unit(x)
    return _monotone(x, lambda t: iv.atan2(t, iv.sqrt(iv.mpf(1) - t * t)), True)


def _iv_atan(x: Any) -> Any:
    return _monotone(x, lambda t: iv.atan2(t, iv.mpf(1)), True)


def _iv_sinh(x: Any) -> Any:
    return _monotone(x, lambda t: (iv.exp(t) - iv.exp(-t)) / 2, True)


def _iv_tanh(x: Any) -> Any:
    return _monotone(x, lambda t: 1 - 2 / (iv.exp(2 * t) + 1), True)


def _iv_cosh(x: Any) -> Any:
    def f(t: Any) -> Any:
        return (iv.exp(t) + iv.exp(-t)) / 2
    lo, hi = _iv_point_fn(f, x.a), _iv_point_fn(f, x.b)
    top = max(lo.b, hi.b)
    bottom = 1 if x.a <= 0 <= x.b else min(lo.a, hi.a)
    return iv.mpf([bottom, top])


def iv_abs(x: Any) -> Any:
    """``|x|`` of an ``mpmath.iv`` interval (tight: ``[0, max(-a, b)]`` across 0)."""
    if x.a >= 0:
        return x
    if x.b <= 0:
        return -x
    return iv.mpf([0, max(-x.a, x.b)])


def _iv_sqrt(x: Any) -> Any:
    if x.b < 0:
        raise NotReal
    return iv.sqrt(iv.mpf([max(x.a, 0), x.b]))


def _iv_log(x: Any) -> Any:
    if x.a <= 0:
        raise NotReal
    return iv.log(x)


def _iv_sign(x: Any) -> Any:
    if x.a > 0:
        return iv.mpf(1)
    if x.b < 0:
        return iv.mpf(-1)
    if x.a == 0 and x.b == 0:
        return iv.mpf(0)
    raise NotReal


_IV_FUNCTIONS: dict[type, Callable[[Any], Any]] = {
    sp.exp: iv.exp, sp.log: _iv_log, sp.sin: iv.sin, sp.cos: iv.cos, sp.tan: iv.tan,
    sp.erf: iv.erf, sp.erfc: lambda x: 1 - iv.erf(x), sp.asin: _iv_asin, sp.acos: _iv_acos,
    sp.atan: _iv_atan, sp.sinh: _iv_sinh, sp.cosh: _iv_cosh, sp.tanh: _iv_tanh,
    sp.Abs: iv_abs, sp.sign: _iv_sign,
}


def enclose(expr: sp.Expr, point: Mapping[sp.Symbol, Any]) -> Any:
    """An ``mpmath.iv`` interval containing the real value of ``expr`` at ``point``.

    Runs at the current ``mpmath.iv`` precision.

    Parameters
    ----------
    expr
        A SymPy expression.
    point
        Maps symbols to exact rationals or to ``mpmath.iv`` intervals.

    Raises
    ------
    NotReal
        Where the expression is undefined or not real (or the enclosure is not
        finite).
    Unsupported
        For nodes it cannot enclose (unevaluated integrals, Piecewise, symbols
        without a value, ...).
    """
    def walk(e: sp.Basic) -> Any:
        if e.is_Rational:
            return iv_rational(e)
        if e.is_Float:
            return iv_rational(sp.Rational(e))
        if e is sp.pi:
            return iv.pi
        if e is sp.E:
            return iv.e
        if e.is_Symbol:
            if e not in point:
                raise Unsupported(f"no value for {e}")
            value = point[e]
            if isinstance(value, sp.Basic | int | Fraction):
                return iv_rational(value)
            return value
        if e.is_Add:
            total = iv.mpf(0)
            for arg in e.args:
                total += walk(arg)
            return total
        if e.is_Mul:
            prod = iv.mpf(1)
            for arg in e.args:
                prod *= walk(arg)
            return prod
        if e.is_Pow:
            base, exp = e.args
            if exp.is_Integer:
                b = walk(base)
                k = int(exp)
                if k < 0 and b.a <= 0 <= b.b:
                    raise NotReal
                if k % 2 == 0 and k > 0:
                    return iv_abs(b) ** k
                return b**k
            if exp.is_Rational and exp.q == 2:
                root = _iv_sqrt(walk(base))
                k = int(exp.p)
                if k < 0 and root.a <= 0:
                    raise NotReal
                return root**k
            b = walk(base)
            if b.a <= 0:
                raise NotReal
            return iv.exp(walk(exp) * iv.log(b))
        if isinstance(e, sp.Max | sp.Min):
            vals = [walk(a) for a in e.args]
            pick = max if isinstance(e, sp.Max) else min
            return iv.mpf([pick(v.a for v in vals), pick(v.b for v in vals)])
        if isinstance(e, sp.Heaviside):
            x = walk(e.args[0])
            if x.a > 0:
                return iv.mpf(1)
            if x.b < 0:
                return iv.mpf(0)
            raise NotReal
        fn = _IV_FUNCTIONS.get(type(e))
        if fn is not None and len(e.args) == 1:
            return fn(walk(e.args[0]))
        if e in (sp.oo, -sp.oo, sp.zoo, sp.nan):  # not a real number: undefined there
            raise NotReal
        raise Unsupported(f"cannot enclose {type(e).__name__}")

    try:
        value = walk(sp.sympify(expr))
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise NotReal from exc
    if not (mpmath.isfinite(value.a) and mpmath.isfinite(value.b)):
        raise NotReal
    return value


class IvPrecision:
    """Set ``mpmath.iv`` and ``mpmath.mp`` to ``dps`` digits inside a ``with`` block."""

    def __init__(self, dps: int) -> None:
        self.dps = dps

    def __enter__(self) -> None:
        self.saved = (iv.prec, mpmath.mp.prec)
        iv.dps = self.dps
        mpmath.mp.dps = self.dps

    def __exit__(self, *exc: object) -> None:
        iv.prec, mpmath.mp.prec = self.saved


def interval_text(x: Any, digits: int) -> tuple[str, str]:
    """The end points of an interval as decimals with ``digits`` significant digits."""
    return (mpmath.nstr(mpmath.mpf(x.a), digits), mpmath.nstr(mpmath.mpf(x.b), digits))


def midpoint(x: Any) -> mpmath.mpf:
    """``(a + b) / 2`` of an interval ``[a, b]``, at the current ``mpmath.mp`` precision."""
    return (mpmath.mpf(x.a) + mpmath.mpf(x.b)) / 2


__all__ = ["GUARD", "IvPrecision", "NotReal", "Unsupported", "enclose", "interval_text", "iv_abs",
           "iv_rational", "midpoint"]
