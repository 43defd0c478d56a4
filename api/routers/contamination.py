"""``/contamination``: the standards library, screening, the exceedance table, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.access import read_access
from api.deps import StoreDep
from api.responses import FastJSONResponse
from api.tables import csv_response, records
from site_gis.contamination import (
    OUTSIDE_ZONES,
    RULE,
    exceedance_table,
    load_results,
    screen_results,
    statistics_tables,
)
from site_gis.contamination.kaplan_meier import CONVENTION_TEXT
from site_gis.contamination.statistics import BACKGROUND_LEFT_OUT
from site_gis.contamination.ucl import MAX_RESAMPLES, RESAMPLES
from site_gis.contamination.ucl import SEED as UCL_SEED
from site_gis.schemas import ZONE_IDS

router = APIRouter(
    prefix="/contamination", tags=["contamination"], dependencies=[Depends(read_access)]
)

Zone = Literal[
    "blast_furnace_yard",
    "coal_coke_storage",
    "water_discharge_canals",
    "solid_waste_dumps",
    "outside",
]
assert set(Zone.__args__) == {*ZONE_IDS, OUTSIDE_ZONES}  # type: ignore[attr-defined]
Medium = Literal["soil", "sediment", "groundwater", "surface_water"]
Format = Annotated[Literal["json", "csv"], Query(description="Output format")]


@dataclass
class Selection:
    """Which results: by EIA zone, analyte and medium."""

    zone: Annotated[
        Zone | None, Query(description="EIA zone, or `outside` for locations outside every zone")
    ] = None
    analyte: Annotated[
        str | None,
        Query(description="Analyte name, synonym or CAS number", examples=["Benzene", "71-43-2"]),
    ] = None
    medium: Annotated[Medium | None, Query(description="Sampled medium")] = None


@dataclass
class Screening:
    """Which standard, for which land use."""

    standard: Annotated[
        str,
        Query(
            description="Standard id (see /contamination/standards)",
            examples=["dutch_iv", "us_epa_rsl", "ccme_soil"],
        ),
    ] = "dutch_iv"
    land_use: Annotated[
        Literal["residential", "industrial"],
        Query(description="Land use the levels are chosen for"),
    ] = "industrial"


SelectionDep = Annotated[Selection, Depends()]
ScreeningDep = Annotated[Screening, Depends()]


def _screened(store: StoreDep, selection: Selection, screening: Screening) -> pd.DataFrame:
    results = load_results(
        store, zone=selection.zone, analyte=selection.analyte, medium=selection.medium
    )
    return screen_results(
        results,
        store.read("screening_levels"),
        standard=screening.standard,
        land_use=screening.land_use,
    )


def _header(store: StoreDep, screening: Screening) -> dict[str, Any]:
    return {
        "standard": screening.standard,
        "land_use": screening.land_use,
        "rule": RULE,
        "synthetic": store.site().synthetic,
    }


@router.get("/standards", summary="The standards library: standards, versions, verification")
def standards(store: StoreDep) -> FastJSONResponse:
    """Each standard with its versions, media, land uses and how many levels are unverified."""
    levels = store.read("screening_levels")
    rows = []
    for standard, group in levels.groupby("standard", sort=True):
        rows.append(
            {
                "standard": standard,
                "versions": sorted(group["version"].unique()),
                "media": sorted(group["medium"].unique()),
                "land_uses": sorted(group["land_use"].unique()),
                "levels": len(group),
                "to_verify": int((~group["verified"]).sum()),
            }
        )
    return FastJSONResponse(
        {
            "standards": rows,
            "levels": records(
                pd.DataFrame(levels).assign(
                    status=levels["verified"].map({True: "verified", False: "to verify"})
                )
            ),
        }
    )


@router.get(
    "/screening", summary="Each result against a standard: level, ratio, flag", response_model=None
)
def screening(
    store: StoreDep,
    selection: SelectionDep,
    screening: ScreeningDep,
    f: Format = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    """Screen the selected results; CSV gives every row, JSON one page."""
    screened = _screened(store, selection, screening)
    if f == "csv":
        return csv_response(screened, f"screening_{screening.standard}.csv")
    page = screened.iloc[offset : offset + limit]
    return FastJSONResponse(
        {
            **_header(store, screening),
            "numberMatched": len(screened),
            "numberReturned": len(page),
            "flags": screened["flag"].value_counts().to_dict(),
            "results": records(page),
        }
    )


@router.get(
    "/exceedances", summary="Samples × analytes exceedance table (crosstab)", response_model=None
)
def exceedances(
    store: StoreDep,
    selection: SelectionDep,
    screening: ScreeningDep,
    f: Format = "json",
    all_samples: Annotated[bool, Query(description="Include samples without exceedances")] = False,
) -> Response:
    """Cells read ``value [flag ratio×]``; non-detects as ``<DL``; one row per sample."""
    screened = _screened(store, selection, screening)
    table = exceedance_table(screened, only_exceeding=not all_samples)
    levels = _level_rows(screened)
    if f == "csv":
        combined = pd.concat([levels, table], ignore_index=True)
        return csv_response(
            combined.reindex(columns=list(dict.fromkeys([*table.columns, *levels.columns]))),
            f"exceedances_{screening.standard}.csv",
        )
    return FastJSONResponse(
        {**_header(store, screening), "levels": records(levels), "samples": records(table)}
    )


@router.get(
    "/statistics",
    summary="Per zone × analyte × medium: KM, goodness of fit, recommended UCL95 (ProUCL 5.2)",
    response_model=None,
)
def statistics(
    store: StoreDep,
    selection: SelectionDep,
    f: Format = "json",
    detail: Annotated[
        Literal["summary", "full"],
        Query(description="`full` adds every UCL family per group, the recommended one marked"),
    ] = "summary",
    convention: Annotated[
        Literal["unrestricted", "restricted"],
        Query(description="Kaplan–Meier convention: ProUCL 5.2 / EnvStats, or Efron's rule"),
    ] = "unrestricted",
    resamples: Annotated[
        int, Query(ge=100, le=MAX_RESAMPLES, description="Bootstrap resamples (seeded)")
    ] = RESAMPLES,
) -> Response:
    """Summary statistics with non-detects by Kaplan–Meier; each row names its methods.

    Each group's row gives the distribution accepted at 5 % with its test statistics, the
    recommended UCL95 with the decision-table row, its Guide section and the reason, and
    ProUCL's small-sample warnings. ``detail=full`` adds ``ucls``: every UCL family per group
    (in CSV, the family table instead of the summary).
    """
    results = load_results(
        store, zone=selection.zone, analyte=selection.analyte, medium=selection.medium
    )
    table, families = statistics_tables(
        results, convention=convention, resamples=resamples, full=detail == "full"
    )
    if f == "csv":
        if detail == "full":
            return csv_response(families, "statistics_ucls.csv")
        return csv_response(table, "statistics.csv")
    body: dict[str, Any] = {
        "synthetic": store.site().synthetic,
        "convention": CONVENTION_TEXT[convention],
        "bootstrap": {"resamples": resamples, "seed": UCL_SEED, "generator": "numpy default_rng"},
        "decision_table": "site_gis/reference/ucl_recommendations.toml (ProUCL 5.2 TG, "
        "EPA/600/R-07/041, 2022)",
        "background": BACKGROUND_LEFT_OUT,
        "statistics": records(table),
    }
    if detail == "full":
        body["ucls"] = records(families)
    return FastJSONResponse(body)


def _level_rows(screened: pd.DataFrame) -> pd.DataFrame:
    """One row per medium giving each analyte's level, for the head of the crosstab."""
    with_level = screened.dropna(subset=["level"]).drop_duplicates(["medium", "analyte"])
    if with_level.empty:
        return pd.DataFrame()
    text = (
        with_level["level"].map("{:g}".format)
        + " "
        + with_level["level_unit"].astype(str)
        + with_level["level_status"].astype(str).map({"to verify": " (to verify)", "verified": ""})
    )
    wide = with_level.assign(text=text).pivot(index="medium", columns="analyte", values="text")
    wide.columns.name = None
    wide = wide.reset_index()
    wide.insert(0, "sample_id", "(screening level)")
    return wide
