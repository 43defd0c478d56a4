"""GeoPackage store: the embedded default, one file, no server.

Reads go through pyogrio (GDAL).  Writes are copy-on-write: the file is
copied, changed, flushed to disk and atomically renamed over the original,
all under an exclusive lock, so a write either lands completely or not at all
-- even if the process is killed -- and readers never see half a write.
Besides the layers the file holds two plain tables, ``site_gis_metadata``
(key/value: site description, schema version, layers digest) and
``site_gis_audit`` (one row per write).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from site_gis.errors import LayerNotFoundError, StoreCorruptError, StoreError, StoreNotFoundError
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.site import SiteInfo
from site_gis.store.base import AuditEntry, BBox, LayerInfo, WriteMode
from site_gis.validation import Frame, conform, validate_site

SCHEMA_VERSION = "1"
METADATA_TABLE = "site_gis_metadata"
AUDIT_TABLE = "site_gis_audit"
_DATASET_OPTIONS = {"VERSION": "1.3"}  # readable by GDAL 3.6 and older QGIS without warnings


class GeoPackageStore:
    """A site's layers in one GeoPackage file.

    Parameters
    ----------
    path
        An existing GeoPackage built by :meth:`create`.

    Raises
    ------
    StoreNotFoundError
        If the file does not exist.
    StoreCorruptError
        If it is not a GeoPackage, or lacks a layer or the site metadata.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreNotFoundError(
                f"GeoPackage {self.path} does not exist; build it with `site-gis init`"
            )
        self._metadata = self._check()

    @property
    def url(self) -> str:
        """The file path."""
        return str(self.path)

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        site: SiteInfo,
        frames: Mapping[str, Frame],
        *,
        actor: str,
        note: str = "",
        layers_digest: str = "",
    ) -> GeoPackageStore:
        """Build a new GeoPackage at ``path`` from validated layers, replacing any old one.

        The file appears only once complete (built beside it, then renamed).
        """
        target = Path(path)
        coerced = validate_site(frames)
        missing = [name for name in CATALOGUE if name not in coerced]
        if missing:
            raise StoreError(f"cannot create a store without the layers: {', '.join(missing)}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock(target), _staging(target, copy=False) as staging:
            for name, schema in CATALOGUE.items():
                _write_layer(staging, schema, coerced[name], append=False)
            metadata = {
                "schema_version": SCHEMA_VERSION,
                "site": json.dumps(site.to_dict()),
                "layers_digest": layers_digest,
                "created_at": _now().isoformat(),
            }
            _write_table(
                staging,
                METADATA_TABLE,
                pd.DataFrame({"key": list(metadata), "value": list(metadata.values())}),
            )
            _append_audit(staging, 1, actor, "create", coerced, note)
        return cls(target)

    def site(self) -> SiteInfo:
        """The site description stored with the layers."""
        return SiteInfo.from_dict(json.loads(self._metadata["site"]), source=self.url)

    def metadata(self) -> dict[str, str]:
        """The store's key/value metadata (schema version, layers digest, creation time)."""
        return dict(self._metadata)

    def layers(self) -> list[LayerInfo]:
        """Every layer in catalogue order."""
        return [self.layer_info(name) for name in CATALOGUE]

    def layer_info(self, name: str) -> LayerInfo:
        """Summary of one layer: title, geometry type, feature count and lon/lat bounds."""
        schema = self._schema(name)
        info = self._read_info(name, force_total_bounds=not schema.is_table)
        raw = info.get("total_bounds")
        bounds: BBox | None = None
        if raw is not None and all(map(_finite, raw)) and info["features"] > 0:
            bounds = (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
        return LayerInfo(
            name=name,
            title=schema.title,
            description=schema.description,
            geometry_type=info["geometry_type"] if not schema.is_table else None,
            feature_count=int(info["features"]),
            bounds=bounds,
            personal=schema.personal,
        )

    def read(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Frame:
        """Read a layer, optionally filtered by a lon/lat bbox and field equality.

        Parameters
        ----------
        name
            Layer name.
        bbox
            (min lon, min lat, max lon, max lat) in EPSG:4326; features whose
            envelope intersects it are returned.
        where
            Field equality filters; a list or tuple value means "any of".
        columns
            Attribute fields to return (default: all); geometry is always included.
        limit, offset
            Paging over the matching features in id order.
        """
        schema = self._schema(name)
        kwargs = self._query(schema, bbox, where)
        if columns is not None:
            unknown = [c for c in columns if c not in schema.field_names]
            if unknown:
                raise StoreError(f"layer {name!r} has no field(s) {', '.join(unknown)}")
            kwargs["columns"] = list(columns)
        try:
            frame = pyogrio.read_dataframe(
                self.path,
                layer=name,
                skip_features=offset,
                max_features=limit,
                use_arrow=True,
                read_geometry=not schema.is_table,
                **kwargs,
            )
        except (DataSourceError, DataLayerError) as exc:
            raise StoreCorruptError(f"cannot read layer {name!r} from {self.path}: {exc}") from exc
        if not schema.is_table and frame.geometry.name != "geometry":
            frame = frame.rename_geometry("geometry")
        return conform(frame, schema)

    def count(
        self, name: str, *, bbox: BBox | None = None, where: Mapping[str, object] | None = None
    ) -> int:
        """Number of features of ``name`` matching the filters."""
        schema = self._schema(name)
        if bbox is None and not where:
            return int(self._read_info(name)["features"])
        frame = pyogrio.read_dataframe(
            self.path,
            layer=name,
            columns=[],
            read_geometry=False,
            fid_as_index=True,
            **self._query(schema, bbox, where),
        )
        return len(frame)

    def write(
        self,
        layers: Mapping[str, Frame],
        *,
        mode: WriteMode,
        actor: str,
        action: str,
        note: str = "",
    ) -> AuditEntry:
        """Replace or append to layers in one all-or-nothing write, recorded in the audit log.

        Each frame is validated against its schema first; with ``mode="append"``
        new identifiers must not clash with stored ones.
        """
        for name in layers:
            self._schema(name)
        coerced = validate_site(layers) if mode == "replace" else self._validate_append(layers)
        with _write_lock(self.path), _staging(self.path, copy=True) as staging:
            for name, frame in coerced.items():
                _write_layer(staging, CATALOGUE[name], frame, append=mode == "append")
            audit = pyogrio.read_dataframe(staging, layer=AUDIT_TABLE, columns=["audit_id"])
            next_id = int(audit["audit_id"].max()) + 1 if len(audit) else 1
            entry = _append_audit(staging, next_id, actor, action, coerced, note)
        self._metadata = self._check()
        return entry

    def audit_log(self) -> pd.DataFrame:
        """Every recorded write, oldest first."""
        return pyogrio.read_dataframe(self.path, layer=AUDIT_TABLE).sort_values("audit_id")

    def _validate_append(self, layers: Mapping[str, Frame]) -> dict[str, Frame]:
        coerced = validate_site({**self._referenced(layers), **layers})
        out: dict[str, Frame] = {}
        for name in layers:
            schema = CATALOGUE[name]
            ids = coerced[name][schema.id_field]
            stored = self.read(name, columns=[schema.id_field])[schema.id_field]
            clash = ids[ids.isin(stored)]
            if len(clash):
                raise StoreError(
                    f"{name}: {len(clash)} identifier(s) already stored, e.g. {clash.iloc[0]!r}"
                )
            out[name] = coerced[name]
        return out

    def _referenced(self, layers: Mapping[str, Frame]) -> dict[str, Frame]:
        """Stored layers that ``layers`` refer to, for the foreign-key check."""
        needed = {fk.target_layer for n in layers for fk in CATALOGUE[n].foreign_keys}
        return {n: self.read(n) for n in needed - set(layers)}

    def _schema(self, name: str) -> LayerSchema:
        if name not in CATALOGUE:
            raise LayerNotFoundError(name, CATALOGUE)
        return CATALOGUE[name]

    def _query(
        self, schema: LayerSchema, bbox: BBox | None, where: Mapping[str, object] | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if bbox is not None:
            if schema.is_table:
                raise StoreError(f"layer {schema.name!r} has no geometry to filter by bbox")
            kwargs["bbox"] = tuple(float(v) for v in bbox)
        if where:
            kwargs["where"] = _where_sql(schema, where)
        return kwargs

    def _read_info(self, name: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(pyogrio.read_info(self.path, layer=name, **kwargs))
        except (DataSourceError, DataLayerError) as exc:
            raise StoreCorruptError(f"cannot read layer {name!r} from {self.path}: {exc}") from exc

    def _check(self) -> dict[str, str]:
        try:
            present = {str(row[0]) for row in pyogrio.list_layers(self.path)}
        except DataSourceError as exc:
            raise StoreCorruptError(
                f"{self.path} is not a readable GeoPackage ({_first_line(exc)}); "
                "rebuild it with `site-gis init`"
            ) from exc
        missing = [n for n in [*CATALOGUE, METADATA_TABLE, AUDIT_TABLE] if n not in present]
        if missing:
            raise StoreCorruptError(
                f"{self.path} is not a complete site-gis store: missing {', '.join(missing)}; "
                "rebuild it with `site-gis init`"
            )
        table = pyogrio.read_dataframe(self.path, layer=METADATA_TABLE)
        metadata = dict(zip(table["key"].astype(str), table["value"].astype(str), strict=True))
        version = metadata.get("schema_version")
        if version != SCHEMA_VERSION:
            raise StoreCorruptError(
                f"{self.path} has store schema version {version!r}; this site-gis reads "
                f"version {SCHEMA_VERSION}. Rebuild it with `site-gis init`"
            )
        return metadata


def _write_layer(path: Path, schema: LayerSchema, frame: Frame, *, append: bool) -> None:
    frame = frame.sort_values(schema.id_field, kind="stable")
    options = {"DESCRIPTION": schema.description, "IDENTIFIER": schema.title}
    if schema.is_table:
        _write_table(path, schema.name, pd.DataFrame(frame), append=append, options=options)
        return
    assert isinstance(frame, gpd.GeoDataFrame)
    pyogrio.write_dataframe(
        frame,
        path,
        layer=schema.name,
        driver="GPKG",
        append=append,
        geometry_type=schema.geometry_types[0],
        promote_to_multi=False,
        layer_options={**options, "GEOMETRY_NAME": "geometry", "SPATIAL_INDEX": "YES"},
        dataset_options=_DATASET_OPTIONS,
        use_arrow=True,
    )


def _write_table(
    path: Path,
    layer: str,
    frame: pd.DataFrame,
    *,
    append: bool = False,
    options: Mapping[str, str] | None = None,
) -> None:
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        append=append,
        layer_options=dict(options or {}),
        dataset_options=_DATASET_OPTIONS,
        use_arrow=True,
    )


def _append_audit(
    path: Path, audit_id: int, actor: str, action: str, frames: Mapping[str, Frame], note: str
) -> AuditEntry:
    entry = AuditEntry(
        audit_id=audit_id,
        at=_now(),
        actor=actor,
        action=action,
        layers=tuple(frames),
        rows=sum(len(f) for f in frames.values()),
        content_hash=content_hash(frames),
        note=note,
    )
    row = pd.DataFrame(
        [
            {
                "audit_id": entry.audit_id,
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "layers": ",".join(entry.layers),
                "rows": entry.rows,
                "content_hash": entry.content_hash,
                "note": entry.note,
            }
        ]
    )
    _write_table(path, AUDIT_TABLE, row, append=audit_id > 1)
    return entry


def content_hash(frames: Mapping[str, Frame]) -> str:
    """SHA-256 over layer names, attribute values and geometry WKB of ``frames``."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(name.encode())
        attributes = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        digest.update(pd.util.hash_pandas_object(attributes, index=False).to_numpy().tobytes())
        if isinstance(frame, gpd.GeoDataFrame):
            for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
                digest.update(wkb)
    return digest.hexdigest()


def _where_sql(schema: LayerSchema, where: Mapping[str, object]) -> str:
    """An OGR SQL filter for field equality; names are checked against the schema."""
    clauses = []
    for field_name, value in where.items():
        if field_name not in schema.field_names:
            raise StoreError(f"layer {schema.name!r} has no field {field_name!r}")
        column = '"' + field_name + '"'
        if value is None:
            clauses.append(f"{column} IS NULL")
        elif isinstance(value, list | tuple | set):
            clauses.append(f"{column} IN ({', '.join(_sql_literal(v) for v in value)})")
        else:
            clauses.append(f"{column} = {_sql_literal(value)}")
    return " AND ".join(clauses)


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        if not _finite(value):
            raise StoreError(f"cannot filter on the non-finite number {value!r}")
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _staging(path: Path, *, copy: bool) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it atomically on success."""
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    staging = Path(name)
    try:
        if copy:
            shutil.copyfile(path, staging)
        else:
            staging.unlink()
        yield staging
        with staging.open("rb") as handle:
            os.fsync(handle.fileno())
        staging.replace(path)
        _fsync_dir(path.parent)
    finally:
        staging.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _finite(value: object) -> bool:
    try:
        return abs(float(value)) != float("inf") and float(value) == float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
