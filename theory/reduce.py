"""The reduced map of ``F`` (or ``F_hat``) on a family's parameters.

``reduced_map(family, layer, activation)`` returns, for every parameter ``p``
of the family, the expression of ``p`` at ``F_hat(G(params))`` in terms of the
parameters and ``n`` (docs/theory.md section 4).  Where RS does not close, entries
contain an unevaluated ``Integral`` over ``s`` and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory.activations import Activation, get_activation
from theory.families import Family, get_family
from theory.layers import LayerKind, mean_field_map, parse_layer
from theory.serialize import expr_json


def tidy(expr: sp.Expr) -> sp.Expr:
    """A light, bounded simplification (``cancel``/``powsimp``), then ``simplify``
    only when the expression is small; never slower than a fraction of a second
    for the families' maps."""
    expr = sp.powsimp(sp.sympify(expr))
    if sp.count_ops(expr) < 400 and not expr.has(sp.Integral):
        simplified = sp.simplify(expr)
        if sp.count_ops(simplified) <= sp.count_ops(expr):
            return simplified
    return expr


@dataclass(frozen=True)
class ReducedMap:
    """The reduced map ``params -> params'`` of one family under one layer kind."""

    family: Family
    layer: LayerKind
    activation: Activation | None
    shape: bool
    sigma_w2: sp.Expr
    images: dict[sp.Symbol, sp.Expr]

    @property
    def closed_form(self) -> bool:
        """False when an RS ``Integral`` stays unevaluated."""
        return not any(e.has(sp.Integral) for e in self.images.values())

    def __call__(self, values: dict) -> dict[sp.Symbol, sp.Expr]:
        subs = {(k if isinstance(k, sp.Symbol) else sp.Symbol(k)): v for k, v in values.items()}
        by_name = {p.name: p for p in self.family.parameters}
        subs = {by_name.get(k.name, k): v for k, v in subs.items()}
        return {p: e.subs(subs) for p, e in self.images.items()}

    def as_vector(self) -> sp.Matrix:
        return sp.Matrix([self.images[p] for p in self.family.parameters])

    def to_json(self) -> dict:
        return {
            "family": self.family.name,
            "layer": self.layer.name,
            "activation": None if self.activation is None else self.activation.name,
            "map": "F_hat" if self.shape else "F",
            "sigma_w2": str(self.sigma_w2),
            "closed_form": self.closed_form,
            "images": {p.name: expr_json(e) for p, e in self.images.items()},
        }


def reduced_map(
    family: Family | str,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    shape: bool = True,
    sigma_w2: sp.Expr = 1,
    simplify: bool = True,
) -> ReducedMap:
    """Reduce ``F_hat`` (``shape=True``) or ``F`` to the family's parameters.

    The family member ``G(params)`` is a :class:`theory.cells.CellMatrix` with
    ``n`` symbolic; ``F`` is computed on it exactly (:func:`theory.layers.mean_field_map`)
    and the parameters are read back from the result.
    """
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation) if kind.nl else None
    G = fam.gram()
    F = mean_field_map(G, kind, act if act is not None else "identity", sigma_w2=sigma_w2)
    if shape:
        F = F * (F.n / F.trace())
    params = fam.parameters_of(F)
    if simplify:
        params = {p: tidy(e) for p, e in params.items()}
    return ReducedMap(fam, kind, act, shape, sp.sympify(sigma_w2), params)
