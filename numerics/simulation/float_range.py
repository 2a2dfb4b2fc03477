"""Keeping simulated batches inside float64 range, and refusing what leaves it.

A deep random network multiplies the scale of its representation by a random
factor per layer: at ``sigma_w^2 = 1`` with ReLU, ``|x|^2`` halves per layer and
``2^-1200`` is below the smallest float64; at ``sigma_w^2 = 10`` it grows past
the largest.  Three rules keep every reported number meaningful:

* **Exact rescaling** (positively homogeneous layers only: no NL, or an
  activation of degree 0 or 1, for which ``layer(c X) = c^k layer(X)`` in
  distribution).  When ``max |x|`` of a trial leaves
  ``[2^-LOG2_RANGE, 2^LOG2_RANGE]``, the batch is multiplied by ``2^-e`` (``e``
  the binary exponent of ``max |x|``) and ``e`` is added to the trial's
  ``log2_scale``; the true batch is ``2^log2_scale`` times the stored one.
  Multiplying by a power of two is exact in float64 (no rounding, away from
  subnormals), so ties, exact zeros, signs and every scale-free quantity
  (cosines, norm ratios, the shape ``n G / tr G``) are bitwise unchanged.
* **Range checks.**  After every layer each non-zero point's largest entry
  ``m_i`` must be in float64's comfortable range: for a homogeneous layer
  ``m_i >= 2^-RELATIVE_RANGE max_j m_j`` (one point ``2^RELATIVE_RANGE`` times
  smaller than another cannot be rescaled back together); otherwise
  ``2^-ABSOLUTE_RANGE <= m_i < 2^ABSOLUTE_RANGE`` (``m_i^2`` stays a normal
  float64 even after the ``1/d`` of the Gram matrix).  An activation that gives
  NaN or inf at a finite pre-activation is refused where it happens
  (:func:`check_activation_values`).
* **Reported Gram matrices.**  :func:`true_gram` returns ``G = X^T X / d`` at the
  true scale, ``gram(Y) 4^log2_scale`` (computed with ``ldexp``: exact when in
  range), and refuses it when an entry overflows or a non-zero entry
  underflows to a subnormal or 0 (an underflow must never read as a merge);
  :func:`normalised_gram` returns the Gram matrix scaled by an exact power of
  two into ``max |G_ij| in [1/2, 1)`` and the exponent ``k`` with
  ``G = 2^k G_reported``, which is always in range.

Every refusal is a :class:`theory.errors.NonFiniteError` naming the layer, the
trial and the Python parameter to change.
"""

from __future__ import annotations

import numpy as np

from numerics.simulation.statistics import gram
from theory.activations import Activation
from theory.errors import NonFiniteError
from theory.layers import LayerKind

__all__ = [
    "ABSOLUTE_RANGE",
    "check_activation_values",
    "check_range",
    "is_homogeneous",
    "leaves_range",
    "LOG2_RANGE",
    "normalised_gram",
    "point_magnitudes",
    "RELATIVE_RANGE",
    "rescale",
    "true_gram",
]

#: homogeneous runs are rescaled by an exact power of two when max|x| leaves
#: ``[2^-LOG2_RANGE, 2^LOG2_RANGE]`` (ties, signs and shapes are unchanged).
LOG2_RANGE = 256

#: a non-homogeneous run must keep every non-zero point's largest entry in
#: ``[2^-ABSOLUTE_RANGE, 2^ABSOLUTE_RANGE)``: squares and Gram entries stay normal float64.
ABSOLUTE_RANGE = 480

#: in a homogeneous run no non-zero point may be more than ``2^RELATIVE_RANGE`` times
#: smaller (largest entry) than the largest point of its trial.
RELATIVE_RANGE = 400

_TINY = float(np.finfo(np.float64).tiny)


def is_homogeneous(kind: LayerKind, activation: Activation) -> bool:
    """Whether a layer commutes with positive scaling: no NL, or an activation of degree 0 or 1."""
    return (not kind.nl) or activation.degree in (0, 1)


def _exponents(m: np.ndarray) -> np.ndarray:
    """Binary exponents ``e`` with ``m in [2^(e-1), 2^e)`` (0 where ``m = 0``)."""
    return np.frexp(np.where(m > 0, m, 1.0))[1]


def point_magnitudes(Y: np.ndarray) -> np.ndarray:
    """``max |x|`` of each point, shape ``(T, n)``; a NaN or inf entry makes its point's
    value non-finite.  Two reductions over ``Y`` and no copy of it: computed once per
    layer and shared by :func:`check_range` and :func:`leaves_range`."""
    return np.maximum(Y.max(axis=2), -Y.min(axis=2))


def rescale(Y: np.ndarray, log2_scale: np.ndarray) -> np.ndarray:
    """Bring each trial's ``max |x|`` back into ``[2^-LOG2_RANGE, 2^LOG2_RANGE]`` exactly.

    Trials whose exponent ``e`` of ``max |x|`` has ``|e| > LOG2_RANGE`` are
    multiplied by ``2^-e`` and ``log2_scale`` (length ``T``, updated in place)
    gains ``e``; the others are left alone.  Returns the (possibly new) batch; a batch
    with a non-finite entry is returned unchanged (:func:`check_range` refuses it).
    Only valid for a positively homogeneous layer.
    """
    m = point_magnitudes(Y).max(axis=1)
    if not np.all(np.isfinite(m)):
        return Y
    e = _exponents(m)
    shift = np.where(np.abs(e) > LOG2_RANGE, e, 0)
    if np.any(shift):
        Y = np.ldexp(Y, -shift[:, None, None])
        log2_scale += shift
    return Y


def check_activation_values(x: np.ndarray, y: np.ndarray, activation: Activation) -> None:
    """Refuse ``y = phi(x)`` when ``phi`` gave NaN or inf at a finite pre-activation.

    Raises
    ------
    NonFiniteError
        Naming the activation, the first offending ``x`` and what it gave
        (``parameter = "activation"``).
    """
    if np.all(np.isfinite(y)):  # the common case: one pass
        return
    y = np.broadcast_to(y, np.shape(x))
    bad = ~np.isfinite(y) & np.isfinite(x)
    if not bad.any():
        return
    where = np.nonzero(bad)
    x0, y0 = float(x[where][0]), float(y[where][0])
    if np.isnan(y0):
        reason = "is not defined on the pre-activations"
    else:
        reason = "overflows float64 on the pre-activations"
    raise NonFiniteError(
        f"activation {activation.name!r} {reason} (at x = {x0:.6g} it gives {y0}); "
        "the simulator needs an activation finite on all of R at these scales",
        parameter="activation",
    )


def check_range(magnitudes: np.ndarray, layer: int, activation: Activation,
                homogeneous: bool) -> None:
    """Refuse a batch (given by its point_magnitudes) that is non-finite or whose points
    left float64's safe range.

    See the module docstring for the ranges.  ``layer`` and ``activation`` are
    for the message only.

    Raises
    ------
    NonFiniteError
        With the layer, the trial and the point.
    """
    pm = magnitudes  # (T, n): the point_magnitudes of the batch
    finite = np.all(np.isfinite(pm), axis=1)
    if not finite.all():
        t = int(np.nonzero(~finite)[0][0])
        raise NonFiniteError(
            f"the representation overflows float64 at layer {layer} (trial {t}): "
            f"activation {activation.name!r} grows without bound; lower depth or sigma_w2",
            parameter="depth",
        )
    if homogeneous:
        floor = np.ldexp(pm.max(axis=1), -RELATIVE_RANGE)[:, None]
        low = (pm > 0) & (pm < floor)
        if low.any():
            t, i = (int(v[0]) for v in np.nonzero(low))
            raise NonFiniteError(
                f"point {i} of trial {t} underflows at layer {layer}: it is more than "
                f"2^{RELATIVE_RANGE} times smaller than the largest point, beyond what "
                "float64 can hold together (it would read as 0, a false merge); lower depth",
                parameter="depth",
            )
        return
    high = pm >= 2.0**ABSOLUTE_RANGE
    low = (pm > 0) & (pm < 2.0**-ABSOLUTE_RANGE)
    if high.any() or low.any():
        bad = high | low
        t, i = (int(v[0]) for v in np.nonzero(bad))
        what = "overflows" if high[t, i] else "underflows"
        raise NonFiniteError(
            f"the representation {what} float64 at layer {layer} (trial {t}, point {i}: "
            f"|x| = {pm[t, i]:.3g}, outside [2^-{ABSOLUTE_RANGE}, 2^{ABSOLUTE_RANGE})); "
            f"activation {activation.name!r} is not positively homogeneous, so the run "
            "cannot be rescaled: lower depth or change sigma_w2",
            parameter="depth",
        )


def true_gram(Y: np.ndarray, log2_scale: np.ndarray, layer: int,
              out_since: np.ndarray | None = None) -> np.ndarray:
    """``G = X^T X / d`` at the true scale: ``gram(Y) 2^(2 log2_scale)`` per trial.

    ``out_since[t]`` (optional) is the first layer of the current stretch where
    trial ``t``'s scale left float64 range (-1 if none), for the message.

    Raises
    ------
    NonFiniteError
        When an entry overflows, or a non-zero entry becomes subnormal or 0
        (``parameter = "renormalise"``).
    """
    Gi = gram(Y)
    with np.errstate(over="ignore", under="ignore"):
        G = np.ldexp(Gi, (2 * log2_scale)[:, None, None])
    over = ~np.all(np.isfinite(G), axis=(1, 2))
    lost = np.any((Gi != 0) & (np.abs(G) < _TINY), axis=(1, 2))
    if over.any() or lost.any():
        t = int(np.nonzero(over | lost)[0][0])
        what = "overflows" if over[t] else "underflows"
        since = layer if out_since is None or out_since[t] < 0 else int(out_since[t])
        nz = np.abs(Gi[t])[Gi[t] != 0]
        ref = nz.max() if over[t] else nz.min()
        k = int(_exponents(np.array([ref]))[0]) - 1 + 2 * int(log2_scale[t])
        raise NonFiniteError(
            f"the Gram matrix {what} float64 after {since} layers (trial {t}; at layer "
            f"{layer} an entry is about 2^{k}): lower depth or sigma_w2, or pass "
            "renormalise=True to report it scaled by an exact power of two",
            parameter="renormalise",
        )
    return G


def normalised_gram(Y: np.ndarray, log2_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Gram matrix scaled by an exact power of two, and that power.

    Returns ``(G_hat, k)`` with ``G_hat = 2^-f gram(2^-e Y)``: ``e`` the exponent
    of ``max |y|`` (the product is formed in range) and ``f`` that of the largest
    entry (so ``max |G_hat|`` is in ``[1/2, 1)``, or all of ``G_hat`` is 0), and
    ``k = 2 (log2_scale + e) + f``: the true Gram matrix is ``2^k G_hat``.
    ``n G_hat / tr G_hat`` is bitwise the shape of the true Gram matrix whenever
    the latter is in range.
    """
    e = _exponents(np.abs(Y).max(axis=(1, 2)))
    G = gram(np.ldexp(Y, -e[:, None, None]))
    f = _exponents(np.abs(G).max(axis=(1, 2)))
    return np.ldexp(G, -f[:, None, None]), 2 * (log2_scale + e) + f


def leaves_range(magnitudes: np.ndarray, log2_scale: np.ndarray) -> np.ndarray:
    """Trials whose true-scale Gram matrix is (about to be) outside float64 range.

    From the exponents of the largest and smallest non-zero point (largest
    entry) at the true scale: ``2 e_max > 1020`` or ``2 e_min < -1020``.  Used
    only to say from which layer on a reported Gram matrix left the range.
    """
    pm = magnitudes  # (T, n): the point_magnitudes of the batch
    e_max = _exponents(pm.max(axis=1)) + log2_scale
    e_min = _exponents(np.where(pm > 0, pm, np.inf).min(axis=1)) + log2_scale
    return (2 * e_max > 1020) | ((pm > 0).any(axis=1) & (2 * e_min < -1020))
