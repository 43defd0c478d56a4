"""Benchmarks of the map pages: build time, page size and load time in a real browser.

For each page: the time to build and render it (Folium), its size in bytes, and in
headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright) the time from
navigation to the ``load`` event and from ``load`` to the map being ready (every
layer drawn, including those fetched by bounding box and clustered points added in
chunks; negative when everything was drawn before the ``load`` event).  Run alone with::

    .venv/bin/python -m bench.maps            # demo site
    .venv/bin/python -m bench.maps --scaled   # and the scaled site (bench/out/scaled)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium

from api.maps.assets import render
from api.maps.contamination import ContaminationQuery, build_contamination_map
from api.maps.encroachments import EncroachmentQuery, build_encroachment_map
from api.maps.site import build_site_map
from bench.common import OUT, ROOT, SCALED, Row, timed
from bench.memory import PeakRss
from bench.ogc import _serve
from site_gis.store import GeoPackageStore, Store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [  # Debian's chromium, headless, with nothing reaching for the internet
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PAGE_LIMIT = 1_500_000


def _builders(store: Store) -> dict[str, Callable[[], folium.Map]]:
    return {
        "site": lambda: build_site_map(store),
        "contamination": lambda: build_contamination_map(store, ContaminationQuery()),
        "encroachments": lambda: build_encroachment_map(store, EncroachmentQuery()),
    }


def bench_maps(label: str, store_path: Path, rows: list[Row]) -> None:
    store = GeoPackageStore(store_path)
    repeat = 3 if label == "demo" else 1
    for name, build in _builders(store).items():
        seconds = timed(lambda build=build: render(build()), repeat)  # type: ignore[misc]
        size = len(render(build()).encode())
        rows.append(
            Row(
                f"map /maps/{name}: build + render ({size:,} bytes of HTML)",
                label,
                seconds,
                target=f"page < {PAGE_LIMIT / 1e6:.1f} MB" if label == "demo" else "",
            )
        )
    _browser_rows(label, store_path, rows)


def _browser_rows(label: str, store_path: Path, rows: list[Row]) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        rows.append(Row("maps in Chromium (playwright not installed)", label, 0.0))
        return
    if not CHROMIUM.exists():
        rows.append(Row("maps in Chromium (apt install chromium)", label, 0.0))
        return
    process, base = _serve(store_path, 0)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for name in _builders(GeoPackageStore(store_path)):
                loads, readies = [], []
                for _ in range(3 if label == "demo" else 2):
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    page.goto(f"{base}/maps/{name}")
                    page.wait_for_selector(
                        "html[data-map-ready='1']", state="attached", timeout=180_000
                    )
                    load, ready = page.evaluate(
                        "[performance.getEntriesByType('navigation')[0].loadEventEnd,"
                        " window.siteGisReadyAt]"
                    )
                    loads.append(load / 1000)
                    readies.append((ready - load) / 1000)
                    page.close()
                rows.append(
                    Row(f"map /maps/{name} in Chromium: navigation → load", label, min(loads))
                )
                rows.append(
                    Row(
                        f"map /maps/{name} in Chromium: load event → map ready "
                        "(negative: ready before load)",
                        label,
                        min(readies),
                    )
                )
            _first_paint(label, base, process.pid, browser, rows)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def _first_paint(label: str, base: str, pid: int, browser: Any, rows: list[Row]) -> None:
    """A cold kriging map: time to the first paint, to the surface, and the server's RSS.

    The surface's job runs on a worker; the server process alone is measured (its
    workers are its children but not counted here: bench.memory counts them).
    """
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    with PeakRss(pid, children=False) as rss:
        start = time.perf_counter()
        page.goto(f"{base}/maps/contamination?method=kriging&analyte=Lead&medium=soil")
        page.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=180_000)
        painted = time.perf_counter() - start
        legend = page.locator(".sg-legend")
        try:
            page.wait_for_selector(".sg-legend >> text=/m cells\\)|No surface/", timeout=300_000)
            surface = time.perf_counter() - start
            drawn = "No surface" not in legend.inner_text()
        except Exception:  # a timeout: reported in the row, not raised
            surface, drawn = float("nan"), False
    page.close()
    rows.append(
        Row(
            "kriging map page, cold: navigation → first paint "
            "(its surface pending if not ready within map_wait_s)",
            label,
            painted,
            target="< 2 s",
        )
    )
    outcome = "surface drawn" if drawn else "no surface (refused or failed: see the legend)"
    rows.append(
        Row(
            f"kriging map page, cold: navigation → {outcome}; server RSS peak "
            f"{rss.peak / 1024**3:.2f} GB (workers not counted)",
            label,
            surface,
            target="server < 1 GB",
        )
    )


def main() -> None:
    from site_gis.io import build_store, write_layers_dir
    from site_gis.synthetic import generate_site

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scaled", action="store_true", help="also the scaled site")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.gpkg"
        build_store(str(demo), ROOT / "layers", actor="bench")
        bench_maps("demo", demo, rows)
        if args.scaled:
            scaled = OUT / "scaled"
            if not (scaled / "site.json").exists():
                write_layers_dir(scaled, *generate_site(**SCALED))
            scaled_store = Path(tmp) / "scaled.gpkg"
            build_store(str(scaled_store), scaled, actor="bench")
            bench_maps("scaled 100k/100k", scaled_store, rows)
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


if __name__ == "__main__":
    main()
