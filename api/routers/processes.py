"""OGC API -- Processes -- Part 1: Core: ``/processes``, ``/jobs`` and their results.

Execution is synchronous by default (the result itself, as the GET routes give it);
with ``Prefer: respond-async`` the answer is ``201 Created`` with the job's status and
a ``Location`` header.  A job belongs to the key that started it (or to the public,
without a key): other callers see no such job.  Results are raw (one output per
process), in the media type the process declares.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from api.access import Reader, read_access
from api.deps import StoreDep
from api.jobs import JobService, make_inputs, owner_of
from api.responses import FastJSONResponse
from api.routers.surfaces import download
from site_gis.errors import InvalidRequestError
from site_gis.processes import PROCESSES, JobRecord, Process

router = APIRouter(tags=["processes"], dependencies=[Depends(read_access)])

VERSION = "1.0.0"
CONTROL = ["sync-execute", "async-execute", "dismiss"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _process(process_id: str) -> Process:
    process = PROCESSES.get(process_id)
    if process is None:
        raise HTTPException(
            404, f"no process {process_id!r}; GET /processes lists them: {', '.join(PROCESSES)}"
        )
    return process


def _summary(process: Process, base: str) -> dict[str, Any]:
    return {
        "id": process.id,
        "title": process.title,
        "description": process.description,
        "version": VERSION,
        "jobControlOptions": CONTROL,
        "outputTransmission": ["value"],
        "links": [
            {
                "rel": "self",
                "type": "application/json",
                "title": "Process description",
                "href": f"{base}/processes/{process.id}",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/execute",
                "type": "application/json",
                "title": "Execute",
                "href": f"{base}/processes/{process.id}/execution",
            },
        ],
    }


def _inputs(process: Process) -> dict[str, Any]:
    schema = process.inputs.model_json_schema()
    required = set(schema.get("required", []))
    described = {}
    for name, field_schema in schema["properties"].items():
        described[name] = {
            "title": field_schema.get("title", name),
            "description": field_schema.get("description", ""),
            "schema": {k: v for k, v in field_schema.items() if k not in ("title",)},
            "minOccurs": 1 if name in required else 0,
            "maxOccurs": 1,
        }
    if "$defs" in schema:  # nested definitions, kept for any $ref above
        for value in described.values():
            value["schema"]["$defs"] = schema["$defs"]
    return described


def _outputs(process: Process) -> dict[str, Any]:
    return {
        "result": {
            "title": "Result",
            "description": "The result, in the format the `format` input selects where it has one",
            "schema": {
                "oneOf": [
                    {"type": "string", "contentMediaType": media}
                    for media in process.outputs.values()
                ]
            },
        }
    }


@router.get("/processes", summary="Analyses offered as processes (OGC API - Processes)")
def processes(request: Request) -> FastJSONResponse:
    """Every process with its id, title, description and links."""
    base = _base(request)
    return FastJSONResponse(
        {
            "processes": [_summary(p, base) for p in PROCESSES.values()],
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/processes"},
            ],
        }
    )


@router.get("/processes/{process_id}", summary="A process: its inputs and outputs")
def process(request: Request, process_id: str) -> FastJSONResponse:
    """The process with its inputs and outputs described as JSON Schema."""
    found = _process(process_id)
    return FastJSONResponse(
        {
            **_summary(found, _base(request)),
            "inputs": _inputs(found),
            "outputs": _outputs(found),
        }
    )


@router.post(
    "/processes/{process_id}/execution",
    summary="Run a process: synchronously, or as a job with Prefer: respond-async",
    response_class=Response,
    responses={
        200: {"description": "The result (synchronous execution)"},
        201: {"description": "The job was created (asynchronous execution)"},
    },
)
async def execute(
    request: Request,
    process_id: str,
    store: StoreDep,
    caller: Reader,
    body: Annotated[dict[str, Any], Body(examples=[{"inputs": {"analyte": "Lead"}}])],
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Execute with ``{"inputs": {...}}``; inputs as ``GET /processes/{id}`` describes."""
    found = _process(process_id)
    raw = body.get("inputs", {})
    if not isinstance(raw, dict):
        raise InvalidRequestError("inputs must be an object of input names and values")
    inputs = make_inputs(found.inputs, raw)
    jobs: JobService = request.app.state.jobs
    if prefer and "respond-async" in prefer.lower():
        record, _ = await asyncio.to_thread(
            jobs.execute,
            process_id,
            inputs,
            caller,
            store,
            time_limit_s=jobs.settings.job_time_limit_s,
        )
        status = _status(jobs.get(record.job_id, caller), _base(request))
        return FastJSONResponse(
            status,
            status_code=201,
            headers={
                "Location": f"{_base(request)}/jobs/{record.job_id}",
                "Preference-Applied": "respond-async",
            },
        )
    return download(await jobs.run_sync(request, process_id, inputs, caller, store))


def _status(record: JobRecord, base: str) -> dict[str, Any]:
    links = [
        {"rel": "self", "type": "application/json", "href": f"{base}/jobs/{record.job_id}"},
    ]
    if record.status == "successful":
        links.append(
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/results",
                "type": record.media_type,
                "href": f"{base}/jobs/{record.job_id}/results",
            }
        )
    return {
        "jobID": record.job_id,
        "processID": record.process,
        "type": "process",
        "status": record.status,
        "message": record.message,
        "created": record.created,
        "started": record.started or None,
        "finished": record.finished or None,
        "updated": record.finished or record.started or record.created,
        "progress": record.progress,
        "links": links,
    }


@router.get("/jobs", summary="Your analysis jobs, newest first")
def jobs_list(request: Request, caller: Reader) -> FastJSONResponse:
    """The caller's jobs (a key's own, or the public's without a key)."""
    jobs: JobService = request.app.state.jobs
    base = _base(request)
    return FastJSONResponse(
        {
            "jobs": [_status(r, base) for r in jobs.records.list(owner_of(caller))],
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/jobs"}],
        }
    )


@router.get("/jobs/{job_id}", summary="A job's status and progress")
def job(request: Request, job_id: str, caller: Reader) -> FastJSONResponse:
    """Status (accepted, running, successful, failed, dismissed), progress 0-100, times."""
    jobs: JobService = request.app.state.jobs
    return FastJSONResponse(_status(jobs.get(job_id, caller), _base(request)))


@router.get("/jobs/{job_id}/results", summary="A finished job's result", response_class=Response)
def results(request: Request, job_id: str, caller: Reader) -> Response:
    """The result of a successful job; 404 while it is not ready; the job's error if it failed."""
    jobs: JobService = request.app.state.jobs
    record = jobs.get(job_id, caller)
    if record.status in ("accepted", "running"):
        raise HTTPException(404, f"the job is {record.status} ({record.progress} %): not ready")
    return download(jobs.finished_output(job_id, caller))


@router.delete("/jobs/{job_id}", summary="Dismiss a job (a running one is stopped)")
def dismiss(request: Request, job_id: str, caller: Reader) -> FastJSONResponse:
    """Stop the job if it runs, and mark it dismissed."""
    jobs: JobService = request.app.state.jobs
    return FastJSONResponse(_status(jobs.dismiss(job_id, caller), _base(request)))
