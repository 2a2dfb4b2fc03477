"""Finite-width Lyapunov exponents of the cluster + odd and symmetric configurations.

Renormalised perturbation method (Benettin et al. 1980): a trajectory is kept
at a small distance ``delta`` from a reference, pushed through one random layer,
the new distance measured, the log growth recorded and the distance reset to
``delta`` along the direction it now has.  The exponent is the mean log growth
per layer; it stays meaningful at any width and depth because the perturbation
never leaves the linear regime and never reaches rounding level.

Experiments (all distances are scale-free and in "Gram units": linear in a Gram
perturbation, so that they compare with the eigenvalues of the shape map's
Jacobian):

``cluster_spread``
    ``n - 1`` cluster points ``c_i = cbar + s_i`` (``sum s_i = 0``) and an odd
    point.  Distance ``S = sum_i |s_i|^2 / |cbar|^2``: the relative squared
    spread (squared distances are the linear coordinates of the Gram matrix at
    the boundary ``rho = 1``).  Transverse exponent of the merged-cluster
    manifold.
``odd_cos``
    The cluster exactly merged (bitwise identical points), the odd point with
    ``cos(cbar, o) = delta``.  Distance ``|cos|``.  A cosine back at rounding
    level (``<= numerics.simulation.statistics.orthogonality_tolerance``) counts as an
    exact return to the configuration: growth ``-inf`` for that layer (the
    trajectory is then perturbed afresh).
``symmetric``
    Twin trajectories ``X`` (from the symmetric Gram ``(1 - rho) I + rho 11^T``)
    and ``X'`` driven by the *same* normal draws; distance
    ``|G_hat' - G_hat|_F`` with ``G_hat = n G / tr G``; ``X' - X`` is rescaled
    each layer.  (With the fast sampler the coupling goes through the
    triangular factors only, so the distance depends on the Gram matrices
    alone.)  The base trajectory is not held at the symmetric configuration: at
    finite width it drifts; ``base_drift`` reports how far.

Rates are reported per trial (mean of the per-layer log growth after
``burn_in`` layers); the summary is the mean over trials with a Student-t 95%
interval.

No non-finite value is ever averaged into a rate.  A ``-inf`` growth is an
*exact return* (the distance back at rounding level, counted in
``annihilated_fraction``) and a left-out layer is a *degenerate* one (a zero
cluster or odd point, counted in ``degenerate_layers``); anything else that is
not finite (an activation giving NaN or inf, a representation leaving float64
range, a NaN distance) raises :class:`theory.errors.NonFiniteError`.  Homogeneous
layers are rescaled by exact powers of two
(:func:`numerics.simulation.float_range.rescale`; every distance here is
scale-free, so the rates are unchanged), so any depth stays in range.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.parameters import check_float, check_int
from numerics.simulation import mean_field_rates
from numerics.simulation.float_range import (
    check_range,
    is_homogeneous,
    point_magnitudes,
    rescale,
)
from numerics.simulation.sampling import LayerSampler, check_ensemble, single_blas_thread
from numerics.simulation.simulate import batch_from_gram
from numerics.simulation.statistics import (
    cluster_odd_test,
    gram,
    mean_interval,
    orthogonality_tolerance,
    tie_representatives,
)
from theory.activations import get_activation
from theory.errors import BnverifyError, InvalidInputError, NonFiniteError, UnknownNameError
from theory.layers import parse_layer

__all__ = [
    "CONFIGURATIONS",
    "Exponent",
    "lyapunov",
    "LyapunovConfig",
    "LyapunovResult",
    "MEAN_FIELD_MISSING",
    "mean_field_value",
    "sign_changes",
    "WidthResult",
]

CONFIGURATIONS = ("cluster-odd", "symmetric")

MEAN_FIELD_MISSING = "mean-field value not available"


@dataclass
class LyapunovConfig:
    """Parameters of a Lyapunov run (validated; bad values raise ``InvalidInputError``)."""

    n: int = 8
    widths: list[int] = field(default_factory=lambda: [256])
    depth: int = 50
    layer: str = "rc,nl"
    activation: str = "relu"
    trials: int = 10
    seed: int | None = 0
    at: str = "cluster-odd"
    weights: str = "gaussian"
    sigma_w2: float = 1.0
    eps: float = 0.0
    delta: float = 1e-6
    burn_in: int = 5
    rho: float = 0.0

    def __post_init__(self) -> None:
        self.n = check_int("n", self.n, 2)
        if isinstance(self.widths, int | np.integer):
            self.widths = [int(self.widths)]
        if not self.widths:
            raise InvalidInputError("widths: give at least one width", parameter="widths")
        self.widths = [check_int("width", w, 1) for w in self.widths]
        self.depth = check_int("depth", self.depth, 1)
        self.trials = check_int("trials", self.trials, 1)
        self.burn_in = check_int("burn_in", self.burn_in, 0)
        if self.burn_in >= self.depth:
            raise InvalidInputError(
                f"burn_in ({self.burn_in}) must be smaller than depth ({self.depth})",
                parameter="burn_in")
        self.sigma_w2 = check_float("sigma_w2", self.sigma_w2, 0.0, True)
        self.eps = check_float("eps", self.eps, 0.0, False)
        self.delta = check_float("delta", self.delta, 0.0, True)
        if self.delta >= 1e-2:
            raise InvalidInputError(f"delta must be small (< 1e-2), got {self.delta}",
                                    parameter="delta")
        self.rho = check_float("rho", self.rho, -1.0 / (self.n - 1), False)
        if self.rho >= 1:
            raise InvalidInputError(f"rho must be < 1, got {self.rho}", parameter="rho")
        self.weights = check_ensemble(self.weights)
        self.layer = parse_layer(self.layer).name
        self.activation = get_activation(self.activation).name
        at = str(self.at).strip().lower().replace("_", "-").replace("+", "-")
        if at not in CONFIGURATIONS:
            raise UnknownNameError(
                f"unknown configuration {self.at!r} (use {' or '.join(CONFIGURATIONS)})",
                parameter="at")
        self.at = at
        if self.at == "cluster-odd" and self.n < 3:
            raise InvalidInputError("the cluster + odd configuration needs n >= 3", parameter="n")
        if self.seed is not None:
            self.seed = check_int("seed", self.seed, 0)

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in (
            "n", "widths", "depth", "layer", "activation", "trials", "seed", "at", "weights",
            "sigma_w2", "eps", "delta", "burn_in", "rho")}


@dataclass
class Exponent:
    """One finite-width exponent: mean log growth per layer over trials, with a 95% t interval.

    ``rate`` is ``-inf`` when every trial had an exact return to the
    configuration (``annihilated_fraction`` is the fraction of layers where it
    happened, over all trials).
    """

    name: str
    units: str
    rate: float | None
    ci: tuple[float, float] | None
    per_trial: list[float]
    annihilated_fraction: float
    degenerate_layers: float = 0.0

    @property
    def sign(self) -> str:
        """``"+"`` / ``"-"`` when the interval excludes 0 (or rate is -inf), else ``"?"``."""
        if self.rate is not None and self.rate == -math.inf:
            return "-"
        if self.ci is None:
            return "?"
        if self.ci[0] > 0:
            return "+"
        if self.ci[1] < 0:
            return "-"
        return "?"

    def to_json(self) -> dict:
        return {"name": self.name, "units": self.units, "rate": self.rate,
                "ci": list(self.ci) if self.ci else None, "sign": self.sign,
                "annihilated_fraction": self.annihilated_fraction,
                "degenerate_layers": self.degenerate_layers, "per_trial": self.per_trial}


def _exponent(name: str, units: str, growth: np.ndarray) -> Exponent:
    """Summarise per-layer log growths ``growth`` of shape ``(layers, T)``.

    ``-inf`` marks an exact return to the configuration; NaN marks a layer where
    the configuration degenerated (a zero cluster or odd point; the trial is then
    restarted): such layers are left out of the trial's mean and their fraction
    is ``degenerate_layers``.
    """
    nan = np.isnan(growth)
    neg = np.isneginf(growth)
    fin = np.isfinite(growth)
    count = fin.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_trial = np.where(fin, growth, 0).sum(axis=0) / count
    per_trial[neg.any(axis=0)] = -np.inf
    per_trial[nan.all(axis=0)] = np.nan
    valid = int((~nan).sum())
    ann = float(neg.sum() / valid) if valid else 0.0
    nd = float(nan.mean())
    m = mean_interval(per_trial)
    if m.count == 0:
        rate = -math.inf if np.isneginf(per_trial).any() else None
        return Exponent(name, units, rate, None, per_trial.tolist(), ann, nd)
    return Exponent(name, units, m.mean, m.ci, per_trial.tolist(), ann, nd)


class _Stepper:
    """One layer for a Lyapunov run: sample, rescale exactly if homogeneous, check the range.

    ``step(*Ys)`` pushes each batch through the *same* draws when given several
    (the twin trajectories of the symmetric experiment) and rescales them all by
    the first one's power of two.
    """

    def __init__(self, cfg: LyapunovConfig, d: int, rng: np.random.Generator) -> None:
        self.sampler = LayerSampler(cfg.n, d, cfg.trials, cfg.layer, cfg.activation,
                                    cfg.weights, cfg.sigma_w2, cfg.eps, rng)
        self.rng = rng
        self.activation = self.sampler.activation
        self.homogeneous = is_homogeneous(self.sampler.layer, self.activation)

    def step(self, layer: int, *Ys: np.ndarray) -> list[np.ndarray]:
        out = []
        state = copy.deepcopy(self.rng.bit_generator.state) if len(Ys) > 1 else None
        for k, Y in enumerate(Ys):
            if k:
                self.rng.bit_generator.state = state
            Y, _ = self.sampler.step(Y)
            out.append(Y)
        magnitudes = [point_magnitudes(Y) for Y in out]
        if self.homogeneous and all(np.isfinite(m).all() for m in magnitudes):
            log2 = np.zeros(out[0].shape[0], dtype=np.int64)
            out[0] = rescale(out[0], log2)
            out[1:] = [np.ldexp(Y, -log2[:, None, None]) for Y in out[1:]]
            magnitudes = [np.ldexp(m, -log2[:, None]) for m in magnitudes]
        for m in magnitudes:
            check_range(m, layer, self.activation, self.homogeneous)
        return out


def _check_finite(values: np.ndarray, skip: np.ndarray, name: str, layer: int) -> None:
    """Refuse a NaN or infinite distance (outside the ``skip`` trials) before it becomes a rate."""
    bad = ~np.isfinite(values) & ~skip
    if bad.any():
        t = int(np.nonzero(bad)[0][0])
        raise NonFiniteError(
            f"the {name} distance is {values[t]} at layer {layer} (trial {t}): no rate "
            "can be formed from it; check activation, sigma_w2 and delta",
            parameter="activation",
        )


def _unit_rows(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _spread_reset(Y: np.ndarray, delta2: float, rng: np.random.Generator) -> np.ndarray:
    """Give the cluster (points ``0..n-2``) a random spread with ``S = delta2``; returns ``Y``."""
    T, n, d = Y.shape
    cbar = Y[:, : n - 1].mean(axis=1)
    s = rng.standard_normal((T, n - 1, d))
    s -= s.mean(axis=1, keepdims=True)
    _set_spread(Y, cbar, s, delta2)
    return Y


def _set_spread(Y: np.ndarray, cbar: np.ndarray, s: np.ndarray, delta2: float) -> None:
    n = Y.shape[1]
    S = (s * s).sum(axis=(1, 2)) / (cbar * cbar).sum(axis=1)
    Y[:, : n - 1] = cbar[:, None, :] + s * np.sqrt(delta2 / S)[:, None, None]


def _set_cos(Y: np.ndarray, target: np.ndarray) -> None:
    """Rotate the odd point (last) so that ``cos(cluster, odd) = target`` (norm kept)."""
    c = _unit_rows(Y[:, 0])
    o = Y[:, -1]
    norm = np.linalg.norm(o, axis=1)
    perp = o - np.einsum("td,td->t", o, c)[:, None] * c
    perp = _unit_rows(perp)
    Y[:, -1] = norm[:, None] * (np.sqrt(1 - target**2)[:, None] * perp + target[:, None] * c)


def _degenerate(Y: np.ndarray) -> np.ndarray:
    """Trials whose cluster (point 0) or odd point (last) is the zero vector."""
    return ~np.any(Y[:, 0] != 0, axis=1) | ~np.any(Y[:, -1] != 0, axis=1)


def _cos(Y: np.ndarray) -> np.ndarray:
    c, o = Y[:, 0], Y[:, -1]
    return np.einsum("td,td->t", c, o) / (np.linalg.norm(c, axis=1) * np.linalg.norm(o, axis=1))


def _configuration(rng: np.random.Generator, T: int, n: int, d: int) -> np.ndarray:
    """Exact cluster + odd batches: ``n - 1`` bitwise-equal points, an orthogonal odd point."""
    if d < 2:
        raise InvalidInputError("the cluster + odd configuration needs width >= 2",
                                parameter="width")
    G0 = np.eye(n)
    G0[: n - 1, : n - 1] = 1.0
    return batch_from_gram(rng, G0, T, d)


def _run_cluster_odd(cfg: LyapunovConfig, d: int, rng: np.random.Generator,
                     tick: Callable[[], None]) -> tuple[dict[str, Exponent], dict]:
    T, n = cfg.trials, cfg.n
    tol = orthogonality_tolerance(d, n)
    stepper = _Stepper(cfg, d, rng)
    # invariance of the exact configuration under one layer
    Y0 = _configuration(rng, T, n, d)
    (Y1,) = stepper.step(1, Y0.copy())
    stays = cluster_odd_test(Y1, tie_representatives(Y1)).cluster_odd
    checks = {"invariant_fraction": float(stays.mean())}

    # cluster spread
    delta2 = cfg.delta**2
    Y = _spread_reset(Y0.copy(), delta2, rng)
    g_spread = np.empty((cfg.depth, T))
    for layer in range(cfg.depth):
        (Y,) = stepper.step(layer + 1, Y)
        cbar = Y[:, : n - 1].mean(axis=1)
        s = Y[:, : n - 1] - cbar[:, None, :]
        bad = _degenerate(Y)
        if bad.any():  # a zero cluster or odd point: start that trial afresh
            Y[bad] = _spread_reset(_configuration(rng, int(bad.sum()), n, d), delta2, rng)
            cbar = Y[:, : n - 1].mean(axis=1)
            s = Y[:, : n - 1] - cbar[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            S = (s * s).sum(axis=(1, 2)) / (cbar * cbar).sum(axis=1)
            _check_finite(S, bad, "cluster spread", layer + 1)
            dead = ~(np.sqrt(S) > tol) & ~bad
            g_spread[layer] = np.where(bad, np.nan,
                                       np.where(dead, -np.inf, np.log(S / delta2)))
        if dead.any():
            fresh = rng.standard_normal((int(dead.sum()), n - 1, d))
            s[dead] = fresh - fresh.mean(axis=1, keepdims=True)
        _set_spread(Y, cbar, s, delta2)
        tick()

    # odd point against the cluster
    Y = Y0.copy()
    _set_cos(Y, np.full(T, cfg.delta))
    g_odd = np.empty((cfg.depth, T))
    for layer in range(cfg.depth):
        (Y,) = stepper.step(layer + 1, Y)
        bad = _degenerate(Y)
        with np.errstate(divide="ignore", invalid="ignore"):
            gam = _cos(Y)
            _check_finite(gam, bad, "odd cosine", layer + 1)
            dead = ~(np.abs(gam) > tol) & ~bad
            g_odd[layer] = np.where(bad, np.nan,
                                    np.where(dead, -np.inf, np.log(np.abs(gam) / cfg.delta)))
        if bad.any():  # a zero cluster or odd point: start that trial afresh
            Y[bad] = _configuration(rng, int(bad.sum()), n, d)
            dead |= bad
        sign = np.where(dead, rng.choice([-1.0, 1.0], size=T), np.sign(gam))
        _set_cos(Y, sign * cfg.delta)
        tick()
    b = cfg.burn_in
    return {
        "cluster_spread": _exponent(
            "cluster_spread", "log growth per layer of sum_i |c_i - cbar|^2 / |cbar|^2",
            g_spread[b:]),
        "odd_cos": _exponent(
            "odd_cos", "log growth per layer of |cos(cluster, odd)|", g_odd[b:]),
    }, checks


def _shape(Y: np.ndarray) -> np.ndarray:
    G = gram(Y)
    n = G.shape[-1]
    return n * G / np.trace(G, axis1=1, axis2=2)[:, None, None]


def _run_symmetric(cfg: LyapunovConfig, d: int, rng: np.random.Generator,
                   tick: Callable[[], None]) -> tuple[dict[str, Exponent], dict]:
    T, n = cfg.trials, cfg.n
    stepper = _Stepper(cfg, d, rng)
    G0 = (1 - cfg.rho) * np.eye(n) + cfg.rho * np.ones((n, n))
    Y = batch_from_gram(rng, G0, T, d)
    V = rng.standard_normal(Y.shape)
    Yp = Y + V * (cfg.delta / np.linalg.norm(V, axis=(1, 2)) * np.linalg.norm(Y, axis=(1, 2)))[
        :, None, None]
    dist = np.linalg.norm(_shape(Yp) - _shape(Y), axis=(1, 2))
    Yp = Y + (Yp - Y) * (cfg.delta / dist)[:, None, None]
    growth = np.empty((cfg.depth, T))
    for layer in range(cfg.depth):
        Y, Yp = stepper.step(layer + 1, Y, Yp)
        dist = np.linalg.norm(_shape(Yp) - _shape(Y), axis=(1, 2))
        _check_finite(dist, np.zeros(T, dtype=bool), "symmetric", layer + 1)
        dead = ~(dist > orthogonality_tolerance(d, n))
        with np.errstate(divide="ignore"):
            growth[layer] = np.where(dead, -np.inf, np.log(dist / cfg.delta))
        scale = np.where(dead, 1.0, cfg.delta / np.where(dead, 1.0, dist))
        Yp = Y + (Yp - Y) * scale[:, None, None]
        tick()
    Gh = _shape(Y)
    off = Gh[:, ~np.eye(n, dtype=bool)].reshape(T, -1)
    drift = {
        "base_offdiag_mean": float(off.mean()),
        "base_offdiag_spread": float(off.std(axis=1).mean()),
        "base_diag_spread": float(np.diagonal(Gh, axis1=1, axis2=2).std(axis=1).mean()),
    }
    exp = _exponent("symmetric", "log growth per layer of |G_hat' - G_hat|_F",
                    growth[cfg.burn_in:])
    return {"symmetric": exp}, {"base_drift": drift}


def mean_field_value(at: str, n: int, layer: str, activation: str) -> dict:
    """The mean-field prediction of :func:`.mean_field_rates.mean_field_exponent`.

    Returns ``{"value": ..., "note": ...}``; ``value`` is None with the note
    ``"mean-field value not available (...)"`` when the bridge cannot compute it
    for this layer kind and activation (it then says why).
    """
    try:
        value = mean_field_rates.mean_field_exponent(at, n, layer, activation)
    except BnverifyError as exc:
        return {"value": None, "note": f"{MEAN_FIELD_MISSING} ({exc})"}
    return {"value": value,
            "note": "from numerics.simulation.mean_field_rates.mean_field_exponent"}


@dataclass
class WidthResult:
    width: int
    exponents: dict[str, Exponent]
    checks: dict

    def to_json(self) -> dict:
        return {"width": self.width, "exponents": self.exponents, "checks": self.checks}


@dataclass
class LyapunovResult:
    """Exponents per width, the widths where a sign changes, and the mean-field value."""

    config: LyapunovConfig
    widths: list[WidthResult]
    sign_changes: dict[str, dict | None]
    mean_field: dict

    def to_json(self) -> dict:
        return {"config": self.config.to_json(), "widths": self.widths,
                "sign_changes": self.sign_changes, "mean_field": self.mean_field}

    def to_text(self) -> str:
        c = self.config
        lines = [f"lyapunov at {c.at}: n={c.n} layer={c.layer} activation={c.activation} "
                 f"weights={c.weights} depth={c.depth} (burn-in {c.burn_in}) trials={c.trials} "
                 f"delta={c.delta:g} seed={c.seed}"]
        for w in self.widths:
            for e in w.exponents.values():
                ci = f"[{e.ci[0]:.4g}, {e.ci[1]:.4g}]" if e.ci else "(no CI)"
                rate = ("-" if e.rate is None else "-inf" if e.rate == -math.inf
                        else f"{e.rate:.4g}")
                lines.append(f"  width {w.width:>7}  {e.name:<15} {rate:>10}  95% CI {ci}  "
                             f"sign {e.sign}  exact returns {e.annihilated_fraction:.3f}")
            for e in w.exponents.values():
                if e.degenerate_layers:
                    lines.append(f"  width {w.width:>7}  {e.name}: {e.degenerate_layers:.3f} of "
                                 "layers left out (cluster or odd point sent to zero; restarted)")
            if "invariant_fraction" in w.checks and w.checks["invariant_fraction"] < 1:
                lines.append(f"  width {w.width:>7}  note: the configuration is not invariant "
                             f"under this layer (kept by {w.checks['invariant_fraction']:.3f} "
                             "of trials after one layer)")
        for name, sc in self.sign_changes.items():
            if sc is None:
                lines.append(f"  {name}: no sign change over the widths given")
            else:
                lines.append(f"  {name}: sign changes from {sc['from']} to {sc['to']} between "
                             f"widths {sc['between'][0]} and {sc['between'][1]}")
        mf = self.mean_field
        lines.append(f"  mean field: {mf['value'] if mf['value'] is not None else '-'} "
                     f"({mf['note']})")
        lines.append("  units: log growth per layer of a Gram-unit distance "
                     "(see docs: spread is a squared distance)")
        return "\n".join(lines)


def sign_changes(widths: list[WidthResult]) -> dict[str, dict | None]:
    """First consecutive pair of widths (sorted) whose determined signs differ, per exponent."""
    out: dict[str, dict | None] = {}
    ordered = sorted(widths, key=lambda w: w.width)
    for name in ordered[0].exponents:
        found = None
        prev: tuple[int, str] | None = None
        for w in ordered:
            s = w.exponents[name].sign
            if s == "?":
                continue
            if prev is not None and s != prev[1]:
                found = {"between": [prev[0], w.width], "from": prev[1], "to": s}
                break
            prev = (w.width, s)
        out[name] = found
    return out


def lyapunov(config: LyapunovConfig,
             progress: Callable[[int, int], None] | None = None) -> LyapunovResult:
    """Finite-width exponents for every width of ``config`` (see the module docstring)."""
    rng = np.random.default_rng(config.seed)
    per_width = 2 * config.depth if config.at == "cluster-odd" else config.depth
    total = per_width * len(config.widths)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    results = []
    with single_blas_thread():
        for d in config.widths:
            run = _run_cluster_odd if config.at == "cluster-odd" else _run_symmetric
            exps, checks = run(config, d, rng, tick)
            results.append(WidthResult(d, exps, checks))
    return LyapunovResult(config, results, sign_changes(results),
                          mean_field_value(config.at, config.n, config.layer, config.activation))
