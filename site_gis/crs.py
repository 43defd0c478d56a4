"""The one place that handles coordinate reference systems.

Rules (see the design notes):

* layers are stored and exchanged in WGS 84 longitude/latitude
  (:data:`STORAGE_CRS`, EPSG:4326; GeoJSON output is RFC 7946);
* areas, distances, buffers and volumes are computed in a projected metric
  CRS -- the site's own; for Pakistan Steel Mills that is
  :data:`PSM_METRIC_CRS` (EPSG:32642, WGS 84 / UTM zone 42N);
* two frames in different CRSs are an error, never a silent reprojection.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError
from shapely.geometry.base import BaseGeometry

from site_gis.errors import CRSError

STORAGE_CRS = CRS.from_epsg(4326)
"""CRS of every stored layer: WGS 84 geographic (EPSG:4326), axis order lon/lat in data."""

PSM_METRIC_CRS = CRS.from_epsg(32642)
"""Metric CRS of the Pakistan Steel Mills site: WGS 84 / UTM zone 42N (EPSG:32642)."""

WGS84_GEOD = Geod(ellps="WGS84")
"""Ellipsoid used for geodesic measurements of lon/lat geometry."""

ACRE_M2 = 4046.8564224
"""One international acre in square metres (exact by definition)."""

_ACCEPTED = "an EPSG code (32642), 'EPSG:32642', 'OGC:CRS84', a CRS URI, WKT or a pyproj.CRS"

Frame = TypeVar("Frame", bound=gpd.GeoDataFrame)


def parse_crs(value: Any) -> CRS:
    """Parse any common CRS form into a :class:`pyproj.CRS`.

    Parameters
    ----------
    value
        An EPSG integer, an ``"AUTH:CODE"`` string, an OGC CRS URI
        (``http://www.opengis.net/def/crs/EPSG/0/32642``), WKT or a CRS.

    Raises
    ------
    CRSError
        If the value is empty or not understood; the message lists the accepted forms.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CRSError(f"no CRS given; expected {_ACCEPTED}")
    if isinstance(value, CRS):
        return value
    try:
        return CRS.from_user_input(value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(f"cannot understand CRS {value!r}; expected {_ACCEPTED}") from exc


def same_crs(a: Any, b: Any, *, ignore_axis_order: bool = False) -> bool:
    """Return whether two CRS definitions denote the same CRS (ignoring naming details).

    With ``ignore_axis_order`` OGC:CRS84 (lon/lat) equals EPSG:4326 (lat/lon):
    right for data in GeoDataFrames, whose coordinates are always x = lon.
    """
    return bool(parse_crs(a).equals(parse_crs(b), ignore_axis_order=ignore_axis_order))


def require_crs(frame: gpd.GeoDataFrame, expected: Any, *, what: str = "layer") -> None:
    """Raise :class:`CRSError` unless ``frame`` is in the ``expected`` CRS.

    A frame without a CRS is refused too: its coordinates cannot be trusted.
    """
    if frame.crs is None:
        raise CRSError(f"{what} has no CRS; expected {parse_crs(expected).to_string()}")
    if not same_crs(frame.crs, expected):
        raise CRSError(
            f"{what} is in {_name(frame.crs)}, expected {_name(parse_crs(expected))}; "
            "reproject it explicitly before combining"
        )


def require_same_crs(*frames: gpd.GeoDataFrame) -> CRS:
    """Return the CRS shared by all ``frames``; raise :class:`CRSError` if they differ."""
    if not frames:
        raise CRSError("no frames given")
    first = frames[0]
    if first.crs is None:
        raise CRSError("frame 0 has no CRS")
    for i, frame in enumerate(frames[1:], start=1):
        require_crs(frame, first.crs, what=f"frame {i}")
    return parse_crs(first.crs)


def require_projected(frame: gpd.GeoDataFrame, *, what: str = "layer") -> None:
    """Raise :class:`CRSError` unless ``frame`` is in a projected CRS with metre units."""
    if frame.crs is None:
        raise CRSError(f"{what} has no CRS; a projected metric CRS is required")
    crs = parse_crs(frame.crs)
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        raise CRSError(
            f"{what} is in {_name(crs)}; areas and distances need a projected CRS in metres "
            "(for PSM: EPSG:32642)"
        )


def to_metric(frame: Frame, crs: Any = PSM_METRIC_CRS) -> Frame:
    """Return ``frame`` reprojected to the metric ``crs`` (default EPSG:32642).

    Raises
    ------
    CRSError
        If ``frame`` has no CRS or the target is not projected in metres.
    """
    target = parse_crs(crs)
    if frame.crs is None:
        raise CRSError("cannot reproject a layer that has no CRS")
    out = frame.to_crs(target)
    require_projected(out, what="target CRS")
    return out


def to_storage(frame: Frame) -> Frame:
    """Return ``frame`` reprojected to the storage CRS (EPSG:4326, lon/lat)."""
    if frame.crs is None:
        raise CRSError("cannot reproject a layer that has no CRS")
    return frame.to_crs(STORAGE_CRS)


def geometries_from_storage(
    geometry: npt.NDArray[np.object_], epsg: int
) -> npt.NDArray[np.object_]:
    """Shapely geometries in the storage CRS (EPSG:4326) reprojected to ``EPSG:<epsg>``.

    The array counterpart of ``GeoDataFrame.to_crs`` (same transformation, x/y
    order; a geometry with z keeps it).
    """
    transform = _from_storage(epsg).transform
    return shapely.transform(
        geometry, lambda coords: np.column_stack(transform(*coords.T)), include_z=None
    )


def geometries_in_axis_order(
    geometry: npt.NDArray[np.object_], epsg: int
) -> npt.NDArray[np.object_]:
    """Shapely geometries in the storage CRS reprojected to ``EPSG:<epsg>`` in its axis order.

    For output that names its CRS (OGC API - Features Part 2): the coordinates
    follow the axis order the EPSG register defines, so EPSG:4326 gives
    latitude, longitude (degrees) and EPSG:32642 easting, northing (metres).
    The storage's own lon/lat order is OGC:CRS84.
    """
    transform = _from_crs84_in_axis_order(epsg).transform
    return shapely.transform(
        geometry, lambda coords: np.column_stack(transform(*coords.T)), include_z=None
    )


@lru_cache(maxsize=8)
def _from_crs84_in_axis_order(epsg: int) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input("OGC:CRS84"), CRS.from_epsg(epsg))


@lru_cache(maxsize=8)
def _from_storage(epsg: int) -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, CRS.from_epsg(epsg), always_xy=True)


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Geodesic area of a lon/lat (EPSG:4326) polygon on the WGS 84 ellipsoid, in m².

    Orientation does not matter: the absolute value is returned.
    """
    area, _ = WGS84_GEOD.geometry_area_perimeter(geometry)
    return abs(float(area))


def _name(crs: Any) -> str:
    parsed = parse_crs(crs)
    auth = parsed.to_authority()
    return f"{auth[0]}:{auth[1]} ({parsed.name})" if auth else parsed.name
