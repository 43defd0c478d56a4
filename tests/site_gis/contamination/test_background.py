"""Background threshold values: factors from published tables, limits by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from site_gis.contamination.background import (
    compute_background,
    nonparametric_utl_rank,
    prediction_factor,
    recommended_btvs,
    simultaneous_factor,
    threshold_values,
    tolerance_factor,
)


# One-sided normal tolerance factors, 95 % coverage, 95 % confidence: NIST/SEMATECH
# e-Handbook of Statistical Methods, section 7.2.6.3 (Natrella 1963, Table A-7).
@pytest.mark.parametrize(("n", "k"), [(8, 3.188), (10, 2.911), (20, 2.396), (30, 2.220)])
def test_tolerance_factor_matches_the_published_table(n: int, k: float) -> None:
    assert tolerance_factor(n) == pytest.approx(k, abs=1.5e-3)


def test_prediction_factor_by_hand() -> None:
    # t(0.95, 9) = 1.8331 (Student t table) times sqrt(1 + 1/10)
    assert prediction_factor(10) == pytest.approx(1.8331 * np.sqrt(1.1), abs=1e-4)


# Two-sided 5 % critical values of Grubbs' maximum normed residual (ASTM E178, Table 1):
# the USL critical value d of the largest of n Mahalanobis distances coincides with them.
@pytest.mark.parametrize(("n", "g"), [(10, 2.290), (20, 2.709)])
def test_simultaneous_factor_matches_grubbs_two_sided(n: int, g: float) -> None:
    assert simultaneous_factor(n) == pytest.approx(g, abs=2e-3)


def test_nonparametric_utl_ranks_of_the_59_and_93_rules() -> None:
    # the largest of 59 values is a 95-95 UTL (1 - 0.95**59 = 0.9515); the second
    # largest needs 93 values (textbook rule, e.g. ProUCL guide's sample-size table)
    assert nonparametric_utl_rank(59) == (59, pytest.approx(1 - 0.95**59))
    assert nonparametric_utl_rank(58)[1] < 0.95
    assert nonparametric_utl_rank(93)[0] == 92


def test_normal_limits_of_one_to_ten_by_hand() -> None:
    x = np.arange(1.0, 11.0)  # mean 5.5, s = 3.02765
    table = threshold_values(x, np.ones(10, bool)).set_index(["variant", "statistic"])
    s = 3.0276504
    assert table.loc[("normal", "UTL95-95"), "value"] == pytest.approx(5.5 + 2.911 * s, abs=5e-3)
    assert table.loc[("normal", "P95"), "value"] == pytest.approx(5.5 + 1.644854 * s, abs=1e-4)
    assert table.loc[("nonparametric", "USL95"), "value"] == 10
    # the normal fit is not rejected, so the recommended BTV is the normal UTL95-95
    recommended = table[table["recommended"]]
    assert list(recommended.index) == [("normal", "UTL95-95")]
    assert (
        "Shapiro" in recommended["reason"].iloc[0] and "UTL95-95" in recommended["reason"].iloc[0]
    )
    # lognormal limits are exp of the normal formulas on ln x
    logs = np.log(x)
    expected = np.exp(logs.mean() + 2.911 * logs.std(ddof=1))
    assert table.loc[("lognormal", "UTL95-95"), "value"] == pytest.approx(expected, rel=2e-3)


def test_non_detects_use_kaplan_meier_variants_marked_unverified() -> None:
    x = np.array([0.5, 0.5, 1.2, 1.5, 2.0, 2.2, 2.9, 3.1, 4.0, 5.5])
    d = np.array([False, False, *[True] * 8])
    table = threshold_values(x, d)
    assert {"KM normal", "KM gamma WH", "KM lognormal", "nonparametric"} == set(table["variant"])
    assert not table.loc[table["variant"].str.startswith("KM"), "verified"].any()
    assert table["recommended"].sum() == 1


def test_too_few_background_results_say_why() -> None:
    frame = pd.DataFrame(
        {
            "analyte": "Lead",
            "medium": "soil",
            "unit": "mg/kg",
            "value": [10.0, 12.0, np.nan],
            "detected": [True, True, False],
            "detection_limit": [0.5, 0.5, 0.5],
        }
    )
    table = compute_background(frame)
    assert len(table) == 1 and "needs n ≥ 4" in table["note"].iloc[0]
    assert recommended_btvs(table).empty


def test_outliers_are_flagged_not_removed() -> None:
    values = [10.0, 11, 12, 11, 10, 12, 11, 13, 10, 95]
    frame = pd.DataFrame(
        {
            "analyte": "Lead",
            "medium": "soil",
            "unit": "mg/kg",
            "value": values,
            "detected": True,
            "detection_limit": 0.5,
        }
    )
    table = compute_background(frame)
    assert set(table["outliers"]) == {"95"}
    assert (table["n"] == 10).all()
    assert table.loc[table["variant"] == "nonparametric", "value"].max() == 95


# ShePyrene (Helsel 2012; NADA, EnvStats): 56 values, 11 non-detects; published Kaplan-Meier
# mean 164.2036 and SD 389.3761 (unrestricted mean, ProUCL conventions).
SHE_PYRENE = np.array(
    [
        *(28, 31, 32, 34, 35, 35, 40, 47, 48, 58, 59, 63, 64, 64, 67, 67, 67, 72, 73, 84, 86),
        *(86, 87, 94, 98, 100, 103, 103, 105, 107, 110, 111, 117, 119, 119, 122, 122, 132),
        *(133, 133, 138, 163, 163, 163, 163, 174, 187, 190, 222, 238, 273, 289, 306, 333),
        *(459, 2982),
    ],
    dtype=float,
)
SHE_PYRENE_ND = np.array(
    [
        *(1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
        *(0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ],
    dtype=bool,
)


def test_km_normal_utl_from_the_published_kaplan_meier_figures() -> None:
    assert len(SHE_PYRENE) == len(SHE_PYRENE_ND) == 56 and SHE_PYRENE_ND.sum() == 11
    table = threshold_values(SHE_PYRENE, ~SHE_PYRENE_ND).set_index(["variant", "statistic"])
    expected = 164.2036 + tolerance_factor(56) * 389.3761
    assert table.loc[("KM normal", "UTL95-95"), "value"] == pytest.approx(expected, rel=1e-4)
