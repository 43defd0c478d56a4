"""What a report is made of, and what it may cost, checked before any of it is computed.

A report's cost is counted in **surfaces**, its dominant work: each analyte mapped
interpolates one surface over the site, and its remediation estimate one more per
sampled depth interval (three on the PSM demo soils, ``DEPTH_INTERVALS_ASSUMED``
counted before the store is read).  The statistics, screening, groundwater and
resettlement sections take well under a second each on the demo and are not counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from site_gis.contamination import resolve_analyte
from site_gis.errors import AnalysisTooCostlyError, InvalidRequestError

MAX_REPORT_SURFACES = 24
"""Most surfaces one report may interpolate (6 analytes on the demo's three soil depths)."""
DEPTH_INTERVALS_ASSUMED = 3
"""Depth intervals counted per remediation estimate before the store is read."""
MAX_ANALYTES = 20
"""Most analytes one request may name (the cost limit usually refuses sooner)."""
MAX_TREND_WELLS = 6
"""Most east-side wells drawn as trend charts."""


class ReportParams(BaseModel):
    """The inputs of one contamination report (all bounded)."""

    model_config = ConfigDict(extra="forbid")

    standard: str = Field(
        "dutch_iv",
        min_length=1,
        max_length=60,
        description="Standard id the results are screened against",
    )
    land_use: Literal["residential", "industrial"] = Field(
        "industrial", description="Land use the levels are chosen for"
    )
    analytes: list[str] = Field(
        default_factory=lambda: ["Lead"],
        min_length=1,
        max_length=MAX_ANALYTES,
        description="Analytes (names, synonyms or CAS numbers) whose surfaces, hotspots, "
        "remediation and receptors are reported",
    )
    medium: Literal["soil", "sediment"] = Field(
        "soil", description="Medium of the surfaces and the remediation estimate"
    )
    method: Literal["idw", "kriging"] = Field("kriging", description="Interpolation method")
    cell_size_m: float = Field(50.0, ge=10, le=500, description="Surface cell size (m, metric CRS)")
    resamples: int = Field(2000, ge=100, le=10_000, description="Bootstrap resamples (seeded)")
    report_date: dt.date | None = Field(
        None, description="Date printed on the report (default: the day it is asked for)"
    )
    f: Literal["html", "pdf"] = Field("pdf", description="html: one self-contained page; pdf")

    @field_validator("analytes")
    @classmethod
    def _distinct(cls, analytes: list[str]) -> list[str]:
        cleaned = [a.strip() for a in analytes if a.strip()]
        if not cleaned:
            raise ValueError("name at least one analyte")
        if any(len(a) > 100 for a in cleaned):
            raise ValueError("an analyte name is at most 100 characters")
        try:
            names = [resolve_analyte(a) for a in cleaned]
        except InvalidRequestError as exc:
            raise ValueError(str(exc)) from None
        return list(dict.fromkeys(names))

    def dated(self, today: dt.date) -> ReportParams:
        """These parameters with ``report_date`` set (``today`` where it was not given)."""
        return (
            self if self.report_date is not None else self.model_copy(update={"report_date": today})
        )


def estimate_report_cost(params: ReportParams) -> int:
    """Surfaces the report will interpolate: per analyte, one plus one per depth interval."""
    return len(params.analytes) * (1 + DEPTH_INTERVALS_ASSUMED)


def check_report_cost(params: ReportParams, *, limit: int = MAX_REPORT_SURFACES) -> int:
    """The report's cost in surfaces; refused beyond ``limit``.

    Raises
    ------
    AnalysisTooCostlyError
        (a 400) naming the limit ``max_report_surfaces``, the cost and what fits.
    """
    cost = estimate_report_cost(params)
    if cost > limit:
        fits = max(limit // (1 + DEPTH_INTERVALS_ASSUMED), 1)
        raise AnalysisTooCostlyError(
            f"analytes: {len(params.analytes)} analytes need {cost} surfaces "
            f"(1 + {DEPTH_INTERVALS_ASSUMED} depth intervals each), beyond the report limit "
            f"max_report_surfaces = {limit}; ask for at most {fits} analytes per report",
            limit="max_report_surfaces",
        )
    return cost
