"""Receptors at risk, tested against every hotspot; bearings checked with pyproj.Geod.

Expected distances are worked out by hand on boxes whose nearest point is a known
edge or corner; expected azimuths come from ``pyproj.Geod`` on those points
transformed to lon/lat here, not from the code under test.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, box
from shapely.ops import nearest_points

from site_gis.crs import to_metric
from site_gis.errors import InvalidRequestError
from site_gis.store import Store
from site_gis.surfaces import (
    ReceptorParams,
    SurfaceRequest,
    build_surface,
    find_hotspots,
    receptors_at_risk,
)
from site_gis.surfaces.receptors import ON_HOTSPOT, hotspot_pairs

UTM = 32642
GEOD = Geod(ellps="WGS84")
TO_LONLAT = Transformer.from_crs(UTM, 4326, always_xy=True)


def _azimuth(start: tuple[float, float], end: tuple[float, float]) -> float:
    """Geodesic azimuth (degrees from true north) from one UTM 42N point to another."""
    lon1, lat1 = TO_LONLAT.transform(*start)
    lon2, lat2 = TO_LONLAT.transform(*end)
    forward, _, _ = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(forward % 360)


def _frame(ids: list[str], geoms: list, key: str = "hotspot_id") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({key: ids}, geometry=geoms, crs=UTM)


def test_receptors_at_risk_by_geometry() -> None:
    hotspots = _frame(["H-1"], [box(0, 0, 100, 100)])
    receptors = gpd.GeoDataFrame(
        {
            "receptor_id": ["near-east", "far-east", "far-north", "near-west"],
            "name": ["a", "b", "c", "d"],
        },
        geometry=[Point(600, 50), Point(3100, 50), Point(50, 3100), Point(-700, 50)],
        crs=UTM,
    )
    found = receptors_at_risk(hotspots, receptors, ReceptorParams(flow_azimuth_deg=90))
    rows = found.set_index("receptor_id")
    assert set(rows.index) == {"near-east", "far-east", "near-west"}
    assert rows.loc["near-east", "distance_m"] == pytest.approx(500)
    assert rows.loc["near-east", "direction"] == "E"
    assert bool(rows.loc["near-east", "within"]) and bool(rows.loc["near-east", "downgradient"])
    assert not rows.loc["far-east", "within"] and rows.loc["far-east", "downgradient"]
    assert rows.loc["near-west", "within"] and not rows.loc["near-west", "downgradient"]
    assert rows.loc["near-west", "direction"] == "W"
    assert set(found["flow_basis"]) == {ReceptorParams().flow_basis}


def test_a_receptor_near_two_hotspots_lists_both_with_geodesic_bearings() -> None:
    # UTM 42N near the PSM plant, ~1.65° west of the central meridian (grid north is not
    # true north there): the receptor R, hotspot A due west of it in grid terms, B to
    # the south-west whose nearest point is its north-east corner.
    r = (334_000.0, 2_745_000.0)
    a = box(332_800, 2_744_900, 333_000, 2_745_100)  # nearest point (333000, 2745000)
    b = box(333_000, 2_743_800, 333_400, 2_744_000)  # nearest point (333400, 2744000)
    hotspots = _frame(["A", "B"], [a, b])
    receptors = _frame(["R"], [Point(r)], key="receptor_id")
    bearing_a = _azimuth((333_000, 2_745_000), r)
    bearing_b = _azimuth((333_400, 2_744_000), r)
    assert 89 < bearing_a < 92 and 29 < bearing_b < 33  # ENE-ish vs NNE, as drawn
    params = ReceptorParams(
        within_m=1100,
        flow_azimuth_deg=30,
        half_angle_deg=30,
        flow_basis="SYNTHETIC test: planar fit of heads, round 0",
    )
    found = receptors_at_risk(hotspots, receptors, params)
    assert len(found) == 1
    row = found.iloc[0]
    listed = {h["hotspot_id"]: h for h in row["hotspots"]}
    assert row["hotspot_count"] == 2 and list(listed) == ["A", "B"]  # nearest first
    # A: 1,000 m (planar, by hand), near; bearing ≈ 90.7° is outside 30 ± 30°
    assert listed["A"]["distance_m"] == pytest.approx(1000, abs=0.01)
    assert listed["A"]["bearing_deg"] == pytest.approx(bearing_a, abs=0.01)
    assert listed["A"]["reasons"] == ["near"]
    # B: √(600² + 1000²) = 1,166.19 m, beyond 1,100 m but down-gradient of it
    assert listed["B"]["distance_m"] == pytest.approx(np.hypot(600, 1000), abs=0.01)
    assert listed["B"]["bearing_deg"] == pytest.approx(bearing_b, abs=0.01)
    assert listed["B"]["reasons"] == ["down-gradient"]
    # headline: the nearest hotspot at fault; the flags: any hotspot's
    assert row["hotspot_id"] == "A" and row["within"] and row["downgradient"]
    assert row["flow_basis"] == "SYNTHETIC test: planar fit of heads, round 0"
    # the planar distance agrees with the geodesic one to the UTM scale factor (< 0.1 %)
    lon1, lat1 = TO_LONLAT.transform(333_400, 2_744_000)
    lon2, lat2 = TO_LONLAT.transform(*r)
    _, _, geodesic = GEOD.inv(lon1, lat1, lon2, lat2)
    assert listed["B"]["distance_m"] == pytest.approx(geodesic, rel=1e-3)


def test_a_receptor_inside_a_hotspot_is_on_it_with_no_bearing() -> None:
    hotspots = _frame(["H-1", "H-2"], [box(0, 0, 100, 100), box(-900, 0, -800, 100)])
    receptors = _frame(["in"], [Point(50, 50)], key="receptor_id")
    found = receptors_at_risk(hotspots, receptors, ReceptorParams())
    row = found.iloc[0]
    assert row["on_hotspot"] and row["distance_m"] == 0
    assert np.isnan(row["bearing_deg"]) and row["direction"] == ON_HOTSPOT
    assert row["hotspots"][0] == {
        "hotspot_id": "H-1",
        "distance_m": 0.0,
        "bearing_deg": None,
        "direction": ON_HOTSPOT,
        "reasons": ["on hotspot"],
    }
    # H-2 lies 850 m to the west: the receptor is near it and east (down-gradient) of it
    assert row["hotspots"][1]["hotspot_id"] == "H-2"
    assert row["hotspots"][1]["reasons"] == ["near", "down-gradient"]


def test_too_many_pairs_are_refused() -> None:
    hotspots = _frame(["H-1"], [box(0, 0, 1, 1)])
    receptors = _frame([f"R{i}" for i in range(3)], [Point(i, 5) for i in range(3)], "receptor_id")
    with pytest.raises(InvalidRequestError, match="pairs; the limit is"):
        import site_gis.surfaces.receptors as module

        limit, module.MAX_PAIRS = module.MAX_PAIRS, 2
        try:
            hotspot_pairs(hotspots, receptors, ReceptorParams())
        finally:
            module.MAX_PAIRS = limit


def test_well_e4_is_down_gradient_of_a_hotspot_that_is_not_its_nearest(
    demo_gpkg: Store,
) -> None:
    """On the demo (SYNTHETIC): benzene in groundwater above 10 µg/L, flow 90° ± 30°.

    Well E4 (R-13) is nearest to a hotspot to its south-west (bearing about 45°, out of
    the sector), and about 1.3 km from another at about 62° (in it): it is at risk.
    """
    surface = build_surface(demo_gpkg, SurfaceRequest(analyte="Benzene", medium="groundwater"))
    hotspots = find_hotspots(surface, 10, demo_gpkg.read("eia_zones"))
    well = to_metric(demo_gpkg.read("receptors"), UTM).set_index("receptor_id").loc["R-13"]
    point = well.geometry
    expected = {}
    for hotspot_id, geom in zip(hotspots["hotspot_id"], hotspots.geometry, strict=True):
        start = nearest_points(geom, point)[0]
        distance = float(shapely.distance(geom, point))
        bearing = _azimuth((start.x, start.y), (point.x, point.y))
        off = abs((bearing - 90 + 180) % 360 - 180)
        if distance <= 1000 or (off <= 30 and distance <= 5000):
            expected[hotspot_id] = (distance, bearing)
    nearest = hotspots.geometry.distance(point).idxmin()
    assert hotspots.loc[nearest, "hotspot_id"] not in expected  # the old test missed it
    found = receptors_at_risk(hotspots, demo_gpkg.read("receptors"), ReceptorParams())
    row = found.set_index("receptor_id").loc["R-13"]
    assert row["downgradient"] and not row["within"]
    listed = {h["hotspot_id"]: h for h in row["hotspots"]}
    assert set(listed) == set(expected)
    for hotspot_id, (distance, bearing) in expected.items():
        assert listed[hotspot_id]["distance_m"] == pytest.approx(distance, abs=0.01)
        assert listed[hotspot_id]["bearing_deg"] == pytest.approx(bearing, abs=0.01)
    first = min(expected.values())
    assert 1250 < first[0] < 1350 and 60 <= first[1] <= 70  # about 1.3 km at about 62°
