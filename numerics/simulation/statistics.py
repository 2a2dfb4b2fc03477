"""Statistics of simulated batches: exact clusters, merges, the cluster + odd test, intervals.

Batches are stored *points-major*: ``Y`` has shape ``(T, n, d)`` and ``Y[t, i]``
is data point ``i`` (column ``i`` of the matrix ``X`` of docs/theory.md section 1) of
trial ``t``.

Two points are *identical* when their vectors are equal entry by entry
(``x_i == x_j`` in float64; ``-0.0 == 0.0``).  The simulator keeps identical
points bitwise identical in every later layer, so the partition into groups of
identical points (the *clusters*) can only coarsen with depth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = [
    "cluster_odd_test",
    "ClusterOdd",
    "EPS",
    "gram",
    "groups",
    "mean_interval",
    "MeanCI",
    "merges",
    "orthogonality_tolerance",
    "tie_representatives",
    "wilson_interval",
]

#: float64 unit roundoff ``u = eps / 2``.
EPS = float(np.finfo(np.float64).eps)

#: number of leading coordinates compared before a full comparison of two points.
_KEY = 8


def tie_representatives(Y: np.ndarray) -> np.ndarray:
    """Exact partition of every trial's batch into groups of identical points.

    Parameters
    ----------
    Y
        Batch of shape ``(T, n, d)``.

    Returns
    -------
    rep
        Integer array ``(T, n)``: ``rep[t, i] = min{ j : Y[t, j] == Y[t, i] }``
        (entrywise equality of the whole vector).  ``rep[t, i] == i`` exactly for
        the smallest index of each group.

    Notes
    -----
    Cost ``O(T n^2 k + T n d)``: candidate pairs are screened on the first
    ``k = 8`` coordinates and only candidates are compared in full.  Equality is
    transitive, so point ``i`` is compared only with group representatives
    ``j < i``, in increasing order.
    """
    T, n, d = Y.shape
    rep = np.tile(np.arange(n), (T, 1))
    key = Y[:, :, : min(d, _KEY)]
    for i in range(1, n):
        for j in range(i):
            cand = (rep[:, i] == i) & (rep[:, j] == j)
            if not cand.any():
                continue
            cand &= np.all(key[:, i] == key[:, j], axis=1)
            if not cand.any():
                continue
            ts = np.nonzero(cand)[0]
            equal = np.all(Y[ts, i] == Y[ts, j], axis=1)
            rep[ts[equal], i] = j
    return rep


def groups(rep_row: Sequence[int] | np.ndarray) -> list[list[int]]:
    """The groups (lists of indices, sorted by first index) of one trial's ``rep`` row."""
    out: dict[int, list[int]] = {}
    for i, r in enumerate(np.asarray(rep_row).tolist()):
        out.setdefault(int(r), []).append(i)
    return [out[k] for k in sorted(out)]


def merges(rep_before: np.ndarray, rep_after: np.ndarray) -> list[list[list[int]]]:
    """Groups of ``rep_before`` that joined into one group of ``rep_after``.

    Returns, per trial, a list of merge events; each event is the list of the
    old groups (lists of indices) that became one new group.  Empty when the
    partition did not change.
    """
    events: list[list[list[int]]] = []
    changed = np.any(rep_before != rep_after, axis=1)
    for t in range(rep_before.shape[0]):
        if not changed[t]:
            events.append([])
            continue
        old = groups(rep_before[t])
        new_of_old: dict[int, list[list[int]]] = {}
        for g in old:
            new_of_old.setdefault(int(rep_after[t, g[0]]), []).append(g)
        events.append([gs for _, gs in sorted(new_of_old.items()) if len(gs) > 1])
    return events


def orthogonality_tolerance(d: int, n: int) -> float:
    """Rounding tolerance on ``|cos|`` for "orthogonal to rounding".

    ``tol = 4 (d + n) eps``, with ``eps = 2^-52``.  Rationale: the computed
    dot product of two ``d``-vectors errs by at most ``gamma_d |c|.|o| <= d u
    ||c|| ||o||`` (Higham, Thm 3.5), and one layer leaves each entry with a
    relative error of a few ``u`` from the ``n``-term row mean and the
    ``n``-term products with the triangular factor; ``4 (d + n) eps`` bounds
    both with a margin.  At finite width a genuine correlation is of order
    ``1/sqrt(d)``, many orders of magnitude above ``tol``.
    """
    return 4.0 * (d + n) * EPS


@dataclass
class ClusterOdd:
    """The cluster + odd test for every trial (arrays of length ``T``).

    ``shape`` is True when the partition is one group of ``n - 1`` points plus
    one point; ``cluster_odd`` additionally asks that both vectors be non-zero
    and ``|cos| <= tol``.  ``odd_index``, ``norm_ratio = |x_odd| / |x_cluster|``
    and ``cos = <x_cluster, x_odd> / (|x_cluster| |x_odd|)`` are defined where
    ``shape`` holds (else -1 / NaN).
    """

    shape: np.ndarray
    cluster_odd: np.ndarray
    odd_index: np.ndarray
    norm_ratio: np.ndarray
    cos: np.ndarray
    tol: float


def cluster_odd_test(Y: np.ndarray, rep: np.ndarray) -> ClusterOdd:
    """Whether each trial is in the cluster + odd configuration.

    All points but one identical, the odd point orthogonal to the cluster to
    rounding: ``|cos| <= orthogonality_tolerance(d, n)``, both vectors non-zero.
    Defined for ``n >= 3`` (for ``n = 2`` the test is always False: which point
    is "odd" is not determined).
    """
    T, n, d = Y.shape
    tol = orthogonality_tolerance(d, n)
    odd = np.full(T, -1)
    ratio = np.full(T, np.nan)
    cos = np.full(T, np.nan)
    shape = np.zeros(T, dtype=bool)
    if n >= 3:
        counts = np.zeros((T, n), dtype=int)
        np.add.at(counts, (np.repeat(np.arange(T), n), rep.ravel()), 1)
        big = counts.max(axis=1) == n - 1
        singles = (counts == 1).sum(axis=1) == 1
        shape = big & singles
        ts = np.nonzero(shape)[0]
        if ts.size:
            cl = counts[ts].argmax(axis=1)  # representative of the cluster
            sing_rep = (counts[ts] == 1).argmax(axis=1)  # representative of the odd group
            # the odd group has one member: its representative is its index
            odd[ts] = sing_rep
            c = Y[ts, cl]
            o = Y[ts, sing_rep]
            nc = np.linalg.norm(c, axis=1)
            no = np.linalg.norm(o, axis=1)
            dot = np.einsum("td,td->t", c, o)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio[ts] = np.where(nc > 0, no / nc, np.nan)
                cos[ts] = np.where((nc > 0) & (no > 0), dot / (nc * no), np.nan)
    with np.errstate(invalid="ignore"):
        co = shape & (np.abs(cos) <= tol)
    return ClusterOdd(shape, co, odd, ratio, cos, tol)


def gram(Y: np.ndarray) -> np.ndarray:
    """``G = X^T X / d`` for every trial: shape ``(T, n, n)``."""
    d = Y.shape[-1]
    return Y @ np.swapaxes(Y, -1, -2) / d


def wilson_interval(k: int, m: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / m``.

    ``(p + z^2/2m -+ z sqrt(p(1-p)/m + z^2/4m^2)) / (1 + z^2/m)`` with
    ``p = k/m`` and ``z`` the ``(1 + confidence)/2`` normal quantile
    (Wilson 1927).  ``(nan, nan)`` when ``m = 0``.
    """
    if m <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= m:
        raise ValueError(f"wilson_interval: need 0 <= k <= m, got k={k}, m={m}")
    z = float(special.ndtri(0.5 + confidence / 2))
    p = k / m
    den = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / den
    half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == m else min(1.0, centre + half)
    return (lo, hi)


@dataclass
class MeanCI:
    """A sample mean with its Student-t confidence interval."""

    mean: float | None
    ci: tuple[float, float] | None
    count: int

    def to_json(self) -> dict:
        return {"mean": self.mean, "ci": list(self.ci) if self.ci else None, "count": self.count}


def mean_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> MeanCI:
    """Mean of the finite ``values`` and the t interval ``mean -+ t_{m-1} s / sqrt(m)``.

    Non-finite values are ignored (``count`` says how many were used).  The
    interval is None with fewer than two values; an infinite value among the
    inputs is not averaged (use the raw values to see it).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    m = int(x.size)
    if m == 0:
        return MeanCI(None, None, 0)
    mean = float(x.mean())
    if m < 2:
        return MeanCI(mean, None, 1)
    se = float(x.std(ddof=1)) / math.sqrt(m)
    t = float(special.stdtrit(m - 1, 0.5 + confidence / 2))
    return MeanCI(mean, (mean - t * se, mean + t * se), m)
