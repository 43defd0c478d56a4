"""``/collections``: OGC API - Features Part 1 (Core, GeoJSON, HTML), 2 (CRS), 3 (Filtering).

Items take ``bbox`` (with ``bbox-crs``), ``limit`` and ``offset`` with ``next``
and ``prev`` links, ``datetime`` on layers with a date, equality filters on any
queryable field, CQL2 ``filter`` (with ``filter-lang`` and ``filter-crs``, see
:mod:`api.cql2`), ``sortby``, ``properties`` and ``skipGeometry``, ``crs`` for
output in the site's metric CRS (``Content-Crs`` header), ``f=json|html``.
``numberMatched`` comes from an indexed count, never a full read.  Household-level
fields are served only to callers allowed to see them (planners), and only they may
filter or sort on them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import geopandas as gpd
import orjson
import shapely
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import URL

from api.access import Principal, Reader, read_access
from api.bbox import bbox_selection, parse_bbox
from api.cql2 import (
    MAX_SORT_KEYS,
    parse_filter,
    parse_properties,
    parse_sortby,
)
from api.deps import SettingsDep, StoreDep
from api.extents import collection_extent
from api.feature_schema import (
    SCHEMA_MEDIA_TYPE,
    SCHEMA_REL,
    feature_schema,
    geojson_feature_schema,
)
from api.geojson import GEOJSON_MEDIA_TYPE, page_collection, page_fragments
from api.html import collections_page, feature_page, prefers_html, single_feature_page
from api.known_params import KnownParameters
from api.limits import OneAtATime
from api.ogc import (
    CRS84,
    EPSG_URI,
    parse_crs_uri,
    parse_datetime,
    property_filters,
    queryables,
    supported_crs,
)
from api.responses import FastJSONResponse
from api.routers.tiles import tileset_link
from api.settings import Settings
from site_gis.crs import geometries_in_axis_order
from site_gis.errors import LayerNotFoundError
from site_gis.io import feature_version
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store import BBox, FeaturePage, LayerInfo, Store, geometry_json
from site_gis.store.filters import Expr, SortKey

_PAGE_BUILDS = OneAtATime()
"""Pages are built one at a time in a worker process.

Building a page is CPU work that mostly holds the GIL, so several built at once
on the threadpool only trade it and all finish later: 8 clients got about 187
pages of 1,000 structures a second without this lock and 218-230 with it
(``bench/ogc.py``).  Requests wait for it on the event loop, not in a thread.
"""

router = APIRouter(prefix="/collections", tags=["collections"], dependencies=[Depends(read_access)])

LayerId = Annotated[str, Path(description="Layer name, e.g. `eia_zones`", examples=["eia_zones"])]
Format = Annotated[
    Literal["json", "html"] | None,
    Query(description="Output format (default: from the Accept header)"),
]


def _schema(layer: str) -> LayerSchema:
    if layer not in CATALOGUE:
        raise LayerNotFoundError(layer, CATALOGUE)
    return CATALOGUE[layer]


def _epsg(store: Store) -> int:
    return store.site().metric_epsg


def _collection(info: LayerInfo, base: str, store: Store) -> dict[str, Any]:
    extent = collection_extent(store, info)
    own = f"{base}/collections/{info.name}"
    return {
        "id": info.name,
        "title": info.title,
        "description": info.description,
        "itemType": "record" if info.geometry_type is None else "feature",
        "geometryType": info.geometry_type,
        "itemCount": info.feature_count,
        **({"extent": extent} if extent else {}),
        "crs": supported_crs(_epsg(store)),
        "storageCrs": CRS84,
        "personal": info.personal,
        "synthetic": store.site().synthetic,
        "links": [
            {"rel": "self", "type": "application/json", "href": own},
            {"rel": "items", "type": GEOJSON_MEDIA_TYPE, "href": f"{own}/items"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
                "href": f"{own}/queryables",
            },
            {"rel": "alternate", "type": "text/html", "href": f"{own}?f=html"},
            {"rel": "items", "type": "text/html", "href": f"{own}/items?f=html"},
            {
                "rel": SCHEMA_REL,
                "type": SCHEMA_MEDIA_TYPE,
                "title": "Schema of the features (JSON Schema)",
                "href": f"{own}/schema",
            },
            {
                "rel": "describedby",
                "type": SCHEMA_MEDIA_TYPE,
                "title": "Schema of a feature in GeoJSON (JSON Schema)",
                "href": f"{own}/schema?profile=geojson",
            },
            *filter(None, [tileset_link(base, info.name)]),
        ],
    }


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "",
    summary="Every layer with its title, feature count and extent",
    response_model=None,
    dependencies=[KnownParameters],
)
def collections(request: Request, store: StoreDep, f: Format = None) -> Response:
    """List the layers of the site (JSON, or HTML for a browser or ``f=html``)."""
    base = _base(request)
    listed = [_collection(info, base, store) for info in store.layers()]
    if f == "html" or (f is None and prefers_html(request)):
        return HTMLResponse(collections_page(listed, synthetic=store.site().synthetic))
    return FastJSONResponse(
        {
            "collections": listed,
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/collections"},
                {"rel": "alternate", "type": "text/html", "href": f"{base}/collections?f=html"},
            ],
        }
    )


@router.get(
    "/{layer}",
    summary="One layer's description",
    response_model=None,
    dependencies=[KnownParameters],
)
def collection(request: Request, store: StoreDep, layer: LayerId, f: Format = None) -> Response:
    """Describe one layer: extent, item count, CRS list, links."""
    described = _collection(store.layer_info(_schema(layer).name), _base(request), store)
    if f == "html" or (f is None and prefers_html(request)):
        return HTMLResponse(collections_page([described], synthetic=store.site().synthetic))
    return FastJSONResponse(described)


@router.get(
    "/{layer}/queryables",
    summary="Fields a client may filter on (JSON Schema)",
    dependencies=[KnownParameters],
)
def layer_queryables(request: Request, caller: Reader, layer: LayerId) -> FastJSONResponse:
    """The fields the caller may filter and sort on (household fields for planners only)."""
    schema = _schema(layer)
    body = queryables(schema, caller.fields(schema), _base(request))
    return FastJSONResponse(body, media_type="application/schema+json")


@router.get(
    "/{layer}/schema",
    summary="Schema of the features: their fields and types (JSON Schema)",
    dependencies=[KnownParameters],
)
def layer_schema(
    request: Request,
    caller: Reader,
    layer: LayerId,
    profile: Annotated[
        Literal["geojson"] | None,
        Query(description="geojson: the schema of a GeoJSON feature (rel=describedby)"),
    ] = None,
) -> FastJSONResponse:
    """The fields the caller may see, typed from the layer schema (:mod:`api.feature_schema`)."""
    schema = _schema(layer)
    build = geojson_feature_schema if profile == "geojson" else feature_schema
    body = build(schema, caller.fields(schema), _base(request))
    return FastJSONResponse(body, media_type=SCHEMA_MEDIA_TYPE)


@router.get(
    "/{layer}/items",
    summary="Features of a layer (RFC 7946 GeoJSON, or HTML)",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/html": {}}},
        400: {"description": "Bad bbox, datetime, crs or unknown property"},
        404: {"description": "Unknown layer"},
    },
)
async def items(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    caller: Reader,
    layer: LayerId,
    limit: Annotated[
        int, Query(ge=1, description="Page size (at most the server's max_items)")
    ] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Features to skip")] = 0,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description="CRS of bbox")] = None,
    crs: Annotated[
        str | None, Query(description="Output CRS (CRS84 or the site's metric CRS)")
    ] = None,
    datetime: Annotated[
        str | None, Query(description="Date or start/end (.. = open), on layers with a date")
    ] = None,
    filter: Annotated[
        str | None,
        Query(
            description="A CQL2 filter (OGC API - Features Part 3), e.g. "
            "`kind = 'scrapyard' AND S_DWITHIN(geometry, POINT(67.28 24.85), 500)` "
            "(distance in metres); queryables at /collections/{layer}/queryables",
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="Encoding of filter: cql2-text (the default) or cql2-json",
        ),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(alias="filter-crs", description="CRS of the filter's geometries (default CRS84)"),
    ] = None,
    sortby: Annotated[
        str | None,
        Query(
            description=f"Up to {MAX_SORT_KEYS} comma-separated queryables, each optionally "
            "prefixed + (ascending, the default) or - (descending); empty values come last",
            examples=["-area_ha,name"],
        ),
    ] = None,
    properties: Annotated[
        str | None,
        Query(description="Comma-separated properties to return (default: all you may see)"),
    ] = None,
    skip_geometry: Annotated[
        bool,
        Query(alias="skipGeometry", description="Return features without their geometry"),
    ] = False,
    f: Format = None,
) -> Response:
    """A page of features; other query parameters filter queryable fields by equality."""
    schema = _schema(layer)
    html = f == "html" or (f is None and prefers_html(request))
    key, cached = await run_in_threadpool(_cached_items, request, store, caller, schema, html, crs)
    if cached is not None:
        return cached
    query = _ItemsQuery(
        limit,
        offset,
        bbox,
        bbox_crs,
        crs,
        datetime,
        html,
        filter,
        filter_lang,
        filter_crs,
        sortby,
        properties,
        skip_geometry,
    )
    async with _PAGE_BUILDS():  # waiting here holds no worker thread
        return await run_in_threadpool(
            _build_items, request, store, settings, caller, schema, query, key
        )


@dataclass(frozen=True)
class _ItemsQuery:
    limit: int
    offset: int
    bbox: str | None
    bbox_crs: str | None
    crs: str | None
    datetime: str | None
    html: bool
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: str | None = None
    sortby: str | None = None
    properties: str | None = None
    skip_geometry: bool = False


@dataclass(frozen=True)
class _Refinement:
    """What Part 3 and the sorting and field-selection parameters add to a page."""

    filter: Expr | None
    sortby: tuple[SortKey, ...]
    fields: tuple[str, ...]
    skip_geometry: bool


def _refinement(
    store: Store, caller: Principal, schema: LayerSchema, query: _ItemsQuery
) -> _Refinement:
    """The filter tree, sort keys and fields of a request, every name checked (400s)."""
    visible = caller.fields(schema)
    expr = None
    if query.filter is not None:
        epsg = parse_crs_uri(query.filter_crs, _epsg(store))
        expr = parse_filter(query.filter, query.filter_lang, epsg, schema, visible)
    elif query.filter_lang is not None or query.filter_crs is not None:
        parse_crs_uri(query.filter_crs, _epsg(store))  # still checked
    keys = parse_sortby(query.sortby, schema, visible) if query.sortby is not None else ()
    fields = visible if query.properties is None else parse_properties(query.properties, visible)
    return _Refinement(expr, keys, fields, query.skip_geometry)


def _cached_items(
    request: Request,
    store: Store,
    caller: Principal,
    schema: LayerSchema,
    html: bool,
    crs: str | None,
) -> tuple[tuple[object, ...], Response | None]:
    """The response cache's key for this request, and its answer if it has one."""
    key = (
        store.version(),
        caller.fields(schema),
        request.url.path,
        tuple(request.query_params.multi_items()),  # order matters: the last repeat wins
        html,
        str(request.base_url),
    )
    _audit_personal_read(store, caller, schema, request)
    cached = request.app.state.cache.get(key)
    return key, None if cached is None else _items_response(cached, html, crs, store)


def _build_items(
    request: Request,
    store: Store,
    settings: Settings,
    caller: Principal,
    schema: LayerSchema,
    query: _ItemsQuery,
    key: tuple[object, ...],
) -> Response:
    cached = request.app.state.cache.get(key)  # built by a request this one waited for
    if cached is not None:
        return _items_response(cached, query.html, query.crs, store)
    out_epsg = parse_crs_uri(query.crs, _epsg(store))
    refined = _refinement(store, caller, schema, query)
    box, where = selection(
        request,
        store,
        schema,
        query.bbox,
        query.bbox_crs,
        query.datetime,
        visible=caller.fields(schema),
    )
    page = min(query.limit, settings.max_items)
    build = _html_page if query.html else _json_page
    body = build(request, store, schema, refined, box, where, page, query.offset, out_epsg)
    request.app.state.cache.put(key, body)
    return _items_response(body, query.html, query.crs, store)


def _json_page(
    request: Request,
    store: Store,
    schema: LayerSchema,
    refined: _Refinement,
    box: BBox | None,
    where: dict[str, Any],
    page: int,
    offset: int,
    out_epsg: int | None,
) -> bytes:
    """A GeoJSON page, from the store's page of features (no frame is built)."""
    found = store.features(
        schema.name,
        bbox=box,
        where=where or None,
        columns=refined.fields,
        limit=page,
        offset=offset,
        filter=refined.filter,
        sortby=refined.sortby,
    )
    if refined.skip_geometry:
        found = replace(found, geometry=None)
    if out_epsg is not None and found.geometry is not None:
        found = _reprojected(found, out_epsg)
    links = _links(request, schema.name, page, offset, found.matched, len(found), html=False)
    extra = {"numberMatched": found.matched, "numberReturned": len(found), "links": links}
    return page_collection(found, extra=extra)


def _reprojected(found: FeaturePage, out_epsg: int) -> FeaturePage:
    """The page's geometries in ``out_epsg`` (in that CRS's axis order)."""
    assert found.geometry is not None
    shapes = shapely.from_geojson([None if g == "null" else g for g in found.geometry])
    return replace(found, geometry=geometry_json(geometries_in_axis_order(shapes, out_epsg)))


def _html_page(
    request: Request,
    store: Store,
    schema: LayerSchema,
    refined: _Refinement,
    box: BBox | None,
    where: dict[str, Any],
    page: int,
    offset: int,
    out_epsg: int | None,
) -> bytes:
    """An HTML page of features (a table and a map)."""
    fields = refined.fields
    matched = store.count(schema.name, bbox=box, where=where or None, filter=refined.filter)
    frame = store.read(
        schema.name,
        bbox=box,
        where=where or None,
        columns=fields,
        limit=page,
        offset=offset,
        filter=refined.filter,
        sortby=refined.sortby,
    )
    if out_epsg is not None and isinstance(frame, gpd.GeoDataFrame):
        frame = frame.to_crs(out_epsg)
    links = _links(request, schema.name, page, offset, matched, len(frame), html=True)
    synthetic = store.site().synthetic
    return feature_page(schema, frame, fields, matched, links, synthetic=synthetic).encode()


def _audit_personal_read(
    store: Store, caller: Principal, schema: LayerSchema, request: Request
) -> None:
    """Record a read that includes household-level fields (who, which layer, what query)."""
    if schema.personal and set(caller.fields(schema)) - set(schema.public_field_names):
        query = f"?{request.url.query}" if request.url.query else ""
        store.record(
            actor=caller.actor,
            action="read-personal",
            layers=[schema.name],
            note=f"{request.url.path}{query}",
        )


def _items_response(body: bytes, html: bool, crs: str | None, store: Store) -> Response:
    if html:
        return HTMLResponse(body)
    out_epsg = parse_crs_uri(crs, _epsg(store))
    content_crs = EPSG_URI.format(code=out_epsg) if out_epsg else CRS84
    return Response(
        body, media_type=GEOJSON_MEDIA_TYPE, headers={"Content-Crs": f"<{content_crs}>"}
    )


@router.get(
    "/{layer}/items/{feature_id}",
    summary="One feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/html": {}}}, 404: {}},
    dependencies=[KnownParameters],
)
def item(
    request: Request,
    store: StoreDep,
    caller: Reader,
    layer: LayerId,
    feature_id: Annotated[str, Path(description="The feature's identifier")],
    crs: Annotated[str | None, Query(description="Output CRS")] = None,
    f: Format = None,
) -> Response:
    """A single feature by its identifier (404 if there is none), GeoJSON or HTML."""
    schema = _schema(layer)
    out_epsg = parse_crs_uri(crs, _epsg(store))
    fields = caller.fields(schema)
    _audit_personal_read(store, caller, schema, request)
    found = store.features(layer, where={schema.id_field: feature_id}, columns=fields, limit=1)
    if not len(found):
        return FastJSONResponse(
            {
                "code": "NotFound",
                "type": "NotFound",
                "detail": f"no feature {feature_id!r} in {layer}",
                "description": f"no feature {feature_id!r} in {layer}",
            },
            status_code=404,
        )
    version = feature_version(found)  # If-Match of Part 4 edits, before any reprojection
    if out_epsg is not None and found.geometry is not None:
        found = _reprojected(found, out_epsg)
    feature = orjson.loads(page_fragments(found))
    base = f"{_base(request)}/collections/{layer}"
    own = str(request.url.remove_query_params("f"))
    feature["links"] = [
        {"rel": "self", "type": GEOJSON_MEDIA_TYPE, "href": f"{base}/items/{feature_id}"},
        {"rel": "alternate", "type": "text/html", "href": _with_f(own, "html")},
        {"rel": "collection", "type": "application/json", "href": base},
    ]
    if f == "html" or (f is None and prefers_html(request)):
        synthetic = store.site().synthetic
        return HTMLResponse(single_feature_page(schema, feature, synthetic=synthetic))
    content_crs = EPSG_URI.format(code=out_epsg) if out_epsg else CRS84
    return Response(
        orjson.dumps(feature),
        media_type=GEOJSON_MEDIA_TYPE,
        headers={"Content-Crs": f"<{content_crs}>", "ETag": f'"{version}"'},
    )


def selection(
    request: Request,
    store: Store,
    schema: LayerSchema,
    bbox: str | None,
    bbox_crs: str | None,
    datetime: str | None,
    *,
    visible: tuple[str, ...] | None = None,
) -> tuple[tuple[float, float, float, float] | None, dict[str, Any]]:
    """The lon/lat bbox and field filters a request asks for (shared by items and exports).

    Every check of these parameters is made here, before anything is read: a
    bbox on a layer without geometry is the store's own 400, raised now.
    ``visible`` are the fields the caller may filter on (default: the public ones).
    """
    in_epsg = parse_crs_uri(bbox_crs, _epsg(store))
    box = parse_bbox(bbox, in_epsg)
    where = property_filters(request, schema, visible)
    when = parse_datetime(datetime, schema)
    if when is not None:
        where[when[0]] = when[1]
    return bbox_selection(store, schema, box, in_epsg, where)


def _links(
    request: Request,
    layer: str,
    page: int,
    offset: int,
    matched: int,
    returned: int,
    *,
    html: bool,
) -> list[dict[str, str]]:
    def href(new_offset: int) -> str:
        params = dict(request.query_params)
        params.update({"limit": str(page), "offset": str(new_offset)})
        return str(request.url.replace_query_params(**params))

    own, other = ("text/html", GEOJSON_MEDIA_TYPE) if html else (GEOJSON_MEDIA_TYPE, "text/html")
    links = [
        {"rel": "self", "type": own, "href": href(offset)},
        {
            "rel": "alternate",
            "type": other,
            "href": _with_f(href(offset), "json" if html else "html"),
        },
        {
            "rel": "collection",
            "type": "application/json",
            "href": f"{_base(request)}/collections/{layer}",
        },
    ]
    if offset + returned < matched:
        links.append({"rel": "next", "type": GEOJSON_MEDIA_TYPE, "href": href(offset + page)})
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON_MEDIA_TYPE,
                "href": href(max(0, min(offset, matched) - page)),
            }
        )
    return links


def _with_f(href: str, f: str) -> str:
    """``href`` asking for format ``f`` (its ``f`` parameter replaced)."""
    url = URL(href)
    return str(url.include_query_params(f=f))
