"""theory's reduced family maps against the full numeric map at concrete n.

Independent routes: ``theory.reduce.reduced_map`` (SymPy on cell matrices, ``n``
symbolic, parameters substituted afterwards) against ``numerics.maps.precise.shape_map``
on the explicit ``n x n`` member (mpmath, exact rational input).
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics.maps.precise import shape_map
from proofs_check.strategies import family_members
from theory.layers import LayerKind
from theory.reduce import reduced_map

from ._budget import examples

#: Combinations whose SymPy reduction takes tens of seconds: run with -m slow.
SLOW = {(f, k) for f in ("cluster-odd", "two-clusters")
        for k in ("rs", "rc,rs", "rs,nl", "rc,rs,nl")}
CASES = [(fam, kind.name, act)
         for fam in ("symmetric", "cluster-odd", "two-clusters")
         for kind in LayerKind.all()
         for act in (("relu", "sign", "erf") if kind.nl else ("relu",))
         if not (kind.rs and act == "erf")]


@functools.cache
def _reduced(fam: str, layer: str, act: str):
    return reduced_map(fam, layer, act)


def _evaluate(expr: sp.Expr) -> sp.Expr:
    """Evaluate to 20 digits; RS ``Integral``s over ``s`` by mpmath's tanh-sinh quadrature."""

    def quad(integral: sp.Integral) -> sp.Expr:
        (var, low, high), = integral.limits
        f = sp.lambdify(var, integral.function, modules="mpmath")
        with mpmath.workdps(25):
            v = mpmath.quad(f, [low, 1, mpmath.inf])
            # at a rank-deficient S the integrand's sqrt(D) meets D = -1e-25 by rounding
            # and mpmath returns a complex value: keep both parts, the caller checks that
            # the imaginary part is negligible
            return sp.Float(mpmath.re(v), 20) + sp.I * sp.Float(mpmath.im(v), 20)

    expr = expr.replace(lambda e: isinstance(e, sp.Integral), quad)
    return sp.N(expr, 20)


def _param(case):
    fam, layer, act = case
    marks = [pytest.mark.slow] if (fam, layer) in SLOW else []
    return pytest.param(fam, layer, act, marks=marks, id=f"{fam}-{layer}-{act}")


@pytest.mark.parametrize(("fam", "layer", "act"), [_param(c) for c in CASES])
@examples(0.25, minimum=2)
@given(data=st.data())
def test_reduced_map_agrees_with_full_map(fam, layer, act, data):
    member = data.draw(family_members(fam))
    G = member.matrix()
    try:
        full = shape_map(G, layer, act, dps=20)
    except Exception:  # F_hat undefined (tr F = 0) or RS on zero covariance
        assume(False)
    red = _reduced(fam, layer, act)
    subs = member.subs()
    images = {p.name: _evaluate(e.subs(subs)) for p, e in red.images.items()}
    assume(all(v.is_finite for v in images.values()))
    predicted = member.family.matrix(
        {k: v for k, v in images.items()}, n_value=member.n, m_value=member.m)
    with mpmath.workdps(20):
        expected = np.array(full.F_hat.tolist(), dtype=float)
    got = np.array(predicted.evalf(20).tolist(), dtype=complex)
    assert np.max(np.abs(got.imag)) < 1e-9
    tol = 1e-9 * max(1.0, float(np.max(np.abs(expected))))
    assert np.max(np.abs(got.real - expected)) <= tol, (member, got.real, expected)
