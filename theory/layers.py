"""Layer kinds and the symbolic mean-field map ``F`` and shape map ``F_hat``.

A layer is the random linear map ``H = W X`` followed by any subset, in the
fixed order RC -> RS -> NL, of the three batch-norm components (THEORY.md
section 1).  There are 8 layer kinds.

The map itself (THEORY.md section 2) is computed on :class:`theory.cells.CellMatrix`
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
from theory.kernels import kernel, kernel_diagonal

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
        raise UnknownNameError("layer: empty layer specification")
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
                "(use a comma list of rc, rs, nl; or bn, none)"
            )
        if part in seen:
            raise UnknownNameError(f"layer component {part!r} repeated in {spec!r}")
        seen.add(part)
    return LayerKind(rc="rc" in seen, rs="rs" in seen, nl="nl" in seen)


#: The symbol of the RS integral, ``1/r = int_0^oo exp(-s r) ds``.
S_INT = sp.Symbol("s", nonnegative=True)


def _as_cells(G: CellMatrix | sp.Matrix | Sequence[Sequence]) -> CellMatrix:
    if isinstance(G, CellMatrix):
        return G
    return CellMatrix.from_matrix(G)


def _apply_kernel(S: CellMatrix, act: Activation) -> CellMatrix:
    """``V_phi(S)`` entrywise on a cell matrix (closed-form kernels only)."""
    return S.entrywise(
        lambda Sii: kernel_diagonal(act, Sii),
        lambda Sii, Sjj, Sij: kernel(act, Sii, Sjj, Sij),
    )


def rs_integrand(S: CellMatrix, act: Activation | None) -> tuple[sp.Expr, CellMatrix]:
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
    V = S_s if act is None else _apply_kernel(S_s, act)
    return det ** sp.Rational(-1, 2), V


def _integrate(expr: sp.Expr, try_closed: bool) -> sp.Expr:
    integral = sp.Integral(expr, (S_INT, 0, sp.oo))
    if not try_closed:
        return integral
    result = sp.integrate(sp.powsimp(sp.factor(expr), force=True), (S_INT, 0, sp.oo),
                          conds="none")
    if result.has(sp.Integral) or result.has(sp.nan) or result.has(sp.zoo):
        return integral
    return result


def _single_eigenvalue(S: CellMatrix) -> bool:
    """Whether ``S`` has exactly one distinct non-zero eigenvalue (then the RS
    integrand is a power of ``1 + 2 s lambda`` and the integral closes)."""
    if S.k > 2:
        return False
    values = {sp.simplify(x) for x, size in zip(S.e, S.sizes, strict=True) if size != 1}
    values |= {sp.simplify(x) for x in S.quotient().eigenvals()}
    values.discard(sp.Integer(0))
    return len(values) == 1


def mean_field_map(
    G: CellMatrix | sp.Matrix | Sequence[Sequence],
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
    close_integrals: bool | None = None,
) -> CellMatrix:
    r"""The mean-field map ``F(G) = E[psi(h) psi(h)^T]``, ``h ~ N(0, sigma_w^2 G)``.

    Composition (THEORY.md section 2), with ``S = sigma_w^2 G``:

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
        Try ``sympy.integrate`` on the RS integral (default: only for one cell,
        where it is a power of ``1 + 2 s lambda`` and closes).

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
        S = P @ S @ P
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
        weight, V = rs_integrand(S, act)
        n = S.n
        try_closed = _single_eigenvalue(S) if close_integrals is None else close_integrals
        return V.map_entries(lambda v: n * _integrate(weight * v, try_closed))
    if act is not None:
        return _apply_kernel(S, act)
    return S


def shape_map(
    G: CellMatrix | sp.Matrix | Sequence[Sequence],
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
    close_integrals: bool | None = None,
) -> CellMatrix:
    """The shape map ``F_hat(G) = n F(G) / tr F(G)`` (acts on Gram matrices of trace ``n``)."""
    F = mean_field_map(G, layer, activation, sigma_w2=sigma_w2, close_integrals=close_integrals)
    return F * (F.n / F.trace())
