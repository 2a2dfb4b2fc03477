"""The fixed-point pipeline (numerics.fixed_points.analysis): search -> blocks -> certificate.

Independent routes: the symbolic spectrum of :mod:`theory.spectrum` (SymPy, ``n``
symbolic, at the closed-form fixed point of :mod:`theory.fixed_points`) for the
cluster + odd point of RC+ReLU, whose spread eigenvalue is ``n^2/(n^2 - 2n + 2)``;
the closed-form symmetric fixed point for RC+ReLU; ``json`` for the serialisation.
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from numerics.arith import ArbOps, workprec
from numerics.fixed_points.analysis import (
    FixedPointAnalysis,
    FixedPointVerdict,
    JacobianUnavailable,
    analyse_fixed_points,
    jacobian_blocks,
)
from numerics.fixed_points.centred import CentredResidual, generators
from numerics.fixed_points.search import find_fixed_points
from theory.activations import get_activation
from theory.families import n as N
from theory.fixed_points import closed_form_fixed_points
from theory.layers import LayerKind
from theory.spectrum import spectrum


@pytest.fixture(scope="module")
def spread_eigenvalue() -> sp.Expr:
    fp = {p.name: p for p in closed_form_fixed_points("cluster-odd", "rc,nl",
                                                      "relu").fixed_points}["cluster-odd"]
    spec = spectrum(fp, "rc,nl", "relu")
    values = {e.value for e in spec.eigenvalues if e.component == "std(cluster)"}
    value = max(values, key=lambda v: abs(complex(sp.N(v.subs(N, 5)))))
    assert sp.simplify(value - N**2 / (N**2 - 2 * N + 2)) == 0
    return value


@pytest.mark.parametrize("n", [4, 5])
def test_cluster_odd_collapsed_point_is_certified_unstable(n, spread_eigenvalue) -> None:
    analysis = analyse_fixed_points("cluster-odd", n, "rc,nl", "relu", dps=20)
    assert isinstance(analysis, FixedPointAnalysis) and analysis.complete
    (point,) = [p for p in analysis.fixed_points
                if mpmath.mpf(p.parameters["rho"]) == 1
                and mpmath.mpf(p.parameters["gamma"]) == 0]
    assert isinstance(point, FixedPointVerdict)
    assert point.stable is False and point.certified is True
    expected = float(spread_eigenvalue.subs(N, n))
    spread = [e for e in point.eigenvalues if e.symmetry == "std(cluster)"]
    assert spread and all(e.multiplicity == n - 2 for e in spread)
    top = max(spread, key=lambda e: abs(complex(mpmath.mpmathify(e.value))))
    lo, hi = (float(x) for x in top.modulus_enclosure)
    assert lo - 1e-12 <= expected <= hi + 1e-12 and lo > 1
    assert abs(float(top.value) - expected) < 1e-15
    # the verdict keeps what it was decided from
    assert point.certificate is not None and point.certificate.stable is False
    assert point.point is not None and point.point.degenerate == point.degenerate


def test_symmetric_point_matches_the_closed_form_and_is_stable() -> None:
    n = 5
    analysis = analyse_fixed_points("symmetric", n, "rc,nl", "relu", dps=25)
    (point,) = [p for p in analysis.fixed_points if not p.degenerate]
    rho = sp.sqrt(n * (n - 2)) - sp.acos(sp.Rational(1, n - 1))
    rho = rho / (sp.pi * (n - 1))
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(point.parameters["rho"]) - mpmath.mpf(str(sp.N(rho, 40)))) \
            < mpmath.mpf(10) ** -22
    assert point.stable is True and point.certified is True
    assert point.jacobian is None and "jacobian" not in point.to_json()


def test_to_json_round_trips_and_text_and_repr() -> None:
    analysis = analyse_fixed_points("cluster-odd", 4, "rc,nl", "relu", dps=15)
    data = analysis.to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"family", "n", "layer", "activation", "dps", "complete",
                         "fixed_points", "notes"}
    assert len(data["fixed_points"]) == len(analysis.fixed_points)
    first = data["fixed_points"][0]
    assert set(first["eigenvalues"][0]) == {"value", "modulus_enclosure", "multiplicity",
                                            "symmetry", "description"}
    text = analysis.to_text()
    assert text.splitlines()[0].startswith("fixed points of F_hat: family cluster-odd, n = 4")
    assert len(repr(analysis)) < 200 and "cluster-odd" in repr(analysis)


def test_no_jacobian_is_an_explicit_outcome() -> None:
    # step (degree 0) at a point with correlation 1: the one-sided derivative is unbounded
    search = find_fixed_points("symmetric", 4, "nl", "step", dps=15)
    (degenerate,) = [p for p in search.fixed_points if p.degenerate]
    out = jacobian_blocks(degenerate, "nl", "step", dps=15)
    assert isinstance(out, JacobianUnavailable) and out.status == "infinite"
    analysis = analyse_fixed_points("symmetric", 4, "nl", "step", dps=15)
    (verdict,) = [p for p in analysis.fixed_points if p.degenerate]
    assert verdict.jacobian == "infinite" and verdict.eigenvalues == []
    assert verdict.to_json()["jacobian"] == "infinite"


def test_a_division_by_zero_in_a_residual_is_not_swallowed(monkeypatch) -> None:
    # "no enclosure on this box" is the explicit None of layer_values; a real
    # ZeroDivisionError (a bug) must reach the caller instead of becoming an
    # undecided box
    def broken(self, coords, jac):
        raise ZeroDivisionError("a division bug")

    monkeypatch.setattr(CentredResidual, "layer_values", broken)
    with pytest.raises(ZeroDivisionError, match="a division bug"):
        find_fixed_points("cluster-odd", 4, "rc,nl", "relu", dps=15)


def test_a_box_without_enclosure_excludes_nothing(monkeypatch) -> None:
    gens = generators([3, 1], ["cluster", "odd point"])
    res = CentredResidual(gens, [3, 1], LayerKind(rc=True, rs=False, nl=True),
                          get_activation("relu"), [0])
    monkeypatch.setattr(CentredResidual, "layer_values", lambda self, coords, jac: None)
    with workprec(60):
        r, J = res([ArbOps.const(Fraction(1, 2))], True)
    assert J is None and all(not x.is_finite() or x.rad() > 1e200 for x in r)
