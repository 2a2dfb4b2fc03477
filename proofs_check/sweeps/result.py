"""A finished sweep: its JSON document, tidy CSV, files and text summary."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from proofs_check.sweeps.aggregate import CellResult
from proofs_check.sweeps.checkpoint import output_paths
from proofs_check.sweeps.config import SweepConfig
from proofs_check.sweeps.table import csv_text
from theory.serialize import to_jsonable

__all__ = ["SUMMARIES", "SweepResult"]


def _cluster_odd_summary(s: dict) -> str:
    cdf = s["first_hit_cdf"][-1]
    mech = s["merges_by_mechanism"]
    return (f"reached by depth {cdf['depth']}: {cdf['value']:.3f} "
            f"[{cdf['ci'][0]:.3f}, {cdf['ci'][1]:.3f}]  merges "
            f"zeroed={mech['zeroed']} met={mech['met']}")


def _lyapunov_summary(s: dict) -> str:
    parts = []
    for e in s["exponents"].values():
        rate = "-" if e.rate is None else "-inf" if e.rate == -math.inf else f"{e.rate:.4g}"
        parts.append(f"{e.name}={rate} ({e.sign})")
    return "  ".join(parts)


def _gram_summary(s: dict) -> str:
    off = [e["mean"] for (i, j), e in zip(s["entries"], s["G_hat"][-1], strict=True)
           if i != j and e["mean"] is not None]
    mean = f"{sum(off) / len(off):.4g}" if off else "-"
    return f"mean off-diagonal G_hat at depth {s['recorded_depths'][-1]}: {mean}"


#: statistic -> the one-line summary of a cell's statistics in :meth:`SweepResult.to_text`.
SUMMARIES: dict[str, Callable[[dict], str]] = {
    "cluster-odd": _cluster_odd_summary, "lyapunov": _lyapunov_summary, "gram": _gram_summary,
}


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass
class SweepResult:
    """A finished sweep: its configuration, the per-cell results and how it was run.

    Attributes
    ----------
    config
        The sweep.
    cells
        Per-cell statistics in grid order (reproducible bit for bit).
    run_info
        Tasks run and resumed, executor, seconds and file paths (the only part
        that changes from run to run); ``checkpoint_rejected`` (only when there are
        any): the checkpoint lines that did not verify, ``"line N: why"``.
    """

    config: SweepConfig
    cells: list[CellResult]
    run_info: dict

    def to_json(self) -> dict:
        return {"config": self.config.to_json(), "cells": self.cells, "run": self.run_info}

    def csv_text(self) -> str:
        """The tidy table as CSV text (see :mod:`proofs_check.sweeps.table`)."""
        return csv_text(self.config, self.cells)

    def write(self, out: str | os.PathLike) -> dict[str, Path]:
        """Write ``<stem>.json`` and ``<stem>.csv`` atomically; returns the paths."""
        paths = output_paths(out)
        _atomic_write(paths["json"], json.dumps(to_jsonable(self), indent=1) + "\n")
        _atomic_write(paths["csv"], self.csv_text())
        return paths

    def to_text(self) -> str:
        c = self.config
        lines = [f"sweep {c.statistic}: {len(self.cells)} cells x {c.trials} trials "
                 f"(chunks of {c.chunk_trials}), seed {c.seed}, weights {c.weights}",
                 f"tasks: {self.run_info['tasks_total']} ({self.run_info['tasks_run']} run, "
                 f"{self.run_info['tasks_resumed']} from the checkpoint) on "
                 f"{self.run_info['executor']}"]
        summary = SUMMARIES[c.statistic]
        for cr in self.cells:
            k = cr.cell
            head = f"  n={k.n:<3} d={k.width:<6} depth={k.depth:<6} {k.layer:<9} {k.activation:<8}"
            lines.append(f"{head} {summary(cr.stats)}")
        for key in ("json", "csv", "checkpoint"):
            if self.run_info.get(key):
                lines.append(f"{key}: {self.run_info[key]}")
        lines += [f"checkpoint {why}: not trusted"
                  for why in self.run_info.get("checkpoint_rejected", ())]
        return "\n".join(lines)
