"""The activation registry: name -> SymPy expression, homogeneity, kernel family.

Every activation of docs/theory.md section 1 is one :class:`Activation`.  The
positively homogeneous ones share two kernel families (as neural-tangents'
``ABRelu`` does):

* degree 1: ``phi(x) = a min(x, 0) + b max(x, 0)``: identity ``(1, 1)``, ReLU
  ``(0, 1)``, leaky ReLU ``(alpha, 1)``, absolute value ``(-1, 1)``;
* degree 0: ``phi(x) = a 1{x<0} + b 1{x>0}``: step ``(0, 1)``, sign ``(-1, 1)``.

``erf`` has the closed-form arcsine kernel; ``tanh``, ``gelu``, ``silu``
(``swish``), ``sigmoid``, ``softplus``, ``elu``, ``selu``, ``celu`` and user
expressions have none (their maps are evaluated numerically, or certified by the
Hermite series of :mod:`numerics.hermite`).

A user expression in the single variable ``x`` is accepted wherever an
activation name is; it is parsed by :func:`theory.expressions.parse_expression`
(a whitelist, never ``eval``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from theory.errors import ExpressionError, UnknownNameError
from theory.expressions import parse_expression

#: The variable of every activation expression.
X = sp.Symbol("x", real=True)

DEFAULT_LEAKY_ALPHA = sp.Rational(1, 100)


@dataclass(frozen=True)
class Activation:
    """One activation ``phi``.

    Attributes
    ----------
    name
        Canonical spec, parseable by :func:`get_activation` (``"relu"``,
        ``"leaky_relu(1/10)"``, ``"x*erf(x)"``).
    expr
        ``phi(x)`` as a SymPy expression in :data:`X`.
    degree
        Degree of positive homogeneity (``phi(c x) = c^degree phi(x)`` for
        ``c > 0``): 1, 0, or ``None`` when not homogeneous.
    slopes
        ``(a, b)`` of the degree-1 or degree-0 family, else ``None``.
    kernel_family
        ``"abrelu"``, ``"abstep"``, ``"erf"`` (closed forms) or ``None``.
    user
        True for a user expression.
    growth
        ``(p_0, p_1, ...)`` with ``|phi(x)| <= sum_j p_j |x|^j`` for all real ``x``
        (declared for the built-ins; ``None``: derived from ``expr`` when needed, see
        :func:`numerics.balls.polynomial_envelope`).
    """

    name: str
    expr: sp.Expr
    degree: int | None = None
    slopes: tuple[sp.Rational, sp.Rational] | None = None
    kernel_family: str | None = None
    user: bool = False
    growth: tuple[sp.Rational, ...] | None = None
    _numpy: Callable[[np.ndarray], np.ndarray] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def closed_form(self) -> bool:
        """Whether the kernel ``V_phi`` has a closed form in this project."""
        return self.kernel_family is not None

    @property
    def homogeneous(self) -> bool:
        return self.degree is not None

    def numpy(self, x: np.ndarray) -> np.ndarray:
        """Evaluate ``phi`` entrywise in float64 (vectorised)."""
        if self._numpy is not None:
            return self._numpy(x)
        return _lambdified(self.expr)(x)

    def value_at_zero(self) -> sp.Expr:
        """``phi(0)``; 0 for both homogeneous families by convention."""
        if self.degree is not None:
            return sp.Integer(0)
        return self.expr.subs(X, 0)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "expr": str(self.expr),
            "degree": self.degree,
            "closed_form_kernel": self.closed_form,
            "user_expression": self.user,
        }


def _lambdified(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    # The expression was built by our own whitelist parser, so the generated
    # code contains only the functions of theory.expressions.FUNCTIONS.
    fn = sp.lambdify(X, expr, modules=["scipy", "numpy"])

    def evaluate(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.broadcast_to(np.asarray(fn(x), dtype=float), x.shape).copy()

    return evaluate


def _abrelu(name: str, a: sp.Expr, b: sp.Expr) -> Activation:
    a, b = sp.nsimplify(a), sp.nsimplify(b)
    expr = a * sp.Min(X, 0) + b * sp.Max(X, 0)
    fa, fb = float(a), float(b)

    def fn(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, fb * x, fa * x)

    return Activation(name, expr, 1, (a, b), "abrelu", _numpy=fn)


def _abstep(name: str, a: sp.Expr, b: sp.Expr) -> Activation:
    a, b = sp.nsimplify(a), sp.nsimplify(b)
    expr = sp.Piecewise((b, X > 0), (a, X < 0), (0, True))
    fa, fb = float(a), float(b)

    def fn(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, fb, np.where(x < 0, fa, 0.0))

    return Activation(name, expr, 0, (a, b), "abstep", _numpy=fn)


def _erf() -> Activation:
    from scipy.special import erf

    return Activation("erf", sp.erf(X), None, None, "erf", _numpy=erf)


def _plain(name: str, expr: sp.Expr, fn: Callable[[np.ndarray], np.ndarray]) -> Activation:
    return Activation(name, expr, None, None, None, _numpy=fn)


def _gelu_np(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _silu_np(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return x * expit(x)


def _sigmoid_np(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(x)


def _softplus() -> Activation:
    # log(1 + e^x) <= log 2 + max(x, 0) <= 1 + |x|
    return Activation("softplus", sp.log(1 + sp.exp(X)), growth=(sp.Integer(1), sp.Integer(1)),
                      _numpy=lambda x: np.logaddexp(0.0, np.asarray(x, dtype=float)))


def _exponential_linear(name: str, alpha: sp.Expr, scale: sp.Expr, inner: sp.Expr
                        ) -> Activation:
    """``scale * (x if x > 0 else alpha (exp(x / inner) - 1))``; for ``x <= 0`` the second
    branch lies in ``(-alpha, 0]`` (``alpha, inner > 0``), so
    ``|phi(x)| <= scale (alpha + |x|)``."""
    if alpha <= 0 or inner <= 0:
        raise ExpressionError(f"activation {name!r}: the parameter must be positive")
    expr = scale * sp.Piecewise((X, X > 0), (alpha * (sp.exp(X / inner) - 1), True))
    fa, fs, fi = float(alpha), float(scale), float(inner)

    def fn(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return fs * np.where(x > 0, x, fa * np.expm1(np.minimum(x, 0.0) / fi))

    return Activation(name, expr, growth=(scale * alpha, scale), _numpy=fn)


def _elu(alpha: sp.Expr | None) -> Activation:
    alpha = sp.Integer(1) if alpha is None else sp.nsimplify(alpha)
    name = "elu" if alpha == 1 else f"elu({alpha})"
    return _exponential_linear(name, alpha, sp.Integer(1), sp.Integer(1))


def _celu(alpha: sp.Expr | None) -> Activation:
    alpha = sp.Integer(1) if alpha is None else sp.nsimplify(alpha)
    name = "celu" if alpha == 1 else f"celu({alpha})"
    return _exponential_linear(name, alpha, sp.Integer(1), alpha)


#: SELU's constants (Klambauer et al. 2017) to 32 digits, as exact rationals.
SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")
SELU_SCALE = sp.Rational("1.0507009873554804934193349852946")


def _leaky(alpha: sp.Expr | None) -> Activation:
    alpha = DEFAULT_LEAKY_ALPHA if alpha is None else sp.nsimplify(alpha)
    return _abrelu(f"leaky_relu({alpha})", alpha, 1)


#: name -> factory taking the optional parameter (``None`` when absent).
_REGISTRY: dict[str, Callable[[sp.Expr | None], Activation]] = {
    "identity": lambda p: _abrelu("identity", 1, 1),
    "relu": lambda p: _abrelu("relu", 0, 1),
    "leaky_relu": _leaky,
    "abs": lambda p: _abrelu("abs", -1, 1),
    "step": lambda p: _abstep("step", 0, 1),
    "sign": lambda p: _abstep("sign", -1, 1),
    "erf": lambda p: _erf(),
    "tanh": lambda p: _plain("tanh", sp.tanh(X), np.tanh),
    "gelu": lambda p: _plain("gelu", X * (1 + sp.erf(X / sp.sqrt(2))) / 2, _gelu_np),
    "silu": lambda p: _plain("silu", X / (1 + sp.exp(-X)), _silu_np),
    "sigmoid": lambda p: _plain("sigmoid", 1 / (1 + sp.exp(-X)), _sigmoid_np),
    "softplus": lambda p: _softplus(),
    "elu": _elu,
    "selu": lambda p: _exponential_linear("selu", SELU_ALPHA, SELU_SCALE, sp.Integer(1)),
    "celu": _celu,
}

_ALIASES = {
    "linear": "identity",
    "id": "identity",
    "none": "identity",
    "leaky-relu": "leaky_relu",
    "leakyrelu": "leaky_relu",
    "absolute": "abs",
    "heaviside": "step",
    "swish": "silu",
    "logistic": "sigmoid",
}

_PARAMETRISED = {"leaky_relu", "elu", "celu"}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_WITH_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_\-]*)\s*[(:]\s*([^()]*?)\s*\)?$")


def list_activations() -> list[str]:
    """The names of the built-in activations."""
    return list(_REGISTRY)


def _canonical(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def _parse_parameter(text: str, spec: str) -> sp.Expr:
    try:
        value = sp.Rational(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise ExpressionError(f"activation {spec!r}: parameter {text!r} is not a number",
                              parameter="activation") from None
    return value


def get_activation(spec: str | Activation) -> Activation:
    """Return the activation named by ``spec``.

    ``spec`` is a built-in name (see :func:`list_activations`; aliases such as
    ``linear``, ``leaky-relu``, ``swish`` are accepted), a parametrised name
    ``leaky_relu(0.2)`` / ``leaky_relu:1/5``, or a SymPy expression in ``x``
    such as ``"x*erf(x)"``.

    Raises
    ------
    UnknownNameError
        For a bare name that is not an activation.
    ExpressionError
        For an expression that does not parse or uses names other than ``x``.
    """
    if isinstance(spec, Activation):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise UnknownNameError("activation: empty name", parameter="activation")
    text = spec.strip()
    if _NAME.match(text):
        key = _canonical(text)
        if key in _REGISTRY:
            return _REGISTRY[key](None)
        if key != "x":
            known = ", ".join(list_activations())
            raise UnknownNameError(
                f"unknown activation {text!r} (known: {known}; or an expression in x)",
                parameter="activation")
    match = _WITH_PARAM.match(text)
    if match and _canonical(match.group(1)) in _PARAMETRISED:
        return _REGISTRY[_canonical(match.group(1))](_parse_parameter(match.group(2), text))
    expr = parse_expression(text, {"x": X}, what="activation", parameter="activation")
    if not expr.has(X):
        raise ExpressionError(f"activation {text!r} does not depend on x", parameter="activation")
    return Activation(text, expr, None, None, None, user=True)
