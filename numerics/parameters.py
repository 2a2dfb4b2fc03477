"""Validation of scalar parameters: the one home, raising errors that name the parameter.

Each check raises :class:`theory.errors.InvalidInputError` with a one-line message that
names the Python parameter (the command line translates parameter names to flags).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from numerics.gram import to_fraction
from theory.errors import GramError, InvalidInputError

__all__ = ["check_float", "check_int", "sigma_fraction"]


def check_int(name: str, value: object, low: int) -> int:
    """``value`` as an ``int >= low`` (an integral float is accepted; a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InvalidInputError(f"{name} must be an integer, got {value!r}", parameter=name)
    if value < low:
        raise InvalidInputError(f"{name} must be >= {low}, got {value}", parameter=name)
    return int(value)


def check_float(name: str, value: object, low: float, strict: bool) -> float:
    """``value`` as a finite float ``>= low`` (``> low`` when ``strict``)."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number, got {value!r}", parameter=name
                                ) from None
    if not math.isfinite(x) or x < low or (strict and x == low):
        op = ">" if strict else ">="
        raise InvalidInputError(f"{name} must be a finite number {op} {low}, got {value!r}",
                                parameter=name)
    return x


def sigma_fraction(sigma_w2: Any) -> Fraction:
    """The weight variance ``sigma_w^2`` as an exact positive fraction.

    Validated once, before any route, so that the search, the Jacobian and the
    certificate all see the same exact value.
    """
    try:
        value = to_fraction(sigma_w2, where="sigma_w2")
    except GramError as exc:
        raise InvalidInputError(str(exc), parameter="sigma_w2") from None
    if value <= 0:
        raise InvalidInputError(f"sigma_w2 must be positive, got {sigma_w2}", parameter="sigma_w2")
    return value
