"""Fixed-point claims: one parameter of a fixed point ``G = F_hat(G)`` of a family, in ``n``.

Three routes, in this order:

1. a named closed-form fixed point (``at``, required when the family has more
   than one): the claim is compared with its parameter
   (:func:`theory.fixed_points.closed_form_fixed_points`);
2. without ``at`` or ``point``: a closed-form fixed point with this parameter
   value proves the claim;
3. otherwise the claimed member itself (the claim and ``point``, the other
   parameters; ``q = 1`` for the symmetric family) must be fixed: first
   numerically, ``F_hat(G)`` by :func:`numerics.maps.precise.shape_map` at ``n <= 12``
   (a false claim is refuted quickly), then symbolically,
   ``image_parameters(G) - G = 0`` for every parameter.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.formulas.comparison import compare, symbolic_reference
from proofs_check.formulas.parse import (
    ClaimRequest,
    Setup,
    family_parameter,
    n_variables,
    parse_claim,
    setup_context,
    split_assignment,
)
from proofs_check.formulas.points import family_points
from proofs_check.formulas.references import (
    cached_fixed_points,
    fixed_point_named,
    member_reference,
)
from proofs_check.formulas.results import Outcome, PointCheck
from proofs_check.formulas.rewrite import Domain, batch_domain, try_prove
from theory.activations import get_activation
from theory.errors import InvalidInputError, NotClosedFormError
from theory.fixed_points import image_parameters
from theory.layers import parse_layer


def verify_fixed_point(request: ClaimRequest) -> Outcome:
    """Check that the claim is ``parameter`` of a fixed point (module docstring).

    Raises
    ------
    InvalidInputError, UnknownNameError
        For a missing or unknown parameter or fixed point, or an incomplete ``point``.
    """
    text, parameter = split_assignment(request.text, request.parameter)
    setup = request.setup
    fam = setup.family
    p = family_parameter(fam, parameter)
    claim = parse_claim(text, n_variables(fam), "fixed-point claim")
    context = setup_context(setup) | {"parameter": p.name}
    domain = batch_domain(fam.min_n)
    at, point = request.at, request.point
    if at is not None or (point is None and fam.name != "symmetric"):
        fp = fixed_point_named(fam.name, setup.layer, setup.activation, at)
        context["at"] = fp.name
        ref = fp.values[p]
        chain = try_prove(claim - ref, domain)
        if chain is not None:
            return Outcome("proved", chain, sp.sstr(ref), context=context)
        points = family_points(fam, request.rng, request.extra_n, True, False)
        checks, counter = compare(claim, symbolic_reference([ref]), points, request.dps)
        return Outcome("numeric", None, sp.sstr(ref), checks, counter, context)
    if point is None:
        # A closed-form fixed point with this parameter value proves the claim.
        for fp in cached_fixed_points(fam.name, setup.layer, setup.activation).fixed_points:
            chain = try_prove(claim - fp.values[p], domain)
            if chain is not None:
                context["at"] = fp.name
                return Outcome("proved", chain, sp.sstr(fp.values[p]), context=context)
    return _verify_member(request, p, claim, context, domain)


def _verify_member(request: ClaimRequest, p: sp.Symbol, claim: sp.Expr,
                   context: dict[str, str], domain: Domain) -> Outcome:
    """The claimed member itself (``p = claim`` and ``request.point``): is it fixed?"""
    setup = request.setup
    fam = setup.family
    nvars = n_variables(fam)
    values: dict[sp.Symbol, sp.Expr] = {p: claim}
    for name, expr_text in (request.point or {}).items():
        other = family_parameter(fam, name)
        if other == p:
            raise InvalidInputError(f"point: parameter {name!r} given twice", parameter="point")
        values[other] = parse_claim(expr_text, nvars, f"fixed-point value of {name}")
    if fam.name == "symmetric":
        values.setdefault(fam.parameters[0], sp.Integer(1))  # q = 1 (trace n)
    missing = [s.name for s in fam.parameters if s not in values]
    if missing:
        raise InvalidInputError(f"point: give the other parameters of the claimed point "
                                f"({', '.join(missing)}), or name a fixed point with at",
                                parameter="point")
    context["point"] = ", ".join(f"{s.name} = {sp.sstr(v)}" for s, v in values.items())
    context["claim"] = "the member with these parameters is a fixed point of F_hat"
    # Numbers first (a false claim is refuted quickly), then the symbolic route.
    points = family_points(fam, request.rng, request.extra_n, False, False)
    checks: list[PointCheck] = []
    for s in fam.parameters:
        reference = member_reference(
            setup, request.dps, s, lambda pt: {k: v.subs(pt) for k, v in values.items()})
        part, counter = compare(values[s], reference, points, request.dps)
        checks += [c.labelled("parameter", s.name) for c in part]
        if counter is not None:
            return Outcome("numeric", None, "F_hat(G) = G", checks, checks[-1], context)
    chains = _fixed_member_chains(setup, values, domain)
    if chains:
        return Outcome("proved", chains, "F_hat(G) = G", context=context, joiner="; ")
    return Outcome("numeric", None, "F_hat(G) = G", checks, None, context)


def _fixed_member_chains(setup: Setup, values: dict[sp.Symbol, sp.Expr],
                         domain: Domain) -> list[str]:
    """One proof chain per parameter of ``image_parameters(G) - G = 0`` (empty if any fails)."""
    fam = setup.family
    activation = None if setup.activation == "identity" else get_activation(setup.activation)
    chains: list[str] = []
    try:
        image = image_parameters(fam, values, parse_layer(setup.layer), activation)
        for s in fam.parameters:
            if image[s].has(sp.Integral):
                return []
            chain = try_prove(image[s] - values[s], domain)
            if chain is None:
                return []
            chains.append(f"{s.name}: " + " -> ".join(chain))
    except NotClosedFormError:
        return []
    return chains


__all__ = ["verify_fixed_point"]
