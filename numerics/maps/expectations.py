r"""Gaussian expectations of activations without a closed-form kernel: the routes
``gaussian-quadrature`` and ``rqmc`` of :func:`numerics.maps.precise.mean_field_map`.

* :func:`gaussian_quadrature` (no RS): each ``E[phi(z_i) phi(z_j)]`` by the 2-D trapezoidal
  rule with Gaussian weight at the working precision; its error is an *estimate*
  (the difference of two steps, widened to the disagreement with a shifted grid; steps
  where ``phi`` has more than :data:`OSCILLATION_LIMIT` turning points per node spacing
  are not used).
* :func:`rqmc` (RS with a non-homogeneous activation): randomized quasi-Monte Carlo over
  ``N(0, S)`` in float64; its error bar is :data:`RQMC_SE_MULTIPLIER` standard errors, a
  statistical interval (per-entry coverage ``P(|T_15| <= 4) = 99.88 %`` with 16
  randomisations), not a bound.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from numerics.arith import MpOps
from numerics.gram import ExactMatrix
from numerics.maps.quadrature import (
    gaussian_pair_moment,
    normal_trapezoid_rule,
    rqmc_gaussian_second_moment,
    turning_point_density,
)
from numerics.precision import CLOSED_FORM_ULPS
from theory.activations import Activation, X
from theory.errors import GramError, InvalidInputError
from theory.layers import LayerKind

__all__ = ["GAUSS_STEPS", "OSCILLATION_LIMIT", "RQMC_SE_MULTIPLIER", "gaussian_quadrature",
           "mp_activation", "rqmc"]

#: Multiple of the standard error reported as the RQMC error bar.
RQMC_SE_MULTIPLIER = 4
#: Turning points per node spacing above which a trapezoid step is not used (aliasing):
#: ``exp(i w x)`` has ``w h / pi`` of them and is resolved while ``w h < 2 pi - h sqrt(2 D ln 10)``.
OSCILLATION_LIMIT = 1
#: Trapezoid steps tried in turn for Gaussian expectations, h_k = (1/2)(3/4)^k (the last
#: two give the estimate; the error behaves like exp(-c/h), so err(h_{k+1}) ~ err(h_k)^(4/3)).
GAUSS_STEPS = tuple(str(Fraction(1, 2) * Fraction(3, 4) ** k) for k in range(12))


def gaussian_quadrature(S: ExactMatrix, act: Activation, dps: int, steps: tuple[str, ...]
                         ) -> tuple[mpmath.matrix, mpmath.mpf, dict, list[str]]:
    n = len(S)
    phi = mp_activation(act.expr)
    phi0 = phi(mpmath.mpf(0))
    tol = mpmath.mpf(10) ** (-(dps + 1))
    roots = [mpmath.sqrt(MpOps.const(S[i][i])) if S[i][i] > 0 else mpmath.mpf(0) for i in range(n)]
    hs = [MpOps.const(Fraction(step)) for step in steps]
    # Oscillation detector: a step h is usable only if every phi(sqrt(S_ii) x) has at most
    # OSCILLATION_LIMIT turning points per node spacing (the pairs' integrands have the
    # same frequencies: phi(b x + c y) with b^2 + c^2 = S_jj).
    density = [0.0] * len(hs)
    for root in sorted(set(roots)):
        if root > 0:
            found = turning_point_density(lambda x, r=root: phi(r * x), [float(h) for h in hs])
            density = [max(a, b) for a, b in zip(density, found, strict=True)]
    usable = [k for k in range(len(hs)) if density[k] <= OSCILLATION_LIMIT]
    if len(usable) < 2:
        raise InvalidInputError(
            "the integrand oscillates faster than the quadrature resolves: "
            f"phi(sqrt(S_ii) x) for activation {act.name} has {density[-1]:.3g} turning points "
            f"per node spacing at the finest step h = {steps[-1]} (at most {OSCILLATION_LIMIT} "
            "are resolved, at two steps); gaussian-quadrature can give neither a value nor an "
            "error estimate for it")

    def evaluate(h: mpmath.mpf) -> mpmath.matrix:
        rule = normal_trapezoid_rule(h)
        xs, ws = rule
        phi_rows = [[phi(roots[i] * x) for x in xs] for i in range(n)]
        mean = [mpmath.fsum(w * p for w, p in zip(ws, phi_rows[i], strict=True)) for i in range(n)]
        V = mpmath.zeros(n, n)
        for i in range(n):
            V[i, i] = mpmath.fsum(w * p * p for w, p in zip(ws, phi_rows[i], strict=True))
            for j in range(i + 1, n):
                if S[i][i] <= 0 and S[j][j] <= 0:
                    v = phi0 * phi0
                elif S[i][i] <= 0:
                    v = phi0 * mean[j]  # z_i = 0 a.s.
                elif S[j][j] <= 0:
                    v = phi0 * mean[i]
                else:
                    b = MpOps.const(S[i][j]) / roots[i]
                    d = S[i][i] * S[j][j] - S[i][j] ** 2
                    c = mpmath.sqrt(MpOps.const(d / S[i][i])) if d > 0 else mpmath.mpf(0)
                    v = gaussian_pair_moment(phi, phi_rows[i], b, c, rule)
                V[i, j] = V[j, i] = v
        return V

    def moments_1d(h: mpmath.mpf, offset: mpmath.mpf | int) -> list:
        xs, ws = normal_trapezoid_rule(h, offset)
        return [[mpmath.fsum(w * phi(roots[i] * x) ** k for x, w in zip(xs, ws, strict=True))
                 for k in (1, 2)] for i in range(n)]

    def biggest(M: mpmath.matrix) -> mpmath.mpf:
        return max(abs(M[i, j]) for i in range(n) for j in range(n))

    previous, error, used, converged = None, mpmath.inf, steps[usable[0]], False
    for k in usable:
        current = evaluate(hs[k])
        used, h_used = steps[k], hs[k]
        if previous is not None:
            error = biggest(current - previous)
            if error <= tol * max(1, biggest(current)):
                converged = True
                break
        previous = current
    # Independent check at a different node set: the grid shifted by the golden fraction
    # of a step rotates every aliasing term by a phase (see normal_trapezoid_rule), so
    # E[phi] and E[phi^2] there disagree with the unshifted grid by about the aliasing
    # error.  The diagonals carry the highest frequencies of the matrix (those of phi^2
    # at the largest sqrt(S_ii)); their disagreement widens the estimate for all entries.
    shift = (mpmath.sqrt(5) - 1) / 2
    plain, shifted = moments_1d(h_used, 0), moments_1d(h_used, shift)
    disagreement = max(abs(p - q) for a, b in zip(plain, shifted, strict=True)
                       for p, q in zip(a, b, strict=True))
    notes = [] if converged else [
        f"gaussian-quadrature did not reach 1e-{dps} by step h = {used}; the error estimate "
        "(difference of the last two steps) says how far it got"]
    u = mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)
    nodes = len(normal_trapezoid_rule(h_used)[0])
    rounding = CLOSED_FORM_ULPS * nodes * u * max(1, biggest(current))
    if disagreement > error + rounding:
        notes.append(
            f"gaussian-quadrature: the grid shifted by a fraction of a step disagrees by "
            f"{mpmath.nstr(disagreement, 3)}, more than the refinement difference "
            f"{mpmath.nstr(error, 3)}; the error estimate was widened to the disagreement")
        error = disagreement
    error += rounding
    return current, error, {"quadrature": "2-D trapezoid with Gaussian weight",
                            "step": used, "nodes_per_dimension": nodes}, notes


def rqmc(S: ExactMatrix, layer: LayerKind, act: Activation, *, log2_points: int,
          randomizations: int, seed: int) -> tuple[mpmath.matrix, mpmath.mpf, dict, list[str]]:
    n = len(S)
    if all(x == 0 for row in S for x in row):
        raise GramError("rescaling undefined: the covariance S is zero "
                        "(every neuron's row h is 0, so h / |h| is 0/0)")
    S_f = np.array([[float(x) for x in row] for row in S])
    lam, Q = np.linalg.eigh(S_f)
    keep = lam > n * np.finfo(float).eps * lam[-1]
    factor = Q[:, keep] * np.sqrt(lam[keep])

    def psi(y: np.ndarray) -> np.ndarray:
        norms = np.sqrt(np.sum(y * y, axis=1, keepdims=True) / n)
        y = y / np.where(norms > 0, norms, 1.0)
        return act.numpy(y)

    mean, se, samples = rqmc_gaussian_second_moment(
        psi, factor, log2_points=log2_points, randomizations=randomizations, seed=seed)
    F = mpmath.matrix(mean.tolist())
    F = (F + F.T) / 2
    bound = mpmath.mpf(float(RQMC_SE_MULTIPLIER * se.max())) + mpmath.mpf(
        float(64 * np.finfo(float).eps * max(1.0, np.abs(mean).max())))
    details = {"rqmc_points": samples, "randomizations": randomizations,
               "log2_points_per_randomization": log2_points, "seed": seed,
               "max_standard_error": float(se.max()),
               "error_bar": f"{RQMC_SE_MULTIPLIER} standard errors (Student t, "
                            f"{randomizations - 1} dof)"}
    notes = [f"rqmc: float64 arithmetic; error_bound = {RQMC_SE_MULTIPLIER} standard errors of "
             f"{randomizations} independent scrambled-Sobol' estimates (statistical, not a "
             "guarantee)"]
    return F, bound, details, notes


@functools.lru_cache(maxsize=64)
def mp_activation(expr: sp.Expr) -> Callable[[mpmath.mpf], mpmath.mpf]:
    # expr comes from theory.activations (built-in or the whitelist parser).
    fn = sp.lambdify(X, expr, modules="mpmath")

    def phi(x: mpmath.mpf) -> mpmath.mpf:
        return mpmath.mpf(fn(x))

    return phi
