"""One derivation: a family's reduced map, its closed-form fixed points and
their labelled Jacobian spectra (what ``bnverify derive`` prints)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from theory.activations import Activation, get_activation
from theory.errors import InvalidInputError, NotClosedFormError
from theory.families import Family, get_family, n
from theory.fixed_points import FixedPointSearch, closed_form_fixed_points
from theory.layers import LayerKind, parse_layer
from theory.reduce import ReducedMap, reduced_map
from theory.serialize import expr_json
from theory.spectrum import Spectrum, spectrum, total_multiplicity


@dataclass
class Derivation:
    """Reduced map, fixed points and spectra of one (family, layer, activation)."""

    family: Family
    layer: LayerKind
    activation: Activation | None
    n_value: int | None
    reduced: ReducedMap | None
    search: FixedPointSearch | None
    spectra: list[Spectrum] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _sub(self, expr: sp.Expr) -> sp.Expr:
        if self.n_value is None:
            return expr
        return sp.simplify(sp.sympify(expr).subs(n, self.n_value))

    def to_json(self) -> dict:
        out: dict = {
            "family": self.family.to_json(),
            "layer": self.layer.name,
            "activation": None if self.activation is None else self.activation.to_json(),
            "n": self.n_value if self.n_value is not None else "n (symbolic)",
            "map": "F_hat = n F / tr F (shape map)",
            "notes": self.notes,
        }
        if self.reduced is not None:
            out["reduced_map"] = {p.name: expr_json(self._sub(e))
                                  for p, e in self.reduced.images.items()}
            out["reduced_map_closed_form"] = self.reduced.closed_form
        out["fixed_points"] = []
        if self.search is not None:
            by_name = {s.fixed_point.name: s for s in self.spectra}
            for fp in self.search.fixed_points:
                entry = fp.to_json()
                entry["parameters"] = {p.name: expr_json(self._sub(v))
                                       for p, v in fp.values.items()}
                spec = by_name.get(fp.name)
                if spec is not None:
                    entry["admissible_directions"] = spec.admissible
                    entry["eigenvalues"] = [
                        {"value": expr_json(self._sub(e.value)),
                         "multiplicity": expr_json(self._sub(e.multiplicity)),
                         "symmetry": e.symmetry, "component": e.component, "note": e.note}
                        for e in spec.eigenvalues
                    ]
                    entry["total_multiplicity"] = expr_json(self._sub(total_multiplicity(spec)))
                out["fixed_points"].append(entry)
            out["every_member_fixed"] = self.search.every_member_fixed
            out["fixed_point_search_complete"] = self.search.complete
            out["fixed_point_notes"] = self.search.notes
        return out

    def to_text(self) -> str:
        lines = [
            f"family {self.family.name}: {self.family.description}",
            f"layer {self.layer.name}, activation "
            f"{'-' if self.activation is None else self.activation.name}, "
            f"n = {self.n_value if self.n_value is not None else 'n (symbolic)'}",
            "",
        ]
        if self.reduced is not None:
            lines.append("reduced shape map F_hat (parameter -> image):")
            for p, e in self.reduced.images.items():
                lines.append(f"  {p.name}' = {sp.sstr(self._sub(e))}")
            if not self.reduced.closed_form:
                lines.append("  (an RS integral over s stays unevaluated: SymPy does not close it)")
        if self.search is not None:
            lines.append("")
            if self.search.every_member_fixed:
                lines.append("every member of the family is fixed "
                             "(the reduced map is the identity)")
            for fp in self.search.fixed_points:
                params = ", ".join(f"{p.name} = {sp.sstr(self._sub(v))}"
                                   for p, v in fp.values.items())
                lines.append(f"fixed point {fp.name!r}{' (degenerate)' if fp.degenerate else ''}: "
                             f"{params}")
                lines.append(f"  found: {fp.how}")
                for spec in self.spectra:
                    if spec.fixed_point.name != fp.name:
                        continue
                    lines.append(f"  admissible directions: {spec.admissible}")
                    for e in spec.eigenvalues:
                        lines.append(f"  eigenvalue {sp.sstr(self._sub(e.value))}  "
                                     f"(multiplicity {sp.sstr(self._sub(e.multiplicity))})  "
                                     f"[{e.symmetry}]")
            for note in self.search.notes:
                lines.append(f"note: {note}")
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)


def derive(
    family: Family | str,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    n_value: int | None = None,
    sigma_w2: sp.Expr = 1,
    eigenvalues: bool = True,
) -> Derivation:
    """Derive the reduced map, closed-form fixed points and labelled spectra.

    ``n`` stays symbolic; ``n_value`` substitutes a concrete batch size in the
    printed results (it must be at least the family's ``min_n``).
    """
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation) if kind.nl else None
    if n_value is not None and n_value < max(2, fam.min_n):
        raise InvalidInputError(
            f"n_value must be >= {max(2, fam.min_n)} for the family {fam.name!r}, "
            f"got {n_value}", parameter="n_value")
    notes: list[str] = []
    if act is not None and not act.closed_form:
        notes.append(
            f"activation {act.name!r} has no closed-form kernel: its reduced map is not "
            "symbolic here; evaluate it numerically (bnverify map, bnverify fixed-points), "
            "where the kernels are computed by Gaussian quadrature"
        )
        return Derivation(fam, kind, act, n_value, None, None, [], notes)
    try:
        red = reduced_map(fam, kind, act if act is not None else "identity", sigma_w2=sigma_w2)
    except NotClosedFormError as exc:
        notes.append(str(exc))
        return Derivation(fam, kind, act, n_value, None, None, [], notes)
    search = closed_form_fixed_points(fam, kind, act if act is not None else "identity",
                                      sigma_w2=sigma_w2)
    spectra: list[Spectrum] = []
    if eigenvalues:
        for fp in search.fixed_points:
            spectra.append(spectrum(fp, kind, act if act is not None else "identity",
                                    sigma_w2=sigma_w2))
    return Derivation(fam, kind, act, n_value, red, search, spectra, notes)
