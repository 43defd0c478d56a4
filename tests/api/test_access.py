"""API keys and roles over real HTTP: 401 / 403, personal fields by role, the audit trail.

A store is built from the shipped layers with two marker values planted in
household-level fields; they must never appear in any output for a caller
without the planner role, and must appear for a planner (so the check can fail).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest

from site_gis.access import Role
from site_gis.io import read_layers_dir
from site_gis.store import Store, create_key, create_store, revoke_key
from tests.api.conftest import serve
from tests.conftest import LAYERS, close_store, key_header, make_keys, store_contains

HOUSEHOLDS_MARKER = 987653
BUSINESSES_MARKER = 876541
MARKERS = (str(HOUSEHOLDS_MARKER), str(BUSINESSES_MARKER))
PERSONAL = ("households", "businesses", "vulnerable_households")


@pytest.fixture(scope="module")
def marked(
    new_store_url: Callable[[Path], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[Role, str]]]:
    """A server on a store with marker values in two structures' personal fields (each backend)."""
    folder = tmp_path_factory.mktemp("marked")
    site, frames = read_layers_dir(LAYERS)
    structures = frames["structures"].copy()
    structures.loc[structures.index[3], "households"] = HOUSEHOLDS_MARKER
    structures.loc[structures.index[7], "businesses"] = BUSINESSES_MARKER
    frames["structures"] = structures
    store = create_store(new_store_url(folder), site, frames, actor="tests")
    keys: dict[Any, str] = make_keys(store)
    keys["planner+consultant"] = create_key(
        store, "planner and consultant", [Role.PLANNER, Role.CONSULTANT], actor="tests"
    )[0]
    for base in serve(store.url, folder / "uvicorn.log"):
        yield base, keys
    close_store(store)


def _get(base: str, path: str, key: str | None = None, **params: object) -> httpx.Response:
    headers = key_header(key) if key else {}
    return httpx.get(f"{base}{path}", params=params, headers=headers, timeout=60)  # type: ignore[arg-type]


TEXT_OUTPUTS = [
    ("/collections/structures/items", {"limit": 5000}),
    ("/collections/structures/items", {"limit": 5000, "f": "html"}),
    (
        "/collections/structures/items",
        {"limit": 5000, "crs": "http://www.opengis.net/def/crs/EPSG/0/32642"},
    ),
    ("/encroachments/parcels", {"limit": 1000}),
    ("/encroachments/parcels", {"limit": 1000, "f": "csv"}),
    ("/collections/structures/queryables", {}),
    ("/maps/encroachments", {}),
    ("/maps/site", {}),
    ("/maps/contamination", {}),
]
EXPORTS = [
    ("/exports/structures", {"format": "geojson"}),
    ("/exports/structures", {"format": "csv"}),
]


def _gpkg_text(content: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return pyogrio.read_dataframe(path).to_csv()


def _zip_text(content: bytes, tmp_path: Path) -> str:
    text = ""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(".gpkg"):
                text += _gpkg_text(data, tmp_path, info.filename)
            else:
                text += data.decode()
    return text


def _every_output(base: str, key: str | None, tmp_path: Path) -> str:
    """The text of every output path that can carry structures, for one caller."""
    text = "".join(_get(base, path, key, **params).text for path, params in TEXT_OUTPUTS)
    structures = json.loads(_get(base, "/exports/structures", key).text)["features"]
    marked_ids = [f["id"] for f in structures[:10]]
    text += "".join(_get(base, f"/collections/structures/items/{i}", key).text for i in marked_ids)
    text += "".join(_get(base, path, key, **params).text for path, params in EXPORTS)
    text += _gpkg_text(
        _get(base, "/exports/structures", key, format="gpkg").content, tmp_path, "s.gpkg"
    )
    for fmt in ("geojson", "gpkg"):
        bundle = _get(base, "/exports", key, layers="structures,encroachments", format=fmt)
        text += _zip_text(bundle.content, tmp_path)
    return text


def test_personal_fields_reach_no_caller_without_the_planner_role(
    marked: tuple[str, dict[Role, str]], tmp_path: Path
) -> None:
    base, keys = marked
    seen = _every_output(base, keys[Role.CONSULTANT], tmp_path)
    assert "features" in seen and "structure_id" in seen  # the outputs were really read
    for marker in MARKERS:
        assert marker not in seen
    exported = _get(base, "/exports/structures", keys[Role.CONSULTANT]).json()["features"]
    assert not set(PERSONAL) & {k for f in exported for k in f["properties"]}
    public = "".join(_get(base, path, None, **params).text for path, params in TEXT_OUTPUTS)
    assert "structure_id" in public and not any(m in public for m in MARKERS)


def test_a_planner_sees_them(marked: tuple[str, dict[Role, str]], tmp_path: Path) -> None:
    base, keys = marked
    items = _get(base, "/collections/structures/items", keys[Role.PLANNER], limit=5000).text
    assert all(marker in items for marker in MARKERS)
    assert _get(base, "/exports/structures", keys[Role.PLANNER]).status_code == 403
    log = _get(base, "/audit", keys[Role.OFFICER], action="read-personal").json()["entries"]
    assert log and log[0]["layers"] == "structures" and "test planner" in log[0]["actor"]
    both = _every_output(base, keys["planner+consultant"], tmp_path)  # type: ignore[index]
    assert all(marker in both for marker in MARKERS)


@pytest.mark.parametrize(
    ("method", "path", "needs"),
    [
        ("GET", "/exports/eia_zones", Role.CONSULTANT),
        ("GET", "/exports?layers=eia_zones", Role.CONSULTANT),
        ("GET", "/audit", Role.OFFICER),
        ("POST", "/imports/results", Role.OFFICER),
        ("POST", "/resettlement/estimate", Role.PLANNER),
    ],
)
def test_no_key_is_401_and_the_wrong_role_is_403(
    marked: tuple[str, dict[Role, str]], method: str, path: str, needs: Role
) -> None:
    base, keys = marked
    anonymous = httpx.request(method, f"{base}{path}", timeout=30)
    assert anonymous.status_code == 401
    assert "ApiKey" in anonymous.headers["WWW-Authenticate"]
    assert needs.value in anonymous.json()["detail"]
    for role, secret in keys.items():
        if not isinstance(role, Role) or role is needs:
            continue
        denied = httpx.request(method, f"{base}{path}", headers=key_header(secret), timeout=30)
        assert denied.status_code == 403, (role, denied.text)
        assert role.value in denied.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        {"X-API-Key": "letmein"},
        {"X-API-Key": "sgk_000000000000_" + "A" * 43},
        {"Authorization": "Bearer sgk_000000000000_" + "A" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_a_bad_key_is_401_even_where_reading_is_open(
    marked: tuple[str, dict[Role, str]], header: dict[str, str]
) -> None:
    base, _ = marked
    response = httpx.get(f"{base}/collections/eia_zones/items", headers=header, timeout=30)
    assert response.status_code == 401
    assert "key" in response.json()["detail"]


def test_bearer_token_works_like_the_header(marked: tuple[str, dict[Role, str]]) -> None:
    base, keys = marked
    headers = {"Authorization": f"Bearer {keys[Role.CONSULTANT]}"}
    assert httpx.get(f"{base}/exports/eia_zones", headers=headers).status_code == 200


def test_exports_are_audited_with_the_hash_of_what_was_sent(
    marked: tuple[str, dict[Role, str]],
) -> None:
    base, keys = marked
    sent = _get(base, "/exports/parcels", keys[Role.CONSULTANT], format="gpkg").content
    streamed = _get(base, "/exports/eia_zones", keys[Role.CONSULTANT]).content
    log = _get(base, "/audit", keys[Role.OFFICER], action="export", limit=10000).json()
    hashes = {e["content_hash"]: e for e in log["entries"]}
    gpkg_entry = hashes[hashlib.sha256(sent).hexdigest()]
    assert gpkg_entry["actor"].startswith("key:") and "test consultant" in gpkg_entry["actor"]
    assert gpkg_entry["layers"] == "parcels" and gpkg_entry["rows"] > 0
    stream_entry = hashes[hashlib.sha256(streamed).hexdigest()]
    assert f"{len(streamed):,} bytes" in stream_entry["note"]
    started = _get(base, "/audit", keys[Role.OFFICER], action="export-start").json()["entries"]
    assert any(e["note"] == "geojson of eia_zones" for e in started)
    newest = _get(base, "/audit", keys[Role.OFFICER], limit=1).json()["entries"]
    assert newest[0]["content_hash"] == stream_entry["content_hash"]  # newest first


def test_a_revoked_key_stops_working(tmp_path: Path, store: Store) -> None:
    keys = make_keys(store)
    consultant = keys[Role.CONSULTANT]
    for base in serve(store.url, tmp_path / "uvicorn.log"):
        assert _get(base, "/exports/eia_zones", consultant).status_code == 200
        key_id = consultant.split("_")[1]
        revoke_key(store, key_id, actor="tests")
        assert _get(base, "/exports/eia_zones", consultant).status_code == 401
        log = _get(base, "/audit", keys[Role.OFFICER], action="key-revoke").json()
        assert log["entries"][0]["note"].startswith(f"key {key_id}")
    assert not store_contains(store, consultant)  # only the hash is stored


def test_closed_reading_needs_a_key(tmp_path: Path, store: Store) -> None:
    public = make_keys(store)[Role.PUBLIC]
    for base in serve(store.url, tmp_path / "uvicorn.log", open_read="false"):
        assert _get(base, "/collections/eia_zones/items").status_code == 401
        assert _get(base, "/collections/eia_zones/items", public).status_code == 200
        assert _get(base, "/health").status_code == 200
