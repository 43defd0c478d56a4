"""Each limit is a setting and each gives a clear 4xx (or, for time, a 503 saying why)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.limits import RequestTimeout
from site_gis.access import Role
from site_gis.store import GeoPackageStore
from tests.api.conftest import serve
from tests.conftest import key_header, make_keys
from tests.site_gis.contamination.test_lab_import import HEADER, _row


@pytest.fixture(scope="module")
def tight(
    demo_gpkg: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """A server with small limits: 2 import rows, 10,000 grid cells."""
    folder = tmp_path_factory.mktemp("tight")
    path = folder / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    officer = key_header(make_keys(GeoPackageStore(path))[Role.OFFICER])
    settings = {"max_import_rows": "2", "max_grid_cells": "10000"}
    for base in serve(path, folder / "uvicorn.log", **settings):
        yield base, officer


def test_too_many_rows(tight: tuple[str, dict[str, str]]) -> None:
    base, officer = tight
    content = HEADER + "".join(_row(sample=f"X-{i}") for i in range(3))
    response = httpx.post(
        f"{base}/imports/results",
        files={"file": ("three.csv", content.encode())},
        headers=officer,
        timeout=60,
    )
    assert response.status_code == 422
    assert "3 rows; at most 2 per file" in response.text


def test_too_many_cells(tight: tuple[str, dict[str, str]]) -> None:
    base, _ = tight
    response = httpx.get(
        f"{base}/surfaces/Lead", params={"cell_size_m": 50, "f": "json"}, timeout=60
    )
    assert response.status_code == 400
    assert "the limit is 10,000" in response.json()["description"]


def _run(app: Any, path: str = "/surfaces/x", method: str = "GET") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    middleware = RequestTimeout(app, seconds=0.1)
    with ThreadPoolExecutor(max_workers=1) as pool:  # a browser test may own this thread's loop
        pool.submit(lambda: asyncio.run(middleware(scope, receive, send))).result()
    return sent


async def _slow(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(1)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"late"})


async def _streaming(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await asyncio.sleep(0.3)
    await send({"type": "http.response.body", "body": b"done"})


def test_a_query_over_the_time_limit_is_told_so() -> None:
    sent = _run(_slow)
    assert sent[0]["status"] == 503 and (b"retry-after", b"30") in sent[0]["headers"]
    assert b"longer than the server's limit of 0.1 s" in sent[1]["body"]


def test_writes_exports_and_started_responses_are_not_cut_off() -> None:
    assert _run(_slow, method="POST")[0]["status"] == 200  # a write is never hidden by a 503
    assert _run(_slow, path="/exports/results")[0]["status"] == 200
    assert _run(_streaming)[-1]["body"] == b"done"  # already answering: left to finish


def test_an_oversized_body_is_refused_before_the_key_is_checked(
    demo_gpkg: GeoPackageStore, tmp_path: Path
) -> None:
    for base in serve(demo_gpkg.path, tmp_path / "uvicorn.log", max_upload_bytes="1048576"):
        body = b"x" * (8 * 1024 * 1024)
        response = httpx.post(
            f"{base}/imports/layers/receptors", files={"file": ("big", body)}, timeout=60
        )
        assert response.status_code == 413  # not 401: the body never got that far
        assert "Too Large" in response.text


def test_kriging_takes_a_quarter_of_the_cell_limit(tight: tuple[str, dict[str, str]]) -> None:
    base, _ = tight  # max_grid_cells 10,000: IDW may use them all, kriging 2,500
    params = {"cell_size_m": 40, "f": "json", "zone": "coal_coke_storage"}
    idw = httpx.get(f"{base}/surfaces/Lead", params={**params, "method": "idw"}, timeout=60)
    assert idw.status_code == 200, idw.text
    cells = idw.json()["grid"]["width"] * idw.json()["grid"]["height"]
    kriging = httpx.get(f"{base}/surfaces/Lead", params={**params, "method": "kriging"}, timeout=60)
    assert 2_500 < cells <= 10_000
    assert kriging.status_code == 400 and "the limit is 2,500" in kriging.text
