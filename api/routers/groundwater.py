"""``/groundwater``: time series, trends, the indicator matrix, flow, plume and redundancy."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.access import Reader, read_access
from api.deps import StoreDep
from api.jobs import JobService, make_inputs
from api.known_params import KnownParameters
from api.maps import MapRequestError
from api.maps.assets import map_policy, render
from api.maps.groundwater import build_groundwater_map
from api.responses import FastJSONResponse
from api.tables import csv_response, records
from site_gis.contamination import load_results
from site_gis.errors import AnalysisTooCostlyError
from site_gis.groundwater import (
    MIN_ROUNDS,
    flow_by_round,
    flow_direction,
    heads_with_positions,
    indicator_matrix,
    load_series,
    matrix_html,
    series_trend,
)
from site_gis.groundwater.matrix import MAX_CELLS
from site_gis.processes.groundwater import PlumeInputs, RedundancyInputs

router = APIRouter(
    prefix="/groundwater",
    tags=["groundwater"],
    dependencies=[Depends(read_access), KnownParameters],
)

LocationId = Annotated[
    str,
    Query(min_length=1, max_length=100, description="Groundwater or surface-water location"),
]
Analyte = Annotated[
    str,
    Query(max_length=100, description="Analyte name, synonym or CAS number", examples=["Benzene"]),
]
MinRounds = Annotated[
    int, Query(ge=MIN_ROUNDS, le=100, description="Fewest rounds a trend is computed from")
]
Water = Literal["groundwater", "surface_water"]


@router.get("/series", summary="One location's results for an analyte in time order")
def series(
    store: StoreDep,
    location_id: LocationId,
    analyte: Analyte,
    f: Annotated[Literal["json", "csv"], Query(description="Output format")] = "json",
) -> Response:
    """Every result, non-detects kept as such (``detected`` false, ``value`` null, limit given)."""
    rows = load_series(store, location_id, analyte)
    if f == "csv":
        return csv_response(rows, f"series_{location_id}_{rows['analyte'].iloc[0]}.csv")
    return FastJSONResponse(
        {
            "location_id": location_id,
            "analyte": rows["analyte"].iloc[0],
            "unit": rows["unit"].iloc[0],
            "synthetic": store.site().synthetic,
            "seasons": "monsoon: July-September; dry: the other months",
            "results": records(rows),
        }
    )


@router.get("/trend", summary="Mann-Kendall, Theil-Sen, seasonal Kendall and the GSI class")
def trend(
    store: StoreDep,
    location_id: LocationId,
    analyte: Analyte,
    min_rounds: MinRounds = MIN_ROUNDS,
    confidence: Annotated[
        float, Query(ge=0.5, le=0.999, description="Confidence of the slope's interval")
    ] = 0.95,
) -> FastJSONResponse:
    """The trend of one series, with non-detects compared as Helsel (2012) prescribes."""
    rows = load_series(store, location_id, analyte)
    result = series_trend(
        rows["sampled_on"],
        rows["value"].to_numpy(dtype=float),
        rows["detected"].to_numpy(dtype=bool),
        rows["detection_limit"].to_numpy(dtype=float),
        min_rounds=min_rounds,
        confidence=confidence,
        seasonal=True,
    )
    return FastJSONResponse(
        {
            "location_id": location_id,
            "analyte": rows["analyte"].iloc[0],
            "unit_per_year": f"{rows['unit'].iloc[0]} per year",
            "method": "Mann-Kendall with non-detects (Helsel 2012); Theil-Sen slope with Sen "
            "(1968) interval, non-detects at half their limit; GSI Mann-Kendall Toolkit "
            "classes (Connor, Farhat and Vanderford 2012)",
            "synthetic": store.site().synthetic,
            **_clean(result),
        }
    )


@router.get(
    "/matrix",
    summary="Trend-and-threshold indicator matrix: wells x analytes",
    response_model=None,
)
def matrix(
    store: StoreDep,
    standard: Annotated[str, Query(max_length=100, description="Standard id")] = "dutch_iv",
    land_use: Annotated[Literal["residential", "industrial"], Query()] = "industrial",
    medium: Annotated[Water, Query(description="Water medium")] = "groundwater",
    min_rounds: MinRounds = MIN_ROUNDS,
    f: Annotated[Literal["json", "csv", "html"], Query(description="Output format")] = "json",
) -> Response:
    """Each cell: the latest result against the standard's level and the series' trend class."""
    results = load_results(store, medium=medium)
    cells = results[["location_id", "analyte"]].drop_duplicates()
    if len(cells) > MAX_CELLS:
        raise AnalysisTooCostlyError(
            f"the matrix would have {len(cells):,} well x analyte cells; the limit is "
            f"{MAX_CELLS:,}: choose surface_water or groundwater alone"
        )
    table = indicator_matrix(
        results,
        store.read("screening_levels"),
        standard=standard,
        land_use=land_use,
        medium=medium,
        min_rounds=min_rounds,
    )
    if f == "csv":
        return csv_response(table, f"indicator_matrix_{standard}_{medium}.csv")
    synthetic = store.site().synthetic
    if f == "html":
        title = f"Trend and threshold matrix: {medium}, {standard} ({land_use})" + (
            " - SYNTHETIC DATA" if synthetic else ""
        )
        return HTMLResponse(matrix_html(table, title=title))
    return FastJSONResponse(
        {
            "standard": standard,
            "land_use": land_use,
            "medium": medium,
            "min_rounds": min_rounds,
            "synthetic": synthetic,
            "cells": records(table),
        }
    )


@router.get("/flow", summary="Hydraulic gradient and flow direction per round from heads")
def flow(
    store: StoreDep,
    round_id: Annotated[
        str | None,
        Query(alias="round", max_length=20, description="One round, e.g. 2026-Q3 (default: all)"),
    ] = None,
) -> FastJSONResponse:
    """Planar least-squares fit (R², residuals) and three-point triangles for each round."""
    heads = heads_with_positions(store)
    if round_id is not None:
        heads = heads[heads["round"] == round_id]
    azimuth, gradient, basis = flow_direction(store, round_id=round_id)
    return FastJSONResponse(
        {
            "latest": {"azimuth_deg": azimuth, "gradient": gradient, "basis": basis},
            "units": "gradient in m/m; azimuth in compass degrees of the flow (0 north, 90 "
            f"east); coordinates in {store.site().crs}",
            "rounds": _clean(flow_by_round(heads)),
        }
    )


@router.get("/plume", summary="Plume diagnostics per round (runs the groundwater-plume job)")
async def plume(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: Analyte,
    level: Annotated[float, Query(gt=0, allow_inf_nan=False, description="ug/L")],
    porosity: Annotated[float, Query(gt=0, le=0.6, allow_inf_nan=False)] = 0.30,
    saturated_thickness_m: Annotated[float, Query(gt=0, le=200, allow_inf_nan=False)] = 6.0,
    cell_size_m: Annotated[float, Query(ge=5, le=1000, allow_inf_nan=False)] = 50.0,
) -> Response:
    """The same bytes as ``POST /processes/groundwater-plume/execution``."""
    inputs = make_inputs(PlumeInputs, _given(locals()))
    jobs: JobService = request.app.state.jobs
    output = await jobs.run_sync(request, "groundwater-plume", inputs, caller, store)
    return Response(output.body, media_type=output.media_type)


@router.get("/well-redundancy", summary="Wells ranked by their influence on plume area and mass")
async def well_redundancy(
    request: Request,
    store: StoreDep,
    caller: Reader,
    analyte: Analyte,
    level: Annotated[float, Query(gt=0, allow_inf_nan=False, description="ug/L")],
    redundancy_round: Annotated[
        str | None, Query(alias="round", max_length=20, description="Round (default: latest)")
    ] = None,
    cell_size_m: Annotated[float, Query(ge=5, le=1000, allow_inf_nan=False)] = 50.0,
    f: Annotated[Literal["json", "csv"], Query(description="Output format")] = "json",
) -> Response:
    """The same bytes as ``POST /processes/groundwater-well-redundancy/execution``."""
    values = _given(locals())
    values["format"] = values.pop("f")
    inputs = make_inputs(RedundancyInputs, values)
    jobs: JobService = request.app.state.jobs
    output = await jobs.run_sync(request, "groundwater-well-redundancy", inputs, caller, store)
    headers = (
        {"Content-Disposition": f'attachment; filename="{output.filename}"'}
        if output.filename
        else None
    )
    return Response(output.body, media_type=output.media_type, headers=headers)


@router.get("/map", summary="Groundwater view: wells in a round, trend arrows, series charts")
def groundwater_map(
    store: StoreDep,
    analyte: Analyte = "Benzene",
    round_id: Annotated[
        str | None, Query(alias="round", max_length=20, description="Round (default: latest)")
    ] = None,
    standard: Annotated[str, Query(max_length=100, description="Standard id")] = "dutch_iv",
    land_use: Annotated[Literal["residential", "industrial"], Query()] = "industrial",
) -> HTMLResponse:
    """The wells of one round coloured against the level, with trend arrows and popup charts."""
    try:
        fmap = build_groundwater_map(
            store, analyte=analyte, round_id=round_id, standard=standard, land_use=land_use
        )
    except MapRequestError as exc:
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Cannot draw this "
            f"map</title></head><body><h1>Cannot draw this map</h1><p>{escape(exc.message)}."
            '</p><p><a href="/groundwater/map">The groundwater map with the defaults</a></p>'
            "</body></html>",
            status_code=exc.status,
        )
    page = render(fmap)
    return HTMLResponse(page, headers={"Content-Security-Policy": map_policy(page)})


def _given(values: dict[str, Any]) -> dict[str, Any]:
    skip = {"request", "store", "caller"}
    return {k: v for k, v in values.items() if k not in skip and v is not None}


def _clean(value: Any) -> Any:
    """NaN and infinities as null, numpy scalars as Python numbers, all the way down."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not pd.notna(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return _clean(value.item())
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    return value
