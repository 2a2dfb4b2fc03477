"""``bnverify derive``: the reduced map of a family, its fixed points and eigenvalues."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", required=True,
                        help="symmetric, cluster-odd or two-clusters")
    parser.add_argument("--layer", default="rc,nl",
                        help="comma list of rc, rs, nl (or bn, none); default rc,nl")
    parser.add_argument("--activation", default="relu",
                        help="relu, identity, leaky_relu(0.1), abs, step, sign, erf, tanh, gelu, "
                             "silu, or an expression in x such as 'x*erf(x)'")
    parser.add_argument("--n", type=int, default=None,
                        help="substitute a concrete batch size in the output (n stays symbolic "
                             "in the derivation)")
    parser.add_argument("--sigma-w2", default="1", help="weight variance sigma_w^2 (default 1)")
    parser.add_argument("--no-eigenvalues", action="store_true",
                        help="skip the Jacobian spectra (faster)")


def run(args: argparse.Namespace):
    from theory.derivation import derive
    from theory.expressions import parse_expression

    sigma_w2 = parse_expression(args.sigma_w2, {}, what="sigma_w2", parameter="sigma_w2")
    return derive(args.family, args.layer, args.activation, n_value=args.n,
                  sigma_w2=sigma_w2, eigenvalues=not args.no_eigenvalues)
