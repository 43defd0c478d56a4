"""Remediation estimates: volume, tonnage and cost per hotspot, zone and cleanup level.

volume (m³) = Σ over the hotspot of area (m², metric CRS) × dig depth (m), the dig
depth per cell from :mod:`site_gis.surfaces.depths` (ground surface to the bottom
of the deepest exceeding interval, or a fixed depth); tonnes = volume × bulk
density (t/m³); cost = rate × tonnes, m³ or m² according to the unit the rate is
quoted in, low / central / high, from an editable unit-cost table
(``site_gis/reference/remediation_costs.csv``) whose rates are converted once to
metric units and escalated to one stated price year with an index table
(:mod:`site_gis.surfaces.costs`).  A technology without a rate gives no cost (never
a made-up one).  Technologies are alternatives: totals are per technology, never
summed across them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from site_gis.errors import InvalidRequestError
from site_gis.surfaces.costs import (
    CUBIC_YARD_M3,
    SHORT_TON_T,
    PriceBasis,
    cost_index,
    price_basis,
    price_rates,
    unit_costs,
)
from site_gis.surfaces.depths import DepthColumn, depth_volumes

DEFAULT_DENSITY_T_M3 = round(1.3 * SHORT_TON_T / CUBIC_YARD_M3, 4)
"""Bulk density (t/m³): 1.3 short tons per cubic yard, the conversion in the excavation
source (1.3 × 0.90718474 t / 0.764554857984 m³ = 1.5425 t/m³)."""
QUANTITIES = ("area_m2", "volume_m3", "tonnes", "cost_low", "cost_central", "cost_high")


class RemediationParams(BaseModel):
    """How deep to dig, how heavy the ground is, and the price year of the costs."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    depth_m: float | None = Field(
        None,
        gt=0,
        le=50,
        description="A fixed dig depth from the ground surface over the whole footprint (m); "
        "default: per cell, the bottom of the deepest sampled interval that exceeds there",
    )
    max_depth_m: float | None = Field(
        None, gt=0, le=50, description="Dig no deeper than this (m); what it leaves is reported"
    )
    bulk_density_t_m3: float = Field(
        DEFAULT_DENSITY_T_M3,
        gt=0.5,
        le=3.5,
        description="Bulk density of the ground (t/m³; default 1.3 short tons per yd³)",
    )
    price_year: int | None = Field(
        None,
        ge=1900,
        le=2100,
        description="Price year of every cost (default: the latest year of the cost index)",
    )


def remediated_medium(medium: str) -> str:
    """The cost-table medium of a remediated medium; waters are refused."""
    if medium in ("soil", "sediment"):
        return medium
    raise InvalidRequestError(
        f"remediation volumes are estimated for soil and sediment, not {medium}: groundwater "
        "treatment (e.g. pump-and-treat) has no unit rate in the cost table"
    )


def estimate_remediation(
    hotspots: gpd.GeoDataFrame,
    *,
    medium: str,
    density_t_m3: float,
    costs: pd.DataFrame,
    depth_m: float | None = None,
    index: pd.DataFrame | None = None,
    price_year: int | None = None,
) -> pd.DataFrame:
    """Volume, tonnage and cost per hotspot and technology, in one price year.

    Parameters
    ----------
    hotspots
        Hotspot polygons in a projected metric CRS (``kind == "exceeds"`` used), with
        ``hotspot_id`` and ``zone_id``; with ``volume_m3`` (from
        :func:`site_gis.surfaces.depths.depth_volumes`) or, without it, dug to
        ``depth_m`` over their whole area.
    medium
        soil or sediment: selects the technologies that apply.
    density_t_m3
        Bulk density (t/m³).
    costs
        The unit-cost table (:func:`site_gis.surfaces.costs.unit_costs`).
    depth_m
        Dig depth (m) for hotspots without ``volume_m3``.
    index, price_year
        The escalation index (default: the shipped one) and the price year (default: its
        latest year).

    Returns
    -------
    DataFrame
        One row per hotspot × technology: ``area_m2``, ``volume_m3``, ``tonnes``,
        ``short_tons``, ``mean_dig_depth_m`` and ``max_dig_depth_m`` (with depth volumes),
        ``cost_low`` / ``cost_central`` / ``cost_high`` in ``price_year``
        (null where no rate), ``rate_basis`` (per_tonne, per_m3, per_m2) with the
        escalated ``unit_rate_low`` / ``unit_rate_central`` / ``unit_rate_high`` per
        metric unit, and the source's ``rate_unit``, ``rate_low`` / ``rate_central`` /
        ``rate_high``, ``rate_price_year``, ``rate_index_year``, ``escalation_factor``,
        ``rate_verified``, ``index_year_verified``, ``rate_source``, ``rate_note``.
    """
    if hotspots.crs is None or not hotspots.crs.is_projected:
        raise InvalidRequestError("hotspots must be in a projected metric CRS")
    index = cost_index() if index is None else index
    basis = price_basis(index, price_year)
    applicable = price_rates(costs[costs["applies_to"] == remediated_medium(medium)], index, basis)
    exceeding = hotspots[hotspots["kind"] == "exceeds"]
    area = exceeding.geometry.area.to_numpy()
    if "volume_m3" in exceeding:
        volume = exceeding["volume_m3"].to_numpy(dtype=float)
    elif depth_m is not None:
        volume = area * depth_m
    else:
        raise InvalidRequestError("give depth_m, or hotspots with their volume_m3")
    base = pd.DataFrame(
        {
            "hotspot_id": exceeding["hotspot_id"].to_numpy(),
            "zone_id": exceeding["zone_id"].to_numpy(),
            "area_m2": area,
            "volume_m3": volume,
            "tonnes": volume * density_t_m3,
            "short_tons": volume * density_t_m3 / SHORT_TON_T,
        }
    )
    for column in ("mean_dig_depth_m", "max_dig_depth_m"):
        if column in exceeding:
            base[column] = exceeding[column].to_numpy(dtype=float)
    rows = []
    for tech in applicable.to_dict("records"):
        quantity = base[str(tech["quantity"])]
        rows.append(
            base.assign(
                technology=tech["technology"],
                rate_basis=tech["rate_basis"],
                unit_rate_low=tech["low"],
                unit_rate_central=tech["central"],
                unit_rate_high=tech["high"],
                cost_low=quantity * tech["low"],
                cost_central=quantity * tech["central"],
                cost_high=quantity * tech["high"],
                currency=tech["currency"],
                price_year=basis.year,
                rate_unit=tech["rate_unit"],
                rate_low=tech["rate_low"],
                rate_central=tech["rate_central"],
                rate_high=tech["rate_high"],
                rate_price_year=tech["price_year"],
                rate_index_year=None if pd.isna(tech["index_year"]) else int(tech["index_year"]),
                escalation_factor=tech["escalation_factor"],
                rate_verified=bool(tech["verified"]),
                index_year_verified=bool(tech["index_year_verified"]),
                price_year_verified=basis.verified,
                rate_source=tech["source_url"],
                rate_note=tech["note"],
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else base


def summarise_by_zone(estimate: pd.DataFrame) -> pd.DataFrame:
    """Totals per zone and technology (zone ``(outside zones)`` for the rest)."""
    frame = estimate.assign(zone_id=estimate["zone_id"].fillna("(outside zones)"))
    sums = frame.groupby(["zone_id", "technology"])[list(QUANTITIES)].sum(min_count=1)
    return sums.reset_index()


def summarise_totals(estimate: pd.DataFrame) -> pd.DataFrame:
    """The whole estimate per technology: area, volume, tonnes and costs (alternatives:
    never summed across technologies)."""
    if estimate.empty or "technology" not in estimate:
        return pd.DataFrame(columns=["technology", *QUANTITIES, "currency", "price_year"])
    sums = estimate.groupby("technology", sort=False)[list(QUANTITIES)].sum(min_count=1)
    first = estimate.groupby("technology", sort=False)[
        ["currency", "price_year", "rate_verified"]
    ].first()
    return sums.join(first).reset_index()


def cost_curve(
    column: DepthColumn,
    zones: gpd.GeoDataFrame,
    levels: list[float],
    *,
    medium: str,
    density_t_m3: float,
    costs: pd.DataFrame,
    depth_m: float | None = None,
    max_depth_m: float | None = None,
    index: pd.DataFrame | None = None,
    price_year: int | None = None,
) -> pd.DataFrame:
    """Area, volume and cost for each cleanup level (one row per level × technology),
    with the depth basis of each level."""
    if not levels or any(not (level > 0 and np.isfinite(level)) for level in levels):
        raise InvalidRequestError("cleanup levels must be positive finite numbers")
    index = cost_index() if index is None else index
    basis = price_basis(index, price_year)
    applicable = costs[costs["applies_to"] == remediated_medium(medium)]
    rows = []
    for level in sorted(levels):
        volumes = depth_volumes(column, level, zones, depth_m=depth_m, max_depth_m=max_depth_m)
        estimate = estimate_remediation(
            volumes.hotspots,
            medium=medium,
            density_t_m3=density_t_m3,
            costs=costs,
            index=index,
            price_year=basis.year,
        )
        if estimate.empty or "technology" not in estimate:
            # nothing to remediate: zero cost where a rate exists, none where it does not
            totals = pd.DataFrame(
                {
                    "technology": applicable["technology"].to_numpy(),
                    "area_m2": 0.0,
                    "volume_m3": 0.0,
                    "tonnes": 0.0,
                    "cost_low": applicable["low"].to_numpy() * 0.0,
                    "cost_central": applicable["central"].to_numpy() * 0.0,
                    "cost_high": applicable["high"].to_numpy() * 0.0,
                }
            )
        else:
            totals = estimate.groupby("technology")[list(QUANTITIES)].sum(min_count=1).reset_index()
        rows.append(
            totals.assign(
                cleanup_level=level,
                area_ha=totals["area_m2"] / 1e4,
                price_year=basis.year,
                depth_basis=volumes.basis,
            )
        )
    return pd.concat(rows, ignore_index=True)


__all__ = [
    "DEFAULT_DENSITY_T_M3",
    "PriceBasis",
    "RemediationParams",
    "cost_curve",
    "estimate_remediation",
    "summarise_by_zone",
    "summarise_totals",
    "unit_costs",
]
