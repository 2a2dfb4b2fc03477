"""Certified verdicts (python-flint balls).

Independent routes: the symbolic eigenvalue n^2/(n^2-2n+2) > 1 of theory.spectrum for
cluster+odd RC+ReLU (so stable must be false); for the symmetric RC+ReLU fixed point the
closed-form fixed point of theory.fixed_points and the symbolic spectrum of theory.spectrum
substituted at n decide the expected verdict.  The cluster fallback (multiple / defective
eigenvalues) is checked on matrices S J S^-1 with a chosen Jordan form J (exact rationals)
and on the cluster + odd trivial block against n^2/(n^2-2n+2) and the double 0.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from flint import acb, acb_mat, arb

from numerics.arith import workprec
from numerics.fixed_points.search import find_fixed_points
from numerics.jacobian.certify import certify, enclose_clusters
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


# --- Cluster fallback (numerics.jacobian.certify.enclose_clusters): multiple / defective
# eigenvalues.
# Independent route: the matrices are built as A = S J S^-1 in exact rational arithmetic
# (sympy) from a chosen Jordan form J, so the spectrum with algebraic multiplicities is
# known by construction.  Expected size of a cluster: with noise eta (the rounding unit
# 2^-prec ~ 10^-(dps+5) at prec = 3.33 dps + 16 bits, or the entries' radius), a Jordan
# block of size m is enclosed in a disc of radius ~ C eta^(1/m) (the scaling delta ~ eta^(1/m)
# balances delta |T_ij| against eta / delta^(m-1)), so < 10^-(dps/4) at dps 30 for m <= 3.

def _ball_matrix(A: sp.Matrix, radius: str | None = None):
    def ball(x: sp.Rational):
        b = arb(int(x.p)) / int(x.q)
        return acb(b + arb(0, radius)) if radius else acb(b)

    return acb_mat([[ball(sp.Rational(A[i, j])) for j in range(A.cols)]
                    for i in range(A.rows)])


def _jordan(blocks: list[tuple[sp.Rational, int]]) -> sp.Matrix:
    return sp.diag(*[sp.Matrix(m, m, lambda i, j, lam=lam: lam if i == j else
                               (1 if j == i + 1 else 0)) for lam, m in blocks])


def _exact(x: sp.Rational):
    """A tight ball around the rational ``x`` (100 digits, whatever the caller's precision)."""
    with workprec(100):
        return acb(arb(int(x.p)) / int(x.q))


def _check_clusters(encs, spectrum: dict, dps: int, bound: float) -> None:
    """Every exact eigenvalue lies in exactly one enclosure, whose count is the sum of the
    algebraic multiplicities it holds; counts sum to the size; enclosures are disjoint."""
    assert encs is not None
    assert sum(e.count for e in encs) == sum(spectrum.values())
    for e in encs:
        inside = [lam for lam in spectrum if e.value.contains(_exact(lam))]
        assert inside, f"enclosure {e.value} holds no exact eigenvalue"
        assert e.count == sum(spectrum[lam] for lam in inside)
        assert float(e.radius) < bound
        for lam in inside:
            with workprec(100):
                mod = abs(_exact(lam))
                assert e.modulus[0] <= mod.lower() and mod.upper() <= e.modulus[1]
    for i, a in enumerate(encs):
        for b in encs[i + 1:]:
            assert not a.value.overlaps(b.value)


S4 = sp.Matrix([[1, 2, 0, 1], [0, 1, 3, -1], [2, 0, 1, 1], [1, 1, 1, 3]])
S3 = sp.Matrix([[1, 1, 0], [0, 1, 2], [3, 0, 1]])


@pytest.mark.parametrize("radius", [None, "1e-25"])
def test_clusters_jordan2_plus_simple(radius: str | None) -> None:
    dps = 30
    third = sp.Rational(1, 3)
    J = _jordan([(sp.Integer(0), 2), (sp.Integer(2), 1), (third, 1)])
    A = S4 * J * S4.inv()
    with workprec(dps):
        encs = enclose_clusters(_ball_matrix(A, radius))
    _check_clusters(encs, {sp.Integer(0): 2, sp.Integer(2): 1, third: 1}, dps,
                    10.0 ** (-dps / 4))
    assert sorted(e.count for e in encs) == [1, 1, 2]


def test_clusters_jordan3() -> None:
    dps = 30
    half = sp.Rational(1, 2)
    A = S3 * _jordan([(half, 3)]) * S3.inv()
    with workprec(dps):
        encs = enclose_clusters(_ball_matrix(A))
    _check_clusters(encs, {half: 3}, dps, 10.0 ** (-dps / 4))
    # J3(1/2) + [-1], conjugated: the two clusters separate
    A = S4 * _jordan([(half, 3), (sp.Integer(-1), 1)]) * S4.inv()
    with workprec(dps):
        encs = enclose_clusters(_ball_matrix(A))
    _check_clusters(encs, {half: 3, sp.Integer(-1): 1}, dps, 10.0 ** (-dps / 4))


def test_clusters_semisimple_double_is_tight() -> None:
    # A semisimple double eigenvalue has no Jordan part to shrink: the disc is of the
    # order of the entries' radius (1e-30), not its square root.
    A = S3 * sp.diag(sp.Rational(-2, 3), sp.Rational(-2, 3), 3) * S3.inv()
    with workprec(30):
        encs = enclose_clusters(_ball_matrix(A, "1e-30"))
    _check_clusters(encs, {sp.Rational(-2, 3): 2, sp.Integer(3): 1}, 30, 1e-25)


def test_clusters_unseparated_still_rigorous() -> None:
    # Entries +/- 0.1 around the Jordan block J2(0): no scaling separates the two
    # eigenvalues (the ball contains [[0, 1], [0.01, 0]], eigenvalues +/- 0.1); one
    # enclosure of count 2 must contain both, for every matrix of the ball.
    with workprec(20):
        M = acb_mat([[acb(arb(x, "0.1")) for x in row] for row in [[0, 1], [0, 0]]])
        (enc,) = enclose_clusters(M)
        assert enc.count == 2
        for lam in ("0.1", "-0.1", "0"):
            assert enc.value.contains(acb(arb(lam)))


@pytest.mark.parametrize("n", [4, 5, 8])
def test_cluster_odd_fixed_point_trivial_block_certified(n: int) -> None:
    # theory: the trivial block at the cluster + odd RC+ReLU point has the simple eigenvalue
    # n^2/(n^2-2n+2) > 1 and a double 0.  From ball entries arb usually cannot isolate the
    # double 0 (n = 4, 5 at 30 digits); the cluster fallback then encloses it with count 2.
    # Either way all three must be enclosed, each enclosure holding its exact value.
    search = find_fixed_points("cluster-odd", n, "rc,nl", "relu")
    fp = next(p for p in search.fixed_points if p.degenerate)
    cert = certify(fp.gram, fp.sizes, fp.labels, "rc,nl", "relu", dps=30, radius=fp.radius)
    assert cert.certified is True and cert.stable is False
    lam1 = Fraction(n * n, n * n - 2 * n + 2)
    with workprec(100):
        exact = {lam1: 1, Fraction(0): 2}
        balls = {lam: acb(arb(lam.numerator) / lam.denominator) for lam in exact}
        trivial = [e for e in cert.eigenvalues if e.symmetry == "trivial"]
        assert sum(e.count for e in trivial) == 3
        held = {lam: 0 for lam in exact}
        for e in trivial:
            inside = [lam for lam in exact if e.value.contains(balls[lam])]
            assert len(inside) == 1, f"{e.value} should hold exactly one exact eigenvalue"
            held[inside[0]] += e.count
            assert e.modulus[0] <= abs(balls[inside[0]]).lower()
            assert abs(balls[inside[0]]).upper() <= e.modulus[1]
            assert float(e.modulus[1] - e.modulus[0]) < 1e-12
        assert held == exact
        assert any(e.modulus[0] > 1 for e in trivial)
