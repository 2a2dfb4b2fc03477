"""The checkpoint: bit-identical resume (also from a torn line), config mismatch, lock."""

from __future__ import annotations

import json

import pytest

from proofs_check.sweeps import Checkpoint, output_paths, sweep
from theory.errors import InvalidInputError

from ._helpers import cells_json, checkpoint_tasks, small


@pytest.mark.parametrize("torn", [False, True])
def test_resume_is_bit_identical(tmp_path, torn):
    cfg = small()
    whole = sweep(cfg, out=tmp_path / "a" / "res", workers=0)
    paths_b = output_paths(tmp_path / "b" / "res")
    sweep(cfg, out=tmp_path / "b" / "res", workers=0)
    lines = paths_b["checkpoint"].read_bytes().splitlines(keepends=True)
    half = 1 + (len(lines) - 1) // 2
    kept = b"".join(lines[:half]) + (lines[half][: len(lines[half]) // 2] if torn else b"")
    paths_b["checkpoint"].write_bytes(kept)
    paths_b["json"].unlink()
    paths_b["csv"].unlink()
    resumed = sweep(cfg, out=tmp_path / "b" / "res", workers=2)
    assert resumed.run_info["tasks_resumed"] == half - 1
    assert resumed.run_info["tasks_run"] == len(cfg.tasks()) - (half - 1)
    paths_a = output_paths(tmp_path / "a" / "res")
    assert paths_b["csv"].read_bytes() == paths_a["csv"].read_bytes()
    assert (json.loads(paths_b["json"].read_text())["cells"]
            == json.loads(paths_a["json"].read_text())["cells"])
    assert cells_json(resumed) == cells_json(whole)
    assert len(checkpoint_tasks(paths_b["checkpoint"])) == len(cfg.tasks())


def test_config_mismatch_and_lock(tmp_path):
    out = tmp_path / "res"
    sweep(small(depth=[3]), out=out, workers=0)
    with pytest.raises(InvalidInputError, match="trials: 9 there, 10 now"):
        sweep(small(depth=[3], trials=10), out=out, workers=0)
    path = output_paths(out)["checkpoint"]
    with Checkpoint(path, small(depth=[3])), pytest.raises(InvalidInputError, match="in use"):
        Checkpoint(path, small(depth=[3]))
    (tmp_path / "junk.checkpoint.jsonl").write_text("not json\n")
    with pytest.raises(InvalidInputError, match="not a bnverify sweep checkpoint"):
        sweep(small(depth=[3]), out=tmp_path / "junk", workers=0)
