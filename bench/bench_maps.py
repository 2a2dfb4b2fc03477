"""Benchmark: the RS integral against Monte Carlo of the same expectation at equal accuracy.

Run ``python bench/bench_maps.py``.  For ``n = 8`` and RC+RS+ReLU (batch norm) on a
random Gram matrix, it times

* the float64 RS integral (:func:`numerics.maps.fast.fast_mean_field_map`), whose error
  is checked against the mpmath path at 30 digits;
* plain Monte Carlo of ``E[psi(h) psi(h)^T]``: its error is ``std / sqrt(N)`` per entry,
  so reaching accuracy ``eps = 1e-6`` (one standard error) takes
  ``N = max_ij std_ij^2 / eps^2`` samples; ``std`` is measured on a pilot run and the
  time of ``N`` samples is extrapolated from timed batches (running 1e11 samples is
  the point of not doing it);
* the mpmath RS integral at 30 digits, for reference.

It prints the times and the ratio (target: integral >= 100x faster at 1e-6).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.maps.fast import fast_mean_field_map  # noqa: E402
from numerics.maps.precise import mean_field_map  # noqa: E402

N_POINTS = 8
TARGET = 1e-6


def _psi(h: np.ndarray) -> np.ndarray:
    y = h - h.mean(axis=1, keepdims=True)
    y = y * np.sqrt(h.shape[1] / np.sum(y * y, axis=1, keepdims=True))
    return np.maximum(y, 0.0)


def main() -> None:
    rng = np.random.default_rng(0)
    n = N_POINTS
    X = rng.standard_normal((n + 2, n))
    G = X.T @ X / (n + 2)

    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        fast = fast_mean_field_map(G, "rc,rs,nl", "relu")
    t_integral = (time.perf_counter() - t0) / reps

    t0 = time.perf_counter()
    ref = mean_field_map(G, "rc,rs,nl", "relu", dps=30)
    t_mp = time.perf_counter() - t0
    actual = float(np.max(np.abs(fast.F - ref.F_float())))

    L = np.linalg.cholesky(G + 1e-300 * np.eye(n))
    batch = 200_000
    t0 = time.perf_counter()
    sums = np.zeros((n, n))
    squares = np.zeros((n, n))
    pilot_batches = 5
    for _ in range(pilot_batches):
        v = _psi(rng.standard_normal((batch, n)) @ L.T)
        outer = v[:, :, None] * v[:, None, :]
        sums += outer.sum(axis=0)
        squares += (outer * outer).sum(axis=0)
    t_pilot = time.perf_counter() - t0
    m = pilot_batches * batch
    var = squares / m - (sums / m) ** 2
    n_needed = float(var.max()) / TARGET**2
    t_mc = t_pilot / m * n_needed

    print(f"n = {n}, layer rc,rs,nl (batch norm), ReLU, target accuracy {TARGET:g}")
    print(f"RS integral (float64, exp-sinh):   {t_integral * 1e3:9.2f} ms  "
          f"(actual max error vs 30-digit mpmath {actual:.1e}, estimate {float(fast.error):.1e})")
    print(f"RS integral (mpmath, 30 digits):   {t_mp * 1e3:9.2f} ms  "
          f"(error bound {float(ref.error_bound):.1e})")
    print(f"Monte Carlo: max std {np.sqrt(var.max()):.3f} -> N = {n_needed:.3g} samples; "
          f"{t_pilot / m * 1e9:.0f} ns/sample -> {t_mc:.3g} s (extrapolated from {m} samples)")
    print(f"ratio Monte Carlo / float64 integral: {t_mc / t_integral:.3g}x  (target >= 100x)")
    print(f"ratio Monte Carlo / mpmath integral:  {t_mc / t_mp:.3g}x")


if __name__ == "__main__":
    main()
