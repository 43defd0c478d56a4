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
                log.error("cannot open store: %s", exc)
                raise StoreError(f"store not open: {exc}") from exc
        opened: Store = app.state.store
        return opened


def get_store(request: Request) -> Store:
    """The app's store; a :class:`StoreError` (503) if it cannot be opened."""
    return current_store(request.app)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

