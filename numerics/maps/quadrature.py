"""Quadrature rules used by the mean-field maps, each with its error estimate.

* :func:`exp_sinh_halfline`: vector-valued double-exponential (exp-sinh)
  quadrature of ``int_0^oo f(s) ds`` at mpmath precision, refined level by
  level (halving the step) until two successive levels agree.
* :func:`normal_trapezoid_rule`: the trapezoidal rule for ``E[f(z)]``,
  ``z ~ N(0,1)``, at mpmath precision (geometric convergence in ``1/h``).
* :func:`gaussian_pair_moment`: ``E[phi(z_i) phi(z_j)]`` for a centred Gaussian
  pair on the 2-D tensor grid of that rule.
* :func:`turning_point_density`: how many turning points a function has per node
  spacing of that rule (the oscillation detector: above about one per spacing the
  rule aliases and its refinement differences mean nothing).
* :func:`rqmc_gaussian_second_moment`: ``E[psi(y) psi(y)^T]``, ``y ~ N(0, A A^T)``,
  by randomized quasi-Monte Carlo (scrambled Sobol', independent randomisations)
  in float64, with its standard error (``scipy.stats.qmc`` is imported on the
  first call: importing this module stays cheap).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
from scipy import special

__all__ = [
    "exp_sinh_halfline",
    "gaussian_pair_moment",
    "normal_trapezoid_rule",
    "QuadratureResult",
    "rqmc_gaussian_second_moment",
    "turning_point_density",
]

# ---------------------------------------------------------------------------
# exp-sinh quadrature on [0, oo)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuadratureResult:
    """A vector of integrals with its error estimate.

    Attributes
    ----------
    values
        The integrals (``mpf``), in the order the integrand returns them.
    error
        Estimated bound on ``max_k |values[k] - exact[k]|`` (see the function).
    level
        Final refinement level (step ``h = 2^-level``).
    evaluations
        Number of integrand evaluations.
    converged
        Whether the requested tolerance was met before ``max_level``.
    """

    values: list
    error: mpmath.mpf
    level: int
    evaluations: int
    converged: bool


def exp_sinh_halfline(
    f: Callable[[mpmath.mpf], Sequence[mpmath.mpf]],
    *,
    scale: mpmath.mpf,
    left_decay_log: mpmath.mpf,
    right_decay_log: mpmath.mpf,
    tail_power: mpmath.mpf,
    tol: mpmath.mpf,
    min_level: int = 3,
    max_level: int = 11,
) -> QuadratureResult:
    r"""``int_0^oo f(s) ds`` for a vector-valued ``f``, by the exp-sinh rule.

    Substituting ``s = scale exp((pi/2) sinh t)`` gives
    ``int_{-oo}^{oo} f(s(t)) s(t) (pi/2) cosh t dt``, whose integrand decays
    double-exponentially at both ends when ``f`` is bounded at 0 and decays like
    ``s^-(1 + tail_power)`` at infinity.  The trapezoidal rule with step
    ``h = 2^-k`` is applied for ``k = 0, 1, ...`` (each level reuses the previous
    nodes) until ``max_k |I_k - I_{k-1}| <= tol`` with ``k >= min_level``.

    Error estimate: ``|I_k - I_{k-1}|`` (max over the vector).  The DE rule
    roughly doubles its correct digits per level, so this difference bounds the
    error of ``I_{k-1}`` and, a fortiori, of the returned ``I_k``; to it we add
    the truncation (terms beyond the node range are below ``10^-dps`` of the
    scale by construction) and the rounding of the sum,
    ``(evaluations + 10) u sum|terms|`` with ``u`` the unit roundoff.

    Parameters
    ----------
    f
        ``s -> [f_1(s), ..., f_m(s)]`` at the current mpmath precision.
    scale
        A typical ``s`` (the centre of the substitution).
    left_decay_log, right_decay_log
        ``log`` of the ratio between ``scale`` and the smallest resp. largest
        ``s`` where ``f`` still varies (widens the node range).
    tail_power
        ``f(s) ~ s^-(1 + tail_power)`` as ``s -> oo`` (``> 0``).
    tol
        Absolute tolerance on the max-norm of the level difference.
    """
    ctx = mpmath.mp
    target = ctx.dps * mpmath.log(10) + 2
    half_pi = mpmath.pi / 2
    t_left = -mpmath.asinh((target + abs(left_decay_log)) / half_pi)
    t_right = mpmath.asinh((target / tail_power + abs(right_decay_log)) / half_pi)
    unit = mpmath.ldexp(mpmath.mpf(1), -ctx.prec)

    def term(t: mpmath.mpf) -> tuple[list, mpmath.mpf]:
        s = scale * mpmath.exp(half_pi * mpmath.sinh(t))
        w = s * half_pi * mpmath.cosh(t)
        return [w * v for v in f(s)], w

    sums: list | None = None
    abs_sum = mpmath.mpf(0)
    evaluations = 0
    previous = None
    error = mpmath.inf
    level = 0
    h = mpmath.mpf(1)
    converged = False
    while True:
        if level == 0:
            k_lo, k_hi = int(mpmath.floor(t_left)), int(mpmath.ceil(t_right))
            ks = range(k_lo, k_hi + 1)
        else:
            h = h / 2
            k_lo = int(mpmath.floor(t_left / h))
            k_hi = int(mpmath.ceil(t_right / h))
            ks = range(k_lo | 1, k_hi + 1, 2)  # the odd multiples: new nodes only
        for k in ks:
            vals, _ = term(k * h if level else mpmath.mpf(k))
            evaluations += 1
            if sums is None:
                sums = [mpmath.mpf(0)] * len(vals)
            sums = [a + b for a, b in zip(sums, vals, strict=True)]
            abs_sum += max((abs(v) for v in vals), default=mpmath.mpf(0))
        current = [h * a for a in sums]
        if previous is not None:
            error = max((abs(a - b) for a, b in zip(current, previous, strict=True)),
                        default=mpmath.mpf(0))
            if level >= min_level and error <= tol:
                converged = True
                break
        if level >= max_level:
            break
        previous = current
        level += 1
    rounding = (evaluations + 10) * unit * h * abs_sum
    truncation = mpmath.mpf(10) ** (-ctx.dps) * h * abs_sum
    return QuadratureResult(current, error + rounding + truncation, level, evaluations, converged)


# ---------------------------------------------------------------------------
# Gaussian expectations by the trapezoidal rule
# ---------------------------------------------------------------------------


def normal_trapezoid_rule(h: mpmath.mpf, offset: mpmath.mpf | int = 0) -> tuple[list, list]:
    r"""Trapezoid rule for ``E[f(z)]``, ``z ~ N(0,1)``: nodes ``(k + offset) h``, weights ``h pdf``.

    The nodes stop at ``|x| <= X`` with ``exp(-X^2/2) = 10^-(dps+2)`` (current
    precision).  For ``f`` analytic in the strip ``|Im x| < d`` and of moderate
    growth, the error is ``O(exp(-2 pi d / h))`` (plus ``exp(-2 pi^2/h^2)``
    from the Gaussian itself): halving ``h`` squares the error.  Gauss-Hermite
    with the same number of nodes only reaches ``exp(-c d sqrt(N))`` for such
    ``f`` (tanh, SiLU have poles at distance ``pi/2``): measured 1e-13 at N = 128
    for ``E[tanh(z)^2]`` where this rule gives 1e-40 with 280 nodes.

    The error is aliasing: for ``f(x) = exp(i w x)`` the rule returns
    ``sum_m exp(-(w - 2 pi m / h)^2 / 2) exp(2 pi i m offset)`` instead of the
    ``m = 0`` term.  An oscillation as fast as ``2 pi / h`` is therefore invisible
    to refinement (two steps can agree while both are wrong); the phase factor
    makes a grid shifted by an irrational ``offset`` an independent check.
    """
    X = mpmath.sqrt(2 * (mpmath.mp.dps + 2) * mpmath.log(10))
    K = int(mpmath.floor(X / h))
    xs = [(k + offset) * h for k in range(-K - 1, K + 1)]
    xs = [x for x in xs if abs(x) <= X]
    c = h / mpmath.sqrt(2 * mpmath.pi)
    ws = [c * mpmath.exp(-x * x / 2) for x in xs]
    return xs, ws


def turning_point_density(
    g: Callable[[mpmath.mpf], mpmath.mpf],
    steps: Sequence[float],
    *,
    samples_per_step: int = 4,
    window_steps: int = 8,
    seed: int = 0,
) -> list[float]:
    r"""Turning points of ``g`` per node spacing ``h``, for each ``h`` in ``steps``.

    ``g`` is sampled at ``samples_per_step / min(steps)`` points per unit length,
    drawn uniformly at random (fixed ``seed``: no lattice for a periodic ``g`` to
    alias with) on the node range ``[-X, X]`` of :func:`normal_trapezoid_rule`;
    a turning point is a sign change of the difference of consecutive samples
    (differences within the rounding noise of ``max|g|`` count as 0).  For each
    ``h`` the count is taken in windows of ``window_steps`` node spacings and the
    largest window count per spacing is returned.

    ``exp(i w x)`` has ``w / pi`` turning points per unit length, ``w h / pi`` per
    spacing; the trapezoid rule with step ``h`` resolves it (to ``D`` digits)
    while ``w h < 2 pi - h sqrt(2 D ln 10)``, so a density above 1 means the rule
    at that ``h`` cannot be trusted.  Samples of an under-resolved ``g`` look
    like noise: about 2/3 of them are turning points.
    """
    X = float(mpmath.sqrt(2 * (mpmath.mp.dps + 2) * mpmath.log(10)))
    h_min = min(steps)
    count = int(math.ceil(2 * X * samples_per_step / h_min)) + 2
    xs = np.sort(np.random.default_rng(seed).uniform(-X, X, count))
    values = [g(mpmath.mpf(float(x))) for x in xs]
    scale = max((abs(v) for v in values), default=mpmath.mpf(0))
    noise = scale * mpmath.mpf(10) ** (5 - mpmath.mp.dps)
    diffs = [b - a for a, b in zip(values, values[1:], strict=False)]
    signs = np.array([0 if abs(d) <= noise else (1 if d > 0 else -1) for d in diffs])
    nonzero = np.flatnonzero(signs)
    turns = nonzero[1:][signs[nonzero[1:]] != signs[nonzero[:-1]]]
    where = xs[turns]
    densities = []
    for h in steps:
        width = window_steps * float(h)
        edges = np.arange(-X, X + width, width)
        hist, _ = np.histogram(where, bins=edges)
        densities.append(float(hist.max(initial=0)) / window_steps)
    return densities


def gaussian_pair_moment(
    phi: Callable[[mpmath.mpf], mpmath.mpf],
    phi_a: Sequence[mpmath.mpf],
    b: mpmath.mpf,
    c: mpmath.mpf,
    rule: tuple[list, list],
) -> mpmath.mpf:
    r"""``E[phi(a u) phi(b u + c v)]``, ``u, v`` i.i.d. ``N(0,1)``, on the tensor grid of ``rule``.

    With ``a = sqrt(S_ii)``, ``b = S_ij / a``, ``c = sqrt(S_ii S_jj - S_ij^2) / a``
    the pair ``(a u, b u + c v)`` has covariance ``[[S_ii, S_ij], [S_ij, S_jj]]``.
    ``phi_a[k] = phi(a x_k)`` is precomputed by the caller (shared by a row).
    The sum is ``sum_k w_k phi(a x_k) sum_l w_l phi(b x_k + c x_l)`` over the
    disc ``x_k^2 + x_l^2 <= X^2`` (outside it the Gaussian weight is below
    ``10^-(dps+2)``); a 1-D sum when ``c = 0``.
    """
    xs, ws = rule
    total = mpmath.mpf(0)
    if c == 0:
        for x, w, pa in zip(xs, ws, phi_a, strict=True):
            total += w * pa * phi(b * x)
        return total
    radius2 = max(xs[0] ** 2, xs[-1] ** 2)
    for x, w, pa in zip(xs, ws, phi_a, strict=True):
        if pa == 0:
            continue
        bx = b * x
        room = radius2 - x * x
        inner = mpmath.fsum(wl * phi(bx + c * xl)
                            for xl, wl in zip(xs, ws, strict=True) if xl * xl <= room)
        total += w * pa * inner
    return total


# ---------------------------------------------------------------------------
# Randomized quasi-Monte Carlo (float64)
# ---------------------------------------------------------------------------


def rqmc_gaussian_second_moment(
    psi: Callable[[np.ndarray], np.ndarray],
    factor: np.ndarray,
    *,
    log2_points: int = 13,
    randomizations: int = 16,
    seed: int | np.random.SeedSequence = 0,
) -> tuple[np.ndarray, np.ndarray, int]:
    r"""``E[psi(y) psi(y)^T]`` for ``y = A z``, ``z ~ N(0, I_r)``, by scrambled Sobol' RQMC.

    Each of ``randomizations`` independent Owen-scrambled Sobol' sequences of
    ``2^log2_points`` points in ``[0,1)^r`` is mapped to normals by the inverse
    CDF, and gives one unbiased estimate ``M_j``; the result is their mean and
    its standard error ``std_j(M_j) / sqrt(R)`` (entrywise).  The estimates are
    independent, so ``(mean - exact) / se`` is Student-t with ``R - 1`` degrees
    of freedom (for a ``psi`` with finite variance; the estimates are then close
    to normal).  Arithmetic is float64.

    What the standard error gives is a *statistical interval*, not a bound:
    ``|mean - exact| <= q se`` holds with probability ``P(|T_{R-1}| <= q)`` per
    entry, e.g. 99.88 % for ``q = 4``, ``R = 16`` (15 degrees of freedom), so an
    ``n x n`` matrix may have an entry outside it with probability up to
    ``n (n + 1) / 2`` times 0.12 % (union bound).  Each estimate is unbiased for
    any square-integrable ``psi`` (the scrambling makes every point uniform), so
    ``se`` sees oscillation as variance; but the t quantile assumes near-normal
    estimates, which heavy tails of ``psi(y) psi(y)^T`` can spoil with only
    ``R`` of them, and no interval is valid when that variance is infinite.

    Returns
    -------
    mean, standard_error, samples
        ``(n, n)`` arrays and the total number of points used.
    """
    factor = np.asarray(factor, dtype=float)
    r = factor.shape[1]
    children = np.random.SeedSequence(seed).spawn(randomizations) if not isinstance(
        seed, np.random.SeedSequence) else seed.spawn(randomizations)
    # lazy: scipy.stats costs about a second to import and only this route needs it
    from scipy.stats import qmc

    estimates = []
    for child in children:
        sobol = qmc.Sobol(d=r, scramble=True, seed=np.random.default_rng(child))
        u = sobol.random_base2(log2_points)
        z = special.ndtri(np.clip(u, 1e-300, None))
        v = psi(z @ factor.T)
        estimates.append(v.T @ v / v.shape[0])
    stack = np.stack(estimates)
    mean = stack.mean(axis=0)
    se = stack.std(axis=0, ddof=1) / np.sqrt(randomizations)
    return mean, se, randomizations * (1 << log2_points)
