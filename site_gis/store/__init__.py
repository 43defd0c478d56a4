"""Stores: where a site's layers live.  :func:`open_store` picks one from a URL."""

from __future__ import annotations

from pathlib import Path

from site_gis.errors import StoreError
from site_gis.sources import layers_digest, read_layers_dir
from site_gis.store.base import AuditEntry, BBox, Between, LayerInfo, Store, WriteMode
from site_gis.store.geopackage import GeoPackageStore

SUPPORTED = "a GeoPackage path ending in .gpkg (optionally prefixed gpkg://)"


def store_path(url: str) -> Path:
    """The GeoPackage path named by ``url``; :class:`StoreError` for other kinds of URL."""
    text = url.removeprefix("gpkg://")
    if text.lower().endswith(".gpkg") and "://" not in text:
        return Path(text)
    raise StoreError(f"unsupported store {url!r}; expected {SUPPORTED}")


def build_store(url: str, layers_dir: Path, *, actor: str, note: str = "") -> Store:
    """Build (or rebuild) the store at ``url`` from a layers directory.

    Every layer is validated first; on any problem nothing is written and
    :class:`~site_gis.errors.LayerValidationError` lists them all.
    """
    site, frames = read_layers_dir(layers_dir, validate=False)
    return GeoPackageStore.create(
        store_path(url),
        site,
        frames,
        actor=actor,
        note=note,
        layers_digest=layers_digest(layers_dir),
    )


def open_or_build_store(url: str, layers_dir: Path, *, actor: str) -> tuple[Store, bool]:
    """Open the store at ``url``, building it from ``layers_dir`` if it does not exist yet.

    Returns
    -------
    tuple
        The store and whether it was built by this call.
    """
    if not store_path(url).exists():
        return build_store(url, layers_dir, actor=actor, note=f"built from {layers_dir}"), True
    return open_store(url), False


def open_store(url: str) -> Store:
    """Open an existing store named by ``url``.

    Raises
    ------
    StoreError
        If the URL names no supported kind of store, or the store cannot be opened.
    """
    return GeoPackageStore(store_path(url))


__all__ = [
    "AuditEntry",
    "BBox",
    "Between",
    "GeoPackageStore",
    "LayerInfo",
    "Store",
    "WriteMode",
    "build_store",
    "open_or_build_store",
    "open_store",
    "store_path",
]
