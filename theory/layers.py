"""Layer kinds and the symbolic mean-field map ``F`` and shape map ``F_hat``.

A layer is the random linear map ``H = W X`` followed by any subset, in the
fixed order RC -> RS -> NL, of the three batch-norm components (docs/theory.md
section 1).  There are 8 layer kinds.

The map itself (docs/theory.md section 2) is computed on :class:`theory.cells.CellMatrix`
objects, so that the same code serves a concrete ``n x n`` matrix (all cells of
size 1) and the simplified geometric models with ``n`` symbolic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from theory.activations import Activation, get_activation
from theory.cells import CellMatrix
from theory.errors import NotClosedFormError, UnknownNameError
from theory.kernels import kernel, kernel_diagonal, opaque_kernel

COMPONENTS = ("rc", "rs", "nl")

_SHORTHANDS = {
    "bn": ("rc", "rs", "nl"),
    "batchnorm": ("rc", "rs", "nl"),
    "none": (),
    "linear": (),
}


@dataclass(frozen=True)
class LayerKind:
    """An ordered subset of {RC, RS, NL} after the linear map."""

    rc: bool = False
    rs: bool = False
    nl: bool = False

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(c for c in COMPONENTS if getattr(self, c))

    @property
    def name(self) -> str:
        """Canonical spelling: ``"rc,rs,nl"``, ``"none"`` for the linear layer alone."""
        return ",".join(self.components) or "none"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def all(cls) -> list[LayerKind]:
        """The 8 layer kinds."""
        return [
            cls(rc=bool(i & 1), rs=bool(i & 2), nl=bool(i & 4)) for i in range(8)
        ]


def parse_layer(spec: str | LayerKind) -> LayerKind:
    """Parse ``"rc,nl"``, ``"rc+rs+nl"``, ``"bn"`` or ``"none"`` into a :class:`LayerKind`.

    Components may be given in any order (the order of application is always
    RC -> RS -> NL); a repeated or unknown component is an error.
    """
    if isinstance(spec, LayerKind):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise UnknownNameError("layer: empty layer specification", parameter="layer")
    text = spec.strip().lower()
    if text in _SHORTHANDS:
        parts = _SHORTHANDS[text]
    else:
        parts = tuple(p.strip() for p in text.replace("+", ",").split(","))
    seen: set[str] = set()
    for part in parts:
        if part not in COMPONENTS:
            raise UnknownNameError(
                f"unknown layer component {part!r} in {spec!r} "
                "(use a comma list of rc, rs, nl; or bn, none)", parameter="layer"
            )
        if part in seen:
            raise UnknownNameError(f"layer component {part!r} repeated in {spec!r}",
                                   parameter="layer")
        seen.add(part)
    return LayerKind(rc="rc" in seen, rs="rs" in seen, nl="nl" in seen)


#: The symbol of the RS integral, ``1/r = int_0^oo exp(-s r) ds``.
S_INT = sp.Symbol("s", nonnegative=True)


def _as_cells(G: CellMatrix | sp.Matrix | Sequence[Sequence]) -> CellMatrix:
    if isinstance(G, CellMatrix):
        return G
    return CellMatrix.from_matrix(G)


def _apply_kernel(S: CellMatrix, act: Activation, opaque: bool = False) -> CellMatrix:
    """``V_phi(S)`` entrywise on a cell matrix (closed-form kernels only); with
    ``opaque`` the off-diagonal kernels are functions with closed-form gradients
    (:func:`theory.kernels.opaque_kernel`), for differentiation."""
    pair = opaque_kernel if opaque else kernel
    return S.entrywise(
        lambda Sii: kernel_diagonal(act, Sii),
        lambda Sii, Sjj, Sij: pair(act, Sii, Sjj, Sij),
    )


def rs_integrand(S: CellMatrix, act: Activation | None,
                 opaque: bool = False) -> tuple[sp.Expr, CellMatrix]:
    r"""The integrand of the RS map, ``det(I + 2 s S)^(-1/2)`` and ``V_phi(S (I + 2 s S)^(-1))``.

    For a degree-1 homogeneous ``phi`` (or no NL, ``act = None``) the rescaled
    row is ``sqrt(n) phi(y)/|y|`` with ``y ~ N(0, S)``, and
    ``1/|y|^2 = int_0^oo exp(-s |y|^2) ds`` gives

        F = n int_0^oo det(I + 2 s S)^(-1/2) V_phi(S (I + 2 s S)^(-1)) ds,

    because ``exp(-s |y|^2)`` times the density of ``N(0, S)`` is
    ``det(I + 2 s S)^(-1/2)`` times the density of ``N(0, S (I + 2 s S)^(-1))``.
    """
    s = S_INT
    one = CellMatrix.identity(S.sizes)
    det = (one + S * (2 * s)).det()
    S_s = S.apply(
        lambda x: x / (1 + 2 * s * x),
        lambda Q: Q * (sp.eye(Q.rows) + 2 * s * Q).inv(),
    )
    V = S_s if act is None else _apply_kernel(S_s, act, opaque)
    return det ** sp.Rational(-1, 2), V


def _integrate(expr: sp.Expr) -> sp.Expr:
    """``int_0^oo expr ds``, kept unevaluated (it does not close in general)."""
    return sp.Integral(expr, (S_INT, 0, sp.oo))


def single_eigenvalue(S: CellMatrix) -> tuple[sp.Expr, sp.Expr] | None:
    """``(lambda, r)`` when ``S = lambda Pi`` for an orthogonal projector ``Pi`` of rank ``r``.

    Then the RS integral closes: ``S (I + 2 s S)^(-1) = lambda/(1 + 2 s lambda) Pi``,
    ``det(I + 2 s S) = (1 + 2 s lambda)^r`` and, for degree-1 homogeneous ``phi``,
    ``n int_0^oo (1 + 2 s lambda)^(-r/2 - 1) lambda V_phi(Pi) ds = n V_phi(Pi) / r``,
    i.e. ``F = n V_phi(S) / (r lambda)``.
    """
    if S.k > 2:
        return None
    spectrum: dict[sp.Expr, sp.Expr] = {}
    for x, size in zip(S.e, S.sizes, strict=True):
        if size != 1:
            key = sp.factor(x)
            spectrum[key] = spectrum.get(key, 0) + size - 1
    for x, mult in S.quotient().eigenvals().items():
        key = sp.factor(x)
        spectrum[key] = spectrum.get(key, 0) + mult
    spectrum.pop(sp.Integer(0), None)
    if len(spectrum) != 1:
        return None
    (value, rank), = spectrum.items()
    return value, rank


def mean_field_map(
    G: CellMatrix | sp.Matrix | Sequence[Sequence],
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
    close_integrals: bool | None = None,
    opaque_kernels: bool = False,
) -> CellMatrix:
    r"""The mean-field map ``F(G) = E[psi(h) psi(h)^T]``, ``h ~ N(0, sigma_w^2 G)``.

    Composition (docs/theory.md section 2), with ``S = sigma_w^2 G``:

    * RC: ``S <- P S P``, ``P = I - 1 1^T / n``;
    * RS with a degree-1 homogeneous ``phi`` or without NL: the integral of
      :func:`rs_integrand` (kept as an unevaluated ``Integral`` where SymPy does
      not close it);
    * RS with a degree-0 ``phi``: nothing (``phi(c y) = phi(y)`` for ``c > 0``);
    * NL: ``V_phi(S)`` entrywise (:mod:`theory.kernels`);
    * neither: ``F = S``.

    Parameters
    ----------
    G
        A :class:`CellMatrix` (``n`` may be symbolic) or a concrete matrix.
    layer, activation
        The layer kind and ``phi`` (the activation is ignored without NL).
    sigma_w2
        The weight variance ``sigma_w^2``.
    close_integrals
        ``False`` keeps every RS integral unevaluated; by default it is closed
        when ``S`` has a single non-zero eigenvalue (see :func:`single_eigenvalue`).
    opaque_kernels
        Keep kernels as functions with closed-form gradients (for Jacobians).

    Raises
    ------
    NotClosedFormError
        For an activation without closed-form kernel, or RS with an activation
        that is not positively homogeneous.
    """
    kind = parse_layer(layer)
    act = get_activation(activation) if kind.nl else None
    S = _as_cells(G) * sp.sympify(sigma_w2)
    if kind.rc:
        P = CellMatrix.centering(S.sizes)
        S = (P @ S @ P).map_entries(sp.factor)
    if act is not None and not act.closed_form:
        raise NotClosedFormError(
            f"activation {act.name!r} has no closed-form kernel: evaluate the map numerically"
        )
    if kind.rs and not (act is not None and act.degree == 0):
        if act is not None and act.degree != 1:
            raise NotClosedFormError(
                f"RS with the non-homogeneous activation {act.name!r} has no 1-D integral "
                "reduction: evaluate it numerically"
            )
        n = S.n
        single = single_eigenvalue(S) if close_integrals is not False else None
        if single is not None:
            value, rank = single
            V = S if act is None else _apply_kernel(S, act, opaque_kernels)
            return V * (n / (rank * value))
        weight, V = rs_integrand(S, act, opaque_kernels)
        return V.map_entries(lambda v: n * _integrate(weight * v))
    if act is not None:
        return _apply_kernel(S, act, opaque_kernels)
    return S


def shape_map(
    G: CellMatrix | sp.Matrix | Sequence[Sequence],
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
    close_integrals: bool | None = None,
    opaque_kernels: bool = False,
) -> CellMatrix:
    """The shape map ``F_hat(G) = n F(G) / tr F(G)`` (acts on Gram matrices of trace ``n``)."""
    F = mean_field_map(G, layer, activation, sigma_w2=sigma_w2, close_integrals=close_integrals,
                       opaque_kernels=opaque_kernels)
    return F * (F.n / F.trace())
