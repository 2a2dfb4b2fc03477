"""Layers without RC that act entry by entry (numerics.fixed_points: entrywise,
degree_zero, arcsine).

Independent routes:
- the lemma behind the diagonal (``v(x)/x`` strictly decreasing): SymPy differentiates
  the erf kernel's diagonal from ``theory.kernels`` and proves ``v'' < 0``; the lemma
  behind erf's correlations (only ``-1, 0, 1``): SymPy proves ``arcsin'' > 0`` on
  ``(0, 1)``, and the proven interval search of ``numerics.fixed_points.search`` finds no
  other zero of ``arcsin(u c) - c arcsin(u)`` at several ``u``;
- the complete lists: a brute force over every set of cells at the origin and every
  combination of fixed correlations, PSD decided by NumPy eigenvalues of the n x n
  matrix (not the cell formula); the fixed correlations from outside the program:
  sign and erf ``{-1, 0, 1}`` (arcsine law; ``arcsin(u c) = c arcsin(u)`` only there,
  arcsin being strictly convex on ``(0, 1)`` and odd), step ``1 - arccos(x)/pi = x``
  (``mpmath.findroot``);
- every reported point is fixed under ``numerics.maps.precise.shape_map`` (the mpmath map on
  the full matrix);
- Newton (``scipy.optimize.root``) on the family's parameters through the float64
  map, from random starts: every PSD zero it converges to is reported (erf, step,
  sign);
- the reported parameters rebuild the reported matrix through ``theory.families``;
- the spectral radius at the identity, ``u / arcsin(u)`` (``u = 2/3``), and the
  diagonal eigenvalue ``d v'(d) / v(d)``, in closed form;
- a weight variance ``sigma_w2 = 2``: with RC the points are fixed under the mpmath map
  at that variance (and move); without RC the spectral radius at the identity is
  ``u / arcsin(u)`` with ``u = 4/5``, inside the certified enclosure.
"""

from __future__ import annotations

from itertools import combinations, product

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import root

from numerics.arith import exact_fraction
from numerics.fixed_points.analysis import analyse_fixed_points
from numerics.fixed_points.search import find_fixed_points
from numerics.maps.fast import fast_mean_field_map
from numerics.maps.precise import shape_map
from theory.errors import GramError, InvalidInputError
from theory.families import get_family
from theory.kernels import kernel_diagonal


def _step_root() -> float:
    with mpmath.workdps(30):
        return float(mpmath.findroot(lambda x: 1 - mpmath.acos(x) / mpmath.pi - x,
                                     (0.5, 0.95), solver="anderson"))


Z_OF = {"sign": [-1.0, 0.0, 1.0], "erf": [-1.0, 0.0, 1.0], "step": [1.0, _step_root()]}
SIZES = {"symmetric": lambda n, m: [n], "cluster-odd": lambda n, m: [n - 1, 1],
         "two-clusters": lambda n, m: [m, n - m]}


def _key(G) -> tuple:
    return tuple(round(float(x), 8) + 0.0 for row in G for x in row)


def _expected(sizes: list[int], Z: list[float]) -> set:
    """Brute force: every support (non-empty set of cells), diagonal n/k, correlations
    in Z; PSD by NumPy eigenvalues."""
    n = sum(sizes)
    cells = [c for c, s in enumerate(sizes) for _ in range(s)]
    out = set()
    for count in range(1, len(sizes) + 1):
        for support in combinations(range(len(sizes)), count):
            d = n / sum(sizes[c] for c in support)
            rho_choices = [Z if sizes[c] >= 2 else [1.0] for c in range(len(sizes))]
            for rhos in product(*rho_choices):
                for g in (Z if len(sizes) == 2 else [0.0]):
                    G = np.zeros((n, n))
                    for i, j in product(range(n), repeat=2):
                        if cells[i] in support and cells[j] in support:
                            corr = 1.0 if i == j else (
                                rhos[cells[i]] if cells[i] == cells[j] else g)
                            G[i, j] = d * corr
                    if np.linalg.eigvalsh(G).min() >= -1e-9:
                        out.add(_key(G))
    return out


def test_erf_diagonal_lemma_symbolically() -> None:
    # v(x) = kernel_diagonal(erf, sigma x): v(0) = 0, v' > 0, v'' < 0 (so v(x)/x decreases)
    x, s = sp.symbols("x sigma", positive=True)
    v = kernel_diagonal("erf", s * x)
    assert v.subs(x, 0) == 0
    claimed = 4 * s / (sp.pi * (1 + 2 * s * x) * sp.sqrt(1 + 4 * s * x))
    assert sp.simplify(sp.diff(v, x) - claimed) == 0
    assert (-sp.diff(claimed, x)).is_positive


def test_erf_correlation_lemma() -> None:
    # arcsin'' = x / (1 - x^2)^(3/2) > 0 on (0, 1) (SymPy), and no zero of
    # arcsin(u c) - c arcsin(u) on [-1, 1] but -1, 0, 1 (the proven 1-D interval search)
    from fractions import Fraction

    from numerics.arith import ArbOps, workprec
    from numerics.fixed_points.chain_rule import search_1d

    y = sp.Symbol("y", positive=True)
    second = sp.diff(sp.asin(y), y, 2)
    assert sp.simplify(second - y / (1 - y ** 2) ** sp.Rational(3, 2)) == 0
    assert all(second.subs(y, sp.Rational(k, 10)) > 0 for k in range(1, 10))
    for u in (Fraction(2, 3), Fraction(12, 13), Fraction(1, 30)):
        with workprec(120):
            ub = ArbOps.const(u)
            asin_u = ub.asin()
            roots, unresolved = search_1d(
                lambda c, ub=ub, asin_u=asin_u: ((ub * c).asin() - c * asin_u,
                                                 ub / (1 - (ub * c) ** 2).sqrt() - asin_u),
                Fraction(-1), Fraction(1), 20,
                exact_zeros=frozenset({Fraction(-1), Fraction(0), Fraction(1)}))
        assert roots == [] and unresolved == [], u


@pytest.mark.parametrize("family,n,m", [("symmetric", 2, None), ("symmetric", 4, None),
                                        ("cluster-odd", 3, None), ("cluster-odd", 6, None),
                                        ("two-clusters", 4, 2), ("two-clusters", 5, 2),
                                        ("two-clusters", 4, 1)])
@pytest.mark.parametrize("act,layer", [("sign", "nl"), ("step", "nl"), ("step", "rs,nl"),
                                       ("erf", "nl")])
def test_complete_list_matches_brute_force(family, n, m, act, layer) -> None:
    res = find_fixed_points(family, n, layer, act, dps=20, m=m)
    assert res.complete
    assert {_key(p.gram) for p in res.fixed_points} == _expected(SIZES[family](n, m), Z_OF[act])
    assert len(res.fixed_points) == len({_key(p.gram) for p in res.fixed_points})
    for p in res.fixed_points:
        G = [[exact_fraction(x) for x in row] for row in p.gram]
        F = shape_map(G, layer, act, dps=25).F_hat
        with mpmath.workdps(30):
            err = max(abs(F[i, j] - p.gram[i][j]) for i in range(n) for j in range(n))
        assert err < mpmath.mpf(10) ** -17
        # the parameters describe the matrix (theory's embedding of the family)
        member = get_family(family).matrix(
            {k: sp.Float(mpmath.nstr(v, 30), 30) for k, v in p.parameters.items()},
            n_value=n, m_value=m)
        assert max(abs(float(member[i, j]) - float(p.gram[i][j]))
                   for i in range(n) for j in range(n)) < 1e-15
        # degenerate = rank deficient (NumPy's rank, an independent route)
        rank = np.linalg.matrix_rank(np.array(p.gram, dtype=float), tol=1e-9)
        assert p.degenerate == (rank < n)


def _params(G: np.ndarray, sizes: list[int]) -> np.ndarray:
    """(a_1, rho of each cell of >= 2 points, gamma) of a member, b from the trace."""
    k = sizes[0]
    out = [G[0, 0]]
    out += [G[s, s + 1] / G[s, s] for s, size in ((0, k), (k, sizes[1])) if size >= 2]
    return np.array(out + [G[0, k] / np.sqrt(G[0, 0] * G[k, k])])


def _member(p: np.ndarray, sizes: list[int]) -> np.ndarray:
    n, k = sum(sizes), sizes[0]
    a1 = p[0]
    a2 = (n - k * a1) / sizes[1]
    rhos = list(p[1:-1])
    r1 = rhos.pop(0) if k >= 2 else 1.0
    r2 = rhos.pop(0) if sizes[1] >= 2 else 1.0
    G = np.empty((n, n))
    for i, j in product(range(n), repeat=2):
        ci, cj = int(i >= k), int(j >= k)
        ai, aj = (a1, a2)[ci], (a1, a2)[cj]
        corr = 1.0 if i == j else ((r1, r2)[ci] if ci == cj else p[-1])
        G[i, j] = np.sqrt(ai * aj) * corr
    return G


@pytest.mark.parametrize("act", ["erf", "step", "sign"])
@pytest.mark.parametrize("n,sizes", [(5, [4, 1]), (5, [2, 3])])
def test_newton_scan_finds_only_reported_points(n, sizes, act) -> None:
    fam = "cluster-odd" if sizes[1] == 1 else "two-clusters"
    res = find_fixed_points(fam, n, "nl", act, dps=20, m=sizes[0])
    reported = [np.array(p.gram, dtype=float) for p in res.fixed_points]

    def residual(p):
        try:
            G = _member(p, sizes)
            F = fast_mean_field_map(G, "nl", act).F_hat
        except (GramError, InvalidInputError, FloatingPointError):
            return np.full(len(p), 1e3)
        return _params(F, sizes) - p

    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(120):
        start = np.concatenate([[rng.uniform(0.05, n / sizes[0] - 0.05)],
                                rng.uniform(-0.3, 0.95, sum(s >= 2 for s in sizes) + 1)])
        with np.errstate(all="ignore"):
            sol = root(residual, start, method="hybr", tol=1e-13)
        if not sol.success or np.max(np.abs(residual(sol.x))) > 1e-10:
            continue
        G = _member(sol.x, sizes)
        if np.linalg.eigvalsh(G).min() < -1e-8:
            continue
        hits += 1
        assert min(np.max(np.abs(G - R)) for R in reported) < 1e-6, sol.x
    assert hits >= 10  # the scan converged often enough to mean something


def test_erf_identity_spectrum_in_closed_form() -> None:
    report = analyse_fixed_points("cluster-odd", 5, "nl", "erf", 20)
    (fp,) = [p for p in report.fixed_points if not p.degenerate]
    with mpmath.workdps(30):
        u = mpmath.mpf(2) / 3  # d = 1, sigma_w^2 = 1
        radius = u / mpmath.asin(u)  # d/dc arcsin(u c)/arcsin(u) at c = 0
        # the diagonal: d v'(d) / v(d) with v(x) = asin(2x/(1+2x)) at d = 1
        diag = 2 / (3 * mpmath.sqrt(5)) / mpmath.asin(u)
        values = {mpmath.mpf(e.value) for e in fp.eigenvalues}
        assert abs(mpmath.mpf(fp.spectral_radius) - radius) < mpmath.mpf(10) ** -18
        assert min(abs(v - diag) for v in values) < mpmath.mpf(10) ** -18
    assert fp.stable is True and fp.certified is True


@pytest.mark.parametrize("family,n", [("cluster-odd", 4), ("symmetric", 4)])
def test_rc_erf_weight_variance_moves_the_points(family, n) -> None:
    res2 = find_fixed_points(family, n, "rc,nl", "erf", dps=20, sigma_w2=2)
    assert res2.complete
    for p in res2.fixed_points:
        G = [[exact_fraction(x) for x in row] for row in p.gram]
        F = shape_map(G, "rc,nl", "erf", dps=25, sigma_w2=2).F_hat
        with mpmath.workdps(30):
            err = max(abs(F[i, j] - p.gram[i][j]) for i in range(n) for j in range(n))
        assert err < mpmath.mpf(10) ** -17
    # the non-exact points move with sigma_w^2 (erf is not homogeneous)
    res1 = find_fixed_points(family, n, "rc,nl", "erf", dps=20)
    assert {_key(p.gram) for p in res2.fixed_points} - {_key(p.gram) for p in res1.fixed_points}


def test_erf_weight_variance_reaches_the_certificate() -> None:
    # without RC the points do not move, the spectra do: u / arcsin(u), u = 4/5 at 2
    report = analyse_fixed_points("symmetric", 4, "nl", "erf", 20, sigma_w2=2)
    (fp,) = [p for p in report.fixed_points if not p.degenerate]
    with mpmath.workdps(30):
        u = mpmath.mpf(4) / 5
        radius = u / mpmath.asin(u)
        top = max(fp.eigenvalues, key=lambda e: abs(mpmath.mpf(e.value)))
        lo, hi = (mpmath.mpf(x) for x in top.modulus_enclosure)
        assert lo - mpmath.mpf(10) ** -18 <= radius <= hi + mpmath.mpf(10) ** -18
        assert abs(radius - mpmath.mpf(2) / 3 / mpmath.asin(mpmath.mpf(2) / 3)) > 0.05


@pytest.mark.parametrize("bad", [0, -1, "abc"])
def test_bad_weight_variance(bad) -> None:
    with pytest.raises(InvalidInputError, match="sigma_w2"):
        find_fixed_points("cluster-odd", 4, "nl", "erf", sigma_w2=bad)
