"""Dependencies shared by the routers."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from api.settings import Settings
from site_gis.errors import StoreError
from site_gis.store import Store, open_store

log = logging.getLogger("site_gis.api")
_opening = threading.Lock()
_reporting = threading.Lock()


def current_store(app: FastAPI) -> Store:
    """The app's store, opened now if it could not be opened before.

    A database that was down when the app started is picked up once it is
    back, without a restart.  Raises :class:`StoreError` (503) while it cannot be opened.
    """
    store: Store | None = app.state.store
    if store is not None:
        return store
    with _opening:
        if app.state.store is None:
            try:
                app.state.store, app.state.store_error = open_store(app.state.settings.store), None
            except StoreError as exc:
                app.state.store_error = str(exc)
                raise StoreError(f"store not open: {exc}") from exc  # logged by the 503 handler
        opened: Store = app.state.store
        return opened


def checked_store(app: FastAPI) -> Store:
    """The app's store, checked to answer now (:meth:`Store.version`: a ``stat`` or one query).

    A GeoPackage deleted or replaced while serving, or a database that went
    away, raises :class:`StoreError` (503) here, before a route reads from it;
    once it is back the store serves again.
    """
    store = current_store(app)
    store.version()
    if app.state.store_problem is not None:
        report_store_back(app)
    return store


def report_store_problem(app: FastAPI, problem: str) -> None:
    """Log what is wrong with the store, once: a problem already logged is not repeated."""
    with _reporting:
        if problem == app.state.store_problem:
            return
        app.state.store_problem = problem
    log.error("store problem: %s (answering 503 until it is fixed)", problem)


def report_store_back(app: FastAPI) -> None:
    """Log, once, that the store answers again after a problem."""
    with _reporting:
        if app.state.store_problem is None:
            return
        app.state.store_problem = None
    log.warning("the store answers again; serving")


def get_store(request: Request) -> Store:
    """The app's store, checked to answer now; a :class:`StoreError` (503) if it does not."""
    return checked_store(request.app)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
