"""Mann-Kendall with non-detects, Theil-Sen, seasonal Kendall and the GSI trend classes.

Expected values are worked by hand (the pair signs written out) or come from
scipy.stats (kendalltau, theilslopes) where there are no non-detects.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from site_gis.groundwater import (
    gsi_trend_class,
    mann_kendall,
    seasonal_kendall,
    sen_slope,
    series_trend,
)


def test_mann_kendall_by_hand_with_ties_and_non_detects() -> None:
    # <1, 2, <1, 3, 3, 5 at t = 1..6 (one reporting limit, 1)
    values = np.array([np.nan, 2, np.nan, 3, 3, 5])
    detected = np.array([False, True, False, True, True, True])
    limits = np.array([1.0, 1, 1, 1, 1, 1])
    test = mann_kendall(np.arange(1.0, 7.0), values, detected, limits)
    # pairs from each i: <1: +1 0 +1 +1 +1 = 4; 2: -1 +1 +1 +1 = 2; <1: +1 +1 +1 = 3;
    # 3: 0 +1 = 1; 3: +1 = 1
    assert test.s == 11
    # tie groups: the two non-detects, the two 3s
    var = (6 * 5 * 17 - 2 * (2 * 1 * 9)) / 18
    assert test.var_s == pytest.approx(var) == pytest.approx(26.3333333)
    z = (11 - 1) / math.sqrt(var)
    assert test.z == pytest.approx(z) == pytest.approx(1.948717, rel=1e-5)
    assert test.p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))))
    assert test.p == pytest.approx(0.05133, abs=1e-4)
    assert "non-detects tied" in test.tie_note


def test_a_detect_below_a_non_detects_limit_is_tied_with_it() -> None:
    # <5 then 3: the 3 may be above or below the non-detect: tied, S = 0
    test = mann_kendall(
        np.array([1.0, 2.0]), np.array([np.nan, 3.0]), np.array([False, True]), np.array([5.0, 5])
    )
    assert test.s == 0 and test.z == 0 and test.p == 1.0


def test_several_limits_are_flagged_as_approximate() -> None:
    # <2, 3, <5: <2 < 3; 3 ~ <5; <2 ~ <5 -> transitive? 3 is tied with <5 and <2 with <5,
    # but <2 < 3: the tie relation is not transitive
    test = mann_kendall(
        np.arange(3.0),
        np.array([np.nan, 3.0, np.nan]),
        np.array([False, True, False]),
        np.array([2.0, 1, 5]),
    )
    assert test.s == 1
    assert "approximate" in test.tie_note


@pytest.mark.parametrize(
    "y",
    [
        [1.2, 3.4, 2.2, 5.0, 4.1, 6.3, 6.0, 8.8, 7.5, 9.9],
        [5.0, 4.0, 4.0, 3.0, 6.0, 2.0, 2.0, 2.0, 1.0, 0.5, 1.0, 0.2],  # ties
    ],
)
def test_mann_kendall_matches_scipy_kendalltau_without_non_detects(y: list[float]) -> None:
    values = np.array(y)
    t = np.arange(len(values), dtype=float)
    test = mann_kendall(t, values, np.ones(len(values), bool), np.zeros(len(values)))
    tau, p = stats.kendalltau(t, values, method="asymptotic")
    n0 = len(values) * (len(values) - 1) / 2
    _, counts = np.unique(values, return_counts=True)
    n2 = sum(c * (c - 1) / 2 for c in counts)
    assert test.s == pytest.approx(tau * math.sqrt(n0 * (n0 - n2)))
    # scipy's z has no continuity correction: z = S / sqrt(Var S)
    z_scipy = stats.norm.isf(p / 2)
    assert test.var_s == pytest.approx((test.s / z_scipy) ** 2, rel=1e-9)


def test_theil_sen_matches_scipy_theilslopes() -> None:
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(2023, 2027, 16))
    y = 3.0 * (t - 2023) + rng.normal(0, 1.5, 16)
    test = mann_kendall(t, y, np.ones(16, bool), np.zeros(16))
    ours = sen_slope(t, y, var_s=test.var_s, confidence=0.95)
    theirs = stats.theilslopes(y, t, alpha=0.95)
    assert ours.slope == pytest.approx(theirs.slope)
    assert ours.lower == pytest.approx(theirs.low_slope)
    assert ours.upper == pytest.approx(theirs.high_slope)


def test_seasonal_kendall_sums_the_seasons() -> None:
    # monsoon (Aug): 1, 3, 2 -> S = +1 +1 -1 = 1, Var = 3*2*11/18
    # dry (Feb): 5, 4, 6, 7 -> S = -1 +1 +1 +1 +1 +1 = 4, Var = 4*3*13/18
    times = np.array([2023.1, 2023.6, 2024.1, 2024.6, 2025.1, 2025.6, 2026.1])
    months = np.array([2, 8, 2, 8, 2, 8, 2])
    values = np.array([5.0, 1, 4, 3, 6, 2, 7])
    test, slope, counts = seasonal_kendall(times, months, values, np.ones(7, bool), np.zeros(7))
    assert counts == {"monsoon": 3, "dry": 4}
    assert test.s == 5
    assert test.var_s == pytest.approx(66 / 18 + 156 / 18)
    assert test.z == pytest.approx(4 / math.sqrt(222 / 18))
    # within-season slopes: monsoon 2/1, 1/2, -1/1; dry -1/1, 1/2, 2/3, 2/1, 3/2, 1/1
    assert slope == pytest.approx(np.median([2, 0.5, -1, -1, 0.5, 2 / 3, 2, 1.5, 1]))


@pytest.mark.parametrize(
    ("s", "cf", "cov", "expected"),
    [
        (10, 0.96, 0.5, "increasing"),
        (10, 0.92, 0.5, "probably increasing"),
        (10, 0.80, 0.5, "no trend"),
        (-10, 0.80, 0.5, "stable"),
        (-10, 0.80, 1.5, "no trend"),
        (0, 0.50, 0.2, "stable"),
        (-10, 0.92, 0.5, "probably decreasing"),
        (-10, 0.99, 3.0, "decreasing"),
    ],
)
def test_gsi_trend_classes(s: float, cf: float, cov: float, expected: str) -> None:
    assert gsi_trend_class(s, cf, cov) == expected


def test_fewer_rounds_than_the_minimum_give_no_trend_figures() -> None:
    out = series_trend(
        np.array(["2024-02-01", "2024-05-01", "2024-08-01"]),
        np.array([1.0, 2, 3]),
        np.ones(3, bool),
        np.zeros(3),
    )
    assert out["trend"] == "insufficient data" and "s" not in out and out["min_rounds"] == 4


def test_series_trend_of_a_rising_series_is_increasing_with_a_slope_per_year() -> None:
    dates = np.array([f"{y}-{m:02d}-15" for y in (2023, 2024, 2025, 2026) for m in (2, 5, 8, 11)])
    values = np.arange(16, dtype=float) * 2.5 + 10  # 2.5 per quarter = 10 per year
    out = series_trend(dates, values, np.ones(16, bool), np.zeros(16), seasonal=True)
    assert out["trend"] == "increasing" and out["s"] == 120
    assert out["sen_slope_per_year"] == pytest.approx(10, rel=0.02)
    assert out["sen_lower"] <= out["sen_slope_per_year"] <= out["sen_upper"]
    assert out["seasonal"]["rounds_by_season"] == {"monsoon": 4, "dry": 12}


def test_the_fast_tie_count_agrees_with_the_general_one() -> None:
    from site_gis.groundwater.trends import _tie_groups, _tie_sizes, pair_signs

    values = np.array([np.nan, 2, np.nan, 3, 3, 5, 5, 5, np.nan])
    detected = ~np.isnan(values)
    limits = np.full(9, 1.0)
    signs = pair_signs(values, detected, limits)
    fast, _ = _tie_sizes(values, detected, limits, signs)
    general, transitive = _tie_groups(signs)
    assert sorted(fast) == sorted(general) == [2, 3, 3] and transitive
