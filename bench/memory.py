"""Peak memory of the server (and its analysis workers) for the largest surfaces allowed.

Each request is sent first as a user might (the issue's 9.3 m, 200-neighbour IDW; kriging
of the whole site); when the server refuses it, the change its 400 suggests is sent
instead, so what is measured is the largest request the limits let through.  The
resident memory of the server process and all its children (the local Dask workers) is
sampled every 50 ms; the target is under 2 GB each and the server alive afterwards.

Run alone::

    .venv/bin/python -m bench.memory [STORE.gpkg]   # default: a copy of the demo store
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.common import ROOT, Row, free_port, wait_for

TARGET_BYTES = 2 * 1024**3
REQUESTS = (
    ("IDW 9.3 m, 200 neighbours", {"method": "idw", "cell_size_m": 9.3, "neighbours": 200}),
    ("kriging, whole site", {"method": "kriging"}),
    ("kriging, 200 neighbours", {"method": "kriging", "neighbours": 200}),
)


class PeakRss:
    """The highest resident memory of a process (and its children) while running."""

    def __init__(self, pid: int, *, children: bool = True) -> None:
        self.process = psutil.Process(pid)
        self.children = children
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            total = 0
            family = self.process.children(recursive=True) if self.children else []
            for process in (self.process, *family):
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


def _suggestion(detail: str) -> dict[str, Any] | None:
    """The first parameter change a refusal suggests (``neighbours=N`` or ``cell_size_m=X``)."""
    match = re.search(r"use (neighbours|cell_size_m)=([0-9.]+)", detail)
    return {match.group(1): float(match.group(2))} if match else None


def bench_memory(label: str, store_path: Path, rows: list[Row]) -> None:
    """Peak RSS of one server (local cluster) for each request of :data:`REQUESTS`."""
    port = free_port()
    with tempfile.TemporaryDirectory() as jobs:
        env = {**os.environ, "SITE_GIS_STORE": str(store_path), "SITE_GIS_JOBS_DIR": jobs}
        env.pop("SITE_GIS_DASK_SCHEDULER", None)  # the server's own cluster, measured with it
        command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
        server = subprocess.Popen(
            [*command, "--port", str(port), "--log-level", "warning"], env=env
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/health", server)
            for name, params in REQUESTS:
                rows.append(_measure(label, base, server.pid, name, params))
        finally:
            server.terminate()
            server.wait(timeout=60)


def _measure(label: str, base: str, pid: int, name: str, params: dict[str, Any]) -> Row:
    query = {"f": "json", **params}
    sent = name
    with PeakRss(pid) as rss:
        start = time.perf_counter()
        response = httpx.get(f"{base}/surfaces/Lead", params=query, timeout=600)
        change = _suggestion(response.text) if response.status_code == 400 else None
        if change is not None:
            query.update(change)
            sent = f"{name} -> refused; as suggested, {change}"
            response = httpx.get(f"{base}/surfaces/Lead", params=query, timeout=600)
        elapsed = time.perf_counter() - start
    alive = httpx.get(f"{base}/health", timeout=30).status_code == 200
    outcome = f"HTTP {response.status_code}"
    if response.status_code != 200:
        outcome += f" ({response.json().get('description', '')[:90]})"
    peak_gb = rss.peak / 1024**3
    verdict = "ok" if rss.peak < TARGET_BYTES and alive else "OVER"
    return Row(
        f"peak RSS server+workers, {sent}: {peak_gb:.2f} GB, {outcome}, "
        f"server {'alive' if alive else 'DOWN'}",
        label,
        elapsed,
        target=f"< 2 GB, alive: {verdict}",
    )


def main() -> None:
    rows: list[Row] = []
    if len(sys.argv) > 1:
        bench_memory(Path(sys.argv[1]).stem, Path(sys.argv[1]), rows)
    else:
        from site_gis.io import build_store

        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "demo.gpkg"
            build_store(str(store), ROOT / "layers", actor="bench")
            bench_memory("demo", store, rows)
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


if __name__ == "__main__":
    main()
