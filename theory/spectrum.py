r"""Jacobian eigenvalues of ``F_hat`` at a closed-form fixed point, labelled by symmetry.

The permutations preserving the cells of a family commute with ``F_hat``, so
its Jacobian at a family fixed point ``G*`` is block diagonal on the isotypic
components of the space of symmetric matrices (docs/theory.md section 3).  For cells
``p`` of sizes ``s_p`` the components are:

=====================  =======================================  ===============
component              representative direction ``E``          multiplicity
=====================  =======================================  ===============
trivial                derivative of ``G(params)`` in a param   1 per eigenvalue
std of cell ``p``      ``v`` with zero sum in cell ``p``:       ``s_p - 1``
                       ``E_ii = v_i`` (diagonal),
                       ``E_ij = v_i + v_j`` (inside the cell),
                       ``E_ij = v_i`` (``j`` in another cell)
std ``p`` x std ``q``  ``E_ij = v_i u_j`` across two cells       ``(s_p-1)(s_q-1)``
``(s_p - 2, 2)``       zero-diagonal, zero-row-sum ``w`` in p    ``s_p(s_p-3)/2``
=====================  =======================================  ===============

Each block is computed exactly with ``n`` symbolic, by differentiating ``F_hat``
along the representative directions in a refined cell structure
(:func:`theory.cells.refine`), through kernels whose gradients are given in
closed form (Price's theorem, :class:`theory.kernels.ABReluKernel`).  For
degree-1 activations these gradients are continuous up to correlations ``+-1``,
so at a rank-deficient ``G*`` (a cluster of equal points, antipodal points) the
result is the one-sided derivative along the admissible directions (``E`` with
``N^T E N >= 0`` for ``N`` spanning ``ker G*``, a cone with interior), extended
linearly; for degree-0 activations the gradient is unbounded there and the
eigenvalues come out infinite, which the result says.

The trivial block is the Jacobian of the reduced map; since ``F_hat`` has trace
``n`` for every input, that Jacobian maps into the tangent space of
``tr G = n`` and has one eigenvalue 0 on the quotient (the scale direction),
which is dropped.  The union of all blocks, with multiplicities, is the
spectrum of the full Jacobian on the ``n(n+1)/2 - 1`` dimensional space of
trace-zero symmetric perturbations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from theory.activations import Activation, get_activation
from theory.cells import CellMatrix, refine, sparse
from theory.families import Family, n
from theory.fixed_points import FixedPoint
from theory.kernels import expand_kernels
from theory.layers import LayerKind, parse_layer, shape_map
from theory.serialize import expr_json
from theory.simplify import simplify_checked


@dataclass(frozen=True)
class Eigenvalue:
    """One eigenvalue of the Jacobian of ``F_hat`` at a fixed point."""

    value: sp.Expr
    multiplicity: sp.Expr
    symmetry: str
    component: str
    note: str = ""

    def to_json(self) -> dict:
        return {
            "value": expr_json(self.value),
            "multiplicity": expr_json(self.multiplicity),
            "symmetry": self.symmetry,
            "component": self.component,
            "note": self.note,
        }


@dataclass(frozen=True)
class Spectrum:
    """Labelled eigenvalues at one fixed point, and the blocks they come from."""

    fixed_point: FixedPoint
    layer: LayerKind
    activation: Activation | None
    eigenvalues: list[Eigenvalue]
    blocks: dict[str, sp.Matrix] = field(default_factory=dict)
    admissible: str = ""

    def to_json(self) -> dict:
        return {
            "fixed_point": self.fixed_point.name,
            "admissible_directions": self.admissible,
            "eigenvalues": [e.to_json() for e in self.eigenvalues],
            "blocks": {k: [[expr_json(x)["text"] for x in row] for row in M.tolist()]
                       for k, M in self.blocks.items()},
        }


def shape_derivative(
    G: CellMatrix, E: CellMatrix, layer: LayerKind, act: Activation | None,
    sigma_w2: sp.Expr = 1,
) -> CellMatrix:
    """``D F_hat(G)[E] = d/dt F_hat(G + t E)`` at ``t = 0`` (one-sided at the boundary)."""
    t = sp.Dummy("t")
    F = shape_map(G + E * t, layer, act if act is not None else "identity",
                  sigma_w2=sigma_w2, close_integrals=False, opaque_kernels=True)
    return F.map_entries(lambda x: expand_kernels(sp.diff(x, t).subs(t, 0)))


def _clean(expr: sp.Expr, points: list) -> sp.Expr:
    expr = sp.sympify(expr)
    if expr.has(sp.Integral):
        return expr
    if sp.count_ops(expr) > 600:
        expr = sp.cancel(sp.together(expr))
    return simplify_checked(expr, points)


def _n_points(family: Family) -> list[dict]:
    return [{k: v for k, v in p.items() if k.name in ("n", "m")} for p in family.sample_points()]


def _split_values(fp: FixedPoint) -> tuple[dict, dict]:
    """Values rational in ``n`` are substituted at once; others (with ``acos``,
    square roots, ...) stay as their parameter symbol until the end, which keeps
    the derivative expressions small enough to simplify."""
    now, later = {}, {}
    for p, v in fp.values.items():
        if v.is_rational_function(*fp.family.size_symbols):
            now[p] = v
        elif p.name.startswith(("rho", "gamma")):
            # A correlation strictly inside (-1, 1): write it 1 - d with d > 0 so
            # that sqrt((1 - rho)^2) simplifies to d.
            d = sp.Dummy(f"d_{p.name}", positive=True)
            now[p] = 1 - d
            later[d] = 1 - v
        else:
            w = sp.Dummy(p.name, positive=True)
            now[p] = w
            later[w] = v
    return now, later


def reduced_jacobian(fp: FixedPoint, layer: LayerKind, act: Activation | None,
                     sigma_w2: sp.Expr = 1) -> sp.Matrix:
    """Jacobian of the reduced map (parameters -> parameters) at the fixed point."""
    fam = fp.family
    values, later = _split_values(fp)
    G = fam.gram(values)
    points = _n_points(fam)
    symbolic_points = [{**pt, **{p: v.subs(pt) for p, v in later.items()}} for pt in points]
    u = sp.Dummy("u")
    columns = []
    for p in fam.parameters:
        shifted = dict(values)
        shifted[p] = values[p] + u
        E = fam.gram(shifted).map_entries(lambda x: sp.diff(x, u).subs(u, 0))
        D = shape_derivative(G, E, layer, act, sigma_w2)
        # Parameters of G + t D, differentiated at t = 0.
        t = sp.Dummy("t")
        moved = fam.parameters_of(G + D * t)
        columns.append([
            _clean(_clean(sp.diff(moved[q], t).subs(t, 0), symbolic_points).subs(later), points)
            for q in fam.parameters
        ])
    return sp.Matrix(columns).T


def _eigen(M: sp.Matrix, points: list) -> dict[sp.Expr, int]:
    values: dict[sp.Expr, int] = {}
    for value, mult in M.eigenvals(multiple=False).items():
        value = _clean(value, points)
        values[value] = values.get(value, 0) + mult
    return values


def _std_block(G: CellMatrix, p: int, labels: tuple[str, ...], layer, act, sigma_w2,
               points) -> tuple[sp.Matrix, list[str]]:
    R, idx = refine(G, {p: 2})
    one, two, rest = idx[p]
    directions: list[tuple[str, CellMatrix, Callable[[CellMatrix], sp.Expr]]] = [
        ("diagonal", sparse(R.sizes, {(one, one): 1, (two, two): -1}),
         lambda D: D.diag(one)),
        ("inside the " + labels[p], sparse(R.sizes, {(one, rest): 1, (two, rest): -1}),
         lambda D: D.cross(one, rest)),
    ]
    for q in range(G.k):
        if q == p:
            continue
        target = idx[q][-1]
        directions.append((
            f"against the {labels[q]}",
            sparse(R.sizes, {(one, target): 1, (two, target): -1}),
            lambda D, target=target: D.cross(one, target),
        ))
    names = [d[0] for d in directions]
    images = [shape_derivative(R, E, layer, act, sigma_w2) for _, E, _ in directions]
    M = sp.Matrix([[_clean(read(D), points) for D in images] for _, _, read in directions])
    return M, names


def _pair_block(G, p, q, layer, act, sigma_w2, points) -> sp.Expr:
    R, idx = refine(G, {p: 2, q: 2})
    p1, p2, q1, q2 = idx[p][0], idx[p][1], idx[q][0], idx[q][1]
    E = sparse(R.sizes, {(p1, q1): 1, (p1, q2): -1, (p2, q1): -1, (p2, q2): 1})
    return _clean(shape_derivative(R, E, layer, act, sigma_w2).cross(p1, q1), points)


def _two_row_block(G, p, layer, act, sigma_w2, points) -> sp.Expr:
    R, idx = refine(G, {p: 4})
    i1, i2, i3, i4 = idx[p][:4]
    E = sparse(R.sizes, {(i1, i3): 1, (i2, i4): 1, (i1, i4): -1, (i2, i3): -1})
    return _clean(shape_derivative(R, E, layer, act, sigma_w2).cross(i1, i3), points)


def spectrum(
    fp: FixedPoint,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: sp.Expr = 1,
    symmetry_breaking: bool = True,
) -> Spectrum:
    """All eigenvalues of the Jacobian of ``F_hat`` at ``fp``, with multiplicities and labels."""
    kind = parse_layer(layer)
    act = get_activation(activation) if kind.nl else None
    fam = fp.family
    points = _n_points(fam)
    values, later = _split_values(fp)
    symbolic_points = [{**pt, **{p: v.subs(pt) for p, v in later.items()}} for pt in points]
    G = fam.gram(values)
    labels = fam.cell_labels
    eigenvalues: list[Eigenvalue] = []
    blocks: dict[str, sp.Matrix] = {}

    J = reduced_jacobian(fp, kind, act, sigma_w2)
    blocks["trivial"] = J
    trivial = _eigen(J, points)
    if trivial.get(sp.Integer(0), 0) > 0:
        trivial[sp.Integer(0)] -= 1  # the scale direction (quotient of tr G = n)
    for value, mult in trivial.items():
        if mult:
            eigenvalues.append(Eigenvalue(value, sp.Integer(mult), "overall (family parameters: "
                                          + ", ".join(fam.parameter_names) + ")", "trivial"))
    if symmetry_breaking:
        sizes = G.sizes
        for p, s in enumerate(sizes):
            if s == 1:
                continue
            M, names = _std_block(G, p, labels, kind, act, sigma_w2, symbolic_points)
            M = M.applyfunc(lambda x: _clean(x.subs(later), points))
            blocks[f"std:{labels[p]}"] = M
            for value, mult in _eigen(M, points).items():
                eigenvalues.append(Eigenvalue(
                    value, mult * (s - 1),
                    f"one {labels[p]} point against the rest of the {labels[p]} "
                    f"(mixes: {', '.join(names)})", f"std({labels[p]})"))
            if s.is_number and s < 4:
                continue
            value = _two_row_block(G, p, kind, act, sigma_w2, symbolic_points)
            value = _clean(value.subs(later), points)
            blocks[f"two-row:{labels[p]}"] = sp.Matrix([[value]])
            eigenvalues.append(Eigenvalue(
                value, sp.factor(s * (s - 3) / 2),
                f"pairwise correlations inside the {labels[p]} with zero row sums",
                f"({s - 2},2)({labels[p]})", note=f"present when {s} >= 4"))
        for p in range(len(sizes)):
            for q in range(p + 1, len(sizes)):
                if sizes[p] == 1 or sizes[q] == 1:
                    continue
                value = _pair_block(G, p, q, kind, act, sigma_w2, symbolic_points)
                value = _clean(value.subs(later), points)
                blocks[f"std x std:{labels[p]},{labels[q]}"] = sp.Matrix([[value]])
                eigenvalues.append(Eigenvalue(
                    value, sp.expand((sizes[p] - 1) * (sizes[q] - 1)),
                    f"{labels[p]} against {labels[q]}, antisymmetric in both",
                    f"std({labels[p]}) x std({labels[q]})"))
    admissible = (
        "all symmetric trace-zero directions" if not fp.degenerate else
        "G* is rank-deficient: admissible directions are E with N^T E N >= 0 "
        "(N spans ker G*), a cone with interior; the one-sided derivative along "
        "it is linear and is reported on all directions"
    )
    return Spectrum(fp, kind, act, eigenvalues, blocks, admissible)


def total_multiplicity(spec: Spectrum) -> sp.Expr:
    """Sum of multiplicities; equals ``n(n+1)/2 - 1`` for a complete spectrum."""
    return sp.expand(sp.Add(*[e.multiplicity for e in spec.eigenvalues]))


__all__ = ["Eigenvalue", "Spectrum", "reduced_jacobian", "shape_derivative", "spectrum",
           "total_multiplicity", "n"]
