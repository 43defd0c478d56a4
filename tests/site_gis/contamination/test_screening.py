"""Screening rules, each case worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from site_gis.contamination import exceedance_table, screen_results
from site_gis.errors import InvalidRequestError

LEVELS = pd.DataFrame(
    [
        # standard, analyte, cas, medium, land use, value, lower, unit, verified
        ("s", "Lead", "7439-92-1", "soil", "any", 100.0, np.nan, "mg/kg", True),
        ("s", "Lead", "7439-92-1", "soil", "residential", 50.0, np.nan, "mg/kg", False),
        ("s", "Benzene", "71-43-2", "groundwater", "any", 30.0, np.nan, "ug/L", True),
        ("s", "pH", None, "surface_water", "any", 9.0, 6.0, "pH units", True),
    ],
    columns=[
        "standard",
        "analyte",
        "cas_number",
        "medium",
        "land_use",
        "value",
        "lower_value",
        "unit",
        "verified",
    ],
).assign(version="v1", source_url="https://example.org")


def _result(
    analyte: str,
    cas: str | None,
    medium: str,
    value: float | None,
    limit: float | None,
    sample: str = "S1",
) -> dict[str, object]:
    return {
        "result_id": f"{sample}:{analyte}",
        "sample_id": sample,
        "location_id": "L1",
        "medium": medium,
        "depth_top_m": 0.0,
        "depth_bottom_m": 0.5,
        "sampled_on": "2026-01-01",
        "analyte": analyte,
        "cas_number": cas,
        "value": np.nan if value is None else value,
        "unit": "x",
        "detected": value is not None,
        "detection_limit": limit,
    }


def _screen(rows: list[dict[str, object]], land_use: str = "industrial") -> pd.DataFrame:
    return screen_results(pd.DataFrame(rows), LEVELS, standard="s", land_use=land_use)


@pytest.mark.parametrize(
    ("value", "limit", "flag", "ratio"),
    [
        (100.0, 1.0, "at or below level", 1.0),  # exactly at the level passes
        (100.5, 1.0, "exceeds", 1.005),
        (20.0, 1.0, "at or below level", 0.2),
        (None, 150.0, "DL above level", 1.5),  # non-detect, limit above the level
        (None, 100.0, "not detected", 1.0),  # limit at the level: compliance shown
        (None, 5.0, "not detected", 0.05),
    ],
)
def test_rules_for_detects_and_non_detects(
    value: float | None, limit: float, flag: str, ratio: float
) -> None:
    row = _screen([_result("Lead", "7439-92-1", "soil", value, limit)]).iloc[0]
    assert row["flag"] == flag
    assert row["ratio"] == pytest.approx(ratio)
    assert row["level"] == 100.0 and row["level_status"] == "verified"


def test_land_use_specific_level_wins_and_unverified_shows() -> None:
    row = _screen([_result("Lead", "7439-92-1", "soil", 60.0, 1.0)], "residential").iloc[0]
    assert row["level"] == 50.0 and row["flag"] == "exceeds"
    assert row["ratio"] == pytest.approx(1.2)
    assert row["level_status"] == "to verify"


def test_ph_range_and_missing_levels() -> None:
    rows = [
        _result("pH", None, "surface_water", v, None, f"S{i}")
        for i, v in enumerate([5.5, 7.0, 9.5])
    ]
    rows.append(_result("Zinc", "7440-66-6", "soil", 10.0, 1.0))
    rows.append(_result("Lead", "7439-92-1", "sediment", 10.0, 1.0))  # no sediment level
    flags = list(_screen(rows)["flag"])
    assert flags == ["outside range", "at or below level", "outside range", "no level", "no level"]


def test_unknown_standard_or_land_use() -> None:
    rows = [_result("Lead", "7439-92-1", "soil", 1.0, 1.0)]
    with pytest.raises(InvalidRequestError, match="unknown standard 'x'; available: s"):
        screen_results(pd.DataFrame(rows), LEVELS, standard="x", land_use="industrial")
    with pytest.raises(InvalidRequestError, match="land use"):
        screen_results(pd.DataFrame(rows), LEVELS, standard="s", land_use="farm")


def test_exceedance_table_cells() -> None:
    rows = [
        _result("Lead", "7439-92-1", "soil", 250.0, 1.0, "S1"),
        _result("Benzene", "71-43-2", "groundwater", None, 60.0, "S2"),
        _result("Lead", "7439-92-1", "soil", 20.0, 1.0, "S3"),
    ]
    table = exceedance_table(_screen(rows), only_exceeding=False).set_index("sample_id")
    assert table.loc["S1", "Lead"] == "250 [exceeds 2.5×]"
    assert table.loc["S2", "Benzene"] == "<60 [DL above level]"
    assert table.loc["S3", "Lead"] == "20"
    only = exceedance_table(_screen(rows))
    assert list(only["sample_id"]) == ["S1"]


def test_background_btv_raises_the_level_where_it_is_higher() -> None:
    results = pd.DataFrame(
        {
            "result_id": ["a", "b"],
            "sample_id": ["S1", "S2"],
            "location_id": ["L1", "L2"],
            "medium": ["soil", "soil"],
            "analyte": ["Lead", "Lead"],
            "cas_number": ["7439-92-1", "7439-92-1"],
            "value": [120.0, 160.0],
            "unit": ["mg/kg", "mg/kg"],
            "detected": [True, True],
            "detection_limit": [0.5, 0.5],
        }
    )
    btv = pd.DataFrame(
        {
            "analyte": ["Lead"],
            "medium": ["soil"],
            "unit": ["mg/kg"],
            "btv": [150.0],
            "btv_statistic": ["UTL95-95 (normal)"],
        }
    )
    screened = screen_results(results, LEVELS, standard="s", land_use="industrial", background=btv)
    # the standard's level for lead in soil is 100 mg/kg: max(100, 150) = 150
    assert list(screened["level"]) == [150.0, 150.0]
    assert list(screened["standard_level"]) == [100.0, 100.0]
    assert list(screened["level_basis"]) == ["background BTV", "background BTV"]
    assert list(screened["flag"]) == ["at or below level", "exceeds"]
    plain = screen_results(results, LEVELS, standard="s", land_use="industrial")
    assert list(plain["flag"]) == ["exceeds", "exceeds"] and "level_basis" not in plain
