"""``/reports/contamination``: the EIA contamination report as one HTML page or a PDF.

The report runs as a job on the analysis engine (one task per section).  The route
waits for it up to a little short of the request time limit and answers with the
report; a report still running then gets ``202 Accepted`` with the job's status and a
``Location`` of ``/jobs/{id}``, whose ``/results`` give the report once it is done.
With ``Prefer: respond-async`` the 202 comes at once.  The same inputs and data version
are answered from the kept result.

A consultant's or an officer's key is needed: the report gathers every analysis and the
resettlement aggregates (never household-level data) in one document for submission.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from api.access import Caller, Principal, demand
from api.deps import StoreDep
from api.jobs import JobService, make_inputs
from api.responses import FastJSONResponse
from api.routers.surfaces import download
from site_gis.access import Permission
from site_gis.processes import ReportInputs
from site_gis.report import check_report_cost, pdf_engine
from site_gis.report.pdf import INSTALL_HINT

router = APIRouter(prefix="/reports", tags=["reports"])

PROCESS = "contamination-report"
_MARGIN_S = 5.0  # answer before the server's own request time limit


def _allowed(caller: Principal) -> None:
    if not (caller.may(Permission.EXPORT) or caller.may(Permission.IMPORT)):
        demand(
            caller, Permission.EXPORT, "the contamination report (a consultant's or officer's key)"
        )


@router.get(
    "/contamination",
    summary="The EIA contamination report (HTML or PDF), run as a job",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "text/html": {}}},
        202: {"description": "Still running: the job's status, Location /jobs/{id}"},
        400: {"description": "Bad inputs, or a report beyond its cost limit"},
        503: {"description": "No PDF engine on the server (Chromium)"},
    },
)
async def contamination_report(
    request: Request,
    store: StoreDep,
    caller: Caller,
    standard: Annotated[str, Query(max_length=60, description="Standard id")] = "dutch_iv",
    land_use: Annotated[Literal["residential", "industrial"], Query()] = "industrial",
    analytes: Annotated[
        list[str] | None,
        Query(description="Analytes mapped (repeat or comma-separate); default Lead"),
    ] = None,
    medium: Annotated[Literal["soil", "sediment"], Query()] = "soil",
    method: Annotated[Literal["idw", "kriging"], Query()] = "kriging",
    cell_size_m: Annotated[float, Query(ge=10, le=500, description="Cell size (m)")] = 50.0,
    report_date: Annotated[dt.date | None, Query(description="Date on the report")] = None,
    f: Annotated[Literal["html", "pdf"], Query(description="Output format")] = "pdf",
    prefer: Annotated[
        str | None, Header(description="`respond-async`: answer 202 with the job at once")
    ] = None,
) -> Response:
    """Every section from the library's analyses: site and zones, inventory, screening,
    statistics, background, per analyte the surface, hotspots, remediation and receptors,
    groundwater, resettlement aggregates, assumptions, methods.  At most
    ``MAX_REPORT_SURFACES`` (24) surfaces: analytes × (1 + 3 depth intervals)."""
    _allowed(caller)
    names = [a for value in analytes or ["Lead"] for a in value.split(",") if a.strip()]
    inputs: ReportInputs = make_inputs(
        ReportInputs,
        {
            "standard": standard,
            "land_use": land_use,
            "analytes": names,
            "medium": medium,
            "method": method,
            "cell_size_m": cell_size_m,
            "report_date": report_date or dt.date.today(),
            "f": f,
        },
    )
    check_report_cost(inputs)
    if f == "pdf" and pdf_engine() is None:
        raise HTTPException(503, f"no PDF engine on the server: {INSTALL_HINT}; or ask for f=html")
    jobs: JobService = request.app.state.jobs
    record, ended = await asyncio.to_thread(
        jobs.execute, PROCESS, inputs, caller, store, time_limit_s=jobs.settings.job_time_limit_s
    )
    wait_s = max(jobs.settings.request_timeout_s - _MARGIN_S, 0.5)
    at_once = bool(prefer and "respond-async" in prefer.lower())
    if at_once or not await asyncio.to_thread(ended.wait, wait_s):
        base = str(request.base_url).rstrip("/")
        status = jobs.get(record.job_id, caller)
        return FastJSONResponse(
            {
                "jobID": record.job_id,
                "processID": PROCESS,
                "status": status.status,
                "progress": status.progress,
                "links": [
                    {"rel": "status", "href": f"{base}/jobs/{record.job_id}"},
                    {"rel": "results", "href": f"{base}/jobs/{record.job_id}/results"},
                ],
            },
            status_code=202,
            headers={
                "Location": f"{base}/jobs/{record.job_id}",
                **({"Preference-Applied": "respond-async"} if at_once else {}),
            },
        )
    return download(jobs.finished_output(record.job_id, caller))
