"""Checks every store runs before a write: the store as it will be afterwards must be valid.

Backend-independent: a store passes a function that reads its current
contents (inside its write transaction) and gets back the validated rows to
write -- a layer's whole new content for ``replace`` (sorted by identifier),
the new rows for ``append`` -- or a
:class:`~site_gis.errors.LayerValidationError` listing every problem:

* each changed layer's rows against its schema;
* each changed layer's features against the site's region: none far from the
  site, none with latitude and longitude swapped
  (:func:`~site_gis.validation.site_extent_problems`), whatever the path in
  (a build from a layers directory, a layer upload, a lab import's new locations);
* appended identifiers that are already stored;
* references in both directions: new rows must point at rows that will
  exist, and replacing a layer must not leave stored rows of another layer
  pointing at rows that will be gone.

Only identifier and reference columns of stored layers are read, so checking
an append to a layer of millions of rows costs a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from site_gis.arrays import isin
from site_gis.errors import InvalidRequestError, LayerValidationError, Problem
from site_gis.schemas import CATALOGUE
from site_gis.site import SiteInfo
from site_gis.validation import MAX_PROBLEMS, Frame, check_layer, site_extent_problems

ReadStored = Callable[[str, Sequence[str]], Frame]
"""``read(layer, columns)``: those columns of a stored layer."""

WRITE_MODES = ("replace", "append")


def plan_write(
    changes: Mapping[str, Frame], mode: str, read_stored: ReadStored, *, site: SiteInfo
) -> dict[str, Frame]:
    """Validate a write against the store as it will be afterwards.

    Parameters
    ----------
    changes
        New rows by layer name (``replace``: the layer's whole new content).
    mode
        ``"replace"`` or ``"append"``.
    read_stored
        Reads columns of the store's current content.
    site
        The store's site: new features must lie within its region.

    Returns
    -------
    dict
        The validated rows to write, by layer (sorted by identifier for ``replace``).
    """
    if mode not in WRITE_MODES:
        raise InvalidRequestError(f"write mode must be one of {WRITE_MODES}, not {mode!r}")
    unknown = [name for name in changes if name not in CATALOGUE]
    if unknown:
        raise InvalidRequestError(f"unknown layer(s): {', '.join(unknown)}")
    problems: list[Problem] = []
    new: dict[str, Frame] = {}
    for name, frame in changes.items():
        new[name], found = check_layer(frame, CATALOGUE[name])
        problems.extend(found)
        problems.extend(site_extent_problems(new[name], CATALOGUE[name], site))
    if problems:
        raise LayerValidationError(problems, summary=f"{len(problems)} problem(s) in the write")
    if mode == "append":
        for name, rows in new.items():
            id_field = CATALOGUE[name].id_field
            clash = isin(rows[id_field], read_stored(name, [id_field])[id_field])
            problems.extend(
                Problem(name, rid, id_field, rid, "identifier already stored")
                for rid in rows.loc[clash, id_field].head(MAX_PROBLEMS)
            )
    else:
        new = {
            name: rows.sort_values(CATALOGUE[name].id_field, kind="stable").reset_index(drop=True)
            for name, rows in new.items()
        }
    problems.extend(_reference_problems(new, mode, read_stored))
    if problems:
        raise LayerValidationError(problems, summary=f"{len(problems)} problem(s) in the write")
    return new


def _reference_problems(
    new: Mapping[str, Frame], mode: str, read_stored: ReadStored
) -> list[Problem]:
    problems: list[Problem] = []
    for source, schema in CATALOGUE.items():
        for fk in schema.foreign_keys:
            if source not in new and fk.target_layer not in new:
                continue
            targets = _targets_after(new, mode, read_stored, fk.target_layer, fk.target_field)
            if source in new:
                rows = new[source]
                values = rows[fk.field]
                dangling = rows[values.notna().to_numpy(bool) & ~isin(values, targets)]
                problems.extend(
                    Problem(
                        source,
                        r[schema.id_field],
                        fk.field,
                        r[fk.field],
                        f"no such {fk.target_field} in {fk.target_layer}",
                    )
                    for _, r in dangling.head(MAX_PROBLEMS).iterrows()
                )
            elif mode == "replace":  # stored rows must still find what they point at
                rows = read_stored(source, [schema.id_field, fk.field])
                values = rows[fk.field]
                dangling = rows[values.notna().to_numpy(bool) & ~isin(values, targets)]
                if len(dangling):
                    problems.append(
                        Problem(
                            fk.target_layer,
                            None,
                            fk.target_field,
                            None,
                            f"this write would leave {len(dangling)} stored row(s) of {source} "
                            f"pointing at a missing {fk.target_field} "
                            f"(e.g. {dangling[schema.id_field].iloc[0]})",
                        )
                    )
    return problems


def _targets_after(
    new: Mapping[str, Frame], mode: str, read_stored: ReadStored, layer: str, field: str
) -> pd.Series:
    """The values of ``layer.field`` once the write is done."""
    if layer not in new:
        return read_stored(layer, [field])[field]
    if mode == "replace":
        return new[layer][field]
    stored = read_stored(layer, [field])[field]
    return pd.Series(np.concatenate([stored.to_numpy(object), new[layer][field].to_numpy(object)]))
