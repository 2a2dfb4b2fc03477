"""Validation of user Gram matrices: the one home used everywhere.

A Gram matrix ``G`` (docs/theory.md section 1) is a real symmetric positive
semi-definite ``n x n`` matrix with ``n >= 2``.  :func:`validate_gram` checks,
in this order, and raises with a one-line message:

======================================  =========================================
defect                                   exception
======================================  =========================================
not 2-D / ragged / not square            :class:`~theory.errors.GramError`
``n < 2``                                :class:`~theory.errors.InvalidInputError`
an entry that is not a number            :class:`~theory.errors.GramError`
NaN or infinity (or beyond 1e300)        :class:`~theory.errors.GramError`
``|G_ij - G_ji| > SYMMETRY_RTOL max|G|`` :class:`~theory.errors.GramError`
``lambda_min < -PSD_RTOL lambda_max``    :class:`~theory.errors.GramError`
======================================  =========================================

with ``SYMMETRY_RTOL = 1e-12`` and ``PSD_RTOL = 1e-10`` (relative to the
largest entry, resp. the largest eigenvalue, computed in float64 whose own
error ~ ``n 1e-16`` is far below the tolerance).  A matrix accepted within
these tolerances is symmetrised, ``(G + G^T)/2``; a negative eigenvalue inside
the PSD tolerance is treated by the maps as zero (they say so in their notes).

A zero matrix is valid here: whether the map is defined on it (RS on a zero
covariance, ``F_hat`` when ``tr F = 0``) is decided by the map.

Entries may be ints, floats, decimal strings (``"0.1"``, ``"1e-30"``,
``"1/3"``), :class:`fractions.Fraction`, mpmath or SymPy numbers.  They are
held exactly as rationals (:func:`exact_gram`), so that a decimal string keeps
all its digits whatever the working precision later.  SymPy is not imported here
(reading a Gram file stays cheap): its numbers are recognised once it is loaded.
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from theory.errors import BnverifyError, GramError, InvalidInputError

__all__ = [
    "exact_pivots",
    "schur_pivots",
    "exact_gram",
    "ExactMatrix",
    "MAX_ENTRY",
    "PSD_RTOL",
    "read_gram_file",
    "SYMMETRY_RTOL",
    "to_fraction",
    "validate_gram",
]

#: Largest admissible ``|G_ij - G_ji| / max|G|``.
SYMMETRY_RTOL = 1e-12
#: Largest admissible ``-lambda_min / lambda_max``.
PSD_RTOL = 1e-10
#: Entries beyond this magnitude are rejected (float64 would overflow in checks).
MAX_ENTRY = 1e300

ExactMatrix = list[list[Fraction]]


def to_fraction(x: Any, *, where: str = "value") -> Fraction:
    """The exact rational value of a number or decimal string.

    Raises
    ------
    GramError
        For something that is not a finite real number.
    """
    try:
        if isinstance(x, bool):
            raise TypeError
        if isinstance(x, Fraction):
            return x
        if isinstance(x, numbers.Integral):
            return Fraction(int(x))
        if isinstance(x, float | np.floating):
            if not math.isfinite(float(x)):
                raise GramError(f"{where} is {float(x)} (NaN or infinity are not allowed)")
            return Fraction(float(x))
        if isinstance(x, str):
            text = x.strip()
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                raise GramError(f"{where} is {text!r} (NaN or infinity are not allowed)")
            return Fraction(text)
        if isinstance(x, mpmath.mpf):
            if not mpmath.isfinite(x):
                raise GramError(f"{where} is {x} (NaN or infinity are not allowed)")
            sign, man, exp, _ = x._mpf_  # man_exp drops the sign
            return (-1) ** sign * Fraction(int(man)) * Fraction(2) ** exp
        sp = sys.modules.get("sympy")  # a SymPy number exists only once SymPy is loaded
        if sp is not None and isinstance(x, sp.Rational):
            return Fraction(int(x.p), int(x.q))
        if sp is not None and isinstance(x, sp.Basic) and x.is_number and x.is_real:
            if not x.is_finite:
                raise GramError(f"{where} is {x} (NaN or infinity are not allowed)")
            with mpmath.workdps(40):
                return to_fraction(mpmath.mpf(sp.N(x, 40)), where=where)
        if isinstance(x, numbers.Real):
            return to_fraction(float(x), where=where)
    except GramError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        pass
    raise GramError(f"{where} is not a real number: {str(x)[:40]!r}")


def _rows(G: Any, what: str) -> list[list[Any]]:
    if isinstance(G, mpmath.matrix):
        return [[G[i, j] for j in range(G.cols)] for i in range(G.rows)]
    sp = sys.modules.get("sympy")  # a SymPy matrix exists only once SymPy is loaded
    if sp is not None and isinstance(G, sp.MatrixBase):
        return [list(G.row(i)) for i in range(G.rows)]
    if isinstance(G, np.ndarray):
        if G.ndim != 2:
            raise GramError(f"{what}: expected a 2-D matrix, got an array with {G.ndim} dimensions")
        return G.tolist()
    if not isinstance(G, list | tuple):
        raise GramError(f"{what}: expected a matrix (nested list), got {type(G).__name__}")
    if not all(isinstance(row, list | tuple) for row in G):
        raise GramError(f"{what}: expected a 2-D matrix (a list of rows)")
    return [list(row) for row in G]


def _exact_and_float(G: Any, what: str, symmetry_rtol: float, psd_rtol: float):
    rows = _rows(G, what)
    n = len(rows)
    if n == 0:
        raise GramError(f"{what}: empty matrix")
    for i, row in enumerate(rows):
        if len(row) != n:
            if all(len(r) == len(rows[0]) for r in rows):
                raise GramError(f"{what}: matrix is not square ({n} x {len(rows[0])})")
            raise GramError(
                f"{what}: rows of unequal length (row {i} has {len(row)}, expected {n})"
            )
    if n < 2:
        raise InvalidInputError(f"{what}: a batch needs n >= 2 points, got n = {n}")
    exact = [[to_fraction(x, where=f"{what}[{i}][{j}]") for j, x in enumerate(row)]
             for i, row in enumerate(rows)]
    biggest = max(abs(x) for row in exact for x in row)
    if biggest > MAX_ENTRY:
        raise GramError(f"{what}: an entry exceeds {MAX_ENTRY:g} in magnitude")
    worst, where = Fraction(0), (0, 0)
    for i in range(n):
        for j in range(i + 1, n):
            gap = abs(exact[i][j] - exact[j][i])
            if gap > worst:
                worst, where = gap, (i, j)
    if worst > Fraction(symmetry_rtol) * biggest:
        i, j = where
        raise GramError(
            f"{what}: not symmetric: |G[{i}][{j}] - G[{j}][{i}]| = {float(worst):.3g} exceeds "
            f"{symmetry_rtol:g} x max|G| = {float(Fraction(symmetry_rtol) * biggest):.3g}"
        )
    sym = [[(exact[i][j] + exact[j][i]) / 2 for j in range(n)] for i in range(n)]
    arr = np.array([[float(x) for x in row] for row in sym], dtype=float)
    eig = np.linalg.eigvalsh(arr)
    top = max(float(eig[-1]), 0.0)
    if eig[0] < 0 and eig[0] < -psd_rtol * top:
        raise GramError(
            f"{what}: not positive semi-definite: smallest eigenvalue {eig[0]:.3g} is below "
            f"-{psd_rtol:g} x largest eigenvalue ({top:.3g})"
        )
    return sym, arr


def validate_gram(
    G: Any,
    *,
    what: str = "gram",
    symmetry_rtol: float = SYMMETRY_RTOL,
    psd_rtol: float = PSD_RTOL,
) -> np.ndarray | mpmath.matrix:
    """Check that ``G`` is a Gram matrix and return it symmetrised.

    Parameters
    ----------
    G
        Nested list / tuple, ``numpy.ndarray``, ``mpmath.matrix`` or SymPy matrix.
    what
        A word for error messages (``"gram"``, ``"gram file 'g.json'"``, ...).
    symmetry_rtol, psd_rtol
        Tolerances, relative to ``max|G|`` resp. ``lambda_max`` (see module doc).

    Returns
    -------
    numpy.ndarray or mpmath.matrix
        ``(G + G^T)/2``: an ``mpmath.matrix`` (at the current precision) when ``G``
        was one, else a float64 array.  For the exact entries use :func:`exact_gram`.

    Raises
    ------
    GramError, InvalidInputError
        With a one-line message (see module doc).
    """
    sym, arr = _exact_and_float(G, what, symmetry_rtol, psd_rtol)
    if isinstance(G, mpmath.matrix):
        return mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row]
                              for row in sym])
    return arr


def exact_gram(
    G: Any,
    *,
    what: str = "gram",
    symmetry_rtol: float = SYMMETRY_RTOL,
    psd_rtol: float = PSD_RTOL,
) -> ExactMatrix:
    """Validate ``G`` like :func:`validate_gram` and return ``(G + G^T)/2`` as exact rationals."""
    return _exact_and_float(G, what, symmetry_rtol, psd_rtol)[0]


def read_gram_file(path: str | Path, *, what: str | None = None) -> list[list[str]]:
    """Read a Gram matrix from a JSON file and validate it.

    The file holds a nested list ``[[1, 0.5], [0.5, 1]]`` (or an object with a
    ``"gram"`` key holding one).  Numbers may also be decimal strings.

    Returns
    -------
    list of list of str
        The validated (not yet symmetrised) entries as the decimal text of the
        file, so that no digit is lost before a map converts them at its
        working precision.

    Raises
    ------
    GramError
        For an unreadable file, malformed JSON, or an invalid matrix (one line).
    InvalidInputError
        For ``n < 2``.
    """
    label = what or f"gram file {str(path)!r}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise GramError(f"{label}: cannot read: {reason}", parameter="path") from None
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise GramError(f"{label}: malformed JSON: {msg}", parameter="path") from None
    if isinstance(data, dict):
        if "gram" not in data:
            raise GramError(f"{label}: expected a nested list or an object with a 'gram' key",
                            parameter="path")
        data = data["gram"]
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise GramError(f"{label}: expected a nested list of numbers (a list of rows)",
                        parameter="path")
    for i, row in enumerate(data):
        for j, x in enumerate(row):
            if not isinstance(x, str):
                raise GramError(f"{label}: entry [{i}][{j}] is not a number: {str(x)[:40]!r}",
                                parameter="path")
    try:
        validate_gram(data, what=label)
    except BnverifyError as exc:  # the matrix is the file's content: name the file
        exc.parameter = "path"
        raise
    return data


def exact_pivots(S: ExactMatrix) -> list[int]:
    """Indices ``J`` with ``S_JJ`` nonsingular and ``rank S = |J|``, exactly.

    Cholesky with diagonal pivoting in rational arithmetic: pick the largest
    remaining Schur-complement diagonal while it is positive.  For PSD ``S`` a
    zero Schur diagonal means a zero row, so ``|J|`` is the exact rank.
    """
    return [k for k, _ in schur_pivots(S)]


def schur_pivots(S: ExactMatrix) -> list[tuple[int, Fraction]]:
    """The pivots of :func:`exact_pivots` with their (exact, positive) Schur diagonals.

    ``max / min`` of the diagonals is, within a factor ``n``, the condition number of
    ``S_JJ``: the digits a floating Cholesky factor of it loses."""
    n = len(S)
    R = [row[:] for row in S]
    pivots: list[tuple[int, Fraction]] = []
    remaining = set(range(n))
    while remaining:
        k = max(remaining, key=lambda i: R[i][i])
        if R[k][k] <= 0:
            break
        pivots.append((k, R[k][k]))
        remaining.discard(k)
        piv = R[k][k]
        col = {i: R[i][k] for i in remaining}
        for i in remaining:
            if col[i] == 0:
                continue
            f = col[i] / piv
            Ri, Rk = R[i], R[k]
            for j in remaining:
                Ri[j] -= f * Rk[j]
    return pivots
