r"""Matrices invariant under permutations inside cells of the batch.

The simplified geometric models of docs/theory.md section 4 are Gram matrices that
commute with every permutation of the batch preserving a partition into cells
``C_1, ..., C_k`` of sizes ``s_1, ..., s_k`` (the commutant of the Young
subgroup ``S_{s_1} x ... x S_{s_k}``).  Such a matrix is

    M = sum_p e_p I_p + sum_{p,q} B_pq 1_p 1_q^T,

with ``I_p`` the identity on cell ``p`` and ``1_p`` its indicator.  Its entries
are: diagonal ``d_p = e_p + B_pp`` in cell ``p``, off-diagonal ``o_p = B_pp``
inside cell ``p``, and ``c_pq = B_pq`` across cells.  These matrices form an
algebra, closed under products, the recentering ``P M P`` and functions of
symmetric matrices, and entrywise kernels act on them entry type by entry type;
so ``F`` maps every such family into itself and the sizes ``s_p`` (for example
``n - 1``) can stay symbols.

Spectrum: ``M`` has eigenvalue ``e_p`` with multiplicity ``s_p - 1`` on the
vectors of cell ``p`` that sum to zero, and on ``span{1_p}`` it acts by the
``k x k`` matrix ``Q = diag(e) + B diag(s)`` (in the basis ``1_p``).  Hence
``det M = prod_p e_p^(s_p - 1) det Q`` and ``f(M)`` has ``e'_p = f(e_p)`` and
``B' = (f(Q) - diag(f(e))) diag(1/s)``.

A concrete ``n x n`` matrix is the case ``k = n`` with every cell of size 1;
the same code then computes the ordinary matrix operations.  For a cell of
size 1, ``e_p`` and ``B_pp`` are not separately meaningful (only their sum
``d_p``); they are normalised to ``e_p = 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from theory.errors import InvalidInputError


def _is_one(size: sp.Expr) -> bool:
    return sp.sympify(size) == 1


@dataclass(frozen=True)
class CellMatrix:
    """A cell-invariant symmetric matrix ``sum_p e_p I_p + sum_pq B_pq 1_p 1_q^T``.

    Attributes
    ----------
    sizes
        The cell sizes ``s_p`` (SymPy expressions, e.g. ``n - 1``).
    e
        The within-cell eigenvalues ``e_p = d_p - o_p``.
    B
        The symmetric ``k x k`` matrix of off-diagonal values (``B_pp = o_p``,
        ``B_pq = c_pq``).
    """

    sizes: tuple[sp.Expr, ...]
    e: tuple[sp.Expr, ...]
    B: sp.ImmutableMatrix

    # -- construction -----------------------------------------------------
    @classmethod
    def from_entries(
        cls,
        sizes: Sequence[sp.Expr],
        diag: Sequence[sp.Expr],
        off: Sequence[sp.Expr | None],
        cross: Callable[[int, int], sp.Expr] | sp.Matrix,
    ) -> CellMatrix:
        """Build from diagonal values ``d_p``, in-cell off-diagonal ``o_p`` and ``c_pq``.

        ``off[p]`` is ignored (may be ``None``) for a cell of size 1.
        """
        k = len(sizes)
        sizes = tuple(sp.sympify(s) for s in sizes)
        B = sp.zeros(k, k)
        for p in range(k):
            for q in range(k):
                if p == q:
                    B[p, p] = sp.sympify(diag[p]) if _is_one(sizes[p]) else sp.sympify(off[p])
                else:
                    B[p, q] = cross(p, q) if callable(cross) else cross[p, q]
        e = tuple(
            sp.Integer(0) if _is_one(sizes[p]) else sp.sympify(diag[p]) - sp.sympify(off[p])
            for p in range(k)
        )
        return cls(sizes, e, sp.ImmutableMatrix(B))

    @classmethod
    def from_matrix(cls, M: sp.Matrix | Sequence[Sequence]) -> CellMatrix:
        """A concrete ``n x n`` symmetric matrix as ``n`` cells of size 1."""
        M = sp.Matrix(M)
        if M.rows != M.cols:
            raise InvalidInputError("matrix is not square")
        n = M.rows
        return cls(tuple(sp.Integer(1) for _ in range(n)), tuple(sp.Integer(0) for _ in range(n)),
                   sp.ImmutableMatrix(M))

    @classmethod
    def identity(cls, sizes: Sequence[sp.Expr]) -> CellMatrix:
        k = len(sizes)
        return cls.from_entries(sizes, [1] * k, [0] * k, lambda p, q: sp.Integer(0))

    @classmethod
    def ones(cls, sizes: Sequence[sp.Expr]) -> CellMatrix:
        """The all-ones matrix ``1 1^T``."""
        k = len(sizes)
        return cls.from_entries(sizes, [1] * k, [1] * k, lambda p, q: sp.Integer(1))

    @classmethod
    def centering(cls, sizes: Sequence[sp.Expr]) -> CellMatrix:
        """``P = I - 1 1^T / n`` with ``n = sum_p s_p``."""
        n = sp.Add(*sizes)
        return cls.identity(sizes) + cls.ones(sizes) * (-1 / n)

    # -- entries ----------------------------------------------------------
    @property
    def k(self) -> int:
        return len(self.sizes)

    @property
    def n(self) -> sp.Expr:
        return sp.Add(*self.sizes)

    def diag(self, p: int) -> sp.Expr:
        """Diagonal entry ``d_p`` in cell ``p``."""
        return self.e[p] + self.B[p, p]

    def off(self, p: int) -> sp.Expr:
        """Off-diagonal entry ``o_p`` inside cell ``p`` (cells of size >= 2)."""
        return self.B[p, p]

    def cross(self, p: int, q: int) -> sp.Expr:
        """Entry ``c_pq`` between a point of cell ``p`` and one of cell ``q != p``."""
        return self.B[p, q]

    def trace(self) -> sp.Expr:
        return sp.Add(*[s * self.diag(p) for p, s in enumerate(self.sizes)])

    def to_matrix(self, subs: dict | None = None) -> sp.Matrix:
        """Expand into an explicit matrix once the sizes are concrete integers."""
        sizes = [int(sp.sympify(s).subs(subs or {})) for s in self.sizes]
        index = [p for p, s in enumerate(sizes) for _ in range(s)]
        n = len(index)
        M = sp.zeros(n, n)
        for i in range(n):
            for j in range(n):
                p, q = index[i], index[j]
                if i == j:
                    value = self.diag(p)
                elif p == q:
                    value = self.off(p)
                else:
                    value = self.cross(p, q)
                M[i, j] = sp.sympify(value).subs(subs or {}) if subs else value
        return M

    # -- algebra ----------------------------------------------------------
    def _same_cells(self, other: CellMatrix) -> None:
        if self.sizes != other.sizes:
            raise InvalidInputError("cell matrices with different cell structures")

    def _normalised(self, e: Sequence[sp.Expr], B: sp.Matrix) -> CellMatrix:
        B = sp.Matrix(B)
        e = list(e)
        for p, s in enumerate(self.sizes):
            if _is_one(s):
                B[p, p] = B[p, p] + e[p]
                e[p] = sp.Integer(0)
        return CellMatrix(self.sizes, tuple(e), sp.ImmutableMatrix(B))

    def __add__(self, other: CellMatrix) -> CellMatrix:
        self._same_cells(other)
        return self._normalised([a + b for a, b in zip(self.e, other.e, strict=True)],
                                self.B + other.B)

    def __sub__(self, other: CellMatrix) -> CellMatrix:
        return self + other * (-1)

    def __mul__(self, scalar: sp.Expr) -> CellMatrix:
        scalar = sp.sympify(scalar)
        return CellMatrix(self.sizes, tuple(scalar * x for x in self.e),
                          sp.ImmutableMatrix(self.B * scalar))

    __rmul__ = __mul__

    def __matmul__(self, other: CellMatrix) -> CellMatrix:
        """Matrix product: ``e'' = e e'``, ``B'' = diag(e) B' + B diag(e') + B diag(s) B'``."""
        self._same_cells(other)
        E1, E2 = sp.diag(*self.e), sp.diag(*other.e)
        Sz = sp.diag(*self.sizes)
        B = E1 * other.B + self.B * E2 + self.B * Sz * other.B
        return self._normalised([a * b for a, b in zip(self.e, other.e, strict=True)], B)

    def quotient(self) -> sp.Matrix:
        """``Q = diag(e) + B diag(s)``: the action on ``span{1_p}`` in the basis ``1_p``."""
        return sp.diag(*self.e) + self.B * sp.diag(*self.sizes)

    def det(self) -> sp.Expr:
        """``prod_p e_p^(s_p - 1) det Q``."""
        factors = [self.e[p] ** (s - 1) for p, s in enumerate(self.sizes) if not _is_one(s)]
        return sp.Mul(*factors) * self.quotient().det()

    def apply(self, f_scalar: Callable[[sp.Expr], sp.Expr],
              f_matrix: Callable[[sp.Matrix], sp.Matrix]) -> CellMatrix:
        """``f(M)`` for a function given on scalars and on (small) matrices."""
        e = [f_scalar(x) if not _is_one(s) else sp.Integer(0)
             for x, s in zip(self.e, self.sizes, strict=True)]
        fQ = f_matrix(self.quotient())
        B = (fQ - sp.diag(*e)) * sp.diag(*[1 / s for s in self.sizes])
        # f(M) is symmetric; B is symmetric up to simplification: symmetrise explicitly.
        k = self.k
        Bsym = sp.Matrix(k, k, lambda p, q: B[p, q] if p <= q else B[q, p])
        return self._normalised(e, Bsym)

    def entrywise(self, diag_fn: Callable[[sp.Expr], sp.Expr],
                  pair_fn: Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr]) -> CellMatrix:
        """Apply a kernel entry by entry: ``K_ii = diag_fn(M_ii)``,
        ``K_ij = pair_fn(M_ii, M_jj, M_ij)`` for ``i != j``."""
        k = self.k
        d = [self.diag(p) for p in range(k)]
        new_d = [diag_fn(x) for x in d]
        new_o = [None if _is_one(s) else pair_fn(d[p], d[p], self.off(p))
                 for p, s in enumerate(self.sizes)]
        cache: dict[tuple[int, int], sp.Expr] = {}

        def cross(p: int, q: int) -> sp.Expr:
            key = (min(p, q), max(p, q))
            if key not in cache:
                cache[key] = pair_fn(d[key[0]], d[key[1]], self.cross(*key))
            return cache[key]

        return CellMatrix.from_entries(self.sizes, new_d, new_o, cross)

    def map_entries(self, fn: Callable[[sp.Expr], sp.Expr]) -> CellMatrix:
        """Apply ``fn`` to every stored value (e.g. ``simplify`` or ``subs``)."""
        return CellMatrix(self.sizes, tuple(fn(x) for x in self.e),
                          sp.ImmutableMatrix(self.B.applyfunc(fn)))

    def subs(self, *args, **kwargs) -> CellMatrix:
        sizes = tuple(sp.sympify(s).subs(*args, **kwargs) for s in self.sizes)
        return CellMatrix(sizes, tuple(sp.sympify(x).subs(*args, **kwargs) for x in self.e),
                          sp.ImmutableMatrix(self.B.subs(*args, **kwargs)))


def refine(G: CellMatrix, splits: dict[int, int]) -> tuple[CellMatrix, dict[int, list[int]]]:
    """Split cell ``p`` into ``splits[p]`` singletons followed by the rest.

    Returns the same matrix in the finer cell structure and, for every old cell,
    the list of its new cell indices (singletons first, the rest last).
    """
    sizes: list[sp.Expr] = []
    origin: list[int] = []
    index: dict[int, list[int]] = {}
    for p, s in enumerate(G.sizes):
        r = splits.get(p, 0)
        index[p] = []
        for _ in range(r):
            index[p].append(len(sizes))
            sizes.append(sp.Integer(1))
            origin.append(p)
        index[p].append(len(sizes))
        sizes.append(s - r)
        origin.append(p)
    diag = [G.diag(origin[i]) for i in range(len(sizes))]
    off = [G.off(origin[i]) for i in range(len(sizes))]

    def cross(i: int, j: int) -> sp.Expr:
        p, q = origin[i], origin[j]
        return G.off(p) if p == q else G.cross(p, q)

    return CellMatrix.from_entries(sizes, diag, off, cross), index


def sparse(sizes: Sequence[sp.Expr], entries: dict[tuple[int, int], sp.Expr]) -> CellMatrix:
    """A cell matrix given by a few entries ``{(p, q): value}`` (symmetric; ``(p, p)``
    is the diagonal of a singleton cell), all others zero."""
    k = len(sizes)
    full = {}
    for (p, q), v in entries.items():
        full[(p, q)] = sp.sympify(v)
        full[(q, p)] = sp.sympify(v)
    diag = [full.get((p, p), 0) for p in range(k)]
    return CellMatrix.from_entries(sizes, diag, [0] * k,
                                   lambda p, q: full.get((p, q), sp.Integer(0)))
