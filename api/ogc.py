"""OGC API - Features helpers: parameters (bbox, datetime, crs, property filters), conformance."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from fastapi import Request

from api.cql2 import CONFORMANCE as FILTER_CONFORMANCE
from api.known_params import declared_parameters
from site_gis.errors import InvalidRequestError
from site_gis.schemas import LayerSchema
from site_gis.store import Between

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
    *FILTER_CONFORMANCE,
    # Part 4 (create, replace, update, delete), on feature layers, for officers; Part 4 is
    # still a draft (OGC 20-002r1): these are its URIs there, which may change at adoption
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"}
"""Parameters of the items that are not property filters (with any other the route declares)."""
DATE_FIELDS = {"results": "sampled_on", "structures": "surveyed_on", "encroachments": "surveyed_on"}


def supported_crs(metric_epsg: int) -> list[str]:
    """The CRS URIs a collection can be served in: CRS84 and the site's metric CRS."""
    return [CRS84, EPSG_URI.format(code=4326), EPSG_URI.format(code=metric_epsg)]


def parse_crs_uri(value: str | None, metric_epsg: int) -> int | None:
    """EPSG code of a requested CRS URI (``None`` for CRS84, lon/lat); 400 if unsupported.

    EPSG:4326 is latitude, longitude (the axis order of the EPSG register), so it
    is not CRS84: a box or output in it has its axes swapped (Part 2 of the standard).
    """
    if value is None or value in (CRS84, "CRS84", "OGC:CRS84"):
        return None
    for code in (4326, metric_epsg):
        if value in (EPSG_URI.format(code=code), f"EPSG:{code}"):
            return code
    raise InvalidRequestError(
        f"unsupported crs {value!r}; supported: {', '.join(supported_crs(metric_epsg))}"
    )


def parse_datetime(text: str | None, schema: LayerSchema) -> tuple[str, Between] | None:
    """The ``datetime`` parameter of OGC API - Features Part 1, on the layer's date field.

    An RFC 3339 date (``2024-01-01``) or date-time (``2024-01-01T10:00:00Z``,
    offset required), or an interval of two of them separated by ``/`` where
    one end may be open (``..`` or empty): ``2024-01-01/2024-03-31``,
    ``../2024-03-31``, ``2024-01-01/..``.  The layers' times are dates, so a
    date-time selects the day it is written in (its offset is not converted);
    an interval keeps both end days.  Anything else is a 400 naming ``datetime``.

    On a layer without a date the parameter is checked the same way and selects
    every feature: requirement ``/req/core/fc-time-response`` C of Part 1 has
    ``datetime`` match all features that have no temporal geometry.
    """
    if text is None:
        return None
    field = DATE_FIELDS.get(schema.name)
    ends = text.split("/")
    if len(ends) > 2:
        raise InvalidRequestError(f"datetime {text[:80]!r} {_DATETIME_FORMS}")
    instants = [None if len(ends) == 2 and e in ("", "..") else _rfc3339(e, text) for e in ends]
    if instants[0] is None and instants[-1] is None:
        raise InvalidRequestError(f"datetime {text[:80]!r}: an interval needs at least one end")
    low, high = instants[0], instants[-1]
    if low is not None and high is not None and _later(low, high):
        raise InvalidRequestError(f"datetime {text[:80]!r}: the interval ends before it starts")
    if field is None:
        return None
    return field, Between(None if low is None else low[:10], None if high is None else high[:10])


_DATETIME_FORMS = (
    "is not an RFC 3339 date (2024-01-01), date-time (2024-01-01T10:00:00Z) or interval "
    "(2024-01-01/2024-03-31, ../2024-03-31, 2024-01-01/..)"
)
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})"
    r"(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2})))?",
    re.ASCII,
)


def _rfc3339(end: str, text: str) -> str:
    """``end`` if it is an RFC 3339 full-date or date-time (400 otherwise)."""
    found = _RFC3339.fullmatch(end)
    if found is None or not _iso_date(found.group(1)):
        raise InvalidRequestError(f"datetime {text[:80]!r} {_DATETIME_FORMS}")
    hour, minute, second, offset_h, offset_m = (
        None if g is None else int(g) for g in found.groups()[1:]
    )
    if hour is not None and (hour > 23 or (minute or 0) > 59 or (second or 0) > 60):
        raise InvalidRequestError(f"datetime {text[:80]!r}: no such time of day")
    if offset_h is not None and (offset_h > 23 or (offset_m or 0) > 59):
        raise InvalidRequestError(f"datetime {text[:80]!r}: no such time offset")
    return end


def _later(low: str, high: str) -> bool:
    """Whether instant ``low`` comes after ``high`` (dates by day; two date-times exactly)."""
    if len(low) == 10 or len(high) == 10:
        return low[:10] > high[:10]
    return _instant(low) > _instant(high)


def _instant(text: str) -> datetime:
    # fromisoformat takes RFC 3339 but not a leap second (60) nor a lower-case z
    normal = text.upper().replace("Z", "+00:00")
    normal = normal[:17] + ("59" if normal[17:19] == "60" else normal[17:19]) + normal[19:]
    return datetime.fromisoformat(normal)


def property_filters(
    request: Request, schema: LayerSchema, visible: Sequence[str] | None = None
) -> dict[str, Any]:
    """Equality filters from query parameters named after queryable fields.

    ``visible`` are the fields the caller may see (default: the public ones).
    Every other parameter the route declares is skipped; any name else is a 400.
    """
    filters: dict[str, Any] = {}
    declared = declared_parameters(request)
    queryable = schema.public_field_names if visible is None else tuple(visible)
    for name, value in request.query_params.items():
        if name in RESERVED or name in declared:
            continue
        if name not in queryable:
            raise InvalidRequestError(
                f"unknown parameter or property {name!r}; queryable: {', '.join(queryable)}"
            )
        kind = schema.field(name).kind
        if kind == "bool":
            if value.lower() not in _BOOLEANS:
                raise InvalidRequestError(
                    f"{name} must be true or false (or 1/0, yes/no), not {value[:80]!r}"
                )
            filters[name] = _BOOLEANS[value.lower()]
        elif kind == "float":
            number = _number(name, value, float)
            if not math.isfinite(number):
                raise InvalidRequestError(f"{name} must be a finite number, not {value[:80]!r}")
            filters[name] = number
        elif kind == "int":
            filters[name] = _number(name, value, int)
        else:
            filters[name] = value
    return filters


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
"""What a boolean filter accepts (case-insensitively); any other word is a 400."""


def _number(name: str, value: str, kind: type[float] | type[int]) -> Any:
    try:
        return kind(value)
    except ValueError as exc:
        what = "a whole number" if kind is int else "a number"
        raise InvalidRequestError(f"{name} must be {what}, not {value[:80]!r}") from exc


QUERYABLES_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_JSON_TYPES = {"str": "string", "date": "string", "int": "integer", "float": "number"}
_GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "MultiPoint": "geometry-multipoint",
    "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def queryables(schema: LayerSchema, visible: Sequence[str], base: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the properties a caller may filter and sort on.

    OGC API - Features Part 3 (``/req/queryables``): one property per field the
    caller may see (household fields for planners only), typed, with its enum,
    bounds and unit (``x-ogc-unit``, a UCUM-style symbol: ``ha``, ``m``, ``m2``,
    ``acre``), and the layer's ``geometry`` with its GeoJSON type
    (``format: geometry-polygon`` ...; ``x-ogc-role: primary-geometry``).  The
    date a ``datetime`` query selects on is ``x-ogc-role: primary-instant``.
    """
    properties: dict[str, Any] = {}
    if not schema.is_table:
        kinds = schema.geometry_types
        properties["geometry"] = {
            "title": "Geometry (EPSG:4326 longitude/latitude; filter-crs for others)",
            "format": _GEOMETRY_FORMATS.get(kinds[0], "geometry-any")
            if len(kinds) == 1
            else "geometry-any",
            "x-ogc-role": "primary-geometry",
        }
    for spec in schema.fields:
        if spec.name not in visible:
            continue
        entry: dict[str, Any] = {"title": spec.description}
        if spec.kind == "bool":
            entry["type"] = "boolean"
        else:
            entry["type"] = _JSON_TYPES[spec.kind]
        if spec.kind == "date":
            entry["format"] = "date"
            if DATE_FIELDS.get(schema.name) == spec.name:
                entry["x-ogc-role"] = "primary-instant"
        if spec.choices:
            entry["enum"] = list(spec.choices)
        if spec.minimum is not None:
            entry["minimum"] = spec.minimum
        if spec.maximum is not None:
            entry["maximum"] = spec.maximum
        if spec.unit:
            entry["x-ogc-unit"] = spec.unit
        if spec.personal:
            entry["description"] = "Household-level personal data (planners only)"
        properties[spec.name] = entry
    return {
        "$schema": QUERYABLES_SCHEMA,
        "$id": f"{base}/collections/{schema.name}/queryables",
        "type": "object",
        "title": schema.title,
        "properties": properties,
        "additionalProperties": False,
    }


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
