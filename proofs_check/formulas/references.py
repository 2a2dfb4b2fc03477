"""The reference values a claim is compared with, from ``theory`` and ``numerics``.

Symbolic references (reduced maps, closed-form fixed points, spectra) come from
``theory`` and are cached per ``(family, layer, activation)``: their derivation
simplifies symbolically and is slow.  Numeric references enclose a value of
``numerics`` by its stated error bound:

* :func:`kernel_quadrature_reference`: ``V_phi(S)_12`` by the 2-D Gaussian
  quadrature of :func:`numerics.maps.precise.mean_field_map` (activations without a
  closed-form kernel);
* :func:`member_reference`: one parameter of ``F_hat(G)`` by
  :func:`numerics.maps.precise.shape_map` on the explicit ``n x n`` member ``G`` of a
  family (cached per member and precision).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from mpmath import iv

from numerics.maps.precise import mean_field_map, shape_map
from proofs_check.formulas.comparison import Reference
from proofs_check.formulas.enclosure import GUARD, enclose
from proofs_check.formulas.parse import SII, SIJ, SJJ, C, Setup
from theory.cells import CellMatrix
from theory.errors import InvalidInputError, UnknownNameError
from theory.families import m, n
from theory.fixed_points import closed_form_fixed_points
from theory.reduce import reduced_map
from theory.spectrum import spectrum


@functools.lru_cache(maxsize=32)
def cached_reduced_map(family: str, layer: str, activation: str) -> Any:
    """:func:`theory.reduce.reduced_map`, cached."""
    return reduced_map(family, layer, activation)


@functools.lru_cache(maxsize=32)
def cached_fixed_points(family: str, layer: str, activation: str) -> Any:
    """:func:`theory.fixed_points.closed_form_fixed_points`, cached."""
    return closed_form_fixed_points(family, layer, activation)


@functools.lru_cache(maxsize=32)
def cached_spectrum(family: str, layer: str, activation: str, at: str) -> Any:
    """:func:`theory.spectrum.spectrum` at the closed-form fixed point ``at``, cached."""
    return spectrum(fixed_point_named(family, layer, activation, at), layer, activation)


def fixed_point_named(family: str, layer: str, activation: str, at: str | None) -> Any:
    """The closed-form fixed point named ``at`` (``None``: the only one there is).

    Raises
    ------
    InvalidInputError
        When ``at`` is ``None`` and there is not exactly one fixed point.
    UnknownNameError
        When no fixed point has that name.
    """
    search = cached_fixed_points(family, layer, activation)
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


def kernel_quadrature_reference(activation: Any, dps: int) -> Reference:
    """``V_phi(S)_12 = E[phi(z_1) phi(z_2)]`` by 2-D Gaussian quadrature (``numerics``),
    enclosed by its error bound; unit variances at a point ``{c}``."""
    def reference(point: dict) -> list[Any]:
        sii = point.get(SII, sp.Integer(1))
        sjj = point.get(SJJ, sp.Integer(1))
        sij = point.get(SIJ, point.get(C))
        G = [[Fraction(str(sii)), Fraction(str(sij))], [Fraction(str(sij)), Fraction(str(sjj))]]
        result = mean_field_map(G, "nl", activation, dps=max(15, dps), shape=False)
        value, err = result.F[0, 1], result.error_bound
        return [iv.mpf([value - err, value + err])]

    return reference


def member_reference(setup: Setup, dps: int, parameter: sp.Symbol,
                     values_at: Callable[[dict], dict]) -> Reference:
    """Enclosure of ``parameter`` of ``F_hat(G)`` on the explicit member ``G``.

    ``G = values_at(point)`` (the family's parameters at the point) is built as an
    ``n x n`` matrix; :func:`numerics.maps.precise.shape_map` gives ``F_hat(G)`` with its
    stated error bound, widened by the rounding of irrational member entries to
    ``dps + 40`` digits, and the parameter is read off its cells.
    """
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


_MEMBER_CACHE: dict[tuple, tuple[dict, Any, list[int]]] = {}


def _member_image(setup: Setup, dps: int, values: dict, n_value: int,
                  m_value: int | None) -> tuple[dict, Any, list[int]]:
    key = (setup.family.name, setup.layer, setup.activation, dps, n_value, m_value,
           tuple(sorted((str(k), sp.sstr(v)) for k, v in values.items())))
    if key not in _MEMBER_CACHE:
        _MEMBER_CACHE[key] = _member_image_uncached(setup, dps, values, n_value, m_value)
    return _MEMBER_CACHE[key]


def _member_image_uncached(setup: Setup, dps: int, values: dict, n_value: int,
                           m_value: int | None) -> tuple[dict, Any, list[int]]:
    """The cell entries of ``F_hat(G)`` (first row of each cell), the error bound and
    the cell sizes."""
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


__all__ = ["cached_fixed_points", "cached_reduced_map", "cached_spectrum", "fixed_point_named",
           "kernel_quadrature_reference", "member_reference"]
