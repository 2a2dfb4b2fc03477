"""The ``bnverify`` command line: argument parsing and printing only.

Each subcommand lives in ``proofs_check/commands/<name>.py`` and defines
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args)``, which returns
a result object with ``to_json()`` and ``to_text()`` (and optionally an
``exit_code``).  This module adds ``--json`` to every subcommand, prints the
result, and maps every :class:`~theory.errors.BnverifyError` (and argument
errors) to exit status 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from theory.errors import BnverifyError
from theory.serialize import to_jsonable

#: subcommand -> module under proofs_check.commands (the registry: add one line).
COMMANDS: dict[str, str] = {
    "derive": "derive",
    "map": "map",
    "fixed-points": "fixed_points",
    "simulate": "simulate",
    "lyapunov": "lyapunov",
    "sweep": "sweep",
    "check": "check",
    "verify": "verify",
    "report": "report",
}


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


def _available() -> dict[str, object]:
    modules = {}
    for name, module in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(f"proofs_check.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"proofs_check.commands.{module}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bnverify",
        description="Verify the mean-field theory of batch normalization: "
        "derive, evaluate, simulate and check claims.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in _available().items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.add_argument(
            "--json", action="store_true", help="print one JSON document on stdout and nothing else"
        )
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        result = args._run(args)
    except BnverifyError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"bnverify {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bnverify: interrupted", file=sys.stderr)
        return 130
    if args.json:
        json.dump(to_jsonable(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(result.to_text())
    return int(getattr(result, "exit_code", 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
