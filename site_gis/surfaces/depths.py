"""Depth-aware remediation volumes: one surface per sampled depth interval.

The results carry depth intervals (soil at PSM: 0–0.5, 0.5–1.5 and 1.5–3 m below
ground).  A remediation volume is not the area of one surface times a depth:

* one surface is interpolated per sampled interval (within the request's
  ``depth_top_m`` – ``depth_bottom_m`` if given), all on the same grid;
* a cell is in the footprint when any interval exceeds the cleanup level there;
* its dig depth runs from the **ground surface** (0 m) to the bottom of the deepest
  interval that exceeds there (so a 0.5–1.5 m exceedance digs 1.5 m, not 1.0 m),
  or a fixed ``depth_m`` over the whole footprint, and never deeper than
  ``max_depth_m`` when one is set (the exceeding area left below it is reported);
* the volume is listed by depth slice (each sampled interval, and any unsampled gap
  between them or below them that the dig passes through).

Every estimate states its depth basis in words (:attr:`DepthVolumes.basis`).
Areas and volumes are in the surfaces' metric CRS (m², m³).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import shapes

from site_gis.contamination import load_results, resolve_analyte
from site_gis.crs import to_metric
from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.store import Store
from site_gis.surfaces.budget import SurfaceBudget
from site_gis.surfaces.hotspots import _split_by_zone
from site_gis.surfaces.interpolation import (
    NODATA,
    Surface,
    SurfaceRequest,
    build_surface,
    depth_intervals_of,
    within_depth,
)

MAX_INTERVALS = 8
"""Depth intervals (surfaces) one estimate may interpolate."""


@dataclass(frozen=True)
class DepthInterval:
    """A sampled depth interval, metres below ground."""

    top_m: float
    bottom_m: float

    @property
    def label(self) -> str:
        """As text, e.g. ``0.5–1.5 m``."""
        return f"{self.top_m:g}–{self.bottom_m:g} m"


@dataclass
class DepthColumn:
    """One surface per sampled depth interval, on one grid."""

    intervals: list[DepthInterval]
    surfaces: list[Surface]

    @property
    def first(self) -> Surface:
        """The shallowest interval's surface (its grid, domain and provenance)."""
        return self.surfaces[0]

    def tags(self) -> list[dict[str, str]]:
        """Each surface's tags, shallowest first."""
        return [s.tags() for s in self.surfaces]


def sampled_intervals(store: Store, request: SurfaceRequest) -> list[DepthInterval]:
    """The distinct depth intervals of the request's results (within its interval if given).

    Raises
    ------
    InsufficientDataError
        When no result of the analyte and medium lies in the selection.
    InvalidRequestError
        For overlapping intervals (each cell's depth would be ambiguous) or more than
        :data:`MAX_INTERVALS`; the message says how to narrow the selection.
    """
    results = load_results(
        store,
        analyte=resolve_analyte(request.analyte),
        medium=request.medium,
        background=False,
    )
    pairs = depth_intervals_of(within_depth(results, request))
    if not pairs:
        raise InsufficientDataError(
            f"no {request.analyte} results in {request.medium} lie within the depth selection"
        )
    return checked_intervals([DepthInterval(t, b) for t, b in pairs])


def checked_intervals(intervals: list[DepthInterval]) -> list[DepthInterval]:
    """``intervals`` (top first) if none overlaps the next and there are few enough.

    Raises
    ------
    InvalidRequestError
        For overlapping intervals or more than :data:`MAX_INTERVALS`.
    """
    for upper, lower in itertools.pairwise(intervals):
        if lower.top_m < upper.bottom_m:
            raise InvalidRequestError(
                f"the sampled intervals {upper.label} and {lower.label} overlap: give "
                "depth_top_m and depth_bottom_m to select intervals that do not"
            )
    if len(intervals) > MAX_INTERVALS:
        raise InvalidRequestError(
            f"the selection has {len(intervals)} depth intervals; the limit is {MAX_INTERVALS}: "
            "narrow it with depth_top_m and depth_bottom_m"
        )
    return intervals


def build_depth_column(
    store: Store,
    request: SurfaceRequest,
    *,
    surface: Surface | None = None,
    budget: SurfaceBudget | None = None,
) -> DepthColumn:
    """A surface per sampled interval of ``request`` (``surface`` reused where it is one).

    Each interval's surface is the request with that interval; each is checked against
    ``budget`` before it is computed.

    Raises
    ------
    InvalidRequestError
        When the intervals' grids differ (a domain drawn from each interval's own
        sample locations): select one interval.
    """
    intervals = sampled_intervals(store, request)
    surfaces = []
    for interval in intervals:
        if surface is not None and (
            surface.request.depth_top_m,
            surface.request.depth_bottom_m,
        ) == (interval.top_m, interval.bottom_m):
            surfaces.append(surface)
            continue
        one = request.model_copy(
            update={"depth_top_m": interval.top_m, "depth_bottom_m": interval.bottom_m}
        )
        surfaces.append(build_surface(store, one, budget=budget))
    grids = {(s.grid.transform, s.grid.width, s.grid.height) for s in surfaces}
    if len(grids) > 1:
        raise InvalidRequestError(
            "the depth intervals' surfaces fall on different grids (their domains differ): "
            "give depth_top_m and depth_bottom_m for one interval"
        )
    return DepthColumn(intervals, surfaces)


@dataclass
class DepthVolumes:
    """Footprint hotspots with their dig depths and volumes, by hotspot and by depth slice.

    ``hotspots``: a GeoDataFrame (metric CRS) of ``hotspot_id``, ``kind``, ``zone_id``,
    ``area_m2``, ``area_ha``, ``volume_m3``, ``mean_dig_depth_m``, ``max_dig_depth_m``,
    ``max_value`` (highest estimate of any interval in it).
    ``by_interval``: one row per hotspot × depth slice (``interval``, ``top_m``,
    ``bottom_m``, ``sampled``, ``area_m2`` dug through it, ``volume_m3``).
    """

    hotspots: gpd.GeoDataFrame
    by_interval: pd.DataFrame
    basis: str
    intervals: list[DepthInterval]
    left_below_m2: float = 0.0
    """Exceeding area (whole cells) whose deepest exceedance lies below ``max_depth_m`` (m²)."""


def depth_volumes(
    column: DepthColumn,
    cleanup_level: float,
    zones: gpd.GeoDataFrame,
    *,
    depth_m: float | None = None,
    max_depth_m: float | None = None,
) -> DepthVolumes:
    """Where any interval exceeds ``cleanup_level``, how deep to dig, and the volumes.

    Parameters
    ----------
    column
        The surfaces per interval (:func:`build_depth_column`).
    cleanup_level
        In the surfaces' unit; must be positive.
    zones
        EIA zones (any CRS): hotspots are split by zone (``zone_id`` null outside).
    depth_m
        A fixed dig depth from the ground surface over the whole footprint (m);
        default: the bottom of the deepest exceeding interval, per cell.
    max_depth_m
        Dig no deeper than this (m); the exceeding area it leaves below is reported.
    """
    if not cleanup_level > 0:
        raise InvalidRequestError("cleanup level must be above zero")
    first = column.first
    deepest = np.zeros((first.grid.height, first.grid.width))
    peak = np.full(deepest.shape, -np.inf)
    for interval, surface in zip(column.intervals, column.surfaces, strict=True):
        estimate = surface.raster("estimate")
        valid = surface.grid.inside & np.isfinite(estimate) & (estimate != NODATA)
        exceeds = valid & (estimate > cleanup_level)
        deepest = np.where(exceeds, np.maximum(deepest, interval.bottom_m), deepest)
        peak = np.where(valid, np.maximum(peak, estimate), peak)
    footprint = deepest > 0
    dig = np.where(footprint, depth_m if depth_m is not None else deepest, 0.0)
    cell_area = abs(first.grid.transform.a * first.grid.transform.e)
    left_below = 0.0
    if max_depth_m is not None:
        left_below = float((footprint & (deepest > max_depth_m)).sum() * cell_area)
        dig = np.minimum(dig, max_depth_m)
    hotspots = _footprint_hotspots(footprint, first, zones)
    basis = _basis(column, cleanup_level, depth_m, max_depth_m, left_below)
    if hotspots.empty:
        empty = hotspots.assign(
            volume_m3=pd.Series(dtype=float), max_dig_depth_m=pd.Series(dtype=float)
        )
        return DepthVolumes(
            _described(empty, peak, first, cleanup_level),
            _by_interval(
                empty.assign(dig_depth_m=pd.Series(dtype=float), area_m2=pd.Series(dtype=float)), []
            ),
            basis,
            column.intervals,
            left_below,
        )
    pieces = _depth_pieces(dig, footprint, first)
    parts = gpd.overlay(
        pieces,
        hotspots[["hotspot_id", "zone_id", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    parts = parts[parts.geom_type.isin(["Polygon", "MultiPolygon"])]
    parts = parts.assign(area_m2=parts.geometry.area)
    slices = _slices(column.intervals, depth_m, max_depth_m, float(dig.max(initial=0.0)))
    by_interval = _by_interval(parts, slices)
    per = (
        parts.assign(volume_m3=parts["area_m2"] * parts["dig_depth_m"])
        .groupby("hotspot_id")
        .agg(volume_m3=("volume_m3", "sum"), max_dig_depth_m=("dig_depth_m", "max"))
    )
    out = hotspots.join(per, on="hotspot_id")
    out["volume_m3"] = out["volume_m3"].fillna(0.0)
    return DepthVolumes(
        _described(out, peak, first, cleanup_level),
        by_interval,
        basis,
        column.intervals,
        left_below,
    )


def _described(
    out: gpd.GeoDataFrame, peak: np.ndarray, first: Surface, cleanup_level: float
) -> gpd.GeoDataFrame:
    out = out.copy()
    out["area_m2"] = out.geometry.area
    out["area_ha"] = out["area_m2"] / 1e4
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_dig_depth_m"] = out["volume_m3"] / out["area_m2"]
    out["max_value"] = [_peak(g, peak, first) for g in out.geometry]
    out["cleanup_level"] = cleanup_level
    out["analyte"] = first.analyte
    out["unit"] = first.unit
    return out


def _footprint_hotspots(
    footprint: np.ndarray, surface: Surface, zones: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Connected footprints, cut to the domain, split by zone, numbered H-001, ..."""
    geoms = [
        shapely.geometry.shape(g)
        for g, v in shapes(
            footprint.astype("uint8"),
            mask=footprint,
            transform=surface.grid.transform,
            connectivity=4,
        )
        if v
    ]
    found = gpd.GeoDataFrame(
        {"kind": ["exceeds"] * len(geoms)}, geometry=geoms, crs=surface.grid.crs
    )
    found = _in_domain(found, surface)
    split = _split_by_zone(found, to_metric(zones, surface.grid.crs))
    split = split[split.area > 1e-6].reset_index(drop=True)
    split.insert(0, "hotspot_id", [f"H-{i:03d}" for i in range(1, len(split) + 1)])
    return split


def _depth_pieces(dig: np.ndarray, footprint: np.ndarray, surface: Surface) -> gpd.GeoDataFrame:
    """Polygons of constant dig depth (cell edges), cut to the domain."""
    found = [
        (shapely.geometry.shape(g), float(v))
        for g, v in shapes(
            dig.astype("float32"), mask=footprint, transform=surface.grid.transform, connectivity=4
        )
    ]
    pieces = gpd.GeoDataFrame(
        {"dig_depth_m": [v for _, v in found]},
        geometry=[g for g, _ in found],
        crs=surface.grid.crs,
    )
    # float32 of the interval bottoms: back to the depths they stand for
    pieces["dig_depth_m"] = pieces["dig_depth_m"].round(4)
    return _in_domain(pieces, surface)


def _in_domain(frame: gpd.GeoDataFrame, surface: Surface) -> gpd.GeoDataFrame:
    if surface.domain is None or frame.empty:
        return frame
    frame = frame.assign(geometry=frame.geometry.intersection(surface.domain.geometry))
    frame = frame[~frame.geometry.is_empty].explode(index_parts=False)
    return frame[frame.geom_type == "Polygon"].reset_index(drop=True)


def _slices(
    intervals: list[DepthInterval],
    depth_m: float | None,
    max_depth_m: float | None,
    deepest_dig: float,
) -> list[tuple[float, float, bool]]:
    """Depth slices from the ground surface down to the deepest dig: (top, bottom, sampled)."""
    edges = {0.0, deepest_dig}
    for interval in intervals:
        edges |= {interval.top_m, interval.bottom_m}
    if depth_m is not None:
        edges.add(depth_m)
    if max_depth_m is not None:
        edges.add(max_depth_m)
    ordered = sorted(e for e in edges if e <= deepest_dig)
    sampled = {(i.top_m, i.bottom_m) for i in intervals}
    out = []
    for top, bottom in itertools.pairwise(ordered):
        inside = any(i.top_m <= top and bottom <= i.bottom_m for i in intervals)
        out.append((top, bottom, inside or (top, bottom) in sampled))
    return out


def _by_interval(parts: gpd.GeoDataFrame, slices: list[tuple[float, float, bool]]) -> pd.DataFrame:
    rows = []
    for (hotspot, zone), group in parts.groupby(["hotspot_id", "zone_id"], dropna=False):
        depth = group["dig_depth_m"].to_numpy()
        area = group["area_m2"].to_numpy()
        for top, bottom, sampled in slices:
            through = np.clip(depth - top, 0.0, bottom - top)
            rows.append(
                {
                    "hotspot_id": hotspot,
                    "zone_id": None if pd.isna(zone) else zone,
                    "interval": f"{top:g}–{bottom:g} m"
                    + ("" if sampled else " (not in the selected intervals)"),
                    "top_m": top,
                    "bottom_m": bottom,
                    "sampled": sampled,
                    "area_m2": float(area[depth > top].sum()),
                    "volume_m3": float((area * through).sum()),
                }
            )
    columns = ["hotspot_id", "zone_id", "interval", "top_m", "bottom_m", "sampled"]
    return pd.DataFrame(rows, columns=[*columns, "area_m2", "volume_m3"])


def volume_by_interval(by_interval: pd.DataFrame) -> pd.DataFrame:
    """The whole estimate's volume per depth slice (m³), ground surface first."""
    if by_interval.empty:
        return by_interval[["interval", "top_m", "bottom_m", "sampled", "area_m2", "volume_m3"]]
    return (
        by_interval.groupby(["interval", "top_m", "bottom_m", "sampled"], as_index=False)[
            ["area_m2", "volume_m3"]
        ]
        .sum()
        .sort_values("top_m")
        .reset_index(drop=True)
    )


def _peak(geom: shapely.Geometry, peak: np.ndarray, surface: Surface) -> float:
    from rasterio.features import geometry_mask

    cells = geometry_mask(
        [geom], out_shape=peak.shape, transform=surface.grid.transform, invert=True
    ) & np.isfinite(peak)
    return float(peak[cells].max()) if cells.any() else float("nan")


def _basis(
    column: DepthColumn,
    level: float,
    depth_m: float | None,
    max_depth_m: float | None,
    left_below_m2: float,
) -> str:
    listed = ", ".join(i.label for i in column.intervals)
    unit = column.first.unit
    if depth_m is not None:
        text = (
            "fixed depth: each cell of the footprint dug from the ground surface to "
            f"{depth_m:g} m; "
            f"footprint = cells where any sampled interval ({listed}) exceeds {level:g} {unit}"
        )
    else:
        text = (
            "per depth interval: each cell dug from the ground surface (0 m) to the bottom of "
            f"the deepest sampled interval exceeding {level:g} {unit} there; intervals {listed}, "
            "one surface each"
        )
    if max_depth_m is not None:
        text += (
            f"; no deeper than max_depth_m = {max_depth_m:g} m "
            f"({left_below_m2:,.0f} m² of exceedance left below it)"
        )
    return text


__all__ = [
    "MAX_INTERVALS",
    "DepthColumn",
    "DepthInterval",
    "DepthVolumes",
    "build_depth_column",
    "checked_intervals",
    "depth_volumes",
    "sampled_intervals",
    "volume_by_interval",
]
