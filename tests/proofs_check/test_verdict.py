"""Verdict rules on synthetic checks: altering evidence changes the verdict."""

import pytest

from proofs_check.verdict import Check, ClaimResult, combine, regime_status


def mf(p, decisive=True):
    return Check("numeric", "mean-field", p, "mf", {}, decisive)


def fw(p, decisive=True):
    return Check("simulation", "finite-width", p, "fw", {}, decisive)


@pytest.mark.parametrize("checks, verdict", [
    ([mf(True), fw(True)], "confirmed"),
    ([mf(False), fw(False)], "refuted"),
    ([mf(False), fw(True)], "regime-dependent"),
    ([mf(True), fw(False)], "regime-dependent"),
    ([mf(True), mf(False)], "inconclusive"),
    ([mf(None)], "inconclusive"),
    ([mf(True), fw(None)], "inconclusive"),
    ([mf(True), fw(False, decisive=False)], "confirmed"),
    ([], "inconclusive"),
])
def test_combine(checks, verdict):
    assert combine(checks)[0] == verdict


def test_regime_dependent_says_which():
    v, why = combine([mf(False), fw(True)])
    assert "holds in the finite-width regime" in why and "fails in the mean-field" in why


def test_inconclusive_says_what_would_decide():
    _, why = combine([mf(None)])
    assert "What would decide" in why


def test_regime_status():
    assert regime_status([mf(True)], "finite-width") is None
    assert regime_status([mf(True), mf(None)], "mean-field") == "undecided"
    assert regime_status([mf(False), mf(None)], "mean-field") == "fails"


def test_altered_evidence_changes_verdict():
    checks = [mf(False), fw(True)]
    assert ClaimResult("x", "s", "src", "p", checks).verdict == "regime-dependent"
    checks[0] = mf(True)
    assert ClaimResult("x", "s", "src", "p", checks).verdict == "confirmed"


def test_bad_kind_or_regime():
    with pytest.raises(ValueError):
        Check("guess", "mean-field", True, "")
    with pytest.raises(ValueError):
        Check("numeric", "infinite", True, "")


def test_json_shape():
    j = Check("numeric", "mean-field", True, "a  b\nc", {"x": float("nan")}).to_json()
    assert j["detail"] == "a b c" and j["evidence"]["x"] == "nan"
