"""Certified verdicts (python-flint balls).

Independent routes: the symbolic eigenvalue n^2/(n^2-2n+2) > 1 of theory.spectrum for
cluster+odd RC+ReLU (so stable must be false); for the symmetric RC+ReLU fixed point the
closed-form fixed point of theory.fixed_points and the symbolic spectrum of theory.spectrum
substituted at n decide the expected verdict.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from numerics.certify import certify
from theory.errors import NotClosedFormError, PrecisionError
from theory.families import get_family
from theory.fixed_points import closed_form_fixed_points
from theory.spectrum import spectrum

FAM = get_family("cluster-odd")


@pytest.mark.parametrize("n", [4, 6])
def test_cluster_odd_relu_certified_unstable(n: int) -> None:
    G = FAM.matrix({"a": sp.Rational(1, n - 1), "rho": 1, "b": n - 1, "gamma": 0}, n_value=n)
    cert = certify([[str(G[i, j]) for j in range(n)] for i in range(n)], [n - 1, 1],
                   FAM.cell_labels, "rc,nl", "relu", dps=30)
    assert cert.stable is False
    target = float(sp.Rational(n * n, n * n - 2 * n + 2))
    hits = [e for e in cert.eigenvalues if e.modulus[0] > 1]
    assert hits and all(abs(float(e.value.real.mid()) - target) < 1e-12 for e in hits)


@pytest.mark.slow
def test_symmetric_relu_verdict_matches_symbolic_spectrum() -> None:
    n = 5
    fam = get_family("symmetric")
    search = closed_form_fixed_points(fam, "rc,nl", "relu")
    fp = next(p for p in search.fixed_points if not p.degenerate)
    spec = spectrum(fp, "rc,nl", "relu")
    moduli = [abs(complex(sp.N(e.value.subs({sp.Symbol("n", integer=True, positive=True): n}),
                               30))) for e in spec.eigenvalues]
    expected = max(moduli) < 1
    rho = sp.N(fp.values[sp.Symbol("rho", real=True)].subs(
        {sp.Symbol("n", integer=True, positive=True): n}), 50)
    G = [["1" if i == j else str(rho) for j in range(n)] for i in range(n)]
    cert = certify(G, [n], ["batch"], "rc,nl", "relu", dps=30, radius=1e-45)
    assert cert.certified and cert.stable is expected


def test_enclosure_containing_one_gives_null() -> None:
    # Widen the fixed point's enclosure until the eigenvalue ball of modulus
    # n^2/(n^2-2n+2) = 1.047 (n = 22) contains 1; but a radius that big is rejected as
    # too wide: so build a case by scaling sigma_w2 for the linear RC layer (F_hat = P G P
    # normalised: eigenvalues 1 on directions inside range P).
    n = 3
    G = [["1", "-0.5", "-0.5"], ["-0.5", "1", "-0.5"], ["-0.5", "-0.5", "1"]]
    cert = certify(G, [n], ["batch"], "rc", "identity", dps=20, radius=1e-12)
    assert cert.stable is None


def test_wide_enclosure_raises_precision_error() -> None:
    G = [["1", "0.2", "0.2"], ["0.2", "1", "0.2"], ["0.2", "0.2", "1"]]
    with pytest.raises(PrecisionError):
        certify(G, [3], ["batch"], "nl", "relu", dps=30, radius=1e-4, max_width=1e-9)


def test_rs_relu_not_certifiable() -> None:
    with pytest.raises(NotClosedFormError):
        certify([["1", "0"], ["0", "1"]], [2], ["batch"], "rc,rs,nl", "relu")


def test_mpmath_untouched() -> None:
    before = mpmath.mp.dps
    certify([["1", "0.2"], ["0.2", "1"]], [2], ["batch"], "nl", "relu", dps=20)
    assert mpmath.mp.dps == before
