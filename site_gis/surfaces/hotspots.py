"""Hotspots (areas of concern): where a surface exceeds a cleanup level.

Cells above the level are polygonised with ``rasterio.features.shapes`` (cell
edges, no smoothing), cut to the surface's domain (a cell whose centre is in a
canal does not spread past its bank), split by EIA zone, and measured in the
metric CRS.
Optionally the uncertainty band: where the probability of exceeding the level
is at least a chosen value.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import shapes

from site_gis.crs import to_metric
from site_gis.errors import InvalidRequestError
from site_gis.surfaces.interpolation import Surface


def find_hotspots(
    surface: Surface,
    cleanup_level: float,
    zones: gpd.GeoDataFrame,
    *,
    probability_at_least: float | None = None,
) -> gpd.GeoDataFrame:
    """Polygons where the surface exceeds ``cleanup_level`` (the surface's unit).

    Parameters
    ----------
    surface
        An interpolated surface.
    cleanup_level
        Level above which ground needs remediation; must be positive.
    zones
        EIA zones (any CRS); hotspots are split by zone (``zone_id`` null outside them).
    probability_at_least
        Also return the polygons where P(exceed) ≥ this value (kriging surfaces),
        as ``kind = "probability"`` rows.

    Returns
    -------
    GeoDataFrame
        In the surface's metric CRS: ``hotspot_id``, ``kind``, ``zone_id``,
        ``area_ha``, ``max_value``, ``mean_value``, ``cells``.
    """
    if not cleanup_level > 0:
        raise InvalidRequestError("cleanup level must be above zero")
    estimate = surface.raster("estimate")
    inside = surface.grid.inside & np.isfinite(estimate)
    parts = [_polygons(inside & (estimate > cleanup_level), surface, "exceeds")]
    if probability_at_least is not None:
        if not 0 < probability_at_least < 1:
            raise InvalidRequestError("probability_at_least must be between 0 and 1")
        if surface.probability is None:
            raise InvalidRequestError(
                "probability_at_least needs method=kriging and a "
                "threshold (usually the cleanup level)"
            )
        probability = surface.raster("probability")
        parts.append(
            _polygons(inside & (probability >= probability_at_least), surface, "probability")
        )
    found = pd.concat(parts, ignore_index=True)
    found = gpd.GeoDataFrame(found, geometry="geometry", crs=surface.grid.crs)
    if surface.domain is not None and not found.empty:  # cells on the edge: not past it
        found["geometry"] = found.geometry.intersection(surface.domain.geometry)
        found = found[~found.geometry.is_empty].explode(index_parts=False)
        found = found[found.geom_type == "Polygon"].reset_index(drop=True)
    split = _split_by_zone(found, to_metric(zones, surface.grid.crs))
    split["area_ha"] = split.area / 1e4
    stats = [_cell_stats(geom, estimate, surface) for geom in split.geometry]
    split["max_value"] = [s[0] for s in stats]
    split["mean_value"] = [s[1] for s in stats]
    split["cells"] = [s[2] for s in stats]
    split = split[split.area > 1e-6].reset_index(drop=True)  # slivers keep their area
    split.insert(0, "hotspot_id", [f"H-{i:03d}" for i in range(1, len(split) + 1)])
    split["cleanup_level"] = cleanup_level
    split["analyte"] = surface.analyte
    split["unit"] = surface.unit
    return split


def _polygons(mask: np.ndarray, surface: Surface, kind: str) -> gpd.GeoDataFrame:
    geoms = [
        shapely.geometry.shape(g)
        for g, v in shapes(
            mask.astype("uint8"), mask=mask, transform=surface.grid.transform, connectivity=4
        )
        if v
    ]
    return gpd.GeoDataFrame({"kind": [kind] * len(geoms)}, geometry=geoms, crs=surface.grid.crs)


def _split_by_zone(found: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if found.empty:
        return found.assign(zone_id=pd.Series(dtype=object))
    inside = gpd.overlay(
        found, zones[["zone_id", "geometry"]], how="intersection", keep_geom_type=True
    )
    outside = gpd.overlay(found, zones[["geometry"]], how="difference", keep_geom_type=True)
    outside["zone_id"] = None
    parts = pd.concat([inside, outside], ignore_index=True)
    parts = parts.explode(index_parts=False).reset_index(drop=True)
    return gpd.GeoDataFrame(parts, geometry="geometry", crs=found.crs)


def _cell_stats(
    geom: shapely.Geometry, estimate: np.ndarray, surface: Surface
) -> tuple[float, float, int]:
    from rasterio.features import geometry_mask

    cells = (
        geometry_mask(
            [geom], out_shape=estimate.shape, transform=surface.grid.transform, invert=True
        )
        & surface.grid.inside
    )
    values = estimate[cells]
    if values.size == 0:
        return float("nan"), float("nan"), 0
    return float(values.max()), float(values.mean()), int(values.size)
