"""Tests of numerics.simulation.lyapunov against exactly known exponents."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

import numerics.simulation.lyapunov as lyapunov_module
from numerics.simulation.lyapunov import (
    Exponent,
    LyapunovConfig,
    WidthResult,
    lyapunov,
    mean_field_value,
    sign_changes,
)
from theory.errors import InvalidInputError, UnknownNameError


@pytest.mark.parametrize("at", ["cluster-odd", "symmetric"])
def test_orthogonal_linear_layer_has_zero_exponent(at):
    # Closed form: Haar weights with no component preserve the Gram matrix
    # exactly, so every Gram-unit distance is unchanged: exponent 0 (rounding).
    r = lyapunov(LyapunovConfig(n=4, widths=[16], depth=8, burn_in=0, layer="none",
                                activation="identity", weights="orthogonal", trials=3,
                                seed=0, at=at))
    for e in r.widths[0].exponents.values():
        assert abs(e.rate) < 1e-6, e


def test_odd_perturbation_is_annihilated_under_rc_relu():
    # Closed form: with the cluster merged, RC makes cluster and odd point
    # antipodal and ReLU gives them disjoint supports: cos = 0 exactly after
    # one layer, whatever the perturbation.  Exponent -inf, every layer.
    r = lyapunov(LyapunovConfig(n=5, widths=[32], depth=6, burn_in=0, trials=3, seed=1))
    e = r.widths[0].exponents["odd_cos"]
    assert e.rate == -math.inf and e.annihilated_fraction == 1.0 and e.sign == "-"
    assert r.widths[0].checks["invariant_fraction"] == 1.0


def test_cluster_spread_rate_approaches_mean_field_factor():
    # Independent route (mean-field derivation, see the README section on simulate and lyapunov):
    # for RC+ReLU the relative squared spread grows by n^2/(n^2-2n+2) per layer.
    # Tolerance: 5 standard errors of the trial mean, plus 4/d for the O(1/d)
    # finite-width bias (Jensen: E log < log E).
    n, d = 4, 1024
    r = lyapunov(LyapunovConfig(n=n, widths=[d], depth=25, burn_in=3, trials=10, seed=2))
    e = r.widths[0].exponents["cluster_spread"]
    se = (e.ci[1] - e.ci[0]) / (2 * 2.262)  # t_{0.975, 9} = 2.262
    assert abs(e.rate - math.log(n * n / (n * n - 2 * n + 2))) <= 5 * se + 4 / d


def test_mean_field_uses_bridge_when_present(monkeypatch):

    fake = types.ModuleType("numerics.simulation.mean_field_rates")
    fake.mean_field_exponent = lambda at, n, layer, act: {"at": at, "n": n}
    monkeypatch.setattr(lyapunov_module, "mean_field_rates", fake)
    assert mean_field_value("symmetric", 4, "rc,nl", "relu")["value"] == {"at": "symmetric",
                                                                          "n": 4}


def _wr(width: int, ci: tuple[float, float]) -> WidthResult:
    return WidthResult(width, {"x": Exponent("x", "", sum(ci) / 2, ci, [], 0.0)}, {})


def test_sign_changes_scan():
    ws = [_wr(64, (0.1, 0.2)), _wr(16, (-0.3, -0.1)), _wr(32, (-0.1, 0.1))]
    assert sign_changes(ws)["x"] == {"between": [16, 64], "from": "-", "to": "+"}
    assert sign_changes([_wr(8, (0.1, 0.2)), _wr(9, (0.2, 0.3))])["x"] is None


@pytest.mark.parametrize("bad,err", [
    ({"widths": [0]}, InvalidInputError), ({"n": 2}, InvalidInputError),
    ({"trials": 0}, InvalidInputError), ({"depth": 0}, InvalidInputError),
    ({"delta": 0.5}, InvalidInputError), ({"at": "nowhere"}, UnknownNameError),
    ({"weights": "x"}, UnknownNameError), ({"burn_in": 60}, InvalidInputError),
])
def test_invalid_config(bad, err):
    with pytest.raises(err):
        LyapunovConfig(**bad)


def test_reproducible_and_serialisable():
    from theory.serialize import to_jsonable

    cfg = dict(n=4, widths=[8, 16], depth=6, burn_in=1, trials=3, seed=5, at="symmetric")
    a, b = lyapunov(LyapunovConfig(**cfg)), lyapunov(LyapunovConfig(**cfg))
    assert np.array_equal(a.widths[1].exponents["symmetric"].per_trial,
                          b.widths[1].exponents["symmetric"].per_trial)
    js = to_jsonable(a)
    assert js["mean_field"]["note"] and len(js["widths"]) == 2
    assert "symmetric" in a.to_text()
