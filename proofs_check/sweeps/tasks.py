"""Running one task: one call of the simulator, reduced to what its cell needs.

Each task is one call of :func:`numerics.simulation.simulate.simulate` (statistics
``cluster-odd`` and ``gram``) or :func:`numerics.simulation.lyapunov.lyapunov` (statistic
``lyapunov``) on its cell, trial chunk and seed; the result is a small
JSON-able dictionary (the form it has in the checkpoint), which
:mod:`proofs_check.sweeps.aggregate` combines per cell.

Fault injection
    :func:`run_task` takes an optional ``before_task`` callable
    (:data:`TaskHook`), called with the task in the process that runs it, just
    before the simulation.  Whatever it does is what the task does: an exception
    it raises is the task's failure, and a process it ends is a dying worker.
    The tests use it to kill or fail one chosen task; it must be picklable when
    the tasks run in other processes (a module-level function or an instance of
    a module-level class).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from numerics.simulation.lyapunov import lyapunov
from numerics.simulation.simulate import SimulationConfig, SimulationResult, simulate
from proofs_check.sweeps.config import Task

__all__ = ["TASK_RUNNERS", "TaskHook", "run_task"]

#: a callable run with each task just before it runs (see the module docstring).
TaskHook = Callable[[Task], None]


def _recorded_layers(history: list[dict], depth: int) -> list[int]:
    return [h["layer"] for h in history] if history else [depth]


def _simulate_task(task: Task, renormalise: bool = False) -> SimulationResult:
    """The :func:`simulate` run of one task (its cell, trial chunk and seed).

    ``renormalise`` only changes how the Gram matrices are reported (scaled into float
    range, the log-scale kept apart); the run itself is the same.  The cluster + odd
    statistic never reads the Gram's scale, so it asks for it: deep runs then never stop
    on a Gram that would leave float range.
    """
    c, cfg = task.cell, task.config
    return simulate(SimulationConfig(
        n=c.n, width=c.width, depth=c.depth, layer=c.layer, activation=c.activation,
        trials=task.trials, seed=task.seed, weights=cfg.weights, every=cfg.every_for(c.depth),
        sigma_w2=cfg.sigma_w2, eps=cfg.eps, renormalise=renormalise))


def _cluster_odd_task(task: Task) -> dict:
    """One chunk of the cluster + odd statistic from one :func:`simulate` call.

    Per recorded depth ``L``: the number of trials in the configuration and the
    merges of each mechanism up to ``L``; per trial: the first-hitting depth.
    """
    c = task.cell
    recs = _simulate_task(task, renormalise=True).trials
    layers = _recorded_layers(recs[0].history, c.depth)
    if recs[0].history:
        in_config = [sum(r.history[k]["cluster_odd"] for r in recs) for k in range(len(layers))]
    else:
        in_config = [sum(r.cluster_odd for r in recs)]
    merges = {mech: [sum(1 for r in recs for m in r.merges
                         if m["mechanism"] == mech and m["layer"] <= L) for L in layers]
              for mech in ("zeroed", "met")}
    return {
        "trials": task.trials,
        "recorded": layers,
        "first_hit": [r.first_cluster_odd_layer for r in recs],
        "in_config": in_config,
        "merges": merges,
        "merged_trials": sum(1 for r in recs if r.merges),
        "odd_norm_ratio": [r.odd_norm_ratio for r in recs if r.cluster_odd],
        "rs_zero_row_trials": sum(1 for r in recs if r.rs_zero_rows),
    }


def _moments(x: np.ndarray) -> dict:
    """Count, mean and sum of squared deviations over axis 0, ignoring non-finite values.

    ``count = #{finite x_t}``, ``mean = sum x_t / count``,
    ``m2 = sum (x_t - mean)^2`` (the sums over finite ``x_t``).
    """
    ok = np.isfinite(x)
    count = ok.sum(axis=0)
    xs = np.where(ok, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xs.sum(axis=0) / count
    m2 = np.where(ok, (xs - mean) ** 2, 0.0).sum(axis=0)
    return {"count": count.tolist(), "mean": np.where(count > 0, mean, 0.0).tolist(),
            "m2": m2.tolist()}


def _gram_task(task: Task) -> dict:
    """One chunk of the Gram statistic: moments of ``G`` and ``G_hat`` at each recorded depth.

    ``G = X^T X / d`` and ``G_hat = n G / tr G``, entries ``i <= j``.
    """
    c = task.cell
    recs = _simulate_task(task).trials
    layers = _recorded_layers(recs[0].history, c.depth)
    if recs[0].history:
        G = np.array([[h["gram"] for h in r.history] for r in recs])  # (T, R, n, n)
    else:
        G = np.array([[r.final_gram] for r in recs])
    iu = np.triu_indices(c.n)
    tr = np.trace(G, axis1=2, axis2=3)[:, :, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gh = c.n * G / tr
    return {"trials": task.trials, "recorded": layers,
            "G": _moments(G[:, :, iu[0], iu[1]]), "G_hat": _moments(Gh[:, :, iu[0], iu[1]])}


def _lyapunov_task(task: Task) -> dict:
    """One chunk of the Lyapunov statistic from one :func:`lyapunov` call (per-trial rates)."""
    c, cfg = task.cell, task.config
    res = lyapunov(cfg.lyapunov_config(c.n, c.width, c.depth, c.layer, c.activation,
                                       task.trials, task.seed))
    w = res.widths[0]
    return {
        "trials": task.trials,
        "exponents": {name: {"units": e.units, "per_trial": e.per_trial,
                             "annihilated_fraction": e.annihilated_fraction,
                             "degenerate_layers": e.degenerate_layers}
                      for name, e in w.exponents.items()},
        "checks": w.checks,
    }


#: statistic -> the function computing one task's result (the registry: add one line).
TASK_RUNNERS: dict[str, Callable[[Task], dict]] = {
    "cluster-odd": _cluster_odd_task, "gram": _gram_task, "lyapunov": _lyapunov_task,
}


def run_task(task: Task, before_task: TaskHook | None = None) -> dict:
    """Run one task (in whatever process).

    Parameters
    ----------
    task
        The task.
    before_task
        Called with ``task`` first, outside the timed part (fault injection;
        see the module docstring).

    Returns
    -------
    dict
        ``{"task_id", "result", "seconds"}``: the statistic's chunk result and
        the wall seconds of the simulation.
    """
    if before_task is not None:
        before_task(task)
    start = time.perf_counter()
    result = TASK_RUNNERS[task.config.statistic](task)
    return {"task_id": task.task_id, "result": result,
            "seconds": time.perf_counter() - start}
