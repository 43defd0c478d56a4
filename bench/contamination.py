"""Benchmarks of the contamination-data work: screening, lab import, statistics."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import Row, timed
from site_gis.contamination import compute_statistics, import_results, load_results, screen_results
from site_gis.store import GeoPackageStore


def naive_screening(results: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """The peer: the merge-and-compare a consultant writes in a notebook."""
    chosen = levels[
        (levels["standard"] == "us_epa_rsl") & levels["land_use"].isin(["residential", "any"])
    ]
    merged = results.merge(
        chosen[["analyte", "medium", "value"]].rename(columns={"value": "level"}),
        on=["analyte", "medium"],
        how="left",
    )
    measured = merged["value"].fillna(merged["detection_limit"])
    merged["ratio"] = measured / merged["level"]
    merged["flag"] = np.where(
        merged["level"].isna(),
        "no level",
        np.where(merged["detected"] & (merged["value"] > merged["level"]), "exceeds", "ok"),
    )
    return merged


def lab_file(store: GeoPackageStore, rows: int, seed: int = 1) -> bytes:
    """A lab EDD of ``rows`` results at stored locations, in the forms labs send (SYNTHETIC)."""
    rng = np.random.default_rng(seed)
    locations = store.read("sample_locations")
    soil = locations[locations["medium"] == "soil"]
    analytes = [
        "Lead",
        "Zinc",
        "Cadmium",
        "Benzene",
        "Benzo(a)pyrene",
        "7440-47-3",
        "Naphthalene",
        "Phenol",
        "Arsenic",
        "Nickel",
    ]
    samples = rows // len(analytes)
    pick = soil.iloc[rng.integers(0, len(soil), samples)]
    frame = pd.DataFrame(
        {
            "Sample ID": np.repeat([f"BENCH-{i:06d}" for i in range(samples)], len(analytes)),
            "Location ID": np.repeat(pick["location_id"].to_numpy(), len(analytes)),
            "Longitude": np.repeat(pick.geometry.x.round(7).to_numpy(), len(analytes)),
            "Latitude": np.repeat(pick.geometry.y.round(7).to_numpy(), len(analytes)),
            "Matrix": "soil",
            "Depth Top": 0.0,
            "Depth Bottom": 0.5,
            "Sample Date": "15/10/2026",
            "Analyte": np.tile(analytes, samples),
            "Result": np.round(rng.lognormal(2, 1.5, samples * len(analytes)), 3).astype(str),
            "Units": "mg/kg",
            "Detection Limit": 0.5,
            "Lab": "Bench Lab",
            "Method": "EPA 6020B",
        }
    )
    nd = rng.random(len(frame)) < 0.2
    frame.loc[nd, "Result"] = "<0.5"
    ug = rng.random(len(frame)) < 0.1
    frame.loc[ug & ~nd, "Units"] = "µg/kg"
    return frame.to_csv(index=False).encode()


def bench_contamination(label: str, store_path: Path, rows: list[Row]) -> None:
    store = GeoPackageStore(store_path)
    levels = store.read("screening_levels")
    results = store.read("results")
    million = pd.concat([results] * (1_000_000 // len(results) + 1), ignore_index=True).head(
        1_000_000
    )
    ours = timed(
        lambda: screen_results(million, levels, standard="us_epa_rsl", land_use="residential"), 3
    )
    peer = timed(lambda: naive_screening(million, levels), 3)
    rows.append(
        Row(
            "screen 1,000,000 results (US EPA RSL, residential)",
            label,
            ours,
            "pandas merge by hand",
            peer,
            "< 2 s",
        )
    )
    joined = load_results(store)
    ours = timed(lambda: compute_statistics(joined), 1)
    rows.append(
        Row(f"KM statistics, all zones × analytes × media ({len(joined):,} results)", label, ours)
    )

    with tempfile.TemporaryDirectory() as tmp:
        data = lab_file(store, 100_000)
        csv_path = Path(tmp) / "lab.csv"
        csv_path.write_bytes(data)
        copy = Path(tmp) / "import.gpkg"
        shutil.copyfile(store_path, copy)
        target = GeoPackageStore(copy)
        ours = timed(lambda: import_results(target, data, actor="bench", source="lab.csv"))
        peer = None
        if shutil.which("ogr2ogr"):
            other = Path(tmp) / "peer.gpkg"
            shutil.copyfile(store_path, other)
            peer = timed(
                lambda: subprocess.run(
                    [
                        "ogr2ogr",
                        "-f",
                        "GPKG",
                        "-append",
                        "-nln",
                        "lab_import",
                        str(other),
                        str(csv_path),
                    ],
                    check=True,
                    capture_output=True,
                )
            )
        rows.append(
            Row(
                "import a 100,000-row lab CSV (validate, convert, write)",
                label,
                ours,
                "ogr2ogr load, no validation" if peer else "ogr2ogr not installed",
                peer,
                "< 10 s",
            )
        )
