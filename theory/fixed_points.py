"""Closed-form fixed points of the reduced shape map ``F_hat`` on a family.

SymPy cannot solve the transcendental fixed-point equations in general; what it
can do is recognise a fixed point when the map sends a whole (sub)family to a
single point.  :func:`closed_form_fixed_points` therefore tries, on the family
and on each of its degenerate members (docs/theory.md section 4, e.g. ``rho = 1``):

1. check that the sub-family is mapped into itself;
2. apply the map: if the image no longer depends on the parameters, it is the
   only candidate in that sub-family; apply the map again and check that the
   candidate is fixed (symbolically, with the checked simplification of
   :mod:`theory.simplify`);
3. a map that is the identity on the family makes every member fixed.

Every fixed point found is reported with how it was found.  Fixed points that
this does not find are left to ``numerics`` (interval search in the family's
parameter box); the result says so (``complete = False``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from theory.activations import Activation, get_activation
from theory.families import Family, get_family
from theory.layers import LayerKind, parse_layer, shape_map
from theory.serialize import expr_json
from theory.simplify import simplify_checked


@dataclass(frozen=True)
class FixedPoint:
    """A closed-form fixed point ``G* = F_hat(G*)`` of a family."""

    family: Family
    values: dict[sp.Symbol, sp.Expr]
    name: str
    degenerate: bool
    how: str

    def gram(self):
        return self.family.gram(self.values)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "family": self.family.name,
            "parameters": {p.name: expr_json(v) for p, v in self.values.items()},
            "degenerate": self.degenerate,
            "how": self.how,
        }


@dataclass(frozen=True)
class FixedPointSearch:
    """All closed-form fixed points found, and whether the search is exhaustive."""

    family: Family
    layer: LayerKind
    activation: Activation | None
    fixed_points: list[FixedPoint]
    every_member_fixed: bool = False
    complete: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "family": self.family.name,
            "layer": self.layer.name,
            "activation": None if self.activation is None else self.activation.name,
            "every_member_fixed": self.every_member_fixed,
            "complete": self.complete,
            "fixed_points": [fp.to_json() for fp in self.fixed_points],
            "notes": self.notes,
        }


def image_parameters(family: Family, values: dict, layer: LayerKind, act: Activation | None,
                     sigma_w2: sp.Expr = 1) -> dict[sp.Symbol, sp.Expr]:
    """Parameters of ``F_hat(G(values))`` for a (possibly partly numeric) member."""
    F = shape_map(family.gram(values), layer, act if act is not None else "identity",
                  sigma_w2=sigma_w2)
    return family.parameters_of(F)


def _simplified(family: Family, values: dict) -> dict:
    points = family.sample_points()
    # Large expressions (generic images) are left as they are: only whether they
    # depend on the parameters matters there, and simplifying them is slow.
    return {p: v if v.has(sp.Integral) or sp.count_ops(v) > 600
            else simplify_checked(family.refine(v), points)
            for p, v in values.items()}


def _is_zero(expr: sp.Expr, family: Family) -> bool:
    if expr.has(sp.Integral):
        return False
    expr = simplify_checked(expr, family.sample_points())
    return expr == 0


def closed_form_fixed_points(
    family: Family | str,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
) -> FixedPointSearch:
    """Closed-form fixed points of ``F_hat`` on ``family`` (see module docstring)."""
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation) if kind.nl else None
    params = set(fam.parameters)
    generic = {p: p for p in fam.parameters}
    found: list[FixedPoint] = []
    notes: list[str] = []

    image = _simplified(fam, image_parameters(fam, generic, kind, act, sigma_w2))
    if all(_is_zero(image[p] - p, fam) for p in fam.parameters if p not in _scale_params(fam)):
        notes.append("the reduced shape map is the identity on the shape parameters")
        return FixedPointSearch(fam, kind, act, [], every_member_fixed=True, complete=True,
                                notes=notes)

    subfamilies: list[tuple[str, dict]] = [("generic", {})]
    subfamilies += [(label, dict(sub)) for label, sub in fam.degenerate.items()]
    for label, sub in subfamilies:
        start = {p: sub.get(p, p) for p in fam.parameters}
        try:
            img = _simplified(fam, image_parameters(fam, start, kind, act, sigma_w2))
        except (ZeroDivisionError, ValueError, TypeError) as exc:
            notes.append(f"{label}: map undefined ({exc})")
            continue
        if any(v.has(sp.nan, sp.zoo, sp.oo) for v in img.values()):
            notes.append(f"{label}: the map is undefined there (tr F = 0 or a zero variance)")
            continue
        if any(not _is_zero(img[p] - v, fam) for p, v in sub.items()):
            notes.append(f"{label}: not mapped into itself")
            continue
        if any(v.free_symbols & params for v in img.values()):
            notes.append(f"{label}: the image still depends on the parameters; "
                         "fixed points there are numeric (see numerics)")
            continue
        # The map is constant on a sub-family that it maps into itself: that
        # constant lies in the sub-family, so it is a fixed point (no further check
        # is needed: F_hat(G*) = constant = G*).
        candidate = img
        if any(all(_is_zero(fp.values[p] - candidate[p], fam) for p in fam.parameters)
               for fp in found):
            continue
        degenerate = label != "generic" or _is_degenerate(fam, candidate)
        how = ("the map is constant on the family" if label == "generic"
               else f"the map is constant on the invariant sub-family '{label}'")
        name = _name(fam, candidate, label, len(found))
        found.append(FixedPoint(fam, candidate, name, degenerate, how))
    return FixedPointSearch(fam, kind, act, found, complete=False, notes=notes)


def _scale_params(fam: Family) -> set[sp.Symbol]:
    # On the symmetric family the norm q is fixed by the trace (q = 1): it is not
    # a shape parameter.
    return {p for p in fam.parameters if p.name == "q"}


def _is_degenerate(fam: Family, values: dict) -> bool:
    for p, v in values.items():
        if p.name.startswith(("rho", "gamma")) and v.is_number and abs(v) == 1:
            return True
    return False


def _name(fam: Family, values: dict, label: str, index: int) -> str:
    if fam.name == "cluster-odd" and label.startswith("single cluster"):
        g = values.get(sp.Symbol("gamma", real=True))
        return {0: "cluster-odd", -1: "cluster-odd-antipodal"}.get(g, "cluster-odd-nonorthogonal")
    if label == "generic":
        return f"{fam.name}" if index == 0 else f"{fam.name}-{index}"
    return label.replace(" + ", "-").replace(" ", "-")
