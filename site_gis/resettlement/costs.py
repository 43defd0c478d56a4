"""Resettlement estimates from surveyed structures and an entitlement matrix.

Per structure (eligible if first recorded on or before the cut-off date; the
matrix says which entitlements the ineligible lose -- by default only the
structure compensation):

* structure replacement = floor area (m²) × rate of its construction type;
* shifting allowance = households × rate;
* rental support = households × months × monthly rate;
* business loss = businesses × months × monthly income;
* wage earners = businesses × workers per business × months × monthly wage;
* vulnerable households = vulnerable households × allowance;
* contingency and administration = percentages of the subtotal of the above.

People = households × household size (Pakistan census 2023: 6.3).
Per-structure rows are personal data: :func:`summarise` is the redaction
point -- only its aggregates (per encroachment, parcel, zone, phase or the
whole selection) leave the library's callers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from site_gis.crs import to_metric
from site_gis.resettlement.entitlements import CATEGORIES, EntitlementMatrix
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups
from site_gis.surfaces import EstimateRaster, zonal_statistics

HOUSEHOLD_SIZE = 6.3
"""Persons per household, Pakistan Census 2023 (241.499 M people / 38.34 M households)."""
COMPONENTS = ("structure_replacement", *CATEGORIES)
"""Cost components, in the order of the matrix."""
COUNTS = (
    "structures",
    "eligible_structures",
    "households",
    "people",
    "businesses",
    "vulnerable_households",
)


def cost_structures(
    structures: pd.DataFrame, matrix: EntitlementMatrix, *, household_size: float = HOUSEHOLD_SIZE
) -> pd.DataFrame:
    """Costs of every structure, by component (personal: summarise before publishing).

    Parameters
    ----------
    structures
        Rows of the structures layer.
    matrix
        The entitlement matrix.
    household_size
        Persons per household.
    """
    surveyed = pd.to_datetime(structures["surveyed_on"], format="%Y-%m-%d")
    eligible = (surveyed <= pd.Timestamp(matrix.cut_off_date)).to_numpy(bool)

    def keep(component: str, amount: np.ndarray) -> np.ndarray:
        withheld = component in matrix.withheld_after_cut_off
        return np.where(eligible | (not withheld), amount, 0.0)

    rate_by_type = {t: r.rate for t, r in matrix.structure_replacement.items()}
    households = structures["households"].to_numpy(float)
    businesses = structures["businesses"].to_numpy(float)
    costs = pd.DataFrame(
        {
            "structure_replacement": keep(
                "structure_replacement",
                structures["floor_area_m2"].to_numpy(float)
                * structures["type"].map(rate_by_type).to_numpy(float),
            ),
            "shifting_allowance": keep(
                "shifting_allowance", households * matrix.shifting_allowance.rate
            ),
            "rental_support": keep(
                "rental_support", households * _monthly(matrix, "rental_support")
            ),
            "business_loss": keep("business_loss", businesses * _monthly(matrix, "business_loss")),
            "wage_earner": keep(
                "wage_earner",
                businesses * matrix.workers_per_business * _monthly(matrix, "wage_earner"),
            ),
            "vulnerable_household": keep(
                "vulnerable_household",
                structures["vulnerable_households"].to_numpy(float)
                * matrix.vulnerable_household.rate,
            ),
        },
        index=structures.index,
    )
    subtotal = costs.sum(axis=1)
    costs["contingency"] = keep("contingency", subtotal.to_numpy() * matrix.contingency.rate / 100)
    costs["administration"] = keep(
        "administration", subtotal.to_numpy() * matrix.administration.rate / 100
    )
    costs["total"] = costs[list(COMPONENTS)].sum(axis=1)
    counts = pd.DataFrame(
        {
            "structures": 1,
            "eligible_structures": eligible.astype(int),
            "households": households,
            "people": households * household_size,
            "businesses": businesses,
            "vulnerable_households": structures["vulnerable_households"].to_numpy(float),
        },
        index=structures.index,
    )
    return pd.concat([counts, costs], axis=1)


def _monthly(matrix: EntitlementMatrix, name: str) -> float:
    rate = getattr(matrix, name)
    return float(rate.rate * (rate.months or 0))


def summarise(
    costs: pd.DataFrame,
    keys: pd.Series | None = None,
    *,
    name: str = "group",
    minimum: int = MIN_GROUP,
) -> pd.DataFrame:
    """Aggregate per-structure costs by ``keys`` (or in one row), rounded to the rupee.

    This is the redaction point: its rows are aggregates, never single structures, and
    groups of fewer than ``minimum`` structures are suppressed (see
    :mod:`site_gis.resettlement.privacy`).
    """
    columns = [*COUNTS, *COMPONENTS, "total"]
    if keys is None:
        table = costs[columns].sum().to_frame().T
    else:
        table = costs[columns].groupby(keys.rename(name), dropna=False).sum().reset_index()
    money = [*COMPONENTS, "total"]
    table[money] = table[money].round(0)
    table["people"] = table["people"].round(1)
    hidden = [c for c in columns if c != "structures"]
    return suppress_small_groups(table, count="structures", columns=hidden, minimum=minimum)


def place_structures(
    structures: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame
) -> pd.DataFrame:
    """The parcel and EIA zone of each structure (by a point inside its footprint)."""
    points = shapely.point_on_surface(structures.geometry.to_numpy())
    out = pd.DataFrame({"parcel_id": None, "zone_id": None}, index=structures.index, dtype=object)
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    hit_point, hit_parcel = tree.query(points, predicate="within")
    out.iloc[hit_point, 0] = parcels["parcel_id"].to_numpy()[hit_parcel]
    for zone_id, zone in zip(zones["zone_id"], zones.geometry, strict=True):
        inside = shapely.contains(zone, points)
        out.loc[inside, "zone_id"] = zone_id
    return out


def phase_encroachments(ranked: pd.DataFrame, phases: int) -> pd.Series:
    """Phase numbers (1 = first) splitting ranked encroachments into groups of about
    equal households, in rank order."""
    if phases < 1:
        raise ValueError("phases must be at least 1")
    households = ranked["households"].to_numpy(float)
    total = households.sum()
    if total == 0:
        return pd.Series(np.ones(len(ranked), int), index=ranked.index)
    before = np.cumsum(households) - households
    return pd.Series(
        np.minimum((before / total * phases).astype(int) + 1, phases), index=ranked.index
    )


def rank_encroachments(
    encroachments: gpd.GeoDataFrame,
    households: pd.Series,
    *,
    crs: object,
    hotspots: gpd.GeoDataFrame | None = None,
    estimate: EstimateRaster | None = None,
    cleanup_level: float | None = None,
    phases: int = 3,
) -> pd.DataFrame:
    """Priority of each encroachment by contamination exposure, and its phase.

    On a hotspot first, then by the highest exceedance ratio under it, then by
    distance to the nearest hotspot; without hotspots, by households.
    """
    metric = to_metric(encroachments, crs)
    table = pd.DataFrame(
        {"encroachment_id": metric["encroachment_id"].to_numpy(), "kind": metric["kind"].to_numpy()}
    )
    table["households"] = households.reindex(table["encroachment_id"]).fillna(0).to_numpy()
    table["distance_to_hotspot_m"] = np.nan
    table["max_exceedance_ratio"] = np.nan
    if hotspots is not None and not hotspots.empty:
        spots = shapely.union_all(to_metric(hotspots, crs).geometry.to_numpy())
        table["distance_to_hotspot_m"] = shapely.distance(metric.geometry.to_numpy(), spots)
    if estimate is not None and cleanup_level:
        stats = zonal_statistics(
            estimate.values,
            estimate.transform,
            list(metric.geometry.to_numpy()),
            nodata=estimate.nodata,
        )
        table["max_exceedance_ratio"] = stats["max"].to_numpy() / cleanup_level
    table["on_hotspot"] = table["distance_to_hotspot_m"] == 0
    ranked = table.sort_values(
        ["on_hotspot", "max_exceedance_ratio", "distance_to_hotspot_m", "households"],
        ascending=[False, False, True, False],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    ranked.insert(0, "priority", np.arange(1, len(ranked) + 1))
    ranked["phase"] = phase_encroachments(ranked, phases).to_numpy()
    return ranked


def estimate_resettlement(
    structures: gpd.GeoDataFrame,
    encroachments: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    matrix: EntitlementMatrix,
    *,
    crs: object,
    household_size: float = HOUSEHOLD_SIZE,
    phases: int = 3,
    hotspots: gpd.GeoDataFrame | None = None,
    estimate: EstimateRaster | None = None,
    cleanup_level: float | None = None,
) -> dict[str, pd.DataFrame]:
    """Resettlement cost of ``structures`` (already selected), in aggregates only.

    Returns
    -------
    dict
        ``totals`` (one row), ``by_encroachment`` (with priority and phase),
        ``by_parcel``, ``by_zone`` and ``by_phase``: counts, people and every
        cost component, rounded to the currency unit.
    """
    costs = cost_structures(structures, matrix, household_size=household_size)
    placed = place_structures(structures, parcels, zones)
    by_encroachment = summarise(costs, structures["encroachment_id"], name="encroachment_id")
    ranked = rank_encroachments(
        encroachments[encroachments["encroachment_id"].isin(structures["encroachment_id"])],
        by_encroachment.set_index("encroachment_id")["households"],
        crs=crs,
        hotspots=hotspots,
        estimate=estimate,
        cleanup_level=cleanup_level,
        phases=phases,
    )
    by_encroachment = ranked.drop(columns=["households"]).merge(
        by_encroachment, on="encroachment_id", how="left"
    )
    phase_of = by_encroachment.set_index("encroachment_id")["phase"]
    return {
        "totals": summarise(costs),
        "by_encroachment": by_encroachment,
        "by_parcel": summarise(costs, placed["parcel_id"].fillna("(no parcel)"), name="parcel_id"),
        "by_zone": summarise(costs, placed["zone_id"].fillna("(outside zones)"), name="zone_id"),
        "by_phase": summarise(costs, structures["encroachment_id"].map(phase_of), name="phase"),
    }
