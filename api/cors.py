"""Cross-origin reads (CORS) for the origins in ``SITE_GIS_CORS_ORIGINS``, and no others.

By default the allow-list is empty and no CORS header is ever sent, so a
browser refuses every page of another origin a cross-origin read: the demo
stays closed.  With ``SITE_GIS_CORS_ORIGINS=https://maps.example.org,http://127.0.0.1:5173``
pages of those origins may read the API (any route), send an API key
(``X-API-Key`` or ``Authorization``; the browser's preflight ``OPTIONS`` is
answered here, before routing and before any key is checked) and see the
``ETag``, ``Content-Crs``, ``Content-Disposition`` and ``Link`` headers.  ``*``
lets any origin read; cookies are never used, so no credentials mode is offered.
Responses name the allowed origin and carry ``Vary: Origin``.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

ORIGIN = re.compile(r"^https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
METHODS = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"]
REQUEST_HEADERS = ["X-API-Key", "Authorization", "Content-Type", "Accept", "If-None-Match"]
EXPOSED = ["ETag", "Content-Crs", "Content-Disposition", "Link", "Retry-After"]
PREFLIGHT_MAX_AGE_S = 600


def parse_origins(text: str) -> list[str]:
    """The allow-list in ``text`` (comma-separated); ``ValueError`` naming a malformed entry.

    An origin is ``scheme://host[:port]`` with scheme ``http`` or ``https``, no
    path and no trailing slash, as browsers send it in ``Origin``; or ``*``.
    """
    origins = [entry.strip() for entry in text.split(",") if entry.strip()]
    for entry in origins:
        if entry != "*" and not ORIGIN.match(entry):
            raise ValueError(
                f"cors_origins: {entry!r} is not an origin; write scheme://host[:port] "
                "(http or https, no path, no trailing slash), or *"
            )
    return origins


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Add the CORS middleware, outermost, when ``origins`` is not empty."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=METHODS,
        allow_headers=REQUEST_HEADERS,
        expose_headers=EXPOSED,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_S,
    )
