"""Benchmarks of encroachment queries and resettlement estimates (SYNTHETIC data)."""

from __future__ import annotations

from pathlib import Path

from bench.common import Row, timed
from site_gis.resettlement import (
    ParcelQuery,
    analyse_parcels,
    cost_structures,
    estimate_resettlement,
    load_matrix,
    query_parcels,
    summarise,
)
from site_gis.store import GeoPackageStore


def bench_resettlement(label: str, store_path: Path, rows: list[Row]) -> None:
    store = GeoPackageStore(store_path)
    structures = store.read("structures")
    encroachments, parcels, zones = (
        store.read("encroachments"),
        store.read("parcels"),
        store.read("eia_zones"),
    )
    matrix = load_matrix()
    crs = store.site().crs
    n = len(structures)
    ours = timed(lambda: summarise(cost_structures(structures, matrix)), 3)
    rows.append(
        Row(
            f"resettlement costs of {n:,} structures (all components)",
            label,
            ours,
            target="< 1 s" if n >= 100_000 else "",
        )
    )
    ours = timed(
        lambda: estimate_resettlement(structures, encroachments, parcels, zones, matrix, crs=crs), 3
    )
    rows.append(
        Row(f"full resettlement report, {n:,} structures (parcels, zones, phases)", label, ours)
    )
    analysed = analyse_parcels(parcels, encroachments, structures, zones, crs=crs)
    query = ParcelQuery(kind="residential_settlement", min_households=10)
    ours = timed(lambda: query_parcels(analysed, query), 5)
    rows.append(
        Row(
            "encroached-parcel query (filter, sort, page)",
            label,
            ours,
            target="< 0.2 s" if n >= 100_000 else "",
        )
    )
    ours = timed(lambda: analyse_parcels(parcels, encroachments, structures, zones, crs=crs), 3)
    rows.append(Row(f"encroached-parcel analysis from scratch ({n:,} structures)", label, ours))
