"""The exception classes users catch (defined in :mod:`theory.errors`).

Every error the tool raises on bad input is a :class:`BnverifyError`
(a ``ValueError``); the command line turns it into exit status 2 and one line
on stderr.

========================  ====================================================
class                     raised for
========================  ====================================================
``InvalidInputError``     a parameter out of range (``n < 2``, width 0, ...)
``UnknownNameError``      an unknown activation, layer, family, claim, ...
``ExpressionError``       user text that is not an admissible expression
``GramError``             a non-square, asymmetric, non-PSD or non-finite Gram
``PrecisionError``        a precision too low to certify
``NotClosedFormError``    a symbolic quantity without closed form
``NotEnclosableError``    an expression the ball arithmetic cannot enclose
========================  ====================================================
"""

from theory.errors import (
    BnverifyError,
    ExpressionError,
    GramError,
    InvalidInputError,
    NotClosedFormError,
    NotEnclosableError,
    PrecisionError,
    UnknownNameError,
)

__all__ = [
    "BnverifyError",
    "ExpressionError",
    "GramError",
    "InvalidInputError",
    "NotClosedFormError",
    "NotEnclosableError",
    "PrecisionError",
    "UnknownNameError",
]
