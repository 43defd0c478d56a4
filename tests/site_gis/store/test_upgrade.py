"""A store of the older layout (version 1) is brought up to date on open, on each backend.

Version 1 is made from a current store by hand, in the database's own SQL:
a layer dropped and an optional field dropped, the version set back to 1.
Opening it must add the layer back empty and the field back null, keep every
other row, say so in the metadata and the audit log, and leave a store that
reads and writes as a new one does.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import psycopg
import pytest

from site_gis.errors import StoreError
from site_gis.schemas import CATALOGUE
from site_gis.store import GeoPackageStore
from site_gis.store.base import Store
from site_gis.store.common import schema_gaps
from tests.conftest import close_store, reopen

DROPPED_LAYER = "screening_levels"  # a table: no geometry column, rtree or rendering to drop
DROPPED_FIELD = ("sample_locations", "zone_id")  # optional


def _make_version_1(store: Store) -> int:
    """Drop a layer and a field, set the version to 1; return the layer's rows before."""
    rows = store.count(DROPPED_LAYER)
    layer, field = DROPPED_FIELD
    if isinstance(store, GeoPackageStore):
        with closing(sqlite3.connect(store.path)) as db:
            db.execute(f"DROP TABLE {DROPPED_LAYER}")
            db.execute("DELETE FROM gpkg_contents WHERE table_name = ?", [DROPPED_LAYER])
            db.execute(f"ALTER TABLE {layer} DROP COLUMN {field}")
            db.execute("UPDATE site_gis_metadata SET value = '1' WHERE key = 'schema_version'")
            db.commit()
    else:
        with psycopg.connect(store.url) as conn:
            conn.execute(f"DROP TABLE {DROPPED_LAYER}")
            conn.execute(f"ALTER TABLE {layer} DROP COLUMN {field}")
            conn.execute("UPDATE site_gis_metadata SET value = '1' WHERE key = 'schema_version'")
    return rows


def test_an_older_store_gains_the_missing_layer_and_field_and_keeps_its_rows(
    store: Store,
) -> None:
    before = {name: store.count(name) for name in CATALOGUE}
    audit_before = len(store.audit_log())
    close_store(store)
    _make_version_1(store)

    upgraded = reopen(store)
    try:
        metadata = upgraded.metadata()
        assert metadata["schema_version"] == "2"
        assert upgraded.count(DROPPED_LAYER) == 0  # back, empty: the rows were dropped by hand
        layer, field = DROPPED_FIELD
        frame = upgraded.read(layer)
        assert field in frame.columns and frame[field].isna().all()
        for name, count in before.items():
            if name != DROPPED_LAYER:
                assert upgraded.count(name) == count, name
        assert list(upgraded.read(DROPPED_LAYER).columns) == list(
            CATALOGUE[DROPPED_LAYER].field_names
        )
        if isinstance(upgraded, GeoPackageStore):
            assert metadata["upgraded_from"] == "1"
            audit = upgraded.audit_log()
            assert len(audit) == audit_before + 1
            last = audit.iloc[-1]
            assert last["action"] == "upgrade"
            assert DROPPED_LAYER in last["note"] and f"{layer}.{field}" in last["note"]
        else:
            assert DROPPED_LAYER in metadata["upgrade_added"]
            assert f"{layer}.{field}" in metadata["upgrade_added"]
    finally:
        close_store(upgraded)

    again = reopen(store)  # a second open changes nothing more
    try:
        assert again.metadata()["schema_version"] == "2"
        if isinstance(again, GeoPackageStore):
            assert len(again.audit_log()) == audit_before + 1
    finally:
        close_store(again)


def test_a_missing_required_field_cannot_be_added_by_an_upgrade() -> None:
    present = {name: list(schema.field_names) for name, schema in CATALOGUE.items()}
    present["screening_levels"] = [f for f in present["screening_levels"] if f != "value"]
    with pytest.raises(StoreError, match=r"lacks the required field\(s\) value"):
        schema_gaps(present)
    assert not schema_gaps({name: list(s.field_names) for name, s in CATALOGUE.items()})


def test_a_store_opens_by_a_relative_path(
    demo_gpkg: GeoPackageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_gpkg.path.parent)
    opened = GeoPackageStore(demo_gpkg.path.name)
    assert opened.metadata()["schema_version"] == "2"
