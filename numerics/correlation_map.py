r"""The two-point correlation map of a layer ``nl`` and a certificate of its global attractor.

For unit-variance inputs ``x, y`` with correlation ``rho`` (``(x, y)`` standard bivariate
normal) the correlation after the activation, normalised by the second moment, is

    kappa(rho) = E[phi(x) phi(y)] / E[phi(z)^2] = sum_k a_k rho^k,
    a_k = c_k(1)^2 / E[phi(z)^2] >= 0,   sum_k a_k = 1,

with the Hermite coefficients ``c_k(1)`` of :mod:`numerics.hermite` (equivalently: ``phi``
rescaled so that ``E[phi(z)^2] = 1``; the mean of ``phi`` is not removed).  Because the
``a_k`` are non-negative, ``kappa`` is increasing and convex on ``[0, 1]``,
``|kappa(rho)| <= kappa(|rho|)``, ``kappa(1) = 1`` and ``kappa'(1) = sum_k k a_k``
(``= E[phi'^2] / E[phi^2]`` for absolutely continuous ``phi``).  With ``g = kappa - id``:

* *odd* ``phi`` (``a_0 = 0`` exactly, checked symbolically: ``phi(-x) = -phi(x)``) and some
  ``a_k > 0`` with ``k >= 2`` (certified: a ball ``c_k`` excluding 0): ``g`` is strictly
  convex on ``[0, 1]`` with ``g(0) = g(1) = 0``, so ``kappa(r) < r`` on ``(0, 1)`` and
  ``|kappa(rho)| <= kappa(|rho|) < |rho|``: ``0`` is the only fixed point in ``(-1, 1)`` and
  ``|rho_t|`` decreases to 0 from every start.
* ``a_0 > 0`` (certified), some ``a_k > 0`` with ``k >= 2``, and ``kappa'(1) > 1``
  (certified by the partial sum ``sum_{k<=K} k a_k > 1``; the omitted terms are >= 0):
  strictly convex ``g`` with ``g(0) > 0``, ``g(1) = 0``, ``g'(1) > 0`` has exactly one zero
  ``rho*`` in ``(0, 1)``, ``g > 0`` on ``[0, rho*)`` and ``g < 0`` on ``(rho*, 1)``;
  monotonicity of ``kappa`` on ``[0, 1]`` makes the orbit monotone towards ``rho*``.  On
  ``[-1, 0]`` a subdivision certifies ``g > 0`` (each piece: the interval enclosure of ``g``
  is positive, or that of ``g'`` is negative and ``g`` at its right end is positive), so there
  is no fixed point there and an orbit starting there increases, stays in ``(-1, 1)``
  (``kappa(rho) <= kappa(|rho|) < 1``) and cannot converge to a point of ``[-1, 0]``: it enters
  ``[0, 1)``.
* degree-1 homogeneous ``phi`` (``a min(x,0) + b max(x,0)``): ``E[phi'^2] = E[phi^2]``, so
  ``kappa'(1) = 1``; convex ``g`` with ``g(1) = 0 = g'(1)`` is positive on ``[0, 1)`` when
  ``a != b``: no fixed point in ``[0, 1)``, correlations increase to 1 (the statement fails);
  ``a = b`` (linear) has ``kappa(rho) = rho``: every point is fixed.

Every enclosure of ``kappa`` on a ball ``rho`` adds the Parseval tail
``(T / E[phi^2]) |rho|^(K+1)`` (and ``(T / E[phi^2]) max_{k>K} k |rho|^(k-1)`` for ``kappa'``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from numerics.arith import flint, workprec
from numerics.hermite import DEFAULT_DPS, DEFAULT_ORDER, hermite_coefficients
from theory.activations import Activation, X, get_activation

__all__ = ["AttractorCertificate", "certify_global_attractor", "correlation_map_ball"]


@dataclass
class AttractorCertificate:
    """The outcome for one activation.

    ``holds``: ``True`` (certified: exactly one fixed point in ``(-1, 1)``, attracting all
    of it), ``False`` (certified to fail; ``reason`` says how), ``None`` (undecided).
    ``fixed_point`` and ``derivative`` (``kappa'(rho*)``) are decimal strings of balls.
    """

    activation: str
    holds: bool | None
    case: str
    reason: str
    fixed_point: str | None = None
    derivative: str | None = None
    slope_at_one: str | None = None
    pieces: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"activation": self.activation, "holds": self.holds, "case": self.case,
                "fixed_point": self.fixed_point, "kappa_prime_at_fixed_point": self.derivative,
                "kappa_prime_at_1": self.slope_at_one, "pieces": self.pieces,
                "seconds": round(self.seconds, 2), "reason": self.reason}


class _Map:
    """``kappa`` and ``kappa'`` on arb balls, with the Parseval tail."""

    def __init__(self, act: Activation, order: int, dps: int) -> None:
        series = hermite_coefficients(act, 1, order, dps)
        self.dps, self.order = dps, order
        with workprec(dps):
            M = series.second_moment
            self.a = [c * c / M for c in series.coefficients]
            self.tail = flint.arb(series.tail.upper()) / flint.arb(M.lower())
        self.series = series

    def value(self, rho: Any) -> Any:
        total, power = flint.arb(0), flint.arb(1)
        for a in self.a:
            total += a * power
            power *= rho
        return total + flint.arb(0, (self.tail * abs(power)).upper())

    def slope(self, rho: Any) -> Any:
        r = flint.arb(abs(rho).upper())
        total, power = flint.arb(0), flint.arb(1)
        for k, a in enumerate(self.a[1:], start=1):
            total += k * a * power
            power *= rho
        K = self.order
        if r < flint.arb(K + 1) / (K + 2):
            top = (K + 1) * r ** K  # max_{k > K} k r^(k-1) when r <= (K+1)/(K+2)
        else:
            return total + flint.arb(0, flint.arb("inf"))
        return total + flint.arb(0, (self.tail * top).upper())


def correlation_map_ball(activation: Activation | str, rho: Any, order: int = DEFAULT_ORDER,
                         dps: int = DEFAULT_DPS) -> Any:
    """An arb ball containing ``kappa(rho)`` for every ``rho`` in the ball ``rho``."""
    m = _Map(get_activation(activation), order, dps)
    with workprec(dps):
        return m.value(flint.arb(rho))


def _is_odd(act: Activation) -> bool:
    try:
        return sp.simplify(act.expr.subs(X, -X) + act.expr) == 0
    except (TypeError, ValueError):  # pragma: no cover - SymPy could not decide
        return False


def _negative_side(m: _Map, pieces: int) -> tuple[bool, int]:
    """Certify ``g = kappa - id > 0`` on ``[-1, 0]`` over ``pieces`` equal pieces
    (a failing piece is split in two, up to a depth of 12)."""
    stack = [(Fraction(-1) + Fraction(i, pieces), Fraction(-1) + Fraction(i + 1, pieces), 0)
             for i in range(pieces)]
    used = 0
    while stack:
        lo, hi, depth = stack.pop()
        used += 1
        box = flint.arb(lo.numerator) / lo.denominator
        box = box.union(flint.arb(hi.numerator) / hi.denominator)
        if m.value(box) - box > 0:
            continue
        right = flint.arb(hi.numerator) / hi.denominator
        if m.slope(box) - 1 < 0 and m.value(right) - right > 0:
            continue
        if depth >= 12:
            return False, used
        mid = (lo + hi) / 2
        stack += [(lo, mid, depth + 1), (mid, hi, depth + 1)]
    return True, used


def _fixed_point(m: _Map) -> tuple[Any, int]:
    """Bisection for the zero of ``g`` in ``(0, 1)`` (``g(0) > 0 > g`` near 1)."""
    lo, hi = Fraction(0), Fraction(1)
    # a right end with g < 0
    x = Fraction(1, 2)
    steps = 0
    while True:
        g = m.value(flint.arb(x.numerator) / x.denominator) - flint.arb(x.numerator) / x.denominator
        steps += 1
        if g < 0:
            hi = x
            break
        if g > 0:
            lo = x
            x = (x + 1) / 2
        else:
            break
        if steps > 60:
            break
    for _ in range(60):
        mid = (lo + hi) / 2
        arb_mid = flint.arb(mid.numerator) / mid.denominator
        g = m.value(arb_mid) - arb_mid
        if g > 0:
            lo = mid
        elif g < 0:
            hi = mid
        else:
            break
    return (flint.arb(lo.numerator) / lo.denominator).union(
        flint.arb(hi.numerator) / hi.denominator), steps


def certify_global_attractor(activation: Activation | str, order: int = DEFAULT_ORDER,
                             dps: int = DEFAULT_DPS, pieces: int = 64) -> AttractorCertificate:
    """Decide, rigorously, whether ``kappa`` (module docstring) has exactly one fixed point in
    ``(-1, 1)`` attracting every starting correlation in ``(-1, 1)``."""
    t0 = time.perf_counter()
    act = get_activation(activation)
    name = act.name

    def done(**kw: Any) -> AttractorCertificate:
        return AttractorCertificate(name, seconds=time.perf_counter() - t0, **kw)

    if act.degree == 1:
        a, b = act.slopes
        if a == b:
            return done(holds=False, case="linear",
                        reason="kappa(rho) = rho: every correlation is a fixed point",
                        slope_at_one="1")
        return done(holds=False, case="degree-1 homogeneous", slope_at_one="1",
                    fixed_point="none in (-1, 1)",
                    reason="E[phi'^2] = E[phi^2] = (a^2+b^2)/2 gives kappa'(1) = 1; with g "
                           "convex, g(1) = g'(1) = 0 and a != b, g > 0 on [0, 1): no fixed "
                           "point in [0, 1), correlations increase to 1")
    m = _Map(act, order, dps)
    with workprec(dps):
        a = m.a
        curved = next((k for k in range(2, len(a)) if a[k] > 0), None)
        slope_one = sum((k * a[k] for k in range(1, len(a))), flint.arb(0))
        s1 = f"> {float(slope_one.lower()):.6g}"
        if curved is None:
            return done(holds=None, case="undecided", slope_at_one=s1,
                        reason="no coefficient a_k (k >= 2) certified positive")
        if _is_odd(act):
            # kappa'(0) = a_1 exactly (the omitted terms vanish at 0)
            return done(holds=True, case="odd", fixed_point="0", derivative=a[1].str(8),
                        slope_at_one=s1,
                        reason=f"phi odd (symbolic), a_{curved} > 0: |kappa(rho)| <= kappa(|rho|) "
                               "< |rho| on (-1, 1) \\ {0}")
        if not a[0] > 0:
            return done(holds=None, case="undecided", slope_at_one=s1,
                        reason="a_0 = E[phi]^2/E[phi^2] not resolved from 0 (and phi not "
                               "odd); raise dps")
        if not slope_one > 1:
            return done(holds=None, case="undecided", slope_at_one=s1,
                        reason=f"the partial sum of kappa'(1) = sum k a_k is only {s1[2:]} at "
                               f"order {order}; if kappa'(1) < 1 (as it suggests) the convex g "
                               "is positive on [0, 1) and correlations tend to 1 (the statement "
                               "would fail), but an upper bound on kappa'(1) is not certified")
        ok, used = _negative_side(m, pieces)
        if not ok:
            return done(holds=None, case="undecided", slope_at_one=s1, pieces=used,
                        reason="g > 0 on [-1, 0] not certified by the subdivision")
        rho_star, _ = _fixed_point(m)
        deriv = m.slope(rho_star)
        return done(holds=True, case="positive mean", fixed_point=rho_star.str(10),
                    derivative=deriv.str(8), slope_at_one=s1, pieces=used,
                    reason=f"a_0 > 0, a_{curved} > 0, kappa'(1) {s1}: unique zero of the convex "
                           f"g in (0, 1); g > 0 on [-1, 0] ({used} pieces)")
