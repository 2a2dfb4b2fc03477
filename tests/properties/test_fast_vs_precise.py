"""The float64 fast map against the mpmath map, and theory's reduced family maps
against the full numeric map.

Independent routes: :mod:`numerics.maps.fast` (float64, its own vectorised
formulas) vs :mod:`numerics.maps.precise` (exact rational covariance, mpmath); and
:func:`theory.reduce.reduced_map` (SymPy, ``n`` symbolic, cell algebra) vs the
``n x n`` numeric map at concrete ``n``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import map_method, mean_field_map
from proofs_check.strategies import activation_names, gram_matrices, layer_kinds
from theory.activations import get_activation

from ._budget import examples

EPS = float(np.finfo(float).eps)


def _fast_tolerance(G: np.ndarray, rc: bool, act_name: str, n: int) -> float:
    """Rounding of ``S = P G P`` in float64 (``|dS| <= 4 n u max|G|``) moves a kernel
    containing ``sqrt(S_ii S_jj - S_ij^2)`` or ``atan2`` by at most
    ``C sqrt(3 |dS| max|S|)`` (Hoelder-1/2), ``C = (a^2 + b^2)/pi + 1``."""
    act = get_activation(act_name)
    a, b = (float(x) for x in act.slopes) if act.slopes else (1.0, 1.0)
    big = float(np.max(np.abs(G)))
    dS = 4 * n * EPS * big * (4 if rc else 1)
    return ((a * a + b * b) / math.pi + 1) * math.sqrt(3 * dS * big) + 64 * EPS * big


@examples(1.0)
@given(G=gram_matrices(max_n=5), layer=layer_kinds(), act=activation_names(closed_form=True))
def test_fast_map_agrees_with_mpmath_map(G, layer, act):
    """Closed-form and RS-integral methods: ``|F_fast - F_mp| <= err_fast + err_mp + tol``."""
    assume(map_method(layer, act) in ("closed-form", "rs-integral"))
    n = G.shape[0]
    # The fast map treats S_ii <= 16 n eps max S_kk as exactly zero (documented
    # rounding-level cut); draws below that cut are out of its contract.
    d = np.diag(G)
    assume(np.all((d == 0) | (d > 1e3 * n * EPS * d.max())))
    if layer.rc:  # the same cut after recentring, relative to max G_kk (fastmaps._clean)
        from fractions import Fraction

        from numerics.gram import to_fraction
        from numerics.maps.precise import exact_covariance
        S = exact_covariance([[to_fraction(x) for x in row] for row in G.tolist()], layer,
                             Fraction(1))
        s = np.array([float(S[i][i]) for i in range(n)])
        assume(np.all((s == 0) | (s > 1e3 * n * EPS * d.max())))
    try:
        precise = mean_field_map(G, layer, act, dps=20, shape=False)
    except Exception as exc:  # RS on a zero covariance: both must refuse
        with pytest.raises(type(exc)):
            fast_mean_field_map(G, layer, act)
        return
    fast = fast_mean_field_map(G, layer, act)
    tol = (float(np.max(fast.error)) + float(precise.error_bound)
           + n * _fast_tolerance(G, layer.rc, act, n))
    if layer.rs:  # RS output is O(n), independent of the scale of G
        tol = max(tol, float(np.max(fast.error)) + 1e-10 * n)
    diff = np.max(np.abs(fast.F - precise.F_float()))
    assert diff <= tol, f"fast vs mpmath: max diff {diff:.3g} > tol {tol:.3g}"


@examples(0.3)
@given(G=gram_matrices(max_n=3, kinds=("generic",)), act=st.sampled_from(["tanh", "gelu"]),
       rc=st.booleans())
def test_fast_quadrature_agrees_with_mpmath_quadrature(G, act, rc):
    layer = "rc,nl" if rc else "nl"
    precise = mean_field_map(G, layer, act, dps=15, shape=False)
    fast = fast_mean_field_map(G, layer, act)
    tol = float(np.max(fast.error)) + float(precise.error_bound) + 1e-12 * max(1, np.abs(G).max())
    assert np.max(np.abs(fast.F - precise.F_float())) <= tol


def test_fast_map_error_estimate_covers_tiny_points():
    G = np.array([[1e-6, 10.0], [10.0, 1e16]])  # two points, norms 1e-3 and 1e8 (exact Gram)
    G[0, 1] = G[1, 0] = 1e-3 * 1e8 * 0.1
    precise = mean_field_map(G, "nl", "identity", dps=20, shape=False)
    fast = fast_mean_field_map(G, "nl", "identity")
    diff = float(np.max(np.abs(fast.F - precise.F_float())))
    assert diff <= float(np.max(fast.error)) + float(precise.error_bound)
