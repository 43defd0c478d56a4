"""The app under real uvicorn: landing page, health, collections, GeoJSON items."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from site_gis.schemas import CATALOGUE
from site_gis.store import Store
from tests.api.conftest import serve
from tests.conftest import geojson, results_csv


def _ring_area(ring: list[list[float]]) -> float:
    """Signed shoelace area: positive when counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_health(client: httpx.Client, built_store: Store) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": response.json()["version"],
        "store": type(built_store).__name__,
        "layers": len(CATALOGUE),
    }


def test_landing_page_links_everything(client: httpx.Client) -> None:
    body = client.get("/").json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert {"service-desc", "service-doc", "data", "status"} <= set(rels)
    assert body["site"]["synthetic"] is True and "SYNTHETIC" in body["site"]["provenance"]
    for href in rels.values():
        assert client.get(href).status_code == 200, href
    html = client.get("/", headers={"accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "SYNTHETIC DATA" in html.text and 'href="' in html.text


def test_collections_list_every_layer_with_counts(client: httpx.Client) -> None:
    collections = {c["id"]: c for c in client.get("/collections").json()["collections"]}
    assert len(collections) == len(CATALOGUE)
    for name in ("eia_zones", "parcels", "structures", "receptors"):
        assert collections[name]["itemCount"] == len(geojson(name)["features"])
    assert collections["results"]["itemCount"] == len(results_csv())
    assert collections["results"]["itemType"] == "record"
    west, south, east, north = collections["site_boundary"]["extent"]["spatial"]["bbox"][0]
    assert 67.2 < west < east < 67.5 and 24.7 < south < north < 24.9  # lon/lat, not lat/lon


def test_items_are_rfc7946_geojson(client: httpx.Client) -> None:
    response = client.get("/collections/eia_zones/items")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert {f["id"] for f in body["features"]} == {
        "blast_furnace_yard",
        "coal_coke_storage",
        "water_discharge_canals",
        "solid_waste_dumps",
    }
    for feature in body["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            assert _ring_area(polygon[0]) > 0  # exterior counter-clockwise
            for hole in polygon[1:]:
                assert _ring_area(hole) < 0
            lon, lat = polygon[0][0]
            assert 67 < lon < 68 and 24 < lat < 25


def test_paging_walks_every_feature_once(client: httpx.Client) -> None:
    seen: list[str] = []
    url: str | None = "/collections/structures/items?limit=1500"
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == 4000
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 4000


def test_household_fields_are_never_in_public_items(client: httpx.Client) -> None:
    body = client.get("/collections/structures/items?limit=50").json()
    for feature in body["features"]:
        assert "households" not in feature["properties"]
        assert "businesses" not in feature["properties"]
        assert "floor_area_m2" in feature["properties"]


def test_table_items_have_null_geometry_and_null_non_detects(client: httpx.Client) -> None:
    body = client.get("/collections/results/items?limit=200").json()
    non_detects = [f for f in body["features"] if f["properties"]["detected"] is False]
    assert non_detects and all(f["properties"]["value"] is None for f in non_detects)
    assert all(f["geometry"] is None for f in body["features"])


def test_unknown_layer_is_a_404_with_a_clear_message(client: httpx.Client) -> None:
    response = client.get("/collections/wells/items")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"].startswith("unknown layer 'wells'; available layers:")
    assert client.get("/collections/wells").status_code == 404


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=-1", "offset=-5", "limit=abc", "offset=99999999999999999999"]
)
def test_bad_paging_is_a_400(client: httpx.Client, query: str) -> None:
    response = client.get(f"/collections/parcels/items?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


def test_openapi_describes_the_routes(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/", "/health", "/collections", "/collections/{layer}/items"} <= set(paths)


@pytest.fixture
def broken_server(tmp_path: Path) -> Iterator[str]:
    store = tmp_path / "broken.gpkg"
    store.write_bytes(b"not a geopackage" * 64)
    yield from serve(store, tmp_path / "uvicorn.log")


def test_a_broken_store_gives_503_without_internals(broken_server: str, tmp_path: Path) -> None:
    assert httpx.get(f"{broken_server}/health").status_code == 503
    response = httpx.get(f"{broken_server}/collections")
    assert response.status_code == 503
    assert str(tmp_path) not in response.text and "Traceback" not in response.text
    assert response.json()["detail"].startswith("the data store is unavailable")


def test_prev_link_past_the_end_points_at_the_last_page(client: httpx.Client) -> None:
    body = client.get("/collections/parcels/items?limit=100&offset=5000").json()
    assert body["numberReturned"] == 0
    prev = next(link["href"] for link in body["links"] if link["rel"] == "prev")
    matched = body["numberMatched"]
    assert prev.endswith(f"offset={matched - 100}")
