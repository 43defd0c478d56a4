"""Exports a consultant opens in QGIS or GDAL: checked with pyogrio and sqlite."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from pathlib import Path

import httpx
import pyogrio

from tests.conftest import geojson, results_csv


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
