"""Reference tables shipped with site-gis (analytes; later: standards, unit costs)."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def analytes() -> pd.DataFrame:
    """The analyte reference table.

    Columns: ``analyte``, ``cas_number``, ``group``, units, reporting limits and
    methods for solids (soil, sediment; mg/kg dry weight) and waters
    (groundwater, surface water; µg/L, written ``ug/L``).
    """
    with resources.files(__package__).joinpath("analytes.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"cas_number": "str"})
