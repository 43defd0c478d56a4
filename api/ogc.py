"""OGC API - Features helpers: parameters (bbox, datetime, crs), conformance, exceptions."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request

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
]
RESERVED = {
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "format",
    "geometry",
    "layers",
}
DATE_FIELDS = {"results": "sampled_on", "structures": "surveyed_on", "encroachments": "surveyed_on"}


def supported_crs(metric_epsg: int) -> list[str]:
    """The CRS URIs a collection can be served in: CRS84 and the site's metric CRS."""
    return [CRS84, EPSG_URI.format(code=4326), EPSG_URI.format(code=metric_epsg)]


def parse_crs_uri(value: str | None, metric_epsg: int) -> int | None:
    """EPSG code of a requested CRS URI (``None`` for CRS84 / lon-lat); 400 if unsupported."""
    if value is None or value in (CRS84, "CRS84", "OGC:CRS84"):
        return None
    for code in (4326, metric_epsg):
        if value in (EPSG_URI.format(code=code), f"EPSG:{code}"):
            return None if code == 4326 else code
    raise InvalidRequestError(
        f"unsupported crs {value!r}; supported: {', '.join(supported_crs(metric_epsg))}"
    )


def parse_bbox(text: str | None, *, lonlat: bool) -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` with clear errors (latitude bounds checked for lon/lat)."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise InvalidRequestError(f"bbox must be four numbers, got {text!r}") from exc
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise InvalidRequestError(f"bbox must be four finite numbers, got {text!r}")
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise InvalidRequestError("bbox minimum exceeds maximum")
    if lonlat and (not -90 <= miny <= maxy <= 90 or not -180 <= minx <= maxx <= 180):
        raise InvalidRequestError("bbox latitudes must be within ±90 and longitudes ±180")
    return minx, miny, maxx, maxy


def parse_datetime(text: str | None, schema: LayerSchema) -> tuple[str, Between] | None:
    """An instant or ``start/end`` interval (``..`` open) on the layer's date field."""
    if text is None:
        return None
    field = DATE_FIELDS.get(schema.name)
    if field is None:
        raise InvalidRequestError(f"layer {schema.name!r} has no time to filter by datetime")
    ends = [p.strip() for p in text.split("/")]
    if len(ends) > 2:
        raise InvalidRequestError("datetime must be an instant or start/end")
    dates = [None if e in ("", "..") else e[:10] for e in ends]
    for d in dates:
        if d is not None and not _iso_date(d):
            raise InvalidRequestError(f"datetime {text!r} is not RFC 3339")
    low, high = (dates[0], dates[0]) if len(dates) == 1 else (dates[0], dates[1])
    return field, Between(low, high)


def property_filters(request: Request, schema: LayerSchema) -> dict[str, Any]:
    """Equality filters from query parameters named after queryable (public) fields."""
    filters: dict[str, Any] = {}
    for name, value in request.query_params.items():
        if name in RESERVED:
            continue
        if name not in schema.public_field_names:
            raise InvalidRequestError(
                f"unknown parameter or property {name!r}; queryable: "
                f"{', '.join(schema.public_field_names)}"
            )
        kind = schema.field(name).kind
        if kind == "bool":
            filters[name] = value.lower() in ("true", "1", "yes")
        elif kind in ("int", "float"):
            try:
                filters[name] = float(value) if kind == "float" else int(value)
            except ValueError as exc:
                raise InvalidRequestError(f"{name} must be a number") from exc
        else:
            filters[name] = value
    return filters


def queryables(schema: LayerSchema, base: str) -> dict[str, Any]:
    """JSON Schema of the fields a client may filter on."""
    types = {
        "str": "string",
        "date": "string",
        "int": "integer",
        "float": "number",
        "bool": "boolean",
    }
    properties: dict[str, Any] = {}
    for spec in schema.fields:
        if spec.personal:
            continue
        entry: dict[str, Any] = {"title": spec.description, "type": types[spec.kind]}
        if spec.kind == "date":
            entry["format"] = "date"
        if spec.choices:
            entry["enum"] = list(spec.choices)
        properties[spec.name] = entry
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{schema.name}/queryables",
        "type": "object",
        "title": schema.title,
        "properties": properties,
    }


def _iso_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
