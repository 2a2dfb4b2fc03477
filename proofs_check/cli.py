"""The ``bnverify`` command line: argument parsing, printing and the one error boundary.

Each subcommand lives in ``proofs_check/commands/<module>.py`` and defines
``add_arguments(parser)`` and ``run(args)``, which returns a result object with
``to_json()`` and ``to_text()`` (and optionally an ``exit_code``); a module may
define ``EXIT_1``, the sentence saying when it exits 1.  The registry
:data:`COMMANDS` gives each subcommand its module and its one-line help, so that
``bnverify --help`` imports no command module and ``bnverify CMD ...`` imports
only CMD's (a fast start: SymPy, ``scipy.stats`` and matplotlib are loaded only
by the commands that use them).  This module adds ``--json`` and ``--debug`` to
every subcommand, prints the result, and is the only place that turns
exceptions into exit statuses (:func:`main`):

====  =====================================================================
exit  meaning
====  =====================================================================
0     success
1     a claim is refuted or failed (``verify``; ``check --strict``)
2     bad input: a :class:`~theory.errors.BnverifyError`, an argument error,
      a file argument that cannot be read or written, or a request larger
      than the memory; one line on stderr naming the flag
3     internal error (a bug): one line on stderr; ``--debug`` prints the
      traceback
130   interrupted (Ctrl-C)
====  =====================================================================

Library errors name Python parameters (:attr:`BnverifyError.parameter`);
:data:`PARAMETER_FLAGS` translates them to flags.  Under ``--json`` stdout holds
the JSON document and nothing else; every error goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import traceback
from collections.abc import Iterable, Sequence
from importlib.util import find_spec
from typing import NamedTuple

from theory.errors import BnverifyError
from theory.serialize import to_jsonable

__all__ = [
    "COMMANDS",
    "Command",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "FILE_ARGUMENTS",
    "PARAMETER_FLAGS",
    "build_parser",
    "requested",
    "error_line",
    "flag_of",
    "main",
]



class Command(NamedTuple):
    """A subcommand: its module under ``proofs_check.commands`` and its one-line help."""

    module: str
    help: str


#: subcommand -> (module, help): the registry (add one line).  Importing the module
#: is deferred until the subcommand is used.
COMMANDS: dict[str, Command] = {
    "derive": Command("derive", "derive a family's reduced shape map, closed-form fixed "
                      "points and labelled eigenvalues"),
    "map": Command("map", "evaluate the mean-field map F(G) and the shape map "
                   "F_hat(G) = n F / tr F at any precision"),
    "fixed-points": Command("fixed_points", "fixed points of the shape map F_hat in a family "
                            "at concrete n, with labelled Jacobian eigenvalues and certified "
                            "stability"),
    "simulate": Command("simulate", "simulate deep random networks at finite width: clusters, "
                        "merges, cluster + odd"),
    "lyapunov": Command("lyapunov", "finite-width Lyapunov exponents of the cluster + odd or "
                        "symmetric configuration"),
    "finite-width": Command("finite_width", "the O(1/d) finite-width expansion: bias and "
                            "variance of the mean off-diagonal shape entry per layer"),
    "sweep": Command("sweep", "run a grid of finite-width simulations on a local pool or a "
                     "Dask cluster (resumable)"),
    "check": Command("check", "check the registered claims (docs/theory.md section 5) and print "
                     "honest verdicts"),
    "verify": Command("verify", "check your own formula (kernel, reduced map, fixed point, "
                      "eigenvalue, spectral radius): proved, refuted with a counterexample, "
                      "or agrees numerically"),
    "report": Command("report", "run all claims and write DIR/report.md, report.html, "
                      "results.json and figures/"),
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

#: Python parameter of the library (``BnverifyError.parameter``) -> command-line flag.
#: The one translation table; ``"path"`` is the command's file argument
#: (:data:`FILE_ARGUMENTS`).
PARAMETER_FLAGS: dict[str, str] = {
    "activation": "--activation",
    "at": "--at",
    "burn_in": "--burn-in",
    "chunk_trials": "--chunk-trials",
    "delta": "--delta",
    "depth": "--depth",
    "dps": "--dps",
    "eps": "--eps",
    "every": "--every",
    "expr": "--expr",
    "family": "--family",
    "gram": "--gram",
    "initial_gram": "--input",
    "initial_points": "--input",
    "layer": "--layer",
    "m": "--m",
    "m_value": "--m",
    "multiplicity": "--multiplicity",
    "n": "--n",
    "n_value": "--n",
    "out": "--out",
    "parameter": "--parameter",
    "point": "--point",
    "quantity": "--quantity",
    "renormalise": "--renormalise",
    "rho": "--rho",
    "scheduler": "--scheduler",
    "seed": "--seed",
    "sigma_w2": "--sigma-w2",
    "statistic": "--statistic",
    "symmetry": "--symmetry",
    "trials": "--trials",
    "weights": "--weights",
    "width": "--width",
    "widths": "--width",
    "workers": "--workers",
}

#: subcommand -> (its file argument's dest, what that argument accepts).  An
#: ``OSError`` on that path (or on a file under or next to it) and a library error
#: about the parameter ``"path"`` name this flag.
FILE_ARGUMENTS: dict[str, tuple[str, str]] = {
    "map": ("gram", "a readable JSON file"),
    "finite-width": ("gram", "a readable JSON file"),
    "simulate": ("input", "a readable JSON file"),
    "verify": ("file", "a readable UTF-8 TOML file"),
    "report": ("out", "a directory that can be created and written"),
    "sweep": ("out", "a file stem in a writable directory (OUT.json, OUT.csv, ...)"),
}

_EXIT_TEXT = """exit status:
  0    success
  1    {one}
  2    bad input (one line on stderr naming the flag and what it accepts)
  3    internal error, a bug (one line on stderr; rerun with --debug for the traceback)
  130  interrupted"""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _available() -> dict[str, Command]:
    """The registered subcommands whose module is installed (found without importing it)."""
    return {name: c for name, c in COMMANDS.items()
            if find_spec(f"proofs_check.commands.{c.module}") is not None}


def requested(argv: Sequence[str]) -> str | None:
    """The subcommand named by ``argv`` (its first non-option word), if registered.

    The top-level options (``--debug``, ``--help``) take no value, so the first
    word not starting with ``-`` is the subcommand.
    """
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The ``bnverify`` parser.

    Parameters
    ----------
    commands : iterable of str, optional
        The subcommands whose module is imported and whose arguments are added
        (default: all); the others are listed with their help only, which is all
        ``bnverify --help`` shows.
    """
    full = set(COMMANDS if commands is None else commands)
    parser = _Parser(
        prog="bnverify",
        description="Verify the mean-field theory of batch normalization: "
        "derive, evaluate, simulate and check claims.",
        epilog=_EXIT_TEXT.format(one="a claim is refuted or failed (verify; check --strict)"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="on an error, print the Python traceback on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, command in _available().items():
        if name not in full:
            sub.add_parser(name, help=command.help, description=command.help, add_help=False)
            continue
        module = importlib.import_module(f"proofs_check.commands.{command.module}")
        one = getattr(module, "EXIT_1", "not used by this command")
        p = sub.add_parser(name, help=command.help, description=command.help,
                           epilog=_EXIT_TEXT.format(one=one),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.add_argument(
            "--json", action="store_true", help="print one JSON document on stdout and nothing else"
        )
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an error, print the Python traceback on stderr")
        p.set_defaults(_run=module.run)
    return parser


def flag_of(parameter: str | None, command: str | None) -> str | None:
    """The flag of a library parameter in ``command`` (``None`` when it has none)."""
    if parameter is None:
        return None
    if parameter == "path":
        dest = FILE_ARGUMENTS.get(command or "", (None, ""))[0]
        return None if dest is None else "--" + dest.replace("_", "-")
    return PARAMETER_FLAGS.get(parameter)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else ""


def error_line(exc: BnverifyError, command: str | None) -> str:
    """The message of ``exc`` with its Python parameter replaced by the flag.

    A message starting with the parameter's name (``"sigma_w2 must be positive"``)
    gets the flag in its place (``"--sigma-w2 must be positive"``); any other gets
    the flag in front (``"--gram: gram file 'g.json': not square"``).
    """
    text = _first_line(exc) or type(exc).__name__
    flag = flag_of(exc.parameter, command)
    if flag is None or exc.parameter is None:
        return text
    if re.match(rf"{re.escape(exc.parameter)}\b", text):
        return flag + text[len(exc.parameter):]
    return f"{flag}: {text}"


def _file_argument(exc: OSError, command: str | None,
                   args: argparse.Namespace | None) -> tuple[str, str] | None:
    """(flag, accepted) of the file argument ``exc`` is about, if any.

    ``exc`` concerns the argument when one of its file names (``filename``,
    ``filename2`` of a rename) is the argument's path, a path under it or next to
    it (``OUT.json`` for ``--out OUT``), or a directory above it (``mkdir``
    failing on a parent).
    """
    if args is None or command not in FILE_ARGUMENTS:
        return None
    dest, accepted = FILE_ARGUMENTS[command]
    value = getattr(args, dest, None)
    if value is None:
        return None
    given = os.path.abspath(os.fsdecode(value))
    for filename in (exc.filename, exc.filename2):
        if not isinstance(filename, str | bytes | os.PathLike):
            continue
        name = os.path.abspath(os.fsdecode(filename))
        if name.startswith(given) or given.startswith(name.rstrip(os.sep) + os.sep):
            return "--" + dest.replace("_", "-"), accepted
    return None


def _oserror_line(exc: OSError, flag: str, accepted: str) -> str:
    reason = exc.strerror or type(exc).__name__
    where = os.fsdecode(exc.filename) if exc.filename is not None else "?"
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{flag}: {where}: {reason} (expected {accepted})"


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    result = args._run(args)
    if args.json:
        text = json.dumps(to_jsonable(result), indent=2)  # whole document before any output
    else:
        text = result.to_text()
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return int(getattr(result, "exit_code", EXIT_OK))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``bnverify``; the one place mapping exceptions to exit statuses (module doc)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until the arguments are parsed
    command: str | None = None
    args: argparse.Namespace | None = None

    def fail(code: int, line: str) -> int:
        if debug:
            traceback.print_exc(file=sys.stderr)
        prefix = f"bnverify {command}" if command and code == EXIT_BAD_INPUT else "bnverify"
        print(f"{prefix}: {line}", file=sys.stderr)
        return code

    try:
        wanted = requested(argv)
        parser = build_parser([] if wanted is None else [wanted])
        try:
            args = parser.parse_args(argv)
        except _UsageError as exc:
            print(_first_line(exc), file=sys.stderr)
            return EXIT_BAD_INPUT
        command, debug = args.command, bool(getattr(args, "debug", False))
        return _run(parser, args)
    except BnverifyError as exc:
        return fail(EXIT_BAD_INPUT, f"error: {error_line(exc, command)}")
    except OSError as exc:
        found = _file_argument(exc, command, args)
        if found is None:
            return fail(EXIT_INTERNAL, _internal(exc))
        return fail(EXIT_BAD_INPUT, f"error: {_oserror_line(exc, *found)}")
    except MemoryError as exc:
        return fail(EXIT_BAD_INPUT, f"error: not enough memory for this request "
                    f"({_first_line(exc) or 'MemoryError'}); ask for less")
    except KeyboardInterrupt:
        return fail(EXIT_INTERRUPTED, "interrupted")
    except Exception as exc:  # every other exception is a bug: exit 3, never 1
        return fail(EXIT_INTERNAL, _internal(exc))


def _internal(exc: BaseException) -> str:
    message = _first_line(exc)[:300]
    return (f"internal error: {type(exc).__name__}: {message}; "
            "rerun with --debug for the traceback")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
