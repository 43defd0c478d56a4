"""Keys checked first on every path, a closed server's landing page, security headers.

Over real HTTP (uvicorn) on each store backend.  A bad key -- malformed, well
formed but unknown, revoked -- must be a 401 on every path, the public ones
too, and an upload without a key must be refused before its body is read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from site_gis.access import Role
from site_gis.store import create_key, revoke_key
from tests.api.conftest import serve
from tests.conftest import LAYERS, StoreFactory, close_store, key_header, make_keys

SITE_NAME = json.loads((LAYERS / "site.json").read_text(encoding="utf-8"))["name"]
LAYER_NAMES = ("eia_zones", "sample_locations", "structures")
PUBLIC_PATHS = [
    "/",
    "/?f=html",
    "/health",
    "/conformance",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/static/maps/site-gis.css",
    "/static/vendor/leaflet-1.9.4/leaflet.js",
]
BAD_KEYS = ["malformed", "unknown", "revoked", "unknown-bearer", "other-scheme"]
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def servers(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """An open and a closed server on one store, its keys and the bad headers by kind."""
    folder = tmp_path_factory.mktemp("security")
    store = store_factory(folder)
    keys = make_keys(store)
    revoked = create_key(store, "revoked consultant", [Role.CONSULTANT], actor="tests")[0]
    revoke_key(store, revoked.split("_")[1], actor="tests")
    bad = {
        "malformed": {"X-API-Key": "garbage"},
        "unknown": {"X-API-Key": "sgk_0123456789ab_" + "A" * 43},
        "revoked": {"X-API-Key": revoked},
        "unknown-bearer": {"Authorization": "Bearer sgk_0123456789ab_" + "B" * 43},
        "other-scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    }
    for open_base in serve(store.url, folder / "open.log"):
        for closed_base in serve(store.url, folder / "closed.log", open_read="false"):
            yield {"open": open_base, "closed": closed_base, "keys": keys, "bad": bad}
    close_store(store)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
@pytest.mark.parametrize("kind", BAD_KEYS)
def test_a_bad_key_is_401_on_every_public_path(
    servers: dict[str, Any], path: str, kind: str
) -> None:
    base = servers["open"]
    assert httpx.get(f"{base}{path}", timeout=30).status_code == 200  # open without a key
    refused = httpx.get(f"{base}{path}", headers=servers["bad"][kind], timeout=30)
    assert refused.status_code == 401, refused.text[:200]
    assert refused.headers["WWW-Authenticate"].startswith("ApiKey")
    assert refused.headers["content-type"] == "application/json"
    assert "key" in refused.json()["detail"]


@pytest.mark.parametrize("kind", BAD_KEYS)
def test_a_bad_key_is_401_on_an_unknown_path_rather_than_404(
    servers: dict[str, Any], kind: str
) -> None:
    base = servers["open"]
    assert httpx.get(f"{base}/no/such/path", timeout=30).status_code == 404
    response = httpx.get(f"{base}/no/such/path", headers=servers["bad"][kind], timeout=30)
    assert response.status_code == 401


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_a_valid_key_passes_on_every_public_path(servers: dict[str, Any], path: str) -> None:
    for base in (servers["open"], servers["closed"]):
        public = key_header(servers["keys"][Role.PUBLIC])
        assert httpx.get(f"{base}{path}", headers=public, timeout=30).status_code == 200
        bearer = {"Authorization": f"Bearer {servers['keys'][Role.OFFICER]}"}
        assert httpx.get(f"{base}{path}", headers=bearer, timeout=30).status_code == 200


def test_health_stays_public_on_a_closed_server(servers: dict[str, Any]) -> None:
    response = httpx.get(f"{servers['closed']}/health", timeout=30)
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_a_closed_servers_landing_page_does_not_describe_the_site_without_a_key(
    servers: dict[str, Any], fmt: str
) -> None:
    base = servers["closed"]
    anonymous = httpx.get(f"{base}/", params={"f": fmt}, timeout=30)
    assert anonymous.status_code == 200
    assert SITE_NAME not in anonymous.text and "Steel Mills" not in anonymous.text
    for layer in LAYER_NAMES:
        assert layer not in anonymous.text
    assert "/collections" in anonymous.text and "API key" in anonymous.text  # links, and why
    keyed = httpx.get(
        f"{base}/", params={"f": fmt}, headers=key_header(servers["keys"][Role.PUBLIC]), timeout=30
    )
    assert "Steel Mills" in keyed.text  # the same page with a key does describe it
    if fmt == "html":
        assert "eia_zones" in keyed.text


def test_an_open_servers_landing_page_describes_the_site_without_a_key(
    servers: dict[str, Any],
) -> None:
    body = httpx.get(f"{servers['open']}/", timeout=30).json()
    assert body["site"]["name"] == SITE_NAME


def _multipart(boundary: str, payload: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.geojson"'
            f"\r\nContent-Type: application/geo+json\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _status_after_partial_body(base: str, path: str, headers: dict[str, str]) -> int:
    """Send the headers of a 20 MB upload and its first KiB only; the status answered."""
    host = urlparse(base)
    boundary = "sgboundary"
    head = "".join(
        [
            f"POST {path} HTTP/1.1\r\nHost: {host.hostname}\r\n",
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n",
            f"Content-Length: {20 * 1000 * 1000}\r\n",
            *(f"{name}: {value}\r\n" for name, value in headers.items()),
            "\r\n",
        ]
    )
    with socket.create_connection((host.hostname, host.port), timeout=20) as sock:
        sock.sendall(head.encode() + _multipart(boundary, b"x" * 1024)[:1024])
        reply = sock.recv(4096).decode("latin-1")  # times out if the server waits for the rest
    found = re.match(r"HTTP/1\.1 (\d{3}) ", reply)
    assert found, reply[:200]
    return int(found.group(1))


@pytest.mark.parametrize("path", ["/imports/layers/receptors", "/imports/results"])
@pytest.mark.parametrize("kind", ["anonymous", "malformed", "revoked"])
def test_an_upload_without_a_valid_key_is_refused_before_its_body_is_read(
    servers: dict[str, Any], path: str, kind: str
) -> None:
    headers = {} if kind == "anonymous" else servers["bad"][kind]
    assert _status_after_partial_body(servers["open"], path, headers) == 401


@pytest.mark.parametrize("kind", ["anonymous", "malformed"])
def test_an_upload_that_would_be_413_or_400_if_read_is_401_without_a_key(
    servers: dict[str, Any], kind: str
) -> None:
    base = servers["open"]
    headers = {} if kind == "anonymous" else servers["bad"][kind]
    officer = key_header(servers["keys"][Role.OFFICER])
    boundary = "sgboundary"
    content_type = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    too_large = _multipart(boundary, b" " * (20 * MIB + 1))  # one byte past the 20 MiB limit
    not_multipart = b"--other\r\nnot a part at all"
    url = f"{base}/imports/layers/receptors"
    for body, read_status in ((too_large, 413), (not_multipart, 400)):
        read = httpx.post(url, content=body, headers={**content_type, **officer}, timeout=60)
        assert read.status_code == read_status, read.text[:200]  # what reading it gives
        refused = httpx.post(url, content=body, headers={**content_type, **headers}, timeout=60)
        assert refused.status_code == 401, refused.text[:200]


class _Scripts(HTMLParser):
    """The text of every inline script of a page, as an HTML parser sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.inline: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._open = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.inline.append("".join(self._open))
            self._open = None


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {d[0]: d[1:] for d in parts}


HTML_PAGES = [
    "/?f=html",
    "/collections?f=html",
    "/collections/eia_zones/items?f=html",
    "/maps/site",
    "/maps/contamination",
    "/maps/encroachments",
    "/maps/contamination?analyte=Unobtainium",
    "/docs",
    "/redoc",
]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_a_script_policy_and_refuse_framing(
    servers: dict[str, Any], path: str
) -> None:
    response = httpx.get(f"{servers['open']}{path}", timeout=60)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "*" not in scripts
    parser = _Scripts()
    parser.feed(response.text)
    for text in parser.inline:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    if path.startswith("/maps/") and response.status_code == 200:
        assert len(parser.inline) >= 2  # folium's scripts: the check above did check something
        assert "https://tile.openstreetmap.org" in policy["img-src"]  # the optional base map
    if path in ("/?f=html", "/collections?f=html"):
        assert scripts == ["'self'"] and parser.inline == []


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        ("/health", {}),
        ("/collections/eia_zones/items", {}),
        ("/static/maps/site-gis.js", {}),
        ("/no/such/path", {}),
        ("/exports/eia_zones", {}),  # 401 without a key
        ("/", {"X-API-Key": "garbage"}),  # 401 from the key check
    ],
)
def test_every_response_carries_nosniff(
    servers: dict[str, Any], path: str, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{servers['open']}{path}", headers=headers, timeout=30)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not response.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" not in response.headers  # policies are for pages
