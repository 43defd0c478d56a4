"""The schema of a collection's features, ``/collections/{layer}/schema`` (JSON Schema).

Two views of the same layer schema (:mod:`site_gis.schemas`), both JSON Schema
2020-12 (``application/schema+json``):

* the logical schema of the Open Geospatial Consortium's draft OGC API -
  Features - Part 5: Schemas (:func:`feature_schema`): the feature's
  properties side by side, with the Part 5 keywords ``x-ogc-role`` (``id``,
  ``primary-geometry``, ``primary-instant``) and ``x-ogc-unit`` and the
  geometry as a Part 5 ``format`` (``geometry-point``, ``geometry-polygon``...);
  a collection links it with the OGC relation :data:`SCHEMA_REL`;
* the schema of the GeoJSON encoding of a feature (:func:`geojson_feature_schema`,
  ``?profile=geojson``): a ``Feature`` whose ``properties`` member holds the
  fields.  The collection links it with ``rel=describedby``, the link GDAL's
  OAPIF driver (and QGIS through it) follows to type the fields instead of
  guessing from the first page: a number empty in the first features is still
  a Real.

Each field has one JSON type (``string``, ``number``, ``integer``,
``boolean``; dates ``format: date``), the form clients read; an empty value is
``null`` in the items, and the fields that may be empty are the ones not listed
in ``required``.  Only the fields the caller may see are listed
(household-level fields need the planner role), as in the items.
"""

from __future__ import annotations

from typing import Any

from api.ogc import DATE_FIELDS
from site_gis.schemas import FieldSpec, LayerSchema

SCHEMA_MEDIA_TYPE = "application/schema+json"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
"""The OGC link relation of a collection's (logical) schema."""
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"

_TYPES = {"str": "string", "date": "string", "int": "integer", "float": "number", "bool": "boolean"}
_GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "MultiPoint": "geometry-multipoint",
    "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def feature_schema(schema: LayerSchema, fields: tuple[str, ...], base: str) -> dict[str, Any]:
    """The Part 5 logical schema of the features of ``schema`` with the properties ``fields``.

    Parameters
    ----------
    schema
        The layer.
    fields
        The fields the caller may see, in order.
    base
        The server's root URL (for ``$id``).
    """
    properties = {name: _property(schema, schema.field(name), roles=True) for name in fields}
    if not schema.is_table:
        kinds = {_GEOMETRY_FORMATS.get(kind, "geometry-any") for kind in schema.geometry_types}
        properties["geometry"] = {
            "title": "Geometry (WGS 84 longitude/latitude unless a crs is asked for)",
            "format": kinds.pop() if len(kinds) == 1 else "geometry-any",
            "x-ogc-role": "primary-geometry",
        }
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"{base}/collections/{schema.name}/schema",
        "type": "object",
        "title": schema.title,
        "description": schema.description,
        "properties": properties,
        "required": [name for name in fields if schema.field(name).required],
    }


def geojson_feature_schema(
    schema: LayerSchema, fields: tuple[str, ...], base: str
) -> dict[str, Any]:
    """The schema of one GeoJSON ``Feature`` of ``schema`` as the items serve it.

    Parameters are those of :func:`feature_schema`.
    """
    properties = {name: _property(schema, schema.field(name), roles=False) for name in fields}
    id_kind = _TYPES[schema.field(schema.id_field).kind]
    geometry: dict[str, Any] = (
        {"type": "null"}
        if schema.is_table
        else {
            "type": "object",
            "title": "RFC 7946 geometry",
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": list(schema.geometry_types)},
                "coordinates": {"type": "array"},
            },
        }
    )
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"{base}/collections/{schema.name}/schema?profile=geojson",
        "type": "object",
        "title": f"{schema.title}: a GeoJSON feature",
        "description": schema.description,
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": id_kind, "title": f"The feature's {schema.id_field}"},
            "geometry": geometry,
            "properties": {
                "type": "object",
                "required": [name for name in fields if schema.field(name).required],
                "properties": properties,
            },
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }


def _property(schema: LayerSchema, spec: FieldSpec, *, roles: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": spec.description, "type": _TYPES[spec.kind]}
    if spec.kind == "date":
        entry["format"] = "date"
    if spec.choices:
        entry["enum"] = list(spec.choices)
    if spec.minimum is not None:
        entry["minimum"] = spec.minimum
    if spec.maximum is not None:
        entry["maximum"] = spec.maximum
    if roles and spec.unit:
        entry["x-ogc-unit"] = spec.unit
    if roles and spec.name == schema.id_field:
        entry["x-ogc-role"] = "id"
    elif roles and DATE_FIELDS.get(schema.name) == spec.name:
        entry["x-ogc-role"] = "primary-instant"
    return entry
