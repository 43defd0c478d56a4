"""A time limit on every request (``SITE_GIS_REQUEST_TIMEOUT_S``).

A request that has not started its response within the limit gets a 503
saying so; a response already streaming is left to finish.  Work running in a
thread cannot be stopped from outside, but its result is discarded.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestTimeout:
    """ASGI middleware answering 503 when a response has not begun within ``seconds``."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
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
        body = orjson.dumps(
            {"code": "Timeout", "type": "Timeout", "detail": detail, "description": detail}
        )
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"30"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
