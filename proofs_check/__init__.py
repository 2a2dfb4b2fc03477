"""Claims, verdicts, the ``bnverify`` command line and reports.

Uses ``theory`` (exact derivations) and ``numerics`` (precise, certified and
simulated evaluation); neither of those imports this package.
"""

from proofs_check.formulas import verify, verify_file
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
    "verify",
    "verify_file",
    "BnverifyError",
    "ExpressionError",
    "GramError",
    "InvalidInputError",
    "NotClosedFormError",
    "PrecisionError",
    "UnknownNameError",
]

