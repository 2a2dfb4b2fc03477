"""Tests of proofs_check.formulas.rewrite: sound rewrites only."""

from __future__ import annotations

import sympy as sp

from proofs_check.formulas import prove_zero


def test_prove_zero_never_forces_roots() -> None:
    x = sp.Symbol("x", real=True)
    # sqrt(x^2) = x is false for x < 0: no proof.
    assert prove_zero(sp.sqrt(x**2) - x) is None
    assert prove_zero(sp.sqrt(x**2) - sp.Abs(x)) is not None
