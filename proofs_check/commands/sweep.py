"""``bnverify sweep``: grids of finite-width runs on all cores or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from proofs_check.sweeps import STATISTICS, Progress, SweepConfig, SweepResult, sweep
from theory.errors import InvalidInputError


def _ints(name: str, text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidInputError(f"--{name}: expected integers separated by commas, got {text!r}"
                                ) from None


def _items(values: list[str] | None, default: str) -> list[str]:
    """Repeated options, each possibly a ``;``-separated list (layers contain commas)."""
    out = [v.strip() for text in (values or [default]) for v in text.split(";") if v.strip()]
    return out


class SweepProgressBar:
    """``cells a/b  tasks c/d  ETA`` on stderr: on a terminal, or always when ``force``."""

    def __init__(self, force: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = p.tasks_done >= p.tasks_total
        if not final and now - self.last < 0.2:
            return
        self.last = now
        width = 30
        filled = int(width * p.tasks_done / max(p.tasks_total, 1))
        eta = p.eta
        eta_text = "--" if eta is None else _duration(eta)
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] cells "
                          f"{p.cells_done}/{p.cells_total} tasks {p.tasks_done}/{p.tasks_total} "
                          f"elapsed {_duration(p.elapsed)} left {eta_text}  ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("grid (each cell = one combination)")
    g.add_argument("--n", default="8", help="batch sizes, comma list (default 8)")
    g.add_argument("--width", default="64", help="widths d, comma list (default 64)")
    g.add_argument("--depth", default="100", help="depths, comma list (default 100)")
    g.add_argument("--layer", action="append", default=None,
                   help="layer kind, e.g. rc,nl; repeat the option or separate kinds with ';' "
                        "(default rc,nl)")
    g.add_argument("--activation", action="append", default=None,
                   help="activation; repeat the option or separate with ';' (default relu)")
    s = parser.add_argument_group("what each cell measures")
    s.add_argument("--statistic", default="cluster-odd", choices=STATISTICS,
                   help="cluster-odd (first-hitting depth, fractions, merges; default), "
                        "lyapunov (exponents), gram (mean Gram entries)")
    s.add_argument("--trials", type=int, default=100, help="trials per cell (default 100)")
    s.add_argument("--every", type=int, default=None,
                   help="record depths 0, K, 2K, ..., depth (0: final only; "
                        "default max(1, depth // 20))")
    s.add_argument("--chunk-trials", type=int, default=100, dest="chunk_trials",
                   help="trials per task (default 100); part of the seeding")
    s.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    s.add_argument("--weights", default="gaussian", help="gaussian, orthogonal or frozen")
    s.add_argument("--sigma-w2", type=float, default=1.0, dest="sigma_w2",
                   help="weight variance sigma_w^2 (default 1)")
    s.add_argument("--eps", type=float, default=0.0, help="eps under the RS square root")
    s.add_argument("--at", default="cluster-odd",
                   help="lyapunov: cluster-odd (default) or symmetric")
    s.add_argument("--delta", type=float, default=1e-6, help="lyapunov: perturbation size")
    s.add_argument("--burn-in", type=int, default=5, dest="burn_in",
                   help="lyapunov: layers left out of the average (default 5)")
    s.add_argument("--rho", type=float, default=0.0,
                   help="lyapunov --at symmetric: starting correlation (default 0)")
    r = parser.add_argument_group("where it runs")
    r.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: all cores; 0: this process only)")
    r.add_argument("--scheduler", default=None,
                   help="address of a running dask.distributed scheduler, e.g. "
                        "tcp://10.0.0.5:8786 (needs the 'dask' extra)")
    r.add_argument("--out", default=None,
                   help="write OUT.json and OUT.csv; resumable via OUT.checkpoint.jsonl")
    r.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal")


def run(args: argparse.Namespace) -> SweepResult:
    config = SweepConfig(
        n=_ints("n", args.n), width=_ints("width", args.width),
        depth=_ints("depth", args.depth), layer=_items(args.layer, "rc,nl"),
        activation=_items(args.activation, "relu"), trials=args.trials,
        statistic=args.statistic, every=args.every, chunk_trials=args.chunk_trials,
        seed=args.seed, weights=args.weights, sigma_w2=args.sigma_w2, eps=args.eps,
        at=args.at, delta=args.delta, burn_in=args.burn_in, rho=args.rho,
    )
    bar = SweepProgressBar(force=args.progress)
    try:
        return sweep(config, out=args.out, workers=args.workers, scheduler=args.scheduler,
                     progress=bar)
    finally:
        bar.close()
