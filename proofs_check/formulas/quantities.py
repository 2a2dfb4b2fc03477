"""The quantity kinds a claim can be about (a registry) and :func:`verify`.

Adding a quantity kind means one module with a verifier
``(ClaimRequest) -> Outcome`` and one entry in :data:`REGISTRY`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from proofs_check.formulas.comparison import verdict_from_checks
from proofs_check.formulas.eigenvalue import verify_eigenvalue
from proofs_check.formulas.fixed_point import verify_fixed_point
from proofs_check.formulas.kernel import verify_kernel
from proofs_check.formulas.parse import ClaimRequest, Setup, setup
from proofs_check.formulas.reduced_map import verify_reduced_map
from proofs_check.formulas.results import DEFAULT_DPS, Outcome, VerifyResult
from proofs_check.formulas.spectral_radius import verify_spectral_radius
from theory.errors import ExpressionError, InvalidInputError, UnknownNameError


@dataclass(frozen=True)
class QuantityKind:
    """One kind of claim.

    Attributes
    ----------
    name
        The name users give (``quantity=``).
    verifier
        Checks one claim of this kind.
    on_family
        Whether the claim is about a family and layer (``family``, ``layer``
        required); a kernel claim is about an activation only.
    """

    name: str
    verifier: Callable[[ClaimRequest], Outcome]
    on_family: bool = True


#: quantity name -> its kind (the registry: one line per kind).
REGISTRY: dict[str, QuantityKind] = {kind.name: kind for kind in (
    QuantityKind("kernel", verify_kernel, on_family=False),
    QuantityKind("reduced-map", verify_reduced_map),
    QuantityKind("fixed-point", verify_fixed_point),
    QuantityKind("eigenvalue", verify_eigenvalue),
    QuantityKind("spectral-radius", verify_spectral_radius),
)}
#: The quantity names, in the order of :data:`REGISTRY`.
QUANTITIES = tuple(REGISTRY)


def verify(
    quantity: str,
    expr: str,
    *,
    family: str | None = None,
    layer: str | None = None,
    activation: str = "relu",
    parameter: str | None = None,
    at: str | None = None,
    multiplicity: str | int | None = None,
    symmetry: str | None = None,
    point: Mapping[str, str] | None = None,
    n: int | None = None,
    dps: int = DEFAULT_DPS,
    seed: int = 0,
    name: str | None = None,
) -> VerifyResult:
    """Check that the user expression ``expr`` equals the named ``quantity``.

    Parameters
    ----------
    quantity
        One of :data:`QUANTITIES`.
    expr
        The claimed formula (user text, parsed by the whitelist of
        :func:`theory.expressions.parse_expression`; never evaluated as Python).
        For ``reduced-map`` and ``fixed-point`` it may read ``rho' = ...`` or
        ``rho = ...``, which names the parameter.
    family, layer, activation
        The family (``symmetric``, ``cluster-odd``, ``two-clusters``), layer kind
        and activation (``activation`` alone for ``kernel``).
    parameter
        The family parameter the claim is about (``reduced-map``, ``fixed-point``).
    at
        The name of a closed-form fixed point (``fixed-point``, ``eigenvalue``,
        ``spectral-radius``; optional when the family has only one).
    multiplicity, symmetry
        For ``eigenvalue``: the claimed multiplicity (an expression in ``n``) and
        a substring of the symmetry label or component that selects the block.
    point
        For ``fixed-point`` without ``at``: the other parameters of the claimed
        fixed point, ``{name: expression in n}`` (the claim is then that this
        member of the family is fixed by ``F_hat``).
    n
        A batch size checked first (in addition to the documented points).
    dps
        Digits of agreement required at every point (15 to 200).
    seed
        Seed of ``random.Random`` for the random points
        (:mod:`proofs_check.formulas.points`).
    name
        A label for tables.

    Returns
    -------
    VerifyResult

    Raises
    ------
    ExpressionError
        For a claim that is not an admissible expression (names the token).
    UnknownNameError, InvalidInputError
        For unknown quantities, families, parameters, fixed points, or bad options.
    """
    quantity = str(quantity).strip().lower()
    if quantity not in REGISTRY:
        raise UnknownNameError(f"unknown quantity {quantity!r} (known: {', '.join(QUANTITIES)})",
                               parameter="quantity")
    if isinstance(dps, bool) or not isinstance(dps, int) or not 15 <= dps <= 200:
        raise InvalidInputError(f"dps must be an integer in [15, 200], got {dps!r}",
                                parameter="dps")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 2):
        raise InvalidInputError(f"n must be an integer >= 2, got {n!r}", parameter="n")
    if not isinstance(expr, str):
        raise ExpressionError(f"claim: expected a string, got {type(expr).__name__}",
                              parameter="expr")
    kind = REGISTRY[quantity]
    rng = random.Random(seed)
    about = setup(family, layer, activation, quantity) if kind.on_family \
        else Setup(activation=activation)
    request = ClaimRequest(expr, about, dps, rng, parameter=parameter, at=at,
                           multiplicity=multiplicity, symmetry=symmetry, point=point, extra_n=n)
    outcome = kind.verifier(request)
    claim_text = " ".join(expr.split())
    if outcome.verdict == "proved":
        chain = outcome.chain or []
        evidence = "SymPy: " + outcome.joiner.join(chain)
        return VerifyResult(quantity, claim_text, "proved", evidence, outcome.reference, name,
                            chain, None, [], dps, outcome.context)
    verdict, evidence = verdict_from_checks(claim_text, outcome.checks, outcome.counter, dps)
    if outcome.note:
        evidence = f"{outcome.note}: {evidence}" if outcome.note.endswith("multiplicity") \
            else evidence + outcome.note
    return VerifyResult(quantity, claim_text, verdict, evidence, outcome.reference, name, [],
                        outcome.counter, outcome.checks, dps, outcome.context)


__all__ = ["QUANTITIES", "REGISTRY", "QuantityKind", "verify"]
