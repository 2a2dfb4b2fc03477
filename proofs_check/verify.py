r"""Check a researcher's own formula: a proof, a counterexample, or honest agreement.

A *claim* says that a user expression equals a quantity this project derives
(THEORY.md sections 2-4):

``kernel``
    ``V_phi(S)_ij = E[phi(z_i) phi(z_j)]`` as an expression in ``Sii, Sjj, Sij``,
    or in ``c`` at unit variances (:mod:`theory.kernels`; for activations without
    closed form, the quadrature of :mod:`numerics.maps.precise`).
``reduced-map``
    one parameter of the reduced shape map ``F_hat`` of a family, in the family's
    parameters and ``n`` (and ``m``) (:func:`theory.reduce.reduced_map`).
``fixed-point``
    one parameter of a fixed point of ``F_hat``, in ``n``
    (:func:`theory.fixed_points.closed_form_fixed_points`, or a direct check that
    the claimed member is fixed).
``eigenvalue``
    an eigenvalue of the Jacobian of ``F_hat`` at a named fixed point, in ``n``,
    optionally with its multiplicity and symmetry type (:func:`theory.spectrum.spectrum`).
``spectral-radius``
    the largest modulus of those eigenvalues.

Verdicts
--------
``proved``
    The difference ``claim - reference`` is reduced to the literal ``0`` by a
    chain of SymPy rewrites that are identities on the domain, and the chain is
    reported.  The domain is encoded in the assumptions of the symbols, never
    forced: ``n = N + n_min`` with ``N`` a non-negative integer, norms positive,
    ``Sij = sqrt(Sii) sqrt(Sjj) c``.  Square roots of products are split only
    where SymPy's assumptions prove the factors non-negative
    (``expand_power_base`` without ``force``); :func:`theory.simplify.split_roots`
    (only numerically guarded) is never used.  "Proved" is relative to the
    project's own derivation of the reference (``theory``), which is checked by
    its own tests.
``refuted``
    At some point the interval enclosures (``mpmath.iv``) of the two sides are
    disjoint: the point, both sides and both enclosures are reported.
``agrees-numerically``
    No symbolic route was found; the two sides agree to ``dps`` significant
    digits (relative to ``max(1, |reference|)``) at every listed point.

Points (the documented rule)
----------------------------
``random.Random(seed)`` (``seed = 0`` by default) draws, in this order:

* batch sizes: ``n_min, n_min + 1, n_min + 2`` (small), ``100, 10^4, 10^6``
  (large; only where the reference is a SymPy expression) and three uniform
  integers in ``[n_min, 40]``; ``--n`` adds its value first.  References computed
  by ``numerics`` on an explicit ``n x n`` matrix use ``n <= 12`` only.
* norms ``q, a, b, a1, a2``: ``k/100`` with ``k`` uniform in ``[10, 500]``;
* correlations ``rho, rho1, rho2``: ``k/100`` with ``k`` uniform in ``[0, 95]``;
* cross correlations ``gamma``: ``f`` times the largest value keeping the
  member PSD, ``f = k/100``, ``k`` uniform in ``[-90, 90]``, rounded down to
  ``1/1000``;
* kernels: ``c`` in ``{-1, -1/2, 0, 1/3, 1}`` and three draws ``k/100``,
  ``k`` uniform in ``[-99, 99]``; ``Sii = u^2``, ``Sjj = v^2``, ``Sij = u v c``
  with ``u, v = k/100``, ``k`` uniform in ``[20, 300]``.

Interval enclosures evaluate the SymPy tree with ``mpmath.iv`` at
``dps + 10`` digits; ``asin, acos, atan, sinh, cosh, tanh`` (absent from
``mpmath.iv``) use their monotonicity with end points enclosed through
``iv.atan2`` and ``iv.exp``.  Numeric references from ``numerics`` are
enclosed by their stated error bound.
"""

from __future__ import annotations

import functools
import random
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import sympy as sp

from theory.errors import (
    BnverifyError,
    ExpressionError,
    InvalidInputError,
    NotClosedFormError,
    UnknownNameError,
)
from theory.expressions import parse_expression

QUANTITIES = ("kernel", "reduced-map", "fixed-point", "eigenvalue", "spectral-radius")
VERDICTS = ("proved", "refuted", "agrees-numerically")
DEFAULT_DPS = 30
GUARD = 10
LARGE_N = (100, 10**4, 10**6)
NUMERIC_MAX_N = 12

#: The variables of a kernel claim.
SII = sp.Symbol("Sii", positive=True)
SJJ = sp.Symbol("Sjj", positive=True)
SIJ = sp.Symbol("Sij", real=True)
C = sp.Symbol("c", real=True)
#: ``n - n_min`` (and ``m - 1``, ``n - m - 1``) in proofs.
_N0 = sp.Symbol("N", integer=True, nonnegative=True)
_M0 = sp.Symbol("M", integer=True, nonnegative=True)
_K0 = sp.Symbol("K", integer=True, nonnegative=True)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PointCheck:
    """Both sides at one point: exact point values, decimals and enclosures."""

    point: dict[str, str]
    claimed: str
    reference: str
    claimed_enclosure: tuple[str, str] | None = None
    reference_enclosures: tuple[tuple[str, str], ...] = ()
    status: str = "agrees"  # "agrees", "differs", "undecided", "undefined"

    def to_json(self) -> dict[str, Any]:
        return {
            "point": dict(self.point),
            "claimed": self.claimed,
            "reference": self.reference,
            "claimed_enclosure": None if self.claimed_enclosure is None
            else list(self.claimed_enclosure),
            "reference_enclosures": [list(x) for x in self.reference_enclosures],
            "status": self.status,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on one claim, with its evidence.

    Attributes
    ----------
    verdict
        One of :data:`VERDICTS`.
    evidence
        One line: the proof chain, the counterexample, or the digits and points.
    chain
        The SymPy rewrites that reduced ``claim - reference`` to 0 (``proved``).
    counterexample
        The refuting point (``refuted``).
    checks
        Every numeric point evaluated.
    """

    quantity: str
    claim: str
    verdict: str
    evidence: str
    reference: str | None = None
    name: str | None = None
    chain: list[str] = field(default_factory=list)
    counterexample: PointCheck | None = None
    checks: list[PointCheck] = field(default_factory=list)
    dps: int = DEFAULT_DPS
    context: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 for a refuted claim, else 0."""
        return 1 if self.verdict == "refuted" else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity,
            "claim": self.claim,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "reference": self.reference,
            "chain": list(self.chain),
            "counterexample": None if self.counterexample is None
            else self.counterexample.to_json(),
            "checks": [c.to_json() for c in self.checks],
            "dps": self.dps,
            "context": dict(self.context),
        }

    def to_text(self) -> str:
        head = f"{self.name}: " if self.name else ""
        lines = [f"{head}{self.quantity} claim {self.claim}",
                 f"verdict: {self.verdict}", f"evidence: {self.evidence}"]
        if self.context:
            lines.append("context: " + ", ".join(f"{k}={v}" for k, v in self.context.items()))
        if self.reference is not None:
            lines.append(f"reference: {self.reference}")
        if self.chain:
            lines.append("proof chain: " + " -> ".join(self.chain))
        if self.counterexample is not None:
            c = self.counterexample
            lines.append("counterexample at " + _fmt_point(c.point))
            lines.append(f"  claimed   = {c.claimed}  in {list(c.claimed_enclosure or ())}")
            shown = " or ".join(f"[{a}, {b}]" for a, b in c.reference_enclosures)
            lines.append(f"  reference = {c.reference}  in {shown}")
        elif self.checks and self.verdict != "proved":
            lines.append(f"checked at {len(self.checks)} points:")
            for c in self.checks:
                lines.append(f"  {_fmt_point(c.point)}: claimed {c.claimed}, "
                             f"reference {c.reference} ({c.status})")
        return "\n".join(lines)


@dataclass(frozen=True)
class ClaimsReport:
    """The results of a claims file: a table, exit status 1 if any claim is refuted."""

    path: str
    results: list[VerifyResult]

    @property
    def exit_code(self) -> int:
        return 1 if any(r.verdict == "refuted" for r in self.results) else 0

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "refuted": sum(r.verdict == "refuted" for r in self.results),
                "claims": [r.to_json() for r in self.results]}

    def to_text(self) -> str:
        rows = [(r.name or "-", r.verdict, r.evidence) for r in self.results]
        w0 = max([len("claim")] + [len(r[0]) for r in rows])
        w1 = max([len("verdict")] + [len(r[1]) for r in rows])
        lines = [f"{'claim'.ljust(w0)}  {'verdict'.ljust(w1)}  evidence",
                 f"{'-' * w0}  {'-' * w1}  {'-' * 8}"]
        lines += [f"{a.ljust(w0)}  {b.ljust(w1)}  {c}" for a, b, c in rows]
        refuted = sum(r.verdict == "refuted" for r in self.results)
        lines.append(f"{len(rows)} claims, {refuted} refuted")
        return "\n".join(lines)


def _fmt_point(point: Mapping[str, str]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items()) or "(no variables)"


# ---------------------------------------------------------------------------
# Symbolic route
# ---------------------------------------------------------------------------


def _acos_reflect(expr: sp.Expr) -> sp.Expr:
    """``acos(-x) = pi - acos(x)`` (an identity for every complex ``x``)."""
    return expr.replace(
        lambda e: isinstance(e, sp.acos) and e.args[0].could_extract_minus_sign(),
        lambda e: sp.pi - sp.acos(-e.args[0]),
    )


def _acos_to_asin(expr: sp.Expr) -> sp.Expr:
    """``acos(x) = pi/2 - asin(x)`` (an identity for every complex ``x``)."""
    return expr.replace(lambda e: isinstance(e, sp.acos), lambda e: sp.pi / 2 - sp.asin(e.args[0]))


def _factor_radicands(expr: sp.Expr) -> sp.Expr:
    """Factor every radicand and split off the factors SymPy *proves* non-negative."""
    return expr.replace(
        lambda y: y.is_Pow and y.exp.is_Rational and not y.exp.is_Integer,
        lambda y: sp.expand_power_base(sp.Pow(sp.factor(y.base), y.exp)),
    )


def _half_powers(expr: sp.Expr) -> sp.Expr:
    """``x^(k + 1/2) = x^k sqrt(x)`` (valid for every ``x``, principal branch)."""
    def split(y: sp.Pow) -> sp.Expr:
        whole = sp.floor(y.exp)
        return y.base**whole * sp.sqrt(y.base)

    return expr.replace(
        lambda y: y.is_Pow and y.exp.is_Rational and y.exp.q == 2 and abs(y.exp) > 1,
        split,
    )


_STEPS: list[tuple[str, Callable[[sp.Expr], sp.Expr], int]] = [
    ("expand", sp.expand, 10**6),
    ("acos(-x) = pi - acos(x)", _acos_reflect, 10**6),
    ("factor radicands, split provably non-negative factors", _factor_radicands, 5000),
    ("x^(k+1/2) = x^k sqrt(x)", _half_powers, 10**6),
    ("powsimp", sp.powsimp, 5000),
    ("expand", sp.expand, 5000),
    ("cancel", lambda e: sp.cancel(sp.together(e)), 3000),
    ("acos(x) = pi/2 - asin(x)", _acos_to_asin, 10**6),
    ("cancel", lambda e: sp.cancel(sp.together(sp.expand(e))), 3000),
    ("radsimp", sp.radsimp, 600),
    ("simplify", sp.simplify, 400),
]


def prove_zero(expr: sp.Expr) -> list[str] | None:
    """A chain of sound rewrites that turns ``expr`` into the literal 0, or ``None``.

    Every step is an identity on the domain encoded in the symbols' assumptions
    (nothing is forced); the steps are tried cumulatively and those that change
    the expression are recorded.  Steps are skipped when the expression is
    larger (``count_ops``) than their budget.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return ["canonical form -> 0"]
    chain: list[str] = []
    for name, step, budget in _STEPS:
        if sp.count_ops(expr) > budget:
            continue
        try:
            new = step(expr)
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            continue
        if new != expr:
            chain.append(name)
            expr = new
        if expr == 0:
            chain[-1] = chain[-1] + " -> 0" if chain else "-> 0"
            return chain
    return None


def _domain_n(expr: sp.Expr, n_min: int, with_m: bool = False) -> tuple[sp.Expr, list[str]]:
    """Substitute ``n = N + n_min`` (``N >= 0`` integer); with ``m``: ``m = M + 1``,
    ``n = M + K + 2``."""
    from theory.families import m, n

    if with_m and expr.has(m):
        return (expr.subs({n: _M0 + _K0 + 2, m: _M0 + 1}),
                ["substitute m = M + 1, n = M + K + 2 (M, K >= 0 integers)"])
    if expr.has(n):
        return expr.subs(n, _N0 + n_min), [f"substitute n = N + {n_min} (N >= 0 integer)"]
    return expr, []


def _try_prove(diff: sp.Expr, domain: Callable[[sp.Expr], tuple[sp.Expr, list[str]]]
               ) -> list[str] | None:
    expr, pre = domain(diff)
    chain = prove_zero(expr)
    return None if chain is None else pre + chain


def _nonnegative_in_N(expr: sp.Expr) -> bool:
    """Whether ``expr`` (a rational function of ``N >= 0``) is provably ``>= 0``:
    numerator and denominator polynomials in ``N`` with all coefficients of one sign."""
    expr = sp.cancel(sp.together(expr))
    if expr == 0:
        return True
    if expr.free_symbols - {_N0}:
        return False
    num, den = sp.fraction(expr)
    try:
        pn, pd = sp.Poly(num, _N0), sp.Poly(den, _N0)
    except sp.PolynomialError:
        return False
    cn, cd = pn.all_coeffs(), pd.all_coeffs()
    if not all(x.is_Rational for x in cn + cd):
        return False
    if pd.eval(0) == 0:
        return False
    sign_n = {1 if x > 0 else -1 for x in cn if x != 0}
    sign_d = {1 if x > 0 else -1 for x in cd if x != 0}
    return len(sign_n) == 1 and len(sign_d) == 1 and sign_n == sign_d


# ---------------------------------------------------------------------------
# Interval enclosures
# ---------------------------------------------------------------------------


class _NotReal(Exception):
    """The expression is not real (or not defined) at the point."""


class _Unsupported(Exception):
    """The expression holds something the interval evaluator does not know."""


iv = mpmath.iv


def _iv_rational(x: sp.Rational | Fraction | int) -> Any:
    x = sp.Rational(x)
    return iv.mpf(int(x.p)) / iv.mpf(int(x.q))


def _iv_point_fn(fn: Callable[[Any], Any], x: Any) -> Any:
    return fn(iv.mpf(x))


def _monotone(x: Any, f: Callable[[Any], Any], increasing: bool) -> Any:
    lo, hi = _iv_point_fn(f, x.a), _iv_point_fn(f, x.b)
    return iv.mpf([lo.a, hi.b]) if increasing else iv.mpf([hi.a, lo.b])


def _clamp_unit(x: Any) -> Any:
    if x.a > 1 or x.b < -1:
        raise _NotReal
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


def _iv_abs(x: Any) -> Any:
    if x.a >= 0:
        return x
    if x.b <= 0:
        return -x
    return iv.mpf([0, max(-x.a, x.b)])


def _iv_sqrt(x: Any) -> Any:
    if x.b < 0:
        raise _NotReal
    return iv.sqrt(iv.mpf([max(x.a, 0), x.b]))


def _iv_log(x: Any) -> Any:
    if x.a <= 0:
        raise _NotReal
    return iv.log(x)


def _iv_sign(x: Any) -> Any:
    if x.a > 0:
        return iv.mpf(1)
    if x.b < 0:
        return iv.mpf(-1)
    if x.a == 0 and x.b == 0:
        return iv.mpf(0)
    raise _NotReal


_IV_FUNCTIONS: dict[type, Callable[[Any], Any]] = {
    sp.exp: iv.exp, sp.log: _iv_log, sp.sin: iv.sin, sp.cos: iv.cos, sp.tan: iv.tan,
    sp.erf: iv.erf, sp.erfc: lambda x: 1 - iv.erf(x), sp.asin: _iv_asin, sp.acos: _iv_acos,
    sp.atan: _iv_atan, sp.sinh: _iv_sinh, sp.cosh: _iv_cosh, sp.tanh: _iv_tanh,
    sp.Abs: _iv_abs, sp.sign: _iv_sign,
}


def enclose(expr: sp.Expr, point: Mapping[sp.Symbol, Any]) -> Any:
    """An ``mpmath.iv`` interval containing the real value of ``expr`` at ``point``.

    ``point`` maps symbols to exact rationals or to ``mpmath.iv`` intervals.

    Runs at the current ``mpmath.iv`` precision.  Raises ``_NotReal`` where the
    expression is undefined or not real, ``_Unsupported`` for nodes it cannot
    enclose (unevaluated integrals, Piecewise, ...).
    """
    def walk(e: sp.Basic) -> Any:
        if e.is_Rational:
            return _iv_rational(e)
        if e.is_Float:
            return _iv_rational(sp.Rational(e))
        if e is sp.pi:
            return iv.pi
        if e is sp.E:
            return iv.e
        if e.is_Symbol:
            if e not in point:
                raise _Unsupported(f"no value for {e}")
            value = point[e]
            if isinstance(value, sp.Basic | int | Fraction):
                return _iv_rational(value)
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
                    raise _NotReal
                if k % 2 == 0 and k > 0:
                    return _iv_abs(b) ** k
                return b**k
            if exp.is_Rational and exp.q == 2:
                root = _iv_sqrt(walk(base))
                k = int(exp.p)
                if k < 0 and root.a <= 0:
                    raise _NotReal
                return root**k
            b = walk(base)
            if b.a <= 0:
                raise _NotReal
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
            raise _NotReal
        fn = _IV_FUNCTIONS.get(type(e))
        if fn is not None and len(e.args) == 1:
            return fn(walk(e.args[0]))
        if e in (sp.oo, -sp.oo, sp.zoo, sp.nan):  # not a real number: undefined there
            raise _NotReal
        raise _Unsupported(f"cannot enclose {type(e).__name__}")

    try:
        value = walk(sp.sympify(expr))
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise _NotReal from exc
    if not (mpmath.isfinite(value.a) and mpmath.isfinite(value.b)):
        raise _NotReal
    return value


class _IvPrecision:
    """Set ``mpmath.iv`` and ``mpmath.mp`` to ``dps`` digits inside a ``with`` block."""

    def __init__(self, dps: int) -> None:
        self.dps = dps

    def __enter__(self) -> None:
        self.saved = (iv.prec, mpmath.mp.prec)
        iv.dps = self.dps
        mpmath.mp.dps = self.dps

    def __exit__(self, *exc: object) -> None:
        iv.prec, mpmath.mp.prec = self.saved


def _istr(x: Any, digits: int) -> tuple[str, str]:
    return (mpmath.nstr(mpmath.mpf(x.a), digits), mpmath.nstr(mpmath.mpf(x.b), digits))


def _mid(x: Any) -> mpmath.mpf:
    return (mpmath.mpf(x.a) + mpmath.mpf(x.b)) / 2


# ---------------------------------------------------------------------------
# Numeric comparison
# ---------------------------------------------------------------------------

#: A reference evaluator: exact point -> list of candidate enclosures (a claim
#: agrees when it agrees with one of them), or raises _NotReal / _Unsupported.
Reference = Callable[[dict[sp.Symbol, sp.Rational]], list[Any]]


def _compare(claim: sp.Expr, reference: Reference, points: list[dict[sp.Symbol, sp.Rational]],
             dps: int) -> tuple[list[PointCheck], PointCheck | None]:
    """Evaluate both sides at every point; stop at the first certified difference."""
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
    with _IvPrecision(digits):
        try:
            refs = reference(point)
        except _NotReal:
            return PointCheck(shown, "-", "undefined", status="undefined")
        except _Unsupported as exc:
            raise NotClosedFormError(f"the reference value cannot be enclosed ({exc}), so "
                                     "this claim has no numeric check") from None
        try:
            value = enclose(claim, point)
        except _NotReal:
            return PointCheck(shown, "undefined", _fmt_refs(refs, dps), status="undefined")
        except _Unsupported as exc:
            raise ExpressionError(f"claim: {exc}") from None
        tol = mpmath.mpf(10) ** (-dps)
        best, status = refs[0], "differs"
        for ref in refs:
            diff = value - ref
            scale = max(mpmath.mpf(1), abs(_mid(ref)))
            if diff.a > 0 or diff.b < 0:
                continue
            if max(abs(diff.a), abs(diff.b)) <= tol * scale:
                best, status = ref, "agrees"
                break
            best, status = ref, "undecided"
        out = 12 if status == "differs" else dps
        kept = refs if status == "differs" else [best]
        return PointCheck(shown, mpmath.nstr(_mid(value), out), _fmt_refs(kept, out),
                          _istr(value, out + 5), tuple(_istr(r, out + 5) for r in kept), status)


def _fmt_refs(refs: list[Any], digits: int) -> str:
    texts = [mpmath.nstr(_mid(r), digits) for r in refs]
    return texts[0] if len(texts) == 1 else "{" + ", ".join(texts) + "}"


def _symbolic_reference(exprs: Sequence[sp.Expr]) -> Reference:
    def evaluate(point: dict) -> list[Any]:
        out = []
        for e in exprs:
            try:
                out.append(enclose(e, point))
            except _NotReal:
                continue
        if not out:
            raise _NotReal
        return out
    return evaluate


def _verdict_from_checks(claim: str, checks: list[PointCheck], counter: PointCheck | None,
                         dps: int) -> tuple[str, str]:
    if counter is not None:
        return "refuted", (f"at {_fmt_point(counter.point)}: claimed {counter.claimed} "
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


# ---------------------------------------------------------------------------
# Points
# ---------------------------------------------------------------------------


def _n_values(rng: random.Random, n_min: int, extra_n: int | None, large: bool) -> list[int]:
    values = [] if extra_n is None else [extra_n]
    values += [n_min, n_min + 1, n_min + 2]
    randoms = [rng.randint(n_min, 40) for _ in range(3)]
    if large:
        values += list(LARGE_N)
    else:
        values = [v for v in values if v <= NUMERIC_MAX_N]
        randoms = [min(r, NUMERIC_MAX_N) for r in randoms]
    out: list[int] = []
    for v in values + randoms:
        if v not in out:
            out.append(v)
    return out


def _draw_parameters(rng: random.Random, family: Any, n_value: int,
                     m_value: int | None) -> dict[sp.Symbol, sp.Rational]:
    values: dict[sp.Symbol, sp.Rational] = {}
    names = family.parameter_names
    for p in family.parameters:
        if p.name.startswith(("q", "a", "b")):
            values[p] = sp.Rational(rng.randint(10, 500), 100)
        elif p.name.startswith("rho"):
            values[p] = sp.Rational(rng.randint(0, 95), 100)
    for p in family.parameters:
        if p.name == "gamma":
            sizes = (n_value - 1, 1) if "b" in names else (m_value, n_value - m_value)
            rhos = [values[s] for s in family.parameters if s.name.startswith("rho")]
            if "b" in names:
                rhos = [rhos[0], sp.Integer(1)]
            r = [(1 + (s - 1) * rh) / s for s, rh in zip(sizes, rhos, strict=True)]
            limit = mpmath.sqrt(mpmath.mpf(r[0] * r[1]))
            f = mpmath.mpf(rng.randint(-90, 90)) / 100
            values[p] = sp.Rational(int(mpmath.floor(f * limit * 1000)), 1000)
    return values


def _family_points(family: Any, rng: random.Random, extra_n: int | None, large: bool,
                   with_parameters: bool) -> list[dict[sp.Symbol, sp.Rational]]:
    from theory.families import m, n

    points = []
    has_m = m in family.size_symbols
    for n_value in _n_values(rng, family.min_n, extra_n, large):
        if n_value < family.min_n:
            raise InvalidInputError(f"n must be >= {family.min_n} for the family "
                                    f"{family.name!r}, got {n_value}", parameter="n")
        point: dict[sp.Symbol, sp.Rational] = {n: sp.Integer(n_value)}
        m_value = None
        if has_m:
            m_value = rng.randint(1, n_value - 1)
            point[m] = sp.Integer(m_value)
        if with_parameters:
            point.update(_draw_parameters(rng, family, n_value, m_value))
        points.append(point)
    return points


def _kernel_points(rng: random.Random, unit: bool) -> list[dict[sp.Symbol, sp.Rational]]:
    cs = [sp.Integer(-1), sp.Rational(-1, 2), sp.Integer(0), sp.Rational(1, 3), sp.Integer(1)]
    cs += [sp.Rational(rng.randint(-99, 99), 100) for _ in range(3)]
    if unit:
        return [{C: c} for c in cs]
    points = []
    for c in cs:
        u = sp.Rational(rng.randint(20, 300), 100)
        v = sp.Rational(rng.randint(20, 300), 100)
        points.append({SII: u**2, SJJ: v**2, SIJ: u * v * c})
    return points


# ---------------------------------------------------------------------------
# Cached derivations (slow: symbolic simplification)
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _reduced_map(family: str, layer: str, activation: str) -> Any:
    from theory.reduce import reduced_map

    return reduced_map(family, layer, activation)


@functools.lru_cache(maxsize=32)
def _fixed_points(family: str, layer: str, activation: str) -> Any:
    from theory.fixed_points import closed_form_fixed_points

    return closed_form_fixed_points(family, layer, activation)


@functools.lru_cache(maxsize=32)
def _spectrum(family: str, layer: str, activation: str, at: str) -> Any:
    from theory.spectrum import spectrum

    return spectrum(_fixed_point(family, layer, activation, at), layer, activation)


def _fixed_point(family: str, layer: str, activation: str, at: str | None) -> Any:
    search = _fixed_points(family, layer, activation)
    names = [fp.name for fp in search.fixed_points]
    if at is None:
        if len(search.fixed_points) == 1:
            return search.fixed_points[0]
        raise InvalidInputError(
            f"at: name the fixed point (closed-form fixed points of {family} under "
            f"{layer}: {', '.join(names) or 'none'})", parameter="at")
    for fp in search.fixed_points:
        if fp.name == at:
            return fp
    raise UnknownNameError(f"unknown fixed point {at!r} (closed-form fixed points of {family} "
                           f"under {layer}: {', '.join(names) or 'none'})", parameter="at")


# ---------------------------------------------------------------------------
# The claim kinds
# ---------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*'?\s*=(?!=)(.*)$", re.S)


def _split_assignment(text: str, parameter: str | None) -> tuple[str, str | None]:
    """Accept ``rho' = EXPR`` / ``rho = EXPR`` as naming the parameter."""
    match = _ASSIGNMENT.match(text)
    if not match:
        return text, parameter
    name, body = match.group(1), match.group(2)
    if parameter is not None and parameter != name:
        raise ExpressionError(f"parameter is {parameter!r} but the claim names {name!r}",
                              parameter="parameter")
    return body, name


@dataclass
class _Setup:
    family: Any = None
    layer: str | None = None
    activation: str = "relu"


def _setup(family: str | None, layer: str | None, activation: str, quantity: str) -> _Setup:
    from theory.activations import get_activation
    from theory.families import get_family
    from theory.layers import parse_layer

    if family is None or layer is None:
        missing = "family" if family is None else "layer"
        raise InvalidInputError(f"{missing} is required for the quantity {quantity!r} "
                                "(give family and layer)", parameter=missing)
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation).name if kind.nl else "identity"
    return _Setup(fam, kind.name, act)


def _parse(text: str, variables: Mapping[str, sp.Symbol], what: str) -> sp.Expr:
    """Parse user text with the whitelist parser (which reads ``^`` as ``**``)."""
    return parse_expression(text, variables, what=what)


def _n_variables(family: Any) -> dict[str, sp.Symbol]:
    from theory.families import m, n

    out = {"n": n}
    if m in family.size_symbols:
        out["m"] = m
    return out


def _verify_kernel(text: str, activation: str, dps: int, rng: random.Random
                   ) -> tuple[str, list[str] | None, str | None, list[PointCheck],
                              PointCheck | None, dict]:
    from theory.activations import get_activation
    from theory.kernels import kernel

    act = get_activation(activation)
    variables = {"Sii": SII, "Sjj": SJJ, "Sij": SIJ, "c": C}
    claim = _parse(text, variables, "kernel claim")
    names = {s.name for s in claim.free_symbols}
    unit = "c" in names
    if unit and names & {"Sii", "Sjj", "Sij"}:
        raise ExpressionError("kernel claim: use either c (unit variances) or Sii, Sjj, Sij, "
                              "not both")
    context = {"activation": act.name, "variables": "c" if unit else "Sii, Sjj, Sij"}
    points = _kernel_points(rng, unit)
    if act.closed_form:
        ref = kernel(act, sp.Integer(1), sp.Integer(1), C) if unit else kernel(act, SII, SJJ, SIJ)
        c_ = sp.Symbol("c", real=True)

        def domain(e: sp.Expr) -> tuple[sp.Expr, list[str]]:
            if unit:
                return e, []
            return (e.subs(SIJ, sp.sqrt(SII) * sp.sqrt(SJJ) * c_),
                    ["substitute Sij = sqrt(Sii) sqrt(Sjj) c (Sii, Sjj > 0)"])

        chain = _try_prove(claim - ref, domain)
        if chain is not None:
            return "proved", chain, sp.sstr(ref), [], None, context
        checks, counter = _compare(claim, _symbolic_reference([ref]), points, dps)
        return "numeric", None, sp.sstr(ref), checks, counter, context
    # No closed form: 2-D Gaussian quadrature of numerics at the requested digits.
    from numerics.maps.precise import mean_field_map

    def reference(point: dict) -> list[Any]:
        sii = point.get(SII, sp.Integer(1))
        sjj = point.get(SJJ, sp.Integer(1))
        sij = point.get(SIJ, point.get(C))
        G = [[Fraction(str(sii)), Fraction(str(sij))], [Fraction(str(sij)), Fraction(str(sjj))]]
        result = mean_field_map(G, "nl", act, dps=max(15, dps), shape=False)
        value, err = result.F[0, 1], result.error_bound
        return [iv.mpf([value - err, value + err])]

    context["reference"] = "numerics 2-D Gaussian quadrature"
    checks, counter = _compare(claim, reference, points[:4], dps)
    return "numeric", None, None, checks, counter, context


def _numeric_member_reference(setup: _Setup, dps: int, parameter: sp.Symbol,
                              values_at: Callable[[dict], dict]) -> Reference:
    """Enclosure of ``parameter`` of ``F_hat(G)`` from ``numerics.maps.precise.shape_map`` on the
    explicit ``n x n`` member ``G = values_at(point)`` (its stated error bound, widened by
    the rounding of irrational member entries to ``dps + 40`` digits)."""
    from theory.cells import CellMatrix
    from theory.families import m, n

    fam = setup.family
    k = len(fam.cell_labels)
    dsyms = sp.symbols(f"d0:{k}")
    osyms = sp.symbols(f"o0:{k}")
    csyms = {(p, r): sp.Symbol(f"c{min(p, r)}{max(p, r)}") for p in range(k) for r in range(k)}

    def reference(point: dict) -> list[Any]:
        n_value = int(point[n])
        m_value = int(point[m]) if m in point else None
        entry, err, sizes = _member_image(setup, dps, values_at(point), n_value, m_value)
        cells = CellMatrix.from_entries(
            sizes, list(dsyms), [osyms[p] if sizes[p] > 1 else None for p in range(k)],
            lambda p, r: csyms[(p, r)])
        read = fam.parameters_of(cells)[parameter]
        table = {}
        for (kind, p, r), v in entry.items():
            sym = dsyms[p] if kind == "d" else osyms[p] if kind == "o" else csyms[(p, r)]
            table[sym] = iv.mpf([v - err, v + err])
        return [enclose(read, table)]

    return reference


def _member_image(setup: _Setup, dps: int, values: dict, n_value: int,
                  m_value: int | None) -> tuple[dict, Any, list[int]]:
    key = (setup.family.name, setup.layer, setup.activation, dps, n_value, m_value,
           tuple(sorted((str(k), sp.sstr(v)) for k, v in values.items())))
    if key not in _MEMBER_CACHE:
        _MEMBER_CACHE[key] = _member_image_uncached(setup, dps, values, n_value, m_value)
    return _MEMBER_CACHE[key]


_MEMBER_CACHE: dict[tuple, tuple[dict, Any, list[int]]] = {}


def _member_image_uncached(setup: _Setup, dps: int, values: dict, n_value: int,
                           m_value: int | None) -> tuple[dict, Any, list[int]]:
    from numerics.maps.precise import shape_map

    from theory.families import m, n

    fam = setup.family
    M = fam.matrix(values, n_value=n_value, m_value=m_value)
    inexact = any(not x.is_Rational for x in M)
    G = [[_exact_fraction(x, dps + 40) for x in row] for row in M.tolist()]
    with mpmath.workdps(dps + GUARD):
        result = shape_map(G, setup.layer, setup.activation, dps=max(15, dps))
    F = result.F_hat
    err = mpmath.mpf(result.error_bound_hat)
    if inexact:
        err += mpmath.mpf(10) ** (-(dps + 30))
    subs = {n: n_value, **({m: m_value} if m_value is not None else {})}
    sizes = [int(s.subs(subs)) for s in fam.sizes()]
    starts = [sum(sizes[:p]) for p in range(len(sizes))]
    entry: dict[tuple[str, int, int], Any] = {}
    for p, i in enumerate(starts):
        entry[("d", p, p)] = F[i, i]
        if sizes[p] > 1:
            entry[("o", p, p)] = F[i, i + 1]
        for r, j in enumerate(starts):
            if r != p:
                entry[("c", p, r)] = F[i, j]
    return entry, err, sizes


def _exact_fraction(x: sp.Expr, digits: int) -> Fraction | str:
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    return sp.N(x, digits).__str__()


# ---------------------------------------------------------------------------
# Outcome of one claim kind (before it becomes a VerifyResult)
# ---------------------------------------------------------------------------


@dataclass
class _Outcome:
    verdict: str  # "proved" or "numeric"
    chain: list[str] | None = None
    reference: str | None = None
    checks: list[PointCheck] = field(default_factory=list)
    counter: PointCheck | None = None
    context: dict[str, str] = field(default_factory=dict)
    note: str = ""
    joiner: str = " -> "


def _verify_reduced_map(text: str, setup: _Setup, parameter: str | None, dps: int,
                        rng: random.Random, extra_n: int | None) -> _Outcome:
    text, parameter = _split_assignment(text, parameter)
    fam = setup.family
    p = _parameter(fam, parameter)
    variables = {s.name: s for s in fam.parameters} | _n_variables(fam)
    claim = _parse(text, variables, "reduced-map claim")
    rm = _reduced_map(fam.name, setup.layer, setup.activation)
    ref = rm.images[p]
    context = _context(setup) | {"parameter": p.name}
    if not ref.has(sp.Integral):
        chain = _try_prove(claim - ref, lambda e: _domain_n(e, fam.min_n, True))
        if chain is not None:
            return _Outcome("proved", chain, sp.sstr(ref), context=context)
        points = _family_points(fam, rng, extra_n, True, True)
        checks, counter = _compare(claim, _symbolic_reference([ref]), points, dps)
        return _Outcome("numeric", None, sp.sstr(ref), checks, counter, context)
    context["reference"] = "numerics.maps.precise.shape_map (the RS integral does not close)"
    points = _family_points(fam, rng, extra_n, False, True)
    reference = _numeric_member_reference(
        setup, dps, p, lambda pt: {s: pt[s] for s in fam.parameters})
    checks, counter = _compare(claim, reference, points, dps)
    return _Outcome("numeric", None, None, checks, counter, context)


def _parameter(fam: Any, name: str | None) -> sp.Symbol:
    if name is None:
        raise InvalidInputError(f"parameter: name the family parameter, or write the claim "
                                f"as 'NAME = EXPR' (parameters of {fam.name}: "
                                f"{', '.join(fam.parameter_names)})", parameter="parameter")
    for p in fam.parameters:
        if p.name == name:
            return p
    raise UnknownNameError(f"family {fam.name!r} has no parameter {name!r} "
                           f"(parameters: {', '.join(fam.parameter_names)})",
                           parameter="parameter")


def _context(setup: _Setup) -> dict[str, str]:
    return {"family": setup.family.name, "layer": setup.layer, "activation": setup.activation}


def _verify_fixed_point(text: str, setup: _Setup, parameter: str | None, at: str | None,
                        point: Mapping[str, str] | None, dps: int, rng: random.Random,
                        extra_n: int | None) -> _Outcome:
    from theory.fixed_points import image_parameters

    text, parameter = _split_assignment(text, parameter)
    fam = setup.family
    p = _parameter(fam, parameter)
    nvars = _n_variables(fam)
    claim = _parse(text, nvars, "fixed-point claim")
    context = _context(setup) | {"parameter": p.name}
    domain = functools.partial(_domain_n_fixed, n_min=fam.min_n)
    if at is not None or (point is None and _needs_at(fam)):
        fp = _fixed_point(fam.name, setup.layer, setup.activation, at)
        context["at"] = fp.name
        ref = fp.values[p]
        chain = _try_prove(claim - ref, domain)
        if chain is not None:
            return _Outcome("proved", chain, sp.sstr(ref), context=context)
        points = _family_points(fam, rng, extra_n, True, False)
        checks, counter = _compare(claim, _symbolic_reference([ref]), points, dps)
        return _Outcome("numeric", None, sp.sstr(ref), checks, counter, context)
    if point is None:
        # A closed-form fixed point with this parameter value proves the claim.
        for fp in _fixed_points(fam.name, setup.layer, setup.activation).fixed_points:
            chain = _try_prove(claim - fp.values[p], domain)
            if chain is not None:
                context["at"] = fp.name
                return _Outcome("proved", chain, sp.sstr(fp.values[p]), context=context)
    # The claimed member itself: is it fixed by F_hat?
    values: dict[sp.Symbol, sp.Expr] = {p: claim}
    for name, expr_text in (point or {}).items():
        other = _parameter(fam, name)
        if other == p:
            raise InvalidInputError(f"point: parameter {name!r} given twice", parameter="point")
        values[other] = _parse(expr_text, nvars, f"fixed-point value of {name}")
    if fam.name == "symmetric":
        values.setdefault(fam.parameters[0], sp.Integer(1))  # q = 1 (trace n)
    missing = [s.name for s in fam.parameters if s not in values]
    if missing:
        raise InvalidInputError(f"point: give the other parameters of the claimed point "
                                f"({', '.join(missing)}), or name a fixed point with at",
                                parameter="point")
    context["point"] = ", ".join(f"{s.name} = {sp.sstr(v)}" for s, v in values.items())
    context["claim"] = "the member with these parameters is a fixed point of F_hat"
    # Numbers first (a false claim is refuted quickly), then the symbolic route.
    points = _family_points(fam, rng, extra_n, False, False)
    checks: list[PointCheck] = []
    for s in fam.parameters:
        reference = _numeric_member_reference(
            setup, dps, s, lambda pt: {k: v.subs(pt) for k, v in values.items()})
        part, counter = _compare(values[s], reference, points, dps)
        checks += [PointCheck({**c.point, "parameter": s.name}, c.claimed, c.reference,
                              c.claimed_enclosure, c.reference_enclosures, c.status)
                   for c in part]
        if counter is not None:
            return _Outcome("numeric", None, "F_hat(G) = G", checks, checks[-1], context)
    chains: list[str] = []
    try:
        from theory.layers import parse_layer

        image = image_parameters(fam, values, parse_layer(setup.layer),
                                 None if setup.activation == "identity"
                                 else _activation(setup.activation))
        for s in fam.parameters:
            if image[s].has(sp.Integral):
                chains = []
                break
            chain = _try_prove(image[s] - values[s], domain)
            if chain is None:
                chains = []
                break
            chains.append(f"{s.name}: " + " -> ".join(chain))
    except NotClosedFormError:
        chains = []
    if chains:
        return _Outcome("proved", chains, "F_hat(G) = G", context=context, joiner="; ")
    return _Outcome("numeric", None, "F_hat(G) = G", checks, None, context)


def _activation(name: str) -> Any:
    from theory.activations import get_activation

    return get_activation(name)


def _needs_at(fam: Any) -> bool:
    return fam.name != "symmetric"


def _domain_n_fixed(expr: sp.Expr, n_min: int) -> tuple[sp.Expr, list[str]]:
    return _domain_n(expr, n_min, True)


def _eigen_entries(setup: _Setup, at: str | None, symmetry: str | None) -> tuple[Any, list]:
    fp = _fixed_point(setup.family.name, setup.layer, setup.activation, at)
    spec = _spectrum(setup.family.name, setup.layer, setup.activation, fp.name)
    entries = list(spec.eigenvalues)
    if symmetry:
        key = symmetry.strip().lower()
        entries = [e for e in entries if key in e.symmetry.lower() or key in e.component.lower()]
        if not entries:
            known = sorted({e.component for e in spec.eigenvalues})
            raise UnknownNameError(f"no eigenvalue with symmetry {symmetry!r} at {fp.name} "
                                   f"(components: {', '.join(known)})")
    return fp, entries


def _positive_multiplicity(mult: sp.Expr, point: dict) -> bool:
    value = sp.sympify(mult).subs(point)
    return bool(value.is_number and value > 0)


def _verify_eigenvalue(text: str, setup: _Setup, at: str | None, multiplicity: str | None,
                       symmetry: str | None, dps: int, rng: random.Random,
                       extra_n: int | None) -> _Outcome:
    fam = setup.family
    nvars = _n_variables(fam)
    claim = _parse(text, nvars, "eigenvalue claim")
    mult_claim = None if multiplicity is None else _parse(str(multiplicity), nvars,
                                                          "multiplicity claim")
    fp, entries = _eigen_entries(setup, at, symmetry)
    context = _context(setup) | {"at": fp.name}
    if symmetry:
        context["symmetry"] = symmetry
    domain = functools.partial(_domain_n_fixed, n_min=fam.min_n)
    matched, chain = [], None
    for e in entries:
        c = _try_prove(claim - e.value, domain)
        if c is not None:
            matched.append(e)
            chain = chain or c
    points = _family_points(fam, rng, extra_n, True, False)
    if matched:
        labels = "; ".join(f"{e.component} (multiplicity {sp.sstr(e.multiplicity)})"
                           for e in matched)
        context["matches"] = labels
        ref_text = sp.sstr(matched[0].value)
        if mult_claim is None:
            return _Outcome("proved", chain, ref_text, context=context)
        total = sp.Add(*[e.multiplicity for e in matched])
        mchain = _try_prove(mult_claim - total, domain)
        if mchain is not None:
            return _Outcome("proved", chain + ["multiplicity: " + " -> ".join(mchain)],
                            ref_text, context=context)
        checks, counter = _compare(mult_claim, _symbolic_reference([total]), points, dps)
        if counter is not None:
            counter = PointCheck({**counter.point, "of": "multiplicity"}, counter.claimed,
                                 counter.reference, counter.claimed_enclosure,
                                 counter.reference_enclosures, counter.status)
        return _Outcome("numeric", None, f"multiplicity {sp.sstr(total)}", checks, counter,
                        context, note="eigenvalue proved; multiplicity")

    def reference(point: dict) -> list[Any]:
        present = [e.value for e in entries if _positive_multiplicity(e.multiplicity, point)]
        return _symbolic_reference(present)(point)

    checks, counter = _compare(claim, reference, points, dps)
    note = "" if mult_claim is None else " (multiplicity not checked without a proof)"
    return _Outcome("numeric", None, "one of: " + ", ".join(sp.sstr(e.value) for e in entries),
                    checks, counter, context, note=note)


def _verify_spectral_radius(text: str, setup: _Setup, at: str | None, dps: int,
                            rng: random.Random, extra_n: int | None) -> _Outcome:
    fam = setup.family
    claim = _parse(text, _n_variables(fam), "spectral-radius claim")
    fp, entries = _eigen_entries(setup, at, None)
    context = _context(setup) | {"at": fp.name}
    domain = functools.partial(_domain_n_fixed, n_min=fam.min_n)
    for e in entries:
        for sign in (1, -1):
            chain = _try_prove(claim - sign * e.value, domain)
            if chain is None:
                continue
            top = _domain_n(sign * e.value, fam.min_n)[0]
            mult = _domain_n(sp.sympify(e.multiplicity), fam.min_n)[0]
            ok = _nonnegative_in_N(top) and _positive_in_N(mult) and all(
                _nonnegative_in_N(top - _domain_n(o.value, fam.min_n)[0])
                and _nonnegative_in_N(top + _domain_n(o.value, fam.min_n)[0])
                for o in entries if o is not e)
            if ok:
                chain = chain + [f"|{sp.sstr(e.value)}| >= |every other eigenvalue| for all "
                                 f"n >= {fam.min_n} (rational functions of N with coefficients "
                                 "of one sign), its multiplicity > 0"]
                return _Outcome("proved", chain, sp.sstr(e.value), context=context)
    points = _family_points(fam, rng, extra_n, True, False)

    def reference(point: dict) -> list[Any]:
        mods = []
        for e in entries:
            if not _positive_multiplicity(e.multiplicity, point):
                continue
            try:
                mods.append(_iv_abs(enclose(e.value, point)))
            except _NotReal:
                continue
        if not mods:
            raise _NotReal
        return [iv.mpf([max(x.a for x in mods), max(x.b for x in mods)])]

    checks, counter = _compare(claim, reference, points, dps)
    return _Outcome("numeric", None, "max |eigenvalue| over " + ", ".join(
        sp.sstr(e.value) for e in entries), checks, counter, context)


def _positive_in_N(expr: sp.Expr) -> bool:
    expr = sp.expand(expr)
    try:
        poly = sp.Poly(expr, _N0)
    except sp.PolynomialError:
        return False
    coeffs = poly.all_coeffs()
    return (all(c.is_Rational and c >= 0 for c in coeffs) and poly.eval(0) > 0)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def verify(
    quantity: str,
    expr: str,
    *,
    family: str | None = None,
    layer: str | None = None,
    activation: str = "relu",
    parameter: str | None = None,
    at: str | None = None,
    multiplicity: str | int | None = None,
    symmetry: str | None = None,
    point: Mapping[str, str] | None = None,
    n: int | None = None,
    dps: int = DEFAULT_DPS,
    seed: int = 0,
    name: str | None = None,
) -> VerifyResult:
    """Check that the user expression ``expr`` equals the named ``quantity``.

    Parameters
    ----------
    quantity
        One of :data:`QUANTITIES`.
    expr
        The claimed formula (user text, parsed by the whitelist of
        :func:`theory.expressions.parse_expression`; never evaluated as Python).
        For ``reduced-map`` and ``fixed-point`` it may read ``rho' = ...`` or
        ``rho = ...``, which names the parameter.
    family, layer, activation
        The family (``symmetric``, ``cluster-odd``, ``two-clusters``), layer kind
        and activation (``activation`` alone for ``kernel``).
    parameter
        The family parameter the claim is about (``reduced-map``, ``fixed-point``).
    at
        The name of a closed-form fixed point (``fixed-point``, ``eigenvalue``,
        ``spectral-radius``; optional when the family has only one).
    multiplicity, symmetry
        For ``eigenvalue``: the claimed multiplicity (an expression in ``n``) and
        a substring of the symmetry label or component that selects the block.
    point
        For ``fixed-point`` without ``at``: the other parameters of the claimed
        fixed point, ``{name: expression in n}`` (the claim is then that this
        member of the family is fixed by ``F_hat``).
    n
        A batch size checked first (in addition to the documented points).
    dps
        Digits of agreement required at every point (15 to 200).
    seed
        Seed of ``random.Random`` for the random points (module docstring).
    name
        A label for tables.

    Returns
    -------
    VerifyResult

    Raises
    ------
    ExpressionError
        For a claim that is not an admissible expression (names the token).
    UnknownNameError, InvalidInputError
        For unknown quantities, families, parameters, fixed points, or bad options.
    """
    quantity = str(quantity).strip().lower()
    if quantity not in QUANTITIES:
        raise UnknownNameError(f"unknown quantity {quantity!r} (known: {', '.join(QUANTITIES)})",
                               parameter="quantity")
    if isinstance(dps, bool) or not isinstance(dps, int) or not 15 <= dps <= 200:
        raise InvalidInputError(f"dps must be an integer in [15, 200], got {dps!r}",
                                parameter="dps")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 2):
        raise InvalidInputError(f"n must be an integer >= 2, got {n!r}", parameter="n")
    if not isinstance(expr, str):
        raise ExpressionError(f"claim: expected a string, got {type(expr).__name__}",
                              parameter="expr")
    rng = random.Random(seed)
    if quantity == "kernel":
        verdict, chain, ref, checks, counter, context = _verify_kernel(expr, activation, dps, rng)
        outcome = _Outcome(verdict, chain, ref, checks, counter, context)
    else:
        setup = _setup(family, layer, activation, quantity)
        if quantity == "reduced-map":
            outcome = _verify_reduced_map(expr, setup, parameter, dps, rng, n)
        elif quantity == "fixed-point":
            outcome = _verify_fixed_point(expr, setup, parameter, at, point, dps, rng, n)
        elif quantity == "eigenvalue":
            outcome = _verify_eigenvalue(expr, setup, at, multiplicity, symmetry, dps, rng, n)
        else:
            outcome = _verify_spectral_radius(expr, setup, at, dps, rng, n)
    claim_text = " ".join(expr.split())
    if outcome.verdict == "proved":
        chain = outcome.chain or []
        evidence = "SymPy: " + outcome.joiner.join(chain)
        return VerifyResult(quantity, claim_text, "proved", evidence, outcome.reference, name,
                            chain, None, [], dps, outcome.context)
    verdict, evidence = _verdict_from_checks(claim_text, outcome.checks, outcome.counter, dps)
    if outcome.note:
        evidence = f"{outcome.note}: {evidence}" if outcome.note.endswith("multiplicity") \
            else evidence + outcome.note
    return VerifyResult(quantity, claim_text, verdict, evidence, outcome.reference, name, [],
                        outcome.counter, outcome.checks, dps, outcome.context)


#: Keys a claim of a claims file may have.
CLAIM_KEYS = frozenset({"name", "quantity", "expr", "family", "layer", "activation",
                        "parameter", "at", "multiplicity", "symmetry", "point", "n", "dps",
                        "seed"})


def verify_file(path: str | Path) -> list[VerifyResult]:
    """Check every claim of a TOML claims file (``[[claim]]`` tables; see docs).

    Raises
    ------
    InvalidInputError
        For an unreadable file, invalid TOML, unknown keys or a claim without
        ``quantity``/``expr``; errors of a claim are prefixed with its name.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InvalidInputError(f"cannot read claims file {str(path)!r}: {reason}",
                                parameter="path") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"claims file {str(path)!r} is not valid TOML: {exc}",
                                parameter="path") from None
    claims = data.get("claim")
    if not isinstance(claims, list) or not claims:
        raise InvalidInputError(f"claims file {str(path)!r} has no [[claim]] tables",
                                parameter="path")
    results = []
    for index, claim in enumerate(claims, start=1):
        if not isinstance(claim, dict):
            raise InvalidInputError(f"claims file {str(path)!r}: claim {index} is not a "
                                    "[[claim]] table", parameter="path")
        label = str(claim.get("name", f"claim {index}"))
        unknown = sorted(set(claim) - CLAIM_KEYS)
        if unknown:
            raise InvalidInputError(f"{label}: unknown keys {unknown} "
                                    f"(allowed: {', '.join(sorted(CLAIM_KEYS))})",
                                    parameter="path")
        for key in ("quantity", "expr"):
            if key not in claim:
                raise InvalidInputError(f"{label}: missing {key!r}", parameter="path")
        kwargs = {k: v for k, v in claim.items() if k not in ("quantity", "expr", "name")}
        if "point" in kwargs and not isinstance(kwargs["point"], dict):
            raise InvalidInputError(f"{label}: 'point' must be a table of name = \"expr\"",
                                    parameter="path")
        if "multiplicity" in kwargs:
            kwargs["multiplicity"] = str(kwargs["multiplicity"])
        try:
            results.append(verify(claim["quantity"], claim["expr"], name=label, **kwargs))
        except BnverifyError as exc:  # a key of the file, not an argument: name the file
            raise type(exc)(f"{label}: {exc}", parameter="path") from None
        except TypeError as exc:
            raise InvalidInputError(f"{label}: {exc}", parameter="path") from None
    return results


__all__ = ["QUANTITIES", "VERDICTS", "ClaimsReport", "PointCheck", "VerifyResult", "enclose",
           "prove_zero", "verify", "verify_file"]
