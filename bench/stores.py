"""The two stores side by side: PostGIS against the GeoPackage default, on the same data.

The site is the shipped demo with its ``sample_locations`` layer grown to
1,000,000 points (SYNTHETIC, uniform over the site's extent); both stores are
built from the same frames.  Timed: a bbox read of about 1 % of the points, a
full read of the layer, and an append of 100,000 lab results through
``Store.write`` (validation against the stored identifiers and references
included).  PostGIS is "ours" in the table, the GeoPackage the peer: the ratio
above 1 means PostGIS is faster.

Needs a database the benchmark may overwrite::

    SITE_GIS_BENCH_POSTGRES=postgresql://postgres@127.0.0.1:55432/site_gis_bench \\
        .venv/bin/python -m bench.stores
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from bench.common import ROOT, Row, timed
from bench.contamination import lab_file
from site_gis.contamination import parse_results
from site_gis.io import read_layers_dir
from site_gis.store import GeoPackageStore, PostGISStore, Store
from site_gis.validation import Frame

POINTS = 1_000_000
RESULTS = 100_000
ENV = "SITE_GIS_BENCH_POSTGRES"
SITE = "1M points"


def grown_site(points: int = POINTS, seed: int = 7) -> tuple[object, dict[str, Frame]]:
    """The demo site with ``points`` sample locations (the shipped ones kept, the rest new)."""
    site, frames = read_layers_dir(ROOT / "layers", validate=False)
    shipped = frames["sample_locations"]
    assert isinstance(shipped, gpd.GeoDataFrame)
    west, south, east, north = frames["site_boundary"].total_bounds
    rng = np.random.default_rng(seed)
    extra = points - len(shipped)
    new = gpd.GeoDataFrame(
        {
            "location_id": [f"BENCH-{i:07d}" for i in range(extra)],
            "location_type": "borehole",
            "medium": "soil",
            "zone_id": None,
            "synthetic": True,
            "background": False,
        },
        geometry=gpd.points_from_xy(
            rng.uniform(west, east, extra).round(7), rng.uniform(south, north, extra).round(7)
        ),
        crs=4326,
    )
    frames["sample_locations"] = pd.concat([shipped, new], ignore_index=True)
    return site, frames


def bench_stores(rows: list[Row], url: str | None = None) -> None:
    """Add the PostGIS-versus-GeoPackage rows (skipped, saying why, without a database)."""
    url = url or os.environ.get(ENV)
    if not url:
        print(f"bench.stores: skipped; set {ENV}=postgresql://USER@HOST:PORT/DB to run it")
        return
    site, frames = grown_site()
    with tempfile.TemporaryDirectory() as tmp:
        gpkg_path = Path(tmp) / "grown.gpkg"
        peer = timed(
            lambda: GeoPackageStore.create(gpkg_path, site, frames, actor="bench")  # type: ignore[arg-type]
        )
        ours = timed(lambda: PostGISStore.create(url, site, frames, actor="bench").close())  # type: ignore[arg-type]
        rows.append(
            Row(f"build store, {POINTS:,} points + demo layers", SITE, ours, "GeoPackage", peer)
        )
        gpkg = GeoPackageStore(gpkg_path)
        with PostGISStore(url) as pg:
            _reads(rows, pg, gpkg)
            _append(rows, pg, gpkg)


def _reads(rows: list[Row], pg: PostGISStore, gpkg: GeoPackageStore) -> None:
    bounds = gpkg.layer_info("sample_locations").bounds
    assert bounds is not None
    west, south, east, north = bounds
    cx, cy = (west + east) / 2, (south + north) / 2
    dx, dy = (east - west) * 0.05, (north - south) * 0.05  # 10 % × 10 % of the extent
    box = (cx - dx, cy - dy, cx + dx, cy + dy)
    hits = pg.count("sample_locations", bbox=box)
    assert hits == gpkg.count("sample_locations", bbox=box)
    rows.append(
        Row(
            f"bbox read, 1 % of the extent ({hits:,} of {POINTS:,} points)",
            SITE,
            timed(lambda: pg.read("sample_locations", bbox=box), 5),
            "GeoPackage",
            timed(lambda: gpkg.read("sample_locations", bbox=box), 5),
        )
    )
    rows.append(
        Row(
            f"full read of sample_locations ({POINTS:,} points)",
            SITE,
            timed(lambda: pg.read("sample_locations"), 3),
            "GeoPackage",
            timed(lambda: gpkg.read("sample_locations"), 3),
        )
    )
    page = {"limit": 1000, "offset": 500_000}
    rows.append(
        Row(
            "page of 1,000 points at offset 500,000",
            SITE,
            timed(lambda: pg.read("sample_locations", **page), 5),
            "GeoPackage",
            timed(lambda: gpkg.read("sample_locations", **page), 5),
        )
    )


def _append(rows: list[Row], pg: PostGISStore, gpkg: GeoPackageStore) -> None:
    """Append 100,000 results through Store.write on each store (once: the ids then exist)."""
    results, _, _ = parse_results(lab_file(gpkg, RESULTS), gpkg, source="lab.csv")
    assert len(results) == RESULTS

    def append(store: Store) -> None:
        store.write({"results": results}, mode="append", actor="bench", action="bench")

    ours = timed(lambda: append(pg))
    peer = timed(lambda: append(gpkg))
    rows.append(
        Row(
            f"append {RESULTS:,} results via Store.write (validated)",
            SITE,
            ours,
            "GeoPackage (copies the file)",
            peer,
        )
    )


def main() -> None:
    rows: list[Row] = []
    bench_stores(rows)
    header = ["task", "site", "PostGIS (s)", "peer", "peer (s)", "peer/PostGIS", "target"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


if __name__ == "__main__":
    main()
