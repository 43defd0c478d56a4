"""Edge cases found in review: each a clear 4xx, honest numbers, no personal detail."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from rasterio.io import MemoryFile

from tests.api.test_encroachments import SITE_POLYGON
from tests.conftest import geojson


@pytest.mark.parametrize(
    "crs",
    [
        {"properties": "x"},
        {"properties": {"name": ["x"]}},
        "EPSG:3857",
        {"type": "name", "properties": {"name": "EPSG:3857"}},
    ],
)
def test_a_foreign_or_malformed_crs_member_is_a_422(client: httpx.Client, crs: object) -> None:
    response = client.post("/encroachments/parcels", json={"polygon": {**SITE_POLYGON, "crs": crs}})
    assert response.status_code == 422
    assert "lon/lat" in response.json()["problems"][0]["reason"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rates.shifting.rate": -5}, "rates.shifting.rate"),
        ({"rates.shifting.rate": "lots"}, "rates.shifting.rate"),
        ({"workers_per_business": [1, 2]}, "workers_per_business"),
    ],
)
def test_a_bad_matrix_override_is_a_422_naming_it(
    planner: httpx.Client, overrides: dict[str, object], field: str
) -> None:
    response = planner.post("/resettlement/estimate", json={"overrides": overrides})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == field


def test_a_selection_of_one_structure_reveals_nothing(planner: httpx.Client) -> None:
    feature = geojson("structures")["features"][11]
    body = planner.post("/resettlement/estimate", json={"polygon": feature["geometry"]}).json()
    totals = body["totals"][0]
    assert totals["suppressed"] is True and totals["structures"] <= 4
    for field in ("households", "vulnerable_households", "residential_structure", "total"):
        assert totals[field] is None


def test_usd_totals_of_a_suppressed_selection_are_null(planner: httpx.Client) -> None:
    feature = geojson("structures")["features"][11]
    response = planner.post(
        "/resettlement/estimate", json={"polygon": feature["geometry"], "usd_rate": 280}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"][0]["suppressed"] is True
    assert body["totals_usd"]["total"] is None
    assert set(body["totals_usd"].values()) == {None}
    assert "too few structures" in body["totals_usd_note"]


def test_usd_totals_are_the_pkr_totals_over_the_rate(planner: httpx.Client) -> None:
    # USD = PKR / 280, to the cent
    body = planner.post(
        "/resettlement/estimate",
        json={"kind": "scrapyard", "overrides": {"rates.business.rate": 50000}, "usd_rate": 280},
    ).json()
    totals = body["totals"][0]
    assert totals["suppressed"] is False
    assert body["totals_usd"]["income_business"] == round(totals["income_business"] / 280, 2)
    assert body["totals_usd"]["total"] == round(totals["total"] / 280, 2)
    assert "totals_usd_note" not in body


def test_a_usd_rate_too_small_to_divide_by_is_a_400(planner: httpx.Client) -> None:
    response = planner.post("/resettlement/estimate", json={"usd_rate": 1e-320})
    assert response.status_code == 400, response.text
    assert "usd_rate" in response.json()["detail"]


def test_water_is_not_costed_as_excavation(client: httpx.Client) -> None:
    response = client.get(
        "/remediation/estimate",
        params={"analyte": "Benzene", "medium": "groundwater", "cleanup_level": 30},
    )
    assert response.status_code == 400 and "soil and sediment" in response.text


def test_no_invented_cost_for_capping(client: httpx.Client) -> None:
    body = client.get(
        "/remediation/curve",
        params={
            "analyte": "Lead",
            "depth_top_m": 0,
            "depth_bottom_m": 0.5,
            "levels": "100000",
            "cell_size_m": 100,
        },
    ).json()
    rows = {r["technology"]: r for r in body["curve"]}
    assert rows["capping"]["cost_central"] is None
    assert rows["excavation_disposal"]["cost_central"] == 0
    assert (
        client.get("/remediation/curve", params={"analyte": "Lead", "levels": "inf"}).status_code
        == 400
    )


def test_idw_with_a_radius_writes_nodata_not_nan(client: httpx.Client) -> None:
    response = client.get(
        "/surfaces/Lead",
        params={"radius_m": 200, "cell_size_m": 100, "depth_top_m": 0, "depth_bottom_m": 0.5},
    )
    with MemoryFile(response.content) as memory, memory.open() as src:
        band = src.read(1)
        assert not np.isnan(band).any()
        assert int(src.tags()["samples"]) >= 100


def test_zone_filter_uses_where_the_encroachment_lies(client: httpx.Client) -> None:
    body = client.get(
        "/encroachments/parcels", params={"zone": "water_discharge_canals", "limit": 100}
    ).json()
    assert body["numberMatched"] > 0
    assert all("water_discharge_canals" in f["properties"]["zones"] for f in body["features"])


@pytest.mark.parametrize(
    "params", [{"on_hotspot": True}, {"within_m": 100}, {"analyte": "Lead"}, {"cleanup_level": 400}]
)
def test_hotspot_filters_need_their_inputs(client: httpx.Client, params: dict) -> None:
    response = client.get("/encroachments/parcels", params=params)
    assert response.status_code == 400
    assert "analyte" in response.json()["detail"]


def test_probability_band_needs_kriging(client: httpx.Client) -> None:
    response = client.get(
        "/hotspots", params={"analyte": "Lead", "cleanup_level": 400, "probability_at_least": 0.5}
    )
    assert response.status_code == 400 and "method=kriging" in response.text
