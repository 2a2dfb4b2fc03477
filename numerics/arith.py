r"""One arithmetic context for the kernel formulas: float64, mpmath, arb and acb balls.

A formula of :mod:`numerics.kernels` is written once against a small protocol and
runs in every number type the project uses, the way mpmath writes ``cot(ctx, z)``
once for its ``fp``, ``mp`` and ``iv`` contexts:

==================  ==========================================================
member              meaning
==================  ==========================================================
``name``            ``"float64"``, ``"mpmath"``, ``"arb"`` or ``"acb"``
``const(x)``        the exact rational ``x`` (a ``Fraction`` or ``int``) in the
                    context (rounded once; an exact ball when representable)
``pi()``            ``pi`` at the context's precision
``sqrtpos(x)``      ``sqrt(x)`` of a quantity that is ``>= 0`` mathematically
                    (rounding may make it slightly negative: read as 0)
``atan2(y, x)``     the two-argument arctangent
``atan2_sqrt(r, x)`` ``atan2(r, x)`` for ``r`` a square root (true value ``>= 0``)
``may_be_zero(x)``  whether ``x`` may be 0 (a ball containing 0; an exact 0)
==================  ==========================================================

Arithmetic (``+ - * /``) is the number type's own.  The contexts are
:data:`FLOAT64` (NumPy arrays, vectorised; no error bound), :data:`MPMATH` (the current
mpmath precision; rounding errors bounded by the callers' guard digits,
:mod:`numerics.precision`), :data:`ARB` (python-flint real balls: every result is a
proven enclosure) and :class:`AcbOps` (complex balls with the analyticity checks that
``flint.acb.integral`` needs).

This module is also the one place that touches python-flint's global precision
(:class:`workprec`) and converts between mpmath numbers, exact fractions and balls.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Protocol

import flint
import mpmath
import numpy as np

from numerics.gram import to_fraction
from theory.errors import InvalidInputError

__all__ = [
    "ARB",
    "FLOAT64",
    "MPMATH",
    "AcbOps",
    "ArbDiscriminantOps",
    "ArbOps",
    "Float64Ops",
    "MpOps",
    "Ops",
    "arb_log2",
    "arb_pow2",
    "arb_to_mpf",
    "exact_fraction",
    "flint",
    "mpf_to_arb",
    "workprec",
]


class Ops(Protocol):
    """The arithmetic context protocol (see the module docstring)."""

    name: str

    def const(self, x: Fraction | int) -> Any: ...

    def pi(self) -> Any: ...

    def sqrtpos(self, x: Any) -> Any: ...

    def atan2(self, y: Any, x: Any) -> Any: ...

    def atan2_sqrt(self, root: Any, x: Any) -> Any: ...

    def may_be_zero(self, x: Any, tol: Any = None) -> bool: ...


class Float64Ops:
    """NumPy float64 arrays (vectorised over any leading shape; no error bound)."""

    name = "float64"

    @staticmethod
    def const(x: Fraction | int) -> float:
        return float(Fraction(x))

    @staticmethod
    def pi() -> float:
        return float(np.pi)

    @staticmethod
    def sqrtpos(x: Any) -> Any:
        return np.sqrt(np.maximum(x, 0.0))

    @staticmethod
    def atan2(y: Any, x: Any) -> Any:
        return np.arctan2(y, x)

    atan2_sqrt = atan2

    @staticmethod
    def may_be_zero(x: Any, tol: Any = None) -> bool:
        return bool(np.any(np.abs(x) <= (tol if tol is not None else 0)))


class MpOps:
    """mpmath numbers at the current precision."""

    name = "mpmath"

    @staticmethod
    def const(x: Fraction | int) -> mpmath.mpf:
        x = Fraction(x)
        return mpmath.mpf(x.numerator) / x.denominator

    @staticmethod
    def pi() -> Any:
        return +mpmath.pi

    @staticmethod
    def sqrtpos(x: Any) -> Any:
        return mpmath.sqrt(x) if x > 0 else mpmath.mpf(0)

    @staticmethod
    def atan2(y: Any, x: Any) -> Any:
        return mpmath.atan2(y, x)

    @staticmethod
    def atan2_sqrt(root: Any, x: Any) -> Any:
        """``atan2(root, x)`` for ``root >= 0`` (a square root)."""
        return mpmath.atan2(root, x)

    @staticmethod
    def may_be_zero(x: Any, tol: Any = None) -> bool:
        return abs(x) <= (tol if tol is not None else 0)


class ArbOps:
    """python-flint ``arb`` balls (rigorous)."""

    name = "arb"

    @staticmethod
    def const(x: Fraction | int) -> Any:
        x = Fraction(x)
        return flint.arb(x.numerator) / x.denominator

    @staticmethod
    def pi() -> Any:
        return flint.arb.pi()

    @staticmethod
    def sqrtpos(x: Any) -> Any:
        if x > 0:
            return x.sqrt()
        hi = x.upper()
        if hi <= 0:
            return flint.arb(0)
        return flint.arb(0).union(hi.sqrt())

    @staticmethod
    def atan2(y: Any, x: Any) -> Any:
        return flint.arb.atan2(y, x)

    @staticmethod
    def atan2_sqrt(y: Any, x: Any) -> Any:
        """``atan2(y, x)`` for ``y`` the enclosure of a square root (true values ``>= 0``)."""
        arb = flint.arb
        if y.contains(0) and not x.contains(0):
            # y is a square root (>= 0): atan2 is monotone in y >= 0 for fixed x, so the
            # range over [0, hi] x X lies in the hull of the two corner evaluations.
            hi = y.upper()
            hi = hi if hi > 0 else arb(0)
            return arb.atan2(arb(0), x).union(arb.atan2(hi, x))
        return arb.atan2(y, x)

    @staticmethod
    def may_be_zero(x: Any, tol: Any = None) -> bool:
        return bool(x.contains(0))


class ArbDiscriminantOps(ArbOps):
    """Real balls with a known tight enclosure of the pair discriminant.

    The kernels take the square root of one quantity only, the discriminant
    ``D = S_ii S_jj - S_ij^2``; ``sqrtpos`` returns the root of the tighter enclosure
    ``discriminant`` (computed by the caller, e.g. by Cauchy-Binet) instead of its
    argument (both enclose the same number).
    """

    def __init__(self, discriminant: Any) -> None:
        self.discriminant = discriminant

    def sqrtpos(self, x: Any) -> Any:
        return ArbOps.sqrtpos(self.discriminant)


class AcbOps(ArbOps):
    """Complex balls for the kernel formulas, with arb's analyticity checks
    (``const``, ``pi`` and ``may_be_zero`` are :class:`ArbOps`'s).

    ``analytic`` is the flag :func:`flint.acb.integral` passes to the integrand:
    when set, each branch-cut function returns a non-finite ball unless it is
    analytic on the whole input ball.
    """

    name = "acb"

    def __init__(self, analytic: bool, discriminant: Any = None) -> None:
        self.analytic = analytic
        self.discriminant = discriminant

    def sqrtpos(self, x: Any) -> Any:
        """``sqrt(x)`` (branch cut checked with ``analytic``).  The kernels take the root
        of one quantity only, the discriminant ``D``; when a tighter enclosure of it
        is known (``discriminant``, by Cauchy-Binet) it is used instead of ``x`` (both
        enclose the same number: a ball not overlapping ``x`` is a bug, non-finite)."""
        if self.discriminant is not None:
            if not x.overlaps(self.discriminant):
                return flint.acb(flint.arb.nan())
            x = self.discriminant
        return x.sqrt(analytic=self.analytic)

    def atan2_sqrt(self, root: Any, x: Any) -> Any:
        """``atan2(root, x) = pi/2 - atan(x / root)`` for ``Re root > 0``; with
        ``analytic``, non-finite unless the ball ``z = x / root`` misses ``atan``'s
        branch cuts ``i(-oo, -1] U i[1, oo)`` (``Re z`` excludes 0 or ``|Im z| < 1``)."""
        z = x / root
        if self.analytic and z.real.contains(0) and not (abs(z.imag) < 1):
            return flint.acb(flint.arb.nan())
        return flint.arb.pi() / 2 - z.atan()


#: The stateless contexts.
FLOAT64 = Float64Ops()
MPMATH = MpOps()
ARB = ArbOps()


class workprec:
    """Set python-flint's global precision to ``dps`` digits (plus 16 bits) for a block.

    The only place that changes ``flint.ctx.prec``; the previous value is restored on
    exit, so callers' precision is never changed behind their back.
    """

    def __init__(self, dps: int) -> None:
        self.bits = int(dps * 3.33) + 16

    def __enter__(self) -> None:
        self.old = flint.ctx.prec
        flint.ctx.prec = self.bits

    def __exit__(self, *exc: object) -> None:
        flint.ctx.prec = self.old


# ---------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------


def arb_to_mpf(x: Any) -> mpmath.mpf:
    """The exact midpoint of an arb ball as an mpmath number."""
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def mpf_to_arb(x: Any) -> Any:
    """An mpmath real as an arb (exact up to the arb precision; callers take ``mid``)."""
    sign, man, exp, _ = mpmath.mpf(x)._mpf_  # (man_exp drops the sign)
    return flint.arb((-int(man) if sign else int(man), int(exp)))


def arb_log2(x: Any) -> int:
    """``~ log2 x`` for an exact arb ``x >= 0`` (a very negative number for ``0``)."""
    man, exp = x.mid().man_exp()
    return int(exp) + int(man).bit_length() if man else -(1 << 40)


def arb_pow2(e: int) -> Any:
    """The exact ball ``2^e``."""
    return flint.arb((1, e))


def exact_fraction(x: Any) -> Fraction:
    """The exact rational value of a number, decimal string or mpmath number.

    mpmath numbers are converted from their ``_mpf_`` tuple ``(sign, man, exp, bc)``
    (:func:`numerics.gram.to_fraction` drops the sign of negative mpf values in this
    version, so it is not used for them).

    Raises
    ------
    InvalidInputError
        For a non-finite mpmath number.
    """
    if isinstance(x, mpmath.mpf):
        if not mpmath.isfinite(x):
            raise InvalidInputError(f"{x} is not a finite number")
        sign, man, exp, _ = x._mpf_
        value = Fraction(-int(man) if sign else int(man))
        return value * Fraction(2) ** exp if exp >= 0 else value / Fraction(2) ** (-exp)
    return to_fraction(x)
