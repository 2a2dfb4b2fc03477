"""Golden outputs: the behaviour recorded before the restructure is unchanged.

Independent route: the records in ``outputs/`` were produced by the code *before* it
was moved (commit of this file), so they test every later commit of the refactor
against an earlier, separately reviewed program; ``compare`` states the tolerances.
The cases taking over ~2 s are marked slow (run in CI's second pass).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cases import CASES
from .compare import compare
from .run import run_case

OUT = Path(__file__).parent / "outputs"
SLOW = {"check-quick", "fixed-points-bn-relu-symmetric-4", "fixed-points-bn-relu-cluster-odd-4"} | {
    name for name in CASES if "two-clusters" in name and ("relu" in name or "leaky" in name)}


def _dps(argv: list[str]) -> int:
    return int(argv[argv.index("--dps") + 1]) if "--dps" in argv else 15


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in CASES])
def test_golden(name: str) -> None:
    record = json.loads((OUT / f"{name}.json").read_text())
    code, data = run_case(name)
    assert code == record["exit"]
    diffs = compare(record["output"], data, _dps(CASES[name][0]))
    assert not diffs, "\n".join(diffs[:20])


def test_compare_catches_a_changed_digit() -> None:
    old = {"value": "1.4705882352941176471", "stable": False}
    assert compare(old, {"value": "1.4705882352941176471", "stable": False}, 20) == []
    assert compare(old, {"value": "1.4705882352941176571", "stable": False}, 20)
    assert compare(old, {"value": "1.4705882352941176471", "stable": True}, 20)
