"""Who is asking, and may they: API keys to roles to permissions (see :mod:`site_gis.access`).

A key comes in the ``X-API-Key`` header or as ``Authorization: Bearer <key>``.
No key means the ``public`` role when the server runs open for reading
(``SITE_GIS_OPEN_READ``, on for the demo) and nothing otherwise.  A key that
is malformed, unknown or revoked is a 401 even on open routes; a valid key
without the needed role is a 403.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.deps import get_settings, get_store
from site_gis.access import GRANTS, ApiKey, Permission, Role, key_id_of, verify
from site_gis.errors import ForbiddenError, NotAuthenticatedError
from site_gis.schemas import LayerSchema
from site_gis.store import Store

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")
_bearer = HTTPBearer(auto_error=False, description="An API key as a bearer token")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an audit name and the permissions of its roles."""

    actor: str
    roles: tuple[Role, ...]
    permissions: frozenset[Permission]
    key_id: str | None = None

    def may(self, permission: Permission) -> bool:
        """Whether the caller holds ``permission``."""
        return permission in self.permissions

    def fields(self, schema: LayerSchema) -> tuple[str, ...]:
        """The fields of ``schema`` this caller may see (personal ones need ``personal``)."""
        return schema.field_names if self.may(Permission.PERSONAL) else schema.public_field_names


class _KeyRing:
    """The store's keys by id, re-read whenever the store changes."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, key_id: str) -> ApiKey | None:
        version = store.version()
        with self._lock:
            if version != self._version:
                self._keys = {k.key_id: k for k in store.api_keys()}
                self._version = version
            return self._keys.get(key_id)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal(
    request: Request,
    header: Annotated[str | None, Depends(_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of ``request`` (401 for a key that is not a valid, active key)."""
    secret = header or (bearer.credentials if bearer else None)
    if secret is None and request.headers.get("authorization"):
        raise NotAuthenticatedError(
            "send the API key as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'"
        )
    if secret is None:
        if get_settings(request).open_read:
            return Principal(f"anonymous@{_client(request)}", (Role.PUBLIC,), GRANTS[Role.PUBLIC])
        return Principal(f"anonymous@{_client(request)}", (), frozenset())
    key_id = key_id_of(secret)
    ring: _KeyRing = request.app.state.keys
    record = ring.get(get_store(request), key_id) if key_id else None
    if record is None or not verify(secret, record):
        raise NotAuthenticatedError("the API key is not valid (malformed, unknown or revoked)")
    return Principal(f"key:{record.key_id} ({record.name})", record.roles, record.grants(), key_id)


def demand(caller: Principal, permission: Permission, what: str = "this") -> None:
    """Raise 401 (no key) or 403 (a key without the role) unless ``caller`` holds ``permission``."""
    if caller.may(permission):
        return
    if caller.key_id is None:
        raise NotAuthenticatedError(
            f"{what} needs an API key with the {_roles_with(permission)} role"
        )
    raise ForbiddenError(
        f"the key's roles ({', '.join(caller.roles)}) do not allow {permission.value}; "
        f"{what} needs the {_roles_with(permission)} role"
    )


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency admitting callers with ``permission``: 401 without a key, 403 without it."""

    def check(caller: Annotated[Principal, Depends(principal)]) -> Principal:
        demand(caller, permission)
        return caller

    return check


def _roles_with(permission: Permission) -> str:
    return " or ".join(r.value for r, grants in GRANTS.items() if permission in grants)


def new_key_ring() -> _KeyRing:
    """An empty key cache for a new app."""
    return _KeyRing()


read_access = require(Permission.READ)
export_access = require(Permission.EXPORT)
import_access = require(Permission.IMPORT)

Caller = Annotated[Principal, Depends(principal)]
Reader = Annotated[Principal, Depends(read_access)]
Exporter = Annotated[Principal, Depends(export_access)]
Importer = Annotated[Principal, Depends(import_access)]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT))]
Planner = Annotated[Principal, Depends(require(Permission.RESETTLEMENT))]
