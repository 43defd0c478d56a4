"""Censored-data statistics checked by hand and against statsmodels' Kaplan–Meier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from site_gis.contamination.statistics import (
    analyse_group,
    compute_statistics,
    kaplan_meier,
    statistics_tables,
    summarise,
)

T_95_4 = 2.131847  # Student t, 95th percentile, 4 degrees of freedom (printed tables)


def test_km_on_a_small_censored_set_by_hand() -> None:
    # 1, <2, 3, 4, <5: at 4, 4 at risk (the <5 left the risk set), 1 event -> F(4-) = 3/4;
    # at 3, 3 at risk (3, <2, 1) -> F(3-) = 1/2; <2 censored; at 1, 1 at risk -> F(1-) = 0.
    # Masses: 4: 1/4, 3: 1/4, 1: 1/2.
    km = kaplan_meier(np.array([1, 2, 3, 4, 5.0]), np.array([1, 0, 1, 1, 0], bool))
    assert km.mean == pytest.approx(4 * 0.25 + 3 * 0.25 + 1 * 0.5)  # 2.25
    variance = 0.25 * (4 - 2.25) ** 2 + 0.25 * (3 - 2.25) ** 2 + 0.5 * (1 - 2.25) ** 2
    assert km.sd == pytest.approx(math.sqrt(variance))  # 1.2990
    assert list(km.support) == [1, 3, 4]
    assert list(km.probability) == pytest.approx([0.5, 0.25, 0.25])


def test_km_without_non_detects_is_the_plain_mean() -> None:
    km = kaplan_meier(np.array([1, 2, 3, 4, 5.0]), np.ones(5, bool))
    assert km.mean == pytest.approx(3.0)
    assert km.sd == pytest.approx(math.sqrt(2.0))  # population SD
    # KM variance of the mean is σ²/n here; × k/(k−1) it is the classical s²/n (s² = 2.5)
    assert km.se == pytest.approx(math.sqrt(2.5 / 5))


def test_km_lowest_non_detect_unrestricted_and_restricted() -> None:
    # <1, 2, 3: unrestricted, the <1 leaves mass 1/3 below 2, placed on 2: (2·2 + 3) / 3;
    # restricted (Efron), the <1 counts as a detect at 1: (1 + 2 + 3) / 3
    x, d = np.array([1, 2, 3.0]), np.array([0, 1, 1], bool)
    assert kaplan_meier(x, d).mean == pytest.approx(7 / 3)
    assert kaplan_meier(x, d).convention == "unrestricted"
    assert kaplan_meier(x, d, convention="restricted").mean == pytest.approx(2.0)


def test_km_agrees_with_statsmodels_on_flipped_data() -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.lognormal(1.0, 0.8, 60), 2)
    limits = rng.choice([1.0, 2.0, 3.0], 60)
    detected = x >= limits
    values = np.append(np.where(detected, x, limits), 0.05)  # a unique smallest value ...
    detected = np.append(detected, True)  # ... that is a detect, so no correction is involved
    ours = kaplan_meier(values, detected)
    flip = 100.0
    survival = SurvfuncRight(flip - values, detected.astype(int))
    times = np.asarray(survival.surv_times)
    probability = np.asarray(survival.surv_prob)
    mass = np.concatenate([[1.0], probability[:-1]]) - probability
    assert mass.sum() == pytest.approx(1.0)
    mean = float(np.sum(mass * (flip - times)))
    sd = math.sqrt(float(np.sum(mass * (flip - times - mean) ** 2)))
    assert ours.mean == pytest.approx(mean, rel=1e-12)
    assert ours.sd == pytest.approx(sd, rel=1e-12)


def _family(x: np.ndarray, detected: np.ndarray) -> dict[str, float | None]:
    return {u.method: u.ucl for u in analyse_group(x, detected).families}


def test_student_t_ucl_by_hand() -> None:
    x = np.array([1, 2, 3, 4, 5.0])
    row = summarise(x, np.ones(5, bool))
    sd = math.sqrt(2.5)  # sample SD of 1..5
    assert row["distribution"] == "normal"  # 1..5 passes Shapiro–Wilk and Lilliefors
    assert row["method"] == "95% Student's-t UCL" and row["recommendation_rule"] == "U-N"
    assert row["sd"] == pytest.approx(sd)
    assert row["ucl95"] == pytest.approx(3 + T_95_4 * sd / math.sqrt(5), rel=1e-6)
    assert row["epc"] == pytest.approx(row["ucl95"])  # 4.507 < max 5
    assert "only 5 results" in row["warnings"]  # ProUCL's small-sample warning


def test_chebyshev_ucl_for_skewed_data_by_hand() -> None:
    x = np.array([0.1, 0.2, 0.3, 0.2, 0.1, 5.0, 8.0, 0.4])
    family = _family(x, np.ones(len(x), bool))
    mean, sd = x.mean(), x.std(ddof=1)  # CV = 1.69
    assert family["chebyshev_mean_sd_95"] == pytest.approx(
        mean + math.sqrt(19) * sd / math.sqrt(len(x))
    )
    assert family["chebyshev_mean_sd_99"] == pytest.approx(
        mean + math.sqrt(99) * sd / math.sqrt(len(x))
    )


def test_km_t_ucl_and_epc() -> None:
    x = np.array([1, 2, 3, 4, 5, 6, 7.0])
    detected = np.array([1, 0, 1, 1, 0, 1, 1], bool)
    row = summarise(x, detected)
    km = kaplan_meier(x, detected)
    family = _family(x, detected)
    assert row["percent_non_detect"] == pytest.approx(28.6)
    assert row["km_mean"] == pytest.approx(km.mean)
    assert "unrestricted" in row["km_convention"]
    t_95_6 = 1.943180  # printed tables
    assert family["km_t"] == pytest.approx(km.mean + t_95_6 * km.se, rel=1e-6)
    assert family["km_chebyshev_95"] == pytest.approx(km.mean + math.sqrt(19) * km.se)
    assert row["epc"] == min(row["ucl95"], 7.0)
    assert "only 5 detects" in row["warnings"]


def test_small_groups_get_no_ucl_and_say_why() -> None:
    row = summarise(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, bool))
    assert row["ucl95"] is None and row["method"] == "none"
    assert "needs n ≥ 5" in row["note"] and "n = 4" in row["note"]


def test_all_non_detects() -> None:
    row = summarise(np.array([0.5, 1.0, 0.5]), np.zeros(3, bool))
    assert row["mean"] is None and row["detects"] == 0
    assert "highest detection limit 1" in row["note"]


def test_statistics_group_by_zone_analyte_medium() -> None:
    results = pd.DataFrame(
        {
            "zone_id": ["a", "a", "a", None, None],
            "analyte": ["Lead"] * 5,
            "medium": ["soil"] * 5,
            "unit": ["mg/kg"] * 5,
            "value": [10.0, np.nan, 30.0, 5.0, 7.0],
            "detected": [True, False, True, True, True],
            "detection_limit": [1.0, 2.0, 1.0, 1.0, 1.0],
        }
    )
    table = compute_statistics(results).set_index("zone_id")
    assert table.loc["a", "n"] == 3 and table.loc["a", "detects"] == 2
    assert table.loc["(outside zones)", "mean"] == pytest.approx(6.0)


def test_costly_requests_are_refused_before_any_work() -> None:
    from site_gis.errors import AnalysisTooCostlyError, InvalidRequestError

    rows = 2_501  # × 20,000 resamples > 50 million resampled values
    results = pd.DataFrame(
        {
            "zone_id": ["a"] * rows,
            "analyte": ["Lead"] * rows,
            "medium": ["soil"] * rows,
            "unit": ["mg/kg"] * rows,
            "value": np.ones(rows),
            "detected": np.ones(rows, bool),
            "detection_limit": np.ones(rows),
        }
    )
    with pytest.raises(AnalysisTooCostlyError, match="above the limit"):
        compute_statistics(results, resamples=20_000)
    with pytest.raises(InvalidRequestError, match="resamples"):
        compute_statistics(results.head(5), resamples=50)
    with pytest.raises(InvalidRequestError, match="convention"):
        compute_statistics(results.head(5), convention="efron")  # type: ignore[arg-type]


def test_one_huge_group_is_refused_for_its_memory() -> None:
    from site_gis.errors import AnalysisTooCostlyError

    rows = 10_001  # one group × 2,000 resamples > 20 million per group
    results = pd.DataFrame(
        {
            "zone_id": ["a"] * rows,
            "analyte": ["Lead"] * rows,
            "medium": ["soil"] * rows,
            "unit": ["mg/kg"] * rows,
            "value": np.ones(rows),
            "detected": np.ones(rows, bool),
            "detection_limit": np.ones(rows),
        }
    )
    with pytest.raises(AnalysisTooCostlyError, match="per group"):
        compute_statistics(results)


def test_summary_is_the_same_without_the_unneeded_bootstraps() -> None:
    rng = np.random.default_rng(30)  # SYNTHETIC: three groups, one censored
    values = np.concatenate([rng.gamma(2, 5, 30), rng.lognormal(1, 1.2, 25), rng.normal(50, 5, 20)])
    detected = np.concatenate([np.ones(30, bool), rng.random(25) > 0.3, np.ones(20, bool)])
    results = pd.DataFrame(
        {
            "zone_id": ["a"] * 30 + ["b"] * 25 + ["c"] * 20,
            "analyte": ["Lead"] * 75,
            "medium": ["soil"] * 75,
            "unit": ["mg/kg"] * 75,
            "value": np.where(detected, values, np.nan),
            "detected": detected,
            "detection_limit": np.where(detected, np.nan, values),
        }
    )
    summary, families = statistics_tables(results)
    quick = compute_statistics(results)
    pd.testing.assert_frame_equal(
        summary.drop(columns="bootstrap"), quick.drop(columns="bootstrap")
    )
    assert families.groupby("zone_id")["recommended"].sum().tolist() == [1, 1, 1]
