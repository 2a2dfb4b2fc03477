"""Tests of proofs_check.formulas.enclosure: intervals contain the value."""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs_check.formulas import enclose


def test_enclose_contains_value() -> None:
    c = sp.Symbol("c")
    expr = sp.acos(c) + sp.atan(c) + sp.tanh(c) + sp.sqrt(1 - c**2)
    with mpmath.workdps(40):
        box = enclose(expr, {c: sp.Rational(1, 3)})
        v = mpmath.acos(mpmath.mpf(1) / 3) + mpmath.atan(mpmath.mpf(1) / 3) \
            + mpmath.tanh(mpmath.mpf(1) / 3) + mpmath.sqrt(1 - mpmath.mpf(1) / 9)
        assert box.a <= v <= box.b
