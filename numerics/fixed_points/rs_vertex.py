r"""No fixed point of the RS map next to a collapsed vertex: a lower bound with constants.

Setting (the 1-D faces of :mod:`numerics.fixed_points.rs_centred`): RC + RS with a degree-1
activation ``phi = a min(x, 0) + b max(x, 0)`` (or no NL, ``a = b = 1``); one cell ``C``
of ``k`` points spreads (projector ``Pi_C``, rank ``rho = k - 1``), every other cell is
collapsed, and the separation ``Pi_w = w w^T`` (rank 1) carries the rest:
``S = lambda_C Pi_C + lambda_w Pi_w``, ``lambda_C = t / rho``, ``lambda_w = 1 - t``.
The residual of the spread share is ``r(t) = c_C / (c_C + c_w) - t`` with
``c_g = <F, Pi_g>``, and ``t = 0`` (the vertex) is an exact zero.  There the derivative
is infinite (``c_C ~ sqrt(t)``), so interval Newton cannot isolate the vertex.  Instead:

**Lemma.**  ``r(t) > 0`` for ``0 < t <= tau^2`` whenever ``h > 0`` on ``[0, tau]``, where

    h(tau) = (1/4) (1 + Q^2)^(-(rho+2)/2) (sqrt(rho Q^2 - tau^2/(1-tau^2)) - tau) (1 - tau^2)
             - (tau/2) (1 + tau sqrt(rho) B / (2 sqrt(1 - tau^2))),
    Q = rho / (4 c3),   c3 = E[chi_rho^3] / (|w_C| sqrt(2 pi)),
    E[chi_rho^3] = 2^(3/2) Gamma((rho+3)/2) / Gamma(rho/2),   B = Beta(1/2, (rho+1)/2),

``|w_C|`` the entry of the unit separation vector on ``C``.

*Proof.*  ``F = n int_0^oo D(s) V(M(s)) ds`` with ``D = (1 + 2 s lambda_C)^(-rho/2)
(1 + 2 s lambda_w)^(-1/2)`` and ``M = mu_C Pi_C + mu_w Pi_w``, ``mu_g = lambda_g / (1 + 2 s
lambda_g)`` (docs/theory.md section 2 on the simplex).  ``r > 0`` iff ``c_C (1 - t) > t c_w``.

(i) ``c_w <= (n/2)(a^2+b^2)(1 + t sqrt(rho) B / (2 sqrt(t (1-t))))``: ``<V, Pi_w> <= tr V
= (a^2+b^2)/2 tr M = (a^2+b^2)/2 (rho mu_C + mu_w)`` (``V`` is PSD, ``Pi_w`` a rank-1
projector); ``int D mu_w <= int lambda_w (1 + 2 s lambda_w)^(-3/2) ds = 1``; and
``int D rho mu_C <= t (2 lambda_w)^(-1/2) int s^(-1/2) (1 + 2 s lambda_C)^(-(rho+2)/2) ds
= t B / (2 sqrt(lambda_C lambda_w))``.

(ii) ``<V(M), Pi_C> >= (a^2+b^2) mu_C (rho/2 - c3 sqrt(mu_C / mu_w))``: for ``z ~ N(0, M)``
the points of ``C`` are ``z_i = alpha xi + eps_i``, ``alpha = sqrt(mu_w) |w_C|``, ``xi`` a
standard normal independent of ``eps`` (zero sum over ``C``, ``|eps|^2 = mu_C
chi_rho^2``).  On ``{alpha xi > max |eps_i|}`` every ``z_i > 0`` and ``Pi_C phi(z) = b
eps``; on ``{alpha xi < -max |eps_i|}`` it is ``a eps``.  ``<V, Pi_C> = E|Pi_C phi(z)|^2
>= (a^2+b^2) E[|eps|^2 (1/2 - P(0 < xi < |eps|/alpha))]`` and ``P(0 < xi < x) <=
x / sqrt(2 pi)``.

(iii) For ``s <= S* = (Q^2 - lambda_C/lambda_w) / (2 lambda_C)``: ``mu_C / mu_w <=
lambda_C/lambda_w + 2 s lambda_C <= Q^2``, so ``<V, Pi_C> >= (a^2+b^2) rho mu_C / 4``,
``D >= (1 + Q^2)^(-rho/2) (1 + 2 s)^(-1/2)`` and ``rho mu_C >= t / (1 + Q^2)``; hence
``c_C >= (n/4)(a^2+b^2) t (1 + Q^2)^(-(rho+2)/2) (sqrt(1 + 2 S*) - 1)``, and
``t sqrt(2 S*) = tau sqrt(rho Q^2 - tau^2/(1-tau^2))`` with ``t = tau^2``.  Dividing
``c_C (1 - t) - t c_w`` by ``n (a^2+b^2) tau`` gives at least ``h(tau)`` (using
``sqrt(1 + 2 S*) - 1 >= sqrt(2 S*) - 1``).  QED.

``h(0) > 0``, so some ``tau`` works; :func:`vertex_exclusion` finds the largest dyadic
one it can certify (``h`` enclosed in arb balls on pieces of ``[0, tau]``).  Measured:
``delta = tau^2 ~ 1e-3`` for cluster-odd at n = 5..8, far beyond the boxes
(``~3e-5``) that the interval search leaves next to the vertex.
"""

from __future__ import annotations

from fractions import Fraction

from numerics.arith import ArbOps, flint

__all__ = [
    "PIECES",
    "vertex_exclusion",
]

#: Pieces of ``[0, tau]`` on which ``h`` is enclosed.
PIECES = 64


class _Bounds:
    """The constants of the lemma for ``rho`` and ``w2 = |w_C|^2`` (arb balls)."""

    def __init__(self, rho: int, w2: Fraction) -> None:
        arb = flint.arb
        r = arb(rho)
        e3 = arb(2) ** arb(1.5) * ((r + 3) / 2).gamma() / (r / 2).gamma()
        c3 = e3 / (ArbOps.const(w2).sqrt() * (2 * arb.pi()).sqrt())
        self.r, self.Q = r, r / (4 * c3)
        self.B = (arb(1) / 2).gamma() * ((r + 1) / 2).gamma() / ((r + 2) / 2).gamma()
        self.lead = (1 + self.Q * self.Q) ** (-(r + 2) / 2) / 4

    def spread_over_tau(self, tau):
        """``c_C >= n (a^2+b^2) tau * this`` (steps (ii)-(iii); nan where ``S* < 0``)."""
        inner = self.r * self.Q * self.Q - tau * tau / (1 - tau * tau)
        if not inner > 0:
            return flint.arb.nan()
        return self.lead * (inner.sqrt() - tau)

    def separation(self, tau):
        """``c_w <= n (a^2+b^2) * this`` (step (i))."""
        return (1 + tau * self.r.sqrt() * self.B / (2 * (1 - tau * tau).sqrt())) / 2

    def h(self, tau):
        return self.spread_over_tau(tau) * (1 - tau * tau) - tau * self.separation(tau)


def vertex_exclusion(rho: int, w2: Fraction) -> Fraction | None:
    """The largest ``delta = 4^-L`` (``L = 2..12``) with ``h > 0`` certified on
    ``[0, sqrt(delta)]`` (module docstring), or ``None``; ``w2 = |w_C|^2`` exactly."""
    if rho < 1 or not w2 > 0:
        return None
    bounds = _Bounds(rho, w2)
    for level in range(2, 13):
        top = Fraction(1, 2 ** level)
        pieces = [ArbOps.const(top * k / PIECES).union(ArbOps.const(top * (k + 1) / PIECES))
                  for k in range(PIECES)]
        if all(bounds.h(x) > 0 for x in pieces):
            return top * top
    return None
