"""Analyses as jobs: the one place the API submits work to the engine and follows it.

Both the OGC API -- Processes routes and the older GET routes (``/surfaces``,
``/hotspots``, ``/remediation/...``, ``/receptors/at-risk``) come through
:class:`JobService`: a job record is made, the analysis runs on the engine's workers
(never in the server process), a watcher thread keeps the record's status and
progress current, stops the job at its time limit, and writes its result file, in the
same bytes the GET route returns.  The same process, inputs, data version and caller
are answered from the kept result.  A synchronous request whose client goes away
dismisses its job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import pydantic
from fastapi import Depends, Request

from api.access import Principal
from api.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from api.settings import Settings
from api.tables import CSV_MEDIA_TYPE, escape_formulas, records
from site_gis.crs import to_storage
from site_gis.errors import InvalidRequestError, JobNotFoundError, SiteGISError
from site_gis.processes import (
    PAGE_PROCESSES,
    PROCESSES,
    REPORT_PROCESSES,
    Engine,
    EngineConfig,
    Exposure,
    ExposureInputs,
    JobRecord,
    JobRecords,
    MapSurface,
    MapSurfaceInputs,
    Run,
    TaskRun,
    canonical,
    reuse_key,
    submit_process,
)
from site_gis.store import Store, store_path
from site_gis.store.pgconnect import is_postgres_url
from site_gis.surfaces import summarise_by_zone

log = logging.getLogger("site_gis.api")

_PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class Output:
    """A job's result as it is served: bytes, media type and a download name (or none)."""

    body: bytes
    media_type: str
    filename: str | None = None


def _json(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)


def _csv(frame: Any) -> bytes:
    return escape_formulas(frame).to_csv(index=False, lineterminator="\n").encode()


def _surface(result: Any, inputs: Any) -> Output:
    if inputs.format == "json":
        return Output(_json(result), "application/json")
    name = f"{result_name(inputs)}.tif"
    return Output(result, "image/tiff; application=geotiff", name)


def _hotspots(result: dict[str, Any], inputs: Any) -> Output:
    found = result["hotspots"]
    fields = [c for c in found.columns if c != "geometry"]
    body = feature_collection(
        to_storage(found),
        id_field="hotspot_id",
        fields=fields,
        extra={"surface": result["surface"]},
    )
    return Output(body, GEOJSON_MEDIA_TYPE)


def _remediation(result: dict[str, Any], inputs: Any) -> Output:
    rows = result["rows"]
    if inputs.format == "csv":
        stated = rows.assign(
            depth_basis=result["depth_basis"], domain=result["domain"], analyte=result["analyte"]
        )
        return Output(_csv(stated), CSV_MEDIA_TYPE, "remediation_estimate.csv")
    return Output(
        _json(
            {
                "analyte": result["analyte"],
                "unit": result["unit"],
                "cleanup_level": inputs.cleanup_level,
                "price_year": result["price"]["price_year"],
                "price": result["price"],
                "depth_basis": result["depth_basis"],
                "domain": result["domain"],
                "depth_m": inputs.depth_m,
                "max_depth_m": inputs.max_depth_m,
                "left_below_max_depth_m2": result["left_below_max_depth_m2"],
                "bulk_density_t_m3": inputs.bulk_density_t_m3,
                "surface": result["surface"],
                "surfaces": result["surfaces"],
                "totals": records(result["totals"]),
                "volume_by_interval": records(result["volume_by_interval"]),
                "by_zone": records(summarise_by_zone(rows)) if "technology" in rows else [],
                "hotspots": records(rows),
                "by_interval": records(result["by_interval"]),
            }
        ),
        "application/json",
    )


def _curve(result: dict[str, Any], inputs: Any) -> Output:
    table = result["table"]
    if inputs.format == "csv":
        stated = table.assign(domain=result["domain"], analyte=result["analyte"])
        return Output(_csv(stated), CSV_MEDIA_TYPE, "remediation_curve.csv")
    return Output(
        _json(
            {
                "analyte": result["analyte"],
                "unit": result["unit"],
                "price_year": result["price"]["price_year"],
                "price": result["price"],
                "depth_basis": result["depth_basis"],
                "domain": result["domain"],
                "depth_m": inputs.depth_m,
                "max_depth_m": inputs.max_depth_m,
                "surface": result["surface"],
                "surfaces": result["surfaces"],
                "curve": records(table),
            }
        ),
        "application/json",
    )


def _receptors(result: dict[str, Any], inputs: Any) -> Output:
    found = result["receptors"]
    fields = [c for c in found.columns if c != "geometry"]
    body = feature_collection(
        to_storage(found),
        id_field="receptor_id",
        fields=fields,
        extra={
            "surface": result["surface"],
            "parameters": result["parameters"],
            "flow": result["flow"],
        },
    )
    return Output(body, GEOJSON_MEDIA_TYPE)


def _zonal(result: dict[str, Any], inputs: Any) -> Output:
    return Output(
        _json(
            {
                "analyte": result["analyte"],
                "unit": result["unit"],
                "polygons": inputs.polygons,
                "surface": result["surface"],
                "statistics": records(result["table"]),
            }
        ),
        "application/json",
    )


def _groundwater_plume(result: dict[str, Any], inputs: Any) -> Output:
    return Output(_json(result), "application/json")


def _well_redundancy(result: dict[str, Any], inputs: Any) -> Output:
    if inputs.format == "csv":
        import pandas as pd

        table = pd.DataFrame(result["wells"])
        return Output(_csv(table), CSV_MEDIA_TYPE, "well_redundancy.csv")
    return Output(_json(result), "application/json")


def _report(result: dict[str, Any], inputs: Any) -> Output:
    stem = f"contamination_report_{result['report_date']}_{result['content_hash'][:12]}"
    if inputs.f == "pdf":
        return Output(result["pdf"], "application/pdf", f"{stem}.pdf")
    return Output(result["html"].encode("utf-8"), "text/html; charset=utf-8", f"{stem}.html")


FORMATS: dict[str, Callable[[Any, Any], Output]] = {
    "surface": _surface,
    "hotspots": _hotspots,
    "remediation-estimate": _remediation,
    "remediation-curve": _curve,
    "receptors-at-risk": _receptors,
    "zonal-statistics": _zonal,
    "groundwater-plume": _groundwater_plume,
    "groundwater-well-redundancy": _well_redundancy,
    "contamination-report": _report,
    "map-surface": lambda result, inputs: Output(result.to_bytes(), "application/octet-stream"),
    "exposure": lambda result, inputs: Output(result.to_bytes(), "application/octet-stream"),
}
"""How each process's result is written out (the GET routes' bytes)."""


def find_process(process_id: str) -> Any:
    """The process of ``process_id``: an open process, a page's or the report."""
    return (
        PROCESSES.get(process_id) or PAGE_PROCESSES.get(process_id) or REPORT_PROCESSES[process_id]
    )


def make_inputs(model: type[pydantic.BaseModel], values: dict[str, Any]) -> Any:
    """A process's inputs from ``values``; a 400 naming each bad input otherwise."""
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'inputs'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidRequestError(f"bad inputs: {problems}") from exc


def result_name(inputs: Any) -> str:
    """A file name stem for a surface: analyte, medium and method."""
    return f"{inputs.analyte}_{inputs.medium}_{inputs.method}".replace(" ", "_")


def owner_of(caller: Principal) -> str:
    """Whose jobs these are: the key's id, or ``public`` without a key."""
    return caller.key_id or "public"


def jobs_folder(settings: Settings) -> Path:
    """Where job records and results live: the setting, or a folder beside the store."""
    if settings.jobs_dir is not None:
        return settings.jobs_dir
    if is_postgres_url(settings.store):
        return Path("site-gis-jobs")
    path = store_path(settings.store)
    return path.with_name(path.name + ".jobs")


def worker_store_url(settings: Settings) -> str:
    """The store as workers must open it (an absolute path for a GeoPackage)."""
    if is_postgres_url(settings.store):
        return settings.store
    return str(store_path(settings.store).resolve())


@dataclass(frozen=True)
class JobPending:
    """A page's job that has not finished yet: its id and progress (0--100)."""

    job_id: str
    progress: int


@dataclass
class Live:
    """A job running now: its record id, its run and whether its watcher has finished."""

    record: JobRecord
    run: Run | TaskRun
    ended: threading.Event


class JobService:
    """Runs processes as jobs and keeps their records; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = Engine(
            EngineConfig(
                scheduler=settings.dask_scheduler,
                workers=settings.dask_workers,
                memory_limit_bytes=int(settings.worker_memory_gb * 1024**3),
            )
        )
        self.records = JobRecords(jobs_folder(settings))
        self._live: dict[str, Live] = {}
        self._errors: dict[str, BaseException] = {}  # of jobs that ended badly, recent only
        self._lock = threading.Lock()

    def start_up(self) -> None:
        """Mark jobs a stopped server left unfinished as failed."""
        count = self.records.fail_unfinished("the server stopped before the job finished")
        if count:
            log.warning("%d unfinished job(s) from before the restart marked failed", count)

    def close(self) -> None:
        """Stop every running job and the engine."""
        for live in list(self._live.values()):
            with contextlib.suppress(Exception):
                live.run.dismiss()
        self.engine.close()

    def execute(
        self,
        process_id: str,
        inputs: Any,
        caller: Principal,
        store: Store,
        *,
        time_limit_s: float,
    ) -> tuple[JobRecord, threading.Event]:
        """Start (or reuse) a job; its record and an event set once it has ended."""
        process = find_process(process_id)
        owner = owner_of(caller)
        text = canonical(inputs.model_dump(mode="json"))
        key = reuse_key(process_id, text, store.version(), owner)
        kept = self.records.find_result(key)
        if kept is not None and kept.owner == owner:
            ended = threading.Event()
            ended.set()
            return kept, ended
        record = self.records.create(process_id, text, key, owner)
        budget = self.settings.surface_budget()
        run = submit_process(
            self.engine,
            worker_store_url(self.settings),
            process,
            inputs,
            budget=budget,
        )
        live = Live(record, run, threading.Event())
        with self._lock:
            self._live[record.job_id] = live
        threading.Thread(
            target=self._watch,
            args=(live, inputs, time_limit_s),
            name=f"site-gis-job-{record.job_id[:8]}",
            daemon=True,
        ).start()
        return record, live.ended

    def _watch(self, live: Live, inputs: Any, time_limit_s: float) -> None:
        job_id = live.record.job_id
        run = live.run
        try:
            self.records.update(job_id, status="running", started=_now())
            deadline = time.monotonic() + time_limit_s
            last = -1
            while not run.wait(_PROGRESS_EVERY_S):
                if time.monotonic() > deadline:
                    run.time_out(time_limit_s)
                    break
                progress = run.progress()
                if progress != last:
                    self.records.update(job_id, progress=progress)
                    last = progress
            error = run.error()
            if error is not None:
                self._ended_badly(live, error)
                return
            output = FORMATS[live.record.process](run.result(), inputs)
            self.records.write_result(job_id, output.body)
            self.records.update(
                job_id,
                status="successful",
                progress=100,
                finished=_now(),
                media_type=output.media_type,
                filename=output.filename or "",
            )
        except Exception as exc:  # a record must never stay "running"
            self._ended_badly(live, exc)
        finally:
            live.ended.set()
            with self._lock:
                self._live.pop(job_id, None)

    def _ended_badly(self, live: Live, error: BaseException) -> None:
        dismissed = type(error).__name__ == "JobDismissedError"
        with self._lock:
            self._errors[live.record.job_id] = error
            while len(self._errors) > 256:
                self._errors.pop(next(iter(self._errors)))
        if isinstance(error, SiteGISError):
            message = str(error)
        else:
            log.error("job %s failed", live.record.job_id, exc_info=error)
            message = "the analysis failed; the operator has been told why in the log"
        self.records.update(
            live.record.job_id,
            status="dismissed" if dismissed else "failed",
            message=message,
            error_type=type(error).__name__,
            finished=_now(),
            progress=live.run.progress(),
        )

    def page_surface(
        self, inputs: MapSurfaceInputs, caller: Principal, store: Store, *, wait_s: float
    ) -> MapSurface | JobPending:
        """A map page's surface: the kept or finished ``map-surface`` job's, or its progress.

        Waits up to ``wait_s`` seconds for the job; a page drawn before it ends follows
        the job and reloads (the next load reuses the kept result).  Raises the job's
        error if it failed (a budget refusal, too few samples).
        """
        body = self._page_result("map-surface", inputs, caller, store, wait_s)
        return body if isinstance(body, JobPending) else MapSurface.from_bytes(body)

    def page_exposure(
        self, inputs: ExposureInputs, caller: Principal, store: Store, *, wait_s: float
    ) -> Exposure | JobPending:
        """The encroachment map's exposure: the kept or finished ``exposure`` job's, or
        its progress after ``wait_s`` seconds (as :meth:`page_surface`)."""
        body = self._page_result("exposure", inputs, caller, store, wait_s)
        return body if isinstance(body, JobPending) else Exposure.from_bytes(body)

    def exposure(self, inputs: ExposureInputs, caller: Principal, store: Store) -> Exposure:
        """The ``exposure`` job's result (estimate raster and hotspots), kept and reused;
        waited for until the job ends (at the latest at the request time limit)."""
        body = self._page_result("exposure", inputs, caller, store, None)
        if isinstance(body, JobPending):  # unreachable: waited without a timeout
            raise RuntimeError("the exposure job did not end")
        return Exposure.from_bytes(body)

    def _page_result(
        self,
        process_id: str,
        inputs: Any,
        caller: Principal,
        store: Store,
        wait_s: float | None,
    ) -> bytes | JobPending:
        record, ended = self.execute(
            process_id, inputs, caller, store, time_limit_s=self.settings.request_timeout_s
        )
        if not ended.wait(wait_s):
            return JobPending(record.job_id, self.get(record.job_id, caller).progress)
        return self.finished_output(record.job_id, caller).body

    def get(self, job_id: str, caller: Principal) -> JobRecord:
        """A job of the caller's; :class:`JobNotFoundError` for anyone else's."""
        record = self.records.get(job_id)
        if record is None or record.owner != owner_of(caller):
            raise JobNotFoundError(f"no job {job_id!r} of yours; GET /jobs lists them")
        live = self._live.get(job_id)
        if live is not None and record.status == "running":
            record.progress = live.run.progress()
        return record

    def dismiss(self, job_id: str, caller: Principal) -> JobRecord:
        """Dismiss a job of the caller's: a running one is stopped."""
        record = self.get(job_id, caller)
        live = self._live.get(job_id)
        if live is not None:
            live.run.dismiss()
            live.ended.wait(60)
        elif record.status in ("accepted", "running"):
            self.records.update(job_id, status="dismissed", finished=_now())
        else:  # an ended job: dismissing it deletes its result (OGC API - Processes, dismiss)
            self.records.discard_result(job_id)
            self.records.update(
                job_id,
                status="dismissed",
                error_type="JobDismissedError",
                message="the job was dismissed and its result deleted",
            )
        return self.get(job_id, caller)

    def output(self, record: JobRecord) -> Output:
        """The kept result of a successful job."""
        return Output(
            self.records.read_result(record.job_id), record.media_type, record.filename or None
        )

    async def run_sync(
        self, request: Request, process_id: str, inputs: Any, caller: Principal, store: Store
    ) -> Output:
        """Run a process for a synchronous request: wait for it without holding a thread.

        The job stops at the request time limit; a client that disconnects (or a
        request the server gives up on) dismisses it.
        """
        record, ended = await asyncio.to_thread(
            self.execute,
            process_id,
            inputs,
            caller,
            store,
            time_limit_s=self.settings.request_timeout_s,
        )
        try:
            while not await asyncio.to_thread(ended.wait, 0.25):
                if await request.is_disconnected():
                    log.info("client left: dismissing job %s", record.job_id)
                    await asyncio.to_thread(self.dismiss, record.job_id, caller)
                    break
        except asyncio.CancelledError:
            await asyncio.to_thread(self._dismiss_quietly, record.job_id)
            raise
        return self.finished_output(record.job_id, caller)

    def finished_output(self, job_id: str, caller: Principal) -> Output:
        """The output of an ended job, or the error it ended with (raised)."""
        record = self.get(job_id, caller)
        if record.status == "successful":
            return self.output(record)
        with self._lock:
            error = self._errors.pop(job_id, None)
        raise error or _rebuilt(record)

    def _dismiss_quietly(self, job_id: str) -> None:
        live = self._live.get(job_id)
        if live is not None:
            live.run.dismiss()


def get_jobs(request: Request) -> JobService:
    """The app's job service (a dependency)."""
    jobs: JobService = request.app.state.jobs
    return jobs


Jobs = Annotated[JobService, Depends(get_jobs)]


def _rebuilt(record: JobRecord) -> Exception:
    """The error a failed job's record names, as an exception of that class."""
    import site_gis.errors as errors

    kind = getattr(errors, record.error_type, None)
    if isinstance(kind, type) and issubclass(kind, SiteGISError):
        try:
            return kind(record.message)
        except TypeError:  # an error whose constructor takes more than a message
            pass
    return RuntimeError(record.message or f"the job ended {record.status}")


def _now() -> str:
    from site_gis.processes.records import now

    return now()
