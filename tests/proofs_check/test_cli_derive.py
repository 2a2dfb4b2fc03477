"""``bnverify derive`` end to end (values checked against the hand derivations of
tests/theory/test_fixed_points_spectrum.py)."""

from __future__ import annotations

import json

import pytest

from proofs_check.cli import main


def test_derive_cluster_odd_json(capsys) -> None:
    assert main(["derive", "--family", "cluster-odd", "--layer", "rc,nl", "--activation",
                 "relu", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fps = {fp["name"]: fp for fp in out["fixed_points"]}
    fp = fps["cluster-odd"]
    assert fp["parameters"]["b"]["text"] == "n - 1"
    values = {e["value"]["text"] for e in fp["eigenvalues"]}
    assert "n**2/(n**2 - 2*n + 2)" in values
    assert set(out["reduced_map"]) == {"a", "rho", "b", "gamma"}


def test_derive_with_concrete_n(capsys) -> None:
    assert main(["derive", "--family", "symmetric", "--layer", "rc,rs", "--n", "5",
                 "--no-eigenvalues", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reduced_map"]["rho"]["text"] == "-1/4"


def test_derive_user_activation_says_numeric(capsys) -> None:
    assert main(["derive", "--family", "symmetric", "--layer", "rc,nl", "--activation",
                 "x*erf(x)", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("numerically" in note for note in out["notes"])


@pytest.mark.parametrize("argv", [
    ["derive", "--family", "triangle"],
    ["derive", "--family", "symmetric", "--layer", "rc,zz"],
    ["derive", "--family", "symmetric", "--activation", "relu7"],
    ["derive", "--family", "symmetric", "--activation", "x.__class__"],
    ["derive", "--family", "symmetric", "--n", "1"],
])
def test_bad_input_exits_2_with_one_line(argv, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
