"""GeoPackage store: the embedded default, one file, no server.

Reads go through pyogrio (GDAL); the pages a feature server sends and their
counts are read through SQLite (:mod:`site_gis.store.gpkg_features`).
Writes are copy-on-write: under an exclusive lock the file is copied to a
staging file beside it, changed, flushed to disk and atomically renamed over
the original, so a write lands completely or not at all -- even if the
process is killed -- and readers never see half a write.  The staging copy a
killed writer leaves behind is removed when the store is next opened (or
written), unless another process holds the write lock: then it is a live
write's and is left alone.  Checks that depend
on stored data (identifier clashes, references) run inside the lock against
the staging copy.  Rows are stored in identifier order when a layer is built
or replaced; appended rows follow them, so paging by offset is stable.

Besides the layers the file holds ``site_gis_geojson``, each feature's
geometry rendered as GeoJSON for serving (see
:mod:`site_gis.store.gpkg_features`; brought up to date by every write), and
plain tables: ``site_gis_metadata`` (key/value: site description, schema
version, layers digest), ``site_gis_audit`` (one row per write, kept across
rebuilds) and, once a key is made, ``site_gis_api_keys`` (hashed API keys,
kept across rebuilds).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from site_gis.access import ApiKey
from site_gis.errors import (
    RebuildRefusedError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
)
from site_gis.progress import Progress, Steps
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.site import SiteInfo
from site_gis.store.base import AuditEntry, BBox, FeaturePage, LayerInfo, Precondition, WriteMode
from site_gis.store.common import (
    AUDIT_TABLE,
    KEYS_TABLE,
    METADATA_KEYS,
    METADATA_TABLE,
    audit_entry,
    audit_record,
    check_bbox,
    check_read,
    conditions,
    empty_frame,
    finite,
    key_entry,
    layer_schema,
    missing_layers,
    no_stored,
    now,
    record_entry,
    schema_gaps,
)
from site_gis.store.filters import Expr, Sorting
from site_gis.store.gpkg_features import (
    GeoPackageFeatures,
    file_version,
    sync_renderings,
    where_sql,
)
from site_gis.store.integrity import plan_write
from site_gis.validation import Frame, conform

SCHEMA_VERSION = "2"
UPGRADABLE = ("1",)
"""Older layouts an open brings up to date by adding what they lack (see
:class:`~site_gis.store.common.SchemaGaps`); any other version must be rebuilt."""
_GPKG_TYPES = {"str": "TEXT", "date": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "BOOLEAN"}
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
        self._checked = ""  # the file version the metadata were read from
        self._refused: tuple[str, StoreError] | None = None  # a version that failed its check
        self._infos: dict[tuple[str, str], LayerInfo] = {}  # by (file version, layer)
        self._checking = threading.Lock()
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a GeoPackage file")
        remove_stale_staging(self.path)
        if not self.path.is_file():
            raise StoreNotFoundError(
                f"GeoPackage {self.path} does not exist; build it with `site-gis init`"
            )
        self._load_metadata()
        self._features = GeoPackageFeatures(self.path)

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
        progress: Progress | None = None,
    ) -> GeoPackageStore:
        """Build a GeoPackage at ``path`` from layers, replacing any old one.

        Every layer is validated first.  The file appears only once complete;
        the audit log and API keys of a store it replaces are carried over.
        ``progress`` is told of each step (see :meth:`rebuild`).
        """
        built, _ = cls.rebuild(
            path,
            site,
            frames,
            actor=actor,
            note=note,
            layers_digest=layers_digest,
            progress=progress,
        )
        return built

    @classmethod
    def rebuild(
        cls,
        path: str | os.PathLike[str],
        site: SiteInfo,
        frames: Mapping[str, Frame],
        *,
        actor: str,
        note: str = "",
        layers_digest: str = "",
        expect_version: str | None = None,
        backup: bool = False,
        progress: Progress | None = None,
    ) -> tuple[GeoPackageStore, Path | None]:
        """:meth:`create`, guarded: checked against and backed up from the store it replaces.

        Parameters
        ----------
        expect_version
            The :meth:`version` of the old store as the caller compared it; if
            another write changed it since, nothing is written and
            :class:`~site_gis.errors.RebuildRefusedError` says so.
        backup
            Copy the old file (if any) to ``<stem>.<YYYY-MM-DDTHHMM>.gpkg`` (UTC) beside
            it first, under the write lock, so the copy is one consistent state.
        progress
            Told of each step: the check of the layers, every layer written, then
            the finishing (renderings, metadata, audit log and keys).

        Returns
        -------
        tuple
            The new store and the backup's path (``None`` if none was written).
        """
        target = Path(path)
        missing_layers(frames)
        if target.is_dir():
            raise StoreError(f"{target} is a directory, not a GeoPackage file")
        steps = Steps(progress, len(CATALOGUE) + 2)
        steps.start("checking the layers")
        after = plan_write(frames, "replace", no_stored, site=site)
        steps.finish()
        copy: Path | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with _write_lock(target):
                if target.exists():
                    if expect_version is not None and file_version(target) != expect_version:
                        raise RebuildRefusedError(
                            f"{target} changed while it was being compared with the layers "
                            "(another write landed); nothing was rebuilt: run init again"
                        )
                    if backup:
                        copy = _backup_copy(target)
                with _staging(target, copy=False) as staging:
                    cls._build(staging, target, site, after, actor, note, layers_digest, steps)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return cls(target), copy

    @staticmethod
    def _build(
        staging: Path,
        target: Path,
        site: SiteInfo,
        after: Mapping[str, Frame],
        actor: str,
        note: str,
        layers_digest: str,
        steps: Steps,
    ) -> None:
        """Write a whole new store to ``staging``, keeping the audit log and keys of ``target``."""
        history, keys = _previous_audit(target), _previous_keys(target)
        for name, schema in CATALOGUE.items():
            steps.start(f"writing {name} ({len(after[name]):,} rows)")
            _write_layer(staging, schema, after[name])
            steps.finish()
        steps.start("writing renderings, metadata and the audit log")
        sync_renderings(staging, list(CATALOGUE.values()))
        metadata = {
            "schema_version": SCHEMA_VERSION,
            "site": json.dumps(site.to_dict()),
            "layers_digest": layers_digest,
            "created_at": now().isoformat(),
        }
        _write_table(
            staging,
            METADATA_TABLE,
            pd.DataFrame({"key": list(metadata), "value": list(metadata.values())}),
        )
        if len(history):
            _write_table(staging, AUDIT_TABLE, history)
        if keys:
            rows = pd.DataFrame([k.as_row() for k in keys], dtype=object)
            _write_table(staging, KEYS_TABLE, rows)
        _append_audit(staging, len(history) + 1, actor, "create", "replace", after, note)
        steps.finish()

    def site(self) -> SiteInfo:
        """The site description stored with the layers."""
        return self._site

    def version(self) -> str:
        """Inode, modification time and size of the file: every write replaces the file.

        Also the store's check that it can still be served, cheap enough for
        every request (one ``stat``): a file that is gone raises
        :class:`~site_gis.errors.StoreNotFoundError`; a file that is not the
        one last checked (replaced by another process, overwritten, put back)
        gets the open-time checks again, once per version -- it raises
        :class:`~site_gis.errors.StoreCorruptError` while it is not a
        readable store, and its site description is re-read once it is.
        """
        try:
            current = file_version(self.path)
        except OSError as exc:
            raise StoreNotFoundError(
                f"GeoPackage {self.path} is gone ({exc.strerror or exc}); "
                "serving again once it is back"
            ) from exc
        if current != self._checked:
            self._check_version(current)
        return current

    def _check_version(self, current: str) -> None:
        with self._checking:
            if current == self._checked:
                return
            refused = self._refused
            if refused is not None and refused[0] == current:
                raise refused[1]
            try:
                self._load_metadata(current)
            except StoreError as exc:
                self._refused = (current, exc)
                raise
            except (OSError, sqlite3.Error, DataSourceError, DataLayerError) as exc:
                error = StoreCorruptError(f"{self.path} cannot be read: {_first_line(exc)}")
                self._refused = (current, error)
                raise error from exc
            self._refused = None

    def metadata(self) -> dict[str, str]:
        """The store's key/value metadata (schema version, layers digest, creation time)."""
        return dict(self._metadata)

    def layers(self) -> list[LayerInfo]:
        """Every layer in catalogue order."""
        return [self.layer_info(name) for name in CATALOGUE]

    def layer_info(self, name: str) -> LayerInfo:
        """Summary of one layer: title, geometry type, feature count and lon/lat bounds.

        Remembered for the file version it was read from (every write replaces the file).
        """
        schema = layer_schema(name)
        key = (self.version(), name)
        found = self._infos.get(key)
        if found is None:
            found = self._layer_info(schema)
            self._infos = {k: v for k, v in self._infos.items() if k[0] == key[0]} | {key: found}
        return found

    def _layer_info(self, schema: LayerSchema) -> LayerInfo:
        name = schema.name
        info = self._read_info(name, force_total_bounds=not schema.is_table)
        raw = info.get("total_bounds")
        bounds: BBox | None = None
        if raw is not None and all(map(finite, raw)) and info["features"] > 0:
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
        filter: Expr | None = None,
        sortby: Sorting = (),
    ) -> Frame:
        """Read a layer in storage order, optionally filtered and paged.

        Storage order is identifier order for a built or replaced layer, with
        appended rows after; it does not change between reads, so paging is stable.

        Parameters
        ----------
        name
            Layer name.
        bbox
            (min lon, min lat, max lon, max lat) in EPSG:4326; features whose
            envelope intersects it are returned.
        where
            Field equality filters; a list or tuple value means "any of", and
            ``None`` matches empty values.
        columns
            Attribute fields to return (default: all); geometry is always included.
        limit, offset
            Paging over the matching features.
        filter, sortby
            A filter tree and sort keys (:mod:`site_gis.store.filters`); with
            sort keys, rows come in their order, then in storage order.

        Raises
        ------
        InvalidRequestError
            For an unknown field, a bbox on a table or a malformed bbox, or bad paging.
        """
        schema = layer_schema(name)
        check_read(schema, columns, limit, offset)
        box = check_bbox(schema, bbox)
        if filter is not None or sortby:
            keys = self._features.selected_keys(
                schema,
                box,
                conditions(schema, where),
                expr=filter,
                order=sortby,
                metric_epsg=self.site().metric_epsg,
                limit=limit,
                offset=offset,
            )
            fids = np.array(keys, dtype=np.int64)
            frame = _read(self.path, schema, columns=columns, fids=fids, fid_as_index=True)
            return frame.loc[fids].reset_index(drop=True)
        if box is None:
            query = _attribute_filter(schema, where)
            return _read(self.path, schema, columns=columns, limit=limit, offset=offset, **query)
        if limit is None and offset == 0:  # GDAL selects as features() does, in R-tree order
            query = {"bbox": box, "fid_as_index": True, **_attribute_filter(schema, where)}
            frame = _read(self.path, schema, columns=columns, **query)
            return frame.sort_index(kind="stable").reset_index(drop=True)
        # a page of the box in storage order: the keys as features() finds them, read by id
        keys = self._features.keys_in_bbox(schema, box, conditions(schema, where))
        wanted = keys[offset : None if limit is None else offset + limit]
        return _read(self.path, schema, columns=columns, fids=np.array(wanted, dtype=np.int64))

    def features(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        filter: Expr | None = None,
        sortby: Sorting = (),
    ) -> FeaturePage:
        """A page of features with their properties as JSON, read through SQLite.

        Same parameters, selection and order as :meth:`read`.
        """
        schema = layer_schema(name)
        check_read(schema, columns, limit, offset)
        return self._features.page(
            schema,
            check_bbox(schema, bbox),
            conditions(schema, where),
            schema.field_names if columns is None else columns,
            limit,
            offset,
            expr=filter,
            order=sortby,
            metric_epsg=self.site().metric_epsg,
        )

    def count(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        filter: Expr | None = None,
    ) -> int:
        """Number of features of ``name`` matching the filters (read through SQLite)."""
        schema = layer_schema(name)
        return self._features.count(
            schema,
            check_bbox(schema, bbox),
            conditions(schema, where),
            expr=filter,
            metric_epsg=self.site().metric_epsg,
        )

    def write(
        self,
        layers: Mapping[str, Frame],
        *,
        mode: WriteMode,
        actor: str,
        action: str,
        note: str = "",
        source_hash: str = "",
        precondition: Precondition | None = None,
    ) -> AuditEntry:
        """Replace or append to layers in one all-or-nothing write, recorded in the audit log.

        The store as it will be after the write is validated (schemas,
        identifier clashes, references both ways) inside the write lock; on any
        problem nothing changes and
        :class:`~site_gis.errors.LayerValidationError` lists them all.
        ``source_hash`` records the hash of the file the rows came from.
        """
        for name in layers:
            layer_schema(name)
        with self._transaction() as staging:
            if precondition is not None:
                precondition(lambda n: _read(staging, layer_schema(n)))
            rows = plan_write(
                layers,
                mode,
                lambda n, cols: _read(staging, CATALOGUE[n], columns=cols),
                site=self._site,
            )
            for name, frame in rows.items():
                _write_layer(staging, CATALOGUE[name], frame, append=mode == "append")
            sync_renderings(staging, [CATALOGUE[name] for name in rows])
            return _append_audit(
                staging,
                _next_audit_id(staging),
                actor,
                action,
                mode,
                rows,
                note,
                source_hash=source_hash,
            )

    def audit_log(self) -> pd.DataFrame:
        """Every recorded write and access, oldest first.

        The ``log`` column says where an entry lives: ``change`` entries are in
        the GeoPackage, written with the change; ``access`` entries (exports)
        are in the access log beside it.  ``audit_id`` is unique within each.
        """
        changes = _read_audit(self.path).assign(log="change")
        access = self._access_log().read()
        if access.empty:
            return changes.reset_index(drop=True)
        merged = pd.concat([changes, access.assign(log="access")], ignore_index=True)
        order = merged["log"].map({"change": 0, "access": 1})
        merged = merged.assign(_order=order).sort_values(
            ["at", "_order", "audit_id"], kind="stable"
        )
        return merged.drop(columns="_order").reset_index(drop=True)

    def record(
        self,
        *,
        actor: str,
        action: str,
        layers: Sequence[str] = (),
        rows: int = 0,
        content_hash: str = "",
        note: str = "",
    ) -> AuditEntry:
        """Append an entry for something that changed no layer (an export) to the access log.

        The access log is a small SQLite file beside the GeoPackage
        (``<name>.gpkg-access.sqlite``): appending to it costs milliseconds
        however large the store is, and readers of the GeoPackage never wait.
        """
        entry = record_entry(
            0,
            actor=actor,
            action=action,
            layers=layers,
            rows=rows,
            content_hash=content_hash,
            note=note,
        )
        return self._access_log().append(entry)

    def _access_log(self) -> AccessLog:
        return AccessLog(self.path.with_name(self.path.name + "-access.sqlite"))

    def api_keys(self) -> list[ApiKey]:
        """Every API key ever made (hashes only), oldest first."""
        return _read_keys(self.path)

    def save_api_key(self, key: ApiKey, *, actor: str, action: str) -> AuditEntry:
        """Add a key or replace the one with the same id; the audit entry lands with it."""
        with self._transaction() as staging:
            keys = {k.key_id: k for k in _read_keys(staging)}
            replaced = key.key_id in keys
            keys[key.key_id] = key
            table = pd.DataFrame([k.as_row() for k in keys.values()], dtype=object)
            _write_table(staging, KEYS_TABLE, table)
            entry = key_entry(
                _next_audit_id(staging), key, actor=actor, action=action, replaced=replaced
            )
            _write_audit_row(staging, entry)
            return entry

    @contextmanager
    def _transaction(self) -> Iterator[Path]:
        """A staging copy that replaces the file if the block succeeds (under the lock)."""
        try:
            with _write_lock(self.path), _staging(self.path, copy=True) as staging:
                yield staging
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        self._load_metadata()

    def _load_metadata(self, version: str | None = None) -> None:
        """Check the file and read its metadata; remember the version they were read from."""
        if version is None:
            try:
                version = file_version(self.path)
            except OSError as exc:
                raise StoreNotFoundError(f"GeoPackage {self.path} is gone: {exc}") from exc
        if upgrade(self.path):
            version = file_version(self.path)
        metadata = _check_store(self.path)
        self._site = SiteInfo.from_dict(json.loads(metadata["site"]), source=self.url)
        self._metadata = metadata
        self._checked = version

    def _read_info(self, name: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(pyogrio.read_info(self.path, layer=name, **kwargs))
        except (DataSourceError, DataLayerError) as exc:
            raise StoreCorruptError(f"cannot read layer {name!r} from {self.path}: {exc}") from exc


def _read(
    path: Path,
    schema: LayerSchema,
    *,
    columns: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    **kwargs: Any,
) -> Frame:
    paging = {} if "fids" in kwargs else {"skip_features": offset, "max_features": limit}
    rows = len(kwargs["fids"]) if "fids" in kwargs else limit
    try:
        frame = pyogrio.read_dataframe(
            path,
            layer=schema.name,
            **paging,
            use_arrow=rows is None or rows > 5000,  # arrow pays off on large reads only
            read_geometry=not schema.is_table,
            columns=list(columns) if columns is not None else None,
            **kwargs,
        )
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise StoreCorruptError(f"cannot read layer {schema.name!r} from {path}: {exc}") from exc
    if not schema.is_table and frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    wanted = schema.field_names if columns is None else columns
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise StoreCorruptError(
            f"layer {schema.name!r} in {path} lacks the field(s) {', '.join(missing)}: it was "
            "built by another version of site-gis; rebuild it with `site-gis init`"
        )
    return conform(frame, schema)


def _attribute_filter(schema: LayerSchema, where: Mapping[str, object] | None) -> dict[str, Any]:
    """GDAL's ``where`` argument for field conditions (none without conditions)."""
    return {"where": where_sql(conditions(schema, where))} if where else {}


def _write_layer(path: Path, schema: LayerSchema, frame: Frame, *, append: bool = False) -> None:
    options = {"DESCRIPTION": schema.description, "IDENTIFIER": schema.title}
    if schema.is_table:
        _write_table(path, schema.name, pd.DataFrame(frame), append=append, options=options)
        return
    assert isinstance(frame, gpd.GeoDataFrame)
    layer_options = {**options, "GEOMETRY_NAME": "geometry", "SPATIAL_INDEX": "YES"}
    pyogrio.write_dataframe(
        frame,
        path,
        layer=schema.name,
        driver="GPKG",
        append=append,
        geometry_type=schema.geometry_types[0],
        promote_to_multi=False,
        layer_options=layer_options if append else {**layer_options, "OVERWRITE": "YES"},
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
    layer_options = {**(options or {}), **({} if append else {"OVERWRITE": "YES"})}
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        append=append,
        layer_options=layer_options,
        dataset_options=_DATASET_OPTIONS,
        use_arrow=True,
    )


def _append_audit(
    path: Path,
    audit_id: int,
    actor: str,
    action: str,
    mode: str,
    frames: Mapping[str, Frame],
    note: str,
    *,
    source_hash: str = "",
) -> AuditEntry:
    entry = audit_entry(
        audit_id,
        actor=actor,
        action=action,
        mode=mode,
        frames=frames,
        note=note,
        source_hash=source_hash,
    )
    _write_audit_row(path, entry)
    return entry


def _write_audit_row(path: Path, entry: AuditEntry) -> None:
    row = pd.DataFrame([audit_record(entry)])
    _write_table(path, AUDIT_TABLE, row, append=entry.audit_id > 1)


class AccessLog:
    """Append-only SQLite table of accesses (exports) beside a GeoPackage store.

    Written in WAL mode with a busy timeout, by this class only; the
    GeoPackage itself is never written in place (GDAL readers fail on a file
    being written), so accesses, which change no data, are kept here.
    """

    _COLUMNS = (
        "audit_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, "
        "action TEXT NOT NULL, mode TEXT NOT NULL, layers TEXT NOT NULL, rows INTEGER NOT NULL, "
        "content_hash TEXT NOT NULL, source_hash TEXT NOT NULL, note TEXT NOT NULL"
    )

    _INSERT = (
        "INSERT INTO access_log (at, actor, action, mode, layers, rows, content_hash, "
        "source_hash, note) VALUES (:at, :actor, :action, :mode, :layers, :rows, "
        ":content_hash, :source_hash, :note)"
    )

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Store ``entry`` and return it with its id."""
        row = audit_record(entry)
        del row["audit_id"]
        try:
            with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(f"CREATE TABLE IF NOT EXISTS access_log ({self._COLUMNS})")
                cursor = db.execute(self._INSERT, row)
                audit_id = int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the access log {self.path}: {exc}") from exc
        return replace(entry, audit_id=audit_id)

    def read(self) -> pd.DataFrame:
        """Every entry, oldest first (empty if nothing was ever recorded)."""
        if not self.path.exists():
            return pd.DataFrame()
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                exists = db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_log'"
                ).fetchone()
                if not exists:  # a first append is creating it
                    return pd.DataFrame()
                return pd.read_sql_query("SELECT * FROM access_log ORDER BY audit_id", db)
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise StoreError(f"cannot read the access log {self.path}: {exc}") from exc


def _next_audit_id(path: Path) -> int:
    audit = pyogrio.read_dataframe(path, layer=AUDIT_TABLE, columns=["audit_id"])
    return int(audit["audit_id"].max()) + 1 if len(audit) else 1


def _read_keys(path: Path) -> list[ApiKey]:
    """Stored keys; a store made before keys existed has none."""
    if KEYS_TABLE not in {str(row[0]) for row in pyogrio.list_layers(path)}:
        return []
    table = pyogrio.read_dataframe(path, layer=KEYS_TABLE)
    return [ApiKey.from_row(row) for row in table.to_dict("records")]


def _read_audit(path: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(path, layer=AUDIT_TABLE).sort_values("audit_id")


def _previous_audit(path: Path) -> pd.DataFrame:
    """The audit log of an existing readable store at ``path`` (empty otherwise)."""
    try:
        _check_store(path)
        return _read_audit(path).reset_index(drop=True)
    except (StoreError, OSError, DataSourceError, DataLayerError):
        return pd.DataFrame()


def _previous_keys(path: Path) -> list[ApiKey]:
    """The API keys of an existing readable store at ``path`` (none otherwise)."""
    try:
        _check_store(path)
        return _read_keys(path)
    except (StoreError, OSError, DataSourceError, DataLayerError):
        return []


def _check_store(path: Path) -> dict[str, str]:
    """Open-time checks: a GeoPackage with every layer, the tables and the metadata."""
    try:
        present = {str(row[0]) for row in pyogrio.list_layers(path)}
    except DataSourceError as exc:
        raise StoreCorruptError(
            f"{path} is not a readable GeoPackage ({_first_line(exc)}); "
            "rebuild it with `site-gis init`"
        ) from exc
    missing = [n for n in [*CATALOGUE, METADATA_TABLE, AUDIT_TABLE] if n not in present]
    if missing:
        raise StoreCorruptError(
            f"{path} is not a complete site-gis store: missing {', '.join(missing)}; "
            "rebuild it with `site-gis init`"
        )
    table = pyogrio.read_dataframe(path, layer=METADATA_TABLE)
    metadata = dict(zip(table["key"].astype(str), table["value"].astype(str), strict=True))
    version = metadata.get("schema_version")
    if version != SCHEMA_VERSION:
        raise StoreCorruptError(
            f"{path} has store schema version {version!r}; this site-gis reads "
            f"version {SCHEMA_VERSION}. Rebuild it with `site-gis init`"
        )
    lacking = [key for key in METADATA_KEYS if key not in metadata]
    if lacking:
        raise StoreCorruptError(f"{path} lacks metadata {', '.join(lacking)}; rebuild it")
    try:
        SiteInfo.from_dict(json.loads(metadata["site"]), source=str(path))
    except (ValueError, TypeError) as exc:
        raise StoreCorruptError(f"{path} has an unreadable site description: {exc}") from exc
    return metadata


def upgrade(path: Path) -> bool:
    """Bring a store of an older layout (:data:`UPGRADABLE`) up to date; say whether it was.

    Under the write lock, on a staging copy that replaces the file: the layers
    it lacks are added empty, the optional fields it lacks as null columns, the
    metadata record ``upgraded_from`` and the audit log an ``upgrade`` entry.
    Data, audit log and keys are kept.
    """
    if _stored_version(path) not in UPGRADABLE:
        return False
    try:
        with _write_lock(path):
            found = _stored_version(path)
            if found not in UPGRADABLE:  # another process upgraded it meanwhile
                return False
            with _staging(path, copy=True) as staging:
                with closing(sqlite3.connect(staging)) as db:
                    gaps = schema_gaps(_tables_and_columns(db))
                    for name, specs in gaps.fields.items():
                        for spec in specs:
                            db.execute(
                                f'ALTER TABLE "{name}" ADD COLUMN "{spec.name}" '
                                f"{_GPKG_TYPES[spec.kind]}"
                            )
                    db.commit()
                for schema in gaps.layers:
                    _write_layer(staging, schema, empty_frame(schema))
                sync_renderings(staging, [*gaps.layers, *(CATALOGUE[n] for n in gaps.fields)])
                table = pyogrio.read_dataframe(staging, layer=METADATA_TABLE)
                metadata = dict(
                    zip(table["key"].astype(str), table["value"].astype(str), strict=True)
                )
                metadata.update(schema_version=SCHEMA_VERSION, upgraded_from=str(found))
                _write_table(
                    staging,
                    METADATA_TABLE,
                    pd.DataFrame({"key": list(metadata), "value": list(metadata.values())}),
                )
                note = f"store schema {found} -> {SCHEMA_VERSION}, added {gaps.describe()}"
                entry = audit_entry(
                    _next_audit_id(staging),
                    actor="site-gis",
                    action="upgrade",
                    mode="schema",
                    frames={},
                    note=note,
                )
                _write_audit_row(staging, entry)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(
            f"{path} has the older store schema version {_stored_version(path)!r} and cannot be "
            f"upgraded in place ({exc}); rebuild it with `site-gis init`"
        ) from exc
    return True


def _stored_version(path: Path) -> str | None:
    """The ``schema_version`` in a GeoPackage's metadata (``None`` if it cannot be read)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            row = db.execute(
                f'SELECT value FROM "{METADATA_TABLE}" WHERE key = ?',  # noqa: S608 (a constant)
                ["schema_version"],
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _tables_and_columns(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Every layer of a GeoPackage (``gpkg_contents``) and its columns."""
    names = [str(row[0]) for row in db.execute("SELECT table_name FROM gpkg_contents")]
    return {
        name: [str(row[1]) for row in db.execute(f'PRAGMA table_info("{name}")')] for name in names
    }


def backup_path(path: Path, when: datetime) -> Path:
    """Where a backup of ``path`` taken at ``when`` goes: ``<stem>.<YYYY-MM-DDTHHMM>.gpkg``.

    A second backup within the same minute gets ``-2``, ``-3`` ... after the time.
    """
    base = f"{path.stem}.{when:%Y-%m-%dT%H%M}"
    found = path.with_name(f"{base}.gpkg")
    number = 1
    while found.exists():
        number += 1
        found = path.with_name(f"{base}-{number}.gpkg")
    return found


def _backup_copy(path: Path) -> Path:
    """Copy ``path`` to a dated file beside it (called under the write lock), flushed to disk.

    Writers replace the file only under the lock and readers never write it, so
    a plain copy is one consistent state of the store.
    """
    copy = backup_path(path, now())
    partial = copy.with_name(f".{copy.name}.partial")
    try:
        shutil.copyfile(path, partial)
        shutil.copymode(path, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(copy)
        _fsync_dir(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return copy


def staging_path(path: Path) -> Path:
    """The staging copy a write of the GeoPackage ``path`` works on (beside it, hidden)."""
    return path.with_name(f".{path.stem}.staging.gpkg")


def remove_stale_staging(path: Path) -> bool:
    """Remove the staging copy (and its SQLite journal) a killed writer left beside ``path``.

    Only when no process holds the write lock: a writer that is alive holds it
    for as long as its staging copy exists, so its copy is never touched.

    Returns
    -------
    bool
        Whether a leftover was removed.
    """
    staging = staging_path(path)
    if not any(staging.with_name(staging.name + s).exists() for s in _SIDECARS):
        return False
    try:
        with _write_lock(path, wait=False) as locked:
            if not locked:
                return False  # a live write of another process
            _remove_with_sidecars(staging)
            return True
    except OSError:  # a directory we may not write to: nothing we could clean
        return False


@contextmanager
def _write_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the store's write lock (a ``flock`` on ``<name>.lock`` beside it).

    Yields whether it is held: always with ``wait``, else only if no other
    process held it.
    """
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _staging(path: Path, *, copy: bool) -> Iterator[Path]:
    """A staging file beside ``path`` that replaces it atomically on success.

    Called under the write lock, so one fixed name is enough; a staging file
    (and its SQLite journal) left by a killed writer is removed first.
    """
    staging = staging_path(path)
    _remove_with_sidecars(staging)
    try:
        if copy:
            shutil.copyfile(path, staging)
            shutil.copymode(path, staging)
        yield staging
        with staging.open("rb") as handle:
            os.fsync(handle.fileno())
        staging.replace(path)
        _fsync_dir(path.parent)
    finally:
        _remove_with_sidecars(staging)


def _remove_with_sidecars(path: Path) -> None:
    """Delete a SQLite file and its journal, WAL and shared-memory files.

    A writer killed mid-write leaves a "hot" journal beside the staging file;
    SQLite would replay it into the next staging copy, so it must go first.
    """
    for suffix in _SIDECARS:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


_SIDECARS = ("", "-journal", "-wal", "-shm")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
