"""Claims, verdicts, the ``bnverify`` command line and reports.

Uses ``theory`` (exact derivations) and ``numerics`` (precise, certified and
simulated evaluation); neither of those imports this package.  The public names
load lazily (PEP 562, :func:`theory.lazy.lazy_exports`): ``import proofs_check``
(and so the command line's start-up) loads no SymPy.
"""

from theory.lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "verify": "formulas",
    "verify_file": "formulas",
    "BnverifyError": "errors",
    "ExpressionError": "errors",
    "GramError": "errors",
    "InvalidInputError": "errors",
    "NotClosedFormError": "errors",
    "PrecisionError": "errors",
    "UnknownNameError": "errors",
})
