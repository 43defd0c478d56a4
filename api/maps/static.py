"""The app's static files (map scripts and styles, vendored libraries) served fast.

* a URL carrying the file's version (``?v=`` the first 12 hex digits of its SHA-256, as
  :func:`asset_url` writes it into every page) is cached by browsers for a year
  (``immutable``); any other URL of the same file must be revalidated (``no-cache``,
  answered 304 from its ``ETag`` when unchanged);
* text files (scripts, styles, HTML, JSON, SVG) are sent gzip-compressed to a client that
  accepts it, compressed once per file version and kept in memory (the vendored files
  compress from about 5 MB to about 1.3 MB).

Compression of these files happens here, in the static route only: a response that
already has a ``Content-Encoding`` is passed through by Starlette's ``GZipMiddleware``.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
"""Directory served at :data:`STATIC_URL`."""
STATIC_URL = "/static"

YEAR_S = 365 * 24 * 3600
COMPRESSIBLE = (".js", ".css", ".html", ".json", ".svg", ".txt", ".map")
MIN_COMPRESS_BYTES = 1024
"""Smaller files are sent as they are (gzip would barely shrink them)."""


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def file_version(relative: str) -> str:
    """The version of a file under :data:`STATIC_DIR`: 12 hex digits of its SHA-256."""
    path = STATIC_DIR / relative
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def asset_url(relative: str) -> str:
    """The versioned URL of a static file, e.g. ``/static/maps/site-gis.js?v=3f2a…``."""
    return f"{STATIC_URL}/{relative}?v={file_version(relative)}"


@lru_cache(maxsize=64)
def _gzipped(path: Path, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


class CachedStaticFiles(StaticFiles):
    """:class:`~starlette.staticfiles.StaticFiles` with version-aware caching and gzip."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code not in (200, 304):
            return response
        full, stat = self.lookup_path(path)
        if stat is None:
            return response
        wanted = _query_version(scope)
        current = _digest(Path(full), stat.st_mtime_ns, stat.st_size)
        response.headers["Cache-Control"] = (
            f"public, max-age={YEAR_S}, immutable" if wanted == current else "no-cache"
        )
        accepts = Headers(scope=scope).get("accept-encoding", "")
        if (
            response.status_code == 200
            and "gzip" in accepts
            and full.endswith(COMPRESSIBLE)
            and stat.st_size >= MIN_COMPRESS_BYTES
            and scope.get("method") == "GET"
        ):
            body = _gzipped(Path(full), stat.st_mtime_ns, stat.st_size)
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            return Response(body, status_code=200, headers=headers)
        if full.endswith(COMPRESSIBLE):
            response.headers["Vary"] = "Accept-Encoding"
        return response


def _query_version(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "v":
            return value
    return None


__all__ = ["STATIC_DIR", "STATIC_URL", "CachedStaticFiles", "asset_url", "file_version"]
