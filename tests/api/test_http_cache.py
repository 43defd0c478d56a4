"""HTTP caching and compression under real uvicorn: ETag / 304, Cache-Control per route, gzip."""

from __future__ import annotations

import asyncio
import gzip
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from api.app import create_app
from api.maps.static import asset_url
from api.settings import Settings
from site_gis.access import Role
from site_gis.store import Store, create_key
from tests.conftest import key_header

ITEMS = "/collections/parcels/items?limit=5"


def _raw(client: httpx.Client, path: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """A response and its body as sent on the wire (not decompressed)."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_a_matching_if_none_match_is_a_304(client: httpx.Client) -> None:
    first = client.get(ITEMS)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, no-cache"
    assert {"Accept", "Accept-Encoding", "X-API-Key"} <= {
        v.strip() for v in first.headers["vary"].split(",")
    }
    again = client.get(ITEMS)
    assert again.headers["etag"] == etag and again.content == first.content
    for sent in (etag, f"W/{etag}", f'"other", {etag}'):
        cached = client.get(ITEMS, headers={"If-None-Match": sent})
        assert cached.status_code == 304 and cached.content == b"", sent
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, no-cache"
    assert client.get(ITEMS, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(ITEMS, headers={"If-None-Match": "*"}).status_code == 200
    assert client.head(ITEMS).headers["etag"] == etag


def test_the_etag_names_the_representation(client: httpx.Client, consultant: httpx.Client) -> None:
    etag = client.get(ITEMS).headers["etag"]
    others = {
        "query": client.get("/collections/parcels/items?limit=6").headers["etag"],
        "path": client.get("/collections/eia_zones/items?limit=5").headers["etag"],
        "html": client.get(ITEMS, headers={"Accept": "text/html"}).headers["etag"],
        "identity": client.get(ITEMS, headers={"Accept-Encoding": "identity"}).headers["etag"],
        "role": consultant.get(ITEMS).headers["etag"],
    }
    assert etag not in others.values() and len(set(others.values())) == len(others)
    html = [client.get(f"{ITEMS}&f=html") for _ in range(2)]  # a strong ETag: the same bytes
    assert html[0].content == html[1].content and html[0].headers["etag"] == html[1].headers["etag"]
    keyed = consultant.get(ITEMS)
    assert keyed.headers["cache-control"] == "private, no-cache"
    assert client.get(ITEMS, headers={"If-None-Match": others["role"]}).status_code == 200


def test_cache_control_per_route(
    client: httpx.Client, consultant: httpx.Client, planner: httpx.Client
) -> None:
    tile = "/collections/structures/tiles/WebMercatorQuad/15/14054/22511"
    table = {
        tile: "public, max-age=60",
        "/tileMatrixSets": "public, max-age=86400",
        "/tileMatrixSets/WebMercatorQuad": "public, max-age=86400",
        "/": "public, no-cache",
        "/conformance": "public, no-cache",
        "/openapi.json": "public, no-cache",
        "/collections": "public, no-cache",
        "/collections/structures/items?limit=2": "public, no-cache",
        "/static/maps/site-gis.js": "no-cache",  # unversioned: revalidated
        asset_url("maps/site-gis.js"): "public, max-age=31536000, immutable",
        "/health": "no-store",
        "/maps/site": "no-store",
        "/collections/nowhere": "no-store",  # a 404
        "/collections/parcels/items?bogus=1": "no-store",  # a 400
    }
    for path, expected in table.items():
        response = client.get(path)
        assert response.headers["cache-control"] == expected, (path, response.status_code)
    export = consultant.get("/exports/eia_zones?format=csv")
    assert export.status_code == 200 and export.headers["cache-control"] == "no-store"
    assert "etag" not in export.headers
    # household-level fields: kept in no cache, every read reaches the (auditing) route
    personal = planner.get("/collections/structures/items?limit=2")
    assert "households" in personal.text
    assert personal.headers["cache-control"] == "private, no-store"
    assert "etag" not in personal.headers
    public_tag = client.get("/collections/structures/items?limit=2").headers["etag"]
    again = planner.get(
        "/collections/structures/items?limit=2", headers={"If-None-Match": public_tag}
    )
    assert again.status_code == 200
    assert planner.get(tile).headers["cache-control"] == "private, max-age=60"  # no personal field


def test_json_geojson_html_and_csv_are_gzipped_above_the_threshold(
    client: httpx.Client, consultant: httpx.Client
) -> None:
    plain, plain_body = _raw(
        client, "/collections/parcels/items?limit=200", **{"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers and len(plain_body) > 1024
    for who, path, media in [
        (client, "/collections/parcels/items?limit=200", "application/geo+json"),
        (client, "/collections?f=json", "application/json"),
        (client, "/collections/parcels/items?limit=50&f=html", "text/html"),
        (consultant, "/exports/parcels?format=csv", "text/csv"),
    ]:
        response, body = _raw(who, path, **{"Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(media), path
        assert response.headers["content-encoding"] == "gzip", path
        assert "Accept-Encoding" in response.headers["vary"]
        unpacked = gzip.decompress(body)
        if path.endswith("limit=200"):
            assert unpacked == plain_body and len(body) < len(plain_body) / 3
    small, small_body = _raw(client, "/health", **{"Accept-Encoding": "gzip"})
    assert len(small_body) < 1024 and "content-encoding" not in small.headers
    refused, _ = _raw(client, ITEMS.replace("5", "200"), **{"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers
    gpkg, gpkg_body = _raw(
        consultant, "/exports/eia_zones?format=gpkg", **{"Accept-Encoding": "gzip"}
    )
    assert "content-encoding" not in gpkg.headers and gpkg_body.startswith(b"SQLite format 3")


def test_a_write_changes_the_etag(store: Store, tmp_path: Path) -> None:
    """In-process (no uvicorn start): the ETag follows the store's data version."""
    app = create_app(Settings(store=store.url, jobs_dir=tmp_path / "jobs"))

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            before = (await client.get(ITEMS)).headers["etag"]
            cached = await client.get(ITEMS, headers={"If-None-Match": before})
            assert cached.status_code == 304
            receptors = store.read("receptors")
            store.write({"receptors": receptors}, mode="replace", actor="tests", action="replace")
            after = await client.get(ITEMS, headers={"If-None-Match": before})
            assert after.status_code == 200 and after.headers["etag"] != before
            secret = create_key(store, "cache test", [Role.CONSULTANT], actor="tests")[0]
            keyed = await client.get(ITEMS, headers=key_header(secret))
            assert (
                keyed.status_code == 200 and keyed.headers["cache-control"] == "private, no-cache"
            )

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever the test runner holds
        pool.submit(asyncio.run, run()).result()
