"""Encroached parcels: areas against an independent shapely computation, queries, filters."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, shape

from site_gis.resettlement import (
    ParcelQuery,
    analyse_parcels,
    query_parcels,
)
from site_gis.store import GeoPackageStore
from tests.conftest import geojson


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
