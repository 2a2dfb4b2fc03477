r"""Fixed points without RC for degree-1 activations: proven 1-D searches by the exact
chain rule.

``symmetric`` (:func:`symmetric_without_rc`)
    ``G = (1 - rho) I + rho 1 1^T`` (``q = 1`` by the trace), one parameter
    ``rho in [-1/(n-1), 1]``.  The residual ``r(rho) = F_hat(G)_12 - rho`` is enclosed
    in ``arb`` ball arithmetic (:func:`numerics.jacobian.derivatives.shape_and_derivatives`)
    and its zeros found by :func:`search_1d`.  The end point ``rho = 1`` (all points
    equal) is a degenerate fixed point; ``complete`` is false when intervals stay
    unresolved (next to ``rho = 1``, where ``r'(1) = 0`` for ReLU).

``cluster-odd`` (:func:`cluster_odd_without_rc`)
    Only the face ``rho = 1, gamma = 0`` is searched, by the same 1-D method in ``b``
    (``G``: ``n - 1`` equal points of norm^2 ``a = (n - b)/(n - 1)`` and an orthogonal
    odd point of norm^2 ``b``); ``two-clusters`` (:func:`unsearched_without_rc`): not
    searched.  Both are ``complete = False``: every batch on one ray (``G = g g^T``,
    ``g >= 0``) is fixed, a continuum.

:func:`search_1d` is the proven 1-D root finder (also used for the correlation map of
degree-0 activations, :mod:`numerics.fixed_points.degree_zero`): an interval whose
residual enclosure excludes 0 holds no zero, the rest are bisected down to
``2^-depth``; each remaining one is proven by a sign change at its ends (existence)
and an enclosure of the derivative excluding 0 (uniqueness).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import ArbOps, arb_to_mpf, flint, workprec
from numerics.fixed_points.result import FixedPointSearchResult, FoundFixedPoint, SearchRequest
from numerics.jacobian.derivatives import shape_and_derivatives
from numerics.kernels import InfiniteDerivative

__all__ = ["cluster_odd_without_rc", "search_1d", "symmetric_without_rc",
           "unsearched_without_rc"]

Residual1D = Callable[[Any], tuple[Any, Any]]


def search_1d(residual: Residual1D, lo: Fraction, hi: Fraction, dps: int, depth: int = 40,
              max_boxes: int = 20000, exact_zeros: frozenset = frozenset(),
              ) -> tuple[list[tuple[Any, Any, str]], list[tuple[Fraction, Fraction]]]:
    """All zeros of ``residual`` in ``[lo, hi]`` (open at the ends), proven.

    ``residual(x)`` returns ``(r, dr)`` enclosures for a ball ``x`` (a non-finite
    enclosure excludes nothing; ``dr`` may be ``None``: unknown).  ``exact_zeros`` are
    end points known to be zeros exactly (degenerate fixed points); a monotone interval
    ending there holds no other.  Returns ``[(root mpf, half-width of its proven
    enclosure, proof)]`` and the unresolved intervals.
    """
    arb = flint.arb
    stack = [(lo, hi, 0)]
    candidates: list[tuple[Fraction, Fraction]] = []
    boxes = 0
    while stack:
        a, b, d = stack.pop()
        boxes += 1
        x = arb(ArbOps.const((a + b) / 2)) + arb(0, float(b - a) / 2 * (1 + 1e-12))
        r, dr = residual(x)
        if r.is_finite() and not r.contains(0):
            continue
        if dr is not None and dr.is_finite() and not dr.contains(0):
            candidates.append((a, b))  # at most one zero here (monotone); decide below
            continue
        if d >= depth or boxes > max_boxes:
            candidates.append((a, b))
            continue
        m = (a + b) / 2
        stack += [(a, m, d + 1), (m, b, d + 1)]
    roots: list = []
    unresolved: list = []
    for a, b in sorted(candidates):
        ra, _ = residual(ArbOps.const(a))
        rb, _ = residual(ArbOps.const(b))
        x = arb(ArbOps.const((a + b) / 2)) + arb(0, float(b - a) / 2 * (1 + 1e-12))
        _, dr = residual(x)
        monotone = dr is not None and dr.is_finite() and not dr.contains(0)
        if monotone and (a in exact_zeros or b in exact_zeros):
            continue  # monotone: the only zero in [a, b] is the exact one at its end
        if monotone and ((ra < 0 and rb > 0) or (ra > 0 and rb < 0)):
            root, rad = _bisect(residual, a, b, ra < 0, dps)
            roots.append((root, rad, "sign change of the residual at the ends of "
                          f"[{float(a):.6g}, {float(b):.6g}] (existence) and an enclosure of its "
                          "derivative excluding 0 (uniqueness)"))
        elif monotone and ((ra > 0 and rb > 0) or (ra < 0 and rb < 0)):
            continue  # monotone without sign change: no zero
        else:
            unresolved.append((a, b))
    return roots, unresolved


def _bisect(residual: Residual1D, a: Fraction, b: Fraction, increasing: bool,
            dps: int) -> tuple[Any, float]:
    """The zero in ``[a, b]`` (a sign change, ``r`` monotone) to ``dps + 5`` digits, with
    the half-width of its proven enclosure (a final interval Newton step)."""
    lo, hi = a, b
    target = Fraction(1, 10 ** (dps + 5))
    while hi - lo > target * max(1, abs(lo)):
        m = (lo + hi) / 2
        r, _ = residual(ArbOps.const(m))
        if r.contains(0):
            # the zero is (numerically) at m: one interval Newton step
            # N = m - r(m) / r'([lo, hi]) encloses it (r' excludes 0 on [lo, hi])
            X = ArbOps.const(lo).union(ArbOps.const(hi))
            _, dr = residual(X)
            N = ArbOps.const(m) - r / dr
            try:
                N = N.intersection(X)
            except ValueError:  # pragma: no cover - the zero is in [lo, hi]
                break
            with mpmath.workdps(dps + 10):
                mid = arb_to_mpf(N)
            return mid, float(N.rad()) * (1 + 1e-9) + 1e-300
        if (r < 0) == increasing:
            lo = m
        else:
            hi = m
    with mpmath.workdps(dps + 10):
        mid = mpmath.mpf(lo.numerator) / lo.denominator / 2 + \
            mpmath.mpf(hi.numerator) / hi.denominator / 2
        return mid, float(hi - lo) / 2 * (1 + 1e-9) + 1e-300


def _gram_symmetric(rho: Any, n: int, one: Any) -> list[list[Any]]:
    return [[one if i == j else rho for j in range(n)] for i in range(n)]


def _gram_face(b: Any, n: int, ops: Any) -> list[list[Any]]:
    """Cluster (n-1 equal points, norm^2 a = (n-b)/(n-1)) + orthogonal odd point (norm^2 b)."""
    a = (ops.const(n) - b) / ops.const(n - 1)
    G = [[a for _ in range(n)] for _ in range(n)]
    for i in range(n):
        G[i][n - 1] = G[n - 1][i] = a * 0
    G[n - 1][n - 1] = b
    return G


def _value_and_slope(req: SearchRequest, G: list[list[Any]], E: list[list[Any]],
                     entry: tuple[int, int], x: Any) -> tuple[Any, Any]:
    """``F_hat(G)[entry] - x`` and its derivative along ``E`` minus 1 (``None`` where the
    kernel gradient is unbounded)."""
    sigma = ArbOps.const(req.sigma_w2)
    i, j = entry
    try:
        Fh, (dF,) = shape_and_derivatives(G, [E], req.kind, req.act, sigma, ArbOps)
        return Fh[i][j] - x, dF[i][j] - 1
    except InfiniteDerivative:
        Fh, _ = shape_and_derivatives(G, [], req.kind, req.act, sigma, ArbOps)
        return Fh[i][j] - x, None


def _ray_note(req: SearchRequest) -> list[str]:
    """Without RC and with a degree-1 activation (or no NL): the continuum of rays."""
    kind = req.kind
    if kind.rc or not (not kind.nl or req.activation.degree == 1):
        return []
    return ["without RC and with a degree-1 activation every batch of points on one ray "
            "(G = g g^T, g >= 0) is fixed: h = z g gives phi(h) = phi(z) g, so F ~ G; in "
            f"the {req.family.name} family these form a continuum (every cluster collapsed, "
            "cross correlations 1, any norms), so its fixed points are not isolated and "
            "no finite list is complete"]


def _result(req: SearchRequest, found: list[FoundFixedPoint], complete: bool,
            notes: list[str]) -> FixedPointSearchResult:
    return FixedPointSearchResult(req.family.name, req.n, req.kind.name, req.activation_name,
                                  found, complete, notes + _ray_note(req))


def symmetric_without_rc(req: SearchRequest) -> FixedPointSearchResult:
    """The symmetric family without RC (module docstring)."""
    n, kind, dps = req.n, req.kind, req.dps
    notes: list[str] = []
    found: list[FoundFixedPoint] = []
    with workprec(2 * dps + 20):
        arb = flint.arb
        one = arb(1)
        E = _gram_symmetric(one, n, arb(0))

        def residual(rho: Any) -> tuple[Any, Any]:
            return _value_and_slope(req, _gram_symmetric(rho, n, one), E, (0, 1), rho)

        roots, unresolved = search_1d(
            residual, Fraction(-1, n - 1), Fraction(1), dps,
            exact_zeros=frozenset() if kind.rc else frozenset({Fraction(1)}))
        for root, rad, proof in roots:
            with mpmath.workdps(dps + 10):
                G = [[mpmath.mpf(1) if i == j else root for j in range(n)] for i in range(n)]
            found.append(FoundFixedPoint("symmetric", {"q": mpmath.mpf(1), "rho": root},
                                         {"rho": rad}, G, False, proof, [n], ["batch"]))
        # the end point rho = 1 (all points equal)
        if kind.rc:
            notes.append("rho = 1 (all points equal): the map is undefined there (after RC "
                         "the covariance is 0, tr F = 0); reported as degenerate, not fixed")
        else:
            G1 = [[mpmath.mpf(1)] * n for _ in range(n)]
            found.append(FoundFixedPoint(
                "symmetric", {"q": mpmath.mpf(1), "rho": mpmath.mpf(1)}, {}, G1, True,
                "all points equal stay equal: F_hat(1 1^T) = 1 1^T exactly (rank 1)",
                [n], ["batch"]))
        if unresolved:
            notes.append(f"{len(unresolved)} interval(s) unresolved near "
                         + ", ".join(f"[{float(a):.4g}, {float(b):.4g}]"
                                     for a, b in unresolved[:5]))
    return _result(req, found, not unresolved, notes)


def cluster_odd_without_rc(req: SearchRequest) -> FixedPointSearchResult:
    """The face ``rho = 1, gamma = 0`` of cluster-odd without RC (module docstring)."""
    n, dps = req.n, req.dps
    notes: list[str] = []
    found: list[FoundFixedPoint] = []
    with workprec(2 * dps + 20):
        arb = flint.arb
        sigma = ArbOps.const(req.sigma_w2)
        E1, E0 = _gram_face(arb(1), n, ArbOps), _gram_face(arb(0), n, ArbOps)
        E = [[E1[i][j] - E0[i][j] for j in range(n)] for i in range(n)]

        def residual(b: Any) -> tuple[Any, Any]:
            return _value_and_slope(req, _gram_face(b, n, ArbOps), E, (n - 1, n - 1), b)

        eps = Fraction(1, 10 ** 6)
        roots, unresolved = search_1d(residual, eps, Fraction(n) - eps, dps)
        for root, rad, proof in roots:
            with mpmath.workdps(dps + 10):
                aa = (n - root) / (n - 1)
                G = [[aa if (i < n - 1 and j < n - 1) else mpmath.mpf(0) for j in range(n)]
                     for i in range(n)]
                G[n - 1][n - 1] = root
            Gb = _gram_face(ArbOps.const(Fraction(str(mpmath.nstr(root, dps + 5)))), n, ArbOps)
            Fh, _ = shape_and_derivatives(Gb, [], req.kind, req.act, sigma, ArbOps)
            ok = Fh[0][n - 1].contains(0)
            proof += ("; on the invariant face rho = 1 (equal points stay equal); the "
                      f"enclosure of gamma' contains 0 ({'yes' if ok else 'NO'})")
            if not ok:
                continue
            found.append(FoundFixedPoint(
                "cluster-odd", {"a": aa, "rho": mpmath.mpf(1), "b": root,
                                "gamma": mpmath.mpf(0)}, {"b": rad}, G, True, proof,
                [n - 1, 1], list(req.family.cell_labels)))
        notes.append("cluster-odd: only the face rho = 1, gamma = 0 (b in [1e-6, n - 1e-6]) "
                     "is searched with proof; the interior of the (rho, gamma, b) box is "
                     "not searched (complete = false)")
        if unresolved:
            notes.append(f"{len(unresolved)} interval(s) of b unresolved")
    return _result(req, found, False, notes)


def unsearched_without_rc(req: SearchRequest) -> FixedPointSearchResult:
    """Other families without RC (two-clusters): not searched, ``complete = False``."""
    return _result(req, [], False, [f"family {req.family.name!r} is not searched without RC"])
