"""Dixon and Rosner: published critical values and examples."""

from __future__ import annotations

import numpy as np
import pytest

from site_gis.contamination.outliers import (
    DIXON_CRITICAL,
    candidate_outliers,
    dixon_test,
    rosner_test,
)

# Rosner (1983) example data as used in the NIST/SEMATECH e-Handbook, section 1.3.5.17.3
# (generalised ESD test): 54 values; published R(i) and lambda(i) for i = 1..10 and the
# conclusion "3 outliers".
ROSNER_DATA = np.array(
    [
        -0.25,
        0.68,
        0.94,
        1.15,
        1.20,
        1.26,
        1.26,
        1.34,
        1.38,
        1.43,
        1.49,
        1.49,
        1.55,
        1.56,
        1.58,
        1.65,
        1.69,
        1.70,
        1.76,
        1.77,
        1.81,
        1.91,
        1.94,
        1.96,
        1.99,
        2.06,
        2.09,
        2.10,
        2.14,
        2.15,
        2.23,
        2.24,
        2.26,
        2.35,
        2.37,
        2.40,
        2.47,
        2.54,
        2.62,
        2.64,
        2.90,
        2.92,
        2.92,
        2.93,
        3.21,
        3.26,
        3.30,
        3.59,
        3.68,
        4.30,
        4.64,
        5.34,
        5.42,
        6.01,
    ]
)
NIST_R = [3.118, 2.942, 3.179, 2.810, 2.815, 2.848, 2.279, 2.310, 2.101, 2.067]
NIST_LAMBDA = [3.158, 3.151, 3.143, 3.136, 3.128, 3.120, 3.111, 3.103, 3.094, 3.085]


def test_rosner_reproduces_the_nist_example() -> None:
    result = rosner_test(ROSNER_DATA, suspects=10)
    assert result.statistics == pytest.approx(NIST_R, abs=2e-3)
    assert result.critical == pytest.approx(NIST_LAMBDA, abs=2e-3)
    assert result.n_outliers == 3 and result.outliers == (6.01, 5.42, 5.34)


def test_dixon_by_hand() -> None:
    # r10 = (10 - 4) / (10 - 1) = 0.667 > 0.642 (n = 5, 5 %) but < 0.780 (1 %)
    x = np.array([1.0, 2, 3, 4, 10])
    assert dixon_test(x).statistic == pytest.approx(6 / 9)
    assert dixon_test(x).outlier and not dixon_test(x, alpha=0.01).outlier
    assert not dixon_test(x, side="low").outlier


@pytest.mark.parametrize("n", [3, 5, 7, 8, 10, 11, 13, 14, 18, 25])
def test_dixon_five_percent_critical_values_by_monte_carlo(n: int) -> None:
    """The 95th percentile of Dixon's ratio for normal samples matches the table."""
    rng = np.random.default_rng(n)
    v = np.sort(rng.normal(size=(20_000, n)), axis=1)
    gap, far = (1, 0) if n <= 7 else (1, 1) if n <= 10 else (2, 1) if n <= 13 else (2, 2)
    ratio = (v[:, -1] - v[:, -1 - gap]) / (v[:, -1] - v[:, far])
    assert np.quantile(ratio, 0.95) == pytest.approx(DIXON_CRITICAL[n][0], abs=0.02)


def test_candidates_are_only_flagged() -> None:
    x = np.array([5.0, 5.2, 4.9, 5.1, 5.0, 5.3, 4.8, 25.0])
    kept = x.copy()
    assert candidate_outliers(x) == [25.0]
    assert np.array_equal(x, kept)
    assert candidate_outliers(ROSNER_DATA) == [6.01, 5.42, 5.34]
