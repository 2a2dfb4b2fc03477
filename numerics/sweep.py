"""Grids of finite-width runs on a local process pool or a Dask cluster, resumable.

A *sweep* is the Cartesian product of the grid axes ``n x width x depth x layer
x activation`` (the *cells*); every cell runs ``trials`` independent networks,
split into *tasks* of at most ``chunk_trials`` trials.  Each task is one call of
the simulator (:func:`numerics.simulate.simulate` for the ``cluster-odd`` and
``gram`` statistics, :func:`numerics.lyapunov.lyapunov` for ``lyapunov``).

Reproducibility does not depend on scheduling
    Task ``(cell, chunk)`` is seeded with
    ``SeedSequence(seed, spawn_key=(h_1, ..., h_4, chunk))`` where ``h_k`` are
    the first four 32-bit words of ``sha256(cell key)``; the simulator gets the
    128-bit integer drawn from that sequence.  Per-cell results are aggregated
    in chunk order, from task results that have been through one JSON round
    trip (the form they have in the checkpoint), so serial, pool, Dask and
    resumed runs give bit-identical numbers.  The seed does *not* depend on the
    statistic: a ``gram`` and a ``cluster-odd`` sweep with the same seed and
    ``every`` look at the same simulated networks.  It does depend on
    ``chunk_trials`` (which is part of the configuration).

Resumable
    With a checkpoint path, every finished task is appended to a JSON-lines file
    as one line ``{"task_id", "result", "seconds"}`` (one ``write`` of the whole
    line on a descriptor opened with ``O_APPEND``, then ``fsync``), after a first
    header line holding the configuration.  Only the coordinating process
    writes.  A restarted sweep reads the file, drops a torn last line, skips the
    tasks it holds and runs the rest; a header whose configuration differs is an
    :class:`~theory.errors.InvalidInputError`.

Statistics per cell (95% intervals throughout)
    ``cluster-odd``
        The first-hitting depth ``tau`` of the cluster + odd configuration (the
        first layer ``l`` where the test of
        :func:`numerics.statistics.cluster_odd_test` holds; the simulator's
        ``first_cluster_odd_layer``).  At each recorded depth ``L``: the
        empirical CDF ``F(L) = #{tau <= L} / T`` with a pointwise Wilson interval
        *and* a simultaneous Dvoretzky-Kiefer-Wolfowitz band
        ``F(L) -+ sqrt(log(2 / 0.05) / (2 T))`` (Massart's constant), the
        fraction of trials in the configuration at ``L`` (Wilson), and the
        cumulative merge counts by mechanism (``zeroed`` / ``met``).
    ``lyapunov``
        Each exponent of :mod:`numerics.lyapunov` pooled over the cell's trials:
        mean per-trial rate with a Student-t interval.
    ``gram``
        At each recorded depth, the mean of each entry ``G_ij`` (``i <= j``) of
        ``G = X^T X / d`` and of the scale-free ``G_hat = n G / tr G``, with
        Student-t intervals (chunks combined exactly with Chan et al.'s
        pairwise mean/variance update).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from numerics.lyapunov import Exponent, LyapunovConfig, lyapunov, mean_field_value
from numerics.simulate import SimulationConfig, simulate
from numerics.statistics import mean_interval, wilson_interval
from theory.errors import InvalidInputError, UnknownNameError

try:  # POSIX advisory lock on the checkpoint (absent on Windows: no lock taken)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

STATISTICS = ("cluster-odd", "lyapunov", "gram")

#: version of the checkpoint format (a different version is a config mismatch).
CHECKPOINT_FORMAT = 1

#: confidence level of every interval and band.
CONFIDENCE = 0.95

#: environment variable of the fault-injection hook used by the tests, a JSON object
#: ``{"task": <task id>, "mode": "raise" or "exit", "marker": <file>}``.  The named
#: task fails (raises ``RuntimeError``, or kills its worker process with ``os._exit(3)``) the first
#: time it runs, i.e. while the marker file does not exist; it creates the file.
FAULT_ENV = "BNVERIFY_SWEEP_FAULT"

#: CSV columns of the tidy table (one row per cell x recorded depth x quantity).
CSV_COLUMNS = ("statistic", "n", "width", "depth", "layer", "activation", "recorded_depth",
               "quantity", "value", "ci_low", "ci_high", "band_low", "band_high", "count")


# --------------------------------------------------------------------------- config


def _int_list(name: str, values: int | Sequence[int], low: int) -> list[int]:
    if isinstance(values, int | np.integer):
        values = [int(values)]
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise InvalidInputError(f"{name}: expected integers, got {v!r}", parameter=name)
        if v < low:
            raise InvalidInputError(f"{name} must be >= {low}, got {v}", parameter=name)
        if int(v) not in out:
            out.append(int(v))
    if not out:
        raise InvalidInputError(f"{name}: give at least one value", parameter=name)
    return out


def _str_list(name: str, values: str | Sequence[str]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    out = [str(v).strip() for v in values if str(v).strip()]
    if not out:
        raise InvalidInputError(f"{name}: give at least one value", parameter=name)
    return out


@dataclass
class SweepConfig:
    """A grid of cells and how each cell is simulated (validated on construction).

    Every parameter that can change a number is here (and in the checkpoint
    header); how the tasks are scheduled (workers, scheduler) is not.

    Parameters
    ----------
    n, width, depth
        Grid axes (lists of integers; duplicates dropped, order kept).
    layer, activation
        Grid axes (lists of layer kinds and activation names; canonicalised, so
        ``"nl,rc"`` and ``"rc,nl"`` are the same cell).
    trials
        Trials per cell.
    statistic
        ``"cluster-odd"``, ``"lyapunov"`` or ``"gram"``.
    every
        Recorded depths ``0, every, 2 every, ..., depth`` (``0``: the final depth
        only); ``None`` chooses ``max(1, depth // 20)`` per cell.  Not used by
        ``lyapunov`` (which reports the final rate).
    chunk_trials
        Trials per task (the last task of a cell may have fewer).
    seed
        Root seed of every task's ``SeedSequence``.
    weights, sigma_w2, eps
        As in :class:`numerics.simulate.SimulationConfig`.
    at, delta, burn_in, rho
        As in :class:`numerics.lyapunov.LyapunovConfig` (``lyapunov`` only).
    """

    n: list[int] = field(default_factory=lambda: [8])
    width: list[int] = field(default_factory=lambda: [64])
    depth: list[int] = field(default_factory=lambda: [100])
    layer: list[str] = field(default_factory=lambda: ["rc,nl"])
    activation: list[str] = field(default_factory=lambda: ["relu"])
    trials: int = 100
    statistic: str = "cluster-odd"
    every: int | None = None
    chunk_trials: int = 100
    seed: int = 0
    weights: str = "gaussian"
    sigma_w2: float = 1.0
    eps: float = 0.0
    at: str = "cluster-odd"
    delta: float = 1e-6
    burn_in: int = 5
    rho: float = 0.0

    def __post_init__(self) -> None:
        stat = str(self.statistic).strip().lower().replace("_", "-").replace("+", "-")
        if stat not in STATISTICS:
            raise UnknownNameError(
                f"unknown statistic {self.statistic!r} (use one of {', '.join(STATISTICS)})",
                parameter="statistic")
        self.statistic = stat
        self.n = _int_list("n", self.n, 3 if stat == "cluster-odd" else 2)
        self.width = _int_list("width", self.width, 1)
        self.depth = _int_list("depth", self.depth, 1)
        self.trials = _int_list("trials", self.trials, 1)[0]
        self.chunk_trials = _int_list("chunk_trials", self.chunk_trials, 1)[0]
        self.seed = _int_list("seed", self.seed, 0)[0]
        if self.every is not None:
            self.every = _int_list("every", self.every, 0)[0]
        self.layer = _str_list("layer", self.layer)
        self.activation = _str_list("activation", self.activation)
        # canonical names and every other check: build one simulator config per cell
        canon_layers: list[str] = []
        canon_acts: list[str] = []
        for layer, act in itertools.product(self.layer, self.activation):
            sim = SimulationConfig(n=self.n[0], width=self.width[0], depth=self.depth[0],
                                   layer=layer, activation=act, trials=1, seed=0,
                                   weights=self.weights, sigma_w2=self.sigma_w2, eps=self.eps)
            canon_layers += [sim.layer] if sim.layer not in canon_layers else []
            canon_acts += [sim.activation] if sim.activation not in canon_acts else []
            self.weights, self.sigma_w2, self.eps = sim.weights, sim.sigma_w2, sim.eps
        self.layer, self.activation = canon_layers, canon_acts
        if stat == "lyapunov":
            for n, d, depth in itertools.product(self.n, self.width, self.depth):
                ly = self._lyapunov_config(n, d, depth, self.layer[0], self.activation[0], 1, 0)
            self.at, self.delta, self.burn_in, self.rho = ly.at, ly.delta, ly.burn_in, ly.rho

    def _lyapunov_config(self, n: int, width: int, depth: int, layer: str, activation: str,
                         trials: int, seed: int) -> LyapunovConfig:
        return LyapunovConfig(n=n, widths=[width], depth=depth, layer=layer,
                              activation=activation, trials=trials, seed=seed, at=self.at,
                              weights=self.weights, sigma_w2=self.sigma_w2, eps=self.eps,
                              delta=self.delta, burn_in=self.burn_in, rho=self.rho)

    def every_for(self, depth: int) -> int:
        """The recording interval of a cell of this depth."""
        return max(1, depth // 20) if self.every is None else self.every

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in (
            "statistic", "n", "width", "depth", "layer", "activation", "trials",
            "chunk_trials", "seed", "weights", "sigma_w2", "eps")}
        if self.statistic == "lyapunov":  # only the options that change numbers
            out.update(at=self.at, delta=self.delta, burn_in=self.burn_in, rho=self.rho)
        else:
            out["every"] = self.every
        return out

    def cells(self) -> list[Cell]:
        """The cells in grid order (``n`` slowest, ``activation`` fastest)."""
        return [Cell(n, d, depth, layer, act) for n, d, depth, layer, act in itertools.product(
            self.n, self.width, self.depth, self.layer, self.activation)]

    def tasks(self) -> list[Task]:
        """Every task of the sweep, cell by cell, chunk by chunk."""
        out = []
        for cell in self.cells():
            chunks = -(-self.trials // self.chunk_trials)
            for i in range(chunks):
                size = min(self.chunk_trials, self.trials - i * self.chunk_trials)
                out.append(Task(cell, i, size, task_seed(self.seed, cell.key, i), self))
        return out


@dataclass(frozen=True)
class Cell:
    """One grid point."""

    n: int
    width: int
    depth: int
    layer: str
    activation: str

    @property
    def key(self) -> str:
        """Canonical text key, e.g. ``n=8|width=64|depth=100|layer=rc,nl|activation=relu``."""
        return (f"n={self.n}|width={self.width}|depth={self.depth}|layer={self.layer}"
                f"|activation={self.activation}")

    def to_json(self) -> dict:
        return {"n": self.n, "width": self.width, "depth": self.depth, "layer": self.layer,
                "activation": self.activation}


def task_seed(seed: int, cell_key: str, chunk: int) -> int:
    """The simulator seed of task ``(cell, chunk)``: 128 bits of a ``SeedSequence``.

    ``SeedSequence(seed, spawn_key=(w_1, w_2, w_3, w_4, chunk))`` with ``w_k`` the
    first four little-endian 32-bit words of ``sha256(cell_key)``; independent
    of the order in which tasks are created or run.
    """
    digest = hashlib.sha256(cell_key.encode()).digest()
    words = tuple(int.from_bytes(digest[4 * k: 4 * k + 4], "little") for k in range(4))
    ss = np.random.SeedSequence(seed, spawn_key=(*words, chunk))
    return int.from_bytes(ss.generate_state(4, np.uint32).tobytes(), "little")


@dataclass(frozen=True)
class Task:
    """One unit of work: ``trials`` trials of ``cell`` (chunk ``chunk``) with ``seed``."""

    cell: Cell
    chunk: int
    trials: int
    seed: int
    config: SweepConfig

    @property
    def task_id(self) -> str:
        return f"{self.cell.key}#{self.chunk}"


# --------------------------------------------------------------------------- one task


def _fault_hook(task_id: str) -> None:
    """Test hook: fail ``task_id`` once (see :data:`FAULT_ENV`)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    fault = json.loads(spec)
    if fault["task"] != task_id:
        return
    mode, marker = fault["mode"], fault["marker"]
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    if mode == "exit":
        os._exit(3)
    raise RuntimeError(f"injected failure of task {task_id}")


def _recorded_layers(history: list[dict], depth: int) -> list[int]:
    return [h["layer"] for h in history] if history else [depth]


def _simulate_task(task: Task):
    """The :func:`simulate` run of one task (its cell, trial chunk and seed)."""
    c, cfg = task.cell, task.config
    return simulate(SimulationConfig(
        n=c.n, width=c.width, depth=c.depth, layer=c.layer, activation=c.activation,
        trials=task.trials, seed=task.seed, weights=cfg.weights, every=cfg.every_for(c.depth),
        sigma_w2=cfg.sigma_w2, eps=cfg.eps))


def _cluster_odd_task(task: Task) -> dict:
    """One chunk of the cluster + odd statistic from one :func:`simulate` call."""
    c = task.cell
    recs = _simulate_task(task).trials
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
    """Count, mean and sum of squared deviations over axis 0, ignoring non-finite values."""
    ok = np.isfinite(x)
    count = ok.sum(axis=0)
    xs = np.where(ok, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xs.sum(axis=0) / count
    m2 = np.where(ok, (xs - mean) ** 2, 0.0).sum(axis=0)
    return {"count": count.tolist(), "mean": np.where(count > 0, mean, 0.0).tolist(),
            "m2": m2.tolist()}


def _gram_task(task: Task) -> dict:
    """One chunk of the Gram statistic: moments of ``G`` and ``G_hat`` at each recorded depth."""
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
    """One chunk of the Lyapunov statistic from one :func:`lyapunov` call."""
    c, cfg = task.cell, task.config
    res = lyapunov(cfg._lyapunov_config(c.n, c.width, c.depth, c.layer, c.activation,
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


_RUNNERS: dict[str, Callable[[Task], dict]] = {
    "cluster-odd": _cluster_odd_task, "gram": _gram_task, "lyapunov": _lyapunov_task,
}


def run_task(task: Task) -> dict:
    """Run one task (in whatever process); returns ``{"task_id", "result", "seconds"}``."""
    _fault_hook(task.task_id)
    start = time.perf_counter()
    result = _RUNNERS[task.config.statistic](task)
    return {"task_id": task.task_id, "result": result,
            "seconds": time.perf_counter() - start}


def _normalise(record: dict) -> dict:
    """The record as it reads back from the checkpoint (one JSON round trip)."""
    return json.loads(json.dumps(record, allow_nan=True))


# --------------------------------------------------------------------------- checkpoint


def _header(config: SweepConfig) -> dict:
    return _normalise({"kind": "header", "format": CHECKPOINT_FORMAT,
                       "config": config.to_json()})


class Checkpoint:
    """The JSON-lines checkpoint of one sweep (header line, then one line per task).

    Opening takes an exclusive advisory lock (POSIX), drops a torn last line,
    checks the header against ``config`` and loads the finished tasks.
    """

    def __init__(self, path: str | os.PathLike, config: SweepConfig) -> None:
        self.path = Path(path)
        self.done: dict[str, dict] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise InvalidInputError(
                        f"checkpoint {self.path} is in use by another running sweep",
                        parameter="out") from None
            self._load(config)
        except BaseException:
            os.close(self._fd)
            raise

    def _load(self, config: SweepConfig) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):  # a torn last line: drop it
            keep = data.rfind(b"\n") + 1
            os.ftruncate(self._fd, keep)
            data = data[:keep]
        lines = data.splitlines()
        header = _header(config)
        if not lines:
            self._append(header)
            return
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError:
            first = None
        if not isinstance(first, dict) or first.get("kind") != "header":
            raise InvalidInputError(f"{self.path} is not a bnverify sweep checkpoint",
                                    parameter="out")
        if first != header:
            raise InvalidInputError(
                f"checkpoint {self.path} was written by a different sweep "
                f"({_differences(first, header)}); use another out or delete the checkpoint",
                parameter="out")
        for number, line in enumerate(lines[1:], start=2):
            try:
                rec = json.loads(line)
                task_id = rec["task_id"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InvalidInputError(f"{self.path}: line {number} is corrupt",
                                        parameter="out") from None
            self.done.setdefault(task_id, rec)

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, allow_nan=True, separators=(",", ":")) + "\n").encode()
        written = os.write(self._fd, line)
        if written != len(line):  # pragma: no cover - a full disk
            raise OSError(f"short write to checkpoint {self.path}")
        os.fsync(self._fd)

    def add(self, record: dict) -> None:
        """Append one finished task (ignored if the task is already recorded)."""
        if record["task_id"] in self.done:
            return
        self._append(record)
        self.done[record["task_id"]] = record

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _differences(old: dict, new: dict) -> str:
    if old.get("format") != new.get("format"):
        return f"checkpoint format {old.get('format')} vs {new.get('format')}"
    a, b = old.get("config", {}), new.get("config", {})
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "differs in " + ", ".join(f"{k}: {a.get(k)!r} there, {b.get(k)!r} now" for k in keys)


def output_paths(out: str | os.PathLike) -> dict[str, Path]:
    """``{"json", "csv", "checkpoint"}`` paths from ``out`` (``.json``/``.csv`` dropped)."""
    p = Path(out)
    if not p.name:
        raise InvalidInputError(f"out must name a file stem (OUT.json, OUT.csv), got {str(out)!r}",
                                parameter="out")
    stem = p.with_suffix("") if p.suffix.lower() in (".json", ".csv") else p
    return {"json": stem.with_name(stem.name + ".json"),
            "csv": stem.with_name(stem.name + ".csv"),
            "checkpoint": stem.with_name(stem.name + ".checkpoint.jsonl")}


# --------------------------------------------------------------------------- aggregation


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
    if count < 2:
        return None
    se = math.sqrt(m2 / (count - 1) / count)
    t = float(stats.t.ppf(0.5 + CONFIDENCE / 2, count - 1))
    return [mean - t * se, mean + t * se]


def _merge_moments(parts: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine chunk moments in order (Chan, Golub and LeVeque 1979)."""
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


def _aggregate_cluster_odd(cell: Cell, parts: list[dict]) -> dict:
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


def _aggregate_gram(cell: Cell, parts: list[dict]) -> dict:
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
    """Per-cell statistics from the task records (chunk order; every task must be present)."""
    by_cell: dict[str, list[Task]] = {}
    for task in config.tasks():
        by_cell.setdefault(task.cell.key, []).append(task)
    out = []
    for cell in config.cells():
        parts = [records[t.task_id]["result"] for t in by_cell[cell.key]]
        if config.statistic == "cluster-odd":
            s = _aggregate_cluster_odd(cell, parts)
        elif config.statistic == "gram":
            s = _aggregate_gram(cell, parts)
        else:
            s = _aggregate_lyapunov(cell, parts, config)
        out.append(CellResult(cell, len(parts), s))
    return out


# --------------------------------------------------------------------------- tidy table


def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return repr(x) if math.isfinite(x) else ("nan" if math.isnan(x) else
                                                  ("inf" if x > 0 else "-inf"))
    return str(x)


def tidy_rows(config: SweepConfig, cells: list[CellResult]) -> Iterator[list[str]]:
    """Rows of the tidy table (see :data:`CSV_COLUMNS`), header not included."""
    for cr in cells:
        c, s = cr.cell, cr.stats
        base = [config.statistic, str(c.n), str(c.width), str(c.depth), c.layer, c.activation]

        def row(depth: int, quantity: str, value: Any, ci: Any = None, band: Any = None,
                count: Any = None, base: list[str] = base) -> list[str]:
            lo, hi = (ci or (None, None))
            blo, bhi = (band or (None, None))
            return [*base, str(depth), quantity, _num(value), _num(lo), _num(hi),
                    _num(blo), _num(bhi), _num(count)]

        if config.statistic == "cluster-odd":
            for k, L in enumerate(s["recorded_depths"]):
                cdf, fr = s["first_hit_cdf"][k], s["cluster_odd_fraction"][k]
                yield row(L, "first_hit_cdf", cdf["value"], cdf["ci"], cdf["band"],
                          cdf["count"])
                yield row(L, "cluster_odd_fraction", fr["value"], fr["ci"], None, fr["count"])
                for mech, counts in s["merges_cumulative"].items():
                    yield row(L, f"merges_{mech}", counts[k], count=s["trials"])
            D = c.depth
            for q in ("first_hit_depth", "odd_norm_ratio"):
                yield row(D, q, s[q]["mean"], s[q]["ci"], None, s[q]["count"])
        elif config.statistic == "gram":
            for k, L in enumerate(s["recorded_depths"]):
                for name in ("G", "G_hat"):
                    for (i, j), e in zip(s["entries"], s[name][k], strict=True):
                        yield row(L, f"{name}_{i}_{j}", e["mean"], e["ci"], None, e["count"])
        else:
            for name, e in s["exponents"].items():
                yield row(c.depth, name, e.rate, e.ci, None, len(e.per_trial))
                yield row(c.depth, f"{name}_annihilated_fraction", e.annihilated_fraction)


# --------------------------------------------------------------------------- running


@dataclass
class Progress:
    """What a progress callback receives after the checkpoint is read and after each task."""

    tasks_done: int
    tasks_total: int
    cells_done: int
    cells_total: int
    tasks_resumed: int
    elapsed: float

    @property
    def eta(self) -> float | None:
        """Seconds left, from the rate of the tasks run in this session (None before one)."""
        ran = self.tasks_done - self.tasks_resumed
        if ran <= 0:
            return None
        return self.elapsed / ran * (self.tasks_total - self.tasks_done)


@dataclass
class SweepResult:
    """A finished sweep: its configuration, the per-cell results and how it was run."""

    config: SweepConfig
    cells: list[CellResult]
    run_info: dict

    def to_json(self) -> dict:
        return {"config": self.config.to_json(), "cells": self.cells, "run": self.run_info}

    def csv_text(self) -> str:
        """The tidy table as CSV text (header + one row per cell x depth x quantity)."""
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(tidy_rows(self.config, self.cells))
        return buf.getvalue()

    def write(self, out: str | os.PathLike) -> dict[str, Path]:
        """Write ``<stem>.json`` and ``<stem>.csv`` atomically; returns the paths."""
        from theory.serialize import to_jsonable

        paths = output_paths(out)
        _atomic_write(paths["json"], json.dumps(to_jsonable(self), indent=1) + "\n")
        _atomic_write(paths["csv"], self.csv_text())
        return paths

    def to_text(self) -> str:
        c = self.config
        lines = [f"sweep {c.statistic}: {len(self.cells)} cells x {c.trials} trials "
                 f"(chunks of {c.chunk_trials}), seed {c.seed}, weights {c.weights}",
                 f"tasks: {self.run_info['tasks_total']} ({self.run_info['tasks_run']} run, "
                 f"{self.run_info['tasks_resumed']} from the checkpoint) on "
                 f"{self.run_info['executor']}"]
        for cr in self.cells:
            s, k = cr.stats, cr.cell
            head = f"  n={k.n:<3} d={k.width:<6} depth={k.depth:<6} {k.layer:<9} {k.activation:<8}"
            if c.statistic == "cluster-odd":
                cdf = s["first_hit_cdf"][-1]
                mech = s["merges_by_mechanism"]
                lines.append(f"{head} reached by depth {cdf['depth']}: {cdf['value']:.3f} "
                             f"[{cdf['ci'][0]:.3f}, {cdf['ci'][1]:.3f}]  merges "
                             f"zeroed={mech['zeroed']} met={mech['met']}")
            elif c.statistic == "lyapunov":
                parts = []
                for e in s["exponents"].values():
                    rate = ("-" if e.rate is None else "-inf" if e.rate == -math.inf
                            else f"{e.rate:.4g}")
                    parts.append(f"{e.name}={rate} ({e.sign})")
                lines.append(f"{head} " + "  ".join(parts))
            else:
                off = [e["mean"] for (i, j), e in zip(s["entries"], s["G_hat"][-1], strict=True)
                       if i != j and e["mean"] is not None]
                mean = f"{sum(off) / len(off):.4g}" if off else "-"
                lines.append(f"{head} mean off-diagonal G_hat at depth "
                             f"{s['recorded_depths'][-1]}: {mean}")
        for key in ("json", "csv", "checkpoint"):
            if self.run_info.get(key):
                lines.append(f"{key}: {self.run_info[key]}")
        return "\n".join(lines)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _dask_client(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise InvalidInputError(
            "scheduler needs dask.distributed, which is not installed "
            "(pip install 'bnverify[dask]')", parameter="scheduler") from None
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InvalidInputError(f"cannot connect to the Dask scheduler {scheduler!r}: {exc}",
                                parameter="scheduler") from None


def _run_serial(todo: list[Task], on_done: Callable[[dict], None]) -> None:
    for task in todo:
        on_done(run_task(task))


def _run_pool(todo: list[Task], on_done: Callable[[dict], None], workers: int,
              retries: int) -> None:
    """Run on a process pool; a pool broken by a dying worker is restarted ``retries`` times."""
    pending = {t.task_id: t for t in todo}
    attempt = 0
    while pending:
        broken = False
        pool = cf.ProcessPoolExecutor(max_workers=workers)
        error: BaseException | None = None
        try:
            futures = {pool.submit(run_task, t): tid for tid, t in pending.items()}
            for fut in cf.as_completed(futures):
                if fut.cancelled():
                    continue
                exc = fut.exception()
                if isinstance(exc, cf.process.BrokenProcessPool):
                    broken = True
                elif exc is not None:
                    if error is None:  # stop: keep what is already running, start nothing new
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
            if attempt > retries:
                raise RuntimeError(
                    f"a worker process died {attempt} times; {len(pending)} task(s) not run "
                    "(finished tasks are in the checkpoint)")


def _run_dask(todo: list[Task], on_done: Callable[[dict], None], client: Any) -> None:
    from distributed import as_completed

    futures = [client.submit(run_task, t, pure=False,
                             key="bnverify-sweep-" + hashlib.sha1(
                                 f"{t.task_id}:{t.seed}".encode()).hexdigest())
               for t in todo]
    try:
        for fut in as_completed(futures):
            on_done(fut.result())
    finally:
        for fut in futures:
            fut.cancel()


def run_sweep(
    config: SweepConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    checkpoint: str | os.PathLike | None = None,
    progress: Callable[[Progress], None] | None = None,
    retries: int = 2,
) -> SweepResult:
    """Run every task of ``config`` not already in ``checkpoint`` and aggregate the cells.

    Parameters
    ----------
    config
        The sweep.
    workers
        Local process-pool size (``None``: ``os.cpu_count()``); ``0`` runs the
        tasks one after the other in this process.
    scheduler, client
        Address of a running ``dask.distributed`` scheduler, or a connected
        ``distributed.Client``; either one replaces the local pool.
    checkpoint
        JSON-lines file of finished tasks (created if missing; resumed if present).
    progress
        Called with a :class:`Progress` after loading and after each task.
    retries
        How many times a process pool broken by a dying worker is restarted.

    Returns
    -------
    SweepResult
        Bit-identical for the same ``config`` whatever the executor, worker count,
        completion order or number of interruptions.

    Raises
    ------
    InvalidInputError
        A checkpoint written by another configuration or in use; ``--scheduler``
        without dask installed or unreachable.
    """
    if workers is not None and (isinstance(workers, bool) or workers < 0):
        raise InvalidInputError(f"workers must be >= 0, got {workers}", parameter="workers")
    tasks = config.tasks()
    cells_total = len(config.cells())
    per_cell: dict[str, int] = {}
    for t in tasks:
        per_cell[t.cell.key] = per_cell.get(t.cell.key, 0) + 1
    start = time.monotonic()
    ckpt = Checkpoint(checkpoint, config) if checkpoint is not None else None
    own_client = False
    try:
        records: dict[str, dict] = {}
        valid = {t.task_id for t in tasks}
        if ckpt is not None:
            records = {k: v for k, v in ckpt.done.items() if k in valid}
        resumed = len(records)
        left = dict(per_cell)
        for tid in records:
            left[tid.rsplit("#", 1)[0]] -= 1

        def report() -> None:
            if progress is not None:
                progress(Progress(len(records), len(tasks),
                                  sum(1 for v in left.values() if v == 0), cells_total,
                                  resumed, time.monotonic() - start))

        def on_done(record: dict) -> None:
            record = _normalise(record)
            tid = record["task_id"]
            if tid in records:  # a duplicate completion (e.g. a Dask retry): keep the first
                return
            if ckpt is not None:
                ckpt.add(record)
            records[tid] = record
            left[tid.rsplit("#", 1)[0]] -= 1
            report()

        report()
        todo = [t for t in tasks if t.task_id not in records]
        if scheduler is not None and client is None:
            client = _dask_client(scheduler)
            own_client = True
        if not todo:
            executor = "nothing to run"
        elif client is not None:
            executor = "dask.distributed"
            _run_dask(todo, on_done, client)
        elif workers == 0 or len(todo) == 1:
            executor = "this process"
            _run_serial(todo, on_done)
        else:
            nw = min(workers or os.cpu_count() or 1, len(todo))
            executor = f"process pool ({nw} workers)"
            _run_pool(todo, on_done, nw, retries)
        cells = aggregate(config, records)
        info = {"tasks_total": len(tasks), "tasks_run": len(tasks) - resumed,
                "tasks_resumed": resumed, "executor": executor,
                "seconds": time.monotonic() - start,
                "task_seconds": sum(r.get("seconds", 0.0) for r in records.values())}
        if checkpoint is not None:
            info["checkpoint"] = str(checkpoint)
        return SweepResult(config, cells, info)
    finally:
        if ckpt is not None:
            ckpt.close()
        if own_client:
            client.close()


def sweep(
    config: SweepConfig,
    out: str | os.PathLike | None = None,
    **kwargs: Any,
) -> SweepResult:
    """:func:`run_sweep` with the files of ``out``: checkpoint, then ``.json`` and ``.csv``.

    ``out`` names ``<stem>.json``, ``<stem>.csv`` and the checkpoint
    ``<stem>.checkpoint.jsonl`` (see :func:`output_paths`).
    """
    if out is None:
        return run_sweep(config, **kwargs)
    paths = output_paths(out)
    result = run_sweep(config, checkpoint=paths["checkpoint"], **kwargs)
    result.run_info.update(json=str(paths["json"]), csv=str(paths["csv"]))
    result.write(out)
    return result
