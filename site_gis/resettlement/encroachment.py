"""Encroached parcels: parcels × encroachments × EIA zones × hotspots, and planners' queries.

Areas and distances are measured in the site's metric CRS.  Structures are
counted in the parcel that contains a point of their footprint.  With a
contamination surface and cleanup level, each parcel also gets the distance
from its encroached footprint to the nearest hotspot and the highest
exceedance ratio (estimate / cleanup level) under that footprint.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field

from site_gis.crs import to_metric, to_storage
from site_gis.errors import InvalidRequestError
from site_gis.resettlement.costs import HOUSEHOLD_SIZE, place_structures
from site_gis.resettlement.privacy import suppress_small_groups
from site_gis.schemas import STRUCTURE_TYPES
from site_gis.surfaces import EstimateRaster, zonal_statistics

HOUSEHOLD_FIGURES = ("households", "people", "businesses")
"""Parcel columns counted from household-level records: for roles allowed household detail.

Small groups are suppressed, but published per parcel beside the public encroachment
totals they could be recovered by subtraction, so they stay with planners."""


class ParcelQuery(BaseModel):
    """Filters, sorting and paging of encroached parcels."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    zone: (
        Literal[
            "blast_furnace_yard", "coal_coke_storage", "water_discharge_canals", "solid_waste_dumps"
        ]
        | None
    ) = Field(None, description="EIA zone")
    kind: Literal["residential_settlement", "scrapyard", "transport_terminal"] | None = Field(
        None, description="Kind of encroachment present"
    )
    min_encroached_m2: float = Field(0, ge=0, description="Smallest encroached area (m²)")
    min_households: int = Field(0, ge=0, description="Fewest households")
    on_hotspot: bool = Field(
        False,
        description="Only parcels whose encroached part touches "
        "a hotspot (needs analyte and cleanup_level)",
    )
    within_m: float | None = Field(
        None, ge=0, le=50_000, description="Only parcels within this distance of a hotspot (m)"
    )
    sort_by: Literal[
        "encroached_m2",
        "encroached_share",
        "households",
        "people",
        "structures",
        "distance_to_hotspot_m",
        "max_exceedance_ratio",
        "parcel_id",
    ] = Field("encroached_m2", description="Sort field")
    descending: bool = Field(True, description="Largest first")
    limit: int = Field(100, ge=1, le=10_000, description="Page size")
    offset: int = Field(0, ge=0, le=1_000_000, description="Rows to skip")


def analyse_parcels(
    parcels: gpd.GeoDataFrame,
    encroachments: gpd.GeoDataFrame,
    structures: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    crs: object,
    household_size: float = HOUSEHOLD_SIZE,
    hotspots: gpd.GeoDataFrame | None = None,
    estimate: EstimateRaster | None = None,
    cleanup_level: float | None = None,
) -> gpd.GeoDataFrame:
    """One row per encroached parcel (geometry in EPSG:4326).

    Columns: ``parcel_id``, ``zone_id``, ``land_use``, ``parcel_area_m2``,
    ``encroached_m2``, ``encroached_share``, ``kinds``, ``encroachment_ids``,
    ``structures`` and ``structures_<type>``, ``households``, ``people``,
    ``businesses``, ``distance_to_hotspot_m``, ``on_hotspot``, ``max_exceedance_ratio``.
    """
    metric_parcels = to_metric(parcels, crs)
    metric_encroachments = to_metric(encroachments, crs)
    pieces = gpd.overlay(
        metric_parcels[["parcel_id", "geometry"]],
        metric_encroachments[["encroachment_id", "kind", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    pieces["area"] = pieces.area
    grouped = pieces.groupby("parcel_id")
    table = pd.DataFrame(
        {
            "encroached_m2": grouped["area"].sum(),
            "kinds": grouped["kind"].agg(lambda k: ",".join(sorted(set(k)))),
            "encroachment_ids": grouped["encroachment_id"].agg(lambda e: ",".join(sorted(set(e)))),
        }
    )
    footprints = grouped["geometry"].agg(lambda g: shapely.union_all(g.to_numpy()))
    base = metric_parcels.set_index("parcel_id").loc[table.index]
    table["zone_id"] = base["zone_id"]
    table["land_use"] = base["land_use"]
    table["parcel_area_m2"] = base.geometry.area
    table["encroached_share"] = table["encroached_m2"] / table["parcel_area_m2"]
    placed = place_structures(structures, parcels, zones)
    counts = structures.assign(parcel_id=placed["parcel_id"]).dropna(subset=["parcel_id"])
    by_type = pd.crosstab(counts["parcel_id"], counts["type"]).reindex(
        columns=list(STRUCTURE_TYPES), fill_value=0
    )
    sums = counts.groupby("parcel_id")[["households", "businesses"]].sum()
    for kind in STRUCTURE_TYPES:
        table[f"structures_{kind}"] = by_type[kind].reindex(table.index, fill_value=0)
    table["structures"] = by_type.sum(axis=1).reindex(table.index, fill_value=0)
    table["households"] = sums["households"].reindex(table.index, fill_value=0)
    table["people"] = (table["households"] * household_size).round(1)
    table["businesses"] = sums["businesses"].reindex(table.index, fill_value=0)
    table["distance_to_hotspot_m"] = np.nan
    table["max_exceedance_ratio"] = np.nan
    if hotspots is not None and not hotspots.empty:
        spots = shapely.union_all(to_metric(hotspots, crs).geometry.to_numpy())
        table["distance_to_hotspot_m"] = shapely.distance(footprints.to_numpy(), spots)
    if estimate is not None and cleanup_level:
        stats = zonal_statistics(
            estimate.values,
            estimate.transform,
            list(footprints.to_numpy()),
            nodata=estimate.nodata,
        )
        table["max_exceedance_ratio"] = stats["max"].to_numpy() / cleanup_level
    table["on_hotspot"] = table["distance_to_hotspot_m"] == 0
    metric_zones = to_metric(zones, crs)
    table["zones"] = [
        ",".join(
            sorted(
                z
                for z, g in zip(metric_zones["zone_id"], metric_zones.geometry, strict=True)
                if g.intersects(f)
            )
        )
        for f in footprints.to_numpy()
    ]
    personal = [
        "households",
        "people",
        "businesses",
        *(f"structures_{kind}" for kind in STRUCTURE_TYPES),
    ]
    table = suppress_small_groups(table, count="structures", columns=personal)
    out = gpd.GeoDataFrame(table.reset_index(), geometry=base.geometry.to_numpy(), crs=crs)
    return to_storage(out)


def query_parcels(
    analysed: gpd.GeoDataFrame, query: ParcelQuery, *, polygon: shapely.Geometry | None = None
) -> tuple[gpd.GeoDataFrame, int]:
    """Filter, sort and page analysed parcels; returns the page and the number matched.

    ``polygon`` (EPSG:4326) keeps the parcels that intersect it.
    """
    keep = np.ones(len(analysed), bool)
    if query.zone is not None:  # the zone the encroached part lies in
        keep &= analysed["zones"].str.split(",").map(lambda z: query.zone in z).to_numpy(bool)
    if query.kind is not None:
        keep &= analysed["kinds"].str.split(",").map(lambda k: query.kind in k).to_numpy(bool)
    keep &= (analysed["encroached_m2"] >= query.min_encroached_m2).to_numpy(bool)
    if query.min_households:
        keep &= (analysed["households"] >= query.min_households).fillna(False).to_numpy(bool)
    if (query.on_hotspot or query.within_m is not None) and analysed[
        "distance_to_hotspot_m"
    ].isna().all():
        raise InvalidRequestError(
            "on_hotspot and within_m need hotspots: give analyte and cleanup_level"
        )
    if query.on_hotspot:
        keep &= analysed["on_hotspot"].to_numpy(bool)
    if query.within_m is not None:
        keep &= (analysed["distance_to_hotspot_m"] <= query.within_m).fillna(False).to_numpy(bool)
    if polygon is not None:
        shapely.prepare(polygon)
        keep &= shapely.intersects(polygon, analysed.geometry.to_numpy())
    matched = analysed[keep].sort_values(
        query.sort_by, ascending=not query.descending, na_position="last", kind="stable"
    )
    return matched.iloc[query.offset : query.offset + query.limit], len(matched)
