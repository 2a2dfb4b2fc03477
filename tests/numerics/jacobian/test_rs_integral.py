"""Verified RS enclosures (numerics.jacobian.rs_integral): independent routes.

* the F_hat enclosure against numerics.maps.precise.shape_map (mpmath exp-sinh quadrature of the
  s-integral, with its own error bound) at random rational PSD G;
* directional derivatives against the order-6 central differences of
  numerics.jacobian.derivatives.directional_derivatives, within their stated error estimate;
* closed forms: at S = lambda Pi the RS map closes (theory.layers, SymPy with the cell
  structure, F = n V(S)/(r lambda)); for RS without NL at S = Pi the derivative of
  E[y y^T/|y|^2] on the unit sphere of range(Pi), dimension m (moments
  E[u u^T] = I/m, E[u u^T (u^T D u)] = (2 D + tr D I)/(m(m+2))):
  D F_hat[E] = n (Pi E Pi - tr(Pi E Pi) Pi/m)/(m+2);
* scale invariance: D F_hat(G)[G] = 0;
* at a rank-deficient S (two equal points, rank S = 3): values against shape_map, the
  derivative along the face against central differences of shape_map (the face is
  smooth: error ~h^2), and along a direction that separates the equal points against
  one-sided difference quotients of shape_map, whose error is ~h (the second-order
  term h^2 Y Y^T of G(x + hY)), checked at two steps for that rate;
* the symmetric fixed point of BN (RC+RS+ReLU), rho* = (sqrt(n(n-2)) - acos(1/(n-1)))/
  (pi(n-1)): certify now certifies it, and its enclosures contain the eigenvalues of the
  central-difference Jacobian blocks.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb

from numerics.arith import ArbOps, MpOps, workprec
from numerics.jacobian.certify import certify
from numerics.jacobian.derivatives import directional_derivatives, shape_and_derivatives
from numerics.jacobian.rs_integral import rs_shape_and_derivatives
from numerics.jacobian.symmetry import blocks
from numerics.maps.precise import shape_map
from theory.activations import get_activation
from theory.cells import CellMatrix
from theory.errors import InvalidInputError, NotClosedFormError
from theory.layers import parse_layer
from theory.layers import shape_map as symbolic_shape_map


def random_gram(n: int, seed: int) -> list[list[Fraction]]:
    """A full-rank rational Gram matrix ``A A^T / 8`` with small integer ``A``."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-4, 5, size=(n, n + 1))
    while np.linalg.matrix_rank(A) < n:
        A = rng.integers(-4, 5, size=(n, n + 1))
    return [[Fraction(int(A[i] @ A[j]), 8) for j in range(n)] for i in range(n)]


def random_direction(n: int, seed: int) -> list[list[Fraction]]:
    rng = np.random.default_rng(seed)
    B = rng.integers(-3, 4, size=(n, n))
    return [[Fraction(int(B[i, j] + B[j, i]), 4) for j in range(n)] for i in range(n)]


def _act(layer: str, name: str):
    return get_activation(name) if parse_layer(layer).nl else None


def _mp(x: arb) -> mpmath.mpf:
    return mpmath.mpf(x.mid().str(60, radius=False))


def _within(ball: arb, value: mpmath.mpf | Fraction, slack: mpmath.mpf) -> bool:
    """``|mid - value| <= rad + slack`` at 60 digits (``value`` exact or mpmath)."""
    with mpmath.workdps(60):
        if isinstance(value, Fraction):
            value = mpmath.mpf(value.numerator) / value.denominator
        return abs(_mp(ball) - value) <= _mp(ball.rad()) + slack


CASES = [("rc,rs,nl", "relu", 3, 1), ("rc,rs,nl", "abs", 4, 2), ("rs,nl", "relu", 4, 3),
         ("rs,nl", "identity", 3, 4), ("rc,rs", "relu", 4, 5), ("rs", "relu", 3, 6),
         ("rc,rs,nl", "leaky_relu(0.2)", 3, 7)]


@pytest.mark.parametrize("layer,act,n,seed", CASES)
def test_shape_contains_exp_sinh_quadrature(layer: str, act: str, n: int, seed: int) -> None:
    G = random_gram(n, seed)
    F_hat, _ = rs_shape_and_derivatives(G, [], parse_layer(layer), _act(layer, act), 1, dps=30)
    ref = shape_map(G, layer, act, dps=40)
    assert all(F_hat[i][j].rad() < 1e-30 for i in range(n) for j in range(n))
    for i in range(n):
        for j in range(n):
            assert _within(F_hat[i][j], ref.F_hat[i, j], ref.error_bound_hat), (i, j)


@pytest.mark.parametrize("layer,act", [("rc,rs,nl", "relu"), ("rs,nl", "abs"),
                                       ("rc,rs", "relu")])
def test_derivatives_agree_with_central_difference(layer: str, act: str) -> None:
    n = 4
    G = random_gram(n, 11)
    dirs = [random_direction(n, 12), random_direction(n, 13)]
    # trace zero, as the Jacobian's directions (sparse form for the central difference)
    dirs = [[[E[i][j] - (sum(E[k][k] for k in range(n)) / n if i == j else 0)
              for j in range(n)] for i in range(n)] for E in dirs]
    _, ders = rs_shape_and_derivatives(G, dirs, parse_layer(layer), _act(layer, act), 1,
                                       dps=30)
    sparse = [{(i, j): E[i][j] for i in range(n) for j in range(i, n)} for E in dirs]
    ref = directional_derivatives([[str(x) for x in row] for row in G], sparse, layer, act,
                                  dps=20)
    assert ref.status == "ok"
    for D, R in zip(ders, ref.derivatives, strict=True):
        for i in range(n):
            for j in range(n):
                assert D[i][j].rad() < 1e-28
                assert _within(D[i][j], R[i][j], ref.error_bound), (i, j)


@pytest.mark.parametrize("layer,act", [("rc,rs,nl", "relu"), ("rs,nl", "abs")])
def test_scale_direction_has_zero_derivative(layer: str, act: str) -> None:
    G = random_gram(4, 21)
    _, (D,) = rs_shape_and_derivatives(G, [G], parse_layer(layer), _act(layer, act), 1, dps=20)
    assert all(x.contains(0) and x.rad() < 1e-18 for row in D for x in row)


@pytest.mark.parametrize("layer,act", [("rc,rs,nl", "relu"), ("rs,nl", "abs"),
                                       ("rc,rs,nl", "leaky_relu(0.2)"), ("rc,rs", "relu"),
                                       ("rs,nl", "relu")])
def test_identity_gram_matches_closed_form(layer: str, act: str) -> None:
    n = 4
    closed = symbolic_shape_map(CellMatrix.identity([n]), layer, act)
    with mpmath.workdps(60):
        diag, off = (mpmath.mpf(str(sp.N(x, 50))) for x in (closed.diag(0), closed.off(0)))
    G = [[int(i == j) for j in range(n)] for i in range(n)]
    F_hat, _ = rs_shape_and_derivatives(G, [], parse_layer(layer), _act(layer, act), 1, dps=30)
    for i in range(n):
        for j in range(n):
            assert _within(F_hat[i][j], diag if i == j else off, mpmath.mpf(10) ** -40)


@pytest.mark.parametrize("rc", [False, True])
def test_linear_rs_derivative_at_identity(rc: bool) -> None:
    n = 4
    m = n - 1 if rc else n
    E = random_direction(n, 31)
    Pi = [[Fraction(int(i == j)) - (Fraction(1, n) if rc else 0) for j in range(n)]
          for i in range(n)]
    PEP = [[sum(Pi[i][a] * E[a][b] * Pi[b][j] for a in range(n) for b in range(n))
            for j in range(n)] for i in range(n)]
    t = sum(PEP[i][i] for i in range(n))
    expected = [[n * (PEP[i][j] - t * Pi[i][j] / m) / (m + 2) for j in range(n)]
                for i in range(n)]
    G = [[int(i == j) for j in range(n)] for i in range(n)]
    _, (D,) = rs_shape_and_derivatives(G, [E], parse_layer("rc,rs" if rc else "rs"), None,
                                       Fraction(3, 2), dps=30)
    for i in range(n):
        for j in range(n):
            assert _within(D[i][j], expected[i][j], mpmath.mpf(10) ** -40)


def test_refusals() -> None:
    relu = get_activation("relu")
    with pytest.raises(NotClosedFormError):  # RC with n = 2: correlation -1
        rs_shape_and_derivatives([[1, 0], [0, 1]], [], parse_layer("rc,rs,nl"), relu, 1)
    with pytest.raises(NotClosedFormError):  # rank S = 2 < 3 (two equal points): the
        # one-sided derivative is not computed (the values are, see the equal-points test)
        rs_shape_and_derivatives([[1, 1, 0], [1, 1, 0], [0, 0, 1]],
                                 [[[0, 0, 0], [0, 1, 0], [0, 0, 0]]], parse_layer("rs,nl"),
                                 relu, 1)
    with pytest.raises(NotClosedFormError):  # no 1-D reduction for erf
        rs_shape_and_derivatives([[1, 0], [0, 1]], [], parse_layer("rs,nl"),
                                 get_activation("erf"), 1)
    with pytest.raises(NotClosedFormError):  # the s-integral has no mpmath chain rule
        shape_and_derivatives([[mpmath.mpf(1), 0], [0, mpmath.mpf(1)]], [],
                              parse_layer("rs,nl"), relu, mpmath.mpf(1), MpOps)


def test_routed_from_shape_and_derivatives() -> None:
    n = 3
    G = random_gram(n, 41)
    kind, relu = parse_layer("rc,rs,nl"), get_activation("relu")
    with workprec(30):
        Gb = [[ArbOps.const(x) for x in row] for row in G]
        F_hat, _ = shape_and_derivatives(Gb, [], kind, relu, ArbOps.const(1), ArbOps)
        direct, _ = rs_shape_and_derivatives(G, [], kind, relu, 1, dps=30)
    assert all(F_hat[i][j].overlaps(direct[i][j]) for i in range(n) for j in range(n))


def _bn_symmetric_fixed_point(n: int) -> list[list[arb]]:
    with workprec(50):
        rho = ((arb(n * (n - 2))).sqrt() - (1 / arb(n - 1)).acos()) / (arb.pi() * (n - 1))
        return [[arb(1) if i == j else rho for j in range(n)] for i in range(n)]


def test_bn_symmetric_fixed_point_is_a_fixed_point() -> None:
    n = 4
    G = _bn_symmetric_fixed_point(n)
    F_hat, _ = rs_shape_and_derivatives(G, [], parse_layer("rc,rs,nl"), get_activation("relu"),
                                        1, dps=30)
    assert all(F_hat[i][j].overlaps(G[i][j]) for i in range(n) for j in range(n))


def test_bn_symmetric_fixed_point_certified() -> None:
    n, layer = 4, "rc,rs,nl"
    G = _bn_symmetric_fixed_point(n)
    cert = certify(G, [n], ["batch"], layer, "relu", dps=30)
    assert cert.certified and cert.stable is True
    assert all(e.value.rad() < 1e-30 for e in cert.eigenvalues)
    # the non-rigorous route: central-difference blocks at the fixed point's midpoint
    status = {}

    def apply(Es):
        res = directional_derivatives(Gm, Es, layer, "relu", dps=20)
        status["err"] = res.error_bound
        assert res.status == "ok"
        return res.derivatives

    with mpmath.workdps(60):
        Gm = [[_mp(x) for x in row] for row in G]
        bl = blocks(apply, [n], ["batch"])
        for b in bl:
            slack = 100 * len(b.eigenvalues) * status["err"]
            for v in b.eigenvalues:
                near = [e for e in cert.eigenvalues if e.symmetry == b.component.label
                        and abs(mpmath.mpc(_mp(e.value.real), _mp(e.value.imag)) - v)
                        <= _mp(e.value.rad()) + slack]
                assert near, (b.component.label, v)


def _face_case():
    """n = 5 points in R^4 with x0 = x1 (G = X X^T / 4): BN's S has rank 3 after RC."""
    X = [[1, 2, 0, 1], [1, 2, 0, 1], [0, 1, 3, -1], [2, -1, 1, 0], [1, 0, -2, 2]]
    Y_face = [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 0], [1, 1, 0, 0]]
    Y_open = [[0, 0, 1, 0]] + [[0, 0, 0, 0]] * 4  # moves x0 only: separates x0, x1
    return X, Y_face, Y_open


def _gram_of(X, Y=None, h=Fraction(0)):
    n = len(X)
    P = [[x + h * (Y[i][k] if Y else 0) for k, x in enumerate(row)] for i, row in enumerate(X)]
    return [[Fraction(sum(a * b for a, b in zip(P[i], P[j], strict=True)), 4)
             for j in range(n)] for i in range(n)]


def _tangent(X, Y):
    n = len(X)
    return [[Fraction(sum(X[i][k] * Y[j][k] + Y[i][k] * X[j][k] for k in range(4)), 4)
             for j in range(n)] for i in range(n)]


def test_equal_points_one_sided_derivative() -> None:
    X, Y_face, Y_open = _face_case()
    n = len(X)
    G = _gram_of(X)
    kind, relu = parse_layer("bn"), get_activation("relu")
    with workprec(45):
        F_hat, (D_face, D_open) = rs_shape_and_derivatives(
            G, [_tangent(X, Y_face), _tangent(X, Y_open)], kind, relu, 1, dps=30)
    ref = shape_map(G, "bn", "relu", dps=30).F_hat

    def mid(x):
        return mpmath.mpf(x.mid().str(40, radius=False))

    def F(Y, h):
        return shape_map(_gram_of(X, Y, h), "bn", "relu", dps=30).F_hat

    with mpmath.workdps(40):
        assert max(abs(mid(F_hat[i][j]) - ref[i, j]) for i in range(n) for j in range(n)) \
            < mpmath.mpf(10) ** -25
        assert max(float(x.rad()) for row in D_open for x in row) < 1e-25
        h = Fraction(1, 10 ** 6)
        central = (F(Y_face, h) - F(Y_face, -h)) / (2 * mpmath.mpf(h.numerator) / h.denominator)
        assert max(abs(central[i, j] - mid(D_face[i][j])) for i in range(n)
                   for j in range(n)) < 1e-11  # ~h^2 |D^3 F|
        errs = []
        for k in (6, 8):
            h = Fraction(1, 10 ** k)
            quotient = (F(Y_open, h) - ref) * 10 ** k
            errs.append(max(abs(quotient[i, j] - mid(D_open[i][j])) for i in range(n)
                            for j in range(n)))
        # error ~ c h: small, and shrinking by ~100 from h = 1e-6 to 1e-8
        assert errs[1] < 1e-7 and 30 < errs[0] / errs[1] < 300, errs


def test_equal_points_reach_directional_derivatives() -> None:
    # the jacobian driver takes the verified one-sided route at such a G (it reported
    # 'unavailable' before)
    X, _, Y_open = _face_case()
    G = [[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in _gram_of(X)]
    E = {(i, j): v for i, row in enumerate(_tangent(X, Y_open)) for j, v in enumerate(row)
         if i <= j and v}
    res = directional_derivatives(G, [E], "bn", "relu", dps=20)
    assert res.status == "ok" and res.method == "s-integral"
    with mpmath.workdps(30):
        h = Fraction(1, 10 ** 8)
        quotient = (shape_map(_gram_of(X, Y_open, h), "bn", "relu", dps=30).F_hat
                    - shape_map(_gram_of(X), "bn", "relu", dps=30).F_hat) * 10 ** 8
        assert max(abs(quotient[i, j] - res.derivatives[0][i][j]) for i in range(5)
                   for j in range(5)) < 1e-7


def test_certify_at_equal_points_needs_and_uses_them() -> None:
    # a two-clusters member (not a fixed point) with the first cluster collapsed: rank
    # S = 3 after RC; certify encloses the eigenvalues of the one-sided Jacobian blocks
    # when told which points are equal, and they contain the block eigenvalues computed
    # from directional_derivatives (which finds the equal rows itself)
    from numerics.jacobian.symmetry import blocks

    a1, a2, r2, g = Fraction(1, 2), Fraction(3, 2), Fraction(1, 4), Fraction(1, 5)
    n, sizes, labels = 6, [3, 3], ["first", "second"]

    def entry(i, j):
        if i < 3 and j < 3:
            return a1
        if i >= 3 and j >= 3:
            return a2 if i == j else a2 * r2
        return g  # the cross entries (any value keeping G PSD)

    G = [[entry(i, j) for j in range(n)] for i in range(n)]
    assert np.linalg.eigvalsh(np.array(G, dtype=float)).min() > -1e-12
    with pytest.raises(NotClosedFormError):
        certify(G, sizes, labels, "bn", "relu", dps=20, radius=1e-25)
    cert = certify(G, sizes, labels, "bn", "relu", dps=20, radius=1e-25,
                   equal_points=[(0, 1, 2)])
    assert cert.certified

    Gm = [[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in G]

    def apply(Es):
        res = directional_derivatives(Gm, Es, "bn", "relu", dps=20)
        assert res.status == "ok"
        return res.derivatives

    values = [(b.component.label, v) for b in blocks(apply, sizes, labels)
              for v in b.eigenvalues]
    for label, v in values:
        z = arb(mpmath.nstr(mpmath.re(v), 25)) + arb(0, 1e-12)
        assert any(e.symmetry == label and e.value.real.overlaps(z) for e in cert.eigenvalues), \
            (label, v)


def test_equal_points_derivative_along_the_kernel_block() -> None:
    # E = q q^T, q = e0 - e1: moves only inside the kernel (dK_00, the trace term and
    # Q0 dK_00 Q0^T).  Its one-sided quotient converges like h^(1/2): for rank S = 3 the
    # range s > 1/h of the s-integral changes F by O(h^(3/2)).  Checked: the error
    # shrinks by ~10 per factor 100 in h, and is small at h = 1e-11.
    X, _, _ = _face_case()
    n = len(X)
    G = _gram_of(X)
    q = [1, -1, 0, 0, 0]
    E = [[Fraction(q[i] * q[j]) for j in range(n)] for i in range(n)]
    with workprec(45):
        _, (D,) = rs_shape_and_derivatives(G, [E], parse_layer("bn"), get_activation("relu"),
                                           1, dps=25)
    with mpmath.workdps(40):
        ref = shape_map(G, "bn", "relu", dps=25).F_hat
        errs = []
        for k in (7, 9, 11):
            h = Fraction(1, 10 ** k)
            Gh = [[G[i][j] + h * E[i][j] for j in range(n)] for i in range(n)]
            quotient = (shape_map(Gh, "bn", "relu", dps=25).F_hat - ref) * 10 ** k
            errs.append(max(abs(quotient[i, j] - mpmath.mpf(D[i][j].mid().str(30, radius=False)))
                            for i in range(n) for j in range(n)))
    assert errs[2] < 1e-3 and 5 < errs[0] / errs[1] < 20 and 5 < errs[1] / errs[2] < 20, errs


def test_equal_points_must_be_equal() -> None:
    G = random_gram(4, 3)
    with pytest.raises(InvalidInputError, match="not equal"):
        rs_shape_and_derivatives(G, [], parse_layer("bn"), get_activation("relu"), 1,
                                 equal_points=[(0, 1)])
