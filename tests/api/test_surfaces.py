"""Surfaces, hotspots, remediation and receptors over real HTTP (SYNTHETIC demo data)."""

from __future__ import annotations

import httpx
import pytest
from rasterio.io import MemoryFile
from shapely.geometry import shape

LEAD = {
    "analyte": "Lead",
    "medium": "soil",
    "depth_top_m": 0,
    "depth_bottom_m": 0.5,
    "cell_size_m": 50,
}


def test_surface_geotiff_download(client: httpx.Client) -> None:
    response = client.get(
        "/surfaces/Lead", params={k: v for k, v in LEAD.items() if k != "analyte"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/tiff")
    with MemoryFile(response.content) as memory, memory.open() as src:
        assert src.crs.to_epsg() == 32642 and src.nodata == -9999
        assert src.tags()["data"] == "SYNTHETIC" and src.tags()["method"] == "idw"


def test_surface_json_summary(client: httpx.Client) -> None:
    body = client.get(
        "/surfaces/Lead",
        params={
            "f": "json",
            "method": "kriging",
            "log_transform": True,
            "threshold": 800,
            **{k: v for k, v in LEAD.items() if k != "analyte"},
        },
    ).json()
    assert body["variogram"]["model"] == "spherical"
    assert body["depth_basis"] == "the sampled interval 0–0.5 m below ground"
    assert set(body["cross_validation"]) == {"n", "rmse", "mae", "bias"}
    west, south, east, north = body["grid"]["bounds_lonlat"]
    assert 67.2 < west < east < 67.5 and 24.7 < south < north < 24.9


def test_hotspots_geojson(client: httpx.Client) -> None:
    response = client.get("/hotspots", params={**LEAD, "cleanup_level": 800})
    assert response.headers["content-type"] == "application/geo+json"
    features = response.json()["features"]
    assert features
    for feature in features:
        props = feature["properties"]
        assert props["area_ha"] > 0 and props["max_value"] > 800
        lon, lat = shape(feature["geometry"]).representative_point().coords[0]
        assert 67.2 < lon < 67.5 and 24.7 < lat < 24.9
    assert "blast_furnace_yard" in {f["properties"]["zone_id"] for f in features}


SHORT_TON = 0.90718474  # t
CPI_2000, CPI_2024 = 172.2, 313.689  # site_gis/reference/cost_index.csv


def test_remediation_estimate_and_curve(client: httpx.Client) -> None:
    body = client.get("/remediation/estimate", params={**LEAD, "cleanup_level": 800}).json()
    assert body["bulk_density_t_m3"] == 1.5425  # 1.3 short t/yd³
    assert body["price_year"] == 2024 and body["price"]["index"] == "US CPI-U"
    assert body["depth_basis"].startswith("per depth interval") and "0–0.5 m" in body["depth_basis"]
    assert body["domain"].startswith("Drawn within the site boundary")
    excavation = [r for r in body["hotspots"] if r["technology"] == "excavation_disposal"]
    assert excavation
    for row in excavation:  # one interval, 0–0.5 m: dug 0.5 m
        assert row["volume_m3"] == pytest.approx(row["area_m2"] * 0.5)
        assert row["tonnes"] == pytest.approx(row["volume_m3"] * 1.5425)
        assert row["cost_central"] == pytest.approx(
            row["tonnes"] / SHORT_TON * 65 * CPI_2024 / CPI_2000
        )
        assert row["rate_unit"] == "USD/short ton" and row["rate_central"] == 65
    totals = {t["technology"]: t for t in body["totals"]}
    assert totals["excavation_disposal"]["cost_central"] == pytest.approx(
        sum(r["cost_central"] for r in excavation)
    )
    curve = client.get("/remediation/curve", params={**LEAD, "levels": "200,400,800"}).json()
    assert curve["price_year"] == 2024 and curve["depth_basis"]
    areas = [r["area_ha"] for r in curve["curve"] if r["technology"] == "excavation_disposal"]
    assert areas == sorted(areas, reverse=True) and areas[0] > areas[-1]


def test_remediation_without_an_interval_digs_per_interval_and_says_so(
    client: httpx.Client,
) -> None:
    params = {"analyte": "Lead", "medium": "soil", "cell_size_m": 50, "cleanup_level": 800}
    body = client.get("/remediation/estimate", params=params).json()
    assert "0–0.5 m, 0.5–1.5 m, 1.5–3 m" in body["depth_basis"]
    assert [s["depth_interval_m"] for s in body["surfaces"]] == ["0-0.5", "0.5-1.5", "1.5-3"]
    slices = {s["interval"]: s["volume_m3"] for s in body["volume_by_interval"]}
    total = {t["technology"]: t for t in body["totals"]}["excavation_disposal"]["volume_m3"]
    assert sum(slices.values()) == pytest.approx(total) and slices["0–0.5 m"] > 0
    deeper = client.get(
        "/remediation/estimate", params={**params, "depth_top_m": 0.5, "depth_bottom_m": 1.5}
    ).json()
    for row in deeper["hotspots"]:  # dug from the ground surface, not 1.0 m
        assert row["volume_m3"] == pytest.approx(row["area_m2"] * 1.5)
    csv = client.get("/remediation/estimate", params={**params, "f": "csv"}).text
    assert "depth_basis" in csv.splitlines()[0] and "price_year" in csv.splitlines()[0]
    bad = client.get("/remediation/estimate", params={**params, "price_year": 1901})
    assert bad.status_code == 400 and "not in the cost index table" in bad.text


def test_receptors_down_gradient_of_the_benzene_plume(client: httpx.Client) -> None:
    body = client.get(
        "/receptors/at-risk",
        params={
            "analyte": "Benzene",
            "medium": "groundwater",
            "cleanup_level": 30,
            "cell_size_m": 50,
        },
    ).json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert any(name.startswith("East-side settlement") for name in names)
    for feature in body["features"]:
        props = feature["properties"]
        assert props["within"] or props["downgradient"] or props["on_hotspot"]
        assert props["hotspot_count"] == len(props["hotspots"]) >= 1


def test_well_e4_is_at_risk_with_the_flow_basis_stated(client: httpx.Client) -> None:
    basis = "the site's stated azimuth (90°, east)"
    common = {"analyte": "Benzene", "medium": "groundwater", "cleanup_level": 10}
    body = client.get(
        "/receptors/at-risk",
        params={**common, "flow_from": "stated", "flow_azimuth_deg": 90, "flow_basis": basis},
    ).json()
    assert body["flow"] == {"azimuth_deg": 90.0, "gradient": None, "basis": basis}
    wells = {f["properties"]["receptor_id"]: f["properties"] for f in body["features"]}
    e4 = wells["R-13"]
    assert e4["downgradient"] and e4["flow_basis"] == basis
    assert 1250 < e4["distance_m"] < 1350 and 60 <= e4["bearing_deg"] <= 70


def test_the_flow_is_fitted_from_the_heads_by_default(client: httpx.Client) -> None:
    body = client.get(
        "/receptors/at-risk",
        params={"analyte": "Benzene", "medium": "groundwater", "cleanup_level": 10},
    ).json()
    flow = body["flow"]
    assert flow["basis"].startswith("planar least-squares fit of the heads")
    assert 0 < flow["gradient"] < 0.01 and 0 <= flow["azimuth_deg"] < 360
    for feature in body["features"]:
        assert feature["properties"]["flow_basis"] == flow["basis"]


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/surfaces/Lead", {"cell_size_m": 0.5}, 400, "greater than or equal to 1"),
        ("/surfaces/Lead", {"cell_size_m": 1.5}, 400, "the limit is 1,000,000"),
        (
            "/surfaces/Lead",
            {"medium": "surface_water", "method": "kriging", "depth_top_m": 0.1},
            422,
            "needs at least 10 sampled locations",
        ),
        ("/surfaces/Lead", {"zone": "moon"}, 400, "Input should be"),
        ("/surfaces/Lead", {"power": 0}, 400, "greater than 0"),
        ("/surfaces/Lead", {"neighbours": 5000}, 400, "less than or equal to 200"),
        ("/surfaces/Lead", {"method": "idw", "threshold": 5}, 400, "needs method=kriging"),
        ("/hotspots", {"analyte": "Lead", "cleanup_level": 0}, 400, "greater than 0"),
        ("/hotspots", {"analyte": "Lead", "cleanup_level": -3}, 400, "greater than 0"),
        ("/remediation/curve", {"analyte": "Lead", "levels": "a,b"}, 400, "comma-separated"),
    ],
)
def test_bad_surface_parameters(
    client: httpx.Client, path: str, params: dict, status: int, message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert message in response.text
