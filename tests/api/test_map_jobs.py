"""A map page never waits for a cold surface: it is drawn at once, follows the surface's job
and shows the surface when the job is done (real uvicorn, real local Dask cluster)."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from site_gis.store import GeoPackageStore
from tests.api.conftest import serve
from tests.api.test_maps_browser import REPORT_VIOLATIONS

PAGE = "/maps/contamination?analyte=Lead&medium=soil&method=kriging"
DRAWN = re.compile(r"Interpolated surface \(ordinary kriging, [0-9.]+ m cells\)")


@pytest.fixture(scope="module")
def hurried(demo_gpkg: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose map pages never wait for their surface (map_wait_s 0)."""
    folder = tmp_path_factory.mktemp("hurried")
    path = folder / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    yield from serve(path, folder / "uvicorn.log", map_wait_s="0")


def _job_of(page: str) -> str:
    found = re.search(r"/jobs/([0-9a-f]{32})", page)
    assert found, "the page names no job to follow"
    return found.group(1)


def _until_done(base: str, job_id: str) -> list[int]:
    """Poll the job until it ends; the progress values seen."""
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/jobs/{job_id}", timeout=30).json()
        seen.append(status["progress"])
        if status["status"] not in ("accepted", "running"):
            assert status["status"] == "successful", status
            return seen
        time.sleep(0.2)
    raise AssertionError("the map's job did not end in 120 s")


def test_a_cold_surface_is_drawn_later_and_the_unfinished_page_is_not_kept(
    hurried: str, tmp_path: Path
) -> None:
    first = httpx.get(f"{hurried}{PAGE}&land_use=residential", timeout=60)
    assert first.status_code == 200
    assert "sg-job-progress" in first.text and not DRAWN.search(first.text)
    assert "Samples (" in first.text  # the rest of the page is there at once
    progress = _until_done(hurried, _job_of(first.text))
    assert progress[-1] == 100 and progress == sorted(progress)  # never goes backwards
    second = httpx.get(f"{hurried}{PAGE}&land_use=residential", timeout=60)
    assert DRAWN.search(second.text), "the page after the job should draw the surface"
    assert "sg-job-progress" not in second.text


def test_the_page_follows_its_job_and_reloads_with_the_surface(
    hurried: str,
    browser: Any,
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script(REPORT_VIOLATIONS)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{hurried}/maps/contamination?analyte=Zinc&medium=soil&method=idw")
        assert page.locator("progress.sg-job-progress").count() == 1
        page.wait_for_selector(".sg-legend >> text=/m cells\\)/", timeout=120_000)
        page.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=30_000)
        assert page.locator("img.leaflet-image-layer").count() == 1  # the surface overlay
        assert page.locator("progress.sg-job-progress").count() == 0
        assert errors == []
    finally:
        context.close()


def test_the_encroachment_map_draws_parcels_at_once_and_hotspots_later(hurried: str) -> None:
    # Arsenic at a chosen level: no other test asks for this exposure, so its job is cold.
    page = "/maps/encroachments?analyte=Arsenic&cleanup_level=20"
    first = httpx.get(f"{hurried}{page}", timeout=60)
    assert first.status_code == 200
    assert "Computing the hotspots" in first.text and "sg-job-progress" in first.text
    assert "Encroached parcels" in first.text  # parcels and encroachments drawn at once
    assert "Hotspots (Arsenic" not in first.text
    progress = _until_done(hurried, _job_of(first.text))
    assert progress[-1] == 100 and progress == sorted(progress)
    second = httpx.get(f"{hurried}{page}", timeout=60)
    assert "sg-job-progress" not in second.text
    assert "Hotspots (Arsenic \\u003e 20 mg/kg (chosen level))" in second.text  # their layer


def test_the_parcel_route_reuses_the_pages_exposure_job(hurried: str) -> None:
    """The encroachment routes take the same kept ``exposure`` job as the page (same inputs,
    same data version, same caller): the route's answer matches the page's hotspots."""
    page = httpx.get(f"{hurried}/maps/encroachments?analyte=Nickel&cleanup_level=50", timeout=60)
    job = _job_of(page.text)
    _until_done(hurried, job)
    listed_before = httpx.get(f"{hurried}/jobs", timeout=30).json()["jobs"]
    parcels = httpx.get(
        f"{hurried}/encroachments/parcels",
        params={"analyte": "Nickel", "cleanup_level": 50, "limit": 1000},
        timeout=60,
    )
    assert parcels.status_code == 200, parcels.text
    listed_after = httpx.get(f"{hurried}/jobs", timeout=30).json()["jobs"]
    assert len(listed_after) == len(listed_before)  # no new job: the kept result
    features = parcels.json()["features"]
    distances = [f["properties"]["distance_to_hotspot_m"] for f in features]
    assert features and any(d is not None for d in distances)  # ranked against hotspots
