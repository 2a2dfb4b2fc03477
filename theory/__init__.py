"""Exact (SymPy) mean-field theory of batch normalization.

The data path is one way: ``theory`` imports neither ``numerics`` nor
``proofs_check``.  See ``docs/theory.md`` (the project's specification) for the
notation used in every docstring: ``G`` a Gram matrix, ``S`` the covariance of
one pre-activation row, ``V_phi`` the kernel of an activation, ``F`` the
mean-field map and ``F_hat = n F / tr F`` the shape map.
"""

from theory.lazy import lazy_exports

#: Public names -> their module, imported on first access (PEP 562), so that
#: ``import theory.errors`` (every package's errors, the command line's start-up) loads
#: no SymPy.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "BnverifyError": "errors", "ExpressionError": "errors", "GramError": "errors",
    "InvalidInputError": "errors", "NotClosedFormError": "errors",
    "PrecisionError": "errors", "UnknownNameError": "errors",
    "Activation": "activations", "get_activation": "activations",
    "list_activations": "activations",
    "LayerKind": "layers", "parse_layer": "layers",
})
