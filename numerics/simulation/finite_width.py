r"""The O(1/d) expansion of the Gram dynamics at finite width (docs/theory.md section 8).

Which map is propagated
-----------------------
The unnormalised Gram matrix ``G_l = X_l^T X_l / d`` under the mean-field map ``F``
(not the shape map ``F_hat``): given ``G_l`` the ``d`` coordinates of layer ``l+1``
are i.i.d., so ``E[G_{l+1} | G_l] = F(G_l)`` holds *exactly* and
``Cov[G_{l+1} | G_l] = C(G_l)/d`` (:mod:`numerics.simulation.layer_covariance`).
No such identity holds for the shape: ``E[n G/tr G | G_l] = F_hat(G_l) + O(1/d)``,
the ``O(1/d)`` coming from the fluctuation of ``tr G_{l+1}`` and its covariance with
the off-diagonal entries, which is exactly the size of the effect computed here.
Propagating ``F_hat`` with ``C`` would therefore miss part of the bias.  For
homogeneous layers (``F(cG) = c^k F(G)``) the scale of ``G*_l`` drifts
geometrically, but the statistic is scale-invariant and ``beta``, ``Sigma`` scale
with it (``c``, ``c^2``), so the bias coefficient of the shape statistic does not
depend on the scale; for non-homogeneous activations the scale changes the shape
dynamics and must be carried, which this route does.

The recursions (``g`` = the coordinates ``(G_ij)_{i<=j}``, ``m = n(n+1)/2``)::

    G*_{l+1}    = F(G*_l),                         G*_0 = G_0,
    Sigma_{l+1} = J_l Sigma_l J_l^T + C(G*_l),     Sigma_0 = 0,
    beta_{l+1}  = J_l beta_l + (1/2) D^2F(G*_l)[Sigma_l],   beta_0 = 0,

so that ``E[G_L] = G*_L + beta_L/d + O(d^-2)`` and ``Cov[G_L] = Sigma_L/d + O(d^-2)``
(``G_0`` deterministic, as in :func:`numerics.simulation.simulate.batch_from_gram`).

Derivatives of ``F``
--------------------
By finite differences of the float64 map
:func:`numerics.maps.fast.fast_mean_field_map` (closed form, exp-sinh RS
integral or Gaussian quadrature), with ``s = max_i G*_ii`` the scale:

* ``J`` column ``b``: central difference ``(F(G + h E_b) - F(G - h E_b)) / 2h``,
  ``h = s eps^(1/3)``; error estimate ``|J_h - J_2h|`` (the ``h^2`` truncation of
  ``J_2h``, four times that of ``J_h``) plus ``e_F / h`` (``e_F`` the map's error);
* ``D^2F[Sigma] = sum_k lambda_k (F(G + h V_k) - 2F(G) + F(G - h V_k)) / h^2`` over
  the eigenpairs of ``Sigma`` (unit ``V_k``), ``h = s eps^(1/4)``; error estimate
  ``|D_h - D_2h| + 4 e_F sum |lambda_k| / h^2``.

Statistic
---------
``s(G) = mean_{i != j} n G_ij / tr G`` (the mean off-diagonal entry of the shape
``F_hat``-normalised Gram ``n G / tr G``; at a symmetric Gram it is the mean
correlation).  With ``A = sum_{i != j} G_ij``, ``T = tr G``, ``s = A / ((n-1) T)``,
the delta method to first order gives::

    E[s(G_L)]   = s(G*_L) + (grad s . beta_L + (1/2) tr(H_s Sigma_L)) / d + O(d^-2),
    Var[s(G_L)] = grad s^T Sigma_L grad s / d + O(d^-2),

``grad`` and ``H_s`` in the coordinates ``g``: ``ds/dg_ij = 2/((n-1)T)`` (``i<j``),
``ds/dg_ii = -A/((n-1)T^2)``, ``d2s/dg_ij dg_kk = -2/((n-1)T^2)``,
``d2s/dg_ii dg_kk = 2A/((n-1)T^3)``, the off-diagonal block zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numerics.gram import validate_gram
from numerics.maps.fast import EPS, fast_mean_field_map
from numerics.parameters import check_float, check_int
from numerics.simulation.layer_covariance import check_supported, layer_covariance, pair_indices
from theory.activations import Activation, get_activation
from theory.errors import GramError, InvalidInputError
from theory.layers import LayerKind, parse_layer

__all__ = [
    "DEFAULT_RHO",
    "default_gram",
    "finite_width_expansion",
    "FiniteWidthLayer",
    "FiniteWidthResult",
    "map_degree",
    "mapped_derivatives",
    "shape_statistic",
]

#: correlation of the default input Gram ``(1 - rho) I + rho 1 1^T``.
DEFAULT_RHO = 0.5


def default_gram(n: int, rho: float = DEFAULT_RHO) -> np.ndarray:
    """The symmetric Gram ``(1 - rho) I + rho 1 1^T`` (eigenvalues ``1-rho``, ``1+(n-1)rho``)."""
    return (1 - rho) * np.eye(n) + rho * np.ones((n, n))


def _to_vector(G: np.ndarray) -> np.ndarray:
    """Coordinates ``(..., m)`` of symmetric matrices ``(..., n, n)``."""
    pi, pj = pair_indices(G.shape[-1])
    return G[..., pi, pj]


def _to_matrix(g: np.ndarray, n: int) -> np.ndarray:
    """Symmetric matrices from coordinate vectors ``(..., m)`` -> ``(..., n, n)``."""
    pi, pj = pair_indices(n)
    M = np.zeros(g.shape[:-1] + (n, n))
    M[..., pi, pj] = g
    M[..., pj, pi] = g
    return M


def shape_statistic(G: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``s(G)``, its gradient and Hessian in the coordinates ``g`` (module docstring)."""
    n = G.shape[0]
    pi, pj = pair_indices(n)
    diag = pi == pj
    T = float(np.trace(G))
    A = float(G.sum() - T)
    c = 1.0 / (n - 1)
    grad = np.where(diag, -c * A / T**2, 2 * c / T)
    H = np.zeros((len(pi), len(pi)))
    off = ~diag
    H[np.ix_(off, diag)] = -2 * c / T**2
    H[np.ix_(diag, off)] = -2 * c / T**2
    H[np.ix_(diag, diag)] = 2 * c * A / T**3
    return c * A / T, grad, H


def map_degree(layer: LayerKind, act: Activation) -> int | None:
    """``k`` with ``F(cG) = c^k F(G)`` for ``c > 0`` (``None``: not homogeneous).

    RS makes ``psi`` scale-free when the activation is homogeneous (``k = 0``);
    otherwise ``k`` is the activation's degree, 1 without NL.
    """
    degree = act.degree if layer.nl else 1
    if degree is None:
        return None
    return 0 if layer.rs else degree


def mapped_derivatives(
    G: np.ndarray, Sigma: np.ndarray, layer: LayerKind, act: Activation, sigma_w2: float,
    unit: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """``F(G)``, ``J`` (``m x m``), ``D^2F(G)[Sigma]`` (``m``) and their error estimates.

    Finite differences of :func:`numerics.maps.fast.fast_mean_field_map` as stated in
    the module docstring (all evaluations in one batch).  A homogeneous map
    (:func:`map_degree`) is differentiated at ``G / max_i G_ii`` and scaled back;
    ``unit=True`` marks that call (scale 1, no further rescaling).
    """
    n = G.shape[0]
    m = n * (n + 1) // 2
    k = None if unit else map_degree(layer, act)
    if k is not None:
        # F(cG) = c^k F(G): differentiate at G / c (unit scale, where the map's error
        # floor is relative) and scale back: F, J, D^2F[Sigma] carry c^k, c^(k-1), c^k
        c = float(np.max(np.diag(G)))
        F0, J, D2, j_err, d_err = mapped_derivatives(G / c, Sigma / c**2, layer, act,
                                                     sigma_w2, unit=True)
        return (c**k * F0, c ** (k - 1) * J, c**k * D2, c ** (k - 1) * j_err, c**k * d_err)
    s = 1.0 if unit else float(np.max(np.diag(G)))
    basis = _to_matrix(np.eye(m), n)  # (m, n, n): E_b
    lam, vec = np.linalg.eigh(Sigma)
    V = _to_matrix(vec.T, n)  # (m, n, n): V_k
    h1, h2 = s * EPS ** (1 / 3), s * EPS ** (1 / 4)
    steps = []
    for h in (h1, 2 * h1):
        steps += [G + h * basis, G - h * basis]
    for h in (h2, 2 * h2):
        steps += [G + h * V, G - h * V]
    batch = np.concatenate([G[None]] + steps)
    res = fast_mean_field_map(batch, layer, act, sigma_w2=sigma_w2)
    F = _to_vector(res.F)  # (1 + 8m, m)
    e_F = float(np.max(res.error))
    F0, rest = F[0], F[1:].reshape(8, m, m)
    J_h = ((rest[0] - rest[1]) / (2 * h1)).T
    J_2h = ((rest[2] - rest[3]) / (4 * h1)).T
    D_h = lam @ ((rest[4] - 2 * F0 + rest[5]) / h2**2)
    D_2h = lam @ ((rest[6] - 2 * F0 + rest[7]) / (4 * h2**2))
    j_err = float(np.max(np.abs(J_h - J_2h))) + e_F / h1
    d_err = float(np.max(np.abs(D_h - D_2h), initial=0.0)) + 4 * e_F * float(
        np.sum(np.abs(lam))) / h2**2
    return F0, J_h, D_h, j_err, d_err


@dataclass(frozen=True)
class FiniteWidthLayer:
    """One layer ``l`` of the expansion: ``E s(G_l) ~ statistic + bias/d``, ``Var ~ variance/d``."""

    layer: int
    statistic: float
    bias: float
    variance: float
    trace: float

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "mean_field_statistic": self.statistic,
                "bias_coefficient": self.bias, "variance_coefficient": self.variance,
                "mean_field_trace": self.trace}


@dataclass(frozen=True)
class FiniteWidthResult:
    """The expansion along the orbit; the final ``G*_L``, ``beta_L``, ``Sigma_L`` in full.

    ``errors`` holds the largest error estimates met (covariance rule, Jacobian,
    second derivative), each relative to the largest entry of the quantity it
    belongs to; ``covariance_mean`` is the largest difference between the covariance
    rule's second moments and the map ``F`` (a check of the rule against the map).
    """

    n: int
    layer_kind: str
    activation: str
    depth: int
    sigma_w2: float
    gram: np.ndarray
    layers: list[FiniteWidthLayer]
    final_gram: np.ndarray
    final_beta: np.ndarray
    final_sigma: np.ndarray
    errors: dict[str, float] = field(default_factory=dict)

    def predicted_mean(self, width: int, layer: int | None = None) -> float:
        """``s(G*_l) + beta_s / width`` at layer ``l`` (the last by default)."""
        rec = self.layers[-1 if layer is None else layer]
        return rec.statistic + rec.bias / width

    def to_text(self) -> str:
        lines = [
            f"finite-width expansion: n={self.n} layer={self.layer_kind} "
            f"activation={self.activation} depth={self.depth} sigma_w2={self.sigma_w2}",
            "s = mean off-diagonal entry of n G / tr G;  E s ~ s* + bias/d,  Var s ~ variance/d",
            f"{'layer':>5}  {'s*':>12}  {'bias':>12}  {'variance':>12}",
        ]
        lines += [f"{r.layer:>5}  {r.statistic:>12.6g}  {r.bias:>12.6g}  {r.variance:>12.6g}"
                  for r in self.layers]
        lines.append("relative error estimates: " + ", ".join(
            f"{k} {v:.1e}" for k, v in self.errors.items()))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "layer": self.layer_kind, "activation": self.activation,
            "depth": self.depth, "sigma_w2": self.sigma_w2, "gram": self.gram.tolist(),
            "statistic": "mean off-diagonal entry of n G / tr G",
            "expansion": "E s = s* + bias/d + O(d^-2), Var s = variance/d + O(d^-2)",
            "layers": [rec.to_json() for rec in self.layers],
            "final_mean_field_gram": self.final_gram.tolist(),
            "final_beta": self.final_beta.tolist(),
            "final_sigma": self.final_sigma.tolist(),
            "pairs": [list(p) for p in zip(*(a.tolist() for a in pair_indices(self.n)),
                                            strict=True)],
            "relative_error_estimates": self.errors,
        }


def finite_width_expansion(
    gram: Any,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    depth: int = 10,
    sigma_w2: float = 1.0,
) -> FiniteWidthResult:
    r"""The O(1/d) expansion of ``G_l`` and of the shape statistic, layers ``0..depth``.

    See the module docstring for the recursions, the derivatives and the statistic.

    Raises
    ------
    InvalidInputError, GramError
        ``depth < 1`` (``depth``), ``sigma_w2 <= 0`` (``sigma_w2``), a Gram that is
        not symmetric PSD, smaller than ``2 x 2`` or has a zero trace (``gram``), and
        the refusals of :func:`numerics.simulation.layer_covariance.check_supported`
        (RS with a non-homogeneous activation, ``activation``; RS with ``n`` too
        large, ``n``), raised before any work.
    """
    depth = check_int("depth", depth, 1)
    sigma_w2 = check_float("sigma_w2", sigma_w2, 0.0, True)
    kind, act = parse_layer(layer), get_activation(activation)
    try:
        G = np.asarray(validate_gram(gram, what="gram"), dtype=float)
    except (GramError, InvalidInputError) as exc:
        raise type(exc)(str(exc), parameter="gram") from None
    n = check_int("n", G.shape[0], 2)
    if not np.trace(G) > 0:
        raise InvalidInputError("gram must have a positive trace", parameter="gram")
    check_supported(n, kind, act)
    G0 = G.copy()
    m = n * (n + 1) // 2
    Sigma, beta = np.zeros((m, m)), np.zeros(m)
    records = []
    worst = {"covariance": 0.0, "covariance_mean": 0.0, "jacobian": 0.0,
             "second_derivative": 0.0}

    def record(l: int, G: np.ndarray) -> None:
        s, grad, H = shape_statistic(G)
        bias = float(grad @ beta + 0.5 * np.sum(H * Sigma))
        records.append(FiniteWidthLayer(l, s, bias, float(grad @ Sigma @ grad),
                                        float(np.trace(G))))

    record(0, G)
    for l in range(depth):
        F, J, D2, j_err, d_err = mapped_derivatives(G, Sigma, kind, act, sigma_w2)
        cov = layer_covariance(G, kind, act, sigma_w2=sigma_w2)
        worst["covariance"] = max(worst["covariance"],
                                  cov.error / max(float(np.max(np.abs(cov.C))), 1e-300))
        worst["covariance_mean"] = max(worst["covariance_mean"], float(
            np.max(np.abs(cov.F - _to_matrix(F, n)))) / float(np.max(np.abs(F))))
        worst["jacobian"] = max(worst["jacobian"], j_err / max(float(np.max(np.abs(J))), 1e-300))
        if np.any(Sigma):
            worst["second_derivative"] = max(
                worst["second_derivative"], d_err / max(float(np.max(np.abs(D2))), 1e-300))
        Sigma, beta = J @ Sigma @ J.T + cov.C, J @ beta + 0.5 * D2
        G = _to_matrix(F, n)
        if not (np.all(np.isfinite(G)) and np.trace(G) > 0 and math.isfinite(np.sum(Sigma))):
            raise InvalidInputError(
                f"depth too large: the mean-field orbit degenerates at layer {l + 1} "
                f"(zero trace or overflow); use a smaller depth", parameter="depth")
        record(l + 1, G)
    return FiniteWidthResult(
        n=n, layer_kind=kind.name, activation=act.name, depth=depth, sigma_w2=sigma_w2,
        gram=G0,
        layers=records, final_gram=G, final_beta=_to_matrix(beta, n), final_sigma=Sigma,
        errors=worst,
    )
