"""``bnverify verify``: check a user's formula (or a TOML claims file) against the theory.

Parsing and printing only; the work is :func:`proofs_check.formulas.verify` and
:func:`proofs_check.formulas.claims_report`.  Exit status: 0 (proved or agrees),
1 (a claim is refuted), 2 (bad input, e.g. an expression outside the whitelist),
3 (internal error); see :mod:`proofs_check.cli`.
"""

from __future__ import annotations

import argparse

from proofs_check.formulas import (
    DEFAULT_DPS,
    QUANTITIES,
    ClaimsReport,
    VerifyResult,
    claims_report,
    verify,
)
from theory.errors import InvalidInputError

EXIT_1 = "a claim is refuted (a certified counterexample is printed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quantity", choices=QUANTITIES, help="what the formula claims to be")
    parser.add_argument("--expr", help="the claimed formula, e.g. \"n^2/(n^2 - 2*n + 2)\" or "
                        "\"rho' = -1/(n-1)\"")
    parser.add_argument("--file", metavar="CLAIMS.toml",
                        help="check every [[claim]] of a TOML claims file instead")
    parser.add_argument("--family", help="symmetric, cluster-odd or two-clusters")
    parser.add_argument("--layer", help="layer kind: comma list of rc, rs, nl (or bn, none)")
    parser.add_argument("--activation", default="relu",
                        help="activation name or expression in x (default relu)")
    parser.add_argument("--parameter", help="the family parameter of a reduced-map or "
                        "fixed-point claim (or write 'NAME = EXPR')")
    parser.add_argument("--at", help="name of the closed-form fixed point (see fixed-points)")
    parser.add_argument("--multiplicity", help="claimed multiplicity of an eigenvalue (in n)")
    parser.add_argument("--symmetry", help="substring of the eigenvalue's symmetry label")
    parser.add_argument("--point", action="append", default=[], metavar="NAME=EXPR",
                        help="other parameters of a claimed fixed point (repeatable)")
    parser.add_argument("--n", type=int, help="also check at this batch size (first)")
    parser.add_argument("--dps", type=int, default=DEFAULT_DPS,
                        help=f"digits of agreement required (default {DEFAULT_DPS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random points")


def _points(items: list[str]) -> dict[str, str] | None:
    if not items:
        return None
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InvalidInputError(f"--point {item!r}: expected NAME=EXPR")
        out[name.strip()] = value.strip()
    return out


def run(args: argparse.Namespace) -> VerifyResult | ClaimsReport:
    if args.file is not None:
        if args.expr is not None or args.quantity is not None:
            raise InvalidInputError("give either --file or --quantity/--expr, not both")
        return claims_report(args.file)
    if args.quantity is None or args.expr is None:
        raise InvalidInputError("give --quantity and --expr (or --file CLAIMS.toml)")
    return verify(args.quantity, args.expr, family=args.family, layer=args.layer,
                  activation=args.activation, parameter=args.parameter, at=args.at,
                  multiplicity=args.multiplicity, symmetry=args.symmetry,
                  point=_points(args.point), n=args.n, dps=args.dps, seed=args.seed)
