"""``Store.features``: the pages a feature server sends, on every backend.

The oracle is the store's frame read (pyogrio/GDAL or COPY), checked in turn
against shapely for bbox selection: a page must hold the same features, in
storage order, with the same values, as the frame path selects.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store import FeaturePage, GeoPackageStore, Store


def _expected_properties(frame: pd.DataFrame, schema: LayerSchema, fields: list[str]) -> list:
    """Each row's fields as JSON would carry them: NaN and NA as None, bools as bools."""
    rows = []
    for record in frame[fields].astype(object).to_dict("records"):
        row = {}
        for name, value in record.items():
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
                row[name] = None
            elif schema.field(name).kind == "bool":
                row[name] = bool(value)
            elif schema.field(name).kind == "int":
                row[name] = int(value)
            else:
                row[name] = value
        rows.append(row)
    return rows


def _assert_page_equals_frame(page: FeaturePage, frame: pd.DataFrame, schema: LayerSchema) -> None:
    fields = list(schema.field_names)
    assert page.ids == frame[schema.id_field].tolist()
    properties = [json.loads(text) for text in page.properties]
    assert [list(p) for p in properties] == [fields] * len(frame)  # every field, in order
    assert properties == _expected_properties(frame, schema, fields)
    if schema.is_table:
        assert page.geometry is None
    else:
        assert page.geometry is not None
        _assert_geojson_of(page.geometry, frame.geometry.to_numpy())


def _assert_geojson_of(texts: list[str], shapes: np.ndarray) -> None:
    """RFC 7946 geometries equal to ``shapes`` (to the last bit) and wound right-handed."""
    parsed = shapely.from_geojson(texts)
    assert shapely.equals_exact(parsed, shapes, tolerance=0).all()
    for geometry in parsed:
        polygons = getattr(geometry, "geoms", [geometry])
        for polygon in polygons:
            if isinstance(polygon, shapely.Polygon):
                assert polygon.exterior.is_ccw
                assert not any(ring.is_ccw for ring in polygon.interiors)


@pytest.mark.parametrize("layer", list(CATALOGUE))
def test_a_whole_layer_matches_the_frame_read(built_store: Store, layer: str) -> None:
    schema = CATALOGUE[layer]
    frame = built_store.read(layer)
    page = built_store.features(layer)
    assert len(page) == page.matched == len(frame) > 0
    _assert_page_equals_frame(page, frame, schema)


@pytest.mark.parametrize("layer", ["structures", "sample_locations", "parcels"])
def test_bbox_pages_walk_exactly_the_features_shapely_selects(
    built_store: Store, layer: str
) -> None:
    frame = built_store.read(layer)
    west, south, east, north = frame.total_bounds
    # boxes around the middle of the layer: most envelopes inside, some straddling an edge
    width, height = east - west, north - south
    boxes = [
        (west + width * a, south + height * b, west + width * c, south + height * d)
        for a, b, c, d in [(0.4, 0.4, 0.6, 0.6), (0.1, 0.3, 0.45, 0.9), (0.0, 0.0, 1.0, 1.0)]
    ]
    for box in boxes:
        expected = frame[shapely.intersects(frame.geometry.to_numpy(), shapely.box(*box))]
        assert len(expected) > 0
        walked: list[object] = []
        for offset in range(0, len(expected) + 7, 7):
            page = built_store.features(layer, bbox=box, limit=7, offset=offset)
            assert page.matched == len(expected) == built_store.count(layer, bbox=box)
            walked += page.ids
        ids = expected[CATALOGUE[layer].id_field].tolist()
        assert walked == ids  # storage order, each once
        assert built_store.read(layer, bbox=box)[CATALOGUE[layer].id_field].tolist() == ids
        frame_page = built_store.read(layer, bbox=box, limit=5, offset=3)
        assert frame_page[CATALOGUE[layer].id_field].tolist() == ids[3:8]


def test_a_polygon_whose_envelope_alone_meets_the_box_is_not_selected(built_store: Store) -> None:
    zones = built_store.read("eia_zones")
    shape = zones.geometry.iloc[0]
    # a tiny box inside the envelope but outside the polygon (found by walking a grid)
    west, south, east, north = shape.bounds
    misses = [
        shapely.box(x, y, x + (east - west) / 200, y + (north - south) / 200)
        for x in np.linspace(west, east, 40)[1:-1]
        for y in np.linspace(south, north, 40)[1:-1]
    ]
    outside = next(
        b for b in misses if not b.intersects(shape) and b.within(shapely.box(*shape.bounds))
    )
    page = built_store.features("eia_zones", bbox=outside.bounds)
    expected = zones[shapely.intersects(zones.geometry.to_numpy(), outside)]
    assert zones["zone_id"].iloc[0] not in page.ids
    assert page.ids == expected["zone_id"].tolist()


def test_filters_columns_and_paging_match_the_frame_read(built_store: Store) -> None:
    where = {"medium": "groundwater", "analyte": ["Toluene", "Ethylbenzene"]}  # value has NaNs
    fields = ["result_id", "sample_id", "value", "detected"]
    frame = built_store.read("results", where=where, columns=fields)
    assert len(frame) > 20
    page = built_store.features("results", where=where, columns=fields, limit=10, offset=5)
    assert page.matched == len(frame)
    assert page.ids == frame["result_id"].iloc[5:15].tolist()
    assert [json.loads(p) for p in page.properties] == _expected_properties(
        frame.iloc[5:15], CATALOGUE["results"], fields
    )
    beyond = built_store.features("results", where=where, columns=fields, offset=len(frame))
    assert len(beyond) == 0 and beyond.matched == len(frame)


def test_reals_come_back_to_fifteen_significant_digits_or_better(store: Store) -> None:
    structures = store.read("structures")
    awkward = [8.6 * 3, 100 / 3, 26.0, 675.1365879884941]  # 25.799999999999997, ...
    structures.loc[: len(awkward) - 1, "floor_area_m2"] = awkward
    store.write({"structures": structures}, mode="replace", actor="t", action="awkward reals")
    page = store.features("structures", columns=["floor_area_m2"], limit=len(awkward))
    served = [json.loads(text)["floor_area_m2"] for text in page.properties]
    fifteen = [float(f"{value:.15g}") for value in awkward]
    # the GeoPackage's SQLite writes 15 significant digits; PostgreSQL the shortest exact form
    assert served == (fifteen if isinstance(store, GeoPackageStore) else awkward)
    assert '"floor_area_m2":26.0' in page.properties[2].replace(" ", "")  # keeps its ".0"


def test_infinities_written_by_another_tool_are_sent_as_null(
    tmp_path: Path, demo_gpkg: GeoPackageStore
) -> None:
    path = tmp_path / "edited.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    with sqlite3.connect(path) as db:
        # the layer's R-tree triggers name SpatiaLite functions; they must exist to be
        # prepared, though an update that keeps the fid and geometry runs none of them
        for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            db.create_function(name, 1, lambda _: None)
        db.execute("UPDATE structures SET floor_area_m2 = 9e999, storeys = -9e999 WHERE fid = 1")
    page = GeoPackageStore(path).features("structures", limit=2)
    first = json.loads(page.properties[0])  # valid JSON: no bare Inf
    assert first["floor_area_m2"] is None and first["storeys"] is None
    assert json.loads(page.properties[1])["storeys"] == 1


def test_an_integer_beyond_64_bits_matches_nothing(built_store: Store) -> None:
    page = built_store.features("structures", where={"storeys": 10**19})
    assert len(page) == page.matched == built_store.count("structures", where={"storeys": 10**19})
    assert page.matched == 0


def test_a_replaced_file_is_read_afresh(tmp_path: Path, demo_gpkg: GeoPackageStore) -> None:
    path = tmp_path / "psm.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    store = GeoPackageStore(path)
    before = store.features("receptors")
    everywhere = (60.0, 20.0, 75.0, 30.0)
    assert store.features("receptors", bbox=everywhere).matched == 15  # keys remembered
    ids = store.read("receptors")["receptor_id"].tolist()
    some = {"receptor_id": [ids[0], ids[-1]]}
    assert store.count("receptors", where=some) == 2  # a filtered count, remembered
    kept = store.read("receptors").iloc[:3]
    store.write({"receptors": kept}, mode="replace", actor="t", action="trim")  # replaces the file
    assert store.count("receptors", where=some) == 1
    assert store.features("receptors", where=some).matched == 1
    after = store.features("receptors")
    assert len(before) == 15 and after.ids == kept["receptor_id"].tolist() and after.matched == 3
    in_box = store.features("receptors", bbox=everywhere)
    assert in_box.ids == after.ids and store.count("receptors", bbox=everywhere) == 3


def test_a_geopackage_without_a_spatial_index_still_answers_a_bbox(
    tmp_path: Path, demo_gpkg: GeoPackageStore
) -> None:
    path = tmp_path / "no-rtree.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    with sqlite3.connect(path) as db:
        triggers = db.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'rtree_structures_%'"
        ).fetchall()
        for (name,) in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute("DROP TABLE rtree_structures_geometry")
    store = GeoPackageStore(path)
    frame = store.read("structures")
    west, south, east, north = frame.total_bounds
    box = (west, south, (west + east) / 2, (south + north) / 2)
    expected = frame[shapely.intersects(frame.geometry.to_numpy(), shapely.box(*box))]
    page = store.features("structures", bbox=box)
    assert 0 < page.matched == len(expected) < len(frame)
    assert page.ids == expected["structure_id"].tolist()


def test_renderings_are_used_only_while_they_match_the_geometry(
    tmp_path: Path, demo_gpkg: GeoPackageStore
) -> None:
    path = tmp_path / "edited.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    store = GeoPackageStore(path)
    frame = store.read("receptors")
    wrong = '{"type":"Point","coordinates":[0.0,0.0]}'
    with sqlite3.connect(path) as db:
        # a stale rendering, as if another tool had moved the point...
        db.execute("UPDATE site_gis_geojson SET geojson = ? WHERE layer = 'receptors'", (wrong,))
        db.execute(
            "UPDATE site_gis_geojson SET geometry = x'00' WHERE layer = 'receptors' AND fid = 2"
        )
        # ... and a feature with no rendering at all
        db.execute("DELETE FROM site_gis_geojson WHERE layer = 'receptors' AND fid = 3")
    page = GeoPackageStore(path).features("receptors", limit=3)
    # fid 1: blob unchanged, so its (planted) rendering is what is served
    assert page.geometry is not None and page.geometry[0] == wrong
    # fid 2: blob differs from the one rendered, fid 3: none; both rendered afresh
    _assert_geojson_of(page.geometry[1:], frame.geometry.to_numpy()[1:3])


def test_a_store_without_renderings_serves_from_its_geometries(
    tmp_path: Path, demo_gpkg: GeoPackageStore
) -> None:
    path = tmp_path / "older.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE site_gis_geojson")
    store = GeoPackageStore(path)
    page = store.features("structures", limit=100, offset=50)
    assert page.geometry is not None
    _assert_geojson_of(page.geometry, store.read("structures").geometry.to_numpy()[50:150])


def test_writes_keep_renderings_in_step(tmp_path: Path, demo_gpkg: GeoPackageStore) -> None:
    path = tmp_path / "psm.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    store = GeoPackageStore(path)
    receptors = store.read("receptors")
    moved = receptors.iloc[:5].copy()
    moved["geometry"] = moved.geometry.translate(0.001, 0.001)
    store.write({"receptors": moved}, mode="replace", actor="t", action="move")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT fid, geojson FROM site_gis_geojson WHERE layer = 'receptors' ORDER BY fid"
        ).fetchall()
    assert [fid for fid, _ in rows] == [1, 2, 3, 4, 5]  # the ten removed ones are gone
    _assert_geojson_of([text for _, text in rows], moved.geometry.to_numpy())


def _json_types(page: FeaturePage) -> set[Any]:
    return {type(v) for text in page.properties for v in json.loads(text).values()}


def test_property_types_follow_the_schema(built_store: Store) -> None:
    page = built_store.features("structures", limit=50)
    values = [json.loads(t) for t in page.properties]
    assert all(isinstance(v["synthetic"], bool) for v in values)
    assert all(isinstance(v["storeys"], int) and not isinstance(v["storeys"], bool) for v in values)
    assert all(isinstance(v["floor_area_m2"], float) for v in values)
    assert all(isinstance(v["surveyed_on"], str) for v in values)
    assert _json_types(page) <= {bool, int, float, str, type(None)}
