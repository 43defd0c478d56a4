"""An open-loop load test on loopback: requests sent at a fixed rate whatever the server does.

A closed-loop tool (wrk) slows down when the server does, hiding queueing; here
each request leaves on its own schedule (rate × seconds requests, evenly
spaced), so the latencies include any backlog.  The mix is what an office does
at once: map and item pages, single features, screening tables, health checks.

Run alone::

    .venv/bin/python -m bench.load --rate 25 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import ROOT, Row

MIX = (
    "/collections/eia_zones/items",
    "/collections/sample_locations/items?limit=500",
    "/collections/results/items?limit=200&medium=soil",
    "/collections/receptors/items/R-01",
    "/collections/structures/items?limit=100&offset=300",
    "/contamination/exceedances?analyte=Lead&medium=soil&standard=dutch_iv",
    "/health",
)


@dataclass
class LoadResult:
    """What a run at a fixed rate achieved: latencies in seconds, statuses by code."""

    rate: float
    seconds: float
    sent: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def errors(self) -> int:
        """Transport failures plus responses with a status of 400 or above."""
        return len(self.failures) + sum(n for code, n in self.statuses.items() if code >= 400)

    @property
    def achieved(self) -> float:
        """Completed requests per second over the whole run."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def quantile(self, q: float) -> float:
        """Latency quantile (0 < q < 1) in seconds."""
        return statistics.quantiles(self.latencies, n=100)[round(q * 100) - 1]


async def _run(base: str, rate: float, seconds: float, headers: dict[str, str]) -> LoadResult:
    total = round(rate * seconds)
    result = LoadResult(rate=rate, seconds=seconds, sent=total)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:

        async def one(path: str) -> None:
            began = time.perf_counter()
            try:
                response = await c.get(path)
                await response.aread()
            except httpx.HTTPError as exc:
                result.failures.append(f"{path}: {type(exc).__name__}")
                return
            result.latencies.append(time.perf_counter() - began)
            result.statuses[response.status_code] += 1

        start = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(MIX[i % len(MIX)])))
        await asyncio.gather(*tasks)
        result.elapsed = time.perf_counter() - start
    return result


def run_load(
    base: str, *, rate: float, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    """Send ``rate`` requests per second for ``seconds`` to ``base``, cycling through the mix.

    The client's event loop runs in a thread of its own, so this works from code that
    already runs a loop (a test session that drives a browser, say).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run(base, rate, seconds, headers or {})).result()


def bench_load(label: str, store_path: Path, rows: list[Row], *, rate: float = 25) -> None:
    """A 20-second run at ``rate`` requests/s against one uvicorn worker on a copy of the store."""
    from bench.ogc import _serve

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.gpkg"
        shutil.copyfile(store_path, copy)
        for cache_mb, name in ((0, "cache off"), (128, "default cache")):
            process, base = _serve(copy, cache_mb)
            try:
                result = run_load(base, rate=rate, seconds=20)
            finally:
                process.terminate()
                process.wait()
            rows.append(
                Row(
                    f"fixed-rate load, {rate:g} req/s for 20 s, {name}: held "
                    f"{result.achieved:.1f} req/s, p50 {result.quantile(0.5) * 1000:.0f} ms, "
                    f"p99 {result.quantile(0.99) * 1000:.0f} ms, {result.errors} errors "
                    f"{result.failures[:3] or ''}",
                    label,
                    result.quantile(0.99),
                    target="zero errors",
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a running server (default: start one on the demo)")
    parser.add_argument("--rate", type=float, default=25.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.base:
        result = run_load(args.base, rate=args.rate, seconds=args.seconds)
        print(
            f"sent {result.sent}, held {result.achieved:.1f} req/s, p50 "
            f"{result.quantile(0.5) * 1000:.1f} ms, p99 {result.quantile(0.99) * 1000:.1f} ms, "
            f"statuses {dict(result.statuses)}, failures {len(result.failures)}"
        )
        return
    from site_gis.io import build_store

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "demo.gpkg"
        build_store(str(store), ROOT / "layers", actor="bench")
        bench_load("demo", store, rows, rate=args.rate)
    for row in rows:
        print(" | ".join(row.cells()))


if __name__ == "__main__":
    main()
