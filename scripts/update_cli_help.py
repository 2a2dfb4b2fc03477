"""Refresh the ``--help`` blocks of docs/cli.md from the command line itself.

Run from the repository root: ``python scripts/update_cli_help.py``.  Each section headed
``## bnverify NAME`` has its first ``text`` code block replaced by the output of
``bnverify NAME --help`` (80 columns); ``tests/test_docs.py`` checks that they agree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

CLI = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
_SECTION = re.compile(r"(^## bnverify ([\w-]+)\s*\n(?:(?!^## ).)*?^```text\n)(.*?)(^```)",
                      re.S | re.M)


def help_text(command: str) -> str:
    env = dict(os.environ, COLUMNS="80")
    return subprocess.run([sys.executable, "-m", "proofs_check.cli", command, "--help"],
                          capture_output=True, text=True, check=True, env=env).stdout


def refreshed(text: str) -> str:
    return _SECTION.sub(lambda m: m.group(1) + help_text(m.group(2)) + m.group(4), text)


if __name__ == "__main__":
    CLI.write_text(refreshed(CLI.read_text(encoding="utf-8")), encoding="utf-8")
