"""Receptors at risk: communities and wells near, on, or down-gradient of hotspots.

Every receptor is tested against **every** hotspot, not only the nearest one: a
well 1.1 km north-east of one hotspot may lie 1.3 km due east of another, and only
the second puts it down-gradient.  For each receptor × hotspot pair:

* ``distance_m``: from the receptor to the nearest edge of the hotspot, in the
  hotspots' metric CRS;
* ``bearing_deg``: the geodesic azimuth (WGS 84 ellipsoid, from true north: 0° = north,
  90° = east) of the receptor seen from that nearest point;
* a receptor inside a hotspot is **on hotspot** (distance 0, no bearing: a direction
  from a polygon to a point inside it means nothing);
* **near** when ``distance_m <= within_m``; **down-gradient** when the bearing lies
  within ``half_angle_deg`` of the groundwater flow azimuth and ``distance_m <=
  max_downgradient_m``.

The flow direction is an input, with its basis stated (``flow_azimuth_deg``,
``flow_basis``): the site's stated azimuth (PSM: 90°, east, taking the east-side plume
towards the communities beyond that boundary), or one fitted from groundwater heads
(``flow_from = "heads"``, the default of the analysis job, which fits the latest round's
heads with :func:`site_gis.groundwater.flow_direction` before calling this).  Each
receptor at risk is returned once, with the nearest hotspot that puts it at risk in the
headline columns and **every** hotspot that puts it at risk in ``hotspots`` (nearest first) and
``hotspot_count``.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field

from site_gis.crs import WGS84_GEOD as _GEOD
from site_gis.crs import require_projected, to_metric
from site_gis.errors import InvalidRequestError

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
ON_HOTSPOT = "on hotspot"
"""The ``direction`` of a receptor inside a hotspot (it has no bearing)."""
DEFAULT_FLOW_BASIS = "the site's stated azimuth (PSM: 90°, east; not fitted from heads)"
MAX_PAIRS = 2_000_000
"""Receptor × hotspot pairs tested at once (each a distance and a geodesic azimuth)."""


class ReceptorParams(BaseModel):
    """What counts as at risk, and which way the groundwater flows (with its basis)."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    within_m: float = Field(
        1000.0, ge=0, le=50_000, description="Receptors this close to a hotspot are at risk (m)"
    )
    flow_azimuth_deg: float = Field(
        90.0,
        ge=0,
        lt=360,
        description="Groundwater flow direction (degrees from true north, 90 = east)",
    )
    flow_from: Literal["heads", "stated"] = Field(
        "heads",
        description="'heads': the flow direction fitted from the latest round of groundwater "
        "heads where the store has them (else the stated azimuth, saying why); 'stated': "
        "flow_azimuth_deg as given",
    )
    flow_basis: str = Field(
        DEFAULT_FLOW_BASIS,
        min_length=1,
        max_length=200,
        description="Where the flow azimuth comes from, stated in every output (e.g. "
        "'planar fit of heads, round 3')",
    )
    half_angle_deg: float = Field(
        30.0, gt=0, le=90, description="Half-width of the down-gradient sector (degrees)"
    )
    max_downgradient_m: float = Field(
        5000.0, ge=0, le=50_000, description="How far down-gradient to look (m)"
    )


def hotspot_pairs(
    hotspots: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame, params: ReceptorParams
) -> dict[str, np.ndarray]:
    """Distance, bearing and risk of every receptor × hotspot pair.

    Parameters
    ----------
    hotspots
        Hotspot polygons in a projected metric CRS, with ``hotspot_id``.
    receptors
        Receptor points already in the hotspots' CRS.

    Returns
    -------
    dict
        Arrays of shape (hotspots, receptors): ``distance_m`` (m), ``bearing_deg``
        (NaN on a hotspot), ``on_hotspot``, ``within``, ``downgradient``.
    """
    geoms = hotspots.geometry.to_numpy()
    points = receptors.geometry.to_numpy()
    h, r = len(geoms), len(points)
    if h * r > MAX_PAIRS:
        raise InvalidRequestError(
            f"{h:,} hotspots × {r:,} receptors is {h * r:,} pairs; the limit is {MAX_PAIRS:,}: "
            "raise the cleanup level or use a larger cell size (fewer, larger hotspots)"
        )
    hot = np.repeat(geoms, r)
    pts = np.tile(points, h)
    distance = shapely.distance(hot, pts)
    on = shapely.intersects(hot, pts)  # inside or on the edge
    start = shapely.get_point(shapely.shortest_line(hot, pts), 0)
    lonlat_start = gpd.GeoSeries(start, crs=hotspots.crs).to_crs(4326)
    lonlat_end = gpd.GeoSeries(pts, crs=hotspots.crs).to_crs(4326)
    azimuth, _, _ = _GEOD.inv(
        lonlat_start.x.to_numpy(),
        lonlat_start.y.to_numpy(),
        lonlat_end.x.to_numpy(),
        lonlat_end.y.to_numpy(),
    )
    bearing = np.where(on, np.nan, np.mod(np.asarray(azimuth, dtype=float), 360))
    off = np.abs((bearing - params.flow_azimuth_deg + 180) % 360 - 180)
    within = (distance <= params.within_m) & ~on
    with np.errstate(invalid="ignore"):
        downgradient = (
            ~on & (off <= params.half_angle_deg) & (distance <= params.max_downgradient_m)
        )
    shape = (h, r)
    return {
        "distance_m": np.where(on, 0.0, distance).reshape(shape),
        "bearing_deg": bearing.reshape(shape),
        "on_hotspot": on.reshape(shape),
        "within": within.reshape(shape),
        "downgradient": downgradient.reshape(shape),
    }


def receptors_at_risk(
    hotspots: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame, params: ReceptorParams
) -> gpd.GeoDataFrame:
    """Receptors on, within ``within_m`` of, or down-gradient of any hotspot.

    Parameters
    ----------
    hotspots
        Hotspot polygons in a projected metric CRS (``hotspot_id``).
    receptors
        Receptor points (any CRS; reprojected to the hotspots' CRS).
    params
        Distances (m), the flow azimuth (degrees from true north) and its basis.

    Returns
    -------
    GeoDataFrame
        One row per receptor at risk, in the hotspots' CRS, nearest first.  The headline
        columns describe the nearest hotspot that puts it at risk: ``hotspot_id``,
        ``distance_m``, ``bearing_deg`` (null on a hotspot), ``direction`` (16-point
        compass, or ``"on hotspot"``); then ``on_hotspot``, ``within`` and
        ``downgradient`` (true if any hotspot makes it so), ``hotspot_count`` and
        ``hotspots``: every hotspot that puts it at risk, nearest first, each a dict of
        ``hotspot_id``, ``distance_m``, ``bearing_deg``, ``direction``, ``reasons``;
        and ``flow_azimuth_deg``, ``flow_basis``.
    """
    require_projected(hotspots, what="hotspots")
    points = to_metric(receptors, hotspots.crs).reset_index(drop=True)
    columns: dict[str, Any] = {
        "hotspot_id": None,
        "distance_m": np.nan,
        "bearing_deg": np.nan,
        "direction": None,
        "on_hotspot": False,
        "within": False,
        "downgradient": False,
        "hotspot_count": 0,
        "hotspots": None,
        "flow_azimuth_deg": params.flow_azimuth_deg,
        "flow_basis": params.flow_basis,
    }
    if hotspots.empty or points.empty:
        return points.iloc[0:0].assign(**columns)
    pairs = hotspot_pairs(hotspots, points, params)
    risk = pairs["on_hotspot"] | pairs["within"] | pairs["downgradient"]
    ids = hotspots["hotspot_id"].to_numpy()
    rows = []
    for j in np.flatnonzero(risk.any(axis=0)):
        which = np.flatnonzero(risk[:, j])
        which = which[np.argsort(pairs["distance_m"][which, j], kind="stable")]
        listed = [_pair(ids[i], {k: v[i, j] for k, v in pairs.items()}) for i in which]
        nearest = which[0]
        rows.append(
            {
                "index": j,
                "hotspot_id": listed[0]["hotspot_id"],
                "distance_m": float(pairs["distance_m"][nearest, j]),
                "bearing_deg": float(pairs["bearing_deg"][nearest, j]),  # NaN on a hotspot
                "direction": listed[0]["direction"],
                "on_hotspot": bool(pairs["on_hotspot"][which, j].any()),
                "within": bool(pairs["within"][which, j].any()),
                "downgradient": bool(pairs["downgradient"][which, j].any()),
                "hotspot_count": len(listed),
                "hotspots": listed,
            }
        )
    if not rows:
        return points.iloc[0:0].assign(**columns)
    found = points.iloc[[row.pop("index") for row in rows]].reset_index(drop=True)
    for name in columns:
        found[name] = [row[name] for row in rows] if name in rows[0] else columns[name]
    return found.sort_values("distance_m", kind="stable").reset_index(drop=True)


def _pair(hotspot_id: Any, pair: dict[str, Any]) -> dict[str, Any]:
    bearing = None if pair["on_hotspot"] else round(float(pair["bearing_deg"]), 2)
    reasons = [
        name
        for name, flag in (
            ("on hotspot", pair["on_hotspot"]),
            ("near", pair["within"]),
            ("down-gradient", pair["downgradient"]),
        )
        if flag
    ]
    return {
        "hotspot_id": str(hotspot_id),
        "distance_m": round(float(pair["distance_m"]), 2),
        "bearing_deg": bearing,
        "direction": ON_HOTSPOT if bearing is None else compass(bearing),
        "reasons": reasons,
    }


def compass(bearing_deg: float) -> str:
    """The 16-point compass name of an azimuth in degrees."""
    return _COMPASS[int((bearing_deg % 360 + 11.25) // 22.5) % 16]


__all__ = ["ON_HOTSPOT", "ReceptorParams", "compass", "hotspot_pairs", "receptors_at_risk"]
