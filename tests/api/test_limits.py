"""Each limit is a setting and each gives a clear 4xx (or, for time, a 503 saying why)."""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import pandas as pd
import pytest
import shapely

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


def test_read_only_posts_fall_under_the_time_limit_like_gets() -> None:
    for path in ("/encroachments/parcels", "/resettlement/estimate"):
        assert _run(_slow, path=path, method="POST")[0]["status"] == 503
    assert _run(_slow, path="/imports/results", method="POST")[0]["status"] == 200  # a write


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


LAYERS = Path(__file__).resolve().parents[2] / "layers"
ZONE, CELL_M = "coal_coke_storage", 40.0


def _cells_inside(zone: str, cell_m: float) -> int:
    """Cells of a north-up grid on the zone's bounds whose centre is inside it (shapely)
    and within the default search radius of a Lead soil sample: twice the samples' mean
    nearest-neighbour distance (scipy's cdist)."""
    from scipy.spatial.distance import cdist

    zones = gpd.read_file(LAYERS / "eia_zones.geojson").to_crs("EPSG:32642")
    polygon = zones.set_index("zone_id").geometry[zone]
    minx, miny, maxx, maxy = polygon.bounds
    width, height = math.ceil((maxx - minx) / cell_m), math.ceil((maxy - miny) / cell_m)
    x = minx + (np.arange(width) + 0.5) * cell_m
    y = maxy - (np.arange(height) + 0.5) * cell_m
    gx, gy = np.meshgrid(x, y)
    inside = shapely.contains_xy(polygon, gx, gy)
    places = gpd.read_file(LAYERS / "sample_locations.geojson").to_crs("EPSG:32642")
    places = places[places["location_id"].isin(_lead_location_ids())]
    samples = np.c_[places.geometry.x, places.geometry.y]
    between = cdist(samples, samples)
    np.fill_diagonal(between, np.inf)
    radius = 2 * between.min(axis=1).mean()
    near = cdist(np.c_[gx[inside], gy[inside]], samples).min(axis=1) <= radius
    return int(near.sum())


def _site_results() -> pd.DataFrame:
    """The shipped results at the site's own locations (background locations left out)."""
    results = pd.read_csv(LAYERS / "results.csv")
    places = gpd.read_file(LAYERS / "sample_locations.geojson")
    reference = places.loc[places["background"].fillna(False).astype(bool), "location_id"]
    return results[~results["location_id"].isin(reference)]


def _lead_location_ids() -> set[str]:
    results = _site_results()
    lead = results[(results["analyte"] == "Lead") & (results["medium"] == "soil")]
    value = lead["value"].where(lead["detected"], lead["detection_limit"] * 0.5)
    return set(lead.assign(v=value).dropna(subset=["v"])["location_id"])


def _lead_locations() -> int:
    """Sampled site locations with a Lead result in soil (pandas on the shipped CSV)."""
    results = _site_results()
    lead = results[(results["analyte"] == "Lead") & (results["medium"] == "soil")]
    value = lead["value"].where(lead["detected"], lead["detection_limit"] * 0.5)
    return int(lead.assign(v=value).dropna(subset=["v"])["location_id"].nunique())


@pytest.fixture(scope="module")
def budgeted(
    demo_gpkg: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int, int]]:
    """A server whose IDW and kriging limits are exactly those of a 40 m coal-yard surface."""
    cells, samples = _cells_inside(ZONE, CELL_M), _lead_locations()
    folder = tmp_path_factory.mktemp("budgeted")
    settings = {
        "max_idw_pairs": str(cells * 12),  # default IDW: 12 neighbours
        "max_kriging_samples": str(samples),
        "max_kriging_work": str((cells + samples) * 30**2),  # default kriging: 30 neighbours
    }
    for base in serve(demo_gpkg.path, folder / "uvicorn.log", **settings):
        yield base, cells, samples


def _surface(base: str, **params: Any) -> httpx.Response:
    query = {"cell_size_m": CELL_M, "f": "json", "zone": ZONE, **params}
    return httpx.get(f"{base}/surfaces/Lead", params=query, timeout=120)


def test_idw_at_its_pair_limit_runs_and_one_neighbour_more_is_a_400_saying_what_fits(
    budgeted: tuple[str, int, int],
) -> None:
    base, cells, _ = budgeted
    at_limit = _surface(base, method="idw", neighbours=12)
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["grid"]["cells_inside"] == cells
    over = _surface(base, method="idw", neighbours=13)
    assert over.status_code == 400
    detail = over.json()["description"]
    assert f"{cells * 13:,} cell-neighbour pairs; the limit is {cells * 12:,}" in detail
    assert "max_idw_pairs" in detail and "neighbours=12" in detail
    suggested = float(detail.split("cell_size_m=")[1].split()[0])
    assert _surface(base, method="idw", neighbours=13, cell_size_m=suggested).status_code == 200


def test_kriging_at_its_work_limit_runs_and_just_over_is_a_400(
    budgeted: tuple[str, int, int],
) -> None:
    base, cells, samples = budgeted
    at_limit = _surface(base, method="kriging")
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["samples"] == samples
    over = _surface(base, method="kriging", neighbours=31)
    assert over.status_code == 400
    detail = over.json()["description"]
    assert f"{(cells + samples) * 31**2:,} units of work" in detail
    assert "max_kriging_work" in detail and "neighbours=30" in detail


def test_kriging_more_samples_than_allowed_is_a_400_before_any_work(
    demo_gpkg: GeoPackageStore, tmp_path: Path
) -> None:
    samples = _lead_locations()
    settings = {"max_kriging_samples": str(samples - 1)}
    for base in serve(demo_gpkg.path, tmp_path / "uvicorn.log", **settings):
        response = _surface(base, method="kriging")
        assert response.status_code == 400
        detail = response.json()["description"]
        assert f"{samples:,} sampled locations; the limit is {samples - 1:,}" in detail
        assert _surface(base, method="idw").status_code == 200  # IDW fits no variogram
