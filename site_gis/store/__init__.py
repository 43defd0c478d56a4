"""Stores: where a site's layers live.  :func:`open_store` picks one from a URL.

* a GeoPackage path ending in ``.gpkg`` (optionally ``gpkg://path.gpkg``): the
  embedded default, one file;
* ``postgresql://user@host:port/dbname``: a PostGIS database, for several
  users and writers at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from site_gis.errors import StoreError, StoreNotFoundError
from site_gis.site import SiteInfo
from site_gis.sources import layers_digest, read_layers_dir
from site_gis.store.base import (
    AuditEntry,
    BBox,
    Between,
    FeaturePage,
    LayerInfo,
    Store,
    WriteMode,
)
from site_gis.store.geopackage import GeoPackageStore
from site_gis.store.pgconnect import is_postgres_url, safe_text
from site_gis.store.postgis import PostGISStore
from site_gis.validation import Frame

SUPPORTED = (
    "a GeoPackage path ending in .gpkg (optionally prefixed gpkg://) or a PostgreSQL URL "
    "postgresql://user@host:port/dbname"
)


def store_path(url: str) -> Path:
    """The GeoPackage path named by ``url``; :class:`StoreError` for other kinds of URL."""
    text = url.removeprefix("gpkg://")
    if text.lower().endswith(".gpkg") and "://" not in text:
        return Path(text)
    raise StoreError(f"unsupported store {safe_text(url)!r}; expected {SUPPORTED}")


def build_store(url: str, layers_dir: Path, *, actor: str, note: str = "") -> Store:
    """Build (or rebuild) the store at ``url`` from a layers directory.

    Every layer is validated first; on any problem nothing is written and
    :class:`~site_gis.errors.LayerValidationError` lists them all.
    """
    site, frames = read_layers_dir(layers_dir, validate=False)
    return create_store(
        url, site, frames, actor=actor, note=note, layers_digest=layers_digest(layers_dir)
    )


def create_store(
    url: str,
    site: SiteInfo,
    frames: Mapping[str, Frame],
    *,
    actor: str,
    note: str = "",
    layers_digest: str = "",
) -> Store:
    """Create (or replace) the store at ``url`` from a site and its layers (all validated)."""
    if is_postgres_url(url):
        return PostGISStore.create(
            url, site, frames, actor=actor, note=note, layers_digest=layers_digest
        )
    return GeoPackageStore.create(
        store_path(url), site, frames, actor=actor, note=note, layers_digest=layers_digest
    )


def open_or_build_store(url: str, layers_dir: Path, *, actor: str) -> tuple[Store, bool]:
    """Open the store at ``url``, building it from ``layers_dir`` if it does not exist yet.

    A GeoPackage is built when its file is missing, a PostGIS store when the
    database holds no site-gis tables (the database itself must exist).

    Returns
    -------
    tuple
        The store and whether it was built by this call.
    """
    try:
        return open_store(url), False
    except StoreNotFoundError:
        return build_store(url, layers_dir, actor=actor, note=f"built from {layers_dir}"), True


def open_store(url: str) -> Store:
    """Open an existing store named by ``url``.

    Raises
    ------
    StoreError
        If the URL names no supported kind of store, or the store cannot be opened
        (:class:`~site_gis.errors.StoreUnavailableError` when its server cannot be reached).
    """
    if is_postgres_url(url):
        return PostGISStore(url)
    return GeoPackageStore(store_path(url))


__all__ = [
    "AuditEntry",
    "BBox",
    "Between",
    "FeaturePage",
    "GeoPackageStore",
    "LayerInfo",
    "PostGISStore",
    "Store",
    "WriteMode",
    "build_store",
    "create_store",
    "open_or_build_store",
    "open_store",
    "store_path",
]
