"""The command line's one error boundary (``proofs_check.cli.main``).

Exit statuses: 0 ok, 1 refuted / claim failed, 2 bad input (one stderr line naming
the flag), 3 internal error (one line; ``--debug`` prints the traceback), 130
interrupted.  Library errors carry the Python parameter; the CLI names the flag.

Independent route: the expected lines are written from the documented contract
(``proofs_check/cli.py`` module doc, issue 19), and the reproductions of issue 19
run end to end in a subprocess with a timeout, as a user would run them.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import proofs_check.commands.derive as derive_command
import proofs_check.commands.map as map_command
from numerics.precision import validate_dps
from numerics.simulation.simulate import SimulationConfig
from proofs_check import cli
from proofs_check.cli import FILE_ARGUMENTS, PARAMETER_FLAGS, build_parser, main
from theory.errors import BnverifyError, GramError, InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ("theory", "numerics", "proofs_check")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _cli(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """``bnverify ARGV`` in a fresh interpreter (this checkout first on the path)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "proofs_check.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _raising(exc: BaseException):
    def run(args):
        raise exc
    return run


# ----------------------------------------------------------------------- internal errors

@pytest.mark.parametrize("exc", [RuntimeError("boom"), ValueError("boom"), KeyError("boom"),
                                 ZeroDivisionError("boom"), OSError("boom")])
def test_an_internal_bug_exits_3_with_one_line_and_no_traceback(exc, monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run", _raising(exc))
    code = main(["derive", "--family", "symmetric", "--json"])
    captured = capsys.readouterr()
    assert code == 3  # never 1, which means "refuted"
    assert captured.out == ""
    (line,) = _lines(captured.err)
    assert line.startswith(f"bnverify: internal error: {type(exc).__name__}: ")
    assert "boom" in line and line.endswith("rerun with --debug for the traceback")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback(where, monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run", _raising(RuntimeError("boom")))
    argv = ["derive", "--family", "symmetric"]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err
    assert err.rstrip().splitlines()[-1].startswith("bnverify: internal error: RuntimeError")


def test_debug_prints_the_traceback_of_a_bad_input_too(monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run",
                        _raising(InvalidInputError("n must be >= 2, got 1", parameter="n")))
    assert main(["--debug", "derive", "--family", "symmetric"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().splitlines()[-1].endswith("--n must be >= 2, got 1")


def test_keyboard_interrupt_exits_130_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run", _raising(KeyboardInterrupt()))
    assert main(["derive", "--family", "symmetric"]) == 130
    captured = capsys.readouterr()
    assert _lines(captured.err) == ["bnverify: interrupted"] and captured.out == ""


def test_memory_error_is_bad_input(monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run", _raising(MemoryError("Unable to allocate 477 GiB")))
    assert main(["derive", "--family", "symmetric", "--json"]) == 2
    captured = capsys.readouterr()
    (line,) = _lines(captured.err)
    assert "477 GiB" in line and captured.out == ""


# ----------------------------------------------------------------------- parameter -> flag

def test_a_parameter_of_the_library_is_named_by_its_flag(monkeypatch, capsys):
    exc = InvalidInputError("sigma_w2 must be positive, got -1", parameter="sigma_w2")
    monkeypatch.setattr(derive_command, "run", _raising(exc))
    assert main(["derive", "--family", "symmetric"]) == 2
    assert _lines(capsys.readouterr().err) == [
        "bnverify derive: error: --sigma-w2 must be positive, got -1"]


def test_a_message_not_starting_with_the_parameter_gets_the_flag_in_front(monkeypatch, capsys):
    monkeypatch.setattr(derive_command, "run",
                        _raising(InvalidInputError("give a positive value", parameter="dps")))
    assert main(["derive", "--family", "symmetric"]) == 2
    assert _lines(capsys.readouterr().err) == [
        "bnverify derive: error: --dps: give a positive value"]


def test_path_names_the_file_argument_of_the_command(monkeypatch, capsys):
    monkeypatch.setattr(map_command, "run",
                        _raising(GramError("gram file 'g.json': not square", parameter="path")))
    assert main(["map", "--gram", "g.json", "--layer", "nl"]) == 2
    assert _lines(capsys.readouterr().err) == [
        "bnverify map: error: --gram: gram file 'g.json': not square"]


def test_the_python_api_keeps_the_parameter_name():
    with pytest.raises(InvalidInputError) as info:
        SimulationConfig(sigma_w2=-1.0)
    assert info.value.parameter == "sigma_w2" and str(info.value).startswith("sigma_w2 ")
    with pytest.raises(BnverifyError) as info:
        validate_dps(3)
    assert info.value.parameter == "dps" and "--" not in str(info.value)
    copy = pickle.loads(pickle.dumps(info.value))  # crosses process pools intact
    assert copy.parameter == "dps" and str(copy) == str(info.value)


def _flags() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction))
    return {opt for p in sub.choices.values() for a in p._actions for opt in a.option_strings}


def test_every_flag_of_the_table_exists():
    flags = _flags()
    assert set(PARAMETER_FLAGS.values()) <= flags
    assert {"--" + dest.replace("_", "-") for dest, _ in FILE_ARGUMENTS.values()} <= flags


def _library_parameters() -> set[str]:
    """Every literal ``parameter="..."`` given to an exception in the library."""
    names = set()
    for package in LIBRARY:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    for kw in node.keywords:
                        if kw.arg == "parameter" and isinstance(kw.value, ast.Constant) \
                                and isinstance(kw.value.value, str):
                            names.add(kw.value.value)
    return names


def test_every_parameter_named_by_the_library_has_a_flag():
    missing = _library_parameters() - set(PARAMETER_FLAGS) - {"path"}
    assert not missing, f"add to proofs_check.cli.PARAMETER_FLAGS: {sorted(missing)}"


def test_library_messages_do_not_name_flags():
    """Error messages outside the command layer name parameters, not ``--flags``."""
    offenders = []
    for package in LIBRARY:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "proofs_check/cli.py" or rel.startswith("proofs_check/commands/"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Raise) and node.exc is not None:
                    for part in ast.walk(node.exc):
                        if isinstance(part, ast.Constant) and isinstance(part.value, str) \
                                and " --" in f" {part.value}":
                            offenders.append(f"{rel}:{node.lineno}: {part.value!r}")
    assert not offenders, "\n".join(offenders)


# ----------------------------------------------------------------------- help

def test_exit_statuses_are_documented_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 ", "130"):
        assert f"  {code}" in out
    assert "internal error" in out and "--debug" in out
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "exit status" in out and "refuted" in out and "internal error" in out


# ----------------------------------------------------------------------- issue 19 reproductions

def test_report_out_under_a_regular_file_exits_2_naming_out(tmp_path):
    (tmp_path / "file").write_text("x")
    r = _cli(["report", "--quick", "--out", str(tmp_path / "file" / "report"), "--json"],
             timeout=60)  # fails at the first mkdir, before any claim runs
    assert r.returncode == 2 and r.stdout == ""
    (line,) = _lines(r.stderr)
    assert line.startswith("bnverify report: error: --out: ") and "Not a directory" in line


def test_report_out_when_figures_is_a_file_fails_before_the_work(tmp_path, monkeypatch, capsys):
    (tmp_path / "figures").write_text("x")
    import proofs_check.report.writer as writer

    monkeypatch.setattr(writer, "run_claims", _raising(AssertionError("ran the claims")))
    assert main(["report", "--quick", "--out", str(tmp_path)]) == 2
    (line,) = _lines(capsys.readouterr().err)
    assert line.startswith("bnverify report: error: --out: ")


SWEEP = ["sweep", "--n", "3", "--width", "2", "--depth", "2", "--trials", "1",
         "--chunk-trials", "1", "--workers", "0"]


@pytest.mark.parametrize("out", ["", "{tmp}/file/run", "{tmp}/dir"])
def test_sweep_out_that_cannot_be_written_exits_2_naming_out(out, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir.json").mkdir()  # OUT.json is a directory
    r = _cli([*SWEEP, "--out", out.replace("{tmp}", str(tmp_path)), "--json"], timeout=90)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    (line,) = _lines(r.stderr)
    assert line.startswith("bnverify sweep: error: --out"), line
    assert "Traceback" not in r.stderr


def test_gram_that_is_a_directory_exits_2_naming_gram(tmp_path, capsys):
    assert main(["map", "--gram", str(tmp_path), "--layer", "nl", "--json"]) == 2
    captured = capsys.readouterr()
    (line,) = _lines(captured.err)
    assert line.startswith("bnverify map: error: --gram") and captured.out == ""


@pytest.mark.slow  # about 30 s of symbolic spectrum before the comparison
def test_unenclosable_reference_eigenvalue_is_bad_input_not_a_traceback():
    r = _cli(["verify", "--quantity", "eigenvalue", "--family", "symmetric", "--layer", "rs",
              "--activation", "identity", "--expr", "n/(n+2)"], timeout=240)
    assert r.returncode in (0, 1, 2), r.stderr
    assert "Traceback" not in r.stderr
    if r.returncode == 2:
        assert len(_lines(r.stderr)) == 1


def test_json_output_is_one_document_and_errors_go_to_stderr(tmp_path, capsys):
    path = tmp_path / "g.json"
    path.write_text("[[1, 0.5], [0.5, 1]]")
    assert main(["map", "--gram", str(path), "--layer", "nl", "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert main(["map", "--gram", str(path), "--layer", "nl", "--dps", "3", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and _lines(captured.err) == [
        "bnverify map: error: --dps must lie between 15 and 1000 significant digits, got 3"]
