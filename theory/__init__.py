"""Exact (SymPy) mean-field theory of batch normalization.

The data path is one way: ``theory`` imports neither ``numerics`` nor
``proofs_check``.  See ``docs/theory.md`` (the project's specification) for the
notation used in every docstring: ``G`` a Gram matrix, ``S`` the covariance of
one pre-activation row, ``V_phi`` the kernel of an activation, ``F`` the
mean-field map and ``F_hat = n F / tr F`` the shape map.
"""

from theory.activations import Activation, get_activation, list_activations
from theory.errors import (
    BnverifyError,
    ExpressionError,
    GramError,
    InvalidInputError,
    NotClosedFormError,
    PrecisionError,
    UnknownNameError,
)
from theory.layers import LayerKind, parse_layer

__all__ = [
    "Activation",
    "BnverifyError",
    "ExpressionError",
    "GramError",
    "InvalidInputError",
    "LayerKind",
    "NotClosedFormError",
    "PrecisionError",
    "UnknownNameError",
    "get_activation",
    "list_activations",
    "parse_layer",
]
