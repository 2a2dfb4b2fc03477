"""Working precision: the one place that sets and reports it.

Policy
------
A caller asks for ``dps`` significant decimal digits.  Every mpmath
computation of ``numerics`` then runs inside :func:`working_precision`, which
uses ``mpmath.workdps(dps + GUARD_DIGITS)``: the ``GUARD_DIGITS`` extra digits
absorb the rounding errors of a computation of moderate length, so that the
``dps`` digits reported are not eaten by them.  Each result states its own
error bound; the guard digits are what makes that bound smaller than one unit
in the ``dps``-th digit in the common case.

The global ``mpmath.mp.dps`` is never changed behind the caller's back:
``mpmath.workdps`` restores it on exit, also on an exception.

``dps`` must lie in ``[MIN_DPS, MAX_DPS]``; anything else raises
:class:`theory.errors.PrecisionError`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import mpmath

from theory.errors import PrecisionError

__all__ = [
    "CLOSED_FORM_ULPS",
    "HERMITE_ORDER",
    "current_dps",
    "DEFAULT_DPS",
    "digits_of",
    "GUARD_DIGITS",
    "internal_dps",
    "MAX_DPS",
    "MIN_DPS",
    "unit_roundoff",
    "validate_dps",
    "working_precision",
]

#: Fewest significant digits a result may ask for (float64 carries ~15.95).
MIN_DPS = 15
#: Most digits a result may ask for (beyond this the quadratures become slow).
MAX_DPS = 1000
#: Default number of digits of results.
DEFAULT_DPS = 30
#: Safety factor on the few-ulp rounding analysis of the closed forms (and of the rounding
#: term of the quadrature routes): an error bound of ``CLOSED_FORM_ULPS * u * scale``.
CLOSED_FORM_ULPS = 64
#: Default truncation order ``K`` of the Hermite (Mehler) series of :mod:`numerics.hermite`.
HERMITE_ORDER = 60
#: Extra digits carried internally on top of the requested ones.
GUARD_DIGITS = 10


def validate_dps(dps: object) -> int:
    """Return ``dps`` as an ``int`` after checking ``MIN_DPS <= dps <= MAX_DPS``.

    Raises
    ------
    PrecisionError
        For a non-integer or out-of-range ``dps``.
    """
    if isinstance(dps, bool) or not isinstance(dps, int | float) or (
        isinstance(dps, float) and not dps.is_integer()
    ):
        raise PrecisionError(f"dps must be an integer, got {dps!r}", parameter="dps")
    value = int(dps)
    if value < MIN_DPS or value > MAX_DPS:
        raise PrecisionError(
            f"dps must lie between {MIN_DPS} and {MAX_DPS} significant digits, got {value}",
            parameter="dps")
    return value


def internal_dps(dps: int) -> int:
    """The working digits used for a request of ``dps`` digits: ``dps + GUARD_DIGITS``."""
    return validate_dps(dps) + GUARD_DIGITS


@contextlib.contextmanager
def working_precision(dps: int, *, guard: bool = True) -> Iterator[int]:
    """Run a block at ``dps`` (+ guard) decimal digits; restores the caller's precision.

    Parameters
    ----------
    dps
        The number of significant digits the caller wants in its results.
    guard
        Add :data:`GUARD_DIGITS` (default); ``False`` works at exactly ``dps``.

    Yields
    ------
    int
        The number of decimal digits actually in force inside the block.
    """
    digits = internal_dps(dps) if guard else validate_dps(dps)
    with mpmath.workdps(digits):
        yield digits


def current_dps() -> int:
    """The decimal digits of mpmath's current context (``mpmath.mp.dps``)."""
    return int(mpmath.mp.dps)


def unit_roundoff() -> mpmath.mpf:
    """``u = 2^-prec`` of the current mpmath context: the relative rounding error bound."""
    return mpmath.ldexp(mpmath.mpf(1), -mpmath.mp.prec)


def digits_of(error: float | mpmath.mpf, scale: float | mpmath.mpf) -> float:
    """Correct significant digits implied by an absolute ``error`` on a quantity of ``scale``.

    ``-log10(error / scale)``; ``inf`` for a zero error, 0 when the error exceeds the scale.
    """
    error, scale = abs(mpmath.mpf(error)), abs(mpmath.mpf(scale))
    if error == 0:
        return math.inf
    if scale == 0:
        return 0.0
    return max(0.0, float(-mpmath.log10(error / scale)))
