"""The tidy table of a sweep: one CSV row per cell x recorded depth x quantity.

Columns (:data:`CSV_COLUMNS`)::

    statistic,n,width,depth,layer,activation,recorded_depth,quantity,value,
    ci_low,ci_high,band_low,band_high,count

Empty fields are missing values; floats are written with ``repr`` (shortest
round-trip form) and non-finite ones as ``nan``, ``inf``, ``-inf``; ``count``
is the number of trials behind the value.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from typing import Any

from proofs_check.sweeps.aggregate import CellResult
from proofs_check.sweeps.config import SweepConfig

__all__ = ["CSV_COLUMNS", "ROWS", "csv_text", "tidy_rows"]

#: CSV columns of the tidy table (one row per cell x recorded depth x quantity).
CSV_COLUMNS = ("statistic", "n", "width", "depth", "layer", "activation", "recorded_depth",
               "quantity", "value", "ci_low", "ci_high", "band_low", "band_high", "count")


def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return repr(x) if math.isfinite(x) else ("nan" if math.isnan(x) else
                                                  ("inf" if x > 0 else "-inf"))
    return str(x)


def _row(base: list[str], depth: int, quantity: str, value: Any, ci: Any = None,
         band: Any = None, count: Any = None) -> list[str]:
    """One row: the cell's columns ``base``, then depth, quantity and the numbers."""
    lo, hi = (ci or (None, None))
    blo, bhi = (band or (None, None))
    return [*base, str(depth), quantity, _num(value), _num(lo), _num(hi),
            _num(blo), _num(bhi), _num(count)]


def _cluster_odd_rows(base: list[str], cr: CellResult) -> Iterator[list[str]]:
    s = cr.stats
    for k, L in enumerate(s["recorded_depths"]):
        cdf, fr = s["first_hit_cdf"][k], s["cluster_odd_fraction"][k]
        yield _row(base, L, "first_hit_cdf", cdf["value"], cdf["ci"], cdf["band"], cdf["count"])
        yield _row(base, L, "cluster_odd_fraction", fr["value"], fr["ci"], None, fr["count"])
        for mech, counts in s["merges_cumulative"].items():
            yield _row(base, L, f"merges_{mech}", counts[k], count=s["trials"])
    D = cr.cell.depth
    for q in ("first_hit_depth", "odd_norm_ratio"):
        yield _row(base, D, q, s[q]["mean"], s[q]["ci"], None, s[q]["count"])


def _gram_rows(base: list[str], cr: CellResult) -> Iterator[list[str]]:
    s = cr.stats
    for k, L in enumerate(s["recorded_depths"]):
        for name in ("G", "G_hat"):
            for (i, j), e in zip(s["entries"], s[name][k], strict=True):
                yield _row(base, L, f"{name}_{i}_{j}", e["mean"], e["ci"], None, e["count"])


def _lyapunov_rows(base: list[str], cr: CellResult) -> Iterator[list[str]]:
    for name, e in cr.stats["exponents"].items():
        yield _row(base, cr.cell.depth, name, e.rate, e.ci, None, len(e.per_trial))
        yield _row(base, cr.cell.depth, f"{name}_annihilated_fraction", e.annihilated_fraction)


#: statistic -> the rows of one cell (after its six grid columns).
ROWS: dict[str, Callable[[list[str], CellResult], Iterator[list[str]]]] = {
    "cluster-odd": _cluster_odd_rows, "gram": _gram_rows, "lyapunov": _lyapunov_rows,
}


def tidy_rows(config: SweepConfig, cells: list[CellResult]) -> Iterator[list[str]]:
    """Rows of the tidy table (see :data:`CSV_COLUMNS`), header not included."""
    rows = ROWS[config.statistic]
    for cr in cells:
        c = cr.cell
        base = [config.statistic, str(c.n), str(c.width), str(c.depth), c.layer, c.activation]
        yield from rows(base, cr)


def csv_text(config: SweepConfig, cells: list[CellResult]) -> str:
    """The tidy table as CSV text (header + one row per cell x depth x quantity)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    w.writerows(tidy_rows(config, cells))
    return buf.getvalue()
