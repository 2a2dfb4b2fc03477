r"""The float64 vectorised twin of :mod:`numerics.maps.precise`.

Same maps, same methods, for a batch of Gram matrices of shape ``(..., n, n)``:

    F(G) = E[psi(h) psi(h)^T],  h ~ N(0, sigma_w^2 G),   F_hat = n F / tr F,

with ``S = sigma_w^2 P G P`` (RC) or ``sigma_w^2 G``.  Used by the simulator
comparisons and the figures; tested against the mpmath path
(``tests/numerics/test_fastmaps.py``).  Precision: float64, with an error
estimate per matrix (``error``) for the quadrature methods.

* ``closed-form``: the kernels of :mod:`theory.kernels`, in the ``atan2`` form of
  :mod:`numerics.maps.precise` (no ``1 - cos^2`` cancellation).  A pair with
  ``S_ii S_jj - S_ij^2 <= 16 eps S_ii S_jj`` is taken as exactly collinear,
  and, after RC, a diagonal ``S_ii <= 16 n eps max S_kk`` as exactly zero (the
  rounding level of the recentering).
* ``rs-integral``: ``F = n int_0^oo det(I + 2sS)^(-1/2) V_phi(S (I + 2sS)^(-1)) ds``
  by the exp-sinh rule ``s = s_0 exp((pi/2) sinh t)`` with fixed step
  ``h = 1/16`` on a node range covering ``1e-17`` truncation; ``S`` diagonalised
  once (``numpy.linalg.eigh``); error estimate ``|I_h - I_{2h}|`` (free: nested).
* ``gaussian-quadrature``: 2-D trapezoid with Gaussian weight, step
  ``h = 1/(4 max(1, max sqrt(S_ii)))`` (at least 1/32), error ``|I_h - I_{2h}|``.
* ``rqmc``: :func:`numerics.maps.quadrature.rqmc_gaussian_second_moment` per matrix,
  error = 4 standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numerics.kernels import kernel_matrix_float64
from numerics.maps.expectations import RQMC_SE_MULTIPLIER
from numerics.maps.precise import map_method
from numerics.maps.quadrature import rqmc_gaussian_second_moment
from numerics.maps.rs_integrand import Float64IntegrandOps, s_integrand
from theory.activations import Activation, get_activation
from theory.errors import GramError, InvalidInputError, NotClosedFormError
from theory.layers import LayerKind, parse_layer

__all__ = [
    "EPS",
    "fast_mean_field_map",
    "FastMapResult",
    "kernel_matrix",
]

EPS = np.finfo(float).eps


@dataclass(frozen=True)
class FastMapResult:
    """Batch result: ``F``, ``F_hat`` (NaN where ``tr F = 0``), ``error`` per matrix, method."""

    F: np.ndarray
    F_hat: np.ndarray
    error: np.ndarray
    method: str

    def to_json(self) -> dict[str, Any]:
        return {"F": self.F.tolist(), "F_hat": self.F_hat.tolist(),
                "error_bound": self.error.tolist(), "method": self.method,
                "precision": "float64"}


def _covariance(G: np.ndarray, layer: LayerKind, sigma_w2: float) -> np.ndarray:
    G = (G + np.swapaxes(G, -1, -2)) / 2
    if layer.rc:
        n = G.shape[-1]
        P = np.eye(n) - 1.0 / n
        G = P @ G @ P
    return sigma_w2 * G


def _clean(S: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Zero the rows/columns whose variance is at the rounding level of ``P G P``.

    The level is relative to the input's largest variance ``max G_kk`` (the rounding
    error of the recentring), so an ``S`` that is rounding noise only (all points
    equal) becomes exactly 0.
    """
    n = S.shape[-1]
    d = np.diagonal(S, axis1=-2, axis2=-1)
    top = np.maximum(np.max(np.abs(d), axis=-1, keepdims=True),
                     np.max(np.abs(np.diagonal(G, axis1=-2, axis2=-1)), axis=-1,
                            keepdims=True))
    dead = d <= 16 * n * EPS * top
    keep = ~dead
    return S * keep[..., :, None] * keep[..., None, :]


def _clip_discriminant(D: np.ndarray, sii_sjj: np.ndarray) -> np.ndarray:
    """Rounded discriminants ``D <= 16 eps S_ii S_jj`` are read as 0 (correlation +-1)."""
    return np.where(D <= 16 * EPS * sii_sjj, 0.0, D)


def kernel_matrix(act: Activation, S: np.ndarray) -> np.ndarray:
    """``V_phi(S)`` entrywise for a closed-form activation, vectorised over ``(..., n, n)``
    (the formulas of :mod:`numerics.kernels` in float64)."""
    try:
        return kernel_matrix_float64(act, S, _clip_discriminant)
    except NotClosedFormError as exc:
        raise InvalidInputError(str(exc)) from None


def _rs_integral(S: np.ndarray, act: Activation | None) -> tuple[np.ndarray, np.ndarray]:
    n = S.shape[-1]
    # RS is invariant under S -> c S: scale each matrix to max |S_ij| = 1 (by a power of
    # two, exactly) so 1e-263 or 1e300 inputs neither underflow nor overflow below
    peak = np.max(np.abs(S), axis=(-2, -1), keepdims=True)
    S = S / np.exp2(np.floor(np.log2(np.where(peak > 0, peak, 1.0))))
    lam, Q = np.linalg.eigh(S)
    top = lam[..., -1:]
    if np.any(top <= 0):
        raise GramError("rescaling undefined: the covariance S is zero for a matrix of the batch")
    lam = np.where(lam > 16 * n * EPS * top, lam, 0.0)
    positive = np.where(lam > 0, lam, np.inf).min(axis=-1, keepdims=True)
    s0 = 1 / (2 * np.sqrt(top[..., 0] * positive[..., 0]))
    spread = float(np.max(np.log(top / positive))) / 2 + 1
    h = 1 / 16
    t_left = -np.arcsinh((40 + spread) / (np.pi / 2))
    t_right = np.arcsinh((80 + spread) / (np.pi / 2))
    ks = np.arange(int(np.floor(t_left / h)), int(np.ceil(t_right / h)) + 1)
    total = np.zeros(S.shape)
    coarse = np.zeros(S.shape)
    keep = np.diagonal(S, axis1=-2, axis2=-1) > 16 * n * EPS * top
    mask = keep[..., :, None] & keep[..., None, :]

    def kernel(Sp: np.ndarray) -> np.ndarray:
        Sp = np.where(mask, Sp, 0.0)
        return Sp if act is None else kernel_matrix(act, Sp)

    for k in ks:
        t = k * h
        s = s0 * np.exp(np.pi / 2 * np.sinh(t))  # (...,)
        w = s * np.pi / 2 * np.cosh(t)
        weight, V = s_integrand(s, lam, Q, kernel, n, Float64IntegrandOps)
        term = (w * weight)[..., None, None] * V
        total += term
        if k % 2 == 0:
            coarse += term
    F = n * h * total
    error = n * np.max(np.abs(h * total - 2 * h * coarse), axis=(-2, -1))
    return F, error + 64 * EPS * np.max(np.abs(F), axis=(-2, -1))


def _gaussian_quadrature(S: np.ndarray, act: Activation) -> tuple[np.ndarray, np.ndarray]:
    n = S.shape[-1]
    d = np.clip(np.diagonal(S, axis1=-2, axis2=-1), 0, None)
    a = np.sqrt(d)
    h = max(1 / 32, 0.25 / max(1.0, float(a.max(initial=0.0))))
    X = 8.6
    K = int(np.floor(X / h))
    x = np.arange(-K, K + 1) * h
    w = h * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    even = (np.arange(-K, K + 1) % 2 == 0)
    w2 = np.where(even, 2 * w, 0.0)
    phi = act.numpy
    F = np.empty(S.shape)
    err = np.zeros(S.shape[:-2])
    ii, jj = np.triu_indices(n)
    safe_a = np.where(a > 0, a, 1.0)
    for i, j in zip(ii, jj, strict=True):
        if i == j:
            vals = phi(a[..., i, None] * x) ** 2
            fine, crude = vals @ w, vals @ w2
        else:
            b = S[..., i, j] / safe_a[..., i]
            Dij = np.clip(d[..., i] * d[..., j] - S[..., i, j] ** 2, 0, None)
            c = np.sqrt(Dij) / safe_a[..., i]
            # rows with a_i = 0: z_i = 0, z_j = a_j v
            b = np.where(a[..., i] > 0, b, 0.0)
            c = np.where(a[..., i] > 0, c, a[..., j])
            outer = phi(a[..., i, None] * x)  # (..., K)
            inner_arg = b[..., None, None] * x[:, None] + c[..., None, None] * x[None, :]
            inner = phi(inner_arg)  # (..., K, K)
            fine = np.einsum("...k,k,...kl,l->...", outer, w, inner, w)
            crude = np.einsum("...k,k,...kl,l->...", outer, w2, inner, w2)
        F[..., i, j] = F[..., j, i] = fine
        err = np.maximum(err, np.abs(fine - crude))
    return F, err + 64 * EPS * np.max(np.abs(F), axis=(-2, -1))


def _rqmc(S: np.ndarray, act: Activation, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = S.shape[-1]
    flat = S.reshape(-1, n, n)
    Fs, errs = [], []
    rng = np.random.SeedSequence(seed)
    for m, child in zip(flat, rng.spawn(len(flat)), strict=True):
        lam, Q = np.linalg.eigh(m)
        if lam[-1] <= 0:
            raise GramError("rescaling undefined: the covariance S is zero for a matrix "
                            "of the batch")
        keep = lam > 16 * n * EPS * lam[-1]
        factor = Q[:, keep] * np.sqrt(lam[keep])

        def psi(y: np.ndarray) -> np.ndarray:
            norms = np.sqrt(np.sum(y * y, axis=1, keepdims=True) / n)
            return act.numpy(y / np.where(norms > 0, norms, 1.0))

        mean, se, _ = rqmc_gaussian_second_moment(psi, factor, seed=child)
        Fs.append((mean + mean.T) / 2)
        errs.append(RQMC_SE_MULTIPLIER * se.max())
    return np.array(Fs).reshape(S.shape), np.array(errs).reshape(S.shape[:-2])


def fast_mean_field_map(
    G: np.ndarray,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: float = 1.0,
    seed: int = 0,
) -> FastMapResult:
    r"""``F(G)`` and ``F_hat(G) = n F / tr F`` in float64 for a batch ``G`` of ``(..., n, n)``.

    No validation beyond shape (the batch is assumed PSD: use
    :func:`numerics.gram.validate_gram` on user input).  ``F_hat`` is NaN where
    ``tr F = 0``.  ``error`` is the per-matrix estimate of ``max_ij |F_ij - exact|``
    described in the module docstring.

    Raises
    ------
    InvalidInputError
        For a shape that is not ``(..., n, n)`` with ``n >= 2`` or ``sigma_w2 <= 0``.
    GramError
        For RS on a zero covariance.
    """
    G = np.asarray(G, dtype=float)
    if G.ndim < 2 or G.shape[-1] != G.shape[-2] or G.shape[-1] < 2:
        raise InvalidInputError(f"expected a batch of n x n matrices with n >= 2, got {G.shape}")
    if not sigma_w2 > 0:
        raise InvalidInputError(f"sigma_w2 must be positive, got {sigma_w2}", parameter="sigma_w2")
    kind, act = parse_layer(layer), get_activation(activation)
    method = map_method(kind, act)
    S = _covariance(G, kind, float(sigma_w2))
    if kind.rc:
        # Only recentering creates rounding-level variances (a point equal to the
        # mean); the input itself is exact and keeps its tiny variances.
        S = _clean(S, G)
    n = G.shape[-1]
    if kind.rs and np.any(np.all(S == 0, axis=(-2, -1))):
        raise GramError("rescaling undefined: the covariance S is zero for a matrix "
                        "of the batch")
    if method == "closed-form":
        F = kernel_matrix(act, S) if kind.nl else S.copy()
        error = 64 * EPS * np.maximum(1.0, np.max(np.abs(F), axis=(-2, -1)))
    elif method == "rs-integral":
        F, error = _rs_integral(S, act if kind.nl else None)
    elif method == "gaussian-quadrature":
        F, error = _gaussian_quadrature(S, act)
    else:
        F, error = _rqmc(S, act, seed)
    trace = np.trace(F, axis1=-2, axis2=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        F_hat = np.where((trace > 0)[..., None, None], n * F / trace[..., None, None], np.nan)
    return FastMapResult(F=F, F_hat=F_hat, error=np.asarray(error), method=method)
