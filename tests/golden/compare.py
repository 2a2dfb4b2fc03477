"""Compare an output with its golden record: verdicts exactly, numbers to their precision.

Rules (``compare`` returns the list of differences, empty when they agree):

* every non-numeric value (verdicts, labels, multiplicities, booleans, ints) exactly;
* a number printed as a string by an mpmath route at ``--dps D``: within
  ``10**-(D-2) * max(1, |a|, |b|)`` (two guard digits below the stated precision;
  absolute near 0, where the printed digits are noise below the precision);
* a bound (keys holding an enclosure or an error bound): within ``1e-6 * max(1, |a|, |b|)``:
  bounds are not values, their last digits follow the order of the arithmetic, and the
  verdicts they decide are compared exactly;
* wall times (keys ``seconds``) are not compared;
* a JSON float (float64 routes: statistics of seeded simulations): within
  ``1e-9 * max(1e-3, |a|, |b|)``.
"""

from __future__ import annotations

import re
from typing import Any

import mpmath

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?inf|nan")
_IGNORED = frozenset({"seconds"})
_BOUND_KEYS = ("enclosure", "error", "radius", "standard_error", "width")


def _is_bound(key: str | None) -> bool:
    return key is not None and any(part in key for part in _BOUND_KEYS)


def compare(old: Any, new: Any, dps: int, path: str = "$", key: str | None = None
            ) -> list[str]:
    if isinstance(old, dict):
        if not isinstance(new, dict) or set(old) != set(new):
            return [f"{path}: keys {sorted(old) if isinstance(old, dict) else old} != "
                    f"{sorted(new) if isinstance(new, dict) else new}"]
        return [d for k in old if k not in _IGNORED
                for d in compare(old[k], new[k], dps, f"{path}.{k}", k)]
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return [f"{path}: list length {len(old)} != "
                    f"{len(new) if isinstance(new, list) else new!r}"]
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True))
                for d in compare(a, b, dps, f"{path}[{i}]", key)]
    if isinstance(old, float) and isinstance(new, float | int) and not isinstance(new, bool):
        return _close(old, float(new), 1e-9, 1e-3, path)
    if isinstance(old, str) and isinstance(new, str) and _NUMBER.fullmatch(old) \
            and _NUMBER.fullmatch(new):
        tol = 1e-6 if _is_bound(key) else 10.0 ** -(dps - 2)
        with mpmath.workdps(dps + 10):  # parse the printed digits exactly enough
            return _close(mpmath.mpf(old), mpmath.mpf(new), tol, 1.0, path)
    return [] if old == new and type(old) is type(new) else [f"{path}: {old!r} != {new!r}"]


def _close(a: Any, b: Any, tol: float, floor: float, path: str) -> list[str]:
    if mpmath.isnan(a) and mpmath.isnan(b) or a == b:
        return []
    if abs(a - b) <= tol * max(floor, abs(a), abs(b)):
        return []
    return [f"{path}: {a!r} != {b!r} (tolerance {tol:g})"]
