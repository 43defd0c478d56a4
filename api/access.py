"""Who is asking, and may they: API keys to roles to permissions (see :mod:`site_gis.access`).

A key comes in the ``X-API-Key`` header or as ``Authorization: Bearer <key>``.
No key means the ``public`` role when the server runs open for reading
(``SITE_GIS_OPEN_READ``, on for the demo) and nothing otherwise.  A key that
is malformed, unknown or revoked is a 401 on every path -- ``/health``,
``/docs``, ``/static`` and unknown paths too -- answered by :class:`CheckKeys`
before routing and before any of the body is read; a valid key without the
needed role is a 403 from the route's own check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import current_store, get_settings
from api.responses import FastJSONResponse
from site_gis.access import GRANTS, ApiKey, Permission, Role, key_id_of, verify
from site_gis.errors import ForbiddenError, NotAuthenticatedError, StoreError
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


CHALLENGE = 'ApiKey header="X-API-Key", Bearer'
"""The ``WWW-Authenticate`` header of every 401."""
_VERIFIED = "site_gis.principal"
"""Scope key under which :class:`CheckKeys` leaves the principal of a verified key."""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def key_principal(app: FastAPI, headers: Headers) -> Principal | None:
    """The principal of the key in ``headers``; ``None`` when they carry no key.

    Raises :class:`NotAuthenticatedError` for a malformed, unknown or revoked key
    (or an ``Authorization`` header of another scheme), :class:`StoreError` while
    the store, which holds the keys, cannot be opened.
    """
    authorization = headers.get("authorization")
    secret = headers.get("x-api-key")
    if secret is None and authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticatedError(
                "send the API key as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'"
            )
        secret = credentials.strip()
    if secret is None:
        return None
    key_id = key_id_of(secret)
    ring: _KeyRing = app.state.keys
    record = ring.get(current_store(app), key_id) if key_id else None
    if record is None or not verify(secret, record):
        raise NotAuthenticatedError("the API key is not valid (malformed, unknown or revoked)")
    return Principal(f"key:{record.key_id} ({record.name})", record.roles, record.grants(), key_id)


class CheckKeys:
    """ASGI middleware: a request carrying a key that is not a valid, active key gets a 401.

    Runs before routing and before any of the body is read, on every path
    (``/health`` and ``/static`` too).  A request without a key passes untouched;
    the routes decide what it may do.  A verified key's :class:`Principal` is left
    in the scope for :func:`principal`, so the key is looked up once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "x-api-key" in headers or "authorization" in headers:
            try:
                # the key ring may read the store: off the event loop
                scope[_VERIFIED] = await run_in_threadpool(key_principal, scope["app"], headers)
            except NotAuthenticatedError as exc:
                await _answer(scope, receive, send, 401, str(exc), "NotAuthenticatedError")
                return
            except StoreError:
                detail = "the data store is unavailable, so the API key cannot be checked"
                await _answer(scope, receive, send, 503, detail, "StoreError")
                return
        await self.app(scope, receive, send)


async def _answer(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str, kind: str
) -> None:
    body = {"detail": detail, "type": kind, "code": kind, "description": detail}
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else {"Retry-After": "30"}
    await FastJSONResponse(body, status_code=status, headers=headers)(scope, receive, send)


def principal(
    request: Request,
    header: Annotated[str | None, Depends(_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of ``request`` (401 for a key that is not a valid, active key).

    ``header`` and ``bearer`` only document the two ways of sending a key in
    the OpenAPI description; the key itself was checked by :class:`CheckKeys`.
    """
    verified: Principal | None = request.scope.get(_VERIFIED)
    if verified is None:  # no key, or an app built without the middleware
        verified = key_principal(request.app, request.headers)
    if verified is not None:
        return verified
    if get_settings(request).open_read:
        return Principal(f"anonymous@{_client(request)}", (Role.PUBLIC,), GRANTS[Role.PUBLIC])
    return Principal(f"anonymous@{_client(request)}", (), frozenset())


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
