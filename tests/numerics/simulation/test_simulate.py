"""Tests of numerics.simulation.simulate: records, merges, the cluster + odd statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numerics.simulation.simulate import SimulationConfig, batch_from_gram, simulate
from numerics.simulation.statistics import gram, tie_representatives
from theory.errors import GramError, InvalidInputError, PrecisionError, UnknownNameError
from theory.layers import LayerKind
from theory.serialize import to_jsonable


@pytest.mark.parametrize("bad", [
    {"width": 0}, {"n": 1}, {"depth": -1}, {"trials": 0}, {"sigma_w2": float("nan")},
    {"eps": -1.0}, {"every": -2}, {"n": 2.5},
])
def test_invalid_values(bad):
    with pytest.raises(InvalidInputError):
        SimulationConfig(**bad)


@pytest.mark.parametrize("bad", [{"weights": "uniform"}, {"layer": "rc,xx"},
                                 {"activation": "nosuch"}])
def test_unknown_names(bad):
    with pytest.raises(UnknownNameError):
        SimulationConfig(**bad)


@pytest.mark.parametrize("kind", [k.name for k in LayerKind.all()])
@pytest.mark.parametrize("act", ["relu", "erf", "step", "leaky_relu(0.2)", "x*erf(x)"])
def test_every_layer_kind_and_activation_runs(kind, act):
    r = simulate(SimulationConfig(n=4, width=6, depth=5, layer=kind, activation=act,
                                  trials=3, seed=1, eps=1e-9, every=2))
    for t in r.trials:
        assert np.all(np.isfinite(t.final_gram))
        assert [h["layer"] for h in t.history] == [0, 2, 4, 5]
    json.dumps(to_jsonable(r))


def test_reproducible_from_seed():
    cfg = dict(n=5, width=10, depth=20, trials=4, seed=3)
    a, b = simulate(SimulationConfig(**cfg)), simulate(SimulationConfig(**cfg))
    assert all(np.array_equal(x.final_gram, y.final_gram) for x, y in zip(a.trials, b.trials,
                                                                           strict=True))


def test_zeroed_merges_are_absorbing_zero_vectors():
    # ReLU without RC at width 2: a point is sent to 0 with probability ~1/4 per
    # layer; merged points of mechanism "zeroed" must be the zero vector at the
    # end (0 is a fixed point of every later layer).
    r = simulate(SimulationConfig(n=4, width=2, depth=30, layer="nl", activation="relu",
                                  trials=20, seed=0))
    zeroed = [(t, m) for t in r.trials for m in t.merges if m["mechanism"] == "zeroed"]
    assert zeroed
    for t, m in zeroed:
        pts = m["points"]
        assert np.all(t.final_gram[pts][:, pts] == 0)
        assert any(set(pts) <= set(c) for c in t.clusters)


def test_met_merges_with_step_activation():
    # Step outputs 0/1 vectors: at width 3 two non-zero patterns coincide often.
    r = simulate(SimulationConfig(n=6, width=3, depth=10, layer="nl", activation="step",
                                  trials=20, seed=0))
    met = [(t, m) for t in r.trials for m in t.merges if m["mechanism"] == "met"]
    assert met
    for t, m in met:
        i, j = m["points"][:2]
        assert np.array_equal(t.final_gram[i], t.final_gram[j])
        assert m["layer"] >= 1 and len(m["groups"]) >= 2


def _cluster_odd_gram(n: int) -> np.ndarray:
    G = np.eye(n)
    G[: n - 1, : n - 1] = 1.0
    return G


@pytest.mark.parametrize("layer", ["rc,nl", "rc,rs,nl"])
def test_cluster_odd_is_absorbing_under_rc_relu(layer):
    # THEORY.md claim 5: RC makes cluster and odd point antipodal, ReLU gives
    # them disjoint supports, so the configuration is kept exactly, any W.
    r = simulate(SimulationConfig(n=5, width=12, depth=200, layer=layer, trials=6, seed=2,
                                  every=50, initial_gram=_cluster_odd_gram(5)))
    assert r.summary["cluster_odd_fraction"] == 1.0
    for t in r.trials:
        assert t.first_cluster_odd_layer == 0 and t.odd_index == 4 and t.odd_cos == 0.0
        assert all(h["cluster_odd"] for h in t.history)
        assert t.merges == []


def test_cluster_odd_not_kept_without_rc():
    r = simulate(SimulationConfig(n=5, width=12, depth=3, layer="nl", trials=6, seed=2,
                                  initial_gram=_cluster_odd_gram(5)))
    assert r.summary["cluster_odd_fraction"] == 0.0
    assert r.summary["one_plus_cluster_fraction"] == 1.0  # still one cluster + one point


def test_batch_from_gram_realises_the_gram_and_ties():
    G0 = np.array([[2.0, 1.0, 2.0], [1.0, 1.0, 1.0], [2.0, 1.0, 2.0]])
    Y = batch_from_gram(np.random.default_rng(0), G0, 3, 7)
    np.testing.assert_allclose(gram(Y), np.broadcast_to(G0, (3, 3, 3)), atol=1e-12)
    assert tie_representatives(Y).tolist() == [[0, 1, 0]] * 3
    with pytest.raises(GramError):
        batch_from_gram(np.random.default_rng(0), -np.eye(3), 1, 4)


def test_rs_zero_rows_reported_not_nan():
    # All points identical: RC gives the zero matrix, RS meets d zero rows per layer.
    r = simulate(SimulationConfig(n=3, width=5, depth=4, layer="rc,rs", activation="identity",
                                  trials=2, seed=0, initial_gram=np.ones((3, 3))))
    assert r.summary["rs_zero_row_trials"] == 2
    assert all(t.rs_zero_rows == 20 and np.all(t.final_gram == 0) for t in r.trials)


def test_deep_unnormalised_relu_does_not_underflow():
    # Without normalisation |x|^2 halves per layer: 2^-1200 would underflow.
    # The exact power-of-two rescaling must keep all points distinct and non-zero.
    # (The true Gram matrix, 2^-1200, is not a float64: it is reported renormalised;
    # without renormalise the run is refused, see test_float_range.py.)
    r = simulate(SimulationConfig(n=4, width=64, depth=1200, layer="nl", trials=2, seed=0,
                                  renormalise=True))
    for t in r.trials:
        assert len(t.clusters) == 4 and t.merges == [] and t.log2_scale < -500


def test_overflow_is_an_error_not_nan():
    with pytest.raises(PrecisionError):
        simulate(SimulationConfig(n=3, width=4, depth=40, layer="nl", activation="x**2",
                                  trials=1, seed=0, sigma_w2=4.0))


def test_summary_fields_and_json_shape():
    r = simulate(SimulationConfig(n=4, width=8, depth=3, trials=5, seed=0))
    js = to_jsonable(r)
    assert set(js["trials"][0]) >= {"final_gram", "clusters", "merges", "cluster_odd",
                                    "odd_index", "odd_norm_ratio", "odd_cos"}
    s = js["summary"]
    assert s["cluster_odd_ci"][0] <= s["cluster_odd_fraction"] <= s["cluster_odd_ci"][1]
    assert "clusters at the end" in r.to_text()
