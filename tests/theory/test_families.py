"""Reduced family maps against the full numeric map on family members.

Independent route: ``numerics.maps.precise.shape_map`` evaluates ``F_hat`` on the explicit
``n x n`` member at 30 digits (its own kernel code and its own RS quadrature);
the reduced map of ``theory.reduce`` is derived with ``n`` symbolic on the cell
algebra.  They must agree at concrete n = 3, 4, 7 (docs/theory.md section 4).
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from numerics.maps.precise import shape_map
from theory.families import get_family, n
from theory.reduce import reduced_map

POINTS = {
    "symmetric": {"q": sp.Rational(3, 2), "rho": sp.Rational(2, 5)},
    "cluster-odd": {"a": sp.Rational(2, 3), "rho": sp.Rational(1, 2), "b": sp.Rational(5, 4),
                    "gamma": sp.Rational(1, 5)},
}


def _check(family: str, layer: str, activation: str, n_value: int) -> None:
    fam = get_family(family)
    values = POINTS[family]
    red = reduced_map(fam, layer, activation)
    subs = {p: sp.sympify(values[p.name]) for p in fam.parameters}
    subs[n] = n_value
    G = fam.matrix(values, n_value=n_value)
    numeric = shape_map([[str(sp.N(x, 40)) for x in row] for row in G.tolist()], layer,
                        activation, dps=30)
    with mpmath.workdps(35):
        _compare(red, subs, numeric.F_hat, n_value, layer)


def _compare(red, subs, F_hat, n_value: int, layer: str) -> None:
    # read the parameters from the numeric matrix: point 0 is in the first cell,
    # the last point in the last cell (cluster-odd: the odd point).
    last = n_value - 1
    read = {"q": F_hat[0, 0], "a": F_hat[0, 0], "rho": F_hat[0, 1] / F_hat[0, 0],
            "b": F_hat[last, last],
            "gamma": F_hat[0, last] / mpmath.sqrt(F_hat[0, 0] * F_hat[last, last])}
    for p, expr in red.images.items():
        value = sp.N(expr.subs(subs), 30)
        if expr.has(sp.Integral):
            value = sp.N(expr.subs(subs).doit(), 30)
        assert abs(mpmath.mpf(str(value)) - read[p.name]) < mpmath.mpf("1e-20"), (p, layer)


@pytest.mark.parametrize("layer", ["none", "rc", "nl", "rc,nl", "rc,rs", "bn"])
@pytest.mark.parametrize("n_value", [3, 4, 7])
def test_symmetric_reduction_matches_full_map(layer: str, n_value: int) -> None:
    _check("symmetric", layer, "relu", n_value)


@pytest.mark.parametrize("layer", ["none", "rc", "nl", "rc,nl"])
@pytest.mark.parametrize("activation", ["relu", "erf", "sign"])
@pytest.mark.parametrize("n_value", [3, 4, 7])
def test_cluster_odd_reduction_matches_full_map(layer: str, activation: str,
                                                n_value: int) -> None:
    _check("cluster-odd", layer, activation, n_value)


def test_family_members_are_psd() -> None:
    for family, values in POINTS.items():
        G = get_family(family).matrix(values, n_value=5)
        assert min(sp.N(ev) for ev in G.eigenvals()) > 0
