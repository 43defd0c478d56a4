"""Trend of a series, and the trend-and-threshold indicator matrix (wells x analytes).

Each cell of the matrix holds the latest result of the well and analyte against
the chosen standard's level, and the trend class of its series (GSI toolkit,
:mod:`site_gis.groundwater.trends`).  The colours are GWSDAT's traffic lights
(``R/plotTrendTable.R`` of GWSDAT, https://github.com/WayneGitShell/GWSDAT):
threshold green ``#1A9641`` at or below the level, red ``#D7191C`` above, blue
for a non-detect, grey without a level or data; trend dark green / light green /
white / orange / red from decreasing to increasing (GWSDAT colours its fitted
slope; here the GSI classes take its five colours), blue where every result is a
non-detect, grey with fewer than the minimum rounds.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from site_gis.contamination import select_levels
from site_gis.groundwater import trends
from site_gis.groundwater.series import decimal_years, water_results

THRESHOLD_COLOURS = {
    "above": "#D7191C",
    "at or below": "#1A9641",
    "non-detect": "blue",
    "DL above level": "blue",
    "no level": "grey",
}
TREND_COLOURS = {
    "decreasing": "#1A9641",
    "probably decreasing": "#A6D96A",
    "stable": "white",
    "no trend": "white",
    "probably increasing": "#FDAE61",
    "increasing": "#D7191C",
    "insufficient data": "grey",
    "all non-detects": "blue",
}
MAX_CELLS = 20_000
"""Most well x analyte cells one matrix may have."""


def series_trend(
    sampled_on: pd.Series | np.ndarray,
    values: np.ndarray,
    detected: np.ndarray,
    limits: np.ndarray,
    *,
    min_rounds: int = trends.MIN_ROUNDS,
    confidence: float = 0.95,
    seasonal: bool = False,
    times: np.ndarray | None = None,
) -> dict[str, Any]:
    """Mann-Kendall, Theil-Sen (per year), seasonal Kendall and the GSI class of one series.

    ``values`` of non-detects are ignored (their ``limits`` are used); the slope
    takes non-detects at half their limit.  Fewer than ``min_rounds`` results
    give ``insufficient data`` and no statistics.  ``times`` (decimal years of
    ``sampled_on``) may be given when already known.
    """
    detected = np.asarray(detected, dtype=bool)
    limits = np.asarray(limits, dtype=float)
    values = np.asarray(values, dtype=float)
    n = len(values)
    out: dict[str, Any] = {
        "n": n,
        "detects": int(detected.sum()),
        "min_rounds": min_rounds,
        "trend": "insufficient data",
    }
    if n < min_rounds:
        return out
    t = decimal_years(pd.Series(np.asarray(sampled_on))) if times is None else times
    test = trends.mann_kendall(t, values, detected, limits)
    half = np.where(detected, values, limits / 2)
    sen = trends.sen_slope(t, half, var_s=test.var_s, confidence=confidence)
    cf = trends.confidence_factor(test)
    cov = trends.coefficient_of_variation(np.where(detected, values, limits))
    out.update(
        {
            "s": test.s,
            "var_s": test.var_s,
            "z": test.z,
            "p_value": test.p,
            "confidence_factor": cf,
            "cov": cov,
            "trend": trends.gsi_trend_class(test.s, cf, cov),
            "sen_slope_per_year": sen.slope,
            "sen_lower": sen.lower,
            "sen_upper": sen.upper,
            "sen_confidence": confidence,
            "ties": test.tie_note,
        }
    )
    if seasonal:
        months = pd.to_datetime(pd.Series(np.asarray(sampled_on))).dt.month.to_numpy()
        s_test, s_slope, counts = trends.seasonal_kendall(t, months, values, detected, limits)
        out["seasonal"] = {
            "s": s_test.s,
            "var_s": s_test.var_s,
            "z": s_test.z,
            "p_value": s_test.p,
            "slope_per_year": s_slope,
            "rounds_by_season": counts,
            "seasons": "monsoon: July-September; dry: the other months",
        }
    return out


def indicator_matrix(
    results: pd.DataFrame,
    levels: pd.DataFrame,
    *,
    standard: str,
    land_use: str = "industrial",
    medium: str = "groundwater",
    min_rounds: int = trends.MIN_ROUNDS,
    analytes: list[str] | None = None,
) -> pd.DataFrame:
    """One row per location and analyte: latest result, level, ratio, threshold and trend.

    ``results`` is the results layer (any media; ``medium`` is kept), ``levels``
    the screening levels; the standard's level for the medium applies (a
    detect above it is ``above``, equal passes).  Rows are in location, analyte
    order; ``threshold_colour`` and ``trend_colour`` are GWSDAT's.
    """
    rows = water_results(results[results["medium"] == medium])
    rows = rows[rows["analyte"] != "pH"]  # a range, not a level: left to screening
    if analytes:
        rows = rows[rows["analyte"].isin(analytes)]
    chosen = select_levels(levels, standard, land_use)
    chosen = chosen[chosen["medium"] == medium].drop_duplicates("analyte")
    level_of = dict(zip(chosen["analyte"], chosen["value"], strict=True))
    unit_of = dict(zip(chosen["analyte"], chosen["unit"], strict=True))
    out = []
    keys = rows[["location_id", "analyte"]].to_numpy()
    dates = rows["sampled_on"].to_numpy()
    vals = rows["value"].to_numpy(dtype=float)
    det = rows["detected"].to_numpy(dtype=bool)
    lim = rows["detection_limit"].to_numpy(dtype=float)
    units = rows["unit"].to_numpy()
    years = decimal_years(rows["sampled_on"]) if len(rows) else np.array([])
    if len(rows):
        change = np.flatnonzero((keys[1:] != keys[:-1]).any(axis=1)) + 1
        bounds = zip(np.r_[0, change], np.r_[change, len(rows)], strict=True)
    else:
        bounds = zip([], [], strict=True)
    for a, b in bounds:
        location, analyte = keys[a]
        trend = series_trend(
            dates[a:b], vals[a:b], det[a:b], lim[a:b], min_rounds=min_rounds, times=years[a:b]
        )
        if trend["n"] >= min_rounds and not det[a:b].any():
            trend["trend_shown"] = "all non-detects"
        last = b - 1
        level = level_of.get(analyte)
        if level is not None and unit_of.get(analyte) != units[last]:
            level = None  # a level in another unit is not compared
        threshold = _threshold(det[last], vals[last], lim[last], level)
        ratio = vals[last] / level if det[last] and level else None
        shown = trend.get("trend_shown", trend["trend"])
        out.append(
            {
                "location_id": location,
                "analyte": analyte,
                "latest_sampled_on": dates[last],
                "latest_value": vals[last] if det[last] else None,
                "latest_detected": bool(det[last]),
                "latest_detection_limit": None if det[last] else lim[last],
                "unit": units[last],
                "level": level,
                "ratio": ratio,
                "threshold": threshold,
                "threshold_colour": THRESHOLD_COLOURS[threshold],
                "rounds": trend["n"],
                "trend": trend["trend"],
                "trend_colour": TREND_COLOURS[shown],
                "confidence_factor": trend.get("confidence_factor"),
                "cov": trend.get("cov"),
                "sen_slope_per_year": trend.get("sen_slope_per_year"),
            }
        )
    table = pd.DataFrame(out)
    table.attrs.update({"standard": standard, "land_use": land_use, "medium": medium})
    return table


def _threshold(detected: bool, value: float, limit: float, level: float | None) -> str:
    if level is None:
        return "no level"
    if not detected:
        return "DL above level" if limit > level else "non-detect"
    return "above" if value > level else "at or below"


def matrix_html(table: pd.DataFrame, *, title: str) -> str:
    """The matrix as an HTML table: a row per well, two coloured cells per analyte."""
    analytes = sorted(table["analyte"].unique()) if len(table) else []
    cells = {(r.location_id, r.analyte): r for r in table.itertuples()}
    head = "".join(f'<th colspan="2">{html.escape(str(a))}</th>' for a in analytes)
    body = []
    for location in sorted(table["location_id"].unique()) if len(table) else []:
        tds = []
        for analyte in analytes:
            cell = cells.get((location, analyte))
            if cell is None:
                tds.append('<td style="background:grey"></td><td style="background:grey"></td>')
                continue
            if cell.latest_detected:
                latest = f"{cell.latest_value:g} {cell.unit}"
            else:
                latest = f"&lt;{cell.latest_detection_limit:g} {cell.unit}"
            tip = html.escape(f"{cell.threshold}; level {cell.level}; {cell.latest_sampled_on}")
            tds.append(
                f'<td style="background:{cell.threshold_colour}" title="{tip}">{latest}</td>'
                f'<td style="background:{cell.trend_colour}" '
                f'title="{cell.rounds} rounds">{html.escape(str(cell.trend))}</td>'
            )
        body.append(f"<tr><th>{html.escape(str(location))}</th>{''.join(tds)}</tr>")
    legend = " ".join(
        f'<span style="background:{c};padding:0 .4em">{html.escape(k)}</span>'
        for k, c in {**THRESHOLD_COLOURS, **TREND_COLOURS}.items()
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{legend}</p>"
        '<table border="1" style="border-collapse:collapse;font:12px sans-serif">'
        f"<tr><th>well</th>{head}</tr>{''.join(body)}</table></body></html>"
    )
