"""The RS residual on the centred simplex (numerics.fixed_points.rs_centred).

Independent routes: numerics.maps.precise.shape_map (the mpmath RS map on the full n x n
matrix, its own s-integral by tanh-sinh quadrature) for values, a central difference
quotient of that map for the Jacobian, numerics.maps.fast (float64, vectorised) for a
scan of the residual's sign changes, and the symmetric family's exact fixed point."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics.arith import ArbOps, workprec
from numerics.fixed_points.centred import generators
from numerics.fixed_points.rs_centred import RSCentredResidual
from numerics.fixed_points.search import find_fixed_points
from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import shape_map
from theory.activations import get_activation
from theory.layers import LayerKind

RS_NL = LayerKind(rc=True, rs=True, nl=True)


def _setup(sizes, act="relu", kind=RS_NL):
    labels = ["a", "b"][: len(sizes)]
    gens = generators(sizes, labels)
    free = list(range(len(gens) - 1))
    return gens, RSCentredResidual(gens, sizes, kind, get_activation(act) if kind.nl else None,
                                   free)


def _S(gens, t: list[Fraction]) -> list[list[Fraction]]:
    coords = list(t) + [1 - sum(t)]
    n = len(gens[0].projector)
    return [[sum(c * g.projector[i][j] / g.rank for c, g in zip(coords, gens, strict=True))
             for j in range(n)] for i in range(n)]


def _shares(gens, F) -> list:
    n = len(gens[0].projector)
    c = [sum(F[i, j] * g.projector[i][j] for i in range(n) for j in range(n)) for g in gens]
    return [x / sum(c) for x in c]


@pytest.mark.parametrize("sizes,act,layer,t", [
    ([5, 1], "relu", "rc,rs,nl", [Fraction(3, 10)]),
    ([5, 1], "leaky_relu(0.2)", "rc,rs,nl", [Fraction(9, 10)]),
    ([4, 1], None, "rc,rs", [Fraction(1, 3)]),
    ([3, 2], "relu", "rc,rs,nl", [Fraction(1, 5), Fraction(1, 2)]),
])
def test_values_and_jacobian_match_the_mpmath_map(sizes, act, layer, t) -> None:
    kind = LayerKind(rc=True, rs=True, nl=act is not None)
    gens, res = _setup(sizes, act or "relu", kind)
    with workprec(30):
        r, J = res([ArbOps.const(x) for x in t], True)
        Phi, _ = res.image([ArbOps.const(x) for x in t])
        G = res.matrix(Phi)
    out = shape_map(_S(gens, t), layer, act or "relu", dps=30)
    n = sum(sizes)
    tol = mpmath.mpf(out.error_bound) + mpmath.mpf(10) ** -25
    with mpmath.workdps(40):
        for i in range(n):
            for j in range(n):
                assert abs(out.F_hat[i, j] - mpmath.mpf(G[i][j].mid().str(35, radius=False))) \
                    <= tol + mpmath.mpf(G[i][j].rad().str(5, radius=False))
        shares = _shares(gens, out.F_hat)
        for k, x in enumerate(t):
            assert abs(shares[k] - x - mpmath.mpf(r[k].mid().str(30, radius=False))) < 1e-20
        # Jacobian: central differences of the mpmath map, error h^2 |r'''| / 6 with
        # h = 1e-8 (1e-16 |r'''|, and |r'''| < 1e4 away from the faces) plus the map's
        # own error bound / h (1e-30 / 1e-8)
        h = Fraction(1, 10 ** 8)
        for col in range(len(t)):
            up = list(t)
            dn = list(t)
            up[col] += h
            dn[col] -= h
            su = _shares(gens, shape_map(_S(gens, up), layer, act or "relu", dps=30).F_hat)
            sd = _shares(gens, shape_map(_S(gens, dn), layer, act or "relu", dps=30).F_hat)
            for row in range(len(t)):
                fd = (su[row] - sd[row]) / (2 * mpmath.mpf(h.numerator) / h.denominator)
                fd -= 1 if row == col else 0
                assert abs(fd - mpmath.mpf(J[row][col].mid().str(30, radius=False))) < 1e-11


def test_riemann_enclosure_at_a_face_contains_the_map() -> None:
    # next to t = 1 (the odd point at the cluster mean: lambda of the separation -> 0)
    # acb.integral cannot be used; the interval Riemann sum encloses r on the box,
    # and r at points inside it (mpmath map) must lie in that enclosure
    gens, res = _setup([5, 1])
    lo, hi = 1 - Fraction(1, 2 ** 10), Fraction(1)
    with workprec(20):
        (r,), _ = res([ArbOps.const(lo).union(ArbOps.const(hi))], False)
    assert r.is_finite() and not r.contains(0)  # excluded: r(1) ~ -0.07
    for t in (lo, 1 - Fraction(1, 2 ** 14), 1 - Fraction(1, 2 ** 30)):
        F = shape_map(_S(gens, [t]), "rc,rs,nl", "relu", dps=20).F_hat
        value = _shares(gens, F)[0] - t
        assert r.contains(ArbOps.const(Fraction(mpmath.nstr(value, 18))))


@pytest.mark.slow
def test_bn_cluster_odd_interior_zeros_match_a_float64_scan() -> None:
    # Independent route: numerics.maps.fast (float64, its own RS integral) on 1999 grid
    # points of t; the sign changes of t(F_hat(S(t))) - t bracket the zeros.  The only
    # interior zero is the symmetric point S ~ P (t = (n-2)/(n-1)), whose correlation the
    # symmetric family's exact route gives.
    n = 5
    gens = generators([n - 1, 1], ["c", "o"])
    Q = np.array([[float(x) for x in row] for row in gens[0].projector])
    W = np.array([[float(x) for x in row] for row in gens[1].projector])
    t = np.linspace(0, 1, 2001)[1:-1]
    Fh = fast_mean_field_map(t[:, None, None] * Q / (n - 2) + (1 - t)[:, None, None] * W,
                             "bn", "relu").F_hat
    cq, cw = np.einsum("kij,ij->k", Fh, Q), np.einsum("kij,ij->k", Fh, W)
    h = cq / (cq + cw) - t
    changes = np.nonzero(np.sign(h[:-1]) != np.sign(h[1:]))[0]
    assert len(changes) == 1 and t[changes[0]] <= 0.75 <= t[changes[0] + 1]
    res = find_fixed_points("cluster-odd", n, "bn", "relu", dps=20)
    # complete: next to the collapsed vertex (sqrt(t) growth) by numerics.fixed_points.rs_vertex
    assert res.complete
    assert any("numerics.fixed_points.rs_vertex" in note for note in res.notes)
    vertex = [p for p in res.fixed_points if p.degenerate]
    inner = [p for p in res.fixed_points if not p.degenerate]
    assert len(vertex) == 1 and abs(vertex[0].parameters["b"] - (n - 1)) < 1e-18
    (p,) = inner
    sym = [q for q in find_fixed_points("symmetric", n, "bn", "relu", dps=20).fixed_points
           if not q.degenerate][0]
    with mpmath.workdps(30):
        assert abs(p.parameters["rho"] - sym.parameters["rho"]) < mpmath.mpf(10) ** -18
        assert abs(p.parameters["gamma"] - sym.parameters["rho"]) < mpmath.mpf(10) ** -18


def test_on_a_face_the_collapsed_cluster_drops_out_and_values_stay_tight() -> None:
    # two clusters of 3, the first collapsed (its spread coordinate exactly 0): the
    # residual on that face is enclosed by acb.integral (tight), and agrees with the
    # mpmath map on the full matrix
    sizes = [3, 3]
    gens = generators(sizes, ["a", "b"])
    res = RSCentredResidual(gens, sizes, RS_NL, get_activation("relu"), [1])
    t = Fraction(3, 5)
    with workprec(30):
        (r,), J = res([ArbOps.const(t)], True)
    assert float(r.rad()) < 1e-25 and J is not None and float(J[0][0].rad()) < 1e-20
    F = shape_map(_S(gens, [Fraction(0), t]), "rc,rs,nl", "relu", dps=30).F_hat
    with mpmath.workdps(30):
        assert abs(_shares(gens, F)[1] - t - mpmath.mpf(r.mid().str(30, radius=False))) < 1e-20
