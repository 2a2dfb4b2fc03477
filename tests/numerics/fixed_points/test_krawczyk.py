"""The interval branch and bound of numerics.fixed_points.krawczyk on systems with known zeros.

Independent route: the zeros are known in closed form (polynomials built from their
roots), so every zero must be found, enclosed, and nothing else reported."""

from __future__ import annotations

from fractions import Fraction

import flint
import pytest

from numerics.arith import workprec
from numerics.fixed_points.krawczyk import find_zeros, injective_neighbourhood


def _cubic(x, jac):
    # (x - 1/5)(x - 1/2)(x - 0.8125): 1/2 and 13/16 are dyadic (on bisection points)
    a, b, c = flint.arb(1) / 5, flint.arb(1) / 2, flint.arb(13) / 16
    (t,) = x
    r = (t - a) * (t - b) * (t - c)
    if not jac:
        return [r], None
    d = (t - b) * (t - c) + (t - a) * (t - c) + (t - a) * (t - b)
    return [r], [[d]]


def _circle_line(x, jac):
    # x^2 + y^2 = 1/2, x = y: the single zero (1/2, 1/2) in [0, 1]^2
    u, v = x
    r = [u * u + v * v - flint.arb(1) / 2, u - v]
    if not jac:
        return r, None
    return r, [[2 * u, 2 * v], [flint.arb(1), flint.arb(-1)]]


def test_cubic_roots_found_and_enclosed() -> None:
    with workprec(40):
        out = find_zeros(_cubic, 1, dps=30)
        assert not out.unresolved
        roots = sorted(float(z.enclosure[0].mid()) for z in out.zeros)
        assert roots == pytest.approx([0.2, 0.5, 0.8125], abs=1e-25)
        for z, exact in zip(sorted(out.zeros, key=lambda z: float(z.enclosure[0].mid())),
                            (flint.arb(1) / 5, flint.arb(1) / 2, flint.arb(13) / 16),
                            strict=True):
            assert z.enclosure[0].overlaps(exact)
            assert float(z.enclosure[0].rad()) < 1e-30


def test_two_dimensional_zero_on_dyadic_lines() -> None:
    with workprec(40):
        out = find_zeros(_circle_line, 2, dps=30)
        assert not out.unresolved
        (z,) = out.zeros
        assert all(x.overlaps(flint.arb(1) / 2) and float(x.rad()) < 1e-30
                   for x in z.enclosure)


def test_known_zero_neighbourhood_excludes_duplicates() -> None:
    # r(t) = t (t - 3/4): the zero t = 0 is "known" (a face); only 3/4 is reported
    def res(x, jac):
        (t,) = x
        r = t * (t - flint.arb(3) / 4)
        return ([r], [[2 * t - flint.arb(3) / 4]]) if jac else ([r], None)

    with workprec(40):
        nb = injective_neighbourhood(res, [(Fraction(0), Fraction(0))], dps=30)
        assert nb is not None and nb[0][0] == 0
        out = find_zeros(res, 1, dps=30, known=[nb])
        assert not out.unresolved
        (z,) = out.zeros
        assert z.enclosure[0].overlaps(flint.arb(3) / 4)


def test_no_zero_means_empty() -> None:
    def res(x, jac):
        (t,) = x
        r = t * t + flint.arb(1) / 10
        return ([r], [[2 * t]]) if jac else ([r], None)

    with workprec(30):
        out = find_zeros(res, 1, dps=20)
        assert out.zeros == [] and out.unresolved == []


def test_known_zero_on_an_interior_grid_point_gets_a_two_sided_box() -> None:
    # r = (t - 1/2)(t - 7/8) with the exact zero 1/2 known: its box must reach beyond
    # 1/2 on both sides, or the cell [1/2 - h, 1/2] touches the zero and stays unresolved
    def res(x, jac):
        (t,) = x
        r = (t - flint.arb(1) / 2) * (t - flint.arb(7) / 8)
        return ([r], [[2 * t - flint.arb(11) / 8]]) if jac else ([r], None)

    half = Fraction(1, 2)
    with workprec(40):
        nb = injective_neighbourhood(res, [(half, half)], dps=30)
        assert nb is not None and nb[0][0] < half < nb[0][1]
        out = find_zeros(res, 1, dps=30, known=[nb])
        assert not out.unresolved
        (z,) = out.zeros
        assert z.enclosure[0].overlaps(flint.arb(7) / 8)


def test_singular_midpoint_jacobian_gives_no_preconditioner() -> None:
    # a zero column: mpmath's LU raises TypeError (not ZeroDivisionError) there
    from numerics.fixed_points.krawczyk import _inverse_mid

    with workprec(40):
        J = [[flint.arb(0), flint.arb(1)], [flint.arb(0), flint.arb(2)]]
        assert _inverse_mid(J, 20) is None
        assert _inverse_mid([[flint.arb(1), flint.arb("nan")], [flint.arb(0), flint.arb(1)]],
                            20) is None
