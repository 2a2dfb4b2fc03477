"""Exact (SymPy) mean-field theory of batch normalization.

The data path is one way: ``theory`` imports neither ``numerics`` nor
``proofs_check``.  See ``THEORY.md`` (the project's specification) for the
notation used in every docstring: ``G`` a Gram matrix, ``S`` the covariance of
one pre-activation row, ``V_phi`` the kernel of an activation, ``F`` the
mean-field map and ``F_hat = n F / tr F`` the shape map.
"""

import importlib

from theory.errors import (
    BnverifyError,
    ExpressionError,
    GramError,
    InvalidInputError,
    NotClosedFormError,
    PrecisionError,
    UnknownNameError,
)

#: Public names defined by modules that import SymPy -> their module, imported on first
#: access (PEP 562) so that ``import theory.errors`` (every package's errors, the
#: command line's start-up) loads no SymPy.  ``theory`` imports nothing above it, so
#: this is its own copy of :func:`numerics.lazy.lazy_exports` in miniature.
_LAZY = {
    "Activation": "activations",
    "get_activation": "activations",
    "list_activations": "activations",
    "LayerKind": "layers",
    "parse_layer": "layers",
}


def __getattr__(name: str) -> object:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)


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
