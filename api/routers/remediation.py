"""``/remediation/estimate``, ``/remediation/curve`` and ``/receptors/at-risk``.

Each runs as a job on the analysis engine (the processes of the same names), like
``POST /processes/{id}/execution``, and answers with the same bytes.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.access import Reader, read_access
from api.deps import StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE
from api.jobs import make_inputs
from api.routers.surfaces import CleanupLevel, Options, run
from site_gis.errors import InvalidRequestError
from site_gis.processes.catalogue import CurveInputs, ReceptorInputs, RemediationInputs
from site_gis.surfaces import ReceptorParams, RemediationParams

router = APIRouter(tags=["remediation"], dependencies=[Depends(read_access)])

AnalyteQuery = Annotated[str, Query(description="Analyte name, synonym or CAS number")]
Format = Annotated[Literal["json", "csv"], Query(description="Output format")]


@router.get(
    "/remediation/estimate",
    summary="Volume, tonnage and cost per hotspot, zone and technology, in a stated price year",
    response_model=None,
)
async def estimate(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: AnalyteQuery,
    cleanup_level: CleanupLevel,
    options: Options,
    remediation: Annotated[RemediationParams, Query()],
    f: Format = "json",
) -> Response:
    """One surface per sampled depth interval; each cell dug from the ground surface to the
    bottom of the deepest exceeding interval (or ``depth_m``, at most ``max_depth_m``), with
    the volume by interval.  Costs are low / central / high from the unit-cost table,
    converted from the unit each source quotes and escalated to ``price_year`` (default:
    the latest of the cost index); a technology with no rate shows no cost.  Every answer
    names its price year, depth basis and domain."""
    inputs = make_inputs(
        RemediationInputs,
        dict(
            analyte=analyte,
            cleanup_level=cleanup_level,
            format=f,
            **options.model_dump(),
            **remediation.model_dump(),
        ),
    )
    return await run(request, "remediation-estimate", inputs, caller, store)


@router.get(
    "/remediation/curve",
    summary="Area, volume and cost against the cleanup level",
    response_model=None,
)
async def curve(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: AnalyteQuery,
    options: Options,
    remediation: Annotated[RemediationParams, Query()],
    levels: Annotated[
        str, Query(description="Comma-separated cleanup levels", examples=["200,400,800,1200"])
    ],
    f: Format = "json",
) -> Response:
    """One row per cleanup level and technology, dug per depth interval, in one price year."""
    try:
        parsed = [float(v) for v in levels.split(",") if v.strip()]
    except ValueError as exc:
        raise InvalidRequestError("levels must be comma-separated numbers") from exc
    if not all(map(math.isfinite, parsed)):
        raise InvalidRequestError("levels must be finite numbers (no inf or nan)")
    if not 1 <= len(parsed) <= 50:
        raise InvalidRequestError("give between 1 and 50 cleanup levels")
    inputs = make_inputs(
        CurveInputs,
        dict(
            analyte=analyte,
            levels=parsed,
            format=f,
            **options.model_dump(),
            **remediation.model_dump(),
        ),
    )
    return await run(request, "remediation-curve", inputs, caller, store)


@router.get(
    "/receptors/at-risk",
    summary="Communities and wells on, near or down-gradient of any hotspot (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
async def at_risk(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: AnalyteQuery,
    cleanup_level: CleanupLevel,
    options: Options,
    receptor: Annotated[ReceptorParams, Query()],
) -> Response:
    """Each receptor tested against every hotspot; each at risk once, with the nearest
    hotspot that puts it at risk (distance in m, geodesic bearing, compass direction; "on
    hotspot" inside one), whether it is on, near or down-gradient of any, and every hotspot
    that puts it at risk (``hotspots``, nearest first).  The flow azimuth and its basis
    (``flow_basis``) are inputs, stated in the answer."""
    inputs = make_inputs(
        ReceptorInputs,
        dict(
            analyte=analyte,
            cleanup_level=cleanup_level,
            **options.model_dump(),
            **receptor.model_dump(),
        ),
    )
    return await run(request, "receptors-at-risk", inputs, caller, store)
