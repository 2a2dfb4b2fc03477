"""``bnverify fixed-points``: fixed points of F_hat in a family, their labelled Jacobian
spectra and certified stability verdicts.

Parses the arguments and calls :func:`numerics.fixed_points.analysis.analyse_fixed_points`
(search, symmetry blocks, certificate, verdict); the result prints itself.
"""

from __future__ import annotations

import argparse

from numerics.fixed_points.analysis import FixedPointAnalysis, analyse_fixed_points
from numerics.precision import DEFAULT_DPS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, required=True, help="batch size n")
    parser.add_argument("--layer", required=True, help="layer kind: comma list of rc, rs, nl")
    parser.add_argument("--activation", default="relu", help="activation (default relu)")
    parser.add_argument("--family", required=True,
                        help="symmetric, cluster-odd or two-clusters")
    parser.add_argument("--dps", type=int, default=DEFAULT_DPS, help="significant digits")
    parser.add_argument("--m", type=int, default=None, help="size of the first cluster "
                        "(two-clusters)")
    parser.add_argument("--sigma-w2", default="1", help="weight variance sigma_w^2 (default 1; "
                        "changes the fixed points of erf only, the other activations are "
                        "homogeneous)")


def run(args: argparse.Namespace) -> FixedPointAnalysis:
    return analyse_fixed_points(args.family, args.n, args.layer, args.activation, args.dps,
                                args.m, args.sigma_w2)
