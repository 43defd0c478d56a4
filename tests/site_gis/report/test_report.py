"""The contamination report on the demo: one analyte, built once per module (twice, to show
it is reproducible), printed once; expected figures worked out from the raw layers."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pydantic
import pytest
from pypdf import PdfReader
from pyproj import Geod

from site_gis.errors import AnalysisTooCostlyError, InvalidRequestError
from site_gis.processes import REPORT_PROCESSES
from site_gis.report import (
    MAX_REPORT_SURFACES,
    SYNTHETIC_NOTICE,
    PdfEngineMissingError,
    Report,
    ReportParams,
    build_report,
    check_report_cost,
    estimate_report_cost,
    html_to_pdf,
    pdf_engine,
    report_html,
    report_pdf,
)
from site_gis.report import pdf as pdf_module
from site_gis.store import Store
from site_gis.surfaces import SurfaceBudget

PARAMS = ReportParams(analytes=["Lead"], report_date=dt.date(2026, 12, 2), resamples=200)


@pytest.fixture(scope="module")
def report(demo_gpkg: Store) -> Report:
    return build_report(demo_gpkg, PARAMS)


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return report_html(report)


@pytest.fixture(scope="module")
def pdf(report: Report) -> PdfReader:
    if pdf_engine() is None:
        pytest.skip("no Chromium: apt-get install chromium to print the report")
    return PdfReader(io.BytesIO(report_pdf(report)))


@pytest.fixture(scope="module")
def pages(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


class _Tables(HTMLParser):
    """Rows of each ``<table data-key=...>`` of the report, as cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._key = dict(attrs).get("data-key") or ""
            self.tables.setdefault(self._key, [])
        elif tag == "tr" and self._key is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._key is not None:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "table":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_the_pdf_opens_with_page_numbers_and_the_notice_on_every_page(
    pdf: PdfReader, pages: list[str]
) -> None:
    assert pdf.metadata is not None and pdf.metadata.title == "EIA contamination report"
    total = len(pages)
    assert total > 10
    for number, text in enumerate(pages, start=1):
        assert SYNTHETIC_NOTICE in text, number
        assert f"page {number} of {total}" in text, number


def test_the_pdf_has_an_outline_of_the_sections(pdf: PdfReader) -> None:
    titles = [item["/Title"] for item in pdf.outline[1] if isinstance(item, dict)]
    assert titles[0] == "Contents"
    assert "1. Site and EIA zones" in titles
    assert titles[-1].endswith("Not included")


def test_the_contents_give_the_page_each_section_starts_on(
    pdf: PdfReader, pages: list[str]
) -> None:
    contents = pages[1]
    assert "Contents" in contents
    listed = re.findall(r"^(\d+)\. (.+?)page (\d+)$", contents, flags=re.MULTILINE)
    assert len(listed) >= 10
    for number, title, page in listed:
        heading = f"{number}. {title.strip()}"
        starts = pages[int(page) - 1]
        assert heading in starts.replace("\n", " "), (heading, page)


def test_tables_and_figures_are_numbered_in_order_and_listed_in_the_contents(html: str) -> None:
    tables = [int(n) for n in re.findall(r"<caption>Table (\d+)\.", html)]
    figures = [int(n) for n in re.findall(r"<figcaption>Figure (\d+)\.", html)]
    assert tables == list(range(1, len(tables) + 1)) and len(tables) > 15
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 8
    for shown in (
        "probability that the level",
        "kriging standard deviation",
        "experimental semivariogram",
        "leave-one-out cross-validation at the",
        "central cost against the cleanup",
    ):
        assert re.search(rf"<figcaption>Figure \d+\. Lead: {shown}", html), shown
    for title in re.findall(r'<h2 id="section-\d+">([^<]+)</h2>', html):
        assert f">{title}</a>" in html


def test_the_html_is_self_contained(html: str) -> None:
    sources = re.findall(r'\bsrc="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.findall(r'href="(?!#)', html)


def test_the_same_data_and_parameters_give_the_same_report(demo_gpkg: Store, html: str) -> None:
    again = report_html(build_report(demo_gpkg, PARAMS))
    assert again == html


def test_the_title_page_names_the_data_version_software_and_date(report: Report, html: str) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", report.content_hash)
    for fact in (report.content_hash, report.data_version, "2026-12-02", "site-gis "):
        assert fact in html


def test_the_zone_areas_match_geodesic_areas(demo_gpkg: Store, html: str) -> None:
    """UTM areas against pyproj.Geod on the WGS 84 ellipsoid: within 0.1 % (scale factor)."""
    geod = Geod(ellps="WGS84")
    rows = {row[0]: row for row in tables_of(html)["zones"][1:]}
    for zone in demo_gpkg.read("eia_zones").itertuples():
        expected_ha = abs(geod.geometry_area_perimeter(zone.geometry)[0]) / 1e4
        shown_ha = float(rows[str(zone.zone_id)][2].replace(",", ""))
        assert shown_ha == pytest.approx(expected_ha, rel=1e-3)


def test_the_exceedance_counts_are_those_of_the_raw_results(demo_gpkg: Store, html: str) -> None:
    """Lead in soil above the Dutch intervention value, counted from the layers by hand."""
    levels = demo_gpkg.read("screening_levels")
    level = levels[
        (levels["standard"] == "dutch_iv")
        & (levels["analyte"] == "Lead")
        & (levels["medium"] == "soil")
    ]["value"].iloc[0]
    results = demo_gpkg.read("results")
    locations = demo_gpkg.read("sample_locations").set_index("location_id")
    lead = results[(results["analyte"] == "Lead") & (results["medium"] == "soil")]
    above = lead[lead["detected"].astype(bool) & (lead["value"] > level)]
    zones = locations.loc[above["location_id"], "zone_id"].fillna("outside").to_numpy()
    expected = {z: int((zones == z).sum()) for z in set(zones)}
    shown = {
        row[0]: int(row[4])
        for row in tables_of(html)["screening-counts"][1:]
        if row[1] == "soil" and row[2] == "Lead"
    }
    assert shown == expected and sum(expected.values()) > 0


def test_no_household_level_field_is_in_the_report(html: str) -> None:
    assert not re.search(r"\bH-\d{6}\b|\bS-\d{6}\b", html)  # household and structure ids
    for field in ("household_id", "structure_id", "tenure", "female_headed", "below_poverty"):
        assert field not in html


def test_every_unverified_value_used_is_listed_with_its_source(html: str) -> None:
    assumptions = tables_of(html)["assumptions"][1:]
    items = {row[0] for row in assumptions}
    assert any(item.startswith("cost index") for item in items)
    assert any(item.startswith("dutch_iv level") for item in items)
    assert all(row[2] for row in assumptions)


def test_a_report_beyond_its_cost_is_refused_naming_the_limit() -> None:
    seven = ["Lead", "Arsenic", "Zinc", "Nickel", "Cadmium", "Benzene", "Toluene"]
    params = ReportParams(analytes=seven)
    assert estimate_report_cost(params) == 28 > MAX_REPORT_SURFACES
    with pytest.raises(AnalysisTooCostlyError, match="max_report_surfaces = 24") as raised:
        check_report_cost(params)
    assert raised.value.limit == "max_report_surfaces"
    assert check_report_cost(PARAMS) == 4


def test_without_chromium_the_error_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    assert pdf_engine() is None
    with pytest.raises(PdfEngineMissingError, match="apt-get install chromium"):
        html_to_pdf("<html></html>")


@pytest.mark.parametrize(
    ("analytes", "message"),
    [
        (["No such thing"], "unknown analyte"),
        ([" "], "at least one analyte"),
        ([], "at least 1 item"),
    ],
)
def test_bad_analytes_are_refused_naming_the_field(analytes: list[str], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message) as raised:
        ReportParams(analytes=analytes)
    assert raised.value.errors()[0]["loc"] == ("analytes",)


def test_analytes_are_resolved_to_their_names() -> None:
    assert ReportParams(analytes=["7439-92-1", "lead", "Arsenic"]).analytes == ["Lead", "Arsenic"]


def test_the_report_jobs_surfaces_are_held_to_the_servers_budget(demo_gpkg: Store) -> None:
    """The job's section tasks get the engine's budget: a server's lower limit refuses."""
    steps = REPORT_PROCESSES["contamination-report"].steps
    assert steps is not None
    data, keys = steps.prepare(demo_gpkg, PARAMS)
    assert "surface:Lead" in keys
    small = steps.within(SurfaceBudget(max_cells=1_000))
    with pytest.raises(InvalidRequestError, match="the limit is 1,000"):
        small.piece(data, "surface:Lead", PARAMS)
    assert steps.within(SurfaceBudget()).piece(data, "site", PARAMS).key == "site"
