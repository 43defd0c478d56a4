"""``/contamination/background``: background threshold values, site versus background,
and screening against max(standard, background)."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.access import read_access
from api.deps import StoreDep
from api.known_params import KnownParameters
from api.responses import FastJSONResponse
from api.routers.contamination import Format, Medium, Screening, ScreeningDep, Zone
from api.tables import csv_response, records
from site_gis.contamination import (
    RULE,
    compare_to_background,
    compute_background,
    load_results,
    recommended_btvs,
    screen_results,
    zone_verdicts,
)
from site_gis.contamination.background import BTV_RULE, REFERENCE
from site_gis.contamination.comparisons import FORMS
from site_gis.contamination.screening import BACKGROUND_RULE
from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.store import Store

router = APIRouter(
    prefix="/contamination/background",
    tags=["contamination"],
    dependencies=[Depends(read_access), KnownParameters],  # an unknown parameter: 400
)

Analyte = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Analyte name, synonym or CAS number",
        examples=["Lead", "7439-92-1"],
    ),
]
MediumQuery = Annotated[Medium | None, Query(description="Sampled medium")]


def _background_results(store: Store, analyte: str | None, medium: str | None) -> pd.DataFrame:
    results = load_results(store, analyte=analyte, medium=medium)
    if not results["background"].any():
        raise InsufficientDataError(
            "no background locations hold results of this selection: mark reference "
            "locations with background = true on sample_locations"
        )
    return results


@router.get("", summary="Background threshold values per analyte × medium", response_model=None)
def background(
    store: StoreDep,
    analyte: Analyte = None,
    medium: MediumQuery = None,
    recommended_only: Annotated[
        bool, Query(description="Only the recommended BTV of each analyte and medium")
    ] = False,
    f: Format = "json",
) -> Response:
    """UTL95-95, UPL95, USL95 and 95th percentile in every variant; the recommended one
    marked with its reason; candidate outliers flagged, never removed."""
    results = _background_results(store, analyte, medium)
    table = compute_background(results[results["background"]])
    if recommended_only:
        table = table[table["recommended"].fillna(False).astype(bool)]
    if f == "csv":
        return csv_response(table, "background_threshold_values.csv")
    return FastJSONResponse(
        {
            "synthetic": store.site().synthetic,
            "reference": REFERENCE,
            "rule": BTV_RULE,
            "background_locations": int(
                results.loc[results["background"], "location_id"].nunique()
            ),
            "btvs": records(table),
        }
    )


@router.get(
    "/comparison",
    summary="Site versus background per EIA zone (t, WMW, Gehan, Tarone-Ware)",
    response_model=None,
)
def comparison(
    store: StoreDep,
    zone: Annotated[
        Zone | None, Query(description="EIA zone, or `outside` for locations outside every zone")
    ] = None,
    analyte: Analyte = None,
    medium: MediumQuery = None,
    form: Annotated[
        int,
        Query(ge=1, le=2, description="1: H0 site ≤ background; 2: H0 site ≥ background + S"),
    ] = 1,
    substantial_difference: Annotated[
        float,
        Query(ge=0, le=1e6, description="S of Form 2, in the data's unit (mg/kg, ug/L)"),
    ] = 0.0,
    alpha: Annotated[float, Query(gt=0, le=0.2, description="Significance level")] = 0.05,
    f: Format = "json",
) -> Response:
    """Each zone's site results against the background results of the same analyte and
    medium; the test follows the non-detects, each row states its hypothesis form."""
    if form == 1 and substantial_difference:
        raise InvalidRequestError("substantial_difference applies to form=2 only")
    results = _background_results(store, analyte, medium)
    table = compare_to_background(
        results, form=form, substantial_difference=substantial_difference, alpha=alpha
    )
    if zone is not None:
        table = table[table["zone_id"] == zone]
    if f == "csv":
        return csv_response(table, "background_comparison.csv")
    verdicts = zone_verdicts(table) if form == 1 else pd.DataFrame()
    return FastJSONResponse(
        {
            "synthetic": store.site().synthetic,
            "hypothesis": FORMS[form],
            "alpha": alpha,
            "tests": records(table),
            "zones": records(verdicts),
        }
    )


@router.get(
    "/screening",
    summary="Screening against max(standard level, background BTV)",
    response_model=None,
)
def screening(
    store: StoreDep,
    screening: ScreeningDep,
    zone: Annotated[Zone | None, Query(description="EIA zone, or `outside`")] = None,
    analyte: Analyte = None,
    medium: MediumQuery = None,
    f: Format = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    """Each site result's level is the larger of the standard's level and the
    recommended background BTV of its analyte and medium (``level_basis`` says which)."""
    results = _background_results(store, analyte, medium)
    btvs = recommended_btvs(compute_background(results[results["background"]]))
    site = results[~results["background"]]
    if zone is not None:
        site = site[site["zone_id"].fillna("outside") == zone]
    screened = _screen(store, site.reset_index(drop=True), screening, btvs)
    if f == "csv":
        return csv_response(
            screened.assign(level_rule=BACKGROUND_RULE),
            f"screening_{screening.standard}_with_background.csv",
        )
    page = screened.iloc[offset : offset + limit]
    return FastJSONResponse(
        {
            "standard": screening.standard,
            "land_use": screening.land_use,
            "rule": RULE,
            "level_rule": BACKGROUND_RULE,
            "synthetic": store.site().synthetic,
            "background_btvs": records(btvs),
            "numberMatched": len(screened),
            "numberReturned": len(page),
            "flags": screened["flag"].value_counts().to_dict(),
            "results": records(page),
        }
    )


def _screen(
    store: Store, results: pd.DataFrame, screening: Screening, btvs: pd.DataFrame
) -> pd.DataFrame:
    return screen_results(
        results,
        store.read("screening_levels"),
        standard=screening.standard,
        land_use=screening.land_use,
        background=btvs,
    )
