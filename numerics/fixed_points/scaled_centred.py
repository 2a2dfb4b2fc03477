r"""The centred search for RC with a non-homogeneous closed-form activation (erf).

With RC the map sees ``G`` only through ``S = P G P = sum_g x_g Pi_g`` (the projectors
of :mod:`numerics.fixed_points.centred`), but erf is not homogeneous: the scale of ``S``
matters.  Write ``S = n sigma sum_g u_g Pi_g / r_g`` with the direction ``u`` on the
simplex (``sum u = 1``) and the scale ``sigma = tr(P G P) / n in [0, 1]``
(``tr P G P <= tr G = n``), and ``Phi(u, sigma) = F_hat(S)``.  A family member is a
fixed point iff ``G = Phi(u*, sigma*)`` for a zero of

    r_g(u, sigma) = c_g / T - u_g        (g free: the direction),
    r_s(u, sigma) = T / tr F - sigma     (the scale),

``c_g = <F, Pi_g>``, ``T = sum_g c_g = tr(P F P)``: then ``<Phi, Pi_g> / n = c_g / tr F
= sigma u_g``, so ``P Phi P = S``.  The search is that of
:mod:`numerics.fixed_points.centred` with ``sigma`` as an extra coordinate, free on every
face (the vertex where every cluster is collapsed is a 1-D search in ``sigma``).

The erf kernel ``(2/pi) arcsin(2 S_ij / sqrt((1 + 2 S_ii)(1 + 2 S_jj)))`` is analytic
on the whole PSD cone (the argument stays below 1), so the Jacobian is bounded up to
the faces, collapsed clusters included.  At ``sigma = 0`` (all points equal) the map
is undefined (``F = 0``); there ``F / sigma`` has a limit: with ``S = sigma S_1`` the
argument is ``sigma w`` and ``arcsin(sigma w) / sigma = w A(sigma w)``,
``A(z) = arcsin(z) / z = 1 + z^2/6 + ...`` (positive coefficients, so ``A`` lies in
``[1, A(m)]`` for ``|z| <= m``).  Boxes touching ``sigma = 0`` are evaluated that way
(value only): ``r_s -> 1`` there, so they are excluded.  With a weight variance
``sigma_w^2 != 1`` the kernel sees ``sigma_w^2 S`` (:meth:`ScaledCentredResidual.
with_sigma_w2`); the rest of the search is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations
from typing import Any

from numerics.arith import ArbOps, flint
from numerics.fixed_points.centred import CentredResidual

__all__ = [
    "ScaledCentredResidual",
]


def _arcsin_ratio(z: Any) -> Any:
    """An enclosure of ``A(z) = arcsin(z) / z`` (``A(0) = 1``) for a real ball ``|z| < 1``."""
    arb = flint.arb
    m = abs(z).upper()
    if m == 0:
        return arb(1)
    return arb(1).union(m.asin() / m)


class ScaledCentredResidual(CentredResidual):
    """``(r_g for g free, r_s)`` over ``(u_free, sigma)`` (module docstring)."""

    scaled = True
    #: ``sigma_w^2``: the kernel sees ``sigma_w^2 P G P`` (erf is not homogeneous, so
    #: the weight variance changes the fixed points; :meth:`with_sigma_w2`)
    sigma_w2: Fraction = Fraction(1)

    @classmethod
    def with_sigma_w2(cls, sigma_w2: Fraction) -> type[ScaledCentredResidual]:
        """This residual for the weight variance ``sigma_w2`` (a subclass)."""
        return type(cls.__name__, (cls,), {"sigma_w2": Fraction(sigma_w2)})

    def exact_zeros(self, Z: Sequence[int]) -> list[tuple[list[Any], str]]:
        """Zeros known exactly on the face ``Z`` (spread coordinates set to 0) with free
        coordinates ``self.free``, as balls of ``(u_free, sigma)`` with their proof.

        Candidates: equal weights on a set ``A`` of generators (``u_g = 1/|A|``) at
        ``sigma = 1`` (no mean part), reported on the lowest face holding them (the free
        coordinates are ``A`` without the last generator).  Such an ``S`` is kept when,
        exactly (fractions), every point has the same variance or is 0 and every
        correlation is -1, 0 or 1: erf is odd, so its kernel maps correlations
        -1, 0, 1 to themselves and ``F`` is a multiple of ``S``: ``F_hat(S) = S``.
        (For example the two antipodal points of a 2-point cluster, or two clusters of
        equal size collapsed at ``+y`` and ``-y``.)"""
        arb = flint.arb
        K = len(self.gens)
        out = []
        for size in range(1, K + 1):
            for A in combinations(range(K), size):
                if [g for g in A if g != K - 1] != list(self.free):
                    continue
                S = [[sum((Fraction(1, size * self.gens[g].rank) * self.gens[g].projector[i][j]
                           for g in A), Fraction(0)) for j in range(self.n)]
                     for i in range(self.n)]
                variances = {S[i][i] for i in range(self.n)} - {Fraction(0)}
                if len(variances) != 1:
                    continue
                if all(S[i][j] ** 2 in (0, S[i][i] * S[j][j]) for i in range(self.n)
                       for j in range(i)):
                    names = ", ".join(self.gens[g].name for g in A)
                    point = [ArbOps.const(Fraction(1, size)) for _ in self.free] + [arb(1)]
                    out.append((point, f"equal shares of ({names}), sigma = 1: every point has "
                                       "the same variance or is 0 and every correlation is "
                                       "-1, 0 or 1, which erf (odd) preserves: F_hat(S) = S "
                                       "exactly"))
        return out

    def _parts(self, t: Sequence[Any], jac: bool) -> tuple[list[Any], list[list[Any]]]:
        """``F`` (or ``F / sigma`` next to ``sigma = 0``) at the classes, and its
        derivatives along the free directions and ``sigma``."""
        arb = flint.arb
        scaled, _, _ = self._consts()
        u, sigma = t[:-1], t[-1]
        coords = self._coordinates(u)
        ncls = len(self.classes)
        n = ArbOps.const(self.n * self.sigma_w2)  # the kernel sees sigma_w^2 S
        U = [sum((x * scaled[g][c] for g, x in enumerate(coords)), arb(0)) for c in range(ncls)]
        pi = arb.pi()
        if not sigma > 0:
            # F / sigma through A(z) (value only)
            F = [None] * ncls
            for c, (ci, cj) in enumerate(self.diagonals):
                den = ((1 + 2 * n * sigma * U[ci]) * (1 + 2 * n * sigma * U[cj])).sqrt()
                w = 2 * n * U[c] / den
                F[c] = 2 / pi * w * _arcsin_ratio(sigma * w)
            return F, []
        S = [n * sigma * x for x in U]
        last = len(self.gens) - 1
        dS = []
        if jac:
            dS = [[n * sigma * (scaled[g][c] - scaled[last][c]) for c in range(ncls)]
                  for g in self.free]
            dS.append([n * x for x in U])
        return self.kernels(S, dS)

    def image(self, t: Sequence[Any], jac: bool = False) -> tuple[list[Any], list[list[Any]]]:
        """``Phi(u, sigma) = n F / tr F`` at the classes (``t = (u_free, sigma)``)."""
        F, dF = self._parts(t, jac)
        return self.normalise(F, dF)

    def __call__(self, t: Sequence[Any], jac: bool) -> tuple[list[Any], Any]:
        u, sigma = list(t[:-1]), t[-1]
        F, dF = self._parts(t, jac)
        jac = jac and bool(dF)
        c, T = self.shares(F)
        trF = self.trace(F)
        r = self.direction_residuals(c, T, u) + [T / trF - sigma]
        if not jac:
            return r, None
        dim = len(t)
        J = [[None] * dim for _ in range(dim)]
        for col, D in enumerate(dF):
            for row, v in enumerate(self.direction_derivatives(c, T, D, col)):
                J[row][col] = v
            _, dT = self.shares(D)
            dtr = self.trace(D)
            J[dim - 1][col] = (dT * trF - T * dtr) / (trF * trF) - (1 if col == dim - 1 else 0)
        return r, J
