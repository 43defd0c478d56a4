"""A collection's ``extent``: spatial (lon/lat box) and temporal (first and last day).

The OGC API - Features Part 1 ``extent`` object (``collection.yaml``) has an
optional ``spatial`` member (``bbox``, ``crs``) and an optional ``temporal``
member (``interval``, ``trs``), and the extent itself is optional: a layer with
neither geometry nor a date (the screening levels) has no ``extent`` at all,
never ``"extent": null``.  The temporal interval of a dated layer (results,
structures, encroachments: :data:`api.ogc.DATE_FIELDS`) runs from the start of
its first day to the end of its last, in UTC, and is read once per data version.
"""

from __future__ import annotations

import threading
from typing import Any

from api.ogc import CRS84, DATE_FIELDS
from site_gis.store import LayerInfo, Store

GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
"""The temporal reference system of the ``interval`` (RFC 3339 date-times)."""

_DAYS: dict[tuple[str, str, str], tuple[str, str] | None] = {}
_LOCK = threading.Lock()


def collection_extent(store: Store, info: LayerInfo) -> dict[str, Any] | None:
    """The ``extent`` of layer ``info`` (``None`` when it has neither geometry nor a date)."""
    extent: dict[str, Any] = {}
    if info.bounds:
        extent["spatial"] = {"bbox": [list(info.bounds)], "crs": CRS84}
    days = _first_and_last_day(store, info.name)
    if days is not None:
        extent["temporal"] = {
            "interval": [[f"{days[0]}T00:00:00Z", f"{days[1]}T23:59:59Z"]],
            "trs": GREGORIAN,
        }
    return extent or None


def _first_and_last_day(store: Store, layer: str) -> tuple[str, str] | None:
    """The first and last ISO day of ``layer``'s date field (``None``: no date, or none set)."""
    field = DATE_FIELDS.get(layer)
    if field is None:
        return None
    key = (store.url, store.version(), layer)
    with _LOCK:
        if key in _DAYS:
            return _DAYS[key]
    column = store.read(layer, columns=[field])[field].dropna().astype(str)
    days = (str(column.min())[:10], str(column.max())[:10]) if len(column) else None
    with _LOCK:
        if len(_DAYS) > 64:
            _DAYS.clear()
        _DAYS[key] = days
    return days
