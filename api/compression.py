"""gzip for text-like responses: JSON, GeoJSON, HTML, CSV, vector tiles, scripts and styles.

A response is compressed when the client accepts gzip (``Accept-Encoding``, a
``q=0`` refusal honoured), its media type is in :data:`COMPRESSED` and its body
is at least ``minimum_size`` bytes (``SITE_GIS_GZIP_MIN_BYTES``, 1 KiB by
default; a streamed body is compressed whatever its size, chunk by chunk).
GeoPackages, zips, GeoTIFFs, Parquet and FlatGeobuf files are sent as they are:
they are compressed already or seldom gain.  Only gzip is offered: no Brotli
package is installed with the app, and gzip is what every client takes.

The compression is Starlette's (``zlib``, a gzip header without a time stamp),
so the same body always compresses to the same bytes, which the strong ETags of
:mod:`api.http_cache` rely on.  Export audit hashes are of the bytes before
compression, as the file the client saves.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSED = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/schema+json",
        "application/problem+json",
        "application/vnd.oai.openapi+json",
        "application/vnd.mapbox-vector-tile",
        "text/html",
        "text/csv",
        "text/plain",
        "text/css",
        "text/javascript",
        "application/javascript",
    }
)
"""Media types that are compressed (parameters such as ``charset`` ignored)."""
LEVEL = 6
"""zlib level: about the size of level 9 at a third of its time on GeoJSON."""


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip (``gzip`` or ``*`` without ``q=0``)."""
    verdict: bool | None = None
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding.strip() == "gzip":
            return quality > 0
        if coding.strip() == "*":
            verdict = quality > 0
    return bool(verdict)


class _Responder(GZipResponder):
    """Starlette's gzip responder, limited to :data:`COMPRESSED` media types."""

    passthrough = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            media_type = Headers(raw=message.get("headers", [])).get("content-type", "")
            self.passthrough = media_type.partition(";")[0].strip().lower() not in COMPRESSED
        if self.passthrough:
            await self.send(message)
            return
        await super().send_with_compression(message)


class Compress:
    """ASGI middleware: gzip the responses described above."""

    def __init__(self, app: ASGIApp, *, minimum_size: int) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts_gzip(
            Headers(scope=scope).get("accept-encoding", "")
        ):
            await self.app(scope, receive, send)
            return
        responder = _Responder(self.app, self.minimum_size, compresslevel=LEVEL)
        await responder(scope, receive, send)
