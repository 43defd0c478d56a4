"""The GeoPackage store: round trip, filters, all-or-nothing writes, clear errors."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box, shape

from site_gis.errors import (
    LayerNotFoundError,
    LayerValidationError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
)
from site_gis.schemas import CATALOGUE
from site_gis.store import GeoPackageStore, Store, build_store, open_store
from tests.conftest import LAYERS, geojson, results_csv


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> GeoPackageStore:
    built = build_store(str(tmp_path / "psm.gpkg"), LAYERS, actor="tests")
    assert isinstance(built, GeoPackageStore)
    return built


def test_store_implements_the_interface(built_store: GeoPackageStore) -> None:
    assert isinstance(built_store, Store)


@pytest.mark.parametrize("name", [n for n in CATALOGUE if n != "results"])
def test_round_trip_of_every_spatial_layer(built_store: GeoPackageStore, name: str) -> None:
    source = geojson(name)["features"]
    stored = built_store.read(name)
    schema = CATALOGUE[name]
    assert len(stored) == len(source) == built_store.layer_info(name).feature_count
    by_id = {f["properties"][schema.id_field]: f for f in source}
    for row in stored.itertuples(index=False):
        original = by_id[getattr(row, schema.id_field)]
        assert shapely.equals_exact(row.geometry, shape(original["geometry"]), tolerance=1e-9)
        for field in schema.field_names:
            want, got = original["properties"].get(field), getattr(row, field)
            if want is None:
                assert pd.isna(got), field
            elif isinstance(want, float):
                assert got == pytest.approx(want), field
            else:
                assert got == want, field


def test_round_trip_of_the_results_table(built_store: GeoPackageStore) -> None:
    source = results_csv().sort_values("result_id").reset_index(drop=True)
    stored = built_store.read("results")
    assert list(stored["result_id"]) == list(source["result_id"])
    pd.testing.assert_series_equal(stored["value"], source["value"], check_names=False)
    assert (stored["detected"] == source["detected"]).all()
    assert stored["qualifier"].isna().sum() == source["qualifier"].isna().sum()


def test_layer_info_matches_the_files(built_store: GeoPackageStore) -> None:
    zones = geojson("eia_zones")["features"]
    bounds = shapely.total_bounds([shape(f["geometry"]) for f in zones])
    info = built_store.layer_info("eia_zones")
    assert info.geometry_type == "MultiPolygon" and info.feature_count == 4
    assert info.bounds == pytest.approx(tuple(bounds))
    assert built_store.layer_info("results").bounds is None
    assert built_store.layer_info("structures").personal


def test_bbox_read_equals_an_envelope_test(built_store: GeoPackageStore) -> None:
    bbox = (67.30, 24.80, 67.32, 24.82)
    expected = {
        f["properties"]["structure_id"]
        for f in geojson("structures")["features"]
        if shape(f["geometry"]).envelope.intersects(box(*bbox))
    }
    got = built_store.read("structures", bbox=bbox)
    assert 0 < len(got) < 4000
    assert set(got["structure_id"]) == expected
    assert built_store.count("structures", bbox=bbox) == len(expected)


def test_where_filters_and_paging(built_store: GeoPackageStore) -> None:
    scrap = built_store.read("encroachments", where={"kind": "scrapyard"})
    expected = sum(
        f["properties"]["kind"] == "scrapyard" for f in geojson("encroachments")["features"]
    )
    assert len(scrap) == expected and set(scrap["kind"]) == {"scrapyard"}
    both = built_store.count("encroachments", where={"kind": ["scrapyard", "transport_terminal"]})
    assert both == len(scrap) + sum(
        f["properties"]["kind"] == "transport_terminal"
        for f in geojson("encroachments")["features"]
    )
    pages = [built_store.read("parcels", limit=100, offset=o) for o in range(0, 400, 100)]
    ids = [pid for page in pages for pid in page["parcel_id"]]
    assert ids == sorted(f["properties"]["parcel_id"] for f in geojson("parcels")["features"])


def test_filter_values_cannot_inject_sql(built_store: GeoPackageStore) -> None:
    assert built_store.count("eia_zones", where={"zone_id": "x' OR '1'='1"}) == 0
    with pytest.raises(StoreError, match="no field"):
        built_store.read("eia_zones", where={"1=1 OR zone_id": "x"})


def test_unknown_layer_is_a_clear_error(built_store: GeoPackageStore) -> None:
    with pytest.raises(LayerNotFoundError, match="unknown layer 'wells'; available layers"):
        built_store.read("wells")


def test_append_is_recorded_in_the_audit_log(store: GeoPackageStore) -> None:
    new = gpd.GeoDataFrame(
        {
            "receptor_id": ["R-99"],
            "name": ["New well"],
            "kind": ["well"],
            "population": [None],
            "population_basis": ["n/a"],
            "location_basis": ["SYNTHETIC"],
            "synthetic": [True],
        },
        geometry=[Point(67.42, 24.80)],
        crs=4326,
    )
    entry = store.write({"receptors": new}, mode="append", actor="officer-1", action="add receptor")
    assert store.count("receptors") == 16
    assert store.read("receptors", where={"receptor_id": "R-99"})["name"].iloc[0] == "New well"
    log = store.audit_log()
    assert list(log["action"]) == ["create", "add receptor"]
    assert log["actor"].iloc[-1] == "officer-1" and log["rows"].iloc[-1] == 1
    assert entry.content_hash == log["content_hash"].iloc[-1]
    with pytest.raises(StoreError, match="already stored"):
        store.write({"receptors": new}, mode="append", actor="officer-1", action="again")
    assert store.count("receptors") == 16


def test_a_bad_write_changes_nothing(store: GeoPackageStore) -> None:
    before = _sha(store.path)
    good = store.read("receptors")
    bad = good.copy()
    bad.loc[0, "kind"] = "volcano"
    bad.loc[1, "population"] = -1
    with pytest.raises(LayerValidationError) as caught:
        store.write({"receptors": bad}, mode="replace", actor="t", action="edit")
    assert len(caught.value.problems) == 2
    assert _sha(store.path) == before
    assert not list(store.path.parent.glob(".psm.*"))  # no staging file left behind


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="does not exist; build it with `site-gis init`"):
        open_store(str(tmp_path / "nowhere.gpkg"))


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.gpkg"
    path.write_bytes(b"this is not a geopackage\n" * 100)
    with pytest.raises(StoreCorruptError, match="not a readable GeoPackage"):
        open_store(str(path))


def test_truncated_store_is_a_clear_error(store: GeoPackageStore, tmp_path: Path) -> None:
    path = tmp_path / "truncated.gpkg"
    path.write_bytes(store.path.read_bytes()[:50_000])
    with pytest.raises(StoreCorruptError):
        open_store(str(path)).read("results")


def test_geopackage_without_site_layers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.gpkg"
    other = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
    pyogrio.write_dataframe(other, path, layer="something_else")
    with pytest.raises(StoreCorruptError, match="missing site_boundary"):
        open_store(str(path))


def test_store_is_a_real_geopackage(built_store: GeoPackageStore) -> None:
    with sqlite3.connect(built_store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA application_id").fetchone() == (0x47504B47,)  # "GPKG"
        srs = db.execute("SELECT DISTINCT srs_id FROM gpkg_geometry_columns").fetchall()
        assert srs == [(4326,)]
        rtrees = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rtree_%' AND type = 'table'"
        ).fetchone()[0]
        assert rtrees >= 8


def test_unsupported_store_url() -> None:
    with pytest.raises(StoreError, match="unsupported store"):
        open_store("mysql://somewhere/db")
