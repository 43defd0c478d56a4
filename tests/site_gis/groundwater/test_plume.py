"""Plume area, mean and mass on a fixture grid by hand; monsoon tests; the shipped plume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from site_gis.groundwater import PlumeParams, plume_diagnostics, well_redundancy
from site_gis.groundwater.plume import monsoon_differences, plume_metrics
from site_gis.store import Store


def test_plume_metrics_on_a_three_by_three_grid_by_hand() -> None:
    # 100 m cells; rows from the north: y = 250, 150, 50; columns x = 50, 150, 250
    values = np.array([[0, 10, 20], [30, 40, 50], [60, 70, 80]], dtype=float).ravel()
    gx = np.tile([50.0, 150.0, 250.0], 3)
    gy = np.repeat([250.0, 150.0, 50.0], 3)
    out = plume_metrics(
        values, gx, gy, cell_area_m2=1e4, level=35, porosity=0.2, saturated_thickness_m=5
    )
    # above 35: 40, 50, 60, 70, 80 -> 5 cells of 1 ha
    assert out["area_m2"] == 5e4 and out["area_ha"] == 5
    assert out["mean_in_plume"] == 60
    assert out["mean_over_grid"] == 40
    # water per cell 1e4 m2 x 5 m x 0.2 = 1e4 m3; ug/L = mg/m3; kg = sum(C) x 1e4 x 1e-6
    assert out["mass_kg"] == pytest.approx(360 * 1e4 * 1e-6)  # 3.6 kg
    assert out["plume_mass_kg"] == pytest.approx(300 * 1e4 * 1e-6)  # 3.0 kg
    # weighted centre of the plume cells: x = 52000 / 300, y = 24000 / 300
    assert out["centre_of_mass_xy"] == pytest.approx((173.3333333, 80.0))


def test_nan_cells_are_left_out_and_no_plume_gives_the_centre_of_all_cells() -> None:
    values = np.array([np.nan, 1.0, 3.0])
    out = plume_metrics(
        values,
        np.array([0.0, 10, 20]),
        np.zeros(3),
        cell_area_m2=100,
        level=5,
        porosity=0.3,
        saturated_thickness_m=2,
    )
    assert out["area_m2"] == 0 and out["mean_in_plume"] is None
    assert out["centre_of_mass_xy"] == pytest.approx((17.5, 0.0))  # (1*10 + 3*20) / 4
    assert "none above" in out["centre_of"]


def test_monsoon_differences_and_their_wilcoxon_tests() -> None:
    rows = []
    for well, lift in (("A", [1.0, 2.0, 3.0, 4.0]), ("B", [-1.0, 0.5, 2.0, 2.5])):
        for k, year in enumerate((2023, 2024, 2025, 2026)):
            rows.append((well, year, 5, 10.0))  # May: pre-monsoon
            rows.append((well, year, 8, 10.0 + lift[k]))  # August: monsoon
    values = pd.DataFrame(rows, columns=["location_id", "year", "month", "value"])
    out = monsoon_differences(values)
    a, b = out["wells"]
    assert a["median_difference"] == 2.5 and a["years"] == 4
    assert a["wilcoxon_p"] == pytest.approx(0.125)  # all four positive: 2 x 1/16
    assert b["median_difference"] == pytest.approx(1.25)
    # B: ranks of |d| 1, 0.5, 2, 2.5 -> 2, 1, 3, 4; negative rank sum 2: P(T <= 2) = 3/16
    assert b["wilcoxon_p"] == pytest.approx(2 * 3 / 16)
    assert out["network"]["wells"] == 2


def test_shipped_plume_over_sixteen_rounds(built_store: Store) -> None:
    params = PlumeParams(analyte="Benzene", level=30, cell_size_m=100)
    out = plume_diagnostics(built_store, params)
    rounds = out["rounds"]
    assert len(rounds) == 16 and rounds[0]["round"] == "2023-Q1"
    assert all(r["area_m2"] > 0 and r["mass_kg"] > r["plume_mass_kg"] > 0 for r in rounds)
    assert all("moved_m" in r for r in rounds[1:])
    # the generator's monsoon leaching: post-monsoon above pre-monsoon across the wells
    network = out["monsoon"]["network"]
    assert network["median_of_well_medians"] > 0 and network["wilcoxon_p"] < 0.05
    assert out["synthetic"] is True


def test_well_redundancy_ranks_every_well_of_the_round(built_store: Store) -> None:
    out = well_redundancy(built_store, PlumeParams(analyte="Benzene", level=30, cell_size_m=100))
    wells = out["wells"]
    assert out["round"] == "2026-Q4" and len(wells) == 36
    influence = [w["influence_pct"] for w in wells]
    assert influence == sorted(influence) and wells[0]["rank"] == 1
    assert all(w["influence_pct"] >= 0 for w in wells)
