"""Claims, verdicts, the ``bnverify`` command line and reports.

Uses ``theory`` (exact derivations) and ``numerics`` (precise, certified and
simulated evaluation); neither of those imports this package.
"""

from theory.errors import (
    BnverifyError,
    ExpressionError,
    GramError,
    InvalidInputError,
    NotClosedFormError,
    PrecisionError,
    UnknownNameError,
)

__all__ = [
    "BnverifyError",
    "ExpressionError",
    "GramError",
    "InvalidInputError",
    "NotClosedFormError",
    "PrecisionError",
    "UnknownNameError",
]
