"""Resettlement estimates checked to the rupee by hand; matrix validation; encroached parcels."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, shape

from site_gis.errors import ValidationError
from site_gis.resettlement import (
    ParcelQuery,
    analyse_parcels,
    cost_structures,
    load_matrix,
    query_parcels,
    summarise,
)
from site_gis.store import GeoPackageStore
from tests.conftest import LAYERS, geojson

MATRIX = """
currency = "PKR"
cut_off_date = "2025-06-30"
withheld_after_cut_off = ["structure_replacement"]
workers_per_business = 1.0
[structure_replacement.katcha]
rate = 7535.0
unit = "m2"
source = "test"
price_year = "2024"
verified = false
[structure_replacement.semi_pucca]
rate = 18837.0
unit = "m2"
source = "test"
price_year = "2024"
verified = true
[structure_replacement.pucca]
rate = 29600.0
unit = "m2"
source = "test"
price_year = "2024"
verified = true
[shifting_allowance]
rate = 20000.0
unit = "household"
source = "test"
price_year = "2024"
verified = false
[rental_support]
rate = 15000.0
months = 24
unit = "household-month"
source = "test"
price_year = "2021"
verified = true
[business_loss]
rate = 40000.0
months = 12
unit = "business-month"
source = "test"
price_year = "2019"
verified = false
[wage_earner]
rate = 37000.0
months = 3
unit = "worker-month"
source = "test"
price_year = "2024"
verified = false
[vulnerable_household]
rate = 50000.0
unit = "household"
source = "test"
price_year = "2024"
verified = false
[contingency]
rate = 10.0
unit = "percent"
source = "test"
price_year = "2024"
verified = false
[administration]
rate = 5.0
unit = "percent"
source = "test"
price_year = "2024"
verified = false
"""


@pytest.fixture
def matrix_file(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.toml"
    path.write_text(MATRIX)
    return path


def _scenario() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # type, floor area, households, businesses, vulnerable, first recorded
            ("S1", "katcha", 20.0, 1, 0, 0, "2025-02-01"),
            ("S2", "semi_pucca", 30.0, 1, 0, 0, "2025-02-01"),
            ("S3", "pucca", 50.0, 2, 0, 1, "2025-06-30"),  # on the cut-off date: eligible
            ("S4", "katcha", 15.0, 1, 0, 0, "2025-07-01"),  # after the cut-off date
            ("S5", "semi_pucca", 25.0, 0, 1, 0, "2025-01-10"),  # a shop
        ],
        columns=[
            "structure_id",
            "type",
            "floor_area_m2",
            "households",
            "businesses",
            "vulnerable_households",
            "surveyed_on",
        ],
    ).assign(encroachment_id="E-1")


def test_a_small_scenario_to_the_rupee(matrix_file: Path) -> None:
    costs = cost_structures(_scenario(), load_matrix(matrix_file), household_size=6.3)
    # S1: 20 × 7,535 + 20,000 + 24 × 15,000                     =   530,700
    # S2: 30 × 18,837 + 20,000 + 360,000                        =   945,110
    # S3: 50 × 29,600 + 2 × 20,000 + 2 × 360,000 + 50,000       = 2,290,000
    # S4: after the cut-off, no structure: 20,000 + 360,000     =   380,000
    # S5: 25 × 18,837 + 12 × 40,000 + 3 × 37,000                = 1,061,925
    # subtotal 5,207,735; contingency 10 % 520,773.5; administration 5 % 260,386.75
    assert list(costs["total"] / 1.15) == pytest.approx(
        [530_700, 945_110, 2_290_000, 380_000, 1_061_925]
    )
    total = summarise(costs).iloc[0]
    assert total["total"] == 5_988_895  # 5,988,895.25 to the rupee
    assert total["contingency"] == 520_774 and total["administration"] == 260_387
    assert total["households"] == 5 and total["people"] == pytest.approx(31.5)
    assert total["eligible_structures"] == 4
    assert total["structure_replacement"] == 150_700 + 565_110 + 1_480_000 + 470_925


def test_overrides_and_the_cut_off_rule(matrix_file: Path) -> None:
    base = summarise(cost_structures(_scenario(), load_matrix(matrix_file))).iloc[0]
    raised = load_matrix(matrix_file, overrides={"structure_replacement.katcha.rate": 10_000})
    changed = summarise(cost_structures(_scenario(), raised)).iloc[0]
    # S1 only (S4 is after the cut-off): (10,000 - 7,535) × 20 m² × 1.15
    assert changed["total"] - base["total"] == pytest.approx(2_465 * 20 * 1.15, abs=1)
    later = load_matrix(matrix_file, overrides={"cut_off_date": "2025-12-31"})
    moved = summarise(cost_structures(_scenario(), later)).iloc[0]
    assert moved["total"] - base["total"] == pytest.approx(15 * 7_535 * 1.15, abs=1)
    with pytest.raises(ValidationError, match="no such entry to override"):
        load_matrix(matrix_file, overrides={"rental_support.colour": 1})


def test_a_bad_matrix_names_every_entry(tmp_path: Path) -> None:
    text = (
        MATRIX.replace("[vulnerable_household]", "[vulnerable_household_typo]")
        .replace("rate = 15000.0", "rate = -15000.0")
        .replace("[structure_replacement.katcha]", "[structure_replacement.mud_hut]")
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValidationError) as caught:
        load_matrix(path)
    fields = {p.field for p in caught.value.problems}
    assert {
        "vulnerable_household",
        "structure_replacement.mud_hut",
        "structure_replacement.katcha",
    } <= fields
    assert any("missing category" in p.reason for p in caught.value.problems)
    assert any("unknown structure type" in p.reason for p in caught.value.problems)
    path.write_text(MATRIX.replace("rate = 15000.0", "rate = -15000.0"))
    with pytest.raises(ValidationError, match=r"rental_support\.rate.*greater than or equal to 0"):
        load_matrix(path)


def test_the_shipped_matrix_loads() -> None:
    matrix = load_matrix()
    assert matrix.currency == "PKR" and set(matrix.structure_replacement) == {
        "katcha",
        "semi_pucca",
        "pucca",
    }
    assert matrix.rental_support.rate == 15_000 and matrix.rental_support.months == 24


@pytest.fixture(scope="module")
def analysed(demo_gpkg: GeoPackageStore) -> gpd.GeoDataFrame:
    store = demo_gpkg
    return analyse_parcels(
        store.read("parcels"),
        store.read("encroachments"),
        store.read("structures"),
        store.read("eia_zones"),
        crs=store.site().crs,
    )


def test_encroached_area_matches_an_independent_shapely_computation(
    analysed: gpd.GeoDataFrame,
) -> None:
    to_utm = Transformer.from_crs(4326, 32642, always_xy=True)

    def utm(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, to_utm.transform, interleaved=False)

    encroached = shapely.union_all(
        [utm(shape(f["geometry"])) for f in geojson("encroachments")["features"]]
    )
    parcels = {
        f["properties"]["parcel_id"]: utm(shape(f["geometry"]))
        for f in geojson("parcels")["features"]
    }
    expected = {pid: geom.intersection(encroached).area for pid, geom in parcels.items()}
    expected = {pid: a for pid, a in expected.items() if a > 0}
    got = dict(zip(analysed["parcel_id"], analysed["encroached_m2"], strict=True))
    assert set(got) == set(expected)
    for pid, area in expected.items():
        assert got[pid] == pytest.approx(area, rel=1e-6)
    structures = sum(f["properties"]["households"] for f in geojson("structures")["features"])
    assert analysed["households"].sum() <= structures


def test_polygon_query_against_a_hand_drawn_polygon(analysed: gpd.GeoDataFrame) -> None:
    drawn = box(67.295, 24.815, 67.305, 24.83)
    expected = sorted(
        pid
        for pid, geom in zip(analysed["parcel_id"], analysed.geometry, strict=True)
        if geom.intersects(drawn)
    )
    page, matched = query_parcels(
        analysed, ParcelQuery(sort_by="parcel_id", descending=False, limit=1000), polygon=drawn
    )
    assert 0 < matched == len(expected)
    assert list(page["parcel_id"]) == expected


def test_filters_and_sorting(analysed: gpd.GeoDataFrame) -> None:
    page, matched = query_parcels(analysed, ParcelQuery(kind="scrapyard", min_households=5))
    assert matched > 0
    assert all("scrapyard" in k for k in page["kinds"])
    assert (page["households"] >= 5).all()
    assert list(page["encroached_m2"]) == sorted(page["encroached_m2"], reverse=True)


def test_no_household_detail_in_summaries(matrix_file: Path) -> None:
    table = summarise(
        cost_structures(_scenario(), load_matrix(matrix_file)),
        _scenario()["encroachment_id"],
        name="encroachment_id",
    )
    assert "structure_id" not in table.columns and len(table) == 1
    json.dumps(table.to_dict("records"))  # serialisable aggregates only
    assert LAYERS.exists()


def test_withholding_contingency_and_administration_after_the_cut_off(matrix_file: Path) -> None:
    matrix = load_matrix(
        matrix_file,
        overrides={
            "withheld_after_cut_off": [
                "structure_replacement",
                "shifting_allowance",
                "rental_support",
                "contingency",
                "administration",
            ]
        },
    )
    costs = cost_structures(_scenario(), matrix).set_index(_scenario()["structure_id"])
    assert costs.loc["S4", "total"] == 0  # recorded after the cut-off: nothing at all
    assert costs.loc["S1", "contingency"] == pytest.approx(530_700 * 0.10)
