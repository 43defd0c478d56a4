"""OGC API - Features behaviour, proven with GDAL's OAPIF driver and by hand."""

from __future__ import annotations

import re

import httpx
import pyogrio
import pytest
from shapely.geometry import box, shape

from tests.conftest import geojson, results_csv


@pytest.mark.parametrize("layer", ["eia_zones", "parcels", "structures", "receptors", "results"])
def test_gdal_oapif_reads_every_feature(server: str, layer: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{server}", layer=layer)
    expected = len(results_csv()) if layer == "results" else len(geojson(layer)["features"])
    assert len(frame) == expected
    id_field = {
        "eia_zones": "zone_id",
        "parcels": "parcel_id",
        "structures": "structure_id",
        "receptors": "receptor_id",
        "results": "result_id",
    }[layer]
    assert frame[id_field].is_unique
    assert "households" not in frame.columns


def test_gdal_bbox_equals_an_envelope_clip(server: str) -> None:
    area = (67.298, 24.82, 67.303, 24.825)
    frame = pyogrio.read_dataframe(f"OAPIF:{server}", layer="structures", bbox=area)
    expected = {
        f["properties"]["structure_id"]
        for f in geojson("structures")["features"]
        if shape(f["geometry"]).envelope.intersects(box(*area))
    }
    assert set(frame["structure_id"]) == expected and expected


def test_conformance_and_landing(client: httpx.Client) -> None:
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    rels = {link["rel"] for link in client.get("/").json()["links"]}
    assert {"conformance", "data", "service-desc"} <= rels


def test_property_filter_and_datetime(client: httpx.Client) -> None:
    body = client.get("/collections/encroachments/items", params={"kind": "scrapyard"}).json()
    expected = sum(
        f["properties"]["kind"] == "scrapyard" for f in geojson("encroachments")["features"]
    )
    assert body["numberMatched"] == expected
    results = results_csv()
    window = client.get(
        "/collections/results/items",
        params={"datetime": "2026-05-01/2026-06-30", "medium": "groundwater", "limit": 1},
    ).json()
    in_window = results[
        (results["sampled_on"] >= "2026-05-01")
        & (results["sampled_on"] <= "2026-06-30")
        & (results["medium"] == "groundwater")
    ]
    assert window["numberMatched"] == len(in_window) > 0
    open_end = client.get(
        "/collections/results/items", params={"datetime": "2026-09-01/..", "limit": 1}
    ).json()
    assert open_end["numberMatched"] == int((results["sampled_on"] >= "2026-09-01").sum())


def test_a_number_no_stored_integer_can_equal_is_no_server_error(client: httpx.Client) -> None:
    for value in ("10000000000000000000", "-1e19", "1.5"):
        for f in ("json", "html"):
            response = client.get(
                "/collections/structures/items", params={"storeys": value, "f": f}
            )
            assert response.status_code in (200, 400), (value, f, response.text[:200])
            if response.status_code == 400:
                assert "storeys" in response.json()["detail"]
            elif f == "json":
                assert response.json()["numberMatched"] == 0


def test_single_feature_and_404(client: httpx.Client) -> None:
    feature = client.get("/collections/eia_zones/items/coal_coke_storage").json()
    assert feature["type"] == "Feature" and feature["id"] == "coal_coke_storage"
    assert {link["rel"] for link in feature["links"]} == {"self", "alternate", "collection"}
    missing = client.get("/collections/eia_zones/items/moon")
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"


def test_output_in_the_metric_crs(client: httpx.Client) -> None:
    response = client.get(
        "/collections/receptors/items",
        params={"crs": "http://www.opengis.net/def/crs/EPSG/0/32642", "receptor_id": "R-01"},
    )
    assert response.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/32642>"
    x, y = response.json()["features"][0]["geometry"]["coordinates"]
    # Gulshan-e-Hadeed: UTM 42N E 334 348, N 2 751 519 (DOMAIN_FACTS, computed independently)
    assert x == pytest.approx(334_348, abs=10) and y == pytest.approx(2_751_519, abs=10)
    lonlat = client.get("/collections/receptors/items", params={"receptor_id": "R-01"})
    assert lonlat.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_bbox_in_the_metric_crs(client: httpx.Client) -> None:
    lonlat = client.get(
        "/collections/receptors/items", params={"bbox": "67.30,24.75,67.45,24.90", "limit": 100}
    ).json()
    metres = client.get(
        "/collections/receptors/items",
        params={
            "bbox": "328400,2737000,343600,2754000",
            "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/32642",
            "limit": 100,
        },
    ).json()
    assert {f["id"] for f in metres["features"]} >= {"R-01", "R-04"}
    assert lonlat["numberMatched"] > 0


def test_queryables_leave_out_personal_fields(client: httpx.Client) -> None:
    schema = client.get("/collections/structures/queryables").json()
    assert "type" in schema["properties"] and "households" not in schema["properties"]
    assert client.get("/collections/structures/items", params={"households": 2}).status_code == 400


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"bbox": "67.3,24.8,67.4"}, 400),
        (
            {"bbox": "67.3,24.9,67.4,24.8"},
            400,
        ),  # south above north (west > east spans the antimeridian)
        ({"bbox": "67.3,-95,67.4,24.9"}, 400),
        ({"bbox": "a,b,c,d"}, 400),
        ({"limit": 0}, 400),
        ({"limit": -1}, 400),
        ({"crs": "EPSG:3857"}, 400),
        ({"bbox-crs": "urn:bogus"}, 400),
        ({"colour": "red"}, 400),
        ({"f": "xml"}, 400),
        ({"datetime": "yesterday"}, 400),
    ],
)
def test_bad_parameters_are_clear_errors(client: httpx.Client, params: dict, status: int) -> None:
    response = client.get("/collections/parcels/items", params=params)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_enormous_limit_is_capped(client: httpx.Client) -> None:
    body = client.get("/collections/results/items", params={"limit": 10_000_000}).json()
    assert body["numberReturned"] == 10_000  # the server's max_items


def test_datetime_on_a_layer_without_time_matches_every_feature(client: httpx.Client) -> None:
    # OGC API - Features Part 1, /req/core/fc-time-response C
    response = client.get("/collections/parcels/items", params={"datetime": "2026-01-01"})
    assert response.status_code == 200, response.text
    assert response.json()["numberMatched"] == len(geojson("parcels")["features"])
    bad = client.get("/collections/parcels/items", params={"datetime": "yesterday"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("datetime ")


def test_html_items_escape_values(client: httpx.Client) -> None:
    html = client.get("/collections/facilities/items", params={"f": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "SYNTHETIC DATA" in html.text and "Coke Oven Battery 1" in html.text
    # the only scripts are the page's own files (its small map), no value became one
    scripts = re.findall(r"<script[^>]*>", html.text)
    assert scripts and all(re.fullmatch(r'<script src="/static/[^"<>]+">', s) for s in scripts)


def test_owslib_reads_collections_and_items(server: str) -> None:
    from owslib.ogcapi.features import Features

    api = Features(server)
    ids = {c["id"] for c in api.collections()["collections"]}
    assert {"eia_zones", "parcels", "results"} <= ids
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in api.conformance()["conformsTo"]
    )
    page = api.collection_items("encroachments", limit=5, kind="transport_terminal")
    assert page["numberReturned"] == len(page["features"]) <= 5
    assert {f["properties"]["kind"] for f in page["features"]} == {"transport_terminal"}
    one = api.collection_item("eia_zones", "blast_furnace_yard")
    assert one["id"] == "blast_furnace_yard"
    schema = api.collection_queryables("structures")
    assert "households" not in schema["properties"]


def test_collections_in_html(client: httpx.Client) -> None:
    page = client.get("/collections", headers={"accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "SYNTHETIC DATA" in page.text and ">eia_zones</a>" in page.text
    one = client.get("/collections/parcels", params={"f": "html"})
    assert one.headers["content-type"].startswith("text/html") and "parcels" in one.text
    assert client.get("/collections").headers["content-type"] == "application/json"


def test_a_repeated_filter_is_cached_per_order(client: httpx.Client) -> None:
    def kinds(query: str) -> set[str]:
        body = client.get(f"/collections/receptors/items?{query}").json()
        return {f["properties"]["kind"] for f in body["features"]}

    first, second = kinds("kind=community&kind=well"), kinds("kind=well&kind=community")
    assert first != second and len(first) == len(second) == 1  # the last value wins, each time


def _results_matched(client: httpx.Client, **params: str) -> httpx.Response:
    return client.get("/collections/results/items", params={**params, "limit": 1})


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("2026-03-04", "2026-03-04", "2026-03-04"),
        ("2026-03-04T10:00:00Z", "2026-03-04", "2026-03-04"),
        ("2026-03-04t23:59:60+05:00", "2026-03-04", "2026-03-04"),  # lower-case t, leap second
        ("2026-03-04T00:00:00.123456789-03:30", "2026-03-04", "2026-03-04"),
        ("2026-05-01/2026-06-30", "2026-05-01", "2026-06-30"),
        ("2026-05-01T06:00:00Z/2026-06-30T18:00:00+05:00", "2026-05-01", "2026-06-30"),
        ("../2026-03-04", None, "2026-03-04"),
        ("/2026-03-04", None, "2026-03-04"),
        ("2026-09-01/..", "2026-09-01", None),
        ("2026-09-01/", "2026-09-01", None),
        ("2026-03-04/2026-03-04", "2026-03-04", "2026-03-04"),
    ],
)
def test_datetime_takes_rfc3339_dates_date_times_and_intervals(
    client: httpx.Client, value: str, low: str | None, high: str | None
) -> None:
    dates = results_csv()["sampled_on"]
    expected = int(((dates >= (low or "0000")) & (dates <= (high or "9999"))).sum())
    response = _results_matched(client, datetime=value)
    assert response.status_code == 200, response.text
    assert response.json()["numberMatched"] == expected > 0


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2024-01-01garbage", "not an RFC 3339"),
        ("2024-01-01T10:00:00", "not an RFC 3339"),  # RFC 3339 needs the offset
        ("2024-01-01 10:00:00Z", "not an RFC 3339"),
        ("2024-01-01T10:00Z", "not an RFC 3339"),
        ("20240101", "not an RFC 3339"),
        (" 2024-01-01", "not an RFC 3339"),
        ("2024-13-01", "not an RFC 3339"),
        ("2024-02-30", "not an RFC 3339"),
        ("yesterday", "not an RFC 3339"),
        ("2024-01-01T24:00:00Z", "no such time of day"),
        ("2024-01-01T10:60:00Z", "no such time of day"),
        ("2024-01-01T10:00:61Z", "no such time of day"),
        ("2024-01-01T10:00:00+24:00", "no such time offset"),
        ("2024-01-01T10:00:00+05:60", "no such time offset"),
        ("../..", "needs at least one end"),
        ("/", "needs at least one end"),
        ("..", "not an RFC 3339"),
        ("2024-01-01/2024-02-01/2024-03-01", "not an RFC 3339"),
        ("2024-03-01/2024-01-01", "ends before it starts"),
        ("2024-01-01T12:00:00Z/2024-01-01T11:00:00Z", "ends before it starts"),
    ],
)
def test_a_datetime_that_is_not_rfc3339_is_a_400_naming_it(
    client: httpx.Client, value: str, says: str
) -> None:
    response = _results_matched(client, datetime=value)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail.startswith("datetime ") and says in detail


@pytest.mark.parametrize(
    ("value", "detected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("Yes", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("NO", False),
    ],
)
def test_a_boolean_filter_takes_true_false_1_0_yes_no(
    client: httpx.Client, value: str, detected: bool
) -> None:
    expected = int((results_csv()["detected"] == detected).sum())
    response = _results_matched(client, detected=value)
    assert response.status_code == 200, response.text
    assert response.json()["numberMatched"] == expected > 0


@pytest.mark.parametrize("value", ["maybe", "", "t", "y", "2", "on", "truee", "yes please"])
def test_any_other_word_in_a_boolean_filter_is_a_400_naming_it(
    client: httpx.Client, value: str
) -> None:
    response = _results_matched(client, detected=value)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("detected must be true or false")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
def test_a_number_filter_must_be_finite(client: httpx.Client, value: str) -> None:
    response = client.get("/collections/structures/items", params={"floor_area_m2": value})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("floor_area_m2 must be a finite number")
