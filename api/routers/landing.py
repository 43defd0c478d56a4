"""``GET /`` (what this is, with links) and ``GET /health``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import StoreDep, checked_store, current_store, report_store_problem
from api.errors import store_unavailable
from api.html import landing_page
from api.ogc import CONFORMANCE
from api.responses import FastJSONResponse
from site_gis import __version__
from site_gis.errors import StoreError

router = APIRouter(tags=["service"])

SUMMARY = (
    "site-gis serves the layers of a contaminated industrial site -- boundary, EIA zones, "
    "plant units, parcels, encroachments, sample locations and lab results, receptors -- "
    "for environmental officers, planners and consultants."
)


def _links(request: Request) -> list[dict[str, str]]:
    base = str(request.base_url).rstrip("/")
    return [
        {"rel": "self", "type": "application/json", "title": "This document", "href": f"{base}/"},
        {
            "rel": "service-desc",
            "type": "application/vnd.oai.openapi+json;version=3.0",
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
            "rel": "alternate",
            "type": "text/html",
            "title": "This page in HTML",
            "href": f"{base}/?f=html",
        },
    ]


@router.get("/", summary="Landing page: what this service is, with links", response_model=None)
def landing(
    request: Request,
    store: StoreDep,
    f: Annotated[
        Literal["json", "html"] | None,
        Query(description="Output format; default from the Accept header"),
    ] = None,
) -> Response:
    """Describe the service and the site it serves, with links to everything else."""
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
    wants_html = f == "html" or (f is None and _prefers_html(request))
    if not wants_html:
        return FastJSONResponse(body)
    layers = [(info.name, info.title, info.personal) for info in store.layers()]
    page = landing_page(
        body["title"], SUMMARY, site.provenance, body["links"], layers, synthetic=site.synthetic
    )
    return HTMLResponse(page)


@router.get("/conformance", summary="OGC API conformance classes")
def conformance() -> FastJSONResponse:
    """The OGC API - Features conformance classes this service implements."""
    return FastJSONResponse({"conformsTo": CONFORMANCE})


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


def _prefers_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept
