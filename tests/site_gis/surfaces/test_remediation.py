"""Remediation costs by hand, in a stated unit and price year; zonal statistics.

Expected costs are worked out here from the literal figures of the shipped tables
(``site_gis/reference/remediation_costs.csv`` and ``cost_index.csv``) and the exact
unit definitions, not from the code under test.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box

from site_gis.errors import InvalidRequestError, ValidationError
from site_gis.surfaces import cost_index, estimate_remediation, unit_costs, zonal_statistics

UTM = 32642
SHORT_TON = 0.90718474  # t, by definition (2,000 lb × 0.45359237 kg)
CPI = {
    1986: 109.6,
    1993: 144.5,
    2000: 172.2,
    2006: 201.6,
    2016: 240.01,
    2023: 304.702,
    2024: 313.689,
}
"""CPI-U annual averages as written in site_gis/reference/cost_index.csv."""


def _hotspot(zone: str | None = "blast_furnace_yard") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hotspot_id": ["H-001"], "kind": ["exceeds"], "zone_id": [zone]},
        geometry=[box(0, 0, 100, 100)],
        crs=UTM,
    )  # 1 ha


def test_volume_tonnage_and_cost_by_hand_in_a_stated_price_year() -> None:
    rows = estimate_remediation(
        _hotspot(),
        medium="soil",
        depth_m=0.5,
        density_t_m3=1.7,
        costs=unit_costs(),
        price_year=2023,
    ).set_index("technology")
    # 10,000 m² × 0.5 m = 5,000 m³; × 1.7 t/m³ = 8,500 t = 8,500 / 0.90718474 short tons
    excavation = rows.loc["excavation_disposal"]
    assert excavation["volume_m3"] == pytest.approx(5000)
    assert excavation["tonnes"] == pytest.approx(8500)
    short_tons = 8500 / SHORT_TON
    assert excavation["short_tons"] == pytest.approx(short_tons)
    # $50 / $65 / $80 per short ton, an undated source escalated from 2000 to 2023
    factor = CPI[2023] / CPI[2000]
    assert excavation["escalation_factor"] == pytest.approx(factor)
    assert [excavation[c] for c in ("cost_low", "cost_central", "cost_high")] == pytest.approx(
        [short_tons * 50 * factor, short_tons * 65 * factor, short_tons * 80 * factor]
    )
    # the original rate stays beside the converted one
    assert excavation["rate_unit"] == "USD/short ton" and excavation["rate_central"] == 65
    assert excavation["unit_rate_central"] == pytest.approx(65 / SHORT_TON * factor)
    assert excavation["rate_basis"] == "per_tonne" and excavation["price_year"] == 2023
    # stabilisation / solidification: $38.60 per short ton in 1986
    assert rows.loc["stabilisation_solidification", "cost_central"] == pytest.approx(
        short_tons * 38.60 * CPI[2023] / CPI[1986]
    )
    assert rows.loc["stabilisation_solidification", "rate_price_year"] == "1986"
    # soil washing by volume: $97.5 per yd³ (2006): 5,000 m³ = 5,000 / 0.764554857984 yd³
    assert rows.loc["soil_washing_by_volume", "rate_basis"] == "per_m3"
    assert rows.loc["soil_washing_by_volume", "cost_central"] == pytest.approx(
        5000 / 0.764554857984 * 97.5 * CPI[2023] / CPI[2006]
    )
    # hazardous-waste disposal is there, with its source, flagged as not verified
    assert rows.loc["hazardous_waste_disposal", "rate_source"].startswith("https://")
    assert not rows.loc["hazardous_waste_disposal", "rate_verified"]
    # capping has no published rate: no cost is invented
    assert pd.isna(rows.loc["capping", "cost_central"])
    assert "dredging" not in rows.index


def test_the_default_price_year_is_the_latest_of_the_index() -> None:
    rows = estimate_remediation(
        _hotspot(), medium="soil", depth_m=0.5, density_t_m3=1.7, costs=unit_costs()
    ).set_index("technology")
    assert set(rows["price_year"]) == {2024}
    assert not rows["price_year_verified"].any()  # the 2024 average is marked to verify
    assert rows.loc["soil_washing", "cost_central"] == pytest.approx(
        8500 / SHORT_TON * 200 * CPI[2024] / CPI[1993]
    )


def test_sediment_is_costed_as_dredging_per_cubic_metre() -> None:
    rows = estimate_remediation(
        _hotspot("water_discharge_canals"),
        medium="sediment",
        depth_m=0.5,
        density_t_m3=1.7,
        costs=unit_costs(),
        price_year=2023,
    )
    assert list(rows["technology"]) == ["dredging"]
    # 5,000 m³ × $5 / $12.5 / $20 (c. 2016) × I(2023) / I(2016)
    factor = CPI[2023] / CPI[2016]
    assert rows[["cost_low", "cost_central", "cost_high"]].iloc[0].tolist() == pytest.approx(
        [5000 * 5 * factor, 5000 * 12.5 * factor, 5000 * 20 * factor]
    )


def _index() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "index": ["SYNTHETIC test index"] * 2,
            "year": [2000, 2010],
            "value": [100.0, 150.0],
            "base": ["2000=100"] * 2,
            "verified": [True, True],
            "source_url": ["SYNTHETIC"] * 2,
            "note": ["SYNTHETIC"] * 2,
        }
    )


def _yd3_rate() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "technology": "haul",
                "applies_to": "soil",
                "unit": "yd3",
                "low": 8,
                "central": 10,
                "high": 12,
                "currency": "USD",
                "price_year": "2000",
                "index_year": 2000,
                "verified": True,
                "source_url": "SYNTHETIC",
                "note": "SYNTHETIC rate",
            }
        ]
    )


def test_a_cubic_yard_rate_is_converted_once_and_escalated_by_a_given_index() -> None:
    index, costs = cost_index(_index()), unit_costs(_yd3_rate())
    common = dict(medium="soil", depth_m=0.5, density_t_m3=1.7, index=index)
    rows = estimate_remediation(_hotspot(), costs=costs, **common)  # type: ignore[arg-type]
    # $10 per yd³ = 10 / 0.764554857984 per m³; × 150 / 100; × 5,000 m³
    assert rows["price_year"].iloc[0] == 2010
    assert rows["cost_central"].iloc[0] == pytest.approx(5000 * 10 / 0.764554857984 * 1.5)
    with pytest.raises(InvalidRequestError, match="it holds 2000, 2010"):
        estimate_remediation(_hotspot(), costs=costs, price_year=2005, **common)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cannot be escalated") as caught:
        estimate_remediation(_hotspot(), costs=costs.assign(index_year=1999), **common)  # type: ignore[arg-type]
    assert (caught.value.problems[0].row, caught.value.problems[0].field) == ("haul", "index_year")


def test_a_bad_unit_cost_table_is_refused() -> None:
    table = unit_costs().copy()
    table.loc[0, "low"] = -5
    table.loc[1, "unit"] = "bucket"
    with pytest.raises(ValidationError) as caught:
        unit_costs(table)
    assert {(p.row, p.field) for p in caught.value.problems} == {
        ("excavation_disposal", "low/central/high"),
        ("hazardous_waste_disposal", "unit"),
    }
    with pytest.raises(ValidationError, match="required column is missing"):
        unit_costs(table.drop(columns=["index_year"]))


def test_a_bad_index_table_is_refused() -> None:
    table = cost_index().copy()
    table.loc[1, "year"] = table.loc[0, "year"]
    table.loc[2, "value"] = -1
    with pytest.raises(ValidationError) as caught:
        cost_index(table)
    fields = {(p.row, p.field) for p in caught.value.problems}
    assert ("1986", "year") in fields and ("1993", "value") in fields


def test_the_shipped_tables_state_units_sources_and_checks() -> None:
    costs, index = unit_costs(), cost_index()
    assert set(costs["unit"]) <= {"short_ton", "tonne", "yd3", "m3", "m2"}
    assert costs["source_url"].str.startswith("http").all()
    assert index["source_url"].str.startswith("http").all()
    assert index["year"].is_monotonic_increasing and (index["value"] > 0).all()
    assert dict(zip(index["year"], index["value"], strict=True)).items() >= CPI.items()
    priced = costs.dropna(subset=["central"])  # each escalates from a year the index holds
    assert set(priced["index_year"].astype(int)) <= set(index["year"])


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
