"""Running a sweep: checkpoint, executor, progress and aggregation, in that order.

:func:`run_sweep` reads the checkpoint (if any), runs the tasks it does not hold
on an executor (:mod:`proofs_check.sweeps.executors`), appends each finished
task to the checkpoint as it arrives, and aggregates the cells
(:mod:`proofs_check.sweeps.aggregate`).  :func:`sweep` does the same with the
files of one output stem and writes the JSON and CSV results.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from proofs_check.sweeps.aggregate import aggregate
from proofs_check.sweeps.checkpoint import Checkpoint, json_round_trip, output_paths
from proofs_check.sweeps.config import SweepConfig
from proofs_check.sweeps.executors import ExecutorOptions, dask_client, make_executor
from proofs_check.sweeps.result import SweepResult
from proofs_check.sweeps.tasks import TaskHook
from theory.errors import InvalidInputError

__all__ = ["Progress", "run_sweep", "sweep"]


@dataclass
class Progress:
    """What a progress callback receives after the checkpoint is read and after each task."""

    tasks_done: int
    tasks_total: int
    cells_done: int
    cells_total: int
    tasks_resumed: int
    elapsed: float

    @property
    def eta(self) -> float | None:
        """Seconds left, from the rate of the tasks run in this session (None before one).

        ``elapsed / (tasks_done - tasks_resumed) * (tasks_total - tasks_done)``.
        """
        ran = self.tasks_done - self.tasks_resumed
        if ran <= 0:
            return None
        return self.elapsed / ran * (self.tasks_total - self.tasks_done)


def _cell_key(task_id: str) -> str:
    return task_id.rsplit("#", 1)[0]


def run_sweep(
    config: SweepConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    checkpoint: str | os.PathLike | None = None,
    progress: Callable[[Progress], None] | None = None,
    retries: int = 2,
    before_task: TaskHook | None = None,
) -> SweepResult:
    """Run every task of ``config`` not already in ``checkpoint`` and aggregate the cells.

    Parameters
    ----------
    config
        The sweep.
    workers
        Local process-pool size (``None``: ``os.cpu_count()``); ``0`` runs the
        tasks one after the other in this process.
    scheduler, client
        Address of a running ``dask.distributed`` scheduler, or a connected
        ``distributed.Client``; either one replaces the local pool.
    checkpoint
        JSON-lines file of finished tasks (created if missing; resumed if present).
    progress
        Called with a :class:`Progress` after loading and after each task.
    retries
        How many times a process pool broken by a dying worker is restarted.
    before_task
        The fault-injection point: called with each task, in the process that
        runs it, just before it runs (see :mod:`proofs_check.sweeps.tasks`);
        must be picklable for a pool or Dask.  ``None`` (the default) does nothing.

    Returns
    -------
    SweepResult
        Bit-identical for the same ``config`` whatever the executor, worker count,
        completion order or number of interruptions.

    Raises
    ------
    InvalidInputError
        A checkpoint written by another configuration or in use; ``scheduler``
        without dask installed or unreachable; ``workers < 0``.
    """
    if workers is not None and (isinstance(workers, bool) or workers < 0):
        raise InvalidInputError(f"workers must be >= 0, got {workers}", parameter="workers")
    tasks = config.tasks()
    cells_total = len(config.cells())
    per_cell: dict[str, int] = {}
    for t in tasks:
        per_cell[t.cell.key] = per_cell.get(t.cell.key, 0) + 1
    start = time.monotonic()
    ckpt = Checkpoint(checkpoint, config) if checkpoint is not None else None
    for why in ckpt.rejected if ckpt is not None else ():
        print(f"checkpoint {checkpoint}: {why}: not trusted (every task without a verified "
              "line is run again)", file=sys.stderr)
    own_client = False
    try:
        records: dict[str, dict] = {}
        valid = {t.task_id for t in tasks}
        if ckpt is not None:
            records = {k: v for k, v in ckpt.done.items() if k in valid}
        resumed = len(records)
        left = dict(per_cell)
        for tid in records:
            left[_cell_key(tid)] -= 1

        def report() -> None:
            if progress is not None:
                progress(Progress(len(records), len(tasks),
                                  sum(1 for v in left.values() if v == 0), cells_total,
                                  resumed, time.monotonic() - start))

        def on_done(record: dict) -> None:
            record = json_round_trip(record)
            tid = record["task_id"]
            if tid in records:  # a duplicate completion (e.g. a Dask retry): keep the first
                return
            if ckpt is not None:
                ckpt.add(record)
            records[tid] = record
            left[_cell_key(tid)] -= 1
            report()

        report()
        todo = [t for t in tasks if t.task_id not in records]
        if scheduler is not None and client is None:
            client = dask_client(scheduler)
            own_client = True
        if todo:
            executor = make_executor(ExecutorOptions(
                tasks=len(todo), workers=workers, retries=retries, client=client,
                before_task=before_task))
            description = executor.description
            executor.run(todo, on_done)
        else:
            description = "nothing to run"
        cells = aggregate(config, records)
        info = {"tasks_total": len(tasks), "tasks_run": len(tasks) - resumed,
                "tasks_resumed": resumed, "executor": description,
                "seconds": time.monotonic() - start,
                "task_seconds": sum(r.get("seconds", 0.0) for r in records.values())}
        if checkpoint is not None:
            info["checkpoint"] = str(checkpoint)
        if ckpt is not None and ckpt.rejected:
            info["checkpoint_rejected"] = list(ckpt.rejected)
        return SweepResult(config, cells, info)
    finally:
        if ckpt is not None:
            ckpt.close()
        if own_client:
            client.close()


def sweep(
    config: SweepConfig,
    out: str | os.PathLike | None = None,
    **kwargs: Any,
) -> SweepResult:
    """:func:`run_sweep` with the files of ``out``: checkpoint, then ``.json`` and ``.csv``.

    ``out`` names ``<stem>.json``, ``<stem>.csv`` and the checkpoint
    ``<stem>.checkpoint.jsonl`` (see :func:`~proofs_check.sweeps.checkpoint.output_paths`);
    ``None`` runs without files.  ``kwargs`` go to :func:`run_sweep`.
    """
    if out is None:
        return run_sweep(config, **kwargs)
    paths = output_paths(out)
    result = run_sweep(config, checkpoint=paths["checkpoint"], **kwargs)
    result.run_info.update(json=str(paths["json"]), csv=str(paths["csv"]))
    result.write(out)
    return result
