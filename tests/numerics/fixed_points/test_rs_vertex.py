"""The lower bound next to a collapsed vertex (numerics.fixed_points.rs_vertex).

Independent route: the mpmath map (numerics.maps.precise, exp-sinh quadrature of the
s-integral on the full matrix) at ``S = (t/rho) Pi_C + (1 - t) Pi_w`` for small ``t``:
its spread ``c_C = <F, Pi_C>`` must lie above the lemma's lower bound and its
separation ``c_w = <F, Pi_w>`` below the upper bound (both scaled by
``n (a^2 + b^2)``), and the residual ``c_C / (c_C + c_w) - t`` must be positive for
every ``t`` inside the certified ``delta``.  A wrong constant in the lemma (a factor 2
in ``Q``, say) breaks a bound at some ``t``; a lemma that certified a ``delta`` beyond a
real zero would show a non-positive residual.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics.arith import ArbOps, workprec
from numerics.fixed_points.analysis import analyse_fixed_points
from numerics.fixed_points.centred import generators
from numerics.fixed_points.rs_vertex import _Bounds, vertex_exclusion
from numerics.kernels import kernel_matrix_mp
from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import mean_field_map


def _inner(A, B) -> mpmath.mpf:
    n = A.rows
    return sum(A[i, j] * B[j][i] for i in range(n) for j in range(n))


@pytest.mark.parametrize("sizes,spreading,act,layer", [
    ([4, 1], 0, "relu", "bn"),            # cluster-odd n = 5
    ([7, 1], 0, "relu", "bn"),            # cluster-odd n = 8
    ([3, 3], 1, "leaky_relu(1/5)", "bn"),  # two-clusters face, the second cluster spreads
    ([4, 1], 0, None, "rc,rs"),           # no NL
])
def test_bounds_hold_against_the_mpmath_map(sizes, spreading, act, layer) -> None:
    n = sum(sizes)
    gens = generators(sizes, ["a", "b"])
    C, W = gens[spreading], gens[-1]
    cell = [i for i in range(n) if C.projector[i][i]]
    w2 = W.projector[cell[0]][cell[0]]
    with workprec(30):
        delta = vertex_exclusion(C.rank, w2)
        bounds = _Bounds(C.rank, w2)
    assert delta is not None and delta >= Fraction(1, 2 ** 14)
    slope2 = {"relu": Fraction(1), "leaky_relu(1/5)": 1 + Fraction(1, 25), None: Fraction(2)}[act]
    for t in (delta, delta / 16, delta / 1024, Fraction(1, 10 ** 8)):
        S = [[t / C.rank * C.projector[i][j] + (1 - t) * W.projector[i][j] for j in range(n)]
             for i in range(n)]
        F = mean_field_map(S, layer, act or "relu", dps=25, shape=False).F
        with mpmath.workdps(30):
            cC, cW = _inner(F, C.projector), _inner(F, W.projector)
            scale = n * mpmath.mpf(slope2.numerator) / slope2.denominator  # n (a^2 + b^2)
            with workprec(30):
                tau = ArbOps.const(t).sqrt()
                low = float((tau * bounds.spread_over_tau(tau)).upper())
                high = float(bounds.separation(tau).lower())
            assert cC / scale >= low, (t, cC / scale, low)
            assert cW / scale <= high, (t, cW / scale, high)
            assert cC / (cC + cW) - t > 0, t


@pytest.mark.parametrize("sizes", [[4, 1], [7, 1], [3, 3]])
def test_spread_of_the_kernel_against_step_ii(sizes) -> None:
    # step (ii) at one s: <V(M), Pi_C> >= (a^2+b^2) mu_C (rho/2 - c3 sqrt(mu_C/mu_w)) for
    # M = mu_C Pi_C + mu_w Pi_w, V the closed-form ReLU kernel (numerics.maps.precise, no
    # integral).  The true deficit (rho/2 - <V, Pi_C>/mu_C)/sqrt(x) is ~2.0 (n = 5) and
    # ~6.7 (n = 8) against c3 = 11.4 and 49.1: a c3 several times too small is caught.
    from theory.activations import get_activation

    n = sum(sizes)
    gens = generators(sizes, ["a", "b"])
    C, W = gens[0], gens[-1]
    w2 = W.projector[0][0]
    with workprec(30):
        bounds = _Bounds(C.rank, w2)
        c3 = float((bounds.r / (4 * bounds.Q)).mid())  # Q = rho / (4 c3)
    with mpmath.workdps(30):
        for x in (mpmath.mpf(10) ** -k for k in (1, 2, 3, 4, 5)):
            M = mpmath.matrix([[x * C.projector[i][j] + W.projector[i][j] for j in range(n)]
                               for i in range(n)])
            V = kernel_matrix_mp(get_activation("relu"), M)
            spread = _inner(V, C.projector)
            assert spread >= x * (mpmath.mpf(C.rank) / 2 - c3 * mpmath.sqrt(x))
            assert (mpmath.mpf(C.rank) / 2 - spread / x) / mpmath.sqrt(x) < c3


@pytest.mark.slow
def test_bn_cluster_odd_is_complete_and_its_vertex_unstable() -> None:
    # n = 4 (fast): the search is complete thanks to the lower bound, and the collapsed
    # vertex (no finite Jacobian, rank S = 1) gets stable: false from it, said in notes.
    # Independent check of the verdict: the float64 map opens a small spread (t = 1e-6)
    # to a spread share far above t (growth like sqrt(t)).
    n = 4
    report = analyse_fixed_points("cluster-odd", n, "bn", "relu", 20)
    assert report.complete
    (vertex,) = [p for p in report.fixed_points if p.degenerate]
    assert vertex.stable is False and vertex.eigenvalues == []
    assert any("numerics.fixed_points.rs_vertex" in note for note in vertex.notes)
    gens = generators([n - 1, 1], ["c", "o"])
    Q = np.array([[float(x) for x in row] for row in gens[0].projector])
    W = np.array([[float(x) for x in row] for row in gens[1].projector])
    t = 1e-6
    F = fast_mean_field_map(t * Q / (n - 2) + (1 - t) * W, "bn", "relu").F_hat
    share = np.sum(F * Q) / (np.sum(F * Q) + np.sum(F * W))
    assert share > 100 * t
