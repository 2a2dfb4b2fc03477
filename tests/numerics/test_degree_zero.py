"""Degree-0 activations without RC (numerics.degree_zero).

Independent routes: the fixed correlations of sign are -1, 0, 1 (arcsine law:
(2/pi) arcsin(x) = x); that of step solves 1 - arccos(x)/pi = x (mpmath.findroot);
which combinations are PSD is decided by NumPy eigenvalues of the n x n matrix
(brute force over all combinations, not the cell formula); each point is fixed under
numerics.maps.shape_map (the kernel evaluated entrywise, a separate implementation);
the spectral radius at an interior point is kappa'(rho) = c / sqrt(1 - rho^2)."""

from __future__ import annotations

from itertools import product

import mpmath
import numpy as np
import pytest

from numerics.fixed_points import find_fixed_points
from numerics.jacobian import exact_fraction
from numerics.maps import shape_map
from proofs_check.commands.fixed_points import analyse


def _step_root() -> mpmath.mpf:
    with mpmath.workdps(40):
        # (bisection-type solver on a bracket: acos is real on [0.5, 0.95])
        return mpmath.findroot(lambda x: 1 - mpmath.acos(x) / mpmath.pi - x, (0.5, 0.95),
                               solver="anderson")


def _member(sizes, rhos, gamma) -> np.ndarray:
    n = sum(sizes)
    cells = [k for k, s in enumerate(sizes) for _ in range(s)]
    G = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            G[i, j] = 1.0 if i == j else (rhos[cells[i]] if cells[i] == cells[j] else gamma)
    return G


def _expected(sizes, Z) -> set:
    """All PSD members with correlations in Z (brute force, NumPy eigenvalues)."""
    out = set()
    rho_choices = [Z if s >= 2 else [1.0] for s in sizes]
    gammas = Z if len(sizes) == 2 else [None]
    for rhos in product(*rho_choices):
        for g in gammas:
            G = _member(sizes, rhos, 0.0 if g is None else g)
            if np.linalg.eigvalsh(G).min() >= -1e-9:
                out.add(tuple(round(float(x), 9) for x in rhos) + (
                    () if g is None else (round(float(g), 9),)))
    return out


def _reported(res, family) -> set:
    out = set()
    for p in res.fixed_points:
        v = p.parameters
        if family == "symmetric":
            key = (v["rho"],)
        elif family == "cluster-odd":
            key = (v["rho"], 1.0, v["gamma"])
        else:
            key = (v["rho1"], v["rho2"], v["gamma"])
        out.add(tuple(round(float(x), 9) for x in key))
    return out


@pytest.mark.parametrize("family,n,m", [("symmetric", 4, None), ("cluster-odd", 3, None),
                                        ("cluster-odd", 6, None), ("two-clusters", 5, 2),
                                        ("two-clusters", 4, 1)])
@pytest.mark.parametrize("act", ["sign", "step"])
def test_complete_list_matches_brute_force(family, n, m, act) -> None:
    Z = [-1.0, 0.0, 1.0] if act == "sign" else [1.0, float(_step_root())]
    sizes = {"symmetric": [n], "cluster-odd": [n - 1, 1]}.get(family, [m, n - (m or 0)])
    res = find_fixed_points(family, n, "nl", act, dps=20, m=m)
    assert res.complete
    expected = _expected(sizes, Z)
    if family == "cluster-odd":
        expected = {(k[0], 1.0, k[2]) for k in expected}
    assert _reported(res, family) == expected
    for p in res.fixed_points:
        G = [[exact_fraction(x) for x in row] for row in p.gram]
        F = shape_map(G, "nl", act, dps=25).F_hat
        with mpmath.workdps(30):
            err = max(abs(F[i, j] - p.gram[i][j]) for i in range(n) for j in range(n))
        assert err < mpmath.mpf(10) ** -17


def test_step_correlation_and_rs_changes_nothing() -> None:
    res = find_fixed_points("symmetric", 5, "nl", "step", dps=30)
    rs = find_fixed_points("symmetric", 5, "rs,nl", "step", dps=30)
    (p,) = [q for q in res.fixed_points if not q.degenerate]
    (q,) = [q for q in rs.fixed_points if not q.degenerate]
    with mpmath.workdps(40):
        assert abs(p.parameters["rho"] - _step_root()) < mpmath.mpf(10) ** -28
        assert p.parameters["rho"] == q.parameters["rho"]


def test_interior_point_spectral_radius_is_kappa_prime() -> None:
    report = analyse("symmetric", 5, "nl", "step", 20)
    (fp,) = [p for p in report.fixed_points if not p["degenerate"]]
    rho = _step_root()
    with mpmath.workdps(30):
        expected = 1 / mpmath.pi / mpmath.sqrt(1 - rho ** 2)
        assert abs(mpmath.mpf(fp["spectral_radius"]) - expected) < mpmath.mpf(10) ** -15
    assert fp["stable"] is True and fp["certified"] is True
