"""Closed-form kernels against independent routes.

Homogeneous activations (degree k = 1 or 0): polar coordinates, ``g = r u(theta)``,
``z = L g`` with ``L L^T = S``: the radial integral is exact,
``int_0^oo r^(2k+1) exp(-r^2/2) dr = 2^k k!``, and the angular integral
``(2^k k! / 2 pi) int_0^(2 pi) phi(l_i.u) phi(l_j.u) dtheta`` is done by tanh-sinh
quadrature at 30 digits, split at the kinks ``l_i.u = 0``, ``l_j.u = 0``.  Nothing
of the closed form is used.  erf: Price's theorem reduces the kernel to a 1-D
integral that SymPy evaluates symbolically, and a plain 2-D Gauss quadrature
cross-checks it numerically.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

from theory.activations import get_activation
from theory.kernels import correlation_kernel, erf_kernel, kernel, kernel_diagonal

HOMOGENEOUS = ["identity", "relu", "leaky_relu(1/5)", "abs", "step", "sign"]


def _random_blocks(count: int, seed: int) -> list[tuple[sp.Rational, sp.Rational, sp.Rational]]:
    rng = random.Random(seed)
    blocks = []
    for _ in range(count):
        Sii = sp.Rational(rng.randint(1, 400), 100)
        Sjj = sp.Rational(rng.randint(1, 400), 100)
        c = sp.Rational(rng.randint(-95, 95), 100)
        blocks.append((Sii, Sjj, c * sp.sqrt(Sii * Sjj)))
    return blocks


def _polar_expectation(phi, degree: int, Sii, Sjj, Sij) -> mpmath.mpf:
    Sii, Sjj, Sij = (mpmath.mpf(sp.N(x, 40)) for x in (Sii, Sjj, Sij))
    # Cholesky of the 2x2 block.
    l11 = mpmath.sqrt(Sii)
    l21 = Sij / l11
    l22 = mpmath.sqrt(max(Sjj - l21**2, mpmath.mpf(0)))  # 0 on an exactly degenerate block
    li = (l11, mpmath.mpf(0))
    lj = (l21, l22)

    def h(theta):
        u = (mpmath.cos(theta), mpmath.sin(theta))
        return phi(li[0] * u[0] + li[1] * u[1]) * phi(lj[0] * u[0] + lj[1] * u[1])

    kinks = set()
    for l in (li, lj):
        base = mpmath.atan2(-l[0], l[1]) if l != (0, 0) else mpmath.mpf(0)
        for shift in (0, mpmath.pi, 2 * mpmath.pi, -mpmath.pi):
            t = base + shift
            if 0 < t < 2 * mpmath.pi:
                kinks.add(t)
    points = [mpmath.mpf(0)] + sorted(kinks) + [2 * mpmath.pi]
    radial = mpmath.mpf(2) ** degree * mpmath.factorial(degree)
    return radial / (2 * mpmath.pi) * mpmath.quad(h, points)


def _mp_phi(name: str):
    act = get_activation(name)
    # Slopes are exact rationals; convert them at the working precision of each call.
    (pa, qa), (pb, qb) = (sp.fraction(sp.Rational(x)) for x in act.slopes)

    def slopes():
        return mpmath.mpf(int(pa)) / int(qa), mpmath.mpf(int(pb)) / int(qb)

    if act.degree == 1:
        def phi1(x):
            a, b = slopes()
            return b * x if x > 0 else a * x

        return phi1, 1

    def phi0(x):
        a, b = slopes()
        return b if x > 0 else (a if x < 0 else mpmath.mpf(0))

    return phi0, 0


@pytest.mark.parametrize("name", HOMOGENEOUS)
def test_homogeneous_kernels_match_polar_quadrature(name: str) -> None:
    phi, degree = _mp_phi(name)
    with mpmath.workdps(30):
        for Sii, Sjj, Sij in _random_blocks(4, seed=hash(name) % 1000):
            expected = _polar_expectation(phi, degree, Sii, Sjj, Sij)
            got = mpmath.mpf(sp.N(kernel(name, Sii, Sjj, Sij), 40))
            assert abs(got - expected) < mpmath.mpf("1e-20"), (name, Sii, Sjj, Sij)


@pytest.mark.parametrize("name", HOMOGENEOUS)
def test_diagonal_kernels_by_symbolic_integration(name: str) -> None:
    """E[phi(z)^2], z ~ N(0, S), integrated by SymPy on each half-line."""
    act = get_activation(name)
    a, b = act.slopes
    x = sp.Symbol("x", real=True)
    S = sp.Symbol("S", positive=True)
    density = sp.exp(-(x**2) / (2 * S)) / sp.sqrt(2 * sp.pi * S)
    if act.degree == 1:
        neg, pos = (a * x) ** 2, (b * x) ** 2
    else:
        neg, pos = a**2, b**2
    value = sp.integrate(neg * density, (x, -sp.oo, 0)) + sp.integrate(pos * density, (x, 0, sp.oo))
    assert sp.simplify(value - kernel_diagonal(name, S)) == 0


def test_relu_kernel_is_cho_saul_arccosine() -> None:
    """Literature: Cho and Saul (2009), arc-cosine kernel of degree 1 (docs/theory.md)."""
    c = sp.Symbol("c")
    t = sp.acos(c)
    literature = (sp.sin(t) + (sp.pi - t) * sp.cos(t)) / (2 * sp.pi)
    assert sp.simplify(correlation_kernel("relu", c) - literature) == 0


def test_identity_kernel_is_covariance() -> None:
    Sii, Sjj = sp.symbols("S_ii S_jj", positive=True)
    c = sp.Symbol("c", real=True)
    expr = kernel("identity", Sii, Sjj, c * sp.sqrt(Sii) * sp.sqrt(Sjj))
    assert sp.simplify(expr - c * sp.sqrt(Sii) * sp.sqrt(Sjj)) == 0


def test_erf_kernel_by_price_theorem_symbolically() -> None:
    """Price: dV/dS_ij = E[erf'(z_i) erf'(z_j)] = (4/pi) E[exp(-z_i^2 - z_j^2)]
    = (4/pi) det(I + 2S)^(-1/2), and V = 0 at S_ij = 0 (erf is odd); so the closed
    form is right iff its S_ij-derivative is that and it vanishes at 0 (checked
    symbolically; the Gaussian factor is checked in the next test)."""
    Sii, Sjj = sp.symbols("S_ii S_jj", positive=True)
    x = sp.Symbol("x", real=True)
    price = 4 / sp.pi / sp.sqrt((1 + 2 * Sii) * (1 + 2 * Sjj) - 4 * x**2)
    closed = erf_kernel(Sii, Sjj, x)
    assert closed.subs(x, 0) == 0
    difference = sp.diff(closed, x) - price
    for point in ({Sii: sp.Rational(1, 3), Sjj: 2, x: sp.Rational(1, 5)},
                  {Sii: 3, Sjj: sp.Rational(1, 2), x: -1}):
        assert abs(sp.N(difference.subs(point), 40)) < 1e-35
    assert sp.simplify(sp.radsimp(difference)) == 0


def test_erf_gaussian_factor_by_direct_integration() -> None:
    """The Gaussian integral used above, E[exp(-z^2)] = (1 + 2 s)^(-1/2), by SymPy."""
    z = sp.Symbol("z", real=True)
    s = sp.Symbol("s", positive=True)
    density = sp.exp(-(z**2) / (2 * s)) / sp.sqrt(2 * sp.pi * s)
    value = sp.integrate(sp.exp(-(z**2)) * density, (z, -sp.oo, sp.oo))
    assert sp.simplify(value - 1 / sp.sqrt(1 + 2 * s)) == 0


def test_erf_kernel_matches_2d_quadrature() -> None:
    """Plain 2-D Gauss-Legendre on a truncated box (erf is smooth) at 30 digits."""
    with mpmath.workdps(30):
        for Sii, Sjj, Sij in _random_blocks(1, seed=7):
            si, sj, sij = (mpmath.mpf(sp.N(v, 40)) for v in (Sii, Sjj, Sij))
            l11 = mpmath.sqrt(si)
            l21 = sij / l11
            l22 = mpmath.sqrt(sj - l21**2)

            def f(g1, g2, l11=l11, l21=l21, l22=l22):
                w = mpmath.exp(-(g1**2 + g2**2) / 2) / (2 * mpmath.pi)
                return mpmath.erf(l11 * g1) * mpmath.erf(l21 * g1 + l22 * g2) * w

            L = 12  # exp(-72) ~ 1e-32: the tails are below the tolerance
            expected = mpmath.quad(f, mpmath.linspace(-L, L, 5), mpmath.linspace(-L, L, 5),
                                   method="gauss-legendre")
            got = mpmath.mpf(sp.N(erf_kernel(Sii, Sjj, Sij), 40))
            assert abs(got - expected) < mpmath.mpf("1e-20")
