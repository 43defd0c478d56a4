"""Fast RFC 7946 GeoJSON: orjson around shapely's per-geometry GeoJSON.

:func:`feature_collection` serialises a frame (analysis results);
:func:`page_collection` and :func:`page_fragments` serialise a store's
:class:`~site_gis.store.base.FeaturePage`, whose geometries and properties
the store has already written as JSON (the OGC API items and GeoJSON exports).

Coordinates are lon/lat (the store's EPSG:4326), polygons wind counter-clockwise
(right-hand rule), there is no ``crs`` member, NaN and missing values become ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import orjson

from site_gis.store import geometry_json
from site_gis.store.base import FeaturePage
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
    shapes = (
        geometry_json(frame.geometry.to_numpy())
        if isinstance(frame, gpd.GeoDataFrame)
        else ["null"] * len(frame)
    )
    geometries = [orjson.Fragment(g) for g in shapes]
    features = [
        {"type": "Feature", "id": fid, "geometry": geom, "properties": props}
        for fid, geom, props in zip(ids, geometries, records, strict=True)
    ]
    return orjson.dumps({"type": "FeatureCollection", **(extra or {}), "features": features})


def page_collection(page: FeaturePage, *, extra: dict[str, Any] | None = None) -> bytes:
    """Serialise a store's page of features as a FeatureCollection.

    Parameters
    ----------
    page
        Features in EPSG:4326, or in the CRS they were transformed to.
    extra
        Foreign members added to the collection (links, counts).
    """
    head = orjson.dumps({"type": "FeatureCollection", **(extra or {}), "features": []})
    return head[:-2] + page_fragments(page) + b"]}"


def page_fragments(page: FeaturePage) -> bytes:
    """The features of ``page`` as comma-separated JSON objects (for streaming).

    Each feature is assembled from text that is JSON already -- the geometry
    and the properties as the store gave them -- so nothing is parsed again.
    """
    geometries = ["null"] * len(page) if page.geometry is None else page.geometry
    features = [
        f'{{"type":"Feature","id":{orjson.dumps(fid).decode()},"geometry":{geom},'
        f'"properties":{props}}}'
        for fid, geom, props in zip(page.ids, geometries, page.properties, strict=True)
    ]
    return ",".join(features).encode()


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
