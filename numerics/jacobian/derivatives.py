r"""The Jacobian of the shape map ``F_hat`` at a Gram matrix, at high precision.

docs/theory.md section 3: at an ``n x n`` Gram matrix ``G`` (trace ``n``), the
Jacobian is the derivative ``E -> D F_hat(G)[E]`` on the space of symmetric
matrices tangent to ``{tr G = n}``, i.e. trace-zero symmetric ``E``.

Basis
-----
The matrix of the Jacobian is given in the orthonormal basis (Frobenius inner
product ``<A, B> = tr(A B)``) of trace-zero symmetric matrices of dimension
``n(n+1)/2 - 1`` built by :func:`trace_zero_basis`:

* off-diagonal ``O_ij = (e_i e_j^T + e_j e_i^T)/sqrt 2`` for ``i < j``
  (in lexicographic order), then
* Helmert diagonals ``H_k = (e_1 e_1^T + ... + e_k e_k^T - k e_{k+1} e_{k+1}^T)
  / sqrt(k(k+1))`` for ``k = 1..n-1``;

``J_ab = <B_a, D F_hat(G)[B_b]>``.  ``D F_hat[E]`` is trace-zero for every ``E``
(``tr F_hat = n`` identically), so ``J`` is the full tangent map.

Methods (:func:`derivative_method`)
-----------------------------------
``chain-rule`` (no RS, or RS with a degree-0 activation, where RS changes
nothing; closed-form kernel or no NL): exact directional derivatives

    dS = sigma_w^2 P E P  (or sigma_w^2 E without RC),
    dF_ij = dV/dS_ii dS_ii + dV/dS_jj dS_jj + dV/dS_ij dS_ij   (dF = dS without NL),
    dF_hat = n (dF tr F - F tr dF) / (tr F)^2,

with the closed-form kernel gradients below, evaluated at the working
precision (rounding error only).  The degree-1 gradients are continuous up to
correlations ``+-1``, so at a rank-deficient ``G`` (a cluster of equal points,
antipodal points after RC) this is the one-sided derivative along admissible
directions (``E`` with ``N^T E N >= 0``, ``N`` spanning ``ker G``: a cone with
interior), extended linearly to all directions.  For degree-0 activations
(step, sign) the gradient is unbounded at correlation ``+-1``: the result is
then flagged ``infinite`` instead of returning numbers.

``central-difference`` (RS with a degree-1 activation or without NL): the map
has no closed-form gradient (an integral over ``s``), so the derivative is the
order-6 central difference of :func:`numerics.maps.precise.shape_map` at
``dps + 12 + (dps+2)/4`` working digits with step ``h = 10^-((dps+2)/4)``; the
error estimate is ``|D_6 - D_4|`` (order-6 minus order-4 stencil, which bounds
the order-4 truncation ``~h^4``) plus the map's own error times the stencil
weight ``/h``.  It needs ``G +- 3hE`` inside the PSD cone with ``S`` of the same
rank.  Where the RS covariance ``S`` is rank-deficient because points are exactly
equal (a collapsed cluster) and ``rank S >= 3``, the one-sided derivative is the
verified s-integral of :mod:`numerics.jacobian.rs_integral` ("Equal points", method
``s-integral``); otherwise (``rank S <= 2``, or another kernel) ``unavailable``.
Verified ball enclosures of the same derivatives (not estimates) come from
:func:`shape_and_derivatives` with arb balls, routed to
:mod:`numerics.jacobian.rs_integral` (what :func:`numerics.jacobian.certify.certify` uses).

Activations without closed-form kernel (tanh, GELU, SiLU, user expressions)
cost tens of seconds per map evaluation by quadrature (or are statistical with
RS): :func:`jacobian` refuses them with :class:`~theory.errors.NotClosedFormError`.

Kernel gradients
----------------
With ``D = S_ii S_jj - S_ij^2``, ``t = atan2(sqrt D, S_ij)``
(so ``sqrt(S_ii S_jj) sin t = sqrt D``), the pair kernels and their partial
derivatives are (Price's theorem, ``dV/dS_ij = E[phi'(z_i) phi'(z_j)]``):

* ``phi = a min(x,0) + b max(x,0)`` (identity, ReLU, leaky ReLU, abs):
  ``V = [(a^2+b^2)(sqrt D + (pi - t) S_ij) - 2ab(sqrt D - t S_ij)] / (2 pi)``,
  ``dV/dS_ij = (a^2+b^2)(pi - t)/(2 pi) + a b t / pi``,
  ``dV/dS_ii = (a-b)^2 sqrt(D) / (4 pi S_ii)`` (``= sqrt(S_jj/S_ii)(a-b)^2 sin t/(4 pi)``);
  diagonal ``V_ii = (a^2+b^2) S_ii / 2``.  The gradient is continuous up to
  correlations ``+-1`` (``D = 0``).
* ``phi = a 1{x<0} + b 1{x>0}`` (step, sign):
  ``V = (a^2+b^2)(pi - t)/(2 pi) + a b t / pi``,
  ``dV/dS_ij = (a-b)^2 / (2 pi sqrt D)``, ``dV/dS_ii = -(a-b)^2 S_ij / (4 pi S_ii sqrt D)``:
  unbounded at ``D = 0`` (raises :class:`InfiniteDerivative`); diagonal constant.
* erf: with ``A = 1 + 2 S_ii``, ``B = 1 + 2 S_jj``, ``R = sqrt(1 + 2(S_ii+S_jj) + 4D)``
  (``= sqrt(AB - 4 S_ij^2)``): ``V = (2/pi) atan2(2 S_ij, R)``,
  ``dV/dS_ij = 4 / (pi R)``, ``dV/dS_ii = -4 S_ij / (pi R A)``; diagonal
  ``V = (2/pi) atan2(2s, sqrt(1+4s))``, ``dV/ds = 4 / (pi (1+2s) sqrt(1+4s))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath

from numerics.arith import ArbOps, MpOps, arb_to_mpf, exact_fraction, workprec
from numerics.gram import exact_gram, exact_pivots
from numerics.jacobian.rs_integral import rs_shape_and_derivatives
from numerics.jacobian.symmetry import eigenvalues
from numerics.kernels import InfiniteDerivative, diag_value_grad, kernel_params, pair_value_grad
from numerics.maps.precise import exact_covariance, shape_map
from numerics.precision import DEFAULT_DPS, validate_dps
from theory.activations import Activation, get_activation
from theory.errors import GramError, InvalidInputError, NotClosedFormError, PrecisionError
from theory.layers import LayerKind, parse_layer
from theory.serialize import mp_str

__all__ = [
    "admissible_text",
    "dense",
    "derivative_method",
    "DerivativeResult",
    "directional_derivatives",
    "inner",
    "jacobian",
    "JacobianResult",
    "kernel_of",
    "shape_and_derivatives",
    "Sparse",
    "trace_zero_basis",
    "trace_zero_basis_labels",
]

# ---------------------------------------------------------------------------
# The basis of trace-zero symmetric matrices
# ---------------------------------------------------------------------------

#: A sparse symmetric direction: ``{(i, j): value}`` with ``i <= j`` (the mirror implied).
Sparse = dict[tuple[int, int], Any]


def trace_zero_basis_labels(n: int) -> list[str]:
    """Labels of :func:`trace_zero_basis`: ``"O(i,j)"`` then ``"H(k)"`` (1-based points)."""
    return ([f"O({i + 1},{j + 1})" for i in range(n) for j in range(i + 1, n)]
            + [f"H({k})" for k in range(1, n)])


def trace_zero_basis(n: int, ops: Any = None) -> list[Sparse]:
    """The orthonormal basis of trace-zero symmetric ``n x n`` matrices (module docstring).

    Each element is a sparse dict ``{(i, j): value}`` with ``i <= j``; the value
    is that of both ``E_ij`` and ``E_ji``.
    """
    ops = ops or MpOps
    inv_sqrt2 = 1 / ops.sqrtpos(ops.const(2))
    basis: list[Sparse] = [{(i, j): inv_sqrt2} for i in range(n) for j in range(i + 1, n)]
    for k in range(1, n):
        c = 1 / ops.sqrtpos(ops.const(k * (k + 1)))
        e: Sparse = {(i, i): c for i in range(k)}
        e[(k, k)] = -k * c
        basis.append(e)
    return basis


def dense(E: Sparse, n: int, zero: Any) -> list[list[Any]]:
    """The full symmetric matrix of a sparse direction."""
    M = [[zero for _ in range(n)] for _ in range(n)]
    for (i, j), v in E.items():
        M[i][j] = v
        M[j][i] = v
    return M


def inner(A: Sequence[Sequence[Any]], E: Sparse) -> Any:
    """Frobenius inner product ``tr(A E)`` of a dense symmetric ``A`` with a sparse ``E``."""
    total = 0
    for (i, j), v in E.items():
        total = total + (A[i][j] * v if i == j else 2 * A[i][j] * v)
    return total


# ---------------------------------------------------------------------------
# The exact chain rule (closed-form kernels), over any number type
# ---------------------------------------------------------------------------


def _covariance(M: Sequence[Sequence[Any]], rc: bool, sigma: Any, ops: Any) -> list[list[Any]]:
    """``sigma P M P`` (with RC: ``M_ij - r_i - r_j + m``, ``r`` row means) or ``sigma M``."""
    n = len(M)
    if not rc:
        return [[sigma * M[i][j] for j in range(n)] for i in range(n)]
    inv_n = ops.const(Fraction(1, n))
    r = [sum(M[i][1:], M[i][0]) * inv_n for i in range(n)]
    m = sum(r[1:], r[0]) * inv_n
    return [[sigma * (M[i][j] - r[i] - r[j] + m) for j in range(n)] for i in range(n)]


def shape_and_derivatives(
    G: Sequence[Sequence[Any]], directions: Sequence[Sequence[Sequence[Any]]],
    layer: LayerKind, act: Activation | None, sigma: Any, ops: Any = None,
    equal_points: Sequence[Sequence[int]] | None = None,
) -> tuple[list[list[Any]], list[list[list[Any]]]]:
    r"""``F_hat(G)`` and ``D F_hat(G)[E]`` for each dense ``E``, by the exact chain rule.

    Valid for the ``chain-rule`` method (see the module docstring): no RS, or RS
    with a degree-0 activation.  Numbers may be mpmath, arb balls or dual numbers
    (``ops`` supplies ``sqrtpos``, ``atan2``, ``pi``, ``const``).  RS with a
    degree-1 activation or without NL is routed, for arb balls only, to the
    verified s-integrals of :func:`numerics.jacobian.rs_integral.rs_shape_and_derivatives`
    (at python-flint's current precision; ``equal_points``: groups of points known to
    be exactly equal, for the one-sided derivative at such a rank-deficient ``G``).

    Raises
    ------
    InfiniteDerivative
        Where a kernel gradient is unbounded (degree 0 at correlation ``+-1``).
    NotClosedFormError
        RS with a degree-1 activation (or no NL) over numbers other than arb balls,
        RS with an activation of no degree, or what the RS route raises.
    """
    ops = ops or MpOps
    if layer.rs and not (act is not None and act.degree == 0):
        return _rs_route(G, directions, layer, act, sigma, ops, equal_points)
    n = len(G)
    S = _covariance(G, layer.rc, sigma, ops)
    dS = [_covariance(E, layer.rc, sigma, ops) for E in directions]
    if act is None:
        F, dF = S, dS
    else:
        family, slopes = kernel_params(act)
        F = [[None] * n for _ in range(n)]
        dF = [[[None] * n for _ in range(n)] for _ in dS]
        for i in range(n):
            F[i][i], g = diag_value_grad(family, slopes, S[i][i], ops)
            for k, D in enumerate(dS):
                dF[k][i][i] = g * D[i][i]
            for j in range(i + 1, n):
                V, gi, gj, gij = pair_value_grad(family, slopes, S[i][i], S[j][j], S[i][j], ops,
                                                 grad=bool(dS))
                F[i][j] = F[j][i] = V
                for k, D in enumerate(dS):
                    dF[k][i][j] = dF[k][j][i] = gi * D[i][i] + gj * D[j][j] + gij * D[i][j]
    T = sum((F[i][i] for i in range(1, n)), F[0][0])
    n_c = ops.const(n)
    F_hat = [[n_c * F[i][j] / T for j in range(n)] for i in range(n)]
    out = []
    for D in dF:
        dT = sum((D[i][i] for i in range(1, n)), D[0][0])
        out.append([[n_c * (D[i][j] * T - F[i][j] * dT) / (T * T) for j in range(n)]
                    for i in range(n)])
    return F_hat, out


def _rs_route(G: Sequence[Sequence[Any]], directions: Sequence[Sequence[Sequence[Any]]],
              layer: LayerKind, act: Activation | None, sigma: Any, ops: Any,
              equal_points: Sequence[Sequence[int]] | None = None,
              ) -> tuple[list[list[Any]], list[list[list[Any]]]]:
    """RS with a degree-1 activation or without NL: the verified s-integrals (arb only)."""
    if getattr(ops, "name", None) != "arb":
        raise NotClosedFormError(
            f"layer {layer.name}: the RS map is an s-integral with no exact chain rule over "
            f"{getattr(ops, 'name', ops)!r} numbers; use arb balls "
            "(numerics.jacobian.rs_integral) or "
            "directional_derivatives (central differences)")

    return rs_shape_and_derivatives(G, directions, layer, act, sigma,
                                    equal_points=equal_points)


# ---------------------------------------------------------------------------
# Method choice and the high-precision driver
# ---------------------------------------------------------------------------


def derivative_method(layer: LayerKind | str, activation: Activation | str) -> str:
    """``"chain-rule"``, ``"central-difference"`` or ``"unsupported"`` (see module docstring)."""
    kind, act = parse_layer(layer), get_activation(activation)
    if kind.nl and not act.closed_form:
        return "unsupported"
    if kind.rs and not (kind.nl and act.degree == 0):
        if kind.nl and act.degree != 1:
            return "unsupported"
        return "central-difference"
    return "chain-rule"


@dataclass
class DerivativeResult:
    """``F_hat(G)`` and directional derivatives at one Gram matrix.

    ``status`` is ``"ok"``, ``"infinite"`` (an unbounded one-sided derivative:
    degree-0 kernels at correlation ``+-1``) or ``"unavailable"`` (not computed;
    ``notes`` says why).  ``error_bound`` bounds the entrywise error of each
    derivative (rounding for ``chain-rule``; an estimate for ``central-difference``).
    """

    F_hat: list[list[Any]] | None
    derivatives: list[list[list[Any]]]
    method: str
    status: str
    error_bound: Any
    rank: int
    kernel: list[list[Any]]
    admissible: str
    notes: list[str] = field(default_factory=list)


def _as_mp_matrix(G: Any) -> list[list[mpmath.mpf]]:
    if isinstance(G, mpmath.matrix):
        return [[mpmath.mpf(G[i, j]) for j in range(G.cols)] for i in range(G.rows)]
    try:
        rows = [list(r) for r in (G.tolist() if hasattr(G, "tolist") else G)]
    except TypeError as exc:
        raise InvalidInputError(f"not a matrix: {exc}") from None
    return [[x if isinstance(x, mpmath.mpf) else MpOps.const(Fraction(str(x)) if isinstance(
        x, str) else exact_fraction(x)) for x in row] for row in rows]




def kernel_of(G: list[list[mpmath.mpf]], tol: mpmath.mpf) -> tuple[int, list[list[mpmath.mpf]]]:
    """Numerical rank of ``G`` and an orthonormal basis (columns) of its kernel
    (eigenvalues ``<= tol * lambda_max``)."""
    n = len(G)
    lam, Q = mpmath.eigsy(mpmath.matrix(G))
    top = max(abs(lam[k]) for k in range(n))
    null = [k for k in range(n) if abs(lam[k]) <= tol * max(top, 1)]
    return n - len(null), [[Q[i, k] for k in null] for i in range(n)]


def admissible_text(rank: int, n: int, rc_range: bool = False) -> str:
    """The plain-language admissible-direction statement."""
    if rank == n:
        return "all trace-zero symmetric directions (G is in the interior of the PSD cone)"
    return (f"G has rank {rank} < n = {n} (boundary of the PSD cone): admissible directions "
            "are E with N^T E N >= 0 for N spanning ker G, a cone with non-empty interior; "
            "the derivative reported is the one-sided derivative along that cone, extended "
            "linearly to all trace-zero directions (the kernel gradients are continuous up "
            "to correlations +-1)")


def directional_derivatives(
    G: Any, directions: Sequence[Sparse], layer: LayerKind | str,
    activation: Activation | str = "relu", *, sigma_w2: Any = 1, dps: int = DEFAULT_DPS,
) -> DerivativeResult:
    r"""``D F_hat(G)[E]`` for each sparse direction ``E`` at ``dps`` digits (module docstring).

    ``G`` is a concrete Gram matrix (mpmath entries keep all their digits).  The
    computation runs at ``dps + 20`` working digits; results are mpmath numbers.
    """
    dps = validate_dps(dps)
    kind, act0 = parse_layer(layer), get_activation(activation)
    act = act0 if kind.nl else None
    method = derivative_method(kind, act0)
    if method == "unsupported":
        raise NotClosedFormError(
            f"no high-precision Jacobian for activation {act0.name!r} with layer {kind.name}: "
            "its map is a quadrature or QMC estimate (tens of seconds or statistical per "
            "evaluation); use a closed-form activation (identity, relu, leaky-relu, abs, "
            "step, sign, erf)")
    with mpmath.workdps(dps + 20):
        Gm = _as_mp_matrix(G)
        n = len(Gm)
        if n < 2 or any(len(r) != n for r in Gm):
            raise InvalidInputError("G must be a square matrix with n >= 2")
        sigma = MpOps.const(exact_fraction(sigma_w2))
        rank, N = kernel_of(Gm, mpmath.mpf(10) ** (-(dps // 2 + 5)))
        zero = mpmath.mpf(0)
        dense_dirs = [dense(E, n, zero) for E in directions]
        admissible = admissible_text(rank, n)
        if method == "chain-rule":
            u = mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)
            try:
                F_hat, ders = shape_and_derivatives(Gm, dense_dirs, kind, act, sigma, MpOps)
            except InfiniteDerivative as exc:
                return DerivativeResult(None, [], method, "infinite", mpmath.inf, rank, N,
                                        admissible, [f"derivative unbounded: {exc}; a "
                                                     "perturbation of size eps moves the "
                                                     "image by ~sqrt(eps)"])
            big = max([mpmath.mpf(1)] + [abs(x) for D in ders for row in D for x in row])
            return DerivativeResult(F_hat, ders, method, "ok", 1000 * n * n * u * big, rank, N,
                                    admissible)
        return _central_difference(Gm, dense_dirs, kind, act0, sigma_w2, dps, rank, N, admissible)


def _rs_equal_points(exact, dense_dirs, kind, act, sigma_w2, dps, rank, N, admissible,
                     rank_S, full) -> DerivativeResult:
    """RS at a rank-deficient ``S`` whose kernel comes from exactly equal points: the
    verified one-sided derivative of :mod:`numerics.jacobian.rs_integral` ("Equal points"),
    at ``dps + 10`` digits; its midpoints are returned and its radii bound the error."""

    try:
        with workprec(dps + 10):
            Gb = [[ArbOps.const(x) for x in row] for row in exact]
            Eb = [[[ArbOps.const(exact_fraction(x)) for x in row] for row in E]
                  for E in dense_dirs]
            F_hat, ders = rs_shape_and_derivatives(
                Gb, Eb, kind, act if kind.nl else None, ArbOps.const(exact_fraction(sigma_w2)),
                dps=dps + 10)
    except (NotClosedFormError, PrecisionError) as exc:
        return DerivativeResult(
            None, [], "s-integral", "unavailable", None, rank, N, admissible,
            [f"RS at a rank-deficient covariance (rank S = {rank_S} < {full}): {exc}"])
    with mpmath.workdps(dps + 20):
        bound = max(float(x.rad()) for M in [F_hat, *ders] for row in M for x in row)
        return DerivativeResult(
            [[arb_to_mpf(x) for x in row] for row in F_hat],
            [[[arb_to_mpf(x) for x in row] for row in D] for D in ders], "s-integral", "ok",
            mpmath.mpf(bound) * 2, rank, N, admissible,
            [f"RS at rank S = {rank_S} < {full} (equal points): the one-sided derivative "
             "of the s-integral on the face (numerics.jacobian.rs_integral, 'Equal points'), "
             "enclosed by acb.integral; error = the enclosures' radii"])


def _central_difference(Gm, dense_dirs, kind, act, sigma_w2, dps, rank, N, admissible
                        ) -> DerivativeResult:

    n = len(Gm)
    exact = [[exact_fraction(x) for x in row] for row in Gm]
    S = exact_covariance(exact_gram(exact), kind, exact_fraction(sigma_w2))
    rank_S = len(exact_pivots(S))
    full = n - 1 if kind.rc else n
    if rank_S < full:
        return _rs_equal_points(exact, dense_dirs, kind, act, sigma_w2, dps, rank, N,
                                admissible, rank_S, full)
    q = (dps + 2 + 3) // 4
    h = mpmath.mpf(10) ** (-q)
    work = dps + 2 + q + 10
    # Stay inside the cone: the smallest eigenvalue of S on its range must exceed 3h|E|.
    ders, errors = [], []
    base = shape_map(exact, kind, act, sigma_w2=sigma_w2, dps=work)
    with mpmath.workdps(work + 10):
        for E in dense_dirs:
            f = {}
            for k in (1, 2, 3):
                for sgn in (1, -1):
                    P = [[exact_fraction(Gm[i][j] + sgn * k * h * E[i][j]) for j in range(n)]
                         for i in range(n)]
                    try:
                        res = shape_map(P, kind, act, sigma_w2=sigma_w2, dps=work)
                    except GramError:
                        # G is rank deficient up to the rounding of its entries (e.g. a
                        # collapsed cluster of a reported fixed point): a step leaves the
                        # cone, and the RS integral has no one-sided derivative here
                        return DerivativeResult(
                            None, [], "central-difference", "unavailable", None, rank, N,
                            admissible, [f"RS: a step h = 1e-{q} along a direction leaves "
                                         "the PSD cone (G is rank deficient up to rounding); "
                                         "the one-sided derivative of the RS integral is not "
                                         "computed"])
                    f[sgn * k] = res.F_hat
                    err_map = res.error_bound_hat
            d = {k: f[k] - f[-k] for k in (1, 2, 3)}
            D4 = (8 * d[1] - d[2]) / (12 * h)
            D6 = (45 * d[1] - 9 * d[2] + d[3]) / (60 * h)
            est = max(abs((D6 - D4)[i, j]) for i in range(n) for j in range(n))
            ders.append([[D6[i, j] for j in range(n)] for i in range(n)])
            errors.append(est + 2 * err_map / h)
        F_hat = [[base.F_hat[i, j] for j in range(n)] for i in range(n)]
    return DerivativeResult(F_hat, ders, "central-difference", "ok", max(errors), rank, N,
                            admissible, [f"order-6 central differences, h = 1e-{q}, "
                                         f"{work} working digits; error is an estimate "
                                         "|D6 - D4| + map error / h (not a proof)"])


# ---------------------------------------------------------------------------
# The full Jacobian
# ---------------------------------------------------------------------------


@dataclass
class JacobianResult:
    r"""The Jacobian ``J_ab = <B_a, D F_hat(G)[B_b]>`` in :func:`trace_zero_basis`."""

    matrix: mpmath.matrix | None
    basis_labels: list[str]
    method: str
    status: str
    error_bound: Any
    rank: int
    admissible: str
    dps: int
    notes: list[str] = field(default_factory=list)

    def eigenvalues(self) -> list[Any]:
        """Eigenvalues of the full matrix (mpmath ``eig``, at ``dps + 20`` digits; see
        :func:`numerics.jacobian.symmetry.eigenvalues` for the fallback when its QR stalls)."""
        if self.matrix is None:
            return []
        with mpmath.workdps(self.dps + 20):
            return eigenvalues(self.matrix)

    def to_json(self) -> dict:
        with mpmath.workdps(self.dps + 20):
            M = None if self.matrix is None else [
                [mp_str(self.matrix[i, j], self.dps) for j in range(self.matrix.cols)]
                for i in range(self.matrix.rows)]
            err = None if self.error_bound is None else mp_str(self.error_bound, 3)
        return {"matrix": M, "basis": self.basis_labels, "method": self.method,
                "status": self.status, "error_bound": err, "rank_G": self.rank,
                "admissible_directions": self.admissible, "dps": self.dps, "notes": self.notes}


def jacobian(G: Any, layer: LayerKind | str, activation: Activation | str = "relu", *,
             sigma_w2: Any = 1, dps: int = DEFAULT_DPS) -> JacobianResult:
    """The full ``(n(n+1)/2 - 1)``-square Jacobian of ``F_hat`` at ``G`` (module docstring)."""
    Gm = _as_mp_matrix(G)
    n = len(Gm)
    with mpmath.workdps(validate_dps(dps) + 20):
        basis = trace_zero_basis(n)
        res = directional_derivatives(Gm, basis, layer, activation, sigma_w2=sigma_w2, dps=dps)
        if res.status != "ok":
            return JacobianResult(None, trace_zero_basis_labels(n), res.method, res.status,
                                  res.error_bound, res.rank, res.admissible, dps, res.notes)
        m = len(basis)
        J = mpmath.matrix(m, m)
        for b, D in enumerate(res.derivatives):
            for a, B in enumerate(basis):
                J[a, b] = inner(D, B)
    return JacobianResult(J, trace_zero_basis_labels(n), res.method, res.status,
                          res.error_bound, res.rank, res.admissible, dps, res.notes)
