"""Sweeps: grids of finite-width runs on a local process pool or a Dask cluster, resumable.

A *sweep* is the Cartesian product of the grid axes ``n x width x depth x layer
x activation`` (the *cells*); every cell runs ``trials`` independent networks,
split into *tasks* of at most ``chunk_trials`` trials.  Each task is one call of
the simulator (:func:`numerics.simulation.simulate.simulate` for the ``cluster-odd`` and
``gram`` statistics, :func:`numerics.simulation.lyapunov.lyapunov` for ``lyapunov``).
Serial, pool, Dask and resumed runs give bit-identical numbers.

Modules, in the order of the data:

``config``
    :class:`SweepConfig` (grid axes, validation), cells, tasks and their seeds.
``tasks``
    Running one task (:func:`run_task`); the ``before_task`` fault-injection point.
``checkpoint``
    The resumable JSON-lines checkpoint and the output file names.
``executors``
    This process, a local process pool, or Dask (a registry keyed by kind).
``aggregate``
    Per-cell statistics with 95% intervals.
``table``
    The tidy CSV table.
``result``
    :class:`SweepResult`: JSON, CSV, files, text summary.
``runner``
    :func:`run_sweep` and :func:`sweep`, which tie the others together.
"""

from proofs_check.sweeps.aggregate import CellResult
from proofs_check.sweeps.checkpoint import Checkpoint, output_paths
from proofs_check.sweeps.config import STATISTICS, Cell, SweepConfig, Task, task_seed
from proofs_check.sweeps.result import SweepResult
from proofs_check.sweeps.runner import Progress, run_sweep, sweep
from proofs_check.sweeps.table import CSV_COLUMNS
from proofs_check.sweeps.tasks import TaskHook, run_task

__all__ = [
    "CSV_COLUMNS",
    "STATISTICS",
    "Cell",
    "CellResult",
    "Checkpoint",
    "Progress",
    "SweepConfig",
    "SweepResult",
    "Task",
    "TaskHook",
    "output_paths",
    "run_sweep",
    "run_task",
    "sweep",
    "task_seed",
]
