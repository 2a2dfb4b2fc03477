"""Per-cell statistics from the task results (95% intervals throughout).

A cell's task results are combined in chunk order, in the form they have in
the checkpoint (one JSON round trip), so serial, pool, Dask and resumed runs
give bit-identical numbers.

``cluster-odd``
    The first-hitting depth ``tau`` of the cluster + odd configuration (the
    first layer ``l`` where the test of :func:`numerics.simulation.statistics.cluster_odd_test`
    holds; the simulator's ``first_cluster_odd_layer``).  At each recorded depth
    ``L``: the empirical CDF ``F(L) = #{tau <= L} / T`` with a pointwise Wilson
    interval *and* a simultaneous Dvoretzky-Kiefer-Wolfowitz band
    ``F(L) -+ sqrt(log(2 / 0.05) / (2 T))`` (Massart's constant), the fraction of
    trials in the configuration at ``L`` (Wilson), and the cumulative merge
    counts by mechanism (``zeroed`` / ``met``).
``lyapunov``
    Each exponent of :mod:`numerics.simulation.lyapunov` pooled over the cell's trials:
    mean per-trial rate with a Student-t interval.
``gram``
    At each recorded depth, the mean of each entry ``G_ij`` (``i <= j``) of
    ``G = X^T X / d`` and of the scale-free ``G_hat = n G / tr G``, with
    Student-t intervals (chunks combined exactly with Chan et al.'s pairwise
    mean/variance update).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from numerics.simulation.lyapunov import Exponent, mean_field_value
from numerics.simulation.statistics import mean_interval, wilson_interval
from proofs_check.sweeps.config import Cell, SweepConfig, Task

__all__ = ["AGGREGATORS", "CONFIDENCE", "CellResult", "aggregate"]

#: confidence level of every interval and band.
CONFIDENCE = 0.95


def _rate_of(values: list[float]) -> tuple[float | None, tuple[float, float] | None]:
    """Mean per-trial rate with its t interval (``-inf`` when only exact returns remain)."""
    m = mean_interval(values, CONFIDENCE)
    if m.count == 0:
        return (-math.inf if any(v == -math.inf for v in values) else None), None
    return m.mean, m.ci


def _band(k: int, m: int) -> list[float]:
    """DKW simultaneous band ``F -+ sqrt(log(2/alpha) / (2m))`` around ``F = k/m``."""
    eps = math.sqrt(math.log(2 / (1 - CONFIDENCE)) / (2 * m))
    return [max(0.0, k / m - eps), min(1.0, k / m + eps)]


def _t_ci(count: int, mean: float, m2: float) -> list[float] | None:
    """Student-t interval ``mean -+ t sqrt(m2 / (count - 1) / count)`` (None below 2)."""
    if count < 2:
        return None
    se = math.sqrt(m2 / (count - 1) / count)
    t = float(special.stdtrit(count - 1, 0.5 + CONFIDENCE / 2))
    return [mean - t * se, mean + t * se]


def _merge_moments(parts: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine chunk moments in order (Chan, Golub and LeVeque 1979).

    ``n = n_a + n_b``, ``mean = mean_a + delta n_b / n``,
    ``m2 = m2_a + m2_b + delta^2 n_a n_b / n`` with ``delta = mean_b - mean_a``.
    """
    n = np.asarray(parts[0]["count"], dtype=float)
    mean = np.asarray(parts[0]["mean"], dtype=float)
    m2 = np.asarray(parts[0]["m2"], dtype=float)
    for p in parts[1:]:
        nb = np.asarray(p["count"], dtype=float)
        mb = np.asarray(p["mean"], dtype=float)
        m2b = np.asarray(p["m2"], dtype=float)
        tot = n + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mb - mean
            mean = np.where(tot > 0, mean + delta * np.where(tot > 0, nb / tot, 0.0), 0.0)
            m2 = m2 + m2b + np.where(tot > 0, delta * delta * n * nb / tot, 0.0)
        n = tot
    return n, mean, m2


def _aggregate_cluster_odd(cell: Cell, parts: list[dict], config: SweepConfig) -> dict:
    T = sum(p["trials"] for p in parts)
    layers = parts[0]["recorded"]
    first = [h for p in parts for h in p["first_hit"]]
    hits = [h for h in first if h is not None]
    cdf, fraction = [], []
    for k, L in enumerate(layers):
        c = sum(1 for h in hits if h <= L)
        cdf.append({"depth": L, "value": c / T, "ci": list(wilson_interval(c, T, CONFIDENCE)),
                    "band": _band(c, T), "count": c})
        f = sum(p["in_config"][k] for p in parts)
        fraction.append({"depth": L, "value": f / T,
                         "ci": list(wilson_interval(f, T, CONFIDENCE)), "count": f})
    merges = {mech: [sum(p["merges"][mech][k] for p in parts) for k in range(len(layers))]
              for mech in ("zeroed", "met")}
    return {
        "trials": T,
        "recorded_depths": layers,
        "first_hit_cdf": cdf,
        "cluster_odd_fraction": fraction,
        "merges_by_mechanism": {m: v[-1] for m, v in merges.items()},
        "merges_cumulative": merges,
        "merged_trials": sum(p["merged_trials"] for p in parts),
        "first_hit_depth": mean_interval(hits, CONFIDENCE).to_json(),
        "first_hit_depths": first,
        "odd_norm_ratio": mean_interval(
            [x for p in parts for x in p["odd_norm_ratio"] if x is not None], CONFIDENCE
        ).to_json(),
        "rs_zero_row_trials": sum(p["rs_zero_row_trials"] for p in parts),
    }


def _aggregate_gram(cell: Cell, parts: list[dict], config: SweepConfig) -> dict:
    iu = np.triu_indices(cell.n)
    out: dict[str, Any] = {"trials": sum(p["trials"] for p in parts),
                           "recorded_depths": parts[0]["recorded"],
                           "entries": [[int(i), int(j)] for i, j in zip(*iu, strict=True)]}
    for name in ("G", "G_hat"):
        count, mean, m2 = _merge_moments([p[name] for p in parts])
        out[name] = [[{"mean": float(mean[r, e]) if count[r, e] > 0 else None,
                       "ci": _t_ci(int(count[r, e]), float(mean[r, e]), float(m2[r, e])),
                       "count": int(count[r, e])}
                      for e in range(count.shape[1])] for r in range(count.shape[0])]
    return out


def _aggregate_lyapunov(cell: Cell, parts: list[dict], config: SweepConfig) -> dict:
    T = sum(p["trials"] for p in parts)
    exps = {}
    for name, first in parts[0]["exponents"].items():
        per = [x for p in parts for x in p["exponents"][name]["per_trial"]]
        valid = [p["trials"] * (1 - p["exponents"][name]["degenerate_layers"]) for p in parts]
        ann = sum(v * p["exponents"][name]["annihilated_fraction"]
                  for v, p in zip(valid, parts, strict=True))
        nd = sum(p["trials"] * p["exponents"][name]["degenerate_layers"] for p in parts) / T
        rate, ci = _rate_of(per)
        exps[name] = Exponent(name, first["units"], rate, ci, per,
                              ann / sum(valid) if sum(valid) else 0.0, nd)
    return {"trials": T, "exponents": exps,
            "checks": _weighted_checks([p["checks"] for p in parts],
                                       [p["trials"] for p in parts]),
            "mean_field": mean_field_value(config.at, cell.n, cell.layer, cell.activation)}


def _weighted_checks(checks: list[dict], weights: list[int]) -> dict:
    """Trial-weighted mean of every number in the chunks' ``checks`` dictionaries."""
    out: dict[str, Any] = {}
    for key, value in checks[0].items():
        if isinstance(value, dict):
            out[key] = _weighted_checks([c[key] for c in checks], weights)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = sum(w * c[key] for w, c in zip(weights, checks, strict=True)) / sum(weights)
        else:
            out[key] = value
    return out


#: statistic -> ``(cell, chunk results in chunk order, config) -> cell statistics``.
AGGREGATORS: dict[str, Callable[[Cell, list[dict], SweepConfig], dict]] = {
    "cluster-odd": _aggregate_cluster_odd, "gram": _aggregate_gram,
    "lyapunov": _aggregate_lyapunov,
}


@dataclass
class CellResult:
    """The aggregated statistic of one cell."""

    cell: Cell
    tasks: int
    stats: dict

    def to_json(self) -> dict:
        return {"cell": self.cell.to_json(), "key": self.cell.key, "tasks": self.tasks,
                **self.stats}


def aggregate(config: SweepConfig, records: dict[str, dict]) -> list[CellResult]:
    """Per-cell statistics from the task records.

    Parameters
    ----------
    config
        The sweep.
    records
        ``task_id -> {"task_id", "result", "seconds"}``; every task of
        ``config`` must be present.

    Returns
    -------
    list of CellResult
        In grid order, each from its tasks' results in chunk order.
    """
    by_cell: dict[str, list[Task]] = {}
    for task in config.tasks():
        by_cell.setdefault(task.cell.key, []).append(task)
    combine = AGGREGATORS[config.statistic]
    out = []
    for cell in config.cells():
        parts = [records[t.task_id]["result"] for t in by_cell[cell.key]]
        out.append(CellResult(cell, len(parts), combine(cell, parts, config)))
    return out
