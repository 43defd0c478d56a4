"""``GET /`` (what this is, with links) and ``GET /health``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from api.access import Caller
from api.deps import checked_store, current_store, report_store_problem
from api.errors import store_unavailable
from api.html import conformance_page, landing_page, minimal_landing_page
from api.known_params import KnownParameters
from api.ogc import CONFORMANCE
from api.openapi import OPENAPI_30_MEDIA_TYPE, openapi_30
from api.responses import FastJSONResponse
from api.routers.tiles import CONFORMANCE as TILES_CONFORMANCE
from api.routers.tiles import TILING_SCHEMES_REL
from api.security import inline_script_hashes, policy
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


DOCS_CDN = "https://cdn.jsdelivr.net"
"""Where FastAPI's pages load Swagger UI and ReDoc from."""


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive documentation (Swagger UI, from :data:`DOCS_CDN`) of ``/openapi.json``."""
    page = get_swagger_ui_html(
        openapi_url=_root(request) + "/openapi.json",
        title="site-gis - Swagger UI",
        swagger_favicon_url="data:,",
    )
    return _docs_page(page, styles=[DOCS_CDN], images=["https://validator.swagger.io"])


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """The same documentation in ReDoc (from :data:`DOCS_CDN`)."""
    page = get_redoc_html(
        openapi_url=_root(request) + "/openapi.json",
        title="site-gis - ReDoc",
        redoc_favicon_url="data:,",
        with_google_fonts=False,
    )
    return _docs_page(page, workers=["blob:"])


def _docs_page(
    page: HTMLResponse,
    *,
    styles: Sequence[str] = (),
    images: Sequence[str] = (),
    workers: Sequence[str] = (),
) -> HTMLResponse:
    """``page`` with a policy allowing the CDN's scripts and the page's own inline ones."""
    text = bytes(page.body).decode()
    scripts = [DOCS_CDN, *inline_script_hashes(text)]
    csp = policy(scripts=scripts, styles=styles, images=images, workers=workers)
    return HTMLResponse(text, headers={"Content-Security-Policy": csp})


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _prefers_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept
