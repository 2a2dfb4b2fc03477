"""Mean-field theory against finite-width simulation (issue 6).

Independent route: the expected value is ``F(G)`` from :mod:`numerics.maps.fast`
(closed-form kernels / RS integral / quadrature), the observed value an
average of exact finite-width samples (:mod:`numerics.simulation.sampling`); the two share
no code.  Tolerances come from :mod:`proofs_check.testing` (Student-t quantile at
family-wise level ``alpha`` with Bonferroni over the ``n(n+1)/2`` entries, times
the standard error of the Richardson-extrapolated estimate) - nothing is tuned.

False-alarm budget: each call fails with probability <= ``alpha = 1e-4`` when
the theory is right; with the thorough profile's few hundred examples per test
the suite's false-alarm probability stays below a few percent.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics.maps.fast import fast_mean_field_map
from proofs_check.strategies import activation_names, gram_matrices
from proofs_check.testing import (
    assert_fluctuations_shrink,
    assert_mean_field_agrees,
    compare_mean_field,
)
from theory.activations import get_activation
from theory.layers import LayerKind

from ._budget import examples

ALPHA = 1e-4
#: Layer kinds with a closed-form or integral map for a closed-form / homogeneous activation.
LAYERS = LayerKind.all()


def _exact_spectrum(G: np.ndarray, layer: LayerKind) -> list:
    """Eigenvalues of the exact covariance ``S`` of the float entries of ``G`` (60 digits)."""
    from fractions import Fraction

    from numerics.gram import to_fraction
    from numerics.maps.precise import exact_covariance
    S = exact_covariance([[to_fraction(x) for x in row] for row in G.tolist()], layer,
                         Fraction(1))
    with mpmath.workdps(60):
        M = mpmath.matrix([[mpmath.mpf(x.numerator) / x.denominator for x in row] for row in S])
        return [abs(x) for x in mpmath.eigsy(M, eigvals_only=True)]


def _well_posed(G: np.ndarray, layer: LayerKind, act: str) -> bool:
    """RS needs a non-zero covariance; RS with a non-homogeneous phi has only an RQMC map."""
    n = G.shape[0]
    S = G if not layer.rc else (np.eye(n) - 1 / n) @ G @ (np.eye(n) - 1 / n)
    if layer.rs and np.max(np.abs(np.diag(S))) <= 1e-8 * max(1.0, np.max(np.abs(G))):
        return False
    if layer.rs and layer.nl and get_activation(act).degree is None:
        return False
    if layer.rs:
        # RS near a rank-deficient S: E[h h^T/|h|^2] is dominated by rare rows with
        # |h| small in the large directions (probability ~ sqrt(lambda_small /
        # lambda_large)); with d T ~ 3000 rows those are not seen, the sample
        # standard error is far too small and the t interval is invalid.  Exactly
        # zero eigenvalues (duplicates, RC) are harmless.  See the README section on testing.
        # the spectrum of the exact rational S (as the mpmath map sees it): a float
        # eigvalsh cannot tell an exact zero from 1e-16 relative
        lam = _exact_spectrum(G, layer)
        top = max(lam)
        small = [x for x in lam if x > mpmath.mpf(10) ** -50 * top]
        if small and min(small) < 1e-4 * top:
            return False
    if layer.nl and act in ("erf", "tanh") and np.max(np.diag(S)) > 1e3:
        # Saturation: 1 - phi(h)^2 is non-negligible only for |h| < 2, probability
        # ~1.6/sqrt(S_ii); with d T ~ 800 rows the count of such rows must be large
        # (>= ~30) for the t interval: S_ii <= ~1e3.  See the README section on testing.
        return False
    if layer.nl and get_activation(act).degree == 0:
        # Same rare-event issue for degree 0: two nearly collinear rows differ in sign
        # with probability t / pi (t their angle).
        d = np.clip(np.diag(S), 0, None)
        outer = np.outer(d, d)
        with np.errstate(invalid="ignore", divide="ignore"):
            sin2 = np.where(outer > 0, (outer - S * S) / outer, 1.0)
        if np.any((sin2 > 1e-12) & (sin2 < 1e-4)):
            return False
        if np.any((d > 0) & (d < 1e-8 * d.max())):
            return False
    return True


@pytest.mark.parametrize("layer", LAYERS, ids=str)
@examples(1.0)
@given(G=gram_matrices(max_n=5), act=activation_names(closed_form=True),
       seed=st.integers(0, 2**32 - 1))
def test_simulation_agrees_with_mean_field(layer, G, act, seed):
    """Every layer kind, closed-form and RS-integral maps: simulation at widths
    (32, 64) and (64, 128) agrees with ``F(G)`` (two checks, two widths pairs)."""
    assume(_well_posed(G, layer, act))
    n = G.shape[0]
    for widths in ((max(32, n), 64), (64, 128)):
        assert_mean_field_agrees(G, layer, act, widths=widths, trials=24, seed=seed, alpha=ALPHA)


@examples(0.5)
@given(G=gram_matrices(max_n=4, kinds=("generic", "badly_scaled")),
       layer=st.sampled_from([k for k in LAYERS if k.nl and not k.rs]),
       act=st.sampled_from(["tanh", "gelu", "silu"]), seed=st.integers(0, 2**32 - 1))
def test_simulation_agrees_with_quadrature_map(G, layer, act, seed):
    """Activations without closed form: the map is 2-D Gaussian quadrature."""
    assert_mean_field_agrees(G, layer, act, widths=(32, 64), trials=24, seed=seed, alpha=ALPHA)


@examples(0.5)
@given(G=gram_matrices(min_n=3, max_n=4, kinds=("generic",)),
       layer=st.sampled_from(["rc,nl", "nl", "rc,rs,nl"]), seed=st.integers(0, 2**32 - 1))
def test_deep_runs_need_the_bias_correction(G, layer, seed):
    """Depth 2: the second layer's input is random, so ``E_d = F(F(G)) + c/d + ...``
    with ``c != 0``; the Richardson estimate removes ``c``."""
    n = G.shape[0]
    P = np.eye(n) - 1 / n
    assume(np.trace(P @ G @ P) > 1e-3 * np.trace(G))
    assert_mean_field_agrees(G, layer, "relu", widths=(16, 48), trials=48, seed=seed,
                             depth=2, alpha=ALPHA)


@examples(0.5)
@given(G=gram_matrices(min_n=2, max_n=4, kinds=("generic",)),
       act=st.sampled_from(["erf", "tanh"]), seed=st.integers(0, 2**32 - 1))
def test_orthogonal_weights_agree_after_extrapolation(G, act, seed):
    """Haar-orthogonal weights: rows of ``W X`` are dependent, so ``E_d - F = O(1/d)``."""
    assert_mean_field_agrees(G, "nl", act, widths=(16, 48), trials=32, seed=seed,
                             weights="orthogonal", alpha=ALPHA)


@examples(0.5)
@given(G=gram_matrices(min_n=3, max_n=5, kinds=("generic", "badly_scaled")),
       layer=st.sampled_from(LAYERS), seed=st.integers(0, 2**32 - 1))
def test_disagreement_shrinks_like_inverse_sqrt_width(G, layer, seed):
    """Regression of log MSE on log d over d = 16..128: the interval (level 1e-3)
    of the slope contains -1, i.e. the RMS disagreement is ~ d^(-1/2)."""
    assume(_well_posed(G, layer, "relu"))
    n = G.shape[0]
    try:
        assert_fluctuations_shrink(G, layer, "relu", widths=(16, 32, 64, 128), trials=48,
                                   seed=seed, alpha=1e-3)
    except Exception as exc:  # a deterministic layer raises InvalidInputError
        if "deterministic" in str(exc):
            assume(False)
        raise
    assert n >= 3


@pytest.mark.parametrize("wrong", ["abs", "leaky_relu(1/2)", "erf"])
def test_helper_has_power_against_a_wrong_kernel(wrong):
    """The helper must fail when the prediction is the map of another activation
    (guards against an interval so wide that nothing fails)."""
    G = np.array([[1.0, 0.4, -0.2], [0.4, 1.5, 0.3], [-0.2, 0.3, 0.8]])
    F_wrong = fast_mean_field_map(G, "nl", wrong).F
    result = compare_mean_field(G, "nl", "relu", widths=(128, 256), trials=64, seed=7,
                                prediction=F_wrong, alpha=ALPHA)
    assert not result.ok
    with pytest.raises(AssertionError, match="prediction.*estimate.*interval.*widths"):
        assert_mean_field_agrees(G, "nl", "relu", widths=(128, 256), trials=64, seed=7,
                                 prediction=F_wrong, alpha=ALPHA)
