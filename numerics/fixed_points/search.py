r"""Fixed points of the shape map ``F_hat`` in a family at concrete ``n``, with proof.

:func:`find_fixed_points` validates its arguments and runs the first route of
:data:`ROUTES` whose predicate ``applies_to(kind, activation, family)`` holds (an
ordered registry; a new route is one entry).  The routes, in order:

``rc-linear-continuum`` (refusal)
    RC without RS and NL on a family other than symmetric: ``G -> n P G P / tr(P G P)``
    fixes every member with zero row sums, a continuum (``InvalidInputError``).

``linear-continuum`` (refusal)
    The linear layer alone (``none``): every Gram matrix of trace ``n`` is fixed
    (``InvalidInputError``).

``centred``: RC with a homogeneous activation (degree 1 or 0, or no NL) with closed-form kernel
    The complete search of :mod:`numerics.fixed_points.centred`: ``F_hat`` depends only on
    the direction of ``P G P``, which on a family lives in a simplex of dimension
    0 (symmetric), 1 (cluster-odd) or 2 (two-clusters).  Every fixed point of the
    family is ``Phi(t*)`` for a zero ``t*`` of ``t(Phi(t)) - t``; the zeros are
    found face by face by interval branch and bound with the Krawczyk test
    (:mod:`numerics.fixed_points.krawczyk`), including the degenerate ones on the invariant
    faces (collapsed clusters).  ``complete = True`` when no box is left
    unresolved: then the list is every fixed point of ``F_hat`` in the family
    (``P G P = 0``, all points equal, is where the map is undefined).

    With RS and a degree-1 activation (BN with ReLU) or no NL, the same search with
    the residual of :mod:`numerics.fixed_points.rs_centred` (the s-integral on the
    simplex in closed form, enclosed by ``acb.integral``).  Next to the collapsed
    vertex the spread share grows like ``sqrt(t)`` (infinite derivative): there a
    lower bound with explicit constants (:mod:`numerics.fixed_points.rs_vertex`) proves
    that no zero but the vertex lies in ``[0, delta]``, so the 1-D faces (cluster-odd,
    and the faces of two-clusters) are searched completely; faces of two free
    coordinates (the two-clusters interior) are not searched (cost), so two-clusters
    stays ``complete = False``.

``scaled-centred``: RC with erf (non-homogeneous; no RS)
    The same search with the scale of ``P G P`` as one more coordinate
    (:mod:`numerics.fixed_points.scaled_centred`).

``entrywise``: degree-0 activations (step, sign; with or without RS) and erf without RC and RS
    Closed form (:mod:`numerics.fixed_points.entrywise`): the map acts entry by entry, so a
    fixed point has the diagonal ``n / k`` on the ``k`` points not at the origin and
    fixed correlations of the correlation map (``kappa(cos theta) = 1 - c theta``,
    zeros by a proven 1-D search, :mod:`numerics.fixed_points.degree_zero`;
    ``arcsin(u c) / arcsin(u)``: exactly ``-1, 0, 1`` by convexity,
    :mod:`numerics.fixed_points.arcsine`); complete on every family.

``rs-ray-continuum`` (refusal)
    RS with a degree-1 activation (or no NL) but without RC: every batch on one ray is
    fixed, a continuum (``InvalidInputError``).

``no-exact-chain-rule`` (refusal)
    Activations without closed-form kernel, or RS with an activation of no degree:
    not searched (``NotClosedFormError``).

``symmetric-without-rc``, ``cluster-odd-without-rc``, ``unsearched-without-rc``
    Degree-1 activations without RC, by the exact chain rule
    (:mod:`numerics.fixed_points.chain_rule`): a proven 1-D search in ``rho``
    (symmetric) or on the face ``rho = 1, gamma = 0`` in ``b`` (cluster-odd); other
    families are not searched (the last entry applies to every remaining case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import arb_to_mpf, flint, workprec
from numerics.fixed_points import arcsine, centred, degree_zero, entrywise
from numerics.fixed_points.chain_rule import (
    cluster_odd_without_rc,
    search_1d,
    symmetric_without_rc,
    unsearched_without_rc,
)
from numerics.fixed_points.result import (
    FixedPointSearchResult,
    FoundFixedPoint,
    SearchRequest,
    collapsed_groups,
)
from numerics.fixed_points.rs_centred import RSCentredResidual
from numerics.fixed_points.scaled_centred import ScaledCentredResidual
from numerics.jacobian.derivatives import derivative_method
from numerics.kernels import kernel_params
from numerics.parameters import sigma_fraction
from numerics.precision import DEFAULT_DPS, validate_dps
from theory.activations import Activation, get_activation
from theory.errors import InvalidInputError, NotClosedFormError
from theory.families import Family, get_family
from theory.layers import LayerKind, parse_layer

__all__ = ["RS_BOXES", "RS_DEPTH", "ROUTES", "Route", "find_fixed_points"]

#: Bisection depth per simplex dimension for RS layers (boxes down to 2^-RS_DEPTH; the
#: last levels next to a collapsed cluster are the expensive ones and stay unresolved).
RS_DEPTH = 16
#: Box budget per face for RS layers (0.05-0.2 s per box; the rest stays unresolved).
RS_BOXES = 600


@dataclass(frozen=True)
class Route:
    """One search route: runs when ``applies_to(kind, activation, family)`` holds and no
    earlier route of :data:`ROUTES` does (``activation``: the named one, even without NL)."""

    name: str
    applies_to: Callable[[LayerKind, Activation, Family], bool]
    strategy: Callable[[SearchRequest], FixedPointSearchResult]


def find_fixed_points(family: str, n: int, layer: Any, activation: Any = "relu", *,
                      dps: int = DEFAULT_DPS, sigma_w2: Any = 1,
                      m: int | None = None) -> FixedPointSearchResult:
    """All fixed points of ``F_hat`` in the searched part of ``family`` (module docstring).

    Raises
    ------
    InvalidInputError
        Bad arguments, or a layer whose fixed points form a continuum.
    NotClosedFormError
        An activation without closed-form kernel (no exact chain rule).
    """
    dps = validate_dps(dps)
    sigma_f = sigma_fraction(sigma_w2)  # (homogeneous activations do not depend on it)
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation)
    if not isinstance(n, int) or n < fam.min_n:
        raise InvalidInputError(f"family {fam.name!r} needs an integer n >= {fam.min_n}",
                                parameter="n")
    route = next(r for r in ROUTES if r.applies_to(kind, act, fam))  # the last: always
    return route.strategy(SearchRequest(fam, n, kind, act, dps, m, sigma_f))


# ---------------------------------------------------------------------------
# Predicates and refusals
# ---------------------------------------------------------------------------


def _rs_integral(kind: LayerKind, act: Activation) -> bool:
    """RS whose map is an s-integral: a degree-1 activation or no NL."""
    return kind.rs and (not kind.nl or act.degree == 1)


def _is_centred(kind: LayerKind, act: Activation, fam: Family) -> bool:
    return kind.rc and (not kind.nl or act.homogeneous) and (act.closed_form or not kind.nl)


def _is_scaled_centred(kind: LayerKind, act: Activation, fam: Family) -> bool:
    return kind.rc and kind.nl and not kind.rs and act.closed_form


def _is_entrywise(kind: LayerKind, act: Activation, fam: Family) -> bool:
    return not kind.rc and kind.nl and (act.kernel_family == "abstep" or (
        act.kernel_family == "erf" and not kind.rs))


def _refuse_rc_linear(req: SearchRequest) -> FixedPointSearchResult:
    raise InvalidInputError(
        "layer rc (no RS, no NL) maps G to n P G P / tr(P G P): every member of the "
        f"{req.family.name} family with zero row sums is a fixed point (a continuum, not "
        "isolated points)")


def _refuse_linear(req: SearchRequest) -> FixedPointSearchResult:
    raise InvalidInputError("the linear layer alone maps G to n G / tr G: every Gram "
                            "matrix of trace n is a fixed point (a continuum)")


def _refuse_rs_ray(req: SearchRequest) -> FixedPointSearchResult:
    raise InvalidInputError(
        f"layer {req.kind.name} without RC: every batch of points on one ray (G = g g^T, "
        "g >= 0) is fixed (h = z g, RS rescales it to sign(z) g / |g|, and a degree-1 "
        "activation keeps the ray), a continuum, not isolated points")


def _refuse_no_chain_rule(req: SearchRequest) -> FixedPointSearchResult:
    raise NotClosedFormError(
        f"fixed-point search needs an exact chain rule: layer {req.kind.name} with "
        f"{req.activation.name} is evaluated by an integral or quadrature (not supported here)")


def _search_centred(req: SearchRequest) -> FixedPointSearchResult:
    return _centred(req, rs_integral=_rs_integral(req.kind, req.activation))


def _search_scaled_centred(req: SearchRequest) -> FixedPointSearchResult:
    return _centred(req, scaled=True)


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------


def _centred(req: SearchRequest, rs_integral: bool = False,
             scaled: bool = False) -> FixedPointSearchResult:
    """The complete search of :mod:`numerics.fixed_points.centred` (RC, homogeneous activation).

    With RS and a degree-1 activation (or no NL) the map is an s-integral
    (:mod:`numerics.fixed_points.rs_centred`, in closed form on the simplex).  At ``S`` a multiple
    of a projector (the symmetric family's single point ``P``; the vertex where every
    cluster is collapsed, ``S ~ Pi_w``) it closes, ``F = n V(S) / (rank lambda)``, so
    ``F_hat`` equals the map without RS there and those points are evaluated exactly
    by the residual without RS.  ``scaled``: a non-homogeneous activation (erf), with
    the scale of ``P G P`` as an extra coordinate (:mod:`numerics.fixed_points.scaled_centred`).
    """
    fam, n, kind, act, dps, m = req.family, req.n, req.kind, req.act, req.dps, req.m
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
                      else ScaledCentredResidual.with_sigma_w2(req.sigma_w2) if scaled
                      else None),
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
            image = at.image(args)
            if image is None:  # no enclosure of the map at this zero's box
                notes.append(f"zero on {z.face}: the map is undefined at its image (skipped)")
                continue
            Phi = at.matrix(image[0])
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
            "bound of numerics.fixed_points.rs_vertex does not reach stay unresolved; fixed "
            "points in what "
            "the notes above list are not excluded")
    else:
        notes.append("search incomplete: unresolved boxes listed above")
    return FixedPointSearchResult(fam.name, n, layer_name, req.activation_name, found,
                                  complete, notes)


def _entrywise(req: SearchRequest) -> FixedPointSearchResult:
    """Degree-0 activations or erf without RC: the closed form of
    :mod:`numerics.fixed_points.entrywise` with the fixed correlations of
    :mod:`numerics.fixed_points.degree_zero` or :mod:`numerics.fixed_points.arcsine`."""
    fam, n, kind, act, dps, m = req.family, req.n, req.kind, req.activation, req.dps, req.m
    sigma_w2 = req.sigma_w2
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
                Z, un = degree_zero.fixed_correlations(slopes, dps, search_1d)
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


def _equalise(Phi: list[list[Any]], sizes: list[int], collapsed: tuple[int, ...]) -> None:
    """Make the points of each collapsed cell exactly equal in the ball matrix ``Phi``.

    On a face they are equal (the cell's spread is exactly 0), but the diagonal and the
    within-cell entries are separate enclosures of the same number: replace both by
    their intersection, so the reported rows are identical (which the one-sided RS
    derivative at equal points relies on, :mod:`numerics.jacobian.rs_integral`)."""
    for cell in collapsed_groups(sizes, collapsed):
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


#: The routes in order (module docstring); the first that applies runs.
ROUTES: tuple[Route, ...] = (
    Route("rc-linear-continuum",
          lambda kind, act, fam: kind.rc and not kind.rs and not kind.nl
          and fam.name != "symmetric", _refuse_rc_linear),
    Route("linear-continuum", lambda kind, act, fam: kind.name == "none", _refuse_linear),
    Route("centred", _is_centred, _search_centred),
    Route("scaled-centred", _is_scaled_centred, _search_scaled_centred),
    Route("entrywise", _is_entrywise, _entrywise),
    Route("rs-ray-continuum", lambda kind, act, fam: not kind.rc and _rs_integral(kind, act),
          _refuse_rs_ray),
    Route("no-exact-chain-rule",
          lambda kind, act, fam: derivative_method(kind, act) != "chain-rule",
          _refuse_no_chain_rule),
    Route("symmetric-without-rc", lambda kind, act, fam: fam.name == "symmetric",
          symmetric_without_rc),
    Route("cluster-odd-without-rc", lambda kind, act, fam: fam.name == "cluster-odd",
          cluster_odd_without_rc),
    Route("unsearched-without-rc", lambda kind, act, fam: True, unsearched_without_rc),
)
