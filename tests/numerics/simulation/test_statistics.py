"""Tests of numerics.simulation.statistics against cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from numerics.simulation.statistics import (
    cluster_odd_test,
    groups,
    mean_interval,
    merges,
    orthogonality_tolerance,
    tie_representatives,
    wilson_interval,
)


def test_wilson_newcombe_example():
    # Independent route: Newcombe (1998), Stat. Med. 17:857, Table I, example
    # 81/263 has the Wilson score interval 0.2553 to 0.3662 (4 decimals).
    lo, hi = wilson_interval(81, 263)
    assert lo == pytest.approx(0.2553, abs=6e-5)
    assert hi == pytest.approx(0.3662, abs=6e-5)


def test_wilson_zero_successes_closed_form():
    # Closed form: for k = 0 the upper Wilson bound is z^2 / (m + z^2).
    z = stats.norm.ppf(0.975)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(z * z / (10 + z * z), rel=1e-12)
    assert wilson_interval(10, 10)[1] == 1.0


def test_mean_interval_matches_scipy_t_interval():
    # Second algorithm: scipy.stats.t.interval with the standard error.
    x = np.array([1.0, 2.5, 0.5, 3.0, 2.0, np.nan, np.inf])
    m = mean_interval(x)
    f = x[np.isfinite(x)]
    lo, hi = stats.t.interval(0.95, len(f) - 1, loc=f.mean(), scale=stats.sem(f))
    assert m.count == 5 and m.mean == pytest.approx(f.mean())
    assert m.ci == pytest.approx((lo, hi))
    assert mean_interval([1.0]).ci is None
    assert mean_interval([]).mean is None


def _batch_with_groups(labels: list[int], d: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.standard_normal((max(labels) + 1, d))
    return base[labels][None]


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.integers(0, 4), min_size=2, max_size=9),
       d=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_tie_representatives_recovers_planted_partition(labels, d, seed):
    # Independent route: the planted labels define the partition; the
    # representative of each point is the first index with the same label.
    rng = np.random.default_rng(seed)
    Y = _batch_with_groups(labels, d, rng)
    rep = tie_representatives(Y)[0]
    expected = [labels.index(lab) for lab in labels]
    assert rep.tolist() == expected


def test_tie_needs_all_coordinates():
    # Points equal on the first 8 coordinates (the screening key) but not beyond.
    Y = np.zeros((1, 3, 20))
    Y[0, 1, 15] = 1e-300
    Y[0, 2] = Y[0, 0]
    assert tie_representatives(Y)[0].tolist() == [0, 1, 0]


def test_groups_and_merges():
    before = np.array([[0, 1, 2, 3], [0, 0, 2, 3]])
    after = np.array([[0, 0, 2, 2], [0, 0, 2, 3]])
    assert groups(after[0]) == [[0, 1], [2, 3]]
    events = merges(before, after)
    assert events[0] == [[[0], [1]], [[2], [3]]]
    assert events[1] == []


def test_cluster_odd_known_configuration():
    # Closed form: cluster at 2 e_1 (three copies), odd at 3 e_2 + tiny e_1.
    d, n = 6, 4
    Y = np.zeros((2, n, d))
    Y[:, :3, 0] = 2.0
    Y[:, 3, 1] = 3.0
    Y[1, 3, 0] = 0.3  # trial 1: not orthogonal
    co = cluster_odd_test(Y, tie_representatives(Y))
    assert co.shape.tolist() == [True, True]
    assert co.cluster_odd.tolist() == [True, False]
    assert co.odd_index.tolist() == [3, 3]
    assert co.norm_ratio[0] == pytest.approx(1.5)
    assert co.cos[1] == pytest.approx(0.6 / (2 * math.sqrt(9.09)))
    assert co.tol == 4 * (d + n) * np.finfo(float).eps == orthogonality_tolerance(d, n)


def test_cluster_odd_rejects_other_partitions():
    Y = np.zeros((1, 4, 3))
    Y[0, 2:, 0] = 1.0  # groups {0,1} (zero vectors) and {2,3}
    co = cluster_odd_test(Y, tie_representatives(Y))
    assert not co.shape[0] and not co.cluster_odd[0]
    Y2 = np.zeros((1, 2, 3))
    Y2[0, 1, 0] = 1.0
    assert not cluster_odd_test(Y2, tie_representatives(Y2)).shape[0]  # n = 2: undefined
