"""``GET /`` (what this is, with links) and ``GET /health``."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.access import Caller
from api.deps import checked_store, current_store, report_store_problem
from api.errors import store_unavailable
from api.html import conformance_page, landing_page, minimal_landing_page
from api.known_params import KnownParameters
from api.maps.static import asset_url
from api.ogc import CONFORMANCE
from api.openapi import OPENAPI_30_MEDIA_TYPE, openapi_30
from api.responses import FastJSONResponse
from api.routers.tiles import CONFORMANCE as TILES_CONFORMANCE
from api.routers.tiles import TILING_SCHEMES_REL
from api.security import policy
from site_gis import __version__
from site_gis.access import Permission
from site_gis.errors import StoreError

router = APIRouter(tags=["service"])

SUMMARY = (
    "site-gis serves the layers of a contaminated industrial site -- boundary, EIA zones, "
    "plant units, parcels, encroachments, sample locations and lab results, receptors -- "
    "for environmental officers, planners and consultants."
)

CLOSED = (
    "site-gis serves the layers of a contaminated industrial site. This server is closed "
    "for reading: send an API key as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'."
)


def _links(request: Request) -> list[dict[str, str]]:
    base = str(request.base_url).rstrip("/")
    return [
        {"rel": "self", "type": "application/json", "title": "This document", "href": f"{base}/"},
        {
            "rel": "service-desc",
            "type": OPENAPI_30_MEDIA_TYPE,
            "title": "OpenAPI description",
            "href": f"{base}/openapi.json",
        },
        {
            "rel": "service-doc",
            "type": "text/html",
            "title": "Interactive API documentation",
            "href": f"{base}/docs",
        },
        {
            "rel": "data",
            "type": "application/json",
            "title": "Layers (collections)",
            "href": f"{base}/collections",
        },
        {
            "rel": "conformance",
            "type": "application/json",
            "title": "OGC API conformance classes",
            "href": f"{base}/conformance",
        },
        {
            "rel": "http://www.opengis.net/def/rel/ogc/1.0/processes",
            "type": "application/json",
            "title": "Analyses offered as processes (OGC API - Processes)",
            "href": f"{base}/processes",
        },
        {
            "rel": "http://www.opengis.net/def/rel/ogc/1.0/job-list",
            "type": "application/json",
            "title": "Your analysis jobs",
            "href": f"{base}/jobs",
        },
        {"rel": "status", "type": "application/json", "title": "Health", "href": f"{base}/health"},
        {
            "rel": TILING_SCHEMES_REL,
            "type": "application/json",
            "title": "Tile matrix sets of the vector tiles (OGC API - Tiles)",
            "href": f"{base}/tileMatrixSets",
        },
        {
            "rel": "alternate",
            "type": "text/html",
            "title": "This page in HTML",
            "href": f"{base}/?f=html",
        },
    ]


@router.get(
    "/",
    summary="Landing page: what this service is, with links",
    response_model=None,
    dependencies=[KnownParameters],
)
def landing(
    request: Request,
    caller: Caller,
    f: Annotated[
        Literal["json", "html"] | None,
        Query(description="Output format; default from the Accept header"),
    ] = None,
) -> Response:
    """Describe the service and the site it serves, with links to everything else.

    A caller who may not read (no key while the server is closed for reading)
    gets the links alone: nothing of the site -- its name, extent or layers.
    """
    wants_html = f == "html" or (f is None and _prefers_html(request))
    if not caller.may(Permission.READ):
        links = _links(request)
        if wants_html:
            return HTMLResponse(minimal_landing_page(CLOSED, links))
        return FastJSONResponse(
            {"title": "site-gis", "description": CLOSED, "version": __version__, "links": links}
        )
    store = checked_store(request.app)  # a store gone or replaced shows here too
    site = store.site()
    body: dict[str, Any] = {
        "title": f"site-gis: {site.name}",
        "description": SUMMARY,
        "site": {
            "id": site.site_id,
            "name": site.name,
            "metric_crs": site.metric_crs,
            "synthetic": site.synthetic,
            "provenance": site.provenance,
        },
        "version": __version__,
        "links": _links(request),
    }
    if not wants_html:
        return FastJSONResponse(body)
    layers = [(info.name, info.title, info.personal) for info in store.layers()]
    page = landing_page(
        body["title"], SUMMARY, site.provenance, body["links"], layers, synthetic=site.synthetic
    )
    return HTMLResponse(page)


@router.get(
    "/conformance",
    summary="OGC API conformance classes",
    response_model=None,
    dependencies=[KnownParameters],
)
def conformance(
    request: Request,
    f: Annotated[
        Literal["json", "html"] | None,
        Query(description="Output format; default from the Accept header"),
    ] = None,
) -> Response:
    """The OGC API conformance classes this service implements (JSON or HTML)."""
    if f == "html" or (f is None and _prefers_html(request)):
        return HTMLResponse(conformance_page([*CONFORMANCE, *TILES_CONFORMANCE]))
    base = str(request.base_url).rstrip("/")
    links = [
        {"rel": "self", "type": "application/json", "href": f"{base}/conformance"},
        {"rel": "alternate", "type": "text/html", "href": f"{base}/conformance?f=html"},
    ]
    return FastJSONResponse({"conformsTo": [*CONFORMANCE, *TILES_CONFORMANCE], "links": links})


@router.get("/health", summary="Liveness and store status", response_model=None)
def health(request: Request) -> Response:
    """``200`` with the store kind and layer count when the store answers, else ``503``.

    The store is checked and asked for its layers on every call, so a
    database that went away or a GeoPackage deleted or replaced shows here
    (and one that came back too).  The 503 is the one every route gives
    while the store is unavailable, with ``status`` and ``store`` added.
    """
    try:
        store = current_store(request.app)
    except StoreError as exc:
        report_store_problem(request.app, str(exc))
        return store_unavailable(request, html=False, status="unavailable", store="not open")
    try:
        store = checked_store(request.app)
        layers = store.layers()
    except StoreError as exc:
        report_store_problem(request.app, str(exc))
        return store_unavailable(
            request, html=False, status="unavailable", store=type(store).__name__, reachable=False
        )
    return FastJSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "store": type(store).__name__,
            "layers": len(layers),
        }
    )


@router.get("/openapi.json", include_in_schema=False)
def openapi_document(request: Request) -> Response:
    """The API definition, OpenAPI 3.0 (:mod:`api.openapi`), built once per app."""
    app = request.app
    document = getattr(app.state, "openapi_30", None)
    if document is None:
        document = openapi_30(app, max_items=app.state.settings.max_items)
        app.state.openapi_30 = document
    return FastJSONResponse(document, media_type=OPENAPI_30_MEDIA_TYPE)


SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"
REDOC = "vendor/redoc-2.5.4"
"""Vendored documentation viewers (``api/static/vendor/VERSIONS``): no CDN, so the
documentation opens on a network with no internet."""


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive documentation (Swagger UI, served from here) of ``/openapi.json``."""
    body = (
        f'<div id="swagger-ui" data-openapi="{escape(_root(request))}/openapi.json"></div>'
        f'<script src="{asset_url(SWAGGER_UI + "/swagger-ui-bundle.js")}"></script>'
        f'<script src="{asset_url("pages/docs.js")}"></script>'
    )
    css = asset_url(SWAGGER_UI + "/swagger-ui.css")
    return _docs_page("site-gis API documentation (Swagger UI)", body, css=css)


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """The same documentation in ReDoc (served from here)."""
    body = (
        f'<redoc spec-url="{escape(_root(request))}/openapi.json" '
        'hide-download-button="false"></redoc>'
        f'<script src="{asset_url(REDOC + "/redoc.standalone.js")}"></script>'
    )
    return _docs_page("site-gis API documentation (ReDoc)", body, workers=["blob:"])


def _docs_page(
    title: str, body: str, *, css: str | None = None, workers: Sequence[str] = ()
) -> HTMLResponse:
    """A documentation page: the viewer's own script and style, nothing inline."""
    style = f'<link rel="stylesheet" href="{css}">' if css else ""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title>{style}'
        "<style>body{margin:0}.sg-docs-nav{font:14px system-ui,sans-serif;padding:6px 14px;"
        "background:#1d2b36}.sg-docs-nav a{color:#fff;margin-right:14px}</style></head><body>"
        '<nav class="sg-docs-nav" aria-label="Pages"><a href="/?f=html">Home</a>'
        '<a href="/docs">Swagger UI</a><a href="/redoc">ReDoc</a>'
        '<a href="/openapi.json">OpenAPI JSON</a></nav>'
        f"<main>{body}</main></body></html>"
    )
    csp = policy(workers=workers)
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _prefers_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept
