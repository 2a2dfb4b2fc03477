"""No non-finite value is ever a result of simulate or lyapunov (issue 20, item 2).

Reproductions of the issue (each used to return inf, zeros or a rate of -inf with
exit 0), the renormalised reporting of deep runs, and the exact power-of-two
arithmetic that makes the renormalised and the true Gram matrices agree bitwise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import numerics.simulation.lyapunov as lyapunov_module
from numerics.simulation.float_range import (
    LOG2_RANGE,
    check_activation_values,
    normalised_gram,
    rescale,
    true_gram,
)
from numerics.simulation.lyapunov import LyapunovConfig, lyapunov
from numerics.simulation.simulate import SimulationConfig, simulate
from numerics.simulation.statistics import gram, tie_representatives
from theory.activations import get_activation
from theory.errors import InvalidInputError, NonFiniteError, PrecisionError

# the deep runs: n = 3 distinct points, width 64, one trial
DEEP_UNDER = dict(n=3, width=64, trials=1, depth=1200)  # rc,nl at sigma_w^2 = 1: 2^-2100
DEEP_OVER = dict(n=3, width=64, trials=1, depth=1000, layer="nl", sigma_w2=10.0)  # 2^2260


def _shape(G: np.ndarray) -> np.ndarray:
    return G.shape[-1] * G / np.trace(G)


def test_nonfinite_error_is_an_input_and_a_precision_error():
    exc = NonFiniteError("x", parameter="depth")
    assert isinstance(exc, InvalidInputError) and isinstance(exc, PrecisionError)
    assert exc.parameter == "depth"


@pytest.mark.parametrize("kw, what", [(DEEP_UNDER, "underflows"), (DEEP_OVER, "overflows")])
def test_deep_gram_out_of_range_is_an_error_naming_the_layer(kw, what):
    # before: final_gram all 0.0 (underflow) or all inf (overflow), and no error
    with pytest.raises(NonFiniteError) as info:
        simulate(SimulationConfig(**kw))
    msg = str(info.value)
    assert f"Gram matrix {what} float64 after" in msg and "renormalise=True" in msg
    assert "\n" not in msg and info.value.parameter == "renormalise"
    # the layer named is where the scale left the range, well before the end
    layer = int(msg.split("after ")[1].split(" layers")[0])
    assert 300 < layer < kw["depth"]


@pytest.mark.parametrize("kw", [DEEP_UNDER, DEEP_OVER])
def test_renormalised_deep_run_is_finite_with_distinct_points(kw):
    r = simulate(SimulationConfig(**kw, renormalise=True))
    (t,) = r.trials
    G = np.asarray(t.final_gram)
    assert np.all(np.isfinite(G)) and np.all(np.diagonal(G) > 0)
    assert 0.5 <= np.abs(G).max() < 1.0  # scaled by an exact power of two
    assert t.clusters == [[0], [1], [2]] and t.merges == []
    # 3 distinct points (ReLU correlates them towards 1, but none became another)
    assert len({tuple(row) for row in G.tolist()}) == 3
    # the true scale is far outside float64: 2^gram_log2_scale
    assert abs(t.gram_log2_scale) > 2000
    assert abs(t.log2_scale) > LOG2_RANGE  # the internal rescaling did happen


@pytest.mark.parametrize("kw, mid", [(DEEP_UNDER, 400), (DEEP_OVER, 300)])
def test_renormalised_shape_is_bitwise_the_true_shape(kw, mid):
    # Derivation of "bitwise": both runs draw the same numbers and do the same
    # arithmetic (renormalise only changes what is reported).  The reported Gram
    # matrices are gram(Y) times 2^(2 log2_scale) (true) and gram(2^-e Y)
    # (renormalised): multiplying by a power of two is exact away from subnormals
    # and the matrix product rounds 2^-e Y exactly as it rounds Y, scaled.  So the
    # two are exact power-of-two multiples of each other and n G / tr G is
    # bitwise equal.  `mid` is a depth where the true Gram matrix is in range and
    # the internal rescaling has already happened (|log2_scale| > 0).
    true = simulate(SimulationConfig(**{**kw, "depth": mid}))
    deep = simulate(SimulationConfig(**kw, renormalise=True, every=mid))
    (t_true,), (t_deep,) = true.trials, deep.trials
    assert t_true.gram_log2_scale == 0 and t_true.log2_scale != 0
    h = next(h for h in t_deep.history if h["layer"] == mid)
    G_true, G_hat = np.asarray(t_true.final_gram), np.asarray(h["gram"])
    assert np.array_equal(np.ldexp(G_hat, h["gram_log2_scale"]), G_true)
    assert np.array_equal(_shape(G_hat), _shape(G_true))
    assert h["clusters"] == t_true.clusters


def test_renormalise_does_not_change_the_run():
    kw = dict(n=5, width=16, depth=40, trials=6, seed=3, every=10)
    a = simulate(SimulationConfig(**kw))
    b = simulate(SimulationConfig(**kw, renormalise=True))
    for ta, tb in zip(a.trials, b.trials, strict=True):
        assert ta.clusters == tb.clusters and ta.merges == tb.merges
        assert ta.odd_cos == tb.odd_cos and ta.odd_norm_ratio == tb.odd_norm_ratio
        for ha, hb in zip(ta.history, tb.history, strict=True):
            assert np.array_equal(np.ldexp(hb["gram"], hb["gram_log2_scale"]), ha["gram"])
    assert a.summary == b.summary


def test_renormalise_must_be_a_bool():
    with pytest.raises(InvalidInputError):
        SimulationConfig(renormalise="yes")
    assert SimulationConfig(renormalise=True).to_json()["renormalise"] is True


@pytest.mark.parametrize("activation", ["log(x)", "sqrt(x)", "exp(exp(x))"])
def test_activation_not_finite_on_the_preactivations_is_an_error(activation):
    with pytest.raises(NonFiniteError) as info:
        simulate(SimulationConfig(n=4, width=16, depth=8, trials=2, activation=activation))
    assert info.value.parameter == "activation" and activation in str(info.value)
    reason = "overflows" if activation.startswith("exp") else "is not defined"
    assert reason in str(info.value)


@pytest.mark.parametrize("activation", ["log(x)", "sqrt(x)", "exp(exp(x))"])
@pytest.mark.parametrize("at", ["cluster-odd", "symmetric"])
def test_lyapunov_never_turns_nan_into_a_rate(activation, at):
    # before: rate -inf, sign "-", exit 0
    with pytest.raises(NonFiniteError) as info:
        lyapunov(LyapunovConfig(n=4, widths=[16], depth=8, trials=2, activation=activation,
                                at=at))
    assert info.value.parameter == "activation"


def test_non_homogeneous_underflow_is_an_error_not_a_merge():
    # tanh at sigma_w^2 = 1/2 shrinks like 2^(-l/4): the points would underflow to
    # the zero vector and be reported as "zeroed" merges; tanh cannot be rescaled
    with pytest.raises(NonFiniteError) as info:
        simulate(SimulationConfig(n=3, width=64, trials=1, depth=3000, layer="nl",
                                  activation="tanh", sigma_w2=0.5, renormalise=True))
    assert "underflows" in str(info.value) and "not positively homogeneous" in str(info.value)


def test_non_homogeneous_overflow_is_an_error():
    with pytest.raises(NonFiniteError):
        simulate(SimulationConfig(n=3, width=4, depth=40, layer="nl", activation="x**2",
                                  trials=1, seed=0, sigma_w2=4.0))


def test_deep_lyapunov_stays_in_range():
    # before: |x| underflowed after ~600 layers and the rate came out -inf
    r = lyapunov(LyapunovConfig(n=4, widths=[16], depth=1200, trials=2, seed=0))
    e = r.widths[0].exponents["cluster_spread"]
    assert all(math.isfinite(v) for v in e.per_trial) and math.isfinite(e.rate)
    assert e.annihilated_fraction == 0.0 and e.degenerate_layers < 0.01


def test_rescale_is_exact_and_keeps_ties():
    rng = np.random.default_rng(0)
    Y = np.ldexp(rng.standard_normal((3, 4, 8)), np.array([400, 0, -400])[:, None, None])
    Y[:, 1] = Y[:, 0]
    scale = np.zeros(3, dtype=np.int64)
    Z = rescale(Y.copy(), scale)
    assert scale[1] == 0 and scale[0] > LOG2_RANGE and scale[2] < -LOG2_RANGE
    assert np.array_equal(np.ldexp(Z, scale[:, None, None]), Y)
    assert np.array_equal(tie_representatives(Z), tie_representatives(Y))


def test_true_and_normalised_gram():
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((2, 3, 8))
    scale = np.array([300, -10])
    G, k = normalised_gram(Y, scale)
    assert np.all((0.5 <= np.abs(G).max(axis=(1, 2))) & (np.abs(G).max(axis=(1, 2)) < 1))
    assert np.array_equal(np.ldexp(G, (k - 2 * scale)[:, None, None]), gram(Y))
    with pytest.raises(NonFiniteError, match="overflows"):
        true_gram(Y, np.array([600, 0]), layer=7)
    G2 = true_gram(Y, np.array([100, -10]), layer=7)
    assert np.array_equal(np.ldexp(normalised_gram(Y, np.array([100, -10]))[0],
                                   normalised_gram(Y, np.array([100, -10]))[1][:, None, None]),
                          G2)
    with pytest.raises(NonFiniteError, match="underflows"):
        true_gram(Y, np.array([0, -600]), layer=7)
    assert np.array_equal(true_gram(np.zeros((1, 2, 4)), np.array([-600]), layer=1),
                          np.zeros((1, 2, 2)))  # exact zeros are zeros, not underflow
    assert np.array_equal(true_gram(Y, np.zeros(2, dtype=np.int64), layer=1), gram(Y))


def test_check_activation_values_names_the_preactivation():
    act = get_activation("log(x)")
    x = np.array([[1.0, -2.0]])
    with np.errstate(invalid="ignore"):
        y = act.numpy(x)
    with pytest.raises(NonFiniteError, match=r"at x = -2 it gives nan"):
        check_activation_values(x, y, act)


def test_a_nan_distance_is_never_averaged_into_a_rate(monkeypatch):
    # the last guard: whatever produced it, a NaN log-growth raises instead of
    # becoming an "exact return" (-inf) as it did before
    monkeypatch.setattr(lyapunov_module, "_cos", lambda Y: np.full(Y.shape[0], np.nan))
    with pytest.raises(NonFiniteError, match="odd cosine distance is nan at layer 1"):
        lyapunov(LyapunovConfig(n=4, widths=[16], depth=4, burn_in=0, trials=2))
