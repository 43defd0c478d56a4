"""A time limit on queries and analyses (``SITE_GIS_REQUEST_TIMEOUT_S``).

A ``GET`` (or a read-only ``POST``: :data:`READ_ONLY_POSTS`) that has not started its
response within the limit gets a 503
saying so, and the client stops waiting.  The 503 does not stop the work:
a computation already running in a thread runs to its end (grid-cell and
neighbour limits bound it) and its answer is thrown away.  Writes and exports
are not timed out -- a 503 must never hide a write that then lands, or an
export recorded as sent -- their size limits bound them instead.  A response
already streaming is left to finish.
"""

from __future__ import annotations

import asyncio
import weakref

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _send_json(
    send: Send, status: int, code: str, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = orjson.dumps({"code": code, "type": code, "detail": detail, "description": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


READ_ONLY_POSTS = frozenset({"/encroachments/parcels", "/resettlement/estimate"})
"""POST routes that only read (a query or an estimate too large for a URL): timed as GETs."""


def timed(scope: Scope) -> bool:
    """Whether the time limit applies: read-only requests other than exports."""
    if scope["type"] != "http":
        return False
    path = str(scope["path"])
    if scope["method"] == "POST":
        return path in READ_ONLY_POSTS
    return scope["method"] in ("GET", "HEAD") and not path.startswith("/exports")


class RequestTimeout:
    """ASGI middleware answering 503 when a response has not begun within ``seconds``."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not timed(scope):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, tracking_send))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done or started:
            await task
            return
        task.cancel()
        detail = (
            f"the request took longer than the server's limit of {self.seconds:g} s; "
            "ask for less (a smaller bbox, limit or grid) or try again later"
        )
        await _send_json(send, 503, "Timeout", detail, ((b"retry-after", b"30"),))


class OneAtATime:
    """An asyncio lock for work that should not run twice at once in this process.

    Awaited on the event loop, so a request waiting for it holds no worker
    thread.  One lock per event loop: an app may be served by several loops
    (each test client has its own), and an asyncio lock belongs to one.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock
