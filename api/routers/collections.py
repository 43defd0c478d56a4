"""``/collections``: every layer, and its features as RFC 7946 GeoJSON.

These paths follow OGC API - Features and stay stable as the rest of that
standard (bbox and property filters, HTML, CRS) is added.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import SettingsDep, StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from api.responses import FastJSONResponse
from site_gis.errors import LayerNotFoundError
from site_gis.schemas import CATALOGUE
from site_gis.store import LayerInfo

router = APIRouter(prefix="/collections", tags=["collections"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LayerId = Annotated[str, Path(description="Layer name, e.g. `eia_zones`", examples=["eia_zones"])]


def _collection(info: LayerInfo, base: str, synthetic: bool) -> dict[str, Any]:
    extent = {"spatial": {"bbox": [list(info.bounds)], "crs": CRS84}} if info.bounds else None
    return {
        "id": info.name,
        "title": info.title,
        "description": info.description,
        "itemType": "record" if info.geometry_type is None else "feature",
        "geometryType": info.geometry_type,
        "itemCount": info.feature_count,
        "extent": extent,
        "crs": [CRS84],
        "personal": info.personal,
        "synthetic": synthetic,
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{info.name}"},
            {
                "rel": "items",
                "type": GEOJSON_MEDIA_TYPE,
                "href": f"{base}/collections/{info.name}/items",
            },
        ],
    }


@router.get("", summary="Every layer with its title, feature count and extent")
def collections(request: Request, store: StoreDep) -> FastJSONResponse:
    """List the layers of the site."""
    base = str(request.base_url).rstrip("/")
    synthetic = store.site().synthetic
    return FastJSONResponse(
        {
            "collections": [_collection(info, base, synthetic) for info in store.layers()],
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
        }
    )


@router.get("/{layer}", summary="One layer's description")
def collection(request: Request, store: StoreDep, layer: LayerId) -> FastJSONResponse:
    """Describe one layer."""
    base = str(request.base_url).rstrip("/")
    return FastJSONResponse(_collection(store.layer_info(layer), base, store.site().synthetic))


@router.get(
    "/{layer}/items",
    summary="Features of a layer as RFC 7946 GeoJSON (lon/lat)",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}, 404: {"description": "Unknown layer"}},
)
def items(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    layer: LayerId,
    limit: Annotated[
        int | None,
        Query(ge=1, description="Page size (default and maximum: the server's max_items)"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Features to skip")] = 0,
) -> Response:
    """Return a page of features; household-level personal fields are never included."""
    if layer not in CATALOGUE:
        raise LayerNotFoundError(layer, CATALOGUE)
    schema = CATALOGUE[layer]
    page = min(limit or settings.max_items, settings.max_items)
    matched = store.count(layer)
    fields = schema.public_field_names
    frame = store.read(layer, columns=fields, limit=page, offset=offset)
    base = f"{str(request.base_url).rstrip('/')}/collections/{layer}/items"
    links = [
        {"rel": "self", "type": GEOJSON_MEDIA_TYPE, "href": f"{base}?limit={page}&offset={offset}"}
    ]
    if offset + len(frame) < matched:
        links.append(
            {
                "rel": "next",
                "type": GEOJSON_MEDIA_TYPE,
                "href": f"{base}?limit={page}&offset={offset + page}",
            }
        )
    if offset > 0:
        previous = max(0, min(offset, matched) - page)
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON_MEDIA_TYPE,
                "href": f"{base}?limit={page}&offset={previous}",
            }
        )
    body = feature_collection(
        frame,
        id_field=schema.id_field,
        fields=fields,
        extra={
            "numberMatched": matched,
            "numberReturned": len(frame),
            "links": links,
        },
    )
    return Response(body, media_type=GEOJSON_MEDIA_TYPE)
