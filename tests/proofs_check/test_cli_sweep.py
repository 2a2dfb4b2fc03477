"""The ``sweep`` subcommand through proofs_check.cli.main."""

from __future__ import annotations

import csv
import json
import sys

from proofs_check.cli import main

ARGS = ["sweep", "--n", "3,4", "--width", "4", "--depth", "10", "--trials", "6",
        "--chunk-trials", "3", "--every", "5", "--seed", "2", "--workers", "0"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_sweep_json(capsys):
    out = _json(capsys, [*ARGS, "--json"])
    assert out["config"]["n"] == [3, 4]
    assert len(out["cells"]) == 2
    cell = out["cells"][0]
    assert cell["cell"] == {"n": 3, "width": 4, "depth": 10, "layer": "rc,nl",
                            "activation": "relu"}
    assert cell["trials"] == 6 and cell["tasks"] == 2
    assert [row["depth"] for row in cell["first_hit_cdf"]] == [0, 5, 10]
    assert {"value", "ci", "band", "count"} <= set(cell["first_hit_cdf"][0])
    assert set(cell["merges_by_mechanism"]) == {"zeroed", "met"}
    assert out["run"]["tasks_run"] == 4


def test_sweep_files_resume_and_tidy_csv(tmp_path, capsys):
    out = tmp_path / "grid"
    assert main([*ARGS, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "reached by depth 10" in text and "grid.csv" in text
    with open(tmp_path / "grid.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # 2 cells x 3 recorded depths x 4 quantities + 2 cells x 2 per-cell quantities
    assert len(rows) == 2 * 3 * 4 + 2 * 2
    assert {r["quantity"] for r in rows} == {"first_hit_cdf", "cluster_odd_fraction",
                                            "merges_zeroed", "merges_met",
                                            "first_hit_depth", "odd_norm_ratio"}
    assert rows[0]["layer"] == "rc,nl"
    first_csv = (tmp_path / "grid.csv").read_bytes()
    again = _json(capsys, [*ARGS, "--out", str(out), "--json"])
    assert again["run"]["tasks_resumed"] == 4 and again["run"]["tasks_run"] == 0
    assert (tmp_path / "grid.csv").read_bytes() == first_csv


def test_sweep_config_mismatch_exit_2(tmp_path, capsys):
    out = str(tmp_path / "g.json")
    assert main([*ARGS, "--out", out]) == 0
    capsys.readouterr()
    assert main([*ARGS[:-2], "--workers", "0", "--out", out, "--seed", "3"]) == 2
    assert "different sweep" in capsys.readouterr().err


def test_sweep_lyapunov_and_gram(capsys):
    base = ["sweep", "--n", "4", "--width", "6", "--depth", "6", "--trials", "3",
            "--workers", "0", "--json"]
    out = _json(capsys, [*base, "--statistic", "lyapunov", "--burn-in", "1"])
    assert set(out["cells"][0]["exponents"]) == {"cluster_spread", "odd_cos"}
    out = _json(capsys, [*base, "--statistic", "gram", "--layer", "rc,nl;bn"])
    assert [c["cell"]["layer"] for c in out["cells"]] == ["rc,nl", "rc,rs,nl"]
    assert len(out["cells"][0]["G_hat"][0]) == 4 * 5 // 2


def test_sweep_progress_on_request(capsys):
    assert main([*ARGS, "--progress"]) == 0
    err = capsys.readouterr().err
    assert "cells 2/2" in err and "tasks 4/4" in err and "left" in err


def test_sweep_bad_input_exit_2(capsys, monkeypatch):
    assert main(["sweep", "--n", "2"]) == 2
    assert "n must be >= 3" in capsys.readouterr().err
    assert main(["sweep", "--width", "4,x"]) == 2
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main([*ARGS, "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "dask" in capsys.readouterr().err
