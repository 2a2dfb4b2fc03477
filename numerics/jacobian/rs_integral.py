r"""Rigorous ball enclosures of the RS shape map and its directional derivatives.

(About 620 lines, over the project's ~600: the integrand, its ``s = 1/v^2`` tail form,
the equal-points kernel block and the driver share one private integrand class; split,
that class's state would have to become public.)

For a layer with RS and a degree-1 positively homogeneous activation
``phi(x) = a min(x, 0) + b max(x, 0)`` (identity, ReLU, leaky ReLU, abs), or RS
without NL (``V`` the identity map), docs/theory.md section 2 gives

    F(S) = n int_0^oo det(I + 2 s S)^(-1/2) V(S (I + 2 s S)^(-1)) ds,
    S = sigma_w^2 P G P (with RC) or sigma_w^2 G,    F_hat = n F / tr F,

and for a direction ``E`` (``dS = sigma_w^2 P E P`` or ``sigma_w^2 E``)

    dF[E] = n int_0^oo d/dS[det(I + 2 s S)^(-1/2) V(S (I + 2 s S)^(-1))][dS] ds,
    d det(I + 2 s S)^(-1/2) = -s det(I + 2 s S)^(-1/2) tr((I + 2 s S)^(-1) dS),
    d[S (I + 2 s S)^(-1)] = (I + 2 s S)^(-1) dS (I + 2 s S)^(-1),
    dF_hat = n (dF tr F - F tr dF) / (tr F)^2,

with ``V`` and its gradient by Price's theorem
(:meth:`numerics.kernels.PairKernel.pair`, :meth:`numerics.kernels.PairKernel.diag`).

Reduction to the range of ``S``
-------------------------------
Let ``Q`` be an orthonormal frame of the range of ``P`` (the Helmert frame of
``1^perp``, ``r = n - 1``) with RC, ``Q = I`` (``r = n``) without.  With
``K = Q^T S Q`` (``r x r``) and ``dK = Q^T dS Q``:
``det(I + 2 s S) = det(I_r + 2 s K)``, ``S (I + 2 s S)^(-1) = Q K L Q^T``,
``tr((I + 2 s S)^(-1) dS) = tr(L dK)``, ``(I + 2 s S)^(-1) dS (I + 2 s S)^(-1) =
Q L dK L Q^T`` with ``L = (I_r + 2 s K)^(-1)``.  ``K`` must be positive definite
(``rank S`` full; checked by its leading principal minors), else
:class:`~theory.errors.NotClosedFormError` (the one-sided derivative of the RS
integral at a rank-deficient ``S`` is not computed, as in :mod:`numerics.jacobian.derivatives`).
``F`` is invariant under ``S -> c S`` (``c > 0``), so ``K`` and ``dK`` are first
multiplied by an exact ``c ~ r / (2 tr K)`` (eigenvalues of order 1/2).

The infinite range, without a tail bound
----------------------------------------
``[0, oo)`` is split at ``s = 1``.  On ``[0, 1]`` the integrand above is used as
is.  On ``[1, oo)`` substitute ``s = 1/v^2`` (``ds = 2 v^-3 dv``, ``v in [0, 1]``),
``u = v^2``, ``N = (u I_r + 2 K)^(-1)`` (so ``L = u N``), ``M_0 = Q K N Q^T``
(``-> Pi/2`` as ``u -> 0``, ``Pi = Q Q^T``), and use that ``V`` is homogeneous
of degree 1 and its gradient of degree 0:

    f ds  = 2 v^(r-1) det(u I + 2 K)^(-1/2) V(M_0) dv,
    df ds = 2 v^(r-1) det(u I + 2 K)^(-1/2)
            [-tr(N dK) V(M_0) + u grad V(M_0)[Q N dK N Q^T]] dv.

(The integrand decays like ``s^(-r/2 - 1)``; the factor ``v^(r-1)`` is what is
left of it, a polynomial for every ``r >= 1``.)  Both integrands are analytic
on a complex neighbourhood of their segment ``[0, 1]`` -- also at ``v = 0`` --
as long as every 2x2 block of ``S`` is non-singular (equivalently, of ``Pi``;
then the pair correlations of ``S (I + 2 s S)^(-1)`` stay in ``(-1, 1)`` for all
``s`` including ``oo``); with ``K`` positive definite this fails only for RC
with ``n = 2`` (``y = (a, -a)``, correlation ``-1``), which raises
:class:`~theory.errors.NotClosedFormError` for a non-linear kernel.  So there
is no truncation and no tail bound: each entry is the sum of two integrals
over ``[0, 1]`` enclosed by arb's verified Gauss-Legendre integrator
``acb.integral`` (Petras' algorithm with error bounds from the integrand's
maximum on ellipses around sub-segments).

Equal points (a rank-deficient ``S``)
-------------------------------------
At a fixed point on a face of a family some points are exactly equal (a collapsed
cluster), so ``S`` is singular on the range of ``P``: its kernel ``Q0`` is spanned by
the differences inside the groups of equal points.  Take ``Q = [Qr | Q0]`` with ``Qr``
the part of the range constant on every group (:func:`_face_frame`; ``K_r = Qr^T S
Qr`` positive definite of size ``rho``, ``K`` zero elsewhere, exactly, because the
points are equal) and split a direction into ``dK_rr``, ``C = dK_(r,0)``, ``dK_00``.
With ``L = (I + 2 s K)^(-1) = diag(L_r, I)`` the derivative above becomes

    head:  -s (tr(L_r dK_rr) + tr dK_00) V(M) + grad V(M)[R L_r dK_rr L_r R^T
           + R L_r C Q0^T + Q0 C^T L_r R^T + Q0 dK_00 Q0^T],
    tail:  2 v^(rho-3) det(u I + 2 K_r)^(-1/2) [-(u tr(N dK_rr) + tr dK_00) V(M_0)
           + grad V(M_0)[u^2 R N dK_rr N R^T + u (R N C Q0^T + .^T) + Q0 dK_00 Q0^T]],

(``N = (u I + 2 K_r)^(-1)``): the factor ``1/u`` of the kernel block leaves
``v^(rho-3)``, a polynomial for ``rho >= 3`` -- the integral converges and this is
the one-sided derivative along the admissible directions (``dK_00 >= 0``), extended
linearly (along curves in the cone: a straight line with ``dK_00 = 0`` and ``C != 0``
leaves it at second order).  For ``rho <= 2`` the integrand does not decay fast
enough (the cluster + odd point vertex, ``rho = 1``, has ``Phi ~ sqrt(t)``): not computed
(:class:`~theory.errors.NotClosedFormError`).  Pairs of equal points keep
correlation 1 for every ``s``; there the pair kernel and its gradient take their
limits at ``t = 0`` (continuous for degree 1): ``V = (a^2 + b^2) M_ij / 2``,
``grad = (0, 0, (a^2 + b^2) / 2)``.  Which points are equal is the caller's
knowledge (``equal_points``; by default the exactly equal rows of an exact ``G``):
``K_r`` is enclosed from balls of ``G``, the zero blocks are exact.

Analyticity checks: the integrand is evaluated on complex balls; with the
``analytic`` flag set, ``det^(-1/2)`` and ``sqrt(D)`` (``D = S_ii S_jj - S_ij^2``)
use arb's branch-cut-checked square roots, and the angle is written as
``t = atan2(sqrt D, S_ij) = pi/2 - atan(S_ij / sqrt D)``, whose ``atan`` is
analytic off ``i(-oo, -1] U i[1, oo)``: a ball of ``S_ij / sqrt D`` that may meet
those cuts (real part containing 0 and ``|Im| >= 1``) gives a non-finite value.
Matrix inverses are meromorphic (a singular ball gives non-finite values).  A
non-finite enclosure raises :class:`~theory.errors.PrecisionError`; nothing is
returned that is not an enclosure.

Tight ball evaluation
---------------------
``acb.integral`` bounds the integrand on complex balls around sub-segments, so
the cost depends on how much ball arithmetic overestimates there.  Two
measures keep it small (they change the arithmetic, not the function):

* the frame is rotated to ``R = Q U``, ``U`` an *exactly* orthogonal matrix
  (Householder reflections with float vectors, :func:`near_orthogonal_frame`)
  close to the float eigenvectors of ``K``, and ``K <- U^T K U``, ``dK <- U^T dK U``:
  ``K`` is then diagonal up to rounding-size entries, and so is
  ``Y = K (I + 2 s K)^(-1)``; the inverse of a nearly diagonal matrix is
  enclosed without wrapping;
* the discriminant of ``M = R Y R^T`` on a pair ``{i, j}`` is enclosed by
  Cauchy-Binet, a sum of non-negative terms plus a tiny correction (see
  :class:`_Integrand`) instead of the cancelling ``M_ii M_jj - M_ij^2``.

On an ill-conditioned ``G`` (eigenvalues 0.27 .. 9.1, a correlation -0.84) this
took the number of integrand evaluations from ~27000 to ~2200.

Cost
----
``acb.integral`` is scalar, so every distinct entry is its own integral:
``n(n+1)/2`` entries of ``F`` and of each ``dF[E]``, two segments each,
``n(n+1)(1 + #directions)`` integrals in all.  They share their evaluation
points almost entirely (the same Gauss-Legendre nodes on the same
sub-segments), so the integrand computes every entry at once and is cached on
the exact ball ``(midpoint, radius)`` it is called with: about one evaluation
in ten is computed (certify at the BN symmetric fixed point, ``n = 4``: 200
integrals, ~78000 calls, ~7400 evaluations).  The cost is about the number of
distinct evaluation points times ``O(#directions n^3 + n^2 r^2)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from numerics.arith import AcbOps, exact_fraction, flint
from numerics.kernels import InfiniteDerivative, diag_value_grad, kernel_params, pair_value_grad
from theory.activations import Activation
from theory.errors import InvalidInputError, NotClosedFormError, PrecisionError
from theory.layers import LayerKind

__all__ = [
    "equal_point_groups",
    "GUARD_BITS",
    "helmert_frame",
    "near_orthogonal_frame",
    "rs_shape_and_derivatives",
]

#: Extra bits carried by the integrand's arithmetic beyond the integration goal.
GUARD_BITS = 20


def helmert_frame(n: int) -> Any:
    """Orthonormal basis of ``1^perp`` as an ``n x (n-1)`` ``arb_mat``: column ``k``
    is ``(e_1 + ... + e_k - k e_(k+1)) / sqrt(k (k+1))``."""
    Q = flint.arb_mat(n, n - 1)
    for k in range(1, n):
        c = 1 / flint.arb(k * (k + 1)).sqrt()
        for i in range(k):
            Q[i, k - 1] = c
        Q[k, k - 1] = -k * c
    return Q


def near_orthogonal_frame(V: np.ndarray) -> Any:
    """An exactly orthogonal matrix (enclosed as an ``arb_mat``) close to the float
    orthogonal ``V``: ``H_1 ... H_(r-1) diag(+-1)`` with Householder reflections
    ``H = I - 2 w w^T / (w^T w)`` for the (exact binary) float vectors ``w`` of the QR
    factorisation of ``V``; orthogonal whatever the rounding of ``w``."""
    r = V.shape[0]
    A = np.array(V, dtype=float)
    U = flint.arb_mat(r, r, [1 if i == j else 0 for i in range(r) for j in range(r)])
    for k in range(r - 1):
        x = A[k:, k]
        w = x.copy()
        w[0] += np.copysign(np.linalg.norm(x), x[0])
        norm2 = float(w @ w)
        if norm2 == 0.0:
            continue
        A[k:, :] -= np.outer(w, 2 * (w @ A[k:, :]) / norm2)
        full = [0.0] * k + [float(v) for v in w]
        W = flint.arb_mat(r, 1, full)
        U = U - (U * W) * W.transpose() * (2 / (W.transpose() * W)[0, 0])
    signs = flint.arb_mat(r, r, [(1 if A[i, i] >= 0 else -1) if i == j else 0
                                 for i in range(r) for j in range(r)])
    return U * signs


def _ball(x: Any) -> Any:
    if isinstance(x, flint.arb):
        return x
    q = exact_fraction(x)
    return flint.arb(q.numerator) / q.denominator


def _ball_matrix(M: Sequence[Sequence[Any]]) -> Any:
    n = len(M)
    out = flint.arb_mat(n, n)
    for i in range(n):
        for j in range(n):
            out[i, j] = _ball(M[i][j])
    return out


def _certify_positive_definite(K: Any) -> None:
    """Every leading principal minor of ``K`` certified ``> 0`` (Sylvester), else raise."""
    r = K.nrows()
    for m in range(1, r + 1):
        minor = flint.arb_mat(m, m, [K[i, j] for i in range(m) for j in range(m)]).det()
        if not minor > 0:
            raise NotClosedFormError(
                f"RS covariance S is not certified positive definite on the range of P "
                f"(leading minor {m} of Q^T S Q is {minor.str(5, radius=True)}): rank-deficient "
                "(the one-sided derivative of the RS integral is not computed), not PSD, or "
                "given too coarsely")


def _to_acb(M: Any) -> Any:
    return flint.acb_mat(M)


@dataclass
class _KernelBlock:
    """Groups of equal points: the frame ``Q0`` of ``ker S`` they span in the range of
    ``P`` (``n x k0``), and per direction ``dK_(rho,0) = R^T dS Q0`` and
    ``dK_00 = Q0^T dS Q0`` (module docstring, "Equal points")."""

    groups: list[tuple[int, ...]]
    Q0: Any
    cross: list[Any]
    inner: list[Any]


def equal_point_groups(G: Sequence[Sequence[Any]]) -> list[tuple[int, ...]]:
    """Groups (size >= 2) of points whose rows of ``G`` are *exactly* equal (exact
    entries: numbers, or arb balls of radius 0); inexact balls are never grouped."""
    n = len(G)
    balls = [[_ball(x) for x in row] for row in G]
    exact = [all(x.is_exact() for x in row) for row in balls]
    groups: list[tuple[int, ...]] = []
    seen: set[int] = set()
    for i in range(n):
        if i in seen or not exact[i]:
            continue
        group = [i] + [j for j in range(i + 1, n) if j not in seen and exact[j]
                       and all(balls[i][k] == balls[j][k] for k in range(n))]
        if len(group) >= 2:
            groups.append(tuple(group))
            seen.update(group)
    return groups


def _check_groups(G: Sequence[Sequence[Any]], groups: Sequence[Sequence[int]]) -> None:
    """Groups must be disjoint sets of valid indices whose rows of ``G`` can be equal
    (every entry of one row overlaps the same entry of the other), else raise: the
    kernel block is taken as exact, so a wrong group would give a wrong enclosure."""
    n = len(G)
    seen: set[int] = set()
    for group in groups:
        if any(not 0 <= i < n for i in group) or seen & set(group) or len(set(group)) < len(group):
            raise InvalidInputError(f"equal_points: groups must be disjoint indices in "
                                    f"0..{n - 1} (got {list(map(list, groups))})")
        seen |= set(group)
        first = [_ball(x) for x in G[group[0]]]
        for i in group[1:]:
            if not all(_ball(x).overlaps(y) for x, y in zip(G[i], first, strict=True)):
                raise InvalidInputError(f"equal_points: rows {group[0] + 1} and {i + 1} of G "
                                        "differ, the points are not equal")


def _face_frame(n: int, groups: Sequence[Sequence[int]], rc: bool) -> tuple[Any, Any]:
    """Exactly orthonormal frames (enclosed as ``arb_mat``) of the part of the range of
    ``P`` (``R^n`` without RC) constant on every group (``Qr``: its rows are equal on a
    group) and of the differences inside the groups (``Q0``, Helmert columns per group).

    ``Qr = F B``: ``F`` the ``n x q`` matrix of ``1_C / sqrt|C|`` over the ``q`` groups
    and single points, ``B`` the last ``q - 1`` columns of the Householder reflection
    ``I - v v^T / (1 - x_1)``, ``v = x - e_1``, ``x = (sqrt|C|)_C / sqrt n`` (with RC:
    orthogonal to ``1 = F (sqrt|C|)_C``), or ``B = I`` without RC."""
    member = {i: g for g, group in enumerate(groups) for i in group}
    cells: list[list[int]] = []
    index: dict[int, int] = {}
    for i in range(n):
        key = ("g", member[i]) if i in member else ("p", i)
        if key not in index:
            index[key] = len(cells)
            cells.append([])
        cells[index[key]].append(i)
    q = len(cells)
    if rc and q < 2:
        raise NotClosedFormError("every point is equal: after RC the covariance is 0 and the "
                                 "RS map is undefined")
    F = flint.arb_mat(n, q)
    for c, cell in enumerate(cells):
        inv = 1 / flint.arb(len(cell)).sqrt()
        for i in cell:
            F[i, c] = inv
    if rc:
        x = [flint.arb(len(cell)).sqrt() / flint.arb(n).sqrt() for cell in cells]
        v = [x[0] - 1] + x[1:]
        H = flint.arb_mat(q, q)
        for a in range(q):
            for b in range(q):
                H[a, b] = (1 if a == b else 0) - v[a] * v[b] / (1 - x[0])
        B = flint.arb_mat(q, q - 1, [H[a, b] for a in range(q) for b in range(1, q)])
    else:
        B = flint.arb_mat(q, q, [1 if a == b else 0 for a in range(q) for b in range(q)])
    k0 = sum(len(g) - 1 for g in groups)
    Q0 = flint.arb_mat(n, k0)
    col = 0
    for group in groups:
        for k in range(1, len(group)):
            c = 1 / flint.arb(k * (k + 1)).sqrt()
            for i in group[:k]:
                Q0[i, col] = c
            Q0[group[k], col] = -k * c
            col += 1
    return F * B, Q0


class _Integrand:
    r"""All entries of ``f`` and ``df[dK_k]`` at one point of one segment (module docstring).

    ``tail=False``: ``s = x`` on ``[0, 1]``; ``tail=True``: ``s = 1/x^2`` on ``[1, oo)``.
    ``K`` is nearly diagonal and ``R`` has orthonormal columns (``S = R K R^T``), so
    ``Y = K (I + 2 s K)^(-1)`` (or ``K N``) is nearly diagonal and the discriminant of
    ``M = R Y R^T`` on ``{i, j}`` is enclosed without cancellation (Cauchy-Binet):

        D_ij = sum_(k<l) (R_ik R_jl - R_il R_jk)^2 Y_kk Y_ll
               + A_ii B_jj + A_jj B_ii - 2 A_ij B_ij + B_ii B_jj - B_ij^2,

    ``A = R diag(Y) R^T``, ``B = R (Y - diag(Y)) R^T`` (``M = A + B``, ``B`` tiny).
    Values are cached on the exact input ball.
    """

    def __init__(self, K: Any, dKs: Sequence[Any], R: Any, act: Activation | None,
                 pairs: Sequence[tuple[int, int]], tail: bool,
                 kernel: _KernelBlock | None = None) -> None:
        self.K, self.dKs = _to_acb(K), [_to_acb(d) for d in dKs]
        self.R, self.RT = _to_acb(R), _to_acb(R.transpose())
        self.r = K.nrows()
        self.pairs = pairs
        self.tail = tail
        self.kernel = kernel
        if kernel is not None:
            # as acb: Q0^T, and per direction the cross block C = dK_(rho,0) (rho x k0),
            # the kernel part Q0 dK_00 Q0^T (n x n) and its trace tr dK_00
            self.Q0T = _to_acb(kernel.Q0.transpose())
            self.cross = [_to_acb(c) for c in kernel.cross]
            self.inner = [_to_acb(kernel.Q0 * d * kernel.Q0.transpose()) for d in kernel.inner]
            self.inner_tr = [flint.acb(sum((d[i, i] for i in range(1, d.nrows())), d[0, 0]))
                             for d in kernel.inner]
            self.same = {(i, j) for group in kernel.groups for i in group for j in group}
        self.cache: dict[tuple, list[Any]] = {}
        if act is None:
            self.family, self.slopes, self.linear = None, (Fraction(1), Fraction(1)), True
        else:
            self.family, self.slopes = kernel_params(act)
            self.linear = self.slopes[0] == self.slopes[1]
        r = self.r
        self.kl = [(k, m) for k in range(r) for m in range(k + 1, r)]
        # (python-flint's arb ** 2 is nan on a ball containing 0: square by multiplying)
        minors = {(i, j): [R[i, k] * R[j, m] - R[i, m] * R[j, k] for k, m in self.kl]
                  for i, j in pairs if i != j}
        self.minors = {key: [flint.acb(d * d) for d in ds] for key, ds in minors.items()}

    def __call__(self, x: Any, analytic: bool) -> list[Any]:
        key = (bool(analytic),) + tuple(
            part.man_exp() for part in (x.real.mid(), x.real.rad(), x.imag.mid(), x.imag.rad()))
        if key not in self.cache:
            self.cache[key] = self._evaluate(x, bool(analytic))
        return self.cache[key]

    def _nan(self) -> list[Any]:
        return [flint.acb(flint.arb.nan())] * (len(self.pairs) * (1 + len(self.dKs)))

    def _evaluate(self, x: Any, analytic: bool) -> list[Any]:
        r = self.r
        eye = flint.acb_mat(r, r, [1 if i == j else 0 for i in range(r) for j in range(r)])
        if self.tail:
            u = x * x
            A = eye * u + self.K * 2
            pre, tfac, dfac = 2 * x ** (r - 1), flint.acb(1), u
        else:
            A = eye + self.K * (2 * x)
            pre, tfac, dfac = flint.acb(1), x, flint.acb(1)
        try:
            X = A.inv()
        except ZeroDivisionError:
            return self._nan()
        root = A.det().rsqrt(analytic=analytic)
        w = pre * root
        Y = self.K * X
        Yd = [Y[k, k] for k in range(r)]
        Yo = flint.acb_mat(r, r, [0 if k == m else Y[k, m] for k in range(r) for m in range(r)])
        Ad = self.R * flint.acb_mat(r, r, [Yd[k] if k == m else 0 for k in range(r)
                                           for m in range(r)]) * self.RT
        Bo = self.R * Yo * self.RT
        M = Ad + Bo
        products = [Yd[k] * Yd[m] for k, m in self.kl]
        if self.kernel is None:
            wd = w
            traces = [tfac * (X * dK).trace() for dK in self.dKs]
            dMs = [(self.R * (X * dK * X) * self.RT) * dfac for dK in self.dKs]
        else:
            wd, traces, dMs = self._kernel_parts(x, X, root)
        values: list[Any] = []
        grads: list[tuple[Any, Any, Any]] = []
        for i, j in self.pairs:
            if self.linear:
                a2 = AcbOps.const(self.slopes[0] ** 2)
                values.append(a2 * M[i, j])
                grads.append((0, 0, a2) if i != j else (a2, 0, 0))
                continue
            if i == j:
                v, g = diag_value_grad(self.family, self.slopes, M[i, i], AcbOps(analytic))
                values.append(v)
                grads.append((g, 0, 0))
                continue
            if self.kernel is not None and (i, j) in self.same:
                # equal points: correlation 1 for every s, t = 0 in the pair kernel, whose
                # value and gradient are continuous there (the one-sided limits)
                half = AcbOps.const((self.slopes[0] ** 2 + self.slopes[1] ** 2) / 2)
                values.append(half * M[i, j])
                grads.append((0, 0, half))
                continue
            D = sum((c * p for c, p in zip(self.minors[i, j], products, strict=True)),
                    flint.acb(0))
            D += (Ad[i, i] * Bo[j, j] + Ad[j, j] * Bo[i, i] - 2 * Ad[i, j] * Bo[i, j]
                  + Bo[i, i] * Bo[j, j] - Bo[i, j] * Bo[i, j])
            try:
                v, gi, gj, gij = pair_value_grad(self.family, self.slopes, M[i, i], M[j, j],
                                                 M[i, j], AcbOps(analytic, D),
                                                 grad=bool(self.dKs))
            except InfiniteDerivative:
                return self._nan()
            values.append(v)
            grads.append((gi, gj, gij))
        out = [w * v for v in values]
        for T, dM in zip(traces, dMs, strict=True):
            for (i, j), v, (gi, gj, gij) in zip(self.pairs, values, grads, strict=True):
                dv = gi * dM[i, i] if i == j else gi * dM[i, i] + gj * dM[j, j] + gij * dM[i, j]
                out.append(wd * (dv - T * v))
        return out

    def _kernel_parts(self, x: Any, X: Any, root: Any) -> tuple[Any, list[Any], list[Any]]:
        """The derivative's weight, traces and ``dM`` with a kernel block (module
        docstring, "Equal points"): head ``w = det^(-1/2)``,
        ``T = s (tr(X dK_rr) + tr dK_00)``, ``dM = R X dK_rr X R^T + R X C Q0^T +
        (.)^T + Q0 dK_00 Q0^T``; tail (``u = v^2``, ``X = N``) ``w = 2 v^(rho-3)
        det^(-1/2)``, ``T = u tr(N dK_rr) + tr dK_00``, ``dM = u^2 R N dK_rr N R^T +
        u (R N C Q0^T + (.)^T) + Q0 dK_00 Q0^T``."""
        r = self.r
        if self.tail:
            u = x * x
            wd = 2 * x ** (r - 3) * root
            a, b = u, u * u
        else:
            wd, a, b = root, None, None
        traces, dMs = [], []
        for dK, C, inner, tr0 in zip(self.dKs, self.cross, self.inner, self.inner_tr,
                                     strict=True):
            XC = self.R * (X * C) * self.Q0T
            main = self.R * (X * dK * X) * self.RT
            cross = XC + XC.transpose()
            if self.tail:
                traces.append(a * (X * dK).trace() + tr0)
                dMs.append(main * b + cross * a + inner)
            else:
                traces.append(x * ((X * dK).trace() + tr0))
                dMs.append(main + cross + inner)
        return wd, traces, dMs


def _integrate(f: Callable[[Any, bool], list[Any]], index: int, goal_bits: int) -> Any:
    """Enclosure of ``int_0^1 f(x)[index] dx`` (``acb.integral``), as a real ball."""
    tol = flint.arb((1, -goal_bits))  # 2^-goal_bits exactly
    value = flint.acb.integral(lambda x, analytic: f(x, analytic)[index], 0, 1,
                               rel_tol=tol, abs_tol=tol)
    return value.real


def rs_shape_and_derivatives(
    G: Sequence[Sequence[Any]], directions: Sequence[Sequence[Sequence[Any]]],
    layer: LayerKind, act: Activation | None, sigma: Any, dps: int | None = None,
    equal_points: Sequence[Sequence[int]] | None = None,
) -> tuple[list[list[Any]], list[list[list[Any]]]]:
    r"""Ball enclosures of ``F_hat(G)`` and ``D F_hat(G)[E]`` for RS layers (module docstring).

    ``F = n int_0^oo det(I + 2 s S)^(-1/2) V(S (I + 2 s S)^(-1)) ds``,
    ``F_hat = n F / tr F``, ``dF_hat = n (dF tr F - F tr dF) / (tr F)^2``, every
    integral enclosed by ``acb.integral``.

    Parameters
    ----------
    G, directions
        ``n x n`` Gram matrix and dense symmetric directions ``E``; entries are
        ``flint.arb`` balls (every symmetric ``G`` in the balls is covered) or exact
        numbers (int, Fraction, decimal string, mpmath).
    layer
        A layer kind with RS.
    act
        A degree-1 ``abrelu`` activation, or ``None`` (no NL: ``V(S) = S``).
    sigma
        ``sigma_w^2`` (ball or exact number).
    equal_points
        Groups of points that are exactly equal at the point where the derivative is
        wanted (the caller's knowledge, e.g. a collapsed cluster of a fixed point on a
        face; ``G`` may then be balls).  Default: the groups of exactly equal rows of
        an exact ``G`` (:func:`equal_point_groups`).  With groups, ``S`` is rank
        deficient and the one-sided derivative of "Equal points" is computed.
    dps
        Working precision ``p = 3.33 dps + 40`` bits; ``None`` keeps python-flint's
        current precision ``p``.  Each integral's goal is ``2^-(p - 20)``, absolute
        and relative (the entries are ``O(1)``: ``S`` is rescaled to ``tr = r/2``).

    Returns
    -------
    (F_hat, [dF_hat for each E])
        Lists of lists of ``flint.arb``, the convention of
        :func:`numerics.jacobian.derivatives.shape_and_derivatives`.

    Raises
    ------
    NotClosedFormError
        For a layer without RS, an activation that is not degree-1 ``abrelu``, a
        rank-deficient ``S`` (on the range of ``P``), or RC with ``n = 2`` and a
        non-linear kernel (correlation ``-1``: the kernel is not analytic there).
    PrecisionError
        When an integral's enclosure is not finite.
    """
    if not layer.rs:
        raise NotClosedFormError("rs_shape_and_derivatives is for layers with RS")
    if act is not None and not (act.kernel_family == "abrelu" and act.degree == 1):
        raise NotClosedFormError(
            f"RS with {act.name!r}: only degree-1 activations a min(x,0) + b max(x,0) reduce to "
            "the one-dimensional s-integral")
    n = len(G)
    old = flint.ctx.prec
    try:
        if dps is not None:
            flint.ctx.prec = int(dps * 3.33) + 2 * GUARD_BITS
        goal = flint.ctx.prec - GUARD_BITS
        groups = [tuple(g) for g in (equal_point_groups(G) if equal_points is None
                                     else equal_points) if len(g) >= 2]
        _check_groups(G, groups)
        return _shape_and_derivatives(G, directions, layer, act, sigma, n, goal, groups)
    finally:
        flint.ctx.prec = old


def _shape_and_derivatives(G, directions, layer, act, sigma, n, goal, groups=()
                           ) -> tuple[list[list[Any]], list[list[list[Any]]]]:
    linear = act is None or act.slopes[0] == act.slopes[1]
    if layer.rc and n == 2 and not linear:
        raise NotClosedFormError(
            "RS after RC with n = 2: y = (a, -a) has correlation -1, where the kernel is not "
            "analytic; the RS integral is not enclosed")
    if groups:
        Q, Q0 = _face_frame(n, groups, layer.rc)
    else:
        Q, Q0 = (helmert_frame(n) if layer.rc else flint.arb_mat(
            n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])), None
    sig = _ball(sigma)
    QT = Q.transpose()
    dSs = [_ball_matrix(E) * sig for E in directions]
    K = QT * _ball_matrix(G) * Q * sig  # (S Q0 = 0: the groups' points are equal)
    _certify_positive_definite(K)
    r = K.nrows()
    if groups and directions and r < 3:
        raise NotClosedFormError(
            f"RS at a rank-deficient covariance with rank S = {r} <= 2 (equal points): the "
            "one-sided derivative integrand decays like s^(-rank/2) only, its integral is not "
            "shown finite, not computed")
    trace = sum((K[i, i] for i in range(1, r)), K[0, 0])
    c = flint.arb(float(r / (2 * float(trace.mid()))))  # exact binary number
    K = K * c
    dSs = [d * c for d in dSs]
    # an exactly orthogonal U with U^T K U nearly diagonal (float eigenvectors of mid K)
    _, V = np.linalg.eigh(np.array([[float(K[i, j].mid()) for j in range(r)] for i in range(r)]))
    U = near_orthogonal_frame(V)
    UT = U.transpose()
    K = UT * K * U
    R = Q * U
    RT = R.transpose()
    dKs = [RT * d * R for d in dSs]
    kernel = None
    if groups:
        Q0T = Q0.transpose()
        kernel = _KernelBlock(list(groups), Q0, [RT * d * Q0 for d in dSs],
                              [Q0T * d * Q0 for d in dSs])
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    parts = [_Integrand(K, dKs, R, act, pairs, tail, kernel) for tail in (False, True)]
    total = len(pairs) * (1 + len(dKs))
    n_ball = flint.arb(n)
    values = []
    for index in range(total):
        v = n_ball * sum((_integrate(f, index, goal) for f in parts), flint.arb(0))
        if not v.is_finite():
            i, j = pairs[index % len(pairs)]
            raise PrecisionError(
                f"RS integral for entry ({i + 1},{j + 1}) not enclosed (non-finite): the "
                "integrand could not be certified analytic at this precision")
        values.append(v)

    def unpack(block: int) -> list[list[Any]]:
        M = [[flint.arb(0)] * n for _ in range(n)]
        for p, (i, j) in enumerate(pairs):
            M[i][j] = M[j][i] = values[block * len(pairs) + p]
        return M

    F = unpack(0)
    T = sum((F[i][i] for i in range(1, n)), F[0][0])
    F_hat = [[n_ball * F[i][j] / T for j in range(n)] for i in range(n)]
    out = []
    for k in range(len(dKs)):
        D = unpack(k + 1)
        dT = sum((D[i][i] for i in range(1, n)), D[0][0])
        out.append([[n_ball * (D[i][j] * T - F[i][j] * dT) / (T * T) for j in range(n)]
                    for i in range(n)])
    return F_hat, out
