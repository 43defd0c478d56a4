"""Pages of features straight from a GeoPackage's SQLite tables, for serving.

pyogrio opens the file with GDAL on every read (about 3 ms before the first
row), and a frame of 1,000 features costs more to build than to read.  A
feature server needs neither: this module keeps read-only SQLite connections
to the GeoPackage and asks SQLite for what a GeoJSON response holds -- the
identifier, the geometry and each feature's properties as a JSON object
(built by SQLite's ``json_object``).

The selection is the one the pyogrio path makes (GDAL's): attribute filters
from :func:`~site_gis.store.common.conditions`, and a bbox that selects the
features whose geometry intersects it.  The layer's R-tree narrows by
envelope; shapely decides only for envelopes that straddle the box's edge.
Features come in storage (primary key) order, with or without a bbox.

Geometries are served from their GeoJSON renderings, which the store keeps
in ``site_gis_geojson`` beside the layers (:func:`sync_renderings`, run in
every write): one row per feature with the geometry blob it was made from.
A rendering is used only while that blob equals the feature's geometry, so a
layer edited by another tool is still served correctly, from shapely.

A write replaces the file (see :mod:`site_gis.store.geopackage`), so a
connection is tied to the file version it was opened on and is dropped once
the file changes; a read that began on the old file finishes on it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
import orjson
import shapely
import shapely.errors

from site_gis.errors import StoreCorruptError, StoreError
from site_gis.schemas import CATALOGUE, FieldSpec, LayerSchema
from site_gis.store.base import BBox, FeaturePage
from site_gis.store.common import AnyOf, Condition
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
    spatial_mask,
    spatial_nodes,
)
from site_gis.store.rendering import geometry_json

# Queries are assembled from identifiers only -- layer and field names from the
# schemas, column names read from the file -- each quoted by _q; every value a
# caller gives is a bound parameter.

_LARGEST_REAL = "1.7976931348623157e308"
RENDERINGS_TABLE = "site_gis_geojson"
"""GeoJSON renderings of the layers' geometries: layer, fid, the blob rendered, the text."""
T = TypeVar("T")
_IDLE_CONNECTIONS = 4
_REMEMBERED_BOXES = 8
_REMEMBERED_COUNTS = 16
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)
"""Envelope length by the indicator in bits 1-3 of a geometry blob's flags."""


def file_version(path: Path) -> str:
    """Inode, modification time and size: every write of the store replaces the file."""
    stat = path.stat()
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


class _Recent(Generic[T]):
    """The last few answers computed for the current file version (thread-safe).

    Keys start with the file version; an answer for another version is dropped
    as soon as one for the new version is kept.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[tuple[object, ...], T] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> T | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[object, ...], value: T) -> None:
        with self._lock:
            kept = [(k, v) for k, v in self._items.items() if k[0] == key[0]]
            self._items = dict(kept[-(self._size - 1) :]) | {key: value}


@dataclass(frozen=True, slots=True)
class _Layer:
    """Where a layer's rows, geometries and R-tree are, in one version of the file."""

    table: str
    key: str
    geometry: str | None
    rtree: str | None
    rendered: bool


class GeoPackageFeatures:
    """Counts and pages of features of one GeoPackage, read through SQLite.

    Safe to share between threads: each call borrows a connection of its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: list[tuple[str, sqlite3.Connection]] = []
        self._layers: _Recent[_Layer] = _Recent(len(CATALOGUE))
        self._counts: _Recent[int] = _Recent(_REMEMBERED_COUNTS)
        self._boxes: _Recent[list[int]] = _Recent(_REMEMBERED_BOXES)
        self._lock = threading.Lock()

    def keys_in_bbox(self, schema: LayerSchema, bbox: BBox, found: list[Condition]) -> list[int]:
        """Primary keys, in order, of the features matching ``bbox`` and the conditions."""
        with self._connection() as (conn, version):
            layer = self._layer(conn, version, schema)
            try:
                return self._keys_in_bbox(conn, version, layer, bbox, found)
            except sqlite3.Error as exc:
                raise _corrupt(schema, self.path, exc) from exc

    def count(
        self,
        schema: LayerSchema,
        bbox: BBox | None,
        found: list[Condition],
        *,
        expr: Expr | None = None,
        metric_epsg: int = 0,
    ) -> int:
        """Number of features matching the bbox (EPSG:4326), field conditions and filter."""
        with self._connection() as (conn, version):
            if expr is None:
                return self._count(conn, version, schema, bbox, found)
            layer = self._layer(conn, version, schema)
            try:
                _, matched = self._selected(
                    conn, version, layer, schema, bbox, found, expr, (), metric_epsg, 0, 0
                )
            except sqlite3.Error as exc:
                raise _corrupt(schema, self.path, exc) from exc
            return matched

    def selected_keys(
        self,
        schema: LayerSchema,
        bbox: BBox | None,
        found: list[Condition],
        *,
        expr: Expr | None,
        order: Sorting,
        metric_epsg: int,
        limit: int | None,
        offset: int,
    ) -> list[int]:
        """Primary keys of a page of the selection, in ``order`` then key order."""
        with self._connection() as (conn, version):
            layer = self._layer(conn, version, schema)
            try:
                wanted, _ = self._selected(
                    conn,
                    version,
                    layer,
                    schema,
                    bbox,
                    found,
                    expr,
                    order,
                    metric_epsg,
                    limit,
                    offset,
                )
            except sqlite3.Error as exc:
                raise _corrupt(schema, self.path, exc) from exc
            return wanted

    def _selected(
        self,
        conn: sqlite3.Connection,
        version: str,
        layer: _Layer,
        schema: LayerSchema,
        bbox: BBox | None,
        found: list[Condition],
        expr: Expr | None,
        order: Sorting,
        metric_epsg: int,
        limit: int | None,
        offset: int,
    ) -> tuple[list[int], int]:
        """The keys of one page of a filtered, sorted selection, and how many match in all.

        Spatial predicates are decided first, each into the set of keys that
        satisfy it (the R-tree narrows, shapely decides), and enter the query
        as those sets; everything else is SQLite SQL with bound values.
        """
        key = _q(layer.key)
        filters, params = where_params(found)
        clauses = [filters]
        if bbox is not None:
            clauses.append(f"{key} IN (SELECT value FROM json_each(?))")
            params.append(
                orjson.dumps(self._keys_in_bbox(conn, version, layer, bbox, found)).decode()
            )
        if expr is not None:
            sets = {
                node: _spatial_keys(conn, layer, node, metric_epsg)
                for node in dict.fromkeys(spatial_nodes(expr))
            }
            text, values = _expr_sql(expr, layer, sets)
            clauses.append(text)
            params += values
        where = " AND ".join(clauses)
        cache_key = (version, schema.name, "filtered", where, tuple(map(repr, params)))
        matched = self._counts.get(cache_key)
        if matched is None:
            (matched,) = conn.execute(
                f"SELECT count(*) FROM {_q(layer.table)} WHERE {where}", params
            ).fetchone()
            self._counts.put(cache_key, int(matched))
        sort = [_order_sql(k.field.name, k.descending) for k in order] + [key]
        rows = conn.execute(
            f"SELECT {key} FROM {_q(layer.table)} WHERE {where} ORDER BY {', '.join(sort)} "
            "LIMIT ? OFFSET ?",
            [*params, -1 if limit is None else limit, offset],
        ).fetchall()
        return [int(row[0]) for row in rows], int(matched)

    def page(
        self,
        schema: LayerSchema,
        bbox: BBox | None,
        found: list[Condition],
        columns: Sequence[str],
        limit: int | None,
        offset: int,
        *,
        expr: Expr | None = None,
        order: Sorting = (),
        metric_epsg: int = 0,
    ) -> FeaturePage:
        """The matching features from ``offset`` on, at most ``limit`` of them.

        Parameters
        ----------
        schema
            The layer.
        bbox
            (min lon, min lat, max lon, max lat) in EPSG:4326, already checked.
        found
            Field conditions (from :func:`~site_gis.store.common.conditions`).
        columns
            Fields for the properties, in order (checked against the schema).
        limit, offset
            Paging over the matching features, in primary key order.
        expr, order
            A filter (:mod:`site_gis.store.filters`) and sort keys; with either,
            the page comes in ``order`` then primary key order.
        metric_epsg
            The site's metric CRS, in which ``dwithin`` distances are measured.
        """
        with self._connection() as (conn, version):
            layer = self._layer(conn, version, schema)
            key = _q(layer.key)
            try:
                if expr is not None or order:
                    wanted, matched = self._selected(
                        conn,
                        version,
                        layer,
                        schema,
                        bbox,
                        found,
                        expr,
                        order,
                        metric_epsg,
                        limit,
                        offset,
                    )
                    ranked = (
                        f"SELECT t0.*, j.key AS {_RANK} FROM json_each(?) j "
                        f"JOIN {_q(layer.table)} t0 ON t0.{key} = j.value"
                    )
                    sql_text = _page_sql(schema, layer, columns, "", source=ranked)
                    page = conn.execute(sql_text, [orjson.dumps(wanted).decode()]).fetchone()
                    return _unpack(page, matched, layer, schema, self.path)
                if bbox is None:
                    matched = self._count(conn, version, schema, None, found)
                    filters, params = where_params(found)
                    rows = f"WHERE {filters} ORDER BY {key} LIMIT ? OFFSET ?"
                    params += [-1 if limit is None else limit, offset]
                else:
                    keys = self._keys_in_bbox(conn, version, layer, bbox, found)
                    matched = len(keys)
                    wanted = keys[offset : None if limit is None else offset + limit]
                    rows = f"WHERE {key} IN (SELECT value FROM json_each(?)) ORDER BY {key}"
                    params = [orjson.dumps(wanted).decode()]
                page = conn.execute(_page_sql(schema, layer, columns, rows), params).fetchone()
            except sqlite3.Error as exc:
                raise _corrupt(schema, self.path, exc) from exc
        return _unpack(page, matched, layer, schema, self.path)

    def _count(
        self,
        conn: sqlite3.Connection,
        version: str,
        schema: LayerSchema,
        bbox: BBox | None,
        found: list[Condition],
    ) -> int:
        layer = self._layer(conn, version, schema)
        if bbox is not None:
            return len(self._keys_in_bbox(conn, version, layer, bbox, found))
        cache_key = (version, schema.name, tuple(found))
        remembered = self._counts.get(cache_key)
        if remembered is not None:
            return remembered
        try:
            filters, params = where_params(found)
            (count,) = conn.execute(
                f"SELECT count(*) FROM {_q(layer.table)} WHERE {filters}", params
            ).fetchone()
        except sqlite3.Error as exc:
            raise _corrupt(schema, self.path, exc) from exc
        self._counts.put(cache_key, int(count))
        return int(count)

    def _keys_in_bbox(
        self,
        conn: sqlite3.Connection,
        version: str,
        layer: _Layer,
        bbox: BBox,
        found: list[Condition],
    ) -> list[int]:
        """:func:`_keys_in_bbox`, remembered for the last few boxes of this file version.

        Paging through a box (an export, or a client following ``next`` links)
        asks for the same keys once per page; finding them again each time
        would make a walk through the box cost hits × pages.  Filtered counts
        are remembered the same way.
        """
        cache_key = (version, layer.table, bbox, tuple(found))
        keys = self._boxes.get(cache_key)
        if keys is None:
            keys = _keys_in_bbox(conn, layer, bbox, found)
            self._boxes.put(cache_key, keys)
        return keys

    def _layer(self, conn: sqlite3.Connection, version: str, schema: LayerSchema) -> _Layer:
        """The table, key, geometry column and R-tree of ``schema`` (looked up once per version)."""
        cache_key = (version, schema.name)
        found = self._layers.get(cache_key)
        if found is not None:
            return found
        try:
            columns = conn.execute(f"PRAGMA table_info({_q(schema.name)})").fetchall()
            key = [row[1] for row in columns if row[5]]  # name, where "pk" is set
            geometry = rtree = None
            rendered = False
            if not schema.is_table:
                row = conn.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                    (schema.name,),
                ).fetchone()
                geometry = row[0] if row else None
                name = f"rtree_{schema.name}_{geometry}"
                rtree = name if _has_table(conn, name) else None
            rendered = not schema.is_table and _has_table(conn, RENDERINGS_TABLE)
        except sqlite3.Error as exc:
            raise _corrupt(schema, self.path, exc) from exc
        if len(key) != 1 or (not schema.is_table and geometry is None):
            raise StoreCorruptError(
                f"layer {schema.name!r} in {self.path} is not a GeoPackage feature table "
                "with one primary key; rebuild it with `site-gis init`"
            )
        layer = _Layer(
            table=schema.name, key=key[0], geometry=geometry, rtree=rtree, rendered=rendered
        )
        self._layers.put(cache_key, layer)
        return layer

    @contextmanager
    def _connection(self) -> Iterator[tuple[sqlite3.Connection, str]]:
        """A read-only connection to the file as it is now, with its version."""
        conn, version = self._borrow()
        try:
            yield conn, version
        finally:
            with self._lock:
                keep = len(self._idle) < _IDLE_CONNECTIONS
                if keep:
                    self._idle.append((version, conn))
            if not keep:
                conn.close()

    def _borrow(self) -> tuple[sqlite3.Connection, str]:
        while True:
            version = self._version()
            with self._lock:
                stale = [c for v, c in self._idle if v != version]
                self._idle = [(v, c) for v, c in self._idle if v == version]
                conn = self._idle.pop()[1] if self._idle else None
            for old in stale:
                old.close()
            if conn is not None:
                return conn, version
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            if self._version() == version:  # not replaced while opening
                return conn, version
            conn.close()

    def _version(self) -> str:
        try:
            return file_version(self.path)
        except OSError as exc:
            raise StoreCorruptError(f"cannot read {self.path}: {exc.strerror or exc}") from exc


def geometries(blobs: Sequence[bytes | None]) -> npt.NDArray[np.object_]:
    """Shapely geometries from GeoPackage geometry blobs (``None`` stays ``None``).

    A blob is a header -- "GP", version, flags, SRS id, then an envelope whose
    length the flags give -- followed by standard WKB (OGC 12-128r18, 2.1.3).

    Raises
    ------
    StoreCorruptError
        For a blob that is not GeoPackage binary.
    """
    try:
        wkb = [
            None if blob is None else blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 7] :]
            for blob in blobs
        ]
        return shapely.from_wkb(wkb)
    except (IndexError, shapely.errors.GEOSException) as exc:
        raise StoreCorruptError(f"a stored geometry is not GeoPackage binary: {exc}") from exc


def where_sql(found: list[Condition]) -> str:
    """The conditions as a SQLite filter with the values written in, for GDAL.

    GDAL passes it on unchanged as the attribute filter of a GeoPackage layer,
    so the pyogrio and SQLite read paths select the same rows.  Field names
    were checked against the schema; text values are quoted.
    """

    def literal(value: object) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return _where(found, literal)


def where_params(found: list[Condition], *, table: str = "") -> tuple[str, list[object]]:
    """The conditions as a SQLite filter with ``?`` placeholders, and their values.

    ``table`` qualifies the column names (an alias, for a query that joins).
    """
    params: list[object] = []

    def placeholder(value: object) -> str:
        params.append(int(value) if isinstance(value, bool) else value)
        return "?"

    return _where(found, placeholder, table), params


def _where(found: list[Condition], value: Callable[[object], str], table: str = "") -> str:
    clauses = []
    for condition in found:
        column = (f"{table}." if table else "") + _q(condition.field.name)
        if isinstance(condition, AnyOf):
            values = condition.values
            parts = [f"{column} IN ({', '.join(map(value, values))})"] if values else []
            if condition.or_null:
                parts.append(f"{column} IS NULL")
            clauses.append("(" + " OR ".join(parts) + ")" if parts else "0")
            continue
        ends = [
            f"{column} >= {value(condition.low)}" if condition.low is not None else "",
            f"{column} <= {value(condition.high)}" if condition.high is not None else "",
        ]
        clauses.append("(" + " AND ".join(e for e in ends if e) + ")" if any(ends) else "1")
    return " AND ".join(clauses) or "1"


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _page_sql(
    schema: LayerSchema, layer: _Layer, columns: Sequence[str], rows: str, *, source: str = ""
) -> str:
    """One row holding a whole page: keys, identifiers, geometries and properties.

    Python's sqlite3 gives up the GIL for every row it steps to; a page in one
    row lets the thread reading the next page of an export run beside the
    one serialising this page instead of trading the GIL thousands of times.
    Keys and identifiers come as JSON arrays.  Geometries come as their
    GeoJSON renderings, and as hex blobs where there is no current rendering
    (each empty where the other is given, both for no geometry).  Renderings
    and properties are separated by U+001F, which JSON text cannot hold
    unescaped; the hex blobs by commas.  ``source``, when given, replaces
    ``SELECT * FROM <layer> <rows>`` and carries a rank column (the order of
    a sorted page), which then stands in for the keys.
    """
    members = ", ".join(
        "'" + name.replace("'", "''") + f"', {_json_value(schema.field(name))}" for name in columns
    )
    key = f"t.{_q(layer.key)}"
    order = f"t.{_RANK}" if source else key
    if layer.geometry is None:
        geometry, join = "NULL, NULL", ""
    elif not layer.rendered:
        geometry, join = f"NULL, group_concat(hex(t.{_q(layer.geometry)}), ',')", ""
    else:
        shape = f"t.{_q(layer.geometry)}"
        name = layer.table.replace("'", "''")
        join = f"LEFT JOIN {RENDERINGS_TABLE} r ON r.layer = '{name}' AND r.fid = {key}"
        geometry = (
            f"group_concat(iif(r.geometry = {shape}, r.geojson, ''), char(31)), "
            f"group_concat(iif(r.geometry = {shape}, '', hex({shape})), ',')"
        )
    return (
        f"SELECT json_group_array({order}), json_group_array(t.{_q(schema.id_field)}), "
        f"{geometry}, group_concat(json_object({members}), char(31)) "
        f"FROM ({source or f'SELECT * FROM {_q(layer.table)} {rows}'}) AS t {join}"
    )


_RANK = '"site_gis_rank"'
"""Column of a sorted page's subquery holding each feature's place in the page."""


def _order_sql(column: str, descending: bool) -> str:
    """One sort key: empty values last either way (as pandas sorts)."""
    return f"{_q(column)} {'DESC' if descending else 'ASC'} NULLS LAST"


def _expr_sql(
    expr: Expr, layer: _Layer, sets: dict[Spatial, list[int]]
) -> tuple[str, list[object]]:
    """A filter tree as SQLite SQL with ``?`` placeholders, and the values to bind.

    Columns come from the tree's field specs (checked against the schema when
    the tree was made), quoted; every value is a parameter.  A spatial node is
    the set of keys that satisfy it (``sets``), null for a feature without
    geometry so that neither it nor its ``NOT`` holds.
    """
    params: list[object] = []

    def bind(value: object) -> str:
        params.append(int(value) if isinstance(value, bool) else value)
        return "?"

    def walk(node: Expr) -> str:
        if isinstance(node, Always):
            return "1" if node.value else "0"
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(walk(p) for p in node.parts) + ")"
        if isinstance(node, Not):
            return f"(NOT {walk(node.part)})"
        if isinstance(node, Spatial):
            shape, key = _q(layer.geometry or ""), _q(layer.key)
            keys = orjson.dumps(sets[node]).decode()
            return (
                f"(CASE WHEN {shape} IS NULL THEN NULL "
                f"ELSE {key} IN (SELECT value FROM json_each({bind(keys)})) END)"
            )
        column = _q(node.field.name)
        if isinstance(node, Compare):
            return f"({column} {node.op} {bind(node.value)})"
        if isinstance(node, In):
            return f"({column} IN ({', '.join(bind(v) for v in node.values)}))"
        if isinstance(node, Range):
            return f"({column} BETWEEN {bind(node.low)} AND {bind(node.high)})"
        if isinstance(node, IsNull):
            return f"({column} IS NULL)"
        return f"({column} GLOB {bind(_glob(node))})"

    return walk(expr), params


def _glob(like: Like) -> str:
    """A ``LIKE`` pattern as a SQLite ``GLOB`` pattern (case-sensitive, as CQL2's LIKE)."""
    wild = {"%": "*", "_": "?"}
    special = {"*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(
        special.get(part, part) if literal else wild[part]
        for part, literal in zip(like.parts, like.literal, strict=True)
    )


def _spatial_keys(
    conn: sqlite3.Connection, layer: _Layer, node: Spatial, metric_epsg: int
) -> list[int]:
    """Primary keys of the features that satisfy a spatial predicate, in order."""
    shape, key, table = _q(layer.geometry or ""), _q(layer.key), _q(layer.table)
    box = search_box(node)
    if box is not None and layer.rtree is not None:
        west, south, east, north = box
        rows = conn.execute(
            f"SELECT t.{key}, t.{shape} FROM {_q(layer.rtree)} r JOIN {table} t "
            f"ON t.{key} = r.id WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?",
            [west, east, south, north],
        ).fetchall()
    else:
        rows = conn.execute(f"SELECT {key}, {shape} FROM {table}").fetchall()
    if not rows:
        return []
    hit = spatial_mask(node, geometries([row[1] for row in rows]), metric_epsg)
    return sorted(int(row[0]) for row, ok in zip(rows, hit, strict=True) if ok)


def _unpack(
    page: tuple[str, str, str | None, str | None, str | None],
    matched: int,
    layer: _Layer,
    schema: LayerSchema,
    path: Path,
) -> FeaturePage:
    """A :class:`FeaturePage` from the row of :func:`_page_sql`, in key order."""
    keys, ids = orjson.loads(page[0]), orjson.loads(page[1])
    properties = page[4].split("\x1f") if page[4] is not None else []
    texts: list[str] | None = None
    if layer.geometry is not None:
        blobs = page[3].split(",") if page[3] is not None else []
        rendered = page[2].split("\x1f") if page[2] is not None else [""] * len(blobs)
        texts = _geometry_texts(rendered, blobs)
    counts = {len(keys), len(ids), len(properties), len(keys if texts is None else texts)}
    if len(counts) != 1:
        raise StoreCorruptError(f"layer {schema.name!r} in {path} gave a malformed page")
    if keys != sorted(keys):  # SQLite does not promise the order of an aggregate
        order = np.argsort(keys, kind="stable").tolist()
        ids, properties = [ids[i] for i in order], [properties[i] for i in order]
        texts = None if texts is None else [texts[i] for i in order]
    return FeaturePage(ids=ids, geometry=texts, properties=properties, matched=matched)


def _geometry_texts(rendered: list[str], blobs: list[str]) -> list[str]:
    """Renderings where they are current; the rest rendered now from their blobs."""
    if len(rendered) != len(blobs):
        return []  # reported as a malformed page by the caller
    missing = [i for i, (text, blob) in enumerate(zip(rendered, blobs, strict=True)) if not text]
    if not missing:
        return rendered
    texts = list(rendered)
    shapes = geometries([bytes.fromhex(blobs[i]) if blobs[i] else None for i in missing])
    for i, text in zip(missing, geometry_json(shapes), strict=True):
        texts[i] = text
    return texts


def sync_renderings(path: Path, layers: Sequence[LayerSchema]) -> None:
    """Bring the GeoJSON renderings of ``layers`` in ``path`` up to date.

    Run by the store inside each write, on its staging copy: features whose
    geometry blob differs from the one rendered (or that have none) are
    rendered again, renderings of features that are gone are dropped.  A
    replaced layer whose geometries did not change keeps its renderings.  A
    store made before renderings existed gets them for every layer at once.

    Raises
    ------
    StoreError
        If SQLite cannot write them (the write then changes nothing).
    """
    try:
        with closing(sqlite3.connect(path)) as db, db:
            if not _has_table(db, RENDERINGS_TABLE):
                layers = list(CATALOGUE.values())
                db.execute(
                    f"CREATE TABLE {RENDERINGS_TABLE} (id INTEGER PRIMARY KEY, "
                    "layer TEXT NOT NULL, fid INTEGER NOT NULL, geometry BLOB NOT NULL, "
                    "geojson TEXT NOT NULL, UNIQUE (layer, fid))"
                )
            for schema in layers:
                if not schema.is_table:
                    _sync_layer(db, schema)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the GeoJSON renderings in {path}: {exc}") from exc


def _sync_layer(db: sqlite3.Connection, schema: LayerSchema) -> None:
    found = db.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (schema.name,)
    ).fetchone()
    columns = db.execute(f"PRAGMA table_info({_q(schema.name)})").fetchall()
    keys = [_q(row[1]) for row in columns if row[5]]
    if found is None or len(keys) != 1:
        raise StoreError(f"layer {schema.name!r} is not a feature table with one primary key")
    table, shape, key = _q(schema.name), _q(found[0]), keys[0]
    db.execute(
        f"DELETE FROM {RENDERINGS_TABLE} WHERE layer = ? AND fid NOT IN "
        f"(SELECT {key} FROM {table} WHERE {shape} IS NOT NULL)",
        (schema.name,),
    )
    stale = db.execute(
        f"SELECT t.{key}, t.{shape} FROM {table} t LEFT JOIN {RENDERINGS_TABLE} r "
        f"ON r.layer = ? AND r.fid = t.{key} "
        f"WHERE t.{shape} IS NOT NULL AND (r.geometry IS NULL OR r.geometry != t.{shape})",
        (schema.name,),
    ).fetchall()
    texts = geometry_json(geometries([row[1] for row in stale]))
    db.executemany(
        f"INSERT INTO {RENDERINGS_TABLE} (layer, fid, geometry, geojson) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (layer, fid) DO UPDATE SET "
        "geometry = excluded.geometry, geojson = excluded.geojson",
        [(schema.name, fid, blob, text) for (fid, blob), text in zip(stale, texts, strict=True)],
    )


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


def _json_value(spec: FieldSpec) -> str:
    """A field as a ``json_object`` member value (of the row aliased ``t``).

    Booleans are stored as 0/1 and must become ``true``/``false``.  Numbers are
    written by SQLite, reals with 15 significant digits (``8.6``, ``26.0``,
    ``1.0e-07``): a real that needs 16 or 17 digits to be told from its
    neighbours (0.1 + 0.2) is sent rounded to 15.  An infinity, which SQLite
    would write as bare ``Inf``, is sent as ``null``.
    """
    column = f"t.{_q(spec.name)}"
    if spec.kind == "bool":
        return f"iif({column} IS NULL, NULL, iif({column}, json('true'), json('false')))"
    if spec.kind in ("int", "float"):
        return f"iif(abs({column}) <= {_LARGEST_REAL}, {column}, NULL)"
    return column


def _keys_in_bbox(
    conn: sqlite3.Connection, layer: _Layer, bbox: BBox, found: list[Condition]
) -> list[int]:
    """Primary keys of the features whose geometry intersects ``bbox``, in order."""
    west, south, east, north = bbox
    filters, params = where_params(found, table="t")
    if layer.rtree is not None:  # envelopes from the R-tree, rounded outwards to float32
        rows = conn.execute(
            f"SELECT t.{_q(layer.key)}, r.minx, r.maxx, r.miny, r.maxy "
            f"FROM {_q(layer.rtree)} r JOIN {_q(layer.table)} t ON t.{_q(layer.key)} = r.id "
            f"WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ? AND {filters}",
            [west, east, south, north, *params],
        ).fetchall()
        envelopes = np.array([row[1:] for row in rows], dtype=float).reshape(-1, 4)
        keys = np.array([row[0] for row in rows], dtype=np.int64)
        inside = (
            (envelopes[:, 0] >= west)
            & (envelopes[:, 1] <= east)
            & (envelopes[:, 2] >= south)
            & (envelopes[:, 3] <= north)
        )
        straddling = keys[~inside]
        candidates = conn.execute(
            f"SELECT {_q(layer.key)}, {_q(layer.geometry or '')} FROM {_q(layer.table)} "
            f"WHERE {_q(layer.key)} IN (SELECT value FROM json_each(?))",
            (orjson.dumps(straddling.tolist()).decode(),),
        ).fetchall()
        hits = keys[inside]
    else:  # no spatial index: every geometry is a candidate
        candidates = conn.execute(
            f"SELECT {_q(layer.key)}, {_q(layer.geometry or '')} FROM {_q(layer.table)} t "
            f"WHERE {filters}",
            params,
        ).fetchall()
        hits = np.array([], dtype=np.int64)
    shapes = geometries([row[1] for row in candidates])
    crossing = shapely.intersects(shapes, shapely.box(west, south, east, north))
    crossing_keys = np.array([row[0] for row in candidates], dtype=np.int64)[crossing]
    return sorted(hits.tolist() + crossing_keys.tolist())


def _corrupt(schema: LayerSchema, path: Path, exc: sqlite3.Error) -> StoreCorruptError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StoreCorruptError(f"cannot read layer {schema.name!r} from {path}: {first}")


__all__ = [
    "RENDERINGS_TABLE",
    "GeoPackageFeatures",
    "file_version",
    "geometries",
    "sync_renderings",
    "where_params",
    "where_sql",
]
