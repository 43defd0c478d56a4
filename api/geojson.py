"""Fast RFC 7946 GeoJSON from frames: orjson around shapely's per-geometry GeoJSON.

Coordinates are lon/lat (the store's EPSG:4326), polygons wind counter-clockwise
(right-hand rule), there is no ``crs`` member, NaN and missing values become ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import orjson
import shapely

from site_gis.validation import Frame

GEOJSON_MEDIA_TYPE = "application/geo+json"


def feature_collection(
    frame: Frame, *, id_field: str, fields: Sequence[str], extra: dict[str, Any] | None = None
) -> bytes:
    """Serialise ``frame`` as a FeatureCollection.

    Parameters
    ----------
    frame
        Features in EPSG:4326 (a plain DataFrame gives null geometries).
    id_field
        Field used as each feature's ``id``.
    fields
        Fields written to ``properties``, in order.
    extra
        Foreign members added to the collection (links, counts, timeStamp).
    """
    records = _records(frame, fields)
    ids = frame[id_field].tolist()
    if isinstance(frame, gpd.GeoDataFrame):
        oriented = shapely.orient_polygons(frame.geometry.to_numpy())
        geometries = [
            None if g is None else orjson.Fragment(g) for g in shapely.to_geojson(oriented)
        ]
    else:
        geometries = [None] * len(frame)
    features = [
        {"type": "Feature", "id": fid, "geometry": geom, "properties": props}
        for fid, geom, props in zip(ids, geometries, records, strict=True)
    ]
    return orjson.dumps({"type": "FeatureCollection", **(extra or {}), "features": features})


def feature_fragments(frame: Frame, *, id_field: str, fields: Sequence[str]) -> bytes:
    """The features of ``frame`` as comma-separated JSON objects (for streaming)."""
    body = feature_collection(frame, id_field=id_field, fields=fields)
    start = body.index(b'"features":[') + len(b'"features":[')
    return body[start:-2]


def _records(frame: Frame, fields: Sequence[str]) -> list[dict[str, Any]]:
    """Rows as dicts, built column by column (NaN and missing values become None)."""
    columns = []
    for field in fields:
        column = frame[field]
        if column.hasnans:
            columns.append(column.astype(object).where(column.notna(), None).tolist())
        else:
            columns.append(column.tolist())
    return [dict(zip(fields, row, strict=True)) for row in zip(*columns, strict=True)]
