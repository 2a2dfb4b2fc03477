"""The mean-field map at any precision (numerics.maps.precise), against independent routes.

Each test names its independent route in its docstring.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics.arith import MPMATH
from numerics.kernels import closed_form_kernel
from numerics.maps.precise import map_method, mean_field_map, shape_map
from numerics.precision import working_precision
from theory.activations import get_activation
from theory.errors import GramError, InvalidInputError, PrecisionError
from theory.kernels import kernel, kernel_diagonal


def _sym(n: int, rho: float) -> list[list[float]]:
    return [[1.0 if i == j else rho for j in range(n)] for i in range(n)]


def _random_gram(n: int, seed: int) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n + 2, n))
    return X.T @ X / (n + 2)


def _maxdiff(A: mpmath.matrix, B: mpmath.matrix) -> mpmath.mpf:
    """``max |A_ij - B_ij|`` computed at 100 digits (no rounding of the operands)."""
    with mpmath.workdps(100):
        return max(abs(A[i, j] - B[i, j]) for i in range(A.rows) for j in range(A.cols))


def test_method_choice():
    assert map_method("nl", "relu") == "closed-form"
    assert map_method("nl", "tanh") == "gaussian-quadrature"
    assert map_method("rs", "relu") == "rs-integral"
    assert map_method("rc,rs", "tanh") == "rs-integral"  # no NL: phi is the identity
    assert map_method("rs,nl", "sign") == "closed-form"
    assert map_method("rs,nl", "erf") == "rqmc"


def test_identity_layer_is_sigma_w2_G_exactly():
    """Route: definition (no component: F = sigma_w^2 G), decimal input kept exact."""
    G = [["1", "0.1"], ["0.1", "3"]]
    r = mean_field_map(G, "none", sigma_w2="2.5", dps=40)
    with mpmath.workdps(60):
        assert r.F[0, 1] == mpmath.mpf(1) / 4 and r.F[1, 1] == mpmath.mpf("7.5")
    assert r.method == "closed-form" and r.error_bound < mpmath.mpf(10) ** -40


def test_relu_at_correlation_zero():
    """Route: arc-cosine kernel at t = pi/2 gives 1/(2 pi); the diagonal is 1/2."""
    r = mean_field_map(np.eye(3), "nl", "relu", dps=50)
    with working_precision(50):
        assert abs(r.F[0, 1] - 1 / (2 * mpmath.pi)) < mpmath.mpf(10) ** -50
        assert abs(r.F[2, 2] - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -50
    assert r.error_bound < mpmath.mpf(10) ** -45


@pytest.mark.parametrize("name", ["relu", "identity", "abs", "leaky_relu(1/5)", "step", "sign",
                                  "erf"])
def test_stable_evaluators_equal_theory_kernels(name):
    """Route: sympy.lambdify of theory.kernels at 50 digits vs numerics.kernels (atan2)."""
    act = get_activation(name)
    Sii, Sjj, Sij = sp.symbols("a b c")
    f = sp.lambdify((Sii, Sjj, Sij), kernel(act, Sii, Sjj, Sij), modules="mpmath")
    g = sp.lambdify(Sii, kernel_diagonal(act, Sii), modules="mpmath")
    numeric = closed_form_kernel(act)
    rng = np.random.default_rng(1)
    with mpmath.workdps(50):
        for _ in range(20):
            a, b = mpmath.mpf(rng.uniform(0.1, 3)), mpmath.mpf(rng.uniform(0.1, 3))
            c = mpmath.mpf(rng.uniform(-0.99, 0.99)) * mpmath.sqrt(a * b)
            mine = numeric.pair(MPMATH, a, b, c, grad=False)[0]
            assert abs(mine - f(a, b, c)) < mpmath.mpf(10) ** -45
            assert abs(numeric.diag(MPMATH, a)[0] - g(a)) < mpmath.mpf(10) ** -45


def test_relu_kernel_exact_at_identical_points():
    """Route: identical points have correlation exactly 1: F_01 = F_00 with no lost digits."""
    G = [[1, 1, 0.2], [1, 1, 0.2], [0.2, 0.2, 1]]
    r = mean_field_map(G, "nl", "step", dps=40)
    assert r.F[0, 1] == r.F[0, 0]


def test_rc_rs_identity_on_symmetric_family_is_n_over_n_minus_1_P():
    r"""Route: after RC, S = c P and y = P h has |y|^2 ~ c chi^2_{n-1} independent of
    y/|y|, uniform on the sphere of range(P): E[y y^T n / |y|^2] = n P / (n - 1)."""
    n = 5
    r = mean_field_map(_sym(n, 0.3), "rc,rs", dps=30)
    with working_precision(30):
        P = mpmath.eye(n) - mpmath.ones(n, n) / n
        expected = P * (mpmath.mpf(n) / (n - 1))
        assert _maxdiff(r.F, expected) < mpmath.mpf(10) ** -30
        assert r.error_bound < mpmath.mpf(10) ** -29
        assert _maxdiff(r.F_hat, expected) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("layer, act", [("rs", "identity"), ("rs,nl", "relu"),
                                        ("rc,rs,nl", "relu"), ("rc,rs,nl", "abs")])
def test_rs_on_symmetric_family_stays_symmetric(layer, act):
    """Route: permutation symmetry: F_hat of a symmetric G is symmetric (equal diagonal,
    equal off-diagonal entries), and tr F_hat = n."""
    n = 4
    r = shape_map(_sym(n, 0.4), layer, act, dps=20)
    with working_precision(20):
        tol = 100 * r.error_bound_hat
        diag = [r.F_hat[i, i] for i in range(n)]
        off = [r.F_hat[i, j] for i in range(n) for j in range(n) if i != j]
        assert max(diag) - min(diag) <= tol and max(off) - min(off) <= tol
        assert abs(sum(diag) - n) <= tol


def test_rs_identity_without_rc_has_trace_n():
    """Route: without NL, tr F = n E[|y|^2 / |y|^2] = n exactly."""
    r = mean_field_map(_random_gram(4, 3), "rs", dps=30)
    with working_precision(30):
        assert abs(sum(r.F[i, i] for i in range(4)) - 4) < mpmath.mpf(10) ** -29


def test_rs_relu_against_monte_carlo():
    r"""Route: plain Monte Carlo of E[psi psi^T] with N = 4e5 samples; the tolerance is 6
    standard errors (sample std / sqrt N) per entry, a false alarm probability ~2e-9."""
    G = _random_gram(4, 7)
    r = mean_field_map(G, "rc,rs,nl", "relu", dps=20)
    rng = np.random.default_rng(11)
    h = rng.standard_normal((400_000, 4)) @ np.linalg.cholesky(G).T
    y = h - h.mean(axis=1, keepdims=True)
    y = y * np.sqrt(4 / np.sum(y * y, axis=1, keepdims=True))
    v = np.maximum(y, 0)
    samples = v[:, :, None] * v[:, None, :]
    mean, se = samples.mean(axis=0), samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(r.F_float() - mean) <= 6 * se + 1e-12)


def test_rs_integral_precision_consistency():
    """Route: the same map at 25 and 50 digits agree within the stated 25-digit bound."""
    G = _random_gram(3, 5)
    low = mean_field_map(G, "rs,nl", "leaky_relu(1/10)", dps=25)
    high = mean_field_map(G, "rs,nl", "leaky_relu(1/10)", dps=50)
    with working_precision(50):
        assert _maxdiff(low.F, high.F) <= low.error_bound
        assert low.error_bound < mpmath.mpf(10) ** -25


def test_rs_with_duplicate_and_zero_points():
    """Route: duplicates give equal rows (exact rank handling), a zero point gives a zero row."""
    G = [[1, 1, 0.3, 0], [1, 1, 0.3, 0], [0.3, 0.3, 2, 0], [0, 0, 0, 0]]
    r = mean_field_map(G, "rs,nl", "relu", dps=30)
    assert r.F[0, 1] == r.F[0, 0] == r.F[1, 1]
    assert all(r.F[3, j] == 0 for j in range(4))
    assert r.details["rank_S"] == 2


@pytest.mark.parametrize("act", ["step", "sign"])
@pytest.mark.parametrize("rc", [False, True])
def test_degree_zero_with_rs_equals_plain_map(act, rc):
    """Route: docs/theory.md: phi(c y) = phi(y) for c > 0, so RS changes nothing."""
    G = _random_gram(4, 2)
    pre = "rc," if rc else ""
    a = mean_field_map(G, pre + "rs,nl", act, dps=30)
    b = mean_field_map(G, pre + "nl", act, dps=30)
    assert _maxdiff(a.F, b.F) == 0


def test_erf_closed_form_against_gaussian_quadrature():
    """Route: the arcsine kernel vs the 2-D Gaussian trapezoid on the user expression erf(x)."""
    G = _random_gram(3, 4)
    closed = mean_field_map(G, "rc,nl", "erf", dps=15)
    numeric = mean_field_map(G, "rc,nl", "erf(x)", dps=15)
    assert numeric.method == "gaussian-quadrature" and closed.method == "closed-form"
    with working_precision(15):
        assert _maxdiff(closed.F, numeric.F) <= numeric.error_bound + closed.error_bound
        assert numeric.error_bound < mpmath.mpf(10) ** -15


def test_tanh_gaussian_quadrature_against_mpmath_quad():
    """Route: a 1-D diagonal entry E[tanh(z)^2] by mpmath.quad (tanh-sinh on the real line)."""
    r = mean_field_map([[2, 0.5], [0.5, 1]], "nl", "tanh", dps=15)
    with mpmath.workdps(30):
        ref = mpmath.quad(lambda x: mpmath.tanh(mpmath.sqrt(2) * x) ** 2 * mpmath.npdf(x),
                          [-mpmath.inf, -3, 0, 3, mpmath.inf])
        assert abs(r.F[0, 0] - ref) < mpmath.mpf(10) ** -15


def test_rqmc_against_monte_carlo():
    """Route: RS + tanh by RQMC vs plain Monte Carlo, |difference| within the RQMC bar plus
    6 Monte Carlo standard errors."""
    G = _random_gram(3, 9)
    r = mean_field_map(G, "rs,nl", "tanh", dps=15)
    assert r.method == "rqmc" and r.precision == "float64" and r.error_kind == "statistical"
    rng = np.random.default_rng(5)
    h = rng.standard_normal((200_000, 3)) @ np.linalg.cholesky(G).T
    v = np.tanh(h * np.sqrt(3 / np.sum(h * h, axis=1, keepdims=True)))
    s = v[:, :, None] * v[:, None, :]
    mean, se = s.mean(axis=0), s.std(axis=0) / np.sqrt(len(s))
    assert np.all(np.abs(r.F_float() - mean) <= float(r.error_bound) + 6 * se)
    assert r.to_json()["precision"] == "float64"


def test_zero_covariance_errors():
    """RS on a zero covariance is undefined; F_hat with tr F = 0 is undefined."""
    with pytest.raises(GramError, match="rescaling undefined"):
        mean_field_map([[0, 0], [0, 0]], "rs", dps=20)
    with pytest.raises(GramError, match="rescaling undefined"):
        mean_field_map([[2, 2], [2, 2]], "rc,rs,nl", "relu", dps=20)
    with pytest.raises(GramError, match="shape map undefined"):
        mean_field_map([[0, 0], [0, 0]], "nl", "relu", dps=20)
    F_only = mean_field_map([[0, 0], [0, 0]], "nl", "relu", dps=20, shape=False)
    assert F_only.F_hat is None and F_only.F[0, 0] == 0


def test_bad_parameters():
    with pytest.raises(PrecisionError):
        mean_field_map(np.eye(2), "nl", dps=10)
    with pytest.raises(InvalidInputError):
        mean_field_map(np.eye(2), "nl", sigma_w2=0)


def test_json_entries_carry_requested_digits():
    r = mean_field_map(np.eye(2) + 0.5, "nl", "relu", dps=25)
    data = r.to_json()
    digits = data["F"][0][1].replace(".", "").replace("-", "").lstrip("0")
    assert len(digits) == 25
    assert set(data) >= {"F", "F_hat", "dps", "error_bound", "method"}
    assert "closed-form" in r.to_text()


def test_rs_integral_keeps_rc_row_sums_on_an_ill_conditioned_covariance() -> None:
    # Thorough property run (seed 4): S = P G P with Schur pivots 3 and ~1e-8 lost 8 digits
    # in the range factor, so F 1 (exactly 0 under RC) was 5e-23 against a stated bound
    # of 3e-27 at dps 20.  Expected value: F 1 = 0 (RC), independent of the map.
    G = [[0.0] * 5 for _ in range(5)]
    G[0][0], G[0][4], G[4][0], G[4][4] = 1e-8, -1.73148010e-04, -1.73148010e-04, 2.99802334
    res = mean_field_map(G, "rc,rs", "identity", dps=20, shape=False)
    with mpmath.workdps(50):
        worst = max(abs(mpmath.fsum(res.F[i, j] for j in range(5))) for i in range(5))
    assert worst <= 5 * res.error_bound


def test_hermite_method_agrees_with_quadrature_and_closed_form():
    """Independent routes: the trapezoidal ``gaussian-quadrature`` (tanh) and the
    closed form (erf) agree with the certified ``hermite`` map within its bound."""
    G = [["1", "1/2", "1/5"], ["1/2", "3/2", "-3/10"], ["1/5", "-3/10", "4/5"]]
    for act, other in (("tanh", None), ("erf", None)):
        cert = mean_field_map(G, "nl", act, method="hermite", dps=15, shape=False)
        ref = mean_field_map(G, "nl", act, dps=15, shape=False, method=other)
        assert cert.method == "hermite" and cert.error_kind == "certified"
        assert cert.error_bound < mpmath.mpf("1e-20")
        assert _maxdiff(cert.F, ref.F) <= cert.error_bound + ref.error_bound
    with pytest.raises(InvalidInputError, match="does not apply"):
        mean_field_map(G, "rs,nl", "tanh", method="hermite")
    with pytest.raises(InvalidInputError, match="must be one of"):
        mean_field_map(G, "nl", "tanh", method="simpson")
