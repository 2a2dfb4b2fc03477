"""Reduced-map claims: one parameter of ``F_hat`` restricted to a family.

The claim is an expression in the family's parameters and ``n`` (and ``m``) for
the image of one parameter under the reduced shape map ``F_hat``
(:func:`theory.reduce.reduced_map`).  When that image holds an unevaluated
integral (the RS integral does not close), the reference is
:func:`numerics.maps.precise.shape_map` on explicit members, ``n <= 12``.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.formulas.comparison import compare, symbolic_reference
from proofs_check.formulas.parse import (
    ClaimRequest,
    family_parameter,
    n_variables,
    parse_claim,
    setup_context,
    split_assignment,
)
from proofs_check.formulas.points import family_points
from proofs_check.formulas.references import cached_reduced_map, member_reference
from proofs_check.formulas.results import Outcome
from proofs_check.formulas.rewrite import batch_domain, try_prove


def verify_reduced_map(request: ClaimRequest) -> Outcome:
    """Check ``parameter' = claim`` against the reduced map of the family.

    Raises
    ------
    InvalidInputError, UnknownNameError
        When the parameter is missing or unknown.
    """
    text, parameter = split_assignment(request.text, request.parameter)
    setup = request.setup
    fam = setup.family
    p = family_parameter(fam, parameter)
    variables = {s.name: s for s in fam.parameters} | n_variables(fam)
    claim = parse_claim(text, variables, "reduced-map claim")
    rm = cached_reduced_map(fam.name, setup.layer, setup.activation)
    ref = rm.images[p]
    context = setup_context(setup) | {"parameter": p.name}
    if not ref.has(sp.Integral):
        chain = try_prove(claim - ref, batch_domain(fam.min_n))
        if chain is not None:
            return Outcome("proved", chain, sp.sstr(ref), context=context)
        points = family_points(fam, request.rng, request.extra_n, True, True)
        checks, counter = compare(claim, symbolic_reference([ref]), points, request.dps)
        return Outcome("numeric", None, sp.sstr(ref), checks, counter, context)
    context["reference"] = "numerics.maps.precise.shape_map (the RS integral does not close)"
    points = family_points(fam, request.rng, request.extra_n, False, True)
    reference = member_reference(
        setup, request.dps, p, lambda pt: {s: pt[s] for s in fam.parameters})
    checks, counter = compare(claim, reference, points, request.dps)
    return Outcome("numeric", None, None, checks, counter, context)


__all__ = ["verify_reduced_map"]
