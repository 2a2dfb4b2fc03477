"""Scaling of a sweep with local workers, and the overhead per task.

Run from the repository root::

    python bench/bench_sweep.py

Prints, in one run:

1. a cluster-odd sweep (8 cells, 16 tasks of n = 8, d = 32/64, depth 200, 25 trials)
   timed (a) as the plain simulator calls of its tasks, one after the other in
   this process, (b) through the sweep engine in this process (``workers=0``),
   (c) on a process pool of 1 worker and (d) of 2 workers; the ratios b/a, c/a
   and the speed-up c/d (ideal 2 on this 2-core machine);
2. the overhead per task: 64 tiny tasks (depth 1, one trial) on a 1-worker pool
   against the same simulator calls in this process, (pool - direct) / tasks.

Each configuration runs twice, alternating, and the best time is kept; the load
average is printed because the development machine is shared.
"""

from __future__ import annotations

import os
import time

from numerics.simulation.simulate import SimulationConfig, simulate
from proofs_check.sweeps import SweepConfig, Task, run_sweep


def _direct(tasks: list[Task]) -> tuple[float, float]:
    """Wall and CPU seconds of the simulator calls of ``tasks`` in this process, no engine."""
    wall, cpu = time.perf_counter(), time.process_time()
    for t in tasks:
        c, cfg = t.cell, t.config
        simulate(SimulationConfig(n=c.n, width=c.width, depth=c.depth, layer=c.layer,
                                  activation=c.activation, trials=t.trials, seed=t.seed,
                                  every=cfg.every_for(c.depth)))
    return time.perf_counter() - wall, time.process_time() - cpu


def _engine(config: SweepConfig, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process only) of the sweep engine."""
    wall, cpu = time.perf_counter(), time.process_time()
    run_sweep(config, workers=workers)
    return time.perf_counter() - wall, time.process_time() - cpu


def _best(runs: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    return {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in runs.items()}


def main(repeats: int = 2) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(other processes make the scaling ratios pessimistic)")
    cfg = SweepConfig(n=[8], width=[32, 64], depth=[200], layer=["rc,nl", "bn"],
                      activation=["relu", "tanh"], trials=50, chunk_trials=25, every=10,
                      seed=0)
    tasks = cfg.tasks()
    _direct(tasks[:1])  # warm-up (imports, caches)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in ("direct", "0", "1", "2")}
    for _ in range(repeats):  # alternate, keep the best of each
        runs["direct"].append(_direct(tasks))
        for w in ("0", "1", "2"):
            runs[w].append(_engine(cfg, int(w)))
    b = _best(runs)
    d = b["direct"][0]
    print(f"sweep: {len(cfg.cells())} cells, {len(tasks)} tasks (n=8, d=32/64, depth 200, "
          f"25 trials per task); best of {repeats}, wall seconds")
    print(f"  direct simulator calls      {d:7.2f} s")
    print(f"  engine, this process        {b['0'][0]:7.2f} s   ratio {b['0'][0] / d:.3f}   "
          f"CPU ratio {b['0'][1] / b['direct'][1]:.3f}")
    print(f"  engine, pool of 1 worker    {b['1'][0]:7.2f} s   ratio {b['1'][0] / d:.3f}")
    print(f"  engine, pool of 2 workers   {b['2'][0]:7.2f} s   ratio {b['2'][0] / d:.3f}")
    print(f"  speed-up 1 -> 2 workers     {b['1'][0] / b['2'][0]:.2f}x (ideal 2)")

    tiny = SweepConfig(n=[3, 4, 5, 6], width=[4, 5, 6, 7], depth=[1], trials=4,
                       chunk_trials=1, every=0, seed=0)
    tiny_tasks = tiny.tasks()
    _direct(tiny_tasks[:1])
    runs = {k: [] for k in ("direct", "0", "1")}
    for _ in range(repeats):
        runs["direct"].append(_direct(tiny_tasks))
        runs["0"].append(_engine(tiny, 0))
        runs["1"].append(_engine(tiny, 1))
    b = _best(runs)
    m = len(tiny_tasks)
    per = {k: 1e3 * v[0] / m for k, v in b.items()}
    print(f"overhead per task ({m} tiny tasks: depth 1, one trial; best of {repeats})")
    print(f"  direct {per['direct']:.2f} ms/task, engine in process {per['0']:.2f} ms/task, "
          f"pool of 1 worker {per['1']:.2f} ms/task (pool start-up included)")
    print(f"  overhead: engine {per['0'] - per['direct']:+.2f} ms/task, "
          f"pool {per['1'] - per['direct']:+.2f} ms/task")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
