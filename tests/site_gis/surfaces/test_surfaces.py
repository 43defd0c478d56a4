"""Surfaces, hotspots and GeoTIFF output, against hand calculations and an independent solve."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.io import MemoryFile
from shapely.geometry import box

from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.store import GeoPackageStore
from site_gis.surfaces import find_hotspots, surface_to_cog
from site_gis.surfaces.grid import make_grid
from site_gis.surfaces.interpolation import (
    CrossValidation,
    IdwParams,
    Surface,
    SurfaceRequest,
    build_surface,
    idw_leave_one_out,
    interpolate_idw,
    local_kriging,
)

UTM = CRS.from_epsg(32642)


def test_idw_reproduces_the_samples_at_their_points() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 1000, 40), rng.uniform(0, 1000, 40)
    z = rng.lognormal(2, 1, 40)
    assert interpolate_idw(x, y, z, x, y, IdwParams()) == pytest.approx(z)


def test_a_constant_field_gives_a_constant_surface() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 1000, 30), rng.uniform(0, 1000, 30)
    z = np.full(30, 7.5)
    gx, gy = rng.uniform(0, 1000, 500), rng.uniform(0, 1000, 500)
    assert interpolate_idw(x, y, z, gx, gy, IdwParams()) == pytest.approx(np.full(500, 7.5))

    def gamma(h: np.ndarray) -> np.ndarray:
        return 1 - np.exp(-h / 300)

    kriged = local_kriging(x, y, z, gx, gy, gamma, 12)
    assert kriged == pytest.approx(np.full(500, 7.5))


def test_idw_leave_one_out_by_hand() -> None:
    # samples at x = 0, 1, 2 with values 1, 2, 3; power 2
    # at x=0: from x=1 (w 1) and x=2 (w 1/4): (2 + 0.75) / 1.25 = 2.2
    # at x=1: (1 + 3) / 2 = 2;  at x=2: (2 + 0.25) / 1.25 = 1.8
    loo = idw_leave_one_out(
        np.array([0.0, 1, 2]), np.zeros(3), np.array([1.0, 2, 3]), IdwParams(power=2, neighbours=2)
    )
    assert loo == pytest.approx([2.2, 2.0, 1.8])


def _ordinary_kriging_by_hand(x, y, z, tx, ty, gamma):  # type: ignore[no-untyped-def]
    """Global ordinary kriging, written out from the textbook system."""
    n = len(z)
    a = np.ones((n + 1, n + 1))
    a[:n, :n] = gamma(np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]))
    np.fill_diagonal(a[:n, :n], 0.0)
    a[n, n] = 0.0
    out = []
    for px, py in zip(tx, ty, strict=True):
        b = np.ones(n + 1)
        b[:n] = gamma(np.hypot(x - px, y - py))
        weights = np.linalg.solve(a, b)[:n]
        out.append(weights @ z)
    return np.array(out)


def test_kriging_agrees_with_an_independent_solve_on_the_same_variogram() -> None:
    from pykrige.ok import OrdinaryKriging

    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 2000, 25), rng.uniform(0, 2000, 25)
    z = np.sin(x / 500) + np.cos(y / 700) + rng.normal(0, 0.1, 25)
    model = OrdinaryKriging(x, y, z, variogram_model="spherical")
    psill, rng_, nugget = model.variogram_model_parameters

    def gamma(h: np.ndarray) -> np.ndarray:  # spherical, as the textbook writes it
        s = np.minimum(h / rng_, 1.0)
        return np.where(h > 0, nugget + psill * (1.5 * s - 0.5 * s**3), 0.0)

    tx, ty = rng.uniform(0, 2000, 50), rng.uniform(0, 2000, 50)
    theirs, _ = model.execute("points", tx, ty, backend="loop", n_closest_points=25)
    ours = _ordinary_kriging_by_hand(x, y, z, tx, ty, gamma)
    assert np.asarray(theirs) == pytest.approx(ours, rel=1e-6, abs=1e-9)
    # our batched local solver (used for cross-validation) matches too
    batched = local_kriging(x, y, z, tx, ty, gamma, 25)
    assert batched == pytest.approx(ours, rel=1e-6, abs=1e-9)


def _disk_surface(radius: float, cell: float) -> Surface:
    grid = make_grid(box(0, 0, 2000, 2000), cell, UTM)
    gx, gy = grid.centres()
    r = np.hypot(gx - 1000, gy - 1000)
    request = SurfaceRequest(analyte="Lead", cell_size_m=cell)
    return Surface(
        request=request,
        analyte="Lead",
        unit="mg/kg",
        grid=grid,
        estimate=1000.0 - r,
        std=None,
        probability=None,
        samples=None,  # type: ignore[arg-type]
        cv=CrossValidation(0, 0, 0, 0),
        synthetic=True,
    )


def test_hotspot_of_a_disk_plume_has_the_analytic_area() -> None:
    import geopandas as gpd

    radius, cell = 400.0, 10.0
    surface = _disk_surface(radius, cell)
    zones = gpd.GeoDataFrame({"zone_id": ["z"]}, geometry=[box(0, 0, 1000, 2000)], crs=UTM)
    found = find_hotspots(surface, 1000.0 - radius, zones)
    total = found["area_ha"].sum() * 1e4
    assert abs(total - math.pi * radius**2) <= 2 * math.pi * radius * cell  # one cell of edge
    # splitting by zone loses nothing: the area is the exceeding cells' area exactly
    cells = int((surface.raster("estimate") > 1000.0 - radius).sum())
    assert total == pytest.approx(cells * cell * cell, rel=1e-9)
    # split by zone: the half inside zone "z" (x < 1000) and the half outside it
    halves = found.groupby(found["zone_id"].fillna("outside"))["area_ha"].sum() * 1e4
    assert halves["z"] == pytest.approx(halves["outside"], rel=0.02)


def test_cleanup_level_must_be_positive() -> None:
    import geopandas as gpd

    surface = _disk_surface(100, 20)
    zones = gpd.GeoDataFrame({"zone_id": []}, geometry=[], crs=UTM)
    with pytest.raises(InvalidRequestError, match="above zero"):
        find_hotspots(surface, 0, zones)


@pytest.mark.parametrize("extent", [10_000.0, 10_745.0])
def test_grid_limit_and_its_suggestion(extent: float) -> None:
    import re

    area = box(0, 0, extent, 7_796)
    with pytest.raises(InvalidRequestError, match=r"the limit is 25,000,000") as caught:
        make_grid(area, 1.0, UTM)
    suggested = float(re.search(r"at least ([0-9.]+) m", str(caught.value)).group(1))
    grid = make_grid(area, suggested, UTM)  # the suggestion fits ...
    assert grid.width * grid.height <= 25_000_000
    with pytest.raises(InvalidRequestError):  # ... and is the smallest to 0.1 m
        make_grid(area, round(suggested - 0.1, 1), UTM)


@pytest.fixture(scope="module")
def store(demo_gpkg: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory) -> GeoPackageStore:
    path = tmp_path_factory.mktemp("surfaces") / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    return GeoPackageStore(path)


def test_kriged_surface_with_probability_and_cross_validation(store: GeoPackageStore) -> None:
    surface = build_surface(
        store,
        SurfaceRequest(
            analyte="Lead",
            medium="soil",
            depth_top_m=0,
            depth_bottom_m=0.5,
            method="kriging",
            log_transform=True,
            threshold=800,
            cell_size_m=50,
        ),
    )
    assert surface.variogram["model"] == "spherical" and surface.variogram["range"] > 0
    assert surface.cv.n == len(surface.samples) >= 100
    assert surface.cv.rmse >= surface.cv.mae >= abs(surface.cv.bias)
    assert surface.probability is not None
    assert np.all((surface.probability >= 0) & (surface.probability <= 1))
    # where the estimate is far above the threshold, exceedance is near certain
    assert surface.probability[surface.estimate > 1500].min() > 0.5


def test_too_few_samples_for_kriging_says_how_many(store: GeoPackageStore) -> None:
    # surface water is sampled 0-0.3 m: an interval starting at 0.1 m selects no sample
    with pytest.raises(
        InsufficientDataError,
        match=r"needs at least 10 sampled locations; "
        r"the selection has 0",
    ):
        build_surface(
            store,
            SurfaceRequest(
                analyte="Lead", medium="surface_water", method="kriging", depth_top_m=0.1
            ),
        )


def test_geotiff_reads_back_with_crs_transform_nodata_and_tags(
    store: GeoPackageStore, tmp_path: Path
) -> None:
    surface = build_surface(
        store,
        SurfaceRequest(
            analyte="Benzene",
            medium="groundwater",
            method="kriging",
            log_transform=True,
            threshold=30,
            cell_size_m=100,
        ),
    )
    path = tmp_path / "benzene.tif"
    path.write_bytes(surface_to_cog(surface))
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32642
        assert src.transform == surface.grid.transform
        assert src.nodata == -9999
        assert src.count == 3 and src.descriptions[2].startswith("probability of exceeding 30")
        tags = src.tags()
        assert tags["analyte"] == "Benzene" and tags["unit"] == "ug/L"
        assert tags["method"] == "kriging" and tags["data"] == "SYNTHETIC"
        assert "spherical" in tags["variogram"] and float(tags["cv_rmse"]) > 0
        estimate = src.read(1)
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    outside = ~surface.grid.inside
    assert (estimate[outside] == -9999).all()
    assert estimate[surface.grid.inside] == pytest.approx(surface.estimate, rel=1e-6)
    with MemoryFile(surface_to_cog(surface)) as memory, memory.open() as again:
        assert again.read(1).shape == (surface.grid.height, surface.grid.width)


def test_krige_equals_pykrige_run_in_one_piece() -> None:
    from pykrige.ok import OrdinaryKriging

    from site_gis.surfaces import KrigingParams, krige

    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 3000, 200), rng.uniform(0, 3000, 200)
    z = np.cos(x / 600) * np.sin(y / 900) + rng.normal(0, 0.05, 200)
    gx, gy = rng.uniform(0, 3000, 1001), rng.uniform(0, 3000, 1001)
    estimate, variance, variogram, loo = krige(x, y, z, gx, gy, KrigingParams(neighbours=20))
    # pykrige run on the variogram fitted here (the fit itself is checked in test_variogram)
    given = {k: variogram[k] for k in ("psill", "range", "nugget")}
    model = OrdinaryKriging(x, y, z, variogram_model="spherical", variogram_parameters=given)
    expected, expected_var = model.execute("points", gx, gy, backend="C", n_closest_points=20)
    assert estimate == pytest.approx(np.asarray(expected), rel=1e-9, abs=1e-12)
    assert variance == pytest.approx(np.asarray(expected_var), rel=1e-9, abs=1e-12)
    assert variogram["model"] == "spherical" and len(loo) == 200


def test_all_equal_values_cannot_be_kriged(store: GeoPackageStore, tmp_path: Path) -> None:
    from datetime import date

    from site_gis.contamination import import_results

    copy = tmp_path / "deep.gpkg"
    shutil.copyfile(store.path, copy)
    deep = GeoPackageStore(copy)
    boreholes = deep.read(
        "sample_locations", where={"medium": "soil", "background": False}, limit=12
    )
    rows = "".join(
        f"DEEP-{i},{loc},soil,5,6,2026-10-01,Lead,ND,mg/kg,0.5,KarLab,EPA 6020B\n"
        for i, loc in enumerate(boreholes["location_id"])
    )
    header = (
        "sample_id,location_id,medium,depth_top_m,depth_bottom_m,sampled_on,analyte,"
        "value,unit,detection_limit,lab,method\n"
    )
    import_results(deep, (header + rows).encode(), actor="t", today=date(2026, 11, 26))
    request = SurfaceRequest(analyte="Lead", depth_top_m=5, depth_bottom_m=6, method="kriging")
    with pytest.raises(InsufficientDataError, match="is the same"):
        build_surface(deep, request)
    idw = build_surface(deep, request.model_copy(update={"method": "idw"}))
    assert np.nanmax(idw.estimate) == pytest.approx(0.25)  # half the detection limit


def test_web_mercator_copy_keeps_the_peak_where_pyproj_puts_it() -> None:
    from pyproj import Transformer

    from site_gis.surfaces import surface_to_web_mercator

    cell, (cx, cy) = 25.0, (335_000.0, 2_745_000.0)  # UTM 42N, near the PSM site
    grid = make_grid(box(cx - 3000, cy - 3000, cx + 3000, cy + 3000), cell, UTM)
    gx, gy = grid.centres()
    estimate = 1000.0 - np.hypot(gx - cx, gy - cy)
    surface = Surface(
        request=SurfaceRequest(analyte="Lead", cell_size_m=cell),
        analyte="Lead",
        unit="mg/kg",
        grid=grid,
        estimate=estimate,
        std=None,
        probability=None,
        samples=None,  # type: ignore[arg-type]
        cv=CrossValidation(0, 0, 0, 0),
    )
    values, (west, south, east, north) = surface_to_web_mercator(surface)
    row, col = np.unravel_index(np.nanargmax(values), values.shape)
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    (x0, x1), (y1, y0) = to_mercator.transform([west, east], [north, south])
    peak_x = x0 + (col + 0.5) * (x1 - x0) / values.shape[1]
    peak_y = y1 - (row + 0.5) * (y1 - y0) / values.shape[0]
    expected = Transformer.from_crs(UTM, 3857, always_xy=True).transform(cx, cy)
    scale = 1 / math.cos(math.radians(24.8))  # Web Mercator metres per ground metre
    assert math.dist((peak_x, peak_y), expected) <= 2 * cell * scale
    assert np.isnan(values[0, 0])  # outside the clip is transparent
    assert np.nanmax(values) == pytest.approx(1000.0, abs=cell)
