"""Check frames against their layer schemas, reporting every problem at once.

:func:`check_layer` coerces a frame read from any source (GeoJSON, CSV,
GeoPackage, a database) to the schema's canonical dtypes and lists what is
wrong with it; :func:`validate_site` does that for a set of layers, adds the
checks across layers (foreign keys) and raises one
:class:`~site_gis.errors.LayerValidationError` naming every bad row and field.
:func:`site_extent_problems` lists the features of a layer that lie outside the
site's region or have latitude and longitude swapped (every store write runs it).

Canonical dtypes: ``str`` and ``date`` (ISO ``YYYY-MM-DD`` text) as pandas
strings, ``int`` as nullable ``Int64``, ``float`` as ``float64``, ``bool`` as
``bool`` (nullable ``boolean`` where the field is optional).

Text holds no control characters: no value may contain a Unicode control
character (general category Cc: U+0000-U+001F, U+007F-U+009F, so NUL and DEL
among them) or a lone surrogate, except that free text (a field marked
``multiline``: descriptions, notes) may hold tab, line feed and carriage
return.  Identifiers, codes, names, units and URLs hold none at all.  A NUL
would otherwise be cut off by GDAL on a GeoPackage write (``R-01<NUL>x``
stored as a second ``R-01``) and refused by PostgreSQL; every write passes
:func:`check_layer`, so the rule holds on every store and every path in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from site_gis.crs import STORAGE_CRS, same_crs
from site_gis.errors import LayerValidationError, Problem, StoreCorruptError
from site_gis.schemas import CATALOGUE, FieldSpec, LayerSchema
from site_gis.site import REGION_RADIUS_M, SiteInfo, place_near_site

MAX_PROBLEMS = 1000
"""Problems kept per layer; the total is still counted and reported."""

_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}

Frame: TypeAlias = pd.DataFrame
"""A layer: a GeoDataFrame for spatial layers, a DataFrame for tables."""

_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL_IN_PROSE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # tab, LF and CR allowed
_CONTROL_RE = re.compile(_CONTROL + "|[\ud800-\udfff]")
_CONTROL_IN_PROSE_RE = re.compile(_CONTROL_IN_PROSE + "|[\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character or lone surrogate in ``text`` as ``U+XXXX``, or ``None``.

    Parameters
    ----------
    text
        Any text.
    multiline
        Whether tab, line feed and carriage return are allowed (free text).
    """
    found = (_CONTROL_IN_PROSE_RE if multiline else _CONTROL_RE).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def control_characters(values: pd.Series, *, multiline: bool = False) -> np.ndarray:
    """Where ``values`` (text, missing allowed) hold a control character (a boolean mask).

    Vectorised: values of printable ASCII alone (nearly all) are passed by
    pyarrow at once, only the rest is searched by regular expression (1.6 million
    rows of 17 columns: 0.3 s instead of 3 s); lone surrogates, which only an
    ``object`` column can hold, are found too.
    """
    text = _as_string(values)
    suspect = pc.invert(pc.fill_null(pc.ascii_is_printable(pa.array(text)), True))
    positions = np.flatnonzero(np.asarray(suspect, dtype=bool))
    found = np.zeros(len(text), dtype=bool)
    if len(positions):
        pattern = _CONTROL_IN_PROSE if multiline else _CONTROL
        searched = text.iloc[positions].str.contains(pattern, regex=True)
        found[positions] = searched.fillna(False).to_numpy(bool)
    return found


def control_reason(*, multiline: bool) -> str:
    """Why a value with a control character is refused, for a :class:`Problem`."""
    if multiline:
        return (
            "contains a control character or a lone surrogate (of those, this text may hold "
            "only tab, line feed and carriage return)"
        )
    return "contains a control character or a lone surrogate (none is allowed in this field)"


def _as_string(values: pd.Series) -> pd.Series:
    """``values`` as pandas strings; a lone surrogate (not UTF-8 text) becomes a NUL."""
    try:
        return values.astype("string")
    except UnicodeEncodeError:  # only an object column can hold one
        marked = values.map(lambda v: _LONE_SURROGATE.sub("\x00", v) if isinstance(v, str) else v)
        return marked.astype("string")


def check_layer(frame: Frame, schema: LayerSchema) -> tuple[Frame, list[Problem]]:
    """Coerce ``frame`` to ``schema`` and list its problems.

    Parameters
    ----------
    frame
        A GeoDataFrame in EPSG:4326 for spatial layers, a DataFrame for tables.
    schema
        The layer's schema.

    Returns
    -------
    tuple
        The coerced frame (columns in schema order) and the problems found;
        the frame is only meaningful when the list is empty.
    """
    problems = _Problems(schema.name)
    ids = _row_labels(frame, schema)
    present = list(frame.columns)
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for name in present:
        if name != geometry_name and name not in schema.field_names:
            problems.add(
                None,
                name,
                None,
                f"unexpected field; {schema.name} has: {', '.join(schema.field_names)}",
            )
    out: dict[str, Any] = {}
    for spec in schema.fields:
        if spec.name not in frame.columns:
            problems.add(None, spec.name, None, "required field is missing")
            continue
        out[spec.name] = _check_field(frame[spec.name], spec, ids, problems)
    if schema.is_table:
        if geometry_name is not None:
            problems.add(None, "geometry", None, "a table layer must not have geometry")
        coerced: Frame = pd.DataFrame(out, index=frame.index)
    else:
        if not isinstance(frame, gpd.GeoDataFrame):
            problems.add(None, "geometry", None, "layer has no geometry column")
            return frame, problems.finish()
        _check_geometry(frame, schema, ids, problems)
        coerced = gpd.GeoDataFrame(
            out, geometry=frame.geometry.values, crs=frame.crs, index=frame.index
        )
    if not problems.items:
        for rule in _RULES.get(schema.name, ()):
            rule(coerced, ids, problems)
    coerced = coerced.reset_index(drop=True)
    return coerced, problems.finish()


def validate_site(frames: Mapping[str, Frame]) -> dict[str, Frame]:
    """Validate a set of layers and the references between them.

    Parameters
    ----------
    frames
        Layers by canonical name (see :data:`site_gis.schemas.CATALOGUE`).

    Returns
    -------
    dict
        The coerced layers, by name.

    Raises
    ------
    LayerValidationError
        Listing every problem in every layer.
    """
    problems: list[Problem] = []
    coerced: dict[str, Frame] = {}
    for name, frame in frames.items():
        if name not in CATALOGUE:
            problems.append(
                Problem(name, None, None, None, f"unknown layer; known: {', '.join(CATALOGUE)}")
            )
            continue
        coerced[name], found = check_layer(frame, CATALOGUE[name])
        problems.extend(found)
    if not problems:
        problems.extend(_check_foreign_keys(coerced))
    if problems:
        raise LayerValidationError(problems, summary=f"{len(problems)} problem(s) in the layers")
    return coerced


def site_extent_problems(
    frame: Frame, schema: LayerSchema, site: SiteInfo, *, radius_m: float = REGION_RADIUS_M
) -> list[Problem]:
    """Features of ``frame`` whose representative point lies outside the site's region.

    Parameters
    ----------
    frame
        A layer in EPSG:4326 (lon/lat degrees); a table, or a frame without
        geometry, has nothing to check.
    schema
        The layer's schema (rows are named by its identifier field).
    site
        The site whose centre the distances are measured from.
    radius_m
        Radius of the site's region, metres (geodesic on WGS 84).

    Returns
    -------
    list
        One problem per such feature, on its ``geometry`` field: "latitude and
        longitude look swapped" where exchanging them brings the point within
        the region, else how many km from the site it is.  Features without a
        usable lon/lat geometry are left to :func:`check_layer`, which names them.
    """
    if schema.is_table or not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
        return []
    geoms = frame.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        usable = (
            ~shapely.is_missing(geoms)
            & ~shapely.is_empty(geoms)
            & np.isfinite(bounds).all(axis=1)
            & (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1)
            & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1)
        )
    if not usable.any():
        return []
    points = shapely.point_on_surface(geoms[usable])
    x, y = shapely.get_x(points), shapely.get_y(points)
    placed = place_near_site(site, x, y, radius_m=radius_m)
    if not placed.far.any():
        return []
    ids = _row_labels(frame, schema)[usable]
    problems = _Problems(schema.name)
    far = np.flatnonzero(placed.far)
    problems.dropped = max(0, len(far) - MAX_PROBLEMS)
    for i in far[:MAX_PROBLEMS]:
        reason = (
            "latitude and longitude look swapped (GeoJSON is lon, lat)"
            if placed.swapped[i]
            else f"{placed.distance_m[i] / 1000:,.0f} km from {site.name}; "
            "is this the right site and CRS?"
        )
        problems.add(ids[i], "geometry", [round(float(x[i]), 6), round(float(y[i]), 6)], reason)
    return problems.finish()


class _Problems:
    """Collects problems of one layer, keeping the first :data:`MAX_PROBLEMS`."""

    def __init__(self, layer: str) -> None:
        self.layer = layer
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, row: Any, field: str | None, value: Any, reason: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.layer, row, field, value, reason))
        else:
            self.dropped += 1

    def add_rows(
        self, mask: np.ndarray, ids: np.ndarray, values: Any, field: str, reason: str
    ) -> None:
        """Add one problem per row where ``mask`` is true (values are looked up lazily)."""
        positions = np.flatnonzero(mask)
        room = max(0, MAX_PROBLEMS - len(self.items))
        for pos in positions[:room]:
            self.add(ids[pos], field, _value_at(values, pos), reason)
        self.dropped += max(0, len(positions) - room)

    def finish(self) -> list[Problem]:
        """The kept problems, plus one line saying how many more were not listed."""
        if self.dropped:
            more = f"{self.dropped} more problem(s) not listed"
            return [*self.items, Problem(self.layer, None, None, None, more)]
        return self.items


def _value_at(values: Any, pos: int) -> Any:
    if isinstance(values, pd.Series):
        return values.iloc[pos]
    return values[pos]


def _row_labels(frame: Frame, schema: LayerSchema) -> np.ndarray:
    """Label rows by the layer's id where usable, else by 0-based position."""
    positions = np.arange(len(frame))
    if schema.id_field in frame.columns:
        ids = frame[schema.id_field].astype(object).to_numpy()
        missing = pd.isna(ids)
        return np.where(missing, positions, ids).astype(object)
    return positions.astype(object)


def _check_field(
    column: pd.Series, spec: FieldSpec, ids: np.ndarray, problems: _Problems
) -> pd.Series:
    text = _as_text(column)
    empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
    if spec.required and empty.any():
        problems.add_rows(empty, ids, column, spec.name, "value is required")
    control = control_characters(text, multiline=spec.multiline)
    if control.any():
        problems.add_rows(control, ids, column, spec.name, control_reason(multiline=spec.multiline))
    missing = empty | control  # the checks below skip both
    if spec.kind in ("int", "float"):
        return _check_number(column, text, missing, spec, ids, problems)
    if spec.kind == "bool":
        return _check_bool(column, text, missing, spec, ids, problems)
    if spec.kind == "date":
        dates = pd.to_datetime(text.where(~missing), format="%Y-%m-%d", errors="coerce")
        shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
        bad = ~missing & (dates.isna().to_numpy() | ~shaped)
        problems.add_rows(bad, ids, column, spec.name, "not a date in YYYY-MM-DD form")
    if spec.choices is not None:
        bad = ~missing & ~text.isin(spec.choices).to_numpy()
        problems.add_rows(
            bad, ids, column, spec.name, f"not one of the allowed values: {', '.join(spec.choices)}"
        )
    if spec.unique:
        dup = ~missing & text.duplicated(keep="first").to_numpy()
        problems.add_rows(dup, ids, column, spec.name, "duplicate identifier")
    return text.where(~missing).astype("str")


def _as_text(column: pd.Series) -> pd.Series:
    """Values as stripped strings (missing stays missing); dates as YYYY-MM-DD."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").astype("string")
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.astype("string")
    return _as_string(column).str.strip()


_MAX_EXACT_INT = 2.0**53
"""Whole numbers beyond this cannot be held exactly (they arrive as floats)."""


def _check_number(
    column: pd.Series,
    text: pd.Series,
    missing: np.ndarray,
    spec: FieldSpec,
    ids: np.ndarray,
    problems: _Problems,
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.astype("float64")
    else:
        values = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
    finite = values.to_numpy()
    bad = ~missing & np.isnan(finite)
    problems.add_rows(bad, ids, column, spec.name, f"not a number (expected {spec.kind})")
    with np.errstate(invalid="ignore"):
        inf = ~missing & ~bad & ~np.isfinite(finite)
        problems.add_rows(inf, ids, column, spec.name, "not a finite number")
        huge = np.zeros(len(finite), dtype=bool)
        if spec.kind == "int":
            frac = ~missing & ~bad & ~inf & (np.mod(finite, 1) != 0)
            problems.add_rows(frac, ids, column, spec.name, "not a whole number")
            huge = ~missing & ~bad & ~inf & (np.abs(finite) > _MAX_EXACT_INT)
            problems.add_rows(huge, ids, column, spec.name, "too large for a whole number")
        if spec.minimum is not None:
            low = finite < spec.minimum
            problems.add_rows(low, ids, column, spec.name, f"below the minimum {spec.minimum:g}")
        if spec.maximum is not None:
            high = finite > spec.maximum
            problems.add_rows(high, ids, column, spec.name, f"above the maximum {spec.maximum:g}")
    if spec.kind == "int":
        return values.where(np.isfinite(finite) & ~huge).round().astype("Int64")
    return values


def _check_bool(
    column: pd.Series,
    text: pd.Series,
    missing: np.ndarray,
    spec: FieldSpec,
    ids: np.ndarray,
    problems: _Problems,
) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        parsed = column.astype("boolean")
    else:
        lower = text.str.lower()
        parsed = pd.Series(pd.NA, index=column.index, dtype="boolean")
        parsed[lower.isin(_TRUE).to_numpy(dtype=bool)] = True
        parsed[lower.isin(_FALSE).to_numpy(dtype=bool)] = False
        bad = ~missing & parsed.isna().to_numpy()
        problems.add_rows(bad, ids, column, spec.name, "not a boolean (true/false)")
    return parsed.astype(bool) if spec.required and not parsed.isna().any() else parsed


def _check_geometry(
    frame: gpd.GeoDataFrame, schema: LayerSchema, ids: np.ndarray, problems: _Problems
) -> None:
    if frame.crs is None:
        problems.add(None, "geometry", None, "layer has no CRS; expected EPSG:4326")
    elif not same_crs(frame.crs, STORAGE_CRS, ignore_axis_order=True):
        problems.add(
            None,
            "geometry",
            str(frame.crs),
            "layer is not in EPSG:4326 (lon/lat); reproject it before loading",
        )
        return
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms)
    problems.add_rows(missing, ids, geoms, "geometry", "geometry is missing")
    present = ~missing
    empty = present & shapely.is_empty(geoms)
    problems.add_rows(empty, ids, geoms, "geometry", "geometry is empty")
    types = np.asarray(shapely.get_type_id(geoms))
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], None)
    wrong = present & ~np.isin(type_names, schema.geometry_types)
    problems.add_rows(
        wrong,
        ids,
        type_names,
        "geometry",
        f"geometry type must be {' or '.join(schema.geometry_types)}",
    )
    usable = present & ~empty & ~wrong
    invalid = usable & ~shapely.is_valid(geoms)
    for pos in np.flatnonzero(invalid):
        problems.add(
            ids[pos], "geometry", None, f"invalid geometry: {shapely.is_valid_reason(geoms[pos])}"
        )
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = usable & (
            ~np.isfinite(bounds).all(axis=1)
            | (bounds[:, 0] < -180)
            | (bounds[:, 2] > 180)
            | (bounds[:, 1] < -90)
            | (bounds[:, 3] > 90)
        )
    problems.add_rows(
        outside,
        ids,
        [str(b) for b in bounds.tolist()],
        "geometry",
        "coordinates are not longitude/latitude in degrees",
    )


def _check_foreign_keys(frames: Mapping[str, Frame]) -> list[Problem]:
    problems: list[Problem] = []
    for name, frame in frames.items():
        for fk in CATALOGUE[name].foreign_keys:
            target = frames.get(fk.target_layer)
            if target is None:
                problems.append(
                    Problem(
                        name,
                        None,
                        fk.field,
                        None,
                        f"refers to layer {fk.target_layer!r}, which is missing",
                    )
                )
                continue
            found = _Problems(name)
            values = frame[fk.field]
            dangling = (values.notna() & ~values.isin(target[fk.target_field])).to_numpy()
            found.add_rows(
                dangling,
                _row_labels(frame, CATALOGUE[name]),
                values.to_numpy(),
                fk.field,
                f"no such {fk.target_field} in {fk.target_layer}",
            )
            problems.extend(found.finish())
    return problems


def _rule_results(frame: Frame, ids: np.ndarray, problems: _Problems) -> None:
    top, bottom = frame["depth_top_m"].to_numpy(), frame["depth_bottom_m"].to_numpy()
    problems.add_rows(
        bottom < top, ids, bottom, "depth_bottom_m", "bottom of the interval is above its top"
    )
    detected = frame["detected"].to_numpy(dtype=bool)
    value_missing = frame["value"].isna().to_numpy()
    problems.add_rows(
        detected & value_missing, ids, frame["value"], "value", "a detected result needs a value"
    )
    problems.add_rows(
        ~detected & ~value_missing,
        ids,
        frame["value"],
        "value",
        "a non-detect has no value; give its detection_limit instead",
    )
    problems.add_rows(
        ~detected & frame["detection_limit"].isna().to_numpy(),
        ids,
        frame["detection_limit"],
        "detection_limit",
        "a non-detect needs its detection limit",
    )


def _rule_encroachments(frame: Frame, ids: np.ndarray, problems: _Problems) -> None:
    parts = frame["structures_katcha"] + frame["structures_semi_pucca"] + frame["structures_pucca"]
    bad = (parts != frame["structures_total"]).fillna(False).to_numpy(dtype=bool)
    problems.add_rows(
        bad,
        ids,
        frame["structures_total"],
        "structures_total",
        "does not equal katcha + semi_pucca + pucca",
    )


_RULES: dict[str, tuple[Callable[[Frame, np.ndarray, _Problems], None], ...]] = {
    "results": (_rule_results,),
    "encroachments": (_rule_encroachments,),
}


def conform(frame: Frame, schema: LayerSchema) -> Frame:
    """Give a frame read from a store the schema's canonical dtypes.

    Unlike :func:`check_layer` this checks only that required fields are
    filled (a store edited by hand may break that); it fixes dtypes that a
    storage format loses (integers read back as floats, booleans as 0/1).

    Raises
    ------
    StoreCorruptError
        If a required field has empty values.
    """
    for spec in schema.fields:
        if spec.name not in frame.columns:
            continue
        if spec.required and frame[spec.name].isna().any():
            raise StoreCorruptError(
                f"layer {schema.name!r}: required field {spec.name!r} has empty values in the "
                "store (edited outside site-gis?); correct them or rebuild the store"
            )
        target: Any = _CANONICAL[spec.kind] if spec.kind != "bool" or spec.required else "boolean"
        if str(frame[spec.name].dtype) != target:
            frame[spec.name] = frame[spec.name].astype(target)
    return frame


_CANONICAL = {"int": "Int64", "float": "float64", "bool": "bool", "str": "str", "date": "str"}
