"""``bnverify lyapunov``: finite-width Lyapunov exponents, with a width scan.

The simulator is reached through the lazy package :mod:`numerics`, so
``bnverify lyapunov --help`` loads neither SymPy nor the simulator.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numerics
from proofs_check.commands.simulate import ProgressBar, add_common
from theory.errors import InvalidInputError

if TYPE_CHECKING:
    from numerics.simulation.lyapunov import LyapunovResult


def _widths(text: str) -> list[int]:
    try:
        return [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise InvalidInputError(f"--width: expected integers separated by commas, got {text!r}"
                                ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", default="256",
                        help="width d, or a comma list of widths to scan (default 256)")
    add_common(parser)
    parser.set_defaults(depth=50)
    parser.add_argument("--at", default="cluster-odd",
                        help="cluster-odd (default) or symmetric")
    parser.add_argument("--delta", type=float, default=1e-6,
                        help="size of the renormalised perturbation (default 1e-6)")
    parser.add_argument("--burn-in", type=int, default=5, dest="burn_in",
                        help="layers left out of the average (default 5)")
    parser.add_argument("--rho", type=float, default=0.0,
                        help="correlation of the symmetric starting Gram (default 0)")


def run(args: argparse.Namespace) -> LyapunovResult:
    config = numerics.LyapunovConfig(
        n=args.n, widths=_widths(args.width), depth=args.depth, layer=args.layer,
        activation=args.activation, trials=args.trials, seed=args.seed, at=args.at,
        weights=args.weights, sigma_w2=args.sigma_w2, eps=args.eps, delta=args.delta,
        burn_in=args.burn_in, rho=args.rho,
    )
    bar = ProgressBar("lyapunov")
    try:
        return numerics.lyapunov(config, progress=bar)
    finally:
        bar.close()
