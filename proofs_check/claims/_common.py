"""Helpers shared by the claim modules (numeric maps, Jacobians, statistics)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numerics.maps.fast import fast_mean_field_map
from numerics.simulation.statistics import mean_interval, wilson_interval


def wilson(k: int, m: int) -> list[float]:
    """Wilson 95% interval of a fraction ``k/m``."""
    lo, hi = wilson_interval(int(k), int(m))
    return [float(lo), float(hi)]


def mean_ci(values: Any) -> dict:
    """Mean with a Student-t 95% interval, as a dict."""
    return mean_interval(np.asarray(values, dtype=float)).to_json()


def symmetric_gram(n: int, rho: float) -> np.ndarray:
    """``(1 - rho) I + rho 1 1^T``."""
    return (1 - rho) * np.eye(n) + rho * np.ones((n, n))


def cluster_odd_gram(n: int, a: float, rho: float, b: float, gamma: float) -> np.ndarray:
    """The ``cluster-odd`` family member (cluster first, odd point last)."""
    G = np.full((n, n), a * rho)
    np.fill_diagonal(G, a)
    G[-1, :] = G[:, -1] = gamma * math.sqrt(a * b)
    G[-1, -1] = b
    return G


def random_grams(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    """``count`` random Gram matrices of trace ``n`` (Wishart with ``n`` degrees of freedom)."""
    X = rng.standard_normal((count, n, n))
    G = X @ np.swapaxes(X, 1, 2)
    return n * G / np.trace(G, axis1=1, axis2=2)[:, None, None]


def iterate_shape_map(G: np.ndarray, layer: str, activation: str, steps: int,
                      record_every: int = 0) -> tuple[np.ndarray, list[np.ndarray], float]:
    """Iterate ``F_hat`` (float64, :mod:`numerics.maps.fast`) on a batch of Grams.

    Returns the final batch, the recorded batches (every ``record_every`` steps,
    step 0 included) and the largest per-step error estimate met.
    """
    hist = [G.copy()] if record_every else []
    worst = 0.0
    for s in range(1, steps + 1):
        res = fast_mean_field_map(G, layer, activation)
        G = res.F_hat
        worst = max(worst, float(np.max(res.error)))
        if record_every and s % record_every == 0:
            hist.append(G.copy())
    return G, hist, worst


def trace_zero_basis(n: int) -> list[np.ndarray]:
    """Orthonormal (Frobenius) basis of trace-zero symmetric ``n x n`` matrices, float64
    (the basis of :func:`numerics.jacobian.derivatives.trace_zero_basis`, for the
    independent route of :func:`fd_jacobian_eigenvalues`)."""
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            E = np.zeros((n, n))
            E[i, j] = E[j, i] = 1 / math.sqrt(2)
            out.append(E)
    for k in range(1, n):
        E = np.zeros((n, n))
        E[np.arange(k), np.arange(k)] = 1.0
        E[k, k] = -k
        out.append(E / math.sqrt(k * (k + 1)))
    return out


def fd_jacobian_eigenvalues(G: np.ndarray, layer: str, activation: str,
                            h: float = 1e-4) -> dict:
    """Eigenvalues of ``D F_hat(G)`` by central differences (float64, interior ``G`` only).

    A deliberately independent route to the Jacobian, kept next to the certified one
    (:mod:`numerics.fixed_points.analysis`: exact directional derivatives, symmetry
    blocks, ball arithmetic): it differentiates the float64 batch map of
    :mod:`numerics.maps.fast` numerically in the full trace-zero basis, without the
    symmetry decomposition, the chain rule or the RS s-integral's derivative, so the
    claims compare two computations that share no derivative code.  It keeps its own
    float64 basis (:func:`trace_zero_basis`: the numerics basis normalised by a division
    rather than a multiplication by ``1/sqrt(k(k+1))``, which moves the last bits; the
    golden record of ``check --quick`` holds the printed eigenvalues to the last bit).

    The derivative along each basis direction is the Richardson combination of
    central differences with steps ``h`` and ``h/2`` (error ``O(h^4)``); the
    reported ``error`` is the largest eigenvalue change between that and the
    plain ``h/2`` difference, a conservative estimate of the truncation error,
    plus the map's own error divided by ``h``.
    """
    n = G.shape[0]
    B = np.stack(trace_zero_basis(n))

    def deriv(step: float) -> tuple[np.ndarray, float]:
        plus = fast_mean_field_map(G[None] + step * B, layer, activation)
        minus = fast_mean_field_map(G[None] - step * B, layer, activation)
        D = (plus.F_hat - minus.F_hat) / (2 * step)
        err = float(max(np.max(plus.error), np.max(minus.error))) * n / step
        return D, err

    D1, e1 = deriv(h)
    D2, e2 = deriv(h / 2)
    D = (4 * D2 - D1) / 3
    J = np.einsum("aij,bij->ab", B, D)
    J2 = np.einsum("aij,bij->ab", B, D2)
    ev = np.linalg.eigvals(J)
    ev2 = np.linalg.eigvals(J2)
    err = float(abs(np.max(np.abs(ev)) - np.max(np.abs(ev2)))) + max(e1, e2)
    order = np.argsort(-np.abs(ev))
    return {"eigenvalues": ev[order], "spectral_radius": float(np.max(np.abs(ev))),
            "error": err, "method": "central differences h, h/2 with Richardson (float64)"}


def fmt_ci(m: dict, digits: int = 4) -> str:
    """``mean [lo, hi]`` text of a :func:`mean_ci` dict."""
    if m.get("mean") is None:
        return "-"
    ci = m.get("ci")
    if not ci:
        return f"{m['mean']:.{digits}g}"
    return f"{m['mean']:.{digits}g} [{ci[0]:.{digits}g}, {ci[1]:.{digits}g}]"


def exact_configuration_run(n: int, d: int, depth: int, trials: int, seed: int,
                            layer: str = "rc,nl", reference: bool = True) -> dict:
    """Push a batch with an exactly repeated cluster through random layers; test bit for bit.

    The input has ``n - 1`` bitwise-identical points ``x_c`` and one point ``x_o``
    (both i.i.d. ``N(0, 1)`` in ``R^d``; ``x_o`` not orthogonal to ``x_c``).  With
    ``reference=True`` each layer forms ``W`` (``d x d``, i.i.d. ``N(0, 1/d)``)
    and computes ``W X`` by one matrix product, then RC (batch mean), RS (if in
    ``layer``) and ReLU, *without* any tie copying, so identical points stay
    identical only if the arithmetic makes them so.  Per layer it counts the
    trials whose cluster points are bitwise identical and whose cluster and odd
    vectors have an exactly zero float64 dot product.
    """
    rng = np.random.default_rng(seed)
    kind = layer.replace(" ", "").lower()
    rc = "rc" in kind or kind == "bn"
    rs = "rs" in kind or kind == "bn"
    xc = rng.standard_normal((trials, 1, d))
    Y = np.concatenate([np.repeat(xc, n - 1, axis=1), rng.standard_normal((trials, 1, d))],
                       axis=1)
    same, ortho, zero_vec = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((trials, d, d)) / math.sqrt(d)
        H = Y @ np.swapaxes(W, 1, 2)
        if rc:
            H = H - H.mean(axis=1, keepdims=True)
        if rs:
            ms = np.mean(H * H, axis=1, keepdims=True)
            H = H / np.sqrt(np.where(ms > 0, ms, 1.0))
        Y = np.maximum(H, 0.0)
        # keep the scale in range (exact power-of-two rescaling per trial)
        m = np.abs(Y).max(axis=(1, 2))
        e = np.frexp(np.where(m > 0, m, 1.0))[1]
        Y = np.ldexp(Y, -e[:, None, None])
        eq = np.all(Y[:, : n - 1] == Y[:, :1], axis=(1, 2))
        dot = np.einsum("td,td->t", Y[:, 0], Y[:, n - 1])
        same.append(int(eq.sum()))
        ortho.append(int((eq & (dot == 0.0)).sum()))
        zero_vec.append(int((~np.any(Y[:, 0], axis=1) | ~np.any(Y[:, n - 1], axis=1)).sum()))
    return {"n": n, "width": d, "depth": depth, "trials": trials, "seed": seed,
            "layer": layer, "path": "d x d reference product, no tie copying",
            "identical_cluster_per_layer": same, "exact_config_per_layer": ortho,
            "zero_vector_per_layer": zero_vec,
            "all_exact": all(v == trials for v in ortho)}
