"""Stores: where a site's layers live.  :func:`open_store` picks one from a URL.

* a GeoPackage path ending in ``.gpkg`` (optionally ``gpkg://path.gpkg``): the
  embedded default, one file;
* ``postgresql://user@host:port/dbname``: a PostGIS database, for several
  users and writers at once.

Building a store from a layers directory is :func:`site_gis.io.build_store`: the
store knows no file formats and imports no wing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

from site_gis.errors import StoreError
from site_gis.progress import Progress
from site_gis.site import SiteInfo
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
from site_gis.store.keys import create_key, revoke_key
from site_gis.store.pgconnect import is_postgres_url, safe_text, safe_url
from site_gis.store.postgis import PostGISStore
from site_gis.store.rendering import geometry_json
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


def create_store(
    url: str,
    site: SiteInfo,
    frames: Mapping[str, Frame],
    *,
    actor: str,
    note: str = "",
    layers_digest: str = "",
    progress: Progress | None = None,
) -> Store:
    """Create (or replace) the store at ``url`` from a site and its layers (all validated).

    ``progress`` is told of each step: the check of the layers, every layer
    written, then the finishing (indexes, renderings, metadata, audit entry).
    """
    built, _ = recreate_store(
        url, site, frames, actor=actor, note=note, layers_digest=layers_digest, progress=progress
    )
    return built


def recreate_store(
    url: str,
    site: SiteInfo,
    frames: Mapping[str, Frame],
    *,
    actor: str,
    note: str = "",
    layers_digest: str = "",
    expect_version: str | None = None,
    backup: bool = False,
    progress: Progress | None = None,
) -> tuple[Store, str | None]:
    """:func:`create_store` over an existing store: guarded and, if asked, backed up first.

    Parameters
    ----------
    expect_version
        The old store's :meth:`~Store.version` as the caller saw it; if a write
        changed it since, nothing is written
        (:class:`~site_gis.errors.RebuildRefusedError`).
    backup
        Back the old store up first, under its write lock: a GeoPackage to a dated
        copy beside it, a PostGIS store to a dated schema in its database.
    progress
        Told of each step, as for :func:`create_store`.

    Returns
    -------
    tuple
        The new store and where the backup went (a file path or a schema name;
        ``None`` if there was nothing to back up or none was asked for).
    """
    if is_postgres_url(url):
        return PostGISStore.rebuild(
            url,
            site,
            frames,
            actor=actor,
            note=note,
            layers_digest=layers_digest,
            expect_version=expect_version,
            backup=backup,
            progress=progress,
        )
    built, copy = GeoPackageStore.rebuild(
        store_path(url),
        site,
        frames,
        actor=actor,
        note=note,
        layers_digest=layers_digest,
        expect_version=expect_version,
        backup=backup,
        progress=progress,
    )
    return built, None if copy is None else str(copy)


def backup_store_url(url: str, backup: str) -> str:
    """The store URL of a backup :func:`recreate_store` wrote of the store at ``url``.

    A GeoPackage backup is a file, its own URL; a PostGIS one is a schema of the
    same database, opened by putting it first on the ``search_path`` (PostGIS
    itself stays in ``public``).  The URL keeps the other connection options
    (``sslmode`` ...) and carries no password.
    """
    if not is_postgres_url(url):
        return backup
    params = {
        k: str(v)
        for k, v in conninfo_to_dict(url).items()
        if v is not None and k not in ("host", "port", "dbname", "user", "password")
    }
    params["options"] = f"{params.get('options', '')} -csearch_path={backup},public".strip()
    return f"{safe_url(url)}?{urlencode(params, quote_via=quote)}"


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
    "backup_store_url",
    "create_key",
    "create_store",
    "geometry_json",
    "open_store",
    "recreate_store",
    "revoke_key",
    "store_path",
]
