"""The checkpoint: bit-identical resume (also from a torn line), config mismatch, lock,
integrity (a tampered line is reported by its number and its task run again)."""

from __future__ import annotations

import json

import pytest

from proofs_check.sweeps import Checkpoint, output_paths, sweep
from proofs_check.sweeps.checkpoint import CHECKPOINT_FORMAT, line_checksum, task_key
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


# --- integrity: every tampered line is reported by number and its task run again ---------


def _tampered_line(lines: list[bytes], case: str) -> bytes:
    """A replacement for task line ``lines[2]`` (file line 3) of the kind ``case``."""
    rec = json.loads(lines[2])
    if case == "edited-value":
        rec["result"]["trials"] = 7
        return json.dumps(rec).encode()
    if case == "binary":
        return b"\xff\xfe\x00\x81garbage\x00"
    if case == "only-task-id":
        return json.dumps({"task_id": rec["task_id"]}).encode()
    if case == "result-null":
        rec["result"] = None
        return json.dumps(rec).encode()
    if case == "trials-x":
        return b'{"trials": "x"}'
    if case == "other-task-key":  # a well-formed line whose checksum verifies, wrong key
        other = json.loads(lines[3])
        rec["key"] = other["key"]
        rec["sha256"] = line_checksum(rec)
        return json.dumps(rec).encode()
    if case == "not-an-object":
        return b"[1, 2, 3]"
    raise AssertionError(case)


WHY = {"edited-value": "checksum mismatch", "binary": "not UTF-8", "only-task-id": "no 'key'",
       "result-null": "'result' is not a dict", "trials-x": "no 'task_id'",
       "other-task-key": "its key is not the key", "not-an-object": "not a JSON object"}


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "res"
    result = sweep(small(), out=out, workers=0)
    return result, output_paths(out)["checkpoint"].read_bytes()


@pytest.mark.parametrize("case", sorted(WHY))
def test_tampered_line_is_rejected_and_rerun(tmp_path, whole_run, capsys, case):
    whole, data = whole_run
    lines = data.splitlines()
    lines[2] = _tampered_line(lines, case)
    paths = output_paths(tmp_path / "res")
    paths["checkpoint"].write_bytes(b"\n".join(lines) + b"\n")
    resumed = sweep(small(), out=tmp_path / "res", workers=0)
    rejected = resumed.run_info["checkpoint_rejected"]
    assert len(rejected) == 1 and rejected[0].startswith("line 3: ") and WHY[case] in rejected[0]
    assert "line 3" in capsys.readouterr().err
    assert resumed.run_info["tasks_run"] == 1
    assert resumed.run_info["tasks_resumed"] == len(small().tasks()) - 1
    assert cells_json(resumed) == cells_json(whole)  # the tampered value never reached it
    assert "line 3" in resumed.to_text()
    # the re-run task was appended with a verified line: the next resume trusts it
    again = sweep(small(), out=tmp_path / "res", workers=0)
    assert again.run_info["tasks_run"] == 0 and cells_json(again) == cells_json(whole)


def test_lines_carry_key_and_checksum(whole_run):
    _, data = whole_run
    header, *lines = [json.loads(line) for line in data.splitlines()]
    assert header["format"] == CHECKPOINT_FORMAT == 2
    keys = {t.task_id: task_key(t) for t in small().tasks()}
    for rec in lines:
        assert set(rec) == {"task_id", "key", "result", "seconds", "sha256"}
        assert rec["key"] == keys[rec["task_id"]] and rec["key"]["seed"] > 0
        assert rec["sha256"] == line_checksum(rec)


def test_untampered_resume_reports_nothing(tmp_path, whole_run):
    whole, data = whole_run
    paths = output_paths(tmp_path / "res")
    paths["checkpoint"].write_bytes(data)
    resumed = sweep(small(), out=tmp_path / "res", workers=0)
    assert "checkpoint_rejected" not in resumed.run_info
    assert resumed.run_info["tasks_run"] == 0 and cells_json(resumed) == cells_json(whole)
    assert paths["checkpoint"].read_bytes() == data


def test_old_format_is_refused(tmp_path, whole_run):
    _, data = whole_run
    header, *rest = data.splitlines()
    old = json.loads(header)
    old["format"] = 1
    paths = output_paths(tmp_path / "res")
    paths["checkpoint"].write_bytes(b"\n".join([json.dumps(old).encode(), *rest]) + b"\n")
    with pytest.raises(InvalidInputError, match="format 1 there, 2 now: format 1 has no"):
        sweep(small(), out=tmp_path / "res", workers=0)


def test_binary_header_is_not_a_checkpoint(tmp_path):
    (tmp_path / "bin.checkpoint.jsonl").write_bytes(b"\xff\xfe\x00\n")
    with pytest.raises(InvalidInputError, match="not a bnverify sweep checkpoint"):
        sweep(small(depth=[3]), out=tmp_path / "bin", workers=0)
