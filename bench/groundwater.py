"""Benchmarks of the groundwater analyses: the indicator matrix and the plume job.

1. **Indicator matrix.**  A SYNTHETIC monitoring record of 40 wells x 15 analytes x
   16 quarterly rounds (9,600 results, about 20 % non-detects at one reporting limit,
   some series rising, some falling), every cell's latest level against a level and
   its Mann-Kendall / Theil-Sen trend and GSI class: :func:`site_gis.groundwater.
   indicator_matrix` in this process.  Median of 5 runs; target under 1 s.
2. **Plume job.**  The ``groundwater-plume`` process (16 rounds of benzene in the demo
   site, 50 m grid) as one job on a local Dask cluster of 2 workers, timed cold (the
   cluster starting) and warm; target under 30 s.

Run alone::

    .venv/bin/python -m bench.groundwater [STORE.gpkg]   # default: a new demo store
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import ROOT
from site_gis.groundwater import indicator_matrix
from site_gis.io import build_store
from site_gis.processes import PROCESSES, Engine, EngineConfig, submit_process
from site_gis.surfaces import SurfaceBudget

WELLS, ANALYTES, ROUNDS = 40, 15, 16


def synthetic_record(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC results (wells x analytes x rounds) and one level per analyte."""
    rng = np.random.default_rng(seed)
    dates = [f"{y}-{m:02d}-15" for y in (2023, 2024, 2025, 2026) for m in (2, 5, 8, 11)]
    rows = []
    for w in range(WELLS):
        for a in range(ANALYTES):
            drift = rng.normal(0, 0.3)
            values = np.exp(1 + drift * np.arange(ROUNDS) / 4 + rng.normal(0, 0.6, ROUNDS))
            detected = values >= 2.0
            for k, day in enumerate(dates):
                rows.append(
                    {
                        "result_id": f"W{w:02d}-{k}:A{a:02d}",
                        "location_id": f"W{w:02d}",
                        "medium": "groundwater",
                        "analyte": f"A{a:02d}",
                        "sampled_on": day,
                        "value": float(values[k]) if detected[k] else np.nan,
                        "detected": bool(detected[k]),
                        "detection_limit": 2.0,
                        "unit": "ug/L",
                    }
                )
    levels = pd.DataFrame(
        {
            "standard": "bench",
            "analyte": [f"A{a:02d}" for a in range(ANALYTES)],
            "cas_number": None,
            "medium": "groundwater",
            "land_use": "any",
            "value": 10.0,
            "unit": "ug/L",
        }
    )
    return pd.DataFrame(rows), levels


def bench_matrix(repeat: int = 5) -> tuple[float, int]:
    results, levels = synthetic_record()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        table = indicator_matrix(results, levels, standard="bench")
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(table)


def bench_plume(store_url: str) -> tuple[float, float]:
    engine = Engine(EngineConfig(workers=2, memory_limit_bytes=2 * 1024**3))
    process = PROCESSES["groundwater-plume"]
    inputs = process.inputs.model_validate({"analyte": "Benzene", "level": 30})
    try:
        start = time.perf_counter()
        submit_process(engine, store_url, process, inputs, budget=SurfaceBudget()).result()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        submit_process(engine, store_url, process, inputs, budget=SurfaceBudget()).result()
        warm = time.perf_counter() - start
    finally:
        engine.close()
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", help="a GeoPackage store (default: a new demo one)")
    args = parser.parse_args()
    seconds, cells = bench_matrix()
    print(
        f"indicator matrix, {WELLS} wells x {ANALYTES} analytes x {ROUNDS} rounds "
        f"({cells} cells): {seconds:.3f} s (target < 1 s)"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = args.store
        if store is None:
            store = str(Path(folder) / "demo.gpkg")
            build_store(store, ROOT / "layers", actor="bench")
        cold, warm = bench_plume(str(Path(store).resolve()))
    print(
        f"groundwater-plume job, 16 rounds (demo, benzene, 50 m): {cold:.2f} s cold "
        f"(cluster starting), {warm:.2f} s warm (target < 30 s)"
    )


if __name__ == "__main__":
    main()
