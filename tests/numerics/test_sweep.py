"""The sweep engine: scheduling-independent seeding, executors, faults, resume, aggregation."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from numerics.simulation.lyapunov import LyapunovConfig, lyapunov
from numerics.simulation.simulate import SimulationConfig, simulate
from numerics.simulation.statistics import mean_interval
from numerics.sweep import (
    FAULT_ENV,
    Checkpoint,
    SweepConfig,
    output_paths,
    run_sweep,
    sweep,
    task_seed,
)
from theory.errors import InvalidInputError, UnknownNameError
from theory.serialize import to_jsonable


def _small(**kw) -> SweepConfig:
    base = dict(n=[3, 4], width=[4, 6], depth=[12], trials=9, chunk_trials=4, every=4, seed=5)
    base.update(kw)
    return SweepConfig(**base)


def _cells(result) -> str:
    """The reproducible part of a result (everything but ``run``), as canonical JSON."""
    return json.dumps(to_jsonable(result)["cells"], sort_keys=True)


@pytest.fixture(scope="module")
def serial():
    return run_sweep(_small(), workers=0)


def test_grid_and_tasks():
    cfg = _small(layer=["nl,rc", "rc,nl", "bn"])
    assert cfg.layer == ["rc,nl", "rc,rs,nl"]  # canonical and deduplicated
    tasks = cfg.tasks()
    assert len(cfg.cells()) == 2 * 2 * 2
    assert len(tasks) == 8 * 3  # 9 trials in chunks of 4, 4, 1
    assert [t.trials for t in tasks[:3]] == [4, 4, 1]
    assert len({t.task_id for t in tasks}) == len(tasks)
    assert len({t.seed for t in tasks}) == len(tasks)


def test_seed_depends_only_on_seed_cell_and_chunk():
    key = "n=3|width=4|depth=12|layer=rc,nl|activation=relu"
    assert task_seed(5, key, 0) == task_seed(5, key, 0)
    assert task_seed(5, key, 0) != task_seed(5, key, 1)
    assert task_seed(5, key, 0) != task_seed(6, key, 0)
    a = {t.task_id: t.seed for t in _small().tasks()}
    b = {t.task_id: t.seed for t in _small(n=[4, 3], width=[6, 4]).tasks()}
    assert a == b  # reordering the grid changes no task's seed


def test_bad_config():
    with pytest.raises(UnknownNameError):
        SweepConfig(statistic="nope")
    with pytest.raises(InvalidInputError):
        SweepConfig(n=[2])  # the cluster + odd test needs n >= 3
    with pytest.raises(InvalidInputError):
        SweepConfig(width=[0])
    with pytest.raises(UnknownNameError):
        SweepConfig(layer=["rc,xx"])
    with pytest.raises(InvalidInputError):
        SweepConfig(statistic="lyapunov", depth=[3], burn_in=5)


def test_pool_equals_serial(serial):
    pooled = run_sweep(_small(), workers=2)
    assert pooled.run_info["executor"].startswith("process pool")
    assert _cells(pooled) == _cells(serial)
    assert pooled.csv_text() == serial.csv_text()


def test_dask_local_cluster_equals_serial(serial):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install 'bnverify[dask]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = run_sweep(_small(), client=client)
    assert result.run_info["executor"] == "dask.distributed"
    assert _cells(result) == _cells(serial)
    assert result.csv_text() == serial.csv_text()


def test_scheduler_without_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(InvalidInputError, match="dask"):
        run_sweep(_small(), scheduler="tcp://127.0.0.1:8786")


def _checkpoint_tasks(path) -> list[str]:
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "header"
    return [json.loads(line)["task_id"] for line in lines[1:]]


def test_killed_worker_loses_and_duplicates_nothing(tmp_path, monkeypatch, serial):
    cfg = _small()
    victim = cfg.tasks()[5].task_id
    marker = tmp_path / "fault-fired"
    monkeypatch.setenv(FAULT_ENV, json.dumps({"task": victim, "mode": "exit",
                                              "marker": str(marker)}))
    result = sweep(cfg, out=tmp_path / "res", workers=2)  # the pool is restarted
    assert marker.exists()  # the worker really died
    ids = _checkpoint_tasks(output_paths(tmp_path / "res")["checkpoint"])
    assert sorted(ids) == sorted(t.task_id for t in cfg.tasks())  # each task exactly once
    assert _cells(result) == _cells(serial)


def test_failed_task_then_resume(tmp_path, monkeypatch, serial):
    cfg = _small()
    victim = cfg.tasks()[3].task_id
    monkeypatch.setenv(FAULT_ENV, json.dumps({"task": victim, "mode": "raise",
                                              "marker": str(tmp_path / "fired")}))
    out = tmp_path / "res"
    with pytest.raises(RuntimeError, match="injected"):
        sweep(cfg, out=out, workers=0)
    ckpt = output_paths(out)["checkpoint"]
    first = _checkpoint_tasks(ckpt)
    assert victim not in first and len(first) == 3  # tasks before the failure are kept
    result = sweep(cfg, out=out, workers=2)
    ids = _checkpoint_tasks(ckpt)
    assert sorted(ids) == sorted(t.task_id for t in cfg.tasks())
    assert result.run_info["tasks_resumed"] == 3
    assert _cells(result) == _cells(serial)


@pytest.mark.parametrize("torn", [False, True])
def test_resume_is_bit_identical(tmp_path, torn):
    cfg = _small()
    whole = sweep(cfg, out=tmp_path / "a" / "res", workers=0)
    paths_b = output_paths(tmp_path / "b" / "res")
    sweep(cfg, out=tmp_path / "b" / "res", workers=0)
    lines = paths_b["checkpoint"].read_bytes().splitlines(keepends=True)
    half = 1 + (len(lines) - 1) // 2
    kept = b"".join(lines[:half]) + (lines[half][: len(lines[half]) // 2] if torn else b"")
    paths_b["checkpoint"].write_bytes(kept)
    paths_b["json"].unlink()
    paths_b["csv"].unlink()
    resumed = sweep(cfg, out=tmp_path / "b" / "res", workers=2)
    assert resumed.run_info["tasks_resumed"] == half - 1
    assert resumed.run_info["tasks_run"] == len(cfg.tasks()) - (half - 1)
    paths_a = output_paths(tmp_path / "a" / "res")
    assert paths_b["csv"].read_bytes() == paths_a["csv"].read_bytes()
    assert (json.loads(paths_b["json"].read_text())["cells"]
            == json.loads(paths_a["json"].read_text())["cells"])
    assert _cells(resumed) == _cells(whole)
    assert len(_checkpoint_tasks(paths_b["checkpoint"])) == len(cfg.tasks())


def test_config_mismatch_and_lock(tmp_path):
    out = tmp_path / "res"
    sweep(_small(depth=[3]), out=out, workers=0)
    with pytest.raises(InvalidInputError, match="trials: 9 there, 10 now"):
        sweep(_small(depth=[3], trials=10), out=out, workers=0)
    path = output_paths(out)["checkpoint"]
    with Checkpoint(path, _small(depth=[3])), pytest.raises(InvalidInputError, match="in use"):
        Checkpoint(path, _small(depth=[3]))
    (tmp_path / "junk.checkpoint.jsonl").write_text("not json\n")
    with pytest.raises(InvalidInputError, match="not a bnverify sweep checkpoint"):
        sweep(_small(depth=[3]), out=tmp_path / "junk", workers=0)


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
