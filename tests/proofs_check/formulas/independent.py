"""Claims evaluated independently of proofs_check.formulas (plain mpmath at 50 digits)."""

from __future__ import annotations

import mpmath
import sympy as sp

from theory.expressions import parse_expression

RELU_C = "(sqrt(1 - c^2) + (pi - acos(c))*c) / (2*pi)"
RHO_STAR = "(sqrt(n*(n - 2)) - acos(1/(n - 1))) / (pi*(n - 1))"
CO = {"family": "cluster-odd", "layer": "rc,nl", "at": "cluster-odd"}


def claim_value(text: str, point: dict[str, str]) -> mpmath.mpf:
    """Evaluate a claim independently (plain mpmath at 50 digits)."""
    names = {k: sp.Symbol(k) for k in ("n", "c", "Sii", "Sjj", "Sij", "q", "rho")}
    expr = parse_expression(text.replace("^", "**"), names)
    subs = {names[k]: sp.Rational(v) for k, v in point.items() if k in names}
    return mpmath.mpf(str(sp.N(expr.subs(subs), 50)))


__all__ = ["CO", "RELU_C", "RHO_STAR", "claim_value"]
