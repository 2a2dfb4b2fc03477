r"""Certified Hermite (Mehler) kernels for any activation (docs/theory.md section 7).

For ``z ~ N(0, 1)`` and a variance ``s >= 0`` the normalised Hermite coefficients of
``phi(sqrt(s) z)`` are

    c_k(s) = E[phi(sqrt(s) z) He_k(z)] / sqrt(k!)
           = (2 pi s k!)^(-1/2) int phi(y) He_k(y / sqrt s) exp(-y^2 / (2 s)) dy,

and for a centred Gaussian pair with variances ``s1, s2`` and correlation ``rho``
(Mehler's formula)

    E[phi(x) phi(y)] = sum_k c_k(s1) c_k(s2) rho^k,
    |sum_{k > K} c_k(s1) c_k(s2) rho^k| <= sqrt(T(s1) T(s2)) |rho|^(K+1),
    T(s) = E[phi(sqrt(s) z)^2] - sum_{k <= K} c_k(s)^2      (Parseval, Cauchy-Schwarz).

How each number is enclosed (all in arb balls, so every result is a proof):

* the integral over ``|y| <= L sqrt(s)`` by :func:`flint.acb.integral` (rigorous
  Gauss-Legendre with error bounds from the integrand on complex ellipses), split at the
  kinks of ``phi`` (:func:`numerics.balls.kinks`; on each segment the non-smooth nodes are
  resolved to their analytic branch, :func:`numerics.balls.resolve`);
* the Gaussian tail ``|y| > L sqrt(s)`` by a polynomial envelope
  ``|phi(y)| <= sum_j p_j |y|^j`` (:func:`numerics.balls.polynomial_envelope`, or the
  activation's declared ``growth``) and Cramer's inequality
  ``|He_k(x)| <= C sqrt(k!) exp(x^2 / 4)``, ``C = 1.0865`` (Abramowitz-Stegun 22.14.17;
  we use ``C = 1.09``): the tail of ``c_k`` is at most
  ``2 C (2 pi)^(-1/2) sum_j p_j s^(j/2) J_j(1/4, L)``, uniformly in ``k``, and the tail
  of ``E[phi^2]`` at most ``2 (2 pi)^(-1/2) sum_j (p*p)_j s^(j/2) J_j(1/2, L)``, with
  ``J_j(a, L) = int_L^oo x^j exp(-a x^2) dx`` by its exact recursion (:func:`gaussian_tail`);
* ``T(s)`` as the ball ``E[phi^2] - sum c_k^2``; its upper end is used (``T >= 0``).

Coefficients are cached per ``(activation, s, K, dps)``.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from numerics.arith import arb_to_mpf, flint, workprec
from numerics.balls import acb_function, kinks, polynomial_envelope, real_value, resolve
from numerics.precision import HERMITE_ORDER
from theory.activations import Activation, X, get_activation
from theory.errors import InvalidInputError, NotEnclosableError

__all__ = [
    "CRAMER_CONSTANT",
    "DEFAULT_DPS",
    "DEFAULT_ORDER",
    "HermiteSeries",
    "gaussian_tail",
    "growth_envelope",
    "hermite_coefficients",
    "hermite_kernel",
    "hermite_kernel_matrix",
]

#: Upper bound on the constant of Cramer's inequality ``|He_k(x)| e^{-x^2/4} <= C sqrt(k!)``.
CRAMER_CONSTANT = Fraction(109, 100)
#: Default truncation order ``K``.
DEFAULT_ORDER = HERMITE_ORDER
#: Default working digits of the coefficients.
DEFAULT_DPS = 30


def gaussian_tail(j: int, a: Any, L: Any) -> Any:
    r"""``J_j(a, L) = int_L^oo x^j exp(-a x^2) dx`` as an arb ball (``a, L > 0``).

    ``J_0 = (1/2) sqrt(pi/a) erfc(sqrt(a) L)``, ``J_1 = exp(-a L^2) / (2a)``, and by parts
    ``J_j = (L^(j-1) exp(-a L^2) + (j-1) J_{j-2}) / (2a)``.
    """
    a, L = flint.arb(a), flint.arb(L)
    e = (-a * L * L).exp()
    if j == 0:
        return (flint.arb.pi() / a).sqrt() / 2 * (a.sqrt() * L).erfc()
    if j == 1:
        return e / (2 * a)
    return (L ** (j - 1) * e + (j - 1) * gaussian_tail(j - 2, a, L)) / (2 * a)


def growth_envelope(act: Activation) -> list[Any]:
    """``p_j`` with ``|phi(y)| <= sum_j p_j |y|^j`` for all real ``y``: the activation's
    declared ``growth`` when it has one, else the structural bound of its expression.

    Raises
    ------
    NotEnclosableError
        When neither is available.
    """
    if act.growth is not None:
        return [flint.arb(sp.Rational(p).p) / sp.Rational(p).q for p in act.growth]
    return polynomial_envelope(act.expr, X)


@dataclass(frozen=True)
class HermiteSeries:
    r"""The certified Hermite data of ``phi(sqrt(s) z)``.

    Attributes
    ----------
    activation
        The activation's name.
    s
        The variance (exact).
    order
        ``K``: coefficients ``c_0 .. c_K``.
    dps
        Working digits.
    coefficients
        ``c_k(s)`` as arb balls (each encloses the true coefficient).
    second_moment
        ``E[phi(sqrt(s) z)^2]`` as an arb ball.
    tail
        An upper bound (exact arb) on ``T(s) = E[phi^2] - sum_{k<=K} c_k^2``.
    cutoff
        ``L``: the integrals run over ``|z| <= L``; beyond, the envelope bounds them.
    seconds
        Wall time spent computing the series.
    """

    activation: str
    s: Fraction
    order: int
    dps: int
    coefficients: tuple[Any, ...]
    second_moment: Any
    tail: Any
    cutoff: int
    seconds: float


def _segments(act: Activation, lo: Any, hi: Any) -> list[tuple[Any, Any, Any]]:
    """``(a, b, f)`` covering ``[lo, hi]``: ``f`` the analytic branch of ``phi`` on ``(a, b)``."""
    points = []
    for p in kinks(act.expr, X):
        v = real_value(p, X, flint.arb(0)) if p.free_symbols == set() else None
        if v is None:
            raise NotEnclosableError(f"kink {p} is not a number")
        if v > lo and v < hi:
            points.append(v)
        elif not (v < lo or v > hi):
            raise NotEnclosableError(f"kink {p} too close to the cutoff")
    ends = [lo, *points, hi]
    out = []
    for a, b in zip(ends, ends[1:], strict=False):
        mid = flint.arb(((a + b) / 2).mid())
        out.append((a, b, acb_function(resolve(act.expr, X, mid), X)))
    return out


def _integrate(segments: list, weight: Any, abs_tol: Any) -> Any:
    total = flint.acb(0)
    for a, b, f in segments:
        def integrand(z: Any, analytic: bool, f: Any = f) -> Any:
            return f(z, analytic) * weight(z, analytic)
        total += flint.acb.integral(integrand, a, b, abs_tol=abs_tol)
    if not total.is_finite():
        raise NotEnclosableError("the Hermite integral did not converge to a finite ball "
                                 "(a singularity or branch cut on the real line?)")
    return total.real


@functools.lru_cache(maxsize=256)
def _series(act: Activation, s: Fraction, order: int, dps: int) -> HermiteSeries:
    t0 = time.perf_counter()
    with workprec(dps):
        prec = flint.ctx.prec
        two_pi = 2 * flint.arb.pi()
        if s == 0:
            phi0 = real_value(act.expr, X, flint.arb(0))
            coeffs = (phi0,) + (flint.arb(0),) * order
            return HermiteSeries(act.name, s, order, dps, coeffs, phi0 * phi0, flint.arb(0),
                                 0, time.perf_counter() - t0)
        env = growth_envelope(act)
        env2 = [flint.arb(0)] * (2 * len(env) - 1)
        for i, p in enumerate(env):
            for j, q in enumerate(env):
                env2[i + j] += p * q
        s_arb = flint.arb(s.numerator) / s.denominator
        root = s_arb.sqrt()
        C = flint.arb(CRAMER_CONSTANT.numerator) / CRAMER_CONSTANT.denominator
        target = flint.arb(2) ** (-prec)
        L = int(math.ceil(math.sqrt(4 * (prec + 10) * math.log(2)))) + 2
        while True:
            tail_c = 2 * C / two_pi.sqrt() * sum(
                p * root ** j * gaussian_tail(j, flint.arb(1) / 4, L) for j, p in enumerate(env))
            tail_m = 2 / two_pi.sqrt() * sum(
                p * root ** j * gaussian_tail(j, flint.arb(1) / 2, L) for j, p in enumerate(env2))
            if max(tail_c.upper(), tail_m.upper()) < target or L > 400:
                break
            L += 4
        segments = _segments(act, -L * root, L * root)
        abs_tol = target
        inv_root = 1 / root
        norm = (two_pi * s_arb).sqrt()

        def gauss(z: Any, analytic: bool) -> Any:
            return (-(z * z) / (2 * s_arb)).exp()

        moment = _integrate([(a, b, _square(f)) for a, b, f in segments], gauss, abs_tol)
        moment = _widen(moment / norm, tail_m)
        coeffs = []
        fact = flint.arb(1)
        for k in range(order + 1):
            if k:
                fact *= k

            def weight(z: Any, analytic: bool, k: int = k) -> Any:
                t = z * inv_root
                # He_k(t) = 2^(-k/2) H_k(t / sqrt 2)
                he = (t / flint.arb(2).sqrt()).hermite_h(k) / flint.arb(2) ** (flint.arb(k) / 2)
                return he * (-(t * t) / 2).exp()

            c = _integrate(segments, weight, abs_tol) / (norm * fact.sqrt())
            coeffs.append(_widen(c, tail_c))
        T = moment - sum(c * c for c in coeffs)
        tail = flint.arb(max(T.upper(), flint.arb(0)))
        return HermiteSeries(act.name, s, order, dps, tuple(coeffs), moment, tail, L,
                             time.perf_counter() - t0)


def _square(f: Any) -> Any:
    def g(z: Any, analytic: bool) -> Any:
        v = f(z, analytic)
        return v * v
    return g


def _widen(x: Any, radius: Any) -> Any:
    """``x`` with its radius increased by the upper bound of ``radius``."""
    return x + flint.arb(0, flint.arb(radius.upper()))


def hermite_coefficients(activation: Activation | str, s: Any, order: int = DEFAULT_ORDER,
                         dps: int = DEFAULT_DPS) -> HermiteSeries:
    r"""The certified Hermite series of ``phi(sqrt(s) z)`` (cached).

    Parameters
    ----------
    activation
        Any activation :func:`theory.activations.get_activation` accepts.
    s
        The variance ``s >= 0`` (converted exactly to a fraction).
    order
        ``K >= 0``.
    dps
        Working digits (the balls' radii are about ``10^-dps`` plus the tail bounds).

    Raises
    ------
    InvalidInputError
        For ``s < 0`` or ``order < 0``.
    NotEnclosableError
        For an activation the ball arithmetic cannot enclose.
    """
    act = get_activation(activation)
    s = Fraction(s) if not isinstance(s, str) else Fraction(s)
    if s < 0:
        raise InvalidInputError(f"s must be >= 0, got {s}")
    if order < 0:
        raise InvalidInputError(f"order must be >= 0, got {order}")
    return _series(act, s, int(order), int(dps))


def hermite_kernel(activation: Activation | str, s1: Any, s2: Any, s12: Any,
                   order: int = DEFAULT_ORDER, dps: int = DEFAULT_DPS,
                   series: tuple[HermiteSeries, HermiteSeries] | None = None) -> Any:
    r"""An arb ball containing ``E[phi(x) phi(y)]`` for ``(x, y)`` centred Gaussian with
    variances ``s1, s2`` and covariance ``s12`` (exact numbers, ``s12^2 <= s1 s2``).

    ``sum_{k<=K} c_k(s1) c_k(s2) rho^k`` plus the ball of radius
    ``sqrt(T(s1) T(s2)) |rho|^(K+1)``, ``rho = s12 / sqrt(s1 s2)``; with a zero variance
    ``phi(0) E[phi]``; on the diagonal (``s1 = s2 = s12``) the second moment itself.
    ``series`` may pass precomputed (e.g. perturbed) coefficient sets.
    """
    s1, s2, s12 = Fraction(s1), Fraction(s2), Fraction(s12)
    if s12 * s12 > s1 * s2:
        raise InvalidInputError("s12^2 must be <= s1 s2")
    a, b = series or (hermite_coefficients(activation, s1, order, dps),
                      hermite_coefficients(activation, s2, order, dps))
    with workprec(a.dps):
        if s1 == s2 == s12 and series is None:
            return a.second_moment
        if s1 == 0 or s2 == 0:
            return a.coefficients[0] * b.coefficients[0]
        rho = (flint.arb(s12.numerator) / s12.denominator) / (
            flint.arb((s1 * s2).numerator) / (s1 * s2).denominator).sqrt()
        if s12 * s12 == s1 * s2:  # rho = +-1 exactly
            rho = flint.arb(1 if s12 > 0 else -1)
        total = flint.arb(0)
        power = flint.arb(1)
        for ca, cb in zip(a.coefficients, b.coefficients, strict=True):
            total += ca * cb * power
            power *= rho
        bound = (a.tail * b.tail).sqrt() * abs(power)
        return _widen(total, bound)


def hermite_kernel_matrix(act: Activation, S: list[list[Fraction]], order: int = DEFAULT_ORDER,
                          dps: int = DEFAULT_DPS) -> tuple[mpmath.matrix, mpmath.mpf, dict]:
    r"""``V_phi(S)`` entrywise by :func:`hermite_kernel`: the balls' midpoints as an
    ``mpmath.matrix`` and ``max`` of their radii (a rigorous bound on every entry's
    error), with the cost (cutoff, seconds) in a details dict."""
    n = len(S)
    V = mpmath.zeros(n, n)
    radius = mpmath.mpf(0)
    variances = sorted({S[i][i] for i in range(n)})
    series = {s: hermite_coefficients(act, s, order, dps) for s in variances}
    for i in range(n):
        for j in range(i, n):
            ball = hermite_kernel(act, S[i][i], S[j][j], S[i][j], order, dps)
            with workprec(dps):
                r = arb_to_mpf(flint.arb(ball.rad()))
            V[i, j] = V[j, i] = arb_to_mpf(ball)
            radius = max(radius, r)
    details = {"hermite_order": order, "hermite_dps": dps,
               "hermite_cutoff": max(x.cutoff for x in series.values()),
               "hermite_seconds": round(sum(x.seconds for x in series.values()), 3),
               "hermite_tail_T": mpmath.nstr(max(arb_to_mpf(flint.arb(x.tail))
                                                 for x in series.values()), 3)}
    return V, radius, details
