"""Record the golden outputs: ``python -m tests.golden.record [NAME ...]``.

Run only on purpose (before a restructure, or when a behaviour change is intended and
reviewed): it overwrites ``tests/golden/outputs/NAME.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .cases import CASES
from .run import run_case

OUT = Path(__file__).parent / "outputs"


def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    for name in names or list(CASES):
        start = time.perf_counter()
        code, data = run_case(name)
        (OUT / f"{name}.json").write_text(
            json.dumps({"exit": code, "output": data}, indent=1, sort_keys=True) + "\n")
        print(f"{name}: exit {code}, {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
