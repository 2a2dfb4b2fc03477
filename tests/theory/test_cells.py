"""The cell-invariant matrix algebra against explicit matrices (a second algorithm:
plain SymPy matrix arithmetic on the expanded n x n matrices)."""

from __future__ import annotations

import sympy as sp

from theory.cells import CellMatrix, refine

n = sp.Symbol("n", integer=True, positive=True)
a, b, r, g = sp.symbols("a b rho gamma", positive=True)


def _member() -> CellMatrix:
    return CellMatrix.from_entries([n - 1, 1], [a, b], [a * r, None],
                                   lambda p, q: g * sp.sqrt(a) * sp.sqrt(b))


def test_recentering_product_determinant_inverse_match_explicit_matrices() -> None:
    G = _member()
    P = CellMatrix.centering([n - 1, 1])
    for n_value in (3, 4, 7):
        Gm = G.to_matrix({n: n_value})
        Pm = sp.eye(n_value) - sp.ones(n_value, n_value) / n_value
        assert sp.simplify((P @ G @ P).to_matrix({n: n_value}) - Pm * Gm * Pm) == sp.zeros(n_value)
        assert sp.simplify(G.det().subs(n, n_value) - Gm.det()) == 0
        inverse = G.apply(lambda x: 1 / x, lambda Q: Q.inv())
        assert sp.simplify(inverse.to_matrix({n: n_value}) * Gm) == sp.eye(n_value)
        assert sp.simplify(G.trace().subs(n, n_value) - Gm.trace()) == 0


def test_refinement_is_the_same_matrix() -> None:
    G = _member()
    R, index = refine(G, {0: 2})
    assert index[0][:2] == [0, 1]
    assert sp.simplify(R.to_matrix({n: 5}) - G.to_matrix({n: 5})) == sp.zeros(5)


def test_concrete_matrix_is_all_singletons() -> None:
    M = sp.Matrix([[2, 1, 0], [1, 3, 1], [0, 1, 1]])
    C = CellMatrix.from_matrix(M)
    assert C.to_matrix() == M
    assert (C @ C).to_matrix() == M * M
    assert C.det() == M.det()
