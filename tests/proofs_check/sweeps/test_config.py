"""The sweep configuration: grid, tasks, scheduling-independent seeds, validation."""

from __future__ import annotations

import pytest

from proofs_check.sweeps import SweepConfig, task_seed
from theory.errors import InvalidInputError, UnknownNameError

from ._helpers import small


def test_grid_and_tasks():
    cfg = small(layer=["nl,rc", "rc,nl", "bn"])
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
    a = {t.task_id: t.seed for t in small().tasks()}
    b = {t.task_id: t.seed for t in small(n=[4, 3], width=[6, 4]).tasks()}
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
