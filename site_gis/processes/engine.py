"""The task engine: analyses run as Dask distributed jobs, outside the calling process.

By default the engine starts a ``LocalCluster`` of worker *processes* the first time
a job is submitted (so a server that never runs an analysis never starts one), each
worker with a memory limit; given a scheduler address it sends the same jobs to an
existing Dask cluster instead.  The analysis functions stay plain library functions
(:mod:`site_gis.surfaces`); this module only submits them:

1. ``plan``: :func:`~site_gis.surfaces.interpolation.plan_surface` (checks, samples,
   grid, fitted variogram), one task; a surface of one chunk is then finished in one
   more task (cells, cross-validation, the last step), one round trip in all;
2. ``cells``: :func:`~site_gis.surfaces.interpolation.interpolate_cells` in chunks of
   ``chunk_cells`` cells, one task each, in parallel across workers (and the measure of
   progress), beside one task of :func:`~site_gis.surfaces.interpolation.cross_validate`;
3. ``finish``: the process's own function on the joined surface
   (:mod:`site_gis.processes.catalogue`), one task, whose result comes back.

Bounds.  A task that pushes its worker past the memory limit gets the worker killed
by its nanny and is never retried (``allowed-failures`` 0); the job fails with
:class:`~site_gis.errors.JobMemoryError`.  A job past its time limit is cancelled and
the workers running its tasks are restarted, which is what gives their memory back:
Dask cannot interrupt a running task.  Errors raised by the analysis itself (too few
samples, a grid too large) reach the caller unchanged.

A cluster the engine did not start keeps its own configuration: set
``distributed.scheduler.allowed-failures: 0`` there too, and give every worker the
same view of the store (the same GeoPackage path, or a database URL it can reach).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from distributed import Client

from site_gis.errors import JobDismissedError, JobMemoryError, JobTimeoutError
from site_gis.store import Store, open_store
from site_gis.surfaces import SurfaceBudget
from site_gis.surfaces.interpolation import (
    PIECE_CELLS,
    SurfacePlan,
    SurfaceRequest,
    cross_validate,
    finish_surface,
    interpolate_cells,
    plan_surface,
)

log = logging.getLogger("site_gis.processes")

CHUNK_CELLS = PIECE_CELLS
"""Grid cells per task: small enough to show progress and spread work, large enough
that the per-task overhead (about 10 ms here) stays a small share of each task."""


@dataclass(frozen=True)
class EngineConfig:
    """How the engine runs its jobs.

    Parameters
    ----------
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``), or ``None`` to
        start a ``LocalCluster`` of worker processes on first use.
    workers
        Worker processes of the local cluster (one thread each).
    memory_limit_bytes
        Memory each local worker may use before its nanny restarts it (bytes).
    chunk_cells
        Grid cells per interpolation task.
    """

    scheduler: str | None = None
    workers: int = 2
    memory_limit_bytes: int = 2 * 1024**3
    chunk_cells: int = CHUNK_CELLS


class Engine:
    """Submits analyses to Dask and follows them; one per app (thread-safe)."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._client: Any = None
        self._cluster: Any = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        """Whether the engine has a cluster yet (it starts on the first job)."""
        return self._client is not None

    def client(self) -> Any:
        """The Dask client, starting the local cluster (or connecting) the first time."""
        with self._lock:
            if self._client is None:
                import dask
                from distributed import Client, LocalCluster

                dask.config.set({"distributed.scheduler.allowed-failures": 0})
                if self.config.scheduler:
                    self._client = Client(self.config.scheduler, timeout=10)
                else:
                    self._cluster = LocalCluster(
                        n_workers=self.config.workers,
                        threads_per_worker=1,
                        processes=True,
                        memory_limit=self.config.memory_limit_bytes,
                        dashboard_address=":0",  # no fixed port: never clashes
                        silence_logs=logging.ERROR,
                    )
                    self._client = Client(self._cluster)
                log.info("analysis engine: %s", self._client)
            return self._client

    def worker_memory_limit(self) -> int:
        """The smallest memory limit of the cluster's workers, in bytes (0: none known)."""
        workers = self.client().scheduler_info(n_workers=-1)["workers"].values()
        limits = [int(w.get("memory_limit") or 0) for w in workers]
        return min(limits, default=0)

    def submit_surface(
        self,
        store_url: str,
        request: SurfaceRequest,
        finish: Callable[..., Any],
        *args: Any,
        budget: SurfaceBudget | None = None,
    ) -> Run:
        """Start a surface job whose last step is ``finish(surface, store_url, *args)``.

        Its plan (the first task) refuses a request beyond ``budget`` before any cell
        is computed.
        """
        run = Run(
            engine=self,
            store_url=store_url,
            request=request,
            finish=finish,
            args=args,
            budget=budget or SurfaceBudget(),
        )
        run.start()
        return run

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """One plain task (a Dask future)."""
        return self.client().submit(function, *args, pure=False)

    def stop(self, keys: list[str]) -> None:
        """Cancel tasks and restart the workers still running any of them.

        Returns once the tasks are cancelled; the restart (a worker process killed
        and started again, seconds on a loaded machine) goes on in the background,
        and later tasks wait for the worker to be back.
        """
        client = self.client()
        running = [w for w, held in client.processing().items() if set(held) & set(keys)]
        client.cancel(keys, force=True)
        if running:
            log.warning("restarting %d worker(s) to stop a job", len(running))
            threading.Thread(
                target=_restart, args=(client, running), name="site-gis-stop", daemon=True
            ).start()

    def close(self) -> None:
        """Close the client and any cluster the engine started."""
        with self._lock:
            if self._client is not None:
                with contextlib.suppress(Exception):
                    self._client.close()
            if self._cluster is not None:
                with contextlib.suppress(Exception):
                    self._cluster.close()
            self._client = self._cluster = None


def _restart(client: Client, workers: list[str]) -> None:
    try:
        client.restart_workers(workers, timeout=120)
    except Exception as exc:  # the worker may be gone already, or the client closed
        log.warning("restarting worker(s) %s to stop a job: %s", ", ".join(workers), exc)


@dataclass(kw_only=True)
class JobRun(ABC):
    """What every job on the engine shares: its futures, progress, result and stopping.

    A subclass submits its tasks in ``_build`` (on a thread started by ``start``),
    keeps them in ``futures`` (``total`` once they are all known), and sets
    ``_final`` or ``_error`` before ``_done``.
    """

    engine: Engine
    store_url: str
    futures: list[Any] = field(default_factory=list)
    total: int = 0
    started_at: float = field(default_factory=time.time)
    _final: Any = None
    _error: BaseException | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _dismissed: bool = False
    _stopping: bool = False
    _stopped: threading.Event = field(default_factory=threading.Event)

    TOO_LONG_HINT: ClassVar[str] = "ask for less or run it as an asynchronous job"
    """What a job past its time limit is told to change."""

    def start(self) -> None:
        """Submit the job's tasks; they are submitted on a thread so callers need not wait."""
        threading.Thread(target=self._build, name="site-gis-job", daemon=True).start()

    @abstractmethod
    def _build(self) -> None:
        """Submit the tasks, wait for the last, and set ``_final`` or ``_error``, then ``_done``."""

    def progress(self) -> int:
        """Share of the job's tasks done, 0--100 (100 only once its result is in)."""
        if self._done.is_set():
            return 100 if self._error is None else self._progress_now()
        return min(self._progress_now(), 99)

    def _progress_now(self) -> int:
        if not self.total:
            return 0
        done = sum(1 for f in self.futures if f.status == "finished")
        return round(100 * done / self.total)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; whether the job has ended."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        """Whether the job has ended (with a result or an error)."""
        return self._done.is_set()

    def result(self) -> Any:
        """The job's result; raises its error (analysis errors as raised)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._final

    def error(self) -> BaseException | None:
        """The job's error once it has ended, else ``None``."""
        return self._error if self._done.is_set() else None

    def dismiss(self) -> None:
        """Stop the job: cancel its tasks and restart workers still running one."""
        self._dismissed = True
        if not self._done.is_set():
            self._error = self._error or JobDismissedError("the job was dismissed")
            self._stop()
            self._done.wait(120)

    def time_out(self, limit_s: float) -> None:
        """Stop the job because it ran past ``limit_s`` seconds."""
        if self._done.is_set():
            return
        self._error = JobTimeoutError(
            f"the analysis ran past its time limit of {limit_s:g} s and was stopped; "
            f"{self.TOO_LONG_HINT}"
        )
        self._stop()
        self._done.wait(120)

    def _stop(self) -> None:
        self._stopping = True
        try:
            keys = [f.key for f in self.futures]
            if keys:
                self.engine.stop(keys)
        finally:
            self._stopped.set()


@dataclass(kw_only=True)
class Run(JobRun):
    """A surface job: its plan, its chunks, cross-validation and a last step."""

    request: SurfaceRequest
    finish: Callable[..., Any]
    args: tuple[Any, ...]
    budget: SurfaceBudget

    TOO_LONG_HINT: ClassVar[str] = (
        "ask for less (a larger cell_size_m, a zone, fewer neighbours) or run it as an "
        "asynchronous job"
    )

    def _build(self) -> None:
        try:
            client = self.engine.client()
            plan = client.submit(_plan, self.store_url, self.request, self.budget, pure=False)
            step = max(self.engine.config.chunk_cells, 1)
            head = client.submit(
                _whole_if_small, plan, step, self.finish, self.store_url, self.args, pure=False
            )
            self.futures = [plan, head]  # progress stays 0 until the chunks are known
            cells, whole = head.result()
            if whole is not None:  # one chunk: computed in one task, no second round trip
                self._final = whole[0]
                return
            if self._dismissed:
                self._stop()
                return
            bounds = [(s, min(s + step, cells)) for s in range(0, cells, step)] or [(0, 0)]
            chunks = [client.submit(interpolate_cells, plan, a, b, pure=False) for a, b in bounds]
            loo = client.submit(cross_validate, plan, pure=False)
            final = client.submit(
                _finish, self.finish, plan, loo, self.store_url, self.args, *chunks, pure=False
            )
            self.futures = [plan, *chunks, loo, final]
            self.total = len(self.futures)
            if self._dismissed:
                self._stop()
                return
            self._final = final.result()
        except BaseException as exc:  # reported to whoever waits; never lost in the thread
            self._error = self._error or _explain(exc, self)
        finally:
            if self._stopping:  # ended by a stop: done once its workers are back
                self._stopped.wait(120)
            self._done.set()


@lru_cache(maxsize=8)
def worker_store(url: str) -> Store:
    """The store at ``url``, opened once per worker process."""
    return open_store(url)


def _plan(url: str, request: SurfaceRequest, budget: SurfaceBudget) -> SurfacePlan:
    return plan_surface(worker_store(url), request, budget=budget)


def _whole_if_small(
    plan: SurfacePlan,
    chunk_cells: int,
    finish: Callable[..., Any],
    url: str,
    args: tuple[Any, ...],
) -> tuple[int, tuple[Any] | None]:
    """The plan's cell count, and the whole job's result if its cells fit one chunk.

    A small job then costs one round trip to the cluster; a larger one is split into
    chunks by the caller.
    """
    if plan.cells > chunk_cells:
        return plan.cells, None
    piece = interpolate_cells(plan, 0, plan.cells)
    return plan.cells, (_finish(finish, plan, cross_validate(plan), url, args, piece),)


def _finish(
    finish: Callable[..., Any],
    plan: SurfacePlan,
    loo: Any,
    url: str,
    args: tuple[Any, ...],
    *pieces: Any,
) -> Any:
    surface = finish_surface(plan, list(pieces), loo)
    return finish(surface, worker_store(url), *args)


def _explain(exc: BaseException, run: Run) -> BaseException:
    """The error a caller should see: a killed worker becomes a memory error that says why."""
    if type(exc).__name__ == "KilledWorker":
        try:  # a cluster the engine did not start has limits of its own
            limit = run.engine.worker_memory_limit() or run.engine.config.memory_limit_bytes
        except Exception:
            limit = run.engine.config.memory_limit_bytes
        return JobMemoryError(
            f"the analysis needed more than {limit / 1024**3:.1f} GB, the memory one worker "
            "may use, and was stopped; ask for less: a larger cell_size_m, a zone instead of "
            "the whole site, fewer neighbours, or a depth interval with fewer samples"
        )
    if type(exc).__name__ == "CancelledError" and run._dismissed:
        return JobDismissedError("the job was dismissed")
    return exc
