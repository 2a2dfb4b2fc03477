"""Cost of ``bnverify fixed-points`` for n = 3..20 (plain script; prints one table).

Runs :func:`numerics.fixed_points.analysis.analyse_fixed_points` (search with proof, symmetry
blocks by exact directional derivatives, ball-arithmetic certificate) for the
``symmetric``, ``cluster-odd`` and ``two-clusters`` (``m = n // 2``) families with
RC+ReLU at 30 digits; a case that exceeds ``CAP`` seconds stops the larger n of its
family.  ``complete`` is whether the search proved the list exhaustive.

Usage: ``python bench/bench_fixed_points.py [--max-n 20] [--cap 60] [--dps 30] [--family F]``
"""

from __future__ import annotations

import argparse
import time

from numerics.fixed_points.analysis import analyse_fixed_points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-n", type=int, default=20)
    parser.add_argument("--cap", type=float, default=60.0)
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--layer", default="rc,nl")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--family", action="append", default=None,
                        help="symmetric, cluster-odd, two-clusters (repeatable; default all)")
    args = parser.parse_args()
    print(f"fixed-points cost, layer {args.layer}, activation {args.activation}, "
          f"dps {args.dps}, cap {args.cap:g} s")
    print(f"{'family':<12} {'n':>3} {'seconds':>9} {'points':>6} {'complete':>8} "
          f"{'stable':>24} {'certified':>24}")
    for family in args.family or ("symmetric", "cluster-odd", "two-clusters"):
        for n in range(4 if family == "two-clusters" else 3, args.max_n + 1):
            t0 = time.perf_counter()
            rep = analyse_fixed_points(family, n, args.layer, args.activation, args.dps)
            dt = time.perf_counter() - t0
            verdicts = ",".join(str(fp.stable) for fp in rep.fixed_points) or "-"
            certs = ",".join(str(fp.certified) for fp in rep.fixed_points) or "-"
            print(f"{family:<12} {n:>3} {dt:>9.2f} {len(rep.fixed_points):>6} "
                  f"{str(rep.complete):>8} {verdicts:>24} {certs:>24}", flush=True)
            if dt > args.cap:
                print(f"{family}: stopped after n = {n} (over the {args.cap:g} s cap)")
                break


if __name__ == "__main__":
    main()
