"""``bnverify finite-width``: the O(1/d) expansion of the Gram dynamics at width ``d``.

Calls :func:`numerics.simulation.finite_width.finite_width_expansion` and prints, per
layer, the mean-field value of the mean off-diagonal entry of ``n G / tr G`` with its
bias and variance coefficients (``E ~ s* + bias/d``, ``Var ~ variance/d``).
"""

from __future__ import annotations

import argparse

from numerics.gram import read_gram_file
from numerics.parameters import check_int
from numerics.simulation.finite_width import (
    DEFAULT_RHO,
    FiniteWidthResult,
    default_gram,
    finite_width_expansion,
)
from theory.errors import InvalidInputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=4, help="batch size n >= 2 (default 4)")
    parser.add_argument("--layer", default="rc,nl",
                        help="layer kind: comma list of rc, rs, nl; or bn, none (default rc,nl)")
    parser.add_argument("--activation", default="relu",
                        help="activation name or expression in x (default relu)")
    parser.add_argument("--depth", type=int, default=10, help="number of layers >= 1 (default 10)")
    parser.add_argument("--gram", metavar="FILE", default=None,
                        help="JSON file holding the input Gram matrix (n x n); default the "
                             f"symmetric Gram (1 - rho) I + rho 11^T with rho = {DEFAULT_RHO}")
    parser.add_argument("--sigma-w2", type=float, default=1.0, dest="sigma_w2",
                        help="weight variance sigma_w^2 (default 1)")


def run(args: argparse.Namespace) -> FiniteWidthResult:
    n = check_int("n", args.n, 2)
    if args.gram is None:
        gram = default_gram(n)
    else:
        gram = read_gram_file(args.gram)
        if len(gram) != n:
            raise InvalidInputError(f"n must match the Gram file's size {len(gram)}, got {n}",
                                    parameter="n")
    return finite_width_expansion(gram, args.layer, args.activation, args.depth,
                                  sigma_w2=args.sigma_w2)
