"""Keys and roles in the library: hashing, verification, storage, revocation (every store)."""

from __future__ import annotations

import hashlib

import pytest

from site_gis.access import (
    GRANTS,
    ApiKey,
    Permission,
    Role,
    parse_roles,
    verify,
)
from site_gis.errors import InvalidRequestError
from site_gis.io import build_store
from site_gis.store import GeoPackageStore, Store, create_key, revoke_key
from tests.conftest import LAYERS, store_contains, store_state


def _stored(store: Store, key_id: str) -> ApiKey:
    return {k.key_id: k for k in store.api_keys()}[key_id]


def test_only_the_hash_is_stored_and_it_verifies(store: Store) -> None:
    secret, record = create_key(store, "SEPA lab desk", [Role.OFFICER], actor="admin")
    stored = _stored(store, record.key_id)
    assert stored == record
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not store_contains(store, secret) and store_contains(store, stored.key_hash)
    assert verify(secret, stored)
    assert not verify(secret[:-1] + ("A" if secret[-1] != "A" else "B"), stored)


def test_revocation_is_stored_and_audited(store: Store) -> None:
    secret, record = create_key(store, "consultant", [Role.CONSULTANT], actor="admin")
    revoke_key(store, record.key_id, actor="admin")
    stored = _stored(store, record.key_id)
    assert stored.revoked_at is not None and stored.revoked_by == "admin"
    assert not verify(secret, stored)
    log = store.audit_log()
    assert list(log["action"].tail(2)) == ["key-create", "key-revoke"]
    assert list(log["mode"].tail(2)) == ["append", "replace"]
    assert list(log["layers"].tail(2)) == ["site_gis_api_keys"] * 2
    with pytest.raises(InvalidRequestError, match="already revoked"):
        revoke_key(store, record.key_id, actor="admin")
    with pytest.raises(InvalidRequestError, match="no key"):
        revoke_key(store, "000000000000", actor="admin")


def test_keys_survive_a_rebuild(store: Store) -> None:
    _, record = create_key(store, "planner", [Role.PLANNER], actor="admin")
    before = store.api_keys()
    rebuilt = build_store(store.url, LAYERS, actor="admin")
    assert rebuilt.api_keys() == before and record in before


def test_record_appends_an_access_entry_and_changes_no_data(store: Store) -> None:
    before = store_state(store) if isinstance(store, GeoPackageStore) else store.version()
    first = store.record(actor="key:x", action="export", layers=["results"], content_hash="ab")
    second = store.record(actor="key:y", action="export", layers=["parcels"], rows=3)
    assert second.audit_id == first.audit_id + 1
    log = store.audit_log()
    assert list(log["log"].tail(2)) == ["access", "access"]
    assert list(log["actor"].tail(2)) == ["key:x", "key:y"]
    assert log.iloc[-2]["content_hash"] == "ab" and log.iloc[-1]["rows"] == 3
    assert (log["log"] == "change").sum() >= 1  # the build is still there, first
    # the GeoPackage file is left alone byte for byte; PostGIS keeps its data version
    after = store_state(store) if isinstance(store, GeoPackageStore) else store.version()
    assert after == before


def test_roles_parse_and_grant_by_the_table() -> None:
    assert parse_roles("planner, consultant") == (Role.PLANNER, Role.CONSULTANT)
    with pytest.raises(InvalidRequestError, match="admin"):
        parse_roles("admin")
    with pytest.raises(InvalidRequestError):
        parse_roles("")
    assert Permission.PERSONAL not in GRANTS[Role.CONSULTANT] | GRANTS[Role.PUBLIC]
    assert Permission.IMPORT not in GRANTS[Role.PLANNER] | GRANTS[Role.CONSULTANT]
    assert all(Permission.READ in grants for grants in GRANTS.values())
