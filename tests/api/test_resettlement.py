"""The RAP outputs over real HTTP: matrix annex, rounds and changes, grievances, CSV lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from site_gis.access import Role
from tests.api.conftest import serve
from tests.conftest import StoreFactory, close_store, geojson, key_header, make_keys


def test_the_entitlement_matrix_as_a_rap_annex(client: httpx.Client) -> None:
    response = client.get("/resettlement/matrix", params={"f": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    late = [r for r in rows if r["eligibility"] == "after_cut_off"]
    assert {r["loss"] for r in late if r["entitlement"] != "not entitled"} == {"shifting"}
    assert all(r["policy"] for r in rows) and {"source", "price_year", "rate_verified"} <= set(
        rows[0]
    )
    body = client.get("/resettlement/matrix").json()
    assert body["cut_off_round"] == "R2" and "wb_ess5" in body["policies"]


def test_rounds_name_the_cut_off(client: httpx.Client) -> None:
    body = client.get("/resettlement/rounds").json()
    assert [r["round_id"] for r in body["rounds"]] == ["R1", "R2", "R3"]
    assert {r["method"] for r in body["rounds"]} == {
        "drone_imagery",
        "census",
        "field_verification",
    }
    assert body["cut_off"]["round_id"] == "R2" and body["synthetic"] is True


def test_changes_since_the_cut_off(planner: httpx.Client, client: httpx.Client) -> None:
    body = planner.get("/resettlement/changes", params={"from": "R2", "to": "R3"}).json()
    late = [
        f["properties"]["structure_id"]
        for f in geojson("structures")["features"]
        if f["properties"]["surveyed_on"] > "2025-06-30"
    ]
    new = [s for s in body["structures"] if s["change"] == "new"]
    assert sorted(s["structure_id"] for s in new) == sorted(late)
    assert all(s["after_cut_off"] for s in new)
    assert sum(r["new"] for r in body["by_encroachment"]) == len(late)
    assert {"extended", "removed", "change_of_use"} <= {s["change"] for s in body["structures"]}
    assert "households" not in body["structures"][0]
    for row in body["by_encroachment"] + body["by_parcel"]:
        if 0 < row["new"] < 5:
            assert row["households_in_new"] is None and row["households_suppressed"]
    # growth on the western fringe: the new structures lie west of the others on average
    lon = {
        f["properties"]["structure_id"]: f["geometry"]["coordinates"][0][0][0]
        for f in geojson("structures")["features"]
    }
    west = sum(lon[s] for s in late) / len(late)
    assert west < sum(lon.values()) / len(lon)
    assert client.get("/resettlement/changes").status_code == 401
    bad = planner.get("/resettlement/changes", params={"from": "R3", "to": "R1"})
    assert bad.status_code == 400 and "before" in bad.json()["detail"]


def test_estimate_lines_as_csv_and_usd_of_a_suppressed_selection(planner: httpx.Client) -> None:
    response = planner.post("/resettlement/estimate", json={"f": "csv", "lines_by": "encroachment"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {"encroachment_id", "row_id", "policy", "reason", "amount"} <= set(rows[0])
    for row in rows:
        if int(row["structures"]) < 5:
            assert row["amount"] == "" and row["suppressed"] == "True"
    feature = geojson("structures")["features"][11]
    body = planner.post(
        "/resettlement/estimate", json={"polygon": feature["geometry"], "usd_rate": 280}
    ).json()
    assert body["totals"][0]["suppressed"] is True
    assert body["totals_usd"]["total_relocation_site"] is None
    assert {s["total"] for s in body["scenarios"]} == {None}
    assert all(line["amount"] is None for line in body["lines"])
    assert "differ by one structure" in body["privacy_note"]


@pytest.fixture(scope="module")
def register(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[Role, str]]]:
    """A server on its own store, which these tests write grievances to."""
    store = store_factory(tmp_path_factory.mktemp("register"))
    keys = make_keys(store)
    running = serve(store.url, Path(tmp_path_factory.mktemp("log")) / "uvicorn.log")
    base = next(running)
    yield base, keys
    running.close()
    close_store(store)


def test_officers_add_grievances_and_planners_read_them(
    register: tuple[str, dict[Role, str]],
) -> None:
    base, keys = register
    officer, planner = key_header(keys[Role.OFFICER]), key_header(keys[Role.PLANNER])
    before = httpx.get(f"{base}/resettlement/grievances", headers=planner).json()
    new = [
        {"received_on": "2026-11-02", "encroachment_id": "E-009", "category": "eligibility"}
        for _ in range(5)
    ]
    added = httpx.post(f"{base}/resettlement/grievances", json={"grievances": new}, headers=officer)
    assert added.status_code == 201, added.text
    ids = [g["grievance_id"] for g in added.json()["added"]]
    assert len(set(ids)) == 5 and all(i.startswith("G-") for i in ids)
    after = httpx.get(f"{base}/resettlement/grievances", headers=planner).json()
    assert after["numberMatched"] == before["numberMatched"] + 5
    assert "name" not in str(after["grievances"][0].keys())
    summary = httpx.get(f"{base}/resettlement/grievances/summary", headers=officer).json()
    row = next(r for r in summary["by_encroachment"] if r["encroachment_id"] == "E-009")
    assert row["grievances"] >= 5 and row["category_eligibility"] >= 5
    for row in summary["by_encroachment"]:
        if row["grievances"] < 5:
            assert row["suppressed"] and row["open"] is None
    log = httpx.get(f"{base}/audit", headers=officer).json()
    assert any(e["action"] == "grievance-add" for e in log["entries"])


@pytest.mark.parametrize(
    ("grievance", "message"),
    [
        ({"received_on": "2026-11-02", "category": "eligibility", "status": "resolved"},
         "row 1 resolved_on: needed when status is resolved"),
        ({"received_on": "2026-11-02", "category": "eligibility", "encroachment_id": "E-999"},
         "row 1 encroachment_id: no encroachment 'E-999'"),
        ({"received_on": "2026-11-02", "category": "eligibility", "status": "resolved",
          "resolved_on": "2026-10-01"}, "row 1 resolved_on: 2026-10-01 is before received_on"),
        ({"received_on": "2999-01-01", "category": "other"}, "is in the future"),
    ],
)  # fmt: skip
def test_bad_grievances_are_refused_naming_row_and_field(
    register: tuple[str, dict[Role, str]], grievance: dict[str, str], message: str
) -> None:
    base, keys = register
    response = httpx.post(
        f"{base}/resettlement/grievances",
        json={"grievances": [grievance]},
        headers=key_header(keys[Role.OFFICER]),
    )
    assert response.status_code == 400 and message in response.json()["detail"]


def test_who_may_touch_the_register(register: tuple[str, dict[Role, str]]) -> None:
    base, keys = register
    one = {"grievances": [{"received_on": "2026-11-02", "category": "other"}]}
    planner = key_header(keys[Role.PLANNER])
    assert (
        httpx.post(f"{base}/resettlement/grievances", json=one, headers=planner).status_code == 403
    )
    assert httpx.get(f"{base}/resettlement/grievances").status_code == 401
    consultant = key_header(keys[Role.CONSULTANT])
    assert httpx.get(f"{base}/resettlement/grievances", headers=consultant).status_code == 403
    many = {"grievances": one["grievances"] * 201}
    officer = key_header(keys[Role.OFFICER])
    refused = httpx.post(f"{base}/resettlement/grievances", json=many, headers=officer)
    assert refused.status_code == 400 and "at most 200" in refused.json()["description"]


def test_household_records_are_personal(client: httpx.Client, consultant: httpx.Client) -> None:
    personal = {"structure_id", "tenure", "female_headed", "below_poverty_line", "enumerated_round"}
    for caller in (client, consultant):
        body = caller.get("/collections/households/items", params={"limit": 50}).json()
        assert body["features"] and all(
            not personal & set(f["properties"]) for f in body["features"]
        )
    exported = consultant.get("/exports/households", params={"format": "csv"})
    assert exported.status_code == 200 and not personal & set(
        exported.text.splitlines()[0].split(",")
    )
    refused = client.get("/collections/households/items", params={"tenure": "tenant"})
    assert refused.status_code == 400
