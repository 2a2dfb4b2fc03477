"""Shared helpers of the sweep tests: a small grid, the reproducible part of a result."""

from __future__ import annotations

import json

from proofs_check.sweeps import SweepConfig, SweepResult
from theory.serialize import to_jsonable


def small(**kw) -> SweepConfig:
    """2 x 2 cells of depth 12, 9 trials in chunks of 4 (3 tasks per cell), seed 5."""
    base = dict(n=[3, 4], width=[4, 6], depth=[12], trials=9, chunk_trials=4, every=4, seed=5)
    base.update(kw)
    return SweepConfig(**base)


def cells_json(result: SweepResult) -> str:
    """The reproducible part of a result (everything but ``run``), as canonical JSON."""
    return json.dumps(to_jsonable(result)["cells"], sort_keys=True)


def checkpoint_tasks(path) -> list[str]:
    """The task ids of a checkpoint file, in file order (after checking the header line)."""
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "header"
    return [json.loads(line)["task_id"] for line in lines[1:]]
