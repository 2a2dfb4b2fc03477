r"""The mean-field map ``F`` and the shape map ``F_hat`` at any precision.

docs/theory.md section 2: for a Gram matrix ``G`` (``n x n``) and a layer kind
(a subset of RC, RS, NL applied in that order after the linear map),

    F(G) = E[ psi(h) psi(h)^T ],   h ~ N(0, sigma_w^2 G),
    F_hat(G) = n F(G) / tr F(G).

Write ``S = sigma_w^2 P G P`` with RC (``P = I - 11^T/n``), else ``S = sigma_w^2 G``.
Four methods, chosen by :func:`map_method`:

``closed-form``
    no RS: ``F = V_phi(S)`` (``F = S`` without NL), entrywise from the 2x2 blocks
    of ``S`` by the kernels of :mod:`theory.kernels`; also RS with a degree-0
    activation, where RS changes nothing (``phi(c y) = phi(y)`` for ``c > 0``).
``rs-integral``
    RS with a degree-1 activation (or RS without NL, i.e. ``phi`` = identity):
    ``F = n int_0^oo det(I + 2 s S)^(-1/2) V_phi(S (I + 2 s S)^(-1)) ds``.
``gaussian-quadrature``
    no RS, NL without closed-form kernel: each ``E[phi(z_i) phi(z_j)]`` by the
    2-D trapezoidal rule with Gaussian weight at the working precision (it
    converges geometrically in ``1/h`` for activations with complex poles such
    as tanh and SiLU, where Gauss-Hermite converges only like ``exp(-c sqrt(N))``;
    see :func:`numerics.maps.quadrature.normal_trapezoid_rule`).  Its error is an
    *estimate* (``error_kind = "estimate"``): steps at which ``phi`` has more than
    :data:`OSCILLATION_LIMIT` turning points per node spacing are skipped (an
    :class:`~theory.errors.InvalidInputError` when fewer than two remain), and the
    refinement difference is widened to the disagreement with a shifted grid.
``rqmc``
    RS with a non-homogeneous activation: randomized quasi-Monte Carlo over
    ``N(0, S)`` in float64, with a statistical error bar (a confidence interval).
``hermite``
    on request only (``method="hermite"``), no RS with NL, any activation the ball
    arithmetic encloses: each ``E[phi(z_i) phi(z_j)]`` as a certified arb ball by the
    Hermite (Mehler) series with its Parseval tail (:mod:`numerics.hermite`); the
    bound is rigorous (ball radii, truncation included).

Exactness first: ``G`` and ``sigma_w^2`` are converted to exact rationals
(:func:`numerics.gram.exact_gram`), so ``S``, its zero rows, its rank and the
discriminants ``S_ii S_jj - S_ij^2`` of its 2x2 blocks are exact; only then are
numbers rounded to the working precision (:mod:`numerics.precision`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from numerics.gram import exact_gram, schur_pivots
from numerics.hermite import DEFAULT_ORDER, hermite_kernel_matrix
from numerics.kernels import kernel_matrix_mp
from numerics.maps.expectations import (
    GAUSS_STEPS,
    OSCILLATION_LIMIT,
    RQMC_SE_MULTIPLIER,
    gaussian_quadrature,
    rqmc,
)
from numerics.maps.methods import METHODS
from numerics.maps.quadrature import (
    exp_sinh_halfline,
)
from numerics.maps.rs_integrand import MpIntegrandOps, s_integrand
from numerics.parameters import sigma_fraction
from numerics.precision import (
    CLOSED_FORM_ULPS,
    DEFAULT_DPS,
    GUARD_DIGITS,
    validate_dps,
    working_precision,
)
from theory.activations import Activation, get_activation
from theory.errors import GramError, InvalidInputError, PrecisionError
from theory.layers import LayerKind, parse_layer
from theory.serialize import mp_str

__all__ = [
    "BOUND_KINDS",
    "exact_covariance",
    "ExactMatrix",
    "GAUSS_STEPS",
    "map_method",
    "MapResult",
    "mean_field_map",
    "METHODS",
    "OSCILLATION_LIMIT",
    "RQMC_SE_MULTIPLIER",
    "shape_map",
    "shape_of",
]

#: Error kinds that are bounds (the others are an estimate and a statistical interval).
BOUND_KINDS = ("rounding", "quadrature", "certified")

ExactMatrix = list[list[Fraction]]


# ---------------------------------------------------------------------------
# Method choice
# ---------------------------------------------------------------------------


def map_method(layer: LayerKind | str, activation: Activation | str) -> str:
    """Which of :data:`METHODS` evaluates ``F`` for this layer kind and activation.

    * no RS: ``closed-form`` if there is no NL or the activation has a closed-form
      kernel, else ``gaussian-quadrature``;
    * RS: ``rs-integral`` without NL or for degree 1 (identity, ReLU, leaky ReLU,
      abs), ``closed-form`` for degree 0 (step, sign: RS changes nothing),
      ``rqmc`` otherwise.
    """
    layer, act = parse_layer(layer), get_activation(activation)
    if not layer.rs:
        return "closed-form" if (not layer.nl or act.closed_form) else "gaussian-quadrature"
    if not layer.nl or act.degree == 1:
        return "rs-integral"
    if act.degree == 0:
        return "closed-form"
    return "rqmc"


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapResult:
    r"""``F(G)`` and ``F_hat(G)`` with their precision and error bounds.

    Attributes
    ----------
    F, F_hat
        ``n x n`` ``mpmath.matrix`` (``F_hat`` is ``None`` when not asked for).
        Entries carry ``dps + GUARD_DIGITS`` working digits (float64 for ``rqmc``).
    dps
        The requested significant digits.
    error_bound
        The error of ``max_ij |F_ij - F_ij(exact)|`` for the exact input ``G``, of the
        kind :attr:`error_kind` says: a bound only for :data:`BOUND_KINDS`.
    error_bound_hat
        The same for ``F_hat``, propagated from ``error_bound`` (see :func:`shape_of`).
    method
        One of :data:`METHODS`.
    error_kind
        ``"rounding"`` (closed forms: a static ulp bound), ``"quadrature"``
        (rs-integral: difference of two exp-sinh levels plus rounding and truncation),
        ``"estimate"`` (gaussian-quadrature: difference of two trapezoid steps, widened
        to the disagreement with a shifted grid; *not* a bound: no rigorous error
        control exists for an arbitrary activation) or ``"statistical"``
        (``RQMC_SE_MULTIPLIER`` standard errors of independent RQMC estimates: a
        confidence interval, about 99.9 % per entry, not a bound).
    precision
        ``"mpmath, D digits"`` or ``"float64"``.
    layer, activation, sigma_w2, n
        What was computed.
    notes
        Plain-language remarks (clipped eigenvalues, degree-0 RS identity, ...).
    details
        Method parameters: quadrature level and evaluations, trapezoid step,
        RQMC points, randomisations and seed.
    """

    F: mpmath.matrix
    F_hat: mpmath.matrix | None
    dps: int
    error_bound: mpmath.mpf
    error_bound_hat: mpmath.mpf | None
    method: str
    error_kind: str
    precision: str
    layer: str
    activation: str
    sigma_w2: str
    n: int
    notes: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)

    @property
    def output_digits(self) -> int:
        """Digits printed per entry: ``dps``, or 17 (float64 round trip) for ``rqmc``."""
        return min(self.dps, 17) if self.precision == "float64" else self.dps

    def _matrix_strings(self, M: mpmath.matrix) -> list[list[str]]:
        digits = self.output_digits
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            return [[mp_str(M[i, j], digits) for j in range(M.cols)] for i in range(M.rows)]

    def to_json(self) -> dict[str, Any]:
        """``{"F": [[str]], "F_hat": [[str]] | null, "dps", "error_bound", "method", ...}``."""
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            bound = mp_str(self.error_bound, 3)
            bound_hat = None if self.error_bound_hat is None else mp_str(self.error_bound_hat, 3)
        return {
            "F": self._matrix_strings(self.F),
            "F_hat": None if self.F_hat is None else self._matrix_strings(self.F_hat),
            "dps": self.dps,
            "error_bound": bound,
            "error_bound_F_hat": bound_hat,
            "error_kind": self.error_kind,
            "method": self.method,
            "precision": self.precision,
            "layer": self.layer,
            "activation": self.activation,
            "sigma_w2": self.sigma_w2,
            "n": self.n,
            "notes": list(self.notes),
            "details": {k: (v if isinstance(v, int | str | float | bool) or v is None else str(v))
                        for k, v in self.details.items()},
        }

    def to_text(self) -> str:
        data = self.to_json()
        width = max(len(x) for row in data["F"] for x in row)
        relation = "<=" if self.error_kind in BOUND_KINDS else "~"
        label = {"estimate": "estimate, not a bound",
                 "statistical": f"statistical: {RQMC_SE_MULTIPLIER} standard errors, "
                                "about 99.9 % per entry, not a bound"}.get(self.error_kind,
                                                                           self.error_kind)
        lines = [
            f"F(G) for layer {self.layer}, activation {self.activation}, "
            f"sigma_w^2 = {self.sigma_w2}, n = {self.n}",
            f"method: {self.method} ({self.precision}); "
            f"|error| {relation} {data['error_bound']} ({label})",
        ]
        lines += ["  " + "  ".join(x.rjust(width) for x in row) for row in data["F"]]
        if data["F_hat"] is not None:
            lines.append(f"F_hat(G) = n F / tr F; |error| {relation} {data['error_bound_F_hat']}")
            width = max(len(x) for row in data["F_hat"] for x in row)
            lines += ["  " + "  ".join(x.rjust(width) for x in row) for row in data["F_hat"]]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def F_float(self) -> np.ndarray:
        """``F`` as a float64 array."""
        return np.array(self.F.tolist(), dtype=float)

    def F_hat_float(self) -> np.ndarray | None:
        """``F_hat`` as a float64 array (``None`` when absent)."""
        return None if self.F_hat is None else np.array(self.F_hat.tolist(), dtype=float)


# ---------------------------------------------------------------------------
# Exact covariance
# ---------------------------------------------------------------------------


def exact_covariance(G: ExactMatrix, layer: LayerKind, sigma_w2: Fraction) -> ExactMatrix:
    """``S = sigma_w^2 P G P`` (with RC) or ``sigma_w^2 G``, exactly.

    ``(P G P)_ij = G_ij - r_i - r_j + m`` with ``r_i`` the row means and ``m`` the
    grand mean of the symmetric ``G``.
    """
    n = len(G)
    if not layer.rc:
        return [[sigma_w2 * x for x in row] for row in G]
    r = [sum(row) / n for row in G]
    m = sum(r) / n
    return [[sigma_w2 * (G[i][j] - r[i] - r[j] + m) for j in range(n)] for i in range(n)]


def _mpf(x: Fraction) -> mpmath.mpf:
    return mpmath.mpf(x.numerator) / x.denominator


def _is_zero(S: ExactMatrix) -> bool:
    return all(x == 0 for row in S for x in row)


# ---------------------------------------------------------------------------
# Exact rank and factor of a PSD matrix (for the RS integral)
# ---------------------------------------------------------------------------


def _range_factor(S: ExactMatrix, pivots: list[int]) -> mpmath.matrix:
    """``A`` (``n x r``) with ``A A^T = S`` on the range: ``A = S[:, J] L^-T``, ``S_JJ = L L^T``.

    Each row is obtained by the same forward substitution, so equal (or opposite)
    rows of ``S`` give bitwise equal (or opposite) rows of ``A``.
    """
    n, r = len(S), len(pivots)
    C = mpmath.matrix([[_mpf(S[i][j]) for j in pivots] for i in pivots])
    try:
        L = mpmath.cholesky(C)
    except ValueError:
        # The exact pivot block is positive definite; its rounding at the working
        # precision is not: the entries span more decades than the digits carry.
        raise PrecisionError(
            f"the covariance's entries span more decades than {mpmath.mp.dps} working "
            "digits resolve; raise dps", parameter="dps"
        ) from None
    A = mpmath.zeros(n, r)
    for i in range(n):
        for k in range(r):
            acc = _mpf(S[i][pivots[k]])
            for m in range(k):
                acc -= L[k, m] * A[i, m]
            A[i, k] = acc / L[k, k]
    return A


# ---------------------------------------------------------------------------
# The four methods (each at the current mpmath precision)
# ---------------------------------------------------------------------------


def _closed_form(S: ExactMatrix, act: Activation | None) -> tuple[mpmath.matrix, mpmath.mpf]:
    n = len(S)
    S_mp = mpmath.matrix([[_mpf(x) for x in row] for row in S])
    u = mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)
    if act is None:
        scale = max(abs(x) for row in S for x in row)
        return S_mp, 2 * u * _mpf(scale)
    D = [[_mpf(S[i][i] * S[j][j] - S[i][j] ** 2) for j in range(n)] for i in range(n)]
    V = kernel_matrix_mp(act, S_mp, D)
    scale = max([mpmath.mpf(1)] + [abs(V[i, j]) for i in range(n) for j in range(n)]
                + [abs(S_mp[i, j]) for i in range(n) for j in range(n)])
    return V, CLOSED_FORM_ULPS * u * scale


def _rs_integral(S: ExactMatrix, act: Activation | None, dps: int,
                 max_level: int) -> tuple[mpmath.matrix, mpmath.mpf, dict, list[str]]:
    active = [i for i in range(len(S)) if S[i][i] > 0]
    schur = schur_pivots(S)
    if not schur:
        raise GramError("rescaling undefined: the covariance S is zero "
                        "(every neuron's row h is 0, so h / |h| is 0/0)")
    # The factor A below loses log10(cond S_JJ) digits (its columns stay centred under RC
    # only to u cond): carry that many more, so the rounding stays below the bound's
    # quadrature term (found by the thorough property run, seed 4).
    values = [v for _, v in schur]
    extra = max(0, math.ceil(math.log10(float(max(values) / min(values))))) + 2
    with mpmath.workdps(mpmath.mp.dps + extra):
        return _rs_integral_at(S, act, dps, max_level, active, [k for k, _ in schur])


def _rs_integral_at(S: ExactMatrix, act: Activation | None, dps: int, max_level: int,
                    active: list[int], pivots: list[int],
                    ) -> tuple[mpmath.matrix, mpmath.mpf, dict, list[str]]:
    n = len(S)
    notes: list[str] = []
    # RS is invariant under S -> c S (h / |h|): scale exactly to max |S_ij| = 1 so that
    # tiny or huge inputs (1e-263) need no more digits than moderate ones
    top = max(abs(x) for row in S for x in row)
    S = [[x / top for x in row] for row in S]
    A = _range_factor(S, pivots)
    r = len(pivots)
    K = A.T * A
    lam, Q = mpmath.eigsy(K)
    lam = [lam[k] for k in range(r)]
    if min(lam) <= 0:
        raise PrecisionError("rs-integral: the range of S is numerically singular at this "
                             "precision; raise dps", parameter="dps")
    R = A * Q
    lam_max, lam_min = max(lam), min(lam)
    pairs = [(i, j) for a, i in enumerate(active) for j in active[a:]]
    R_rows = {i: [R[i, k] for k in range(r)] for i in active}
    kernel = None if act is None else (lambda Sp: kernel_matrix_mp(act, Sp, rows=active))

    def integrand(s: mpmath.mpf) -> list:
        weight, V = s_integrand(s, lam, R_rows, kernel, n, MpIntegrandOps)
        return [weight * V[i, j] for i, j in pairs]

    scale = 1 / (2 * mpmath.sqrt(lam_max * lam_min))
    spread = mpmath.log(mpmath.sqrt(lam_max / lam_min)) + 1
    # |F| <= n max diag-ish; the integral's entries are O(1) after the factor n.
    tol = mpmath.mpf(10) ** (-(dps + 1)) / n
    res = exp_sinh_halfline(
        integrand,
        scale=scale,
        left_decay_log=spread,
        right_decay_log=spread,
        tail_power=mpmath.mpf(r) / 2,
        tol=tol,
        max_level=max_level,
    )
    F = mpmath.zeros(n, n)
    for (i, j), v in zip(pairs, res.values, strict=True):
        F[i, j] = F[j, i] = n * v
    if not res.converged:
        notes.append(f"rs-integral did not reach 1e-{dps} at the maximal level {res.level}; "
                     "the error bound says how far it got")
    details = {"quadrature": "exp-sinh (double exponential) on [0, inf)",
               "level": res.level, "evaluations": res.evaluations, "rank_S": r}
    return F, n * res.error, details, notes


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def shape_of(F: mpmath.matrix, error: mpmath.mpf, what: str = "") -> tuple[mpmath.matrix,
                                                                            mpmath.mpf]:
    r"""``F_hat = n F / tr F`` and a bound on its entrywise error.

    With ``delta`` bounding ``max|dF|`` and ``T = tr F``, ``|d tr F| <= n delta`` and

        |dF_hat| <= n (T delta + max|F| n delta) / (T (T - n delta)).

    Raises
    ------
    GramError
        When ``tr F = 0`` (the shape map is undefined), or ``tr F`` is not resolved
        above its own error.
    """
    n = F.rows
    T = mpmath.fsum(F[i, i] for i in range(n))
    if T == 0:
        raise GramError(f"shape map undefined: tr F(G) = 0{what}")
    if T <= n * error:
        raise GramError(f"shape map undefined: tr F(G) = {mpmath.nstr(T, 3)} is not resolved "
                        f"above its error {mpmath.nstr(n * error, 3)}{what}")
    F_hat = F * (n / T)
    big = max(abs(F[i, j]) for i in range(n) for j in range(n))
    bound = n * (T * error + big * n * error) / (T * (T - n * error))
    u = mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)
    return F_hat, bound + 4 * n * u * max(1, n * big / T)


def mean_field_map(
    G: Any,
    layer: LayerKind | str,
    activation: Activation | str = "relu",
    *,
    sigma_w2: Any = 1,
    dps: int = DEFAULT_DPS,
    shape: bool = True,
    seed: int = 0,
    rqmc_log2_points: int = 13,
    rqmc_randomizations: int = 16,
    max_level: int = 11,
    gauss_steps: tuple[str, ...] = GAUSS_STEPS,
    method: str | None = None,
    hermite_order: int = DEFAULT_ORDER,
) -> MapResult:
    r"""``F(G) = E[psi(h) psi(h)^T]``, ``h ~ N(0, sigma_w^2 G)``, and ``F_hat = n F / tr F``.

    Parameters
    ----------
    G
        The Gram matrix (anything :func:`numerics.gram.validate_gram` accepts;
        decimal strings keep all their digits).
    layer
        A layer kind (:func:`theory.layers.parse_layer`): ``"rc,rs,nl"``, ``"bn"``, ...
    activation
        An activation (:func:`theory.activations.get_activation`); used only with NL.
    sigma_w2
        Weight variance ``sigma_w^2 > 0`` (a number or decimal string; exact).
    dps
        Significant digits wanted, ``15 <= dps <= 1000``; the work is done at
        ``dps + GUARD_DIGITS`` digits.
    shape
        Also compute ``F_hat`` (then ``tr F = 0`` is an error).
    seed, rqmc_log2_points, rqmc_randomizations
        RQMC parameters (only for the ``rqmc`` method).
    max_level, gauss_steps
        Refinement limits of the ``rs-integral`` and ``gaussian-quadrature`` methods.
    method
        ``None`` (default): :func:`map_method` chooses.  ``"hermite"`` or
        ``"gaussian-quadrature"`` may be asked for a layer without RS with NL; any other
        value must be :func:`map_method`'s choice.
    hermite_order
        Truncation order ``K`` of the ``hermite`` method.

    Returns
    -------
    MapResult
        ``F``, ``F_hat``, the method, and ``error_bound`` on ``max_ij |F_ij - F_ij(G)|``:

        * ``closed-form``: each entry is a fixed short formula (``atan2``, ``sqrt``,
          a few products) of exactly computed ``S_ii, S_jj, S_ij, D`` whose
          condition numbers are at most ``~pi`` (the angle ``atan2`` has condition 1
          in absolute terms; the degree-1 kernel is Lipschitz in ``t`` with constant
          ``pi sqrt(S_ii S_jj)``), so its rounding error is below ~20 units of
          ``u = 2^-prec``; the bound states ``64 u max(1, max|S|, max|F|)``.
        * ``rs-integral``: ``n`` times the exp-sinh error estimate (difference of
          the last two levels, plus rounding and truncation).
        * ``gaussian-quadrature`` (an estimate, ``error_kind = "estimate"``): the
          difference between the last two usable steps ``h`` and ``3h/4`` (the error
          of the finer rule is about its 4/3 power), widened to the disagreement of
          ``E[phi]``, ``E[phi^2]`` with the grid shifted by ``0.618 h``, plus rounding.
          Steps that alias (:func:`numerics.maps.quadrature.turning_point_density`
          above :data:`OSCILLATION_LIMIT`) are not used.
        * ``rqmc``: ``RQMC_SE_MULTIPLIER = 4`` standard errors (statistical: the
          per-entry coverage is ``P(|T_15| <= 4) = 99.88 %`` with 16 randomisations).
        * ``hermite``: the largest radius of the certified balls (integration error,
          Gaussian tails and the truncation ``sqrt(T1 T2) |rho|^(K+1)``) plus the
          rounding of their midpoints: rigorous.

    Raises
    ------
    GramError
        For an invalid ``G``; ``"rescaling undefined"`` when RS meets a zero
        covariance; ``"shape map undefined"`` when ``tr F = 0`` and ``shape``.
    InvalidInputError, UnknownNameError, ExpressionError, PrecisionError
        For ``n < 2``, ``sigma_w2 <= 0``, unknown names, bad ``dps``; and
        ``"the integrand oscillates faster than the quadrature resolves"`` when
        gaussian-quadrature cannot resolve ``phi`` at its finest steps.
    """
    dps = validate_dps(dps)
    kind, act = parse_layer(layer), get_activation(activation)
    exact = exact_gram(G)
    sigma = sigma_fraction(sigma_w2)
    n = len(exact)
    method = _chosen_method(kind, act, method)
    S = exact_covariance(exact, kind, sigma)
    notes: list[str] = []
    details: dict = {}
    error_kind = {"closed-form": "rounding", "rs-integral": "quadrature",
                  "gaussian-quadrature": "estimate", "rqmc": "statistical",
                  "hermite": "certified"}[method]
    with working_precision(dps) as digits:
        if method == "closed-form":
            if kind.rs:
                if _is_zero(S):
                    raise GramError("rescaling undefined: the covariance S is zero "
                                    "(every neuron's row h is 0, so h / |h| is 0/0)")
                notes.append(f"RS changes nothing for the degree-0 activation {act.name}: "
                             "phi(c y) = phi(y) for c > 0")
            F, error = _closed_form(S, act if kind.nl else None)
        elif method == "rs-integral":
            F, error, details, extra = _rs_integral(S, act if kind.nl else None, dps, max_level)
            notes += extra
        elif method == "gaussian-quadrature":
            F, error, details, extra = gaussian_quadrature(S, act, dps, gauss_steps)
            notes += extra
        elif method == "hermite":
            F, error, details = hermite_kernel_matrix(act, S, hermite_order, digits)
            u = mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)
            error += CLOSED_FORM_ULPS * u * max([mpmath.mpf(1)] + [
                abs(F[i, j]) for i in range(n) for j in range(n)])
            notes.append(f"hermite: Mehler series to order {hermite_order} in arb balls; the "
                         "error bound is rigorous (integration, Gaussian tails and truncation)")
        else:
            F, error, details, extra = rqmc(S, kind, act, log2_points=rqmc_log2_points,
                                             randomizations=rqmc_randomizations, seed=seed)
            notes += extra
        F_hat, error_hat = None, None
        if shape:
            why = " (after RC all points coincide)" if kind.rc and _is_zero(S) else ""
            F_hat, error_hat = shape_of(F, error, why)
        precision = "float64" if method == "rqmc" else f"mpmath, {digits} working digits"
    if _psd_margin(exact) < -1e-14:
        notes.append("G has a negative eigenvalue inside the PSD tolerance; it was treated "
                     "as 0 where it mattered")
    return MapResult(
        F=F, F_hat=F_hat, dps=dps, error_bound=error, error_bound_hat=error_hat,
        method=method, error_kind=error_kind, precision=precision, layer=kind.name,
        activation=act.name if kind.nl else "identity (no NL)",
        sigma_w2=str(sigma) if sigma.denominator == 1 else str(sigma_w2),
        n=n, notes=tuple(notes), details=details,
    )


def _chosen_method(kind: LayerKind, act: Activation, method: str | None) -> str:
    """``map_method``'s choice, or the requested ``method`` when it applies."""
    auto = map_method(kind, act)
    if method is None or method == auto:
        return auto
    if method not in METHODS:
        raise InvalidInputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method in ("hermite", "gaussian-quadrature") and kind.nl and not kind.rs:
        return method
    raise InvalidInputError(f"method {method!r} does not apply to layer {kind.name} with "
                            f"activation {act.name} (the method here is {auto!r})")


def shape_map(G: Any, layer: LayerKind | str, activation: Activation | str = "relu",
              **kwargs: Any) -> MapResult:
    r"""``F_hat(G) = n F(G) / tr F(G)`` (with ``F``): :func:`mean_field_map` with ``shape=True``.

    Raises :class:`~theory.errors.GramError` ``"shape map undefined"`` when ``tr F = 0``.
    """
    kwargs["shape"] = True
    return mean_field_map(G, layer, activation, **kwargs)


def _psd_margin(exact: ExactMatrix) -> float:
    """``lambda_min / lambda_max`` of ``G`` in float64 (negative: outside the cone)."""
    arr = np.array([[float(x) for x in row] for row in exact])
    eig = np.linalg.eigvalsh(arr)
    return float(eig[0] / eig[-1]) if eig[-1] > 0 else 0.0
