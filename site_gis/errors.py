"""Exceptions raised by site-gis.

Every error derives from :class:`SiteGISError` and also from the built-in
exception that matches its meaning, so callers may catch either::

    SiteGISError
    ├── ValidationError (ValueError)        one or more Problems in input data
    │   └── LayerValidationError            a layer broke its schema
    ├── CRSError (ValueError)               bad CRS, mismatch, or degrees for metres
    ├── InvalidRequestError (ValueError)    a request the store cannot answer (unknown field, ...)
    │   └── AnalysisTooCostlyError          its estimated cost passes a limit (refused first)
    ├── InsufficientDataError (ValueError)  too little data for the analysis asked for
    ├── LayerNotFoundError (KeyError)       no such layer in the store or the catalogue
    ├── JobError                            an analysis job could not finish
    │   ├── JobMemoryError (MemoryError)    it needed more memory than a worker has
    │   ├── JobTimeoutError (TimeoutError)  it ran past its time limit and was stopped
    │   ├── JobDismissedError               it was dismissed (cancelled) before it finished
    │   └── JobNotFoundError (KeyError)     no such job (or not the caller's)
    ├── RebuildRefusedError                 a rebuild would drop data the layers do not hold
    └── StoreError                          the store cannot be used
        ├── StoreNotFoundError (FileNotFoundError)
        ├── StoreCorruptError               not a readable site-gis store, or a layer is missing
        └── StoreUnavailableError (ConnectionError)  the database server cannot be reached

Messages are written for the person who supplied the data: they name the
layer, the row and the field, and never contain SQL or stack traces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one value of the input.

    Parameters
    ----------
    layer
        Layer or file the value came from.
    row
        Feature or row identifier (the layer's id field where it has one,
        otherwise the 0-based row position); ``None`` for layer-wide problems.
    field
        Field name, ``"geometry"``, or ``None`` for layer-wide problems.
    value
        The offending value, shortened for display.
    reason
        What is wrong, in plain words.
    """

    layer: str
    row: Any
    field: str | None
    value: Any
    reason: str

    def __str__(self) -> str:
        where = self.layer
        if self.row is not None:
            row = str(self.row)
            where += f", row {row if row.isprintable() else repr(row)}"
        if self.field is not None:
            where += f", field {self.field!r}"
        shown = "" if self.value is None else f" (value {_short(self.value)})"
        return f"{where}: {self.reason}{shown}"

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-friendly mapping."""
        return {
            "layer": self.layer,
            "row": _jsonable(self.row),
            "field": self.field,
            "value": None if self.value is None else _short(self.value),
            "reason": self.reason,
        }


class SiteGISError(Exception):
    """Root of every error raised by site-gis."""


class ValidationError(SiteGISError, ValueError):
    """Input data has one or more problems; all of them are listed."""

    def __init__(self, problems: Iterable[Problem], *, summary: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = summary or f"{count} problem{'s' if count != 1 else ''} in the input"
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {count - 50} more" if count > 50 else ""
        super().__init__(f"{head}:\n{shown}{more}" if count else head)


class LayerValidationError(ValidationError):
    """A layer does not match its schema."""


class CRSError(SiteGISError, ValueError):
    """A CRS could not be parsed, two CRSs differ, or a metric CRS was required."""


class InvalidRequestError(SiteGISError, ValueError):
    """A request that cannot be answered as asked: unknown field, bad bbox, bad paging, ..."""


class InsufficientDataError(SiteGISError, ValueError):
    """The data selected cannot support the analysis (e.g. too few samples for kriging)."""


class AnalysisTooCostlyError(InvalidRequestError):
    """An analysis whose estimated cost passes a configured limit (refused before it starts).

    ``limit`` names the setting that refused it (e.g. ``max_idw_pairs``).
    """

    def __init__(self, message: str, *, limit: str = "") -> None:
        super().__init__(message)
        self.limit = limit


class TooLargeError(SiteGISError, ValueError):
    """An upload or a request beyond a configured limit (bytes, rows, cells)."""


class NotAuthenticatedError(SiteGISError):
    """No API key, or one that is malformed, unknown or revoked, where one is needed."""


class ForbiddenError(SiteGISError):
    """A valid API key whose roles do not allow what was asked."""


class LayerNotFoundError(SiteGISError, KeyError):
    """The requested layer does not exist."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = sorted(available)
        super().__init__(f"unknown layer {name!r}; available layers: {', '.join(self.available)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class RecordNotFoundError(SiteGISError, LookupError):
    """A requested record (a location, a series) does not exist."""


class JobError(SiteGISError):
    """An analysis job could not finish."""


class JobMemoryError(JobError, MemoryError):
    """A job needed more memory than a worker may use; the message says how to ask for less."""


class JobTimeoutError(JobError, TimeoutError):
    """A job ran past its time limit and was stopped (its worker's memory given back)."""


class JobDismissedError(JobError):
    """A job was dismissed before it finished."""


class JobNotFoundError(JobError, KeyError):
    """No job with that id is visible to the caller."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such job"


class StoreError(SiteGISError):
    """The store cannot be opened, read or written."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """The store does not exist."""


class StoreCorruptError(StoreError):
    """The store exists but is not a readable site-gis store."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The store's database server cannot be reached now (it may come back)."""


class FeatureNotFoundError(SiteGISError, KeyError):
    """No feature with that identifier in the layer."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such feature"


class PreconditionFailedError(SiteGISError):
    """A write's precondition does not hold: the feature changed since the caller read it."""


class EditConflictError(SiteGISError):
    """Other writes kept changing a layer while an edit of it was being made; retry."""


class PreconditionRequiredError(SiteGISError):
    """A write that must name the version it replaces (``If-Match``) did not."""


class RebuildRefusedError(SiteGISError):
    """Rebuilding the store from a layers directory would drop data it does not hold."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)
