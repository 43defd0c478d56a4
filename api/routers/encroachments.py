"""``/encroachments/parcels`` (GET and POST with a polygon) and ``POST /resettlement/estimate``.

Only aggregates leave these routes: per parcel, encroachment, zone, phase and
the selection -- never a single structure or household.  Per-parcel household,
people and business counts (and filtering or sorting by them) are for planners:
beside the public encroachment totals they could be recovered by subtraction.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import geopandas as gpd
from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import Planner, Principal, Reader, demand, read_access
from api.deps import StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from api.jobs import Jobs, JobService
from api.responses import FastJSONResponse
from api.tables import csv_response, records
from site_gis.access import Permission
from site_gis.errors import InvalidRequestError
from site_gis.io import polygon_from_geojson
from site_gis.processes import ExposureInputs
from site_gis.resettlement import (
    CATEGORIES,
    COMPONENTS,
    HOUSEHOLD_FIGURES,
    HOUSEHOLD_SIZE,
    ParcelQuery,
    analyse_parcels,
    estimate_resettlement,
    load_matrix,
    query_parcels,
)
from site_gis.store import Store
from site_gis.surfaces import EstimateRaster

router = APIRouter(tags=["encroachment and resettlement"], dependencies=[Depends(read_access)])


class Exposure(BaseModel):
    """Optional contamination context: hotspots of one analyte above a cleanup level."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    analyte: str | None = Field(None, description="Analyte for hotspot distance and ratio")
    cleanup_level: float | None = Field(None, gt=0, description="Cleanup level (result unit)")
    medium: Literal["soil", "sediment", "groundwater", "surface_water"] = "soil"
    depth_top_m: float | None = Field(None, ge=0, le=200)
    depth_bottom_m: float | None = Field(None, ge=0, le=200)


class ParcelSearch(ParcelQuery, Exposure):
    """A parcel query with an optional polygon (GeoJSON, lon/lat)."""

    polygon: dict[str, Any] | None = Field(
        None, description="GeoJSON Polygon or MultiPolygon in lon/lat (EPSG:4326)"
    )
    household_size: float = Field(HOUSEHOLD_SIZE, gt=0, le=30)
    f: Literal["geojson", "csv"] = "geojson"


class ResettlementRequest(Exposure):
    """Which encroachments, under which rates."""

    zone: (
        Literal[
            "blast_furnace_yard", "coal_coke_storage", "water_discharge_canals", "solid_waste_dumps"
        ]
        | None
    ) = None
    kind: Literal["residential_settlement", "scrapyard", "transport_terminal"] | None = None
    encroachment_ids: list[str] | None = Field(None, max_length=10_000)
    polygon: dict[str, Any] | None = Field(None, description="GeoJSON polygon (lon/lat)")
    household_size: float = Field(
        HOUSEHOLD_SIZE, gt=0, le=30, description="Persons per household (census 2023: 6.3)"
    )
    phases: int = Field(3, ge=1, le=20)
    usd_rate: float | None = Field(None, gt=0, description="PKR per USD, to add USD totals")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description='Dotted matrix paths to new values, e.g. {"rental_support.rate": 20000}',
    )


def _exposure(
    exposure: Exposure, jobs: JobService, caller: Principal, store: Store
) -> tuple[EstimateRaster | None, gpd.GeoDataFrame | None]:
    """The soil estimate and its hotspots above the level, from the engine's kept job."""
    if (exposure.analyte is None) != (exposure.cleanup_level is None):
        raise InvalidRequestError("give both analyte and cleanup_level, or neither")
    if exposure.analyte is None or exposure.cleanup_level is None:
        return None, None
    inputs = ExposureInputs(
        analyte=exposure.analyte,
        medium=exposure.medium,
        depth_top_m=exposure.depth_top_m,
        depth_bottom_m=exposure.depth_bottom_m,
        cleanup_level=exposure.cleanup_level,
    )
    result = jobs.exposure(inputs, caller, store)
    return result.estimate, result.hotspots


def _parcels(store: Store, search: ParcelSearch, jobs: JobService, caller: Principal) -> Response:
    personal = caller.may(Permission.PERSONAL)
    if search.min_households or search.sort_by in HOUSEHOLD_FIGURES:
        demand(caller, Permission.PERSONAL, "filtering or sorting parcels by households")
    polygon = (
        polygon_from_geojson(search.polygon, store.site()) if search.polygon is not None else None
    )
    estimate, hotspots = _exposure(search, jobs, caller, store)
    analysed = analyse_parcels(
        store.read("parcels"),
        store.read("encroachments"),
        store.read("structures"),
        store.read("eia_zones"),
        crs=store.site().crs,
        household_size=search.household_size,
        hotspots=hotspots,
        estimate=estimate,
        cleanup_level=search.cleanup_level,
    )
    page, matched = query_parcels(analysed, search, polygon=polygon)
    if not personal:
        page = page.drop(columns=list(HOUSEHOLD_FIGURES))
    fields = [c for c in page.columns if c != "geometry"]
    if search.f == "csv":
        return csv_response(page.drop(columns="geometry"), "encroached_parcels.csv")
    body = feature_collection(
        page,
        id_field="parcel_id",
        fields=fields,
        extra={
            "numberMatched": matched,
            "numberReturned": len(page),
            "synthetic": store.site().synthetic,
        },
    )
    return Response(body, media_type=GEOJSON_MEDIA_TYPE)


@router.get(
    "/encroachments/parcels",
    summary="Encroached parcels: area, kinds, households, hotspot exposure",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/csv": {}}}},
)
def parcels(
    store: StoreDep, jobs: Jobs, caller: Reader, search: Annotated[ParcelSearch, Query()]
) -> Response:
    """Filter by zone, kind, encroached area, households and hotspot distance; sort; page."""
    return _parcels(store, search, jobs, caller)


@router.post(
    "/encroachments/parcels",
    summary="Encroached parcels intersecting a polygon",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/csv": {}}}},
)
def parcels_in_polygon(
    store: StoreDep, jobs: Jobs, caller: Reader, search: Annotated[ParcelSearch, Body()]
) -> Response:
    """The same query with a GeoJSON polygon (lon/lat) in the body."""
    return _parcels(store, search, jobs, caller)


@router.post(
    "/resettlement/estimate",
    summary="Resettlement cost by component, encroachment, parcel, zone and phase",
)
def resettlement(
    store: StoreDep,
    jobs: Jobs,
    caller: Planner,
    request: Annotated[ResettlementRequest, Body()],
) -> FastJSONResponse:
    """Entitlements from the editable matrix (with per-request overrides, recorded in the
    output); households and people; priority by contamination exposure and phasing."""
    matrix = load_matrix(overrides=request.overrides)
    structures = store.read("structures")
    encroachments = store.read("encroachments")
    chosen = structures["encroachment_id"].notna()
    if request.kind is not None:
        ids = encroachments.loc[encroachments["kind"] == request.kind, "encroachment_id"]
        chosen &= structures["encroachment_id"].isin(ids)
    if request.encroachment_ids is not None:
        chosen &= structures["encroachment_id"].isin(request.encroachment_ids)
    if request.polygon is not None:
        polygon = polygon_from_geojson(request.polygon, store.site())
        chosen &= structures.geometry.intersects(polygon)
    selected = structures[chosen]
    if request.zone is not None:
        from site_gis.resettlement import place_structures

        placed = place_structures(selected, store.read("parcels"), store.read("eia_zones"))
        selected = selected[(placed["zone_id"] == request.zone).to_numpy(bool)]
    estimate, hotspots = _exposure(request, jobs, caller, store)
    report = estimate_resettlement(
        selected,
        encroachments,
        store.read("parcels"),
        store.read("eia_zones"),
        matrix,
        crs=store.site().crs,
        household_size=request.household_size,
        phases=request.phases,
        hotspots=hotspots,
        estimate=estimate,
        cleanup_level=request.cleanup_level,
    )
    body: dict[str, Any] = {name: records(table) for name, table in report.items()}
    if request.usd_rate:
        body["totals_usd"] = _in_usd(body["totals"][0], request.usd_rate)
        if body["totals"][0].get("suppressed"):
            body["totals_usd_note"] = (
                "USD totals are null: the selection has too few structures to report (privacy)"
            )
    body["currency"] = matrix.currency
    body["usd_rate"] = request.usd_rate
    body["household_size"] = request.household_size
    body["overrides"] = request.overrides
    body["matrix"] = matrix.model_dump(mode="json")
    body["to_verify"] = sorted(_unverified(matrix))
    body["synthetic"] = store.site().synthetic
    return FastJSONResponse(body)


def _in_usd(totals: dict[str, Any], usd_rate: float) -> dict[str, float | None]:
    """Each PKR total divided by ``usd_rate`` (PKR per USD), to the cent; null where suppressed.

    A conversion that does not give a finite number (a rate so small that the
    quotient overflows) is a 400 naming ``usd_rate``, never an infinity.
    """
    usd: dict[str, float | None] = {}
    for name in (*COMPONENTS, "total"):
        pkr = totals[name]
        if pkr is None:  # suppressed: too few structures to report
            usd[name] = None
            continue
        value = round(float(pkr) / usd_rate, 2)
        if not math.isfinite(value):
            raise InvalidRequestError(
                f"usd_rate {usd_rate!r} PKR per USD gives a USD {name} too large to represent"
            )
        usd[name] = value
    return usd


def _unverified(matrix: Any) -> list[str]:
    names = [
        f"structure_replacement.{t}"
        for t, r in matrix.structure_replacement.items()
        if not r.verified
    ]
    for name in CATEGORIES:
        if not getattr(matrix, name).verified:
            names.append(name)
    return names
