"""Jacobian of F_hat: independent routes.

* the symbolic eigenvalue n^2/(n^2-2n+2) of theory.spectrum (docs/theory.md; derived with n
  symbolic by SymPy) at the cluster+odd fixed point of RC+ReLU, substituted at n = 4, 5, 7;
* a float-free check: the full Jacobian's eigenvalues equal the union of the symmetry
  blocks (projection onto isotypic components), n = 3..6;
* the chain rule against a high-order central difference of numerics.maps.precise.shape_map (an
  independent evaluation of the map) at an interior point.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from numerics.arith import exact_fraction
from numerics.jacobian.derivatives import directional_derivatives, jacobian, trace_zero_basis
from numerics.jacobian.symmetry import blocks, components, project, total_dimension
from numerics.maps.precise import shape_map
from theory.families import get_family

FAM = get_family("cluster-odd")


def cluster_odd_point(n: int) -> list[list[str]]:
    G = FAM.matrix({"a": sp.Rational(1, n - 1), "rho": 1, "b": n - 1, "gamma": 0}, n_value=n)
    return [[str(G[i, j]) for j in range(n)] for i in range(n)]


def _union(G, layer, act, sizes, labels, dps=30):
    def apply(Es):
        return directional_derivatives(G, Es, layer, act, dps=dps).derivatives

    with mpmath.workdps(dps + 20):
        bl = blocks(apply, sizes, labels)
    return bl, [v for b in bl for v in b.eigenvalues for _ in range(b.component.dim)]


@pytest.mark.parametrize("n", [4, 5, 7])
def test_cluster_odd_relu_symbolic_eigenvalue(n: int) -> None:
    bl, _ = _union(cluster_odd_point(n), "rc,nl", "relu", [n - 1, 1], FAM.cell_labels)
    with mpmath.workdps(50):
        expected = mpmath.mpf(n * n) / (n * n - 2 * n + 2)
        spread = [v for b in bl if "cluster" in b.component.label
                  and b.component.label != "trivial" for v in b.eigenvalues]
        assert min(abs(v - expected) for v in spread) < mpmath.mpf(10) ** -25
        assert abs(max(abs(v) for v in spread) - expected) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_block_union_equals_full_spectrum(n: int) -> None:
    G = [[mpmath.mpf(1) if i == j else mpmath.mpf("0.3") for j in range(n)] for i in range(n)]
    G[0][1] = G[1][0] = mpmath.mpf("0.3")
    sizes, labels = [n - 1, 1], ["cluster", "odd point"]
    # A cluster-odd invariant point (non-degenerate): rho = 0.3 in cluster, gamma 0.1.
    for i in range(n - 1):
        G[i][n - 1] = G[n - 1][i] = mpmath.mpf("0.1")
    for layer, act in [("rc,nl", "relu"), ("nl", "erf")]:
        full = jacobian(G, layer, act, dps=30).eigenvalues()
        bl, union = _union(G, layer, act, sizes, labels)
        assert len(union) == len(full) == n * (n + 1) // 2 - 1
        assert all(b.leak < mpmath.mpf(10) ** -30 for b in bl)
        key = lambda z: (float(mpmath.re(z)), float(mpmath.im(z)))  # noqa: E731
        for a, b in zip(sorted(full, key=key), sorted(union, key=key), strict=True):
            assert abs(a - b) < 1e-20


def test_components_dimensions_and_projectors() -> None:
    for sizes in ([5], [4, 1], [3, 3], [2, 4]):
        n = sum(sizes)
        labels = [f"c{p}" for p in range(len(sizes))]
        comps = components(sizes, labels)
        assert total_dimension(comps, n) == n * (n + 1) // 2 - 1
        # projectors sum to the identity on a random symmetric matrix
        E = [[mpmath.mpf((3 * i + 7 * j + i * j) % 11) for j in range(n)] for i in range(n)]
        E = [[(E[i][j] + E[j][i]) / 2 for j in range(n)] for i in range(n)]
        total = [[mpmath.mpf(0)] * n for _ in range(n)]
        for c in comps:
            P = project(E, sizes, c.label, labels)
            total = [[total[i][j] + P[i][j] for j in range(n)] for i in range(n)]
            PP = project(P, sizes, c.label, labels)  # idempotent
            assert max(abs(PP[i][j] - P[i][j]) for i in range(n) for j in range(n)) < 1e-12
        assert max(abs(total[i][j] - E[i][j]) for i in range(n) for j in range(n)) < 1e-12


def test_chain_rule_against_central_difference_of_the_map() -> None:
    n = 3
    G = [["1", "0.2", "-0.1"], ["0.2", "1.1", "0.3"], ["-0.1", "0.3", "0.9"]]
    E = trace_zero_basis(n)[1]
    exact = directional_derivatives(G, [E], "rc,nl", "relu", dps=30).derivatives[0]
    h = mpmath.mpf(10) ** -12
    with mpmath.workdps(60):
        Gm = [[mpmath.mpf(x) for x in row] for row in G]
        plus = [[Gm[i][j] + h * E.get((min(i, j), max(i, j)), 0) for j in range(n)]
                for i in range(n)]
        minus = [[Gm[i][j] - h * E.get((min(i, j), max(i, j)), 0) for j in range(n)]
                 for i in range(n)]
        fp = shape_map([[exact_fraction(x) for x in r] for r in plus], "rc,nl", "relu",
                       dps=50).F_hat
        fm = shape_map([[exact_fraction(x) for x in r] for r in minus], "rc,nl", "relu",
                       dps=50).F_hat
        for i in range(n):
            for j in range(n):
                assert abs((fp[i, j] - fm[i, j]) / (2 * h) - exact[i][j]) < 1e-20


def test_rs_central_difference_matches_chain_rule_free_route() -> None:
    # RS+identity: F_hat is scale-free; compare the central-difference Jacobian with a
    # plain second-order difference at a different step (independent error).
    G = [["1", "0.2", "0"], ["0.2", "1", "0.1"], ["0", "0.1", "1"]]
    E = trace_zero_basis(3)[0]
    res = directional_derivatives(G, [E], "rs", "identity", dps=15)
    assert res.status == "ok" and res.method == "central-difference"
    h = mpmath.mpf(10) ** -10
    with mpmath.workdps(40):
        Gm = [[mpmath.mpf(x) for x in row] for row in G]
        P = [[Gm[i][j] + h * E.get((min(i, j), max(i, j)), 0) for j in range(3)]
             for i in range(3)]
        M = [[Gm[i][j] - h * E.get((min(i, j), max(i, j)), 0) for j in range(3)]
             for i in range(3)]
        ex = lambda X: [[exact_fraction(x) for x in r] for r in X]  # noqa: E731
        d = (shape_map(ex(P), "rs", "identity", dps=30).F_hat
             - shape_map(ex(M), "rs", "identity", dps=30).F_hat) / (2 * h)
    assert abs(d[0, 1] - res.derivatives[0][0][1]) < 1e-12


def test_degree_zero_at_correlation_one_is_infinite() -> None:
    res = directional_derivatives(cluster_odd_point(4), trace_zero_basis(4), "rc,nl", "step",
                                  dps=20)
    assert res.status == "infinite"


def test_block_eigenvalues_survive_qr_failure(monkeypatch) -> None:
    # mpmath's Hessenberg QR raised "failed to converge" on a two-clusters block (n = 4);
    # numerics.jacobian.symmetry.eigenvalues then uses a random orthogonal similarity.  Simulate the
    # failure on the first call and compare with numpy's eigenvalues (independent route).
    import numpy as np

    from numerics.jacobian import symmetry

    M = mpmath.matrix([[2, 1, 0], [1, 2, 1], [0, 1, 2]])
    real_eig = mpmath.eig
    calls = {"n": 0}

    def flaky(A, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("qr: failed to converge after 201 steps")
        return real_eig(A, **kw)

    monkeypatch.setattr(mpmath, "eig", flaky)
    got = sorted(float(mpmath.re(v)) for v in symmetry.eigenvalues(M))
    want = sorted(np.linalg.eigvalsh(np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]], float)))
    assert calls["n"] == 2
    assert np.allclose(got, want, atol=1e-12)


def test_rs_at_a_rounded_collapsed_cluster_is_unavailable_not_an_error() -> None:
    # A BN fixed point with a collapsed cluster, printed to 30 digits: the cluster is
    # equal only up to rounding, so S has full rank but a step h = 1e-6 leaves the PSD
    # cone.  The derivative is 'unavailable' (said), not a GramError traceback.
    third = mpmath.mpf(1) / 3
    with mpmath.workdps(30):
        a = mpmath.mpf(mpmath.nstr(third, 30))
        G = [[a, a * (1 - mpmath.mpf(10) ** -29), 0], [a * (1 - mpmath.mpf(10) ** -29), a, 0],
             [0, 0, 3 - 2 * a]]
    E = trace_zero_basis(3)[0]
    res = directional_derivatives(G, [E], "bn", "relu", dps=20)
    assert res.status == "unavailable" and res.notes
