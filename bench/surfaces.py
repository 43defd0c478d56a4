"""Benchmarks of surfaces and zonal statistics beside pykrige and rasterstats (SYNTHETIC data)."""

from __future__ import annotations

import warnings

import numpy as np
from affine import Affine
from shapely.geometry import box

from bench.common import Row, timed
from site_gis.surfaces import IdwParams, KrigingParams, interpolate_idw, krige, zonal_statistics


def _field(n: int, size: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, size, n), rng.uniform(0, size, n)
    z = np.exp(np.sin(x / 800) + np.cos(y / 1100) + rng.normal(0, 0.3, n))
    return x, y, z


def bench_surfaces(rows: list[Row]) -> None:
    size = 10_000.0
    x, y, z = _field(5_000, size, 1)
    cells = (np.arange(1000) + 0.5) * size / 1000
    gx, gy = (a.ravel() for a in np.meshgrid(cells, cells))
    ours = timed(lambda: interpolate_idw(x, y, z, gx, gy, IdwParams(neighbours=12)), 3)
    rows.append(
        Row("IDW, 5,000 samples onto 1000 × 1000 (k = 12)", "synthetic", ours, target="< 1 s")
    )

    from pykrige.ok import OrdinaryKriging

    x, y, z = _field(1_000, size, 2)
    cells = (np.arange(200) + 0.5) * size / 200
    gx, gy = (a.ravel() for a in np.meshgrid(cells, cells))
    params = KrigingParams(variogram="spherical", neighbours=30)
    ours = timed(lambda: krige(x, y, z, gx, gy, params), 3)

    def peer() -> None:
        model = OrdinaryKriging(x, y, z, variogram_model="spherical", nlags=12)
        model.execute("grid", cells, cells, backend="C", n_closest_points=30)

    rows.append(
        Row(
            "ordinary kriging, 1,000 samples onto 200 × 200 (30 neighbours; ours "
            "includes LOO cross-validation)",
            "synthetic",
            ours,
            "pykrige local (C), no CV",
            timed(peer, 3),
            "≥ 1 (no slower)",
        )
    )

    rng = np.random.default_rng(3)
    raster = rng.uniform(0, 100, (1000, 1000))
    transform = Affine(10, 0, 0, 0, -10, 10_000)
    polygons = [
        box(i * 100, j * 100, i * 100 + 95, j * 100 + 95) for i in range(100) for j in range(100)
    ]
    ours = timed(lambda: zonal_statistics(raster, transform, polygons), 3)

    def rasterstats_peer() -> None:
        from rasterstats import zonal_stats

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zonal_stats(
                polygons, raster, affine=transform, stats=["count", "min", "max", "mean", "sum"]
            )

    rows.append(
        Row(
            "zonal statistics, 10,000 polygons on 1000 × 1000",
            "synthetic",
            ours,
            "rasterstats",
            timed(rasterstats_peer, 1),
            "≥ 10",
        )
    )
