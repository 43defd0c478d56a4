"""``/maps/...``: the map pages (HTML built by :mod:`api.maps`) and a sample's popup data."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Annotated

import folium
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.access import Reader, read_access
from api.deps import StoreDep
from api.html import BANNER
from api.jobs import JobPending, Jobs
from api.maps import MapRequestError
from api.maps.assets import VIEWPORT, map_policy, render
from api.maps.contamination import ContaminationQuery, build_contamination_map, sample_detail
from api.maps.encroachments import EncroachmentQuery, build_encroachment_map
from api.maps.site import build_site_map
from api.responses import FastJSONResponse
from site_gis.access import Permission
from site_gis.processes import Exposure, ExposureInputs, MapSurface, MapSurfaceInputs
from site_gis.store import Store

router = APIRouter(prefix="/maps", tags=["maps"], dependencies=[Depends(read_access)])

HTML_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"description": "Unknown analyte, standard or sample, or no data for the selection"},
    422: {"description": "A parameter out of range (medium, land use, depth, method, phases)"},
}


def _page(
    request: Request,
    store: Store,
    build: Callable[[], folium.Map],
    *variant: object,
    complete: Callable[[], bool] = lambda: True,
) -> HTMLResponse:
    """Render a map (remembered until the store changes), or a short page saying why not.

    ``variant`` is whatever besides the URL changes the page (e.g. the caller's detail);
    a page drawn before its surface was ready (``complete()`` false) is not remembered.
    """
    key = (store.version(), "map", request.url.path, str(request.url.query), *variant)
    cached = request.app.state.cache.get(key)
    if cached is not None:
        return _map_response(cached)
    try:
        page = render(build()).encode()
        if complete():
            request.app.state.cache.put(key, page)
        return _map_response(page)
    except MapRequestError as exc:
        banner = BANNER if store.site().synthetic else ""
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Cannot draw this map"
            f'</title>{VIEWPORT}<link rel="icon" href="data:,"></head>'
            f'<body style="font-family:system-ui,sans-serif">{banner}'
            '<div style="max-width:640px;margin:40px auto">'
            f"<h1>Cannot draw this map</h1><p>{escape(exc.message)}.</p>{_suggestions(exc)}"
            '<p><a href="/maps/contamination">Contamination map with the defaults</a> · '
            '<a href="/maps/site">Site map</a> · <a href="/?f=html">Home</a></p>'
            "</div></body></html>"
        )
        return HTMLResponse(body, status_code=exc.status)


def _suggestions(exc: MapRequestError) -> str:
    if not exc.suggestions:
        return ""
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for text, href in exc.suggestions
    )
    return f"<p>These give a map:</p><ul>{items}</ul>"


def _map_response(page: bytes) -> HTMLResponse:
    """A map page with its script policy (its inline scripts by hash)."""
    csp = map_policy(page.decode())
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})


@router.get("/site", summary="Site map (HTML)", response_class=HTMLResponse)
def site_map(request: Request, store: StoreDep) -> HTMLResponse:
    """Boundary, EIA zones, plant units, parcels, encroachments and receptors."""
    return _page(request, store, lambda: build_site_map(store))


@router.get(
    "/contamination",
    summary="Contamination map (HTML): samples by exceedance, surface, hotspots, zone statistics",
    response_class=HTMLResponse,
    responses=HTML_ERRORS,
)
def contamination_map(
    request: Request,
    store: StoreDep,
    jobs: Jobs,
    caller: Reader,
    analyte: Annotated[str, Query(description="Analyte name, synonym or CAS number")] = "Lead",
    medium: Annotated[str, Query(description="soil, sediment, groundwater, surface_water")] = (
        "soil"
    ),
    depth: Annotated[
        str | None, Query(description="Depth interval in metres, e.g. 0-0.5 (default: all)")
    ] = None,
    standard: Annotated[str, Query(description="Standard id (see /contamination/standards)")] = (
        "dutch_iv"
    ),
    land_use: Annotated[str, Query(description="residential or industrial")] = "industrial",
    method: Annotated[str, Query(description="Surface: idw or kriging")] = "idw",
) -> HTMLResponse:
    """Samples coloured by the ratio of their result to the level, with the standard and its
    source in the legend; the interpolated surface; hotspots; statistics per EIA zone."""
    query = ContaminationQuery(analyte, medium, depth or None, standard, land_use, method)
    pending: list[JobPending] = []

    def surface(inputs: MapSurfaceInputs) -> MapSurface | JobPending:
        shown = jobs.page_surface(inputs, caller, store, wait_s=jobs.settings.map_wait_s)
        if isinstance(shown, JobPending):
            pending.append(shown)
        return shown

    return _page(
        request,
        store,
        lambda: build_contamination_map(store, query, surface=surface),
        complete=lambda: not pending,
    )


@router.get(
    "/contamination/samples/{sample_id}",
    summary="One sample's results screened against a standard (for map popups)",
    responses=HTML_ERRORS,
)
def sample(
    store: StoreDep,
    sample_id: Annotated[str, Path(description="Sample identifier")],
    standard: Annotated[str, Query(description="Standard id")] = "dutch_iv",
    land_use: Annotated[str, Query(description="residential or industrial")] = "industrial",
) -> FastJSONResponse:
    """Every analyte of the sample with its result, level, ratio and flag."""
    try:
        return FastJSONResponse(
            sample_detail(store, sample_id, standard=standard, land_use=land_use)
        )
    except MapRequestError as exc:
        return FastJSONResponse(
            {
                "code": "NotFound" if exc.status == 404 else "InvalidParameterValue",
                "description": exc.message,
            },
            status_code=exc.status,
        )


@router.get(
    "/encroachments",
    summary="Encroachment map (HTML): kinds, encroached parcels, hotspots, resettlement",
    response_class=HTMLResponse,
    responses=HTML_ERRORS,
)
def encroachment_map(
    request: Request,
    store: StoreDep,
    jobs: Jobs,
    caller: Reader,
    analyte: Annotated[str, Query(description="Analyte whose hotspots are shown")] = "Lead",
    standard: Annotated[str, Query(description="Standard giving the cleanup level")] = "dutch_iv",
    land_use: Annotated[str, Query(description="residential or industrial")] = "residential",
    phases: Annotated[int, Query(description="Resettlement phases, 1 to 10")] = 3,
    cleanup_level: Annotated[
        float | None, Query(description="mg/kg, above zero; overrides the standard's level")
    ] = None,
) -> HTMLResponse:
    """Encroachments by kind and by resettlement phase, encroached parcels (those on a
    hotspot highlighted), with households, people and cost as aggregates only; households
    and people per parcel for planners."""
    query = EncroachmentQuery(analyte, standard, land_use, phases, cleanup_level)
    detail = caller.may(Permission.PERSONAL)
    pending: list[JobPending] = []

    def exposure(inputs: ExposureInputs) -> Exposure | JobPending:
        shown = jobs.page_exposure(inputs, caller, store, wait_s=jobs.settings.map_wait_s)
        if isinstance(shown, JobPending):
            pending.append(shown)
        return shown

    return _page(
        request,
        store,
        lambda: build_encroachment_map(store, query, household_detail=detail, exposure=exposure),
        detail,
        complete=lambda: not pending,
    )
