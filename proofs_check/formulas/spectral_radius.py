"""Spectral-radius claims: ``max |lambda|`` over the Jacobian's eigenvalues at a fixed point.

Proved when the claim equals ``+-lambda`` for an eigenvalue ``lambda`` of the
labelled spectrum (:func:`proofs_check.formulas.eigenvalue.eigen_entries`) with

* ``+-lambda >= 0`` and ``+-lambda >= |mu|`` for every other eigenvalue ``mu``,
  for all ``n >= n_min`` (rational functions of ``N = n - n_min`` whose
  coefficients have one sign, :func:`~proofs_check.formulas.rewrite.nonnegative_in_N`);
* a multiplicity that is positive for all ``n >= n_min``.

Numerically, the reference at a point is the interval ``[max a_k, max b_k]`` over
the enclosures ``[a_k, b_k]`` of ``|lambda_k|`` with positive multiplicity.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from mpmath import iv

from proofs_check.formulas.comparison import compare
from proofs_check.formulas.eigenvalue import eigen_entries, positive_multiplicity
from proofs_check.formulas.enclosure import NotReal, enclose, iv_abs
from proofs_check.formulas.parse import ClaimRequest, n_variables, parse_claim, setup_context
from proofs_check.formulas.points import family_points
from proofs_check.formulas.results import Outcome
from proofs_check.formulas.rewrite import (
    batch_domain,
    domain_n,
    nonnegative_in_N,
    positive_in_N,
    try_prove,
)


def verify_spectral_radius(request: ClaimRequest) -> Outcome:
    """Check that the claim is the spectral radius at ``request.at`` (module docstring)."""
    setup = request.setup
    fam = setup.family
    claim = parse_claim(request.text, n_variables(fam), "spectral-radius claim")
    fp, entries = eigen_entries(setup, request.at, None)
    context = setup_context(setup) | {"at": fp.name}
    domain = batch_domain(fam.min_n)
    for e in entries:
        for sign in (1, -1):
            chain = try_prove(claim - sign * e.value, domain)
            if chain is None:
                continue
            top = domain_n(sign * e.value, fam.min_n)[0]
            mult = domain_n(sp.sympify(e.multiplicity), fam.min_n)[0]
            ok = nonnegative_in_N(top) and positive_in_N(mult) and all(
                nonnegative_in_N(top - domain_n(o.value, fam.min_n)[0])
                and nonnegative_in_N(top + domain_n(o.value, fam.min_n)[0])
                for o in entries if o is not e)
            if ok:
                chain = chain + [f"|{sp.sstr(e.value)}| >= |every other eigenvalue| for all "
                                 f"n >= {fam.min_n} (rational functions of N with coefficients "
                                 "of one sign), its multiplicity > 0"]
                return Outcome("proved", chain, sp.sstr(e.value), context=context)
    points = family_points(fam, request.rng, request.extra_n, True, False)

    def reference(point: dict) -> list[Any]:
        mods = []
        for e in entries:
            if not positive_multiplicity(e.multiplicity, point):
                continue
            try:
                mods.append(iv_abs(enclose(e.value, point)))
            except NotReal:
                continue
        if not mods:
            raise NotReal
        return [iv.mpf([max(x.a for x in mods), max(x.b for x in mods)])]

    checks, counter = compare(claim, reference, points, request.dps)
    return Outcome("numeric", None, "max |eigenvalue| over " + ", ".join(
        sp.sstr(e.value) for e in entries), checks, counter, context)


__all__ = ["verify_spectral_radius"]
