"""Remediation volumes and costs by hand; receptors at risk by geometry; zonal statistics."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from site_gis.errors import ValidationError
from site_gis.surfaces import (
    ReceptorParams,
    estimate_remediation,
    receptors_at_risk,
    unit_costs,
    zonal_statistics,
)

UTM = 32642


def _hotspot(zone: str | None = "blast_furnace_yard") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hotspot_id": ["H-001"], "kind": ["exceeds"], "zone_id": [zone]},
        geometry=[box(0, 0, 100, 100)],
        crs=UTM,
    )  # 1 ha


def test_volume_tonnage_and_cost_by_hand() -> None:
    rows = estimate_remediation(
        _hotspot(), medium="soil", depth_m=0.5, density_t_m3=1.7, costs=unit_costs()
    ).set_index("technology")
    # 10,000 m² × 0.5 m = 5,000 m³; × 1.7 t/m³ = 8,500 t
    assert rows.loc["excavation_disposal", "volume_m3"] == pytest.approx(5000)
    assert rows.loc["excavation_disposal", "tonnes"] == pytest.approx(8500)
    # excavation and disposal: $50 / $65 / $80 per tonne
    assert rows.loc[
        "excavation_disposal", ["cost_low", "cost_central", "cost_high"]
    ].tolist() == pytest.approx([425_000, 552_500, 680_000])
    # stabilisation / solidification: $32.28 / $38.60 / $48.40 per tonne (1986)
    assert rows.loc["stabilisation_solidification", "cost_central"] == pytest.approx(328_100)
    assert rows.loc["stabilisation_solidification", "price_year"] == "1986"
    # capping has no published rate: no cost is invented
    assert pd.isna(rows.loc["capping", "cost_central"])
    assert "dredging" not in rows.index


def test_sediment_is_costed_as_dredging_per_cubic_metre() -> None:
    rows = estimate_remediation(
        _hotspot("water_discharge_canals"),
        medium="sediment",
        depth_m=0.5,
        density_t_m3=1.7,
        costs=unit_costs(),
    )
    assert list(rows["technology"]) == ["dredging"]
    # 5,000 m³ × $5 / $12.5 / $20
    assert rows[["cost_low", "cost_central", "cost_high"]].iloc[0].tolist() == pytest.approx(
        [25_000, 62_500, 100_000]
    )


def test_a_bad_unit_cost_table_is_refused() -> None:
    table = unit_costs().copy()
    table.loc[0, "low"] = -5
    table.loc[1, "basis"] = "per_bucket"
    with pytest.raises(ValidationError) as caught:
        unit_costs(table)
    assert {p.row for p in caught.value.problems} == {
        "excavation_disposal",
        "stabilisation_solidification",
    }
    with pytest.raises(ValidationError, match="required column is missing"):
        unit_costs(table.drop(columns=["price_year"]))


def test_receptors_at_risk_by_geometry() -> None:
    hotspots = gpd.GeoDataFrame({"hotspot_id": ["H-1"]}, geometry=[box(0, 0, 100, 100)], crs=UTM)
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
    assert rows.loc["near-east", "bearing_deg"] == pytest.approx(90)
    assert rows.loc["near-east", "direction"] == "E"
    assert bool(rows.loc["near-east", "within"]) and bool(rows.loc["near-east", "downgradient"])
    assert not rows.loc["far-east", "within"] and rows.loc["far-east", "downgradient"]
    assert rows.loc["near-west", "within"] and not rows.loc["near-west", "downgradient"]
    assert rows.loc["near-west", "direction"] == "W"


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # inside rasterstats/affine
def test_zonal_statistics_match_rasterstats() -> None:
    from rasterstats import zonal_stats

    rng = np.random.default_rng(9)
    raster = rng.uniform(0, 100, (200, 300)).astype("float64")
    raster[50:60, 50:60] = -9999
    transform = Affine(10, 0, 0, 0, -10, 2000)
    polygons = [
        box(x, y, x + 470, y + 330) for x in (0, 500, 1000, 1500, 2500) for y in (0, 600, 1200)
    ]
    ours = zonal_statistics(raster, transform, polygons, nodata=-9999)
    theirs = pd.DataFrame(
        zonal_stats(
            polygons,
            raster,
            affine=transform,
            nodata=-9999,
            stats=["count", "min", "max", "mean", "sum"],
        )
    )
    for column in ("count", "min", "max", "mean", "sum"):
        assert ours[column].to_numpy() == pytest.approx(theirs[column].to_numpy()), column
