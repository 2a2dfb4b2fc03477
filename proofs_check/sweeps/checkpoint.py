"""The checkpoint of a sweep: a JSON-lines file of finished tasks, resumable.

Format
    A header line ``{"kind": "header", "format": CHECKPOINT_FORMAT, "config": ...}``
    holding the configuration (:meth:`~proofs_check.sweeps.config.SweepConfig.to_json`),
    then one line ``{"task_id", "result", "seconds"}`` per finished task.

Writing
    Every finished task is one ``write`` of the whole line on a descriptor
    opened with ``O_APPEND``, then ``fsync``.  Only the coordinating process
    writes, under an exclusive advisory lock (POSIX ``flock``; no lock where
    ``fcntl`` is missing).

Resuming
    Opening drops a torn last line, checks the header against the configuration
    (a difference is an :class:`~theory.errors.InvalidInputError` naming it) and
    loads the finished tasks.  Task results are compared and aggregated in the
    form they have here (one JSON round trip, :func:`json_round_trip`), so a
    resumed run gives the same numbers as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from proofs_check.sweeps.config import SweepConfig
from theory.errors import InvalidInputError

try:  # POSIX advisory lock on the checkpoint (absent on Windows: no lock taken)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "json_round_trip", "output_paths"]

#: version of the checkpoint format (a different version is a config mismatch).
CHECKPOINT_FORMAT = 1


def json_round_trip(record: dict) -> dict:
    """The record as it reads back from the checkpoint (one JSON round trip)."""
    return json.loads(json.dumps(record, allow_nan=True))


def _header(config: SweepConfig) -> dict:
    return json_round_trip({"kind": "header", "format": CHECKPOINT_FORMAT,
                            "config": config.to_json()})


def _differences(old: dict, new: dict) -> str:
    """``differs in k: a there, b now, ...`` between two headers."""
    if old.get("format") != new.get("format"):
        return f"checkpoint format {old.get('format')} vs {new.get('format')}"
    a, b = old.get("config", {}), new.get("config", {})
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "differs in " + ", ".join(f"{k}: {a.get(k)!r} there, {b.get(k)!r} now" for k in keys)


class Checkpoint:
    """The JSON-lines checkpoint of one sweep (header line, then one line per task).

    Opening takes an exclusive advisory lock (POSIX), drops a torn last line,
    checks the header against ``config`` and loads the finished tasks into
    :attr:`done` (``task_id -> record``; the first record of a task wins).

    Parameters
    ----------
    path
        The file (created with its directory if missing).
    config
        The sweep that reads and writes it.

    Raises
    ------
    InvalidInputError
        The file is locked by another sweep, is not a checkpoint, was written
        by a different configuration, or has a corrupt line.
    """

    def __init__(self, path: str | os.PathLike, config: SweepConfig) -> None:
        self.path = Path(path)
        self.done: dict[str, dict] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise InvalidInputError(
                        f"checkpoint {self.path} is in use by another running sweep",
                        parameter="out") from None
            self._load(config)
        except BaseException:
            os.close(self._fd)
            raise

    def _load(self, config: SweepConfig) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):  # a torn last line: drop it
            keep = data.rfind(b"\n") + 1
            os.ftruncate(self._fd, keep)
            data = data[:keep]
        lines = data.splitlines()
        header = _header(config)
        if not lines:
            self._append(header)
            return
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError:
            first = None
        if not isinstance(first, dict) or first.get("kind") != "header":
            raise InvalidInputError(f"{self.path} is not a bnverify sweep checkpoint",
                                    parameter="out")
        if first != header:
            raise InvalidInputError(
                f"checkpoint {self.path} was written by a different sweep "
                f"({_differences(first, header)}); use another out or delete the checkpoint",
                parameter="out")
        for number, line in enumerate(lines[1:], start=2):
            try:
                rec = json.loads(line)
                task_id = rec["task_id"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InvalidInputError(f"{self.path}: line {number} is corrupt",
                                        parameter="out") from None
            self.done.setdefault(task_id, rec)

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, allow_nan=True, separators=(",", ":")) + "\n").encode()
        written = os.write(self._fd, line)
        if written != len(line):  # pragma: no cover - a full disk
            raise OSError(f"short write to checkpoint {self.path}")
        os.fsync(self._fd)

    def add(self, record: dict) -> None:
        """Append one finished task (ignored if the task is already recorded)."""
        if record["task_id"] in self.done:
            return
        self._append(record)
        self.done[record["task_id"]] = record

    def close(self) -> None:
        """Close the file (and release the lock); closing twice does nothing."""
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def output_paths(out: str | os.PathLike) -> dict[str, Path]:
    """``{"json", "csv", "checkpoint"}`` paths from ``out`` (a ``.json``/``.csv`` suffix dropped).

    ``out = results/widths`` gives ``results/widths.json``, ``results/widths.csv``
    and ``results/widths.checkpoint.jsonl``.
    """
    p = Path(out)
    if not p.name:
        raise InvalidInputError(f"out must name a file stem (OUT.json, OUT.csv), got {str(out)!r}",
                                parameter="out")
    stem = p.with_suffix("") if p.suffix.lower() in (".json", ".csv") else p
    return {"json": stem.with_name(stem.name + ".json"),
            "csv": stem.with_name(stem.name + ".csv"),
            "checkpoint": stem.with_name(stem.name + ".checkpoint.jsonl")}
