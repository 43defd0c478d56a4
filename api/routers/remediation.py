"""``/remediation/estimate``, ``/remediation/curve`` and ``/receptors/at-risk``."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.access import read_access
from api.deps import GridCells, StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from api.responses import FastJSONResponse
from api.routers.surfaces import CleanupLevel, Options, hotspot_frame, surface_for
from api.tables import csv_response, records
from site_gis.crs import to_storage
from site_gis.errors import InvalidRequestError
from site_gis.surfaces import (
    ReceptorParams,
    RemediationParams,
    cost_curve,
    default_depth,
    estimate_remediation,
    receptors_at_risk,
    summarise_by_zone,
    unit_costs,
)

router = APIRouter(tags=["remediation"], dependencies=[Depends(read_access)])

AnalyteQuery = Annotated[str, Query(description="Analyte name, synonym or CAS number")]
Format = Annotated[Literal["json", "csv"], Query(description="Output format")]


@router.get(
    "/remediation/estimate",
    summary="Volume, tonnage and cost per hotspot, zone and technology",
    response_model=None,
)
def estimate(
    store: StoreDep,
    cells: GridCells,
    analyte: AnalyteQuery,
    cleanup_level: CleanupLevel,
    options: Options,
    remediation: Annotated[RemediationParams, Query()],
    f: Format = "json",
) -> Response:
    """Costs are low / central / high from the unit-cost table, in its currency and price
    year (not inflated); a technology with no rate shows no cost."""
    built = surface_for(store, analyte, options, cells)
    depth = remediation.depth_m or default_depth(built)
    rows = estimate_remediation(
        hotspot_frame(store, built, cleanup_level),
        medium=options.medium,
        depth_m=depth,
        density_t_m3=remediation.bulk_density_t_m3,
        costs=unit_costs(),
    )
    if f == "csv":
        return csv_response(rows, "remediation_estimate.csv")
    return FastJSONResponse(
        {
            "analyte": built.analyte,
            "unit": built.unit,
            "cleanup_level": cleanup_level,
            "depth_m": depth,
            "bulk_density_t_m3": remediation.bulk_density_t_m3,
            "surface": built.tags(),
            "by_zone": records(summarise_by_zone(rows)) if "technology" in rows else [],
            "hotspots": records(rows),
        }
    )


@router.get(
    "/remediation/curve",
    summary="Area, volume and cost against the cleanup level",
    response_model=None,
)
def curve(
    store: StoreDep,
    cells: GridCells,
    analyte: AnalyteQuery,
    options: Options,
    remediation: Annotated[RemediationParams, Query()],
    levels: Annotated[
        str, Query(description="Comma-separated cleanup levels", examples=["200,400,800,1200"])
    ],
    f: Format = "json",
) -> Response:
    """One row per cleanup level and technology."""
    try:
        parsed = [float(v) for v in levels.split(",") if v.strip()]
    except ValueError as exc:
        raise InvalidRequestError("levels must be comma-separated numbers") from exc
    if not all(map(math.isfinite, parsed)):
        raise InvalidRequestError("levels must be finite numbers (no inf or nan)")
    if not 1 <= len(parsed) <= 50:
        raise InvalidRequestError("give between 1 and 50 cleanup levels")
    built = surface_for(store, analyte, options, cells)
    depth = remediation.depth_m or default_depth(built)
    table = cost_curve(
        built,
        store.read("eia_zones"),
        parsed,
        medium=options.medium,
        depth_m=depth,
        density_t_m3=remediation.bulk_density_t_m3,
        costs=unit_costs(),
    )
    if f == "csv":
        return csv_response(table, "remediation_curve.csv")
    return FastJSONResponse(
        {
            "analyte": built.analyte,
            "unit": built.unit,
            "depth_m": depth,
            "surface": built.tags(),
            "curve": records(table),
        }
    )


@router.get(
    "/receptors/at-risk",
    summary="Communities and wells near or down-gradient of hotspots (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
def at_risk(
    store: StoreDep,
    cells: GridCells,
    analyte: AnalyteQuery,
    cleanup_level: CleanupLevel,
    options: Options,
    receptor: Annotated[ReceptorParams, Query()],
) -> Response:
    """Each receptor at risk with its nearest hotspot, distance (m), bearing and compass
    direction from it, and whether it is near, down-gradient, or both."""
    built = surface_for(store, analyte, options, cells)
    found = receptors_at_risk(
        hotspot_frame(store, built, cleanup_level), store.read("receptors"), receptor
    )
    fields = [c for c in found.columns if c != "geometry"]
    body = feature_collection(
        to_storage(found),
        id_field="receptor_id",
        fields=fields,
        extra={"surface": built.tags(), "parameters": receptor.model_dump()},
    )
    return Response(body, media_type=GEOJSON_MEDIA_TYPE)
