"""Site versus background: scipy for the uncensored tests, Gehan and Tarone-Ware by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from site_gis.contamination.comparisons import (
    compare_to_background,
    gehan,
    student_t,
    tarone_ware,
    wilcoxon_mann_whitney,
)

SITE = np.array([12.0, 15, 18, 11, 25, 30, 14, 16, 22, 19])
BACKGROUND = np.array([10.0, 11, 9, 13, 12, 10, 14, 11])


def test_wmw_matches_scipy() -> None:
    ours = wilcoxon_mann_whitney(SITE, BACKGROUND)
    ref = stats.mannwhitneyu(
        SITE, BACKGROUND, alternative="greater", method="asymptotic", use_continuity=False
    )
    assert ours["statistic"] == ref.statistic
    assert ours["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    lower = stats.mannwhitneyu(
        SITE, BACKGROUND, alternative="less", method="asymptotic", use_continuity=False
    )
    assert wilcoxon_mann_whitney(SITE, BACKGROUND, form=2)["p_value"] == pytest.approx(
        lower.pvalue, rel=1e-9
    )


def test_student_t_matches_scipy_pooled_and_welch() -> None:
    close = np.array([11.0, 12, 13, 12, 14, 11, 13, 12])
    pooled = student_t(close, BACKGROUND)  # similar variances: pooled
    ref = stats.ttest_ind(close, BACKGROUND, equal_var=True, alternative="greater")
    assert "pooled" in pooled["test"]
    assert pooled["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    spread = np.array([1.0, 40, 3, 60, 2, 80, 5, 90])  # far larger variance: Welch
    welch = student_t(spread, BACKGROUND)
    ref = stats.ttest_ind(spread, BACKGROUND, equal_var=False, alternative="greater")
    assert "Welch" in welch["test"]
    assert welch["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_gehan_by_hand() -> None:
    # site 5, <2, 8; background 1, <2, 3.  Scores h = #definitely below - #definitely
    # above: 5 -> 4-1 = 3; <2 -> 0-3 = -3; 8 -> 5; 1 -> -3; <2 -> -3; 3 -> 3-2 = 1.
    # W = 3 - 3 + 5 = 5; Var = 3*3*62 / (6*5) = 18.6; z = 5 / sqrt(18.6).
    result = gehan(
        np.array([5.0, 2, 8]),
        np.array([True, False, True]),
        np.array([1.0, 2, 3]),
        np.array([True, False, True]),
    )
    z = 5 / math.sqrt(18.6)
    assert result["statistic"] == 5
    assert result["z"] == pytest.approx(z)
    assert result["p_value"] == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)))


def test_tarone_ware_by_hand() -> None:
    # site 4, 6; background 1, <5.  From the top: t = 6: n = 4, n1 = 2, d = d1 = 1,
    # O - E = 0.5, w = 2, V = 0.25; t = 4: at risk 4 and 1 (the <5 is not), n1 = 1,
    # O - E = 0.5, w = sqrt 2, V = 0.25; t = 1: n = 1, nothing.  z = (1 + 0.7071) / sqrt 1.5
    result = tarone_ware(
        np.array([4.0, 6]), np.array([True, True]), np.array([1.0, 5]), np.array([True, False])
    )
    assert result["z"] == pytest.approx((1 + math.sqrt(2) / 2) / math.sqrt(1.5))


def _frame(zone: str | None, background: bool, values: list[float], nd: int = 0) -> pd.DataFrame:
    detected = [False] * nd + [True] * (len(values) - nd)
    return pd.DataFrame(
        {
            "zone_id": zone,
            "background": background,
            "analyte": "Lead",
            "medium": "soil",
            "unit": "mg/kg",
            "value": [np.nan if not d else v for v, d in zip(values, detected, strict=True)],
            "detected": detected,
            "detection_limit": 1.0,
        }
    )


def test_per_zone_tests_follow_the_non_detects() -> None:
    results = pd.concat(
        [
            _frame("blast_furnace_yard", False, list(SITE)),
            _frame("coal_coke_storage", False, [1, 2, 3, 4, 5, 6], nd=2),
            _frame(None, True, list(BACKGROUND)),
        ]
    )
    table = compare_to_background(results)
    by_zone = table.groupby("zone_id")["test"].apply(list).to_dict()
    assert [t.split(" (")[0] for t in by_zone["blast_furnace_yard"]] == [
        "Student t",
        "Wilcoxon-Mann-Whitney",
    ]
    assert [t.split(" (")[0] for t in by_zone["coal_coke_storage"]] == ["Gehan", "Tarone-Ware"]
    bfy = table[table["zone_id"] == "blast_furnace_yard"]
    assert bfy["hypothesis"].str.startswith("Form 1: H0 site ≤ background").all()
    assert (bfy["conclusion"] == "above background").all()
    form2 = compare_to_background(results, form=2, substantial_difference=20.0)
    assert form2["hypothesis"].dropna().str.contains("S = 20").all()


def test_gehan_without_non_detects_is_twice_mann_whitney_u_minus_mn() -> None:
    # every pair is determinate: W = #site above - #site below = 2U - mn (scipy's U)
    u = stats.mannwhitneyu(SITE, BACKGROUND).statistic
    result = gehan(SITE, np.ones(10, bool), BACKGROUND, np.ones(8, bool))
    assert result["statistic"] == 2 * u - 10 * 8


def test_gehan_scores_match_pairwise_counting() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 12, 40).astype(float)
    d = rng.random(40) > 0.3
    w = 0
    for i in range(25):  # the first 25 are the site, pairs counted one by one
        for j in range(25, 40):
            above = d[i] and (x[i] > x[j] if d[j] else x[i] >= x[j])
            below = d[j] and (x[j] > x[i] if d[i] else x[j] >= x[i])
            w += int(above) - int(below)
    assert gehan(x[:25], d[:25], x[25:], d[25:])["statistic"] == w
