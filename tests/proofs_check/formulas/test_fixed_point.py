"""Tests of fixed-point claims: named points, the claimed member, refutations."""

from __future__ import annotations

from proofs_check.formulas import verify

from .independent import CO, RHO_STAR, claim_value


def test_symmetric_fixed_point() -> None:
    r = verify("fixed-point", RHO_STAR, family="symmetric", layer="rc,nl", parameter="rho")
    assert r.verdict == "proved"
    assert any("acos" in step for step in r.chain)


def test_symmetric_fixed_point_perturbed() -> None:
    wrong = RHO_STAR.replace("- acos", "+ acos")
    r = verify("fixed-point", wrong, family="symmetric", layer="rc,nl", parameter="rho")
    assert r.verdict == "refuted"
    point = r.counterexample.point
    n = int(point["n"])
    assert abs(claim_value(wrong, {"n": str(n)}) - claim_value(RHO_STAR, {"n": str(n)})) > 1e-3


def test_cluster_odd_fixed_point() -> None:
    assert verify("fixed-point", "a = 1/(n-1)", **CO).verdict == "proved"
    assert verify("fixed-point", "b = n - 1", **CO).verdict == "proved"
    wrong = verify("fixed-point", "b = n - 2", **CO)
    assert wrong.verdict == "refuted"


def test_fixed_point_given_as_a_point() -> None:
    r = verify("fixed-point", "rho = 1", family="cluster-odd", layer="rc,nl",
               point={"a": "1/(n-1)", "b": "n-1", "gamma": "0"})
    assert r.verdict == "proved"
    r = verify("fixed-point", "rho = 1", family="cluster-odd", layer="rc,nl",
               point={"a": "1/(n-1)", "b": "n-1", "gamma": "1/10"})
    assert r.verdict == "refuted"
