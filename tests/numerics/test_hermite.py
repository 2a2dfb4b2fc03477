"""The certified Hermite (Mehler) kernels against the closed forms and an independent quadrature."""

from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import mpmath
import pytest
import sympy as sp

from numerics.arith import ARB, flint, workprec
from numerics.balls import kinks, polynomial_envelope, real_value
from numerics.hermite import (
    CRAMER_CONSTANT,
    gaussian_tail,
    hermite_coefficients,
    hermite_kernel,
)
from numerics.kernels import closed_form_kernel
from theory.activations import X, get_activation
from theory.errors import NotEnclosableError

K, DPS = 60, 30

#: (s1, s2, s12): unit and unequal variances, correlations up to 0.9 in absolute value.
POINTS = [(F(1), F(1), F(1, 2)), (F(1), F(1), F(9, 10)), (F(1), F(1), F(-9, 10)),
          (F(1, 2), F(2), F(3, 5)), (F(1, 2), F(2), F(-1, 5)), (F(2), F(2), F(2))]


def closed_form(name: str, s1: F, s2: F, s12: F):
    kernel = closed_form_kernel(get_activation(name))
    with workprec(DPS):
        a = [ARB.const(x) for x in (s1, s2, s12)]
        if s1 == s2 == s12:
            return kernel.diag(ARB, a[0])[0]
        return kernel.pair(ARB, *a, grad=False)[0]


def rho_of(s1: F, s2: F, s12: F) -> float:
    return float(s12) / (float(s1) * float(s2)) ** 0.5


@pytest.mark.parametrize("name", ["erf", "relu"])
@pytest.mark.parametrize("point", POINTS)
def test_hermite_agrees_with_closed_form(name, point):
    ball = hermite_kernel(name, *point, order=K, dps=DPS)
    exact = closed_form(name, *point)
    assert ball.overlaps(exact)
    radius = float(ball.rad())
    rho = abs(rho_of(*point))
    # the measured bounds: erf < 1e-10 up to |rho| = 0.9; ReLU's coefficients decay only
    # like k^(-5/4), so its bound is < 1e-10 up to |rho| = 0.6 and < 1e-6 at 0.9
    if name == "erf" or rho <= 0.6:
        assert radius < 1e-10
    else:
        assert radius < 1e-6


def mpmath_pair_moment(s1: F, s2: F, s12: F, dps: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``E[tanh(x) tanh(y)]`` by nested ``mpmath.quad`` (Gauss-Legendre on ``[-14, 14]``,
    split where the Gaussian weight changes scale; the dropped tails are below
    ``exp(-98)``), independent of the Hermite route: ``(value, error estimate)``."""
    with mpmath.workdps(dps):
        a = mpmath.sqrt(mpmath.mpf(s1.numerator) / s1.denominator)
        b = mpmath.mpf(s12.numerator) / s12.denominator / a  # y = b u + c w
        c = mpmath.sqrt(mpmath.mpf(s2.numerator) / s2.denominator - b * b)
        g = 1 / mpmath.sqrt(2 * mpmath.pi)
        pts = [-14, -7, -3, 0, 3, 7, 14]
        errors = []

        def inner(u):
            v, e = mpmath.quad(lambda w: g * mpmath.exp(-w * w / 2) * mpmath.tanh(b * u + c * w),
                               pts, method="gauss-legendre", error=True)
            errors.append(e)
            return v

        value, error = mpmath.quad(lambda u: g * mpmath.exp(-u * u / 2) * mpmath.tanh(a * u)
                                   * inner(u), pts, method="gauss-legendre", error=True)
        return value, error + max(errors) + mpmath.mpf(10) ** (-dps + 2)


def check_tanh_against_quadrature(points, dps):
    for s1, s2, s12 in points:
        ball = hermite_kernel("tanh", s1, s2, s12, order=K, dps=DPS)
        value, error = mpmath_pair_moment(s1, s2, s12, dps)
        with workprec(DPS):
            reference = flint.arb(mpmath.nstr(value, dps + 2), mpmath.nstr(error, 5))
            assert ball.overlaps(reference), (ball, value, error)
        assert float(ball.rad()) < 1e-10


def test_tanh_encloses_independent_quadrature():
    """20-digit nested quadrature (about 10-30 s)."""
    check_tanh_against_quadrature([(F(1), F(1), F(1, 2))], 20)


@pytest.mark.slow
def test_tanh_encloses_independent_quadrature_30_digits():
    check_tanh_against_quadrature([(F(1), F(1), F(1, 2)), (F(1, 2), F(2), F(-3, 5))], 30)


@pytest.mark.parametrize("name,k", [("erf", 3), ("relu", 2)])
def test_wrong_coefficient_is_caught(name, k):
    """Mutation: c_k + 1e-6 in one series makes the enclosure miss the closed form."""
    s1, s2, s12 = F(1), F(1), F(9, 10)
    a = hermite_coefficients(name, s1, K, DPS)
    b = hermite_coefficients(name, s2, K, DPS)
    with workprec(DPS):
        coeffs = list(a.coefficients)
        coeffs[k] = coeffs[k] + flint.arb("1e-6")
    wrong = dataclasses.replace(a, coefficients=tuple(coeffs))
    exact = closed_form(name, s1, s2, s12)
    assert hermite_kernel(name, s1, s2, s12, series=(a, b)).overlaps(exact)
    assert not hermite_kernel(name, s1, s2, s12, series=(wrong, b)).overlaps(exact)


def test_second_moment_and_parseval():
    series = hermite_coefficients("relu", 1, K, DPS)
    assert series.second_moment.overlaps(flint.arb(1) / 2)  # E[relu(z)^2] = 1/2
    assert float(series.tail.upper()) < 1e-3
    with workprec(DPS):
        assert series.coefficients[0].overlaps(1 / (2 * flint.arb.pi()).sqrt())
        assert series.coefficients[1].overlaps(flint.arb(1) / 2)


def test_zero_variance():
    series = hermite_coefficients("sigmoid", 0, 4, DPS)
    assert series.coefficients[0].overlaps(flint.arb(1) / 2)
    assert all(c == 0 for c in series.coefficients[1:])


def test_cramer_inequality_on_a_grid():
    """|He_k(x)| exp(-x^2/4) <= C sqrt(k!) (A&S 22.14.17), sampled for k <= 60."""
    with mpmath.workdps(30):
        for k in range(0, K + 1, 3):
            bound = float(CRAMER_CONSTANT) * mpmath.sqrt(mpmath.factorial(k))
            for i in range(-400, 401):
                x = mpmath.mpf(i) / 20
                value = abs(mpmath.hermite(k, x / mpmath.sqrt(2))) / mpmath.sqrt(2) ** k
                assert value * mpmath.exp(-x * x / 4) <= bound


def test_gaussian_tail_recursion():
    with mpmath.workdps(30):
        for j in range(6):
            ref = mpmath.quad(lambda x, j=j: x ** j * mpmath.exp(-x * x / 4), [3, mpmath.inf])
            with workprec(DPS):
                assert gaussian_tail(j, flint.arb(1) / 4, 3).overlaps(
                    flint.arb(mpmath.nstr(ref, 28), "1e-25"))


def test_envelopes_kinks_and_refusals():
    with workprec(DPS):
        assert [float(p) for p in polynomial_envelope(get_activation("silu").expr, X)] == [0, 1]
        assert [float(p) for p in polynomial_envelope(get_activation("sigmoid").expr, X)] == [1]
        assert kinks(get_activation("elu").expr, X) == [0]
        assert kinks(sp.Abs(X - 1) + sp.Max(X, -2), X) == [-2, 1]
        assert real_value(get_activation("relu").expr, X, flint.arb(0)) == 0
        with pytest.raises(NotEnclosableError):
            polynomial_envelope(sp.exp(X), X)
    with pytest.raises(NotEnclosableError):
        hermite_coefficients("x*tan(x)", 1, 4)


def test_activations_without_closed_form():
    """Every built-in activation without a closed form gets a finite enclosure."""
    for name in ["tanh", "gelu", "silu", "sigmoid", "softplus", "elu", "selu", "celu"]:
        ball = hermite_kernel(name, 1, 1, F(1, 2), order=20, dps=20)
        assert ball.is_finite() and float(ball.rad()) < 1e-4, (name, ball)
