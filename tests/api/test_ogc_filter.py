"""OGC API - Features Part 3 (CQL2 filters), sorting, field selection and queryables.

Over real HTTP on each store backend.  Every expected selection is computed here
from the shipped layers (SYNTHETIC data) with geopandas, shapely, pandas and
pyproj's geodesic, never with the server's own code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import httpx
import jsonschema
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, box

from api.known_params import ITEMS_PARAMETERS
from site_gis.schemas import CATALOGUE
from tests.conftest import geojson, results_csv

UTM = "http://www.opengis.net/def/crs/EPSG/0/32642"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
_LAYERS: dict[str, Any] = {}


def _layer(name: str) -> Any:
    """A shipped layer read without the code under test (results: pandas from the CSV)."""
    if name not in _LAYERS:
        if name == "results":
            _LAYERS[name] = results_csv()
        else:
            features = geojson(name)["features"]
            frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
            _LAYERS[name] = frame
    return _LAYERS[name]


ID = {
    "encroachments": "encroachment_id",
    "parcels": "parcel_id",
    "facilities": "facility_id",
    "results": "result_id",
    "sample_locations": "location_id",
    "structures": "structure_id",
    "receptors": "receptor_id",
}


def _ids(client: httpx.Client, layer: str, **params: Any) -> list[str]:
    """Every feature id the items route answers, in order, following ``next`` links."""
    ids: list[str] = []
    response = client.get(f"/collections/{layer}/items", params={"limit": 1000, **params})
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [str(f["id"]) for f in body["features"]]
        link = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
        if link is None:
            assert body["numberMatched"] == len(ids)
            return ids
        response = client.get(link)


def _like(pattern: str) -> Callable[[str], bool]:
    """A CQL2 LIKE pattern as a Python regular expression (case-sensitive)."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return lambda text: isinstance(text, str) and re.fullmatch(regex, text, re.DOTALL) is not None


_GEOD = Geod(ellps="WGS84")
_CENTRE = (67.35, 24.81)  # lon, lat inside the site (sample locations around it)


def _geodesic_m(frame: Any, lon: float, lat: float) -> np.ndarray:
    """Geodesic distance (m, WGS 84) from (lon, lat) to each point of ``frame``."""
    xs, ys = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    _, _, dist = _GEOD.inv(np.full_like(xs, lon), np.full_like(ys, lat), xs, ys)
    return np.asarray(dist)


_POLYGON = shapely.Polygon([(67.30, 24.79), (67.34, 24.79), (67.34, 24.83), (67.30, 24.83)])
_BOX = box(67.30, 24.80, 67.33, 24.82)

# (layer, CQL2 text, the same predicate evaluated by geopandas / pandas)
CASES: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("encroachments", "kind = 'scrapyard'", lambda f: f.kind == "scrapyard"),
    (
        "encroachments",
        "households >= 300 AND kind <> 'scrapyard'",
        lambda f: (f.households >= 300) & (f.kind != "scrapyard"),
    ),
    ("encroachments", "300 < households", lambda f: f.households > 300),
    (
        "structures",
        "storeys > 1.5 AND storeys <> 3",
        lambda f: (f.storeys > 1.5) & (f.storeys != 3),
    ),
    ("structures", "storeys IN (1, 2.5)", lambda f: f.storeys == 1),
    (
        "parcels",
        "land_use IN ('utilities', 'open_land') OR area_ha < 5",
        lambda f: f.land_use.isin(["utilities", "open_land"]) | (f.area_ha < 5),
    ),
    ("parcels", "area_ha BETWEEN 10 AND 50", lambda f: f.area_ha.between(10, 50)),
    ("parcels", "NOT area_ha BETWEEN 10 AND 50", lambda f: ~f.area_ha.between(10, 50)),
    ("encroachments", "name LIKE '%a%'", lambda f: f.name.map(_like("%a%"))),
    ("encroachments", "name LIKE 'S_rap%'", lambda f: f.name.map(_like("S_rap%"))),
    (
        "encroachments",
        "name NOT LIKE '%settlement _ (%'",
        lambda f: ~f.name.map(_like("%settlement _ (%")),
    ),
    ("facilities", "capacity IS NULL", lambda f: f.capacity.isna()),
    ("facilities", "commissioned IS NOT NULL", lambda f: f.commissioned.notna()),
    (
        "results",
        "value > 10 AND detected = true AND medium = 'soil'",
        lambda f: (f.value > 10) & f.detected & (f.medium == "soil"),
    ),
    (
        "results",
        "qualifier IS NULL OR qualifier = 'J'",
        lambda f: f.qualifier.isna() | (f.qualifier == "J"),
    ),
    ("results", "value <= 0.5", lambda f: f.value <= 0.5),  # an empty value is not <= 0.5
    ("results", "NOT value <= 0.5", lambda f: f.value > 0.5),  # ... nor is its NOT true
    (
        "results",
        "sampled_on >= DATE('2026-03-01') AND depth_top_m = 0",
        lambda f: (f.sampled_on >= "2026-03-01") & (f.depth_top_m == 0),
    ),
    (
        "results",
        "T_INTERSECTS(sampled_on, INTERVAL('2026-02-10', '2026-02-20'))",
        lambda f: f.sampled_on.between("2026-02-10", "2026-02-20"),
    ),
    (
        "results",
        "T_DURING(sampled_on, INTERVAL('2026-06-14', '..'))",
        lambda f: f.sampled_on > "2026-06-14",
    ),
    (
        "structures",
        "T_BEFORE(surveyed_on, DATE('2025-03-01')) AND storeys > 1",
        lambda f: (f.surveyed_on < "2025-03-01") & (f.storeys > 1),
    ),
    (
        "parcels",
        "S_INTERSECTS(geometry, BBOX(67.30, 24.80, 67.33, 24.82))",
        lambda f: f.intersects(_BOX),
    ),
    (
        "parcels",
        f"S_WITHIN(geometry, {_POLYGON.wkt})",
        lambda f: f.within(_POLYGON),
    ),
    (
        "parcels",
        f"NOT S_INTERSECTS(geometry, {_POLYGON.wkt}) AND land_use = 'heavy_industry'",
        lambda f: ~f.intersects(_POLYGON) & (f.land_use == "heavy_industry"),
    ),
    (
        "eia_zones",
        "S_CONTAINS(geometry, POINT(67.35 24.81)) OR S_DISJOINT(geometry, POINT(67.35 24.81))",
        lambda f: f.contains(Point(_CENTRE)) | f.disjoint(Point(_CENTRE)),
    ),
    (
        "sample_locations",
        "S_DWITHIN(geometry, POINT(67.35 24.81), 1450)",
        lambda f: _geodesic_m(f, *_CENTRE) <= 1450,
    ),
    (
        "sample_locations",
        "S_DWITHIN(geometry, POINT(67.35 24.81), 1450, meters) AND medium <> 'soil'",
        lambda f: (_geodesic_m(f, *_CENTRE) <= 1450) & (f.medium != "soil"),
    ),
]


def _expected(layer: str, predicate: Callable[[Any], Any]) -> list[str]:
    frame = _layer(layer)
    selected = frame[np.asarray(predicate(frame), dtype=bool)]
    return sorted(map(str, selected[ID.get(layer, "zone_id")]))


def test_the_distance_cases_have_no_point_near_the_threshold() -> None:
    """PostGIS measures on the spheroid, GeoPackage in UTM: no point within 1 % of 1,450 m."""
    distance = _geodesic_m(_layer("sample_locations"), *_CENTRE)
    assert not ((distance > 1435) & (distance < 1465)).any()
    assert 3 <= (distance <= 1450).sum() < len(distance)


@pytest.mark.parametrize(("layer", "text", "predicate"), CASES, ids=[c[1][:50] for c in CASES])
def test_cql2_text_selects_what_geopandas_selects(
    client: httpx.Client, layer: str, text: str, predicate: Callable[[Any], Any]
) -> None:
    expected = _expected(layer, predicate)
    assert sorted(_ids(client, layer, filter=text)) == expected


def test_the_cases_select_something_and_not_everything() -> None:
    for layer, text, predicate in CASES:
        if text.startswith("S_CONTAINS"):
            continue  # contains-or-disjoint is every zone but the one touching the point
        chosen = len(_expected(layer, predicate))
        assert 0 < chosen < len(_layer(layer)), text


@pytest.mark.parametrize(
    ("layer", "document", "predicate"),
    [
        (
            "encroachments",
            {
                "op": "and",
                "args": [
                    {"op": "=", "args": [{"property": "kind"}, "residential_settlement"]},
                    {"op": ">", "args": [{"property": "structures_pucca"}, 10]},
                ],
            },
            lambda f: (f.kind == "residential_settlement") & (f.structures_pucca > 10),
        ),
        (
            "parcels",
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {"type": "Polygon", "coordinates": [list(_POLYGON.exterior.coords)]},
                ],
            },
            lambda f: f.intersects(_POLYGON),
        ),
        (
            "results",
            {
                "op": "t_intersects",
                "args": [{"property": "sampled_on"}, {"interval": ["2026-02-10", "2026-02-20"]}],
            },
            lambda f: f.sampled_on.between("2026-02-10", "2026-02-20"),
        ),
    ],
)
def test_cql2_json(
    client: httpx.Client, layer: str, document: dict[str, Any], predicate: Callable[[Any], Any]
) -> None:
    params = {"filter": json.dumps(document), "filter-lang": "cql2-json"}
    assert sorted(_ids(client, layer, **params)) == _expected(layer, predicate)


def test_filter_crs_in_metres_and_latitude_first(client: httpx.Client) -> None:
    parcels = _layer("parcels")
    x, y = Transformer.from_crs(4326, 32642, always_xy=True).transform(*_CENTRE)
    metric = box(x - 1500, y - 1500, x + 1500, y + 1500)  # EPSG:32642 easting, northing (m)
    expected = sorted(parcels[parcels.to_crs(32642).intersects(metric)].parcel_id)
    assert 0 < len(expected) < len(parcels)
    text = f"S_INTERSECTS(geometry, {metric.wkt})"
    assert sorted(_ids(client, "parcels", filter=text, **{"filter-crs": UTM})) == expected
    lat_first = "S_INTERSECTS(geometry, BBOX(24.80, 67.30, 24.82, 67.33))"  # EPSG:4326 axis order
    found = _ids(client, "parcels", filter=lat_first, **{"filter-crs": EPSG_4326})
    assert sorted(found) == _expected("parcels", lambda f: f.intersects(_BOX))


def test_filter_combines_with_bbox_datetime_and_equality(client: httpx.Client) -> None:
    found = _ids(
        client,
        "encroachments",
        filter="households > 100",
        bbox="67.29,24.78,67.31,24.84",
        datetime="2020-01-01/..",
        kind="residential_settlement",
    )
    frame = _layer("encroachments")
    chosen = (
        (frame.households > 100)
        & frame.intersects(box(67.29, 24.78, 67.31, 24.84))
        & (frame.surveyed_on >= "2020-01-01")
        & (frame.kind == "residential_settlement")
    )
    assert sorted(found) == sorted(frame[chosen].encroachment_id)


# -- names: injection attempts and hidden fields ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\"name\" = 'x' OR \"1\" = '1'",
        "\"kind; DROP TABLE parcels; --\" = 'x'",
        '"kind"" = kind OR ""1" = \'1\'',
        '"geometry) OR 1=1 --" IS NULL',
    ],
)
def test_a_property_name_that_is_sql_is_an_unknown_property(
    client: httpx.Client, text: str
) -> None:
    before = client.get("/collections/parcels").json()["itemCount"]
    response = client.get("/collections/encroachments/items", params={"filter": text})
    assert response.status_code == 400, response.text
    assert "unknown property" in response.json()["detail"]
    assert client.get("/collections/parcels").json()["itemCount"] == before


def test_like_is_case_sensitive(client: httpx.Client) -> None:
    upper = _ids(client, "encroachments", filter="name LIKE 'Scrap%'")
    assert len(upper) == 6
    assert _ids(client, "encroachments", filter="name LIKE 'scrap%'") == []
    assert _ids(client, "encroachments", filter="name LIKE 'Scrap\\%'") == []  # a literal %


def test_a_text_value_that_is_sql_is_only_a_value(client: httpx.Client) -> None:
    text = "kind = 'scrapyard'' OR ''1''=''1' OR name = 'x'');--'"
    response = client.get("/collections/encroachments/items", params={"filter": text})
    assert response.status_code == 200, response.text
    assert response.json()["numberMatched"] == 0


def test_a_household_field_is_unknown_to_the_public_and_known_to_planners(
    client: httpx.Client, planner: httpx.Client
) -> None:
    hidden = client.get("/collections/structures/items", params={"filter": "households > 2"})
    unknown = client.get("/collections/structures/items", params={"filter": "householdz > 2"})
    assert hidden.status_code == unknown.status_code == 400
    # the same answer but for the name: the error cannot tell that the field exists
    assert hidden.json()["detail"].replace("households", "X") == unknown.json()["detail"].replace(
        "householdz", "X"
    )
    assert "vulnerable_households" not in hidden.json()["detail"]
    sorted_hidden = client.get("/collections/structures/items", params={"sortby": "households"})
    assert sorted_hidden.status_code == 400
    chosen = client.get("/collections/structures/items", params={"properties": "households"})
    assert chosen.status_code == 400
    frame = _layer("structures")
    expected = sorted(
        frame[(frame.households > 2) & (frame.vulnerable_households >= 1)].structure_id
    )
    text = "households > 2 AND vulnerable_households >= 1"
    assert sorted(_ids(planner, "structures", filter=text)) == expected


# -- bounds and bad filters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "words"),
    [
        # nested some thousands deep, these would exhaust the native parser's stack
        ({"filter": "(" * 4000 + "kind = 'x'" + ")" * 4000}, "nested deeper"),
        ({"filter": "kind = " + "-" * 6000 + "1"}, "prefix operators"),
        ({"filter": "NOT " * 2000 + "kind = 'x'"}, "prefix operators"),
        ({"filter": "(" * 17 + "kind = 'x'" + ")" * 17}, "nested deeper"),
        ({"filter": " OR ".join(["kind = 'x'"] * 300)}, "nodes"),
        ({"filter": "kind = '" + "x" * 2000 + "'"}, "longer than"),
        ({"filter": "kind = 'x" + "y" * 9000 + "'"}, "characters"),
        ({"filter": "kind IN (" + ", ".join(["'a'"] * 600) + ")"}, "IN"),
        ({"filter": "S_DWITHIN(geometry, POINT(67.3 24.8), 1e7)"}, "metres"),
        ({"filter": " OR ".join(["S_INTERSECTS(geometry, POINT(67.3 24.8))"] * 9)}, "spatial"),
        ({"filter": "S_DWITHIN(geometry, POINT(67.3 24.8), 10, feet)"}, "metres"),
        ({"filter": "kind = "}, "not valid cql2-text"),
        ({"filter": "households > 'many'"}, "compared with"),
        ({"filter": "kind = 3"}, "compared with"),
        ({"filter": "kind = name"}, "two properties"),
        ({"filter": "CASEI(kind) = 'x'"}, "not supported"),
        ({"filter": "S_INTERSECTS(geometry, POINT(500 24.8))"}, "outside"),
        ({"filter": "{", "filter-lang": "cql2-json"}, "not JSON"),
        ({"filter": "kind = 'x'", "filter-lang": "ecql"}, "filter-lang"),
        ({"filter": "kind = 'x'", "filter-crs": "EPSG:3857"}, "crs"),
        ({"sortby": "-colour"}, "unknown property"),
        ({"sortby": "a,b,c,d,e,f"}, "sortby"),
        ({"properties": "name,name"}, "repeated"),
    ],
)
def test_bad_or_oversized_filters_are_400s_naming_the_problem(
    client: httpx.Client, params: dict[str, str], words: str
) -> None:
    response = client.get("/collections/encroachments/items", params=params)
    assert response.status_code == 400, response.text
    assert words.lower() in response.json()["detail"].lower()


def test_a_filter_that_does_not_parse_says_where_and_what_was_expected(
    client: httpx.Client,
) -> None:
    """'kind = ' stops at character 8 (1-based, after the 7 characters 'kind = '):
    a value or property must follow there."""
    response = client.get("/collections/encroachments/items", params={"filter": "kind = "})
    detail = response.json()["detail"]
    assert response.status_code == 400
    assert "at character 8, after 'kind ='" in detail
    assert "expected" in detail and "a property name" in detail and "a number" in detail
    assert "for example:" in detail
    unclosed = client.get("/collections/encroachments/items", params={"filter": "kind = 'x' )"})
    assert "at character 12" in unclosed.json()["detail"]
    assert "the end of the filter" in unclosed.json()["detail"]
    assert "-->" not in detail + unclosed.json()["detail"]  # not the parser's own layout


def test_values_reach_sql_only_as_bound_parameters() -> None:
    """The SQL text of a filter holds no value of it, on either backend (quoting cannot fail)."""
    import psycopg.sql

    from api.cql2 import parse_filter
    from site_gis.store import gpkg_features, postgis

    schema = CATALOGUE["encroachments"]
    evil = "x'); DROP TABLE encroachments; --"

    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    text = (
        f"name = {quoted(evil)} OR name LIKE {quoted('%' + evil[:3] + '%')} "
        f"OR kind IN ({quoted(evil[:5])}) OR households BETWEEN 1 AND 7"
    )
    expr = parse_filter(text, None, None, schema, schema.public_field_names)
    layer = gpkg_features._Layer("encroachments", "fid", "geom", None, True)
    sqlite_text, sqlite_params = gpkg_features._expr_sql(expr, layer, {})
    assert "DROP" not in sqlite_text and evil in sqlite_params
    composed, pg_params = postgis._expr_sql(expr)
    pg_text = "".join(
        part.as_string(None) if isinstance(part, psycopg.sql.SQL | psycopg.sql.Identifier) else ""
        for part in _parts(composed)
    )
    assert "DROP" not in pg_text and evil in pg_params
    assert not any(isinstance(p, psycopg.sql.Literal) for p in _parts(composed))


def _parts(composed: Any) -> list[Any]:
    """The leaves of a psycopg ``Composed``."""
    import psycopg.sql

    if isinstance(composed, psycopg.sql.Composed):
        return [leaf for part in composed._obj for leaf in _parts(part)]
    return [composed]


def test_spatial_filter_on_a_table_is_a_400(client: httpx.Client) -> None:
    text = "S_INTERSECTS(geometry, BBOX(67.3, 24.8, 67.4, 24.9))"
    response = client.get("/collections/results/items", params={"filter": text})
    assert response.status_code == 400
    assert "geometry" in response.json()["detail"]


# -- sortby, properties, skipGeometry ------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "sortby", "columns", "ascending"),
    [
        ("parcels", "-area_ha", ["area_ha"], [False]),
        ("parcels", "land_use,-area_ha", ["land_use", "area_ha"], [True, False]),
        ("results", "+value,-sampled_on", ["value", "sampled_on"], [True, False]),
        ("facilities", "capacity", ["capacity"], [True]),
    ],
)
def test_sortby_orders_as_pandas_does(
    client: httpx.Client, layer: str, sortby: str, columns: list[str], ascending: list[bool]
) -> None:
    frame = _layer(layer)
    key = ID[layer]
    # ties keep storage order (identifier order for the built layers); empty values last
    ordered = frame.sort_values(key, kind="stable").sort_values(
        columns, ascending=ascending, kind="stable", na_position="last"
    )
    assert _ids(client, layer, sortby=sortby) == list(map(str, ordered[key]))


def test_sortby_pages_and_filter_together(client: httpx.Client) -> None:
    frame = _layer("parcels")
    chosen = (
        frame[frame.area_ha > 20]
        .sort_values("parcel_id")
        .sort_values("area_ha", ascending=False, kind="stable")
    )
    params: dict[str, str | int] = {"filter": "area_ha > 20", "sortby": "-area_ha", "limit": 7}
    first = client.get("/collections/parcels/items", params=params).json()
    following = next(x["href"] for x in first["links"] if x["rel"] == "next")
    second = client.get(following).json()
    got = [f["id"] for f in first["features"] + second["features"]]
    assert got == list(chosen.parcel_id[:14])
    assert first["numberMatched"] == len(chosen)


def test_a_filter_that_matches_nothing(client: httpx.Client) -> None:
    params = {"filter": "area_ha < 0", "sortby": "area_ha", "properties": ""}
    body = client.get("/collections/parcels/items", params=params).json()
    assert body["numberMatched"] == 0 and body["features"] == []
    html = client.get("/collections/parcels/items", params={**params, "f": "html"})
    assert html.status_code == 200


def test_properties_and_skip_geometry(client: httpx.Client) -> None:
    body = client.get(
        "/collections/parcels/items",
        params={"properties": "area_ha,land_use", "skipGeometry": "true", "limit": 3},
    ).json()
    for feature in body["features"]:
        assert list(feature["properties"]) == ["area_ha", "land_use"]
        assert feature["geometry"] is None
    html = client.get(
        "/collections/parcels/items",
        params={
            "properties": "land_use",
            "sortby": "-area_ha",
            "filter": "area_ha > 20",
            "f": "html",
        },
    )
    assert html.status_code == 200
    assert "owner" not in html.text.split("<table", 1)[-1].split("</thead>", 1)[0]


# -- queryables and conformance ------------------------------------------------------


@pytest.mark.parametrize("layer", ["structures", "parcels", "results", "sample_locations"])
def test_queryables_are_json_schema_2020_12_with_types_enums_and_units(
    client: httpx.Client, planner: httpx.Client, layer: str
) -> None:
    public = client.get(f"/collections/{layer}/queryables")
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("application/schema+json")
    schema = public.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    shipped = _layer(layer)
    row = shipped.drop(columns="geometry", errors="ignore").iloc[0]
    record = {
        k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()
    }
    personal = {spec.name for spec in CATALOGUE[layer].fields if spec.personal}
    visible = {k: v for k, v in record.items() if k not in personal and v is not None}
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(visible))  # a shipped feature's properties conform
    hidden = set(schema["properties"]) & personal
    assert not hidden
    planned = planner.get(f"/collections/{layer}/queryables").json()
    if layer == "structures":
        assert personal <= set(planned["properties"])
        assert {"households", "businesses", "vulnerable_households"} <= personal
        assert planned["properties"]["households"]["type"] == "integer"
    props = schema["properties"]
    if layer == "parcels":
        assert props["area_ha"] == {**props["area_ha"], "type": "number", "x-ogc-unit": "ha"}
        assert "heavy_industry" in props["land_use"]["enum"]
        assert props["geometry"]["format"] == "geometry-polygon"
    if layer == "results":
        assert props["detected"]["type"] == "boolean"
        assert props["sampled_on"]["format"] == "date"
        assert "geometry" not in props
        assert list(validator.iter_errors({"medium": "lava"}))  # the enum refuses it


def test_conformance_declares_filtering_and_cql2(client: httpx.Client) -> None:
    classes = set(client.get("/conformance").json()["conformsTo"])
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions" not in classes


def test_openapi_declares_the_parameters(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/collections/{layer}/items"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(ITEMS_PARAMETERS) <= set(parameters)
    assert parameters["sortby"]["schema"]["type"] == "array"
    assert parameters["sortby"]["explode"] is False
    assert parameters["filter-lang"]["schema"]["enum"] == ["cql2-text", "cql2-json"]
