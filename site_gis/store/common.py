"""What every store backend shares: request checks, filter semantics, audit entries, hashes.

The backends differ in how they store rows; they must not differ in what a
read returns or what a write records.  So the checks of a read request, the
meaning of a ``where`` filter (:func:`conditions`), the audit entry of a write
and the content hash live here, and each backend only translates them into its
own query language.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from site_gis.access import ApiKey
from site_gis.errors import InvalidRequestError, LayerNotFoundError, StoreError
from site_gis.schemas import CATALOGUE, FieldSpec, LayerSchema
from site_gis.store.base import AuditEntry, BBox, Between
from site_gis.validation import Frame, control_character

METADATA_TABLE = "site_gis_metadata"
AUDIT_TABLE = "site_gis_audit"
KEYS_TABLE = "site_gis_api_keys"
METADATA_KEYS = ("schema_version", "site", "layers_digest", "created_at")
"""Keys every store's :meth:`~site_gis.store.base.Store.metadata` holds."""
AUDIT_COLUMNS = (
    "audit_id",
    "at",
    "actor",
    "action",
    "mode",
    "layers",
    "rows",
    "content_hash",
    "source_hash",
    "note",
)


def layer_schema(name: str) -> LayerSchema:
    """The schema of layer ``name``; :class:`LayerNotFoundError` if there is none."""
    if name not in CATALOGUE:
        raise LayerNotFoundError(name, CATALOGUE)
    return CATALOGUE[name]


def check_read(
    schema: LayerSchema, columns: Sequence[str] | None, limit: int | None, offset: int
) -> None:
    """Refuse bad paging and unknown columns with :class:`InvalidRequestError`."""
    if (limit is not None and limit < 1) or offset < 0:
        raise InvalidRequestError(f"limit must be ≥ 1 and offset ≥ 0 (got {limit}, {offset})")
    if columns is not None:
        unknown = [c for c in columns if c not in schema.field_names]
        if unknown:
            raise InvalidRequestError(f"layer {schema.name!r} has no field(s) {', '.join(unknown)}")


def check_bbox(schema: LayerSchema, bbox: BBox | None) -> BBox | None:
    """A validated bbox (min lon, min lat, max lon, max lat; EPSG:4326 degrees) or ``None``."""
    if bbox is None:
        return None
    if schema.is_table:
        raise InvalidRequestError(f"layer {schema.name!r} has no geometry to filter by bbox")
    values = [float(v) for v in bbox]
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise InvalidRequestError(f"bbox must be four finite numbers, got {bbox!r}")
    if values[0] > values[2] or values[1] > values[3]:
        raise InvalidRequestError(f"bbox minimum exceeds maximum: {bbox!r}")
    return (values[0], values[1], values[2], values[3])


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``field`` equals one of ``values`` (or is empty, when ``or_null``); none matches nothing."""

    field: FieldSpec
    values: tuple[object, ...]
    or_null: bool


@dataclass(frozen=True, slots=True)
class InRange:
    """``low <= field <= high``; an end that is ``None`` is open."""

    field: FieldSpec
    low: object
    high: object


Condition = AnyOf | InRange


def conditions(schema: LayerSchema, where: Mapping[str, object] | None) -> list[Condition]:
    """The meaning of a ``where`` mapping, independent of any query language.

    A scalar means equality, a list, tuple or set "any of", ``None`` (or NaN,
    or pandas NA) an empty value, and :class:`~site_gis.store.base.Between` a
    closed range.  Values are converted to the field's type: a value that
    cannot be one (``"x"`` for a number) matches nothing; text holding a control
    character (which validation keeps out of every store) is refused.  Field names are
    checked against the schema, so they are safe to quote into a query.
    """
    found: list[Condition] = []
    for name, value in (where or {}).items():
        if name not in schema.field_names:
            raise InvalidRequestError(f"layer {schema.name!r} has no field {name!r}")
        spec = schema.field(name)
        if isinstance(value, Between):
            low, high = (plain(v) for v in (value.low, value.high))
            ends = [None if v is None else _typed(spec, v) for v in (low, high)]
            if _NO_MATCH in ends:
                found.append(AnyOf(spec, (), or_null=False))
            else:
                found.append(InRange(spec, ends[0], ends[1]))
            continue
        values = [plain(v) for v in (value if isinstance(value, list | tuple | set) else [value])]
        typed = [_typed(spec, v) for v in values if v is not None]
        present = tuple(dict.fromkeys(v for v in typed if v is not _NO_MATCH))
        found.append(AnyOf(spec, present, or_null=any(v is None for v in values)))
    return found


class _NoMatch:
    def __repr__(self) -> str:
        return "<no match>"


_NO_MATCH: Any = _NoMatch()


def _typed(spec: FieldSpec, value: object) -> object:
    """``value`` as the field's Python type, or ``_NO_MATCH`` when it cannot be one."""
    if spec.kind in ("str", "date"):
        text = value if isinstance(value, str) else str(value)
        found = control_character(text, multiline=spec.multiline)
        if found is not None:  # never stored; a NUL would also cut GDAL's SQL short
            raise InvalidRequestError(
                f"cannot filter {spec.name} on text holding the control character {found}"
            )
        return text
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        return bool(value) if value in (0, 1) else _NO_MATCH
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _NO_MATCH
    if not math.isfinite(number):
        raise InvalidRequestError(f"cannot filter on the non-finite number {value!r}")
    if spec.kind == "int":  # stores hold 64-bit integers: nothing equals a larger one
        whole = number.is_integer() and -(2**63) <= number < 2**63
        return int(number) if whole else _NO_MATCH
    return number


def plain(value: object) -> object:
    """A numpy scalar as the Python value it holds; NaN and pandas NA as None."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def audit_entry(
    audit_id: int,
    *,
    actor: str,
    action: str,
    mode: str,
    frames: Mapping[str, Frame],
    note: str,
    source_hash: str = "",
) -> AuditEntry:
    """The audit entry of a write of ``frames`` (time in UTC, to the second)."""
    return AuditEntry(
        audit_id=audit_id,
        at=now(),
        actor=actor,
        action=action,
        mode=mode,
        layers=tuple(frames),
        rows=sum(len(f) for f in frames.values()),
        content_hash=content_hash(frames),
        source_hash=source_hash,
        note=note,
    )


def record_entry(
    audit_id: int,
    *,
    actor: str,
    action: str,
    layers: Sequence[str] = (),
    rows: int = 0,
    content_hash: str = "",
    note: str = "",
) -> AuditEntry:
    """The audit entry of something that changed no layer (an export, say): mode ``none``."""
    return AuditEntry(
        audit_id=audit_id,
        at=now(),
        actor=actor,
        action=action,
        mode="none",
        layers=tuple(layers),
        rows=rows,
        content_hash=content_hash,
        source_hash="",
        note=note,
    )


def key_entry(audit_id: int, key: ApiKey, *, actor: str, action: str, replaced: bool) -> AuditEntry:
    """The audit entry of saving an API key (its hash, never the key, is what is hashed)."""
    return AuditEntry(
        audit_id=audit_id,
        at=now(),
        actor=actor,
        action=action,
        mode="replace" if replaced else "append",
        layers=(KEYS_TABLE,),
        rows=1,
        content_hash=hashlib.sha256(json.dumps(key.as_row()).encode()).hexdigest(),
        source_hash="",
        note=f"key {key.key_id} ({key.name}), roles {','.join(key.roles)}"
        + (", revoked" if not key.active else ""),
    )


def audit_record(entry: AuditEntry) -> dict[str, object]:
    """An audit entry as one row of the audit table (time as ISO 8601 text, layers joined)."""
    return {
        "audit_id": entry.audit_id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "mode": entry.mode,
        "layers": ",".join(entry.layers),
        "rows": entry.rows,
        "content_hash": entry.content_hash,
        "source_hash": entry.source_hash,
        "note": entry.note,
    }


def content_hash(frames: Mapping[str, Frame]) -> str:
    """SHA-256 over layer names, attribute values and geometry WKB, rows in id order."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        if name in CATALOGUE and CATALOGUE[name].id_field in frame.columns:
            frame = frame.sort_values(CATALOGUE[name].id_field, kind="stable")
        digest.update(name.encode())
        attributes = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        digest.update(pd.util.hash_pandas_object(attributes, index=False).to_numpy().tobytes())
        if isinstance(frame, gpd.GeoDataFrame):
            for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
                digest.update(wkb)
    return digest.hexdigest()


def no_stored(name: str, columns: Sequence[str]) -> Frame:
    """The ``read_stored`` of :func:`~site_gis.store.integrity.plan_write` for a new store."""
    raise StoreError(f"a new store has no stored layer {name!r}")


def missing_layers(frames: Mapping[str, Frame]) -> None:
    """Refuse to create a store without every catalogue layer."""
    missing = [name for name in CATALOGUE if name not in frames]
    if missing:
        raise StoreError(f"cannot create a store without the layers: {', '.join(missing)}")


@dataclass(frozen=True, slots=True)
class SchemaGaps:
    """What a store of an older layout lacks against :data:`~site_gis.schemas.CATALOGUE`.

    Layouts only ever grow: a newer site-gis adds layers and optional fields,
    never removes or retypes one, so an older store is brought up to date by
    adding what it lacks (empty layers, columns that are null on every row).
    """

    layers: tuple[LayerSchema, ...]
    fields: Mapping[str, tuple[FieldSpec, ...]]

    def __bool__(self) -> bool:
        return bool(self.layers) or any(self.fields.values())

    def describe(self) -> str:
        """A line for the audit log: ``layers: a, b; fields: layer.field, ...``."""
        parts = []
        if self.layers:
            parts.append("layers: " + ", ".join(s.name for s in self.layers))
        added = [f"{name}.{spec.name}" for name, specs in self.fields.items() for spec in specs]
        if added:
            parts.append("fields: " + ", ".join(added))
        return "; ".join(parts) or "nothing"


def schema_gaps(present: Mapping[str, Sequence[str]]) -> SchemaGaps:
    """Compare a store's tables and their columns (``{table: columns}``) with the catalogue.

    Raises
    ------
    StoreError
        If a field the store lacks is required: it cannot be added to rows that
        exist (the store must be rebuilt).
    """
    layers = tuple(schema for name, schema in CATALOGUE.items() if name not in present)
    fields: dict[str, tuple[FieldSpec, ...]] = {}
    for name, schema in CATALOGUE.items():
        if name not in present:
            continue
        lacking = tuple(spec for spec in schema.fields if spec.name not in present[name])
        required = [spec.name for spec in lacking if spec.required]
        if required:
            raise StoreError(
                f"layer {name!r} lacks the required field(s) {', '.join(required)}, which an "
                "upgrade cannot fill in; rebuild the store with `site-gis init`"
            )
        if lacking:
            fields[name] = lacking
    return SchemaGaps(layers, fields)


def empty_frame(schema: LayerSchema) -> Frame:
    """A layer with no rows and the schema's columns and dtypes (EPSG:4326 for spatial ones)."""
    dtypes = {"int": "Int64", "float": "float64", "bool": "boolean", "str": "str", "date": "str"}
    columns = {spec.name: pd.Series(dtype=dtypes[spec.kind]) for spec in schema.fields}
    if schema.is_table:
        return pd.DataFrame(columns)
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def now() -> datetime:
    """The current UTC time to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def finite(value: object) -> bool:
    """Whether ``value`` is a finite number."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
