"""Rebuild a store from a layers directory without silently dropping what only the store holds.

A store gains rows that its layers directory never had: lab results and
sample locations from ``import-results``, a user's standards from
``import-standard``, layers uploaded through the API.  Rebuilding it from the
directory would drop them.  :func:`compare_with_layers` says what a rebuild
would drop (per layer: rows whose identifier the directory lacks, and rows it
holds with other values); :func:`rebuild_store` refuses to rebuild a store
that holds any, unless told to replace it, and then backs it up first.

API keys and the audit log are kept by every rebuild (they are not layers),
so they are reported as kept, never as lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from site_gis.errors import RebuildRefusedError, StoreCorruptError, StoreNotFoundError
from site_gis.io.sources import layers_digest, read_layers_dir
from site_gis.progress import Progress, Steps
from site_gis.schemas import CATALOGUE, SCREENING_LEVELS
from site_gis.store import PostGISStore, Store, backup_store_url, open_store, recreate_store
from site_gis.store.common import no_stored
from site_gis.store.integrity import plan_write
from site_gis.validation import Frame

EXAMPLES = 3
"""Identifiers named per layer in a report."""

GEOMETRY_TOLERANCE_DEG = 1e-9
"""Coordinates closer than this (degrees, about 0.1 mm) count as the same."""


@dataclass(frozen=True, slots=True)
class LayerLoss:
    """What a rebuild would drop from one layer.

    Attributes
    ----------
    layer
        Layer name.
    only_in_store
        Rows whose identifier the layers directory does not hold (they would be deleted).
    changed
        Rows the directory holds with other values or geometry (they would be overwritten).
    examples
        A few identifiers of those rows, the missing ones first.
    """

    layer: str
    only_in_store: int
    changed: int
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoreDifference:
    """What an existing store holds beyond a layers directory.

    Attributes
    ----------
    url
        The store.
    losses
        Layers a rebuild would lose rows of (only those), in catalogue order.
    standards
        Screening levels only the store holds, counted by standard.
    api_keys, audit_entries
        Keys and audit entries in the store (a rebuild keeps them).
    problem
        Why the store could not be read (then nothing else could be compared).
    """

    url: str
    losses: tuple[LayerLoss, ...] = ()
    standards: Mapping[str, int] = field(default_factory=dict)
    api_keys: int = 0
    audit_entries: int = 0
    problem: str | None = None

    @property
    def loses_data(self) -> bool:
        """Whether a rebuild would drop anything (an unreadable store counts: it is unknown)."""
        return bool(self.losses) or self.problem is not None

    def describe(self) -> list[str]:
        """One line per layer that would lose rows, then per user standard, then what is kept."""
        if self.problem is not None:
            return [f"the store cannot be read, so what it holds is unknown: {self.problem}"]
        lines = []
        for loss in self.losses:
            parts = []
            if loss.only_in_store:
                parts.append(f"{loss.only_in_store} row(s) not in the layers directory")
            if loss.changed:
                parts.append(f"{loss.changed} row(s) that differ from the layers directory")
            lines.append(f"{loss.layer}: {', '.join(parts)} (e.g. {', '.join(loss.examples)})")
        for standard, count in self.standards.items():
            lines.append(f"standard {standard}: {count} screening level(s) only in the store")
        return lines

    def kept(self) -> str:
        """What every rebuild keeps, in words."""
        return f"{self.api_keys} API key(s) and {self.audit_entries} audit log entries"


@dataclass(frozen=True, slots=True)
class Rebuild:
    """The outcome of :func:`rebuild_store`.

    Attributes
    ----------
    store
        The rebuilt store.
    previous
        What the store it replaced held beyond the layers (``None``: there was no store).
    backup
        Where the replaced store was backed up: a GeoPackage path or a PostGIS schema
        in the same database (``None``: no backup was written).
    backup_url
        The backup as a store URL that :func:`~site_gis.store.open_store` opens
        (for PostGIS the database URL with the schema first on ``search_path``).
    """

    store: Store
    previous: StoreDifference | None
    backup: str | None
    backup_url: str | None


def compare_with_layers(store: Store, frames: Mapping[str, Frame]) -> StoreDifference:
    """What ``store`` holds that a rebuild writing ``frames`` would drop.

    Parameters
    ----------
    store
        The existing store.
    frames
        Every layer's rows as the rebuild would write them (validated, as
        :func:`~site_gis.store.integrity.plan_write` returns them).
    """
    losses = []
    standards: dict[str, int] = {}
    for name, schema in CATALOGUE.items():
        stored = pd.DataFrame(store.read(name))
        new = pd.DataFrame(frames[name])
        ids = schema.id_field
        missing = ~stored[ids].isin(new[ids])
        kept = stored.loc[~missing].set_index(ids)
        fresh = new.set_index(ids).reindex(kept.index)
        same = np.ones(len(kept), dtype=bool)
        for column in schema.field_names:
            if column != ids:
                same &= _same_values(kept[column], fresh[column])
        if not schema.is_table:
            same &= _same_geometry(kept["geometry"].to_numpy(), fresh["geometry"].to_numpy())
        if missing.any() or not same.all():
            examples = [*stored.loc[missing, ids].astype(str), *kept.index[~same].astype(str)]
            losses.append(
                LayerLoss(name, int(missing.sum()), int((~same).sum()), tuple(examples[:EXAMPLES]))
            )
        if name == SCREENING_LEVELS.name:
            counts = stored.loc[missing, "standard"].value_counts(sort=False)
            standards = {str(k): int(v) for k, v in sorted(counts.items())}
    return StoreDifference(
        url=store.url,
        losses=tuple(losses),
        standards=standards,
        api_keys=len(store.api_keys()),
        audit_entries=len(store.audit_log()),
    )


def rebuild_store(
    url: str,
    layers_dir: Path,
    *,
    actor: str,
    note: str = "",
    replace: bool = False,
    progress: Progress | None = None,
) -> Rebuild:
    """Build the store at ``url`` from a layers directory, never dropping data unasked.

    A store that does not exist yet is built.  An existing store that holds
    nothing beyond the directory (see :func:`compare_with_layers`) is rebuilt;
    one that holds more is rebuilt only with ``replace``, after a backup
    (GeoPackage: a dated copy beside the file; PostGIS: a dated schema in the
    same database).  ``progress`` is told of each step: every layer file read,
    their validation, the comparison with the existing store, then the steps of
    the write (see :func:`~site_gis.store.create_store`).

    Raises
    ------
    LayerValidationError
        If the layers are not valid (nothing is compared or written).
    RebuildRefusedError
        Without ``replace``, if the store holds data the directory does not (the
        message lists it), cannot be read, or changed while it was compared.
    """
    reading = len(CATALOGUE) + 1
    writing = len(CATALOGUE) + 2
    steps = Steps(progress, reading + 2 + writing)
    site, frames = read_layers_dir(layers_dir, validate=False, progress=steps.part(reading))
    steps.start("checking the layers")
    after = plan_write(frames, "replace", no_stored, site=site)
    steps.finish()
    steps.start("comparing with the existing store")
    previous: StoreDifference | None
    version: str | None = None
    try:
        old = open_store(url)
    except StoreNotFoundError:
        previous = None
    except StoreCorruptError as exc:
        previous = StoreDifference(url=url, problem=str(exc))
    else:
        try:
            previous, version = compare_with_layers(old, after), old.version()
        finally:
            if isinstance(old, PostGISStore):
                old.close()
    if previous is not None and previous.loses_data and not replace:
        lines = "".join(f"  {line}\n" for line in previous.describe())
        kept = "API keys and the audit log" if previous.problem else previous.kept()
        raise RebuildRefusedError(
            f"{previous.url} holds data that {layers_dir} does not; rebuilding would drop:\n"
            f"{lines}nothing was changed. `site-gis init --replace` backs the store up first "
            f"and then rebuilds it (keeping its {kept})"
        )
    steps.finish()
    built, backup = recreate_store(
        url,
        site,
        after,
        actor=actor,
        note=note,
        layers_digest=layers_digest(layers_dir),
        expect_version=None if replace else version,
        backup=replace and previous is not None,
        progress=steps.part(writing),
    )
    return Rebuild(
        built, previous, backup, None if backup is None else backup_store_url(url, backup)
    )


def _same_values(stored: pd.Series, new: pd.Series) -> np.ndarray:
    """Row by row: equal values, or both empty."""
    stored_empty = stored.isna().to_numpy()
    new_empty = new.isna().to_numpy()
    equal = [
        a == b if not (ea or eb) else ea and eb
        for a, b, ea, eb in zip(
            stored.to_numpy(object), new.to_numpy(object), stored_empty, new_empty, strict=True
        )
    ]
    return np.array(equal, dtype=bool)


def _same_geometry(stored: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Row by row: the same geometry (to within :data:`GEOMETRY_TOLERANCE_DEG`, any ring start)."""
    same = np.asarray(shapely.equals_exact(stored, new, tolerance=GEOMETRY_TOLERANCE_DEG))
    same = same & ~(shapely.is_missing(stored) | shapely.is_missing(new))
    unsure = ~same & ~shapely.is_missing(stored) & ~shapely.is_missing(new)
    if unsure.any():
        same[unsure] = shapely.equals(stored[unsure], new[unsure])
    return same | (shapely.is_missing(stored) & shapely.is_missing(new))


__all__ = ["LayerLoss", "Rebuild", "StoreDifference", "compare_with_layers", "rebuild_store"]
