"""Time per layer of the exact fast sampler against the plain d x d path and the normals floor.

Run from the repository root::

    python bench/bench_simulator.py

Prints, in one run:

1. d = 4096, n = 8, one trial: fast RC+ReLU layer vs the plain path that forms
   the d x d Gaussian W and multiplies (target: >= 100x faster);
2. d = 16384, n = 8, 32 trials batched: fast layer vs drawing the (T, n, d)
   standard normals alone (target: within 3x of that floor);
3. the wall time of ``simulate --n 8 --width 16384 --depth 100 --trials 10``.
"""

from __future__ import annotations

import time

import numpy as np

from numerics.simulation.sampling import LayerSampler, single_blas_thread
from numerics.simulation.simulate import SimulationConfig, simulate


def per_call(fn, repeat: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    rng = np.random.default_rng(0)
    with single_blas_thread():
        n, d = 8, 4096
        Y = rng.standard_normal((1, n, d))
        fast = LayerSampler(n, d, 1, "rc,nl", "relu", rng=rng)
        plain = LayerSampler(n, d, 1, "rc,nl", "relu", rng=rng, reference=True)
        t_fast = per_call(lambda: fast.step(Y), 50)
        t_plain = per_call(lambda: plain.step(Y), 3)
        print(f"[1] d={d} n={n} T=1: fast {t_fast * 1e3:.3f} ms/layer, plain d x d "
              f"{t_plain * 1e3:.1f} ms/layer, speed-up {t_plain / t_fast:.0f}x (target >= 100x)")

        T, d = 32, 16384
        Y = rng.standard_normal((T, n, d))
        fast = LayerSampler(n, d, T, "rc,nl", "relu", rng=rng)
        buf = np.empty((T, n, d))
        t_fast = per_call(lambda: fast.step(Y), 10)
        t_floor = per_call(lambda: rng.standard_normal(out=buf), 10)
        print(f"[2] d={d} n={n} T={T}: fast {t_fast * 1e3:.1f} ms/layer, normals alone "
              f"{t_floor * 1e3:.1f} ms, ratio {t_fast / t_floor:.2f} (target <= 3)")

    start = time.perf_counter()
    simulate(SimulationConfig(n=8, width=16384, depth=100, trials=10, seed=0))
    print(f"[3] simulate --n 8 --width 16384 --depth 100 --trials 10: "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
