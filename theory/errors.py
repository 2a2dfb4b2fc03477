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


class NotEnclosableError(BnverifyError):
    """An expression the ball arithmetic cannot enclose rigorously: a function outside
    its whitelist, a kink set SymPy cannot list, a growth it cannot bound."""
