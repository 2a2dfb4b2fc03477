r"""The simplified geometric models of docs/theory.md section 4.

Each family is a set of Gram matrices invariant under the permutations of the
batch that preserve a partition into cells, parametrised by a few numbers, with
the batch size ``n`` (and ``m``) a SymPy symbol.  ``F`` maps each family into
itself (the cell-invariant matrices form an algebra, :mod:`theory.cells`), so
it reduces to a map on the parameters.

=================  ============================  =================================
family             cells (sizes)                 parameters
=================  ============================  =================================
``symmetric``      one cell ``n``                ``q`` (norm^2), ``rho`` (correlation)
``cluster-odd``    cluster ``n-1``, odd point 1  ``a, rho`` (cluster norm^2 and
                                                 correlation), ``b`` (odd norm^2),
                                                 ``gamma`` (cross correlation)
``two-clusters``   ``m`` and ``n-m``             ``a1, rho1, a2, rho2, gamma``
=================  ============================  =================================

The degenerate member ``rho = 1`` of ``cluster-odd`` is "a single cluster and
one odd point"; with ``gamma = 0`` the odd point is orthogonal to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from theory.cells import CellMatrix
from theory.errors import InvalidInputError, UnknownNameError

#: The batch size, a symbol (``n >= 2``; families state their own range).
n = sp.Symbol("n", integer=True, positive=True)
#: The size of the first cluster of ``two-clusters``.
m = sp.Symbol("m", integer=True, positive=True)

q = sp.Symbol("q", positive=True)
a = sp.Symbol("a", positive=True)
b = sp.Symbol("b", positive=True)
a1 = sp.Symbol("a1", positive=True)
a2 = sp.Symbol("a2", positive=True)
rho = sp.Symbol("rho", real=True)
rho1 = sp.Symbol("rho1", real=True)
rho2 = sp.Symbol("rho2", real=True)
gamma = sp.Symbol("gamma", real=True)


@dataclass(frozen=True)
class Family:
    """A simplified geometric model.

    Attributes
    ----------
    name
        ``symmetric``, ``cluster-odd`` or ``two-clusters``.
    parameters
        The parameter symbols, in order.
    cell_labels
        A name per cell (``"cluster"``, ``"odd point"``, ...).
    min_n
        Smallest batch size for which every entry type exists.
    box
        The natural range of each parameter (norms in ``(0, oo)``, correlations
        in ``[-1, 1]``), used by numeric fixed-point searches.
    degenerate
        Named boundary members, as substitutions (``rho = 1``: one cluster).
    """

    name: str
    description: str
    parameters: tuple[sp.Symbol, ...]
    cell_labels: tuple[str, ...]
    _sizes: Callable[[], tuple[sp.Expr, ...]]
    _build: Callable[[dict[sp.Symbol, sp.Expr], tuple[sp.Expr, ...]], CellMatrix]
    _read: Callable[[CellMatrix], tuple[sp.Expr, ...]]
    min_n: int = 2
    box: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    degenerate: Mapping[str, Mapping[sp.Symbol, sp.Expr]] = field(default_factory=dict)
    size_symbols: tuple[sp.Symbol, ...] = (n,)
    second_size: sp.Expr | None = None

    def refine(self, expr: sp.Expr) -> sp.Expr:
        """Use that every cell size is positive: for two clusters ``n - m > 0``
        (written ``n = m + k`` with ``k > 0`` while simplifying)."""
        if self.second_size is None:
            return expr
        k = sp.Dummy("k", integer=True, positive=True)
        return sp.simplify(sp.sympify(expr).subs(n, m + k)).subs(k, n - m)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def sizes(self) -> tuple[sp.Expr, ...]:
        """Cell sizes in terms of ``n`` (and ``m``)."""
        return self._sizes()

    def _values(self, values: Mapping | None) -> dict[sp.Symbol, sp.Expr]:
        if values is None:
            return {p: p for p in self.parameters}
        out = {}
        by_name = {p.name: p for p in self.parameters}
        for key, value in values.items():
            name = key.name if isinstance(key, sp.Symbol) else str(key)
            if name not in by_name:
                raise UnknownNameError(
                    f"family {self.name!r} has no parameter {name!r} "
                    f"(parameters: {', '.join(self.parameter_names)})"
                )
            out[by_name[name]] = sp.sympify(value)
        missing = [p.name for p in self.parameters if p not in out]
        if missing:
            raise InvalidInputError(f"family {self.name!r}: missing parameters {missing}")
        return out

    def gram(self, values: Mapping | None = None) -> CellMatrix:
        """The family member as a :class:`CellMatrix` (symbolic parameters by default)."""
        return self._build(self._values(values), self.sizes())

    def matrix(self, values: Mapping | None = None, *, n_value: int,
               m_value: int | None = None) -> sp.Matrix:
        """The member as an explicit ``n x n`` matrix for a concrete batch size."""
        subs = {n: n_value}
        if m in self.size_symbols:
            if m_value is None:
                raise InvalidInputError(f"family {self.name!r} needs m", parameter="m_value")
            subs[m] = m_value
        if n_value < self.min_n:
            raise InvalidInputError(f"family {self.name!r} needs n >= {self.min_n}",
                                    parameter="n_value")
        G = self.gram(values).subs(subs)
        return G.to_matrix()

    def parameters_of(self, G: CellMatrix) -> dict[sp.Symbol, sp.Expr]:
        """Read the parameters back from a member (e.g. from ``F_hat(G)``)."""
        return dict(zip(self.parameters, self._read(G), strict=True))

    def sample_points(self) -> list[dict[sp.Symbol, sp.Expr]]:
        """Deterministic points of the family's domain (rational values, several
        ``n``) at which :mod:`theory.simplify` checks rewritten expressions."""
        values = {
            "q": [sp.Rational(3, 2), sp.Rational(2, 3), sp.Integer(2), sp.Rational(5, 7)],
            "a": [sp.Rational(2, 3), sp.Rational(3, 2), sp.Rational(1, 5), sp.Integer(2)],
            "b": [sp.Rational(7, 4), sp.Rational(1, 3), sp.Integer(3), sp.Rational(4, 5)],
            "rho": [sp.Rational(1, 3), sp.Rational(3, 5), sp.Rational(1, 7), sp.Rational(4, 5)],
            "gamma": [sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(1, 9), sp.Rational(2, 7)],
        }
        ns = [self.min_n, self.min_n + 1, self.min_n + 4, 17]
        points = []
        for i, n_value in enumerate(ns):
            point: dict[sp.Symbol, sp.Expr] = {n: sp.Integer(n_value)}
            if m in self.size_symbols:
                point[m] = sp.Integer(2 + i % 2)
            for p in self.parameters:
                key = p.name.rstrip("12")
                point[p] = values[key][(i + (1 if p.name.endswith("2") else 0)) % 4]
            points.append(point)
        return points

    def trace_constraint(self) -> sp.Expr:
        """``tr G - n`` (zero on the shape-map's domain)."""
        return sp.expand(self.gram().trace() - n)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": list(self.parameter_names),
            "cells": [{"label": lab, "size": str(s)}
                      for lab, s in zip(self.cell_labels, self.sizes(), strict=True)],
            "min_n": self.min_n,
        }


def _corr(c: sp.Expr, x: sp.Expr, y: sp.Expr) -> sp.Expr:
    return c / (sp.sqrt(x) * sp.sqrt(y))


def _symmetric() -> Family:
    def build(v, sizes):
        return CellMatrix.from_entries(sizes, [v[q]], [v[q] * v[rho]], lambda p, r: 0)

    def read(G):
        return (G.diag(0), G.off(0) / G.diag(0))

    return Family(
        "symmetric",
        "G = q((1 - rho) I + rho 1 1^T): all points of norm^2 q, pairwise correlation rho",
        (q, rho),
        ("batch",),
        lambda: (n,),
        build,
        read,
        min_n=2,
        box={"q": (0.0, float("inf")), "rho": (-1.0, 1.0)},
        degenerate={"all points equal": {rho: 1}},
    )


def _cluster_odd() -> Family:
    def build(v, sizes):
        return CellMatrix.from_entries(
            sizes, [v[a], v[b]], [v[a] * v[rho], None],
            lambda p, r: v[gamma] * sp.sqrt(v[a]) * sp.sqrt(v[b]),
        )

    def read(G):
        return (G.diag(0), G.off(0) / G.diag(0), G.diag(1), _corr(G.cross(0, 1), G.diag(0),
                                                                  G.diag(1)))

    return Family(
        "cluster-odd",
        "n-1 points with norm^2 a and pairwise correlation rho (the cluster); one odd point "
        "with norm^2 b and correlation gamma with each of them",
        (a, rho, b, gamma),
        ("cluster", "odd point"),
        lambda: (n - 1, sp.Integer(1)),
        build,
        read,
        min_n=3,
        box={"a": (0.0, float("inf")), "rho": (-1.0, 1.0), "b": (0.0, float("inf")),
             "gamma": (-1.0, 1.0)},
        degenerate={
            "single cluster + odd point": {rho: 1},
            "single cluster + orthogonal odd point": {rho: 1, gamma: 0},
        },
    )


def _two_clusters() -> Family:
    def build(v, sizes):
        return CellMatrix.from_entries(
            sizes, [v[a1], v[a2]], [v[a1] * v[rho1], v[a2] * v[rho2]],
            lambda p, r: v[gamma] * sp.sqrt(v[a1]) * sp.sqrt(v[a2]),
        )

    def read(G):
        return (G.diag(0), G.off(0) / G.diag(0), G.diag(1), G.off(1) / G.diag(1),
                _corr(G.cross(0, 1), G.diag(0), G.diag(1)))

    return Family(
        "two-clusters",
        "m points with norm^2 a1 and correlation rho1, n-m points with norm^2 a2 and "
        "correlation rho2, cross correlation gamma",
        (a1, rho1, a2, rho2, gamma),
        ("first cluster", "second cluster"),
        lambda: (m, n - m),
        build,
        read,
        min_n=4,
        box={"a1": (0.0, float("inf")), "rho1": (-1.0, 1.0), "a2": (0.0, float("inf")),
             "rho2": (-1.0, 1.0), "gamma": (-1.0, 1.0)},
        degenerate={"two point clusters": {rho1: 1, rho2: 1}},
        size_symbols=(n, m),
        second_size=n - m,
    )


#: The family registry: name -> family.
FAMILIES: dict[str, Family] = {f.name: f for f in (_symmetric(), _cluster_odd(), _two_clusters())}


def get_family(name: str | Family) -> Family:
    """The family named ``name`` (``symmetric``, ``cluster-odd``, ``two-clusters``)."""
    if isinstance(name, Family):
        return name
    key = str(name).strip().lower().replace("_", "-").replace("+", "-")
    aliases = {"cluster-odd-point": "cluster-odd", "two-cluster": "two-clusters"}
    key = aliases.get(key, key)
    if key not in FAMILIES:
        raise UnknownNameError(
            f"unknown family {name!r} (known: {', '.join(FAMILIES)})", parameter="family")
    return FAMILIES[key]
