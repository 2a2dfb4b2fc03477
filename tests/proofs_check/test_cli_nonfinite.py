"""Issue 20 item 2 through the command line: no NaN or inf is ever printed as a result.

Each reproduction of the issue used to exit 0 with ``rate: "-inf"`` or a
``final_gram`` of inf or zeros; now it exits 2 with one line on stderr (no
traceback, no RuntimeWarning), or, with ``--renormalise``, gives a finite result.
In process (warnings recorded), and one case as a subprocess so that everything
written to stderr is seen.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from proofs_check.cli import main

ROOT = Path(__file__).resolve().parents[2]

LYAPUNOV = ["lyapunov", "--json", "--n", "4", "--width", "16", "--depth", "8", "--trials", "2"]
DEEP_OVER = ["simulate", "--json", "--n", "3", "--width", "64", "--trials", "1", "--depth", "1000",
             "--layer", "nl", "--sigma-w2", "10"]
DEEP_UNDER = ["simulate", "--json", "--n", "3", "--width", "64", "--trials", "1",
              "--depth", "1200"]


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "proofs_check.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("argv, words", [
    (LYAPUNOV + ["--activation", "exp(exp(x))"], "overflows"),
    (LYAPUNOV + ["--activation", "log(x)"], "is not defined"),
    (LYAPUNOV + ["--activation", "sqrt(x)"], "is not defined"),
    (LYAPUNOV + ["--activation", "log(x)", "--at", "symmetric"], "is not defined"),
    (LYAPUNOV + ["--activation", "exp(exp(x))", "--at", "symmetric"], "overflows"),
    (DEEP_OVER, "Gram matrix overflows"),
    (DEEP_UNDER, "Gram matrix underflows"),
])
def test_reproduction_exits_2_with_one_line(argv, words, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(argv) == 2
    assert not caught, [str(w.message) for w in caught]
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"bnverify {argv[0]}: error: ") and words in lines[0]


def test_reproduction_as_a_subprocess():
    p = _run(DEEP_OVER)
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "Gram matrix overflows" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("argv", [DEEP_OVER, DEEP_UNDER])
def test_renormalised_deep_run_is_finite(argv, capsys):
    assert main(argv + ["--renormalise"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    out = json.loads(out)
    assert out["config"]["renormalise"] is True
    (t,) = out["trials"]
    assert all(isinstance(v, float) and math.isfinite(v) for row in t["final_gram"] for v in row)
    assert t["clusters"] == [[0], [1], [2]] and t["merges"] == []
    assert abs(t["gram_log2_scale"]) > 2000
