"""Bad input: exit status 2 and one line from the command line; a specific
:class:`theory.errors.BnverifyError` subclass from the Python API; never a NumPy,
SymPy or mpmath traceback.

Independent route: the expected class of each defect is the documented one
(``numerics/gram.py`` table, ``theory/errors.py``), not what the code happened
to raise.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numerics.maps.precise import mean_field_map
from numerics.simulation.simulate import SimulationConfig
from proofs_check.cli import main
from theory.activations import get_activation
from theory.errors import (
    BnverifyError,
    ExpressionError,
    GramError,
    InvalidInputError,
    UnknownNameError,
)
from theory.layers import parse_layer

from ._budget import examples


def _run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def _assert_one_line_exit_2(code: int, err: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err


def _write(tmp_path, data) -> str:
    path = tmp_path / "g.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


BAD_GRAMS = [
    ([[1, 0.5], [0.4, 1]], GramError),              # asymmetric beyond 1e-12
    ([[1, 2], [2, 1]], GramError),                  # not PSD
    ([[1, 0], [0]], GramError),                     # ragged
    ([[1, 0, 0], [0, 1, 0]], GramError),            # not square
    ([[1]], InvalidInputError),                     # n < 2
    ([["NaN", 0], [0, 1]], GramError),              # NaN
    ([["inf", 0], [0, 1]], GramError),              # infinity
    ([["x", 0], [0, 1]], GramError),                # not a number
]


@pytest.mark.parametrize(("G", "cls"), BAD_GRAMS)
def test_bad_gram_api_and_cli(G, cls, tmp_path, capsys):
    with pytest.raises(cls):
        mean_field_map(G, "rc,nl", "relu")
    code, err = _run_cli(["map", "--gram", _write(tmp_path, G), "--layer", "rc,nl"], capsys)
    _assert_one_line_exit_2(code, err)


@pytest.mark.parametrize("argv", [
    ["map", "--gram", "/nonexistent/g.json", "--layer", "nl"],
    ["map", "--gram", "{G}", "--layer", "nl,nl"],
    ["map", "--gram", "{G}", "--layer", "bogus"],
    ["map", "--gram", "{G}", "--layer", "nl", "--activation", "import os"],
    ["map", "--gram", "{G}", "--layer", "nl", "--activation", "y**2"],
    ["map", "--gram", "{G}", "--layer", "nl", "--dps", "3"],
    ["map", "--gram", "{G}", "--layer", "nl", "--sigma-w2", "-1"],
    ["map", "--gram", "{Z}", "--layer", "rs"],               # RS on a zero matrix
    ["simulate", "--width", "0"],
    ["simulate", "--n", "1"],
    ["simulate", "--depth", "-1"],
    ["simulate", "--trials", "0"],
    ["simulate", "--weights", "unitary"],
    ["simulate", "--activation", "__import__('os')"],
    ["nonexistent-command"],
])
def test_cli_bad_arguments_exit_2_with_one_line(argv, tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text("[[1, 0.5], [0.5, 1]]")
    zero = tmp_path / "zero.json"
    zero.write_text("[[0, 0], [0, 0]]")
    argv = [a.replace("{G}", str(good)).replace("{Z}", str(zero)) for a in argv]
    code, err = _run_cli(argv, capsys)
    _assert_one_line_exit_2(code, err)


@examples(1.0)
@given(n=st.integers(2, 5), data=st.data())
def test_random_asymmetric_matrices_are_gram_errors(n, data):
    M = np.array(data.draw(st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n),
                                    min_size=n, max_size=n)))
    gap = np.max(np.abs(M - M.T))
    assume(gap > 1e-9 * max(1.0, np.max(np.abs(M))))
    with pytest.raises(GramError):
        mean_field_map(M.tolist(), "nl", "relu")


@examples(1.0)
@given(n=st.integers(2, 4), i=st.integers(0, 3), j=st.integers(0, 3),
       bad=st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308 * 10]))
def test_non_finite_entries_are_gram_errors(n, i, j, bad):
    G = np.eye(n)
    G[i % n, j % n] = G[j % n, i % n] = bad
    with pytest.raises(GramError):
        mean_field_map(G, "rc,rs,nl", "relu")


@examples(2.0)
@given(text=st.text(max_size=30))
def test_garbage_activation_strings_raise_bnverify_errors_only(text):
    """Any string: an Activation, or UnknownNameError / ExpressionError - never
    a SymPy / Python parsing exception."""
    try:
        get_activation(text)
    except (UnknownNameError, ExpressionError):
        pass


@examples(1.0)
@given(text=st.text(alphabet="xyz()+-*/^,.0123456789 abcdefghijklmnopqrstuvw_", max_size=25))
def test_expression_like_strings_raise_bnverify_errors_only(text):
    try:
        get_activation(text)
    except (UnknownNameError, ExpressionError):
        pass


@examples(1.0)
@given(text=st.text(alphabet="rcsnlb,+ ", max_size=12))
def test_layer_strings(text):
    try:
        parse_layer(text)
    except UnknownNameError:
        pass


@examples(1.0)
@given(field=st.sampled_from(["n", "width", "depth", "trials", "sigma_w2", "eps"]),
       value=st.one_of(st.integers(-5, 0), st.just(float("nan")), st.just("ten")))
def test_bad_simulation_values_are_invalid_input(field, value):
    assume(not (field in ("depth", "eps") and value == 0))
    assume(not (field == "n" and value in (0, 1)) or True)
    with pytest.raises(InvalidInputError):
        SimulationConfig(**{field: value})


def test_every_api_error_is_a_value_error_subclass():
    for cls in (GramError, InvalidInputError, UnknownNameError, ExpressionError):
        assert issubclass(cls, BnverifyError) and issubclass(cls, ValueError)


def test_extreme_scales_give_a_result_or_a_documented_error():
    """Entries spanning ~100 decades: a result or a PrecisionError, never mpmath's
    raw ValueError (a bug found by Hypothesis, now fixed in numerics.maps.precise)."""
    G = np.array([[1.01716549e05, 5.72407986e-44, 3.40377322e-02],
                  [5.72407986e-44, 7.31048305e-92, 3.96086528e-50],
                  [3.40377322e-02, 3.96086528e-50, 2.17629098e-08]])
    try:
        mean_field_map(G, "rs,nl", "relu", dps=15)
    except BnverifyError:
        pass
    except ValueError as exc:  # a plain ValueError (not a BnverifyError) is the bug
        raise AssertionError(f"undocumented {type(exc).__name__}: {exc}") from None
