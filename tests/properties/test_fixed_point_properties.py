"""Properties of the fixed points reported by the search and by ``bnverify fixed-points``.

Both properties are general over whatever points the search reports (the
search is being extended); neither uses a stored expected number.

Fixed points are fixed
    Every point of :func:`numerics.fixed_points.search.find_fixed_points` satisfies
    ``F_hat(G) = G`` to its stated precision.  Independent route: the residual
    ``F_hat(G*) - G*`` is recomputed with :func:`numerics.maps.precise.shape_map` (the
    exact-rational/mpmath map, not the search's ball-arithmetic chain rule) at
    more digits than the search.  The allowed residual is the map's error bound
    plus how far ``F_hat(G) - G`` can move inside the stated radius ``w`` around
    the exact fixed point (:attr:`~numerics.fixed_points.search.FoundFixedPoint.radius`):
    to first order ``10 (1 + n |J|_max) w`` with ``J`` the full Jacobian of
    :func:`numerics.jacobian.derivatives.jacobian`; where that derivative is unbounded
    (degree-0 kernels at correlation ``+-1``) the Hoelder-1/2 bound derived in
    :func:`_hoelder_allowance`.

Reported eigenvalues are the spectrum of the full Jacobian
    :func:`numerics.fixed_points.analysis.analyse_fixed_points` computes the spectrum
    block by block from the permutation symmetry (Schur's lemma,
    :func:`numerics.jacobian.symmetry.blocks`: each eigenvalue of a block is reported once
    with the irrep dimension as multiplicity).  Independent route: the full
    ``(n(n+1)/2 - 1)``-square matrix of :func:`numerics.jacobian.derivatives.jacobian` in the
    orthonormal trace-zero basis at the reported Gram matrix, diagonalised with
    ``mpmath.eig`` -- no symmetry is used.  The reported values, counted with
    their multiplicities, must be the full spectrum as a multiset, up to a
    tolerance derived in :func:`_eigen_tolerance`.  Both routes take their
    directional derivatives from :func:`numerics.jacobian.derivatives.directional_derivatives`,
    so what is checked independently is the decomposition (components, blocks,
    Schur multiplicities) and the report (rounding, labels); the derivative itself
    is checked against central differences of the map in
    ``tests/numerics/test_jacobian.py``.

The search's ``gram`` is the centre of its enclosure rounded to ``dps + 10``
significant digits; the fixed-point property allows that rounding on top of
``radius`` (which bounds the enclosure only).
"""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

fixed_points = pytest.importorskip(
    "numerics.fixed_points.search",
    reason="numerics/fixed_points/search.py (issue 3) not present yet")
jacobian_mod = pytest.importorskip("numerics.jacobian.derivatives",
                                   reason="numerics/jacobian/derivatives.py not present")

import sympy as sp  # noqa: E402

from numerics.fixed_points.analysis import analyse_fixed_points  # noqa: E402
from numerics.maps.precise import shape_map  # noqa: E402
from proofs_check.strategies import activation_names  # noqa: E402
from theory.activations import get_activation  # noqa: E402
from theory.errors import BnverifyError, NotClosedFormError  # noqa: E402
from theory.families import get_family  # noqa: E402
from theory.layers import LayerKind, parse_layer  # noqa: E402

from ._budget import examples  # noqa: E402


def _search_meets_a_continuum(family: str, layer: str, act: str) -> bool:
    """Cases where the searched residual vanishes identically (a continuum of fixed points).

    A linear map (no NL, or ``phi(x) = c x``) has ``F_hat(G) = n P G P / tr(P G P)``
    (``P = I`` without RC): without RC every member is fixed; with RC every centred
    member of trace ``n`` is, which on cluster-odd is a segment of the search's simplex.
    Without RC and with a degree-1 ``phi``, ``F_ii = (a^2 + b^2) S_ii / 2`` gives
    ``F_hat_ii = G_ii``: the residual ``F_hat_nn - b`` solved on the cluster-odd face
    vanishes for every ``b``.  The searches then spend their box budgets on the
    continuum (8-90 s at n = 3..6) and report at most isolated end points, so these
    draws only cost time: they are skipped (symmetric with RC and a linear map is
    kept: its search space is a single point).
    """
    kind, phi = parse_layer(layer), get_activation(act)
    linear = not kind.nl or (phi.degree == 1 and phi.slopes is not None
                             and phi.slopes[0] == phi.slopes[1])
    if linear:
        return not (kind.rc and family == "symmetric")
    return family == "cluster-odd" and not kind.rc and phi.degree == 1


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, int, str, str, int]:
    """``(family, n, layer, activation, dps)``: a layer whose Jacobian with the activation
    is the exact chain rule, outside :func:`_search_meets_a_continuum`."""
    family = draw(st.sampled_from(["symmetric", "cluster-odd"]))
    n = draw(st.integers(3, 6))
    act = draw(activation_names(closed_form=True))
    layers = [k.name for k in LayerKind.all()
              if jacobian_mod.derivative_method(k, act) == "chain-rule"
              and not _search_meets_a_continuum(family, k.name, act)]
    if not layers:  # cluster-odd with a linear phi: only the symmetric family is left
        family = "symmetric"
        layers = [k.name for k in LayerKind.all()
                  if k.rc and jacobian_mod.derivative_method(k, act) == "chain-rule"]
    layer = draw(st.sampled_from(layers))
    dps = draw(st.integers(20, 30))
    return family, n, layer, act, dps


def _hoelder_allowance(G: list[list[mpmath.mpf]], layer: str, act: str, w: float) -> float:
    r"""How far ``F_hat`` can move when ``G`` moves by ``w`` entrywise, for a degree-0
    ``phi = a 1{x<0} + b 1{x>0}`` (where the derivative is unbounded).

    ``V_ii = (a^2 + b^2)/2`` is constant, so ``F_hat = F / ((a^2 + b^2)/2)``, and
    ``V_ij = const - (a - b)^2 t / (2 pi)`` with ``t = arccos c``; ``arccos`` is
    Hoelder-1/2 with constant ``pi / sqrt 2`` (``arccos(1 - d) <= pi sqrt(d/2)``), so
    ``|dF_hat_ij| <= (a-b)^2 / (sqrt 2 (a^2+b^2)) sqrt|dc|``.  ``S = P G P`` moves by at
    most ``4w`` (``w`` without RC; RS does not change a degree-0 kernel) and the
    correlation ``c = S_ij / sqrt(S_ii S_jj)`` by at most ``2 |dS| / min S_ii`` to first
    order.  A factor 4 covers the second order.
    """
    phi = get_activation(act)
    a, b = (float(x) for x in phi.slopes)
    n = len(G)
    rc = "rc" in layer.split(",")
    with mpmath.workdps(30):
        if rc:
            r = [sum(row) / n for row in G]
            mean = sum(r) / n
            s_min = min(float(G[i][i] - 2 * r[i] + mean) for i in range(n))
        else:
            s_min = min(float(G[i][i]) for i in range(n))
    if s_min <= 0:
        return math.inf
    dS = (4 if rc else 1) * w
    dc = 2 * dS / s_min
    return 4 * ((a - b) ** 2 / (math.sqrt(2) * (a * a + b * b)) * math.sqrt(dc) + w)


@examples(1.0, minimum=6)
@given(case=_cases())
def test_reported_fixed_points_are_fixed(case):
    """``F_hat(G) = G`` (:func:`numerics.maps.precise.shape_map`) within the stated radius, and the
    reported parameters rebuild the reported Gram matrix (module docstring)."""
    family, n, layer, act, dps = case
    try:
        result = fixed_points.find_fixed_points(family, n, layer, act, dps=dps)
    except BnverifyError:  # documented refusals only (e.g. NotClosedFormError)
        assume(False)
    fam = get_family(family)
    for fp in result.fixed_points:
        with mpmath.workdps(dps + 10):  # keep every digit the search reports
            G = [[mpmath.mpf(x) for x in row] for row in fp.gram]
            values = {k: sp.Float(mpmath.nstr(mpmath.mpf(v), dps + 10), dps + 10)
                      for k, v in fp.parameters.items()}
        # the reported parameters describe the reported matrix (theory's embedding)
        member = fam.matrix(values, n_value=n).evalf(dps + 5)
        slack = max([float(w) for w in fp.enclosure.values()] + [0.0]) * 10 + 10.0 ** (-dps)
        with mpmath.workdps(dps + 10):
            gap = max(abs(mpmath.mpf(str(member[i, j])) - G[i][j])
                      for i in range(n) for j in range(n))
        assert gap <= slack, (fp.parameters, gap)
        # F_hat(G) = G within the map's error and the stated radius
        res = shape_map(G, layer, act, dps=dps + 10)
        # ``radius`` bounds the search's enclosure; ``gram`` is its centre rounded to
        # dps + 10 significant digits, which moves it by up to 10^-(dps+9) max|G|.
        with mpmath.workdps(dps + 10):
            big = float(max(abs(x) for row in G for x in row))
        w = max(float(fp.radius), 10.0 ** (-dps - 9) * big)
        J = jacobian_mod.jacobian(G, layer, act, dps=dps)
        if J.matrix is not None:
            jmax = max(abs(float(x)) for x in J.matrix)
            move = 10 * (1 + n * jmax) * w
        else:
            assert get_activation(act).degree == 0 and J.status == "infinite", J.status
            move = _hoelder_allowance(G, layer, act, w)
        with mpmath.workdps(dps + 10):
            resid = max(abs(res.F_hat[i, j] - G[i][j]) for i in range(n) for j in range(n))
            allowed = res.error_bound_hat + mpmath.mpf(move)
        assert resid <= allowed, (family, n, layer, act, fp.parameters, resid, allowed)


def _eigen_tolerance(J: mpmath.matrix, dps: int) -> mpmath.mpf:
    r"""The distance within which a reported eigenvalue must match the full spectrum.

    Both routes work at ``dps + 20`` digits, but they are evaluated at Gram matrices
    that agree only to about ``dps`` digits (the search's point, kept to ``dps + 10``
    digits, and its printed ``dps``-digit form), and the reported values are printed
    to ``dps`` digits: the two matrices differ by ``dJ ~ 10^-dps |J|`` (more where
    the degree-1 kernel gradients are only Hoelder-1/2, near correlation ``+-1``:
    ``~10^(-dps/2)``).  A simple eigenvalue moves by ``kappa |dJ|``, but an eigenvalue
    of a defective (Jordan) block of size ``k`` moves by ``~(|dJ| |J|^(k-1))^(1/k)``
    -- only about ``sqrt(eps)`` for ``k = 2``.  Multiple eigenvalues do occur (the
    cluster-odd face points have a double 0 in the trivial block; semisimple where
    checked, but nothing here guarantees it), so ``10^(-dps/3) max(1, |J|_F)`` is
    used: it covers ``k <= 2`` with a margin of ``10^(dps/6)`` for the conditioning
    constants, while a wrong eigenvalue (a relative error of a percent, a missing or
    extra block) is still ``~10^(dps/3 - 2)`` times larger than it.  (Observed: the
    two routes agree to ``~10^-dps`` on every case tried, defective or not.)
    """
    with mpmath.workdps(dps + 20):
        scale = max(mpmath.mpf(1), mpmath.mnorm(J, "F"))
        return scale * mpmath.power(10, -mpmath.mpf(dps) / 3)


def _full_spectrum(J: mpmath.matrix, dps: int) -> list[mpmath.mpc]:
    """All eigenvalues of ``J`` by ``mpmath.eig`` at ``dps + 20`` digits.

    mpmath's QR iteration can fail to converge on exactly degenerate spectra (the
    Jacobian of a linear layer is a projection: eigenvalues exactly 0 and 1); it is
    then run on ``H J H`` with ``H`` one of five fixed Householder reflections
    (``H = H^T = H^-1``: the same spectrum, up to rounding at ``dps + 20`` digits).
    """
    with mpmath.workdps(dps + 20):
        m = J.rows
        A = J
        for shift in range(6):  # the plain matrix, then up to five reflections
            try:
                values = mpmath.eig(A, left=False, right=False)
                break
            except RuntimeError:
                v = mpmath.matrix([mpmath.mpf(k + 1 + shift) / (k + 2 + 3 * shift) * (-1) ** k
                                   for k in range(m)])
                H = mpmath.eye(m) - 2 * (v * v.T) / (v.T * v)[0]
                A = H * J * H
        else:
            raise RuntimeError("mpmath eig did not converge on six similar matrices")
        return [mpmath.mpc(x) for x in values]


def _clusters(points: list[mpmath.mpc], tol: mpmath.mpf) -> list[list[int]]:
    """Connected components of the graph ``|p_i - p_j| <= tol`` (single linkage)."""
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if abs(points[i] - points[j]) <= tol:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(points)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


@examples(1.0, minimum=6)
@given(case=_cases())
def test_reported_eigenvalues_are_the_full_jacobian_spectrum(case):
    """Each reported eigenvalue is one of the full Jacobian's (``mpmath.eig``, no symmetry),
    and the values with their multiplicities are its whole spectrum as a multiset."""
    family, n, layer, act, dps = case
    try:
        report = analyse_fixed_points(family, n, layer, act, dps)
    except NotClosedFormError:
        assume(False)
    assume(report.fixed_points)
    dim = n * (n + 1) // 2 - 1
    for fp in report.fixed_points:
        with mpmath.workdps(dps + 20):
            G = [[mpmath.mpf(x) for x in row] for row in fp.gram]
        J = jacobian_mod.jacobian(G, layer, act, dps=dps)
        if not fp.eigenvalues:
            # no spectrum reported: the full Jacobian must not exist either
            assert J.matrix is None, (fp.parameters, fp.jacobian)
            continue
        assert J.matrix is not None and J.status == "ok", (fp.parameters, J.status)
        assert (J.matrix.rows, J.matrix.cols) == (dim, dim)
        tol = _eigen_tolerance(J.matrix, dps)
        with mpmath.workdps(dps + 20):
            full = _full_spectrum(J.matrix, dps)
            reported = [(mpmath.mpc(mpmath.mpmathify(e.value)), e.multiplicity)
                        for e in fp.eigenvalues]
            # (i) every reported value is an eigenvalue of the full Jacobian
            for value, _ in reported:
                dist = min(abs(value - lam) for lam in full)
                assert dist <= tol, (family, n, layer, act, fp.parameters, value, dist, tol)
            # (ii) with multiplicities, the reported values are the full spectrum
            assert sum(m for _, m in reported) == dim, fp.eigenvalues
            points = full + [v for v, _ in reported]
            for group in _clusters(points, tol):
                n_full = sum(1 for i in group if i < len(full))
                n_reported = sum(reported[i - len(full)][1] for i in group if i >= len(full))
                assert n_full == n_reported, (
                    family, n, layer, act, fp.parameters,
                    [mpmath.nstr(points[i], 12) for i in group], n_full, n_reported)
