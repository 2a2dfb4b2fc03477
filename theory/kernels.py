r"""Closed-form kernels ``V_phi(S)_ij = E[phi(z_i) phi(z_j)]``.

``(z_i, z_j)`` is centred Gaussian with covariance
``[[S_ii, S_ij], [S_ij, S_jj]]``; write ``cos t = S_ij / sqrt(S_ii S_jj)``,
``t in [0, pi]``.  The closed forms (derived in the docstrings below and
checked against independent 2-D quadrature in ``tests/theory/test_kernels.py``):

* degree 1, ``phi = a min(x,0) + b max(x,0)``:
  ``sqrt(S_ii S_jj) / (2 pi) * [(a^2 + b^2)(sin t + (pi - t) cos t)
  - 2 a b (sin t - t cos t)]``; ReLU gives the arc-cosine kernel of degree 1
  (Cho and Saul 2009), identity gives ``S_ij``.
* degree 0, ``phi = a 1{x<0} + b 1{x>0}``:
  ``(a^2 + b^2)(pi - t) / (2 pi) + a b t / pi``; step gives the arc-cosine
  kernel of degree 0, sign gives ``(2/pi) asin(cos t)``.
* erf: ``(2/pi) asin(2 S_ij / sqrt((1 + 2 S_ii)(1 + 2 S_jj)))`` (Williams 1997).

On the diagonal (``i = j``) the kernel is ``E[phi(z)^2]``, given separately by
:func:`kernel_diagonal` so that no ``acos(1)`` needs simplifying.  Where a
variance vanishes the degree-1 and degree-0 kernels are 0 (``phi(0) = 0``);
the formulas are then read as that limit (``numerics`` handles the case).
"""

from __future__ import annotations

import sympy as sp

from theory.activations import Activation, get_activation
from theory.errors import NotClosedFormError

__all__ = [
    "abrelu_kernel",
    "ABReluKernel",
    "abstep_kernel",
    "ABStepKernel",
    "CLOSED_FORMS",
    "correlation_kernel",
    "erf_kernel",
    "expand_kernels",
    "kernel",
    "kernel_diagonal",
    "OPAQUE",
    "opaque_kernel",
]


def _root(Sii: sp.Expr, Sjj: sp.Expr) -> sp.Expr:
    # sqrt(S_ii) sqrt(S_jj) rather than sqrt(S_ii S_jj): variances are >= 0, and
    # SymPy then simplifies sqrt(v) sqrt(v) = v without needing assumptions.
    return sp.sqrt(Sii) * sp.sqrt(Sjj)


def _angle(Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    return sp.acos(Sij / _root(Sii, Sjj))


def abrelu_kernel(a: sp.Expr, b: sp.Expr, Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    r"""Kernel of ``phi = a min(x,0) + b max(x,0)``.

    Derivation: ``phi(x) = b relu(x) - a relu(-x)``; with
    ``k(t) = E[relu(z_i) relu(z_j)] = sqrt(S_ii S_jj)(sin t + (pi - t) cos t)/(2 pi)``
    and ``E[relu(z_i) relu(-z_j)] = k(pi - t)``, bilinearity gives
    ``(a^2 + b^2) k(t) - 2 a b k(pi - t)``.
    """
    t = _angle(Sii, Sjj, Sij)
    scale = _root(Sii, Sjj) / (2 * sp.pi)
    cos_t = Sij / _root(Sii, Sjj)
    sin_t = sp.sqrt(1 - cos_t**2)
    return scale * (
        (a**2 + b**2) * (sin_t + (sp.pi - t) * cos_t) - 2 * a * b * (sin_t - t * cos_t)
    )


def abstep_kernel(a: sp.Expr, b: sp.Expr, Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    r"""Kernel of ``phi = a 1{x<0} + b 1{x>0}``.

    Derivation: ``P(z_i > 0, z_j > 0) = (pi - t)/(2 pi)`` (Sheppard) and
    ``P(z_i > 0, z_j < 0) = t / (2 pi)``, so
    ``E[phi phi] = (a^2 + b^2)(pi - t)/(2 pi) + 2 a b t / (2 pi)``.
    """
    t = _angle(Sii, Sjj, Sij)
    return (a**2 + b**2) * (sp.pi - t) / (2 * sp.pi) + a * b * t / sp.pi


def erf_kernel(Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    r"""Arcsine kernel of ``erf``: ``(2/pi) asin(2 S_ij / sqrt((1+2S_ii)(1+2S_jj)))``."""
    return 2 / sp.pi * sp.asin(2 * Sij / (sp.sqrt(1 + 2 * Sii) * sp.sqrt(1 + 2 * Sjj)))


def _abrelu_diagonal(a: sp.Expr, b: sp.Expr, Sii: sp.Expr) -> sp.Expr:
    return (a**2 + b**2) * Sii / 2


def _abstep_diagonal(a: sp.Expr, b: sp.Expr, Sii: sp.Expr) -> sp.Expr:
    return (a**2 + b**2) / 2


def _erf_diagonal(Sii: sp.Expr) -> sp.Expr:
    return 2 / sp.pi * sp.asin(2 * Sii / (1 + 2 * Sii))


#: kernel family (``Activation.kernel_family``) -> (pair kernel, diagonal); each takes the
#: activation's slopes first (none for erf).
CLOSED_FORMS: dict[str, tuple] = {
    "abrelu": (abrelu_kernel, _abrelu_diagonal),
    "abstep": (abstep_kernel, _abstep_diagonal),
    "erf": (erf_kernel, _erf_diagonal),
}


def _closed_form(activation: Activation | str) -> tuple[Activation, tuple]:
    act = get_activation(activation)
    if act.kernel_family not in CLOSED_FORMS:
        raise NotClosedFormError(f"activation {act.name!r} has no closed-form kernel")
    return act, CLOSED_FORMS[act.kernel_family]


def kernel(activation: Activation | str, Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    """``V_phi`` on the 2x2 block ``(S_ii, S_jj, S_ij)`` of an off-diagonal pair.

    Raises
    ------
    NotClosedFormError
        When the activation has no closed-form kernel (tanh, GELU, SiLU,
        user expressions): evaluate it numerically with ``numerics``.
    """
    act, (pair, _) = _closed_form(activation)
    return pair(*(act.slopes or ()), Sii, Sjj, Sij)


def kernel_diagonal(activation: Activation | str, Sii: sp.Expr) -> sp.Expr:
    """``E[phi(z)^2]`` for ``z ~ N(0, S_ii)``.

    Degree 1: ``(a^2 + b^2) S_ii / 2``; degree 0: ``(a^2 + b^2)/2``;
    erf: ``(2/pi) asin(2 S_ii / (1 + 2 S_ii))``.
    """
    act, (_, diagonal) = _closed_form(activation)
    return diagonal(*(act.slopes or ()), Sii)


def correlation_kernel(activation: Activation | str, c: sp.Expr) -> sp.Expr:
    """The kernel at unit variances, ``V_phi`` with ``S_ii = S_jj = 1, S_ij = c``."""
    return kernel(activation, sp.Integer(1), sp.Integer(1), c)


# --- Kernels as SymPy functions with closed-form gradients -----------------------
#
# For Jacobians the kernels are kept as opaque functions whose partial
# derivatives are given in closed form (Price's theorem).  For degree-1
# activations these gradients are continuous up to correlations +-1, so the
# derivative at a rank-deficient Gram matrix (two points equal, antipodal) is the
# one-sided derivative along admissible directions, not a 0/0.


def _sin_angle(Sii: sp.Expr, Sjj: sp.Expr, Sij: sp.Expr) -> sp.Expr:
    return sp.sqrt(Sii * Sjj - Sij**2) / _root(Sii, Sjj)


class ABReluKernel(sp.Function):
    r"""``V`` of ``a min(x,0) + b max(x,0)`` as a function of ``(a, b, S_ii, S_jj, S_ij)``.

    Gradient (Price's theorem, ``d/dS_ij E[phi phi] = E[phi' phi']``):

    * ``dV/dS_ij = (a^2 + b^2)(pi - t)/(2 pi) + a b t / pi`` (the degree-0 kernel);
    * ``dV/dS_ii = sqrt(S_jj / S_ii) (a - b)^2 sin t / (4 pi)`` (from
      ``V = sqrt(S_ii S_jj) kappa(cos t)`` and ``kappa - c kappa' = (a-b)^2 sin t/(2 pi)``).
    """

    nargs = 5

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        a, b, Sii, Sjj, Sij = self.args
        t = _angle(Sii, Sjj, Sij)
        if argindex == 5:
            return (a**2 + b**2) * (sp.pi - t) / (2 * sp.pi) + a * b * t / sp.pi
        if argindex in (3, 4):
            own, other = (Sii, Sjj) if argindex == 3 else (Sjj, Sii)
            return (sp.sqrt(other) / sp.sqrt(own) * (a - b) ** 2
                    * _sin_angle(Sii, Sjj, Sij) / (4 * sp.pi))
        raise sp.ArgumentIndexError(self, argindex)

    def closed_form(self) -> sp.Expr:
        return abrelu_kernel(*self.args)


class ABStepKernel(sp.Function):
    r"""``V`` of ``a 1{x<0} + b 1{x>0}`` as a function of ``(a, b, S_ii, S_jj, S_ij)``.

    ``dV/dc = (a - b)^2 / (2 pi sin t)`` with ``c = cos t``: unbounded at
    ``c = +-1``, so the map is not Lipschitz at rank-deficient Gram matrices.
    """

    nargs = 5

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.diff(abstep_kernel(*self.args), self.args[argindex - 1])

    def closed_form(self) -> sp.Expr:
        return abstep_kernel(*self.args)


#: kernel family -> the opaque SymPy function with closed-form gradient (the others are
#: kept as their closed form).
OPAQUE: dict[str, type[sp.Function]] = {"abrelu": ABReluKernel, "abstep": ABStepKernel}


def opaque_kernel(activation: Activation | str, Sii: sp.Expr, Sjj: sp.Expr,
                  Sij: sp.Expr) -> sp.Expr:
    """Like :func:`kernel`, as an opaque function with closed-form gradient."""
    act = get_activation(activation)
    if act.kernel_family in OPAQUE:
        return OPAQUE[act.kernel_family](*act.slopes, Sii, Sjj, Sij)
    return kernel(act, Sii, Sjj, Sij)


def expand_kernels(expr: sp.Expr) -> sp.Expr:
    """Replace every opaque kernel function by its closed form."""
    return expr.replace(
        lambda e: isinstance(e, ABReluKernel | ABStepKernel), lambda e: e.closed_form()
    )
