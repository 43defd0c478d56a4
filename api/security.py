"""Security headers: ``nosniff`` on every response, a script policy and no framing on HTML.

Every response carries ``X-Content-Type-Options: nosniff``.  Every HTML
response also carries ``X-Frame-Options: SAMEORIGIN`` and a
``Content-Security-Policy`` with ``frame-ancestors 'self'``; a page that sets
no policy of its own gets :data:`DEFAULT_POLICY`: scripts, styles sheets,
images and requests from this server only, and no inline script.  Pages that
need more build their policy with :func:`policy`: the maps allow their inline
scripts by hash (:func:`inline_script_hashes`) and the base map's tiles; the
API documentation allows the CDN Swagger UI and ReDoc are loaded from.

Inline ``style`` attributes and ``<style>`` elements are allowed: the pages
and Leaflet use them, and a style cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script", re.S | re.I)


def policy(
    *,
    scripts: Iterable[str] = (),
    styles: Iterable[str] = (),
    images: Iterable[str] = (),
    fonts: Iterable[str] = (),
    workers: Iterable[str] = (),
    unsafe_eval: bool = False,
) -> str:
    """A ``Content-Security-Policy`` value: this server only, plus the sources given.

    Parameters
    ----------
    scripts, styles, images, fonts, workers
        Extra sources (origins, ``'sha256-…'`` hashes, ``data:``, ``blob:``) of each kind.
    unsafe_eval
        Let scripts compile code from strings (a vendored plugin's templates need it).
    """

    def sources(*extra: Iterable[str]) -> str:
        return " ".join(["'self'", *(source for group in extra for source in group)])

    evaluate = ["'unsafe-eval'"] if unsafe_eval else []
    directives = [
        "default-src 'self'",
        "script-src " + sources(scripts, evaluate),
        "style-src " + sources(["'unsafe-inline'"], styles),
        "img-src " + sources(["data:"], images),
        "font-src " + sources(fonts),
        "connect-src 'self'",
        "worker-src " + sources(workers),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
    return "; ".join(directives)


DEFAULT_POLICY = policy()
"""The policy of an HTML page that sets none: nothing but this server, no inline script."""


def inline_script_hashes(page: str) -> list[str]:
    """The CSP ``'sha256-…'`` source of every inline ``<script>`` in ``page``, in order.

    Only for pages whose every inline script is the server's own: values placed in
    them must be escaped so that they cannot close the element (see
    :func:`api.maps.elements._json`).
    """
    hashes: list[str] = []
    for body in _INLINE_SCRIPT.findall(page):
        # the browser hashes the text as parsed: line breaks normalised to LF
        text = body.replace("\r\n", "\n").replace("\r", "\n").encode()
        source = f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
                    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            await send(message)

        await self.app(scope, receive, with_headers)
