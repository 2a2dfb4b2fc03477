"""Where the tasks run: this process, a local process pool, or a Dask cluster.

An executor runs a list of tasks with :func:`proofs_check.sweeps.tasks.run_task`
and hands every finished record to ``on_done`` *in the coordinating process*
(which alone writes the checkpoint), in completion order.  The executors are
a registry keyed by kind (:data:`EXECUTORS`); :func:`executor_kind` picks the
kind from the options and :func:`make_executor` builds it.

``serial``
    One task after the other in this process (``workers=0``, or one task).
``pool``
    A :class:`concurrent.futures.ProcessPoolExecutor`.  A worker that dies
    breaks the pool: the pool is restarted and the unfinished tasks resubmitted
    (``retries`` times at most).  A task that *raises* stops the run after the
    running tasks finish; nothing new is started and the exception propagates.
``dask``
    A connected ``distributed.Client``; Dask reschedules the tasks of a worker
    that dies.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from proofs_check.sweeps.config import Task
from proofs_check.sweeps.tasks import TaskHook, run_task
from theory.errors import InvalidInputError

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "ExecutorOptions", "PoolExecutor",
           "SerialExecutor", "dask_client", "executor_kind", "make_executor"]

#: what an executor calls with each finished record ``{"task_id", "result", "seconds"}``.
OnDone = Callable[[dict], None]


@dataclass(frozen=True)
class ExecutorOptions:
    """How to run ``tasks`` tasks.

    Parameters
    ----------
    tasks
        Number of tasks to run.
    workers
        Local process-pool size (``None``: ``os.cpu_count()``; ``0``: this process).
    retries
        How many times a process pool broken by a dying worker is restarted.
    client
        A connected ``distributed.Client`` (replaces the local pool), or ``None``.
    before_task
        Passed to :func:`~proofs_check.sweeps.tasks.run_task` with every task.
    """

    tasks: int
    workers: int | None = None
    retries: int = 2
    client: Any = None
    before_task: TaskHook | None = None


class Executor(Protocol):
    """Runs tasks and reports each finished record to ``on_done``."""

    @property
    def description(self) -> str:
        """How the tasks ran, for the result's ``run`` section."""
        ...

    def run(self, todo: list[Task], on_done: OnDone) -> None:
        """Run every task of ``todo``; ``on_done`` gets each record in this process."""
        ...


@dataclass(frozen=True)
class SerialExecutor:
    """Every task in this process, in order."""

    before_task: TaskHook | None = None

    @property
    def description(self) -> str:
        return "this process"

    @classmethod
    def from_options(cls, options: ExecutorOptions) -> SerialExecutor:
        return cls(options.before_task)

    def run(self, todo: list[Task], on_done: OnDone) -> None:
        for task in todo:
            on_done(run_task(task, self.before_task))


@dataclass(frozen=True)
class PoolExecutor:
    """A local process pool of ``workers`` processes, restarted when a worker dies."""

    workers: int
    retries: int = 2
    before_task: TaskHook | None = None

    @property
    def description(self) -> str:
        return f"process pool ({self.workers} workers)"

    @classmethod
    def from_options(cls, options: ExecutorOptions) -> PoolExecutor:
        """``min(workers or cpu_count, tasks)`` processes."""
        workers = min(options.workers or os.cpu_count() or 1, options.tasks)
        return cls(workers, options.retries, options.before_task)

    def run(self, todo: list[Task], on_done: OnDone) -> None:
        """Run on a process pool; a pool broken by a dying worker is restarted ``retries`` times.

        Raises
        ------
        RuntimeError
            A worker died more than ``retries`` times.
        Exception
            The first exception raised by a task (after the running ones finish).
        """
        pending = {t.task_id: t for t in todo}
        attempt = 0
        while pending:
            broken = False
            pool = cf.ProcessPoolExecutor(max_workers=self.workers)
            error: BaseException | None = None
            try:
                futures = {pool.submit(run_task, t, self.before_task): tid
                           for tid, t in pending.items()}
                for fut in cf.as_completed(futures):
                    if fut.cancelled():
                        continue
                    exc = fut.exception()
                    if isinstance(exc, cf.process.BrokenProcessPool):
                        broken = True
                    elif exc is not None:
                        if error is None:  # stop: keep what is already running, start nothing
                            error = exc
                            for other in futures:
                                other.cancel()
                    else:
                        pending.pop(futures[fut])
                        on_done(fut.result())
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            if error is not None:
                raise error
            if broken:
                attempt += 1
                if attempt > self.retries:
                    raise RuntimeError(
                        f"a worker process died {attempt} times; {len(pending)} task(s) not run "
                        "(finished tasks are in the checkpoint)")


@dataclass(frozen=True)
class DaskExecutor:
    """The tasks of a ``dask.distributed`` cluster, through a connected client."""

    client: Any
    before_task: TaskHook | None = None

    @property
    def description(self) -> str:
        return "dask.distributed"

    @classmethod
    def from_options(cls, options: ExecutorOptions) -> DaskExecutor:
        return cls(options.client, options.before_task)

    def run(self, todo: list[Task], on_done: OnDone) -> None:
        """Submit every task (key: a hash of task id and seed) and collect as they finish."""
        from distributed import as_completed  # lazy: the optional 'dask' extra

        futures = [self.client.submit(run_task, t, self.before_task, pure=False,
                                      key="bnverify-sweep-" + hashlib.sha1(
                                          f"{t.task_id}:{t.seed}".encode()).hexdigest())
                   for t in todo]
        try:
            for fut in as_completed(futures):
                on_done(fut.result())
        finally:
            for fut in futures:
                fut.cancel()


#: executor kind -> its factory (the registry: add one line).
EXECUTORS: dict[str, Callable[[ExecutorOptions], Executor]] = {
    "serial": SerialExecutor.from_options,
    "pool": PoolExecutor.from_options,
    "dask": DaskExecutor.from_options,
}


def executor_kind(options: ExecutorOptions) -> str:
    """``"dask"`` with a client, ``"serial"`` for ``workers=0`` or one task, else ``"pool"``."""
    if options.client is not None:
        return "dask"
    if options.workers == 0 or options.tasks == 1:
        return "serial"
    return "pool"


def make_executor(options: ExecutorOptions) -> Executor:
    """The executor of kind :func:`executor_kind` for ``options``."""
    return EXECUTORS[executor_kind(options)](options)


def dask_client(scheduler: str) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``scheduler``.

    Raises
    ------
    InvalidInputError
        ``dask.distributed`` is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client  # lazy: the optional 'dask' extra
    except ImportError:
        raise InvalidInputError(
            "scheduler needs dask.distributed, which is not installed "
            "(pip install 'bnverify[dask]')", parameter="scheduler") from None
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InvalidInputError(f"cannot connect to the Dask scheduler {scheduler!r}: {exc}",
                                parameter="scheduler") from None

