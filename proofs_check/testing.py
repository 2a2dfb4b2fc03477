r"""Public assertion helpers: the mean-field prediction against finite-width simulation.

:func:`assert_mean_field_agrees` draws ``T`` independent batches whose Gram
matrix is exactly ``G`` (:func:`numerics.simulation.simulate.batch_from_gram`), pushes each
through ``depth`` random layers of width ``d`` (:class:`numerics.simulation.sampling.LayerSampler`)
at two widths ``d_1 < d_2``, and compares the simulated Gram matrices with the
mean-field prediction ``F(G)`` (``F`` composed ``depth`` times).

The tolerance, derived (never tuned)
------------------------------------
Model.  For every entry ``(i, j)`` the mean over trials at width ``d`` estimates
``E_d = F + c/d + O(1/d^2)``.  For one layer from an exact Gram matrix with
Gaussian weights the rows of ``W X`` are i.i.d. ``N(0, sigma_w^2 G)`` and every
component acts row by row, so ``c = 0`` exactly; deeper runs and other weight
ensembles have ``c != 0`` (the input of the next layer is itself random, resp.
the rows are not independent).

Estimate.  Richardson extrapolation eliminates ``c``:
``F_est = (d_2 E_2 - d_1 E_1) / (d_2 - d_1)``, with standard error
``se = sqrt(d_2^2 s_2^2 + d_1^2 s_1^2) / (d_2 - d_1)`` where ``s_k`` is the
standard error of the trial mean at width ``d_k`` (the two widths use independent
draws).  The remaining bias is ``O(1/(d_1 d_2))``.

Interval.  Each of the ``K = n(n+1)/2`` entries is tested at level ``alpha/K``
(Bonferroni, family-wise level ``alpha`` for the whole matrix, any dependence
between entries): the half-width is ``q se + e_pred + e_round`` with

* ``q`` the ``1 - alpha/(2K)`` quantile of Student's t with ``T - 1`` degrees of
  freedom (the standard errors are estimated from ``T`` trials; ``T - 1`` is the
  smaller of the two widths' degrees of freedom, so the quantile is conservative);
* ``e_pred`` the error bound of the prediction as reported by the map
  (:func:`mean_field_prediction`: the rigorous bound of :mod:`numerics.maps.precise`
  for closed forms and the RS integral, the estimate of :mod:`numerics.maps.fast`
  for quadrature and RQMC);
* ``e_round = d_2 u max(1, max|E|) (d_2 + d_1)/(d_2 - d_1)`` (``u`` the float64
  machine epsilon): the worst-case rounding error ``d u sum|terms|`` of a
  recursive sum of ``d`` terms, amplified by the extrapolation weights; it
  covers entries that are deterministic at every width (``se = 0``, e.g. the
  trace ``n`` after RS);
* ``e_in = 2 n sqrt(n u) max(1, max|E|, max|F|)``: the input batch realises
  ``G`` only up to rounding, ``|G' - G| <= n u max|G|``, and near a
  rank-deficient ``G`` the maps are only Hoelder-1/2 in ``G`` (the kernels
  contain ``sqrt(S_ii S_jj - S_ij^2)``; RS divides by ``|h|``), so the output
  moves by up to ``~ sqrt(n u)`` relative; ``e_in ~ 1e-7`` is negligible
  against any statistical ``se`` but covers deterministic outputs.

Validity.  The t interval needs the trial means to be close to normal.  With RS
and a covariance ``S`` whose non-zero eigenvalues spread over many decades
(near-duplicate points) the mean of ``h h^T / |h|^2`` is dominated by rare rows
(probability ~ ``sqrt(lambda_min / lambda_max)``): at ``d T`` rows far below its
inverse the sample standard error misses them and the interval is too short.
Keep ``lambda_min / lambda_max`` of the non-zero spectrum above ``~1e-4`` (exact
zeros, from duplicates or RC, are harmless) or raise ``d T``.  The same holds
for degree-0 activations (step, sign) and nearly collinear pairs: their signs
differ with probability ``t / pi``, ``t`` the small angle.  Bounded activations
(erf, tanh) saturate at large variances: ``1 - phi(h)^2`` is non-negligible only
with probability ~``1.6 / sqrt(S_ii)``, so keep ``S_ii <= (d T / 20)^2`` (at least
~30 such rows); when none was seen at all (erf at ``S_ii = 1e8``: all ``T`` trial
means equal) the entry gets the rule-of-three term
``2 B^2 log(K/alpha) 2 / (T (d_2 - d_1))`` (``B = sup|phi|``) instead of a zero-width
interval.

So, when the theory is right, the helper fails with probability at most
``alpha`` (plus the ``O(1/(d_1 d_2))`` bias, which the caller keeps small by the
choice of widths).  ``alpha`` defaults to ``1e-4``.

:func:`assert_fluctuations_shrink` checks the other half of the promise: the
root-mean-square disagreement ``|G_d - F|`` shrinks like ``1/sqrt(d)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import map_method
from numerics.maps.precise import mean_field_map as precise_map
from numerics.simulation.sampling import LayerSampler, single_blas_thread
from numerics.simulation.simulate import batch_from_gram
from numerics.simulation.statistics import gram as batch_gram
from numerics.simulation.statistics import tie_representatives
from theory.activations import Activation, get_activation
from theory.errors import InvalidInputError, PrecisionError
from theory.layers import LayerKind, parse_layer

__all__ = [
    "MeanFieldComparison",
    "ShrinkageResult",
    "assert_fluctuations_shrink",
    "assert_mean_field_agrees",
    "mean_field_prediction",
    "simulate_one_gram",
]

EPS = float(np.finfo(float).eps)


def mean_field_prediction(
    G: np.ndarray, layer: LayerKind | str, activation: Activation | str = "relu", *,
    depth: int = 1, sigma_w2: float = 1.0, seed: int = 0, precision: str = "auto",
) -> tuple[np.ndarray, float]:
    """``F^depth(G)`` and a bound on its entrywise error.

    ``precision="precise"`` uses :func:`numerics.maps.precise.mean_field_map` (exact
    rational covariance, mpmath at 15 digits, rigorous rounding / quadrature
    bound); ``"fast"`` uses :func:`numerics.maps.fast.fast_mean_field_map`
    (float64, estimated error); ``"auto"`` takes ``precise`` for the closed-form
    and RS-integral methods and ``fast`` for quadrature / RQMC.  The bound of a
    composition adds the per-layer bounds, each propagated with a Lipschitz
    factor 1 (a first-order estimate, stated as such; for ``depth = 1`` it is
    the map's own bound).
    """
    if precision not in ("auto", "precise", "fast"):
        raise InvalidInputError(f"precision must be auto, precise or fast, got {precision!r}")
    kind, act = parse_layer(layer), get_activation(activation)
    if precision == "auto":
        precise = map_method(kind, act) in ("closed-form", "rs-integral")
    else:
        precise = precision == "precise"
    F = np.asarray(G, dtype=float)
    error = 0.0
    for _ in range(depth):
        if precise:
            res = _precise_escalating(F, kind, act, sigma_w2, seed)
            F = res.F_float()
            error += float(res.error_bound) + EPS * float(np.max(np.abs(F)))
        else:
            fast = fast_mean_field_map(F, kind, act, sigma_w2=sigma_w2, seed=seed)
            F = fast.F
            error += float(np.max(fast.error))
    return F, error


def _precise_escalating(G: np.ndarray, kind: LayerKind, act: Activation, sigma_w2: float,
                        seed: int) -> Any:
    """The precise map at 15 digits, or 40 / 100 when a covariance spanning many decades
    needs them (the map raises PrecisionError rather than lose the small entries)."""
    for dps in (15, 40, 100):
        try:
            return precise_map(G, kind, act, sigma_w2=sigma_w2, dps=dps, shape=False,
                               seed=seed)
        except PrecisionError:
            if dps == 100:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def simulate_one_gram(
    G: np.ndarray, layer: LayerKind | str, activation: Activation | str, *, width: int,
    trials: int, rng: np.random.Generator, depth: int = 1, weights: str = "gaussian",
    sigma_w2: float = 1.0,
) -> np.ndarray:
    """``trials`` Gram matrices ``(T, n, n)`` after ``depth`` layers of width ``width`` from ``G``.

    The input batch has Gram matrix exactly ``G`` (up to rounding) in every trial.
    """
    G = np.asarray(G, dtype=float)
    n = G.shape[0]
    sampler = LayerSampler(n, width, trials, layer, activation, weights, sigma_w2, rng=rng)
    with single_blas_thread():
        Y = batch_from_gram(rng, G, trials, width)
        for _ in range(depth):
            Y, _ = sampler.step(Y, tie_representatives(Y))
    return batch_gram(Y)


@dataclass(frozen=True)
class MeanFieldComparison:
    """Everything :func:`assert_mean_field_agrees` computed (also returned on success)."""

    prediction: np.ndarray
    prediction_error: float
    widths: tuple[int, int]
    trials: int
    means: tuple[np.ndarray, np.ndarray]
    standard_errors: tuple[np.ndarray, np.ndarray]
    estimate: np.ndarray
    standard_error: np.ndarray
    half_width: np.ndarray
    quantile: float
    alpha: float

    @property
    def deviation(self) -> np.ndarray:
        """``|estimate - prediction|`` entrywise."""
        return np.abs(self.estimate - self.prediction)

    @property
    def ok(self) -> bool:
        return bool(np.all(self.deviation <= self.half_width))

    def worst_entry(self) -> tuple[int, int]:
        ratio = self.deviation / np.where(self.half_width > 0, self.half_width, np.inf)
        i, j = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
        return int(i), int(j)

    def message(self, what: str = "") -> str:
        i, j = self.worst_entry()
        np_opts: dict[str, Any] = {"precision": 5, "suppress_small": True, "max_line_width": 120}
        lines = [
            f"mean field disagrees with simulation{what}: entry ({i}, {j}): prediction "
            f"{self.prediction[i, j]:.6g}, estimate {self.estimate[i, j]:.6g}, interval "
            f"[{self.estimate[i, j] - self.half_width[i, j]:.6g}, "
            f"{self.estimate[i, j] + self.half_width[i, j]:.6g}] "
            f"(widths d = {self.widths[0]}, {self.widths[1]}; T = {self.trials} trials; "
            f"q = {self.quantile:.3g} at family-wise level {self.alpha:g})",
            "prediction F:\n" + np.array2string(self.prediction, **np_opts),
            "Richardson estimate (d2 E2 - d1 E1)/(d2 - d1):\n"
            + np.array2string(self.estimate, **np_opts),
            "half-widths:\n" + np.array2string(self.half_width, **np_opts),
            f"trial means at d = {self.widths[0]}:\n"
            + np.array2string(self.means[0], **np_opts),
            f"trial means at d = {self.widths[1]}:\n"
            + np.array2string(self.means[1], **np_opts),
        ]
        return "\n".join(lines)


def _validate(widths: Sequence[int], trials: int, alpha: float, depth: int) -> tuple[int, int]:
    if len(widths) != 2:
        raise InvalidInputError(f"widths must be two widths (d1, d2), got {widths!r}")
    d1, d2 = (int(w) for w in widths)
    if not 1 <= d1 < d2:
        raise InvalidInputError(f"widths must satisfy 1 <= d1 < d2, got {widths!r}")
    if trials < 2:
        raise InvalidInputError(f"trials must be >= 2 (a standard error needs two), got {trials}")
    if not 0 < alpha < 1:
        raise InvalidInputError(f"alpha must be in (0, 1), got {alpha}")
    if depth < 1:
        raise InvalidInputError(f"depth must be >= 1, got {depth}")
    return d1, d2


def compare_mean_field(
    G: np.ndarray,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    widths: Sequence[int] = (64, 256),
    trials: int = 32,
    seed: int = 0,
    alpha: float = 1e-4,
    depth: int = 1,
    weights: str = "gaussian",
    sigma_w2: float = 1.0,
    prediction: np.ndarray | None = None,
    prediction_error: float | None = None,
) -> MeanFieldComparison:
    """The comparison of :func:`assert_mean_field_agrees`, without asserting."""
    d1, d2 = _validate(widths, trials, alpha, depth)
    G = np.asarray(G, dtype=float)
    kind, act = parse_layer(layer), get_activation(activation)
    n = G.shape[0]
    if prediction is None:
        F, err = mean_field_prediction(G, kind, act, depth=depth, sigma_w2=sigma_w2, seed=seed)
    else:
        F = np.asarray(prediction, dtype=float)
        err = float(prediction_error or 0.0)
    rng = np.random.default_rng(seed)
    means, ses = [], []
    for d in (d1, d2):
        Gs = simulate_one_gram(G, kind, act, width=d, trials=trials, rng=rng, depth=depth,
                               weights=weights, sigma_w2=sigma_w2)
        means.append(Gs.mean(axis=0))
        ses.append(Gs.std(axis=0, ddof=1) / math.sqrt(trials))
    estimate = (d2 * means[1] - d1 * means[0]) / (d2 - d1)
    se = np.sqrt((d2 * ses[1]) ** 2 + (d1 * ses[0]) ** 2) / (d2 - d1)
    K = n * (n + 1) // 2
    q = float(special.stdtrit(trials - 1, 1 - alpha / (2 * K)))
    scale = max(1.0, float(np.max(np.abs(means[0]))), float(np.max(np.abs(means[1]))))
    scale = max(scale, float(np.max(np.abs(F))))
    rounding = d2 * EPS * scale * (d2 + d1) / (d2 - d1)
    realisation = 2 * n * math.sqrt(n * EPS) * scale
    half = q * se + err + rounding + realisation + _unseen(kind, act, ses, trials, d1, d2,
                                                           alpha / K)
    return MeanFieldComparison(
        prediction=F, prediction_error=err, widths=(d1, d2), trials=trials,
        means=(means[0], means[1]), standard_errors=(ses[0], ses[1]), estimate=estimate,
        standard_error=se, half_width=half, quantile=q, alpha=alpha,
    )


def _sup_abs(kind: LayerKind, act: Activation) -> float | None:
    """``sup |phi|`` for a bounded activation after NL (erf, tanh, step, sign), else None."""
    if not kind.nl:
        return None
    if act.name in ("erf", "tanh"):
        return 1.0
    if act.kernel_family == "abstep":
        return float(max(abs(x) for x in act.slopes))
    return None


def _unseen(kind: LayerKind, act: Activation, ses: Sequence[np.ndarray], trials: int,
            d1: int, d2: int, level: float) -> np.ndarray | float:
    r"""The rare-event term for entries whose ``T`` trial means were all equal (to rounding).

    Then the ``N = T d`` neuron products ``phi(h_i) phi(h_j)`` (bounded by ``B^2``,
    ``B = sup |phi|``) showed no deviation from their common value ``v``; by the
    "rule of three" a deviation has probability at most ``log(1/level)/N`` at
    confidence ``1 - level``, so ``|E - v| <= 2 B^2 log(1/level) / N`` per width, and
    ``2 B^2 log(1/level) 2 / (T (d_2 - d_1))`` after extrapolation.  Example: erf at a
    variance of 1e8 saturates, ``phi^2 = 1`` except with probability ~1e-4.
    Unbounded activations get no term (the t interval's validity is then the
    caller's, see the module docstring).
    """
    B = _sup_abs(kind, act)
    if B is None:
        return 0.0
    # "all equal" up to the rounding of a mean of T d products (EPS relative)
    degenerate = (ses[0] <= 64 * EPS * B * B) | (ses[1] <= 64 * EPS * B * B)
    bound = 2 * B * B * math.log(1 / level) * 2 / (trials * (d2 - d1))
    return np.where(degenerate, bound, 0.0)


def assert_mean_field_agrees(
    G: np.ndarray,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    widths: Sequence[int] = (64, 256),
    trials: int = 32,
    seed: int = 0,
    alpha: float = 1e-4,
    depth: int = 1,
    weights: str = "gaussian",
    sigma_w2: float = 1.0,
    prediction: np.ndarray | None = None,
    prediction_error: float | None = None,
) -> MeanFieldComparison:
    r"""Assert that finite-width simulation agrees with the mean-field map ``F`` at ``G``.

    Parameters
    ----------
    G
        The input Gram matrix (``n x n``, PSD).
    layer, activation
        The layer kind and ``phi`` (:func:`theory.layers.parse_layer`,
        :func:`theory.activations.get_activation`).
    widths
        ``(d1, d2)``, ``d1 < d2``, both ``>= n``: the two widths of the Richardson
        extrapolation ``(d2 E_2 - d1 E_1)/(d2 - d1)`` (module docstring).
    trials
        ``T``, independent batches per width.
    seed
        Seed of ``numpy.random.default_rng`` (the run is reproducible).
    alpha
        Family-wise false-alarm level over the ``n(n+1)/2`` entries (Bonferroni).
    depth
        Number of layers; the prediction is ``F`` composed ``depth`` times.
    weights
        ``gaussian`` (fresh per layer), ``orthogonal`` or ``frozen``.
    prediction, prediction_error
        Your own prediction of ``E[G_out]`` and its error bound (default:
        :func:`mean_field_prediction` with ``precision="auto"``).

    Returns
    -------
    MeanFieldComparison
        The prediction, the per-width means, the estimate, its standard error and
        the interval half-widths.

    Raises
    ------
    AssertionError
        If some entry of the estimate is farther from the prediction than its
        half-width; the message shows the prediction, the estimate, the interval,
        the widths and the trials.
    InvalidInputError, GramError
        For bad parameters or a ``G`` that is not a Gram matrix.
    """
    result = compare_mean_field(
        G, layer, activation, widths=widths, trials=trials, seed=seed, alpha=alpha, depth=depth,
        weights=weights, sigma_w2=sigma_w2, prediction=prediction,
        prediction_error=prediction_error,
    )
    if not result.ok:
        kind = parse_layer(layer)
        act = get_activation(activation).name if kind.nl else "-"
        raise AssertionError(result.message(f" (layer {kind.name}, activation {act}, "
                                            f"depth {depth}, weights {weights})"))
    return result


@dataclass(frozen=True)
class ShrinkageResult:
    """Regression of ``log MSE_d`` on ``log d``: slope, its standard error and interval."""

    widths: tuple[int, ...]
    mse: np.ndarray
    log_se: np.ndarray
    slope: float
    slope_se: float
    interval: tuple[float, float]

    def to_text(self) -> str:
        rows = ", ".join(f"d={d}: {m:.4g}" for d, m in zip(self.widths, self.mse, strict=True))
        return (f"slope of log MSE on log d = {self.slope:.4f} +- {self.slope_se:.4f}, "
                f"interval [{self.interval[0]:.4f}, {self.interval[1]:.4f}] (expected -1, "
                f"i.e. RMS error ~ d^(-1/2)); MSE: {rows}")


def fluctuation_scaling(
    G: np.ndarray,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    widths: Sequence[int] = (16, 32, 64, 128),
    trials: int = 64,
    seed: int = 0,
    alpha: float = 1e-3,
    weights: str = "gaussian",
    sigma_w2: float = 1.0,
) -> ShrinkageResult:
    r"""Slope of ``log MSE_d`` against ``log d``, ``MSE_d = E |G_d - F(G)|_F^2`` (one layer).

    For one Gaussian layer from an exact ``G`` the output Gram is a mean of ``d``
    i.i.d. rank-one terms with mean ``F``, so ``MSE_d = v / d`` exactly and the
    slope is ``-1`` (RMS error ``~ d^(-1/2)``).

    ``MSE_d`` is estimated by the mean of the per-trial squared errors; by the
    delta method ``log`` of it has standard error ``s_d / (sqrt(T) MSE_d)``
    (``s_d`` the sample standard deviation of the per-trial squared errors).
    Weighted least squares of ``log MSE_d`` on ``log d`` with weights
    ``1/se_d^2`` gives the slope and its standard error
    ``(sum_d w_d (x_d - xbar)^2)^(-1/2)``; the interval is ``slope +- z se`` with
    ``z`` the ``1 - alpha/2`` normal quantile.
    """
    ws = tuple(int(w) for w in widths)
    if len(ws) < 2 or any(b <= a for a, b in zip(ws, ws[1:], strict=False)):
        raise InvalidInputError(f"widths must be increasing, at least two, got {widths!r}")
    G = np.asarray(G, dtype=float)
    F, _ = mean_field_prediction(G, layer, activation, sigma_w2=sigma_w2, seed=seed)
    rng = np.random.default_rng(seed)
    mse, log_se = [], []
    for d in ws:
        Gs = simulate_one_gram(G, layer, activation, width=d, trials=trials, rng=rng,
                               weights=weights, sigma_w2=sigma_w2)
        sq = np.sum((Gs - F) ** 2, axis=(1, 2))
        m = float(sq.mean())
        # rounding-level fluctuations (an exactly determined output computed in float64)
        # carry no 1/d scaling: treated as deterministic
        if m <= (64 * d * EPS * max(1.0, float(np.max(np.abs(F))))) ** 2:
            raise InvalidInputError("the output Gram is deterministic: no fluctuation to scale")
        mse.append(m)
        log_se.append(float(sq.std(ddof=1)) / (math.sqrt(trials) * m))
    x = np.log(np.array(ws, dtype=float))
    y = np.log(np.array(mse))
    w = 1 / np.array(log_se) ** 2
    xbar = float(np.sum(w * x) / np.sum(w))
    sxx = float(np.sum(w * (x - xbar) ** 2))
    slope = float(np.sum(w * (x - xbar) * y) / sxx)
    slope_se = 1 / math.sqrt(sxx)
    # the weights are estimated from T trials each: Student's t with T - 1 degrees
    # of freedom, not the normal quantile (which assumes known variances)
    z = float(special.stdtrit(trials - 1, 1 - alpha / 2))
    return ShrinkageResult(ws, np.array(mse), np.array(log_se), slope, slope_se,
                           (slope - z * slope_se, slope + z * slope_se))


def assert_fluctuations_shrink(
    G: np.ndarray, layer: LayerKind | str, activation: Activation | str = "relu",
    **kwargs: Any,
) -> ShrinkageResult:
    """Assert that the interval of :func:`fluctuation_scaling` contains ``-1``.

    Raises
    ------
    AssertionError
        With the slope, its interval and the per-width mean squared errors.
    """
    result = fluctuation_scaling(G, layer, activation, **kwargs)
    if not result.interval[0] <= -1.0 <= result.interval[1]:
        raise AssertionError("disagreement does not shrink like 1/sqrt(d): " + result.to_text())
    return result
