r"""The centred residual of :mod:`numerics.fixed_points.centred` for RS layers (BN) with a
degree-1 activation or no NL: the s-integral on the family's simplex, in closed form.

With RC and RS the layer maps ``S = P G P`` to (docs/theory.md section 2)

    F(S) = n int_0^oo det(I + 2 s S)^(-1/2) V(S (I + 2 s S)^(-1)) ds,

``V`` the kernel of the activation (degree 1: ``V(c S) = c V(S)``), and ``F`` is
invariant under ``S -> c S``.  On the simplex of :mod:`numerics.fixed_points.centred`,
``S(t) = sum_g lambda_g Pi_g`` with mutually orthogonal projectors ``Pi_g`` of
rank ``r_g`` and ``lambda_g = t_g / r_g``, so the spectrum of ``S`` is known
exactly and the integrand needs no matrix algebra:

    det(I + 2 s S)^(-1/2) = prod_g e_g^(-r_g/2),   e_g = 1 + 2 s lambda_g,
    S (I + 2 s S)^(-1)    = sum_g mu_g Pi_g,        mu_g = lambda_g / e_g,

a cell-invariant matrix whose ``V`` is computed at the ``O(cells^2)`` representative
entries.  ``[1, oo)`` is mapped to ``[0, 1]`` by ``s = 1/v^2`` (degree 1 of ``V``):

    f ds = 2 v^(R-1) prod_g (v^2 + 2 lambda_g)^(-r_g/2) V(sum_g nu_g Pi_g) dv,
    nu_g = lambda_g / (v^2 + 2 lambda_g),   R = sum_g r_g = n - 1,

analytic at ``v = 0`` when every ``lambda_g > 0``.  Derivatives along ``t`` are
taken under the integral (``d e_g^(-r_g/2) / d lambda_g = -r_g s e_g^(-r_g/2 - 1)``,
``d mu_g / d lambda_g = e_g^(-2)``; in the tail ``-r_g / (v^2 + 2 lambda_g)`` and
``v^2 / (v^2 + 2 lambda_g)^2``) with the kernel gradients of Price's theorem.  The
discriminant ``M_ii M_jj - M_ij^2`` of a pair is the exact quadratic form
``sum_(g<=h) d_gh mu_g mu_h`` with non-negative rational ``d_gh`` (mixed
discriminants of the 2x2 blocks of the projectors): no cancellation.

Two enclosures of the integrals, both rigorous:

* ``acb.integral`` (arb's verified Gauss-Legendre; analyticity checked on complex
  balls) when every ``lambda_g`` is bounded away from 0 on the box or exactly 0 (on
  a face: that generator drops out of ``S``, and the pairs of a collapsed cluster,
  correlation exactly 1, take the diagonal's kernel) and the box is narrow
  (``<= 2^-NARROW``): tight, used for points and for the Krawczyk test;
* otherwise an *interval Riemann sum*: ``[0, 1]`` cut into ``PIECES`` segments and
  the integral over each enclosed by its width times the range of the integrand on
  it (real balls; each factor monotone in ``s``/``v`` and ``lambda`` is taken at the
  corners).  Wide but valid up to the faces ``lambda_g = 0`` -- where the
  derivative along a vanishing ``lambda_g`` is genuinely infinite (the integrand of
  ``d/d lambda_g`` decays like ``s^(-1/2)`` at a collapsed cluster) and the
  Jacobian is reported as unbounded.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from numerics.arith import AcbOps, ArbDiscriminantOps, ArbOps, flint
from numerics.fixed_points.centred import CentredResidual, Generator
from numerics.fixed_points.rs_vertex import vertex_exclusion
from numerics.kernels import InfiniteDerivative, diag_value_grad, kernel_params, pair_value_grad
from theory.activations import Activation
from theory.errors import PrecisionError
from theory.layers import LayerKind

#: Boxes at most ``2^-NARROW`` wide (and off the faces) use ``acb.integral``.
NARROW = 8
#: Initial segments per half-range of the interval Riemann sum, and its evaluations.
PIECES = 32
BUDGET = 256
#: Integrand evaluations allowed to one ``acb.integral`` (it returns a wider, still
#: valid, enclosure when the limit is hit).
EVAL_LIMIT = 2000


def _mixed(P: Sequence[Sequence[Fraction]], Q: Sequence[Sequence[Fraction]]) -> Fraction:
    """Mixed discriminant ``P_11 Q_22 + Q_11 P_22 - 2 P_12 Q_12`` of 2x2 blocks."""
    return P[0][0] * Q[1][1] + Q[0][0] * P[1][1] - 2 * P[0][1] * Q[0][1]


class RSCentredResidual(CentredResidual):
    """``r(t) = t(Phi(t)) - t`` with ``Phi`` the RS map (module docstring)."""

    def __init__(self, gens: Sequence[Generator], sizes: Sequence[int], kind: LayerKind,
                 act: Activation | None, free: Sequence[int]) -> None:
        super().__init__(gens, sizes, kind, act, free)
        self.ranks = [g.rank for g in self.gens]
        if act is None:
            self.family, self.slopes = None, (Fraction(1), Fraction(1))
        else:
            self.family, self.slopes = kernel_params(act)
        # per pair class: exact coefficients d_gh (g <= h) of the discriminant
        K = len(self.gens)
        self.disc: dict[int, list[tuple[int, int, Fraction]]] = {}
        for c, (i, j, _) in enumerate(self.classes):
            if i == j:
                continue
            blocks = [[[g.projector[a][b] for b in (i, j)] for a in (i, j)] for g in self.gens]
            terms = []
            for g in range(K):
                for h in range(g, K):
                    d = (blocks[g][0][0] * blocks[g][1][1] - blocks[g][0][1] ** 2 if g == h
                         else _mixed(blocks[g], blocks[h]))
                    if d:
                        terms.append((g, h, d))
            self.disc[c] = terms
        # direction of t_f in lambda: +1/r_f on f, -1/r_last on the last generator
        last = K - 1
        self.dlam = [[Fraction(0)] * K for _ in self.free]
        for k, f in enumerate(self.free):
            self.dlam[k][f] += Fraction(1, self.ranks[f])
            self.dlam[k][last] -= Fraction(1, self.ranks[last])
        self.cache: dict[int, tuple] = {}
        self._last_width: Any = 0  # radius of the last box evaluated (0: none yet)

    def vertex_neighbourhood(self) -> tuple[tuple[Fraction, Fraction], ...] | None:
        """``[0, delta]`` on a 1-D face (one spreading cell, the separation of rank 1):
        no zero there but the vertex, by the lemma of :mod:`numerics.fixed_points.rs_vertex`."""
        last = len(self.gens) - 1
        if len(self.free) != 1 or self.gens[last].spread or self.gens[last].rank != 1:
            return None
        spread = self.gens[self.free[0]]
        if not spread.spread:
            return None
        cell = [i for i in range(len(spread.projector)) if spread.projector[i][i]]
        delta = vertex_exclusion(spread.rank, self.gens[last].projector[cell[0]][cell[0]])
        return None if delta is None else ((Fraction(0), delta),)

    # -- the layer -------------------------------------------------------------------
    def layer_values(self, coords: Sequence[Any], jac: bool,
                     ) -> tuple[list[Any], list[list[Any]]] | None:
        """The s-integral ``F(S(t))`` at the classes and its derivatives along the free
        directions, or ``None`` when this box gets no enclosure: wider than
        ``2^-NARROW`` (any enclosure of the integral would be too wide to decide
        anything: the caller bisects) or an integral not enclosed by either route."""
        arb = flint.arb
        lam = [x / r for x, r in zip(coords, self.ranks, strict=True)]
        ncls = len(self.classes)
        nout = ncls * (1 + (len(self.free) if jac else 0))
        if not all(x.rad() <= arb(2) ** -NARROW for x in coords):
            return None  # too wide (bisected by the caller)
        # acb.integral needs every generator of S bounded away from 0 or exactly 0
        usable = all(x > 0 or x.is_zero() for x in lam) and any(x > 0 for x in lam)
        total = self._acb(lam, nout) if usable else None
        if total is None or not all(v.is_finite() for v in total[:ncls]):
            total = self._riemann(lam, jac, nout)
        F = total[:ncls]
        if not all(v.is_finite() for v in F):
            return None  # not enclosed on this box
        dF = [total[ncls * (k + 1): ncls * (k + 2)] for k in range(len(self.free))] if jac \
            else []
        if jac and not all(v.is_finite() for row in dF for v in row):
            raise InfiniteDerivative("RS integral: derivative unbounded next to a face "
                                     "lambda_g = 0")
        return F, dF

    def _acb(self, lam: Sequence[Any], nout: int) -> list[Any] | None:
        prec = flint.ctx.prec
        lam_c = [flint.acb(x) for x in lam]
        # the goal: the working precision for points, a little below the box's own
        # width for boxes (their integrands are that wide anyway)
        width = max((x.rad() for x in lam), default=flint.arb(0))
        if width > flint.arb(2) ** -(prec - 40):  # (not just the rounding of t / r_g)
            self._last_width = width
        else:
            # a point: the midpoint of the box just evaluated (the Krawczyk operator,
            # whose decisions need r(mid) well below the box's width) or a refinement
            width = self._last_width * flint.arb(2) ** -30
        bits = prec - 20
        if width > 0:
            bits = min(bits, max(20, int(-float(width.log()) / 0.6931) + 12))
        tol = flint.arb((1, -bits))
        ncls = len(self.classes)
        out = []
        for tail in (False, True):
            # the values and the derivatives are integrated with separate integrands: a
            # derivative that is not analytic on some complex ball must not cost the
            # values their accuracy (each failing ball is subdivided by acb.integral)
            vals = []
            for with_jac, parts in ((False, range(ncls)), (True, range(ncls, nout))):
                if not parts:
                    continue
                cache: dict[tuple, list[Any]] = {}

                def f(x: Any, analytic: bool, tail: bool = tail, cache: dict = cache,
                      with_jac: bool = with_jac) -> list[Any]:
                    key = (bool(analytic),) + tuple(
                        p.man_exp() for p in (x.real.mid(), x.real.rad(), x.imag.mid(),
                                              x.imag.rad()))
                    if key not in cache:
                        try:
                            cache[key] = self._integrand(x, lam_c, with_jac, tail,
                                                         AcbOps(bool(analytic)))
                        except InfiniteDerivative:
                            # (a complex ball reaching a zero variance: not analytic
                            # there, acb.integral subdivides)
                            cache[key] = [flint.acb(flint.arb.nan())] * nout
                    return cache[key]

                try:
                    vals += [flint.acb.integral(lambda x, a, k=k, f=f: f(x, a)[k], 0, 1,
                                                rel_tol=tol, abs_tol=tol,
                                                eval_limit=EVAL_LIMIT).real
                             for k in parts]
                except (PrecisionError, InfiniteDerivative):
                    return None
            out.append(vals)
        return [a + b for a, b in zip(*out, strict=True)]

    def _riemann(self, lam: Sequence[Any], jac: bool, nout: int) -> list[Any]:
        """Adaptive interval Riemann sum on both segments: start from ``PIECES`` equal
        pieces and bisect the piece of widest contribution, ``BUDGET`` evaluations."""
        arb = flint.arb
        total = [arb(0)] * nout
        for tail in (False, True):
            def piece(a: Fraction, b: Fraction, tail: bool = tail,
                      ) -> tuple[float, Fraction, Fraction, list]:
                x = ArbOps.const((a + b) / 2) + arb(0, float((b - a) / 2))  # exact dyadics
                try:
                    vals = self._integrand(x, lam, jac, tail, None)
                except InfiniteDerivative:
                    vals = [arb.nan()] * nout
                h = ArbOps.const(b - a)
                vals = [h * v for v in vals]
                width = sum(float(v.rad()) if v.is_finite() else 1e300 for v in vals)
                return (-width, a, b, vals)

            heap = [piece(Fraction(k, PIECES), Fraction(k + 1, PIECES)) for k in range(PIECES)]
            heapq.heapify(heap)
            final = []  # pieces at the finest width (next to a singular end point)
            for _ in range(BUDGET // 2):
                if not heap or -heap[0][0] < 1e-15:
                    break
                item = heapq.heappop(heap)
                _, a, b, _ = item
                if b - a < Fraction(1, 2 ** 30):
                    final.append(item)
                    continue
                m = (a + b) / 2
                heapq.heappush(heap, piece(a, m))
                heapq.heappush(heap, piece(m, b))
            for _, _, _, vals in heap + final:
                total = [t + v for t, v in zip(total, vals, strict=True)]
        return total

    def _integrand(self, x: Any, lam: Sequence[Any], jac: bool, tail: bool,
                   ops: Any) -> list[Any]:
        """All class values of the integrand (and of its ``t``-derivatives) at ``x``.

        ``ops`` is an :class:`AcbOps` (complex balls, ``acb.integral``) or ``None``
        (real balls over a whole segment: monotone factors taken at the corners)."""
        real = ops is None
        K = len(self.gens)
        one = lam[0] * 0 + 1
        # generators with lambda exactly 0 (a face: a collapsed cluster) are absent
        # from S: they drop out of the determinant and of the rank R in the tail
        active = [g for g in range(K) if not lam[g].is_zero()]
        if real:
            mu, w, dw_fac, dmu_fac = self._real_factors(x, lam, tail)
        else:
            u = x * x
            e = [u + 2 * lv if tail else one + 2 * x * lv for lv in lam]
            zero = one * 0
            mu = [lam[g] / e[g] if g in active else zero for g in range(K)]
            analytic = ops.analytic
            rank = sum(self.ranks[g] for g in active)
            w = one * (2 * x ** (rank - 1) if tail else 1)
            for g in active:
                w = w * e[g].rsqrt(analytic=analytic) ** self.ranks[g]
            dw_fac = [(-self.ranks[g] / e[g] if tail else -self.ranks[g] * x / e[g])
                      if g in active else zero for g in range(K)]
            dmu_fac = [(u if tail else 1) / (e[g] * e[g]) if g in active else zero
                       for g in range(K)]
        scaled, disc, dlam = self._constants()
        ncls = len(self.classes)
        M = [sum((mu[g] * scaled[g][c] for g in range(K)), one * 0) for c in range(ncls)]
        V: list[Any] = [None] * ncls
        grads: list[tuple[Any, Any, Any]] = [(None, None, None)] * ncls
        for c, (i, j, _) in enumerate(self.classes):
            if self.family is None:
                V[c] = M[c]
                grads[c] = (1, 0, 0) if i == j else (0, 0, 1)
            elif i == j or all(g not in active or h not in active for g, h, _ in disc[c]):
                # (a pair of a collapsed cluster, exactly: correlation 1 on this face, so
                # its value and derivative along the face are the diagonal's)
                ci = self.diagonals[c][0]
                V[c], g = diag_value_grad(self.family, self.slopes, M[ci], ops or ArbOps)
                grads[c] = (g, 0, 0)
            else:
                D = sum((d_ * mu[g] * mu[h] for g, h, d_ in disc[c]), one * 0)
                dops = ArbDiscriminantOps(D) if real else AcbOps(ops.analytic, D)
                ci, cj = self.diagonals[c]
                v, gi, gj, gij = pair_value_grad(self.family, self.slopes, M[ci], M[cj], M[c],
                                                 dops, grad=jac)
                V[c] = v
                grads[c] = (gi, gj, gij)
        out = [w * v for v in V]
        if not jac:
            return out
        for direction in dlam:
            dlw = sum((dl * dw_fac[g] for g, dl in enumerate(direction) if dl), one * 0)
            dM = [sum((dl * dmu_fac[g] * scaled[g][c] for g, dl in enumerate(direction) if dl),
                      one * 0) for c in range(ncls)]
            for c, (i, j, _) in enumerate(self.classes):
                gi, gj, gij = grads[c]
                if i == j:
                    dv = gi * dM[c]
                else:
                    ci, cj = self.diagonals[c]
                    dv = gi * dM[ci] + gj * dM[cj] + gij * dM[c]
                out.append(w * (dv + dlw * V[c]))
        return out

    def _real_factors(self, x: Any, lam: Sequence[Any], tail: bool,
                      ) -> tuple[list[Any], Any, list[Any], list[Any]]:
        """``mu_g``, the weight and the factors of its and ``mu_g``'s ``lambda``-derivatives
        over a segment ``x`` and a box ``lam``: each monotone factor from its corners."""
        arb = flint.arb
        xl, xh = x.lower(), x.upper()
        if xl < 0:
            xl = arb(0)
        if tail:
            ul, uh = xl * xl, xh * xh
        mu, dw_fac, dmu_fac = [], [], []
        w = arb(1)
        # the generator whose lambda is largest carries the power of v (bounded below)
        g0 = max(range(len(lam)), key=lambda g: lam[g].lower())
        for g, (lv, r) in enumerate(zip(lam, self.ranks, strict=True)):
            ll, lh = lv.lower(), lv.upper()
            if ll < 0:
                ll = arb(0)
            if not tail:
                # mu = l / (1 + 2 s l): increasing in l, decreasing in s
                mu.append(_hull(ll / (1 + 2 * xh * ll), lh / (1 + 2 * xl * lh)))
                # e^(-r/2), decreasing in s and l
                w = w * _hull((1 + 2 * xh * lh).rsqrt() ** r, (1 + 2 * xl * ll).rsqrt() ** r)
                e = (1 + 2 * x * lv)
                dw_fac.append(-r * x / e)
                dmu_fac.append(1 / (e * e))
            else:
                # nu = l / (v^2 + 2 l) in [0, 1/2]: increasing in l, decreasing in v
                lo = arb(0) if ll == 0 else ll / (uh + 2 * ll)
                hi = arb(0.5) if (xl == 0 and lh > 0) else (lh / (ul + 2 * lh) if lh > 0
                                                              else arb(0))
                mu.append(_hull(lo, hi))
                e = x * x + 2 * lv
                dw_fac.append(-r / e)
                dmu_fac.append(x * x / (e * e))
                if g == g0:
                    # v^(r-1) (v^2 + 2 l)^(-r/2) = q^((r-1)/2) (v^2 + 2 l)^(-1/2), q = v^2/(..)
                    root = _hull((uh + 2 * lh).rsqrt(), (ul + 2 * ll).rsqrt())
                    w = w * root * ArbOps.sqrtpos(_q(ul, uh, ll, lh)) ** (r - 1)
                else:
                    w = w * ArbOps.sqrtpos(_q(ul, uh, ll, lh)) ** r
        if tail:
            w = 2 * w
        return mu, w, dw_fac, dmu_fac

    def _constants(self) -> tuple[list[list[Any]], dict[int, list], list[list[Any]]]:
        """Per precision, as balls: projector entries at the classes, discriminant
        coefficients, and the directions of ``t`` in ``lambda``."""
        prec = flint.ctx.prec
        if prec not in self.cache:
            c = ArbOps.const
            self.cache[prec] = (
                [[c(g.projector[i][j]) for i, j, _ in self.classes] for g in self.gens],
                {k: [(g, h, c(d)) for g, h, d in terms] for k, terms in self.disc.items()},
                [[c(x) if x else 0 for x in row] for row in self.dlam])
        return self.cache[prec]


def _hull(a: Any, b: Any) -> Any:
    return a.union(b)


def _q(ul: Any, uh: Any, ll: Any, lh: Any) -> Any:
    """``q = v^2 / (v^2 + 2 l)`` in ``[0, 1]``: increasing in ``v^2``, decreasing in ``l``."""
    arb = flint.arb
    lo = arb(1) if lh == 0 else (ul / (ul + 2 * lh) if ul > 0 else arb(0))
    hi = arb(1) if ll == 0 else uh / (uh + 2 * ll)
    return _hull(lo, hi)
