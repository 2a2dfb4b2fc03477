"""RC with erf (numerics.fixed_points.scaled_centred): the direction-and-scale search.

Independent routes: every reported point is fixed under numerics.maps.precise.shape_map (the
mpmath map on the full matrix); the symmetric point from mpmath.findroot on that map;
the float64 map (numerics.maps.fast) iterated from random family members ends at
reported points; the exact points (correlations -1, 0, 1) have residual exactly 0."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from numerics.arith import exact_fraction
from numerics.fixed_points.search import find_fixed_points
from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import shape_map


def _residual(fp, n: int) -> mpmath.mpf:
    G = [[exact_fraction(x) for x in row] for row in fp.gram]
    F = shape_map(G, "rc,nl", "erf", dps=30).F_hat
    with mpmath.workdps(30):
        return max(abs(F[i, j] - fp.gram[i][j]) for i in range(n) for j in range(n))


@pytest.mark.parametrize("family,n,m", [("cluster-odd", 3, None), ("cluster-odd", 6, None),
                                        ("two-clusters", 6, 3),
                                        # exact points on dyadic grid points (two-sided
                                        # injective boxes, numerics.fixed_points.krawczyk)
                                        ("two-clusters", 4, 2)])
def test_points_are_fixed_and_search_complete(family, n, m) -> None:
    res = find_fixed_points(family, n, "rc,nl", "erf", dps=25, m=m)
    assert res.complete
    assert any(not p.degenerate for p in res.fixed_points)
    for p in res.fixed_points:
        assert _residual(p, n) < mpmath.mpf(10) ** -22


def test_symmetric_point_matches_findroot() -> None:
    n = 5

    def r(rho):
        G = [[1 if i == j else rho for j in range(n)] for i in range(n)]
        return shape_map(G, "rc,nl", "erf", dps=30).F_hat[0, 1] - rho

    with mpmath.workdps(30):
        rho = mpmath.findroot(r, (mpmath.mpf(-1) / (n - 1) + mpmath.mpf(10) ** -6, 0),
                              solver="anderson")
    res = find_fixed_points("symmetric", n, "rc,nl", "erf", dps=25)
    (p,) = res.fixed_points
    assert res.complete and abs(p.parameters["rho"] - rho) < mpmath.mpf(10) ** -20


def test_exact_points_with_correlations_minus_one_zero_one() -> None:
    # n = 3, cluster of two: the antipodal pair with the odd point at 0
    res = find_fixed_points("cluster-odd", 3, "rc,nl", "erf", dps=20)
    exact = [p for p in res.fixed_points if p.parameters["b"] == 0]
    assert len(exact) == 1 and exact[0].parameters["rho"] == -1
    assert _residual(exact[0], 3) == 0


def test_float64_iteration_ends_at_reported_points() -> None:
    # iterate G <- F_hat(G) (float64 map) from random cluster-odd members; each limit
    # (converged to 1e-12) is within 1e-8 of a reported fixed point (its enclosure is
    # ~1e-20; the float64 map's error ~1e-13 and the contraction leave < 1e-10)
    n = 6
    res = find_fixed_points("cluster-odd", n, "rc,nl", "erf", dps=20)
    points = [np.array([[float(x) for x in row] for row in p.gram]) for p in res.fixed_points]
    rng = np.random.default_rng(0)
    for _ in range(8):
        a, b = rng.uniform(0.2, 2.0, 2)
        rho, gamma = rng.uniform(-0.15, 0.9), rng.uniform(-0.3, 0.3)
        G = np.full((n, n), a * rho)
        np.fill_diagonal(G, a)
        G[:, -1] = G[-1, :] = gamma * np.sqrt(a * b)
        G[-1, -1] = b
        G *= n / np.trace(G)
        for _ in range(3000):
            new = fast_mean_field_map(G, "rc,nl", "erf").F_hat
            done = np.max(np.abs(new - G)) < 1e-12
            G = new
            if done:
                break
        assert done
        assert min(np.max(np.abs(G - P)) for P in points) < 1e-8
