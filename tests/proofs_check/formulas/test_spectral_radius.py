"""Tests of spectral-radius claims."""

from __future__ import annotations

from proofs_check.formulas import verify

from .independent import CO


def test_cluster_odd_spectral_radius() -> None:
    r = verify("spectral-radius", "n^2/(n^2 - 2*n + 2)", **CO)
    assert r.verdict == "proved"
