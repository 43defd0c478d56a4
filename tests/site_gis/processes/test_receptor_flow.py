"""Receptors are judged by the flow fitted from the heads, or by the azimuth stated.

The expected direction is an independent least-squares plane through the shipped
heads of the latest round (numpy, pyproj), not the code under test.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from site_gis.processes.catalogue import _with_flow
from site_gis.store import GeoPackageStore
from site_gis.surfaces import ReceptorParams
from tests.conftest import LAYERS

UTM = Transformer.from_crs(4326, 32642, always_xy=True)


def _planted_azimuth() -> tuple[float, float]:
    heads = pd.read_csv(LAYERS / "groundwater_heads.csv", parse_dates=["measured_on"])
    latest = heads[
        heads["measured_on"].dt.to_period("Q") == heads["measured_on"].max().to_period("Q")
    ]
    wells = {
        f["properties"]["location_id"]: f["geometry"]["coordinates"]
        for f in json.loads((LAYERS / "sample_locations.geojson").read_text())["features"]
    }
    lon, lat = np.array([wells[w] for w in latest["location_id"]]).T
    x, y = UTM.transform(lon, lat)
    design = np.column_stack([np.ones_like(x), x, y])
    (_, b, c), *_ = np.linalg.lstsq(design, latest["head_m"].to_numpy(), rcond=None)
    azimuth = math.degrees(math.atan2(-b, -c)) % 360  # down the slope, from grid north
    return azimuth, math.hypot(b, c)


def test_the_flow_is_fitted_from_the_latest_heads(demo_gpkg: GeoPackageStore) -> None:
    azimuth, gradient = _planted_azimuth()
    params, fitted = _with_flow(demo_gpkg, ReceptorParams())
    # grid north and true north differ by the meridian convergence (under 1° on the site)
    assert params.flow_azimuth_deg == pytest.approx(azimuth, abs=1.0)
    assert fitted == pytest.approx(gradient, rel=0.01)
    assert "planar least-squares fit of the heads" in params.flow_basis


def test_a_stated_azimuth_is_kept_as_given(demo_gpkg: GeoPackageStore) -> None:
    stated = ReceptorParams(flow_from="stated", flow_azimuth_deg=90.0)
    params, fitted = _with_flow(demo_gpkg, stated)
    assert params == stated and fitted is None
