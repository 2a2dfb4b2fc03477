"""Invariances of the mean-field map and exact invariances of the simulator.

Independent routes: each property is a consequence of the definitions in
docs/theory.md (symmetry, homogeneity, what RC and RS do to a row), checked on the
implementations without any stored expected number.

Scale invariance, derived.  ``S -> c S`` for ``G -> c G``.  RS divides each row
by its root-mean-square, so after RS the row no longer depends on ``c``: with RS,
``F(cG) = F(G)`` for *every* activation (NL comes after RS).  Without RS,
``F(cG) = c^k F(G)`` when ``phi`` is positively homogeneous of degree ``k``
(identity, ReLU, leaky ReLU, abs: 1; step, sign: 0; no NL: 1), hence ``F_hat``
is invariant; for erf, tanh, ... without RS it is not (checked as a control).

RS trace, derived.  After RS every row has ``sum_i y_i^2 = n``.  Without NL,
``tr G_out = n`` exactly at every width.  With ``phi = a min(x,0) + b max(x,0)``
and ``h -> -h`` symmetry of the Gaussian, ``E sum_i phi(y_i)^2 = n (a^2+b^2)/2``;
for ``|phi(x)| = |x|`` (identity, abs) it is ``n`` exactly per row; for degree 0
``phi(y)^2`` is ``a^2`` or ``b^2`` per entry, so ``E = n (a^2 + b^2)/2`` (zero
entries have probability 0 when no row of ``S`` vanishes).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import map_method, mean_field_map
from numerics.simulation.sampling import LayerSampler, apply_components
from numerics.simulation.statistics import tie_representatives
from proofs_check.strategies import activation_names, gram_matrices, layer_kinds
from theory.activations import get_activation
from theory.layers import LayerKind

from ._budget import examples

EPS = float(np.finfo(float).eps)


def _rs_defined(G: np.ndarray, layer: LayerKind) -> bool:
    n = G.shape[0]
    S = G if not layer.rc else (np.eye(n) - 1 / n) @ G @ (np.eye(n) - 1 / n)
    return not layer.rs or np.max(np.diag(S)) > 1e-6 * max(1.0, np.max(np.abs(G)))


@examples(1.0)
@given(data=st.data(), G=gram_matrices(max_n=5, kinds=("generic", "rank_deficient")),
       layer=layer_kinds(), act=activation_names(closed_form=True))
def test_permuting_the_batch_permutes_F(data, G, layer, act):
    """``F(Pi G Pi^T) = Pi F(G) Pi^T``: bitwise for closed forms (entrywise formulas
    on exact covariances), within the error bounds for the RS integral."""
    assume(map_method(layer, act) in ("closed-form", "rs-integral") and _rs_defined(G, layer))
    n = G.shape[0]
    perm = np.array(data.draw(st.permutations(range(n))))
    a = mean_field_map(G, layer, act, dps=15, shape=False)
    b = mean_field_map(G[np.ix_(perm, perm)], layer, act, dps=15, shape=False)
    Fa, Fb = a.F_float()[np.ix_(perm, perm)], b.F_float()
    if a.method == "closed-form":
        assert np.array_equal(Fa, Fb)
    else:
        # plus one float64 rounding of each value by F_float() (the two quadratures
        # differ by ~1e-22 and may round to neighbouring doubles)
        rounding = 2 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(Fa))))
        assert np.max(np.abs(Fa - Fb)) <= float(a.error_bound + b.error_bound) + rounding


@examples(1.0)
@given(G=gram_matrices(max_n=5, kinds=("generic",)), layer=layer_kinds(),
       act=activation_names(closed_form=True), c=st.sampled_from([0.25, 4.0, 1e3]))
def test_scale_invariance_where_derived(G, layer, act, c):
    assume(_rs_defined(G, layer))
    phi = get_activation(act)
    assume(not (layer.rs and layer.nl and phi.degree is None))  # rqmc only
    F1 = fast_mean_field_map(G, layer, act)
    F2 = fast_mean_field_map(c * G, layer, act)
    scale = max(1.0, float(np.max(np.abs(F1.F))))
    tol = float(np.max(F1.error) + np.max(F2.error)) * max(1.0, c) + 1e-9 * scale
    if layer.rs:
        assert np.max(np.abs(F2.F - F1.F)) <= tol * 1e3 + 1e-9 * scale
    elif not layer.nl or phi.degree is not None:
        k = 1 if not layer.nl else phi.degree
        assert np.max(np.abs(F2.F - c**k * F1.F)) <= 1e-9 * c**k * scale
        if np.trace(F1.F) > 0:  # F_hat = n F / tr F is undefined where tr F = 0
            assert np.max(np.abs(F2.F_hat - F1.F_hat)) <= 1e-9 * G.shape[0]


def test_erf_without_rs_is_not_scale_invariant():
    """Control: the scale-invariance test would fail for a non-homogeneous phi."""
    G = np.array([[1.0, 0.3], [0.3, 2.0]])
    a, b = fast_mean_field_map(G, "nl", "erf"), fast_mean_field_map(4 * G, "nl", "erf")
    assert np.max(np.abs(a.F_hat - b.F_hat)) > 1e-3


@examples(0.5)
@given(G=gram_matrices(max_n=5, kinds=("generic", "rank_deficient")), rs=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_rc_output_has_zero_row_sums(G, rs, seed):
    """Mean field: ``F(G) 1 = 0`` for RC (and RC+RS) without NL.  Simulation: every
    neuron row sums to 0 after RC, to rounding ``n u max|h|``."""
    layer = LayerKind(rc=True, rs=rs, nl=False)
    assume(_rs_defined(G, layer))
    n = G.shape[0]
    res = mean_field_map(G, layer, "identity", dps=15, shape=False)
    F = res.F_float()
    assert np.max(np.abs(F.sum(axis=1))) <= n * (float(res.error_bound) + EPS * np.abs(F).max())
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((3, n, 32))
    sampler = LayerSampler(n, 32, 3, layer, "identity", rng=rng)
    H0 = sampler.linear(Y, tie_representatives(Y))
    before = np.abs(H0).max(axis=1)  # per neuron, before RC
    H, _ = apply_components(H0.copy(), sampler.layer, sampler.activation)
    # rounding: mean and n subtractions, each within u of |h| <= max|h_before|; RS
    # then divides by the row's RMS, which scales the bound by the same factor.
    rms = np.sqrt(np.mean(H0 * H0, axis=1) - np.mean(H0, axis=1) ** 2)
    bound = 4 * n * EPS * np.where(rs, before / np.where(rms > 0, rms, 1.0), before)
    assert np.all(np.abs(H.sum(axis=1)) <= bound + 4 * n * EPS)


@examples(0.5)
@given(G=gram_matrices(max_n=5, kinds=("generic",)), rc=st.booleans(),
       act=st.sampled_from(["identity", "relu", "abs", "leaky_relu(1/5)", "step", "sign", None]),
       seed=st.integers(0, 2**32 - 1))
def test_rs_output_trace(G, rc, act, seed):
    layer = LayerKind(rc=rc, rs=True, nl=act is not None)
    assume(_rs_defined(G, layer))
    n = G.shape[0]
    phi = get_activation(act or "identity")
    a, b = (float(x) for x in phi.slopes)
    res = mean_field_map(G, layer, phi, dps=15, shape=False)
    F = res.F_float()
    expected = n * (a * a + b * b) / 2 if act is not None else n
    if phi.degree == 0 and act is not None:
        # RS changes nothing for degree 0; a point with zero variance (S_ii = 0) gives
        # phi(0) = 0 in every row, so only the live points count
        from fractions import Fraction

        from numerics.gram import to_fraction
        from numerics.maps.precise import exact_covariance
        S = exact_covariance([[to_fraction(x) for x in row] for row in G.tolist()], layer,
                             Fraction(1))
        expected = sum(S[i][i] > 0 for i in range(n)) * (a * a + b * b) / 2
    assert abs(np.trace(F) - expected) <= n * float(res.error_bound) + 1e-12 * n
    if act in (None, "identity", "abs", "sign"):  # |phi(y)| = |y| or 1: exact per row
        rng = np.random.default_rng(seed)
        from numerics.simulation.simulate import batch_from_gram
        Y = batch_from_gram(rng, G, 2, 64)
        H, zero = LayerSampler(n, 64, 2, layer, phi, rng=rng).step(Y, tie_representatives(Y))
        rows = (H * H).mean(axis=1)  # per neuron: mean square over the batch
        live = rows > 0
        assert np.all(np.abs(rows[live] - 1) <= 8 * n * EPS)


@pytest.mark.parametrize("layer", ["rc,nl", "rc,rs,nl"])
@examples(0.5)
@given(n=st.integers(3, 7), d=st.integers(2, 64), seed=st.integers(0, 2**32 - 1),
       act=st.sampled_from(["relu", "step"]), depth=st.integers(1, 4))
def test_cluster_plus_odd_point_is_exactly_invariant(layer, n, d, seed, act, depth):
    """n-1 bitwise identical points + 1 point: after RC the cluster and the odd point
    have opposite signs in every neuron (``(h_c - h_o)/n`` vs ``(n-1)(h_o - h_c)/n``),
    so after any phi vanishing on ``x <= 0`` they are exactly orthogonal, at every
    width and depth, and the cluster stays bitwise identical."""
    rng = np.random.default_rng(seed)
    Y = np.empty((2, n, d))
    c = rng.standard_normal((2, d))
    Y[:, : n - 1] = c[:, None, :]
    Y[:, n - 1] = rng.standard_normal((2, d))
    sampler = LayerSampler(n, d, 2, layer, act, rng=rng)
    for _ in range(depth):
        Y, _ = sampler.step(Y, tie_representatives(Y))
        assert np.all(Y[:, : n - 1] == Y[:, :1])
        dots = np.einsum("td,td->t", Y[:, 0], Y[:, n - 1])
        assert np.all(dots == 0.0)


def test_cluster_plus_odd_maps_to_orthogonal_in_mean_field():
    """Mean field, exact: ``gamma' = 0`` exactly after RC + ReLU (the kernel at angle pi)."""
    n = 5
    G = np.full((n, n), 0.7)
    G[:, -1] = G[-1, :] = 0.2
    G[-1, -1] = 1.3
    F = mean_field_map(G, "rc,nl", "relu", dps=30, shape=False).F
    assert all(F[i, n - 1] == 0 for i in range(n - 1))
