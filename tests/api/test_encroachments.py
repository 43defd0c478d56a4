"""Encroached parcels and resettlement over real HTTP; no household detail leaks."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.conftest import geojson

SITE_POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [[67.295, 24.815], [67.305, 24.815], [67.305, 24.83], [67.295, 24.83], [67.295, 24.815]]
    ],
}


def test_parcels_query(planner: httpx.Client) -> None:
    response = planner.get(
        "/encroachments/parcels",
        params={"kind": "residential_settlement", "min_households": 10, "limit": 5},
    )
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["numberMatched"] >= body["numberReturned"] > 0
    for feature in body["features"]:
        props = feature["properties"]
        assert "residential_settlement" in props["kinds"] and props["households"] >= 10
        assert props["people"] == pytest.approx(props["households"] * 6.3, abs=0.05)


def test_household_figures_per_parcel_are_for_planners(client: httpx.Client) -> None:
    body = client.get("/encroachments/parcels", params={"limit": 1000}).json()
    assert body["numberReturned"] > 0
    for feature in body["features"]:
        assert not {"households", "people", "businesses"} & set(feature["properties"])
        assert feature["properties"]["encroached_m2"] > 0
    for params in ({"min_households": 1}, {"sort_by": "households"}, {"sort_by": "people"}):
        response = client.get("/encroachments/parcels", params=params)
        assert response.status_code == 401 and "planner" in response.json()["detail"]


def test_parcels_with_hotspot_exposure(client: httpx.Client) -> None:
    body = client.get(
        "/encroachments/parcels",
        params={
            "analyte": "Lead",
            "cleanup_level": 400,
            "depth_top_m": 0,
            "depth_bottom_m": 0.5,
            "sort_by": "distance_to_hotspot_m",
            "descending": False,
            "limit": 3,
        },
    ).json()
    distances = [f["properties"]["distance_to_hotspot_m"] for f in body["features"]]
    assert distances == sorted(distances) and distances[0] >= 0


def test_polygon_query_and_bad_polygons(client: httpx.Client) -> None:
    good = client.post("/encroachments/parcels", json={"polygon": SITE_POLYGON, "limit": 1000})
    assert good.status_code == 200 and good.json()["numberMatched"] > 0
    swapped = {
        "type": "Polygon",
        "coordinates": [[[y, x] for x, y in SITE_POLYGON["coordinates"][0]]],
    }
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[67.29, 24.80], [67.31, 24.83], [67.29, 24.83], [67.31, 24.80], [67.29, 24.80]]
        ],
    }
    metres = {
        "type": "Polygon",
        "coordinates": [
            [[327000, 2741000], [329000, 2741000], [329000, 2743000], [327000, 2741000]]
        ],
    }
    for polygon, message in (
        (swapped, "look swapped"),
        (bowtie, "Self-intersection"),
        (metres, "not longitude/latitude"),
        ({"type": "Point", "coordinates": [67.3, 24.8]}, "Polygon"),
    ):
        response = client.post("/encroachments/parcels", json={"polygon": polygon})
        assert response.status_code == 422, polygon
        assert response.json()["problems"][0]["field"] == "polygon"
        assert message in response.json()["problems"][0]["reason"]


def test_resettlement_estimate(planner: httpx.Client) -> None:
    body = planner.post(
        "/resettlement/estimate",
        json={
            "kind": "scrapyard",
            "overrides": {"rates.business.rate": 50000},
            "usd_rate": 280,
            "phases": 2,
        },
    ).json()
    totals = body["totals"][0]
    losses = [
        "residential_structure",
        "commercial_structure",
        "land_use",
        "income_business",
        "wages",
        "shifting",
        "rental",
        "vulnerable",
    ]
    assert totals["subtotal"] == pytest.approx(sum(totals[c] for c in losses), abs=10)
    assert totals["total"] == pytest.approx(totals["subtotal"] * 1.15, abs=10)
    paid = [r for r in body["lines"] if r["loss"] == "income_business" and r["entitled"]]
    businesses = sum(r["quantity"] for r in paid)
    assert totals["income_business"] == businesses * 50000 * 12
    assert body["overrides"] == {"rates.business.rate": 50000}
    assert body["totals_usd"]["total"] == pytest.approx(totals["total"] / 280, abs=0.01)
    scrapyards = {
        f["properties"]["encroachment_id"]
        for f in geojson("encroachments")["features"]
        if f["properties"]["kind"] == "scrapyard"
    }
    assert {r["encroachment_id"] for r in body["by_encroachment"]} == scrapyards
    assert {r["phase"] for r in body["by_phase"]} == {1, 2}
    assert "rates.structure_katcha" in body["to_verify"]
    assert body["basis"]["cut_off_round"] == "R2"
    assert {s["scenario"] for s in body["scenarios"]} == {"cash_only", "relocation_site"}


def test_no_structure_or_household_record_in_any_output(
    planner: httpx.Client, client: httpx.Client
) -> None:
    text = planner.post("/resettlement/estimate", json={}).text
    text += client.get("/encroachments/parcels", params={"limit": 1000}).text
    assert "S-0" not in text and "structure_id" not in text
    assert "vulnerable_households" not in client.get("/collections/structures/items?limit=10").text


def test_bad_override_is_a_422(planner: httpx.Client) -> None:
    response = planner.post(
        "/resettlement/estimate", json={"overrides": {"rates.structure_mud_hut.rate": 5}}
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "rates.structure_mud_hut.rate"


def _circle(vertices: int) -> dict[str, object]:
    """A closed ring of ``vertices`` positions (the last repeats the first) on the west fringe."""
    angles = [2 * math.pi * i / (vertices - 1) for i in range(vertices - 1)]
    ring = [[67.30 + 0.005 * math.cos(a), 24.822 + 0.005 * math.sin(a)] for a in angles]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_a_polygon_over_the_vertex_cap_is_refused_before_it_is_validated(
    client: httpx.Client,
) -> None:
    at_cap = client.post("/encroachments/parcels", json={"polygon": _circle(20_000)})
    assert at_cap.status_code == 200, at_cap.text
    over = client.post("/encroachments/parcels", json={"polygon": _circle(20_001)})
    assert over.status_code == 422
    problem = over.json()["problems"][0]
    assert problem["field"] == "polygon"
    assert "20,001 vertices; at most 20,000" in problem["reason"]
    # a MultiPolygon counts the vertices of all its parts
    parts = {"type": "MultiPolygon", "coordinates": [_circle(10_001)["coordinates"]] * 2}
    counted = client.post("/encroachments/parcels", json={"polygon": parts})
    assert "20,002 vertices" in counted.json()["problems"][0]["reason"]
