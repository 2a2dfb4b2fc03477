"""Kernel claims: ``V_phi(S)_ij = E[phi(z_i) phi(z_j)]``, ``z ~ N(0, S)``.

The claim is an expression in ``Sii, Sjj, Sij``, or in ``c`` at unit variances
(``Sii = Sjj = 1``, ``Sij = c``).  The reference is the closed form of
:func:`theory.kernels.kernel`; the proof runs on the domain ``Sii, Sjj > 0``,
``Sij = sqrt(Sii) sqrt(Sjj) c``.  For activations without a closed form the
reference is the 2-D Gaussian quadrature of ``numerics`` at the first four
kernel points.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.formulas.comparison import compare, symbolic_reference
from proofs_check.formulas.parse import (
    KERNEL_VARIABLES,
    SII,
    SIJ,
    SJJ,
    C,
    ClaimRequest,
    parse_claim,
)
from proofs_check.formulas.points import kernel_points
from proofs_check.formulas.references import kernel_quadrature_reference
from proofs_check.formulas.results import Outcome
from proofs_check.formulas.rewrite import try_prove
from theory.activations import get_activation
from theory.errors import ExpressionError
from theory.kernels import kernel


def verify_kernel(request: ClaimRequest) -> Outcome:
    """Check a kernel claim (``request.setup.activation`` names the activation).

    Raises
    ------
    ExpressionError
        For a claim outside the whitelist, or one mixing ``c`` with ``Sii, Sjj, Sij``.
    """
    act = get_activation(request.setup.activation)
    claim = parse_claim(request.text, KERNEL_VARIABLES, "kernel claim")
    names = {s.name for s in claim.free_symbols}
    unit = "c" in names
    if unit and names & {"Sii", "Sjj", "Sij"}:
        raise ExpressionError("kernel claim: use either c (unit variances) or Sii, Sjj, Sij, "
                              "not both")
    context = {"activation": act.name, "variables": "c" if unit else "Sii, Sjj, Sij"}
    points = kernel_points(request.rng, unit)
    if act.closed_form:
        ref = kernel(act, sp.Integer(1), sp.Integer(1), C) if unit else kernel(act, SII, SJJ, SIJ)
        c_ = sp.Symbol("c", real=True)

        def domain(e: sp.Expr) -> tuple[sp.Expr, list[str]]:
            if unit:
                return e, []
            return (e.subs(SIJ, sp.sqrt(SII) * sp.sqrt(SJJ) * c_),
                    ["substitute Sij = sqrt(Sii) sqrt(Sjj) c (Sii, Sjj > 0)"])

        chain = try_prove(claim - ref, domain)
        if chain is not None:
            return Outcome("proved", chain, sp.sstr(ref), context=context)
        checks, counter = compare(claim, symbolic_reference([ref]), points, request.dps)
        return Outcome("numeric", None, sp.sstr(ref), checks, counter, context)
    # No closed form: 2-D Gaussian quadrature of numerics at the requested digits.
    context["reference"] = "numerics 2-D Gaussian quadrature"
    checks, counter = compare(claim, kernel_quadrature_reference(act, request.dps), points[:4],
                              request.dps)
    return Outcome("numeric", None, None, checks, counter, context)


__all__ = ["verify_kernel"]
