"""The exception classes users catch: one hierarchy rooted at :class:`BnverifyError`.

They live in the lowest layer (``theory``) so that every package can raise
them; ``proofs_check.errors`` re-exports them.  Every failure a user can cause
(a bad value, an unknown name, an unreadable file, a request the tool cannot
honour) is a ``BnverifyError``; any other exception is a bug.  The command line
(:func:`proofs_check.cli.main`) maps every ``BnverifyError`` to exit status 2
and one line on stderr, and every other exception to exit status 3.

Library code names *Python parameters*, never command-line flags: an error
about one argument carries its name in :attr:`BnverifyError.parameter`
(``"sigma_w2"``, ``"n"``, ``"dps"``, ...) and its message starts with that name
(``"sigma_w2 must be positive, got -1"``); the command line translates the name
to its flag (``--sigma-w2``) with one table.

All derive from ``ValueError`` so that callers that already catch bad values
keep working.

========================  ====================================================
class                     raised for
========================  ====================================================
``InvalidInputError``     a parameter out of range (``n < 2``, width 0, ...)
                          or a combination of parameters that is refused
``UnknownNameError``      an unknown activation, layer, family, claim, ...
``ExpressionError``       user text that is not an admissible expression
``GramError``             a non-square, asymmetric, non-PSD or non-finite Gram
``PrecisionError``        a precision too low to certify
``NotClosedFormError``    a symbolic quantity without closed form, or a route
                          (certificate, exact Jacobian) that does not apply
========================  ====================================================
"""

from __future__ import annotations

__all__ = [
    "BnverifyError",
    "ExpressionError",
    "GramError",
    "InvalidInputError",
    "NotClosedFormError",
    "PrecisionError",
    "UnknownNameError",
]


class BnverifyError(ValueError):
    """Base class: bad input or a request the tool cannot honour.

    Parameters
    ----------
    message
        One sentence for the user; when ``parameter`` is given it starts with
        that name (``"dps must lie between 15 and 1000, got 3"``).
    parameter
        The Python parameter at fault (``"sigma_w2"``), or ``None`` when the
        error is not about one argument.  The command line names its flag.
    """

    def __init__(self, message: str = "", *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class InvalidInputError(BnverifyError):
    """A parameter out of its domain (``n < 2``, width 0, negative depth, ...),
    a refused combination of parameters, or an unreadable or malformed input file."""


class UnknownNameError(BnverifyError):
    """An unknown activation, layer component, family, claim, quantity, ..."""


class ExpressionError(BnverifyError):
    """User text that is not an admissible expression (names a token)."""


class GramError(BnverifyError):
    """A matrix that is not a valid Gram matrix (asymmetric, not PSD, NaN, ...)."""


class PrecisionError(BnverifyError):
    """A precision too low to certify, or a result that lost its precision."""


class NotClosedFormError(BnverifyError):
    """A symbolic quantity that has no closed form in this project, or a route
    (exact Jacobian, certificate) that does not apply to the request.

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
