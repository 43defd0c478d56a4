"""``HEAD`` and ``OPTIONS`` on every route, as HTTP/1.1 has them (RFC 9110).

OGC API - Features Part 1 requires HTTP/1.1 (``/req/core/http``), in which
``HEAD`` answers like ``GET`` without the body and ``OPTIONS`` says which
methods a resource allows.  FastAPI registers only the methods a route
declares, so both were a 405.  :class:`HeadAndOptions` answers them for every
route: ``HEAD`` runs the ``GET`` route (same status, headers and
``Content-Length``) and sends no body; ``OPTIONS`` is a 204 with ``Allow``.
Exports are left out of ``HEAD``: their ``GET`` records an export in the audit
log, which a ``HEAD`` must not do (a 405 saying so, with ``Allow``).

CORS preflight requests are ``OPTIONS`` too; a CORS middleware placed outside
this one answers them first.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import FastJSONResponse

NO_HEAD = ("/exports",)
"""Path prefixes whose ``GET`` has a side effect (an audit entry): no ``HEAD``."""


class HeadAndOptions:
    """ASGI middleware: ``HEAD`` as ``GET`` without a body, ``OPTIONS`` as 204 with ``Allow``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method == "OPTIONS":
            allowed = _allowed(scope)
            if allowed:
                await _empty(send, 204, allowed)
                return
        elif method == "HEAD":
            if scope.get("path", "").startswith(NO_HEAD):
                detail = "HEAD is not offered here: a GET of an export is recorded in the audit log"
                body = {"detail": detail, "type": "MethodNotAllowed", "code": "MethodNotAllowed"}
                headers = {"Allow": ", ".join(_allowed(scope) or ["GET"])}
                response = FastJSONResponse(body, status_code=405, headers=headers)
                await response(scope, receive, send)
                return
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self.app(scope, receive, send)


def _allowed(scope: Scope) -> list[str]:
    """The methods the routes matching ``scope``'s path take, with HEAD and OPTIONS."""
    app: Any = scope.get("app")
    methods: set[str] = set()
    # each method probed: an included router only says whether a method matches in full
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in getattr(app, "routes", ())):
            methods.add(method)
    if not methods:
        return []
    if "GET" in methods and not scope.get("path", "").startswith(NO_HEAD):
        methods.add("HEAD")
    methods.add("OPTIONS")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return sorted(methods, key=lambda m: order.index(m) if m in order else len(order))


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return  # the rest of a streamed body: dropped
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


async def _empty(send: Send, status: int, allowed: list[str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"allow", ", ".join(allowed).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b""})
