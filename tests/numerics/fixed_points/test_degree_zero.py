"""Degree-0 activations without RC (numerics.fixed_points.degree_zero).

Independent routes: the fixed correlation of step solves 1 - arccos(x)/pi = x
(mpmath.findroot); the spectral radius at an interior point is kappa'(rho) =
c / sqrt(1 - rho^2).  The complete lists (all families, with cells at the origin) are
compared with a brute force in tests/numerics/test_entrywise.py."""

from __future__ import annotations

import mpmath

from numerics.fixed_points.analysis import analyse_fixed_points
from numerics.fixed_points.search import find_fixed_points


def _step_root() -> mpmath.mpf:
    with mpmath.workdps(40):
        # (bisection-type solver on a bracket: acos is real on [0.5, 0.95])
        return mpmath.findroot(lambda x: 1 - mpmath.acos(x) / mpmath.pi - x, (0.5, 0.95),
                               solver="anderson")


def test_step_correlation_and_rs_changes_nothing() -> None:
    res = find_fixed_points("symmetric", 5, "nl", "step", dps=30)
    rs = find_fixed_points("symmetric", 5, "rs,nl", "step", dps=30)
    (p,) = [q for q in res.fixed_points if not q.degenerate]
    (q,) = [q for q in rs.fixed_points if not q.degenerate]
    with mpmath.workdps(40):
        assert abs(p.parameters["rho"] - _step_root()) < mpmath.mpf(10) ** -28
        assert p.parameters["rho"] == q.parameters["rho"]


def test_interior_point_spectral_radius_is_kappa_prime() -> None:
    report = analyse_fixed_points("symmetric", 5, "nl", "step", 20)
    (fp,) = [p for p in report.fixed_points if not p.degenerate]
    rho = _step_root()
    with mpmath.workdps(30):
        expected = 1 / mpmath.pi / mpmath.sqrt(1 - rho ** 2)
        assert abs(mpmath.mpf(fp.spectral_radius) - expected) < mpmath.mpf(10) ** -15
    assert fp.stable is True and fp.certified is True
