"""The fault fixture: a task hook that fails one chosen task once.

It replaces the former environment-variable hook of the sweep engine: the
fault is handed to :func:`proofs_check.sweeps.run_sweep` explicitly as
``before_task``.  :class:`FailOnce` is a module-level frozen dataclass so that it
pickles into the worker processes of a pool.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from proofs_check.sweeps import Task


@dataclass(frozen=True)
class FailOnce:
    """Fail task ``task`` the first time it runs, i.e. while ``marker`` does not exist.

    ``mode="raise"`` raises ``RuntimeError``; ``mode="exit"`` kills the process
    running the task with ``os._exit(3)``.  The first run creates ``marker``
    (atomically, ``O_EXCL``), so every later run of the task succeeds.
    """

    task: str
    mode: str
    marker: str

    def __call__(self, task: Task) -> None:
        if task.task_id != self.task:
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        if self.mode == "exit":
            os._exit(3)
        raise RuntimeError(f"injected failure of task {task.task_id}")


@pytest.fixture
def fault(tmp_path):
    """``fault(task_id, mode, marker="fired")``: a :class:`FailOnce` with its marker in tmp_path."""

    def make(task_id: str, mode: str, marker: str = "fired") -> FailOnce:
        return FailOnce(task_id, mode, str(tmp_path / marker))

    return make
