"""Executors: pool and Dask equal serial; a dying worker and a failing task (faults)."""

from __future__ import annotations

import sys

import pytest

from proofs_check.sweeps import output_paths, run_sweep, sweep
from theory.errors import InvalidInputError

from ._helpers import cells_json, checkpoint_tasks, small


@pytest.fixture(scope="module")
def serial():
    return run_sweep(small(), workers=0)


def test_pool_equals_serial(serial):
    pooled = run_sweep(small(), workers=2)
    assert pooled.run_info["executor"].startswith("process pool")
    assert cells_json(pooled) == cells_json(serial)
    assert pooled.csv_text() == serial.csv_text()


def test_dask_local_cluster_equals_serial(serial):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install 'bnverify[dask]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = run_sweep(small(), client=client)
    assert result.run_info["executor"] == "dask.distributed"
    assert cells_json(result) == cells_json(serial)
    assert result.csv_text() == serial.csv_text()


def test_scheduler_without_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(InvalidInputError, match="dask"):
        run_sweep(small(), scheduler="tcp://127.0.0.1:8786")


def test_killed_worker_loses_and_duplicates_nothing(tmp_path, fault, serial):
    cfg = small()
    victim = cfg.tasks()[5].task_id
    hook = fault(victim, "exit", marker="fault-fired")
    marker = tmp_path / "fault-fired"
    result = sweep(cfg, out=tmp_path / "res", workers=2,
                   before_task=hook)  # the pool is restarted
    assert marker.exists()  # the worker really died
    ids = checkpoint_tasks(output_paths(tmp_path / "res")["checkpoint"])
    assert sorted(ids) == sorted(t.task_id for t in cfg.tasks())  # each task exactly once
    assert cells_json(result) == cells_json(serial)


def test_failed_task_then_resume(tmp_path, fault, serial):
    cfg = small()
    victim = cfg.tasks()[3].task_id
    hook = fault(victim, "raise")
    out = tmp_path / "res"
    with pytest.raises(RuntimeError, match="injected"):
        sweep(cfg, out=out, workers=0, before_task=hook)
    ckpt = output_paths(out)["checkpoint"]
    first = checkpoint_tasks(ckpt)
    assert victim not in first and len(first) == 3  # tasks before the failure are kept
    result = sweep(cfg, out=out, workers=2, before_task=hook)  # the fault has fired: inert
    ids = checkpoint_tasks(ckpt)
    assert sorted(ids) == sorted(t.task_id for t in cfg.tasks())
    assert result.run_info["tasks_resumed"] == 3
    assert cells_json(result) == cells_json(serial)
