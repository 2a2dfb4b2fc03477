"""The whitelist parser: user text is data."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory.activations import get_activation
from theory.errors import ExpressionError, UnknownNameError
from theory.expressions import parse_expression

x = sp.Symbol("x")

MALICIOUS = [
    "__import__('os').system('true')",
    "lambda: 1",
    "x.__class__",
    "(x",
    "y + 1",
    "x[0]",
    "max(x, key=1)",
    "9**9**9",
    "'a'",
    "x if x else 1",
    "[x]",
    "exec('1')",
    "x; 1",
]


@pytest.mark.parametrize("text", MALICIOUS)
def test_rejected_with_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text, {"x": x})


def test_caret_is_power_with_power_precedence() -> None:
    assert parse_expression("1 - x^2", {"x": x}) == 1 - x**2
    assert parse_expression("2*x^3/(x^2+1)", {"x": x}) == 2 * x**3 / (x**2 + 1)


def test_decimals_are_exact() -> None:
    assert parse_expression("0.1*x", {"x": x}) == sp.Rational(1, 10) * x


@given(st.text(max_size=40))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        parse_expression(text, {"x": x})
    except ExpressionError:
        pass


def test_unknown_activation_name() -> None:
    with pytest.raises(UnknownNameError):
        get_activation("relu6")
    assert get_activation("leaky_relu(0.2)").slopes == (sp.Rational(1, 5), 1)
    assert get_activation("x*erf(x)").user
