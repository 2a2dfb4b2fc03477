"""Tests of eigenvalue claims: proofs with multiplicity, refutations off the spectrum."""

from __future__ import annotations

import mpmath

from proofs_check.formulas import verify

from .independent import CO, claim_value


def test_cluster_odd_eigenvalues() -> None:
    r = verify("eigenvalue", "n^2/(n^2 - 2*n + 2)", multiplicity="(n-1)*(n-4)/2",
               symmetry="pairwise", **CO)
    assert r.verdict == "proved"
    r = verify("eigenvalue", "n/(n^2-2*n+2)", multiplicity="n-1", **CO)
    assert r.verdict == "refuted"
    for expr in ("n^2/(n^2 - 2*n + 3)", "-n^2/(n^2 - 2*n + 2)", "n^3/(n^2 - 2*n + 2)"):
        r = verify("eigenvalue", expr, **CO)
        assert r.verdict == "refuted", expr
        n = int(r.counterexample.point["n"])
        claimed = claim_value(expr, {"n": str(n)})
        spectrum = [mpmath.mpf(n * n) / (n * n - 2 * n + 2), mpmath.mpf(n) / (n * n - 2 * n + 2),
                    mpmath.mpf(0)]
        assert all(abs(claimed - v) > 1e-20 for v in spectrum)
