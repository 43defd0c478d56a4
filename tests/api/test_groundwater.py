"""``/groundwater`` over real HTTP on each store backend, and the plume as an async job."""

from __future__ import annotations

import csv
import io
import math
import time

import httpx
import pandas as pd
import pytest
from scipy.stats import norm

from tests.api.test_processes import submit, wait_for
from tests.conftest import results_csv


def test_series_keeps_non_detects_as_such(client: httpx.Client) -> None:
    answer = client.get(
        "/groundwater/series", params={"location_id": "MW-00005", "analyte": "71-43-2"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["analyte"] == "Benzene" and body["synthetic"] is True
    shipped = results_csv()
    expected = shipped[(shipped["location_id"] == "MW-00005") & (shipped["analyte"] == "Benzene")]
    rows = body["results"]
    assert len(rows) == len(expected) == 16
    assert [r["sampled_on"] for r in rows] == sorted(expected["sampled_on"])
    non_detects = [r for r in rows if not r["detected"]]
    assert non_detects and all(
        r["value"] is None and r["detection_limit"] > 0 and r["qualifier"] == "U"
        for r in non_detects
    )
    assert {r["season"] for r in rows} == {"monsoon", "dry"}
    text = client.get(
        "/groundwater/series", params={"location_id": "MW-00005", "analyte": "Benzene", "f": "csv"}
    )
    assert text.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(text.text)))
    assert len(table) == 16
    assert all(
        r["value"] == "" and r["detected"] == "False" for r in table if r["qualifier"] == "U"
    )


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"location_id": "MW-99999", "analyte": "Benzene"}, 404, "MW-99999"),
        ({"location_id": "SB-00001", "analyte": "Benzene"}, 404, "soil"),
        ({"location_id": "MW-00005", "analyte": "Unobtainium"}, 400, "Unobtainium"),
        ({"location_id": "MW-00005", "analyte": "Benzene", "colour": "red"}, 400, "colour"),
    ],
)
def test_bad_series_requests(
    client: httpx.Client, params: dict[str, str], status: int, says: str
) -> None:
    answer = client.get("/groundwater/series", params=params)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]


def test_trend_figures_agree_with_the_gsi_rule(client: httpx.Client) -> None:
    body = client.get(
        "/groundwater/trend", params={"location_id": "MW-00010", "analyte": "Benzene"}
    ).json()
    assert body["n"] == 16 and body["min_rounds"] == 4
    z = (body["s"] - math.copysign(1, body["s"])) / math.sqrt(body["var_s"]) if body["s"] else 0
    assert body["z"] == pytest.approx(z)
    cf = norm.cdf(abs(z))
    assert body["confidence_factor"] == pytest.approx(cf)
    s, cov = body["s"], body["cov"]
    expected = (
        ("increasing" if cf > 0.95 else "probably increasing" if cf >= 0.9 else "no trend")
        if s > 0
        else ("decreasing" if cf > 0.95 else "probably decreasing")
        if s < 0 and cf >= 0.9
        else ("stable" if cov < 1 else "no trend")
    )
    assert body["trend"] == expected
    assert body["sen_lower"] <= body["sen_slope_per_year"] <= body["sen_upper"]
    assert body["seasonal"]["rounds_by_season"] == {"monsoon": 4, "dry": 12}


def test_indicator_matrix_json_csv_and_html(client: httpx.Client) -> None:
    started = time.perf_counter()
    body = client.get("/groundwater/matrix", params={"standard": "dutch_iv"}).json()
    assert time.perf_counter() - started < 5
    cells = pd.DataFrame(body["cells"])
    shipped = results_csv()
    gw = shipped[(shipped["medium"] == "groundwater") & (shipped["analyte"] != "pH")]
    assert len(cells) == len(gw[["location_id", "analyte"]].drop_duplicates())
    benzene = cells[cells["analyte"] == "Benzene"].set_index("location_id")
    last = gw[gw["analyte"] == "Benzene"].sort_values("sampled_on").groupby("location_id").last()
    assert (benzene["latest_sampled_on"] == last["sampled_on"]).all()
    above = benzene[benzene["threshold"] == "above"]
    assert len(above) and (above["latest_value"] > 30).all()  # Dutch IV benzene 30 ug/L
    assert (above["threshold_colour"] == "#D7191C").all()
    assert set(cells["trend"]) <= {
        "increasing",
        "probably increasing",
        "no trend",
        "stable",
        "probably decreasing",
        "decreasing",
        "insufficient data",
    }
    text = client.get("/groundwater/matrix", params={"f": "csv"})
    assert text.headers["content-type"].startswith("text/csv")
    assert len(pd.read_csv(io.StringIO(text.text))) == len(cells)
    page = client.get("/groundwater/matrix", params={"f": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "SYNTHETIC DATA" in page.text and "#D7191C" in page.text and "MW-00001" in page.text
    bad = client.get("/groundwater/matrix", params={"standard": "nothing"})
    assert bad.status_code == 400 and "nothing" in bad.json()["detail"]


def test_flow_per_round(client: httpx.Client) -> None:
    body = client.get("/groundwater/flow").json()
    assert body["latest"]["azimuth_deg"] == pytest.approx(95, abs=1.5)
    assert len(body["rounds"]) == 16
    one = client.get("/groundwater/flow", params={"round": "2024-Q3"}).json()
    (entry,) = one["rounds"]
    assert entry["plane"]["r2"] > 0.99 and entry["triangles"]["count"] > 10
    assert "2024-Q3" in one["latest"]["basis"]
    assert client.get("/groundwater/flow", params={"round": "1999-Q1"}).status_code == 400


def test_plume_of_sixteen_rounds_as_one_async_job(client: httpx.Client) -> None:
    listed = {p["id"] for p in client.get("/processes").json()["processes"]}
    assert {"groundwater-plume", "groundwater-well-redundancy"} <= listed
    started = time.perf_counter()
    job = submit(client, "groundwater-plume", {"analyte": "Benzene", "level": 30})
    status = wait_for(client, job, until={"successful", "failed"}, seconds=60)
    elapsed = time.perf_counter() - started
    assert status["status"] == "successful", status
    assert elapsed < 30, elapsed
    body = client.get(f"/jobs/{job}/results").json()
    assert len(body["rounds"]) == 16 and body["assumptions"]["porosity"] == 0.3
    # the synchronous route answers with the same bytes
    same = client.get("/groundwater/plume", params={"analyte": "Benzene", "level": 30})
    assert same.json() == body
    bad = client.post(
        "/processes/groundwater-plume/execution",
        json={"inputs": {"analyte": "Benzene", "level": 30, "porosity": 0.9}},
    )
    assert bad.status_code == 400 and "porosity" in bad.json()["detail"]


def test_well_redundancy_route(client: httpx.Client) -> None:
    answer = client.get(
        "/groundwater/well-redundancy",
        params={"analyte": "Benzene", "level": 30, "cell_size_m": 100, "f": "csv"},
    )
    assert answer.status_code == 200, answer.text
    table = pd.read_csv(io.StringIO(answer.text))
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert table["influence_pct"].is_monotonic_increasing


def test_groundwater_map_with_round_selector_arrows_and_charts(client: httpx.Client) -> None:
    page = client.get("/groundwater/map", params={"analyte": "Benzene", "round": "2024-Q4"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src" in page.headers["content-security-policy"]
    text = page.text
    assert "SYNTHETIC DATA" in text and 'name="round"' in text and "2024-Q4" in text
    shipped = results_csv()
    sampled = shipped[
        (shipped["analyte"] == "Benzene")
        & (shipped["medium"] == "groundwater")
        & shipped["sampled_on"].between("2024-10-01", "2024-12-31")
    ]["location_id"].nunique()
    # one chart per well sampled in the round (its popup), escaped into the script
    assert text.count("\\u003csvg") == sampled
    missing = client.get("/groundwater/map", params={"round": "1999-Q1"})
    assert missing.status_code == 404 and "1999-Q1" in missing.text


def test_plume_process_is_described_and_checks_its_inputs_first(client: httpx.Client) -> None:
    described = client.get("/processes/groundwater-plume").json()
    assert described["inputs"]["level"]["minOccurs"] == 1
    assert described["inputs"]["porosity"]["schema"]["maximum"] == 0.6
    answer = client.post(
        "/processes/groundwater-plume/execution",
        json={"inputs": {"analyte": "Unobtainium", "level": 30}},
        headers={"Prefer": "respond-async"},
    )
    assert answer.status_code == 400 and "Unobtainium" in answer.json()["detail"]
