"""The FastAPI application, built by :func:`create_app`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.access import CheckKeys, new_key_ring
from api.cache import ResponseCache
from api.compression import Compress
from api.cors import install_cors
from api.deps import report_store_problem
from api.errors import install_error_handlers
from api.http_cache import HttpCache
from api.jobs import JobService
from api.leftovers import remove_dead_exports
from api.limits import RequestTimeout
from api.maps.static import STATIC_DIR, STATIC_URL, CachedStaticFiles
from api.methods import HeadAndOptions
from api.params import RefuseControlCharacters
from api.routers import (
    audit,
    background,
    collections,
    contamination,
    encroachments,
    exports,
    groundwater,
    imports,
    items_write,
    landing,
    maps,
    processes,
    remediation,
    reports,
    resettlement,
    surfaces,
    tiles,
)
from api.security import SecurityHeaders
from api.settings import Settings
from site_gis import __version__
from site_gis.errors import StoreError
from site_gis.store import open_store

log = logging.getLogger("site_gis.api")
MULTIPART_MARGIN = 64 * 1024

DESCRIPTION = """
Layers, contamination data and analyses of a contaminated industrial site.
The shipped demo is the Pakistan Steel Mills site at Bin Qasim, Karachi, with
**SYNTHETIC** sample values, counts and outlines anchored on public facts.

Geometry is served as RFC 7946 GeoJSON in WGS 84 longitude/latitude.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from ``SITE_GIS_*`` environment variables).

    The store is opened when the app starts; if it cannot be opened the app
    still starts, ``/health`` answers 503 and data routes answer 503.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for leftover in remove_dead_exports():
            log.warning("removed %s, left by an export whose server was killed", leftover.name)
        try:
            app.state.store = open_store(settings.store)
            app.state.store_error = None
        except StoreError as exc:
            app.state.store, app.state.store_error = None, str(exc)
            report_store_problem(app, f"store not open: {exc}")
        await asyncio.to_thread(app.state.jobs.start_up)
        yield
        await asyncio.to_thread(app.state.jobs.close)
        close = getattr(app.state.store, "close", None)  # a database store's connections
        if close is not None:
            close()

    app = FastAPI(
        title="site-gis",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served by api.routers.landing, with their CSP
        redoc_url=None,
        openapi_url=None,  # /openapi.json is OpenAPI 3.0, served by api.routers.landing
        # refused before anything is spooled to disk or a key is checked (a declared
        # length at once, a streamed body as it arrives); the margin is multipart framing
        max_body_size=settings.max_upload_bytes + MULTIPART_MARGIN,
    )
    app.state.settings = settings
    app.state.cache = ResponseCache(settings.response_cache_mb * 1024 * 1024)
    app.state.keys = new_key_ring()
    app.state.jobs = JobService(settings)  # the analysis engine starts on the first job
    app.state.store = None
    app.state.store_error = "not started"
    app.state.store_problem = None  # what is wrong with the store, as last logged
    install_error_handlers(app)
    app.add_middleware(RequestTimeout, seconds=settings.request_timeout_s)
    app.add_middleware(Compress, minimum_size=settings.gzip_min_bytes)  # api/compression.py
    app.add_middleware(HttpCache)  # Cache-Control, ETag and 304 (api/http_cache.py)
    app.add_middleware(HeadAndOptions)  # HEAD as GET without a body, OPTIONS: 204 with Allow
    app.add_middleware(RefuseControlCharacters)  # in any query parameter or path id: 400
    # outermost: a bad key is a 401 on every path before anything else, the body unread
    app.add_middleware(CheckKeys)
    app.add_middleware(SecurityHeaders)  # on every response, the 401s and 400s above too
    install_cors(app, settings.cors_allow_list())  # outermost: preflights answered first
    app.include_router(landing.router)
    app.include_router(collections.router)
    app.include_router(items_write.router)
    app.include_router(contamination.router)
    app.include_router(background.router)  # /contamination/background...
    app.include_router(imports.router)
    app.include_router(surfaces.router)
    app.include_router(remediation.router)
    app.include_router(processes.router)
    app.include_router(encroachments.router)
    app.include_router(resettlement.router)
    app.include_router(exports.router)
    app.include_router(audit.router)
    app.include_router(maps.router)
    app.include_router(tiles.router)
    app.include_router(tiles.layer_router)
    app.include_router(groundwater.router)
    app.include_router(reports.router)
    app.mount(STATIC_URL, CachedStaticFiles(directory=STATIC_DIR), name="static")
    return app
