r"""Mean-field growth rates for the Lyapunov command (:mod:`numerics.simulation.lyapunov`).

``mean_field_exponent(at, n, layer, activation)`` returns the log of the modulus
of the Jacobian eigenvalue of ``F_hat`` that governs each finite-width
experiment of :mod:`numerics.simulation.lyapunov`, at the corresponding mean-field fixed
point (perturbations in Gram units, so the growth per layer of the
perturbation is ``|lambda|``):

``at = "cluster-odd"``
    fixed point: the face ``rho = 1, gamma = 0`` of ``cluster-odd``
    (:func:`numerics.fixed_points.search.find_fixed_points`; for RC+ReLU
    ``a = 1/(n-1), b = n - 1``).  ``cluster_spread`` (the squared spread of the
    cluster, linear in the Gram perturbation at ``rho = 1``) grows by the largest
    modulus over the components ``std(cluster)`` and ``(n-3,2)(cluster)``;
    ``odd_cos`` (cosine of the odd point with the cluster) by the eigenvalue of
    the ``trivial`` block whose eigenvector has the largest weight on the
    "cluster against odd point" direction.
``at = "symmetric"``
    fixed point: the non-degenerate symmetric fixed point; ``symmetric``
    (a generic perturbation ``|G_hat' - G_hat|_F``) grows by the spectral radius.

Values are mpmath-computed at 30 digits and returned as floats.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath

from numerics.fixed_points.analysis import JacobianUnavailable, jacobian_blocks
from numerics.fixed_points.search import find_fixed_points
from numerics.jacobian.symmetry import Block
from theory.errors import InvalidInputError

__all__ = [
    "mean_field_exponent",
]


def _blocks_at(fp: Any, layer: str, activation: str, dps: int) -> list[Block]:
    """The symmetry blocks of the Jacobian at ``fp`` (the pipeline's step,
    :func:`numerics.fixed_points.analysis.jacobian_blocks`); none is an error here."""
    bl = jacobian_blocks(fp, layer, activation, dps=dps)
    if isinstance(bl, JacobianUnavailable):
        raise InvalidInputError(f"Jacobian {bl.status}: {'; '.join(bl.notes)}")
    return bl


def _entry(value: Any, label: str, what: str) -> dict:
    mod = float(abs(value))
    return {"eigenvalue": mpmath.nstr(value, 15), "modulus": mod,
            "exponent": math.log(mod) if mod > 0 else -math.inf, "symmetry": label,
            "quantity": what}


def mean_field_exponent(at: str, n: int, layer: str, activation: str) -> dict:
    """Mean-field growth rates per layer (module docstring); keys per experiment."""
    dps = 30
    key = str(at).strip().lower().replace("_", "-")
    if key == "cluster-odd":
        search = find_fixed_points("cluster-odd", n, layer, activation, dps=dps)
        if not search.fixed_points:
            return {"note": "no cluster + orthogonal odd fixed point on the face rho = 1, "
                            "gamma = 0 for this layer"}
        fp = search.fixed_points[0]
        bl = _blocks_at(fp, layer, activation, dps)
        spread = [(e, b.component.label) for b in bl for e in b.eigenvalues
                  if b.component.label.startswith(("std(", "(")) and "cluster" in
                  b.component.label]
        top = max(spread, key=lambda x: abs(x[0]))
        out = {"fixed_point": {k: mpmath.nstr(v, 15) for k, v in fp.parameters.items()},
               "cluster_spread": _entry(top[0], top[1], "squared spread of the cluster")}
        triv = next(b for b in bl if b.component.label == "trivial")
        with mpmath.workdps(dps + 20):
            E, ER = mpmath.eig(triv.matrix)
            idx = triv.names.index("cluster against odd point")
            weights = [abs(ER[idx, k]) / mpmath.norm(ER[:, k]) for k in range(len(E))]
            k = max(range(len(E)), key=lambda k: weights[k])
        out["odd_cos"] = _entry(E[k], "trivial", "cosine of the odd point with the cluster")
        return out
    if key == "symmetric":
        search = find_fixed_points("symmetric", n, layer, activation, dps=dps)
        inner = [fp for fp in search.fixed_points if not fp.degenerate]
        if not inner:
            return {"note": "no non-degenerate symmetric fixed point for this layer"}
        fp = inner[0]
        bl = _blocks_at(fp, layer, activation, dps)
        top = max(((e, b.component.label) for b in bl for e in b.eigenvalues),
                  key=lambda x: abs(x[0]))
        return {"fixed_point": {k: mpmath.nstr(v, 15) for k, v in fp.parameters.items()},
                "symmetric": _entry(top[0], top[1], "|G_hat' - G_hat|_F (spectral radius)")}
    raise InvalidInputError(f"unknown configuration {at!r} (cluster-odd or symmetric)")
