"""Fixed-point search.  Independent routes: each reported point is fixed when evaluated by
numerics.maps.precise.shape_map (a separate implementation of the map); the closed-form fixed
points of theory.fixed_points (SymPy, n symbolic) are found."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics.arith import exact_fraction
from numerics.fixed_points.search import ROUTES, find_fixed_points
from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import shape_map
from theory.activations import get_activation
from theory.errors import InvalidInputError, NotClosedFormError
from theory.families import get_family
from theory.layers import parse_layer

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
def test_cluster_odd_relu_complete(n: int) -> None:
    # theory: the cluster + orthogonal odd point a = 1/(n-1), rho = 1, b = n-1, gamma = 0
    res = find_fixed_points("cluster-odd", n, "rc,nl", "relu", dps=30)
    assert res.complete
    fp = res.fixed_points[0]
    assert fp.degenerate and fp.parameters["rho"] == 1
    assert abs(fp.parameters["b"] - (n - 1)) < mpmath.mpf(10) ** -28
    assert abs(fp.parameters["gamma"]) < mpmath.mpf(10) ** -28
    for p in res.fixed_points:  # every reported point is fixed under the mpmath map
        assert _residual(p, "rc,nl", "relu") < mpmath.mpf(10) ** -27


# --- independent route for completeness: a float64 scan of the direction simplex ----------

def _centred_cluster_odd(n: int, t: np.ndarray) -> np.ndarray:
    """S(t) = t Q/(n-2) + (1-t) w w^T/|w|^2 for cluster-odd (built here, not imported)."""
    Q = np.zeros((n, n))
    Q[:n - 1, :n - 1] = np.eye(n - 1) - 1.0 / (n - 1)
    w = np.r_[np.full(n - 1, 1.0 / (n - 1)), -1.0]
    W = np.outer(w, w) / (w @ w)
    return t[:, None, None] * Q / (n - 2) + (1 - t)[:, None, None] * W, Q, W


@pytest.mark.parametrize("n", [5, 8])
def test_cluster_odd_zeros_match_a_float64_scan(n: int) -> None:
    # Independent route: numerics.maps.fast (float64 NumPy map, a separate
    # implementation) on 20001 grid points of t; each sign change of
    # h(t) = t(F_hat(S(t))) - t brackets a zero.  The proven zeros must be exactly the
    # sign changes (plus the exact zero t = 0).  Grid spacing 5e-5 and float64 error
    # ~1e-13 cannot hide a transversal zero pair unless two lie within 5e-5.
    t = np.linspace(0.0, 1.0, 20001)
    S, Q, W = _centred_cluster_odd(n, t)
    Fh = fast_mean_field_map(S, "rc,nl", "relu").F_hat
    share_q = np.einsum("kij,ij->k", Fh, Q)
    share_w = np.einsum("kij,ij->k", Fh, W)
    h = share_q / (share_q + share_w) - t
    inner = np.nonzero(np.sign(h[1:-1]) != np.sign(h[2:]))[0] + 1
    brackets = [(t[i], t[i + 1]) for i in inner]
    res = find_fixed_points("cluster-odd", n, "rc,nl", "relu", dps=20)
    interior = [p for p in res.fixed_points if not p.degenerate]
    assert len(interior) == len(brackets)
    # each proven point's share of the cluster spread falls in one bracket
    shares = []
    for p in interior:
        G = np.array([[float(x) for x in row] for row in p.gram])
        c_q, c_w = float(np.sum(G * Q)), float(np.sum(G * W))
        shares.append(c_q / (c_q + c_w))
    for lo, hi in brackets:
        assert sum(lo <= s <= hi for s in shares) == 1


def test_reduction_premise_f_hat_sees_only_the_direction_of_pgp() -> None:
    # The premise of the complete search: with RC and ReLU, F_hat(G) = F_hat(P G P / c).
    rng = np.random.default_rng(3)
    n = 6
    P = np.eye(n) - 1.0 / n
    for _ in range(5):
        X = rng.normal(size=(n, 9))
        X[:n - 1] = X[0] + 0.3 * rng.normal(size=(n - 1, 9))
        G = X @ X.T
        G *= n / np.trace(G)
        S = P @ G @ P
        a = fast_mean_field_map(G, "rc,nl", "relu").F_hat
        b = fast_mean_field_map(S / np.trace(S), "rc,nl", "relu").F_hat
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_cluster_odd_attractor_is_reported() -> None:
    # Independent route: iterate the float64 map inside the family from random
    # cluster-odd starts (the family is invariant); every start that converges
    # ends at a reported fixed point.
    n = 8
    rng = np.random.default_rng(11)
    res = find_fixed_points("cluster-odd", n, "rc,nl", "relu", dps=20)
    points = [np.array([[float(x) for x in row] for row in p.gram]) for p in res.fixed_points]
    ends = 0
    for _ in range(12):
        a, b = rng.uniform(0.2, 2.0, 2)
        rho, gamma = rng.uniform(-0.1, 0.9), rng.uniform(-0.2, 0.2)
        G = np.full((n, n), a * rho)
        np.fill_diagonal(G, a)
        G[n - 1, :] = G[:, n - 1] = gamma * np.sqrt(a * b)
        G[n - 1, n - 1] = b
        G *= n / np.trace(G)
        for _ in range(3000):
            G_next = fast_mean_field_map(G, "rc,nl", "relu").F_hat
            step = np.max(np.abs(G_next - G))
            G = G_next
            if step < 1e-13:
                break
        if step < 1e-13:
            ends += 1
            assert min(np.max(np.abs(G - p)) for p in points) < 1e-9
    assert ends >= 6


@pytest.mark.parametrize("n,m", [(6, 3), (7, 2)])
def test_two_clusters_complete(n: int, m: int) -> None:
    # theory (closed form, n and m symbolic): two point clusters a1 = (n-m)/m,
    # a2 = m/(n-m), gamma = 0; and the symmetric point is in the family
    res = find_fixed_points("two-clusters", n, "rc,nl", "relu", dps=20, m=m)
    assert res.complete
    vertex = res.fixed_points[0]
    assert vertex.degenerate
    with mpmath.workdps(30):
        assert abs(vertex.parameters["a1"] - mpmath.mpf(n - m) / m) < 1e-18
        assert abs(vertex.parameters["a2"] - mpmath.mpf(m) / (n - m)) < 1e-18
        assert abs(vertex.parameters["gamma"]) < 1e-18
    sym = find_fixed_points("symmetric", n, "rc,nl", "relu", dps=20).fixed_points[0]
    assert any(not p.degenerate and abs(p.parameters["gamma"] - sym.parameters["rho"]) < 1e-18
               for p in res.fixed_points)
    for p in res.fixed_points:
        assert _residual(p, "rc,nl", "relu", dps=25) < mpmath.mpf(10) ** -17


def test_no_rc_symmetric_degenerate_point_reported() -> None:
    res = find_fixed_points("symmetric", 4, "nl", "relu", dps=20)
    assert any(fp.degenerate and fp.parameters["rho"] == 1 for fp in res.fixed_points)


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError):
        find_fixed_points("cluster-odd", 2, "rc,nl", "relu")
    with pytest.raises(NotClosedFormError):  # quadrature activation: no chain rule
        find_fixed_points("symmetric", 4, "nl", "tanh")


def test_bn_symmetric_point_is_exact_and_certified_stable() -> None:
    # theory: the RS map closes at S = lambda P (F = n V(S)/(r lambda)), so BN + ReLU has
    # the fixed point of RC + ReLU, rho* = (sqrt(n(n-2)) - acos(1/(n-1)))/(pi(n-1)); it is
    # certified by numerics.jacobian.certify through the verified s-integrals of rs_derivative.
    from numerics.jacobian.certify import certify
    n = 5
    res = find_fixed_points("symmetric", n, "bn", "relu", dps=25)
    assert res.complete and res.layer == "rc,rs,nl"
    (fp,) = res.fixed_points
    with mpmath.workdps(40):
        rho = (mpmath.sqrt(n * (n - 2)) - mpmath.acos(mpmath.mpf(1) / (n - 1))) / \
            (mpmath.pi * (n - 1))
        assert abs(fp.parameters["rho"] - rho) < mpmath.mpf(10) ** -23
    assert _residual(fp, "bn", "relu", dps=25) < mpmath.mpf(10) ** -20
    cert = certify(fp.gram, fp.sizes, fp.labels, "bn", "relu", dps=20, radius=fp.radius)
    assert cert.certified and cert.stable is True


def test_exact_zero_gets_a_tight_enclosure() -> None:
    # sin has its zero 0 exactly at the first bisection midpoint of [-1, 1]: the midpoint
    # residual contains 0 there and the enclosure comes from interval Newton
    from fractions import Fraction

    from numerics.arith import workprec
    from numerics.fixed_points.chain_rule import search_1d

    with workprec(100):
        roots, unresolved = search_1d(lambda x: (x.sin(), x.cos()), Fraction(-1),
                                       Fraction(1), 20)
    assert not unresolved and len(roots) == 1
    root, rad, _ = roots[0]
    assert abs(root) < 1e-20 and rad < 1e-18


def test_continua_are_refused_with_a_reason() -> None:
    # rc alone: F_hat(G) = n P G P / tr(P G P), the identity on centred members
    with pytest.raises(InvalidInputError, match="continuum"):
        find_fixed_points("cluster-odd", 5, "rc", "relu")
    with pytest.raises(InvalidInputError, match="continuum"):
        find_fixed_points("symmetric", 5, "none", "relu")
    # on the symmetric family P G P ~ P: one point, rho = -1/(n-1)
    (fp,) = find_fixed_points("symmetric", 5, "rc", "relu", dps=20).fixed_points
    assert abs(fp.parameters["rho"] + mpmath.mpf(1) / 4) < 1e-18


@pytest.mark.parametrize("layer", ["nl", "rs,nl"])
@pytest.mark.parametrize("root_b", ["2", "3/2"])
def test_no_rc_degree_one_continuum_is_real_and_said(layer: str, root_b: str) -> None:
    # The note's claim, checked by the mpmath map: a cluster of 3 equal points and an
    # odd point on the same ray, sqrt(b/a) = root_b times longer (rational, so G = g g^T
    # is exactly rank 1), is fixed for every length.
    from fractions import Fraction
    g = [Fraction(1)] * 3 + [Fraction(root_b)]
    tr = sum(x * x for x in g)
    G = [[4 * g[i] * g[j] / tr for j in range(4)] for i in range(4)]
    F = shape_map(G, layer, "relu", dps=30).F_hat
    with mpmath.workdps(40):
        assert max(abs(F[i, j] - mpmath.mpf(G[i][j].numerator) / G[i][j].denominator)
                   for i in range(4) for j in range(4)) < mpmath.mpf(10) ** -28
    if layer == "nl" and root_b == "2":
        res = find_fixed_points("cluster-odd", 4, layer, "relu", dps=20)
        assert not res.complete and any("continuum" in note for note in res.notes)
    if layer == "rs,nl":  # refused, with the reason
        with pytest.raises(InvalidInputError, match="continuum"):
            find_fixed_points("cluster-odd", 4, layer, "relu", dps=20)


@pytest.mark.parametrize("layer,act,family,route", [
    ("rc", "relu", "cluster-odd", "rc-linear-continuum"),
    ("none", "relu", "symmetric", "linear-continuum"),
    ("rc,nl", "relu", "two-clusters", "centred"),
    ("bn", "relu", "cluster-odd", "centred"),
    ("rc,rs,nl", "sign", "symmetric", "centred"),
    ("rc,nl", "erf", "symmetric", "scaled-centred"),
    ("nl", "step", "symmetric", "entrywise"),
    ("nl", "erf", "two-clusters", "entrywise"),
    ("rs,nl", "relu", "symmetric", "rs-ray-continuum"),
    ("rc,nl", "tanh", "symmetric", "no-exact-chain-rule"),
    ("nl", "relu", "symmetric", "symmetric-without-rc"),
    ("nl", "leaky_relu(0.2)", "cluster-odd", "cluster-odd-without-rc"),
    ("nl", "relu", "two-clusters", "unsearched-without-rc"),
])
def test_the_first_applicable_route_is_the_documented_one(layer, act, family, route) -> None:
    # the order of the search module's docstring: each case meets its route first
    kind, a, fam = parse_layer(layer), get_activation(act), get_family(family)
    assert next(r.name for r in ROUTES if r.applies_to(kind, a, fam)) == route
    assert len({r.name for r in ROUTES}) == len(ROUTES)
