"""mpmath with and without its gmpy2 backend, measured in the same run.

Runs ``bnverify map --layer bn --dps D`` on one random 16 x 16 Gram matrix in two
subprocesses, with mpmath's default backend (gmpy2 when installed) and with
``MPMATH_NOGMPY=1`` (pure Python), checks that the two outputs are identical, and
prints the CPU-time ratio::

    python bench/bench_gmpy.py [--dps 30] [--n 16]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np


def _run(gram: str, dps: int, env: dict[str, str]) -> tuple[float, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    out = subprocess.run([sys.executable, "-m", "proofs_check.cli", "map", "--gram", gram,
                          "--layer", "bn", "--dps", str(dps), "--json"],
                         capture_output=True, text=True, check=True, env=env).stdout
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--n", type=int, default=16)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n, args.n))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump((X @ X.T / args.n).tolist(), f)
    plain = dict(os.environ, MPMATH_NOGMPY="1")
    t_gmpy, out_gmpy = _run(f.name, args.dps, dict(os.environ))
    t_plain, out_plain = _run(f.name, args.dps, plain)
    os.unlink(f.name)
    same = out_gmpy["F"] == out_plain["F"] and out_gmpy["error_bound"] == out_plain["error_bound"]
    print(f"map BN+ReLU, n = {args.n}, {args.dps} digits: pure Python {t_plain:.2f} s, "
          f"gmpy2 {t_gmpy:.2f} s CPU; ratio {t_plain / t_gmpy:.2f}x; identical output: {same}")


if __name__ == "__main__":
    main()
