"""The site: where coordinates lie against it."""

from __future__ import annotations

import math

import numpy as np

from site_gis.site import REGION_RADIUS_M, SiteInfo, place_near_site

SITE = SiteInfo("t", "Test site", "EPSG:32642", 67.35, 24.80, True, "test")


def test_points_are_measured_from_the_centre_and_flagged_far_or_swapped() -> None:
    lon = [67.35, 67.35, 24.80, 67.35, np.nan, 300_000.0]
    lat = [24.80, 25.80, 67.35, 24.90, 24.8, 2_700_000.0]
    placed = place_near_site(SITE, lon, lat)
    assert placed.distance_m[0] == 0
    # a degree of latitude near 25° N is about 110.7 km (meridian arc on WGS 84)
    assert 110_500 < placed.distance_m[1] < 110_900
    # a tenth of a degree: about 11.07 km, inside the 50 km region
    assert 11_000 < placed.distance_m[3] < 11_150
    assert placed.far.tolist() == [False, True, True, False, False, False]
    assert placed.swapped.tolist() == [False, False, True, False, False, False]
    assert math.isinf(placed.distance_m[4]) and math.isinf(placed.distance_m[5])
    assert REGION_RADIUS_M == 50_000


def test_the_radius_is_the_callers() -> None:
    placed = place_near_site(SITE, [67.35], [24.90], radius_m=10_000)
    assert placed.far.tolist() == [True] and placed.swapped.tolist() == [False]
