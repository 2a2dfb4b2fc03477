"""`bnverify fixed-points`: JSON shape and exit codes.  Independent route: the verdict for
cluster+odd RC+ReLU must be unstable because theory.spectrum derives the eigenvalue
n^2/(n^2-2n+2) > 1 (checked against the printed eigenvalue)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from proofs_check.cli import main


def test_cluster_odd_json(capsys) -> None:
    code = main(["fixed-points", "--n", "5", "--layer", "rc,nl", "--activation", "relu",
                 "--family", "cluster-odd", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    # n = 5: the family holds the cluster + odd point and the symmetric point (which is
    # a cluster-odd member with rho = gamma); the RC reduction makes the search complete
    assert data["complete"] is True
    fp, sym = data["fixed_points"]
    assert not sym["degenerate"] and sym["parameters"]["rho"] == sym["parameters"]["gamma"]
    assert fp["degenerate"] is True and fp["stable"] is False
    assert "N^T E N >= 0" in fp["admissible_directions"]
    values = [(float(e["value"]), e["multiplicity"], e["symmetry"]) for e in fp["eigenvalues"]]
    assert any(abs(v - 25 / 17) < 1e-25 and m == 3 and s == "std(cluster)"
               for v, m, s in values)
    assert sum(m for _, m, _ in values) == 5 * 6 // 2 - 1


def test_symmetric_text(capsys) -> None:
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "symmetric"]) == 0
    assert "stable=True" in capsys.readouterr().out


def test_bad_input_exit_2(capsys) -> None:
    assert main(["fixed-points", "--n", "1", "--layer", "rc,nl", "--family", "symmetric"]) == 2
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "nope"]) == 2
    assert main(["fixed-points", "--n", "4", "--layer", "rc,nl", "--family", "symmetric",
                 "--dps", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("error") == 3


@pytest.mark.parametrize("dps", [None, 20])
def test_cluster_odd_n8_all_blocks_certified(capsys, dps: int | None) -> None:
    # The trivial block's double 0 (with the simple n^2/(n^2-2n+2) = 32/25) used to be left
    # unenclosed (certified false, e.g. at --dps 20, where arb cannot isolate it);
    # numerics.jacobian.certify's cluster fallback (scaled Gershgorin discs) now encloses it, so
    # every eigenvalue of the face point carries an enclosure.
    extra = [] if dps is None else ["--dps", str(dps)]
    assert main(["fixed-points", "--n", "8", "--layer", "rc,nl", "--family", "cluster-odd",
                 "--json", *extra]) == 0
    data = json.loads(capsys.readouterr().out)
    fp = next(p for p in data["fixed_points"] if p["degenerate"])
    assert fp["certified"] is True and fp["stable"] is False
    assert all(e["modulus_enclosure"] is not None for e in fp["eigenvalues"])
    trivial = [e for e in fp["eigenvalues"] if e["symmetry"] == "trivial"]
    assert len(trivial) == 3
    tol = Fraction(1, 10**15)  # the bounds are printed as decimals (<= 20 digits)
    n = 8
    for exact in (Fraction(n * n, n * n - 2 * n + 2), Fraction(0)):
        assert any(Fraction(lo) - tol <= exact <= Fraction(hi) + tol
                   for lo, hi in (e["modulus_enclosure"] for e in trivial))
    for e in trivial:  # each reported value has the enclosure it overlaps
        lo, hi = (Fraction(x) for x in e["modulus_enclosure"])
        assert lo - tol <= abs(Fraction(e["value"])) <= hi + tol


def test_sigma_w2_reaches_the_erf_search_and_jacobian(capsys) -> None:
    # erf without RC, symmetric: the identity (rho = 0) has spectral radius u / arcsin(u)
    # with u = 2 sigma_w^2 / (1 + 2 sigma_w^2) (closed form; u = 4/5 at sigma_w^2 = 2)
    import mpmath

    assert main(["fixed-points", "--n", "4", "--layer", "nl", "--activation", "erf",
                 "--family", "symmetric", "--sigma-w2", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (fp,) = [p for p in data["fixed_points"] if not p["degenerate"]]
    u = mpmath.mpf(4) / 5
    assert abs(mpmath.mpf(fp["spectral_radius"]) - u / mpmath.asin(u)) < 1e-25
    assert fp["stable"] is True
    for layer, act in (("nl", "erf"), ("rc,nl", "relu")):  # checked on every route
        assert main(["fixed-points", "--n", "4", "--layer", layer, "--activation", act,
                     "--family", "symmetric", "--sigma-w2", "-1"]) == 2
        assert "--sigma-w2" in capsys.readouterr().err
