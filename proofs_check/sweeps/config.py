"""The sweep configuration: grid axes, validation, cells, tasks and their seeds.

A *sweep* is the Cartesian product of the grid axes ``n x width x depth x layer
x activation`` (the *cells*); every cell runs ``trials`` independent networks,
split into *tasks* of at most ``chunk_trials`` trials.  Everything here is a
pure function of the configuration: the cells, the tasks and every task's seed
(so the checkpoint header, which holds the configuration, pins them down).

Reproducibility does not depend on scheduling
    Task ``(cell, chunk)`` is seeded with
    ``SeedSequence(seed, spawn_key=(h_1, ..., h_4, chunk))`` where ``h_k`` are
    the first four 32-bit words of ``sha256(cell key)``; the simulator gets the
    128-bit integer drawn from that sequence (:func:`task_seed`).  The seed does
    *not* depend on the statistic: a ``gram`` and a ``cluster-odd`` sweep with
    the same seed and ``every`` look at the same simulated networks.  It does
    depend on ``chunk_trials`` (which is part of the configuration).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from numerics.simulation.lyapunov import LyapunovConfig
from numerics.simulation.simulate import SimulationConfig
from theory.errors import InvalidInputError, UnknownNameError

__all__ = ["STATISTICS", "Cell", "SweepConfig", "Task", "task_seed"]

#: the statistics a sweep can measure per cell.
STATISTICS = ("cluster-odd", "lyapunov", "gram")


def _int_list(name: str, values: int | Sequence[int], low: int) -> list[int]:
    """``values`` as a list of distinct integers ``>= low`` (order kept)."""
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
    """``values`` as a non-empty list of stripped, non-empty strings."""
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
        As in :class:`numerics.simulation.simulate.SimulationConfig`.
    at, delta, burn_in, rho
        As in :class:`numerics.simulation.lyapunov.LyapunovConfig` (``lyapunov`` only).

    Raises
    ------
    UnknownNameError
        An unknown statistic, layer kind, activation or weight law.
    InvalidInputError
        A value out of range (e.g. ``n < 3`` for ``cluster-odd``).
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
                ly = self.lyapunov_config(n, d, depth, self.layer[0], self.activation[0], 1, 0)
            self.at, self.delta, self.burn_in, self.rho = ly.at, ly.delta, ly.burn_in, ly.rho

    def lyapunov_config(self, n: int, width: int, depth: int, layer: str, activation: str,
                        trials: int, seed: int) -> LyapunovConfig:
        """The :class:`~numerics.simulation.lyapunov.LyapunovConfig` of one cell, trial count
        and seed."""
        return LyapunovConfig(n=n, widths=[width], depth=depth, layer=layer,
                              activation=activation, trials=trials, seed=seed, at=self.at,
                              weights=self.weights, sigma_w2=self.sigma_w2, eps=self.eps,
                              delta=self.delta, burn_in=self.burn_in, rho=self.rho)

    def every_for(self, depth: int) -> int:
        """The recording interval of a cell of this depth."""
        return max(1, depth // 20) if self.every is None else self.every

    def to_json(self) -> dict:
        """The options that change numbers (the checkpoint header's configuration)."""
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
        """Every task of the sweep, cell by cell, chunk by chunk.

        A cell of ``T`` trials has ``ceil(T / chunk_trials)`` tasks, all of
        ``chunk_trials`` trials but the last.
        """
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
        """``<cell key>#<chunk>``, the task's name in the checkpoint."""
        return f"{self.cell.key}#{self.chunk}"
