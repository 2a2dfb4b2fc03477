r"""Isotypic decomposition of symmetric matrices under the permutations of cells.

The batch is split into consecutive cells ``C_1, ..., C_k`` of sizes ``s_p``
(as :meth:`theory.families.Family.matrix` orders them); the Young subgroup
``S_{s_1} x ... x S_{s_k}`` acts on symmetric matrices by ``E -> Pi E Pi^T``.
The space splits block by block into orthogonal (Frobenius) pieces:

* diagonal of cell ``p``, ``x in R^{s_p}``: trivial ``mean(x)``, std ``x - mean(x)``;
* inside cell ``p`` (off-diagonal ``W``): trivial (the mean), std
  (``W_ij = u_i + u_j`` with ``sum u = 0``: ``u_i = (r_i - mean r)/(s_p - 2)``,
  ``r`` the row sums of ``W``; ``s_p >= 3``), ``(s_p - 2, 2)`` (the rest:
  zero row sums; ``s_p >= 4``);
* across cells ``p, q`` (block ``C``): trivial (grand mean), std of ``p`` (row
  means minus grand mean), std of ``q`` (column means minus grand mean),
  ``std(p) x std(q)`` (the doubly centred block).

The isotypic components, with the labels of :mod:`theory.spectrum` and the
dimension ``d`` of their irreducible representation (the multiplicity of each
eigenvalue of their block):

===========================  ===============================  ==================
label                        copies (representatives)         ``d``
===========================  ===============================  ==================
``trivial``                  ``I_p``, ``1_p 1_p^T - I_p``,    1
                             ``1_p 1_q^T + 1_q 1_p^T``;
                             restricted to trace zero
``std(<p>)``                 for ``v = e_1 - e_2`` in cell p:  ``s_p - 1``
                             diagonal ``E_ii = v_i``; inside
                             ``E_ij = v_i + v_j``; against
                             cell ``q``: ``E_ij = v_i``
``(s-2,2)(<p>)``             ``w_13 = w_24 = 1,               ``s_p(s_p - 3)/2``
                             w_14 = w_23 = -1``
``std(<p>) x std(<q>)``      ``E = v u^T + u v^T``            ``(s_p-1)(s_q-1)``
===========================  ===============================  ==================

By Schur's lemma an equivariant linear map ``J`` (the Jacobian of ``F_hat`` at a
fixed point with this symmetry) acts on a component as ``I_d (x) M`` with
``M`` the ``k x k`` matrix of ``J`` on the representatives; the eigenvalues of
``J`` are those of the ``M``'s, each with multiplicity ``d``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath

from theory.errors import PrecisionError

__all__ = [
    "Block",
    "blocks",
    "cell_ranges",
    "Component",
    "components",
    "eigenvalues",
    "group_eigenvalues",
    "orthonormal_reps",
    "project",
    "Sparse",
    "total_dimension",
]

Sparse = dict[tuple[int, int], Any]


@dataclass(frozen=True)
class Component:
    """One isotypic component: label, irrep dimension, representative directions."""

    label: str
    dim: int
    reps: tuple[tuple[str, Sparse], ...]
    description: str


def cell_ranges(sizes: Sequence[int]) -> list[list[int]]:
    """Indices of each cell (consecutive)."""
    out, start = [], 0
    for s in sizes:
        out.append(list(range(start, start + s)))
        start += s
    return out


def _sym(entries: dict[tuple[int, int], Any]) -> Sparse:
    out: Sparse = {}
    for (i, j), v in entries.items():
        key = (min(i, j), max(i, j))
        out[key] = out.get(key, 0) + v
    return {k: v for k, v in out.items() if v != 0}


def components(sizes: Sequence[int], labels: Sequence[str]) -> list[Component]:
    """The isotypic components present for these cell sizes (table above).

    The ``trivial`` representatives are not yet restricted to trace zero (see
    :func:`orthonormal_reps`).
    """
    cells = cell_ranges(sizes)
    comps: list[Component] = []
    triv: list[tuple[str, Sparse]] = []
    for p, C in enumerate(cells):
        triv.append((f"norms in the {labels[p]}", {(i, i): 1 for i in C}))
        if len(C) >= 2:
            triv.append((f"correlation inside the {labels[p]}",
                         {(i, j): 1 for i in C for j in C if i < j}))
    for p in range(len(cells)):
        for q in range(p + 1, len(cells)):
            triv.append((f"{labels[p]} against {labels[q]}",
                         {(i, j): 1 for i in cells[p] for j in cells[q]}))
    comps.append(Component("trivial", 1, tuple(triv),
                           "overall: directions inside the family (family parameters)"))
    for p, C in enumerate(cells):
        s = len(C)
        if s < 2:
            continue
        i1, i2 = C[0], C[1]
        reps = [("diagonal", {(i1, i1): 1, (i2, i2): -1})]
        if s >= 3:
            reps.append((f"inside the {labels[p]}",
                         _sym({**{(i1, j): 1 for j in C if j not in (i1, i2)},
                               **{(i2, j): -1 for j in C if j not in (i1, i2)}})))
        for q, D in enumerate(cells):
            if q != p:
                reps.append((f"against the {labels[q]}",
                             _sym({**{(i1, j): 1 for j in D}, **{(i2, j): -1 for j in D}})))
        comps.append(Component(f"std({labels[p]})", s - 1, tuple(reps),
                               f"one {labels[p]} point against the rest of the {labels[p]}"))
        if s >= 4:
            i3, i4 = C[2], C[3]
            comps.append(Component(
                f"({s - 2},2)({labels[p]})", s * (s - 3) // 2,
                (("pairs", _sym({(i1, i3): 1, (i2, i4): 1, (i1, i4): -1, (i2, i3): -1})),),
                f"pairwise correlations inside the {labels[p]} with zero row sums"))
    for p in range(len(cells)):
        for q in range(p + 1, len(cells)):
            if sizes[p] < 2 or sizes[q] < 2:
                continue
            a1, a2, b1, b2 = cells[p][0], cells[p][1], cells[q][0], cells[q][1]
            comps.append(Component(
                f"std({labels[p]}) x std({labels[q]})", (sizes[p] - 1) * (sizes[q] - 1),
                (("cross", _sym({(a1, b1): 1, (a2, b2): 1, (a1, b2): -1, (a2, b1): -1})),),
                f"{labels[p]} against {labels[q]}, antisymmetric in both"))
    return comps


def total_dimension(comps: Sequence[Component], n: int) -> int:
    """``sum_c d_c k_c`` with the trace removed: must equal ``n(n+1)/2 - 1``."""
    return sum(c.dim * (len(c.reps) - (1 if c.label == "trivial" else 0)) for c in comps)


def _sp_inner(A: Sparse, B: Sparse) -> Any:
    return sum(((1 if i == j else 2) * v * B[(i, j)] for (i, j), v in A.items() if (i, j) in B),
               mpmath.mpf(0))


def orthonormal_reps(comp: Component, n: int) -> list[tuple[str, Sparse]]:
    """Orthonormal representatives (current mpmath precision); for ``trivial`` an
    orthonormal basis of its trace-zero part (Gram-Schmidt after ``I / sqrt n``)."""
    vecs = [(name, {k: mpmath.mpf(v) for k, v in E.items()}) for name, E in comp.reps]
    if comp.label == "trivial":
        vecs = [("trace", {(i, i): mpmath.mpf(1) for i in range(n)})] + vecs
    out: list[tuple[str, Sparse]] = []
    for name, E in vecs:
        E = dict(E)
        for _, Q in out:
            c = _sp_inner(E, Q)
            for key, v in Q.items():
                E[key] = E.get(key, 0) - c * v
        norm = mpmath.sqrt(_sp_inner(E, E))
        if norm > mpmath.mpf(10) ** (-mpmath.mp.dps // 2):
            out.append((name, {k: v / norm for k, v in E.items()}))
    if comp.label == "trivial":
        out = out[1:]
    return out


def project(E: Sequence[Sequence[Any]], sizes: Sequence[int], label: str,
            labels: Sequence[str]) -> list[list[Any]]:
    """The orthogonal projection of a dense symmetric ``E`` onto the component ``label``
    (the block rules of the module docstring; ``trivial`` includes the trace)."""
    n = len(E)
    cells = cell_ranges(sizes)
    zero = E[0][0] * 0
    out = [[zero for _ in range(n)] for _ in range(n)]
    for p, C in enumerate(cells):
        s = len(C)
        x = [E[i][i] for i in C]
        mean = sum(x, zero) / s
        for i in C:
            if label == "trivial":
                out[i][i] = mean
            elif label == f"std({labels[p]})":
                out[i][i] = E[i][i] - mean
        if s >= 2:
            pairs = [(i, j) for i in C for j in C if i < j]
            om = sum((E[i][j] for i, j in pairs), zero) / len(pairs)
            if s >= 3:
                r = {i: sum((E[i][j] for j in C if j != i), zero) for i in C}
                rbar = sum(r.values(), zero) / s
                u = {i: (r[i] - rbar) / (s - 2) for i in C}
            else:
                u = {i: zero for i in C}
            for i, j in pairs:
                part = {"trivial": om, f"std({labels[p]})": u[i] + u[j],
                        f"({s - 2},2)({labels[p]})": E[i][j] - om - u[i] - u[j]}.get(label)
                if part is not None:
                    out[i][j] = out[j][i] = part
    for p, Cp in enumerate(cells):
        for q in range(p + 1, len(cells)):
            Cq = cells[q]
            grand = sum((E[i][j] for i in Cp for j in Cq), zero) / (len(Cp) * len(Cq))
            row = {i: sum((E[i][j] for j in Cq), zero) / len(Cq) for i in Cp}
            col = {j: sum((E[i][j] for i in Cp), zero) / len(Cp) for j in Cq}
            for i in Cp:
                for j in Cq:
                    part = {"trivial": grand, f"std({labels[p]})": row[i] - grand,
                            f"std({labels[q]})": col[j] - grand,
                            f"std({labels[p]}) x std({labels[q]})":
                                E[i][j] - row[i] - col[j] + grand}.get(label)
                    if part is not None:
                        out[i][j] = out[j][i] = part
    return out


@dataclass
class Block:
    """The matrix ``M`` of one component and its eigenvalues (each with multiplicity ``dim``)."""

    component: Component
    names: list[str]
    matrix: mpmath.matrix
    eigenvalues: list[Any]
    leak: Any  # max |J R - P_component J R| over the representatives (0 up to rounding)


def blocks(apply: Callable[[list[Sparse]], list[list[list[Any]]] | None],
           sizes: Sequence[int], labels: Sequence[str]) -> list[Block] | None:
    """``M_c = [<Q_a, J Q_b>]`` for each component, with ``J`` given by ``apply``
    (sparse directions -> dense images ``J E``), at the current mpmath precision.

    ``apply`` may be the exact directional derivative or the full Jacobian; the
    ``leak`` of each block measures how far ``J Q_b`` is from the component
    (zero for an equivariant ``J``: the check that the decomposition is right).
    ``apply`` returns ``None`` when ``J`` is not available (e.g. an unbounded
    derivative); then no blocks are formed and ``None`` is returned.
    """
    n = sum(sizes)
    out = []
    for comp in components(sizes, labels):
        reps = orthonormal_reps(comp, n)
        if not reps:
            continue
        images = apply([E for _, E in reps])
        if images is None:
            return None
        k = len(reps)
        M = mpmath.matrix(k, k)
        leak = mpmath.mpf(0)
        for b, D in enumerate(images):
            for a, (_, Q) in enumerate(reps):
                M[a, b] = _sp_inner_dense(D, Q)
            P = project(D, sizes, comp.label, labels)
            if comp.label == "trivial":
                tr = sum((D[i][i] for i in range(n)), mpmath.mpf(0)) / n
                P = [[P[i][j] - (tr if i == j else 0) for j in range(n)] for i in range(n)]
                D = [[D[i][j] - (tr if i == j else 0) for j in range(n)] for i in range(n)]
            leak = max(leak, max(abs(D[i][j] - P[i][j]) for i in range(n) for j in range(n)))
        eig = eigenvalues(M)
        out.append(Block(comp, [name for name, _ in reps], M, eig, leak))
    return out


def eigenvalues(M: Any) -> list[Any]:
    """Eigenvalues of an mpmath matrix at the current precision.

    mpmath's Hessenberg QR can fail to converge on matrices with exact structure
    (exact zeros, equal blocks: it raises ``RuntimeError``); the spectrum is then
    computed for ``Q^T M Q`` with ``Q`` a random orthogonal matrix (from the QR of a
    seeded Gaussian matrix), which has the same eigenvalues.
    """
    k = M.rows
    if k == 1:
        return [M[0, 0]]
    try:
        return list(mpmath.eig(M, left=False, right=False))
    except RuntimeError:
        pass
    rng = random.Random(12345)
    for _ in range(5):
        A = mpmath.matrix([[rng.gauss(0, 1) for _ in range(k)] for _ in range(k)])
        Q, _ = mpmath.qr(A)
        try:
            return list(mpmath.eig(Q.T * M * Q, left=False, right=False))
        except RuntimeError:
            continue
    raise PrecisionError("the eigenvalues of a symmetry block did not converge "
                         "(mpmath QR); raise dps", parameter="dps")


def _sp_inner_dense(D: Sequence[Sequence[Any]], Q: Sparse) -> Any:
    return sum(((1 if i == j else 2) * D[i][j] * v for (i, j), v in Q.items()), mpmath.mpf(0))


def group_eigenvalues(values: Sequence[Any], tol: Any) -> list[tuple[Any, int]]:
    """Merge numerically equal eigenvalues: ``[(value, count)]``."""
    groups: list[list[Any]] = []
    for v in values:
        for g in groups:
            if abs(g[0] - v) <= tol:
                g.append(v)
                break
        else:
            groups.append([v])
    return [(g[0], len(g)) for g in groups]
