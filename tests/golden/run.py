"""Run one golden case in-process and return its JSON output (and exit code)."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from proofs_check.cli import main

from .cases import CASES


def run_case(name: str) -> tuple[int, Any]:
    argv, gram = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        if gram is not None:
            path = Path(tmp) / "gram.json"
            path.write_text(json.dumps(gram))
            argv = [str(path) if a == "{gram}" else a for a in argv]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())
