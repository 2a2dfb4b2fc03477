"""Deep finite-width runs over many trials, and what is recorded per layer.

A run draws ``T`` independent batches of ``n`` points in ``R^d`` and pushes them
through ``depth`` random layers (docs/theory.md section 1) with
:class:`numerics.simulation.sampling.LayerSampler`.  At every layer it tracks the exact
partition of each batch into groups of identical points (merges are absorbing:
the sampler keeps identical points bitwise identical), the merge events and
their mechanism, and the cluster + odd test; at the recorded layers
(``every``) it also keeps the Gram matrix ``G = X^T X / d``.

Initial batch: by default ``n`` points with i.i.d. ``N(0, 1)`` coordinates
(``G ~ I``); or a given Gram matrix ``G0`` realised exactly as
``X0 = sqrt(d) U C`` with ``C^T C = G0`` and ``U`` a uniformly random
orthonormal ``n``-frame per trial (equal rows of ``G0`` give bitwise-identical
points); or given points.

Float range (:mod:`numerics.simulation.float_range`).  Homogeneous runs are
rescaled internally by exact powers of two, so their dynamics never leave
float64 range; ``log2_scale`` records the factor.  What is *reported* is chosen
by ``renormalise``:

* ``renormalise=False`` (default): Gram matrices at the true scale,
  ``G = X^T X / d``; a Gram matrix that overflows, or whose non-zero entries
  underflow, is refused with :class:`theory.errors.NonFiniteError` naming the
  layer where it left the range (never reported as inf or as zeros).
* ``renormalise=True``: each reported Gram matrix is scaled by an exact power of
  two into ``max |G_ij| in [1/2, 1)`` and ``gram_log2_scale`` gives the power: the true
  Gram matrix is ``2^gram_log2_scale`` times the reported one.  Its shape
  ``n G / tr G`` is bitwise that of the true Gram matrix.  The run itself is the
  same (same draws, same arithmetic, same merges) as with ``renormalise=False``.

Non-finite values are never results: an activation that gives NaN or inf at a
pre-activation, a representation that overflows, or a point that underflows
next to the others raises ``NonFiniteError`` with the layer.  A non-homogeneous
activation cannot be rescaled, so ``renormalise`` does not help it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.parameters import check_float, check_int
from numerics.simulation.float_range import (
    check_range,
    is_homogeneous,
    leaves_range,
    normalised_gram,
    point_magnitudes,
    rescale,
    true_gram,
)
from numerics.simulation.sampling import LayerSampler, check_ensemble, copy_ties, single_blas_thread
from numerics.simulation.statistics import (
    MeanCI,
    cluster_odd_test,
    groups,
    mean_interval,
    merges,
    tie_representatives,
    wilson_interval,
)
from theory.activations import get_activation
from theory.errors import GramError, InvalidInputError
from theory.layers import parse_layer

__all__ = [
    "batch_from_gram",
    "initial_batch",
    "simulate",
    "SimulationConfig",
    "SimulationResult",
    "summarise",
    "TrialRecord",
]

@dataclass
class SimulationConfig:
    """Parameters of a run (validated on construction; bad values raise ``InvalidInputError``).

    ``every = 0`` records only the final layer; ``every = K`` records layers
    ``0, K, 2K, ...`` and the last one.  ``renormalise = True`` reports every
    Gram matrix scaled by an exact power of two (``gram_log2_scale``), so that
    deep runs at any ``sigma_w2`` can be reported; see the module docstring.
    """

    n: int = 8
    width: int = 256
    depth: int = 10
    layer: str = "rc,nl"
    activation: str = "relu"
    trials: int = 10
    seed: int | None = 0
    weights: str = "gaussian"
    every: int = 0
    sigma_w2: float = 1.0
    eps: float = 0.0
    initial_gram: list | np.ndarray | None = None
    initial_points: list | np.ndarray | None = None
    renormalise: bool = False

    def __post_init__(self) -> None:
        self.n = check_int("n", self.n, 2)
        self.width = check_int("width", self.width, 1)
        self.depth = check_int("depth", self.depth, 0)
        self.trials = check_int("trials", self.trials, 1)
        self.every = check_int("every", self.every, 0)
        self.sigma_w2 = check_float("sigma_w2", self.sigma_w2, 0.0, True)
        self.eps = check_float("eps", self.eps, 0.0, False)
        self.weights = check_ensemble(self.weights)
        self.layer = parse_layer(self.layer).name
        self.activation = get_activation(self.activation).name
        if self.seed is not None:
            self.seed = check_int("seed", self.seed, 0)
        if not isinstance(self.renormalise, bool | np.bool_):
            raise InvalidInputError(f"renormalise must be True or False, got {self.renormalise!r}")
        self.renormalise = bool(self.renormalise)

    def to_json(self) -> dict:
        return {
            "n": self.n, "width": self.width, "depth": self.depth, "layer": self.layer,
            "activation": self.activation, "trials": self.trials, "seed": self.seed,
            "weights": self.weights, "every": self.every, "sigma_w2": self.sigma_w2,
            "eps": self.eps, "renormalise": self.renormalise,
        }


def _frame(rng: np.random.Generator, T: int, d: int, k: int) -> np.ndarray:
    """``T`` uniformly random orthonormal ``k``-frames in ``R^d``, as ``(T, k, d)``."""
    Q, R = np.linalg.qr(rng.standard_normal((T, d, k)))
    s = np.where(np.diagonal(R, axis1=1, axis2=2) < 0, -1.0, 1.0)
    return np.swapaxes(Q * s[:, None, :], 1, 2)


def batch_from_gram(rng: np.random.Generator, G0: np.ndarray, T: int, d: int) -> np.ndarray:
    """``T`` batches ``(T, n, d)`` with ``X^T X / d = G0`` exactly up to rounding.

    ``X = sqrt(d) U C``, ``C = diag(sqrt(w_+)) V^T`` from ``G0 = V diag(w) V^T``
    and ``U`` a random orthonormal frame.  Points whose rows of ``G0`` are equal
    (hence equal points) are made bitwise identical, and points with ``G0_ii = 0``
    exactly zero.
    """
    G0 = np.asarray(G0, dtype=float)
    n = G0.shape[0]
    if G0.ndim != 2 or G0.shape != (n, n):
        raise GramError(f"initial Gram matrix must be square, got shape {G0.shape}")
    if not np.all(np.isfinite(G0)):
        raise GramError("initial Gram matrix has non-finite entries")
    if not np.allclose(G0, G0.T, rtol=0, atol=1e-12 * max(1.0, np.abs(G0).max())):
        raise GramError("initial Gram matrix is not symmetric")
    w, V = np.linalg.eigh((G0 + G0.T) / 2)
    if w.min() < -1e-10 * max(1.0, w.max()):
        raise GramError(f"initial Gram matrix is not PSD (eigenvalue {w.min():.3g})")
    if d < n:
        raise InvalidInputError(f"a given Gram matrix needs width >= n ({n}), got {d}",
                                parameter="width")
    C = np.sqrt(np.clip(w, 0, None))[:, None] * V.T  # (n, n), C^T C = G0
    U = _frame(rng, T, d, n)  # (T, n, d)
    Y = math.sqrt(d) * np.einsum("ki,tkd->tid", C, U)
    # a point with G0_ii = 0 is the zero vector (PSD): exactly, not up to rounding
    # (a degree-0 activation sees the sign of a rounding-level residue otherwise)
    Y[:, np.diagonal(G0) == 0, :] = 0.0
    rep = np.zeros(n, dtype=int)
    for i in range(n):
        rep[i] = next(j for j in range(i + 1) if np.array_equal(G0[j], G0[i]))
    return copy_ties(Y, np.tile(rep, (T, 1)))


def initial_batch(config: SimulationConfig, rng: np.random.Generator) -> np.ndarray:
    """The ``(T, n, d)`` input batch of a run (see the module docstring)."""
    T, n, d = config.trials, config.n, config.width
    if config.initial_gram is not None:
        try:
            G0 = np.asarray(config.initial_gram, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise GramError("initial Gram matrix must be an n x n list of numbers",
                            parameter="initial_gram") from None
        if G0.shape != (n, n):
            raise GramError(f"initial Gram matrix must be {n} x {n}, got {G0.shape}",
                            parameter="initial_gram")
        return batch_from_gram(rng, G0, T, d)
    if config.initial_points is not None:
        try:
            P = np.asarray(config.initial_points, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInputError("initial points must be an n x width list of numbers",
                                    parameter="initial_points") from None
        if P.shape != (n, d):
            raise InvalidInputError(f"initial points must be n x width = {n} x {d}, "
                                    f"got {P.shape}", parameter="initial_points")
        if not np.all(np.isfinite(P)):
            raise InvalidInputError("initial points have non-finite entries",
                                    parameter="initial_points")
        return np.repeat(P[None], T, axis=0)
    return rng.standard_normal((T, n, d))


@dataclass
class TrialRecord:
    """What one trial ends with (the README section on ``simulate`` lists the fields)."""

    final_gram: np.ndarray
    clusters: list[list[int]]
    merges: list[dict]
    cluster_odd: bool
    odd_index: int | None
    odd_norm_ratio: float | None
    odd_cos: float | None
    first_cluster_odd_layer: int | None
    rs_zero_rows: int
    log2_scale: int
    gram_log2_scale: int = 0
    history: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {
            "final_gram": self.final_gram, "clusters": self.clusters, "merges": self.merges,
            "cluster_odd": self.cluster_odd, "odd_index": self.odd_index,
            "odd_norm_ratio": self.odd_norm_ratio, "odd_cos": self.odd_cos,
            "first_cluster_odd_layer": self.first_cluster_odd_layer,
            "rs_zero_rows": self.rs_zero_rows, "log2_scale": self.log2_scale,
            "gram_log2_scale": self.gram_log2_scale,
        }
        if self.history:
            out["history"] = self.history
        return out


def _interval(k: int, m: int) -> list[float]:
    return list(wilson_interval(k, m))


@dataclass
class SimulationResult:
    """A run: its configuration, one :class:`TrialRecord` per trial, and a summary."""

    config: SimulationConfig
    trials: list[TrialRecord]
    summary: dict
    orthogonality_tolerance: float

    def to_json(self) -> dict:
        return {
            "config": self.config.to_json(),
            "orthogonality_tolerance": self.orthogonality_tolerance,
            "trials": [t.to_json() for t in self.trials],
            "summary": self.summary,
        }

    def to_text(self) -> str:
        c, s = self.config, self.summary
        lines = [
            f"simulate: n={c.n} width={c.width} depth={c.depth} layer={c.layer} "
            f"activation={c.activation} weights={c.weights} trials={c.trials} seed={c.seed}",
            f"cluster + odd: {s['cluster_odd_count']}/{c.trials} = "
            f"{s['cluster_odd_fraction']:.3f}  95% CI [{s['cluster_odd_ci'][0]:.3f}, "
            f"{s['cluster_odd_ci'][1]:.3f}]",
            f"one cluster of n-1 + one point: {s['one_plus_cluster_fraction']:.3f}  "
            f"95% CI [{s['one_plus_cluster_ci'][0]:.3f}, {s['one_plus_cluster_ci'][1]:.3f}]",
            f"clusters at the end (mean): {_fmt_mean(s['clusters_mean'])}",
            f"merges: zeroed={s['merges_by_mechanism']['zeroed']} "
            f"met={s['merges_by_mechanism']['met']}",
            f"odd norm ratio: {_fmt_mean(s['odd_norm_ratio'])}",
            f"|odd cos|: {_fmt_mean(s['odd_abs_cos'])}",
            f"first layer in cluster + odd: {_fmt_mean(s['first_cluster_odd_layer'])}",
        ]
        if s["rs_zero_row_trials"]:
            lines.append(f"RS met all-zero rows in {s['rs_zero_row_trials']} trial(s) (left at 0)")
        for t, rec in enumerate(self.trials[:10]):
            lines.append(
                f"  trial {t}: clusters={rec.clusters} cluster_odd={rec.cluster_odd} "
                f"odd={rec.odd_index} ratio={_num(rec.odd_norm_ratio)} cos={_num(rec.odd_cos)}"
            )
        if len(self.trials) > 10:
            lines.append(f"  ... {len(self.trials) - 10} more trials (use --json)")
        return "\n".join(lines)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def _fmt_mean(m: dict) -> str:
    if m["mean"] is None:
        return "- (no data)"
    ci = m["ci"]
    ci_text = f"[{ci[0]:.4g}, {ci[1]:.4g}]" if ci else "(no CI: one value)"
    return f"{m['mean']:.4g}  95% CI {ci_text}  (m={m['count']})"


def _opt(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def simulate(
    config: SimulationConfig, progress: Callable[[int, int], None] | None = None
) -> SimulationResult:
    """Run ``config.trials`` deep networks (one BLAS thread); see :func:`_simulate`."""
    with single_blas_thread():
        return _simulate(config, progress)


def _simulate(
    config: SimulationConfig, progress: Callable[[int, int], None] | None = None
) -> SimulationResult:
    """Run ``config.trials`` independent deep networks and collect the statistics.

    For each layer ``l = 1..depth`` and trial: ``X_l = layer(X_{l-1})`` (exact
    sampling), the partition ``rep`` of identical points, merge events (old
    groups that became one; mechanism ``"zeroed"`` when the merged points are
    the zero vector after a layer with NL, ``"met"`` otherwise) and the
    cluster + odd test.  ``progress(l, depth)`` is called after every layer.

    Raises
    ------
    NonFiniteError
        If the activation gives NaN or inf, the representation overflows or a
        point underflows (any activation), or a reported Gram matrix leaves
        float64 range without ``renormalise`` (see the module docstring).
    """
    rng = np.random.default_rng(config.seed)
    kind = parse_layer(config.layer)
    act = get_activation(config.activation)
    T, n, d = config.trials, config.n, config.width
    sampler = LayerSampler(n, d, T, kind, act, config.weights, config.sigma_w2, config.eps, rng)
    homogeneous = is_homogeneous(kind, act)
    Y = initial_batch(config, rng)
    rep = tie_representatives(Y)
    log2_scale = np.zeros(T, dtype=np.int64)
    zero_rows = np.zeros(T, dtype=np.int64)
    merge_log: list[list[dict]] = [[] for _ in range(T)]
    first_co = np.full(T, -1)
    histories: list[list[dict]] = [[] for _ in range(T)]
    by_layer: list[dict] = []
    co = cluster_odd_test(Y, rep)
    first_co[co.cluster_odd] = 0

    out_since = np.full(T, -1)  # first layer of the current stretch out of float64 range

    def reported(layer: int, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if config.renormalise:
            return normalised_gram(Y, log2_scale)
        return true_gram(Y, log2_scale, layer, out_since), np.zeros(T, dtype=np.int64)

    def record(layer: int, Y: np.ndarray, rep: np.ndarray, co) -> None:
        G, k2 = reported(layer, Y)
        k = int(co.cluster_odd.sum())
        by_layer.append({"layer": layer, "cluster_odd_fraction": k / T,
                         "cluster_odd_ci": _interval(k, T)})
        for t in range(T):
            histories[t].append({"layer": layer, "gram": G[t], "gram_log2_scale": int(k2[t]),
                                 "clusters": groups(rep[t]),
                                 "cluster_odd": bool(co.cluster_odd[t])})

    if config.every:
        record(0, Y, rep, co)
    for layer in range(1, config.depth + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            Y, zr = sampler.step(Y, rep)
        zero_rows += zr
        if homogeneous:
            Y = rescale(Y, log2_scale)
        magnitudes = point_magnitudes(Y)
        check_range(magnitudes, layer, act, homogeneous)
        out = leaves_range(magnitudes, log2_scale)
        out_since[~out] = -1
        out_since[out & (out_since < 0)] = layer
        new_rep = tie_representatives(Y)
        if np.any(new_rep != rep):
            for t, events in enumerate(merges(rep, new_rep)):
                for old_groups in events:
                    pts = sorted(i for g in old_groups for i in g)
                    zeroed = kind.nl and not np.any(Y[t, pts[0]])
                    merge_log[t].append({"layer": layer, "points": pts, "groups": old_groups,
                                         "mechanism": "zeroed" if zeroed else "met"})
        rep = new_rep
        co = cluster_odd_test(Y, rep)
        first_co[(first_co < 0) & co.cluster_odd] = layer
        if config.every and (layer % config.every == 0 or layer == config.depth):
            record(layer, Y, rep, co)
        if progress is not None:
            progress(layer, config.depth)

    G, k2 = reported(config.depth, Y)
    records = []
    for t in range(T):
        shape = bool(co.shape[t])
        records.append(TrialRecord(
            final_gram=G[t], clusters=groups(rep[t]), merges=merge_log[t],
            cluster_odd=bool(co.cluster_odd[t]),
            odd_index=int(co.odd_index[t]) if shape else None,
            odd_norm_ratio=_opt(co.norm_ratio[t]) if shape else None,
            odd_cos=_opt(co.cos[t]) if shape else None,
            first_cluster_odd_layer=int(first_co[t]) if first_co[t] >= 0 else None,
            rs_zero_rows=int(zero_rows[t]), log2_scale=int(log2_scale[t]),
            gram_log2_scale=int(k2[t]), history=histories[t],
        ))
    summary = summarise(records, co, first_co, T)
    summary["by_layer"] = by_layer
    return SimulationResult(config, records, summary, co.tol)


def summarise(records: list[TrialRecord], co, first_co: np.ndarray, T: int) -> dict:
    """Fractions with Wilson 95% intervals and means with t 95% intervals."""
    k_co = int(co.cluster_odd.sum())
    k_shape = int(co.shape.sum())
    n_clusters = [len(r.clusters) for r in records]
    k_merged = sum(1 for r in records if r.merges)
    mech = {"zeroed": 0, "met": 0}
    for r in records:
        for m in r.merges:
            mech[m["mechanism"]] += 1

    def mj(x: MeanCI) -> dict:
        return x.to_json()

    return {
        "cluster_odd_count": k_co,
        "cluster_odd_fraction": k_co / T,
        "cluster_odd_ci": _interval(k_co, T),
        "one_plus_cluster_fraction": k_shape / T,
        "one_plus_cluster_ci": _interval(k_shape, T),
        "merged_fraction": k_merged / T,
        "merged_ci": _interval(k_merged, T),
        "clusters_mean": mj(mean_interval(n_clusters)),
        "merges_by_mechanism": mech,
        "odd_norm_ratio": mj(mean_interval(co.norm_ratio[co.cluster_odd])),
        "odd_abs_cos": mj(mean_interval(np.abs(co.cos[co.shape]))),
        "first_cluster_odd_layer": mj(mean_interval(first_co[first_co >= 0].astype(float))),
        "rs_zero_row_trials": int(sum(1 for r in records if r.rs_zero_rows)),
    }
