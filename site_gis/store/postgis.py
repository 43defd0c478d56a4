"""PostGIS store: the layers in a PostgreSQL database, for several users and writers at once.

Tables are made from :data:`site_gis.schemas.CATALOGUE`: one per layer with
the schema's fields (text, bigint, double precision, boolean; dates as ISO
text like the GeoPackage store), a typed geometry column in EPSG:4326
(``geometry(MultiPolygon,4326)`` ...), a primary key on the layer identifier,
a GiST index on the geometry and an insertion-order column ``fid`` that gives
the storage order (identifier order for a built or replaced layer, appended
rows after).  Beside them: ``site_gis_metadata`` (the same keys as the
GeoPackage store), ``site_gis_audit`` (kept across rebuilds) and
``site_gis_state`` (the data version that changes on every write); the layout,
its checks and upgrades live in :mod:`site_gis.store.pgschema`.

Every write is one transaction: writers queue on a transaction-level advisory
lock, then :func:`~site_gis.store.integrity.plan_write` checks the write
against the content as it is inside that transaction, the rows are copied in,
the audit row is added and the data version bumped.  Readers are never
blocked and never see half a write.

Rows move in bulk: reads are ``COPY ... TO STDOUT`` parsed by pyarrow, with
geometry as hex EWKB decoded by shapely (points as their two coordinates);
writes are ``COPY ... FROM STDIN`` of CSV written by pyarrow.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from psycopg import sql

from site_gis.access import ApiKey
from site_gis.errors import RebuildRefusedError, StoreCorruptError
from site_gis.progress import Progress, Steps
from site_gis.schemas import CATALOGUE, FieldKind, LayerSchema
from site_gis.site import SiteInfo
from site_gis.store.base import (
    AuditEntry,
    BBox,
    FeaturePage,
    LayerInfo,
    Precondition,
    WriteMode,
)
from site_gis.store.common import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    KEYS_TABLE,
    METADATA_TABLE,
    AnyOf,
    audit_entry,
    audit_record,
    check_bbox,
    check_read,
    conditions,
    key_entry,
    layer_schema,
    missing_layers,
    no_stored,
    now,
    record_entry,
)
from site_gis.store.filters import (
    Always,
    And,
    Compare,
    Expr,
    In,
    IsNull,
    Like,
    Not,
    Or,
    Range,
    Sorting,
    Spatial,
    search_box,
)
from site_gis.store.integrity import plan_write
from site_gis.store.pgconnect import Database, safe_url
from site_gis.store.pgschema import (
    SCHEMA_VERSION,
    SRID,
    STATE_TABLE,
    WRITE_LOCK,
    Connection,
    check_store,
    create_indexes,
    create_keys_table,
    create_tables,
    previous_version,
    require_postgis,
    table_exists,
)
from site_gis.store.rendering import geometry_json
from site_gis.validation import Frame, conform

_CHANGE, _ACCESS = "change", "access"
_KEY_COLUMNS = (
    "key_id",
    "name",
    "roles",
    "key_hash",
    "created_at",
    "created_by",
    "revoked_at",
    "revoked_by",
)
_ARROW_TYPES: dict[FieldKind, pa.DataType] = {
    "str": pa.string(),
    "date": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}
_ARRAY_TYPES: dict[FieldKind, str] = {
    "str": "text",
    "date": "text",
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
}


_TABLES = [*CATALOGUE, METADATA_TABLE, AUDIT_TABLE]
"""Tables :meth:`PostGISStore.version` checks are there (besides the state table it reads)."""


class PostGISStore:
    """A site's layers in a PostGIS database.

    Parameters
    ----------
    url
        ``postgresql://user[:password]@host[:port]/dbname`` of a database built
        by :meth:`create` (the password may instead come from ``PGPASSWORD`` or
        ``~/.pgpass``).

    Raises
    ------
    StoreUnavailableError
        If the server cannot be reached (the message names host, port and database).
    StoreNotFoundError
        If the database holds no site-gis store.
    StoreCorruptError
        If the store is incomplete or has a schema version this code cannot read.
    """

    def __init__(self, url: str) -> None:
        self._url = safe_url(url)
        self._db = Database(url)
        self._finalizer = weakref.finalize(self, self._db.close)
        self._infos: dict[tuple[str, str], LayerInfo] = {}  # by (version, layer)
        try:
            with self._db.transaction() as conn:
                check_store(conn, self._url)
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        """The database URL without its password."""
        return self._url

    def close(self) -> None:
        """Close the store's idle connections (it reconnects if used again)."""
        self._db.close()

    def __enter__(self) -> PostGISStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def create(
        cls,
        url: str,
        site: SiteInfo,
        frames: Mapping[str, Frame],
        *,
        actor: str,
        note: str = "",
        layers_digest: str = "",
        progress: Progress | None = None,
    ) -> PostGISStore:
        """Build the store in the database at ``url`` from layers, replacing any old one.

        Every layer is validated first; the tables are replaced in one
        transaction, so readers see the old store until the new one is
        complete.  The audit log and API keys of a store it replaces are kept.
        ``progress`` is told of each step (see :meth:`rebuild`).
        """
        built, _ = cls.rebuild(
            url,
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
        url: str,
        site: SiteInfo,
        frames: Mapping[str, Frame],
        *,
        actor: str,
        note: str = "",
        layers_digest: str = "",
        expect_version: str | None = None,
        backup: bool = False,
        progress: Progress | None = None,
    ) -> tuple[PostGISStore, str | None]:
        """:meth:`create`, guarded: checked against and backed up from the store it replaces.

        Parameters
        ----------
        expect_version
            The :meth:`version` of the old store as the caller compared it; if
            another write changed it since, nothing is written and
            :class:`~site_gis.errors.RebuildRefusedError` says so.
        backup
            First move the old store's tables (if any) into a new schema
            ``site_gis_backup_<yyyy_mm_dd>t<hhmm>`` (UTC) of the same database, with
            copies of its audit log and keys, in the rebuild's own transaction.
            It opens as a store with ``?options=-csearch_path%3D<schema>,public``
            on the URL.
        progress
            Told of each step: the check of the layers, every layer copied in (with
            its indexes), then the finishing (metadata, audit entry, ``ANALYZE``, commit).

        Returns
        -------
        tuple
            The new store and the backup schema's name (``None`` if none was written).
        """
        missing_layers(frames)
        steps = Steps(progress, len(CATALOGUE) + 2)
        steps.start("checking the layers")
        after = plan_write(frames, "replace", no_stored, site=site)
        steps.finish()
        db = Database(url)
        saved: str | None = None
        try:
            with db.transaction() as conn:
                require_postgis(conn, safe_url(url))
                conn.execute(WRITE_LOCK)
                existed = any(table_exists(conn, n) for n in [METADATA_TABLE, *CATALOGUE])
                changed = expect_version is not None and _state_version(conn) != expect_version
                if existed and changed:
                    raise RebuildRefusedError(
                        f"{safe_url(url)} changed while it was being compared with the "
                        "layers (another write landed); nothing was rebuilt: run init again"
                    )
                previous = previous_version(conn)
                if existed and backup:
                    saved = _backup_schema(conn)
                for name in [*CATALOGUE, METADATA_TABLE, STATE_TABLE]:
                    conn.execute(
                        sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(name))
                    )
                create_tables(conn)
                create_keys_table(conn)
                for name, schema in CATALOGUE.items():
                    steps.start(f"writing {name} ({len(after[name]):,} rows)")
                    _copy_in(conn, schema, after[name])
                    create_indexes(conn, schema)
                    steps.finish()
                steps.start("writing metadata and the audit log")
                metadata = {
                    "schema_version": SCHEMA_VERSION,
                    "site": json.dumps(site.to_dict()),
                    "layers_digest": layers_digest,
                    "created_at": now().isoformat(),
                }
                conn.cursor().executemany(
                    sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(
                        sql.Identifier(METADATA_TABLE)
                    ),
                    list(metadata.items()),
                )
                conn.execute(
                    sql.SQL("INSERT INTO {} (store_id, data_version) VALUES (%s, %s)").format(
                        sql.Identifier(STATE_TABLE)
                    ),
                    [uuid.uuid4().hex[:12], previous + 1],
                )
                _append_audit(conn, actor, "create", "replace", after, note)
                conn.execute("ANALYZE")
        finally:
            db.close()
        steps.finish()
        return cls(url), saved

    def site(self) -> SiteInfo:
        """The site description stored with the layers."""
        return SiteInfo.from_dict(json.loads(self.metadata()["site"]), source=self.url)

    def metadata(self) -> dict[str, str]:
        """The store's key/value metadata (schema version, site, layers digest, creation time)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT key, value FROM {}").format(sql.Identifier(METADATA_TABLE))
            ).fetchall()
        return {str(k): str(v) for k, v in rows}

    def version(self) -> str:
        """The store's id and its data version, which every write increments.

        Also the store's check that it can still be served, in one query: a
        server that went away raises
        :class:`~site_gis.errors.StoreUnavailableError`, a store whose tables
        were dropped (all or some) :class:`~site_gis.errors.StoreError`, until
        they are back.
        """
        with self._db.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT store_id, data_version, array(SELECT t FROM unnest(%s::text[]) AS t "
                    "WHERE to_regclass(quote_ident(t)) IS NULL) FROM {}"
                ).format(sql.Identifier(STATE_TABLE)),
                [_TABLES],
            ).fetchone()
        if row is None:
            raise StoreCorruptError(f"{self.url} has no data version; rebuild it")
        if row[2]:
            raise StoreCorruptError(
                f"{self.url} is not a complete site-gis store: missing {', '.join(row[2])}"
            )
        return f"{row[0]}-{row[1]}"

    def layers(self) -> list[LayerInfo]:
        """Every layer in catalogue order (one look at the data version for all of them)."""
        version = self.version()
        return [self.layer_info(name, version=version) for name in CATALOGUE]

    def layer_info(self, name: str, *, version: str | None = None) -> LayerInfo:
        """Summary of one layer: title, geometry type, feature count and lon/lat bounds.

        Remembered until the data version changes (counting a large layer is not free).
        """
        schema = layer_schema(name)
        key = (version or self.version(), name)
        if key not in self._infos:
            info = self._layer_info(schema)
            self._infos = {k: v for k, v in self._infos.items() if k[0] == key[0]}
            self._infos[key] = info
        return self._infos[key]

    def _layer_info(self, schema: LayerSchema) -> LayerInfo:
        name = schema.name
        table = sql.Identifier(name)
        with self._db.connection() as conn:
            if schema.is_table:
                row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
            else:
                row = conn.execute(
                    sql.SQL(
                        "SELECT count(*), min(ST_XMin(geometry)), min(ST_YMin(geometry)), "
                        "max(ST_XMax(geometry)), max(ST_YMax(geometry)) FROM {}"
                    ).format(table)
                ).fetchone()
        assert row is not None
        bounds: BBox | None = None
        if not schema.is_table and row[0] > 0:
            bounds = (float(row[1]), float(row[2]), float(row[3]), float(row[4]))
        return LayerInfo(
            name=name,
            title=schema.title,
            description=schema.description,
            geometry_type=None if schema.is_table else schema.geometry_types[0],
            feature_count=int(row[0]),
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

        Parameters
        ----------
        name
            Layer name.
        bbox
            (min lon, min lat, max lon, max lat) in EPSG:4326 degrees; features
            whose geometry intersects the box are returned (the GiST index
            narrows by envelope first).
        where
            Field equality filters; a list or tuple value means "any of",
            ``None`` matches empty values, :class:`~site_gis.store.base.Between` a range.
        columns
            Attribute fields to return (default: all); geometry is always included.
        limit, offset
            Paging over the matching features, in storage order.

        Raises
        ------
        InvalidRequestError
            For an unknown field, a bbox on a table or a malformed bbox, or bad paging.
        """
        schema = layer_schema(name)
        check_read(schema, columns, limit, offset)
        filters = _filters(schema, bbox, where)
        with self._db.connection() as conn:
            if filter is None and not sortby:
                return _read_frame(
                    conn, schema, columns=columns, filters=filters, limit=limit, offset=offset
                )
            # COPY cannot bind parameters: the filtered, sorted page's row numbers come
            # from a query that binds them, and the rows are copied by those numbers
            found, params = _expr_sql(filter)
            query = sql.SQL("SELECT fid FROM {} WHERE {} AND {} ORDER BY {}{}{}").format(
                sql.Identifier(name),
                filters,
                found,
                _order_sql(schema, sortby),
                sql.SQL(" LIMIT {}").format(sql.Literal(limit))
                if limit is not None
                else sql.SQL(""),
                sql.SQL(" OFFSET {}").format(sql.Literal(offset)) if offset else sql.SQL(""),
            )
            fids = [int(row[0]) for row in conn.execute(query, params).fetchall()]
            by_fid = sql.SQL("fid = ANY({}::bigint[])").format(sql.Literal(fids))
            frame = _read_frame(conn, schema, columns=columns, filters=by_fid, with_fid=True)
        frame = frame.set_index("__fid").loc[fids].reset_index(drop=True)
        return frame

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
        """A page of features with their properties as JSON built by PostgreSQL.

        Same parameters, selection and order as :meth:`read`.
        """
        schema = layer_schema(name)
        check_read(schema, columns, limit, offset)
        names = schema.field_names if columns is None else columns
        members = sql.SQL(", ").join(
            sql.SQL("{}, {}").format(sql.Literal(n), _json_value(schema.field(n).kind, n))
            for n in names
        )
        found, params = _expr_sql(filter)
        order = _order_sql(schema, sortby)
        selected = sql.SQL("SELECT {}, {}, json_build_object({})::text").format(
            sql.Identifier(schema.id_field),
            sql.SQL("NULL" if schema.is_table else "ST_AsBinary(geometry)"),
            members,
        )
        table = sql.Identifier(name)
        condition = sql.SQL("{} AND {}").format(_filters(schema, bbox, where), found)
        if limit is None and not offset:  # a whole layer (exports): one pass
            query = sql.SQL("{} FROM {} WHERE {} ORDER BY {}").format(
                selected, table, condition, order
            )
        else:
            # The page's rows are found first and only they are serialised: PostgreSQL
            # would otherwise build the JSON of every row an OFFSET skips.
            query = sql.SQL(
                "{} FROM (SELECT fid FROM {} WHERE {} ORDER BY {}{}{}) AS page "
                "JOIN {} USING (fid) ORDER BY {}"
            ).format(
                selected,
                table,
                condition,
                order,
                sql.SQL(" LIMIT {}").format(sql.Literal(limit))
                if limit is not None
                else sql.SQL(""),
                sql.SQL(" OFFSET {}").format(sql.Literal(offset)) if offset else sql.SQL(""),
                table,
                order,
            )
        with self._db.connection() as conn:
            rows = conn.execute(query, params).fetchall()
        geometry = None
        if not schema.is_table:
            geometry = geometry_json(shapely.from_wkb([row[1] for row in rows]))
        return FeaturePage(
            ids=[row[0] for row in rows],
            geometry=geometry,
            properties=[row[2] for row in rows],
            matched=self.count(name, bbox=bbox, where=where, filter=filter),
        )

    def count(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        filter: Expr | None = None,
    ) -> int:
        """Number of features of ``name`` matching the filters."""
        schema = layer_schema(name)
        if bbox is None and not where and filter is None:
            return self.layer_info(name).feature_count
        found, params = _expr_sql(filter)
        query = sql.SQL("SELECT count(*) FROM {} WHERE {} AND {}").format(
            sql.Identifier(name), _filters(schema, bbox, where), found
        )
        with self._db.connection() as conn:
            row = conn.execute(query, params).fetchone()
        assert row is not None
        return int(row[0])

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
        """Replace or append to layers in one transaction, recorded in the audit log.

        Writers are serialised by an advisory lock; the store as it will be
        after the write is validated inside the transaction (schemas,
        identifier clashes, references both ways).  On any problem nothing
        changes and :class:`~site_gis.errors.LayerValidationError` lists them all.
        """
        for name in layers:
            layer_schema(name)
        site = self.site()
        with self._db.transaction() as conn:
            conn.execute(WRITE_LOCK)
            if precondition is not None:
                precondition(lambda n: _read_frame(conn, layer_schema(n)))
            rows = plan_write(
                layers,
                mode,
                lambda n, cols: _read_frame(conn, CATALOGUE[n], columns=cols),
                site=site,
            )
            for name, frame in rows.items():
                if mode == "replace":
                    conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(name)))
                _copy_in(conn, CATALOGUE[name], frame)
            entry = _append_audit(conn, actor, action, mode, rows, note, source_hash=source_hash)
            _bump_version(conn)
        return entry

    def audit_log(self) -> pd.DataFrame:
        """Every recorded write, oldest first."""
        with self._db.connection() as conn:
            return _read_audit(conn)

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
        """Append an audit entry for something that changed no layer (an export, say).

        The data version does not change: nothing a reader sees has.
        """
        with self._db.transaction() as conn:
            conn.execute(WRITE_LOCK)
            entry = record_entry(
                _next_audit_id(conn),
                actor=actor,
                action=action,
                layers=layers,
                rows=rows,
                content_hash=content_hash,
                note=note,
            )
            _insert_audit(conn, entry)
        return entry

    def api_keys(self) -> list[ApiKey]:
        """Every API key ever made (hashes only), revoked ones included, oldest first."""
        with self._db.connection() as conn:
            if not table_exists(conn, KEYS_TABLE):
                return []
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY created_at, key_id").format(
                    sql.SQL(", ").join(map(sql.Identifier, _KEY_COLUMNS)),
                    sql.Identifier(KEYS_TABLE),
                )
            ).fetchall()
        return [ApiKey.from_row(_key_row(row)) for row in rows]

    def save_api_key(self, key: ApiKey, *, actor: str, action: str) -> AuditEntry:
        """Add a key, or replace the stored one with the same id (to revoke it).

        The key and its audit entry land in one transaction; the data version
        changes, so every app instance re-reads its keys.
        """
        row = key.as_row()
        with self._db.transaction() as conn:
            conn.execute(WRITE_LOCK)
            create_keys_table(conn)
            table = sql.Identifier(KEYS_TABLE)
            found = conn.execute(
                sql.SQL("SELECT 1 FROM {} WHERE key_id = %s").format(table), [key.key_id]
            ).fetchone()
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (key_id) DO UPDATE SET {}"
                ).format(
                    table,
                    sql.SQL(", ").join(map(sql.Identifier, _KEY_COLUMNS)),
                    sql.SQL(", ").join(sql.Placeholder() * len(_KEY_COLUMNS)),
                    sql.SQL(", ").join(
                        sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c))
                        for c in _KEY_COLUMNS[1:]
                    ),
                ),
                [
                    key.key_id,
                    key.name,
                    row["roles"],
                    key.key_hash,
                    key.created_at,
                    key.created_by,
                    key.revoked_at,
                    key.revoked_by,
                ],
            )
            entry = key_entry(
                _next_audit_id(conn), key, actor=actor, action=action, replaced=found is not None
            )
            _insert_audit(conn, entry)
            _bump_version(conn)
        return entry


def _filters(
    schema: LayerSchema, bbox: BBox | None, where: Mapping[str, object] | None
) -> sql.Composable:
    """The WHERE clause of a bbox and field filters (values are quoted by psycopg)."""
    parts: list[sql.Composable] = []
    box = check_bbox(schema, bbox)
    if box is not None:
        envelope = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
            *map(sql.Literal, box), sql.Literal(SRID)
        )
        parts.append(sql.SQL("geometry && {0} AND ST_Intersects(geometry, {0})").format(envelope))
    for condition in conditions(schema, where):
        column = sql.Identifier(condition.field.name)
        if isinstance(condition, AnyOf):
            options: list[sql.Composable] = []
            if condition.values:
                cast = sql.SQL(_ARRAY_TYPES[condition.field.kind])
                options.append(
                    sql.SQL("{} = ANY({}::{}[])").format(
                        column, sql.Literal(list(condition.values)), cast
                    )
                )
            if condition.or_null:
                options.append(sql.SQL("{} IS NULL").format(column))
            parts.append(
                sql.SQL("({})").format(sql.SQL(" OR ").join(options))
                if options
                else sql.SQL("FALSE")
            )
            continue
        if condition.low is not None:
            parts.append(sql.SQL("{} >= {}").format(column, sql.Literal(condition.low)))
        if condition.high is not None:
            parts.append(sql.SQL("{} <= {}").format(column, sql.Literal(condition.high)))
    return sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")


_SPATIAL_FUNCTIONS = {
    "intersects": "ST_Intersects",
    "disjoint": "ST_Disjoint",
    "within": "ST_Within",
    "contains": "ST_Contains",
    "equals": "ST_Equals",
    "touches": "ST_Touches",
    "overlaps": "ST_Overlaps",
    "crosses": "ST_Crosses",
}


def _expr_sql(expr: Expr | None) -> tuple[sql.Composable, list[object]]:
    """A filter tree as SQL with ``%s`` placeholders, and the values the server binds.

    Columns come from the tree's field specs (checked against the schema when
    the tree was made) as quoted identifiers; text compares in the ``"C"``
    collation (code point order, as SQLite and Python); ``dwithin`` measures
    metres on the WGS 84 spheroid (``geography``) after an index prefilter.
    """
    params: list[object] = []

    def bind(value: object, cast: str = "") -> sql.Composable:
        params.append(value)
        return sql.SQL("%s" + (f"::{cast}" if cast else ""))

    def walk(node: Expr) -> sql.Composable:
        if isinstance(node, Always):
            return sql.SQL("TRUE" if node.value else "FALSE")
        if isinstance(node, And | Or):
            joiner = sql.SQL(" AND " if isinstance(node, And) else " OR ")
            return sql.SQL("({})").format(joiner.join(walk(p) for p in node.parts))
        if isinstance(node, Not):
            return sql.SQL("(NOT {})").format(walk(node.part))
        if isinstance(node, Spatial):  # values are bound in the order they appear
            if node.op != "dwithin":
                literal = sql.SQL("ST_GeomFromWKB({}, {})").format(
                    bind(node.wkb), sql.Literal(SRID)
                )
                function = sql.SQL(_SPATIAL_FUNCTIONS[node.op])
                return sql.SQL("{}(geometry, {})").format(function, literal)
            box = search_box(node)
            assert box is not None
            envelope = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
                *(bind(v) for v in box), sql.Literal(SRID)
            )
            literal = sql.SQL("ST_GeomFromWKB({}, {})").format(bind(node.wkb), sql.Literal(SRID))
            return sql.SQL(
                "(geometry && {} AND ST_DWithin(geometry::geography, {}::geography, {}))"
            ).format(envelope, literal, bind(node.distance_m, "double precision"))
        column = _column(node.field.name, node.field.kind)
        # an integer field may meet a fractional literal (storeys > 1.5): compare exactly
        cast = "numeric" if node.field.kind == "int" else _ARRAY_TYPES[node.field.kind]
        if isinstance(node, Compare):
            return sql.SQL("({} {} {})").format(column, sql.SQL(node.op), bind(node.value, cast))
        if isinstance(node, In):
            values = sql.SQL(", ").join(bind(v, cast) for v in node.values)
            return sql.SQL("({} IN ({}))").format(column, values)
        if isinstance(node, Range):
            return sql.SQL("({} BETWEEN {} AND {})").format(
                column, bind(node.low, cast), bind(node.high, cast)
            )
        if isinstance(node, IsNull):
            return sql.SQL("({} IS NULL)").format(sql.Identifier(node.field.name))
        return sql.SQL("({} LIKE {})").format(column, bind(_like(node), "text"))

    if expr is None:
        return sql.SQL("TRUE"), params
    return walk(expr), params


def _column(name: str, kind: FieldKind) -> sql.Composable:
    """A column in a comparison: text in the ``"C"`` collation."""
    if kind in ("str", "date"):
        return sql.SQL('{} COLLATE "C"').format(sql.Identifier(name))
    return sql.Identifier(name)


def _like(like: Like) -> str:
    """A CQL2 ``LIKE`` pattern in PostgreSQL's form (backslash escapes ``%``, ``_``, ``\\``)."""
    return "".join(
        ("\\" + part if part in "%_\\" else part) if literal else part
        for part, literal in zip(like.parts, like.literal, strict=True)
    )


def _order_sql(schema: LayerSchema, sortby: Sorting) -> sql.Composable:
    """Sort keys, empty values last either way (as pandas), then storage order."""
    keys = [
        sql.SQL("{} {} NULLS LAST").format(
            _column(key.field.name, key.field.kind), sql.SQL("DESC" if key.descending else "ASC")
        )
        for key in sortby
    ]
    return sql.SQL(", ").join([*keys, sql.SQL("fid")])


def _json_value(kind: FieldKind, name: str) -> sql.Composable:
    """A field as a ``json_build_object`` value.

    PostgreSQL writes a whole double as ``3``; a client that guesses field
    types from the first features (GDAL does) would then take a real field
    for an integer one, so whole reals keep their ``.0``.  NaN and the
    infinities, which it would write as strings, are sent as ``null``.
    """
    column = sql.Identifier(name)
    if kind != "float":
        return column
    return sql.SQL(
        "CASE WHEN {0} IN ('NaN', 'Infinity', '-Infinity') THEN NULL "
        "WHEN {0} = trunc({0}) AND abs({0}) < 1e15 "
        "THEN (trunc({0})::bigint::text || '.0')::json ELSE to_json({0}) END"
    ).format(column)


def _read_frame(
    conn: Connection,
    schema: LayerSchema,
    *,
    columns: Sequence[str] | None = None,
    filters: sql.Composable | None = None,
    limit: int | None = None,
    offset: int = 0,
    with_fid: bool = False,
) -> Frame:
    """Rows of a layer in storage order, as a frame with the schema's dtypes.

    ``with_fid`` adds each row's storage number as a column ``__fid``.
    """
    names = list(schema.field_names if columns is None else columns)
    selected: list[sql.Composable] = [sql.Identifier(n) for n in names]
    if with_fid:
        selected.append(sql.SQL("fid"))
    points = schema.geometry_types == ("Point",)
    if points:  # coordinates as numbers: cheaper to send and to decode than WKB
        selected += [sql.SQL("ST_X(geometry)"), sql.SQL("ST_Y(geometry)")]
    elif not schema.is_table:
        selected.append(sql.Identifier("geometry"))
    query = sql.SQL(
        "COPY (SELECT {} FROM {} WHERE {} ORDER BY fid{}{}) TO STDOUT (FORMAT csv)"
    ).format(
        sql.SQL(", ").join(selected),
        sql.Identifier(schema.name),
        filters if filters is not None else sql.SQL("TRUE"),
        sql.SQL(" LIMIT {}").format(sql.Literal(limit)) if limit is not None else sql.SQL(""),
        sql.SQL(" OFFSET {}").format(sql.Literal(offset)) if offset else sql.SQL(""),
    )
    chunks: list[bytes] = []
    try:
        with conn.cursor().copy(query) as copy:
            chunks.extend(bytes(chunk) for chunk in copy)
    except psycopg.errors.UndefinedColumn as exc:
        found = re.search(r'column "([^"]+)"', exc.diag.message_primary or "")
        raise StoreCorruptError(
            f"layer {schema.name!r} lacks the field(s) {found.group(1) if found else '?'}: it was "
            "built by another version of site-gis; rebuild it with `site-gis init`"
        ) from None
    types = {n: _ARROW_TYPES[schema.field(n).kind] for n in names}
    if with_fid:
        types["fid"] = pa.int64()
    shape = {"x": pa.float64(), "y": pa.float64()} if points else {"geometry": pa.string()}
    if not schema.is_table:
        types.update(shape)
    table = _parse_csv(b"".join(chunks), types)
    attributes = table.select(names)
    frame = attributes.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    if with_fid:
        frame["__fid"] = table.column("fid").to_numpy()
    if points:
        x, y = (table.column(c).to_numpy() for c in ("x", "y"))
        frame = gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=SRID)
    elif not schema.is_table:  # hex EWKB, the text form of a geometry
        wkb = table.column("geometry").to_numpy(zero_copy_only=False)
        frame = gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=SRID)
    return conform(frame, schema)


def _parse_csv(data: bytes, types: dict[str, pa.DataType]) -> pa.Table:
    """Rows of ``COPY ... (FORMAT csv)``: unquoted empty is NULL, ``""`` an empty string."""
    if not data:
        return pa.table({name: pa.array([], kind) for name, kind in types.items()})
    return pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=list(types)),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _copy_in(conn: Connection, schema: LayerSchema, frame: Frame) -> None:
    """Append ``frame``'s rows in their order (so ``fid`` follows it) with one COPY."""
    if not len(frame):
        return
    names = list(schema.field_names)
    table = pa.Table.from_pandas(pd.DataFrame(frame[names]), preserve_index=False)
    if not schema.is_table:
        assert isinstance(frame, gpd.GeoDataFrame)
        geometry = shapely.to_wkb(
            shapely.set_srid(frame.geometry.to_numpy(), SRID), hex=True, include_srid=True
        )
        table = table.append_column("geometry", pa.array(geometry, pa.string()))
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(schema.name), sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    )
    with conn.cursor().copy(statement) as copy:
        copy.write(buffer.getbuffer())


def _append_audit(
    conn: Connection,
    actor: str,
    action: str,
    mode: str,
    frames: Mapping[str, Frame],
    note: str,
    *,
    source_hash: str = "",
) -> AuditEntry:
    """Add the audit row of a write of ``frames``."""
    entry = audit_entry(
        _next_audit_id(conn),
        actor=actor,
        action=action,
        mode=mode,
        frames=frames,
        note=note,
        source_hash=source_hash,
    )
    _insert_audit(conn, entry)
    return entry


def _next_audit_id(conn: Connection) -> int:
    """The next audit id (read under the write lock, so ids do not clash)."""
    row = conn.execute(
        sql.SQL("SELECT coalesce(max(audit_id), 0) + 1 FROM {}").format(sql.Identifier(AUDIT_TABLE))
    ).fetchone()
    assert row is not None
    return int(row[0])


def _insert_audit(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(AUDIT_TABLE),
            sql.SQL(", ").join(map(sql.Identifier, AUDIT_COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(AUDIT_COLUMNS)),
        ),
        [{**audit_record(entry), "at": entry.at}[name] for name in AUDIT_COLUMNS],
    )


def _state_version(conn: Connection) -> str | None:
    """The data version :meth:`PostGISStore.version` reports (``None`` without a state table)."""
    if not table_exists(conn, STATE_TABLE):
        return None
    row = conn.execute(
        sql.SQL("SELECT store_id, data_version FROM {}").format(sql.Identifier(STATE_TABLE))
    ).fetchone()
    return f"{row[0]}-{row[1]}" if row else None


def _backup_schema(conn: Connection) -> str:
    """Move the store's tables into a new dated schema; copy the audit log and keys there.

    Called inside the rebuild's transaction, under the write lock.  The layer,
    metadata and state tables are moved whole (indexes and all); the audit log
    and keys stay in place for the new store too, so they are copied.

    Returns
    -------
    str
        The schema's name, ``site_gis_backup_<yyyy_mm_dd>t<hhmm>`` (UTC; ``_2``,
        ``_3`` ... after it for a second backup within a minute).
    """
    base = f"site_gis_backup_{now():%Y_%m_%dt%H%M}"
    name, number = base, 1
    while conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name]).fetchone():
        number += 1
        name = f"{base}_{number}"
    schema = sql.Identifier(name)
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
    for table in [*CATALOGUE, METADATA_TABLE, STATE_TABLE]:
        if table_exists(conn, table):
            conn.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(sql.Identifier(table), schema)
            )
    for table in [AUDIT_TABLE, KEYS_TABLE]:
        if table_exists(conn, table):
            copy = sql.Identifier(name, table)
            conn.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                    copy, sql.Identifier(table)
                )
            )
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM {}").format(copy, sql.Identifier(table))
            )
    return name


def _bump_version(conn: Connection) -> None:
    conn.execute(
        sql.SQL("UPDATE {} SET data_version = data_version + 1").format(sql.Identifier(STATE_TABLE))
    )


def _key_row(row: Sequence[Any]) -> dict[str, object]:
    """A keys-table row in the text form of :meth:`ApiKey.as_row` (times ISO 8601, UTC)."""
    values = dict(zip(_KEY_COLUMNS, row, strict=True))
    for name in ("created_at", "revoked_at"):
        when = values[name]
        values[name] = when.astimezone(UTC).isoformat() if isinstance(when, datetime) else ""
    return values


def _read_audit(conn: Connection) -> pd.DataFrame:
    """The audit table as the GeoPackage store returns it (time as ISO 8601 text in UTC).

    The ``log`` column says ``change`` for writes and ``access`` for what
    :meth:`PostGISStore.record` recorded, as the GeoPackage store's does.
    """
    selected = [
        sql.SQL("to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') AS at")
        if name == "at"
        else sql.Identifier(name)
        for name in AUDIT_COLUMNS
    ]
    rows = conn.execute(
        sql.SQL("SELECT {} FROM {} ORDER BY audit_id").format(
            sql.SQL(", ").join(selected), sql.Identifier(AUDIT_TABLE)
        )
    ).fetchall()
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    frame = frame.astype({"audit_id": "int64", "rows": "int64"})
    # accesses (exports, recorded with mode "none") share the table and the id sequence
    return frame.assign(log=frame["mode"].map(lambda mode: _ACCESS if mode == "none" else _CHANGE))
