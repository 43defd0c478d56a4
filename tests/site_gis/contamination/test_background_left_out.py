"""Background (reference) locations are the comparison, never part of the site's analyses.

Expected counts come from the shipped layer files read with pandas/json, not
from the store or the code under test.
"""

from __future__ import annotations

import json

import pandas as pd

from site_gis.contamination import load_results, statistics_tables
from site_gis.store import GeoPackageStore
from site_gis.surfaces import SurfaceRequest
from site_gis.surfaces.interpolation import sample_values
from tests.conftest import LAYERS


def _background_ids() -> set[str]:
    features = json.loads((LAYERS / "sample_locations.geojson").read_text())["features"]
    return {f["properties"]["location_id"] for f in features if f["properties"].get("background")}


def test_the_shipped_site_has_background_locations() -> None:
    assert len(_background_ids()) >= 12


def test_site_statistics_leave_background_results_out(demo_gpkg: GeoPackageStore) -> None:
    background = _background_ids()
    results = pd.read_csv(LAYERS / "results.csv")
    site = results[~results["location_id"].isin(background)]
    lead = site[(site["analyte"] == "Lead") & (site["medium"] == "soil")]

    summary, _ = statistics_tables(
        load_results(demo_gpkg, analyte="Lead", medium="soil"), resamples=100, full=False
    )
    assert int(summary["n"].sum()) == len(lead)


def test_load_results_selects_site_or_background(demo_gpkg: GeoPackageStore) -> None:
    background = _background_ids()
    site = load_results(demo_gpkg, medium="soil", background=False)
    reference = load_results(demo_gpkg, medium="soil", background=True)
    assert not set(site["location_id"]) & background
    assert set(reference["location_id"]) <= background and len(reference) > 0


def test_surfaces_are_made_of_the_site_locations_only(demo_gpkg: GeoPackageStore) -> None:
    points = sample_values(demo_gpkg, SurfaceRequest(analyte="Lead", medium="soil"))
    assert len(points) > 0
    assert not set(points["location_id"]) & _background_ids()
