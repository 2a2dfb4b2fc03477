"""Fixed-point search.  Independent routes: each reported point is fixed when evaluated by
numerics.maps.shape_map (a separate implementation of the map); the closed-form fixed
points of theory.fixed_points (SymPy, n symbolic) are found."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from numerics.fixed_points import find_fixed_points
from numerics.jacobian import exact_fraction
from numerics.maps import shape_map
from theory.errors import InvalidInputError, NotClosedFormError

N_SYM = sp.Symbol("n", integer=True, positive=True)


def _residual(fp, layer, act, dps=30):
    G = [[exact_fraction(x) for x in row] for row in fp.gram]
    F = shape_map(G, layer, act, dps=dps).F_hat
    n = len(G)
    with mpmath.workdps(dps + 10):
        return max(abs(F[i, j] - fp.gram[i][j]) for i in range(n) for j in range(n))


@pytest.mark.parametrize("layer,act", [("rc,nl", "relu"), ("rc,nl", "erf"), ("nl", "erf"),
                                       ("rc,rs,nl", "sign")])
def test_symmetric_points_are_fixed(layer: str, act: str) -> None:
    res = find_fixed_points("symmetric", 5, layer, act, dps=30)
    inner = [fp for fp in res.fixed_points if not fp.degenerate]
    assert inner
    for fp in inner:
        assert _residual(fp, layer, act) < mpmath.mpf(10) ** -28


def test_symmetric_rc_relu_matches_closed_form() -> None:
    # theory: RC maps the symmetric family to the single point P G P ~ P, so the fixed
    # point is F_hat(n/(n-1) P); its correlation from the SymPy closed form:
    from theory.fixed_points import closed_form_fixed_points
    search = closed_form_fixed_points("symmetric", "rc,nl", "relu")
    fp = next(p for p in search.fixed_points if not p.degenerate)
    for n in (4, 6):
        rho = sp.N(fp.values[sp.Symbol("rho", real=True)].subs(N_SYM, n), 40)
        res = find_fixed_points("symmetric", n, "rc,nl", "relu", dps=30)
        found = [p.parameters["rho"] for p in res.fixed_points if not p.degenerate]
        assert len(found) == 1
        with mpmath.workdps(40):
            assert abs(found[0] - mpmath.mpf(str(rho))) < mpmath.mpf(10) ** -28


@pytest.mark.parametrize("n", [4, 5, 7])
def test_cluster_odd_face_relu(n: int) -> None:
    res = find_fixed_points("cluster-odd", n, "rc,nl", "relu", dps=30)
    assert not res.complete
    (fp,) = res.fixed_points
    assert fp.degenerate
    assert abs(fp.parameters["b"] - (n - 1)) < mpmath.mpf(10) ** -28
    assert _residual(fp, "rc,nl", "relu") < mpmath.mpf(10) ** -28


def test_no_rc_symmetric_degenerate_point_reported() -> None:
    res = find_fixed_points("symmetric", 4, "nl", "relu", dps=20)
    assert any(fp.degenerate and fp.parameters["rho"] == 1 for fp in res.fixed_points)


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError):
        find_fixed_points("cluster-odd", 2, "rc,nl", "relu")
    with pytest.raises(NotClosedFormError):
        find_fixed_points("symmetric", 4, "rc,rs,nl", "relu")
