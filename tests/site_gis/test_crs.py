"""The CRS module: parsing, mismatches as errors, metric measurement."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from site_gis.crs import (
    geodesic_area_m2,
    parse_crs,
    require_crs,
    require_projected,
    require_same_crs,
    to_metric,
)
from site_gis.errors import CRSError


@pytest.mark.parametrize(
    ("value", "epsg", "expectation"),
    [
        (32642, 32642, nullcontext()),
        ("EPSG:32642", 32642, nullcontext()),
        ("http://www.opengis.net/def/crs/EPSG/0/32642", 32642, nullcontext()),
        (CRS.from_epsg(4326), 4326, nullcontext()),
        ("OGC:CRS84", None, nullcontext()),
        pytest.param(
            "EPSG:999999",
            None,
            pytest.raises(CRSError, match="expected an EPSG"),
            id="unknown-code",
        ),
        pytest.param("", None, pytest.raises(CRSError, match="no CRS given"), id="empty"),
        pytest.param(None, None, pytest.raises(CRSError, match="no CRS given"), id="none"),
    ],
)
def test_parse_crs(
    value: object, epsg: int | None, expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        crs = parse_crs(value)
        if epsg is not None:
            assert crs.to_epsg() == epsg


def _frame(crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"a": [1]}, geometry=[Point(67.35, 24.81)], crs=crs)


def test_mismatch_is_an_error_not_a_warning() -> None:
    wgs84, utm = _frame(4326), _frame(4326).to_crs(32642)
    assert require_same_crs(wgs84, _frame(4326)).to_epsg() == 4326
    with pytest.raises(CRSError, match=r"EPSG:32642 .* expected EPSG:4326"):
        require_same_crs(wgs84, utm)
    with pytest.raises(CRSError, match="has no CRS"):
        require_crs(_frame(None), 4326)


def test_measurement_needs_a_projected_metric_crs() -> None:
    with pytest.raises(CRSError, match="projected CRS in metres"):
        require_projected(_frame(4326))
    with pytest.raises(CRSError, match="projected CRS in metres"):
        require_projected(_frame(2229))  # California zone 5, US survey feet
    require_projected(to_metric(_frame(4326)))


def test_to_metric_puts_the_plant_point_where_the_facts_say() -> None:
    # DOMAIN_FACTS: plant point at UTM 42N E 333 475, N 2 744 912 (computed independently)
    plant = gpd.GeoDataFrame(geometry=[Point(67.352440, 24.809977)], crs=4326)
    point = to_metric(plant).geometry.iloc[0]
    assert point.x == pytest.approx(333_475, abs=5)
    assert point.y == pytest.approx(2_744_912, abs=5)


def test_geodesic_area_agrees_with_utm_area() -> None:
    cell = box(67.30, 24.78, 67.40, 24.84)
    utm = gpd.GeoSeries([cell], crs=4326).to_crs(32642).iloc[0]
    # UTM scale factor near 67.35 E is about 0.99994: areas agree to well under 0.1 %
    assert geodesic_area_m2(cell) == pytest.approx(utm.area, rel=1e-3)
