"""Tests of ``bnverify verify`` (in-process, through proofs_check.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofs_check.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "claims.toml"


def test_single_claim_proved(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--quantity", "kernel", "--expr",
                 "(sqrt(1 - c^2) + (pi - acos(c))*c) / (2*pi)", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["verdict"] == "proved" and out["chain"]


def test_single_claim_refuted_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--quantity", "reduced-map", "--family", "symmetric", "--layer",
                 "rc,rs", "--expr", "rho' = -1/(n - 2)"])
    text = capsys.readouterr().out
    assert code == 1 and "refuted" in text and "counterexample" in text


@pytest.mark.parametrize("expr", ["__import__('os')", "lambda: 1", "c.__class__",
                                  "(c + 1", "evil(c)"])
def test_malicious_input_exit_2(expr: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--quantity", "kernel", "--expr", expr])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_missing_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--quantity", "fixed-point", "--expr", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_claims_file_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--file", str(EXAMPLE)])
    text = capsys.readouterr().out
    assert code == 1
    assert "deliberately-false-eigenvalue" in text
    lines = {line.split()[0]: line.split()[1] for line in text.splitlines()[2:-1]}
    assert lines["deliberately-false-eigenvalue"] == "refuted"
    assert all(v in ("proved", "agrees-numerically") for k, v in lines.items()
               if k != "deliberately-false-eigenvalue")


def test_claims_file_json_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    good = tmp_path / "ok.toml"
    good.write_text('[[claim]]\nname = "k"\nquantity = "kernel"\nexpr = "c"\n'
                    'activation = "identity"\n')
    assert main(["verify", "--file", str(good), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["claims"][0]["verdict"] == "proved"
    bad = tmp_path / "bad.toml"
    bad.write_text('[[claim]]\nname = "x"\nquantity = "kernel"\nexpr = "os.system(1)"\n')
    assert main(["verify", "--file", str(bad)]) == 2
    assert "x:" in capsys.readouterr().err
