"""``GET /reports/contamination`` over real HTTP, on each store backend: the report of one
analyte is asked for once per module, and its PDF's tables are read against the API's own
answers for the same standard and data."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from site_gis.access import Role
from site_gis.report import SYNTHETIC_NOTICE, TITLE, pdf_engine
from site_gis.store import Store
from tests.conftest import key_header

QUERY = {
    "standard": "dutch_iv",
    "land_use": "industrial",
    "analytes": "Lead",
    "f": "pdf",
    "report_date": "2026-12-02",
}


def _client(server: str, secret: str | None) -> httpx.Client:
    headers = key_header(secret) if secret else {}
    return httpx.Client(base_url=server, timeout=180, headers=headers)


@pytest.fixture(scope="module")
def consultant_api(server: str, keys: dict[Role, str]) -> Iterator[httpx.Client]:
    with _client(server, keys[Role.CONSULTANT]) as client:
        yield client


@pytest.fixture(scope="module")
def report_pdf(consultant_api: httpx.Client) -> httpx.Response:
    if pdf_engine() is None:
        pytest.skip("no Chromium: apt-get install chromium to print the report")
    return consultant_api.get("/reports/contamination", params=QUERY)


@pytest.fixture(scope="module")
def lines(report_pdf: httpx.Response) -> list[str]:
    assert report_pdf.status_code == 200, report_pdf.text[:500]
    reader = PdfReader(io.BytesIO(report_pdf.content))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def _numbers(line: str, start: str) -> list[float]:
    rest = line[len(start) :].split()
    out = []
    for token in rest:
        if not re.fullmatch(r"[\d,]*\.?\d+|–", token):
            break
        out.append(float("nan") if token == "–" else float(token.replace(",", "")))
    return out


def test_the_consultant_gets_a_pdf_that_opens_with_the_notice_on_every_page(
    report_pdf: httpx.Response,
) -> None:
    assert report_pdf.status_code == 200
    assert report_pdf.headers["content-type"] == "application/pdf"
    assert "contamination_report_2026-12-02_" in report_pdf.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(report_pdf.content))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) > 10
    assert all(SYNTHETIC_NOTICE in t and f"of {len(texts)}" in t for t in texts)


def test_poppler_opens_the_pdf_and_reads_its_title_and_notice(
    report_pdf: httpx.Response, tmp_path: Path
) -> None:
    """``pdfinfo`` and ``pdftotext`` (poppler, a second PDF reader beside pypdf) open it."""
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        if os.environ.get("SITE_GIS_REQUIRE_BROWSER") == "1":
            pytest.fail("SITE_GIS_REQUIRE_BROWSER=1 but poppler-utils (pdfinfo) is missing")
        pytest.skip("no poppler-utils: apt-get install poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert pages == len(PdfReader(io.BytesIO(report_pdf.content)).pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert TITLE in text
    assert text.count(SYNTHETIC_NOTICE) >= pages


def test_asked_again_asynchronously_the_kept_report_is_the_jobs_result(
    consultant_api: httpx.Client, report_pdf: httpx.Response
) -> None:
    answer = consultant_api.get(
        "/reports/contamination", params=QUERY, headers={"Prefer": "respond-async"}
    )
    assert answer.status_code == 202 and answer.headers["Preference-Applied"] == "respond-async"
    job = consultant_api.get(answer.headers["Location"]).json()
    assert job["status"] == "successful" and job["processID"] == "contamination-report"
    kept = consultant_api.get(f"/jobs/{job['jobID']}/results")
    assert kept.status_code == 200 and kept.content == report_pdf.content


def test_the_statistics_table_carries_the_apis_numbers(
    consultant_api: httpx.Client, lines: list[str]
) -> None:
    answer = consultant_api.get("/contamination/statistics", params={"analyte": "Lead"})
    rows: list[dict[str, Any]] = answer.json()["statistics"]
    assert rows
    for row in rows:
        start = f"{row['zone_id']} {row['medium']} Lead {row['unit']} "
        found = [line for line in lines if line.startswith(start)]
        assert found, start
        n, non_detect_pct, max_detect, km_mean, mean, ucl95, epc = _numbers(found[0], start)[:7]
        assert n == row["n"]
        assert non_detect_pct == pytest.approx(row["percent_non_detect"], rel=1e-3)
        assert max_detect == pytest.approx(row["max_detect"], rel=1e-3)
        assert mean == pytest.approx(row["mean"], rel=1e-3)
        if row["km_mean"] is not None:
            assert km_mean == pytest.approx(row["km_mean"], rel=1e-3)
        if row["ucl95"] is not None:
            assert ucl95 == pytest.approx(row["ucl95"], rel=1e-3)
            assert epc == pytest.approx(row["epc"], rel=1e-3)
        assert (row["method"] or "–") in found[0]
        assert found[0].endswith(row["recommendation_rule"] or "–")


def test_the_exceedance_counts_are_the_apis_screening_flags(
    consultant_api: httpx.Client, lines: list[str]
) -> None:
    answer = consultant_api.get(
        "/contamination/screening",
        params={
            **{k: QUERY[k] for k in ("standard", "land_use")},
            "analyte": "Lead",
            "limit": 100_000,
        },
    ).json()
    flagged = Counter(
        (r["zone_id"] or "outside", r["medium"])
        for r in answer["results"]
        if r["flag"] == "exceeds"
    )
    assert flagged
    for (zone, medium), count in flagged.items():
        start = f"{zone} {medium} Lead "
        found = [line for line in lines if line.startswith(start) and "/" not in line]
        assert found, start
        _, exceedances = _numbers(found[0], start)[:2]
        assert exceedances == count


_HASHES: dict[str, str] = {}


def test_both_stores_give_the_report_the_same_content_hash(backend: str, lines: list[str]) -> None:
    """The hash is over the layers' rows in id order: the same data on GeoPackage and PostGIS."""
    at = lines.index("Data content hash (SHA-256)")
    _HASHES[backend] = lines[at + 1]
    assert re.fullmatch(r"[0-9a-f]{64}", _HASHES[backend])
    assert len(set(_HASHES.values())) == 1, _HASHES


def test_the_report_has_no_household_level_field(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert not re.search(r"\bH-\d{6}\b|\bS-\d{6}\b", text)
    assert "household_id" not in text and "tenure" not in text


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.PUBLIC, 403), (Role.PLANNER, 403)])
def test_only_consultants_and_officers_may_ask(
    server: str, keys: dict[Role, str], role: Role | None, status: int
) -> None:
    with _client(server, keys[role] if role else None) as client:
        answer = client.get("/reports/contamination", params=QUERY)
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.OFFICER])
def test_a_report_beyond_its_cost_is_a_400_naming_the_limit(
    server: str, keys: dict[Role, str], role: Role
) -> None:
    """Both roles get past the key check to the cost check (which comes before any work)."""
    with _client(server, keys[role]) as client:
        answer = client.get(
            "/reports/contamination",
            params={**QUERY, "analytes": "Lead,Arsenic,Zinc,Nickel,Cadmium,Benzene,Toluene"},
        )
    assert answer.status_code == 400
    assert "max_report_surfaces = 24" in answer.text


def test_bad_inputs_are_400s_naming_the_field(consultant_api: httpx.Client) -> None:
    answer = consultant_api.get("/reports/contamination", params={**QUERY, "f": "docx"})
    assert answer.status_code in (400, 422) and "f" in answer.text
    answer = consultant_api.get("/reports/contamination", params={**QUERY, "analytes": " "})
    assert answer.status_code == 400 and "analytes" in answer.text


def test_the_command_refuses_a_report_beyond_its_cost_before_any_work(
    demo_gpkg: Store, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "report",
            "--store",
            str(demo_gpkg.url),
            "--analytes",
            "Lead,Arsenic,Zinc,Nickel,Cadmium,Benzene,Toluene",
            "--out",
            str(tmp_path / "report.pdf"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "max_report_surfaces = 24" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "report.pdf").exists()
