"""The checkpoint of a sweep: a JSON-lines file of finished tasks, resumable.

Format (version :data:`CHECKPOINT_FORMAT` = 2)
    A header line ``{"kind": "header", "format": CHECKPOINT_FORMAT, "config": ...}``
    holding the configuration (:meth:`~proofs_check.sweeps.config.SweepConfig.to_json`),
    then one line per finished task::

        {"task_id", "key", "result", "seconds", "sha256"}

    ``key`` is the task's full key (:func:`task_key`: the sha256 of the canonical
    configuration, the statistic, the cell, the chunk, its trials and its seed) and
    ``sha256`` the hex digest of the canonical JSON (sorted keys, no spaces) of the
    line without ``sha256`` (:func:`line_checksum`).  The checksum detects edits,
    truncation and bit rot; it is not a signature (whoever recomputes it can forge a
    line).

Writing
    Every finished task is one ``write`` of the whole line on a descriptor
    opened with ``O_APPEND``, then ``fsync``.  Only the coordinating process
    writes, under an exclusive advisory lock (POSIX ``flock``; no lock where
    ``fcntl`` is missing).

Resuming
    Opening drops a torn last line, checks the header against the configuration
    (a difference is an :class:`~theory.errors.InvalidInputError` naming it; a
    format-1 checkpoint, which has no checksums, is refused the same way with a
    message saying so) and loads the finished tasks.  A task line that does not
    verify (not UTF-8 JSON, not an object, a field missing or of the wrong type,
    a checksum that does not match, a key that is not the key of its ``task_id``
    in this sweep) is never trusted: it is listed in :attr:`Checkpoint.rejected`
    by line number and its task is run again (the new line is appended; the first
    line of a task that verifies wins).  Task results are compared and aggregated
    in the form they have here (one JSON round trip, :func:`json_round_trip`), so a
    resumed run gives the same numbers as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from proofs_check.sweeps.config import SweepConfig, Task
from theory.errors import InvalidInputError

try:  # POSIX advisory lock on the checkpoint (absent on Windows: no lock taken)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "json_round_trip", "line_checksum",
           "output_paths", "task_key"]

#: version of the checkpoint format (a different version is refused like a config mismatch).
CHECKPOINT_FORMAT = 2
#: the fields of a task line, with their JSON types (``seconds`` may be an int in JSON).
_LINE_FIELDS: dict[str, tuple[type, ...]] = {
    "task_id": (str,), "key": (dict,), "result": (dict,), "seconds": (int, float),
    "sha256": (str,)}


def json_round_trip(record: dict) -> dict:
    """The record as it reads back from the checkpoint (one JSON round trip)."""
    return json.loads(json.dumps(record, allow_nan=True))


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()


def line_checksum(content: dict) -> str:
    """``sha256`` (hex) of the canonical JSON of a task line's content (without ``sha256``)."""
    return hashlib.sha256(_canonical({k: v for k, v in content.items() if k != "sha256"})
                          ).hexdigest()


def task_key(task: Task) -> dict:
    """The full key of a task: its configuration (as a digest), statistic, cell, chunk,
    trials and seed (the JSON form written in its checkpoint line)."""
    return json_round_trip({
        "config_sha256": hashlib.sha256(_canonical(task.config.to_json())).hexdigest(),
        "statistic": task.config.statistic, "cell": task.cell.to_json(),
        "chunk": task.chunk, "trials": task.trials, "seed": task.seed})


def _verify(line: bytes, keys: dict[str, dict]) -> tuple[dict | None, str]:
    """The record ``{"task_id", "result", "seconds"}`` of a task line, or why it is rejected."""
    try:
        rec = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except ValueError:
        return None, "not JSON"
    if not isinstance(rec, dict):
        return None, "not a JSON object"
    for name, types in _LINE_FIELDS.items():
        if name not in rec:
            return None, f"no {name!r}"
        if not isinstance(rec[name], types) or isinstance(rec[name], bool):
            return None, f"{name!r} is not a {types[0].__name__}"
    if set(rec) != set(_LINE_FIELDS):
        return None, f"unexpected fields {sorted(set(rec) - set(_LINE_FIELDS))}"
    if rec["sha256"] != line_checksum(rec):
        return None, "checksum mismatch (the line was edited or damaged)"
    expected = keys.get(rec["task_id"])
    if expected is None:
        return None, f"task {rec['task_id']!r} is not a task of this sweep"
    if rec["key"] != expected:
        return None, f"its key is not the key of task {rec['task_id']!r} in this sweep"
    return {"task_id": rec["task_id"], "result": rec["result"], "seconds": rec["seconds"]}, ""


def _header(config: SweepConfig) -> dict:
    return json_round_trip({"kind": "header", "format": CHECKPOINT_FORMAT,
                            "config": config.to_json()})


def _differences(old: dict, new: dict) -> str:
    """``differs in k: a there, b now, ...`` between two headers."""
    if old.get("format") != new.get("format"):
        return (f"checkpoint format {old.get('format')} there, {new.get('format')} now: "
                "format 1 has no per-line checksums and is not resumed")
    a, b = old.get("config", {}), new.get("config", {})
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "differs in " + ", ".join(f"{k}: {a.get(k)!r} there, {b.get(k)!r} now" for k in keys)


class Checkpoint:
    """The JSON-lines checkpoint of one sweep (header line, then one line per task).

    Opening takes an exclusive advisory lock (POSIX), drops a torn last line,
    checks the header against ``config`` and loads the finished tasks into
    :attr:`done` (``task_id -> {"task_id", "result", "seconds"}``; the first line of
    a task that verifies wins).  Lines that do not verify are listed in
    :attr:`rejected` as ``"line N: why"`` and their tasks are left to run again.

    Parameters
    ----------
    path
        The file (created with its directory if missing).
    config
        The sweep that reads and writes it.

    Raises
    ------
    InvalidInputError
        The file is locked by another sweep, is not a checkpoint (its first line
        is not a header), or was written by a different configuration or format.
    """

    def __init__(self, path: str | os.PathLike, config: SweepConfig) -> None:
        self.path = Path(path)
        self.done: dict[str, dict] = {}
        self.rejected: list[str] = []
        self._keys = {t.task_id: task_key(t) for t in config.tasks()}
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
            first = json.loads(lines[0].decode("utf-8"))
        except ValueError:  # JSONDecodeError, UnicodeDecodeError
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
            rec, why = _verify(line, self._keys)
            if rec is None:
                self.rejected.append(f"line {number}: {why}")
            else:
                self.done.setdefault(rec["task_id"], rec)

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, allow_nan=True, separators=(",", ":")) + "\n").encode()
        written = os.write(self._fd, line)
        if written != len(line):  # pragma: no cover - a full disk
            raise OSError(f"short write to checkpoint {self.path}")
        os.fsync(self._fd)

    def add(self, record: dict) -> None:
        """Append one finished task ``{"task_id", "result", "seconds"}`` with its key and
        checksum (ignored if the task is already recorded)."""
        if record["task_id"] in self.done:
            return
        line = {"task_id": record["task_id"], "key": self._keys[record["task_id"]],
                "result": record["result"], "seconds": record["seconds"]}
        line["sha256"] = line_checksum(json_round_trip(line))
        self._append(line)
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
