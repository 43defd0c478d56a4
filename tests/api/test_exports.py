"""Exports a consultant opens in QGIS or GDAL: checked with pyogrio and sqlite."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pyogrio
import pytest

from api.routers.exports import _audited, _geojson_stream
from site_gis.access import Role
from site_gis.errors import StoreError
from site_gis.store import FeaturePage, GeoPackageStore, PostGISStore, Store
from tests.api.conftest import serve
from tests.conftest import geojson, key_header, make_keys, results_csv


def _ring_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_geojson_export_round_trips(consultant: httpx.Client, tmp_path: Path) -> None:
    response = consultant.get("/exports/structures", params={"format": "geojson"})
    assert response.headers["content-type"] == "application/geo+json"
    assert 'filename="structures.geojson"' in response.headers["content-disposition"]
    path = tmp_path / "structures.geojson"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(geojson("structures")["features"])
    assert "households" not in frame.columns
    body = json.loads(response.content)
    assert body["synthetic"] is True
    for feature in body["features"][:200]:
        assert _ring_area(feature["geometry"]["coordinates"][0]) > 0  # right-hand rule


def test_filtered_export(consultant: httpx.Client) -> None:
    body = consultant.get("/exports/encroachments", params={"kind": "scrapyard"}).json()
    expected = sum(
        f["properties"]["kind"] == "scrapyard" for f in geojson("encroachments")["features"]
    )
    assert len(body["features"]) == expected > 0


def test_geopackage_export_is_sound(consultant: httpx.Client, tmp_path: Path) -> None:
    response = consultant.get("/exports/parcels", params={"format": "gpkg"})
    assert response.status_code == 200
    path = tmp_path / "parcels.gpkg"
    path.write_bytes(response.content)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(geojson("parcels")["features"])
    assert frame.crs.to_epsg() == 4326


def test_csv_exports(consultant: httpx.Client) -> None:
    results = consultant.get("/exports/results", params={"format": "csv", "medium": "sediment"})
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert len(rows) == int((results_csv()["medium"] == "sediment").sum())
    points = consultant.get(
        "/exports/sample_locations", params={"format": "csv", "geometry": "lonlat"}
    ).text
    first = next(csv.DictReader(io.StringIO(points)))
    assert 67 < float(first["longitude"]) < 68 and 24 < float(first["latitude"]) < 25
    polygons = consultant.get("/exports/parcels", params={"format": "csv", "geometry": "lonlat"})
    assert polygons.status_code == 400
    wkt = next(
        csv.DictReader(
            io.StringIO(consultant.get("/exports/parcels", params={"format": "csv"}).text)
        )
    )
    assert wkt["wkt"].startswith("POLYGON ((67.")


def test_bundle_with_manifest(consultant: httpx.Client) -> None:
    response = consultant.get("/exports", params={"layers": "eia_zones,sample_locations,results"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["synthetic"] is True and "dutch_iv" in manifest["standards"]
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    assert manifest["files"]["results.geojson"]["features"] == len(results_csv())


def test_bad_export_requests(consultant: httpx.Client) -> None:
    assert consultant.get("/exports/wells").status_code == 404
    assert consultant.get("/exports/parcels", params={"format": "shp"}).status_code == 400
    assert (
        consultant.get("/exports", params={"layers": "parcels,../../etc/passwd"}).status_code == 404
    )
    assert consultant.get("/exports", params={"layers": "parcels,parcels"}).status_code == 400


NO_GEOMETRY_BBOX = {"analyte": "Lead", "medium": "soil", "bbox": "67.30,24.78,67.32,24.80"}


@pytest.mark.parametrize("format", ["csv", "geojson", "gpkg"])
def test_a_bbox_on_a_table_is_the_items_400_and_no_export_is_recorded(
    server: str, keys: dict[Role, str], format: str
) -> None:
    consultant = key_header(keys[Role.CONSULTANT])
    query = {**NO_GEOMETRY_BBOX, "format": format}
    response = httpx.get(f"{server}/exports/results", params=query, headers=consultant)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "layer 'results' has no geometry to filter by bbox"
    items = httpx.get(f"{server}/collections/results/items", params=NO_GEOMETRY_BBOX)
    assert items.status_code == 400 and items.json()["detail"] == response.json()["detail"]
    officer = key_header(keys[Role.OFFICER])
    log = httpx.get(f"{server}/audit", params={"limit": 10_000}, headers=officer).json()
    assert not [e for e in log["entries"] if "bbox=67.30" in e["note"]]


def _refuse_audit_entries(store: Store) -> None:
    """Make the audit log refuse new entries: a corrupt access log; a refusing trigger."""
    if isinstance(store, GeoPackageStore):
        access_log = store.path.with_name(store.path.name + "-access.sqlite")
        access_log.write_bytes(b"this is not an SQLite database" * 100)
        return
    assert isinstance(store, PostGISStore)
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_entries() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log takes no new entries'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse_entries BEFORE INSERT ON site_gis_audit "
            "FOR EACH ROW EXECUTE FUNCTION refuse_entries()"
        )


def test_an_export_that_cannot_be_audited_is_an_error_not_a_200(
    store: Store, tmp_path: Path
) -> None:
    consultant = key_header(make_keys(store)[Role.CONSULTANT])  # keys are audited too
    _refuse_audit_entries(store)
    for base in serve(store.url, tmp_path / "uvicorn.log"):
        for path, params in [
            ("/exports/eia_zones", {"format": "geojson"}),
            ("/exports/results", {"format": "csv", "analyte": "Lead"}),
            ("/exports/eia_zones", {"format": "gpkg"}),
            ("/exports", {"layers": "eia_zones,results"}),
        ]:
            response = httpx.get(f"{base}{path}", params=params, headers=consultant, timeout=60)
            assert response.status_code >= 500, (path, params, response.status_code)
            assert "FeatureCollection" not in response.text
        assert httpx.get(f"{base}/collections/eia_zones/items").status_code == 200


def _failing_pages(store: Store, after: int) -> Iterator[FeaturePage]:
    """Real pages of the structures layer, then the store failing (as a dropped table would)."""
    for offset in range(after):
        yield store.features("structures", columns=["structure_id"], limit=100, offset=offset * 100)
    raise StoreError("the structures layer went away")


def test_a_stream_that_fails_midway_is_recorded_as_failed_with_what_was_sent(
    store: Store,
) -> None:
    note = "geojson of structures (failing)"
    sent = b""
    with pytest.raises(StoreError, match="went away"):
        for chunk in _audited(
            _geojson_stream(True, _failing_pages(store, 2)), store, "tests", ["structures"], note
        ):
            sent += chunk
    assert sent.startswith(b'{"type":"FeatureCollection"') and sent.count(b'"Feature"') == 200
    log = store.audit_log()
    entries = log[log["note"].str.startswith(note)]
    assert entries["action"].tolist() == ["export-failed"]
    failed = entries.iloc[0]
    assert failed["content_hash"] == hashlib.sha256(sent).hexdigest()
    assert f"failed after {len(sent):,} bytes sent" in failed["note"]
    assert "went away" in failed["note"]


def test_a_stream_closed_early_is_recorded_as_failed_and_a_whole_one_as_done(
    store: Store,
) -> None:
    stopped = _audited(
        _geojson_stream(True, _failing_pages(store, 3)), store, "tests", ["structures"], "early"
    )
    first = next(stopped)
    stopped.close()  # what a dropped connection does to the stream
    whole = b"".join(
        _audited(_geojson_stream(True, iter(())), store, "tests", ["structures"], "whole")
    )
    assert whole == b'{"type":"FeatureCollection","synthetic":true,"features":[]}'
    log = store.audit_log()
    early = log[log["note"].str.startswith("early")]
    assert early["action"].tolist() == ["export-failed"]
    assert early.iloc[0]["content_hash"] == hashlib.sha256(first).hexdigest()
    assert "the client stopped reading" in early.iloc[0]["note"]
    done = log[log["note"].str.startswith("whole")]
    assert done["action"].tolist() == ["export"]
    assert done.iloc[0]["content_hash"] == hashlib.sha256(whole).hexdigest()
    assert f"{len(whole):,} bytes" in done.iloc[0]["note"]


# FlatGeobuf and GeoParquet: read back by GDAL (pyogrio) and pyarrow, compared with the layer files

SELECTION = {"type": "pucca", "bbox": "67.29,24.78,67.31,24.84"}
PERSONAL = {"households", "businesses", "vulnerable_households"}


def _selected_structures() -> dict[str, dict[str, object]]:
    """The structures SELECTION picks, by id: the json module and shapely on the layer file."""
    from shapely.geometry import box, shape

    area = box(67.29, 24.78, 67.31, 24.84)
    return {
        f["properties"]["structure_id"]: f["properties"]
        for f in geojson("structures")["features"]
        if f["properties"]["type"] == "pucca" and shape(f["geometry"]).intersects(area)
    }


def _export(client: httpx.Client, layer: str, path: Path, **params: str) -> Path:
    response = client.get(f"/exports/{layer}", params=params)
    assert response.status_code == 200, response.text
    suffix = {"fgb": ".fgb", "parquet": ".parquet"}[params["format"]]
    assert f'filename="{layer}{suffix}"' in response.headers["content-disposition"]
    assert "content-encoding" not in response.headers
    target = path / f"{layer}{suffix}"
    target.write_bytes(response.content)
    return target


def test_flatgeobuf_export_of_a_selection_opens_in_gdal(
    consultant: httpx.Client, tmp_path: Path
) -> None:
    path = _export(consultant, "structures", tmp_path, format="fgb", **SELECTION)
    assert path.read_bytes()[:3] == b"fgb"
    info = pyogrio.read_info(path)
    assert info["driver"] == "FlatGeobuf" and info["geometry_type"] == "Polygon"
    assert info["crs"] == "EPSG:4326"
    frame = pyogrio.read_dataframe(path)
    expected = _selected_structures()
    assert sorted(frame["structure_id"]) == sorted(expected) and len(expected) > 10
    assert not PERSONAL & set(frame.columns)
    for row in frame.itertuples():
        source = expected[row.structure_id]
        assert (row.type, row.storeys, row.surveyed_on) == (
            source["type"],
            source["storeys"],
            source["surveyed_on"],
        )
        assert row.floor_area_m2 == pytest.approx(source["floor_area_m2"])
    assert frame.crs.to_epsg() == 4326 and 67 < frame.total_bounds[0] < 68  # lon first


def test_geoparquet_export_uses_the_geoarrow_encoding(
    consultant: httpx.Client, tmp_path: Path
) -> None:
    import geopandas as gpd
    import pyarrow.parquet as pq

    path = _export(consultant, "structures", tmp_path, format="parquet", **SELECTION)
    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "polygon" and column["geometry_types"] == ["Polygon"]
    assert column["crs"]["id"] == {"authority": "OGC", "code": "CRS84"}
    field = table.schema.field("geometry")
    assert field.metadata[b"ARROW:extension:name"] == b"geoarrow.polygon"
    assert table.schema.field("storeys").type == "int64"
    expected = _selected_structures()
    frame = gpd.read_parquet(path)  # geopandas' own GeoParquet reader
    assert sorted(frame["structure_id"]) == sorted(expected)
    assert not PERSONAL & set(frame.columns)
    assert frame.geometry.is_valid.all() and 67 < frame.total_bounds[0] < 68
    if "Parquet" in pyogrio.list_drivers():  # GDAL built with Arrow (pyogrio's wheels are not)
        assert len(pyogrio.read_dataframe(path)) == len(expected)


def test_a_table_exports_as_plain_parquet_and_not_as_flatgeobuf(
    consultant: httpx.Client, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    path = _export(consultant, "results", tmp_path, format="parquet", analyte="Lead")
    table = pq.read_table(path)
    assert b"geo" not in (table.schema.metadata or {})
    lead = results_csv().query("analyte == 'Lead'")
    assert table.num_rows == len(lead) > 0
    assert sorted(table.column("result_id").to_pylist()) == sorted(lead["result_id"])
    refused = consultant.get("/exports/results", params={"format": "fgb"})
    assert refused.status_code == 400 and "results is a table" in refused.json()["detail"]


@pytest.mark.parametrize("format", ["fgb", "parquet"])
def test_columnar_exports_are_role_aware_and_audited(
    server: str, built_store: Store, keys: dict[Role, str], tmp_path: Path, format: str
) -> None:
    import geopandas as gpd

    from site_gis.store import create_key

    both = create_key(
        built_store, f"export and personal {format}", [Role.CONSULTANT, Role.PLANNER], actor="t"
    )[0]
    with httpx.Client(base_url=server, timeout=60, headers=key_header(both)) as client:
        path = _export(client, "structures", tmp_path, format=format, **SELECTION)
    frame = pyogrio.read_dataframe(path) if format == "fgb" else gpd.read_parquet(path)
    expected = _selected_structures()
    assert set(frame.columns) >= PERSONAL
    for row in frame.itertuples():
        assert row.households == expected[row.structure_id]["households"]
    with httpx.Client(base_url=server, timeout=60) as anonymous:
        assert anonymous.get("/exports/structures", params={"format": format}).status_code == 401
    officer = key_header(keys[Role.OFFICER])
    log = httpx.get(
        f"{server}/audit", params={"action": "export", "limit": 10_000}, headers=officer
    ).json()["entries"]
    mine = [e for e in log if f"(export and personal {format})" in e["actor"]]
    assert len(mine) == 1 and mine[0]["rows"] == len(expected)
    assert mine[0]["note"].startswith(f"{format} of structures?")
    assert mine[0]["note"].endswith("; with personal fields")
    assert mine[0]["content_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
