r"""The RS s-integrand, written once for the point arithmetics (mpmath and float64).

For a layer with RS and a degree-1 activation (or no NL), docs/theory.md section 2:

    F(S) = n int_0^oo f(s) ds,    f(s) = det(I + 2 s S)^(-1/2) V(S (I + 2 s S)^(-1)).

With the positive eigenvalues ``lam`` of ``S`` on its range and ``q_k = 1 / (1 + 2 s lam_k)``:

    det(I + 2 s S)^(-1/2) = prod_k q_k^(1/2),
    S (I + 2 s S)^(-1) = Q diag(lam q) Q^T = R diag(q) R^T,

for ``Q`` the orthonormal eigenvectors (``S = Q diag(lam) Q^T``, the float64 route) or a
factor ``R = A U`` with ``S = A A^T`` and ``A^T A = U diag(lam) U^T`` (so ``R^T R =
diag(lam)``; the mpmath route, which never forms ``Q`` from a rank-deficient ``S``).

:func:`s_integrand` evaluates ``f(s)`` in either context: :class:`MpIntegrandOps`
(mpmath, row by row with ``fdot``, on the rows that are not identically zero) for
:mod:`numerics.maps.precise`, and :class:`Float64IntegrandOps` (NumPy, vectorised over a
batch of matrices) for :mod:`numerics.maps.fast`.  The kernel ``V`` is a callable
(:mod:`numerics.kernels` builds it; ``None`` is the identity: RS without NL).

Two further evaluations of the same integral exist on purpose, as verified routes
with their own error control, each tested against :mod:`numerics.maps.precise`:
:mod:`numerics.jacobian.rs_integral` (arb balls under ``acb.integral``, with the
directional derivatives and no tail bound) and :mod:`numerics.fixed_points.rs_centred`
(the same integral on a family's simplex, in closed form per cell).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np

__all__ = ["Float64IntegrandOps", "MpIntegrandOps", "s_integrand"]


class MpIntegrandOps:
    """mpmath: ``R`` is a dict ``row index -> list of r entries`` of the factor ``R = A U``
    (the active rows)."""

    @staticmethod
    def weights(s: Any, lam: Sequence[Any]) -> tuple[Any, list[Any]]:
        q = [1 / (1 + 2 * s * l) for l in lam]
        return mpmath.sqrt(mpmath.fprod(q)), q

    @staticmethod
    def resolvent(R: dict[int, list[Any]], lam: Sequence[Any], q: Sequence[Any],
                  n: int) -> mpmath.matrix:
        """``R diag(q) R^T`` on the active rows (0 elsewhere)."""
        rows = list(R)
        r = len(q)
        scaled = {i: [R[i][k] * q[k] for k in range(r)] for i in rows}
        Sp = mpmath.zeros(n, n)
        for a, i in enumerate(rows):
            for j in rows[a:]:
                Sp[i, j] = Sp[j, i] = mpmath.fdot(scaled[i], R[j])
        return Sp


class Float64IntegrandOps:
    """NumPy float64: ``R`` is the orthonormal ``Q`` of shape ``(..., n, r)``; ``lam`` and ``s``
    broadcast over the leading axes."""

    @staticmethod
    def weights(s: Any, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q = 1 / (1 + 2 * np.asarray(s)[..., None] * lam)
        return np.sqrt(np.prod(q, axis=-1)), q

    @staticmethod
    def resolvent(R: np.ndarray, lam: np.ndarray, q: np.ndarray, n: int) -> np.ndarray:
        return (R * (lam * q)[..., None, :]) @ np.swapaxes(R, -1, -2)


def s_integrand(s: Any, lam: Any, R: Any, kernel: Callable[[Any], Any] | None, n: int,
                ops: type[MpIntegrandOps] | type[Float64IntegrandOps]) -> tuple[Any, Any]:
    """``(det(I + 2 s S)^(-1/2), V(S (I + 2 s S)^(-1)))`` at ``s``; ``f(s)`` is their product.

    ``R`` is the factor of the context (module docstring): ``A U`` for mpmath, the
    orthonormal eigenvectors for float64.
    """
    weight, q = ops.weights(s, lam)
    Sp = ops.resolvent(R, lam, q, n)
    return weight, (Sp if kernel is None else kernel(Sp))
