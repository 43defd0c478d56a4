"""``/openapi.json``: the API definition as OpenAPI 3.0, as the OGC conformance class asks.

The Open Geospatial Consortium's OGC API - Features Part 1 has a conformance
class for OpenAPI 3.0 (``/conf/oas30``) and none for 3.1, and the clients read
the definition by that media type: GDAL's OAPIF driver and QGIS look for the
landing page's ``service-desc`` link of type
``application/vnd.oai.openapi+json;version=3.0``, and GDAL takes the page size
it asks for from the ``limit`` parameter's ``maximum``.  FastAPI writes 3.1.0,
so :func:`openapi_30` rewrites its document as 3.0.3 -- the JSON Schema forms
3.0 lacks (``anyOf`` with ``null``, numeric ``exclusiveMinimum``, ``examples``
lists) in their 3.0 spelling -- and states the standard's own parameters:

* ``bbox``: an array of 4 or 6 numbers, ``style: form``, ``explode: false``;
* ``datetime``: a string (an RFC 3339 instant or interval);
* ``limit``: an integer from 1 to the server's maximum page size, default 100;
* Part 3 and sorting: ``filter`` (CQL2, at most :data:`api.cql2.MAX_FILTER_CHARS`
  characters), ``filter-lang`` (``cql2-text`` or ``cql2-json``), ``filter-crs``
  (a CRS URI), ``sortby`` and ``properties`` (comma-separated lists, ``style:
  form``, ``explode: false``) and ``skipGeometry`` (boolean);

and the error answers every operation can give (400, 401, 403, 405, 503),
each an :data:`EXCEPTION` body.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from api.cql2 import FILTER_LANGS, MAX_FILTER_CHARS, MAX_SORT_KEYS

OPENAPI_30_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
VERSION = "3.0.3"

EXCEPTION = {
    "type": "object",
    "title": "Exception",
    "description": "An error: its kind and what went wrong (safe to show to users)",
    "required": ["code"],
    "properties": {
        "code": {"type": "string"},
        "type": {"type": "string"},
        "description": {"type": "string"},
        "detail": {"description": "the same, or the list of failing parameters"},
    },
}
ERRORS = {
    "400": "A query parameter is unknown or has an invalid value (the body names it)",
    "401": "An API key is needed, or the one sent is not valid",
    "403": "The API key's roles do not allow this",
    "405": "The method is not allowed on this path",
    "503": "The data store is unavailable; retry after the Retry-After seconds",
}

_BBOX = {
    "type": "array",
    "minItems": 4,
    "maxItems": 6,
    "items": {"type": "number"},
}
_BBOX_TEXT = (
    "Only features that have a geometry that intersects the bounding box are selected: "
    "four numbers (lower left corner, upper right corner) or six (with the minimum and "
    "maximum of a vertical axis, third and sixth, ignored: the layers are 2D), in WGS 84 "
    "longitude/latitude (CRS84) unless bbox-crs names another CRS, in that CRS's axis "
    "order (EPSG:4326: latitude first). A first longitude larger than the third spans "
    "the antimeridian."
)
_DATETIME_TEXT = (
    "An RFC 3339 date or date-time, or an interval of two separated by '/' with '..' or "
    "nothing for an open end; on a layer without dates every feature matches."
)


_FILTERING: dict[str, dict[str, Any]] = {
    "filter": {
        "schema": {"type": "string", "maxLength": MAX_FILTER_CHARS},
        "style": "form",
        "explode": False,
    },
    "filter-lang": {
        "schema": {"type": "string", "enum": list(FILTER_LANGS), "default": "cql2-text"},
        "style": "form",
        "explode": False,
    },
    "filter-crs": {"schema": {"type": "string", "format": "uri"}, "style": "form"},
    "sortby": {
        "schema": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_SORT_KEYS,
            "items": {"type": "string", "pattern": r"^[+-]?[A-Za-z_][A-Za-z0-9_]*$"},
        },
        "style": "form",
        "explode": False,
    },
    "properties": {
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": False,
    },
    "skipGeometry": {
        "schema": {"type": "boolean", "default": False},
        "style": "form",
        "explode": False,
    },
}
"""The OpenAPI form of the filtering, sorting and field-selection parameters."""


def openapi_30(app: FastAPI, *, max_items: int) -> dict[str, Any]:
    """FastAPI's description of ``app`` as an OpenAPI 3.0.3 document (a new dict).

    Parameters
    ----------
    max_items
        The largest page the items serve (the ``limit`` maximum).
    """
    document = copy.deepcopy(app.openapi())
    document["openapi"] = VERSION
    document.pop("jsonSchemaDialect", None)
    document.pop("webhooks", None)
    document.get("info", {}).pop("summary", None)
    document.get("info", {}).get("license", {}).pop("identifier", None)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, schema in list(schemas.items()):
        schemas[name] = _schema_30(schema)
    schemas["Exception"] = copy.deepcopy(EXCEPTION)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict):
                _operation_30(operation, max_items if path.endswith("/items") else None)
    return document


def _operation_30(operation: dict[str, Any], max_items: int | None) -> None:
    """Rewrite ``operation`` for 3.0 (``max_items``: the page limit of an items operation)."""
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            parameter["schema"] = _schema_30(parameter["schema"])
        examples = parameter.pop("examples", None)
        if isinstance(examples, list) and examples:
            parameter["example"] = examples[0]
        elif isinstance(examples, dict):
            parameter["examples"] = examples
        if parameter.get("in") == "query":
            _ogc_parameter(parameter, max_items)
    body = operation.get("requestBody", {})
    for media in body.get("content", {}).values():
        if "schema" in media:
            media["schema"] = _schema_30(media["schema"])
    responses = operation.setdefault("responses", {})
    for response in responses.values():
        for media in response.get("content", {}).values():
            if "schema" in media:
                media["schema"] = _schema_30(media["schema"])
    for status, text in ERRORS.items():
        responses.setdefault(
            status,
            {
                "description": text,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Exception"}}
                },
            },
        )


def _ogc_parameter(parameter: dict[str, Any], max_items: int | None) -> None:
    """The standard's definitions of ``bbox``, ``datetime``, ``limit`` and the Part 3 ones."""
    name = parameter.get("name")
    if name in _FILTERING:
        parameter.update(copy.deepcopy(_FILTERING[name]))
    elif name == "bbox":
        parameter.update(
            schema=copy.deepcopy(_BBOX), style="form", explode=False, description=_BBOX_TEXT
        )
    elif name == "datetime":
        parameter.update(
            schema={"type": "string"}, style="form", explode=False, description=_DATETIME_TEXT
        )
    elif name == "limit" and max_items is not None:
        parameter.update(
            schema={"type": "integer", "minimum": 1, "maximum": max_items, "default": 100},
            style="form",
            explode=False,
            description=(
                f"Page size, from 1 to {max_items}; a larger value is served as {max_items}"
            ),
        )


def _schema_30(schema: Any) -> Any:
    """A JSON Schema (OpenAPI 3.1 dialect) as an OpenAPI 3.0 Schema Object."""
    if isinstance(schema, list):
        return [_schema_30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _schema_30(value) for key, value in schema.items() if key != "properties"}
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _schema_30(v) for k, v in schema["properties"].items()}
    for keyword in ("anyOf", "oneOf"):
        options = out.get(keyword)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[keyword]
            out["nullable"] = True
            if len(rest) == 1 and "$ref" not in rest[0]:
                out = {**rest[0], **out}
            elif len(rest) == 1:
                out["allOf"] = rest
            elif rest:
                out[keyword] = rest
    kinds = out.get("type")
    if isinstance(kinds, list):
        named = [k for k in kinds if k != "null"]
        if "null" in kinds:
            out["nullable"] = True
        if len(named) == 1:
            out["type"] = named[0]
        else:
            del out["type"]
            out["anyOf"] = [{"type": k} for k in named]
    if out.get("type") == "null":
        del out["type"]
        out["nullable"] = True
        out["enum"] = [None]
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[plain] = value
            out[bound] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    examples = out.pop("examples", None)
    if isinstance(examples, list) and examples:
        out.setdefault("example", examples[0])
    if "contentMediaType" in out:
        out.pop("contentMediaType")
        out.setdefault("format", "binary")
    for keyword in ("$schema", "$id", "$defs", "contentEncoding", "prefixItems"):
        out.pop(keyword, None)
    return out
