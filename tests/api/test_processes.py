"""OGC API - Processes - Part 1: Core over real HTTP, with jobs on a real Dask LocalCluster.

The assertions follow the standard's abstract test suite where it applies (process list
and description, sync and async execution, job status, results, dismiss, job list).
Expected results are the bytes of the synchronous GET routes, computed afresh for another
caller, so a job's answer is compared with an independent run, not with itself.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from site_gis.access import Role
from site_gis.io import build_store
from site_gis.store import create_key
from tests.api.conftest import serve
from tests.conftest import LAYERS, key_header

KRIGING = {"analyte": "Lead", "method": "kriging", "log_transform": True, "cell_size_m": 40}
serving = contextmanager(serve)
OGC_STATUSES = {"accepted", "running", "successful", "failed", "dismissed"}


def wait_for(
    client: httpx.Client, job: str, *, until: set[str], seconds: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    seen: list[int] = []
    while True:
        status = client.get(f"/jobs/{job}").json()
        assert status["status"] in OGC_STATUSES
        seen.append(status["progress"])
        if status["status"] in until:
            status["seen"] = seen
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


def submit(client: httpx.Client, process: str, inputs: dict[str, Any]) -> str:
    answer = client.post(
        f"/processes/{process}/execution",
        json={"inputs": inputs},
        headers={"Prefer": "respond-async"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"].endswith(f"/jobs/{answer.json()['jobID']}")
    return str(answer.json()["jobID"])


def test_processes_are_listed_and_described_with_their_inputs(client: httpx.Client) -> None:
    listed = client.get("/processes").json()["processes"]
    ids = {p["id"] for p in listed}
    assert {"surface", "hotspots", "remediation-estimate", "remediation-curve"} <= ids
    assert {"receptors-at-risk", "zonal-statistics"} <= ids
    for summary in listed:
        assert {"id", "version", "jobControlOptions", "links"} <= set(summary)
        assert "async-execute" in summary["jobControlOptions"]
    described = client.get("/processes/hotspots").json()
    assert described["inputs"]["cleanup_level"]["minOccurs"] == 1
    assert described["inputs"]["cleanup_level"]["schema"]["exclusiveMinimum"] == 0
    assert described["inputs"]["cell_size_m"]["schema"]["maximum"] == 1000
    assert "result" in described["outputs"]
    assert client.get("/processes/nothing").status_code == 404
    conformance = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in conformance


def test_bad_inputs_are_a_400_naming_them(client: httpx.Client) -> None:
    answer = client.post(
        "/processes/hotspots/execution", json={"inputs": {"analyte": "Lead", "cleanup_level": -1}}
    )
    assert answer.status_code == 400
    assert "cleanup_level" in answer.json()["detail"]


def test_an_async_kriging_job_reports_progress_and_equals_the_synchronous_route(
    client: httpx.Client, consultant: httpx.Client
) -> None:
    job = submit(client, "surface", {**KRIGING, "format": "tif"})
    status = wait_for(client, job, until={"successful", "failed"})
    assert status["status"] == "successful", status
    assert status["progress"] == 100 and status["finished"] >= status["started"]
    assert status["seen"] == sorted(status["seen"])  # progress never goes back
    result = client.get(f"/jobs/{job}/results")
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("image/tiff")
    fresh = consultant.get("/surfaces/Lead", params=KRIGING)  # another caller: computed anew
    assert fresh.status_code == 200
    assert result.content == fresh.content
    assert any(j["jobID"] == job for j in client.get("/jobs").json()["jobs"])


def test_synchronous_execution_answers_with_the_result(client: httpx.Client) -> None:
    inputs = {"analyte": "Lead", "cleanup_level": 800, "cell_size_m": 50}
    executed = client.post("/processes/hotspots/execution", json={"inputs": inputs})
    route = client.get("/hotspots", params=inputs)
    assert executed.status_code == route.status_code == 200
    assert executed.headers["content-type"] == "application/geo+json"
    assert executed.content == route.content


def test_a_callers_job_is_invisible_to_another_caller(
    planner: httpx.Client, consultant: httpx.Client, client: httpx.Client
) -> None:
    job = submit(planner, "zonal-statistics", {"analyte": "Lead", "cell_size_m": 50})
    wait_for(planner, job, until={"successful", "failed"})
    assert planner.get(f"/jobs/{job}/results").status_code == 200
    for other in (consultant, client):
        assert other.get(f"/jobs/{job}").status_code == 404
        assert other.get(f"/jobs/{job}/results").status_code == 404
        assert other.delete(f"/jobs/{job}").status_code == 404
        assert all(j["jobID"] != job for j in other.get("/jobs").json()["jobs"])


def test_a_dismissed_job_stops_and_the_server_carries_on(client: httpx.Client) -> None:
    # the largest IDW the default budget allows: 25 M cell-neighbour pairs, several seconds
    job = submit(client, "surface", {"analyte": "Lead", "cell_size_m": 15, "neighbours": 75})
    dismissed = client.delete(f"/jobs/{job}")
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] in {"dismissed", "successful"}
    if dismissed.json()["status"] == "dismissed":
        assert client.get(f"/jobs/{job}/results").status_code == 409
    assert client.get("/health").status_code == 200
    assert client.get("/collections/eia_zones/items").status_code == 200


def test_dismissing_a_finished_job_deletes_its_result(planner: httpx.Client) -> None:
    job = submit(planner, "zonal-statistics", {"analyte": "Zinc", "cell_size_m": 60})
    assert wait_for(planner, job, until={"successful", "failed"})["status"] == "successful"
    assert planner.get(f"/jobs/{job}/results").status_code == 200
    dismissed = planner.delete(f"/jobs/{job}")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert planner.get(f"/jobs/{job}/results").status_code == 409
    again = submit(planner, "zonal-statistics", {"analyte": "Zinc", "cell_size_m": 60})
    assert again != job  # the deleted result is not reused


def test_jobs_and_results_survive_a_restart(tmp_path: Path) -> None:
    store = build_store(str(tmp_path / "s.gpkg"), LAYERS, actor="tests")
    key = create_key(store, "officer", [Role.OFFICER], actor="tests")[0]
    with (
        serving(store.url, tmp_path / "first.log") as base,
        httpx.Client(base_url=base, timeout=60, headers=key_header(key)) as first,
    ):
        job = submit(
            first,
            "remediation-estimate",
            {"analyte": "Lead", "cleanup_level": 800, "cell_size_m": 50},
        )
        assert wait_for(first, job, until={"successful", "failed"})["status"] == "successful"
        kept = first.get(f"/jobs/{job}/results").content
    with (
        serving(store.url, tmp_path / "second.log") as base,
        httpx.Client(base_url=base, timeout=60, headers=key_header(key)) as second,
    ):
        assert second.get(f"/jobs/{job}").json()["status"] == "successful"
        assert second.get(f"/jobs/{job}/results").content == kept
        again = second.get(
            "/remediation/estimate",
            params={"analyte": "Lead", "cleanup_level": 800, "cell_size_m": 50},
        )
        assert again.content == kept  # the kept result, reused for the same inputs and data
