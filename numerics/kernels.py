r"""Each closed-form kernel family written once, value and gradient, over any context.

For a centred Gaussian pair ``(z_i, z_j)`` with covariance ``[[S_ii, S_ij], [S_ij, S_jj]]``
(docs/theory.md, section 2) the kernel is ``V_ij = E[phi(z_i) phi(z_j)]``.  With the
discriminant ``D = S_ii S_jj - S_ij^2 >= 0`` and ``t = atan2(sqrt D, S_ij)`` (so
``sqrt(S_ii S_jj) sin t = sqrt D`` and ``sqrt(S_ii S_jj) cos t = S_ij``: no cancellation
in ``1 - cos^2 t``, and a correlation of exactly ``+-1`` gives ``t = 0`` or ``pi``), the
partial derivatives follow from Price's theorem ``dV/dS_ij = E[phi'(z_i) phi'(z_j)]``:

* :class:`ABReLU`, ``phi = a min(x,0) + b max(x,0)`` (identity, ReLU, leaky ReLU, abs;
  the family of neural-tangents' ``ABRelu``):
  ``V = [(a^2+b^2)(sqrt D + (pi - t) S_ij) - 2ab(sqrt D - t S_ij)] / (2 pi)``,
  ``dV/dS_ij = (a^2+b^2)(pi - t)/(2 pi) + a b t / pi``,
  ``dV/dS_ii = (a-b)^2 sqrt(D) / (4 pi S_ii)``; diagonal ``V_ii = (a^2+b^2) S_ii / 2``.
  The gradient is continuous up to correlations ``+-1``.
* :class:`ABStep`, ``phi = a 1{x<0} + b 1{x>0}`` (step, sign):
  ``V = (a^2+b^2)(pi - t)/(2 pi) + a b t / pi``,
  ``dV/dS_ij = (a-b)^2 / (2 pi sqrt D)``, ``dV/dS_ii = -(a-b)^2 S_ij / (4 pi S_ii sqrt D)``:
  unbounded at ``D = 0`` (:class:`InfiniteDerivative`); diagonal ``(a^2+b^2)/2``.
* :class:`Erf`: with ``A = 1 + 2 S_ii``, ``B = 1 + 2 S_jj``,
  ``R = sqrt(1 + 2(S_ii+S_jj) + 4D)`` (``= sqrt(AB - 4 S_ij^2)``):
  ``V = (2/pi) atan2(2 S_ij, R)``, ``dV/dS_ij = 4 / (pi R)``,
  ``dV/dS_ii = -4 S_ij / (pi R A)``; diagonal ``V = (2/pi) atan2(2s, sqrt(1+4s))``,
  ``dV/ds = 4 / (pi (1+2s) sqrt(1+4s))``.

The same functions run in float64 (the batch maps), mpmath (the precise maps and the
chain-rule Jacobian), arb balls (certificates, searches) and acb balls (the RS
s-integral under ``acb.integral``): see :mod:`numerics.arith`.  The SymPy statements of
the same kernels in :mod:`theory.kernels` are the symbolic specification, kept as a
deliberately independent route (``tests/theory/test_kernels.py`` and
``tests/numerics/test_kernels.py`` compare them).

A kernel family is one entry of :data:`KERNEL_FAMILIES`: a new closed form is a new
class there, not an edit of ``if`` chains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, ClassVar

import mpmath
import numpy as np

from numerics.arith import FLOAT64, MPMATH, Ops
from theory.activations import Activation
from theory.errors import NotClosedFormError

__all__ = [
    "ABReLU",
    "ABStep",
    "Erf",
    "InfiniteDerivative",
    "KERNEL_FAMILIES",
    "PairKernel",
    "closed_form_kernel",
    "diag_value_grad",
    "kernel_matrix_float64",
    "kernel_matrix_mp",
    "kernel_params",
    "pair_value_grad",
]


class InfiniteDerivative(ArithmeticError):
    """The kernel gradient is unbounded at this point (degree 0 at correlation +-1,
    or a zero variance for degree 1)."""


class PairKernel:
    """A closed-form kernel family: ``V`` and its gradient on a pair and a diagonal.

    Attributes
    ----------
    slopes : tuple of Fraction
        The family's exact parameters (``(a, b)``; empty for erf).
    vanishes_at_zero_variance : bool
        ``phi(0) = 0`` makes ``V_ij = 0`` when ``S_ii = 0`` or ``S_jj = 0`` (the
        matrix builders apply it; the formulas assume positive variances).
    """

    family: ClassVar[str]
    vanishes_at_zero_variance: ClassVar[bool] = True

    def __init__(self, slopes: Sequence[Fraction] = ()) -> None:
        self.slopes = tuple(Fraction(s) for s in slopes)

    def pair(self, ops: Ops, sii: Any, sjj: Any, sij: Any, grad: bool = True,
             D: Any = None) -> tuple[Any, Any, Any, Any]:
        """``(V_ij, dV/dS_ii, dV/dS_jj, dV/dS_ij)`` (gradient ``None`` unless ``grad``).

        ``D = S_ii S_jj - S_ij^2`` may be supplied (exact upstream, or a tighter
        enclosure); otherwise it is computed in the context.
        """
        raise NotImplementedError

    def diag(self, ops: Ops, s: Any) -> tuple[Any, Any]:
        """``(V_ii, dV_ii/dS_ii)`` at variance ``s``."""
        raise NotImplementedError

    def _angle(self, ops: Ops, sii: Any, sjj: Any, sij: Any, D: Any
               ) -> tuple[Any, Any, Any, Any, Any]:
        """``(pi, a, b, sqrt D, t)`` with ``t = atan2(sqrt D, S_ij)`` (the two-slope families)."""
        if D is None:
            D = sii * sjj - sij * sij
        a, b = (ops.const(x) for x in self.slopes)
        root = ops.sqrtpos(D)
        return ops.pi(), a, b, root, ops.atan2_sqrt(root, sij)


class ABReLU(PairKernel):
    """``phi = a min(x, 0) + b max(x, 0)`` (degree 1; formulas in the module docstring)."""

    family = "abrelu"

    def pair(self, ops, sii, sjj, sij, grad=True, D=None):
        pi, a, b, root, t = self._angle(ops, sii, sjj, sij, D)
        V = ((a * a + b * b) * (root + (pi - t) * sij) - 2 * a * b * (root - t * sij)) / (2 * pi)
        if not grad:
            return V, None, None, None
        gij = (a * a + b * b) * (pi - t) / (2 * pi) + a * b * t / pi
        if self.slopes[0] == self.slopes[1]:  # linear: V = a^2 S_ij
            return V, ops.const(0), ops.const(0), gij
        if ops.may_be_zero(sii) or ops.may_be_zero(sjj):
            raise InfiniteDerivative("degree-1 kernel gradient at a zero variance")
        c = (a - b) * (a - b) / (4 * pi)
        return V, c * root / sii, c * root / sjj, gij

    def diag(self, ops, s):
        a, b = self.slopes
        c = ops.const((a * a + b * b) / 2)
        return c * s, c


class ABStep(PairKernel):
    """``phi = a 1{x<0} + b 1{x>0}`` (degree 0; formulas in the module docstring)."""

    family = "abstep"

    def pair(self, ops, sii, sjj, sij, grad=True, D=None):
        pi, a, b, root, t = self._angle(ops, sii, sjj, sij, D)
        V = (a * a + b * b) * (pi - t) / (2 * pi) + a * b * t / pi
        if not grad:
            return V, None, None, None
        if self.slopes[0] == self.slopes[1]:  # constant activation
            z = ops.const(0)
            return V, z, z, z
        if ops.may_be_zero(root):
            raise InfiniteDerivative("degree-0 kernel gradient (a-b)^2/(2 pi sqrt D) is unbounded "
                                     "at correlation +-1")
        c = (a - b) * (a - b) / (2 * pi * root)
        return V, -c * sij / (2 * sii), -c * sij / (2 * sjj), c

    def diag(self, ops, s):
        a, b = self.slopes
        return ops.const((a * a + b * b) / 2), ops.const(0)


class Erf(PairKernel):
    """``phi = erf`` (the arcsine kernel of Williams 1997; formulas in the module docstring)."""

    family = "erf"
    vanishes_at_zero_variance = False  # the formula itself gives 0 there

    def pair(self, ops, sii, sjj, sij, grad=True, D=None):
        pi = ops.pi()
        if D is None:
            D = sii * sjj - sij * sij
        R = ops.sqrtpos(1 + 2 * (sii + sjj) + 4 * D)
        V = 2 / pi * ops.atan2(2 * sij, R)
        if not grad:
            return V, None, None, None
        return (V, -4 * sij / (pi * R * (1 + 2 * sii)), -4 * sij / (pi * R * (1 + 2 * sjj)),
                4 / (pi * R))

    def diag(self, ops, s):
        root = ops.sqrtpos(1 + 4 * s)
        pi = ops.pi()
        return 2 / pi * ops.atan2(2 * s, root), 4 / (pi * (1 + 2 * s) * root)


#: kernel family name (``Activation.kernel_family``) -> class.
KERNEL_FAMILIES: dict[str, type[PairKernel]] = {k.family: k for k in (ABReLU, ABStep, Erf)}


def kernel_params(act: Activation) -> tuple[str, tuple[Fraction, ...]]:
    """``(kernel family, slopes as exact fractions)`` of a closed-form activation."""
    slopes = tuple(Fraction(str(s)) for s in (act.slopes or ()))
    return act.kernel_family, slopes


def closed_form_kernel(act: Activation) -> PairKernel:
    """The kernel object of a closed-form activation.

    Raises
    ------
    NotClosedFormError
        When the activation has no closed-form kernel.
    """
    family, slopes = kernel_params(act)
    if family not in KERNEL_FAMILIES:
        raise NotClosedFormError(f"activation {act.name!r} has no closed-form kernel")
    return KERNEL_FAMILIES[family](slopes)


def _family(family: str, slopes: tuple) -> PairKernel:
    try:
        return KERNEL_FAMILIES[family](slopes)
    except KeyError:
        raise ValueError(f"no closed-form kernel family {family!r}") from None


def diag_value_grad(family: str, slopes: tuple, s: Any, ops: Ops) -> tuple[Any, Any]:
    """``(V_ii, dV_ii/dS_ii)`` at variance ``s`` for a family given by name and slopes."""
    return _family(family, slopes).diag(ops, s)


def pair_value_grad(family: str, slopes: tuple, sii: Any, sjj: Any, sij: Any, ops: Ops,
                    grad: bool = True) -> tuple[Any, Any, Any, Any]:
    """``(V_ij, dV/dS_ii, dV/dS_jj, dV/dS_ij)`` for a family given by name and slopes."""
    return _family(family, slopes).pair(ops, sii, sjj, sij, grad)


# ---------------------------------------------------------------------------
# Whole kernel matrices V(S) in the two point arithmetics
# ---------------------------------------------------------------------------


def kernel_matrix_mp(act: Activation, S: mpmath.matrix, D: list[list] | None = None,
                     rows: list[int] | None = None) -> mpmath.matrix:
    """``V_phi(S)`` at the current mpmath precision for a closed-form activation.

    ``D[i][j] = S_ii S_jj - S_ij^2`` may be supplied (exact, then rounded); otherwise
    it is computed in working precision.  Negative variances and discriminants (from
    rounding) are read as 0; a pair with a zero variance has ``V_ij = 0`` for the
    kernels with ``phi(0) = 0``.  ``rows`` restricts the computation to those indices
    (the others are 0).
    """
    kernel = closed_form_kernel(act)
    n = S.rows
    idx = list(range(n) if rows is None else rows)
    V = mpmath.zeros(n, n)
    zero = mpmath.mpf(0)
    for pos, i in enumerate(idx):
        sii = max(S[i, i], zero)
        V[i, i] = (kernel.diag(MPMATH, sii)[0]
                   if sii > 0 or not kernel.vanishes_at_zero_variance else zero)
        for j in idx[pos + 1:]:
            sjj = max(S[j, j], zero)
            if kernel.vanishes_at_zero_variance and (sii <= 0 or sjj <= 0):
                continue  # z_i = 0 a.s. and phi(0) = 0
            d = D[i][j] if D is not None else S[i, i] * S[j, j] - S[i, j] ** 2
            V[i, j] = V[j, i] = kernel.pair(MPMATH, sii, sjj, S[i, j], grad=False,
                                            D=max(d, zero))[0]
    return V


def kernel_matrix_float64(act: Activation, S: np.ndarray,
                          clip: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``V_phi(S)`` entrywise in float64, vectorised over ``(..., n, n)``.

    ``clip(D, sii_sjj)`` maps the rounded discriminants to the ones used (the caller's
    rounding policy, e.g. ``D <= 16 eps S_ii S_jj`` read as 0).  Pairs with a zero
    variance give 0 for the kernels with ``phi(0) = 0``; the diagonal is the family's
    diagonal formula.
    """
    kernel = closed_form_kernel(act)
    d = np.clip(np.diagonal(S, axis1=-2, axis2=-1), 0, None)
    sii, sjj = d[..., :, None], d[..., None, :]
    D = clip(sii * sjj - S * S, sii * sjj)
    V = kernel.pair(FLOAT64, sii, sjj, S, grad=False, D=D)[0]
    if kernel.vanishes_at_zero_variance:
        V = np.where((sii > 0) & (sjj > 0), V, 0.0)
    diag = np.broadcast_to(kernel.diag(FLOAT64, d)[0], d.shape)
    if kernel.vanishes_at_zero_variance:
        diag = np.where(d > 0, diag, 0.0)
    V = np.array(V, dtype=float)
    n = S.shape[-1]
    idx = np.arange(n)
    V[..., idx, idx] = diag
    return V
