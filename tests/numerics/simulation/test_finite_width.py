"""The O(1/d) expansion (numerics.simulation.finite_width) against closed forms and the
exact finite-width simulator.

Simulation tolerances (derived, not tuned)
------------------------------------------
At width ``d`` with ``T`` trials the simulated mean ``m_d`` of the statistic has standard
error ``SE_d`` (sample sd / sqrt T).  The expansion predicts ``E m_d = s* + beta/d +
gamma/d^2 + O(d^-3)``.  ``gamma`` is unknown; it is bounded from the smallest width
``d_0 = 64``: ``|gamma| <= c = d_0^2 (|m_{d_0} - s* - beta/d_0| + Z SE_{d_0})`` (the
remainder at ``d_0`` read as ``gamma/d_0^2``, its upper confidence bound).  The larger
widths must then satisfy ``|m_d - s* - beta/d| <= Z SE_d + c/d^2``; since ``c/d^2``
shrinks 16-fold per 4-fold width while the ``beta/d`` term only 4-fold, a wrong
``beta`` is not absorbed.  ``Z = 3.5`` (two-sided ``5e-4`` per check; a handful of
checks per test).  The variance: the sample variance has standard error
``sqrt((m_4 - s^4)/T)`` (``m_4`` the sample fourth central moment: the normal
approximation without assuming Gaussian data), and the same ``c/d^2`` construction
bounds its next-order term.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.maps.fast import fast_mean_field_map
from numerics.simulation.finite_width import (
    default_gram,
    finite_width_expansion,
    shape_statistic,
)
from numerics.simulation.layer_covariance import layer_covariance, pair_indices
from numerics.simulation.simulate import SimulationConfig, simulate
from theory.errors import BnverifyError

Z = 3.5
WIDTHS = (64, 256, 1024)


def _isserlis(S: np.ndarray) -> np.ndarray:
    pi, pj = pair_indices(S.shape[0])
    return np.array([[S[i, k] * S[j, l] + S[i, l] * S[j, k] for k, l in zip(pi, pj, strict=True)]
                     for i, j in zip(pi, pj, strict=True)])


GRAMS = [default_gram(4), np.array([[2.0, 0.3, -0.4, 0.1], [0.3, 1.0, 0.2, 0.0],
                                    [-0.4, 0.2, 1.5, 0.6], [0.1, 0.0, 0.6, 0.8]])]


@pytest.mark.parametrize("G", GRAMS)
def test_linear_layer_covariance_is_the_wishart_one(G):
    """No RC/RS/NL: psi = h ~ N(0, sigma^2 G), Cov(h_i h_j, h_k h_l) = S_ik S_jl + S_il S_jk."""
    cov = layer_covariance(G, "none", "relu", sigma_w2=1.5)
    assert np.max(np.abs(cov.C - _isserlis(1.5 * G))) <= cov.error
    assert np.max(np.abs(cov.F - 1.5 * G)) <= cov.F_error + 1e-14


@pytest.mark.parametrize("layer", ["nl", "rc,nl"])
def test_relu_diagonal_fourth_moment(layer):
    """E relu(z)^4 = 3 s^2 / 2, E relu(z)^2 = s/2: C_(ii),(ii) = 5 s^2 / 4, s = S_ii."""
    G = GRAMS[1]
    cov = layer_covariance(G, layer, "relu")
    n = G.shape[0]
    S = G if layer == "nl" else (np.eye(n) - 1 / n) @ G @ (np.eye(n) - 1 / n)
    pi, pj = pair_indices(n)
    for a in np.nonzero(pi == pj)[0]:
        s = S[pi[a], pi[a]]
        assert abs(cov.C[a, a] - 1.25 * s * s) <= cov.error


@pytest.mark.parametrize("layer", ["rc,nl", "nl", "rc,rs,nl", "rs"])
def test_covariance_rule_second_moments_match_the_map(layer):
    G = GRAMS[1]
    cov = layer_covariance(G, layer, "relu")
    fast = fast_mean_field_map(G, layer, "relu")
    assert np.max(np.abs(cov.F - fast.F)) <= cov.F_error + float(fast.error)
    assert np.linalg.eigvalsh(cov.C).min() >= -cov.error


def test_linear_layer_expansion_is_a_wishart_chain():
    """F(G) = G (sigma_w^2 = 1): J = I, D^2F = 0, so beta_L = 0 and Sigma_L = L C(G_0)."""
    G = GRAMS[1]
    L = 2
    res = finite_width_expansion(G, "none", "relu", L)
    assert np.allclose(res.final_gram, G, rtol=0, atol=1e-14)
    assert np.max(np.abs(res.final_beta)) <= 1e-6
    assert np.max(np.abs(res.final_sigma - L * _isserlis(G))) <= L * layer_covariance(
        G, "none").error
    # the statistic's bias is then the delta-method one alone: (1/2) tr(H_s Sigma_L)
    _, _, H = shape_statistic(G)
    assert res.layers[-1].bias == pytest.approx(0.5 * np.sum(H * res.final_sigma), abs=1e-6)


@pytest.mark.parametrize(("kwargs", "parameter"), [
    ({"depth": 0}, "depth"),
    ({"gram": [[1.0]]}, "gram"),
    ({"gram": [[1.0, 2.0], [2.0, 1.0]]}, "gram"),
    ({"sigma_w2": -1.0}, "sigma_w2"),
    ({"gram": default_gram(6), "layer": "bn"}, "n"),
    ({"activation": "tanh", "layer": "bn"}, "activation"),
])
def test_bad_input_names_the_parameter(kwargs, parameter):
    args = {"gram": default_gram(4), "layer": "rc,nl", "activation": "relu", "depth": 2}
    args.update(kwargs)
    with pytest.raises(BnverifyError) as info:
        finite_width_expansion(**args)
    assert info.value.parameter == parameter


def _simulated(layer: str, depth: int, width: int, trials: int, seed: int) -> np.ndarray:
    config = SimulationConfig(n=4, width=width, depth=depth, layer=layer, trials=trials,
                              seed=seed, initial_gram=default_gram(4))
    return np.array([shape_statistic(t.final_gram)[0] for t in simulate(config).trials])


def _check_against_simulation(layer: str, depth: int, trials: int) -> list[dict]:
    res = finite_width_expansion(default_gram(4), layer, "relu", depth)
    last = res.layers[-1]
    rows = []
    for k, d in enumerate(WIDTHS):
        s = _simulated(layer, depth, d, trials, seed=100 + k)
        var = s.var(ddof=1)
        m4 = np.mean((s - s.mean()) ** 4)
        rows.append({"d": d, "mean": s.mean(), "se": s.std(ddof=1) / math.sqrt(trials),
                     "pred": res.predicted_mean(d), "var": var,
                     "var_se": math.sqrt(max(m4 - var**2, 0.0) / trials),
                     "var_pred": last.variance / d})
    d0 = rows[0]
    c_mean = d0["d"] ** 2 * (abs(d0["mean"] - d0["pred"]) + Z * d0["se"])
    c_var = d0["d"] ** 2 * (abs(d0["var"] - d0["var_pred"]) + Z * d0["var_se"])
    for r in rows[1:]:
        assert abs(r["mean"] - r["pred"]) <= Z * r["se"] + c_mean / r["d"] ** 2, (r, last)
        assert abs(r["var"] - r["var_pred"]) <= Z * r["var_se"] + c_var / r["d"] ** 2, (r, last)
    # the allowance at the largest width is a small fraction of the predicted bias
    # (else the test could not tell a wrong beta from the O(d^-2) remainder)
    big = rows[-1]
    assert c_mean / big["d"] ** 2 < 0.25 * abs(last.bias) / big["d"] or abs(last.bias) < 0.05
    return rows


def test_rc_relu_against_simulation_quick():
    """RC + ReLU, n = 4, depth 4, 600 trials: a few seconds."""
    _check_against_simulation("rc,nl", 4, 600)


@pytest.mark.slow
@pytest.mark.parametrize(("layer", "depth"), [("rc,nl", 10), ("rc,rs,nl", 10), ("nl", 6)])
def test_expansion_against_simulation(layer, depth):
    _check_against_simulation(layer, depth, 1500)
