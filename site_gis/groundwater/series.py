"""Monitoring time series: one location's results for one analyte, in time order.

Non-detects stay non-detects: ``detected`` false, ``value`` empty and the
reporting limit in ``detection_limit`` -- never a substituted number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from site_gis.contamination import load_results, resolve_analyte
from site_gis.errors import InvalidRequestError, RecordNotFoundError
from site_gis.groundwater.trends import MONSOON_MONTHS
from site_gis.store import Store

SERIES_COLUMNS = (
    "location_id",
    "sample_id",
    "medium",
    "analyte",
    "sampled_on",
    "season",
    "value",
    "detected",
    "detection_limit",
    "unit",
    "qualifier",
)
WATERS = ("groundwater", "surface_water")
MAX_LOCATIONS = 500
"""Most locations one request may ask about (each series is at most a few hundred rows)."""


def decimal_years(dates: pd.Series) -> np.ndarray:
    """ISO dates as decimal years (day of year / days in year)."""
    when = pd.to_datetime(dates)
    days = np.where(when.dt.is_leap_year, 366.0, 365.0)
    return (when.dt.year + (when.dt.day_of_year - 1) / days).to_numpy(dtype=float)


def season_of(dates: pd.Series, monsoon_months: tuple[int, ...] = MONSOON_MONTHS) -> np.ndarray:
    """``monsoon`` for dates in the monsoon months, ``dry`` otherwise."""
    months = pd.to_datetime(dates).dt.month.to_numpy()
    return np.where(np.isin(months, monsoon_months), "monsoon", "dry")


def water_results(results: pd.DataFrame) -> pd.DataFrame:
    """The groundwater and surface-water rows of ``results``, in series order with seasons."""
    rows = results[results["medium"].isin(WATERS)]
    rows = rows.sort_values(["location_id", "analyte", "sampled_on"], kind="stable")
    rows = rows.assign(season=season_of(rows["sampled_on"]) if len(rows) else [])
    return rows.reset_index(drop=True)


def load_series(store: Store, location_id: str, analyte: str) -> pd.DataFrame:
    """The series of ``analyte`` at a groundwater or surface-water location.

    Raises
    ------
    RecordNotFoundError
        When the location is unknown or not a water location, or holds no result
        for the analyte.
    """
    name = resolve_analyte(analyte)
    if not location_id or len(location_id) > 100:
        raise InvalidRequestError("location_id must be 1 to 100 characters")
    where = {"location_id": location_id}
    located = store.read("sample_locations", where=where, columns=["location_id", "medium"])
    if not len(located):
        raise RecordNotFoundError(f"no sample location {location_id!r}")
    medium = str(located["medium"].iloc[0])
    if medium not in WATERS:
        raise RecordNotFoundError(
            f"location {location_id!r} samples {medium}; series are for groundwater and "
            "surface-water locations"
        )
    results = load_results(store, analyte=name, medium=medium)
    series = water_results(results[results["location_id"] == location_id])
    if not len(series):
        raise RecordNotFoundError(f"no {name} results at {location_id}")
    return series.loc[:, list(SERIES_COLUMNS)]
