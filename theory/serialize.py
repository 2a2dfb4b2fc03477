"""Turn results into JSON: the one place that knows how numbers are written.

* SymPy expressions become ``{"text": str(expr), "latex": latex(expr)}`` when
  asked for with :func:`expr_json`; plain ``str(expr)`` parses back with
  :func:`theory.expressions.parse_expression`.
* mpmath numbers become decimal strings carrying their digits (``mpmath.nstr``).
* SymPy is imported only when a SymPy object is met (the command line's start-up).
* NumPy scalars and arrays become Python numbers and nested lists; non-finite
  floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` (JSON has none).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np

if TYPE_CHECKING:
    import sympy as sp


def expr_json(expr: sp.Expr) -> dict[str, str]:
    """``{"text": ..., "latex": ...}`` for a SymPy expression."""
    import sympy as sp  # lazy: a heavy library this module needs only here

    expr = sp.sympify(expr)
    return {"text": sp.sstr(expr), "latex": sp.latex(expr)}


def mp_str(x: Any, digits: int) -> str:
    """A decimal string of ``x`` with ``digits`` significant digits."""
    return mpmath.nstr(mpmath.mpf(x) if not isinstance(x, mpmath.mpc) else x, digits,
                       min_fixed=-5, max_fixed=5)


def to_jsonable(obj: Any) -> Any:
    """Recursively convert ``obj`` into plain JSON values."""
    if hasattr(obj, "to_json") and callable(obj.to_json):
        return to_jsonable(obj.to_json())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer | int):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(obj, mpmath.mpf | mpmath.mpc):
        return mpmath.nstr(obj, mpmath.mp.dps)
    sympy = sys.modules.get("sympy")  # a SymPy object exists only once SymPy is loaded
    if sympy is not None and isinstance(obj, sympy.Basic):
        return sympy.sstr(obj)
    return str(obj)
