"""The ``bbox`` parameter of OGC API - Features, in the CRS its ``bbox-crs`` names.

Part 1 of the Open Geospatial Consortium's standard (``/req/core/fc-bbox-definition``)
gives a box as four numbers, or six when the CRS has a vertical axis (the third
and sixth are its bottom and top); in WGS 84 longitude/latitude a box whose first
value is larger than its third spans the antimeridian.  Part 2 (``bbox-crs``)
gives the box in another CRS, in that CRS's axis order: EPSG:4326 is latitude,
longitude; the site's metric CRS is easting, northing in metres.

The layers are 2D, so the vertical range of a 3D box is checked and ignored.
A box across the antimeridian is the union of its two halves, and a box in the
metric CRS selects the features that intersect that box itself -- a rectangle in
metres, which is not a rectangle in degrees -- not its lon/lat envelope: the
envelope reaches the store's index, and the candidates it finds are tested
against the box in its own CRS (shapely).
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from pyproj import Transformer

from site_gis.crs import geometries_from_storage
from site_gis.errors import InvalidRequestError
from site_gis.schemas import LayerSchema
from site_gis.store import BBox, Store
from site_gis.store.common import check_bbox

_GEOGRAPHIC = (None, 4326)
"""``bbox-crs`` codes that are longitude/latitude degrees (``None``: CRS84)."""


def parse_bbox(text: str | None, epsg: int | None) -> BBox | None:
    """``(minx, miny, maxx, maxy)`` of a ``bbox`` given in ``EPSG:<epsg>`` (``None``: CRS84).

    Longitude/latitude boxes (CRS84, and EPSG:4326 given latitude first) come
    back as (west, south, east, north) in degrees, where west may exceed east
    (across the antimeridian); a metric box as (min easting, min northing, max
    easting, max northing) in metres.  A 400 names ``bbox`` for anything else.
    """
    if text is None:
        return None
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError as exc:
        raise InvalidRequestError(f"bbox must be four (or six) numbers, got {text[:80]!r}") from exc
    if len(values) not in (4, 6) or not all(map(math.isfinite, values)):
        raise InvalidRequestError(f"bbox must be four (or six) finite numbers, got {text[:80]!r}")
    if len(values) == 6:
        if values[2] > values[5]:
            raise InvalidRequestError("bbox: the bottom (third number) is above the top (sixth)")
        values = [values[0], values[1], values[3], values[4]]
    if epsg not in _GEOGRAPHIC:
        minx, miny, maxx, maxy = values
        if minx > maxx or miny > maxy:
            raise InvalidRequestError("bbox minimum exceeds maximum")
        return minx, miny, maxx, maxy
    if epsg == 4326:  # latitude, longitude
        south, west, north, east = values
    else:
        west, south, east, north = values
    if not -90 <= south <= north <= 90:
        raise InvalidRequestError(
            "bbox latitudes must be within ±90 and the southern edge below the northern"
        )
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise InvalidRequestError("bbox longitudes must be within ±180")
    return west, south, east, north


def bbox_selection(
    store: Store,
    schema: LayerSchema,
    box: BBox | None,
    epsg: int | None,
    where: dict[str, Any],
) -> tuple[BBox | None, dict[str, Any]]:
    """The store's lon/lat ``bbox`` and ``where`` that select the features a box asks for.

    Parameters
    ----------
    box
        From :func:`parse_bbox`, in ``EPSG:<epsg>`` (``None``: CRS84).
    where
        The request's other filters; a box that is not one lon/lat rectangle
        adds the identifiers of the features it selects (an "any of" filter).
    """
    if box is None:
        return None, where
    check_bbox(schema, (-180.0, -90.0, 180.0, 90.0))  # a table has no geometry: the 400
    if epsg in _GEOGRAPHIC:
        west, south, east, north = box
        if west <= east:
            return box, where
        halves = [(west, south, 180.0, north), (-180.0, south, east, north)]
        found = [_identifiers(store, schema, half, where) for half in halves]
        if not found[1]:
            return halves[0], where
        if not found[0]:
            return halves[1], where
        return None, {**where, schema.id_field: sorted({*found[0], *found[1]}, key=str)}
    assert epsg is not None
    envelope = Transformer.from_crs(epsg, 4326, always_xy=True).transform_bounds(
        *box, densify_pts=101
    )
    envelope = _clamped(envelope)
    check_bbox(schema, envelope)  # a 400 for a box whose envelope is not finite
    candidates = store.read(schema.name, bbox=envelope, where=where, columns=[schema.id_field])
    if candidates.empty:
        return envelope, where
    projected = geometries_from_storage(candidates.geometry.to_numpy(), epsg)
    inside = shapely.intersects(projected, shapely.box(*box))
    if inside.all():
        return envelope, where
    ids = candidates[schema.id_field][inside].tolist()
    return envelope, {**where, schema.id_field: ids}


def _identifiers(store: Store, schema: LayerSchema, box: BBox, where: dict[str, Any]) -> list[Any]:
    frame = store.read(schema.name, bbox=box, where=where, columns=[schema.id_field])
    return list(frame[schema.id_field])


def _clamped(envelope: tuple[float, float, float, float]) -> BBox:
    west, south, east, north = envelope
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)
