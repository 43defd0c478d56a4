"""Depth-aware remediation volumes by hand on a three-location fixture (SYNTHETIC).

Three sampled locations A, B, C sit at the centres of three 10 m cells in a row
(EPSG:32642), each sampled at 0–0.5, 0.5–1.5 and 1.5–3 m.  IDW at a cell centre
that is a sample takes its value, so each cell holds its location's value and the
dig depths and volumes can be worked out by hand (cleanup level 800 mg/kg):

====  =======  =========  =======  ==============  ===========================
cell  0–0.5 m  0.5–1.5 m  1.5–3 m  deepest exceed  volume (100 m² × depth)
====  =======  =========  =======  ==============  ===========================
A     1200     300        100      0.5 m           50 m³  (0–0.5: 50)
B     900      1000       200      1.5 m           150 m³ (0–0.5: 50, 0.5–1.5: 100)
C     100      200        850      3.0 m           300 m³ (50, 100, 1.5–3: 150)
====  =======  =========  =======  ==============  ===========================

Total 500 m³: 150 m³ in 0–0.5 m, 200 m³ in 0.5–1.5 m, 150 m³ in 1.5–3 m.  The
former estimate (each location's maximum over 0–3 m, dug 0.5 m) gave 150 m³.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import Point

from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.processes import PROCESSES
from site_gis.store import GeoPackageStore, Store
from site_gis.surfaces import (
    DepthColumn,
    IdwParams,
    Surface,
    SurfaceBudget,
    SurfaceRequest,
    build_depth_column,
    build_surface,
    depth_volumes,
    estimate_remediation,
    interpolate_idw,
    unit_costs,
    volume_by_interval,
)
from site_gis.surfaces.depths import DepthInterval, checked_intervals, sampled_intervals
from site_gis.surfaces.grid import Grid
from site_gis.surfaces.interpolation import CrossValidation

UTM = CRS.from_epsg(32642)
X0, Y0 = 333_000.0, 2_745_000.0
VALUES = {  # mg/kg per interval, SYNTHETIC
    (0.0, 0.5): [1200.0, 900.0, 100.0],
    (0.5, 1.5): [300.0, 1000.0, 200.0],
    (1.5, 3.0): [100.0, 200.0, 850.0],
}
NO_ZONES = gpd.GeoDataFrame({"zone_id": []}, geometry=[], crs=UTM)


def _surface(interval: tuple[float, float]) -> Surface:
    grid = Grid(Affine(10, 0, X0, 0, -10, Y0), 3, 1, UTM, np.ones((1, 3), dtype=bool))
    gx, gy = grid.centres()
    z = np.array(VALUES[interval])
    samples = gpd.GeoDataFrame(
        {"location_id": ["A", "B", "C"], "value": z},
        geometry=[Point(x, y) for x, y in zip(gx, gy, strict=True)],
        crs=UTM,
    )
    estimate = interpolate_idw(gx, gy, z, gx, gy, IdwParams())
    request = SurfaceRequest(analyte="Lead", depth_top_m=interval[0], depth_bottom_m=interval[1])
    return Surface(
        request=request,
        analyte="Lead",
        unit="mg/kg",
        grid=grid,
        estimate=estimate,
        std=None,
        probability=None,
        samples=samples,
        cv=CrossValidation(3, 0.0, 0.0, 0.0),
        synthetic=True,
        depth_intervals=(interval,),
    )


def _column(*intervals: tuple[float, float]) -> DepthColumn:
    chosen = intervals or tuple(VALUES)
    return DepthColumn([DepthInterval(*i) for i in chosen], [_surface(i) for i in chosen])


def _slices(result) -> dict[str, float]:  # type: ignore[no-untyped-def]
    table = volume_by_interval(result.by_interval)
    return dict(zip(table["interval"], table["volume_m3"], strict=True))


def test_each_cell_is_dug_to_the_bottom_of_its_deepest_exceeding_interval() -> None:
    result = depth_volumes(_column(), 800, NO_ZONES)
    assert len(result.hotspots) == 1  # the three cells touch: one footprint
    hotspot = result.hotspots.iloc[0]
    assert hotspot["area_m2"] == pytest.approx(300)
    assert hotspot["volume_m3"] == pytest.approx(50 + 150 + 300)
    assert hotspot["max_dig_depth_m"] == pytest.approx(3.0)
    assert hotspot["mean_dig_depth_m"] == pytest.approx(500 / 300)
    assert hotspot["max_value"] == pytest.approx(1200)
    assert _slices(result) == pytest.approx({"0–0.5 m": 150, "0.5–1.5 m": 200, "1.5–3 m": 150})
    assert (
        "deepest sampled interval" in result.basis and "0–0.5 m, 0.5–1.5 m, 1.5–3 m" in result.basis
    )


def test_an_interval_below_the_surface_is_dug_from_the_ground_surface() -> None:
    result = depth_volumes(_column((0.5, 1.5)), 800, NO_ZONES)
    # only B exceeds in 0.5–1.5 m: dug 0–1.5 m (150 m³), not 1.0 m (100 m³)
    assert result.hotspots["area_m2"].sum() == pytest.approx(100)
    assert result.hotspots["volume_m3"].sum() == pytest.approx(150)
    assert _slices(result) == pytest.approx(
        {"0–0.5 m (not in the selected intervals)": 50, "0.5–1.5 m": 100}
    )


def test_a_maximum_depth_caps_the_dig_and_reports_what_it_leaves() -> None:
    result = depth_volumes(_column(), 800, NO_ZONES, max_depth_m=1.0)
    # A 0.5 m (50), B 1.0 m (100), C 1.0 m (100); B and C exceed deeper: 200 m² left
    assert result.hotspots["volume_m3"].sum() == pytest.approx(250)
    assert result.left_below_m2 == pytest.approx(200)
    assert _slices(result) == pytest.approx({"0–0.5 m": 150, "0.5–1 m": 100})
    assert "max_depth_m = 1 m" in result.basis and "200 m²" in result.basis


def test_a_fixed_depth_digs_the_whole_footprint_to_it() -> None:
    result = depth_volumes(_column(), 800, NO_ZONES, depth_m=0.5)
    assert result.hotspots["volume_m3"].sum() == pytest.approx(150)
    assert result.basis.startswith("fixed depth")


def test_nothing_above_the_level_gives_no_volume() -> None:
    result = depth_volumes(_column(), 5000, NO_ZONES)
    assert result.hotspots.empty and result.by_interval.empty


def test_depth_volumes_are_costed_by_hotspot() -> None:
    result = depth_volumes(_column(), 800, NO_ZONES)
    rows = estimate_remediation(
        result.hotspots, medium="soil", density_t_m3=1.5, costs=unit_costs(), price_year=2023
    ).set_index("technology")
    assert rows.loc["excavation_disposal", "volume_m3"] == pytest.approx(500)
    assert rows.loc["excavation_disposal", "tonnes"] == pytest.approx(750)
    assert rows.loc["excavation_disposal", "max_dig_depth_m"] == pytest.approx(3.0)
    assert rows.loc["excavation_disposal", "mean_dig_depth_m"] == pytest.approx(500 / 300)


def test_the_demo_column_has_a_surface_per_interval_and_says_its_basis(demo_gpkg: Store) -> None:
    request = SurfaceRequest(analyte="Lead", medium="soil", cell_size_m=100)
    column = build_depth_column(demo_gpkg, request)
    assert [i.label for i in column.intervals] == ["0–0.5 m", "0.5–1.5 m", "1.5–3 m"]
    assert [s.tags()["depth_basis"] for s in column.surfaces] == [
        "the sampled interval 0–0.5 m below ground",
        "the sampled interval 0.5–1.5 m below ground",
        "the sampled interval 1.5–3 m below ground",
    ]
    # a surface of no interval says it is each location's highest value over all of them
    mixed = build_surface(demo_gpkg, request).tags()["depth_basis"]
    assert mixed.startswith("no depth interval given: each location's highest value")
    assert "0–0.5 m, 0.5–1.5 m, 1.5–3 m" in mixed
    one = SurfaceRequest(analyte="Lead", depth_top_m=0.5, depth_bottom_m=3, cell_size_m=100)
    assert [i.label for i in sampled_intervals(demo_gpkg, one)] == ["0.5–1.5 m", "1.5–3 m"]
    with pytest.raises(InsufficientDataError, match="within the depth selection"):
        sampled_intervals(
            demo_gpkg, one.model_copy(update={"depth_top_m": 0.6, "depth_bottom_m": 1.4})
        )


def test_each_interval_surface_is_held_to_the_budget(demo_gpkg: Store) -> None:
    request = SurfaceRequest(analyte="Lead", medium="soil", cell_size_m=100)
    with pytest.raises(InvalidRequestError, match="the limit is 1,000"):
        build_depth_column(demo_gpkg, request, budget=SurfaceBudget(max_cells=1000))
    finish = PROCESSES["remediation-estimate"].finish_within(SurfaceBudget(max_cells=1000))
    assert finish.keywords == {"budget": SurfaceBudget(max_cells=1000)}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([(0, 1), (0.5, 1.5)], "0–1 m and 0.5–1.5 m overlap"),
        ([(i, i + 1) for i in range(9)], "9 depth intervals; the limit is 8"),
    ],
)
def test_overlapping_or_too_many_intervals_are_refused(
    pairs: list[tuple[float, float]], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        checked_intervals([DepthInterval(t, b) for t, b in pairs])
    assert checked_intervals([DepthInterval(0, 0.5), DepthInterval(0.5, 1.5)])


def test_three_imported_boreholes_through_the_store_by_hand(
    demo_gpkg: GeoPackageStore, tmp_path: Path
) -> None:
    """Three demo boreholes given SYNTHETIC Lead at 5–6, 6–7 and 7–8 m: 100, 1000 and 100
    mg/kg at each.  IDW of a constant is that constant, so every cell exceeds 800 in
    6–7 m only and is dug from the ground surface to 7 m: volume = 7 × area, of which
    5 × area lies above the selected intervals, 1 × area in 5–6 m and 1 × area in 6–7 m."""
    from datetime import date

    from site_gis.contamination import import_results

    copy = tmp_path / "deep.gpkg"
    shutil.copyfile(demo_gpkg.path, copy)
    deep = GeoPackageStore(copy)
    boreholes = deep.read(
        "sample_locations", where={"medium": "soil", "background": False}, limit=3
    )
    rows = "".join(
        f"DEEP-{i}-{top},{loc},soil,{top},{top + 1},2026-10-01,Lead,{value},mg/kg,0.5,KarLab,"
        "EPA 6020B\n"
        for i, loc in enumerate(boreholes["location_id"])
        for top, value in ((5, 100), (6, 1000), (7, 100))
    )
    header = (
        "sample_id,location_id,medium,depth_top_m,depth_bottom_m,sampled_on,analyte,"
        "value,unit,detection_limit,lab,method\n"
    )
    import_results(deep, (header + rows).encode(), actor="t", today=date(2026, 11, 26))
    request = SurfaceRequest(analyte="Lead", depth_top_m=5, depth_bottom_m=8, cell_size_m=200)
    column = build_depth_column(deep, request)
    assert [i.label for i in column.intervals] == ["5–6 m", "6–7 m", "7–8 m"]
    result = depth_volumes(column, 800, deep.read("eia_zones"))
    area = result.hotspots["area_m2"].sum()
    assert area > 0
    assert result.hotspots["volume_m3"].sum() == pytest.approx(7 * area)
    assert _slices(result) == pytest.approx(
        {
            "0–5 m (not in the selected intervals)": 5 * area,
            "5–6 m": area,
            "6–7 m": area,
        }
    )
