"""Tests of numerics.simulation.sampling: exactness of the fast path, ties, components."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from numerics.simulation.sampling import (
    LayerSampler,
    apply_components,
    check_ensemble,
    fast_linear,
    reference_linear,
    triangular_factor,
)
from numerics.simulation.statistics import gram
from theory.activations import get_activation
from theory.errors import InvalidInputError, UnknownNameError
from theory.layers import LayerKind, parse_layer

RELU = get_activation("relu")


def _input(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((1, n, d))


@pytest.mark.parametrize("d", [5, 300, 1500])
def test_triangular_factor_is_the_cholesky_factor_of_the_gram(d):
    # Independent route: numpy's Cholesky of X^T X (full rank here) is the unique
    # upper-triangular factor with positive diagonal.  d = 1500 exercises TSQR.
    Y = np.random.default_rng(1).standard_normal((2, 4, d))
    R = triangular_factor(Y)
    X = np.swapaxes(Y, 1, 2)
    L = np.linalg.cholesky(np.swapaxes(X, 1, 2) @ X)
    np.testing.assert_allclose(R, np.swapaxes(L, 1, 2), rtol=1e-9, atol=1e-9 * math.sqrt(d))
    assert np.all(np.tril(R, -1) == 0)


def test_orthogonal_preserves_gram_exactly():
    # Closed form: W^T W = sigma_w^2 I, so G(W X) = sigma_w^2 G(X) for every draw.
    rng = np.random.default_rng(2)
    for d in (3, 64, 1200):
        Y = np.random.default_rng(d).standard_normal((3, 5, d))
        H = fast_linear(Y, rng, "orthogonal", sigma_w2=2.0)
        np.testing.assert_allclose(gram(H), 2.0 * gram(Y), rtol=1e-10, atol=1e-10)


def _ks_pvalues(a: np.ndarray, b: np.ndarray) -> list[float]:
    return [stats.ks_2samp(a[:, i, j], b[:, i, j]).pvalue for i, j in ((0, 0), (0, 1), (1, 2))]


def _deep(Y0: np.ndarray, T: int, layers: int, weights: str, reference: bool, seed: int):
    Y = np.repeat(Y0, T, axis=0)
    s = LayerSampler(Y.shape[1], Y.shape[2], T, "rc,nl", "relu", weights,
                     rng=np.random.default_rng(seed), reference=reference)
    for _ in range(layers):
        Y, _ = s.step(Y)
    return gram(Y)


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_fast_matches_reference_in_distribution(weights):
    # Second algorithm: the plain d x d path.  Two-sample KS tests on three Gram
    # entries after 3 RC+ReLU layers, 1500 trials each, significance 1e-3 per
    # test (6 tests in this file's two cases: family-wise level <= 0.6%).
    Y0 = _input(3, 8)
    fast = _deep(Y0, 1500, 3, weights, False, 10)
    ref = _deep(Y0, 1500, 3, weights, True, 11)
    assert min(_ks_pvalues(fast, ref)) > 1e-3


def test_ks_has_power_gaussian_vs_orthogonal():
    # The same test must reject two genuinely different laws (d = 8: Haar keeps
    # norms exactly at the linear step, Gaussian does not).
    Y0 = _input(3, 8)
    g = _deep(Y0, 1500, 3, "gaussian", False, 12)
    o = _deep(Y0, 1500, 3, "orthogonal", False, 13)
    assert min(_ks_pvalues(g, o)) < 1e-6


def test_frozen_one_layer_matches_fast_gaussian_and_reuses_w():
    # One layer of frozen weights is one Gaussian layer: KS test (level 1e-3).
    Y0 = _input(3, 8)
    frozen = _deep(Y0, 1500, 1, "frozen", False, 14)
    fast = _deep(Y0, 1500, 1, "gaussian", False, 15)
    assert min(_ks_pvalues(frozen, fast)) > 1e-3
    s = LayerSampler(3, 8, 2, "none", "identity", "frozen", rng=np.random.default_rng(0))
    Y = np.repeat(Y0, 2, axis=0)
    np.testing.assert_array_equal(s.linear(Y), s.linear(Y))  # the same W every layer


def _arccos1(S: np.ndarray) -> np.ndarray:
    # V_relu(S)_ij = sqrt(S_ii S_jj) (sin t + (pi - t) cos t) / (2 pi),
    # with cos t = S_ij / sqrt(S_ii S_jj)  (arc-cosine kernel of degree 1)
    dg = np.sqrt(np.diag(S))
    c = np.clip(S / np.outer(dg, dg), -1, 1)
    t = np.arccos(c)
    return np.outer(dg, dg) * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi)


@pytest.mark.parametrize("weights", ["gaussian", "frozen"])
def test_one_rc_relu_layer_mean_is_arccos_kernel(weights):
    # Closed form: given X, rows of W X are i.i.d. N(0, sigma^2 G), so after RC
    # and ReLU E[G'] = V_relu(sigma^2 P G P) exactly at any width.  Tolerance:
    # 5 standard errors of the mean over trials, entry by entry.
    n, d, T, s2 = 3, 16, 4000, 1.7
    Y0 = _input(n, d, 3)
    Y = np.repeat(Y0, T, axis=0)
    s = LayerSampler(n, d, T, "rc,nl", "relu", weights, sigma_w2=s2,
                     rng=np.random.default_rng(4))
    G1 = gram(s.step(Y)[0])
    P = np.eye(n) - np.ones((n, n)) / n
    expected = _arccos1(s2 * P @ gram(Y0)[0] @ P)
    se = G1.std(axis=0, ddof=1) / math.sqrt(T)
    assert np.all(np.abs(G1.mean(axis=0) - expected) <= 5 * se)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 24),
       kind=st.integers(0, 7), weights=st.sampled_from(["gaussian", "orthogonal", "frozen"]),
       act=st.sampled_from(["relu", "tanh", "sign", "abs", "gelu"]))
def test_identical_points_stay_bitwise_identical(seed, d, kind, weights, act):
    # Exact merge is absorbing: W x_i = W x_j when x_i = x_j, so the copies must
    # stay equal bit for bit through every layer kind and ensemble.
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((3, 5, d))
    Y[:, 3] = Y[:, 1]
    Y[:, 4] = Y[:, 1]
    s = LayerSampler(5, d, 3, LayerKind.all()[kind], act, weights, eps=1e-12, rng=rng)
    for _ in range(30):
        Y, _ = s.step(Y)
        bits = Y.view(np.int64)
        assert np.array_equal(bits[:, 1], bits[:, 3])
        assert np.array_equal(bits[:, 1], bits[:, 4])


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_exact_merge_survives_1000_layers(weights):
    # 1000 BN+ReLU layers at d = 8: the planted merge must stay exact (bitwise).
    rng = np.random.default_rng(5)
    Y = rng.standard_normal((4, 4, 8))
    Y[:, 2] = Y[:, 0]
    s = LayerSampler(4, 8, 4, "rc,rs,nl", "relu", weights, eps=1e-12, rng=rng)
    for _ in range(1000):
        Y, _ = s.step(Y)
        assert np.array_equal(Y[:, 0].view(np.int64), Y[:, 2].view(np.int64))
    assert not np.array_equal(Y[:, 0], Y[:, 1])


def test_rc_rows_sum_to_zero_and_rs_rows_have_unit_mean_square():
    # Closed forms: H P has zero row sums; RS makes |h_k|^2 / n = 1 (eps = 0).
    rng = np.random.default_rng(6)
    H = 1e3 * rng.standard_normal((4, 6, 50))
    out, zr = apply_components(H.copy(), parse_layer("rc,rs"), RELU)
    assert np.all(np.abs(out.sum(axis=1)) <= 6 * 8 * np.finfo(float).eps * np.abs(out).max())
    np.testing.assert_allclose((out**2).mean(axis=1), 1.0, rtol=1e-13)
    assert zr.tolist() == [0, 0, 0, 0]


def test_rs_zero_row_is_left_at_zero_and_counted():
    H = np.ones((2, 3, 4))
    H[0, :, 1] = 0.0
    out, zr = apply_components(H, parse_layer("rs"), RELU, eps=0.0)
    assert np.all(np.isfinite(out)) and np.all(out[0, :, 1] == 0)
    assert zr.tolist() == [1, 0]
    out2, _ = apply_components(np.full((1, 2, 1), 3.0), parse_layer("rs"), RELU, eps=7.0)
    np.testing.assert_allclose(out2, 3.0 / math.sqrt(9.0 + 7.0))


def test_reproducible_from_seed():
    Y = _input(4, 30)
    a = fast_linear(Y, np.random.default_rng(9))
    b = fast_linear(Y, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    r1 = reference_linear(Y, np.random.default_rng(9), "orthogonal")
    r2 = reference_linear(Y, np.random.default_rng(9), "orthogonal")
    np.testing.assert_array_equal(r1, r2)


def test_bad_names_and_frozen_memory():
    with pytest.raises(UnknownNameError):
        check_ensemble("uniform")
    assert check_ensemble("Haar") == "orthogonal"
    with pytest.raises(InvalidInputError):
        LayerSampler(4, 20000, 2, weights="frozen")


def test_rc_centres_equal_points_to_exactly_zero() -> None:
    # Thorough property run (seed 4): (x + x + x) / 3 != x in float64 (x = 0.1), so a
    # batch of equal points was centred to +-1e-17 and step saw the sign of the rounding
    # (estimate 0.08 against the mean-field 0).  Expected: exactly 0 (RC of equal points).
    from theory.activations import get_activation
    from theory.layers import LayerKind
    H = np.full((2, 3, 5), 0.1)
    H[1] = 0.011485742871435719  # its plain mean is one ulp below it: step would give 1
    out, _ = apply_components(H.copy(), LayerKind(rc=True, rs=False, nl=True),
                              get_activation("step"))
    assert np.all(out == 0.0)
