"""The narrow interface every store implements.

A store holds a site's layers in EPSG:4326 together with the site
description, layer metadata and an append-only audit log.  Reads return
frames already conformed to the layer schemas; writes are all-or-nothing
and leave one audit entry per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import pandas as pd

from site_gis.access import ApiKey
from site_gis.site import SiteInfo
from site_gis.store.filters import Expr, Sorting
from site_gis.validation import Frame

BBox = tuple[float, float, float, float]
"""Bounding box (min lon, min lat, max lon, max lat) in EPSG:4326 degrees."""

WriteMode = Literal["replace", "append"]
LayerReader = Callable[[str], Frame]
"""Reads a whole layer (every field) as it is inside a write."""
Precondition = Callable[[LayerReader], None]
"""Checks the store inside a write's lock; raises to refuse the write."""


@dataclass(frozen=True, slots=True)
class Between:
    """A ``where`` value matching ``low <= field <= high`` (either end open when ``None``).

    Dates are ISO text, so a range of ``"2026-01-01"`` to ``"2026-06-30"`` works on them.
    """

    low: object = None
    high: object = None


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """Summary of one stored layer.

    ``bounds`` is (min lon, min lat, max lon, max lat) in EPSG:4326, ``None`` for
    tables and empty layers.
    """

    name: str
    title: str
    description: str
    geometry_type: str | None
    feature_count: int
    bounds: BBox | None
    personal: bool


@dataclass(frozen=True, slots=True)
class FeaturePage:
    """A page of features in the form a feature server sends them, without a frame.

    Attributes
    ----------
    ids
        The layer's identifier field, one value per feature.
    geometry
        Each feature's geometry as RFC 7946 GeoJSON text (EPSG:4326 lon/lat,
        polygons wound by the right-hand rule; ``null`` where it has none);
        ``None`` for a table.
    properties
        Each feature's requested fields as the text of one JSON object, fields
        in the order asked for: booleans as ``true``/``false``, dates as ISO
        text, empty values and infinities as ``null``, whole reals with their
        ``.0``, reals to at least 15 significant digits (the backend says how many).
    matched
        How many features match the filters, before paging.
    """

    ids: list[object]
    geometry: list[str] | None
    properties: list[str]
    matched: int

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded write: who, when, what, and a hash of what was written."""

    audit_id: int
    at: datetime
    actor: str
    action: str
    mode: str
    layers: tuple[str, ...]
    rows: int
    content_hash: str
    source_hash: str
    note: str


@runtime_checkable
class Store(Protocol):
    """What the rest of site-gis may ask of a store."""

    @property
    def url(self) -> str:
        """Where the store lives (a file path or database URL without password)."""
        ...

    def site(self) -> SiteInfo:
        """The site description the store was built with."""
        ...

    def metadata(self) -> dict[str, str]:
        """Key/value metadata: schema version, layers digest, creation time."""
        ...

    def version(self) -> str:
        """A token that changes whenever the stored data change (for caches and ETags)."""
        ...

    def layers(self) -> list[LayerInfo]:
        """Every layer in catalogue order, with count, geometry type and bounds."""
        ...

    def layer_info(self, name: str) -> LayerInfo:
        """Summary of one layer; :class:`~site_gis.errors.LayerNotFoundError` if unknown."""
        ...

    def read(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        filter: Expr | None = None,
        sortby: Sorting = (),
    ) -> Frame:
        """Read a layer, optionally filtered by bbox, field equality and a filter tree.

        Rows come in a stable storage order (identifier order for a built or
        replaced layer, appended rows after), so paging by offset walks every row once;
        with ``sortby`` in its keys' order first (empty values last), then storage order.
        ``filter`` is a tree of :mod:`site_gis.store.filters`.
        """
        ...

    def features(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        filter: Expr | None = None,
        sortby: Sorting = (),
    ) -> FeaturePage:
        """A page of features for serving: the selection of :meth:`read`, in storage order.

        This is the fast path of the OGC API items and GeoJSON exports: the
        backend builds each feature's properties as JSON itself, and no
        frame is made.
        """
        ...

    def count(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Mapping[str, object] | None = None,
        filter: Expr | None = None,
    ) -> int:
        """Number of features matching the filters."""
        ...

    def write(
        self,
        layers: Mapping[str, Frame],
        *,
        mode: WriteMode,
        actor: str,
        action: str,
        note: str = "",
        source_hash: str = "",
        precondition: Precondition | None = None,
    ) -> AuditEntry:
        """Write layers in one all-or-nothing transaction and record it in the audit log.

        The store as it will be afterwards is validated first (schemas, identifier
        clashes, references both ways); ``source_hash`` records the hash of the
        file the rows came from.  ``precondition``, if given, is called inside the
        write lock with a reader of the layers as they are then (``read(name)``,
        every field); it raises to refuse the write (an optimistic lock).
        """
        ...

    def audit_log(self) -> pd.DataFrame:
        """Every recorded write, oldest first."""
        ...

    def record(
        self,
        *,
        actor: str,
        action: str,
        layers: Sequence[str] = (),
        rows: int = 0,
        content_hash: str = "",
        note: str = "",
    ) -> AuditEntry:
        """Append an audit entry for something that changed no layer (an export, say)."""
        ...

    def api_keys(self) -> list[ApiKey]:
        """Every API key ever made (hashes only), revoked ones included, oldest first."""
        ...

    def save_api_key(self, key: ApiKey, *, actor: str, action: str) -> AuditEntry:
        """Add a key, or replace the stored one with the same id (to revoke it).

        The key and its audit entry are written in one transaction.
        """
        ...
