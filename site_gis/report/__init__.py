"""Report: the EIA contamination report, built from the library's own analyses.

Public verbs (what each takes and returns):

* ``ReportParams`` -- the report's inputs (standard, land use, analytes, medium, method,
  cell size, bootstrap resamples, date, ``f`` = html or pdf), all bounded
* ``check_report_cost(params, limit=)`` -> the report's cost in surfaces (analytes × (1 +
  depth intervals)); refused beyond ``MAX_REPORT_SURFACES`` with an
  ``AnalysisTooCostlyError`` (a 400) naming the limit; ``estimate_report_cost(params)``
  the same count without refusing
* ``read_report_data(store)`` -> ``ReportData``: the layers the report reads, the data
  version and a SHA-256 content hash over them
* ``section_keys(params)`` -> the keys of the sections to build (one per mapped analyte);
  ``build_section(store, data, key, params, budget=)`` -> one ``Section``
* ``assemble_report(data, params, sections)`` -> a ``Report``: title-page facts, the
  sections in order, and the assumptions, methods and "not included" sections drawn
  from them
* ``build_report(store, params, budget=)`` -> a ``Report`` built in this process (the
  job runs the same steps on the engine)
* ``report_html(report)`` -> one self-contained HTML page (images inline, print CSS with
  the SYNTHETIC notice and page numbers on every page)
* ``html_to_pdf(html)`` -> PDF bytes printed by headless Chromium; ``pdf_engine()`` the
  engine's path or ``None``; ``PdfEngineMissingError`` names what to install
* ``report_pdf(report)`` -> the report's PDF, printed twice so that the contents give
  each section's page (read from the first printing's outline)

``MAX_REPORT_SURFACES`` is the report's cost limit; ``SYNTHETIC_NOTICE`` the notice.

Modules: ``params`` (inputs and cost), ``document`` (sections, tables, figures as data),
``sections`` (one builder per section), ``figures`` (matplotlib, Agg), ``render``
(HTML), ``pdf`` (Chromium print-to-PDF).
"""

from __future__ import annotations

from site_gis import __version__
from site_gis.report.document import Report, Section
from site_gis.report.params import (
    MAX_REPORT_SURFACES,
    ReportParams,
    check_report_cost,
    estimate_report_cost,
)
from site_gis.report.pdf import PdfEngineMissingError, html_to_pdf, outline_pages, pdf_engine
from site_gis.report.render import SYNTHETIC_NOTICE, report_html
from site_gis.report.sections import (
    ReportData,
    assumptions_section,
    background_section,
    groundwater_section,
    inventory_section,
    methods_section,
    omitted_section,
    read_report_data,
    resettlement_section,
    screening_section,
    site_section,
    statistics_section,
    surface_section,
)
from site_gis.store import Store
from site_gis.surfaces import SurfaceBudget

TITLE = "EIA contamination report"

_BEFORE = ("site", "inventory", "screening", "statistics", "background")
_AFTER = ("groundwater", "resettlement")


def section_keys(params: ReportParams) -> list[str]:
    """The sections to build, in report order (``surface:<analyte>`` per mapped analyte)."""
    return [*_BEFORE, *(f"surface:{a}" for a in params.analytes), *_AFTER]


def build_section(
    store: Store,
    data: ReportData,
    key: str,
    params: ReportParams,
    *,
    budget: SurfaceBudget | None = None,
) -> Section:
    """The section named ``key`` (one of :func:`section_keys`)."""
    plain = {
        "site": site_section,
        "inventory": inventory_section,
        "screening": screening_section,
        "statistics": statistics_section,
        "background": background_section,
        "groundwater": groundwater_section,
    }
    if key in plain:
        return plain[key](data, params)
    if key == "resettlement":
        return resettlement_section(store, data, params)
    if key.startswith("surface:"):
        return surface_section(
            store, data, params, key[len("surface:") :], budget or SurfaceBudget()
        )
    raise ValueError(f"no report section {key!r}")


def assemble_report(data: ReportData, params: ReportParams, sections: list[Section]) -> Report:
    """The report: the built sections, then assumptions, methods and what is not included."""
    if params.report_date is None:
        raise ValueError("give the report a date first (ReportParams.dated)")
    closing = [
        assumptions_section(sections),
        methods_section(data, params, sections),
        omitted_section(sections),
    ]
    return Report(
        title=TITLE,
        site_name=str(data.site.name),
        report_date=params.report_date,
        data_version=data.data_version,
        content_hash=data.content_hash,
        software_version=__version__,
        synthetic=bool(data.site.synthetic),
        parameters=params.model_dump(mode="json"),
        sections=[*sections, *closing],
    )


def report_pdf(report: Report) -> bytes:
    """The report printed to PDF, its contents giving each section's page.

    Printed once to learn the pages (the outline Chromium makes from the headings), then
    again with them; the page numbers take no more room, so the pages do not move.
    """
    first = html_to_pdf(report_html(report))
    return html_to_pdf(report_html(report, pages=outline_pages(first)))


def build_report(
    store: Store, params: ReportParams, *, budget: SurfaceBudget | None = None
) -> Report:
    """The whole report built in this process, section by section."""
    check_report_cost(params)
    data = read_report_data(store)
    sections = [build_section(store, data, k, params, budget=budget) for k in section_keys(params)]
    return assemble_report(data, params, sections)


__all__ = [
    "MAX_REPORT_SURFACES",
    "SYNTHETIC_NOTICE",
    "PdfEngineMissingError",
    "Report",
    "ReportData",
    "ReportParams",
    "Section",
    "assemble_report",
    "build_report",
    "build_section",
    "check_report_cost",
    "estimate_report_cost",
    "html_to_pdf",
    "pdf_engine",
    "read_report_data",
    "report_html",
    "report_pdf",
    "section_keys",
]
