"""Start-up cost of ``bnverify`` against ``python -c "import numpy"`` (plain script).

Each command runs ``--runs`` times as a fresh subprocess, interleaved (one run of
each command per round, so drifts in the machine's load hit all alike); the table
gives the median CPU time (user + system of the child, ``os.wait4``) and the
median wall time.  The ratio ``help / numpy`` (CPU) is the target of issue 17
(at most 3x).  ``--pythonpath`` chooses the checkout whose packages are imported
(default: the one holding this script), so the same script measures an older tree.

Usage: ``python bench/bench_startup.py [--runs 7] [--pythonpath DIR]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 3.0  # issue 17: bnverify --help within 3x of importing NumPy

#: label -> arguments after ``python``
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import numpy'": ["-c", "import numpy"],
    "bnverify --help": ["-m", "proofs_check.cli", "--help"],
    "bnverify map --help": ["-m", "proofs_check.cli", "map", "--help"],
}


def run_once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one subprocess ``python *argv`` run in ``cwd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"python {' '.join(argv)} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (>= 5)")
    parser.add_argument("--pythonpath", default=str(Path(__file__).resolve().parents[1]),
                        help="checkout to import the packages from (default: this one)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=args.pythonpath)
    cpu: dict[str, list[float]] = {k: [] for k in COMMANDS}
    wall: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(max(args.runs, 5)):
        for label, argv in COMMANDS.items():
            c, w = run_once(argv, env, args.pythonpath)  # -m puts the cwd first on sys.path
            cpu[label].append(c)
            wall[label].append(w)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"start-up, PYTHONPATH={args.pythonpath}, median of {max(args.runs, 5)} runs")
    print(f"{'command':<28} {'cpu s':>7} {'wall s':>7} {'/ numpy':>8} {'/ pass':>7}")
    numpy_cpu, pass_cpu = med["python -c 'import numpy'"], med["python -c pass"]
    for label in COMMANDS:
        print(f"{label:<28} {med[label]:>7.3f} {statistics.median(wall[label]):>7.3f} "
              f"{med[label] / numpy_cpu:>7.2f}x {med[label] / pass_cpu:>6.1f}x")
    ratio = med["bnverify --help"] / numpy_cpu
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"bnverify --help / import numpy (CPU): {ratio:.2f}x (target <= {TARGET:g}x: {verdict})")


if __name__ == "__main__":
    main()
