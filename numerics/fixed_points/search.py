r"""Fixed points of the shape map ``F_hat`` in a family at concrete ``n``, with proof.

Layers with RC and a homogeneous activation (degree 1 or 0, or no NL), and an
exact chain rule (no RS, or RS with step/sign)
    The complete search of :mod:`numerics.fixed_points.centred`: ``F_hat`` depends only on
    the direction of ``P G P``, which on a family lives in a simplex of dimension
    0 (symmetric), 1 (cluster-odd) or 2 (two-clusters).  Every fixed point of the
    family is ``Phi(t*)`` for a zero ``t*`` of ``t(Phi(t)) - t``; the zeros are
    found face by face by interval branch and bound with the Krawczyk test
    (:mod:`numerics.fixed_points.krawczyk`), including the degenerate ones on the invariant
    faces (collapsed clusters).  ``complete = True`` when no box is left
    unresolved: then the list is every fixed point of ``F_hat`` in the family
    (``P G P = 0``, all points equal, is where the map is undefined).

RC with erf (non-homogeneous; no RS)
    The same search with the scale of ``P G P`` as one more coordinate
    (:mod:`numerics.fixed_points.scaled_centred`).

Degree-0 activations (step, sign; with or without RS) and erf without RC (layer ``nl``)
    Closed form (:mod:`numerics.fixed_points.entrywise`): the map acts entry by entry, so a fixed
    point has the diagonal ``n / k`` on the ``k`` points not at the origin and fixed
    correlations of the correlation map (``kappa(cos theta) = 1 - c theta``, zeros by
    a proven 1-D search, :mod:`numerics.fixed_points.degree_zero`; ``arcsin(u c) / arcsin(u)``:
    exactly ``-1, 0, 1`` by convexity, :mod:`numerics.fixed_points.arcsine`); complete on every
    family.

Degree-1 activations without RC (chain rule)
    ``symmetric``: ``G = (1 - rho) I + rho 1 1^T`` (``q = 1`` by the trace), one
    parameter ``rho in [-1/(n-1), 1]``.  The residual ``r(rho) = F_hat(G)_12 - rho``
    is enclosed in ``arb`` ball arithmetic on sub-intervals; an interval whose
    enclosure excludes 0 holds no fixed point, the rest are bisected down to
    ``2^-depth``; each remaining one is proven by a sign change of ``r`` at its
    ends (existence) and an enclosure of ``r'`` excluding 0 (uniqueness).  The end
    point ``rho = 1`` (all points equal) is a degenerate fixed point; ``complete`` is
    false when intervals stay unresolved (next to ``rho = 1``, where ``r'(1) = 0``
    for ReLU).

    ``cluster-odd``: only the face ``rho = 1, gamma = 0`` is searched, by the same
    1-D method in ``b``; ``two-clusters``: not searched.  Both are ``complete =
    False``: every batch on one ray (``G = g g^T``, ``g >= 0``) is fixed, a continuum.

RC with RS and a degree-1 activation (BN with ReLU) or no NL
    The same search with the residual of :mod:`numerics.fixed_points.rs_centred` (the s-integral
    on the simplex in closed form, enclosed by ``acb.integral``).  Next to the
    collapsed vertex the spread share grows like ``sqrt(t)`` (infinite derivative):
    there a lower bound with explicit constants (:mod:`numerics.fixed_points.rs_vertex`) proves
    that no zero but the vertex lies in ``[0, delta]``, so the 1-D faces (cluster-odd,
    and the faces of two-clusters) are searched completely; faces of two free
    coordinates (the two-clusters interior) are not searched (cost), so two-clusters
    stays ``complete = False``.

RS with a degree-1 activation (or no NL) but without RC has a continuum of fixed
points (every batch on one ray) and is refused (``InvalidInputError``); activations
without closed-form kernel are not searched (``NotClosedFormError``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import ArbOps, arb_to_mpf, flint, workprec
from numerics.fixed_points import arcsine, centred, degree_zero, entrywise
from numerics.fixed_points.rs_centred import RSCentredResidual
from numerics.fixed_points.scaled_centred import ScaledCentredResidual
from numerics.jacobian.derivatives import derivative_method, shape_and_derivatives
from numerics.kernels import InfiniteDerivative, kernel_params
from numerics.parameters import sigma_fraction
from numerics.precision import DEFAULT_DPS, validate_dps
from theory.activations import get_activation
from theory.errors import InvalidInputError, NotClosedFormError
from theory.families import get_family
from theory.layers import LayerKind, parse_layer

#: Bisection depth per simplex dimension for RS layers (boxes down to 2^-RS_DEPTH; the
#: last levels next to a collapsed cluster are the expensive ones and stay unresolved).
RS_DEPTH = 16
#: Box budget per face for RS layers (0.05-0.2 s per box; the rest stays unresolved).
RS_BOXES = 600


@dataclass
class FoundFixedPoint:
    """A fixed point: parameters (decimal strings at ``dps`` digits), enclosure, degeneracy."""

    family: str
    parameters: dict[str, Any]  # mpmath values
    enclosure: dict[str, float]  # proven half-width around the value, per searched parameter
    gram: list[list[Any]]  # mpmath matrix entries
    degenerate: bool
    proof: str
    sizes: list[int]
    labels: list[str]
    gram_radius: float | None = None  # proven entrywise bound, when computed directly
    collapsed: tuple[int, ...] = ()  # cells whose points are exactly equal (a face)
    repelling: str = ""  # a proof that small admissible perturbations grow (no Jacobian)

    @property
    def equal_points(self) -> list[tuple[int, ...]]:
        """Groups (size >= 2) of points that are exactly equal: the collapsed cells."""
        return _collapsed_groups(self.sizes, self.collapsed)

    @property
    def radius(self) -> float:
        """A bound on every Gram entry's distance from the exact fixed point (the
        parameters enter the entries with Lipschitz constant <= n here)."""
        if self.gram_radius is not None:
            return self.gram_radius
        return max([0.0] + [4.0 * r for r in self.enclosure.values()])


@dataclass
class FixedPointSearchResult:
    family: str
    n: int
    layer: str
    activation: str
    fixed_points: list[FoundFixedPoint]
    complete: bool
    notes: list[str] = field(default_factory=list)


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


def _search_1d(residual: Callable[[Any], tuple[Any, Any]], lo: Fraction, hi: Fraction,
               dps: int, depth: int = 40, max_boxes: int = 20000,
               exact_zeros: frozenset = frozenset(),
               ) -> tuple[list[tuple[Any, Any, str]], list[tuple[Fraction, Fraction]]]:
    """All zeros of ``residual`` in ``[lo, hi]`` (open at the ends), proven.

    ``residual(x)`` returns ``(r, dr)`` enclosures for a ball ``x`` (a non-finite
    enclosure excludes nothing).  ``exact_zeros`` are end points known to be zeros
    exactly (degenerate fixed points); a monotone interval ending there holds no other.
    Returns ``[(root mpf, half-width of its proven enclosure, proof)]`` and the
    unresolved intervals.
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


def _bisect(residual, a: Fraction, b: Fraction, increasing: bool, dps: int) -> Any:
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


def find_fixed_points(family: str, n: int, layer: Any, activation: Any = "relu", *,
                      dps: int = DEFAULT_DPS, sigma_w2: Any = 1,
                      m: int | None = None) -> FixedPointSearchResult:
    """All fixed points of ``F_hat`` in the searched part of ``family`` (module docstring)."""
    dps = validate_dps(dps)
    sigma_f = sigma_fraction(sigma_w2)  # (homogeneous activations do not depend on it)
    fam = get_family(family)
    kind = parse_layer(layer)
    act0 = get_activation(activation)
    act = act0 if kind.nl else None
    if not isinstance(n, int) or n < fam.min_n:
        raise InvalidInputError(f"family {fam.name!r} needs an integer n >= {fam.min_n}",
                                parameter="n")
    if kind.rc and not kind.rs and not kind.nl and fam.name != "symmetric":
        raise InvalidInputError(
            "layer rc (no RS, no NL) maps G to n P G P / tr(P G P): every member of the "
            f"{fam.name} family with zero row sums is a fixed point (a continuum, not "
            "isolated points)")
    if kind.name == "none":
        raise InvalidInputError("the linear layer alone maps G to n G / tr G: every Gram "
                                "matrix of trace n is a fixed point (a continuum)")
    rs_integral = kind.rs and (not kind.nl or act0.degree == 1)
    if kind.rc and (not kind.nl or act0.homogeneous) and (act0.closed_form or not kind.nl):
        return _centred(fam, n, kind, act, act0.name if kind.nl else "identity (no NL)", dps,
                        m, rs_integral)
    if kind.rc and kind.nl and not kind.rs and act0.closed_form:  # erf: the scale matters
        return _centred(fam, n, kind, act, act0.name, dps, m, scaled=True, sigma_w2=sigma_f)
    if not kind.rc and kind.nl and (act0.kernel_family == "abstep" or (
            act0.kernel_family == "erf" and not kind.rs)):
        return _entrywise(fam, n, kind, act0, dps, m, sigma_f)
    if not kind.rc and rs_integral:
        raise InvalidInputError(
            f"layer {kind.name} without RC: every batch of points on one ray (G = g g^T, "
            "g >= 0) is fixed (h = z g, RS rescales it to sign(z) g / |g|, and a degree-1 "
            "activation keeps the ray), a continuum, not isolated points")
    if derivative_method(kind, act0) != "chain-rule":
        raise NotClosedFormError(
            f"fixed-point search needs an exact chain rule: layer {kind.name} with "
            f"{act0.name} is evaluated by an integral or quadrature (not supported here)")
    notes: list[str] = []
    found: list[FoundFixedPoint] = []
    name_act = act0.name if kind.nl else "identity (no NL)"
    with workprec(2 * dps + 20):
        arb = flint.arb
        sigma = ArbOps.const(sigma_f)
        if fam.name == "symmetric":
            one = arb(1)

            def residual(rho):
                G = _gram_symmetric(rho, n, one)
                E = _gram_symmetric(one, n, arb(0))
                try:
                    Fh, (dF,) = shape_and_derivatives(G, [E], kind, act, sigma, ArbOps)
                    return Fh[0][1] - rho, dF[0][1] - 1
                except InfiniteDerivative:
                    Fh, _ = shape_and_derivatives(G, [], kind, act, sigma, ArbOps)
                    return Fh[0][1] - rho, None
                except ZeroDivisionError:
                    return arb(0, 1e300), None

            lo = Fraction(-1, n - 1)
            roots, unresolved = _search_1d(
                residual, lo, Fraction(1), dps,
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
            complete = not unresolved
            if unresolved:
                notes.append(f"{len(unresolved)} interval(s) unresolved near "
                             + ", ".join(f"[{float(a):.4g}, {float(b):.4g}]"
                                         for a, b in unresolved[:5]))
        elif fam.name == "cluster-odd":
            def residual(b):
                G = _gram_face(b, n, ArbOps)
                E = _gram_face(arb(1), n, ArbOps)
                E = [[E[i][j] - _gram_face(arb(0), n, ArbOps)[i][j] for j in range(n)]
                     for i in range(n)]
                try:
                    Fh, (dF,) = shape_and_derivatives(G, [E], kind, act, sigma, ArbOps)
                    return Fh[n - 1][n - 1] - b, dF[n - 1][n - 1] - 1
                except InfiniteDerivative:
                    Fh, _ = shape_and_derivatives(G, [], kind, act, sigma, ArbOps)
                    return Fh[n - 1][n - 1] - b, None
                except ZeroDivisionError:
                    return arb(0, 1e300), None

            eps = Fraction(1, 10 ** 6)
            roots, unresolved = _search_1d(residual, eps, Fraction(n) - eps, dps)
            for root, rad, proof in roots:
                with mpmath.workdps(dps + 10):
                    aa = (n - root) / (n - 1)
                    G = [[aa if (i < n - 1 and j < n - 1) else mpmath.mpf(0) for j in range(n)]
                         for i in range(n)]
                    G[n - 1][n - 1] = root
                Gb = _gram_face(ArbOps.const(Fraction(str(mpmath.nstr(root, dps + 5)))), n,
                                ArbOps)
                Fh, _ = shape_and_derivatives(Gb, [], kind, act, sigma, ArbOps)
                gam = Fh[0][n - 1]
                ok = gam.contains(0)
                proof += ("; on the invariant face rho = 1 (equal points stay equal); the "
                          f"enclosure of gamma' contains 0 ({'yes' if ok else 'NO'})")
                if not ok:
                    continue
                found.append(FoundFixedPoint(
                    "cluster-odd", {"a": aa, "rho": mpmath.mpf(1), "b": root,
                                    "gamma": mpmath.mpf(0)}, {"b": rad}, G, True, proof,
                    [n - 1, 1], list(fam.cell_labels)))
            complete = False
            notes.append("cluster-odd: only the face rho = 1, gamma = 0 (b in [1e-6, n - 1e-6]) "
                         "is searched with proof; the interior of the (rho, gamma, b) box is "
                         "not searched (complete = false)")
            if unresolved:
                notes.append(f"{len(unresolved)} interval(s) of b unresolved")
        else:
            complete = False
            notes.append(f"family {fam.name!r} is not searched without RC")
        if not kind.rc and (not kind.nl or act0.degree == 1):
            notes.append(
                "without RC and with a degree-1 activation every batch of points on one ray "
                "(G = g g^T, g >= 0) is fixed: h = z g gives phi(h) = phi(z) g, so F ~ G; in "
                f"the {fam.name} family these form a continuum (every cluster collapsed, "
                "cross correlations 1, any norms), so its fixed points are not isolated and "
                "no finite list is complete")
    return FixedPointSearchResult(fam.name, n, kind.name, name_act, found, complete, notes)


def _centred(fam: Any, n: int, kind: Any, act: Any, name_act: str, dps: int,
             m: int | None, rs_integral: bool = False, scaled: bool = False,
             sigma_w2: Fraction = Fraction(1)) -> FixedPointSearchResult:
    """The complete search of :mod:`numerics.fixed_points.centred` (RC, homogeneous activation).

    With RS and a degree-1 activation (or no NL) the map is an s-integral
    (:mod:`numerics.fixed_points.rs_centred`, in closed form on the simplex).  At ``S`` a multiple
    of a projector (the symmetric family's single point ``P``; the vertex where every
    cluster is collapsed, ``S ~ Pi_w``) it closes, ``F = n V(S) / (rank lambda)``, so
    ``F_hat`` equals the map without RS there and those points are evaluated exactly
    by the residual without RS.  ``scaled``: a non-homogeneous activation (erf), with
    the scale of ``P G P`` as an extra coordinate (:mod:`numerics.fixed_points.scaled_centred`).
    """
    notes: list[str] = []
    layer_name = kind.name
    if rs_integral:
        kind = LayerKind(rc=kind.rc, rs=False, nl=kind.nl)
    sizes = _cell_sizes(fam, n, m, notes)
    labels = list(fam.cell_labels)
    found: list[FoundFixedPoint] = []
    with workprec(2 * dps + 20):
        zeros, res, complete, search_notes = centred.search(
            sizes, labels, kind, act, dps,
            residual=(RSCentredResidual if rs_integral
                      else ScaledCentredResidual.with_sigma_w2(sigma_w2) if scaled else None),
            max_depth=RS_DEPTH if rs_integral else None,
            max_free=1 if rs_integral else None,
            max_boxes=RS_BOXES if rs_integral else 200000)
        notes += search_notes
        plain = centred.CentredResidual(res.gens, sizes, kind, act, res.free)
        for z in zeros:
            # (with RS: the points where S(t) is a multiple of one projector, exactly)
            at = plain if (rs_integral and (z.degenerate or len(res.gens) == 1)) else res
            K = len(res.gens)
            args = z.t[:K - 1] + (z.t[K:] if scaled else [])  # (directions, sigma)
            try:
                Phi = at.matrix(at.image(args)[0])
            except ZeroDivisionError:
                notes.append(f"zero on {z.face}: the map is undefined at its image (skipped)")
                continue
            _equalise(Phi, sizes, z.collapsed)
            params = _parameters(fam.name, Phi, sizes, z.collapsed)
            # the ball radius plus the rounding of the reported entries to dps + 10 digits
            rad = max(float(x.rad()) + float(abs(x.mid())) * 10.0 ** -(dps + 9)
                      for row in Phi for x in row)
            with mpmath.workdps(dps + 10):
                gram = [[arb_to_mpf(x) for x in row] for row in Phi]
                values = {k: arb_to_mpf(v) for k, v in params.items()}
            enclosure = {k: float(v.rad()) for k, v in params.items() if not v.is_exact()}
            shares = ", ".join(f"{g.name} {x.str(8, radius=False)}"
                               for g, x in zip(res.gens, z.t[:K], strict=True))
            if scaled:
                shares += f"; scale sigma = tr(P G P)/n {z.t[K].str(8, radius=False)}"
            proof = (f"RC reduction: G = Phi(t) with t = ({shares}) a zero of t(Phi(t)) - t on "
                     f"the face '{z.face}': {z.proof}")
            if rs_integral:
                proof += ("; with RS: the s-integral on the simplex in closed form, enclosed by "
                          "acb.integral (numerics.fixed_points.rs_centred)" if not z.degenerate else
                          "; with RS: S(t) is a multiple of a projector here, where the RS "
                          "map closes (F = n V(S)/(rank lambda)) and F_hat is the map without RS")
            found.append(FoundFixedPoint(fam.name, values, enclosure, gram, z.degenerate, proof,
                                         sizes, labels, gram_radius=rad * (1 + 1e-9),
                                         collapsed=tuple(z.collapsed),
                                         repelling=z.repelling))
    if complete and scaled:
        notes.append("complete search over the whole family (RC makes F_hat depend on "
                     "P G P only: its direction and scale; numerics.fixed_points.scaled_centred)")
    elif complete:
        notes.append("complete search over the whole family (RC makes F_hat depend on the "
                     "direction of P G P only; numerics.fixed_points.centred)")
    elif rs_integral:
        notes.append(
            "with RS and a degree-1 activation the search is incomplete (complete = false): "
            "faces of two free coordinates are not searched (the integral's enclosures need "
            "boxes below 2^-9 there, ~10^5 integrals), and next to a collapsed cluster, where "
            "the spread share grows like sqrt(t) (infinite derivative), boxes that the lower "
            "bound of numerics.fixed_points.rs_vertex does not reach stay unresolved; fixed points in what "
            "the notes above list are not excluded")
    else:
        notes.append("search incomplete: unresolved boxes listed above")
    return FixedPointSearchResult(fam.name, n, layer_name, name_act, found, complete, notes)


def _entrywise(fam: Any, n: int, kind: Any, act: Any, dps: int, m: int | None,
               sigma_w2: Fraction) -> FixedPointSearchResult:
    """Degree-0 activations or erf without RC: the closed form of
    :mod:`numerics.fixed_points.entrywise` with the fixed correlations of :mod:`numerics.fixed_points.degree_zero`
    or :mod:`numerics.fixed_points.arcsine`."""
    notes: list[str] = []
    sizes = _cell_sizes(fam, n, m, notes)
    family, slopes = kernel_params(act)  # exact fractions
    found: list[FoundFixedPoint] = []
    unresolved: list = []
    sets: dict[Fraction, list] = {}

    def fixed_correlations(d: Fraction) -> list:
        key = d if family == "erf" else Fraction(1)  # kappa does not depend on d
        if key not in sets:
            if family == "erf":
                Z, un = arcsine.fixed_correlations(arcsine.u_of(d, sigma_w2)), []
            else:
                Z, un = degree_zero.fixed_correlations(slopes, dps, _search_1d)
            sets[key] = Z
            unresolved.extend(un)
        return sets[key]

    with workprec(2 * dps + 20):
        candidates = list(entrywise.members(sizes, fixed_correlations))
        for key, Z in sets.items():
            zs = ", ".join(z.ball.str(12) if z.exact is None else str(z.exact) for z in Z)
            if family == "erf":
                notes.append(f"erf without RC: at diagonal d = {key} (u = 2 sigma_w^2 d / (1 + "
                             f"2 sigma_w^2 d) = {arcsine.u_of(key, sigma_w2)}) the fixed "
                             f"correlations of arcsin(u c) / arcsin(u) are {{{zs}}}")
            else:
                notes.append("degree-0 activation without RC: F_hat maps each correlation by "
                             "kappa(cos theta) = 1 - c theta; its fixed correlations are "
                             f"{{{zs}}}")
        notes.append("the fixed points are, for every non-empty set of cells (the others at "
                     "the origin, which phi(0) = 0 keeps there), the members with diagonal "
                     "n / k on those k points and fixed correlations, kept when PSD "
                     "(numerics.fixed_points.entrywise)")
        complete = not unresolved
        if unresolved:  # pragma: no cover - the correlation maps have simple zeros only
            notes.append(f"{len(unresolved)} interval(s) of the correlation search unresolved")
        for member in candidates:
            params = member.parameters(fam.name, sizes)
            if member.psd is False:
                continue
            if member.psd is None:
                complete = False
                notes.append("a combination of fixed correlations on the PSD boundary could "
                             "not be decided by enclosures: " + ", ".join(
                                 f"{k} = {v.ball.str(10)}" for k, v in params.items()))
                continue
            with mpmath.workdps(dps + 10):
                values = {k: v.value() for k, v in params.items()}
                G = member.gram(sizes)
            enclosure = {k: float(v.ball.rad()) for k, v in params.items() if v.exact is None}
            proof = "; ".join(sorted({v.proof for v in params.values() if v.proof}))
            origin = [fam.cell_labels[c] for c in range(len(sizes)) if c not in member.support]
            found.append(FoundFixedPoint(
                fam.name, values, enclosure, G, member.singular,
                f"diagonal n / k = {member.diagonal} on its support"
                + (f" ({', '.join(origin)} at the origin)" if origin else "")
                + f" and fixed correlations: {proof or 'exact'}", sizes,
                list(fam.cell_labels),
                gram_radius=member.radius() + 10.0 ** -(dps + 8)))
    return FixedPointSearchResult(fam.name, n, kind.name, act.name, found, complete, notes)


def _cell_sizes(fam: Any, n: int, m: int | None, notes: list[str]) -> list[int]:
    """The cell sizes of the family at ``n`` (two-clusters: ``m``, default ``n // 2``)."""
    if fam.name == "symmetric":
        return [n]
    if fam.name == "cluster-odd":
        return [n - 1, 1]
    if m is None:
        m = n // 2
        notes.append(f"two-clusters: m not given, m = n // 2 = {m}")
    if not isinstance(m, int) or not 1 <= m <= n - 1:
        raise InvalidInputError(f"two-clusters needs an integer m with 1 <= m <= n - 1 "
                                f"(got {m!r})", parameter="m")
    return [m, n - m]


def _collapsed_groups(sizes: list[int], collapsed: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The point indices of each collapsed cell of two points or more."""
    starts = [sum(sizes[:c]) for c in range(len(sizes))]
    return [tuple(range(starts[c], starts[c] + sizes[c])) for c in collapsed if sizes[c] >= 2]


def _equalise(Phi: list[list[Any]], sizes: list[int], collapsed: tuple[int, ...]) -> None:
    """Make the points of each collapsed cell exactly equal in the ball matrix ``Phi``.

    On a face they are equal (the cell's spread is exactly 0), but the diagonal and the
    within-cell entries are separate enclosures of the same number: replace both by
    their intersection, so the reported rows are identical (which the one-sided RS
    derivative at equal points relies on, :mod:`numerics.jacobian.rs_integral`)."""
    for cell in _collapsed_groups(sizes, collapsed):
        i0 = cell[0]
        a, b = Phi[i0][i0], Phi[i0][i0 + 1]
        if not (a.is_finite() and b.is_finite()):
            v = a if a.is_finite() else b
        elif a.overlaps(b):
            v = a.intersection(b)
        else:  # pragma: no cover - two enclosures of one number always overlap
            raise ArithmeticError(f"collapsed points {cell}: enclosures {a} and {b} of one entry "
                                  "do not overlap (a bug)")
        for i in cell:
            for j in cell:
                Phi[i][j] = v


def _parameters(family: str, G: list[list[Any]], sizes: list[int],
                collapsed: tuple[int, ...] = ()) -> dict[str, Any]:
    """The family's parameters of a ball matrix (correlation exactly 1 in a collapsed cell)."""
    arb = flint.arb

    def corr(i: int, j: int) -> Any:
        if G[i][i].is_zero() or G[j][j].is_zero():
            return arb(0)  # a point at the origin: no angle (its cross entries are 0)
        return G[i][j] / (G[i][i] * G[j][j]).sqrt()

    if family == "symmetric":
        return {"q": G[0][0], "rho": G[0][1] / G[0][0]}
    k = sizes[0]
    first = G[0][1] / G[0][0] if k >= 2 and 0 not in collapsed else arb(1)
    if family == "cluster-odd":
        return {"a": G[0][0], "rho": first, "b": G[k][k], "gamma": corr(0, k)}
    second = G[k][k + 1] / G[k][k] if sizes[1] >= 2 and 1 not in collapsed else arb(1)
    return {"a1": G[0][0], "rho1": first, "a2": G[k][k], "rho2": second, "gamma": corr(0, k)}
