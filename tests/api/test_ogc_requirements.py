"""Requirements of OGC API - Features Parts 1, 2 and 5 (schemas) that clients rely on.

Each test names the requirement it checks; expected feature sets are computed here from
the shipped layers with geopandas and shapely, never from the server's own code.
"""

from __future__ import annotations

import geopandas as gpd
import httpx
import pyogrio
import pytest
from openapi_spec_validator import validate
from shapely.geometry import box

from tests.conftest import geojson

EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
UTM = "http://www.opengis.net/def/crs/EPSG/0/32642"


def _layer(name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(geojson(name)["features"], crs="EPSG:4326")


def _ids(client: httpx.Client, layer: str, **params: str) -> set[str]:
    """Every feature id the items route answers, following ``next`` links."""
    ids: set[str] = set()
    response = client.get(f"/collections/{layer}/items", params={**params, "limit": 1000})
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        ids |= {str(f["id"]) for f in body["features"]}
        link = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
        if link is None:
            return ids
        response = client.get(link)


# -- 1. HTML encodings and alternate links (Part 1, /req/html, /rec/core/fc-links) ------


def test_every_resource_links_its_html_alternate(client: httpx.Client) -> None:
    for path in ("/collections", "/collections/eia_zones", "/collections/eia_zones/items"):
        links = client.get(path, params={"f": "json"}).json()["links"]
        assert any(x["rel"] == "alternate" and x["type"] == "text/html" for x in links), path
    feature = client.get("/collections/receptors/items/R-01", params={"f": "json"}).json()
    assert any(x["rel"] == "alternate" and x["type"] == "text/html" for x in feature["links"])
    collection = client.get("/collections/eia_zones", params={"f": "json"}).json()
    assert any(x["rel"] == "items" and x["type"] == "text/html" for x in collection["links"])


@pytest.mark.parametrize("path", ["/conformance", "/collections/receptors/items/R-01"])
def test_conformance_and_a_single_feature_in_html(client: httpx.Client, path: str) -> None:
    response = client.get(path, params={"f": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


# -- 2 and 9. Unknown parameters are refused (/rec/core/query-param-unknown) -----------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conformance",
        "/collections",
        "/collections/eia_zones",
        "/collections/receptors/items/R-01",
        "/collections/receptors/items",
    ],
)
@pytest.mark.parametrize("name", ["nonsense", "format", "layers"])
def test_an_unknown_parameter_is_a_400_naming_it(
    client: httpx.Client, path: str, name: str
) -> None:
    response = client.get(path, params={name: "x", "f": "json"})
    assert response.status_code == 400, (path, name, response.text)
    assert name in response.text


def test_a_wfs_capabilities_request_is_told_what_this_service_is(client: httpx.Client) -> None:
    response = client.get("/", params={"SERVICE": "WFS", "REQUEST": "GetCapabilities"})
    assert response.status_code == 400
    assert "OGC API" in response.text and "Features" in response.text


# -- 3. Bounding boxes (/req/core/fc-bbox-definition) ----------------------------------


def test_a_box_across_the_antimeridian_is_two_boxes(client: httpx.Client) -> None:
    # The site lies at 67 E: a box from 177 E across 180 to 67.5 E covers it.
    zones = _layer("eia_zones")
    west, south, east, north = zones.total_bounds
    wrapped = _ids(client, "eia_zones", bbox=f"177,{south - 1},{east + 1},{north + 1}")
    assert wrapped == set(zones["zone_id"])
    missed = _ids(client, "eia_zones", bbox=f"177,{south - 1},{west - 1},{north + 1}")
    assert missed == set()


def test_a_three_dimensional_box_is_accepted_and_its_heights_ignored(
    client: httpx.Client,
) -> None:
    flat = _ids(client, "receptors", bbox="67.30,24.75,67.45,24.90")
    solid = _ids(client, "receptors", bbox="67.30,24.75,-100,67.45,24.90,9000")
    assert flat and solid == flat


def test_a_box_south_above_north_is_still_a_400(client: httpx.Client) -> None:
    response = client.get("/collections/receptors/items", params={"bbox": "67.3,24.9,67.4,24.8"})
    assert response.status_code == 400


# -- 4. datetime on undated layers; extents (/req/core/fc-time-response) ---------------


def test_datetime_on_an_undated_layer_returns_every_feature(client: httpx.Client) -> None:
    every = _ids(client, "eia_zones")
    dated = _ids(client, "eia_zones", datetime="2020-01-01/2020-12-31")
    assert dated == every == set(_layer("eia_zones")["zone_id"])


@pytest.mark.parametrize("layer", ["results", "structures", "encroachments"])
def test_dated_layers_state_their_temporal_extent(client: httpx.Client, layer: str) -> None:
    extent = client.get(f"/collections/{layer}", params={"f": "json"}).json()["extent"]
    interval = extent["temporal"]["interval"][0]
    assert interval[0] and interval[1] and interval[0] <= interval[1]


def test_no_collection_has_a_null_extent(client: httpx.Client) -> None:
    for collection in client.get("/collections", params={"f": "json"}).json()["collections"]:
        assert collection.get("extent", {}) is not None, collection["id"]


# -- 5. HEAD and OPTIONS ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/conformance", "/collections", "/collections/receptors/items"]
)
def test_head_answers_like_get_without_a_body(client: httpx.Client, path: str) -> None:
    get = client.get(path, params={"f": "json"})
    head = client.head(path, params={"f": "json"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_options_lists_the_allowed_methods(client: httpx.Client) -> None:
    response = client.options("/collections/receptors/items")
    assert response.status_code in (200, 204)
    assert {"GET", "HEAD"} <= {m.strip() for m in response.headers["allow"].split(",")}


# -- 6. The API definition (/req/oas30) ------------------------------------------------


def test_the_api_definition_is_valid_openapi_3_0_with_its_media_type(
    client: httpx.Client,
) -> None:
    response = client.get("/openapi.json")
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"].startswith("3.0")
    validate(document)  # openapi-spec-validator, against the OpenAPI 3.0 schema
    items = document["paths"]["/collections/{layer}/items"]["get"]
    params = {p["name"]: p for p in items["parameters"] if "name" in p}
    assert params["limit"]["schema"]["maximum"] >= params["limit"]["schema"]["default"]
    assert params["bbox"]["schema"]["type"] == "array"
    assert params["bbox"]["explode"] is False
    assert {"400", "503"} <= set(items["responses"])
    landing = client.get("/", params={"f": "json"}).json()["links"]
    desc = next(x for x in landing if x["rel"] == "service-desc")
    assert "version=3.0" in desc["type"]


# -- 7. Part 2: EPSG:4326 axis order and bbox-crs boxes --------------------------------


def test_epsg_4326_is_served_latitude_first(client: httpx.Client) -> None:
    response = client.get(
        "/collections/receptors/items", params={"crs": EPSG_4326, "receptor_id": "R-01"}
    )
    assert response.headers["content-crs"] == f"<{EPSG_4326}>"
    lat, lon = response.json()["features"][0]["geometry"]["coordinates"]
    receptor = _layer("receptors").set_index("receptor_id").loc["R-01", "geometry"]
    assert (lat, lon) == pytest.approx((receptor.y, receptor.x), abs=1e-9)


def test_an_epsg_4326_box_is_read_latitude_first(client: httpx.Client) -> None:
    lonlat = _ids(client, "receptors", bbox="67.30,24.75,67.45,24.90")
    latlon = _ids(client, "receptors", bbox="24.75,67.30,24.90,67.45", **{"bbox-crs": EPSG_4326})
    assert lonlat and latlon == lonlat


@pytest.mark.parametrize(("layer", "id_field"), [("structures", "structure_id")])
def test_a_metric_box_selects_what_lies_in_the_box_itself(
    client: httpx.Client, layer: str, id_field: str
) -> None:
    frame = _layer(layer).to_crs("EPSG:32642")
    x0, y0, x1, y1 = frame.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    area = box(cx - 1500, cy - 1500, cx + 1500, cy + 1500)
    expected = set(frame.loc[frame.intersects(area), id_field].astype(str))
    got = _ids(
        client,
        layer,
        bbox=f"{cx - 1500},{cy - 1500},{cx + 1500},{cy + 1500}",
        **{"bbox-crs": UTM},
    )
    assert expected and got == expected


# -- 8. Schemas: clients type fields from them ----------------------------------------


def test_each_collection_links_a_schema_that_types_its_fields(client: httpx.Client) -> None:
    collection = client.get("/collections/screening_levels", params={"f": "json"}).json()
    described = next(x["href"] for x in collection["links"] if x["rel"] == "describedby")
    schema = client.get(described).json()
    properties = schema["properties"]["properties"]["properties"]
    assert properties["lower_value"]["type"] == "number"


def test_gdal_types_a_float_field_as_real_from_the_schema(server: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{server}", layer="screening_levels")
    assert frame["lower_value"].dtype.kind == "f"
