r"""Public Hypothesis strategies for testing mean-field derivations.

Import them in your own tests::

    from hypothesis import given
    from proofs_check.strategies import gram_matrices, layer_kinds, activation_names

    @given(gram_matrices(max_n=5), layer_kinds(), activation_names(closed_form=True))
    def test_my_property(G, layer, activation): ...

What each strategy draws
------------------------
:func:`gram_matrices`
    Gram matrices ``G = X X^T`` (float64, exactly symmetric, PSD by
    construction) of ``n`` points in ``R^k``.  Every draw is built *from points*,
    so it is PSD whatever the numbers; the ``kind`` decides the geometry:

    ``generic``        ``k = n`` points with independent coordinates;
    ``rank_deficient`` ``k < n`` (points in a subspace) and/or exactly repeated
                       points (equal rows of ``G``) and/or a zero point;
    ``near_duplicate`` a point equal to another plus a perturbation of relative
                       size ``10^-9 .. 10^-3``;
    ``badly_scaled``   points multiplied by ``10^e``, ``e`` in ``[-4, 4]``
                       (norms spread over up to 8 decades).
:func:`layer_kinds`
    one of the 8 :class:`theory.layers.LayerKind` (every subset of RC, RS, NL).
:func:`activation_names`, :func:`activation_expressions`, :func:`activations`
    built-in names (optionally only those with a closed-form kernel, or only the
    positively homogeneous ones) and SymPy expressions in ``x`` from a small
    grammar (see :func:`activation_expressions`).
:func:`family_members`
    members of the simplified families of :mod:`theory.families` with exact
    (SymPy) parameters inside the PSD region, at a concrete ``n``.

PSD regions of the families (derived from the spectrum of a cell-invariant
matrix, :mod:`theory.cells`): for ``s`` points with norm^2 ``a`` and pairwise
correlation ``rho`` the Gram block has eigenvalues ``a(1 - rho)`` (multiplicity
``s - 1``) and ``a(1 + (s - 1) rho)``, so ``-1/(s-1) <= rho <= 1``.  Two blocks of
sizes ``s, t`` with cross correlation ``gamma`` act on ``span{1_p, 1_q}`` as
``[[a A, g sqrt(s t)], [g sqrt(s t), b B]]`` with ``A = 1 + (s-1) rho_1``,
``B = 1 + (t-1) rho_2``, ``g = gamma sqrt(a b)``, which is PSD iff
``gamma^2 <= A B / (s t)``.  The strategies draw ``gamma = u sqrt(A B / (s t))``
with ``u`` in ``[-1, 1]``, so boundary members (``u = +-1``, ``rho = 1``,
``rho = -1/(s-1)``) are reachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from theory.activations import get_activation, list_activations
from theory.families import FAMILIES, Family, get_family
from theory.layers import LayerKind

__all__ = [
    "GRAM_KINDS",
    "FamilyMember",
    "activation_expressions",
    "activation_names",
    "activations",
    "batch_sizes",
    "family_members",
    "gram_matrices",
    "layer_kinds",
    "points",
]

#: The geometries :func:`gram_matrices` can draw.
GRAM_KINDS = ("generic", "rank_deficient", "near_duplicate", "badly_scaled")

_COORD = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False,
                   allow_subnormal=False)


def batch_sizes(min_n: int = 2, max_n: int = 6) -> st.SearchStrategy[int]:
    """Batch sizes ``n`` with ``min_n <= n <= max_n`` (``min_n >= 2``)."""
    if min_n < 2 or max_n < min_n:
        raise ValueError(f"batch_sizes: need 2 <= min_n <= max_n, got {min_n}, {max_n}")
    return st.integers(min_value=min_n, max_value=max_n)


@st.composite
def points(draw: st.DrawFn, n: int, k: int) -> np.ndarray:
    """``n`` points in ``R^k`` (an ``(n, k)`` float64 array) with at least one non-zero point.

    Coordinates are floats in ``[-2, 2]`` (magnitudes below ``1e-6`` set to 0); a
    draw whose points are all zero gets its first coordinate set to 1 (so that ``G != 0``).
    """
    X = np.array(draw(st.lists(st.lists(_COORD, min_size=k, max_size=k), min_size=n,
                               max_size=n)), dtype=float)
    # Coordinates below 1e-6 in magnitude become exact zeros: bad scaling is drawn
    # on purpose by ``badly_scaled`` (decades chosen explicitly), not by accident.
    X[np.abs(X) < 1e-6] = 0.0
    if not np.any(X):
        X[0, 0] = 1.0
    return X


def _gram_of(X: np.ndarray) -> np.ndarray:
    G = X @ X.T
    return (G + G.T) / 2


@st.composite
def gram_matrices(
    draw: st.DrawFn,
    n: int | None = None,
    *,
    min_n: int = 2,
    max_n: int = 6,
    kinds: tuple[str, ...] = GRAM_KINDS,
) -> np.ndarray:
    """PSD Gram matrices ``G = X X^T`` of ``n`` points (``n`` given or drawn).

    Parameters
    ----------
    n
        Fixed batch size; ``None`` draws it.
    min_n, max_n
        Range of the drawn ``n``.
    kinds
        A subset of :data:`GRAM_KINDS`; the geometry is drawn from it.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` float64, exactly symmetric, PSD up to rounding (it is the Gram
        matrix of explicit points), never the zero matrix.
    """
    bad = set(kinds) - set(GRAM_KINDS)
    if bad or not kinds:
        raise ValueError(f"gram_matrices: unknown kinds {sorted(bad)} (use {GRAM_KINDS})")
    size = n if n is not None else draw(batch_sizes(min_n, max_n))
    kind = draw(st.sampled_from(kinds))
    if kind == "generic":
        return _gram_of(draw(points(size, size)))
    if kind == "rank_deficient":
        k = draw(st.integers(min_value=1, max_value=max(1, size - 1)))
        X = draw(points(size, k))
        # Exact repeats (equal rows of G) and, sometimes, an exactly zero point.
        repeats = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)),
                                max_size=size))
        for i, j in repeats:
            X[j] = X[i]
        if size > 2 and draw(st.booleans()):
            X[draw(st.integers(0, size - 1))] = 0.0
        if not np.any(X):
            X[0, 0] = 1.0
        return _gram_of(X)
    if kind == "near_duplicate":
        X = draw(points(size, size))
        i, j = draw(st.permutations(range(size)))[:2]
        scale = 10.0 ** draw(st.integers(min_value=-9, max_value=-3))
        direction = np.array(draw(st.lists(_COORD, min_size=size, max_size=size)))
        norm = max(np.linalg.norm(X[i]), 1.0)
        X[j] = X[i] + scale * norm * direction
        if not np.any(X):
            X[0, 0] = 1.0
        return _gram_of(X)
    X = draw(points(size, size))
    exps = draw(st.lists(st.integers(min_value=-4, max_value=4), min_size=size, max_size=size))
    X = X * (10.0 ** np.array(exps, dtype=float))[:, None]
    if not np.any(X):
        X[0, 0] = 1.0
    return _gram_of(X)


def layer_kinds(*, rs: bool | None = None, nl: bool | None = None,
                rc: bool | None = None) -> st.SearchStrategy[LayerKind]:
    """One of the 8 layer kinds, optionally with components forced on (``True``) or off."""
    wanted = {"rc": rc, "rs": rs, "nl": nl}
    kinds = [k for k in LayerKind.all()
             if all(v is None or getattr(k, c) == v for c, v in wanted.items())]
    if not kinds:
        raise ValueError("layer_kinds: no layer kind satisfies the constraints")
    return st.sampled_from(kinds)


def activation_names(*, closed_form: bool | None = None,
                     homogeneous: bool | None = None) -> st.SearchStrategy[str]:
    """Built-in activation names, plus ``leaky_relu(p)`` with a drawn rational slope.

    ``closed_form=True`` keeps those with a closed-form kernel (identity, ReLU,
    leaky ReLU, abs, step, sign, erf); ``homogeneous=True`` those of degree 0 or 1.
    """

    def keep(name: str) -> bool:
        act = get_activation(name)
        return ((closed_form is None or act.closed_form == closed_form)
                and (homogeneous is None or act.homogeneous == homogeneous))

    names = [name for name in list_activations() if keep(name)]
    leaky = st.fractions(min_value=Fraction(-2), max_value=Fraction(2),
                         max_denominator=10).map(lambda p: f"leaky_relu({p})")
    options: list[st.SearchStrategy[str]] = []
    if names:
        options.append(st.sampled_from(names))
    if keep("leaky_relu"):
        options.append(leaky)
    if not options:
        raise ValueError("activation_names: no activation satisfies the constraints")
    return st.one_of(*options)


_UNARY = ("tanh", "sin", "erf", "atan", "Abs", "cos")
_BINARY = ("+", "-", "*")


def activation_expressions(max_leaves: int = 4) -> st.SearchStrategy[str]:
    """SymPy expressions in ``x`` from a small grammar (as text, for ``get_activation``).

    Grammar::

        E := x | c * x | f(E) | (E) op (E) | Max(E, 0)
        f in {tanh, sin, erf, atan, Abs, cos},  op in {+, -, *},  c in {1/2, 2, -1}

    The result is ``x * (E)`` or ``E + x`` at the top, so it always depends on
    ``x``; every function is bounded or grows at most polynomially, so Gaussian
    expectations are finite.
    """
    leaf = st.sampled_from(["x", "x/2", "2*x", "-x"])

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        unary = st.tuples(st.sampled_from(_UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
        binary = st.tuples(children, st.sampled_from(_BINARY), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})")
        relu = children.map(lambda e: f"Max({e}, 0)")
        return st.one_of(unary, binary, relu)

    body = st.recursive(leaf, extend, max_leaves=max_leaves)
    return st.tuples(st.sampled_from(["x*({})", "{} + x"]), body).map(
        lambda t: t[0].format(t[1]))


def activations(*, closed_form: bool | None = None) -> st.SearchStrategy[str]:
    """Built-in names or grammar expressions (expressions only when ``closed_form`` is not True)."""
    names = activation_names(closed_form=closed_form)
    if closed_form:
        return names
    return st.one_of(names, activation_expressions())


@dataclass(frozen=True)
class FamilyMember:
    """A member of a simplified family at a concrete batch size.

    Attributes
    ----------
    family
        The :class:`theory.families.Family`.
    values
        Parameter name -> exact SymPy value (inside the PSD region).
    n, m
        The batch size and, for ``two-clusters``, the first cluster's size.
    """

    family: Family
    values: Mapping[str, sp.Expr] = field(hash=False)
    n: int
    m: int | None = None

    def matrix(self) -> sp.Matrix:
        """The exact ``n x n`` SymPy matrix."""
        return self.family.matrix(dict(self.values), n_value=self.n, m_value=self.m)

    def gram(self) -> np.ndarray:
        """The member as a float64 array."""
        return np.array(self.matrix().evalf(30).tolist(), dtype=float)

    def subs(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitutions (parameters, ``n``, ``m``) for the family's symbolic expressions."""
        out: dict[sp.Symbol, sp.Expr] = {p: self.values[p.name] for p in self.family.parameters}
        for s in self.family.size_symbols:
            out[s] = sp.Integer(self.n if s.name == "n" else self.m)
        return out


def _rational(draw: st.DrawFn, low: Fraction, high: Fraction) -> sp.Rational:
    f = draw(st.fractions(min_value=low, max_value=high, max_denominator=12))
    return sp.Rational(f.numerator, f.denominator)


def _norm2(draw: st.DrawFn) -> sp.Rational:
    return _rational(draw, Fraction(1, 8), Fraction(4))


def _corr(draw: st.DrawFn, size: int) -> sp.Rational:
    """A correlation inside ``[-1/(size-1), 1]`` (any in ``[-1, 1]`` when ``size == 1``)."""
    low = Fraction(-1, size - 1) if size > 1 else Fraction(-1)
    return _rational(draw, low, Fraction(1))


@st.composite
def family_members(
    draw: st.DrawFn,
    family: str | Family | None = None,
    *,
    n: int | None = None,
    ns: tuple[int, ...] = (3, 4, 7),
) -> FamilyMember:
    """A member of ``family`` (drawn among all families when ``None``) inside its PSD region.

    ``n`` is fixed or drawn from ``ns`` (values below the family's ``min_n`` are
    skipped); for ``two-clusters`` the size ``m`` is drawn in ``[2, n - 2]``.
    """
    if family is None:
        fam = draw(st.sampled_from(list(FAMILIES.values())))
    else:
        fam = get_family(family)
    if n is None:
        allowed = [v for v in ns if v >= fam.min_n]
        if not allowed:
            raise ValueError(f"family_members: no n in {ns} is >= {fam.min_n}")
        size = draw(st.sampled_from(allowed))
    else:
        size = n
    if fam.name == "symmetric":
        values = {"q": _norm2(draw), "rho": _corr(draw, size)}
        return FamilyMember(fam, values, size)
    u = _rational(draw, Fraction(-1), Fraction(1))
    if fam.name == "cluster-odd":
        s, t = size - 1, 1
        rho = _corr(draw, s)
        A, B = 1 + (s - 1) * rho, sp.Integer(1)
        gamma = u * sp.sqrt(A * B / (s * t))
        values = {"a": _norm2(draw), "rho": rho, "b": _norm2(draw), "gamma": sp.nsimplify(gamma)}
        return FamilyMember(fam, values, size)
    m = draw(st.integers(min_value=2, max_value=size - 2))
    s, t = m, size - m
    rho1, rho2 = _corr(draw, s), _corr(draw, t)
    A, B = 1 + (s - 1) * rho1, 1 + (t - 1) * rho2
    gamma = u * sp.sqrt(A * B / (s * t))
    values = {"a1": _norm2(draw), "rho1": rho1, "a2": _norm2(draw), "rho2": rho2,
              "gamma": sp.nsimplify(gamma)}
    return FamilyMember(fam, values, size, m)
