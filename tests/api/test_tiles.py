"""OGC API - Tiles: vector tiles on both stores, decoded and compared with the shipped layers.

Expected tiles come from the shipped GeoJSON files read with the json module,
tile bounds from the published slippy-map formulas (Web Mercator on a sphere of
radius 6,378,137 m) written out here, and intersection tests by shapely on
the raw lon/lat shapes -- not from the code under test.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import box, shape

from api.routers.tiles import tile_url_template
from site_gis.errors import TooLargeError
from site_gis.schemas import CATALOGUE
from site_gis.store import Store
from site_gis.store.tiles import vector_tile
from tests.conftest import geojson

R = 6_378_137.0
HALF = math.pi * R  # 20,037,508.34 m: half the world's width in EPSG:3857
PERSONAL = {"households", "businesses", "vulnerable_households"}
TILES = "/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """(column, row) of the tile holding a point (OpenStreetMap's slippy-map formula)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def lonlat_box(z: int, y: int, x: int, grow: float = 0) -> Any:
    """The tile grown by ``grow`` of its width on each side, as a lon/lat shapely box."""
    n = 2**z

    def lon(col: float) -> float:
        return col / n * 360 - 180

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return box(lon(x - grow), lat(y + 1 + grow), lon(x + 1 + grow), lat(y - grow))


def mercator(lon: float, lat: float) -> tuple[float, float]:
    return R * math.radians(lon), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def features(layer: str) -> list[dict[str, Any]]:
    return list(geojson(layer)["features"])


def expected_ids(layer: str, z: int, y: int, x: int) -> tuple[set[str], set[str]]:
    """Ids of the features meeting the tile, and of those meeting it grown by 64/4096."""
    id_field = CATALOGUE[layer].id_field
    inner, outer = lonlat_box(z, y, x), lonlat_box(z, y, x, 64 / 4096)
    shapes = [(f["properties"][id_field], shape(f["geometry"])) for f in features(layer)]
    return (
        {i for i, s in shapes if s.intersects(inner)},
        {i for i, s in shapes if s.intersects(outer)},
    )


def decoded(response: httpx.Response, layer: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    tile = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    assert set(tile) == {layer} and tile[layer]["extent"] == 4096
    return list(tile[layer]["features"])


def busiest_structure_tile() -> tuple[int, int, int]:
    """The zoom-15 tile holding the first structure's centre."""
    first = shape(features("structures")[0]["geometry"]).centroid
    x, y = tile_of(first.x, first.y, 15)
    return 15, y, x


@pytest.mark.parametrize(
    ("layer", "z"), [("structures", 15), ("parcels", 12), ("sample_locations", 13)]
)
def test_a_tile_holds_the_features_it_covers(client: httpx.Client, layer: str, z: int) -> None:
    first = shape(features(layer)[0]["geometry"]).representative_point()
    x, y = tile_of(first.x, first.y, z)
    inner, outer = expected_ids(layer, z, y, x)
    got = decoded(client.get(TILES.format(layer=layer, z=z, y=y, x=x)), layer)
    ids = [f["properties"][CATALOGUE[layer].id_field] for f in got]
    assert len(ids) == len(set(ids))
    # every feature meeting the tile grown by the buffer, and no other (none collapses here)
    assert set(ids) == outer and inner <= outer and len(inner) > 0, outer ^ set(ids)
    by_id = {f["properties"][CATALOGUE[layer].id_field]: f for f in features(layer)}
    public = set(CATALOGUE[layer].public_field_names)
    for feature in got:
        assert set(feature["properties"]) <= public
        source = by_id[feature["properties"][CATALOGUE[layer].id_field]]["properties"]
        for key, value in feature["properties"].items():
            assert value == pytest.approx(source[key]), (key, value, source[key])


def test_points_are_quantised_on_the_4096_grid(client: httpx.Client) -> None:
    z = 13
    location = features("sample_locations")[0]
    lon, lat = location["geometry"]["coordinates"]
    x, y = tile_of(lon, lat, z)
    got = decoded(
        client.get(TILES.format(layer="sample_locations", z=z, y=y, x=x)), "sample_locations"
    )
    point = next(
        f for f in got if f["properties"]["location_id"] == location["properties"]["location_id"]
    )
    size = 2 * HALF / 2**z
    mx, my = mercator(lon, lat)
    col = (mx - (-HALF + x * size)) / size * 4096
    row = ((HALF - y * size) - my) / size * 4096  # y down from the tile's top edge
    assert point["geometry"]["type"] == "Point"
    px, py = point["geometry"]["coordinates"]
    assert abs(px - col) <= 0.5 and abs(py - row) <= 0.5, (px, py, col, row)


def test_structure_tiles_hold_no_household_fields_for_any_role(
    client: httpx.Client, planner: httpx.Client
) -> None:
    z, y, x = busiest_structure_tile()
    path = TILES.format(layer="structures", z=z, y=y, x=x)
    for who in (client, planner):
        got = decoded(who.get(path), "structures")
        assert got and all(not PERSONAL & set(f["properties"]) for f in got)
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in got)
    assert b"households" not in client.get(path).content


def test_tiles_outside_the_limits_are_404_and_bad_addresses_400(client: httpx.Client) -> None:
    z, y, x = busiest_structure_tile()
    assert client.get(TILES.format(layer="structures", z=14, y=y // 2, x=x // 2)).status_code == 404
    assert (
        client.get(TILES.format(layer="structures", z=23, y=y * 256, x=x * 256)).status_code == 404
    )
    assert (
        client.get(TILES.format(layer="structures", z=z, y=0, x=0)).status_code == 404
    )  # far away
    assert client.get(TILES.format(layer="results", z=z, y=y, x=x)).status_code == 404
    assert client.get(TILES.format(layer="nowhere", z=z, y=y, x=x)).status_code == 404
    too_far = client.get(TILES.format(layer="structures", z=z, y=2**z, x=x))
    assert too_far.status_code == 400 and "tileRow" in too_far.json()["detail"]
    assert client.get(TILES.format(layer="structures", z=25, y=0, x=0)).status_code == 400
    assert client.get(TILES.format(layer="structures", z="a", y=0, x=0)).status_code == 400
    other = "/collections/structures/tiles/WorldCRS84Quad/15/0/0"
    assert client.get(other).status_code == 400


def test_an_empty_tile_in_the_limits_is_204(client: httpx.Client) -> None:
    """Receptors are 15 points over about 26 km: most zoom-16 tiles of their extent are empty."""
    lons = [f["geometry"]["coordinates"][0] for f in features("receptors")]
    lats = [f["geometry"]["coordinates"][1] for f in features("receptors")]
    x0, y0 = tile_of(min(lons), max(lats), 16)
    x1, y1 = tile_of(max(lons), min(lats), 16)
    points = [shape(f["geometry"]) for f in features("receptors")]
    empty = next(
        (x, y)
        for x in range(x0, x1 + 1)
        for y in range(y0, y1 + 1)
        if not any(p.intersects(lonlat_box(16, y, x, 64 / 4096)) for p in points)
    )
    response = client.get(TILES.format(layer="receptors", z=16, y=empty[1], x=empty[0]))
    assert response.status_code == 204 and response.content == b""


def test_tileset_metadata_states_limits_zooms_and_fields(client: httpx.Client) -> None:
    listed = client.get("/collections/structures/tiles").json()["tilesets"]
    assert [t["dataType"] for t in listed] == ["vector"]
    meta = client.get("/collections/structures/tiles/WebMercatorQuad").json()
    assert meta["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    assert meta["layers"][0]["minTileMatrix"] == "15" and meta["layers"][0]["maxTileMatrix"] == "22"
    assert not PERSONAL & set(meta["layers"][0]["propertiesSchema"]["properties"])
    assert meta["extent"] == 4096 and meta["buffer"] == 64 and meta["maxFeaturesPerTile"] == 5000
    shapes = [shape(f["geometry"]) for f in features("structures")]
    west, south, east, north = shapely.total_bounds(shapes)
    limit = next(lim for lim in meta["tileMatrixSetLimits"] if lim["tileMatrix"] == "15")
    (min_col, min_row), (max_col, max_row) = tile_of(west, north, 15), tile_of(east, south, 15)
    assert (limit["minTileRow"], limit["maxTileRow"]) == (min_row, max_row)
    assert (limit["minTileCol"], limit["maxTileCol"]) == (min_col, max_col)
    template = next(link for link in meta["links"] if link["rel"] == "item")["href"]
    assert template.endswith(
        "/collections/structures/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
    )


def test_the_tile_matrix_set_is_the_registered_web_mercator_quad(client: httpx.Client) -> None:
    listed = client.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert [t["id"] for t in listed] == ["WebMercatorQuad"]
    tms = client.get("/tileMatrixSets/WebMercatorQuad").json()
    matrices = tms["tileMatrices"]
    assert len(matrices) == 25 and matrices[0]["matrixWidth"] == 1
    # OGC 17-083r4 Annex D: scale denominator of tile matrix 0 (0.28 mm pixels, 256-pixel tiles)
    assert matrices[0]["scaleDenominator"] == pytest.approx(559082264.028717, rel=1e-9)
    assert matrices[0]["pointOfOrigin"] == pytest.approx([-HALF, HALF])
    conforms = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conforms
    rels = {link["rel"] for link in client.get("/").json()["links"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes" in rels


def test_a_tile_over_the_feature_limit_is_refused(built_store: Store) -> None:
    shapes = [shape(f["geometry"]) for f in features("parcels")]
    centre = shapely.union_all(shapes).centroid
    x, y = tile_of(centre.x, centre.y, 11)
    inner, _ = expected_ids("parcels", 11, y, x)
    assert len(inner) > 10
    with pytest.raises(TooLargeError, match="limit of 10 per tile"):
        vector_tile(built_store, "parcels", 11, y, x, columns=["parcel_id"], max_features=10)
    tile = vector_tile(built_store, "parcels", 11, y, x, columns=["parcel_id"], max_features=10_000)
    assert tile.features >= len(inner)


def test_the_url_template_for_map_pages() -> None:
    assert (
        tile_url_template("http://127.0.0.1:8000/", "structures")
        == "http://127.0.0.1:8000/collections/structures/tiles/WebMercatorQuad/{z}/{y}/{x}"
    )
    assert tile_url_template("", "parcels", placeholders="ogc").endswith(
        "/parcels/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
    )


def test_every_spatial_collection_links_its_tilesets(client: httpx.Client) -> None:
    """geodata-tilesets: each spatial collection's description links a tilesets list that works."""
    listed = client.get("/collections").json()["collections"]
    for collection in listed:
        links = [link for link in collection["links"] if link["rel"].endswith("/tilesets-vector")]
        if collection["itemType"] == "record":
            assert links == [], collection["id"]
            continue
        assert len(links) == 1, collection["id"]
        tilesets = client.get(links[0]["href"])
        assert tilesets.status_code == 200, collection["id"]
        assert tilesets.json()["tilesets"], collection["id"]
    conformance = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets" in conformance
