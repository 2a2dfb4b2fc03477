"""The float64 twin (numerics.maps.fast) against the mpmath path (numerics.maps.precise)."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import mean_field_map
from theory.errors import GramError, InvalidInputError


def _batch(b: int, n: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((b, n + 1, n))
    return np.swapaxes(X, -1, -2) @ X / (n + 1)


CASES = [
    ("none", "relu", 1e-14),
    ("rc,nl", "relu", 1e-14),
    ("nl", "leaky_relu(1/10)", 1e-14),
    ("rc,nl", "sign", 1e-13),
    ("nl", "erf", 1e-14),
    ("rs", "relu", 1e-12),
    ("rc,rs", "relu", 1e-12),
    ("rc,rs,nl", "relu", 1e-12),
    ("rs,nl", "abs", 1e-12),
    ("rc,rs,nl", "step", 1e-13),
    ("rc,nl", "tanh", 1e-12),
    ("nl", "gelu", 1e-12),
]


@pytest.mark.parametrize("layer, act, tol", CASES)
def test_fast_path_matches_mpmath_path(layer, act, tol):
    """Route: the mpmath path at 20 digits (its own error bound is far below tol)."""
    quadrature = act in ("tanh", "gelu")
    G = _batch(2, 3 if quadrature else 4, 3)
    fast = fast_mean_field_map(G, layer, act)
    for k in range(1 if quadrature else 2):
        slow = mean_field_map(G[k], layer, act, dps=15 if quadrature else 20)
        assert fast.method == slow.method
        assert np.max(np.abs(fast.F[k] - slow.F_float())) <= tol
        assert np.max(np.abs(fast.F_hat[k] - slow.F_hat_float())) <= 10 * tol
        assert np.all(fast.error[k] <= 1e-6)  # conservative: the error of the 2h rule


def test_fast_rqmc_against_mpmath_rqmc_bars():
    """Route: both are RQMC estimates of the same expectation: within the sum of their bars."""
    G = _batch(1, 3, 4)
    fast = fast_mean_field_map(G, "rs,nl", "tanh", seed=1)
    slow = mean_field_map(G[0], "rs,nl", "tanh", dps=15, seed=2)
    assert np.max(np.abs(fast.F[0] - slow.F_float())) <= fast.error[0] + float(slow.error_bound)


def test_fast_rs_with_duplicate_points():
    """Route: mpmath path with exact rank handling (duplicate points)."""
    G = np.array([[1, 1, 0.3], [1, 1, 0.3], [0.3, 0.3, 2.0]])
    fast = fast_mean_field_map(G, "rs,nl", "relu")
    slow = mean_field_map(G, "rs,nl", "relu", dps=20)
    assert np.max(np.abs(fast.F - slow.F_float())) <= 1e-10


def test_fast_errors():
    with pytest.raises(InvalidInputError):
        fast_mean_field_map(np.ones((3,)), "nl")
    with pytest.raises(GramError, match="rescaling undefined"):
        fast_mean_field_map(np.ones((2, 2)), "rc,rs")
    out = fast_mean_field_map(np.zeros((2, 2)), "nl")
    assert np.all(np.isnan(out.F_hat))
