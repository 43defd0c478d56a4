"""Unit conversion to the canonical unit of each medium (factors worked out by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from site_gis.contamination.units import conversion_factors


@pytest.mark.parametrize(
    ("unit", "medium", "is_ph", "factor"),
    [
        ("mg/kg", "soil", False, 1.0),
        ("µg/kg", "soil", False, 0.001),  # 1 µg/kg = 0.001 mg/kg
        ("ug/kg", "sediment", False, 0.001),
        ("μg/kg", "soil", False, 0.001),  # Greek mu, as some software writes it
        ("ppm", "soil", False, 1.0),  # mg/kg
        ("ppb", "soil", False, 0.001),  # µg/kg
        ("g/kg", "soil", False, 1000.0),
        ("ug/L", "groundwater", False, 1.0),
        ("µg/L", "surface_water", False, 1.0),
        ("mg/L", "groundwater", False, 1000.0),  # 1 mg/L = 1000 µg/L
        ("MG/L", "groundwater", False, 1000.0),
        ("ng/L", "groundwater", False, 0.001),
        ("ppm", "groundwater", False, 1000.0),  # mg/L in water
        ("ppb", "groundwater", False, 1.0),
        ("pH units", "soil", True, 1.0),
        ("SU", "groundwater", True, 1.0),
        pytest.param("mg/L", "soil", False, np.nan, id="water-unit-for-soil"),
        pytest.param("mg/kg", "groundwater", False, np.nan, id="soil-unit-for-water"),
        pytest.param("mg/kg", "soil", True, np.nan, id="concentration-for-pH"),
        pytest.param("furlongs", "soil", False, np.nan, id="nonsense"),
        pytest.param("", "soil", False, np.nan, id="empty"),
    ],
)
def test_conversion_factor(unit: str, medium: str, is_ph: bool, factor: float) -> None:
    got = conversion_factors(pd.Series([unit]), pd.Series([medium]), pd.Series([is_ph]))[0]
    if np.isnan(factor):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(factor)
