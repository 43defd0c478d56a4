"""``/surfaces/{analyte}`` (GeoTIFF or JSON summary) and ``/hotspots`` (GeoJSON)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.access import Principal, Reader, read_access
from api.deps import StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE
from api.jobs import JobService, Output, make_inputs
from site_gis.processes.catalogue import HotspotInputs, SurfaceInputs
from site_gis.store import Store
from site_gis.surfaces import (
    SurfaceOptions,
)

router = APIRouter(tags=["surfaces"], dependencies=[Depends(read_access)])

Analyte = Annotated[
    str, Path(description="Analyte name, synonym or CAS number", examples=["Lead", "71-43-2"])
]
Options = Annotated[SurfaceOptions, Query()]
CleanupLevel = Annotated[
    float,
    Query(
        gt=0,
        allow_inf_nan=False,
        description="Cleanup level in the result unit (mg/kg for solids, ug/L for waters)",
    ),
]
Probability = Annotated[
    float | None,
    Query(
        gt=0,
        lt=1,
        allow_inf_nan=False,
        description="Also the area where the probability of exceedance is at least this (kriging)",
    ),
]


def download(output: Output) -> Response:
    """A job's output as the response of a GET route."""
    headers = (
        {"Content-Disposition": f'attachment; filename="{output.filename}"'}
        if output.filename
        else None
    )
    return Response(output.body, media_type=output.media_type, headers=headers)


async def run(
    request: Request, process: str, inputs: BaseModel, caller: Principal, store: Store
) -> Response:
    """Run a process on the engine for a GET route and answer with its output."""
    jobs: JobService = request.app.state.jobs
    return download(await jobs.run_sync(request, process, inputs, caller, store))


@router.get(
    "/surfaces/{analyte}",
    summary="Interpolated surface: Cloud-Optimised GeoTIFF, or a JSON summary with f=json",
    response_class=Response,
    responses={
        200: {"content": {"image/tiff; application=geotiff": {}, "application/json": {}}},
        422: {"description": "Too few samples for the method, or bad parameters"},
    },
)
async def surface(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: Analyte,
    options: Options,
    f: Annotated[Literal["tif", "json"], Query(description="Output")] = "tif",
) -> Response:
    """IDW or ordinary kriging onto a grid in the site's metric CRS, clipped to the site or
    a zone, with leave-one-out cross-validation; bands: estimate, kriging standard
    deviation, probability of exceeding ``threshold``.  Runs as a job on the analysis
    engine (the ``surface`` process)."""
    inputs = make_inputs(SurfaceInputs, dict(analyte=analyte, format=f, **options.model_dump()))
    return await run(request, "surface", inputs, caller, store)


@router.get(
    "/hotspots",
    summary="Areas where a surface exceeds a cleanup level (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
async def hotspots(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: Annotated[str, Query(description="Analyte")],
    cleanup_level: CleanupLevel,
    options: Options,
    probability_at_least: Probability = None,
) -> Response:
    """Polygons (lon/lat) of the cells above the level, split by EIA zone, with area in
    hectares and the highest and mean estimate inside (the ``hotspots`` process)."""
    inputs = make_inputs(
        HotspotInputs,
        dict(
            analyte=analyte,
            cleanup_level=cleanup_level,
            probability_at_least=probability_at_least,
            **options.model_dump(),
        ),
    )
    return await run(request, "hotspots", inputs, caller, store)
