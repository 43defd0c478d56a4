"""HTTP caching: ``Cache-Control`` on every response, strong ``ETag``s and ``304 Not Modified``.

Every ``GET`` (and ``HEAD``) gets the ``Cache-Control`` of the first row of
:data:`POLICIES` its path matches; any other method, any status but 200, and
every path not listed gets ``no-store``.  A response that already carries a
``Cache-Control`` or an ``ETag`` keeps it: a single item sends its feature's version
(the ``If-Match`` of the Part 4 edits), so a client's ``If-None-Match`` on it gets a 200.

======================================================  ===================  =====
route                                                   Cache-Control        ETag
======================================================  ===================  =====
``/collections/{layer}/tiles/WebMercatorQuad/{z}/…``    ``max-age=60``       yes
``/tileMatrixSets…``                                    ``max-age=86400``    yes
``/``, ``/conformance``, ``/openapi.json``,             ``no-cache``         yes
``/collections…`` (descriptions, items, single items,
queryables, schemas, tilesets)
``/static/…`` (the maps' scripts and styles)            its own (below)      no
everything else: ``/health``, ``/exports…``,            ``no-store``         no
``/imports…``, ``/audit``, ``/jobs…``, ``/processes…``,
``/maps…``, analyses, ``/docs``
======================================================  ===================  =====

Static files set their own (:mod:`api.maps.static`): a year, ``immutable``, on a
versioned URL (``?v=`` the file's digest), ``no-cache`` on any other.

``public`` is added for a request without an API key and ``private`` for one
with a key, so a shared cache never keeps what a key was needed for.  A
caller allowed household-level fields who reads the items of a personal layer
gets ``private, no-store`` and no ETag: those answers are kept nowhere, and
each read of them reaches the route (which audits it).

The ETag is strong: the SHA-256 of the store's data version, the code
version, and everything the representation depends on -- path, query string,
the caller's roles, the ``Host``, ``Accept`` and whether the response will be
gzip-compressed.  It is worked out before the route runs, so a matching
``If-None-Match`` is answered ``304`` without reading any layer (a stat of the
GeoPackage, or one query to PostGIS for the version).  A 304 carries the same
``ETag``, ``Cache-Control`` and ``Vary`` as the 200 would.  ``If-None-Match: *``
is not treated as a match (the route decides whether the resource exists).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access import _VERIFIED, Principal
from api.compression import accepts_gzip
from api.deps import current_store
from site_gis import __version__
from site_gis.access import Permission
from site_gis.errors import SiteGISError
from site_gis.schemas import CATALOGUE


@dataclass(frozen=True, slots=True)
class Policy:
    """How responses of matching paths may be cached."""

    pattern: re.Pattern[str]
    cache_control: str
    etag: bool


POLICIES = (
    Policy(
        re.compile(r"^/collections/[^/]+/tiles/WebMercatorQuad/\d+/\d+/\d+$"), "max-age=60", True
    ),
    Policy(re.compile(r"^/tileMatrixSets(/[^/]+)?$"), "max-age=86400", True),
    Policy(re.compile(r"^/(conformance|openapi\.json)?$"), "no-cache", True),
    Policy(re.compile(r"^/collections(/.*)?$"), "no-cache", True),
)
"""Cache rules by path, first match wins (see the table above)."""
NO_STORE = "no-store"
VARY = "Accept, Accept-Encoding, X-API-Key, Authorization"
_PERSONAL = "|".join(re.escape(name) for name, schema in CATALOGUE.items() if schema.personal)
_PERSONAL_ITEMS = re.compile(rf"^/collections/({_PERSONAL})/items")


def policy_for(method: str, path: str) -> Policy | None:
    """The caching rule of a request (``None``: ``no-store``)."""
    if method not in ("GET", "HEAD"):
        return None
    return next((p for p in POLICIES if p.pattern.match(path)), None)


def _caller(scope: Scope) -> Principal | None:
    """The caller as :class:`api.access.CheckKeys` left it; ``None`` without a key."""
    found: Principal | None = scope.get(_VERIFIED)
    return found


def _strip(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` list holds ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    return any(_strip(tag) == etag for tag in if_none_match.split(",") if tag.strip() != "*")


class HttpCache:
    """ASGI middleware: ``Cache-Control``, ``ETag`` and ``304`` as described above.

    Must run inside :class:`api.access.CheckKeys` (which verifies the key and
    leaves the caller in the scope) and outside :class:`api.compression.Compress`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        rule = policy_for(scope.get("method", ""), path)
        headers = Headers(scope=scope)
        keyed = "x-api-key" in headers or "authorization" in headers
        caller = _caller(scope)
        cache_control = NO_STORE
        etag: str | None = None
        if rule is not None:
            cache_control = f"{'private' if keyed else 'public'}, {rule.cache_control}"
            personal = caller is not None and caller.may(Permission.PERSONAL)
            if personal and _PERSONAL_ITEMS.match(path):
                cache_control, rule = f"private, {NO_STORE}", None
            elif rule.etag and (caller is not None or self._open(scope)):
                etag = await run_in_threadpool(self._etag, scope, headers, caller)
        if etag is not None and matches(headers.get("if-none-match", ""), etag):
            await _not_modified(send, etag, cache_control)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                if message["status"] != 200:
                    out.setdefault("Cache-Control", NO_STORE)
                else:
                    out.setdefault("Cache-Control", cache_control)
                    if etag is not None:  # a route's own (a single item's version) stays
                        out.setdefault("ETag", etag)
                    if rule is not None:
                        _add_vary(out)
            await send(message)

        await self.app(scope, receive, with_headers)

    @staticmethod
    def _open(scope: Scope) -> bool:
        """Whether a request without a key may read (the server runs open for reading)."""
        return bool(scope["app"].state.settings.open_read)

    @staticmethod
    def _etag(scope: Scope, headers: Headers, caller: Principal | None) -> str | None:
        """The strong ETag of the representation asked for; ``None`` while the store is down."""
        try:
            version = current_store(scope["app"]).version()
        except SiteGISError:
            return None  # the route answers the 503
        roles = ",".join(sorted(caller.roles)) if caller is not None else "anonymous"
        parts = (
            version,
            __version__,
            scope.get("path", ""),
            scope.get("query_string", b"").decode("latin-1"),
            roles,
            headers.get("host", ""),
            headers.get("accept", ""),
            "gzip" if accepts_gzip(headers.get("accept-encoding", "")) else "identity",
        )
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return f'"{digest[:32]}"'


def _add_vary(headers: MutableHeaders) -> None:
    """Add the names of :data:`VARY` that ``Vary`` does not list yet."""
    listed = {name.strip().lower() for name in headers.get("vary", "").split(",") if name.strip()}
    missing = [name for name in VARY.split(", ") if name.lower() not in listed]
    if missing:
        headers.add_vary_header(", ".join(missing))


async def _not_modified(send: Send, etag: str, cache_control: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 304,
            "headers": [
                (b"etag", etag.encode()),
                (b"cache-control", cache_control.encode()),
                (b"vary", VARY.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
