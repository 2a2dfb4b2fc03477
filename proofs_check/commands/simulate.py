"""``bnverify simulate``: deep finite-width runs and the cluster + odd statistics.

The simulator is reached through the lazy package :mod:`numerics`, so
``bnverify simulate --help`` loads neither SymPy nor the simulator.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numerics
from theory.errors import InvalidInputError

if TYPE_CHECKING:
    from numerics.simulation.simulate import SimulationResult


class ProgressBar:
    """A tiny progress bar on stderr, shown only on a terminal and after ``delay`` seconds."""

    def __init__(self, label: str, delay: float = 2.0, stream=None) -> None:
        self.label = label
        self.delay = delay
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{done}/{total}")
        self.stream.flush()
        self.shown = True
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def add_common(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``simulate`` and ``lyapunov``."""
    parser.add_argument("--n", type=int, default=8, help="batch size n >= 2 (default 8)")
    parser.add_argument("--depth", type=int, default=10, help="number of layers (default 10)")
    parser.add_argument("--layer", default="rc,nl",
                        help="layer kind: comma list of rc, rs, nl; or bn, none (default rc,nl)")
    parser.add_argument("--activation", default="relu",
                        help="activation name or expression in x (default relu)")
    parser.add_argument("--trials", type=int, default=10, help="independent trials (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of numpy.random.Generator")
    parser.add_argument("--weights", default="gaussian",
                        help="gaussian (fresh each layer, default), orthogonal (Haar, fresh), "
                             "frozen (one Gaussian W per trial for all layers)")
    parser.add_argument("--sigma-w2", type=float, default=1.0, dest="sigma_w2",
                        help="weight variance sigma_w^2 (default 1)")
    parser.add_argument("--eps", type=float, default=0.0,
                        help="eps under the RS square root (default 0: zero rows left at 0)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", type=int, default=256, help="width d >= 1 (default 256)")
    add_common(parser)
    parser.add_argument("--every", type=int, default=0,
                        help="also record Gram and clusters every K layers (default 0: final only)")
    parser.add_argument("--input", type=Path, default=None,
                        help='JSON file {"gram": n x n} or {"points": n lists of width numbers}')
    parser.add_argument("--renormalise", action="store_true",
                        help="report each Gram matrix scaled by an exact power of two "
                             "(gram_log2_scale), so deep runs at any --sigma-w2 stay in "
                             "float range; without it a Gram matrix out of range is an error")


def _read_input(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InvalidInputError(f"--input {path}: {reason}") from None
    if not isinstance(data, dict) or not ({"gram", "points"} & set(data)):
        raise InvalidInputError(f'--input {path}: expected {{"gram": ...}} or {{"points": ...}}')
    return data


def run(args: argparse.Namespace) -> SimulationResult:
    extra = {}
    if args.input is not None:
        data = _read_input(args.input)
        extra = {"initial_gram": data.get("gram"), "initial_points": data.get("points")}
    config = numerics.SimulationConfig(
        n=args.n, width=args.width, depth=args.depth, layer=args.layer,
        activation=args.activation, trials=args.trials, seed=args.seed, weights=args.weights,
        every=args.every, sigma_w2=args.sigma_w2, eps=args.eps, renormalise=args.renormalise,
        **extra,
    )
    bar = ProgressBar("simulate")
    try:
        return numerics.simulate(config, progress=bar)
    finally:
        bar.close()
