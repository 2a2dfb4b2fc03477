"""Tests of proofs_check.verify: proofs, refutations with checked counterexamples."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import proofs_check
from proofs_check.verify import enclose, prove_zero, verify
from theory.errors import ExpressionError, UnknownNameError
from theory.expressions import parse_expression

RELU_C = "(sqrt(1 - c^2) + (pi - acos(c))*c) / (2*pi)"
RHO_STAR = "(sqrt(n*(n - 2)) - acos(1/(n - 1))) / (pi*(n - 1))"
CO = {"family": "cluster-odd", "layer": "rc,nl", "at": "cluster-odd"}


def _value(text: str, point: dict[str, str]) -> mpmath.mpf:
    """Evaluate a claim independently (plain mpmath at 50 digits)."""
    names = {k: sp.Symbol(k) for k in ("n", "c", "Sii", "Sjj", "Sij", "q", "rho")}
    expr = parse_expression(text.replace("^", "**"), names)
    subs = {names[k]: sp.Rational(v) for k, v in point.items() if k in names}
    return mpmath.mpf(str(sp.N(expr.subs(subs), 50)))


def test_public_api_names() -> None:
    assert proofs_check.verify is verify
    assert callable(proofs_check.verify_file)


@pytest.mark.parametrize("expr", [
    RELU_C,
    "(sqrt(Sii*Sjj - Sij^2) + (pi - acos(Sij/sqrt(Sii*Sjj)))*Sij) / (2*pi)",
])
def test_relu_kernel_proved(expr: str) -> None:
    r = verify("kernel", expr, activation="relu")
    assert r.verdict == "proved" and r.chain and r.chain[-1].endswith("0")
    assert r.to_json()["verdict"] == "proved"


def test_sign_kernel_proved_through_asin() -> None:
    r = verify("kernel", "(2/pi)*asin(c)", activation="sign")
    assert r.verdict == "proved"


@pytest.mark.parametrize("expr", [
    RELU_C.replace("2*pi", "2.000001*pi"),         # a coefficient changed
    RELU_C.replace("+ (pi", "- (pi"),               # a sign flipped
    RELU_C.replace("1 - c^2", "1 - c^3"),           # a wrong power
])
def test_perturbed_kernel_refuted_with_checked_counterexample(expr: str) -> None:
    r = verify("kernel", expr, activation="relu")
    assert r.verdict == "refuted" and r.exit_code == 1
    point = r.counterexample.point
    claimed, true = _value(expr, point), _value(RELU_C, point)
    assert abs(claimed - true) > mpmath.mpf(10) ** -40
    lo, hi = (mpmath.mpf(x) for x in r.counterexample.claimed_enclosure)
    assert lo <= claimed <= hi
    (rlo, rhi), = [tuple(map(mpmath.mpf, e)) for e in r.counterexample.reference_enclosures]
    assert rlo <= true <= rhi and (hi < rlo or rhi < lo)


def test_non_closed_form_kernel_uses_quadrature() -> None:
    r = verify("kernel", "c*tanh(1)", activation="tanh", dps=15)
    assert r.verdict == "refuted"


def test_symmetric_map_and_fixed_point() -> None:
    r = verify("reduced-map", "rho' = -1/(n - 1)", family="symmetric", layer="rc,rs")
    assert r.verdict == "proved"
    r = verify("fixed-point", RHO_STAR, family="symmetric", layer="rc,nl", parameter="rho")
    assert r.verdict == "proved"
    assert any("acos" in step for step in r.chain)


@pytest.mark.parametrize("expr", ["rho' = -1/(n - 1)^2", "rho' = 1/(n - 1)",
                                  "rho' = -1/(n - 1.0000000001)"])
def test_symmetric_map_perturbed(expr: str) -> None:
    r = verify("reduced-map", expr, family="symmetric", layer="rc,rs")
    assert r.verdict == "refuted"
    n = int(r.counterexample.point["n"])
    claimed = _value(expr.split("=", 1)[1], {"n": str(n)})
    assert abs(claimed - mpmath.mpf(-1) / (n - 1)) > mpmath.mpf(10) ** -30


def test_symmetric_fixed_point_perturbed() -> None:
    wrong = RHO_STAR.replace("- acos", "+ acos")
    r = verify("fixed-point", wrong, family="symmetric", layer="rc,nl", parameter="rho")
    assert r.verdict == "refuted"
    point = r.counterexample.point
    n = int(point["n"])
    assert abs(_value(wrong, {"n": str(n)}) - _value(RHO_STAR, {"n": str(n)})) > 1e-3


def test_cluster_odd_fixed_point_and_eigenvalues() -> None:
    assert verify("fixed-point", "a = 1/(n-1)", **CO).verdict == "proved"
    assert verify("fixed-point", "b = n - 1", **CO).verdict == "proved"
    wrong = verify("fixed-point", "b = n - 2", **CO)
    assert wrong.verdict == "refuted"
    r = verify("eigenvalue", "n^2/(n^2 - 2*n + 2)", multiplicity="(n-1)*(n-4)/2",
               symmetry="pairwise", **CO)
    assert r.verdict == "proved"
    r = verify("eigenvalue", "n/(n^2-2*n+2)", multiplicity="n-1", **CO)
    assert r.verdict == "refuted"
    r = verify("spectral-radius", "n^2/(n^2 - 2*n + 2)", **CO)
    assert r.verdict == "proved"
    for expr in ("n^2/(n^2 - 2*n + 3)", "-n^2/(n^2 - 2*n + 2)", "n^3/(n^2 - 2*n + 2)"):
        r = verify("eigenvalue", expr, **CO)
        assert r.verdict == "refuted", expr
        n = int(r.counterexample.point["n"])
        claimed = _value(expr, {"n": str(n)})
        spectrum = [mpmath.mpf(n * n) / (n * n - 2 * n + 2), mpmath.mpf(n) / (n * n - 2 * n + 2),
                    mpmath.mpf(0)]
        assert all(abs(claimed - v) > 1e-20 for v in spectrum)


def test_fixed_point_given_as_a_point() -> None:
    r = verify("fixed-point", "rho = 1", family="cluster-odd", layer="rc,nl",
               point={"a": "1/(n-1)", "b": "n-1", "gamma": "0"})
    assert r.verdict == "proved"
    r = verify("fixed-point", "rho = 1", family="cluster-odd", layer="rc,nl",
               point={"a": "1/(n-1)", "b": "n-1", "gamma": "1/10"})
    assert r.verdict == "refuted"


@pytest.mark.parametrize("expr", ["__import__('os')", "lambda: 1", "c.real", "(c + 1",
                                  "foo*c", "c[0]"])
def test_malicious_input_rejected(expr: str) -> None:
    with pytest.raises(ExpressionError):
        verify("kernel", expr)


def test_unknown_quantity() -> None:
    with pytest.raises(UnknownNameError):
        verify("entropy", "1")


def test_prove_zero_never_forces_roots() -> None:
    x = sp.Symbol("x", real=True)
    # sqrt(x^2) = x is false for x < 0: no proof.
    assert prove_zero(sp.sqrt(x**2) - x) is None
    assert prove_zero(sp.sqrt(x**2) - sp.Abs(x)) is not None


def test_enclose_contains_value() -> None:
    c = sp.Symbol("c")
    expr = sp.acos(c) + sp.atan(c) + sp.tanh(c) + sp.sqrt(1 - c**2)
    with mpmath.workdps(40):
        box = enclose(expr, {c: sp.Rational(1, 3)})
        v = mpmath.acos(mpmath.mpf(1) / 3) + mpmath.atan(mpmath.mpf(1) / 3) \
            + mpmath.tanh(mpmath.mpf(1) / 3) + mpmath.sqrt(1 - mpmath.mpf(1) / 9)
        assert box.a <= v <= box.b
