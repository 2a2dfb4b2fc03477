"""Eigenvalue claims: an eigenvalue of the Jacobian of ``F_hat`` at a fixed point, in ``n``.

The reference is the labelled spectrum of :func:`theory.spectrum.spectrum` at a
named closed-form fixed point, optionally restricted to the blocks whose
symmetry label or component contains ``symmetry``.  The claim is proved when it
equals one of the eigenvalues; a claimed multiplicity is then compared with the
total multiplicity of the matching eigenvalues.  Numerically, the claim agrees
at a point when it agrees with one eigenvalue of positive multiplicity there.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from proofs_check.formulas.comparison import compare, symbolic_reference
from proofs_check.formulas.parse import (
    ClaimRequest,
    Setup,
    n_variables,
    parse_claim,
    setup_context,
)
from proofs_check.formulas.points import family_points
from proofs_check.formulas.references import cached_spectrum, fixed_point_named
from proofs_check.formulas.results import Outcome
from proofs_check.formulas.rewrite import batch_domain, try_prove
from theory.errors import UnknownNameError


def eigen_entries(setup: Setup, at: str | None, symmetry: str | None) -> tuple[Any, list]:
    """The fixed point named ``at`` and the entries of its spectrum (those whose
    symmetry label or component contains ``symmetry``, case-insensitively).

    Raises
    ------
    UnknownNameError
        When no eigenvalue matches ``symmetry`` (or the fixed point is unknown).
    """
    fp = fixed_point_named(setup.family.name, setup.layer, setup.activation, at)
    spec = cached_spectrum(setup.family.name, setup.layer, setup.activation, fp.name)
    entries = list(spec.eigenvalues)
    if symmetry:
        key = symmetry.strip().lower()
        entries = [e for e in entries if key in e.symmetry.lower() or key in e.component.lower()]
        if not entries:
            known = sorted({e.component for e in spec.eigenvalues})
            raise UnknownNameError(f"no eigenvalue with symmetry {symmetry!r} at {fp.name} "
                                   f"(components: {', '.join(known)})")
    return fp, entries


def positive_multiplicity(mult: sp.Expr, point: dict) -> bool:
    """Whether the multiplicity ``mult`` (in ``n``) is a positive number at ``point``."""
    value = sp.sympify(mult).subs(point)
    return bool(value.is_number and value > 0)


def verify_eigenvalue(request: ClaimRequest) -> Outcome:
    """Check that the claim is an eigenvalue at ``request.at`` (module docstring)."""
    setup = request.setup
    fam = setup.family
    nvars = n_variables(fam)
    claim = parse_claim(request.text, nvars, "eigenvalue claim")
    mult_claim = None if request.multiplicity is None else parse_claim(
        str(request.multiplicity), nvars, "multiplicity claim")
    fp, entries = eigen_entries(setup, request.at, request.symmetry)
    context = setup_context(setup) | {"at": fp.name}
    if request.symmetry:
        context["symmetry"] = request.symmetry
    domain = batch_domain(fam.min_n)
    matched, chain = [], None
    for e in entries:
        c = try_prove(claim - e.value, domain)
        if c is not None:
            matched.append(e)
            chain = chain or c
    points = family_points(fam, request.rng, request.extra_n, True, False)
    if matched:
        labels = "; ".join(f"{e.component} (multiplicity {sp.sstr(e.multiplicity)})"
                           for e in matched)
        context["matches"] = labels
        ref_text = sp.sstr(matched[0].value)
        if mult_claim is None:
            return Outcome("proved", chain, ref_text, context=context)
        total = sp.Add(*[e.multiplicity for e in matched])
        mchain = try_prove(mult_claim - total, domain)
        if mchain is not None:
            return Outcome("proved", chain + ["multiplicity: " + " -> ".join(mchain)],
                           ref_text, context=context)
        checks, counter = compare(mult_claim, symbolic_reference([total]), points, request.dps)
        if counter is not None:
            counter = counter.labelled("of", "multiplicity")
        return Outcome("numeric", None, f"multiplicity {sp.sstr(total)}", checks, counter,
                       context, note="eigenvalue proved; multiplicity")

    def reference(point: dict) -> list[Any]:
        present = [e.value for e in entries if positive_multiplicity(e.multiplicity, point)]
        return symbolic_reference(present)(point)

    checks, counter = compare(claim, reference, points, request.dps)
    note = "" if mult_claim is None else " (multiplicity not checked without a proof)"
    return Outcome("numeric", None, "one of: " + ", ".join(sp.sstr(e.value) for e in entries),
                   checks, counter, context, note=note)


__all__ = ["eigen_entries", "positive_multiplicity", "verify_eigenvalue"]
