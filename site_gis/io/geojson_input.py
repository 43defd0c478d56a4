"""Polygons sent by users as GeoJSON: checked for validity, CRS and swapped coordinates."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from site_gis.errors import Problem, ValidationError
from site_gis.site import SiteInfo, place_near_site

MAX_POLYGON_VERTICES = 20_000
"""Most vertices a user's polygon may have: validity checks grow faster than linearly with
them (650,000 vertices took a minute of ``is_valid``), and a drawn area needs far fewer."""

_LONLAT = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
}


def polygon_from_geojson(
    data: Any,
    site: SiteInfo,
    *,
    field: str = "polygon",
    max_vertices: int = MAX_POLYGON_VERTICES,
) -> BaseGeometry:
    """A Polygon or MultiPolygon in lon/lat (EPSG:4326) from a GeoJSON geometry or Feature.

    Its vertices are counted, and refused beyond ``max_vertices``, before any geometry
    is built or checked.

    Raises
    ------
    ValidationError
        For anything that is not a valid lon/lat polygon near the site: the wrong
        type, too many vertices, a self-intersection, projected coordinates, a
        foreign ``crs``, latitude and longitude swapped.
    """

    def fail(reason: str, value: Any = None) -> ValidationError:
        return ValidationError(
            [Problem("request", None, field, value, reason)], summary=f"the {field} is not usable"
        )

    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise fail("give a GeoJSON Polygon or MultiPolygon (lon/lat, EPSG:4326)")
    if "crs" in data:
        member = data["crs"]
        properties = member.get("properties") if isinstance(member, dict) else None
        name = properties.get("name") if isinstance(properties, dict) else None
        if not isinstance(name, str) or name not in _LONLAT:
            raise fail(
                "coordinates must be lon/lat (EPSG:4326 / CRS84): drop the 'crs' member "
                "or name CRS84",
                str(member)[:80],
            )
    vertices = _vertex_count(data.get("coordinates"), 3 if data["type"] == "MultiPolygon" else 2)
    if vertices > max_vertices:
        raise fail(
            f"the polygon has {vertices:,} vertices; at most {max_vertices:,} are accepted: "
            "simplify it (e.g. to 1 m) before sending",
            vertices,
        )
    try:
        geometry = shape(data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise fail(f"malformed GeoJSON geometry: {exc}") from exc
    if geometry.is_empty:
        raise fail("the polygon is empty")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise fail(
            "coordinates are not longitude/latitude in degrees (projected metres? send EPSG:4326)",
            [minx, miny, maxx, maxy],
        )
    if not geometry.is_valid:
        raise fail(f"invalid polygon: {shapely.is_valid_reason(geometry)}")
    point = geometry.representative_point()
    placed = place_near_site(site, [point.x], [point.y])
    if placed.swapped[0]:
        raise fail("latitude and longitude look swapped (GeoJSON is lon, lat)")
    if placed.far[0]:
        raise fail(f"the polygon is {placed.distance_m[0] / 1000:.0f} km from {site.name}")
    return geometry


def _vertex_count(coordinates: Any, depth: int) -> int:
    """Positions in GeoJSON ``coordinates`` nested ``depth`` lists above the positions.

    Counts without building anything; a malformed structure counts what it can and
    is refused later, when the geometry is built.
    """
    if depth == 0 or not isinstance(coordinates, list):
        return 0
    if depth == 1:
        return len(coordinates)
    return sum(_vertex_count(part, depth - 1) for part in coordinates)
