"""Tests of reduced-map claims: proofs, refutations with checked counterexamples."""

from __future__ import annotations

import mpmath
import pytest

from proofs_check.formulas import verify

from .independent import claim_value


def test_symmetric_map() -> None:
    r = verify("reduced-map", "rho' = -1/(n - 1)", family="symmetric", layer="rc,rs")
    assert r.verdict == "proved"


@pytest.mark.parametrize("expr", ["rho' = -1/(n - 1)^2", "rho' = 1/(n - 1)",
                                  "rho' = -1/(n - 1.0000000001)"])
def test_symmetric_map_perturbed(expr: str) -> None:
    r = verify("reduced-map", expr, family="symmetric", layer="rc,rs")
    assert r.verdict == "refuted"
    n = int(r.counterexample.point["n"])
    claimed = claim_value(expr.split("=", 1)[1], {"n": str(n)})
    assert abs(claimed - mpmath.mpf(-1) / (n - 1)) > mpmath.mpf(10) ** -30
