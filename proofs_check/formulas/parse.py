"""Reading a user's claim: its text, its variables, and what it is about.

The text is parsed by the whitelist of :func:`theory.expressions.parse_expression`
(never evaluated as Python; ``^`` reads as ``**``).  A claim about one parameter
may be written ``rho' = EXPR`` or ``rho = EXPR`` (:func:`split_assignment`).
:class:`Setup` holds the family, layer kind and activation of a claim, checked
once by :func:`setup`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from theory.activations import get_activation
from theory.errors import ExpressionError, InvalidInputError, UnknownNameError
from theory.expressions import parse_expression
from theory.families import get_family, m, n
from theory.layers import parse_layer

#: The variables of a kernel claim.
SII = sp.Symbol("Sii", positive=True)
SJJ = sp.Symbol("Sjj", positive=True)
SIJ = sp.Symbol("Sij", real=True)
C = sp.Symbol("c", real=True)
KERNEL_VARIABLES = {"Sii": SII, "Sjj": SJJ, "Sij": SIJ, "c": C}

_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*'?\s*=(?!=)(.*)$", re.S)


def split_assignment(text: str, parameter: str | None) -> tuple[str, str | None]:
    """Accept ``rho' = EXPR`` / ``rho = EXPR`` as naming the parameter.

    Returns
    -------
    tuple
        The expression text and the parameter name (``parameter`` when the text
        is not an assignment).

    Raises
    ------
    ExpressionError
        When the text names a parameter other than ``parameter``.
    """
    match = _ASSIGNMENT.match(text)
    if not match:
        return text, parameter
    name, body = match.group(1), match.group(2)
    if parameter is not None and parameter != name:
        raise ExpressionError(f"parameter is {parameter!r} but the claim names {name!r}",
                              parameter="parameter")
    return body, name


@dataclass
class Setup:
    """What a claim is about: family, layer kind name and activation name.

    A kernel claim has only the activation (as given by the user).
    """

    family: Any = None
    layer: str | None = None
    activation: str = "relu"


@dataclass(frozen=True)
class ClaimRequest:
    """One claim as a verifier receives it.

    Attributes
    ----------
    text
        The claimed formula (user text, not yet parsed).
    setup
        What it is about (for a kernel claim, only the activation).
    parameter, at, multiplicity, symmetry, point
        The options of :func:`proofs_check.formulas.verify` (``None`` when not given).
    extra_n
        A batch size checked first (``n``).
    dps
        Digits of agreement required at every point.
    rng
        The generator of the random points (:mod:`proofs_check.formulas.points`).
    """

    text: str
    setup: Setup
    dps: int
    rng: random.Random
    parameter: str | None = None
    at: str | None = None
    multiplicity: str | int | None = None
    symmetry: str | None = None
    point: Mapping[str, str] | None = None
    extra_n: int | None = None


def setup(family: str | None, layer: str | None, activation: str, quantity: str) -> Setup:
    """Look up the family and layer of a claim about ``quantity``.

    The activation is ``"identity"`` when the layer has no nonlinearity.

    Raises
    ------
    InvalidInputError
        When ``family`` or ``layer`` is missing.
    UnknownNameError
        For an unknown family, layer kind or activation.
    """
    if family is None or layer is None:
        missing = "family" if family is None else "layer"
        raise InvalidInputError(f"{missing} is required for the quantity {quantity!r} "
                                "(give family and layer)", parameter=missing)
    fam = get_family(family)
    kind = parse_layer(layer)
    act = get_activation(activation).name if kind.nl else "identity"
    return Setup(fam, kind.name, act)


def parse_claim(text: str, variables: Mapping[str, sp.Symbol], what: str) -> sp.Expr:
    """Parse user text with the whitelist parser (which reads ``^`` as ``**``)."""
    return parse_expression(text, variables, what=what)


def n_variables(family: Any) -> dict[str, sp.Symbol]:
    """The batch-size variables a claim about ``family`` may use: ``n`` (and ``m``)."""
    out = {"n": n}
    if m in family.size_symbols:
        out["m"] = m
    return out


def family_parameter(fam: Any, name: str | None) -> sp.Symbol:
    """The parameter ``name`` of the family ``fam``.

    Raises
    ------
    InvalidInputError
        When ``name`` is ``None``.
    UnknownNameError
        When the family has no such parameter.
    """
    if name is None:
        raise InvalidInputError(f"parameter: name the family parameter, or write the claim "
                                f"as 'NAME = EXPR' (parameters of {fam.name}: "
                                f"{', '.join(fam.parameter_names)})", parameter="parameter")
    for p in fam.parameters:
        if p.name == name:
            return p
    raise UnknownNameError(f"family {fam.name!r} has no parameter {name!r} "
                           f"(parameters: {', '.join(fam.parameter_names)})",
                           parameter="parameter")


def setup_context(setup: Setup) -> dict[str, str]:
    """The context lines of a result: family, layer and activation."""
    return {"family": setup.family.name, "layer": setup.layer, "activation": setup.activation}


__all__ = ["C", "KERNEL_VARIABLES", "SII", "SIJ", "SJJ", "ClaimRequest", "Setup",
           "family_parameter", "n_variables", "parse_claim", "setup", "setup_context",
           "split_assignment"]
