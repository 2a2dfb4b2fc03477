"""Each claim's checks against independent values (closed forms, literature numbers)."""

import math

import numpy as np
import pytest
import sympy as sp

from proofs_check.claims import (
    Context,
    bn_gradient,
    get_claim,
    list_claims,
    relu_correlation,
    symmetric_fixed_point,
)
from theory.errors import UnknownNameError

QUICK = Context(quick=True, seed=0)


def test_registry_ids():
    assert set(list_claims()) >= {
        "cluster-odd-emerges", "simplified-model-explains", "cluster-odd-stable",
        "symmetric-fixed-point", "rs-orthogonalises", "bn-gradient-explosion",
        "relu-correlation-slow", "relu-rank-growth", "cluster-odd-invariant"}
    for cid in list_claims():
        c = get_claim(cid)
        assert c.id == cid and c.source and c.statement and c.precise
    with pytest.raises(UnknownNameError):
        get_claim("no-such-claim")


def test_relu_expansion_independent():
    # independent numeric check of the expansion 1 - k(1-e) = e - A e^(3/2) + O(e^2)
    d = relu_correlation.derive()
    A = 2 * math.sqrt(2) / (3 * math.pi)
    assert float(d["A"]) == pytest.approx(A, rel=1e-14)
    assert float(d["constant"]) == pytest.approx(9 * math.pi**2 / 2, rel=1e-14)
    import mpmath
    with mpmath.workdps(50):
        e = mpmath.mpf("1e-12")
        c = 1 - e
        k = (mpmath.sqrt(1 - c * c) + (mpmath.pi - mpmath.acos(c)) * c) / mpmath.pi
        assert abs((1 - k) - (e - A * e**1.5)) < 10 * e**2


def test_symmetric_closed_form_values():
    # rho* at n = 3: (sqrt 3 - acos(1/2)) / (2 pi) = (sqrt 3 - pi/3) / (2 pi)
    v = symmetric_fixed_point.expected_rho(sp.Integer(3))
    assert float(v) == pytest.approx((math.sqrt(3) - math.pi / 3) / (2 * math.pi), rel=1e-14)
    # n -> infinity: rho* -> 1/pi (the ReLU kernel of independent centred inputs)
    assert float(symmetric_fixed_point.expected_rho(sp.Integer(10**8))) == pytest.approx(
        1 / math.pi, rel=1e-6)


def test_bn_row_jacobian_matches_finite_difference():
    rng = np.random.default_rng(0)
    n = 5
    h = rng.standard_normal(n)

    def psi(x):
        v = x - x.mean()
        return np.maximum(math.sqrt(n) * v / np.linalg.norm(v), 0)

    J = bn_gradient.row_jacobians(h[None])[0]
    eps = 1e-6
    num = np.stack([(psi(h + eps * e) - psi(h - eps * e)) / (2 * eps) for e in np.eye(n)], 1)
    assert np.allclose(J, num, atol=1e-7)


def test_bn_limit_literature():
    # Yang et al. ICLR 2019: lambda -> pi/(pi-1) for ReLU as the batch size grows
    assert bn_gradient.LITERATURE == pytest.approx(1.4669, abs=1e-4)
    r = bn_gradient.growth_rate(32, 8000, np.random.default_rng(1))
    assert 1.46 < r["mean"] < 1.60  # 1/n corrections above the limit


@pytest.mark.parametrize("cid, verdict", [
    ("cluster-odd-stable", "regime-dependent"),
    ("cluster-odd-invariant", "confirmed"),
    ("symmetric-fixed-point", "confirmed"),
    ("relu-correlation-slow", "confirmed"),
    ("rs-orthogonalises", "confirmed"),
    ("simplified-model-explains", "refuted"),
])
def test_quick_verdicts(cid, verdict):
    res = get_claim(cid).evaluate(QUICK)
    assert res.verdict == verdict, res.to_text()


def test_cluster_odd_stable_eigenvalue_closed_form():
    res = get_claim("cluster-odd-stable").evaluate(QUICK)
    iv = next(c for c in res.checks if c.kind == "interval")
    for key, v in iv.evidence["by_n"].items():
        n = int(key[2:])
        lam = n * n / (n * n - 2 * n + 2)  # theory.spectrum closed form
        assert v["modulus_lower"] - 1e-12 <= lam <= v["modulus_upper"] + 1e-12
        assert v["stable"] is False
