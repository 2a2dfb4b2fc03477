"""The exception classes users catch.

They live in the lowest layer (``theory``) so that every package can raise
them; ``proofs_check.errors`` re-exports them.  The command line maps every
``BnverifyError`` to exit status 2 and a one-line message on stderr.

All derive from ``ValueError`` so that callers that already catch bad values
keep working.
"""

from __future__ import annotations


class BnverifyError(ValueError):
    """Base class: bad input or a request the tool cannot honour."""


class InvalidInputError(BnverifyError):
    """A parameter out of its domain: ``n < 2``, width 0, negative depth, ..."""


class UnknownNameError(BnverifyError):
    """An unknown activation, layer component, family, claim, quantity, ..."""


class ExpressionError(BnverifyError):
    """User text that is not an admissible expression (names a token)."""


class GramError(BnverifyError):
    """A matrix that is not a valid Gram matrix (asymmetric, not PSD, NaN, ...)."""


class PrecisionError(BnverifyError):
    """A precision too low to certify, or a result that lost its precision."""


class NotClosedFormError(BnverifyError):
    """A symbolic quantity that has no closed form in this project.

    Raised, for example, for the kernel of a user-given activation: its map is
    then evaluated numerically by ``numerics``.
    """


class NonFiniteError(InvalidInputError, PrecisionError):
    """A NaN, an infinity, an overflow or an underflow met where a result was due.

    Raised instead of returning the non-finite value: an activation not defined
    (or overflowing) at a pre-activation, a Gram matrix that leaves float64 range
    after many layers, a log-growth that is not a number.  ``parameter`` names
    the Python parameter to change (``"activation"``, ``"depth"``,
    ``"renormalise"``, ...; None when no single one is to blame) so that the
    command line can name its flag.  A subclass of both
    :class:`InvalidInputError` (the input caused it) and :class:`PrecisionError`
    (the float64 result lost its meaning).
    """

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
