"""The points where a claim is compared with its reference (the documented rule).

``random.Random(seed)`` (``seed = 0`` by default) draws, in this order:

* batch sizes: ``n_min, n_min + 1, n_min + 2`` (small), ``100, 10^4, 10^6``
  (large; only where the reference is a SymPy expression) and three uniform
  integers in ``[n_min, 40]``; ``n`` (``--n``) adds its value first.  References
  computed by ``numerics`` on an explicit ``n x n`` matrix use ``n <= 12`` only;
  with an ``m``, it is uniform in ``[1, n - 1]``;
* norms ``q, a, b, a1, a2``: ``k/100`` with ``k`` uniform in ``[10, 500]``;
* correlations ``rho, rho1, rho2``: ``k/100`` with ``k`` uniform in ``[0, 95]``;
* cross correlations ``gamma``: ``f`` times the largest value keeping the
  member PSD, ``f = k/100``, ``k`` uniform in ``[-90, 90]``, rounded down to
  ``1/1000``;
* kernels: ``c`` in ``{-1, -1/2, 0, 1/3, 1}`` and three draws ``k/100``,
  ``k`` uniform in ``[-99, 99]``; ``Sii = u^2``, ``Sjj = v^2``, ``Sij = u v c``
  with ``u, v = k/100``, ``k`` uniform in ``[20, 300]``.
"""

from __future__ import annotations

import random
from typing import Any

import mpmath
import sympy as sp

from proofs_check.formulas.parse import SII, SIJ, SJJ, C
from theory.errors import InvalidInputError
from theory.families import m, n

#: The large batch sizes (only where the reference is a SymPy expression).
LARGE_N = (100, 10**4, 10**6)
#: The largest batch size of a reference computed on an explicit ``n x n`` matrix.
NUMERIC_MAX_N = 12


def n_values(rng: random.Random, n_min: int, extra_n: int | None, large: bool) -> list[int]:
    """The batch sizes, without repeats: ``extra_n``, small, large (if ``large``), random."""
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


def draw_parameters(rng: random.Random, family: Any, n_value: int,
                    m_value: int | None) -> dict[sp.Symbol, sp.Rational]:
    """Norms, correlations and cross correlations of a PSD member of ``family``."""
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


def family_points(family: Any, rng: random.Random, extra_n: int | None, large: bool,
                  with_parameters: bool) -> list[dict[sp.Symbol, sp.Rational]]:
    """Points ``{n, (m), (parameters)}`` for a claim about ``family``.

    Raises
    ------
    InvalidInputError
        When ``extra_n`` is below the family's smallest batch size.
    """
    points = []
    has_m = m in family.size_symbols
    for n_value in n_values(rng, family.min_n, extra_n, large):
        if n_value < family.min_n:
            raise InvalidInputError(f"n must be >= {family.min_n} for the family "
                                    f"{family.name!r}, got {n_value}", parameter="n")
        point: dict[sp.Symbol, sp.Rational] = {n: sp.Integer(n_value)}
        m_value = None
        if has_m:
            m_value = rng.randint(1, n_value - 1)
            point[m] = sp.Integer(m_value)
        if with_parameters:
            point.update(draw_parameters(rng, family, n_value, m_value))
        points.append(point)
    return points


def kernel_points(rng: random.Random, unit: bool) -> list[dict[sp.Symbol, sp.Rational]]:
    """Points ``{c}`` (``unit``) or ``{Sii, Sjj, Sij}`` of a kernel claim."""
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


__all__ = ["LARGE_N", "NUMERIC_MAX_N", "draw_parameters", "family_points", "kernel_points",
           "n_values"]
