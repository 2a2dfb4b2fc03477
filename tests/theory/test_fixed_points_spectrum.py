"""Closed-form fixed points and labelled spectra against hand derivations.

Independent routes (derived by hand, written out here, not taken from the code):

* symmetric family, RC + ReLU: RC sends ``q((1-rho) I + rho 1 1^T)`` to
  ``q(1-rho) P``, whose correlations are ``-1/(n-1)`` whatever ``rho < 1``; so
  ``rho* = kappa(-1/(n-1))`` with the normalised arc-cosine kernel
  ``kappa(c) = (sqrt(1-c^2) + (pi - acos c) c)/pi`` (Cho and Saul 2009).
* cluster + odd, RC + ReLU at ``rho = 1``: after RC the cluster points sit at
  ``(x_c - x_o)/n`` and the odd point at ``-(n-1)(x_c - x_o)/n``; ReLU of the
  antipodal Gaussians gives orthogonal outputs with norm ratio ``(n-1)^2``; with
  ``tr = n``: ``a = 1/(n-1), b = n-1, gamma = 0``.
* its within-cluster spread: RC leaves differences inside the cluster unchanged
  but shrinks the cluster's squared norm from ``1/(n-1)`` to
  ``(1 + (n-1)^2)/((n-1) n^2)``; ReLU keeps relative squared distances to first
  order (``kappa'(1) = 1``); so the relative spread grows by
  ``n^2/(n^2 - 2n + 2)`` per layer.
"""

from __future__ import annotations

import pytest
import sympy as sp

from theory.families import a, b, gamma, n, rho
from theory.fixed_points import closed_form_fixed_points
from theory.spectrum import spectrum, total_multiplicity


def _kappa(c: sp.Expr) -> sp.Expr:
    return (sp.sqrt(1 - c**2) + (sp.pi - sp.acos(c)) * c) / sp.pi


@pytest.mark.parametrize("layer", ["rc,nl", "bn"])
def test_symmetric_fixed_point_is_kappa_of_minus_one_over_n_minus_one(layer: str) -> None:
    search = closed_form_fixed_points("symmetric", layer, "relu")
    assert len(search.fixed_points) == 1
    fp = search.fixed_points[0]
    for n_value in (2, 3, 5, 50):
        expected = _kappa(sp.Rational(-1, n_value - 1))
        got = fp.values[rho].subs(n, n_value)
        assert abs(sp.N(got - expected, 40)) < 1e-30


def test_cluster_odd_fixed_point_under_rc_relu() -> None:
    search = closed_form_fixed_points("cluster-odd", "rc,nl", "relu")
    points = {fp.name: fp for fp in search.fixed_points}
    fp = points["cluster-odd"]
    assert fp.degenerate
    assert sp.simplify(fp.values[a] - 1 / (n - 1)) == 0
    assert sp.simplify(fp.values[b] - (n - 1)) == 0
    assert fp.values[rho] == 1 and fp.values[gamma] == 0


def test_cluster_odd_spectrum_unstable_spread() -> None:
    fp = {p.name: p for p in closed_form_fixed_points("cluster-odd", "rc,nl",
                                                      "relu").fixed_points}["cluster-odd"]
    spec = spectrum(fp, "rc,nl", "relu")
    spread = n**2 / (n**2 - 2 * n + 2)
    components = {e.component for e in spec.eigenvalues
                  if sp.simplify(e.value - spread) == 0}
    assert "trivial" in components and "std(cluster)" in components
    assert sp.simplify(total_multiplicity(spec) - (n * (n + 1) / 2 - 1)) == 0
    # the spread eigenvalue exceeds 1 for every n >= 3: n^2 - (n^2 - 2n + 2) = 2n - 2 > 0
    assert all(sp.N(spread.subs(n, k)) > 1 for k in range(3, 40))


@pytest.mark.slow
def test_symmetric_spectrum_total_multiplicity() -> None:
    fp = closed_form_fixed_points("symmetric", "rc,nl", "relu").fixed_points[0]
    spec = spectrum(fp, "rc,nl", "relu")
    assert sp.simplify(total_multiplicity(spec) - (n * (n + 1) / 2 - 1)) == 0


def test_linear_layer_fixes_every_member() -> None:
    assert closed_form_fixed_points("symmetric", "none", "relu").every_member_fixed
