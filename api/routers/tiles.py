"""OGC API - Tiles - Part 1: vector tiles (MVT) of every layer with geometry, on WebMercatorQuad.

``/tileMatrixSets`` lists the one tile matrix set offered and gives its
definition (OGC Two Dimensional Tile Matrix Set 2.0 JSON, from morecantile);
``/collections/{layer}/tiles`` lists the layer's tileset,
``/collections/{layer}/tiles/WebMercatorQuad`` describes it (zoom range, the
tiles the layer's extent covers per tile matrix, the fields of its features,
the feature limit per tile) and
``/collections/{layer}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}``
is one Mapbox Vector Tile (:mod:`site_gis.store.tiles`).

Tiles carry only the layer's public fields, whatever the caller's role: a
tile is drawn on maps and kept in browser caches, so household-level fields
stay in items and exports, where a planner's read of them is audited.

Answers: 200 with the tile; 204 for a tile in the layer's limits that holds
no feature; 404 for a tile outside them (below or above the layer's zoom
range, or away from its extent) and for a layer without geometry; 400 for a
tile matrix, row or column that WebMercatorQuad does not have; 413 for a tile
holding more features than ``SITE_GIS_MAX_TILE_FEATURES``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.access import read_access
from api.deps import SettingsDep, StoreDep
from api.errors import problem_response
from api.known_params import KnownParameters
from api.responses import FastJSONResponse
from site_gis.errors import LayerNotFoundError
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store.tiles import (
    BUFFER,
    EXTENT,
    MVT_MEDIA_TYPE,
    TMS_ID,
    TMS_URI,
    check_tile,
    tile_limits,
    vector_tile,
    web_mercator_quad,
    within_limits,
    zoom_range,
)

router = APIRouter(tags=["tiles"], dependencies=[KnownParameters])
layer_router = APIRouter(
    prefix="/collections", tags=["tiles"], dependencies=[Depends(read_access), KnownParameters]
)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
"""The OGC API - Tiles and Tile Matrix Set conformance classes implemented here.

``geodata-tilesets``: every spatial collection's description links its tilesets
(:func:`tileset_link`, in ``api.routers.collections._collection``).
"""

TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TILING_SCHEME_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILING_SCHEMES_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
MERCATOR_CRS = "http://www.opengis.net/def/crs/EPSG/0/3857"
_GEOMETRY_DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}
_TYPES = {"str": "string", "date": "string", "int": "integer", "float": "number", "bool": "boolean"}

LayerId = Annotated[str, Path(description="Layer name, e.g. `structures`", examples=["eia_zones"])]
TileMatrixSetId = Annotated[
    Literal["WebMercatorQuad"], Path(description="Tile matrix set (only WebMercatorQuad)")
]
TileMatrix = Annotated[int, Path(ge=0, le=24, description="Tile matrix (zoom level), 0 to 24")]
TileRow = Annotated[int, Path(ge=0, description="Tile row, 0 at the top (north)")]
TileCol = Annotated[int, Path(ge=0, description="Tile column, 0 at the west (180°W)")]


def tile_url_template(
    base: str, layer: str, *, placeholders: Literal["leaflet", "ogc"] = "leaflet"
) -> str:
    """The URL template of ``layer``'s vector tiles, for a map page's tile layer.

    ``base`` is the server's root URL (or ``""`` for a path on the page's own
    server).  ``leaflet`` placeholders are ``{z}/{y}/{x}`` (Leaflet, OpenLayers,
    MapLibre); ``ogc`` ones are ``{tileMatrix}/{tileRow}/{tileCol}``.
    """
    tail = "{z}/{y}/{x}" if placeholders == "leaflet" else "{tileMatrix}/{tileRow}/{tileCol}"
    return f"{base.rstrip('/')}/collections/{layer}/tiles/{TMS_ID}/{tail}"


def tileset_link(base: str, layer: str) -> dict[str, str] | None:
    """The link a collection description gives to its vector tilesets (``None`` for a table)."""
    if CATALOGUE[layer].is_table:
        return None
    return {
        "rel": TILESETS_REL,
        "type": "application/json",
        "title": "Vector tiles of the layer (OGC API - Tiles)",
        "href": f"{base.rstrip('/')}/collections/{layer}/tiles",
    }


def tiled_layers() -> list[str]:
    """The layers that have tiles: every layer with geometry."""
    return [name for name, schema in CATALOGUE.items() if not schema.is_table]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _tms_summary(base: str) -> dict[str, Any]:
    return {
        "id": TMS_ID,
        "title": web_mercator_quad().title,
        "uri": TMS_URI,
        "links": [
            {
                "rel": "self",
                "type": "application/json",
                "title": "The tile matrix set",
                "href": f"{base}/tileMatrixSets/{TMS_ID}",
            }
        ],
    }


@router.get("/tileMatrixSets", summary="The tile matrix sets tiles are offered in")
def tile_matrix_sets(request: Request) -> FastJSONResponse:
    """The one tile matrix set offered: WebMercatorQuad (EPSG:3857)."""
    base = _base(request)
    return FastJSONResponse(
        {
            "tileMatrixSets": [_tms_summary(base)],
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/tileMatrixSets"}
            ],
        }
    )


@router.get(
    "/tileMatrixSets/{tileMatrixSetId}",
    summary="A tile matrix set's definition (OGC Tile Matrix Set 2.0 JSON)",
)
def tile_matrix_set(tileMatrixSetId: TileMatrixSetId) -> FastJSONResponse:  # noqa: N803
    """The WebMercatorQuad definition: CRS, origin, tile size and scale of every tile matrix."""
    return FastJSONResponse(web_mercator_quad().model_dump(mode="json", exclude_none=True))


def _tiled_schema(layer: str) -> LayerSchema:
    if layer not in CATALOGUE:
        raise LayerNotFoundError(layer, CATALOGUE)
    schema = CATALOGUE[layer]
    if schema.is_table:
        raise HTTPException(404, f"{layer} has no geometry, so it has no tiles")
    return schema


def _tileset_links(base: str, layer: str) -> list[dict[str, Any]]:
    own = f"{base}/collections/{layer}/tiles/{TMS_ID}"
    return [
        {"rel": "self", "type": "application/json", "title": "This tileset", "href": own},
        {
            "rel": TILING_SCHEME_REL,
            "type": "application/json",
            "title": "WebMercatorQuad",
            "href": f"{base}/tileMatrixSets/{TMS_ID}",
        },
        {
            "rel": "item",
            "type": MVT_MEDIA_TYPE,
            "title": "A tile (Mapbox Vector Tile)",
            "href": tile_url_template(base, layer, placeholders="ogc"),
            "templated": True,
        },
        {
            "rel": "collection",
            "type": "application/json",
            "title": "The layer",
            "href": f"{base}/collections/{layer}",
        },
    ]


@layer_router.get("/{layer}/tiles", summary="The vector tilesets of a layer")
def tilesets(request: Request, layer: LayerId) -> FastJSONResponse:
    """The layer's one tileset: vector tiles on WebMercatorQuad."""
    schema = _tiled_schema(layer)
    base = _base(request)
    return FastJSONResponse(
        {
            "tilesets": [
                {
                    "title": f"{schema.title} (vector tiles)",
                    "dataType": "vector",
                    "crs": MERCATOR_CRS,
                    "tileMatrixSetURI": TMS_URI,
                    "links": _tileset_links(base, layer),
                }
            ],
            "links": [
                {
                    "rel": "self",
                    "type": "application/json",
                    "href": f"{base}/collections/{layer}/tiles",
                },
                {
                    "rel": "collection",
                    "type": "application/json",
                    "href": f"{base}/collections/{layer}",
                },
            ],
        }
    )


@layer_router.get(
    "/{layer}/tiles/{tileMatrixSetId}",
    summary="A layer's vector tileset: zoom range, limits, fields, feature limit",
)
def tileset(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    layer: LayerId,
    tileMatrixSetId: TileMatrixSetId,  # noqa: N803
) -> FastJSONResponse:
    """Tileset metadata: what tiles exist (per tile matrix, the rows and columns with data)."""
    schema = _tiled_schema(layer)
    zooms = zoom_range(schema)
    limits = tile_limits(store.layer_info(layer).bounds, zooms)
    geometry = schema.geometry_types[0]
    body = {
        "title": f"{schema.title} (vector tiles)",
        "description": schema.description,
        "dataType": "vector",
        "crs": MERCATOR_CRS,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(lim.tile_matrix),
                "minTileRow": lim.min_row,
                "maxTileRow": lim.max_row,
                "minTileCol": lim.min_col,
                "maxTileCol": lim.max_col,
            }
            for lim in limits
        ],
        "layers": [
            {
                "id": layer,
                "title": schema.title,
                "dataType": "vector",
                "geometryDimension": _GEOMETRY_DIMENSION.get(geometry, 2),
                "minTileMatrix": str(zooms[0]),
                "maxTileMatrix": str(zooms[1]),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        spec.name: {"type": _TYPES[spec.kind], "description": spec.description}
                        for spec in schema.fields
                        if not spec.personal
                    },
                },
            }
        ],
        "extent": EXTENT,
        "buffer": BUFFER,
        "maxFeaturesPerTile": settings.max_tile_features,
        "links": _tileset_links(_base(request), layer),
    }
    return FastJSONResponse(body)


@layer_router.get(
    "/{layer}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    summary="One vector tile (Mapbox Vector Tile)",
    response_class=Response,
    responses={
        200: {"content": {MVT_MEDIA_TYPE: {}}, "description": "The tile"},
        204: {"description": "A tile in the layer's limits holding no feature"},
        400: {"description": "A tile matrix, row or column WebMercatorQuad does not have"},
        404: {
            "description": "Unknown layer, a layer without geometry, or a tile outside its limits"
        },
        413: {"description": "The tile holds more features than the limit per tile"},
    },
)
async def tile(
    store: StoreDep,
    settings: SettingsDep,
    layer: LayerId,
    tileMatrixSetId: TileMatrixSetId,  # noqa: N803
    tileMatrix: TileMatrix,  # noqa: N803
    tileRow: TileRow,  # noqa: N803
    tileCol: TileCol,  # noqa: N803
) -> Response:
    """The features of the layer in the tile, clipped to it and a buffer of 64/4096 of its size."""
    schema = _tiled_schema(layer)
    z, y, x = tileMatrix, tileRow, tileCol
    check_tile(z, y, x)
    limits = await run_in_threadpool(
        lambda: tile_limits(store.layer_info(layer).bounds, zoom_range(schema))
    )
    if not within_limits(limits, z, y, x):
        low, high = zoom_range(schema)
        detail = (
            f"tile {z}/{y}/{x} is outside the tiles of {layer}: it is tiled in tile matrices "
            f"{low} to {high}, over its extent (see /collections/{layer}/tiles/{TMS_ID})"
        )
        return problem_response(404, detail, "NotFound")
    found = await run_in_threadpool(
        vector_tile,
        store,
        layer,
        z,
        y,
        x,
        columns=schema.public_field_names,
        max_features=settings.max_tile_features,
    )
    if found.features == 0:
        return Response(status_code=204)
    return Response(found.data, media_type=MVT_MEDIA_TYPE)
