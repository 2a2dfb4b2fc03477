"""Per-cell statistics against direct simulator / Lyapunov runs of the same tasks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.simulation.lyapunov import LyapunovConfig, lyapunov
from numerics.simulation.simulate import SimulationConfig, simulate
from numerics.simulation.statistics import mean_interval
from proofs_check.sweeps import SweepConfig, run_sweep


def test_cluster_odd_matches_the_simulator():
    cfg = SweepConfig(n=[4], width=[4], depth=[20], trials=12, chunk_trials=12, every=5, seed=2)
    (task,) = cfg.tasks()
    cell = run_sweep(cfg, workers=0).cells[0].stats
    sim = simulate(SimulationConfig(n=4, width=4, depth=20, trials=12, seed=task.seed, every=5))
    first = [t.first_cluster_odd_layer for t in sim.trials]
    assert cell["first_hit_depths"] == first
    assert cell["recorded_depths"] == [0, 5, 10, 15, 20]
    for row, by_layer in zip(cell["cluster_odd_fraction"], sim.summary["by_layer"], strict=True):
        assert row["value"] == by_layer["cluster_odd_fraction"]
        assert row["ci"] == by_layer["cluster_odd_ci"]
    values = [row["value"] for row in cell["first_hit_cdf"]]
    assert values == sorted(values)
    for row in cell["first_hit_cdf"]:
        assert row["count"] == sum(1 for h in first if h is not None and h <= row["depth"])
        eps = math.sqrt(math.log(2 / 0.05) / (2 * 12))
        assert row["band"] == pytest.approx([max(0.0, row["value"] - eps),
                                             min(1.0, row["value"] + eps)], abs=1e-15)
        assert row["ci"][0] <= row["value"] <= row["ci"][1]
    assert cell["merges_by_mechanism"] == sim.summary["merges_by_mechanism"]


def test_gram_moments_pool_exactly():
    cfg = SweepConfig(n=[3], width=[5], depth=[6], trials=7, chunk_trials=3, every=3,
                      statistic="gram", seed=1)
    cell = run_sweep(cfg, workers=0).cells[0].stats
    G = np.concatenate([
        np.array([[h["gram"] for h in t.history] for t in simulate(SimulationConfig(
            n=3, width=5, depth=6, trials=task.trials, seed=task.seed, every=3)).trials])
        for task in cfg.tasks()])
    for k in range(len(cell["recorded_depths"])):
        for (i, j), entry in zip(cell["entries"], cell["G"][k], strict=True):
            direct = mean_interval(G[:, k, i, j])
            assert entry["count"] == direct.count == 7
            assert entry["mean"] == pytest.approx(direct.mean, rel=1e-12, abs=1e-14)
            assert entry["ci"] == pytest.approx(list(direct.ci), rel=1e-9, abs=1e-12)
        hat = cell["G_hat"][k]
        assert sum(e["mean"] for (i, j), e in zip(cell["entries"], hat, strict=True)
                   if i == j) == pytest.approx(3.0)


def test_lyapunov_pools_per_trial_rates():
    cfg = SweepConfig(n=[4], width=[6], depth=[8], trials=5, chunk_trials=3, burn_in=2,
                      statistic="lyapunov", seed=3)
    result = run_sweep(cfg, workers=0)
    exps = result.cells[0].stats["exponents"]
    per = []
    for task in cfg.tasks():
        one = lyapunov(LyapunovConfig(n=4, widths=[6], depth=8, trials=task.trials,
                                      seed=task.seed, burn_in=2))
        per += one.widths[0].exponents["cluster_spread"].per_trial
    assert exps["cluster_spread"].per_trial == per
    m = mean_interval(per)
    assert exps["cluster_spread"].rate == m.mean
    assert exps["odd_cos"].rate == -math.inf  # RC + ReLU returns the odd point exactly
    assert "cluster_spread" in result.csv_text()
