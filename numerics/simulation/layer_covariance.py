r"""The per-coordinate covariance ``C(G)`` of one layer's output (docs/theory.md section 8).

Given the Gram matrix ``G`` of a layer's input, the ``d`` coordinates of the next
layer are i.i.d. copies of ``psi(h)``, ``h ~ N(0, sigma_w^2 G)`` (``psi`` = RC, RS,
NL in that order), so ``G_{l+1} = (1/d) sum_k psi(h_k) psi(h_k)^T`` has mean ``F(G)``
and covariance ``C(G)/d`` with

    C_{(ij),(kl)} = E[psi_i psi_j psi_k psi_l] - F_ij F_kl,

indexed by the pairs ``i <= j`` in :func:`pair_indices` order (the coordinates
``g = (G_ij)_{i <= j}`` of a symmetric matrix).

Fourth moments: a deterministic product rule
--------------------------------------------
With ``S`` the covariance of ``h`` after RC, a pivoted Cholesky factor gives
``z = L u`` (``u ~ N(0, I_r)``, ``r = rank S``) with ``L`` lower trapezoidal: the
coordinate in pivot position ``a < r`` depends on ``u_0..u_a`` only, each other
coordinate on ``u_0..u_{r-1}``.  The Gaussian integral is done as iterated 1-D
integrals over ``u_0, u_1, ...`` (:func:`kinked_gaussian_rule`).  At level ``c`` the
integrand is ``phi`` of the coordinates completed at that level (kinked where they
vanish, at one known ``u_c`` each) times a Gaussian smoothing of the later factors
(analytic in ``u_c``, the conditional law of the later coordinates being a
non-degenerate Gaussian).  So each level's line ``[-X, X]`` (``X = 7``: tail mass
``2 Phi(-7) < 3e-12``) is split at those kinks and at ``-2.5, 0, 2.5``
(:data:`FIXED_CUTS`), and each piece gets ``N`` Gauss-Legendre nodes with the
Gaussian density in the weight: exponential convergence in ``N`` for activations
that are smooth away from 0 (ReLU family, step family, erf, tanh, ...).  The result
uses ``N = 6`` and its error estimate is ``max |C_6 - C_5|`` (entrywise; the
difference of two orders, which bounds the error of the lower order and so,
conservatively, of the higher).

Routes:

* no RS: ``psi_i = phi(z_i)`` depends on one coordinate, so every entry involves
  at most 4 points; for ``n <= 4`` one rule over all points, for ``n > 4`` one rule
  per 4-subset of points (rank <= 4, at most ``30^4`` nodes each).
* RS (degree-1 activation or no NL): ``psi = phi(sqrt(n) h / |h|)`` involves all
  points; one rule over ``rank S <= 4`` dimensions (``n <= 4``, or ``n = 5`` with
  RC); larger ``n`` is refused (``InvalidInputError`` naming ``n``).  ``1/|h|``
  is singular at the origin only, a set of measure zero that the nested rule does
  not resolve; the two-order error estimate reports the effect.
* RS with a non-homogeneous activation (the ``rqmc`` map method): refused.

``C`` is computed with the rule's own second moments (``C = E[v v^T] - E[v] E[v]^T``
with ``v = (psi_i psi_j)_{i<=j}`` and one set of positive weights), so it is
symmetric positive semi-definite up to rounding for ``n <= 4``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from numerics.maps.precise import map_method
from theory.activations import Activation, get_activation
from theory.errors import GramError, InvalidInputError
from theory.layers import LayerKind, parse_layer

__all__ = [
    "check_supported",
    "CUBATURE_ORDERS",
    "FIXED_CUTS",
    "echelon_factor",
    "kinked_gaussian_rule",
    "layer_covariance",
    "LayerCovariance",
    "MAX_RS_RANK",
    "pair_indices",
    "TRUNCATION",
]

#: Gauss-Legendre nodes per piece: (order used for the error estimate, order of the result).
CUBATURE_ORDERS = (5, 6)

#: each level of the product rule covers ``[-TRUNCATION, TRUNCATION]``.
TRUNCATION = 7.0

#: fixed cuts of every level (besides the kinks): pieces of length <= 4.5 where the
#: Gaussian weight is smooth enough for a 6-node Gauss-Legendre rule (relative error
#: about 1e-5 on ``E u^4``, 1e-4 on ``E u^8``).
FIXED_CUTS = (-2.5, 0.0, 2.5)

#: largest rank of ``S`` for the RS route (the rule has ``~(5N)^rank`` nodes).
MAX_RS_RANK = 4


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(i, j)``, ``i <= j``, in row-major order (``numpy.triu_indices(n)``)."""
    return np.triu_indices(n)


def echelon_factor(S: np.ndarray, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Pivoted Cholesky: ``S = L L^T`` with ``L`` (``k x r``) lower trapezoidal after pivoting.

    Returns ``(L, order)``: ``L[a]`` is the row of coordinate ``order[a]``; rows
    ``a < r`` have ``L[a, c] = 0`` for ``c > a`` and ``L[a, a] > 0``.  A pivot below
    ``rtol * max_i S_ii`` ends the factorisation (``r`` = numerical rank).
    """
    S = np.array(S, dtype=float)
    k = S.shape[0]
    order = np.arange(k)
    L = np.zeros((k, k))
    top = max(float(np.max(np.diag(S))), 0.0)
    residual = np.diag(S).copy()
    r = 0
    for a in range(k):
        p = a + int(np.argmax(residual[a:]))
        if residual[p] <= rtol * top or top == 0:
            break
        # swap positions a and p
        order[[a, p]] = order[[p, a]]
        residual[[a, p]] = residual[[p, a]]
        L[[a, p]] = L[[p, a]]
        S[[a, p]] = S[[p, a]]
        S[:, [a, p]] = S[:, [p, a]]
        L[a, a] = math.sqrt(residual[a])
        L[a + 1:, a] = (S[a + 1:, a] - L[a + 1:, :a] @ L[a, :a]) / L[a, a]
        residual[a + 1:] -= L[a + 1:, a] ** 2
        r += 1
    return L[:, :r], order


def kinked_gaussian_rule(L: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z`` (``M x k``, rows of ``L``'s coordinates) and weights for ``E f(z)``, ``z = L u``.

    The nested piecewise Gauss-Legendre rule of the module docstring: level ``c``
    splits ``[-X, X]`` at 0 and at ``u_c = -L[a, :c] u_{:c} / L[a, c]`` for every row
    ``a`` whose last non-zero entry is in column ``c``.
    """
    k, r = L.shape
    t, gw = np.polynomial.legendre.leggauss(order)
    scale = np.max(np.abs(L), axis=1, keepdims=True)
    nonzero = np.abs(L) > 1e-12 * np.where(scale > 0, scale, 1.0)
    level = np.array([int(np.nonzero(row)[0].max()) if row.any() else -1 for row in nonzero])
    X = TRUNCATION
    columns: list[np.ndarray] = []  # columns[c][node]: u_c of each current node
    w = np.ones(1)
    for c in range(r):
        M = len(w)
        cuts = [np.full(M, x) for x in FIXED_CUTS]
        for a in np.nonzero(level == c)[0]:
            partial = sum((L[a, b] * columns[b] for b in range(c)), np.zeros(M))
            cuts.append(-partial / L[a, c])
        K = np.sort(np.clip(np.stack(cuts, axis=1), -X, X), axis=1)
        B = np.concatenate([np.full((M, 1), -X), K, np.full((M, 1), X)], axis=1)
        half = (B[:, 1:] - B[:, :-1]) / 2  # (M, P)
        P = half.shape[1]
        u = ((B[:, 1:] + B[:, :-1]) / 2)[:, :, None] + half[:, :, None] * t  # (M, P, N)
        wt = half[:, :, None] * gw * np.exp(-u * u / 2) / math.sqrt(2 * math.pi)
        keep = np.nonzero((half > 0).repeat(order, axis=1).reshape(-1))[0]
        parent = keep // (P * order)
        columns = [col[parent] for col in columns] + [u.reshape(-1)[keep]]
        w = w[parent] * wt.reshape(-1)[keep]
    U = np.stack(columns, axis=1) if columns else np.zeros((1, 0))
    return U @ L.T, w


def _moments(Psi: np.ndarray, w: np.ndarray, pairs: list[tuple[int, int]]
             ) -> tuple[np.ndarray, np.ndarray]:
    """``E[v]`` and ``E[v v^T]`` for ``v = (Psi_i Psi_j)`` over ``pairs`` (chunked)."""
    m = len(pairs)
    first = np.zeros(m)
    second = np.zeros((m, m))
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    chunk = 1 << 18
    for s in range(0, len(w), chunk):
        V = Psi[s:s + chunk, ii] * Psi[s:s + chunk, jj]
        ws = w[s:s + chunk]
        first += ws @ V
        second += (V * ws[:, None]).T @ V
    return first, second


@dataclass(frozen=True)
class LayerCovariance:
    """``C(G)`` (``m x m``, ``m = n(n+1)/2``, pairs in :func:`pair_indices` order), the
    rule's ``F(G)`` (``n x n``), and the error estimates ``max |C_6 - C_5|``,
    ``max |F_6 - F_5|``."""

    C: np.ndarray
    F: np.ndarray
    error: float
    F_error: float


def _covariance_of_h(G: np.ndarray, kind: LayerKind, sigma_w2: float) -> np.ndarray:
    n = G.shape[0]
    G = (G + G.T) / 2
    if kind.rc:
        P = np.eye(n) - 1.0 / n
        G = P @ G @ P
    return sigma_w2 * G


def _one_order(S: np.ndarray, kind: LayerKind, act: Activation, order: int
               ) -> tuple[np.ndarray, np.ndarray]:
    n = S.shape[0]
    pi, pj = pair_indices(n)
    index = {(int(i), int(j)): a for a, (i, j) in enumerate(zip(pi, pj, strict=True))}
    m = len(index)
    C = np.zeros((m, m))
    F = np.zeros((n, n))

    def phi(z: np.ndarray) -> np.ndarray:
        return act.numpy(z) if kind.nl else z

    if kind.rs:
        L, perm = echelon_factor(S)
        if L.shape[1] == 0:
            raise GramError("rescaling undefined: the covariance S is zero")
        Z, w = kinked_gaussian_rule(L, order)
        H = np.empty_like(Z)
        H[:, perm] = Z
        norm = np.sqrt(np.sum(H * H, axis=1, keepdims=True) / n)
        Psi = phi(H / np.where(norm > 0, norm, 1.0))
        pairs = [(int(i), int(j)) for i, j in zip(pi, pj, strict=True)]
        first, second = _moments(Psi, w, pairs)
        C = second - np.outer(first, first)
        F[pi, pj] = first
        F[pj, pi] = first
        return C, F
    subsets = [tuple(range(n))] if n <= 4 else list(itertools.combinations(range(n), 4))
    for sub in subsets:
        L, perm = echelon_factor(S[np.ix_(sub, sub)])
        k = len(sub)
        if L.shape[1] == 0:
            Psi, w = phi(np.zeros((1, k))), np.ones(1)
        else:
            Z, w = kinked_gaussian_rule(L, order)
            H = np.empty_like(Z)
            H[:, perm] = Z
            Psi = phi(H)
        local = [(a, b) for a in range(k) for b in range(a, k)]
        first, second = _moments(Psi, w, local)
        glob = [index[(sub[a], sub[b])] for a, b in local]
        C[np.ix_(glob, glob)] = second - np.outer(first, first)
        for (a, b), val in zip(local, first, strict=True):
            F[sub[a], sub[b]] = F[sub[b], sub[a]] = val
    return C, F


def check_supported(n: int, layer: LayerKind | str, activation: Activation | str) -> None:
    """Refuse what the rule does not cover (see :func:`layer_covariance`), before any work.

    With RS the rank of ``S`` can reach ``n - 1`` (RC) or ``n``, whatever ``G``: that
    bound, not the rank at one ``G``, is compared with :data:`MAX_RS_RANK`.
    """
    kind, act = parse_layer(layer), get_activation(activation)
    if not kind.rs:
        return
    if map_method(kind, act) == "rqmc":
        raise InvalidInputError(
            f"activation {act.name!r} is not homogeneous: the finite-width covariance with "
            f"RS needs degree 0 or 1", parameter="activation")
    rank = n - 1 if kind.rc else n
    if rank > MAX_RS_RANK:
        raise InvalidInputError(
            f"n too large for the finite-width covariance with RS: it needs rank S <= "
            f"{MAX_RS_RANK} (n <= 4, or n = 5 with RC), here rank S can reach {rank}",
            parameter="n")


def layer_covariance(
    G: np.ndarray,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: float = 1.0,
) -> LayerCovariance:
    r"""``C(G) = Cov[psi(h) psi(h)^T]`` per coordinate, ``h ~ N(0, sigma_w^2 G)``.

    See the module docstring for the rule and its error estimate.  ``G`` is assumed
    symmetric PSD (validate user input with :func:`numerics.gram.validate_gram`).

    Raises
    ------
    InvalidInputError
        For RS with a non-homogeneous activation (``parameter="activation"``) or
        with ``rank S > MAX_RS_RANK`` (``parameter="n"``).
    """
    kind, act = parse_layer(layer), get_activation(activation)
    G = np.asarray(G, dtype=float)
    check_supported(G.shape[0], kind, act)
    S = _covariance_of_h(G, kind, float(sigma_w2))
    low, high = (_one_order(S, kind, act, N) for N in CUBATURE_ORDERS)
    C = (high[0] + high[0].T) / 2
    return LayerCovariance(C=C, F=high[1], error=float(np.max(np.abs(high[0] - low[0]))),
                           F_error=float(np.max(np.abs(high[1] - low[1]))))
