"""Every reported error of the numeric map routes contains the true error, or the call refuses.

Independent route: the Gaussian expectations below are evaluated in closed form.  For
``(x, y) ~ N(0, Sigma)``, ``Sigma = [[s, c], [c, t]]``, and ``q_+- = k^2 (s + t +- 2c) / 2``,

    E[cos(kx) cos(ky)] = (exp(-q_-) + exp(-q_+)) / 2,
    E[sin(kx) sin(ky)] = (exp(-q_-) - exp(-q_+)) / 2

(``cos a cos b = (cos(a-b) + cos(a+b)) / 2`` and ``E[cos(w^T z)] = exp(-w^T Sigma w / 2)``);
and with ``E[exp(-z^T A z / 2 + i w^T z)] = det(I + Sigma A)^(-1/2)
exp(-w^T (I + Sigma A)^(-1) Sigma w / 2)`` at ``A = 2 I``,

    E[exp(-x^2 - y^2) cos(kx) cos(ky)]
        = det(I + 2 Sigma)^(-1/2) (exp(-w_-^T M w_- / 2) + exp(-w_+^T M w_+ / 2)) / 2,

``M = (I + 2 Sigma)^(-1) Sigma``, ``w_+- = k (1, +-1)`` (valid for singular ``Sigma``: the
diagonal entries).  For RS without NL on ``n = 2``, ``F = E[psi psi^T] = 2 E[h h^T / |h|^2]
= 2 S^(1/2) / tr S^(1/2)`` (in the eigenbasis, ``E[l_1 u^2 / (l_1 u^2 + l_2 v^2)] =
sqrt(l_1) / (sqrt(l_1) + sqrt(l_2))``).
"""

from __future__ import annotations

import mpmath
import pytest

from numerics.maps.precise import BOUND_KINDS, mean_field_map
from theory.errors import InvalidInputError

GRAMS = {
    "unit-0.3": [[1, "0.3"], ["0.3", 1]],
    "mixed": [["2", "0.5"], ["0.5", "0.7"]],
    "three": [[1, "0.3", "-0.2"], ["0.3", "0.5", "0.1"], ["-0.2", "0.1", "1.5"]],
}


def _trig(kind: str, k: mpmath.mpf, s: mpmath.mpf, t: mpmath.mpf, c: mpmath.mpf) -> mpmath.mpf:
    q_minus = k * k * (s + t - 2 * c) / 2
    q_plus = k * k * (s + t + 2 * c) / 2
    sign = 1 if kind == "cos" else -1
    return (mpmath.exp(-q_minus) + sign * mpmath.exp(-q_plus)) / 2


def _damped_cos(k: mpmath.mpf, s: mpmath.mpf, t: mpmath.mpf, c: mpmath.mpf) -> mpmath.mpf:
    Sigma = mpmath.matrix([[s, c], [c, t]])
    B = mpmath.eye(2) + 2 * Sigma
    M = mpmath.inverse(B) * Sigma
    total = mpmath.mpf(0)
    for w in (mpmath.matrix([k, k]), mpmath.matrix([k, -k])):
        total += mpmath.exp(-(w.T * M * w)[0] / 2)
    return total / 2 / mpmath.sqrt(mpmath.det(B))


def _exact(activation: str, k: float, G: list) -> mpmath.matrix:
    n = len(G)
    k = mpmath.mpf(k)
    g = [[mpmath.mpf(x) for x in row] for row in G]
    E = mpmath.zeros(n, n)
    for i in range(n):
        for j in range(n):
            s, t, c = g[i][i], g[j][j], g[i][j]
            E[i, j] = (_damped_cos(k, s, t, c) if activation == "damped"
                       else _trig(activation, k, s, t, c))
    return E


def _expression(activation: str, k: float) -> str:
    kk = str(int(k)) if float(k).is_integer() else repr(k)
    return {"sin": f"sin({kk}*x)", "cos": f"cos({kk}*x)",
            "damped": f"exp(-x**2)*cos({kk}*x)"}[activation]


def _check(activation: str, k: float, gram: str) -> str:
    G = GRAMS[gram]
    try:
        res = mean_field_map(G, "nl", _expression(activation, k), dps=15, shape=False)
    except InvalidInputError as err:
        assert "oscillates faster than the quadrature resolves" in str(err)
        return "refused"
    assert res.method == "gaussian-quadrature" and res.error_kind == "estimate"
    with mpmath.workdps(40):
        exact = _exact(activation, k, G)
        n = len(G)
        worst = max(abs(res.F[i, j] - exact[i, j]) for i in range(n) for j in range(n))
        assert worst <= res.error_bound, (activation, k, gram, worst, res.error_bound)
    return "computed"


FAST = [1, 10]
SLOW = [100]
REFUSED = [1e3, 1e5, 1e6]


@pytest.mark.parametrize("k", FAST + [pytest.param(k, marks=pytest.mark.slow) for k in SLOW])
@pytest.mark.parametrize("activation", ["sin", "cos"])
def test_trig_resolved_error_contains_truth(activation: str, k: float) -> None:
    outcome = _check(activation, k, "unit-0.3")
    assert outcome == "computed" if k in FAST else outcome in ("computed", "refused")


@pytest.mark.parametrize("k", REFUSED)
@pytest.mark.parametrize("activation", ["sin", "cos", "damped"])
def test_fast_oscillation_refused(activation: str, k: float) -> None:
    # The reproduction of issue 20: sin(100000 x) gave F_00 = 0.4999999999999999999981
    # (true error 1.9e-20) with an "error bound" of 2e-37.
    assert _check(activation, k, "unit-0.3") == "refused"


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("gram", ["unit-0.3", "mixed"])
def test_damped_cosine_error_contains_truth(k: float, gram: str) -> None:
    assert _check("damped", k, gram) == "computed"


@pytest.mark.parametrize("activation", ["sin", "cos"])
def test_three_by_three_mixed_scales(activation: str) -> None:
    assert _check(activation, 3, "three") == "computed"


def test_k_one_is_computed() -> None:
    # a smooth activation is not refused by the oscillation detector
    assert _check("sin", 1, "mixed") == "computed"


def test_estimate_is_labelled_not_a_bound() -> None:
    res = mean_field_map(GRAMS["unit-0.3"], "nl", "tanh", dps=15)
    assert res.error_kind == "estimate" and res.error_kind not in BOUND_KINDS
    text = res.to_text()
    assert "estimate, not a bound" in text and "<=" not in text
    assert res.to_json()["error_kind"] == "estimate"


def test_rqmc_is_labelled_statistical() -> None:
    res = mean_field_map(GRAMS["unit-0.3"], "rs,nl", "tanh", dps=15,
                         rqmc_log2_points=8, rqmc_randomizations=8)
    assert res.error_kind == "statistical" and res.error_kind not in BOUND_KINDS
    assert "not a bound" in res.to_text()


@pytest.mark.parametrize("G", [
    [[1, "0.3"], ["0.3", 1]],
    [[3, 1], [1, "0.5"]],
    [[1, "0.999"], ["0.999", 1]],
    [[1, 0], [0, "1e-6"]],
])
def test_rs_integral_error_contains_truth(G: list) -> None:
    """The exp-sinh route (rs-integral, a bound-kind) against ``F = 2 S^(1/2) / tr S^(1/2)``."""
    res = mean_field_map(G, "rs", dps=30, shape=False)
    assert res.method == "rs-integral" and res.error_kind in BOUND_KINDS
    with mpmath.workdps(60):
        S = mpmath.matrix([[mpmath.mpf(x) for x in row] for row in G])
        root = mpmath.sqrtm(S)
        exact = 2 * root / (root[0, 0] + root[1, 1])
        worst = max(abs(res.F[i, j] - exact[i, j]) for i in range(2) for j in range(2))
    assert worst <= res.error_bound, (worst, res.error_bound)


def test_shifted_grid_widens_a_fooled_refinement() -> None:
    """Two equal coarse steps agree exactly (refinement difference 0) while both alias:
    at h = 1, E[cos(x)^2] = (1 + E[cos 2x]) / 2 is off by about exp(-(2 pi - 2)^2 / 2) ~ 1e-4.
    The shifted grid sees it and the estimate is widened to contain the true error."""
    G = GRAMS["unit-0.3"]
    res = mean_field_map(G, "nl", "cos(x)", dps=15, shape=False, gauss_steps=("1", "1"))
    assert any("widened" in note for note in res.notes)
    with mpmath.workdps(40):
        exact = _exact("cos", 1, G)
        worst = max(abs(res.F[i, j] - exact[i, j]) for i in range(2) for j in range(2))
    assert 1e-6 < worst <= res.error_bound
