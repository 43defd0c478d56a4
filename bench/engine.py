"""Benchmarks of the analysis engine (Dask ``LocalCluster``): dispatch overhead and scaling.

1. **Dispatch overhead.**  A small IDW surface (one EIA zone at 50 m: about 1,100 cells,
   one chunk) computed in this process (``build_surface`` then the process's ``finish``
   step) against the same request through ``Engine.submit_surface(...).result()`` on a
   cluster started and warmed first.  Every run asks for a different IDW power, and the
   engine submits every task with ``pure=False``, so nothing is reused (the engine keeps
   no results; only the API's job records do, in ``api/jobs.py``).  Median of several
   runs; overhead = engine − in-process, target at most 50 ms.
2. **Scaling.**  Ordinary kriging of the whole site at the cell size giving about
   1,000,000 cells inside the boundary, in chunks of ``PIECE_CELLS`` cells, on a local
   cluster of 1 worker and then of 2 (each warmed first); target 1 worker / 2 workers at
   least 1.6.  The default :class:`~site_gis.surfaces.SurfaceBudget` refuses a grid this
   large, so the bench passes a larger one (:data:`LARGE_BUDGET`).

Run alone::

    .venv/bin/python -m bench.engine [STORE.gpkg]   # default: a new demo store
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Row
from site_gis.processes import Engine, EngineConfig
from site_gis.processes.catalogue import SurfaceInputs, finish_surface_output
from site_gis.store import open_store
from site_gis.surfaces import SurfaceBudget
from site_gis.surfaces.interpolation import PIECE_CELLS, build_surface, clip_polygon

OVERHEAD_TARGET_S = 0.050
SPEEDUP_TARGET = 1.6
GRID_CELLS = 1_000_000
"""Cells inside the site boundary the scaling bench aims at."""
LARGE_BUDGET = SurfaceBudget(max_cells=4_000_000, max_kriging_work=10_000_000_000)
"""The bench's budget: the defaults allow 1,000,000 cells and 250,000,000 units of work."""


def _small(run: int) -> SurfaceInputs:
    """A small IDW request, different on every run (its power) so nothing can be reused."""
    return SurfaceInputs(
        analyte="Lead",
        method="idw",
        zone="blast_furnace_yard",
        cell_size_m=50,
        power=2 + run / 100,
        format="json",
    )


def bench_dispatch(label: str, store_url: str, rows: list[Row], repeat: int = 7) -> None:
    """Median time of a small surface in process and through a warm engine, runs interleaved.

    Each in-process run is followed by an engine run, so both see the same load on a
    shared machine.
    """
    store = open_store(store_url)
    plan_cells = build_surface(store, _small(0)).grid.inside.sum()  # also warms this process
    engine = Engine(EngineConfig(workers=2))
    local, remote = [], []
    try:
        for warm in range(4):  # start the cluster; open the store and import on both workers
            inputs = _small(-1 - warm)
            engine.submit_surface(store_url, inputs, finish_surface_output, inputs).result()
        for run in range(1, repeat + 1):
            inputs = _small(run)
            start = time.perf_counter()
            finish_surface_output(build_surface(store, inputs), store, inputs)
            local.append(time.perf_counter() - start)
            inputs = _small(run + repeat)
            start = time.perf_counter()
            engine.submit_surface(store_url, inputs, finish_surface_output, inputs).result()
            remote.append(time.perf_counter() - start)
    finally:
        engine.close()
    ours, peer = statistics.median(remote), statistics.median(local)
    overhead = ours - peer
    verdict = "ok" if overhead <= OVERHEAD_TARGET_S else "OVER"
    rows.append(
        Row(
            f"engine dispatch: small IDW ({plan_cells:,} cells, 1 chunk, JSON summary) via "
            f"warm LocalCluster (2 workers), median of {repeat}; overhead "
            f"{overhead * 1000:.0f} ms (load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores)",
            label,
            ours,
            "in-process build_surface + finish",
            peer,
            f"overhead ≤ 50 ms: {verdict}",
        )
    )


def _kriging_cell_size(store_url: str, cells: int) -> float:
    """The cell size (metres, to 0.01) giving about ``cells`` cells inside the site."""
    area = clip_polygon(open_store(store_url), None).area
    return round(math.sqrt(area / cells), 2)


def _timed_kriging(
    store_url: str, workers: int, inputs: SurfaceInputs, repeat: int
) -> tuple[list[float], int, float]:
    """Kriging jobs on a fresh, warmed cluster of ``workers``.

    Returns the wall time of each job (s), how many workers ran their tasks, and the
    tasks' compute time summed over workers (s): about ``workers`` × wall time when the
    workers computed side by side.
    """
    from distributed import get_task_stream

    engine = Engine(EngineConfig(workers=workers))
    try:
        for warm in range(2 * workers):  # every worker opens the store and imports pykrige
            small = _small(-1 - warm).model_copy(update={"method": "kriging"})
            engine.submit_surface(store_url, small, finish_surface_output, small).result()
        times = []
        with get_task_stream(client=engine.client()) as stream:
            for _ in range(repeat):
                start = time.perf_counter()
                engine.submit_surface(
                    store_url, inputs, finish_surface_output, inputs, budget=LARGE_BUDGET
                ).result()
                times.append(time.perf_counter() - start)
        used = {task["worker"] for task in stream.data}
        busy = sum(
            part["stop"] - part["start"]
            for task in stream.data
            for part in task["startstops"]
            if part["action"] == "compute"
        )
        return times, len(used), busy / repeat
    finally:
        engine.close()


def bench_scaling(
    label: str, store_url: str, rows: list[Row], *, cells: int = GRID_CELLS, repeat: int = 1
) -> None:
    """Chunked kriging of about ``cells`` cells on 1 worker, then on 2."""
    size = _kriging_cell_size(store_url, cells)
    inputs = SurfaceInputs(analyte="Lead", method="kriging", cell_size_m=size, format="json")
    one, _, busy_one = _timed_kriging(store_url, 1, inputs, repeat)
    two, used, busy_two = _timed_kriging(store_url, 2, inputs, repeat)
    ours, peer = statistics.median(two), statistics.median(one)
    verdict = "ok" if peer / ours >= SPEEDUP_TARGET else "MISSED"
    raw = ", ".join(f"{t:.1f}" for t in one) + " s vs " + ", ".join(f"{t:.1f}" for t in two)
    rows.append(
        Row(
            f"engine scaling: ordinary kriging (30 neighbours, Lead in soil) of the whole site "
            f"at {size:g} m ≈ {cells:,} cells in {math.ceil(cells / PIECE_CELLS)} chunks "
            f"of {PIECE_CELLS:,}, 2 workers vs 1 "
            f"(raw 1 vs 2 workers: {raw}; task compute time per job {busy_one:.1f} s vs "
            f"{busy_two:.1f} s, the latter on {used} worker(s)); explicit "
            "SurfaceBudget(max_cells=4,000,000, max_kriging_work=1e10), the default refuses it; "
            "load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            label,
            ours,
            "same engine, 1 worker",
            peer,
            f"1 / 2 workers ≥ 1.6: {verdict}",
        )
    )


def bench_engine(label: str, store_path: Path, rows: list[Row]) -> None:
    """Both engine benchmarks on the store at ``store_path`` (a GeoPackage)."""
    bench_dispatch(label, str(store_path), rows)
    bench_scaling(label, str(store_path), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path, help="GeoPackage (default: demo)")
    parser.add_argument("--cells", type=int, default=GRID_CELLS, help="kriging grid cells")
    parser.add_argument("--repeat", type=int, default=1, help="kriging runs per cluster")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            from site_gis.io import build_store

            store = Path(tmp) / "demo.gpkg"
            build_store(str(store), ROOT / "layers", actor="bench")
        label = "demo" if args.store is None else store.stem
        bench_dispatch(label, str(store), rows)
        bench_scaling(label, str(store), rows, cells=args.cells, repeat=args.repeat)
    header = ["task", "site", "ours (s)", "peer", "peer (s)", "peer/ours", "target"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


if __name__ == "__main__":
    main()
