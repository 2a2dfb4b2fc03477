r"""Complete fixed-point search on a family for layers with RC and a homogeneous activation.

The reduction
-------------
With RC the map sees ``G`` only through ``P G P`` (``h -> P h``), and with a
positively homogeneous activation (degree 1 or 0, or no NL) the shape map
``F_hat = n F / tr F`` is invariant under ``S -> c S``: so ``F_hat(G)`` depends
only on the *direction* of ``P G P``.  On a family with cells ``C_1, ..., C_p``
the cell-invariant matrices with zero row sums are spanned by mutually
orthogonal projectors:

* ``Pi_k`` (rank ``|C_k| - 1``): centring inside cell ``k`` (``delta_ij - 1/|C_k|``
  on ``C_k``), present when ``|C_k| >= 2`` -- the *spread* of cluster ``k``;
* ``Pi_w = w w^T / |w|^2`` (rank 1) with ``w = 1_{C_1}/|C_1| - 1_{C_2}/|C_2|``
  (two cells) -- the *separation* of the cluster means.

So ``P G P = sum_k c_k Pi_k`` with ``c_k = <G, Pi_k> >= 0`` (Frobenius), and the
image of the whole family is the image of the simplex

    S(t) = sum_k t_k Pi_k / rank(Pi_k),   t_k >= 0,  sum_k t_k = 1,

with ``t_k(G) = <G, Pi_k> / sum_j <G, Pi_j>`` (the share of the spread).  Write
``Phi(t) = F_hat(S(t))``.  A family member ``G`` with ``P G P != 0`` is a fixed
point iff ``G = Phi(t)`` for a zero ``t`` of

    r(t) = t(Phi(t)) - t      (the last coordinate dropped: it is 1 - the others):

if ``G = F_hat(G)`` then ``G = Phi(t(G))`` and ``t(G) = t(Phi(t(G)))``; conversely
``G = Phi(t*)`` has ``t(G) = t*`` so ``F_hat(G) = Phi(t*) = G``.  Each zero gives
exactly one fixed point; ``P G P = 0`` (all points equal) is where the map is
undefined.  The search is over 0 (symmetric), 1 (cluster-odd) or 2
(two-clusters) coordinates instead of 1, 3 or 4 parameters, and it covers the
whole family, the boundary of the PSD cone included.

Faces
-----
A collapsed cluster (``t_k = 0``: equal points) stays collapsed under every
layer, so the faces ``t_k = 0`` of spread coordinates are invariant, and the
vertex where every spread coordinate is 0 (each cluster a single point) is a
zero exactly.  Zeros are searched face by face, from the vertex up: on each face
:func:`numerics.fixed_points.krawczyk.find_zeros` (exclusion, Krawczyk existence and
uniqueness) over the face's simplex, with the zeros of its sub-faces excluded by
proven injectivity on a dyadic neighbourhood
(:func:`numerics.fixed_points.krawczyk.injective_neighbourhood`).  ``complete`` is true when
no box is left unresolved on any face.

Evaluation is the exact chain rule of :func:`numerics.jacobian.derivatives.shape_and_derivatives`
in ``arb`` ball arithmetic (layers without RS or with RS and a degree-0
activation; closed-form kernels).  The kernel gradients of degree-1 activations
are continuous up to correlation ``+-1``, so boxes on the faces get valid
(one-sided) Jacobian enclosures; degree-0 gradients are unbounded there and such
boxes are only excluded or bisected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

from numerics.arith import ArbOps, flint
from numerics.fixed_points.krawczyk import find_zeros, injective_neighbourhood
from numerics.kernels import InfiniteDerivative, diag_value_grad, kernel_params, pair_value_grad
from theory.activations import Activation
from theory.layers import LayerKind

Matrix = list[list[Fraction]]


@dataclass(frozen=True)
class Generator:
    """A projector ``Pi`` of the zero-row-sum cell-invariant cone, with its role."""

    name: str  # "spread of <cell>" or "separation"
    projector: Matrix
    rank: int
    spread: bool  # True: t = 0 is an invariant face (a collapsed cluster)
    cell: int | None = None  # the cell whose spread this is


def generators(sizes: Sequence[int], labels: Sequence[str]) -> list[Generator]:
    """The projectors ``Pi_k`` (spreads, then the separation) for cells of ``sizes``."""
    n = sum(sizes)
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    gens: list[Generator] = []
    for k, (size, lab) in enumerate(zip(sizes, labels, strict=True)):
        if size < 2:
            continue
        Pi = [[Fraction(0)] * n for _ in range(n)]
        for i in range(starts[k], starts[k] + size):
            for j in range(starts[k], starts[k] + size):
                Pi[i][j] = Fraction(int(i == j)) - Fraction(1, size)
        gens.append(Generator(f"spread of {lab}", Pi, size - 1, True, k))
    if len(sizes) == 2:
        w = [Fraction(1, sizes[0])] * sizes[0] + [Fraction(-1, sizes[1])] * sizes[1]
        w2 = sum(x * x for x in w)
        Pi = [[w[i] * w[j] / w2 for j in range(n)] for i in range(n)]
        gens.append(Generator("separation", Pi, 1, False))
    elif len(sizes) > 2:  # pragma: no cover - the families have at most two cells
        raise ValueError("at most two cells")
    return gens


def _classes(sizes: Sequence[int]) -> list[tuple[int, int, int]]:
    """Representative index pairs ``(i, j)`` of the cell-invariant entries, with counts.

    Per cell ``k`` (first index ``i_k``): the diagonal ``(i_k, i_k)`` (count ``s_k``),
    the off-diagonal ``(i_k, i_k + 1)`` when ``s_k >= 2`` (count ``s_k (s_k - 1)``);
    per pair of cells the cross entry ``(i_k, i_l)`` (count ``2 s_k s_l``).
    """
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    out = []
    for k, size in enumerate(sizes):
        out.append((starts[k], starts[k], size))
        if size >= 2:
            out.append((starts[k], starts[k] + 1, size * (size - 1)))
    for k in range(len(sizes)):
        for m in range(k + 1, len(sizes)):
            out.append((starts[k], starts[m], 2 * sizes[k] * sizes[m]))
    return out


class CentredResidual:
    """``r(t) = t(Phi(t)) - t`` and its Jacobian on a face of the simplex, in balls.

    ``scaled`` (class attribute): whether the residual has the extra scale coordinate
    of :mod:`numerics.fixed_points.scaled_centred` (non-homogeneous activations).

    Everything is computed on the representative entries of the cell-invariant
    matrices (:func:`_classes`): ``O(cells^2)`` kernel evaluations instead of ``n^2``.
    ``S(t)`` is already centred, so the layer's RC is the identity on it.
    """

    scaled = False

    def __init__(self, gens: Sequence[Generator], sizes: Sequence[int], kind: LayerKind,
                 act: Activation | None, free: Sequence[int]) -> None:
        self.gens = list(gens)
        self.sizes = list(sizes)
        self.kind = kind
        self.act = act
        self.free = list(free)  # coordinates searched; the others (spreads) are 0
        self.n = sum(sizes)
        self.classes = _classes(sizes)
        # index -> its cell, and for each class the classes of its two diagonals
        self.cells = [k for k, size in enumerate(self.sizes) for _ in range(size)]
        diag_of = {self.cells[i]: c for c, (i, j, _) in enumerate(self.classes) if i == j}
        self.diagonals = [(diag_of[self.cells[i]], diag_of[self.cells[j]])
                          for i, j, _ in self.classes]
        self.diag = [c for c, (i, j, _) in enumerate(self.classes) if i == j]
        self._cache: dict[int, tuple] = {}

    def _consts(self) -> tuple[list[list[Any]], list[list[Any]], list[Any]]:
        """Per precision: ``Pi_g/rank_g`` and ``count * Pi_g`` at the classes, and counts."""
        prec = flint.ctx.prec
        if prec not in self._cache:
            scaled = [[ArbOps.const(g.projector[i][j] / g.rank) for i, j, _ in self.classes]
                      for g in self.gens]
            weighted = [[ArbOps.const(c * g.projector[i][j]) for i, j, c in self.classes]
                        for g in self.gens]
            counts = [ArbOps.const(c) for _, _, c in self.classes]
            self._cache[prec] = (scaled, weighted, counts)
        return self._cache[prec]

    def _coordinates(self, t: Sequence[Any]) -> list[Any]:
        arb = flint.arb
        K = len(self.gens)
        full = [arb(0)] * K
        for c, x in zip(self.free, t, strict=True):
            full[c] = x
        last = arb(1) - sum(t, arb(0))
        if not last >= 0:  # straddles the hyperplane: the feasible part has last >= 0
            last = last.intersection(arb(0).union(arb(2)))
        full[K - 1] = last
        return full

    def image(self, t: Sequence[Any], jac: bool = False,
              ) -> tuple[list[Any], list[list[Any]]] | None:
        """``Phi(t)`` and, if ``jac``, ``dPhi`` along the free directions, at the classes;
        ``None`` when the layer gives no enclosure on this box (:meth:`layer_values`)."""
        values = self.layer_values(self._coordinates(t), jac)
        if values is None:
            return None
        return self.normalise(*values)

    def layer_values(self, coords: Sequence[Any], jac: bool,
                     ) -> tuple[list[Any], list[list[Any]]] | None:
        """``F(S(t))`` at the classes (before ``n F / tr F``) and its derivatives along the
        free directions: the kernels applied entrywise (RS with degree 0 is the identity).

        Always enclosed here; a subclass returns ``None`` for a box it cannot enclose
        (:class:`numerics.fixed_points.rs_centred.RSCentredResidual`: too wide)."""
        arb = flint.arb
        scaled, _, _ = self._consts()
        ncls = len(self.classes)
        S = [sum((x * scaled[g][c] for g, x in enumerate(coords)), arb(0))
             for c in range(ncls)]
        last = len(self.gens) - 1
        dS = [[scaled[g][c] - scaled[last][c] for c in range(ncls)] for g in self.free] \
            if jac else []
        if self.act is None:
            return S, dS
        return self.kernels(S, dS)

    def kernels(self, S: Sequence[Any], dS: Sequence[Sequence[Any]],
                ) -> tuple[list[Any], list[list[Any]]]:
        """The activation's kernel ``V(S)`` at the classes and its derivatives along the
        directions ``dS`` (Price's theorem gradients, :mod:`numerics.jacobian.derivatives`)."""
        family, slopes = kernel_params(self.act)
        ncls = len(self.classes)
        F: list[Any] = [None] * ncls
        dF: list[list[Any]] = [[None] * ncls for _ in dS]
        for c, (i, j, _) in enumerate(self.classes):
            if i == j:
                F[c], g = diag_value_grad(family, slopes, S[c], ArbOps)
                for k, D in enumerate(dS):
                    dF[k][c] = g * D[c]
            else:
                ci, cj = self.diagonals[c]
                V, gi, gj, gij = pair_value_grad(family, slopes, S[ci], S[cj], S[c], ArbOps,
                                                 grad=bool(dS))
                F[c] = V
                for k, D in enumerate(dS):
                    dF[k][c] = gi * D[ci] + gj * D[cj] + gij * D[c]
        return F, dF

    def trace(self, F: Sequence[Any]) -> Any:
        """``tr F`` from the class values (each diagonal class times its count)."""
        _, _, counts = self._consts()
        return sum((counts[c] * F[c] for c in self.diag), flint.arb(0))

    def normalise(self, F: Sequence[Any], dF: Sequence[Sequence[Any]],
                  ) -> tuple[list[Any], list[list[Any]]]:
        """``Phi = n F / tr F`` at the classes and its derivatives (quotient rule)."""
        ncls = len(self.classes)
        T = self.trace(F)
        n = ArbOps.const(self.n)
        Phi = [n * x / T for x in F]
        dPhi = []
        for D in dF:
            dT = self.trace(D)
            dPhi.append([n * (D[c] * T - F[c] * dT) / (T * T) for c in range(ncls)])
        return Phi, dPhi

    def matrix(self, Phi: Sequence[Any]) -> list[list[Any]]:
        """The full ``n x n`` matrix of class values ``Phi``."""
        cells = self.cells
        starts = [sum(self.sizes[:k]) for k in range(len(self.sizes))]
        index = {(i, j): c for c, (i, j, _) in enumerate(self.classes)}

        def entry(i: int, j: int) -> Any:
            ki, kj = cells[i], cells[j]
            if ki == kj:
                a = starts[ki]
                return Phi[index[(a, a)] if i == j else index[(a, a + 1)]]
            lo, hi = sorted((ki, kj))
            return Phi[index[(starts[lo], starts[hi])]]

        return [[entry(i, j) for j in range(self.n)] for i in range(self.n)]

    def shares(self, Phi: Sequence[Any]) -> tuple[list[Any], Any]:
        """``<Phi, Pi_g>`` for every generator, and their sum ``tr(P Phi P)``."""
        zero = flint.arb(0)
        _, weighted, _ = self._consts()
        c = [sum((w * x for w, x in zip(wg, Phi, strict=True)), zero) for wg in weighted]
        return c, sum(c, zero)

    def __call__(self, t: Sequence[Any], jac: bool) -> tuple[list[Any], Any]:
        """``r(t)`` and its Jacobian (``None``: not available) on the box ``t``; a box
        without enclosure gets an unbounded residual (excludes nothing)."""
        arb = flint.arb
        try:
            image = self.image(t, jac)
        except InfiniteDerivative:
            image = self.image(t, False)
            jac = False
        if image is None:
            return [arb(0, 1e300) for _ in t], None
        Phi, dPhi = image
        c, T = self.shares(Phi)
        r = self.direction_residuals(c, T, t)
        if not jac:
            return r, None
        J = [[None] * len(t) for _ in t]
        for col, D in enumerate(dPhi):
            for row, v in enumerate(self.direction_derivatives(c, T, D, col)):
                J[row][col] = v
        return r, J

    def exact_zeros(self, Z: Sequence[int]) -> list[tuple[list[Any], str]]:
        """Zeros known exactly on the face ``Z`` with free coordinates ``self.free``, as
        balls with their proof (none here; the collapsed vertex is handled by
        :func:`search`)."""
        return []

    def vertex_neighbourhood(self) -> tuple[tuple[Fraction, Fraction], ...] | None:
        """A box ``[0, delta]`` of the free coordinates around the collapsed vertex
        holding no zero but the vertex, proven without derivatives (none here: the
        Krawczyk test of :func:`search` does it where the derivative is finite)."""
        return None

    def direction_residuals(self, c: Sequence[Any], T: Any, t: Sequence[Any]) -> list[Any]:
        """``c_k / T - t_k`` for the free ``k`` (``t``: the free coordinates).

        Also computed as ``sum_(j != k) (c_k t_j - t_k c_j) / T`` (``sum t = 1``), which
        stays tight when ``c_k`` is wide but the other shares ``t_j`` are small: both are
        enclosures, so is their intersection."""
        arb = flint.arb
        coords = self._coordinates(t)
        r = []
        for k, x in zip(self.free, t, strict=True):
            plain = c[k] / T - x
            cross = sum((c[k] * coords[j] - x * c[j] for j in range(len(c)) if j != k),
                        arb(0)) / T
            try:
                r.append(plain.intersection(cross))
            except ValueError:  # pragma: no cover - two enclosures of one number meet
                r.append(plain)
        return r

    def direction_derivatives(self, c: Sequence[Any], T: Any, D: Sequence[Any],
                              col: int) -> list[Any]:
        """Column ``col`` of the Jacobian of :meth:`direction_residuals`, from the
        derivative ``D`` of the class values along that coordinate (quotient rule)."""
        dc, dT = self.shares(D)
        return [(dc[k] * T - c[k] * dT) / (T * T) - (1 if row == col else 0)
                for row, k in enumerate(self.free)]


def feasible_simplex(box) -> str:
    """``"in"``/``"out"``/``"straddle"`` of a box against ``sum t <= 1``."""
    lo = sum(a for a, _ in box)
    hi = sum(b for _, b in box)
    if hi <= 1:
        return "in"
    if lo > 1:
        return "out"
    return "straddle"


@dataclass
class CentredZero:
    """A zero ``t*`` (balls for every coordinate, last included) and how it was proven."""

    t: list[Any]
    face: str
    proof: str
    degenerate: bool
    collapsed: tuple[int, ...] = ()  # cells whose points are all equal (exactly)
    repelling: str = ""  # why small perturbations leave it (the vertex), if proven


def search(sizes: Sequence[int], labels: Sequence[str], kind: LayerKind,
           act: Activation | None, dps: int, max_depth: int | None = None,
           residual: type[CentredResidual] | None = None, max_free: int | None = None,
           max_boxes: int = 200000,
           ) -> tuple[list[CentredZero], CentredResidual, bool, list[str]]:
    """All zeros of ``r`` on the simplex, face by face (module docstring).

    Returns the zeros, a residual on the full simplex (to evaluate ``Phi``), whether
    the search is complete, and notes.  ``residual``: the class of the residual (default
    :class:`CentredResidual`; :class:`numerics.fixed_points.rs_centred.RSCentredResidual` for RS
    layers with a degree-1 activation).  ``max_free``: faces of higher dimension are
    not searched (``complete`` false, said in the notes).  ``max_boxes``: the budget of
    boxes per face (the rest unresolved).
    """
    residual = residual or CentredResidual
    scaled = residual.scaled  # an extra coordinate: the scale sigma of S, always free
    arb = flint.arb
    gens = generators(sizes, labels)
    K = len(gens)
    spread = [c for c in range(K - 1) if gens[c].spread]
    notes: list[str] = []
    zeros: list[CentredZero] = []
    complete = True
    full_res = residual(gens, sizes, kind, act, range(K - 1))
    if K == 1 and not scaled:
        zeros.append(CentredZero([arb(1)], "the single point P G P ~ P", "the family's image "
                                 "is one point (P G P is a multiple of P)", False))
        return zeros, full_res, complete, notes

    def feasible(box) -> str:  # the simplex constraint on the direction coordinates
        return feasible_simplex(box[:-1] if scaled else box)

    # faces: subsets Z of spread coordinates set to 0, largest first (the vertex)
    found: list[tuple[set[int], list[Any]]] = []  # (zero coordinates, balls: K-1 (+ sigma))
    for size in range(len(spread), -1, -1):
        for Z in combinations(spread, size):
            free = [c for c in range(K - 1) if c not in Z]
            face = (" and ".join(f"{gens[c].name} = 0" for c in Z) or "interior")
            if max_free is not None and len(free) > max_free:
                complete = False
                notes.append(f"{face}: not searched ({len(free)} free coordinates)")
                continue
            if not free and not scaled:
                vertex = [arb(0)] * (K - 1)
                vertex_zero = CentredZero(vertex + [arb(1)], face,
                                          "every cluster collapsed; collapsed clusters stay "
                                          "collapsed (exact zero)", True,
                                          tuple(gens[c].cell for c in Z))
                zeros.append(vertex_zero)
                found.append((set(Z), vertex))
                continue
            res = residual(gens, sizes, kind, act, free)
            dim = len(free) + int(scaled)
            known = []
            for point, proof in res.exact_zeros(Z):
                balls = [arb(0)] * (K - 1)
                for c, x in zip(free, point[:-1], strict=True):
                    balls[c] = x
                last = arb(1) - sum(balls, arb(0))
                zeros.append(CentredZero(balls + [last, point[-1]], face, proof, True,
                                         tuple(gens[c].cell for c in Z)))
                found.append((set(Z), balls + [point[-1]]))
            coords = free + ([K - 1] if scaled else [])  # (sigma stored at index K-1)
            for zset, balls in found:
                if not set(Z) <= zset:
                    continue  # not on this face
                enc = [_fraction_hull(balls[c]) for c in coords]
                # (the residual clips the last coordinate to >= 0, so its enclosures are
                # over the feasible part of a straddling box: injectivity holds there)
                nb = injective_neighbourhood(res, enc, dps=dps, feasible=feasible,
                                             straddle_ok=True)
                if nb is None and all(a == 0 == b for a, b in enc):  # the vertex
                    nb = res.vertex_neighbourhood()
                    if nb is not None:
                        notes.append(f"{face}: no zero but the collapsed vertex in "
                                     f"{_box_text(nb)} (a lower bound of the spread next to "
                                     "the vertex, numerics.fixed_points.rs_vertex)")
                        # r > 0 on (0, delta]: the spread share increases there, and an
                        # orbit staying in (0, delta] would converge to a fixed point
                        vertex_zero.repelling = vertex_zero.repelling or (
                            f"on the face {face}: r(t) > 0 for 0 < t <= "
                            f"{float(nb[0][1]):.4g} (numerics.fixed_points.rs_vertex), so a "
                            "spread share "
                            "in that range grows until it leaves it (a limit inside would be "
                            "another fixed point)")
                if nb is None:
                    notes.append(f"{face}: no injective neighbourhood proven around the zero "
                                 "of a sub-face; boxes near it stay unresolved")
                else:
                    known.append(nb)
            depth = max_depth or 20 * dim  # box sides down to 2^-20
            out = find_zeros(res, dim, dps=dps, feasible=feasible, known=known,
                             max_depth=depth, max_boxes=max_boxes)
            if out.unresolved:
                complete = False
                notes.append(f"{face}: {len(out.unresolved)} box(es) unresolved at depth "
                             f"{depth}, e.g. {_box_text(out.unresolved[0])}")
            for z in out.zeros:
                balls = [arb(0)] * (K - 1)
                for c, x in zip(free, z.enclosure[:len(free)], strict=True):
                    balls[c] = x
                last = arb(1) - sum(balls, arb(0))
                sigma = [z.enclosure[-1]] if scaled else []
                zeros.append(CentredZero(balls + [last] + sigma, face, z.proof, bool(Z),
                                         tuple(gens[c].cell for c in Z)))
                found.append((set(Z), balls + sigma))
    return zeros, full_res, complete, notes


def _fraction_hull(x: Any) -> tuple[Fraction, Fraction]:
    """Exact rational bounds ``[lower, upper]`` of a ball (arb's end points are exact)."""
    return _to_fraction(x.lower()), _to_fraction(x.upper())


def _to_fraction(x: Any) -> Fraction:
    """An exact ``arb`` (mantissa and binary exponent) as a Fraction."""
    man, exp = x.mid().man_exp()
    return Fraction(int(man)) * (Fraction(2) ** int(exp))


def _box_text(box) -> str:
    return " x ".join(f"[{float(a):.4g}, {float(b):.4g}]" for a, b in box)
