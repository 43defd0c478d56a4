"""Remediation estimates: volume, tonnage and cost per hotspot, zone and cleanup level.

volume (m³) = hotspot area (m², metric CRS) × depth (m); tonnes = volume × bulk
density (t/m³); cost = rate × tonnes, m³ or m² according to the technology's
basis, low / central / high, from an editable unit-cost table
(``site_gis/reference/remediation_costs.csv`` or a CSV of the same columns)
whose rows carry their source and price year.  Rates are not inflated to
today's prices: the price year is reported with every cost.  A technology
without a rate gives no cost (never a made-up one).
"""

from __future__ import annotations

from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from site_gis.errors import InvalidRequestError, Problem, ValidationError
from site_gis.surfaces.hotspots import find_hotspots
from site_gis.surfaces.interpolation import Surface

BASES = ("per_tonne", "per_m3", "per_m2")
COST_COLUMNS = (
    "technology",
    "applies_to",
    "basis",
    "low",
    "central",
    "high",
    "currency",
    "price_year",
    "verified",
    "source_url",
    "note",
)
DEFAULT_DENSITY_T_M3 = 1.54
"""Bulk density (t/m³): 1.3 short tons per cubic yard, the conversion in the excavation
source (1.3 × 0.907185 t / 0.764555 m³ = 1.5425)."""


class RemediationParams(BaseModel):
    """How deep to dig and how heavy the ground is."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    depth_m: float | None = Field(
        None,
        gt=0,
        le=50,
        description="Depth of the remediated "
        "layer (default: the surface's depth interval, else 0.5 m)",
    )
    bulk_density_t_m3: float = Field(
        DEFAULT_DENSITY_T_M3, gt=0.5, le=3.5, description="Bulk density of the ground (t/m³)"
    )


def unit_costs(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The unit-cost table, checked: the shipped one, or ``frame`` in the same columns."""
    if frame is None:
        with (
            resources.files("site_gis.reference")
            .joinpath("remediation_costs.csv")
            .open(encoding="utf-8") as handle
        ):
            frame = pd.read_csv(handle, dtype={"price_year": str})
    problems = [
        Problem("unit costs", None, c, None, "required column is missing")
        for c in COST_COLUMNS
        if c not in frame.columns
    ]
    if problems:
        raise ValidationError(problems)
    table = frame.copy()
    for column in ("low", "central", "high"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    for i, row in table.iterrows():
        if row["basis"] not in BASES:
            problems.append(
                Problem(
                    "unit costs",
                    row["technology"],
                    "basis",
                    row["basis"],
                    f"must be one of {', '.join(BASES)}",
                )
            )
        rates = [row[c] for c in ("low", "central", "high")]
        given = [r for r in rates if not pd.isna(r)]
        if given and (len(given) < 3 or min(given) < 0 or not rates[0] <= rates[1] <= rates[2]):
            problems.append(
                Problem(
                    "unit costs",
                    row["technology"],
                    "low/central/high",
                    str(rates),
                    "give three rates with low ≤ central ≤ high",
                )
            )
        del i
    if problems:
        raise ValidationError(problems, summary="the unit-cost table has problems")
    return table


def _solid(medium: str) -> str:
    """The cost-table medium of a remediated medium; waters are refused."""
    if medium in ("soil", "sediment"):
        return medium
    raise InvalidRequestError(
        f"remediation volumes are estimated for soil and sediment, not {medium}: groundwater "
        "treatment (e.g. pump-and-treat) has no unit rate in the cost table"
    )


def default_depth(surface: Surface) -> float:
    """The remediated depth implied by the surface's depth interval (0.5 m if none)."""
    top, bottom = surface.request.depth_top_m, surface.request.depth_bottom_m
    if top is not None and bottom is not None and bottom > top:
        return float(bottom - top)
    return float(bottom) if bottom else 0.5


def estimate_remediation(
    hotspots: gpd.GeoDataFrame,
    *,
    medium: str,
    depth_m: float,
    density_t_m3: float,
    costs: pd.DataFrame,
) -> pd.DataFrame:
    """Volume, tonnage and cost per hotspot and technology.

    Parameters
    ----------
    hotspots
        From :func:`site_gis.hotspots.find_hotspots` (metric CRS; ``kind == "exceeds"`` used).
    medium
        soil or sediment: selects the technologies that apply.
    depth_m, density_t_m3
        Depth of the remediated layer and bulk density.
    costs
        The unit-cost table.

    Returns
    -------
    DataFrame
        One row per hotspot × technology: ``area_m2``, ``volume_m3``, ``tonnes``,
        ``cost_low``, ``cost_central``, ``cost_high`` (null where no rate),
        ``currency``, ``price_year``, ``rate_basis``, ``rate_source``.
    """
    if hotspots.crs is None or not hotspots.crs.is_projected:
        raise InvalidRequestError("hotspots must be in a projected metric CRS")
    applicable = costs[costs["applies_to"] == _solid(medium)]
    exceeding = hotspots[hotspots["kind"] == "exceeds"]
    area = exceeding.geometry.area.to_numpy()
    base = pd.DataFrame(
        {
            "hotspot_id": exceeding["hotspot_id"].to_numpy(),
            "zone_id": exceeding["zone_id"].to_numpy(),
            "area_m2": area,
            "volume_m3": area * depth_m,
            "tonnes": area * depth_m * density_t_m3,
        }
    )
    rows = []
    for tech in applicable.to_dict("records"):
        quantity = {
            "per_tonne": base["tonnes"],
            "per_m3": base["volume_m3"],
            "per_m2": base["area_m2"],
        }[str(tech["basis"])]
        rows.append(
            base.assign(
                technology=tech["technology"],
                rate_basis=tech["basis"],
                cost_low=quantity * tech["low"],
                cost_central=quantity * tech["central"],
                cost_high=quantity * tech["high"],
                currency=tech["currency"],
                price_year=tech["price_year"],
                rate_verified=bool(tech["verified"]),
                rate_source=tech["source_url"],
                rate_note=tech["note"],
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else base


def summarise_by_zone(estimate: pd.DataFrame) -> pd.DataFrame:
    """Totals per zone and technology (zone ``(outside zones)`` for the rest)."""
    frame = estimate.assign(zone_id=estimate["zone_id"].fillna("(outside zones)"))
    sums = frame.groupby(
        ["zone_id", "technology"],
    )[["area_m2", "volume_m3", "tonnes", "cost_low", "cost_central", "cost_high"]].sum(min_count=1)
    return sums.reset_index()


def cost_curve(
    surface: Surface,
    zones: gpd.GeoDataFrame,
    levels: list[float],
    *,
    medium: str,
    depth_m: float,
    density_t_m3: float,
    costs: pd.DataFrame,
) -> pd.DataFrame:
    """Area, volume and cost for each cleanup level (one row per level × technology)."""
    if not levels or any(not (level > 0 and np.isfinite(level)) for level in levels):
        raise InvalidRequestError("cleanup levels must be positive finite numbers")
    applicable = costs[costs["applies_to"] == _solid(medium)]
    rows = []
    for level in sorted(levels):
        hotspots = find_hotspots(surface, level, zones)
        estimate = estimate_remediation(
            hotspots, medium=medium, depth_m=depth_m, density_t_m3=density_t_m3, costs=costs
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
            totals = (
                estimate.groupby("technology")[
                    ["area_m2", "volume_m3", "tonnes", "cost_low", "cost_central", "cost_high"]
                ]
                .sum(min_count=1)
                .reset_index()
            )
        rows.append(totals.assign(cleanup_level=level, area_ha=totals["area_m2"] / 1e4))
    curve = pd.concat(rows, ignore_index=True)
    return curve.replace({np.nan: None}) if curve.empty else curve
