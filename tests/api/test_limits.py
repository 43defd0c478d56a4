"""Each limit is a setting and each gives a clear 4xx (or, for time, a 503 saying why)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from site_gis.access import Role
from site_gis.store import GeoPackageStore
from tests.api.conftest import serve
from tests.conftest import key_header, make_keys
from tests.site_gis.test_lab_import import HEADER, _row


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


def test_a_request_over_the_time_limit_is_told_so(
    demo_gpkg: GeoPackageStore, tmp_path: Path
) -> None:
    slow = {"method": "kriging", "cell_size_m": 25, "f": "json"}  # ~116,000 cells: seconds
    for base in serve(demo_gpkg.path, tmp_path / "uvicorn.log", request_timeout_s="0.25"):
        response = httpx.get(f"{base}/surfaces/Lead", params=slow, timeout=60)
        assert response.status_code == 503
        assert "longer than the server's limit of 0.25 s" in response.json()["detail"]
        assert response.headers["retry-after"] == "30"
        assert httpx.get(f"{base}/conformance", timeout=10).status_code == 200  # still serving
