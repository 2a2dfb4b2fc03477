"""The ``simulate`` and ``lyapunov`` subcommands through proofs_check.cli.main."""

from __future__ import annotations

import json

import pytest

from proofs_check.cli import main


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_simulate_json(capsys):
    out = _json(capsys, ["simulate", "--n", "4", "--width", "8", "--depth", "3",
                         "--trials", "2", "--seed", "1", "--json"])
    assert len(out["trials"]) == 2
    t = out["trials"][0]
    assert set(t) >= {"final_gram", "clusters", "merges", "cluster_odd", "odd_index",
                      "odd_norm_ratio", "odd_cos"}
    assert len(t["final_gram"]) == 4
    assert {"cluster_odd_fraction", "cluster_odd_ci"} <= set(out["summary"])


def test_simulate_input_gram(tmp_path, capsys):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"gram": [[1, 1, 0], [1, 1, 0], [0, 0, 1]]}))
    out = _json(capsys, ["simulate", "--n", "3", "--width", "6", "--depth", "20",
                         "--trials", "3", "--input", str(path), "--json"])
    assert out["summary"]["cluster_odd_fraction"] == 1.0
    assert all(t["clusters"] == [[0, 1], [2]] for t in out["trials"])


def test_simulate_text(capsys):
    assert main(["simulate", "--n", "3", "--width", "4", "--depth", "2", "--trials", "2"]) == 0
    assert "cluster + odd" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["simulate", "--width", "0"], ["simulate", "--n", "1"], ["simulate", "--depth", "-1"],
    ["simulate", "--trials", "0"], ["simulate", "--weights", "unknown"],
    ["simulate", "--sigma-w2", "nan"], ["simulate", "--activation", "nosuch"],
    ["lyapunov", "--width", "16,0"], ["lyapunov", "--width", "a,b"],
    ["lyapunov", "--at", "elsewhere"], ["lyapunov", "--n", "2"],
])
def test_invalid_values_exit_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip() and len(err.strip().splitlines()) == 1


def test_lyapunov_json_width_scan(capsys):
    out = _json(capsys, ["lyapunov", "--n", "4", "--width", "8,16", "--depth", "6",
                         "--burn-in", "1", "--trials", "3", "--json"])
    assert [w["width"] for w in out["widths"]] == [8, 16]
    assert set(out["widths"][0]["exponents"]) == {"cluster_spread", "odd_cos"}
    assert "mean_field" in out and "value" in out["mean_field"]
    assert set(out["sign_changes"]) == {"cluster_spread", "odd_cos"}
