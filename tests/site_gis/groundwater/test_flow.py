"""Hydraulic gradient and flow direction: planted planes of heads, and the shipped heads."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from site_gis.errors import InsufficientDataError
from site_gis.groundwater import fit_plane, flow_by_round, flow_direction, triangle_gradients
from site_gis.store import Store


def test_three_wells_on_a_planted_plane() -> None:
    # h = 10 - 0.001 x + 0.001 y: grad h = (-0.001, 0.001), flow -grad = (0.001, -0.001): SE
    x = np.array([0.0, 1000.0, 0.0])
    y = np.array([0.0, 0.0, 1000.0])
    head = 10 - 0.001 * x + 0.001 * y  # 10, 9, 11
    plane = fit_plane(x, y, head)
    assert plane["gradient"] == pytest.approx(math.sqrt(2) * 0.001)
    assert plane["azimuth_deg"] == pytest.approx(135.0)
    assert plane["residuals_m"] == pytest.approx([0, 0, 0], abs=1e-9)
    (tri,) = triangle_gradients(x, y, head).to_dict("records")
    assert tri["gradient"] == pytest.approx(math.sqrt(2) * 0.001)
    assert tri["azimuth_deg"] == pytest.approx(135.0)
    assert tri["area_m2"] == pytest.approx(500_000.0)


def test_plane_fit_residuals_and_r2_by_hand() -> None:
    # a plane falling 0.002 m/m to the east (flow 90 deg) with one well 0.1 m high
    x = np.array([0.0, 1000.0, 0.0, 1000.0])
    y = np.array([0.0, 0.0, 1000.0, 1000.0])
    head = 5 - 0.002 * x + np.array([0.0, 0.0, 0.0, 0.1])
    plane = fit_plane(x, y, head)
    # on a square the residuals lie along (1, -1, -1, 1): 0.1 x (1, -1, -1, 1) / 4
    assert plane["residuals_m"] == pytest.approx([0.025, -0.025, -0.025, 0.025])
    total = ((head - head.mean()) ** 2).sum()
    assert plane["r2"] == pytest.approx(1 - 4 * 0.025**2 / total)
    # fitted plane: dh/dx = -0.002 + 0.05/1000, dh/dy = 0.05/1000
    assert plane["dh_dx"] == pytest.approx(-0.00195)
    assert plane["dh_dy"] == pytest.approx(0.00005)
    assert plane["azimuth_deg"] == pytest.approx(math.degrees(math.atan2(0.00195, -0.00005)))


def test_wells_on_a_line_fit_no_plane() -> None:
    with pytest.raises(InsufficientDataError, match="one line"):
        fit_plane(np.array([0.0, 1, 2]), np.array([0.0, 1, 2]), np.array([1.0, 2, 3]))


def test_flow_by_round_uses_each_wells_mean_head() -> None:
    heads = pd.DataFrame(
        {
            "round": ["2026-Q1"] * 4,
            "location_id": ["A", "A", "B", "C"],
            "head_m": [9.9, 10.1, 9.0, 11.0],
            "x": [0.0, 0.0, 1000.0, 0.0],
            "y": [0.0, 0.0, 0.0, 1000.0],
        }
    )
    (entry,) = flow_by_round(heads)
    assert entry["wells"] == 3
    assert entry["plane"]["azimuth_deg"] == pytest.approx(135.0)
    assert entry["triangles"]["count"] == 1


def test_flow_direction_from_the_shipped_heads(built_store: Store) -> None:
    azimuth, gradient, basis = flow_direction(built_store)
    # the generator's planted water table: 0.8 m/km towards 95 deg (plus 3 cm noise)
    assert azimuth == pytest.approx(95.0, abs=1.5)
    assert gradient == pytest.approx(0.0008, rel=0.05)
    assert "2026-Q4" in basis and "SYNTHETIC" in basis and "R²" in basis
