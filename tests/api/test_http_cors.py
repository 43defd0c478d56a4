"""CORS in a real browser: a page on another loopback origin reads items only when allowed.

One server (under uvicorn) allows the origin of one small page server and no
other; headless Chromium opens a page from the allowed origin and a page from a
second, unlisted origin, and each page ``fetch``es items across origins -- once
plainly and once with an API key, which makes the browser send a preflight
``OPTIONS`` first.  The browser alone decides what the page may read.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.settings import Settings
from site_gis.access import Role
from site_gis.store import GeoPackageStore, create_key
from tests.api.conftest import serve
from tests.conftest import geojson

PAGE = b"<!doctype html><title>site office</title><p>another origin</p>"
READ = """async ([url, key]) => {
  try {
    const response = await fetch(url, key ? {headers: {'X-API-Key': key}} : {});
    const body = await response.json();
    return {ok: true, returned: body.numberReturned, etag: response.headers.get('ETag')};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
}"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def _page_server() -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    """Two page origins on the loopback: (allowed, not allowed)."""
    allowed, allowed_origin = _page_server()
    other, other_origin = _page_server()
    yield allowed_origin, other_origin
    for server in (allowed, other):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def api(
    demo_gpkg: GeoPackageStore,
    origins: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """A server allowing the first origin only, and a consultant's key on it."""
    folder = tmp_path_factory.mktemp("cors")
    path = folder / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    secret = create_key(GeoPackageStore(path), "cors", [Role.CONSULTANT], actor="tests")[0]
    for base in serve(path, folder / "uvicorn.log", cors_origins=origins[0]):
        yield base, secret


def _read(browser: Any, page_origin: str, url: str, key: str | None) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_origin + "/")
        result: dict[str, Any] = page.evaluate(READ, [url, key])
        return result
    finally:
        context.close()


@pytest.mark.browser
def test_an_allowed_origin_reads_items_and_another_is_refused(
    browser: Any, api: tuple[str, str], origins: tuple[str, str]
) -> None:
    base, secret = api
    allowed, other = origins
    url = f"{base}/collections/eia_zones/items"
    zones = len(geojson("eia_zones")["features"])
    for key in (None, secret):  # with a key, the browser sends a preflight OPTIONS first
        read = _read(browser, allowed, url, key)
        assert read["ok"] and read["returned"] == zones, read
        assert read["etag"], read  # exposed to the page
        refused = _read(browser, other, url, key)
        assert not refused["ok"] and "Failed to fetch" in refused["error"], refused


def test_preflight_and_default_closed(api: tuple[str, str], origins: tuple[str, str]) -> None:
    base, _ = api
    allowed, other = origins
    ask = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key"}
    yes = httpx.options(f"{base}/collections", headers={"Origin": allowed, **ask})
    assert yes.status_code == 200 and yes.headers["access-control-allow-origin"] == allowed
    assert "x-api-key" in yes.headers["access-control-allow-headers"].lower()
    no = httpx.options(f"{base}/collections", headers={"Origin": other, **ask})
    assert "access-control-allow-origin" not in no.headers
    plain = httpx.options(f"{base}/collections")  # not a preflight: the Allow list
    assert plain.status_code == 204 and "GET" in plain.headers["allow"]


def test_the_default_server_sends_no_cors_header(client: httpx.Client) -> None:
    response = client.get("/collections", headers={"Origin": "http://127.0.0.1:1"})
    assert not [h for h in response.headers if h.startswith("access-control-")]
    ask = {"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "GET"}
    preflight = client.options("/collections", headers=ask)
    assert "access-control-allow-origin" not in preflight.headers


def test_a_malformed_origin_is_refused_at_start() -> None:
    for bad in ("127.0.0.1:8000", "http://host/path", "http://host/", "ftp://host"):
        with pytest.raises(ValidationError, match="cors_origins"):
            Settings(cors_origins=bad)
    assert Settings(cors_origins=" http://a.test, https://b.test:8443 ").cors_allow_list() == [
        "http://a.test",
        "https://b.test:8443",
    ]
