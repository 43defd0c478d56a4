"""``/encroachments/parcels`` (GET and POST with a polygon) and ``POST /resettlement/estimate``.

The estimate prices every loss by the entitlement matrix's row for its loss
type, affected category and eligibility (the cut-off is a survey round), and
sets a relocation-site scenario beside cash only.  Only aggregates leave these
routes: per parcel, encroachment, zone, phase and the selection -- never a
single structure or household.  Per-parcel household,
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
    HOUSEHOLD_FIGURES,
    HOUSEHOLD_SIZE,
    EntitlementMatrix,
    ParcelQuery,
    RelocationSite,
    analyse_parcels,
    estimate_resettlement,
    load_matrix,
    load_relocation_site,
    place_structures,
    query_parcels,
    report_basis,
    survey_inputs,
)
from site_gis.resettlement.costs import MONEY
from site_gis.resettlement.relocation import RELOCATION_MONEY
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
    """Which encroachments, under which rates, reported at which level."""

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
        max_length=100,
        description='Dotted matrix paths to new values, e.g. {"rates.rental_owner.rate": 20000, '
        '"cut_off_round": "R3"}',
    )
    relocation_overrides: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,
        description='Dotted relocation-site paths, e.g. {"rates.services.rate": 300000, '
        '"plot.rate": 100}',
    )
    lines_by: Literal["selection", "encroachment", "parcel", "zone", "phase"] = Field(
        "selection", description="Level of the entitlement lines"
    )
    f: Literal["json", "csv"] = Field(
        "json", description="csv: the entitlement lines alone (a RAP annex)"
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
    summary="Resettlement entitlements by loss, category and eligibility; two scenarios",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def resettlement(
    store: StoreDep,
    jobs: Jobs,
    caller: Planner,
    request: Annotated[ResettlementRequest, Body()],
) -> Response:
    """Entitlements from the editable matrix (with per-request overrides, recorded in the
    output) by loss type, affected category and eligibility, each line with its policy row
    and eligibility reason; households by category and people; cash-only and
    relocation-site scenarios; priority by contamination exposure and phasing."""
    matrix = load_matrix(overrides=request.overrides)
    relocation = load_relocation_site(overrides=request.relocation_overrides)
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
        placed = place_structures(selected, store.read("parcels"), store.read("eia_zones"))
        selected = selected[(placed["zone_id"] == request.zone).to_numpy(bool)]
    estimate, hotspots = _exposure(request, jobs, caller, store)
    inputs = survey_inputs(store)
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
        relocation=relocation,
        lines_by=request.lines_by,
        **inputs,
    )
    if request.f == "csv":
        return csv_response(report["lines"], f"entitlements_by_{request.lines_by}.csv")
    body: dict[str, Any] = {name: records(table) for name, table in report.items()}
    if request.usd_rate:
        body["totals_usd"] = _in_usd(body["totals"][0], request.usd_rate)
        if body["totals"][0].get("suppressed"):
            body["totals_usd_note"] = (
                "USD totals are null: the selection has too few structures to report (privacy)"
            )
    body["basis"] = report_basis(matrix, inputs["rounds"], inputs["households"], selected)
    body["privacy_note"] = PRIVACY_NOTE
    body["currency"] = matrix.currency
    body["usd_rate"] = request.usd_rate
    body["household_size"] = request.household_size
    body["overrides"] = request.overrides
    body["relocation_overrides"] = request.relocation_overrides
    body["matrix"] = matrix.model_dump(mode="json")
    body["relocation_site"] = relocation.model_dump(mode="json")
    body["to_verify"] = _unverified(matrix, relocation)
    body["synthetic"] = store.site().synthetic
    return FastJSONResponse(body)


MONEY_COLUMNS = (*MONEY, *RELOCATION_MONEY)
"""The amounts of a totals row converted by ``usd_rate``."""
PRIVACY_NOTE = (
    "Aggregates only; groups of fewer than 5 structures are suppressed. Planners may see "
    "household-level fields anyway, so two selections that differ by one structure reveal "
    "that structure's figures by subtraction: suppression protects published tables, not "
    "against a planner's own differencing."
)


def _in_usd(totals: dict[str, Any], usd_rate: float) -> dict[str, float | None]:
    """Each PKR amount of ``totals`` divided by ``usd_rate`` (PKR per USD), to the cent.

    Null where the amount is null or not a number (suppressed: too few structures
    to report).  A conversion that does not give a finite number (a rate so small
    that the quotient overflows) is a 400 naming ``usd_rate``, never an infinity.
    """
    usd: dict[str, float | None] = {}
    for name in MONEY_COLUMNS:
        pkr = totals.get(name)
        if pkr is None or not isinstance(pkr, int | float) or not math.isfinite(pkr):
            usd[name] = None
            continue
        value = round(float(pkr) / usd_rate, 2)
        if not math.isfinite(value):
            raise InvalidRequestError(
                f"usd_rate {usd_rate!r} PKR per USD gives a USD {name} too large to represent"
            )
        usd[name] = value
    return usd


def _unverified(matrix: EntitlementMatrix, relocation: RelocationSite) -> list[str]:
    names = matrix.unverified()
    names += [f"relocation.rates.{k}" for k, r in relocation.rates.items() if not r.verified]
    if not relocation.plot.verified:
        names.append("relocation.plot")
    return sorted(names)
