"""The PostGIS store's tables: made from the layer schemas, checked on open, upgraded.

One table per layer of :data:`site_gis.schemas.CATALOGUE` (fields typed by
kind, a ``geometry(<type>,4326)`` column, the identifier as primary key, an
insertion-order column ``fid``), and beside them ``site_gis_metadata``,
``site_gis_audit``, ``site_gis_api_keys`` and ``site_gis_state`` (the data
version).  ``schema_version`` in the metadata names the layout; an older one
is brought up to date by the steps in :data:`MIGRATIONS`, a newer one refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from site_gis.errors import StoreCorruptError, StoreError, StoreNotFoundError
from site_gis.schemas import CATALOGUE, FieldKind, LayerSchema
from site_gis.site import SiteInfo
from site_gis.store.common import (
    AUDIT_TABLE,
    KEYS_TABLE,
    METADATA_KEYS,
    METADATA_TABLE,
    schema_gaps,
)

SCHEMA_VERSION = "2"
STATE_TABLE = "site_gis_state"
SRID = 4326

Connection = psycopg.Connection[Any]
Migration = Callable[[Connection], str]


def _add_what_is_lacking(conn: Connection) -> str:
    """Version 1 -> 2: add the layers and optional fields the catalogue gained (empty, null).

    Layouts only grow (:class:`~site_gis.store.common.SchemaGaps`), so this step
    serves every version whose tables are a subset of the catalogue's.
    """
    present: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ):
        present.setdefault(str(table), []).append(str(column))
    gaps = schema_gaps({name: present[name] for name in CATALOGUE if name in present})
    for schema in gaps.layers:
        create_layer_table(conn, schema)
        create_indexes(conn, schema)
    for name, specs in gaps.fields.items():
        for spec in specs:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                    sql.Identifier(name), sql.Identifier(spec.name), sql.SQL(_SQL_TYPES[spec.kind])
                )
            )
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (key, value) VALUES ('upgrade_added', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ).format(sql.Identifier(METADATA_TABLE)),
        [gaps.describe()],
    )
    return "2"


MIGRATIONS: dict[str, Migration] = {"1": _add_what_is_lacking}
"""Upgrades of older store layouts: ``{version: step}``, each step returning the version it
leaves the store at."""

WRITE_LOCK = sql.SQL("SELECT pg_advisory_xact_lock(hashtext('site_gis.write'))")
"""Taken first by every writing transaction: writers queue, readers never wait."""

_SQL_TYPES: dict[FieldKind, str] = {
    "str": 'text COLLATE "C"',  # byte order, like SQLite and Python
    "date": 'text COLLATE "C"',  # ISO YYYY-MM-DD, as in the GeoPackage store
    "int": "bigint",
    "float": "double precision",
    "bool": "boolean",
}


def create_tables(conn: Connection) -> None:
    for schema in CATALOGUE.values():
        create_layer_table(conn, schema)
    _create_bookkeeping(conn)


def create_layer_table(conn: Connection, schema: LayerSchema) -> None:
    """One layer's table, typed from its schema (indexes come after the load)."""
    columns: list[sql.Composable] = [sql.SQL("fid bigint GENERATED ALWAYS AS IDENTITY")]
    for spec in schema.fields:
        column = sql.SQL("{} {}").format(sql.Identifier(spec.name), sql.SQL(_SQL_TYPES[spec.kind]))
        if spec.name == schema.id_field:
            column = sql.SQL("{} PRIMARY KEY").format(column)
        elif spec.required:
            column = sql.SQL("{} NOT NULL").format(column)
        columns.append(column)
    if not schema.is_table:
        columns.append(
            sql.SQL("geometry geometry({}, {}) NOT NULL").format(
                sql.SQL(schema.geometry_types[0]), sql.Literal(SRID)
            )
        )
    table = sql.Identifier(schema.name)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(columns)))
    conn.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            table, sql.Literal(f"{schema.title}: {schema.description}")
        )
    )


def _create_bookkeeping(conn: Connection) -> None:
    """The metadata, state and audit tables."""
    conn.execute(
        sql.SQL("CREATE TABLE {} (key text PRIMARY KEY, value text NOT NULL)").format(
            sql.Identifier(METADATA_TABLE)
        )
    )
    conn.execute(
        sql.SQL(
            "CREATE TABLE {} (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), "
            "store_id text NOT NULL, data_version bigint NOT NULL)"
        ).format(sql.Identifier(STATE_TABLE))
    )
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (audit_id bigint PRIMARY KEY, at timestamptz NOT NULL, "
            "actor text NOT NULL, action text NOT NULL, mode text NOT NULL, layers text NOT NULL, "
            "rows bigint NOT NULL, content_hash text NOT NULL, source_hash text NOT NULL, "
            "note text NOT NULL)"
        ).format(sql.Identifier(AUDIT_TABLE))
    )


def create_indexes(conn: Connection, schema: LayerSchema) -> None:
    """Indexes built after the bulk load: storage order, geometry, references."""
    table = sql.Identifier(schema.name)
    conn.execute(
        sql.SQL("CREATE UNIQUE INDEX {} ON {} (fid)").format(
            sql.Identifier(f"{schema.name}_fid_idx"), table
        )
    )
    if not schema.is_table:
        conn.execute(
            sql.SQL("CREATE INDEX {} ON {} USING gist (geometry)").format(
                sql.Identifier(f"{schema.name}_geometry_idx"), table
            )
        )
    for fk in schema.foreign_keys:
        conn.execute(
            sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(f"{schema.name}_{fk.field}_idx"), table, sql.Identifier(fk.field)
            )
        )


def create_keys_table(conn: Connection) -> None:
    """The API keys table (kept across rebuilds; hashes only, never a key)."""
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (key_id text PRIMARY KEY, name text NOT NULL, "
            "roles text NOT NULL, key_hash text NOT NULL, created_at timestamptz NOT NULL, "
            "created_by text NOT NULL, revoked_at timestamptz, revoked_by text NOT NULL)"
        ).format(sql.Identifier(KEYS_TABLE))
    )


def require_postgis(conn: Connection, where: str) -> None:
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION postgis")
    except psycopg.Error as exc:
        raise StoreError(
            f"PostGIS is not available in {where} ({str(exc).splitlines()[0]}); install it "
            "(e.g. apt install postgresql-15-postgis-3) and run CREATE EXTENSION postgis as a "
            "superuser"
        ) from None


def previous_version(conn: Connection) -> int:
    """The data version of a store being replaced (0 for a new one)."""
    if not table_exists(conn, STATE_TABLE):
        return 0
    row = conn.execute(
        sql.SQL("SELECT max(data_version) FROM {}").format(sql.Identifier(STATE_TABLE))
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def table_exists(conn: Connection, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{table}"']).fetchone()
    return bool(row and row[0])


def check_store(conn: Connection, url: str) -> None:
    """Open-time checks: the tables, the metadata and the schema version (upgraded if older)."""
    if not table_exists(conn, METADATA_TABLE):
        raise StoreNotFoundError(
            f"{url} holds no site-gis store; build it with `site-gis init --store {url}`"
        )
    metadata = dict(
        conn.execute(
            sql.SQL("SELECT key, value FROM {}").format(sql.Identifier(METADATA_TABLE))
        ).fetchall()
    )
    upgrade(conn, url, str(metadata.get("schema_version")))
    present = {
        str(row[0])
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    missing = [n for n in [*CATALOGUE, AUDIT_TABLE, STATE_TABLE] if n not in present]
    if missing:
        raise StoreCorruptError(
            f"{url} is not a complete site-gis store: missing {', '.join(missing)}; "
            f"rebuild it with `site-gis init --store {url}`"
        )
    lacking = [key for key in METADATA_KEYS if key not in metadata]
    if lacking:
        raise StoreCorruptError(f"{url} lacks metadata {', '.join(lacking)}; rebuild it")
    try:
        SiteInfo.from_dict(json.loads(metadata["site"]), source=url)
    except (ValueError, TypeError) as exc:
        raise StoreCorruptError(f"{url} has an unreadable site description: {exc}") from exc


def upgrade(conn: Connection, url: str, found: str) -> None:
    """Bring a store of an older schema version up to date, or refuse it clearly."""
    if found == SCHEMA_VERSION:
        return
    if found.isdigit() and int(found) > int(SCHEMA_VERSION):
        raise StoreCorruptError(
            f"{url} has store schema version {found}, made by a newer site-gis; this "
            f"site-gis reads version {SCHEMA_VERSION}: upgrade site-gis to open it"
        )
    conn.execute(WRITE_LOCK)
    version = found
    while version != SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreCorruptError(
                f"{url} has store schema version {found!r}, which this site-gis (version "
                f"{SCHEMA_VERSION}) cannot upgrade; rebuild it with "
                f"`site-gis init --store {url}`"
            )
        version = step(conn)
    conn.execute(
        sql.SQL("UPDATE {} SET value = %s WHERE key = 'schema_version'").format(
            sql.Identifier(METADATA_TABLE)
        ),
        [SCHEMA_VERSION],
    )
