r"""Check a researcher's own formula: a proof, a counterexample, or honest agreement.

A *claim* says that a user expression equals a quantity this project derives
(docs/theory.md sections 2-4); one module per kind (:data:`QUANTITIES`, registered in
:mod:`~proofs_check.formulas.quantities`):

``kernel`` (:mod:`~proofs_check.formulas.kernel`)
    ``V_phi(S)_ij = E[phi(z_i) phi(z_j)]`` as an expression in ``Sii, Sjj, Sij``,
    or in ``c`` at unit variances (:mod:`theory.kernels`; for activations without
    closed form, the quadrature of :mod:`numerics.maps.precise`).
``reduced-map`` (:mod:`~proofs_check.formulas.reduced_map`)
    one parameter of the reduced shape map ``F_hat`` of a family, in the family's
    parameters and ``n`` (and ``m``) (:func:`theory.reduce.reduced_map`).
``fixed-point`` (:mod:`~proofs_check.formulas.fixed_point`)
    one parameter of a fixed point of ``F_hat``, in ``n``
    (:func:`theory.fixed_points.closed_form_fixed_points`, or a direct check that
    the claimed member is fixed).
``eigenvalue`` (:mod:`~proofs_check.formulas.eigenvalue`)
    an eigenvalue of the Jacobian of ``F_hat`` at a named fixed point, in ``n``,
    optionally with its multiplicity and symmetry type (:func:`theory.spectrum.spectrum`).
``spectral-radius`` (:mod:`~proofs_check.formulas.spectral_radius`)
    the largest modulus of those eigenvalues.

Verdicts
--------
``proved``
    The difference ``claim - reference`` is reduced to the literal ``0`` by a
    chain of SymPy rewrites that are identities on the domain, and the chain is
    reported (:mod:`~proofs_check.formulas.rewrite`).  The domain is encoded in
    the assumptions of the symbols, never forced: ``n = N + n_min`` with ``N`` a
    non-negative integer, norms positive, ``Sij = sqrt(Sii) sqrt(Sjj) c``.
    "Proved" is relative to the project's own derivation of the reference
    (``theory``), which is checked by its own tests.
``refuted``
    At some point the interval enclosures (``mpmath.iv``,
    :mod:`~proofs_check.formulas.enclosure`) of the two sides are disjoint: the
    point, both sides and both enclosures are reported.
``agrees-numerically``
    No symbolic route was found; the two sides agree to ``dps`` significant
    digits (relative to ``max(1, |reference|)``) at every listed point
    (:mod:`~proofs_check.formulas.comparison`).

The points are drawn by the documented rule of :mod:`~proofs_check.formulas.points`;
numeric references from ``numerics`` are enclosed by their stated error bound
(:mod:`~proofs_check.formulas.references`).  User text is read by
:mod:`~proofs_check.formulas.parse`; claims files by
:mod:`~proofs_check.formulas.claims_file`; results are
:mod:`~proofs_check.formulas.results`.
"""

from proofs_check.formulas.claims_file import CLAIM_KEYS, claims_report, verify_file
from proofs_check.formulas.enclosure import enclose
from proofs_check.formulas.quantities import QUANTITIES, verify
from proofs_check.formulas.results import (
    DEFAULT_DPS,
    VERDICTS,
    ClaimsReport,
    PointCheck,
    VerifyResult,
)
from proofs_check.formulas.rewrite import prove_zero

__all__ = ["CLAIM_KEYS", "DEFAULT_DPS", "QUANTITIES", "VERDICTS", "ClaimsReport", "PointCheck",
           "VerifyResult", "claims_report", "enclose", "prove_zero", "verify", "verify_file"]
