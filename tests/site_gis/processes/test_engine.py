"""The analysis engine on a real Dask ``LocalCluster`` (and, in CI, a cluster it did not start).

The external cluster's workers must import this module (its last steps are defined here):
``.ci/run`` starts the scheduler and workers with the repository on ``PYTHONPATH``.

Expected surfaces come from the same library functions run in one piece in this process
(:func:`build_surface`), which the chunked tasks must reproduce exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from site_gis.errors import (
    InvalidRequestError,
    JobDismissedError,
    JobMemoryError,
    JobTimeoutError,
)
from site_gis.io import build_store
from site_gis.processes import Engine, EngineConfig
from site_gis.store import Store
from site_gis.surfaces import Surface, SurfaceRequest, build_surface
from tests.conftest import LAYERS

EXTERNAL = "SITE_GIS_TEST_DASK_SCHEDULER"
LIMIT = int(1.5 * 1024**3)


def _engines() -> list[Any]:
    params: list[Any] = [pytest.param(None, id="local-cluster")]
    address = os.environ.get(EXTERNAL)
    marks = [] if address else [pytest.mark.skip(reason=f"no external cluster: set {EXTERNAL}")]
    if not address and os.environ.get("SITE_GIS_REQUIRE_DASK_EXTERNAL") == "1":
        marks = []  # CI started one: a missing address must fail, not skip
    params.append(pytest.param(address or "tcp://127.0.0.1:1", id="external", marks=marks))
    return params


@pytest.fixture(scope="module", params=_engines())
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    config = EngineConfig(
        scheduler=request.param, workers=2, memory_limit_bytes=LIMIT, chunk_cells=700
    )
    engine = Engine(config)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The shipped layers in a GeoPackage (the engine's bounds do not depend on the store)."""
    return build_store(str(tmp_path_factory.mktemp("engine") / "s.gpkg"), LAYERS, actor="tests")


def keep(surface: Surface, store: Store) -> Surface:
    """A last step that returns the surface itself."""
    return surface


def hog(surface: Surface, store: Store, gigabytes: float) -> int:
    """A last step that takes far more memory than a worker has."""
    block = np.ones(int(gigabytes * 1024**3), dtype=np.uint8)
    time.sleep(5)
    return int(block[::4096].sum())


def linger(surface: Surface, store: Store, seconds: float, megabytes: int) -> int:
    """A last step that holds memory and runs long."""
    block = np.ones(megabytes * 1024**2, dtype=np.uint8)
    time.sleep(seconds)
    return int(block[::4096].sum())


def worker_rss(engine: Engine) -> list[int]:
    import psutil

    return list(engine.client().run(lambda: psutil.Process().memory_info().rss).values())


@pytest.mark.parametrize(
    "method, extra",
    [("idw", {}), ("kriging", {"log_transform": True, "threshold": 800.0})],
)
def test_a_chunked_surface_equals_the_surface_built_in_one_piece(
    engine: Engine, built_store: Store, method: str, extra: dict[str, Any]
) -> None:
    request = SurfaceRequest(analyte="Lead", method=method, cell_size_m=100, **extra)
    run = engine.submit_surface(built_store.url, request, keep)
    chunked = run.result()
    whole = build_surface(built_store, request)
    assert run.total > 4  # plan, several chunks of 700 cells, cross-validation, finish
    np.testing.assert_array_equal(chunked.estimate, whole.estimate)
    if method == "kriging":
        np.testing.assert_array_equal(chunked.std, whole.std)
        np.testing.assert_array_equal(chunked.probability, whole.probability)
    assert chunked.cv == whole.cv
    assert chunked.variogram == whole.variogram
    assert run.progress() == 100


def test_an_analysis_error_reaches_the_caller_as_raised(engine: Engine, built_store: Store) -> None:
    run = engine.submit_surface(
        built_store.url,
        SurfaceRequest(analyte="Lead", method="idw", threshold=800.0),
        keep,
    )
    with pytest.raises(InvalidRequestError, match="probability of exceedance needs method=kriging"):
        run.result()


def test_a_job_past_the_worker_memory_limit_fails_clearly_and_the_engine_carries_on(
    engine: Engine, gpkg: Store
) -> None:
    request = SurfaceRequest(analyte="Lead", cell_size_m=200)
    run = engine.submit_surface(gpkg.url, request, hog, 4.0)
    with pytest.raises(JobMemoryError, match=r"needed more than 1\.5 GB.*larger cell_size_m"):
        run.result()
    assert engine.submit_surface(gpkg.url, request, keep).result().estimate.size


def test_a_job_past_its_time_limit_is_stopped_and_its_memory_given_back(
    engine: Engine, gpkg: Store
) -> None:
    before = max(worker_rss(engine))
    run = engine.submit_surface(
        gpkg.url, SurfaceRequest(analyte="Lead", cell_size_m=200), linger, 120.0, 600
    )
    deadline = time.monotonic() + 60
    while max(worker_rss(engine)) < before + 400 * 1024**2:  # the task holds its memory
        assert time.monotonic() < deadline, "the lingering task never started"
        time.sleep(0.5)
    started = time.monotonic()
    run.time_out(1.0)
    with pytest.raises(JobTimeoutError, match="time limit of 1 s"):
        run.result()
    while max(worker_rss(engine)) > before + 200 * 1024**2:
        assert time.monotonic() - started < 30, "the worker kept the job's memory"
        time.sleep(0.5)


def test_a_dismissed_job_stops(engine: Engine, gpkg: Store) -> None:
    run = engine.submit_surface(
        gpkg.url, SurfaceRequest(analyte="Lead", cell_size_m=200), linger, 120.0, 1
    )
    time.sleep(2)
    started = time.monotonic()
    run.dismiss()
    with pytest.raises(JobDismissedError):
        run.result()
    assert time.monotonic() - started < 30
    assert engine.submit_surface(
        gpkg.url, SurfaceRequest(analyte="Lead", cell_size_m=200), keep
    ).result()
