"""The certified global-attractor analysis of the correlation map (numerics.correlation_map)."""

from __future__ import annotations

from numerics.arith import ARB, flint, workprec
from numerics.correlation_map import certify_global_attractor, correlation_map_ball
from numerics.kernels import closed_form_kernel
from theory.activations import get_activation


def test_cases():
    assert certify_global_attractor("tanh", order=20, dps=20).case == "odd"
    assert certify_global_attractor("relu").holds is False
    assert certify_global_attractor("identity").case == "linear"
    gelu = certify_global_attractor("gelu", order=20, dps=20)
    assert gelu.holds is True and gelu.fixed_point.startswith("[0.760")


def test_kappa_matches_arcsine_kernel():
    """Independent route: erf's closed form divided by its diagonal."""
    kernel = closed_form_kernel(get_activation("erf"))
    with workprec(20):
        one, rho = flint.arb(1), flint.arb(-7) / 10
        exact = kernel.pair(ARB, one, one, rho, grad=False)[0] / kernel.diag(ARB, one)[0]
    assert correlation_map_ball("erf", rho, order=40, dps=20).overlaps(exact)
