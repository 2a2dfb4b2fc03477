"""``bnverify map``: JSON output and one-line errors with exit status 2."""

from __future__ import annotations

import json

import mpmath
import pytest

from proofs_check.cli import main


def _write(tmp_path, text: str):
    path = tmp_path / "g.json"
    path.write_text(text)
    return str(path)


def test_map_json_output(tmp_path, capsys):
    """Route: ReLU at correlation 0 is 1/(2 pi) (arc-cosine kernel), printed with 40 digits."""
    path = _write(tmp_path, "[[1, 0], [0, 1]]")
    code = main(["map", "--gram", path, "--layer", "nl", "--activation", "relu",
                 "--dps", "40", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["dps"] == 40 and data["method"] == "closed-form"
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(data["F"][0][1]) - 1 / (2 * mpmath.pi)) < mpmath.mpf(10) ** -40
    assert len(data["F"][0][1].replace("0.", "", 1)) == 40
    assert float(data["error_bound"]) < 1e-40
    assert data["F_hat"][0][0] == "1.0"


def test_map_sigma_w2_and_text(tmp_path, capsys):
    path = _write(tmp_path, '[[1, "0.5"], ["0.5", 1]]')
    assert main(["map", "--gram", path, "--layer", "none", "--sigma-w2", "2"]) == 0
    assert "method: closed-form" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, layer, fragment",
    [
        ("[[1, 0, 0], [0, 1, 0]]", "nl", "not square"),
        ("[[1, 0.5], [0.5000001, 1]]", "nl", "not symmetric"),
        ("[[1, 2], [2, 1]]", "nl", "not positive semi-definite"),
        ('[[1, NaN], [NaN, 1]]', "nl", "NaN"),
        ("[[1, Infinity], [Infinity, 1]]", "nl", "NaN or infinity"),
        ("[[1]]", "nl", "n >= 2"),
        ("[[0, 0], [0, 0]]", "rs", "rescaling undefined"),
        ("[[0, 0], [0, 0]]", "nl", "shape map undefined"),
        ("[[3, 3], [3, 3]]", "rc,nl", "shape map undefined"),
        ("[[1, 0], [0, 1]", "nl", "malformed JSON"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, text, layer, fragment):
    path = _write(tmp_path, text)
    code = main(["map", "--gram", path, "--layer", layer, "--json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in captured.err


def test_unreadable_file_and_bad_dps(tmp_path, capsys):
    assert main(["map", "--gram", str(tmp_path / "none.json"), "--layer", "nl"]) == 2
    assert "cannot read" in capsys.readouterr().err
    path = _write(tmp_path, "[[1, 0], [0, 1]]")
    assert main(["map", "--gram", path, "--layer", "nl", "--dps", "5"]) == 2
    assert "dps" in capsys.readouterr().err
    assert main(["map", "--gram", path, "--layer", "xx"]) == 2
    assert "unknown layer" in capsys.readouterr().err
