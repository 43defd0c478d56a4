"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from site_gis.errors import StoreError
from site_gis.store import Store


def get_store(request: Request) -> Store:
    """The app's store; a :class:`StoreError` (503) if it could not be opened."""
    store: Store | None = request.app.state.store
    if store is None:
        raise StoreError(f"store not open: {request.app.state.store_error}")
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def grid_cells(request: Request) -> int:
    """The most cells a surface built for a request may have."""
    return get_settings(request).max_grid_cells


GridCells = Annotated[int, Depends(grid_cells)]
