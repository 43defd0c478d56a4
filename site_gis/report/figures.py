"""Static figures drawn server-side with matplotlib (Agg backend, no internet, no base map).

Each function returns PNG bytes.  Maps are drawn in the site's metric CRS (axes in
metres, EPSG code in the axis label); nothing is fetched from the network.  Figures are
reproducible: the same inputs and library versions give the same bytes (no timestamp is
written into the PNG).
"""

from __future__ import annotations

import io
import json
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

DPI = 110
ZONE_COLOURS = ("#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e", "#e6ab02")
SYNTHETIC_MARK = "SYNTHETIC demo data"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _mark(axes: Any, synthetic: bool) -> None:
    if synthetic:
        axes.text(
            0.99,
            0.01,
            SYNTHETIC_MARK,
            transform=axes.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#b00020",
        )


def _metric_axes(axes: Any, crs: Any) -> None:
    code = crs.to_epsg() if crs is not None else None
    axes.set_xlabel(f"easting (m, EPSG:{code})")
    axes.set_ylabel("northing (m)")
    axes.ticklabel_format(style="plain", useOffset=False)
    axes.tick_params(labelsize=7)
    axes.set_aspect("equal")


def site_map(
    boundary: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    locations: gpd.GeoDataFrame,
    receptors: gpd.GeoDataFrame,
    *,
    synthetic: bool,
) -> bytes:
    """The site boundary, the EIA zones, sample locations by medium and the receptors.

    All frames must be in the same metric CRS.
    """
    figure, axes = plt.subplots(figsize=(7.2, 5.6))
    boundary.boundary.plot(ax=axes, color="black", linewidth=1.2)
    for i, (_, zone) in enumerate(zones.sort_values("zone_id").iterrows()):
        gpd.GeoSeries([zone.geometry], crs=zones.crs).plot(
            ax=axes,
            color=ZONE_COLOURS[i % len(ZONE_COLOURS)],
            alpha=0.35,
            edgecolor="black",
            linewidth=0.6,
        )
        axes.plot([], [], "s", color=ZONE_COLOURS[i % len(ZONE_COLOURS)], label=zone["zone_id"])
    markers = {"soil": "o", "sediment": "^", "groundwater": "v", "surface_water": "D"}
    for medium, group in sorted(locations.groupby("medium")):
        group.plot(
            ax=axes,
            marker=markers.get(str(medium), "."),
            markersize=6,
            color="#333333",
            label=f"{medium} location",
        )
    if len(receptors):
        receptors.representative_point().plot(
            ax=axes, marker="*", markersize=40, color="#b00020", label="receptor"
        )
    axes.legend(fontsize=6, loc="upper left", framealpha=0.8)
    _metric_axes(axes, boundary.crs)
    _mark(axes, synthetic)
    return _png(figure)


def raster_map(
    raster: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    label: str,
    boundary: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame | None = None,
    samples: gpd.GeoDataFrame | None = None,
    nodata: float,
    synthetic: bool,
    cmap: str = "viridis",
) -> bytes:
    """One band of a surface (``bounds`` = left, bottom, right, top in metres) with the site
    boundary, the hotspot outlines and the sampled locations."""
    figure, axes = plt.subplots(figsize=(7.2, 5.2))
    shown = np.ma.masked_where(~np.isfinite(raster) | (raster == nodata), raster)
    left, bottom, right, top = bounds
    image = axes.imshow(shown, extent=(left, right, bottom, top), origin="upper", cmap=cmap)
    colourbar = figure.colorbar(image, ax=axes, shrink=0.8)
    colourbar.set_label(label, fontsize=8)
    boundary.boundary.plot(ax=axes, color="black", linewidth=0.8)
    if hotspots is not None and len(hotspots):
        hotspots.boundary.plot(ax=axes, color="#b00020", linewidth=1.0)
    if samples is not None and len(samples):
        samples.plot(ax=axes, marker="+", markersize=8, color="white", linewidth=0.5)
    _metric_axes(axes, boundary.crs)
    _mark(axes, synthetic)
    return _png(figure)


def variogram_plot(variogram: dict[str, Any], *, unit: str, synthetic: bool) -> bytes:
    """The experimental semivariogram and the fitted model (kriging)."""
    experimental = variogram.get("experimental", {})
    if isinstance(experimental, str):
        experimental = json.loads(experimental.replace("'", '"'))
    lags = np.asarray(experimental.get("lag_m", []), dtype=float)
    gamma = np.asarray(experimental.get("semivariance", []), dtype=float)
    figure, axes = plt.subplots(figsize=(6.0, 3.6))
    axes.plot(lags, gamma, "o", color="#333333", label="experimental")
    nugget = float(variogram.get("nugget", 0.0))
    psill = float(variogram.get("psill", 0.0))
    rng = float(variogram.get("range", 0.0)) or 1.0
    h = np.linspace(0, max(float(lags.max()) if lags.size else rng, rng) * 1.05, 200)
    model = str(variogram.get("model", "spherical"))
    if model == "spherical":
        shape = np.where(h < rng, 1.5 * h / rng - 0.5 * (h / rng) ** 3, 1.0)
    elif model == "exponential":
        shape = 1 - np.exp(-3 * h / rng)
    elif model == "gaussian":
        shape = 1 - np.exp(-3 * (h / rng) ** 2)
    else:
        shape = np.minimum(h / rng, 1.0)
    axes.plot(h, nugget + psill * shape, "-", color="#1b9e77", label=f"{model} model")
    axes.set_xlabel("lag (m)")
    axes.set_ylabel(f"semivariance ({unit})²")
    axes.legend(fontsize=7)
    axes.tick_params(labelsize=7)
    _mark(axes, synthetic)
    return _png(figure)


def cost_curve_plot(table: pd.DataFrame, *, unit: str, currency: str, synthetic: bool) -> bytes:
    """Central cost against the cleanup level, one line per technology."""
    figure, axes = plt.subplots(figsize=(6.4, 3.8))
    for technology, group in sorted(table.groupby("technology")):
        ordered = group.sort_values("cleanup_level")
        if ordered["cost_central"].notna().any():
            axes.plot(
                ordered["cleanup_level"],
                ordered["cost_central"] / 1e6,
                "o-",
                label=str(technology),
                linewidth=1,
            )
    axes.set_xlabel(f"cleanup level ({unit})")
    axes.set_ylabel(f"central cost (million {currency})")
    axes.legend(fontsize=6)
    axes.tick_params(labelsize=7)
    _mark(axes, synthetic)
    return _png(figure)


def trend_plot(
    series: pd.DataFrame,
    *,
    analyte: str,
    unit: str,
    level: float | None,
    synthetic: bool,
    monsoon_months: tuple[int, ...],
) -> bytes:
    """Concentration against time per well (detects filled, non-detects hollow at the DL),
    monsoon months shaded, the screening level dashed."""
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    for location, group in sorted(series.groupby("location_id")):
        ordered = group.sort_values("sampled_on")
        dates = pd.to_datetime(ordered["sampled_on"])
        shown = ordered["value"].where(ordered["detected"], ordered["detection_limit"])
        (line,) = axes.plot(dates, shown, "-", linewidth=0.8, label=str(location))
        detected = ordered["detected"].to_numpy(bool)
        axes.plot(dates[detected], shown[detected], "o", color=line.get_color(), markersize=3)
        axes.plot(
            dates[~detected],
            shown[~detected],
            "o",
            markerfacecolor="none",
            color=line.get_color(),
            markersize=3,
        )
    if len(series):
        years = sorted({d.year for d in pd.to_datetime(series["sampled_on"])})
        for year in years:
            axes.axvspan(
                float(mdates.date2num(pd.Timestamp(year, min(monsoon_months), 1))),
                float(mdates.date2num(pd.Timestamp(year, max(monsoon_months) + 1, 1))),
                color="#9ecae1",
                alpha=0.3,
                linewidth=0,
            )
    if level is not None:
        axes.axhline(level, color="#b00020", linestyle="--", linewidth=0.8, label="screening level")
    axes.set_ylabel(f"{analyte} ({unit})")
    axes.legend(fontsize=6, ncol=2)
    axes.tick_params(labelsize=7)
    figure.autofmt_xdate()
    _mark(axes, synthetic)
    return _png(figure)


def cross_validation_plot(
    observed: np.ndarray, predicted: np.ndarray, *, unit: str, synthetic: bool
) -> bytes:
    """Leave-one-out estimate against the observed value at each sample (1:1 line dashed),
    and the errors' histogram."""
    figure, (scatter, histogram) = plt.subplots(1, 2, figsize=(7.2, 3.4))
    scatter.plot(observed, predicted, "o", markersize=3, color="#333333", alpha=0.7)
    top = float(np.nanmax([np.nanmax(observed), np.nanmax(predicted)])) if len(observed) else 1.0
    scatter.plot([0, top], [0, top], "--", color="#b00020", linewidth=0.8)
    scatter.set_xlabel(f"observed ({unit})")
    scatter.set_ylabel(f"leave-one-out estimate ({unit})")
    histogram.hist(predicted - observed, bins=30, color="#7570b3")
    histogram.set_xlabel(f"estimate − observed ({unit})")
    histogram.set_ylabel("samples")
    for axes in (scatter, histogram):
        axes.tick_params(labelsize=7)
    _mark(histogram, synthetic)
    figure.tight_layout()
    return _png(figure)
