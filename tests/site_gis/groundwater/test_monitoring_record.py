"""The SYNTHETIC monitoring record in the shipped layers: rounds, monsoon, drift, heads."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from tests.conftest import LAYERS


@lru_cache(maxsize=1)
def _groundwater() -> pd.DataFrame:
    results = pd.read_csv(LAYERS / "results.csv", dtype={"sampled_on": str})
    wells = gpd.read_file(LAYERS / "sample_locations.geojson")
    boundary = gpd.read_file(LAYERS / "site_boundary.geojson").geometry.iloc[0]
    wells["x"] = wells.geometry.x
    gw = results[results["medium"] == "groundwater"].merge(wells[["location_id", "x"]])
    gw["east"] = gw["x"] > boundary.bounds[2] - 0.012  # within about 1.2 km of the east edge
    gw["v"] = gw["value"].where(gw["detected"], gw["detection_limit"] / 2)
    gw["month"] = gw["sampled_on"].str[5:7].astype(int)
    gw["year"] = gw["sampled_on"].str[:4].astype(int)
    return gw


def test_sixteen_quarterly_rounds_from_2023_to_2026() -> None:
    gw = _groundwater()
    rounds = sorted(gw["sampled_on"].str[:7].unique())
    assert len(rounds) == 16 and rounds[0] == "2023-02" and rounds[-1] == "2026-11"
    monsoon = [r for r in rounds if int(r[5:]) in (7, 8, 9)]
    assert len(monsoon) == 4  # one monsoon round a year


def test_post_monsoon_median_above_pre_monsoon_at_east_side_wells() -> None:
    gw = _groundwater()
    east = gw[gw["east"] & (gw["analyte"] == "Benzene")]
    pre = east[east["month"].between(4, 6)]
    post = east[east["month"].between(7, 9)]
    assert post["v"].median() > 1.3 * pre["v"].median()
    by_year = post.groupby("year")["v"].median() > pre.groupby("year")["v"].median()
    assert by_year.sum() >= 3  # in at least three of the four years


def test_the_plume_reaches_the_east_side_wells_more_over_the_years() -> None:
    gw = _groundwater()
    east = gw[gw["east"] & (gw["analyte"] == "Benzene") & gw["month"].between(4, 6)]
    per_year = east.groupby("year")["v"].median()
    assert per_year[2026] > 2 * per_year[2023]


def test_wells_are_added_and_dropped_and_every_visit_has_a_head() -> None:
    gw = _groundwater()
    span = gw.groupby("location_id")["sampled_on"].agg(["min", "max"])
    assert (span["min"] > "2023-06-01").sum() >= 4  # installed later
    assert (span["max"] < "2025-01-01").sum() == 4  # lost after November 2024
    heads = pd.read_csv(LAYERS / "groundwater_heads.csv", dtype={"measured_on": str})
    visits = gw[["location_id", "sampled_on"]].drop_duplicates()
    assert len(heads) == len(visits)
    assert set(zip(heads["location_id"], heads["measured_on"], strict=True)) == set(
        zip(visits["location_id"], visits["sampled_on"], strict=True)
    )
