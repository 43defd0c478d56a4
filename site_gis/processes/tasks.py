"""Jobs that are not surfaces: a first task, one task per piece, and a last task.

A :class:`TaskSteps` process (the groundwater plume diagnostics, say) runs as

* ``prepare(store, inputs) -> (data, keys)`` -- reads the store and refuses a job
  beyond its limits before any piece runs;
* ``piece(data, key, inputs)`` for each key, in parallel on the workers (a round,
  a well); the job's progress is the share of tasks finished;
* ``combine(data, inputs, pieces) -> result``.

:class:`TaskRun` follows the job as :class:`site_gis.processes.engine.Run` follows a
surface (same ``progress``, ``wait``, ``result``, ``dismiss`` and ``time_out``), so
the API's job service and the command line treat both alike.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from site_gis.errors import JobDismissedError
from site_gis.processes.engine import Engine, JobRun, Run, worker_store
from site_gis.surfaces import SurfaceBudget, SurfaceRequest


@dataclass(frozen=True)
class TaskSteps:
    """The three steps of a task process (plain, picklable library functions)."""

    prepare: Callable[[Any, Any], tuple[Any, list[Any]]]
    piece: Callable[..., Any]
    combine: Callable[[Any, Any, list[Any]], Any]
    budgeted: bool = False
    """Whether ``piece`` interpolates surfaces: it is then given ``budget=`` (the job's)."""

    def within(self, budget: SurfaceBudget) -> TaskSteps:
        """These steps, their pieces held to ``budget`` where they interpolate surfaces."""
        if not self.budgeted:
            return self
        return dataclasses.replace(self, piece=functools.partial(self.piece, budget=budget))


def _prepare(steps: TaskSteps, url: str, inputs: Any) -> tuple[Any, list[Any]]:
    return steps.prepare(worker_store(url), inputs)


def _data(prepared: tuple[Any, list[Any]]) -> Any:
    return prepared[0]


def _keys(prepared: tuple[Any, list[Any]]) -> list[Any]:
    return prepared[1]


def _piece(steps: TaskSteps, data: Any, key: Any, inputs: Any) -> Any:
    return steps.piece(data, key, inputs)


def _combine(steps: TaskSteps, data: Any, inputs: Any, *pieces: Any) -> Any:
    return steps.combine(data, inputs, list(pieces))


@dataclass(kw_only=True)
class TaskRun(JobRun):
    """A task job: its first task, one task per piece, and the combining task."""

    steps: TaskSteps
    inputs: Any

    TOO_LONG_HINT: ClassVar[str] = "ask for less (a larger cell_size_m, fewer rounds)"

    def _build(self) -> None:
        try:
            client = self.engine.client()
            prepared = client.submit(_prepare, self.steps, self.store_url, self.inputs, pure=False)
            self.futures = [prepared]
            keys = client.submit(_keys, prepared, pure=False).result()
            data = client.submit(_data, prepared, pure=False)
            if self._dismissed:
                return
            pieces = [
                client.submit(_piece, self.steps, data, key, self.inputs, pure=False)
                for key in keys
            ]
            final = client.submit(_combine, self.steps, data, self.inputs, *pieces, pure=False)
            self.futures = [prepared, data, *pieces, final]
            self.total = len(self.futures)
            self._final = final.result()
        except BaseException as exc:  # reported to whoever waits
            if self._error is None:
                dismissed = self._dismissed and type(exc).__name__ == "CancelledError"
                self._error = JobDismissedError("the job was dismissed") if dismissed else exc
        finally:
            if self._stopping:  # ended by a stop: done once its workers are back
                self._stopped.wait(120)
            self._done.set()


def submit_steps(engine: Engine, store_url: str, steps: TaskSteps, inputs: Any) -> TaskRun:
    """Start a task job of ``steps`` on ``engine``; a :class:`TaskRun`."""
    run = TaskRun(engine=engine, store_url=store_url, steps=steps, inputs=inputs)
    run.start()
    return run


def submit_process(
    engine: Engine, store_url: str, process: Any, inputs: Any, *, budget: SurfaceBudget
) -> Run | TaskRun:
    """Start ``process`` (a catalogue ``Process``): its steps, or its surface and last step."""
    if process.steps is not None:
        return submit_steps(engine, store_url, process.steps.within(budget), inputs)
    request = SurfaceRequest(**{k: getattr(inputs, k) for k in SurfaceRequest.model_fields})
    finish = process.finish_within(budget)  # held to the budget where it makes more surfaces
    return engine.submit_surface(store_url, request, finish, inputs, budget=budget)
