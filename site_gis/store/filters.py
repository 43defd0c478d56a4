"""Filter expressions and sort keys for store reads, independent of any query language.

A filter is a small tree of frozen dataclasses: comparisons of one field with
literal values, ``LIKE``, ``IN``, ``BETWEEN``, ``IS NULL``, spatial predicates
against a literal geometry, and ``AND`` / ``OR`` / ``NOT``.  Fields are the
layer's :class:`~site_gis.schemas.FieldSpec` objects, so every name in a tree
was checked against the schema when the tree was built (by
:mod:`api.cql2` from an OGC CQL2 filter); values are already of the field's
Python type.  Each backend translates a tree into its own SQL, with every
value a bound parameter and every column name quoted from the schema:
:mod:`site_gis.store.gpkg_features` for GeoPackage (SQLite), and
:mod:`site_gis.store.postgis` for PostGIS.

Semantics shared by both backends
---------------------------------
* Comparisons follow SQL: a comparison with an empty (null) value is not true,
  and ``NOT`` of it is not true either.
* Text compares by Unicode code point (SQLite's BINARY collation, PostgreSQL's
  ``"C"``), which is also Python's and pandas' order.
* ``LIKE`` is case-sensitive; ``%`` matches any run of characters, ``_`` one
  character, and a backslash makes the next character literal (CQL2).
* Spatial predicates take a literal geometry in EPSG:4326 longitude/latitude.
  :class:`Spatial` with ``op="dwithin"`` holds a distance in metres:
  PostGIS measures it on the WGS 84 spheroid (``geography``); the GeoPackage
  backend measures it in the site's metric CRS (EPSG:32642 for PSM), whose
  scale error on the site is below 0.01 % (UTM scale factor 0.9996 to 1.0000
  that far from the central meridian).
* A feature without geometry satisfies no spatial predicate, nor its ``NOT``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely

from site_gis.crs import geometries_from_storage
from site_gis.schemas import FieldSpec

CompareOp = Literal["=", "<>", "<", "<=", ">", ">="]
SpatialOp = Literal[
    "intersects", "disjoint", "within", "contains", "equals", "touches", "overlaps", "crosses",
    "dwithin",
]  # fmt: skip
SPATIAL_OPS: tuple[str, ...] = SpatialOp.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Compare:
    """``field <op> value`` (``value`` of the field's type, never ``None``)."""

    field: FieldSpec
    op: CompareOp
    value: object


@dataclass(frozen=True, slots=True)
class Like:
    """``field LIKE pattern``: ``pattern`` as parts, each ``"%"``, ``"_"`` or literal text."""

    field: FieldSpec
    parts: tuple[str, ...]
    literal: tuple[bool, ...]

    @staticmethod
    def parse(field: FieldSpec, pattern: str) -> Like:
        """The parts of a CQL2 ``LIKE`` pattern (``\\`` escapes the next character)."""
        parts: list[str] = []
        literal: list[bool] = []
        chars = iter(pattern)
        for char in chars:
            if char == "\\":
                escaped = next(chars, "\\")
                parts.append(escaped)
                literal.append(True)
            elif char in "%_":
                parts.append(char)
                literal.append(False)
            else:
                parts.append(char)
                literal.append(True)
        return Like(field, tuple(parts), tuple(literal))


@dataclass(frozen=True, slots=True)
class In:
    """``field IN (values)`` (at least one value)."""

    field: FieldSpec
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """``low <= field <= high`` (``BETWEEN``; both ends given)."""

    field: FieldSpec
    low: object
    high: object


@dataclass(frozen=True, slots=True)
class IsNull:
    """``field IS NULL``."""

    field: FieldSpec


@dataclass(frozen=True, slots=True)
class Spatial:
    """``op(geometry, literal)``: ``wkb`` in EPSG:4326 lon/lat; ``distance_m`` for dwithin."""

    op: SpatialOp
    wkb: bytes
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class And:
    """Every part holds."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part holds."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold (and is not unknown)."""

    part: Expr


@dataclass(frozen=True, slots=True)
class Always:
    """A constant: ``TRUE`` or ``FALSE`` (a literal boolean, or a value no field can take)."""

    value: bool


Expr = Compare | Like | In | Range | IsNull | Spatial | And | Or | Not | Always


@dataclass(frozen=True, slots=True)
class SortKey:
    """Order by ``field``, ascending unless ``descending``; empty values always come last."""

    field: FieldSpec
    descending: bool = False


Sorting = Sequence[SortKey]


def spatial_nodes(expr: Expr) -> Iterator[Spatial]:
    """Every :class:`Spatial` node of ``expr``, depth first."""
    if isinstance(expr, Spatial):
        yield expr
    elif isinstance(expr, And | Or):
        for part in expr.parts:
            yield from spatial_nodes(part)
    elif isinstance(expr, Not):
        yield from spatial_nodes(expr.part)


_METRES_PER_DEGREE_LAT = 110_574.0
"""Shortest length of a degree of latitude on WGS 84 (at the equator), m."""
_METRES_PER_DEGREE_LON = 111_320.0
"""Length of a degree of longitude at the equator on WGS 84, m (times cos(latitude) elsewhere)."""


def search_box(node: Spatial) -> tuple[float, float, float, float] | None:
    """A lon/lat box holding every geometry that may satisfy ``node`` (``None``: any may).

    Every predicate but ``disjoint`` needs the geometries to meet, so their
    envelopes meet the literal's; for ``dwithin`` the literal's envelope is
    grown by the distance, in degrees at the box's most poleward latitude, with
    a 5 % margin (an index prefilter: the exact test comes after).
    """
    if node.op == "disjoint":
        return None
    west, south, east, north = shapely.from_wkb(node.wkb).bounds
    if node.op == "dwithin":
        reach = 1.05 * float(node.distance_m or 0.0)
        dlat = reach / _METRES_PER_DEGREE_LAT
        pole = min(89.0, max(abs(south), abs(north)) + dlat)
        dlon = reach / (_METRES_PER_DEGREE_LON * math.cos(math.radians(pole)))
        west, south, east, north = west - dlon, south - dlat, east + dlon, north + dlat
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


def spatial_mask(
    node: Spatial, shapes: npt.NDArray[np.object_], metric_epsg: int
) -> npt.NDArray[np.bool_]:
    """Which of ``shapes`` (EPSG:4326 lon/lat) satisfy ``node``; ``None`` shapes never do.

    ``dwithin`` is decided in ``EPSG:<metric_epsg>`` (metres), the others in lon/lat.
    """
    literal = shapely.from_wkb(node.wkb)
    present = ~shapely.is_missing(shapes)
    if node.op == "dwithin":
        projected = geometries_from_storage(shapes, metric_epsg)
        target = geometries_from_storage(np.array([literal], dtype=object), metric_epsg)[0]
        hit = shapely.dwithin(projected, target, float(node.distance_m or 0.0))
    else:
        # shapely's predicates have the same names as CQL2's (S_WITHIN: feature within literal)
        hit = getattr(shapely, node.op)(shapes, literal)
    return np.asarray(hit, dtype=bool) & present


__all__ = [
    "SPATIAL_OPS",
    "Always",
    "And",
    "Compare",
    "CompareOp",
    "Expr",
    "In",
    "IsNull",
    "Like",
    "Not",
    "Or",
    "Range",
    "SortKey",
    "Sorting",
    "Spatial",
    "SpatialOp",
    "search_box",
    "spatial_mask",
    "spatial_nodes",
]
