"""Checks every store runs before a write: the store as it will be afterwards must be valid.

Backend-independent: a store passes a function that reads its current
contents (inside its write transaction), and gets back the full new content
of every changed layer, sorted by identifier, or a
:class:`~site_gis.errors.LayerValidationError` listing every problem:

* each changed layer's rows against its schema;
* appended identifiers that are already stored;
* references in both directions: new rows must point at rows that will
  exist, and replacing a layer must not leave stored rows of another layer
  pointing at rows that will be gone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from site_gis.errors import InvalidRequestError, LayerValidationError, Problem
from site_gis.schemas import CATALOGUE
from site_gis.validation import MAX_PROBLEMS, Frame, check_layer

ReadStored = Callable[[str, Sequence[str] | None], Frame]
"""``read(layer, columns)``: a stored layer (all columns when ``columns`` is None)."""

WRITE_MODES = ("replace", "append")


def plan_write(
    changes: Mapping[str, Frame], mode: str, read_stored: ReadStored
) -> tuple[dict[str, Frame], dict[str, Frame]]:
    """Validate a write and compute the layers' contents after it.

    Parameters
    ----------
    changes
        New rows by layer name (``replace``: the layer's whole new content).
    mode
        ``"replace"`` or ``"append"``.
    read_stored
        Reads the store's current content.

    Returns
    -------
    tuple
        The full content after the write of every changed layer (sorted by id),
        and the validated new rows (for the audit record).
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
    if problems:
        raise LayerValidationError(problems, summary=f"{len(problems)} problem(s) in the write")
    after: dict[str, Frame] = {}
    for name, rows in new.items():
        id_field = CATALOGUE[name].id_field
        if mode == "append":
            stored = read_stored(name, None)
            clash = rows[id_field].isin(stored[id_field])
            problems.extend(
                Problem(name, rid, id_field, rid, "identifier already stored")
                for rid in rows.loc[clash, id_field].head(MAX_PROBLEMS)
            )
            rows = pd.concat([stored, rows], ignore_index=True) if len(stored) else rows
        after[name] = rows.sort_values(id_field, kind="stable").reset_index(drop=True)
    problems.extend(_reference_problems(after, set(new), read_stored))
    if problems:
        raise LayerValidationError(problems, summary=f"{len(problems)} problem(s) in the write")
    return after, new


def _reference_problems(
    after: Mapping[str, Frame], changed: set[str], read_stored: ReadStored
) -> list[Problem]:
    problems: list[Problem] = []
    for source, schema in CATALOGUE.items():
        for fk in schema.foreign_keys:
            if source not in changed and fk.target_layer not in changed:
                continue
            if fk.target_layer in after:
                targets = after[fk.target_layer][fk.target_field]
            else:
                targets = read_stored(fk.target_layer, [fk.target_field])[fk.target_field]
            if source in after:
                rows = after[source]
            else:
                rows = read_stored(source, [schema.id_field, fk.field])
            values = rows[fk.field]
            dangling = rows[values.notna() & ~values.isin(targets)]
            if dangling.empty:
                continue
            if source in changed:
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
            else:
                example = dangling[schema.id_field].iloc[0]
                problems.append(
                    Problem(
                        fk.target_layer,
                        None,
                        fk.target_field,
                        None,
                        f"this write would leave {len(dangling)} stored row(s) of {source} "
                        f"pointing at a missing {fk.target_field} (e.g. {example})",
                    )
                )
    return problems
