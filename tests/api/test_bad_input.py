"""The bad-input corpus (tests/data/bad/): each file gets a clear 4xx and changes nothing.

"Nothing" is checked on every store: the GeoPackage file's SHA-256 byte for byte,
the PostGIS data version and audit log, before and after every request.  A good
file is imported too, so the route is shown to work.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from site_gis.access import Role
from site_gis.store import Store
from tests.api.conftest import serve
from tests.conftest import (
    StoreFactory,
    close_store,
    key_header,
    make_keys,
    reopen,
    store_state,
)

DATA = Path(__file__).resolve().parents[1] / "data"
CASES: list[dict[str, Any]] = tomllib.loads((DATA / "bad" / "cases.toml").read_text())["case"]
MAX_UPLOAD = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def officer_server(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Store, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("bad")
    store = store_factory(folder)
    officer = key_header(make_keys(store)[Role.OFFICER])
    for base in serve(store.url, folder / "uvicorn.log", max_upload_bytes=str(MAX_UPLOAD)):
        yield base, store, officer
    close_store(store)


def _post(base: str, to: str, name: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{base}/imports/{to}", files={"file": (name, content)}, headers=headers, timeout=120
    )


def test_the_corpus_covers_every_file() -> None:
    files = {p.name for p in (DATA / "bad").iterdir() if p.name != "cases.toml"}
    assert files == {case["file"] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_a_clear_4xx_and_the_store_is_unchanged(
    officer_server: tuple[str, Store, dict[str, str]], case: dict[str, Any]
) -> None:
    base, store, officer = officer_server
    before = store_state(store)
    content = (DATA / "bad" / case["file"]).read_bytes()
    response = _post(base, case["to"], case["file"], content, officer)
    assert response.status_code == case["status"], response.text
    body = response.json()
    assert case["says"] in response.text, body
    assert "Traceback" not in response.text and "site-packages" not in response.text
    assert "site-gis-upload" not in response.text and "sqlite3_" not in response.text
    assert store_state(store) == before


@pytest.mark.parametrize(
    ("to", "name", "content", "says"),
    [
        ("results", "big.csv", b"a" * (MAX_UPLOAD + 1), "upload larger than"),
        ("layers/receptors", "big.geojson", b" " * (MAX_UPLOAD + 1), "upload larger than"),
        (
            "layers/encroachments",
            "huge.geojson",
            b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            b'"geometry":{"type":"Polygon","coordinates":[['
            + b",".join([b"[1,1]"] * 700_000)
            + b"]]}}]}",
            "upload larger than",
        ),
    ],
    ids=["oversized-csv", "oversized-geojson", "huge-coordinate-array-over-the-byte-limit"],
)
def test_oversized_uploads_are_413(
    officer_server: tuple[str, Store, dict[str, str]],
    to: str,
    name: str,
    content: bytes,
    says: str,
) -> None:
    base, store, officer = officer_server
    before = store_state(store)
    response = _post(base, to, name, content, officer)
    assert response.status_code == 413 and says in response.json()["detail"]
    assert store_state(store) == before


def test_a_good_layer_file_is_imported_and_audited(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    store = store_factory(tmp_path)
    officer = key_header(make_keys(store)[Role.OFFICER])
    good = (DATA / "good_receptors.geojson").read_bytes()
    for base in serve(store.url, tmp_path / "uvicorn.log"):
        response = _post(base, "layers/receptors", "good.geojson", good, officer)
        assert response.status_code == 201, response.text
        assert response.json()["features"] == 2
        assert response.json()["sha256"] == hashlib.sha256(good).hexdigest()
        again = _post(base, "layers/receptors", "good.geojson", good, officer)
        assert again.status_code == 422 and "R-T1" in again.text  # ids already stored
    stored = reopen(store).read("receptors", where={"receptor_id": ["R-T1", "R-T2"]})
    assert sorted(stored["receptor_id"]) == ["R-T1", "R-T2"]
    assert stored.geometry.x.round(6).tolist() == [67.40, 67.41]
    close_store(store)
