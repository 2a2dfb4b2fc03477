r"""SymPy expressions in one real variable evaluated in arb and acb balls, rigorously.

The Hermite route (:mod:`numerics.hermite`) integrates ``phi(y) He_k(y / sqrt s)
exp(-y^2 / (2 s))`` with :func:`flint.acb.integral`, which needs the integrand on complex
balls together with a proof that it is analytic there.  An activation is only a SymPy
expression (:mod:`theory.activations`), so this module provides, over a whitelist of
nodes, everything that integration needs and refuses (:class:`NotEnclosableError`)
whatever it cannot enclose:

* :func:`acb_function`: the expression compiled once to a closure ``f(z, analytic)``
  over ``acb`` balls.  Smooth nodes only: numbers, ``pi``, ``E``, ``+ * **``, ``exp``,
  ``log`` and ``sqrt`` and non-integer powers (branch cut checked with ``analytic``),
  ``sin cos tan sinh cosh tanh erf erfc`` (entire or meromorphic: poles give non-finite
  balls), ``atan asin acos`` (branch cuts checked by hand).
* :func:`kinks`: the points where the expression may fail to be analytic on the real
  line: the real zeros of the switching functions of ``Max``, ``Min``, ``Abs``, ``sign``,
  ``Heaviside`` and the conditions of ``Piecewise`` (by :func:`sympy.solveset`; refused
  when that set is not finite).
* :func:`resolve`: between two consecutive kinks every switching function has a constant
  sign; :func:`resolve` replaces each non-smooth node by the branch valid at a point
  (decided rigorously in arb at that point), giving a smooth expression equal to the
  original one on the whole open segment.
* :func:`real_value`: the value at a real ball (non-smooth nodes decided there).
* :func:`polynomial_envelope`: coefficients ``p_j`` with ``|f(x)| <= sum_j p_j |x|^j`` for
  every real ``x`` (a structural bound, used for the Gaussian tails of the integrals).

Every function works at the current ``flint.ctx.prec`` (set by :class:`numerics.arith.workprec`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import sympy as sp

from numerics.arith import flint
from theory.errors import NotEnclosableError

__all__ = [
    "acb_function",
    "kinks",
    "polynomial_envelope",
    "real_value",
    "resolve",
]


AcbFn = Callable[[Any, bool], Any]

_NONSMOOTH = (sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise)


def _nan() -> Any:
    return flint.acb(flint.arb.nan())


def _const(value: sp.Expr) -> Any:
    """A SymPy number as an acb ball at the current precision."""
    if value.is_Rational:
        return flint.acb(value.p) / value.q
    if value is sp.pi:
        return flint.acb(flint.arb.pi())
    if value is sp.E:
        return flint.acb(flint.arb(1).exp())
    if value.is_Float:
        return flint.acb(flint.arb(str(value)))  # the decimal the user wrote
    raise NotEnclosableError(f"cannot enclose the number {value}")


def _atan(z: Any, analytic: bool) -> Any:
    # branch cuts i(-oo, -1] and i[1, oo)
    if analytic and z.real.contains(0) and not (abs(z.imag) < 1):
        return _nan()
    return z.atan()


def _arcsine_like(method: str) -> Callable[[Any, bool], Any]:
    def fn(z: Any, analytic: bool) -> Any:
        # branch cuts (-oo, -1] and [1, oo) on the real axis
        if analytic and z.imag.contains(0) and not (abs(z.real) < 1):
            return _nan()
        return getattr(z, method)()
    return fn


#: SymPy function -> acb evaluation ``(z, analytic) -> ball``.
_UNARY: dict[type, Callable[[Any, bool], Any]] = {
    sp.exp: lambda z, a: z.exp(),
    sp.log: lambda z, a: z.log(analytic=a),
    sp.sin: lambda z, a: z.sin(),
    sp.cos: lambda z, a: z.cos(),
    sp.tan: lambda z, a: z.tan(),
    sp.sinh: lambda z, a: z.sinh(),
    sp.cosh: lambda z, a: z.cosh(),
    sp.tanh: lambda z, a: z.tanh(),
    sp.erf: lambda z, a: z.erf(),
    sp.erfc: lambda z, a: z.erfc(),
    sp.atan: _atan,
    sp.asin: _arcsine_like("asin"),
    sp.acos: _arcsine_like("acos"),
}


def _compile(e: sp.Expr, x: sp.Symbol) -> AcbFn:
    if e == x:
        return lambda z, a: z
    if e.is_Number or e in (sp.pi, sp.E):
        c = _const(e)
        return lambda z, a: c
    if isinstance(e, sp.Add):
        parts = [_compile(t, x) for t in e.args]
        return lambda z, a: _fold_add(parts, z, a)
    if isinstance(e, sp.Mul):
        parts = [_compile(t, x) for t in e.args]
        return lambda z, a: _fold_mul(parts, z, a)
    if isinstance(e, sp.Pow):
        base, expo = e.args
        b = _compile(base, x)
        if expo.is_Integer:
            n = int(expo)
            return lambda z, a: b(z, a) ** n
        if expo == sp.S.Half:
            return lambda z, a: b(z, a).sqrt(analytic=a)
        if expo.has(x):
            ex = _compile(expo, x)
            return lambda z, a: (ex(z, a) * b(z, a).log(analytic=a)).exp()
        t = _const(expo) if expo.is_Number else _compile_constant(expo)
        return lambda z, a: b(z, a).pow(t, analytic=a)
    fn = _UNARY.get(type(e)) if len(e.args) == 1 else None
    if fn is not None:
        inner = _compile(e.args[0], x)
        return lambda z, a: fn(inner(z, a), a)
    if isinstance(e, _NONSMOOTH):
        raise NotEnclosableError(f"{type(e).__name__} must be resolved on a segment first")
    raise NotEnclosableError(f"cannot enclose {type(e).__name__} ({e})")


def _compile_constant(e: sp.Expr) -> Any:
    """A constant sub-expression (``sqrt(2)``, ``log(3)/2``) as a ball."""
    dummy = sp.Dummy("t")
    return _compile(e, dummy)(flint.acb(0), False)


def _fold_add(parts: list[AcbFn], z: Any, a: bool) -> Any:
    acc = parts[0](z, a)
    for p in parts[1:]:
        acc = acc + p(z, a)
    return acc


def _fold_mul(parts: list[AcbFn], z: Any, a: bool) -> Any:
    acc = parts[0](z, a)
    for p in parts[1:]:
        acc = acc * p(z, a)
    return acc


@functools.lru_cache(maxsize=256)
def _compiled(e: sp.Expr, x: sp.Symbol, prec: int) -> AcbFn:
    return _compile(e, x)


def acb_function(expr: sp.Expr, x: sp.Symbol) -> AcbFn:
    """``expr`` as ``f(z, analytic)`` on acb balls (the integrand protocol of
    :func:`flint.acb.integral`: with ``analytic`` set, a non-finite ball unless the
    expression is analytic on ``z``).  Constants are rounded at the current precision.

    Raises
    ------
    NotEnclosableError
        For a node outside the whitelist, or a non-smooth node (use :func:`resolve`).
    """
    return _compiled(expr, x, flint.ctx.prec)


# ---------------------------------------------------------------------------
# Kinks and branch resolution
# ---------------------------------------------------------------------------


def _relation_switch(cond: Any) -> list[sp.Expr]:
    if cond is sp.true or cond is sp.false or cond is True or cond is False:
        return []
    if isinstance(cond, sp.core.relational.Relational):
        return [cond.lhs - cond.rhs]
    if isinstance(cond, sp.And | sp.Or | sp.Not):
        return [f for c in cond.args for f in _relation_switch(c)]
    raise NotEnclosableError(f"cannot locate the switching points of the condition {cond}")


def _switches(e: sp.Expr) -> list[sp.Expr]:
    """The switching functions of ``e``'s non-smooth nodes (all nesting levels)."""
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Max | sp.Min):
            out += [u - v for u, v in itertools.combinations(node.args, 2)]
        elif isinstance(node, sp.Abs | sp.sign | sp.Heaviside):
            out.append(node.args[0])
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                out += _relation_switch(cond)
    return out


def kinks(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """The sorted real points where a non-smooth node of ``expr`` may switch branch.

    Raises
    ------
    NotEnclosableError
        When the zero set of a switching function is not a finite set SymPy can list.
    """
    points: set[sp.Expr] = set()
    for f in _switches(expr):
        if not f.has(x):
            continue
        zeros = sp.solveset(f, x, domain=sp.S.Reals)
        if zeros is sp.S.EmptySet:
            continue
        if not isinstance(zeros, sp.FiniteSet):
            raise NotEnclosableError(f"cannot list the real zeros of {f} (a kink of the "
                                     "activation)")
        points.update(zeros)
    return sorted(points, key=lambda p: float(p))


def _sign_at(f: sp.Expr, x: sp.Symbol, point: Any) -> int:
    v = real_value(f, x, point)
    if v > 0:
        return 1
    if v < 0:
        return -1
    if v.is_exact() and v == 0:
        return 0
    raise NotEnclosableError(f"cannot decide the sign of {f} at {point} (a kink?)")


def _holds(cond: Any, x: sp.Symbol, point: Any) -> bool:
    if cond is sp.true or cond is True:
        return True
    if cond is sp.false or cond is False:
        return False
    if isinstance(cond, sp.And):
        return all(_holds(c, x, point) for c in cond.args)
    if isinstance(cond, sp.Or):
        return any(_holds(c, x, point) for c in cond.args)
    if isinstance(cond, sp.Not):
        return not _holds(cond.args[0], x, point)
    s = _sign_at(cond.lhs - cond.rhs, x, point)
    rel = {sp.StrictGreaterThan: s > 0, sp.GreaterThan: s >= 0, sp.StrictLessThan: s < 0,
           sp.LessThan: s <= 0, sp.Equality: s == 0, sp.Unequality: s != 0}
    for kind, value in rel.items():
        if isinstance(cond, kind):
            return value
    raise NotEnclosableError(f"cannot decide the condition {cond}")


def resolve(expr: sp.Expr, x: sp.Symbol, point: Any) -> sp.Expr:
    """``expr`` with every non-smooth node replaced by its branch at the real ball ``point``.

    On an open segment free of :func:`kinks` the result equals ``expr`` everywhere if it
    does at one point, since no switching function changes sign there.

    Raises
    ------
    NotEnclosableError
        When a branch cannot be decided at ``point`` (it lies on a kink within its radius).
    """
    if not expr.has(x) or not expr.has(*_NONSMOOTH):
        return expr
    args = [resolve(a, x, point) if isinstance(a, sp.Expr) else a for a in expr.args]
    if isinstance(expr, sp.Piecewise):
        for value, cond in expr.args:
            if _holds(cond, x, point):
                return resolve(value, x, point)
        raise NotEnclosableError(f"no branch of {expr} holds at {point}")
    if isinstance(expr, sp.Max | sp.Min):
        better = 1 if isinstance(expr, sp.Max) else -1
        best = args[0]
        for cand in args[1:]:
            if better * _sign_at(cand - best, x, point) > 0:
                best = cand
        return best
    if isinstance(expr, sp.Abs):
        return -args[0] if _sign_at(args[0], x, point) < 0 else args[0]
    if isinstance(expr, sp.sign):
        return sp.Integer(_sign_at(args[0], x, point))
    if isinstance(expr, sp.Heaviside):
        s = _sign_at(args[0], x, point)
        return sp.Integer(1) if s > 0 else sp.Integer(0) if s < 0 else sp.Heaviside(0)
    return expr.func(*args)


def real_value(expr: sp.Expr, x: sp.Symbol, point: Any) -> Any:
    """``expr`` at the real ball ``point`` as an arb ball (non-smooth nodes decided there).

    Raises
    ------
    NotEnclosableError
        For a node outside the whitelist, an undecidable branch, or a non-real value.
    """
    smooth = resolve(expr, x, point)
    v = acb_function(smooth, x)(flint.acb(point), False)
    if not v.imag.contains(0) or not v.is_finite():
        raise NotEnclosableError(f"{expr} is not real and finite at {point}")
    return v.real


# ---------------------------------------------------------------------------
# Growth envelopes
# ---------------------------------------------------------------------------

#: bounded functions of a real argument -> a bound on their absolute value.
_BOUNDED: dict[type, int] = {sp.tanh: 1, sp.erf: 1, sp.sin: 1, sp.cos: 1, sp.sign: 1,
                             sp.Heaviside: 1, sp.erfc: 2, sp.atan: 2, sp.asin: 2, sp.acos: 4}

Poly = list[Any]  # arb upper bounds of the coefficients of |x|^j


def _padd(p: Poly, q: Poly) -> Poly:
    n = max(len(p), len(q))
    return [(p[j] if j < len(p) else 0) + (q[j] if j < len(q) else 0) for j in range(n)]


def _pmul(p: Poly, q: Poly) -> Poly:
    out = [flint.arb(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] = out[i + j] + a * b
    return out


def _upper(v: Any) -> Any:
    return flint.arb(v.upper())


def _lower_bound(e: sp.Expr, x: sp.Symbol) -> Any | None:
    """An arb ``lb`` with ``e(x) >= lb >= 0`` for all real ``x``, or ``None``."""
    if not e.has(x):
        v = real_value(e, x, flint.arb(0))
        return flint.arb(v.lower()) if v >= 0 else None
    if isinstance(e, sp.exp | sp.Abs):
        return flint.arb(0)
    if isinstance(e, sp.cosh):
        return flint.arb(1)
    if isinstance(e, sp.Pow) and e.args[1].is_Integer and int(e.args[1]) % 2 == 0 \
            and int(e.args[1]) > 0:
        return flint.arb(0)
    if isinstance(e, sp.Add | sp.Mul):
        parts = [_lower_bound(t, x) for t in e.args]
        if any(p is None for p in parts):
            return None
        acc = parts[0]
        for p in parts[1:]:
            acc = acc + p if isinstance(e, sp.Add) else acc * p
        return flint.arb(acc.lower())
    return None


def _envelope(e: sp.Expr, x: sp.Symbol) -> Poly:
    if e == x:
        return [flint.arb(0), flint.arb(1)]
    if not e.has(x):
        return [_upper(abs(real_value(e, x, flint.arb(0))))]
    if isinstance(e, sp.Add | sp.Max | sp.Min):
        return functools.reduce(_padd, (_envelope(t, x) for t in e.args))
    if isinstance(e, sp.Mul):
        return functools.reduce(_pmul, (_envelope(t, x) for t in e.args))
    if isinstance(e, sp.Abs):
        return _envelope(e.args[0], x)
    if isinstance(e, sp.Piecewise):
        return functools.reduce(_padd, (_envelope(v, x) for v, _ in e.args))
    if type(e) in _BOUNDED:
        return [flint.arb(_BOUNDED[type(e)])]
    if isinstance(e, sp.Pow):
        base, expo = e.args
        if expo.is_Integer and int(expo) > 0:
            return functools.reduce(_pmul, [_envelope(base, x)] * int(expo))
        if expo.is_Integer and int(expo) < 0:
            lb = _lower_bound(base, x)
            if lb is not None and lb > 0:
                return [_upper(1 / lb ** (-int(expo)))]
        elif expo.is_Rational and expo > 0 and not expo.has(x):
            # |b|^q <= 1 + |b|^ceil(q)
            p = functools.reduce(_pmul, [_envelope(base, x)] * int(sp.ceiling(expo)))
            return _padd([flint.arb(1)], p)
    if isinstance(e, sp.exp):
        inner = _envelope(e.args[0], x)
        if len(inner) == 1:
            return [_upper(inner[0].exp())]
    if isinstance(e, sp.log):
        lb = _lower_bound(e.args[0], x)
        if lb is not None and lb > 0:
            # |log u| <= |log lb| + u  (log u <= u - 1 for u >= lb)
            return _padd([_upper(abs(lb.log()))], _envelope(e.args[0], x))
    raise NotEnclosableError(
        f"cannot bound the growth of {e} by a polynomial in |x| (needed for the Gaussian "
        "tails); give the activation by name or simplify the expression")


def polynomial_envelope(expr: sp.Expr, x: sp.Symbol) -> list[Any]:
    """Upper bounds ``p_j`` (arb) with ``|expr(x)| <= sum_j p_j |x|^j`` for all real ``x``.

    A structural bound: sums and products of envelopes; ``tanh, erf, sin, cos, sign``
    bounded by 1 (``erfc, atan, asin`` by 2, ``acos`` by 4); ``Max, Min, Piecewise`` by the
    sum of their branches; ``1/u`` when ``u >= lb > 0`` everywhere (sums and products of
    positive constants, ``exp``, ``cosh``, even powers, ``Abs``); ``exp(u)`` for bounded
    ``u``; ``log u`` for ``u >= lb > 0``.

    Raises
    ------
    NotEnclosableError
        When no such bound is derived (e.g. ``exp(x)``: not polynomially bounded).
    """
    return _envelope(expr, x)
