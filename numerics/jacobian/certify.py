r"""Certified stability verdicts: interval enclosures of the Jacobian's eigenvalues.

Method (python-flint ``arb`` balls, rigorous error propagation):

1. The fixed point ``G*`` is given as a matrix of balls (an enclosure: exact
   entries, or a midpoint with a proven or stated radius).
2. For each isotypic component (:mod:`numerics.jacobian.symmetry`) the block ``M`` is
   the matrix of ``J = D F_hat(G*)`` on the representative directions
   (rational, mutually orthogonal; for ``trivial`` the trace-zero combinations
   ``R_c - (tr R_c / tr R_1) R_1``, ``c >= 2``, whose coordinates are read with the
   orthogonal ``R_c``), with ``J R`` evaluated by the exact chain rule of
   :func:`numerics.jacobian.derivatives.shape_and_derivatives` in ball arithmetic.  So
   every entry of ``M`` is a ball containing the exact value for every ``G`` in
   the enclosure.
3. The eigenvalues of each ball matrix ``M`` are enclosed by arb's verified
   ``acb_mat.eig`` (isolating balls; with ``multiple=True`` for clusters), and
   ``|lambda|`` by ``[abs_lower, abs_upper]``.
4. When arb fails with all its options (a multiple or defective eigenvalue of a
   ball matrix: no isolating ball exists), :func:`enclose_clusters` encloses the
   eigenvalues by clusters:

   a. From the exact midpoint ``A = mid(M)`` (mpmath, working precision + 32 bits)
      the approximate eigenvalues are grouped into clusters ``C_1, ..., C_r``
      (single linkage at a tolerance ``8 eta^(1/m)``, ``m = 1..k``, with ``eta`` the
      entries' radius plus the rounding unit, times ``max(1, max |A_ij|)``: a
      Jordan block of size ``m`` splits by ``~ eta^(1/m)``).  For a cluster of size
      ``m`` and mean ``mu``, an orthonormal basis ``Q`` of its invariant subspace is
      the right singular vectors of the ``m`` smallest singular values of
      ``(A - mu I)^m``; the Schur form ``Q^H A Q = q R q^H`` of the compression
      gives ``V_c = Q q``, and ``V = [V_1 | ... | V_r]`` rounded to exact binary
      entries.  So ``V^{-1} A V`` is block diagonal up to rounding, with upper
      triangular diagonal blocks.
   b. ``T = V^{-1} M V`` is enclosed rigorously by ``acb_mat.solve(V, M V)``
      (``V`` exact; not certified invertible: that clustering is dropped).  ``T`` is
      similar to every matrix in ``M``, so has the same eigenvalues.
   c. Within cluster ``c`` (size ``m_c``) the column at Schur position ``p``
      (``0..m_c-1``) is scaled by ``delta_c^p``, ``delta_c = 2^(-floor(E / m_c))``
      (exact): ``X = D^{-1} T D``, ``D = diag(d_1, ..., d_k)``, so
      ``X_ij = T_ij d_j / d_i`` shrinks the strictly upper part of each cluster's
      block (the Jordan ``1``'s) by ``delta_c^(p_j - p_i)`` and inflates only the
      rounding-level rest (at most by ``delta_c^-(m_c - 1)``).
   d. Gershgorin: every eigenvalue of ``X`` lies in the union of the discs
      ``|z - X_ii| <= sum_{j != i} |X_ij|`` (rows; likewise columns, the discs of
      ``X^T``), each disc widened by the radius of the ball ``X_ii`` around its
      exact centre ``mid(X_ii)``.  **Theorem** (Gershgorin; continuity of the
      eigenvalues along ``X(t) = diag(X) + t offdiag(X)``, ``t`` in ``[0, 1]``): a
      union of ``q`` discs disjoint from the remaining discs contains exactly ``q``
      eigenvalues counted with algebraic multiplicity.  Two discs are treated as
      disjoint only when ``|c_i - c_j| > R_i + R_j`` is certified in arb, so each
      connected component of the union of discs holds exactly as many eigenvalues
      as it has discs: it gives one enclosure (its hull disc ``|z - c| <= R``, ``c``
      the mean of the centres, ``R = max_i |c_i - c| + R_i``; modulus in
      ``[max(0, |c| - R), |c| + R]``) with ``count`` = its number of discs.
   e. Every choice of clustering, of ``E`` (65 values from 0 to ``k`` times the
      working precision in bits) and of rows/columns is rigorous; the one with the
      most components, then the smallest largest radius, then the smallest radii
      overall, is kept.  A semisimple multiple eigenvalue gives a disc of the size
      of the entries' radii (``X`` has no Jordan part to shrink); a Jordan block of
      size ``m`` one of size ``~ eta^(1/m)`` (``delta = eta^(1/m)``, i.e.
      ``E = -log2 eta``, balances ``delta |T_ij|`` against ``eta / delta^(m-1)``).
      No separating choice: the merged components are returned (still rigorous);
      no certified-invertible ``V`` or a non-finite enclosure leaves the block
      uncertified.

   ``CertifiedEigenvalue.count`` is the number of the block's eigenvalues that
   the enclosure holds (``1`` on arb's path).

Verdict: ``stable = True`` when every modulus is certified ``< 1``, ``False``
when one is certified ``> 1``, ``None`` (undecided) when an enclosure contains
1 and none is certified above it.  ``certified`` is whether every enclosure
was obtained.  Layers with closed-form kernels are certified: without RS (or RS
with a degree-0 activation) by the exact chain rule, with RS and a degree-1
activation (or RS without NL) by the verified s-integrals of
:mod:`numerics.jacobian.rs_integral` (``acb.integral``), which need ``S`` positive definite
on its range (a rank-deficient ``S`` raises ``NotClosedFormError``).

An enclosure (arb ball or cluster disc) wider than ``max_width`` raises
:class:`~theory.errors.PrecisionError`; a block that neither arb nor the cluster
fallback encloses is left uncertified (``certified = False``, with a note).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import (
    ArbOps,
    arb_log2,
    arb_pow2,
    arb_to_mpf,
    exact_fraction,
    flint,
    mpf_to_arb,
    workprec,
)
from numerics.jacobian.derivatives import dense, shape_and_derivatives
from numerics.jacobian.symmetry import components
from numerics.kernels import InfiniteDerivative
from theory.activations import get_activation
from theory.errors import NotClosedFormError, PrecisionError
from theory.layers import parse_layer

__all__ = [
    "Certificate",
    "CertifiedEigenvalue",
    "certify",
    "enclose_clusters",
    "Enclosure",
    "to_arb_matrix",
]


@dataclass
class CertifiedEigenvalue:
    """An eigenvalue enclosure with its modulus enclosure, multiplicity and symmetry.

    ``count`` eigenvalues of the symmetry block (with algebraic multiplicity) lie in
    ``value``; each is an eigenvalue of the Jacobian ``multiplicity`` times.
    """

    value: Any  # acb ball
    modulus: tuple[Any, Any]  # (lower, upper) arb
    multiplicity: int
    symmetry: str
    count: int = 1


@dataclass
class Enclosure:
    """``count`` eigenvalues of a block in the ball ``value``, moduli in ``modulus``."""

    value: Any  # acb ball
    modulus: tuple[Any, Any]  # (lower, upper) arb, exact
    count: int = 1
    radius: Any = None  # the cluster path: radius of the disc |z - mid(value)| <= radius


@dataclass
class Certificate:
    """The verdict and the enclosures behind it."""

    eigenvalues: list[CertifiedEigenvalue]
    stable: bool | None
    certified: bool
    spectral_radius: tuple[Any, Any] | None
    notes: list[str]


def to_arb_matrix(G: Sequence[Sequence[Any]], radius: Any = 0) -> list[list[Any]]:
    """Entries (mpmath, strings, Fractions, arb) as balls, widened by ``radius``."""
    out = []
    for row in G:
        r = []
        for x in row:
            if isinstance(x, flint.arb):
                b = x
            else:
                b = ArbOps.const(exact_fraction(x))
            if radius:
                b = b + flint.arb(0, radius)
            r.append(b)
        out.append(r)
    return out


def _sp_inner(D: Sequence[Sequence[Any]], R: dict) -> Any:
    total = 0
    for (i, j), v in R.items():
        total = total + (1 if i == j else 2) * v * D[i][j]
    return total


def _sp_norm2(R: dict) -> int:
    return sum((1 if i == j else 2) * v * v for (i, j), v in R.items())


def certify(G: Sequence[Sequence[Any]], sizes: Sequence[int], labels: Sequence[str],
            layer: Any, activation: Any = "relu", *, sigma_w2: Any = 1, dps: int = 30,
            radius: Any = 0, max_width: float = 1e-3,
            equal_points: Sequence[Sequence[int]] | None = None) -> Certificate:
    r"""Certified eigenvalue enclosures of ``D F_hat(G*)`` by symmetry block (module docstring).

    Parameters
    ----------
    G
        The fixed point, entries exact or as balls; ``radius`` widens every entry.
    sizes, labels
        The cell structure of the fixed point's symmetry.
    equal_points
        Groups of points that are exactly equal at the fixed point (a collapsed
        cluster on a face, known from the search); with RS the one-sided derivative
        there (:mod:`numerics.jacobian.rs_integral`) is enclosed over ``G`` in the balls *with*
        those points equal.
    dps
        Working digits of the ball arithmetic (``~3.33 dps`` bits).

    Raises
    ------
    NotClosedFormError
        For quadrature kernels, and RS at a rank-deficient covariance.
    PrecisionError
        When an enclosure (arb ball or cluster disc) is wider than ``max_width``.
    """
    kind = parse_layer(layer)
    act0 = get_activation(activation)
    act = act0 if kind.nl else None
    if (kind.nl and not act0.closed_form) or (kind.rs and kind.nl and act0.degree not in (0, 1)):
        # RS with degree 1 (or no NL): verified s-integrals (numerics.jacobian.rs_integral).
        raise NotClosedFormError(
            f"no certified Jacobian for layer {kind.name} with {act0.name}: only closed-form "
            "kernels, and with RS only homogeneous activations (degree 0 or 1), are certified")
    n = len(G)
    notes: list[str] = []
    # Square roots of discriminants that vanish at rank-deficient points halve the
    # correct digits: work at 2 dps + 10.
    with workprec(2 * dps + 10):
        Gb = to_arb_matrix(G, radius)
        sigma = ArbOps.const(Fraction(str(sigma_w2)))
        zero = flint.arb(0)
        eigs: list[CertifiedEigenvalue] = []
        failed: list[str] = []
        for comp in components(sizes, labels):
            reps = [{k: Fraction(v) for k, v in E.items()} for _, E in comp.reps]
            if comp.label == "trivial":
                first = reps[0]
                tr1 = sum(v for (i, j), v in first.items() if i == j)
                dirs = []
                for R in reps[1:]:
                    trR = sum(v for (i, j), v in R.items() if i == j)
                    D = dict(R)
                    for key, v in first.items():
                        D[key] = D.get(key, 0) - trR / tr1 * v
                    dirs.append(D)
                readers = reps[1:]
            else:
                dirs, readers = reps, reps
            if not dirs:
                continue
            dense_dirs = [dense({k: ArbOps.const(v) for k, v in E.items()}, n, zero)
                          for E in dirs]
            try:
                _, images = shape_and_derivatives(Gb, dense_dirs, kind, act, sigma, ArbOps,
                                                  equal_points=equal_points)
            except InfiniteDerivative as exc:
                notes.append(f"{comp.label}: derivative unbounded ({exc})")
                return Certificate([], None, False, None, notes)
            k = len(dirs)
            M = flint.acb_mat(k, k)
            for b, D in enumerate(images):
                for a, R in enumerate(readers):
                    M[a, b] = _sp_inner(D, {key: ArbOps.const(v) for key, v in R.items()}) / \
                        ArbOps.const(_sp_norm2(R))
            values = _enclose(M, k)
            if values is None:
                notes.append(f"{comp.label}: eigenvalues not isolated at {dps} digits (a "
                             "multiple or defective eigenvalue) and no finite Gershgorin "
                             "cluster enclosure; block left uncertified")
                failed.append(comp.label)
                continue
            if any(e.count > 1 for e in values) or (k > 1 and len(values) < k):
                notes.append(f"{comp.label}: arb could not isolate the eigenvalues; enclosed "
                             "by clusters (Schur basis, scaled Gershgorin discs) of sizes "
                             + ", ".join(str(e.count) for e in values))
            for e in values:
                v = e.value
                mod = abs(v)
                if not (mod.rad() < max_width) or not mod.is_finite():
                    raise PrecisionError(
                        f"eigenvalue enclosure of the {comp.label} block is too wide "
                        f"({mod.str(5, radius=True)}) at {dps} digits: raise dps or tighten "
                        "the fixed point", parameter="dps")
                eigs.append(CertifiedEigenvalue(v, e.modulus, comp.dim, comp.label, e.count))
    above = any(e.modulus[0] > 1 for e in eigs)
    below = all(e.modulus[1] < 1 for e in eigs) and not failed
    stable = False if above else (True if below else None)
    if stable is None and not failed:
        notes.append("an eigenvalue modulus enclosure contains 1: undecided")
    if not eigs:
        return Certificate([], stable, False, None, notes)
    radius_lo = max(e.modulus[0] for e in eigs)
    radius_hi = max(e.modulus[1] for e in eigs)
    return Certificate(eigs, stable, not failed, (radius_lo, radius_hi), notes)


def _enclose(M: Any, k: int) -> list[Enclosure] | None:
    """Verified eigenvalue enclosures of ``M``: arb's isolating methods, else
    :func:`enclose_clusters`; ``None`` when neither gives finite enclosures."""
    if k == 1:
        v = M[0, 0]
        return [Enclosure(v, (v.abs_lower(), v.abs_upper()))]
    for kwargs in ({}, {"multiple": True}, {"multiple": True, "algorithm": "rump"}):
        try:
            values = list(M.eig(**kwargs))
        except ValueError:
            continue
        return [Enclosure(v, (v.abs_lower(), v.abs_upper())) for v in values]
    return enclose_clusters(M)


def _groups(k: int, linked: Callable[[int, int], bool]) -> list[tuple[int, ...]]:
    """Connected components of the graph on ``0..k-1`` with edges ``linked(i, j)``."""
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(k):
        for j in range(i + 1, k):
            if root(i) != root(j) and linked(i, j):
                parent[root(j)] = root(i)
    out: dict[int, list[int]] = {}
    for i in range(k):
        out.setdefault(root(i), []).append(i)
    return sorted(tuple(g) for g in out.values())


def _cluster_basis(A: Any, ev: Sequence[Any], part: Sequence[Sequence[int]],
                   cache: dict[tuple[int, ...], Any]) -> tuple[Any, list[int], list[int]]:
    r"""Columns ``V = [V_1 | ... | V_r]`` (mpmath), each column's Schur position ``p``
    within its cluster and its cluster's size ``m``.

    ``V_c = Q q``: ``Q`` an orthonormal basis of the approximate invariant subspace
    of cluster ``c`` (right singular vectors of the ``m`` smallest singular values of
    ``(A - mu I)^m``, ``mu`` the cluster's mean), ``q`` the Schur vectors of
    ``Q^H A Q``.  ``cache`` keeps ``V_c`` by cluster across partitions.
    """
    k = A.rows
    V = mpmath.matrix(k, k)
    pos: list[int] = []
    size: list[int] = []
    col = 0
    for group in part:
        m = len(group)
        if tuple(group) not in cache:
            mu = mpmath.fsum(ev[i] for i in group) / m
            B = (A - mu * mpmath.eye(k)) ** m
            _, _, W = mpmath.svd_c(B)
            Q = mpmath.matrix(k, m)
            for c in range(m):
                for r in range(k):
                    Q[r, c] = mpmath.conj(W[k - m + c, r])
            if m > 1:
                q, _ = mpmath.schur(Q.transpose_conj() * A * Q)
                Q = Q * q
            cache[tuple(group)] = Q
        Q = cache[tuple(group)]
        for c in range(m):
            for r in range(k):
                V[r, col] = Q[r, c]
            pos.append(c)
            size.append(m)
            col += 1
    return V, pos, size


def _gershgorin(absT: Sequence[Sequence[Any]], centres: Sequence[Any], own: Sequence[Any],
                shift: Sequence[int], columns: bool) -> list[Enclosure] | None:
    r"""Enclosures from the Gershgorin discs of ``X = D^{-1} T D``, ``D = diag(2^{-s_i})``.

    Disc ``i``: centre ``c_i = mid(T_ii)``, radius
    ``R_i = rad(T_ii) + sum_{j != i} |T_ij| 2^{s_i - s_j}`` (rows) or
    ``rad(T_ii) + sum_{j != i} |T_ji| 2^{s_j - s_i}`` (columns).  Each connected
    component (discs disjoint unless ``|c_i - c_j| > R_i + R_j`` is certified) holds
    exactly as many eigenvalues as discs.
    """
    k = len(centres)
    radii = []
    for i in range(k):
        total = own[i]
        for j in range(k):
            if j != i:
                if columns:
                    total = total + absT[j][i] * arb_pow2(shift[j] - shift[i])
                else:
                    total = total + absT[i][j] * arb_pow2(shift[i] - shift[j])
        radii.append(total.upper())
    if not all(R.is_finite() for R in radii):
        return None
    comps = _groups(k, lambda i, j: not abs(centres[i] - centres[j]) > radii[i] + radii[j])
    out = []
    for g in comps:
        if len(g) == 1:
            c, R = centres[g[0]], radii[g[0]]
        else:
            c = (sum(centres[i] for i in g) / len(g)).mid()
            R = max((abs(centres[i] - c) + radii[i]).upper() for i in g)
        if not R.is_finite():
            return None
        a = abs(c)
        lo = (a - R).lower()
        lo = lo if lo > 0 else flint.arb(0)
        hi = (a + R).upper()
        if not hi.is_finite():
            return None
        value = c + flint.acb(flint.arb(0, R), flint.arb(0, R))
        out.append(Enclosure(value, (lo, hi), len(g), R))
    return out


def enclose_clusters(M: Any) -> list[Enclosure] | None:
    r"""Eigenvalue clusters of the ball matrix ``M`` by Schur basis + scaled Gershgorin discs.

    The method of the module docstring, step 4: ``T = V^{-1} M V`` in ball arithmetic
    for an approximate block-Schur basis ``V`` of ``mid(M)``, then the Gershgorin
    discs of ``D^{-1} T D``, ``D = diag(delta_c^{p_i})`` (``p_i`` the Schur position
    of column ``i`` within its cluster ``c``).  A connected component of ``q`` discs
    holds exactly ``q`` eigenvalues (counted with algebraic multiplicity) of every
    matrix in ``M``.

    Parameters
    ----------
    M
        A square ``acb_mat``; works at python-flint's current precision.

    Returns
    -------
    list of Enclosure or None
        One enclosure per component (counts sum to the size of ``M``); ``None`` when
        no basis is certified invertible or an enclosure is not finite.
    """
    k = M.nrows()
    bits = flint.ctx.prec
    cands = []
    with mpmath.workprec(bits + 32):
        A = mpmath.matrix(k, k)
        noise = mpmath.mpf(2) ** -bits
        for i in range(k):
            for j in range(k):
                z = M[i, j]
                if not z.is_finite():
                    return None
                A[i, j] = mpmath.mpc(arb_to_mpf(z.real), arb_to_mpf(z.imag))
                noise = max(noise, arb_to_mpf(z.rad().upper()))
        noise *= max([mpmath.mpf(1)] + [abs(A[i, j]) for i in range(k) for j in range(k)])
        try:
            ev = mpmath.eig(A, left=False, right=False)
        except (ArithmeticError, RuntimeError, ValueError):
            return None
        parts: list[list[tuple[int, ...]]] = []
        for tol in [mpmath.mpf(0)] + [8 * noise ** (mpmath.mpf(1) / m) for m in range(1, k + 1)]:
            part = _groups(k, lambda i, j, tol=tol: abs(ev[i] - ev[j]) <= tol)
            if part not in parts:
                parts.append(part)
        cache: dict[tuple[int, ...], Any] = {}
        for part in parts:
            try:
                V, pos, size = _cluster_basis(A, ev, part, cache)
            except (ArithmeticError, RuntimeError, ValueError):
                continue
            entries = [[flint.acb(mpf_to_arb(mpmath.re(V[i, j])), mpf_to_arb(mpmath.im(V[i, j])))
                        for j in range(k)] for i in range(k)]
            cands.append((flint.acb_mat(entries).mid(), pos, size))
    # delta_c = 2^(-E/m_c) for a cluster of size m_c: a Jordan block of size m perturbed
    # by 2^-E splits by ~2^(-E/m), which that delta balances; E scans 0..k bits (exact
    # input has less noise than the rounding unit).
    grid = sorted({k * bits * j // 64 for j in range(65)})
    best: list[Enclosure] | None = None
    best_key: tuple[int, int, int] | None = None
    for V, pos, size in cands:
        try:
            T = V.solve(M * V)
        except ZeroDivisionError:
            continue
        if not all(T[i, j].is_finite() for i in range(k) for j in range(k)):
            continue
        absT = [[T[i, j].abs_upper() for j in range(k)] for i in range(k)]
        centres = [T[i, i].mid() for i in range(k)]
        own = [(T[i, i] - centres[i]).abs_upper() for i in range(k)]
        shifts = {tuple(p * (E // m) for p, m in zip(pos, size, strict=True)) for E in grid}
        for shift in sorted(shifts):
            for columns in (False, True):
                res = _gershgorin(absT, centres, own, shift, columns)
                if res is None or sum(x.count for x in res) != k:
                    continue
                logs = [arb_log2(x.radius) for x in res]
                key = (len(res), -max(logs), -sum(logs))
                if best_key is None or key > best_key:
                    best, best_key = res, key
    return best
