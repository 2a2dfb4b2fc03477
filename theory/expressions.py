"""Parse user text into SymPy expressions with a whitelist of names.

User text is data: it is parsed by Python's ``ast`` module (which executes
nothing) and every node is translated by hand into SymPy.  Only numbers, the
arithmetic operators ``+ - * / **`` (``^`` is read as ``**``), parentheses, the variables the caller
allows and the functions of :data:`FUNCTIONS` are accepted; anything else
(attribute access, subscripts, lambdas, keywords, strings, unknown names)
raises :class:`~theory.errors.ExpressionError` naming the offending token.
Nothing is passed to ``eval``, ``sympify`` or ``parse_expr``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy as sp

from theory.errors import ExpressionError

#: Functions a user expression may call, by the name it uses.
FUNCTIONS: dict[str, sp.Function | type] = {
    "sqrt": sp.sqrt,
    "exp": sp.exp,
    "log": sp.log,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "Abs": sp.Abs,
    "abs": sp.Abs,
    "sign": sp.sign,
    "Heaviside": sp.Heaviside,
    "Max": sp.Max,
    "Min": sp.Min,
    "max": sp.Max,
    "min": sp.Min,
}

#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

#: Guards against expressions that are expensive to even build.
MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_INTEGER = 10**12
MAX_INTEGER_POWER = 64

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: None,  # handled separately (size guard)
}


def parse_expression(
    text: str,
    variables: Mapping[str, sp.Symbol],
    *,
    what: str = "expression",
    parameter: str | None = None,
) -> sp.Expr:
    """Parse ``text`` into a SymPy expression.

    Parameters
    ----------
    text
        The user's expression, e.g. ``"x*erf(x)"`` or ``"(n-2)/(n-1)"``.
    variables
        The names the expression may use, mapped to the symbols they denote.
    what
        A word for error messages (``"activation"``, ``"kernel"``, ...).
    parameter
        The Python parameter ``text`` came from (``"activation"``, ``"sigma_w2"``),
        carried by the error (:attr:`theory.errors.BnverifyError.parameter`).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ExpressionError
        With a one-line message naming the offending token.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{what}: expected a string, got {type(text).__name__}",
                              parameter=parameter)
    stripped = text.strip()
    if not stripped:
        raise ExpressionError(f"{what}: empty expression", parameter=parameter)
    if len(stripped) > MAX_LENGTH:
        raise ExpressionError(f"{what}: expression longer than {MAX_LENGTH} characters",
                              parameter=parameter)
    # '^' is a power, as mathematicians write it.  Python parses '^' as XOR, with
    # a precedence below '+' and '-', so it is rewritten before parsing (the
    # text has no other use for it).
    stripped = stripped.replace("^", "**")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        token = _offending_text(stripped, exc)
        raise ExpressionError(f"{what}: malformed expression near {token!r}",
                              parameter=parameter) from None
    except (ValueError, MemoryError, RecursionError):
        raise ExpressionError(f"{what}: malformed expression", parameter=parameter) from None
    try:
        return _Translator(variables, what, parameter).visit(tree.body, 0)
    except RecursionError:
        raise ExpressionError(f"{what}: expression nested too deeply",
                              parameter=parameter) from None


def _offending_text(text: str, exc: SyntaxError) -> str:
    offset = (exc.offset or 1) - 1
    return text[max(0, offset - 5) : offset + 5] or text[:10]


class _Translator:
    def __init__(self, variables: Mapping[str, sp.Symbol], what: str,
                 parameter: str | None = None) -> None:
        self.variables = dict(variables)
        self.what = what
        self.parameter = parameter

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(f"{self.what}: {message}", parameter=self.parameter)

    def visit(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise self.fail("expression nested too deeply")
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.fail(f"operator {_op_token(node.op)!r} is not allowed")
        if isinstance(node, ast.BinOp):
            op_type = type(node.op)
            if op_type not in _BINOPS:
                raise self.fail(f"operator {_op_token(node.op)!r} is not allowed")
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            if op_type is ast.Pow:
                return self.power(left, right)
            return _BINOPS[op_type](left, right)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(f"{_node_token(node)!r} is not allowed")

    def constant(self, value: object) -> sp.Expr:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"constant {value!r} is not a number")
        if isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                raise self.fail(f"integer {value} is too large")
            return sp.Integer(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise self.fail(f"constant {value!r} is not finite")
        # Decimal literals are read exactly as the user wrote them: 0.1 -> 1/10.
        return sp.Rational(repr(value))

    def name(self, identifier: str) -> sp.Expr:
        if identifier in self.variables:
            return self.variables[identifier]
        if identifier in CONSTANTS:
            return CONSTANTS[identifier]
        if identifier in FUNCTIONS:
            raise self.fail(f"function {identifier!r} used without arguments")
        allowed = ", ".join(sorted(self.variables)) or "none"
        raise self.fail(f"unknown name {identifier!r} (allowed variables: {allowed})")

    def power(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.is_Number and abs(exponent) > MAX_INTEGER_POWER:
            raise self.fail(f"exponent {exponent} is too large")
        return sp.Pow(base, exponent)

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(f"{_node_token(node.func)!r} is not a callable name")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r}")
        if node.keywords:
            raise self.fail(f"keyword arguments are not allowed in {name!r}")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.fail(f"starred arguments are not allowed in {name!r}")
        args = [self.visit(arg, depth + 1) for arg in node.args]
        try:
            return FUNCTIONS[name](*args)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"bad arguments to {name!r}: {exc}") from None


def _op_token(op: ast.AST) -> str:
    return {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.Invert: "~",
        ast.Not: "not",
    }.get(type(op), type(op).__name__)


def _node_token(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return "." + node.attr
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.Subscript):
        return "[...]"
    try:
        return ast.unparse(node)[:30]
    except Exception:  # pragma: no cover - unparse of exotic nodes
        return type(node).__name__
