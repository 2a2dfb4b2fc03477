"""Exact sampling of one random layer for each weight ensemble (THEORY.md sections 1, 6).

Batches are stored points-major: ``Y`` of shape ``(T, n, d)`` is ``X^T`` for
``T`` independent trials (``Y[t, i]`` = data point ``i``).

Fast path (``O(d n^2)`` per trial, ``W`` never formed).  With the reduced QR
``X = Q R`` (``Q`` is ``d x k`` orthonormal, ``R`` is ``k x n``, ``k = min(d, n)``):

* Gaussian ``W`` (i.i.d. ``N(0, sigma_w^2/d)``): ``W Q`` has i.i.d.
  ``N(0, sigma_w^2/d)`` entries, so ``W X = Z R`` with a fresh ``d x k`` ``Z``.
* Haar-orthogonal ``W`` (scaled by ``sigma_w``): ``W Q`` is a uniform
  orthonormal ``k``-frame ``U`` times ``sigma_w``; ``U = G R_G^{-1}`` is the Q
  factor (diagonal of ``R_G`` made positive) of a ``d x k`` Gaussian ``G``, so
  ``W X = sigma_w G (R_G^{-1} R)``.

``R`` is obtained from the batch itself (never from its Gram matrix) by a
tall-skinny Householder QR (TSQR: QR of row blocks, then QR of the stacked
triangles), whose diagonal is then made non-negative, so ``R`` is the unique
upper-triangular factor of ``X^T X = R^T R`` with ``R_jj >= 0``.  Identical
points are identical in ``W X`` in exact arithmetic; the sampler enforces it
bitwise by copying each point's output from its group representative
(see :func:`numerics.simulation.statistics.tie_representatives`), which is exact because
``W x_i = W x_j`` when ``x_i = x_j``.

Reference path: form ``W`` (``d x d``) and multiply; also the path of the frozen
ensemble (one Gaussian ``W`` per trial reused by every layer).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from numerics.simulation.float_range import check_activation_values
from numerics.simulation.statistics import tie_representatives
from theory.activations import Activation, get_activation
from theory.errors import InvalidInputError, UnknownNameError
from theory.layers import LayerKind, parse_layer

__all__ = [
    "apply_components",
    "check_ensemble",
    "copy_ties",
    "draw_weights",
    "ENSEMBLES",
    "fast_linear",
    "FROZEN_MEMORY_LIMIT",
    "LayerSampler",
    "plain_linear",
    "reference_linear",
    "single_blas_thread",
    "triangular_factor",
    "TSQR_BLOCK",
]

ENSEMBLES = ("gaussian", "orthogonal", "frozen")

#: row-block height of the tall-skinny QR.
TSQR_BLOCK = 256

#: largest memory (bytes) the frozen ensemble may use for its weight matrices.
FROZEN_MEMORY_LIMIT = 2 * 1024**3


def _openblas() -> ctypes.CDLL | None:
    """NumPy's bundled OpenBLAS, if it can be found (else None)."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs",
                                  "libscipy_openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.scipy_openblas_get_num_threads64_  # noqa: B018 (probe the symbol)
            return lib
        except (OSError, AttributeError):
            continue
    return None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread (restored afterwards); a no-op if unavailable.

    The simulator makes many small BLAS/LAPACK calls (``n x n`` factors, ``d x n``
    panels); a multi-threaded BLAS then spends its time synchronising, and on a
    loaded machine it is several times slower than one thread.  Uses
    ``threadpoolctl`` when installed, else NumPy's bundled OpenBLAS via ctypes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
        return
    lib = _openblas()
    if lib is None:
        yield
        return
    before = int(lib.scipy_openblas_get_num_threads64_())
    lib.scipy_openblas_set_num_threads64_(1)
    try:
        yield
    finally:
        lib.scipy_openblas_set_num_threads64_(before)


def check_ensemble(name: str) -> str:
    """Canonical ensemble name; ``UnknownNameError`` for anything else."""
    key = str(name).strip().lower()
    key = {"haar": "orthogonal", "normal": "gaussian"}.get(key, key)
    if key not in ENSEMBLES:
        raise UnknownNameError(f"unknown weights {name!r} (use one of {', '.join(ENSEMBLES)})",
                               parameter="weights")
    return key


def _qr_r(X: np.ndarray) -> np.ndarray:
    """``R`` of the reduced QR of a stack ``X`` of shape ``(B, m, n)`` (TSQR when tall)."""
    B, m, n = X.shape
    block = max(TSQR_BLOCK, 4 * n)
    if m <= 2 * block:
        return np.linalg.qr(X, mode="r")
    nb = -(-m // block)
    if nb * block != m:
        padded = np.zeros((B, nb * block, n))
        padded[:, :m] = X
        X = padded
    R1 = np.linalg.qr(X.reshape(B * nb, block, n), mode="r")  # (B*nb, n, n)
    return _qr_r(R1.reshape(B, nb * n, n))


def triangular_factor(Y: np.ndarray) -> np.ndarray:
    """The triangular factor ``R`` (``(T, k, n)``, ``k = min(d, n)``) of ``X = Y^T = Q R``.

    Computed by Householder QR of ``X`` itself (tall-skinny, blocked over rows),
    with rows multiplied by ``sign(R_jj)`` so that ``R_jj >= 0``; then
    ``R^T R = X^T X`` to rounding and ``R`` is backward stable column by column.
    """
    X = np.swapaxes(Y, 1, 2)
    R = _qr_r(X)
    k = R.shape[1]
    diag = np.diagonal(R, axis1=1, axis2=2)[:, :k]
    sign = np.where(diag < 0, -1.0, 1.0)
    return R * sign[:, :, None]


def copy_ties(H: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Set ``H[t, i] = H[t, rep[t, i]]`` in place (bitwise ties); returns ``H``."""
    ts, iis = np.nonzero(rep != np.arange(rep.shape[1]))
    if ts.size:
        H[ts, iis] = H[ts, rep[ts, iis]]
    return H


def fast_linear(
    Y: np.ndarray,
    rng: np.random.Generator,
    ensemble: str = "gaussian",
    sigma_w2: float = 1.0,
    rep: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Exact sample of ``H = W X`` (returned as ``H^T``, shape ``(T, n, d)``) in ``O(d n^2)``.

    ``H^T = c R^T Z^T`` with ``Z^T`` a ``(k, d)`` standard normal draw and
    ``c = sigma_w / sqrt(d)`` (Gaussian), or ``H^T = sigma_w (R_G^{-1} R)^T G^T``
    with ``G`` standard normal (Haar-orthogonal).  ``rep`` (from
    :func:`tie_representatives`, computed if omitted) makes identical input
    points bitwise identical outputs.  ``out`` is an optional preallocated
    ``(T, k, d)`` buffer for the normal draw.
    """
    T, n, d = Y.shape
    k = min(d, n)
    if rep is None:
        rep = tie_representatives(Y)
    R = triangular_factor(Y)  # (T, k, n)
    if out is None or out.shape != (T, k, d):
        out = np.empty((T, k, d))
    rng.standard_normal(out=out)
    sigma = math.sqrt(sigma_w2)
    if ensemble == "gaussian":
        M = R * (sigma / math.sqrt(d))
    elif ensemble == "orthogonal":
        if d < 4 * k:
            Qg, Rg = np.linalg.qr(np.swapaxes(out, 1, 2))
            s = np.where(np.diagonal(Rg, axis1=1, axis2=2) < 0, -1.0, 1.0)
            out = np.ascontiguousarray(np.swapaxes(Qg * s[:, None, :], 1, 2))
            M = R * sigma
        else:
            Rg = triangular_factor(out)  # (T, k, k), positive diagonal
            M = np.linalg.solve(Rg, R) * sigma
    else:
        raise UnknownNameError(f"fast_linear: no fast path for weights {ensemble!r}")
    H = np.ascontiguousarray(np.swapaxes(M, 1, 2)) @ out
    return copy_ties(H, rep)


def draw_weights(
    rng: np.random.Generator, trials: int, d: int, ensemble: str = "gaussian",
    sigma_w2: float = 1.0,
) -> np.ndarray:
    """``T`` weight matrices ``W`` (``(T, d, d)``): i.i.d. ``N(0, sigma_w^2/d)``, or Haar.

    Haar-orthogonal: ``sigma_w Q diag(sign(R_jj))`` from the QR of a Gaussian
    ``d x d`` matrix (Mezzadri 2007).  ``frozen`` draws Gaussian matrices.
    """
    W = rng.standard_normal((trials, d, d))
    if ensemble in ("gaussian", "frozen"):
        W *= math.sqrt(sigma_w2 / d)
        return W
    Q, R = np.linalg.qr(W)
    s = np.where(np.diagonal(R, axis1=1, axis2=2) < 0, -1.0, 1.0)
    return Q * s[:, None, :] * math.sqrt(sigma_w2)


def plain_linear(Y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``H = W X`` by the plain ``O(d^2 n)`` product, returned as ``H^T = Y W^T``."""
    return Y @ np.swapaxes(W, 1, 2)


def reference_linear(
    Y: np.ndarray, rng: np.random.Generator, ensemble: str = "gaussian", sigma_w2: float = 1.0
) -> np.ndarray:
    """Reference sample of ``H = W X``: draw fresh ``d x d`` weights, multiply."""
    T, _, d = Y.shape
    return plain_linear(Y, draw_weights(rng, T, d, ensemble, sigma_w2))


def apply_components(
    H: np.ndarray, kind: LayerKind, activation: Activation, eps: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Apply RC, RS, NL (those in ``kind``, in that order) to ``H^T`` of shape ``(T, n, d)``.

    * RC: ``h_k <- h_k - mean_i h_{k,i}`` (``H <- H P``), the mean taken as
      ``h_{k,1} + mean_i (h_{k,i} - h_{k,1})`` so that equal points give exactly 0.
    * RS: ``h_k <- h_k / sqrt(|h_k|^2 / n + eps)``.  With ``eps = 0`` a row that
      is exactly zero is left at zero (never 0/0) and counted.
    * NL: ``phi`` entrywise; a NaN or inf from a finite pre-activation raises
      :class:`theory.errors.NonFiniteError` (see
      :func:`numerics.simulation.float_range.check_activation_values`).

    Returns the new array and, per trial, the number of all-zero rows met by RS
    (zeros when RS is off).  Entrywise operations with a per-row shared scalar
    keep identical points bitwise identical.
    """
    T = H.shape[0]
    zero_rows = np.zeros(T, dtype=np.int64)
    if kind.rc:
        # the mean as first point + mean of the differences: a batch of equal points is
        # centred to exactly 0 (a plain mean of x, x, x can differ from x by an ulp, and a
        # step activation then sees the sign of the rounding; thorough run, seed 4)
        ref = H[:, :1, :].copy()
        H -= ref + (H - ref).mean(axis=1, keepdims=True)
    if kind.rs:
        ms = np.mean(H * H, axis=1, keepdims=True) + eps  # (T, 1, d)
        zero = ms == 0.0
        zero_rows = zero.sum(axis=(1, 2))
        ms[zero] = 1.0
        H /= np.sqrt(ms)
    if kind.nl:
        if activation.kernel_family == "abrelu" and activation.slopes == (0, 1):
            np.maximum(H, 0.0, out=H)
        else:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                out = activation.numpy(H)
            check_activation_values(H, out, activation)
            H = out
    return H, zero_rows


@dataclass
class LayerSampler:
    """One random layer of a given kind, activation and weight ensemble, for ``T`` trials.

    ``step(Y, rep)`` returns the next batch ``phi(RS(RC(W X)))`` (as ``(T, n, d)``)
    and the per-trial count of zero rows met by RS.  Fresh Gaussian and Haar
    weights use :func:`fast_linear`; frozen weights (drawn once, at
    construction, one ``W`` per trial) use :func:`plain_linear`.  With
    ``reference=True`` fresh weights use the plain ``d x d`` path as well.
    """

    n: int
    d: int
    trials: int
    layer: LayerKind | str = "rc,nl"
    activation: Activation | str = "relu"
    weights: str = "gaussian"
    sigma_w2: float = 1.0
    eps: float = 0.0
    rng: np.random.Generator | None = None
    reference: bool = False

    def __post_init__(self) -> None:
        self.layer = parse_layer(self.layer)
        self.activation = get_activation(self.activation)
        self.weights = check_ensemble(self.weights)
        if self.rng is None:
            self.rng = np.random.default_rng()
        self._W: np.ndarray | None = None
        self._buf: np.ndarray | None = None
        if self.weights == "frozen":
            need = 8 * self.trials * self.d * self.d
            if need > FROZEN_MEMORY_LIMIT:
                raise InvalidInputError(
                    f"frozen weights need {need / 1024**3:.1f} GiB for {self.trials} d x d "
                    f"matrices (limit {FROZEN_MEMORY_LIMIT / 1024**3:.0f} GiB); "
                    "use fewer trials or a smaller width"
                )
            self._W = draw_weights(self.rng, self.trials, self.d, "gaussian", self.sigma_w2)

    def linear(self, Y: np.ndarray, rep: np.ndarray | None = None) -> np.ndarray:
        """``H^T`` for this layer's weights (bitwise ties kept)."""
        if rep is None:
            rep = tie_representatives(Y)
        if self._W is not None:
            return copy_ties(plain_linear(Y, self._W), rep)
        if self.reference:
            return copy_ties(reference_linear(Y, self.rng, self.weights, self.sigma_w2), rep)
        k = min(self.n, self.d)
        if self._buf is None or self._buf.shape != (Y.shape[0], k, self.d):
            self._buf = np.empty((Y.shape[0], k, self.d))
        return fast_linear(Y, self.rng, self.weights, self.sigma_w2, rep, out=self._buf)

    def step(self, Y: np.ndarray, rep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One full layer; see the class docstring."""
        H = self.linear(Y, rep)
        return apply_components(H, self.layer, self.activation, self.eps)
