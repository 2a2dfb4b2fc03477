"""Tests of proofs_check.formulas.quantities: the public API, unknown and malicious input."""

from __future__ import annotations

import pytest

import proofs_check
from proofs_check.formulas import verify
from theory.errors import ExpressionError, UnknownNameError


def test_public_api_names() -> None:
    assert proofs_check.verify is verify
    assert callable(proofs_check.verify_file)


@pytest.mark.parametrize("expr", ["__import__('os')", "lambda: 1", "c.real", "(c + 1",
                                  "foo*c", "c[0]"])
def test_malicious_input_rejected(expr: str) -> None:
    with pytest.raises(ExpressionError):
        verify("kernel", expr)


def test_unknown_quantity() -> None:
    with pytest.raises(UnknownNameError):
        verify("entropy", "1")
