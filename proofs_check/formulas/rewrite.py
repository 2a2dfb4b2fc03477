"""Proving ``claim - reference = 0`` by SymPy rewrites that are identities on the domain.

The domain is encoded in the assumptions of the symbols, never forced: a batch
size is ``n = N + n_min`` with ``N`` a non-negative integer (:func:`domain_n`),
norms are positive, ``Sij = sqrt(Sii) sqrt(Sjj) c``.  Square roots of products
are split only where SymPy's assumptions prove the factors non-negative
(``expand_power_base`` without ``force``); :func:`theory.simplify.split_roots`
(only numerically guarded) is never used.

Also here: sign proofs for rational functions of ``N`` (:func:`nonnegative_in_N`,
:func:`positive_in_N`), used to prove that an eigenvalue has the largest modulus.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from theory.families import m, n

#: ``n - n_min`` (and ``m - 1``, ``n - m - 1``) in proofs.
N0 = sp.Symbol("N", integer=True, nonnegative=True)
M0 = sp.Symbol("M", integer=True, nonnegative=True)
K0 = sp.Symbol("K", integer=True, nonnegative=True)

#: A domain: ``expr -> (expr in the domain's symbols, the substitution steps)``.
Domain = Callable[[sp.Expr], tuple[sp.Expr, list[str]]]


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


#: The rewrites, in order: (name in the chain, step, largest ``count_ops`` tried).
STEPS: list[tuple[str, Callable[[sp.Expr], sp.Expr], int]] = [
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
    (nothing is forced); the steps of :data:`STEPS` are tried cumulatively and
    those that change the expression are recorded.  Steps are skipped when the
    expression is larger (``count_ops``) than their budget.

    Parameters
    ----------
    expr
        A SymPy expression (or anything ``sympify`` accepts).

    Returns
    -------
    list of str or None
        The names of the steps that changed the expression, the last one marked
        ``-> 0``; ``None`` when no chain reaches 0 (which proves nothing).
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return ["canonical form -> 0"]
    chain: list[str] = []
    for name, step, budget in STEPS:
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


def domain_n(expr: sp.Expr, n_min: int, with_m: bool = False) -> tuple[sp.Expr, list[str]]:
    """Put ``expr`` on the domain of batch sizes.

    Substitutes ``n = N + n_min`` (``N >= 0`` an integer); with ``with_m`` and an
    ``m`` in ``expr``: ``m = M + 1``, ``n = M + K + 2`` (``M, K >= 0`` integers).

    Returns
    -------
    tuple
        The substituted expression and the substitution as chain steps (empty
        when ``expr`` holds neither ``n`` nor ``m``).
    """
    if with_m and expr.has(m):
        return (expr.subs({n: M0 + K0 + 2, m: M0 + 1}),
                ["substitute m = M + 1, n = M + K + 2 (M, K >= 0 integers)"])
    if expr.has(n):
        return expr.subs(n, N0 + n_min), [f"substitute n = N + {n_min} (N >= 0 integer)"]
    return expr, []


def batch_domain(n_min: int) -> Domain:
    """The domain of a family's batch sizes, ``n >= n_min`` (and ``1 <= m < n``)."""
    def domain(expr: sp.Expr) -> tuple[sp.Expr, list[str]]:
        return domain_n(expr, n_min, True)

    return domain


def try_prove(diff: sp.Expr, domain: Domain) -> list[str] | None:
    """:func:`prove_zero` of ``diff`` on ``domain``; the chain starts with its substitution."""
    expr, pre = domain(diff)
    chain = prove_zero(expr)
    return None if chain is None else pre + chain


def nonnegative_in_N(expr: sp.Expr) -> bool:
    """Whether ``expr`` (a rational function of ``N >= 0``) is provably ``>= 0``.

    True when numerator and denominator are polynomials in ``N`` with rational
    coefficients all of one sign (the same sign for both) and the denominator
    does not vanish at ``N = 0``.
    """
    expr = sp.cancel(sp.together(expr))
    if expr == 0:
        return True
    if expr.free_symbols - {N0}:
        return False
    num, den = sp.fraction(expr)
    try:
        pn, pd = sp.Poly(num, N0), sp.Poly(den, N0)
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


def positive_in_N(expr: sp.Expr) -> bool:
    """Whether ``expr`` is a polynomial in ``N >= 0`` with rational coefficients
    ``>= 0`` and a positive value at ``N = 0`` (hence ``> 0`` for every ``N``)."""
    expr = sp.expand(expr)
    try:
        poly = sp.Poly(expr, N0)
    except sp.PolynomialError:
        return False
    coeffs = poly.all_coeffs()
    return (all(c.is_Rational and c >= 0 for c in coeffs) and poly.eval(0) > 0)


__all__ = ["K0", "M0", "N0", "STEPS", "Domain", "batch_domain", "domain_n", "nonnegative_in_N",
           "positive_in_N", "prove_zero", "try_prove"]
