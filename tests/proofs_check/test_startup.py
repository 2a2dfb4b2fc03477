"""A fast start: ``bnverify --help`` and the light commands' ``--help`` load no heavy library.

Each case runs the command line's :func:`~proofs_check.cli.main` in a fresh
interpreter and lists the heavy modules it left in ``sys.modules`` (SymPy,
``scipy.stats``, matplotlib: about a second of start-up together).  Not a timing
test; ``bench/bench_startup.py`` measures the time.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sympy", "scipy.stats", "matplotlib")

_PROBE = """
import json, sys
from proofs_check.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".")
                                                      for h in heavy))))
"""


def _heavy_after(argv: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _PROBE.format(argv=argv, heavy=HEAVY)],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], [], ["map", "--help"], ["simulate", "--help"],
                                  ["lyapunov", "--help"], ["derive", "--help"]])
def test_help_loads_no_heavy_library(argv):
    assert _heavy_after(argv) == []


def test_the_probe_sees_a_heavy_library():
    """The probe is not vacuous: a command that needs SymPy shows it."""
    assert "sympy" in _heavy_after(["verify", "--help"])


def test_help_texts_have_one_home():
    """The one-line help lives in the registry; no command module defines ``HELP``."""
    for name, command in COMMANDS.items():
        path = ROOT / "proofs_check" / "commands" / f"{command.module}.py"
        assert path.is_file(), name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {t.id for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
        assert "HELP" not in names, f"{path.name}: HELP belongs in proofs_check.cli.COMMANDS"
