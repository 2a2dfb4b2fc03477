"""``bnverify map``: the mean-field map ``F`` and shape map ``F_hat`` of a Gram matrix.

Reads a JSON nested list, calls :func:`numerics.maps.precise.mean_field_map`, prints the
result (entries as decimal strings carrying the requested digits).  The map is reached
through the lazy package :mod:`numerics`, so ``bnverify map --help`` loads no SymPy.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numerics
from numerics.gram import read_gram_file
from numerics.maps.methods import METHODS
from numerics.precision import DEFAULT_DPS, HERMITE_ORDER

if TYPE_CHECKING:
    from numerics.maps.precise import MapResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gram", required=True, metavar="FILE",
                        help="JSON file holding the Gram matrix G as a nested list")
    parser.add_argument("--layer", required=True,
                        help="layer kind: comma list of rc, rs, nl (or bn, none)")
    parser.add_argument("--activation", default="relu",
                        help="activation name or expression in x (default: relu)")
    parser.add_argument("--dps", type=int, default=DEFAULT_DPS,
                        help=f"significant digits of the result (default {DEFAULT_DPS})")
    parser.add_argument("--sigma-w2", default="1", dest="sigma_w2",
                        help="weight variance sigma_w^2 (default 1; exact decimal)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the randomized QMC method (only used by it)")
    parser.add_argument("--method", choices=METHODS, default=None,
                        help="evaluation route (default: chosen from the layer and activation; "
                             "'hermite' gives a rigorous bound for layers without RS)")
    parser.add_argument("--hermite-order", type=int, default=HERMITE_ORDER, dest="hermite_order",
                        help=f"truncation order K of the hermite method (default {HERMITE_ORDER})")


def run(args: argparse.Namespace) -> MapResult:
    gram = read_gram_file(args.gram)
    return numerics.mean_field_map(gram, args.layer, args.activation, sigma_w2=args.sigma_w2,
                                   dps=args.dps, seed=args.seed, method=args.method,
                                   hermite_order=args.hermite_order)
