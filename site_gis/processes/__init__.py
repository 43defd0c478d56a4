"""Processes: analyses run as jobs on a task engine (Dask distributed), kept and reused.

Public verbs (what each takes and returns):

* ``Engine(config)`` -- the task engine (``EngineConfig``: scheduler address, workers,
  memory limit per worker, cells per task): a ``LocalCluster`` of worker processes
  started on first use, or an existing cluster by scheduler address;
  ``Engine.submit_surface(store_url, request, finish, inputs)`` -> a ``Run`` (its tasks:
  plan, grid chunks, cross-validation, the process's last step), with ``progress()``,
  ``wait()``, ``result()``, ``dismiss()`` and ``time_out()``
* ``PROCESSES`` -- every ``Process`` by id: title, description, inputs model (JSON Schema),
  its last step and output media types
* ``PAGE_PROCESSES`` -- jobs the app's own pages run: ``map-surface`` (``MapSurfaceInputs``:
  a surface request and a level) -> a ``MapSurface``, the surface warped for display and its
  hotspots (lon/lat); ``exposure`` (``ExposureInputs``: a surface request and a level) -> an
  ``Exposure``, the estimate band as a raster and its hotspots (metric CRS), made by
  ``finish_exposure(surface, store, inputs)``
* ``JobRecords(folder)`` -- the jobs table and result files beside the store: ``create``,
  ``update``, ``get``, ``list``, ``find_result`` (reuse), ``fail_unfinished`` (after a restart);
  each a ``JobRecord``
* ``reuse_key(process, inputs_json, data_version, fields)`` -> the SHA-256 naming a result;
  ``canonical(inputs)`` -> inputs as sorted JSON text

* ``submit_process(engine, store_url, process, inputs, budget=)`` -> a ``Run`` (surface
  processes) or a ``TaskRun`` (task processes such as ``groundwater-plume``: a first task,
  one per piece, a last one; ``TaskSteps``), followed alike
* ``REPORT_PROCESSES`` -- the contamination report (``ReportInputs``) as a task process,
  one task per section; run by the reports route and command, not listed with
  ``PROCESSES``

Modules: ``engine``, ``catalogue``, ``display``, ``records``, ``tasks``, ``groundwater``,
``report``.
"""

from site_gis.processes.catalogue import PROCESSES, Process
from site_gis.processes.display import (
    PAGE_PROCESSES,
    Exposure,
    ExposureInputs,
    MapSurface,
    MapSurfaceInputs,
    finish_exposure,
)
from site_gis.processes.engine import Engine, EngineConfig, Run
from site_gis.processes.records import JobRecord, JobRecords, canonical, reuse_key
from site_gis.processes.report import REPORT_PROCESSES, ReportInputs
from site_gis.processes.tasks import TaskRun, TaskSteps, submit_process

__all__ = [
    "PAGE_PROCESSES",
    "PROCESSES",
    "REPORT_PROCESSES",
    "Engine",
    "EngineConfig",
    "Exposure",
    "ExposureInputs",
    "JobRecord",
    "JobRecords",
    "MapSurface",
    "MapSurfaceInputs",
    "Process",
    "ReportInputs",
    "Run",
    "TaskRun",
    "TaskSteps",
    "canonical",
    "finish_exposure",
    "reuse_key",
    "submit_process",
]
