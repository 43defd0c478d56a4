"""Benchmarks of site-gis beside the tools a user would otherwise pick, on the same data.

Run from the repository root::

    .venv/bin/python -m bench.run            # demo site and the scaled site
    .venv/bin/python -m bench.run --quick    # demo site only

Prints one Markdown table: task, site, our time, the peer's time and the ratio
(peer / ours: above 1 means we are faster).  Times are the median of several runs
where a run is short; the machine is noisy, so trust ratios more than seconds.
The scaled site (100,000 samples, 100,000 structures; SYNTHETIC) is written to
``bench/out/`` and reused.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

from bench.common import OUT, ROOT, SCALED, Row, timed
from bench.contamination import bench_contamination
from bench.engine import bench_engine
from bench.load import bench_load
from bench.maps import bench_maps
from bench.memory import bench_memory
from bench.ogc import bench_ogc
from bench.resettlement import bench_resettlement
from bench.stores import bench_stores
from bench.surfaces import bench_surfaces
from site_gis.io import build_store, write_layers_dir
from site_gis.schemas import CATALOGUE
from site_gis.store import GeoPackageStore
from site_gis.synthetic import generate_site


def ogr2ogr_build(layers: Path, target: Path) -> None:
    """The peer: GDAL's ogr2ogr loading every layer file into one GeoPackage."""
    target.unlink(missing_ok=True)
    for schema in CATALOGUE.values():
        source = layers / schema.file_name
        args = ["ogr2ogr", "-f", "GPKG", "-append", "-nln", schema.name, str(target), str(source)]
        if schema.is_table:
            args[1:1] = ["-oo", "AUTODETECT_TYPE=YES"]
        subprocess.run(args, check=True, capture_output=True)


def bench_site(
    label: str, layers: Path, rows: list[Row], *, generate: Callable[[], None], target: Path
) -> None:
    rows.append(Row("generate layers (GeoJSON + CSV)", label, timed(generate)))
    with tempfile.TemporaryDirectory() as tmp:
        ours = timed(lambda: build_store(str(target), layers, actor="bench"))
        peer = None
        if shutil.which("ogr2ogr"):
            peer = timed(lambda: ogr2ogr_build(layers, Path(tmp) / "peer.gpkg"))
        rows.append(
            Row(
                f"build store: read + validate + write GPKG, {len(CATALOGUE)} layers",
                label,
                ours,
                "ogr2ogr, no validation" if peer else "ogr2ogr not installed",
                peer,
            )
        )
        store = GeoPackageStore(target)
        for layer in ("structures", "results"):
            repeat = 5 if label == "demo" else 3
            ours = timed(lambda layer=layer: store.read(layer), repeat)  # type: ignore[misc]
            peer = timed(
                lambda layer=layer: gpd.read_file(
                    target,
                    layer=layer,  # type: ignore[misc]
                    engine="pyogrio",
                ),
                repeat,
            )
            count = store.count(layer)
            rows.append(
                Row(
                    f"full read of {layer} ({count:,} rows)",
                    label,
                    ours,
                    "geopandas.read_file",
                    peer,
                )
            )
        bbox = store.layer_info("structures").bounds
        assert bbox is not None
        west, south, east, north = bbox
        vertices = store.read("structures").geometry.get_coordinates()
        x, y = float(vertices["x"].median()), float(vertices["y"].median())
        dx, dy = (east - west) * 0.05, (north - south) * 0.05
        small = (x - dx, y - dy, x + dx, y + dy)  # 1 % of the layer's extent, where it is dense
        hits = store.count("structures", bbox=small)
        ours = timed(lambda: store.read("structures", bbox=small), 5)
        peer = timed(
            lambda: gpd.read_file(target, layer="structures", bbox=small, engine="pyogrio"), 5
        )
        rows.append(
            Row(
                f"bbox read of structures (1 % of extent, {hits:,} hits)",
                label,
                ours,
                "geopandas.read_file",
                peer,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="demo site only")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        demo_store = Path(tmp) / "demo.gpkg"
        bench_site(
            "demo",
            ROOT / "layers",
            rows,
            target=demo_store,
            generate=lambda: write_layers_dir(Path(tmp) / "demo", *generate_site()),
        )
        bench_contamination("demo", demo_store, rows)
        bench_resettlement("demo", demo_store, rows)
        bench_ogc("demo", demo_store, rows)
        bench_load("demo", demo_store, rows)
        bench_maps("demo", demo_store, rows)
        bench_surfaces(rows)
        bench_engine("demo", demo_store, rows)  # dispatch overhead; kriging on 2 workers vs 1
        if not args.quick:
            scaled = OUT / "scaled"
            scaled_store = Path(tmp) / "scaled.gpkg"

            def generate_scaled() -> None:
                write_layers_dir(scaled, *generate_site(**SCALED))

            bench_site(
                "scaled 100k/100k", scaled, rows, target=scaled_store, generate=generate_scaled
            )
            bench_contamination("scaled 100k/100k", scaled_store, rows)
            bench_resettlement("scaled 100k/100k", scaled_store, rows)
            bench_ogc("scaled 100k/100k", scaled_store, rows)
            bench_maps("scaled 100k/100k", scaled_store, rows)
            bench_memory("scaled 100k/100k", scaled_store, rows)
            bench_stores(rows)  # PostGIS beside GeoPackage, with SITE_GIS_BENCH_POSTGRES
    header = ["task", "site", "ours (s)", "peer", "peer (s)", "peer/ours", "target"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")


if __name__ == "__main__":
    main()
