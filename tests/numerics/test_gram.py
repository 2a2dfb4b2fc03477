"""Validation of Gram matrices (numerics.gram): each defect gives its one-line error."""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics.gram import exact_gram, read_gram_file, to_fraction, validate_gram
from theory.errors import GramError, InvalidInputError


def test_valid_matrix_is_returned_symmetrised():
    G = np.array([[1.0, 0.5], [0.5 + 1e-15, 2.0]])
    out = validate_gram(G)
    assert out[0, 1] == out[1, 0]


def test_mpmath_input_gives_mpmath_output():
    with mpmath.workdps(40):
        G = mpmath.matrix([[1, mpmath.mpf(1) / 3], [mpmath.mpf(1) / 3, 1]])
        out = validate_gram(G)
        assert isinstance(out, mpmath.matrix) and out[0, 1] == G[0, 1]


def test_decimal_strings_are_exact():
    assert exact_gram([["1", "0.1"], ["0.1", "1"]])[0][1] == Fraction(1, 10)
    assert to_fraction("1/3") == Fraction(1, 3)


@pytest.mark.parametrize(
    "G, fragment",
    [
        ([[1, 0], [0, 1], [0, 0]], "not square"),
        ([[1, 0], [0]], "unequal length"),
        ([1, 2], "2-D"),
        ([[1, float("nan")], [float("nan"), 1]], "NaN"),
        ([[1, "inf"], ["inf", 1]], "NaN or infinity"),
        ([[1, 0.5], [0.4, 1]], "not symmetric"),
        ([[1, 2], [2, 1]], "not positive semi-definite"),
        ([[1, "x"], ["x", 1]], "not a real number"),
        ([[1, True], [True, 1]], "not a real number"),
    ],
)
def test_defects_raise_one_line_gram_error(G, fragment):
    with pytest.raises(GramError) as info:
        validate_gram(G)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_n_less_than_two_is_invalid_input():
    with pytest.raises(InvalidInputError):
        validate_gram([[1.0]])


def test_symmetry_tolerance_is_relative_1e_12():
    validate_gram([[1e6, 1.0], [1.0 + 1e-7, 1e6]])  # 1e-7 <= 1e-12 * 1e6 * ... = 1e-6
    with pytest.raises(GramError):
        validate_gram([[1e6, 1.0], [1.0 + 1e-5, 1e6]])


def test_psd_tolerance_accepts_rounding_and_rejects_beyond():
    validate_gram([[1.0, 1.0], [1.0, 1.0 - 1e-12]])  # lambda_min ~ -5e-13 >= -1e-10 * 2
    with pytest.raises(GramError, match="smallest eigenvalue"):
        validate_gram([[1.0, 1.0], [1.0, 1.0 - 1e-6]])


def test_zero_matrix_is_valid_here():
    validate_gram([[0, 0], [0, 0]])


def test_read_gram_file_keeps_decimal_text(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps([[1, 0.1], [0.1, 1]]))
    data = read_gram_file(path)
    assert data[0][1] == "0.1"
    path.write_text(json.dumps({"gram": [[2, 0], [0, 2]]}))
    assert read_gram_file(path)[0][0] == "2"


@pytest.mark.parametrize(
    "text, fragment",
    [("[[1, 0], [0, 1]", "malformed JSON"), ('"hello"', "nested list"),
     ("[[1, null], [null, 1]]", "not a number"), ("[[1, 0.5], [0.6, 1]]", "not symmetric")],
)
def test_read_gram_file_errors(tmp_path, text, fragment):
    path = tmp_path / "g.json"
    path.write_text(text)
    with pytest.raises(GramError, match=fragment):
        read_gram_file(path)


def test_unreadable_file(tmp_path):
    with pytest.raises(GramError, match="cannot read"):
        read_gram_file(tmp_path / "missing.json")
