"""Every fixed point reported by numerics.fixed_points is a fixed point to its stated precision.

Independent route: the residual ``F_hat(G*) - G*`` is recomputed with
:func:`numerics.maps.shape_map` (not the search's own residual function), at
more digits than the search; the allowed residual is the map's error bound plus
``(1 + |J|_max n) * w`` with ``w`` the stated enclosure half-width and ``J`` the
full Jacobian of :func:`numerics.jacobian.jacobian` (a first-order bound on how
far ``F_hat(G) - G`` can move inside the enclosure).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

fixed_points = pytest.importorskip(
    "numerics.fixed_points", reason="numerics/fixed_points.py (issue 3) not present yet")
jacobian_mod = pytest.importorskip("numerics.jacobian", reason="numerics/jacobian.py not present")

import sympy as sp  # noqa: E402

from numerics.maps import shape_map  # noqa: E402
from theory.families import get_family  # noqa: E402

from ._budget import examples  # noqa: E402


@examples(0.25, minimum=2)
@given(family=st.sampled_from(["symmetric", "cluster-odd"]), n=st.sampled_from([3, 4]),
       layer=st.sampled_from(["rc,nl", "nl", "rc,rs,nl"]))
def test_reported_fixed_points_are_fixed(family, n, layer):
    try:
        result = fixed_points.find_fixed_points(family, n, layer, "relu", dps=20)
    except Exception as exc:  # documented refusals only
        from theory.errors import BnverifyError
        assert isinstance(exc, BnverifyError)
        return
    fam = get_family(family)
    for fp in result.fixed_points:
        G = [[mpmath.mpf(x) for x in row] for row in fp.gram]
        # the reported parameters describe the reported matrix (theory's embedding)
        values = {k: sp.Float(str(v), 30) for k, v in fp.parameters.items()}
        member = np.array(fam.matrix(values, n_value=n).evalf(25).tolist(), dtype=float)
        slack = max([float(w) for w in fp.enclosure.values()] + [0.0]) * 10 + 1e-14
        assert np.max(np.abs(member - np.array(G, dtype=float))) <= slack
        res = shape_map(G, layer, "relu", dps=30)
        with mpmath.workdps(30):
            Gm = np.array([[float(x) for x in row] for row in G])
            Fh = res.F_hat_float()
        width = max([float(w) for w in fp.enclosure.values()] + [0.0])
        J = jacobian_mod.jacobian(G, layer, "relu", dps=20)
        jmax = 1.0
        if J.matrix is not None:
            jmax += float(np.max(np.abs(np.array(J.matrix.tolist(), dtype=float)))) * n
        allowed = float(res.error_bound_hat) + jmax * max(width, 1e-18) * 10 + 1e-15
        assert np.max(np.abs(Fh - Gm)) <= allowed, (fp.parameters, np.max(np.abs(Fh - Gm)))
