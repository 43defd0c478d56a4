"""The contamination report as a task job: one task reads the store, one per section, one
assembles and prints it.

``prepare`` refuses a report beyond its cost limit
(:func:`site_gis.report.check_report_cost`) and reads the layers once; each section
(site, inventory, screening, statistics, background, one per mapped analyte,
groundwater, resettlement) is built on a worker from that data and the store, each
surface held to the job's surface budget (the server's settings); the last
task assembles the report, renders its HTML and, for ``f=pdf``, prints it with Chromium.
The same steps run in process in :func:`site_gis.report.build_report`.

The report is not one of the open ``/processes``: it is run by the reports route and
the ``site-gis report`` command, which ask for a consultant's or officer's key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from site_gis.processes.catalogue import Process
from site_gis.processes.engine import worker_store
from site_gis.processes.tasks import TaskSteps
from site_gis.report import (
    ReportData,
    ReportParams,
    Section,
    assemble_report,
    build_section,
    check_report_cost,
    read_report_data,
    report_html,
    report_pdf,
    section_keys,
)
from site_gis.store import Store
from site_gis.surfaces import SurfaceBudget


class ReportInputs(ReportParams):
    """The contamination report: its standard, analytes and format."""


def _prepare(store: Store, inputs: ReportInputs) -> tuple[ReportData, list[Any]]:
    check_report_cost(inputs)
    return read_report_data(store), list(section_keys(inputs))


def _section(
    data: ReportData, key: str, inputs: ReportInputs, *, budget: SurfaceBudget | None = None
) -> Section:
    return build_section(worker_store(data.store_url), data, key, inputs, budget=budget)


def _assemble(data: ReportData, inputs: ReportInputs, pieces: list[Section]) -> dict[str, Any]:
    """The report's HTML, its PDF (``f=pdf``) and its title, for the API to write out."""
    report = assemble_report(data, inputs.dated(dt.date.today()), pieces)
    document = report_html(report)
    return {
        "html": document,
        "pdf": report_pdf(report) if inputs.f == "pdf" else None,
        "content_hash": report.content_hash,
        "report_date": report.report_date.isoformat(),
    }


REPORT_STEPS = TaskSteps(_prepare, _section, _assemble, budgeted=True)


def _task_only(*args: Any) -> Any:
    raise TypeError("the report is a task process; it runs its steps")


REPORT_PROCESSES: dict[str, Process] = {
    "contamination-report": Process(
        "contamination-report",
        "EIA contamination report",
        "The whole contamination report (HTML or PDF): site and zones, data inventory, "
        "screening, statistics with the UCL method and why, background comparison, surfaces "
        "and hotspots with uncertainty, remediation volumes and costs, receptors, groundwater "
        "trends, resettlement aggregates, assumptions and versions.",
        ReportInputs,
        _task_only,
        {"html": "text/html; charset=utf-8", "pdf": "application/pdf"},
        steps=REPORT_STEPS,
    )
}
"""Processes run by the reports route and command (not listed under ``/processes``)."""
