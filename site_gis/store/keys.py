"""API keys kept in a store: made and revoked with an audit entry.

The keys themselves (roles, hashing, verification) are plain data in
:mod:`site_gis.access`; this module is where they meet a :class:`Store`.
"""

from __future__ import annotations

from collections.abc import Iterable

from site_gis.access import ApiKey, Role, new_key
from site_gis.errors import InvalidRequestError
from site_gis.store.base import Store


def create_key(store: Store, name: str, roles: Iterable[Role], *, actor: str) -> tuple[str, ApiKey]:
    """Make a key and store its hash (audited); the secret is returned once, never stored."""
    secret, record = new_key(name, roles, actor=actor)
    store.save_api_key(record, actor=actor, action="key-create")
    return secret, record


def revoke_key(store: Store, key_id: str, *, actor: str) -> ApiKey:
    """Revoke a key by id (audited); revoking a revoked key is an error."""
    found = {k.key_id: k for k in store.api_keys()}.get(key_id)
    if found is None:
        raise InvalidRequestError(f"no key with id {key_id!r}; `site-gis keys list` shows them")
    if not found.active:
        raise InvalidRequestError(f"key {key_id} was already revoked at {found.revoked_at}")
    revoked = found.revoked(actor)
    store.save_api_key(revoked, actor=actor, action="key-revoke")
    return revoked
