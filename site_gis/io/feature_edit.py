"""One feature at a time: create, replace, update and delete, with optimistic locking.

The API's OGC API - Features Part 4 routes call these.  A feature comes as a
GeoJSON Feature (lon/lat) and is read by the layer import's own reader
(:func:`~site_gis.io.layer_import.read_layer_upload`), so the same checks apply:
JSON parsed without GDAL, control characters, geometry validity, size limits;
the store's write then validates the layer as it will be (schema, the site's
extent, identifier clashes, references both ways) and audits it, exactly as a
layer import.

Every feature has a version (:func:`feature_version`), a SHA-256 over its
fields and geometry.  Replacing, updating or deleting needs the version the
caller last saw; if the feature has changed since, nothing is written
(:class:`~site_gis.errors.PreconditionFailedError`).  The new layer is
computed from a read of the whole layer, and the write is refused inside its
lock if that layer changed after the read; the edit is then recomputed on the
layer as it is now (up to :data:`ATTEMPTS` times, then a 409-mapped
:class:`~site_gis.errors.EditConflictError`), so a concurrent write of another
feature is never lost.  Edits made through one process queue on a lock per
store, so only writers in other processes (a CLI import, another server) can
cause a retry.

Tables (``results``) are edited by the lab import, not here.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import orjson
import pandas as pd
import shapely
import shapely.geometry

from site_gis.errors import (
    EditConflictError,
    FeatureNotFoundError,
    InvalidRequestError,
    PreconditionFailedError,
)
from site_gis.io.layer_import import Limits, read_layer_upload
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store.base import AuditEntry, FeaturePage, LayerReader, Store
from site_gis.store.common import content_hash, plain
from site_gis.validation import Frame

ATTEMPTS = 5
"""Times an edit is recomputed when another write changed the layer meanwhile."""
Edit = Literal["create", "replace", "update", "delete"]


@dataclass(frozen=True, slots=True)
class FeatureEdit:
    """What an edit did: the feature's identifier, its new version and the audit entry."""

    feature_id: str
    version: str | None
    audit: AuditEntry


def feature_version(page: FeaturePage) -> str:
    """A version token of a page's first feature: SHA-256 (32 hex digits) of its JSON.

    Hashes the properties and geometry as the store serves them
    (:meth:`~site_gis.store.base.Store.features`), so the route that shows a
    feature and the edit that checks it compute the token from the same text.
    Over the fields the page holds: a caller who may not see household fields
    gets a token that tells nothing about them.
    """
    digest = hashlib.sha256(page.properties[0].encode())
    if page.geometry is not None:
        digest.update(page.geometry[0].encode())
    return digest.hexdigest()[:32]


def stored_version(
    store: Store, schema: LayerSchema, feature_id: str, fields: Sequence[str] | None = None
) -> str | None:
    """The :func:`feature_version` of a stored feature (every field unless ``fields``).

    ``None`` if there is no such feature.
    """
    page = store.features(
        schema.name,
        where={schema.id_field: feature_id},
        columns=schema.field_names if fields is None else fields,
        limit=1,
    )
    return feature_version(page) if len(page) else None


def _json_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def edit_feature(
    store: Store,
    layer: str,
    edit: Edit,
    *,
    actor: str,
    feature_id: str | None = None,
    body: bytes | None = None,
    expected: Collection[str] = (),
    limits: Limits | None = None,
) -> FeatureEdit:
    """Create, replace, update (JSON merge patch) or delete one feature, all or nothing.

    Parameters
    ----------
    store
        The store.
    layer
        A layer with geometry.
    edit
        ``create`` (``body`` a GeoJSON Feature whose properties hold the
        identifier), ``replace`` (``body`` the whole new feature), ``update``
        (``body`` an RFC 7396 merge patch of a Feature: its ``properties`` change
        those named, ``null`` empties one; a ``geometry`` replaces it) or ``delete``.
    feature_id
        The feature to replace, update or delete.
    expected
        Its :func:`feature_version` as the caller saw it (any of them; ``"*"``
        for any version); required for every edit but ``create``.
    limits
        Upload limits (bytes, vertices) of the layer import.

    Raises
    ------
    FeatureNotFoundError
        No feature ``feature_id``.
    PreconditionFailedError
        The feature is at none of the ``expected`` versions (changed since it was read).
    ValidationError
        The new feature fails the layer's schema, the site's extent or the
        store's integrity (deleting a feature others refer to, say).
    """
    schema = CATALOGUE.get(layer)
    if schema is None or schema.is_table:
        raise InvalidRequestError(
            f"{layer!r} is not a layer with geometry; results are imported as a lab CSV"
        )
    limits = limits or Limits()
    if edit == "create":
        frame = _feature_frame(schema, _document(body), limits)
        new_id = str(frame[schema.id_field].iloc[0])
        entry = store.write(
            {layer: frame},
            mode="append",
            actor=actor,
            action="create-feature",
            note=f"{layer}/{new_id}",
            source_hash=hashlib.sha256(body or b"").hexdigest(),
        )
        return FeatureEdit(new_id, stored_version(store, schema, new_id), entry)
    assert feature_id is not None
    with _EDITS.setdefault(store.url, threading.Lock()):  # edits in this process queue here
        return _edit_existing(store, schema, edit, actor, feature_id, body, expected, limits)


_EDITS: dict[str, threading.Lock] = {}
"""One lock per store: edits made by one server do not race each other's reads."""


def _edit_existing(
    store: Store,
    schema: LayerSchema,
    edit: Edit,
    actor: str,
    feature_id: str,
    body: bytes | None,
    expected: Collection[str],
    limits: Limits,
) -> FeatureEdit:
    layer = schema.name
    for _ in range(ATTEMPTS):
        current = store.read(layer)
        position = _position(schema, current, feature_id)
        stored = current.iloc[position]
        if "*" not in expected and stored_version(store, schema, feature_id) not in expected:
            raise PreconditionFailedError(
                f"{layer}/{feature_id} has changed since that version was read; "
                "read it again (its ETag) and retry"
            )
        if edit == "delete":
            new_layer = current.drop(index=current.index[position]).reset_index(drop=True)
            new_row = None
        else:
            document = _document(body)
            if edit == "update":
                document = _merged(schema, stored, document)
            new_row = _feature_frame(schema, document, limits)
            if str(new_row[schema.id_field].iloc[0]) != feature_id:
                raise InvalidRequestError(
                    f"the feature's {schema.id_field} must stay {feature_id!r}"
                )
            new_layer = _replaced(current, position, new_row)
        seen = content_hash({layer: current})
        try:
            entry = store.write(
                {layer: new_layer},
                mode="replace",
                actor=actor,
                action=f"{edit}-feature",
                note=f"{layer}/{feature_id}",
                source_hash=hashlib.sha256(body or b"").hexdigest(),
                precondition=_unchanged(layer, seen),
            )
        except _LayerChangedError:
            continue
        version = None if new_row is None else stored_version(store, schema, feature_id)
        return FeatureEdit(feature_id, version, entry)
    raise EditConflictError(f"{layer} kept changing during the edit; retry")


class _LayerChangedError(Exception):
    """The layer changed between the edit's read and its write."""


def _unchanged(layer: str, seen: str) -> Callable[[LayerReader], None]:
    def check(read: LayerReader) -> None:
        if content_hash({layer: read(layer)}) != seen:
            raise _LayerChangedError

    return check


def _position(schema: LayerSchema, frame: Frame, feature_id: str) -> int:
    found = [i for i, v in enumerate(frame[schema.id_field].astype(str)) if v == feature_id]
    if not found:
        raise FeatureNotFoundError(f"no feature {feature_id[:80]!r} in {schema.name}")
    return found[0]


def _document(body: bytes | None) -> dict[str, Any]:
    try:
        document = orjson.loads(body or b"")
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(f"the body is not JSON: {str(exc)[:120]}") from exc
    if not isinstance(document, dict) or document.get("type") != "Feature":
        raise InvalidRequestError('the body must be one GeoJSON Feature ({"type": "Feature", ...})')
    return document


def _feature_frame(schema: LayerSchema, feature: dict[str, Any], limits: Limits) -> Frame:
    """The feature as a one-row frame, read as the layer import reads a FeatureCollection."""
    collection = orjson.dumps({"type": "FeatureCollection", "features": [feature]})
    frame = read_layer_upload(collection, schema, source="feature", limits=limits)
    if len(frame) != 1:
        raise InvalidRequestError("the body must hold exactly one feature")
    return frame


def _merged(schema: LayerSchema, stored: pd.Series, patch: dict[str, Any]) -> dict[str, Any]:
    """The stored feature with an RFC 7396 merge patch applied (as a GeoJSON Feature)."""
    properties: dict[str, Any] = {
        name: _json_value(plain(stored[name])) for name in schema.field_names
    }
    changes = patch.get("properties") or {}
    if not isinstance(changes, dict):
        raise InvalidRequestError("a patch's properties must be an object")
    for name, value in changes.items():
        if value is None:
            properties.pop(name, None)
        else:
            properties[name] = value
    geometry = patch.get("geometry") or shapely.geometry.mapping(stored["geometry"])
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _replaced(current: Frame, position: int, new_row: Frame) -> Frame:
    """``current`` with row ``position`` replaced by ``new_row`` (same place in the order)."""
    row = new_row.reindex(columns=current.columns)
    parts = [current.iloc[:position], row, current.iloc[position + 1 :]]
    combined = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=current.crs)


__all__ = ["ATTEMPTS", "FeatureEdit", "edit_feature", "feature_version", "stored_version"]
