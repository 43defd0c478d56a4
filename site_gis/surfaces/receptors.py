"""Receptors at risk: communities and wells near, or down-gradient of, hotspots.

Distances are measured in the metric CRS from a receptor to the nearest edge
of the nearest hotspot.  Bearings are geodesic azimuths from true north (0° = north, 90° = east)
of the receptor seen from that nearest point.  A receptor is *down-gradient*
when its bearing lies within ``half_angle_deg`` of the groundwater flow
azimuth and it is no farther than ``max_downgradient_m``; the PSM default flow
points east, taking the east-side plume towards the communities beyond that
boundary.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field

from site_gis.crs import WGS84_GEOD as _GEOD
from site_gis.crs import require_projected, to_metric

_COMPASS = (
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
)


class ReceptorParams(BaseModel):
    """What counts as at risk."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    within_m: float = Field(
        1000.0, ge=0, le=50_000, description="Receptors this close to a hotspot are at risk (m)"
    )
    flow_azimuth_deg: float = Field(
        90.0, ge=0, lt=360, description="Groundwater flow direction (compass degrees)"
    )
    half_angle_deg: float = Field(
        30.0, gt=0, le=90, description="Half-width of the down-gradient sector (degrees)"
    )
    max_downgradient_m: float = Field(
        5000.0, ge=0, le=50_000, description="How far down-gradient to look (m)"
    )


def receptors_at_risk(
    hotspots: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame, params: ReceptorParams
) -> gpd.GeoDataFrame:
    """Receptors within ``within_m`` of a hotspot or down-gradient of one.

    Parameters
    ----------
    hotspots
        Hotspot polygons in a projected metric CRS.
    receptors
        Receptor points (any CRS; reprojected to the hotspots' CRS).

    Returns
    -------
    GeoDataFrame
        The receptors at risk (in the hotspots' CRS) with ``hotspot_id``,
        ``distance_m``, ``bearing_deg``, ``direction``, ``within``, ``downgradient``.
    """
    require_projected(hotspots, what="hotspots")
    points = to_metric(receptors, hotspots.crs)
    if hotspots.empty:
        return points.iloc[0:0].assign(
            hotspot_id=None,
            distance_m=np.nan,
            bearing_deg=np.nan,
            direction=None,
            within=False,
            downgradient=False,
        )
    geoms = hotspots.geometry.to_numpy()
    distance = np.stack([shapely.distance(g, points.geometry.to_numpy()) for g in geoms])
    nearest = distance.argmin(axis=0)
    best = distance[nearest, np.arange(len(points))]
    closest = shapely.shortest_line(geoms[nearest], points.geometry.to_numpy())
    start = gpd.GeoSeries(shapely.get_point(closest, 0), crs=hotspots.crs).to_crs(4326)
    end = points.geometry.to_crs(4326)
    azimuth, _, _ = _GEOD.inv(
        start.x.to_numpy(), start.y.to_numpy(), end.x.to_numpy(), end.y.to_numpy()
    )
    bearing = np.mod(np.asarray(azimuth), 360)  # from true north, on the ellipsoid
    off = np.abs((bearing - params.flow_azimuth_deg + 180) % 360 - 180)
    within = best <= params.within_m
    downgradient = (off <= params.half_angle_deg) & (best <= params.max_downgradient_m) & (best > 0)
    out = points.assign(
        hotspot_id=hotspots["hotspot_id"].to_numpy()[nearest],
        distance_m=best,
        bearing_deg=bearing,
        direction=[_COMPASS[int((b + 11.25) // 22.5) % 16] for b in bearing],
        within=within,
        downgradient=downgradient,
    )
    return out[within | downgradient].sort_values("distance_m").reset_index(drop=True)


def compass(bearing_deg: float) -> str:
    """The 16-point compass name of an azimuth in degrees."""
    return _COMPASS[int((bearing_deg % 360 + 11.25) // 22.5) % 16]


__all__ = ["ReceptorParams", "compass", "receptors_at_risk"]
