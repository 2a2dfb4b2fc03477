"""Tests of kernel claims: proofs, refutations with checked counterexamples."""

from __future__ import annotations

import mpmath
import pytest

from proofs_check.formulas import verify

from .independent import RELU_C, claim_value


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
    claimed, true = claim_value(expr, point), claim_value(RELU_C, point)
    assert abs(claimed - true) > mpmath.mpf(10) ** -40
    lo, hi = (mpmath.mpf(x) for x in r.counterexample.claimed_enclosure)
    assert lo <= claimed <= hi
    (rlo, rhi), = [tuple(map(mpmath.mpf, e)) for e in r.counterexample.reference_enclosures]
    assert rlo <= true <= rhi and (hi < rlo or rhi < lo)


def test_non_closed_form_kernel_uses_quadrature() -> None:
    r = verify("kernel", "c*tanh(1)", activation="tanh", dps=15)
    assert r.verdict == "refuted"
