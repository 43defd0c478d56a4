"""OGC API - Features Part 3 filters: CQL2 text and JSON into a store filter tree.

The ``filter`` parameter holds a CQL2 expression (OGC 21-065r2), in the text
encoding (``filter-lang=cql2-text``, the default) or the JSON encoding
(``cql2-json``); ``filter-crs`` names the CRS of its geometry literals
(CRS84 by default, or EPSG:4326 latitude first, or the site's metric CRS).
The expression is parsed and checked against the CQL2 grammar and JSON schema
by the ``cql2`` library, then translated here into
:mod:`site_gis.store.filters`, whose trees the stores turn into SQL with
every value bound as a parameter.

What is accepted
----------------
* ``AND``, ``OR``, ``NOT``; ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=`` between a
  property and a literal; ``LIKE`` (case-sensitive, ``%``, ``_``, ``\\`` escape),
  ``IN``, ``BETWEEN``, ``IS [NOT] NULL``; ``TRUE``/``FALSE``.
* ``S_INTERSECTS``, ``S_DISJOINT``, ``S_WITHIN``, ``S_CONTAINS``, ``S_EQUALS``,
  ``S_TOUCHES``, ``S_OVERLAPS``, ``S_CROSSES`` of the layer's ``geometry`` and a
  literal (any GeoJSON / WKT geometry or ``BBOX``); ``S_DWITHIN(geometry,
  literal, distance)`` with the distance in metres (an optional fourth argument
  may say ``meters``), an extension that CQL2 1.0 does not define.
* ``T_INTERSECTS``, ``T_DURING``, ``T_BEFORE``, ``T_AFTER`` of a date property
  and a ``DATE``, ``TIMESTAMP`` or ``INTERVAL`` (``'..'`` an open end), on the
  definitions of CQL2 for an instant ``t`` and an interval ``[a, b]``:
  intersects ``a <= t <= b``, during ``a < t < b``, before ``t < a``, after
  ``t > b``.  Stored dates are days, so a timestamp is taken as its day.

Property names are looked up in the queryables the caller may see (household
fields only for a planner); any other name, a household field asked for by
anyone else included, is the same 400, so a filter cannot tell that a hidden
field exists.  Names are never written into SQL: the tree holds the schema's
field specs.

Limits (each a 400 naming it)
-----------------------------
:data:`MAX_FILTER_CHARS` characters of filter text, :data:`MAX_NODES`
nodes, :data:`MAX_DEPTH` levels of nesting (parentheses in the text, and
of the tree; chains of ``AND`` or ``OR`` count as one level), :data:`MAX_UNARY`
prefix operators in a row, :data:`MAX_TEXT_CHARS` characters per text
literal, :data:`MAX_LIST` values per ``IN`` list, :data:`MAX_SPATIAL` spatial
predicates (each may test every geometry of the layer), :data:`MAX_VERTICES`
coordinates per geometry literal, and ``S_DWITHIN`` distances of 0 to
:data:`MAX_DISTANCE_M` metres.  The text limits are checked before the text
reaches the parser (a native one, which would exhaust its stack on input
nested some thousands deep).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import cql2
import numpy as np
import orjson
import shapely
import shapely.geometry
from pyproj import CRS, Transformer

from site_gis.errors import InvalidRequestError
from site_gis.schemas import FieldSpec, LayerSchema
from site_gis.store.filters import (
    Always,
    And,
    Compare,
    CompareOp,
    Expr,
    In,
    IsNull,
    Like,
    Not,
    Or,
    Range,
    SortKey,
    Spatial,
    SpatialOp,
)
from site_gis.validation import control_character

MAX_FILTER_CHARS = 8_192
MAX_NODES = 256
MAX_DEPTH = 16
MAX_UNARY = 4
MAX_TEXT_CHARS = 1_000
MAX_LIST = 500
MAX_VERTICES = 10_000
MAX_DISTANCE_M = 100_000.0
MAX_SPATIAL = 8
"""Most spatial predicates in one filter (each may test every geometry of the layer)."""
MAX_SORT_KEYS = 5
GEOMETRY = "geometry"
"""The name of every layer's geometry in filters and queryables."""
FILTER_LANGS = ("cql2-text", "cql2-json")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]
"""The Part 3 and CQL2 classes implemented.  Not claimed: temporal-functions (only
four of its operators), array-functions, property-property, functions, arithmetic,
case- and accent-insensitive comparison."""

_COMPARISONS: dict[str, CompareOp] = {
    "=": "=",
    "<>": "<>",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_FLIPPED: dict[CompareOp, CompareOp] = {
    "=": "=",
    "<>": "<>",
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
}
_SPATIAL: dict[str, SpatialOp] = {
    "s_intersects": "intersects",
    "s_disjoint": "disjoint",
    "s_within": "within",
    "s_contains": "contains",
    "s_equals": "equals",
    "s_touches": "touches",
    "s_overlaps": "overlaps",
    "s_crosses": "crosses",
    "s_dwithin": "dwithin",
}
_SPATIAL_FLIPPED: dict[SpatialOp, SpatialOp] = {"within": "contains", "contains": "within"}
_TEMPORAL = ("t_intersects", "t_during", "t_before", "t_after")
_METRES = ("meters", "metres", "m")
_TOKENS = re.compile(r"'(?:[^']|'')*'?|\"[^\"]*\"?|\w+|\S")


def parse_filter(
    text: str,
    lang: str | None,
    crs_epsg: int | None,
    schema: LayerSchema,
    visible: Sequence[str],
) -> Expr:
    """The store filter tree of a ``filter`` parameter.

    Parameters
    ----------
    text
        The CQL2 expression.
    lang
        ``filter-lang``: ``cql2-text`` (default) or ``cql2-json``.
    crs_epsg
        EPSG code of ``filter-crs`` (``None``: CRS84 lon/lat; 4326 is lat/lon).
    schema
        The layer.
    visible
        The fields the caller may see (the queryables offered to it).

    Raises
    ------
    InvalidRequestError
        For a filter that does not parse, breaks a limit, names a property that
        is not queryable, or compares a property with a literal of another type.
    """
    lang = lang or "cql2-text"
    if lang not in FILTER_LANGS:
        raise InvalidRequestError(
            f"filter-lang {lang[:40]!r} is not supported; use {' or '.join(FILTER_LANGS)}"
        )
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidRequestError(
            f"filter: {len(text)} characters is more than the limit of {MAX_FILTER_CHARS}"
        )
    try:
        if lang == "cql2-text":
            _check_text(text)
            parsed = cql2.parse_text(text)
        else:
            _check_json(text)
            parsed = cql2.parse_json(text)
        parsed.validate()
        tree = parsed.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        raise InvalidRequestError(
            f"filter is not valid {lang}: {_parse_problem(exc, text, lang)}"
        ) from exc
    _check_size(tree)
    return _Compiler(schema, visible, crs_epsg).expr(tree, 0)


_GRAMMAR_NAMES = {
    "Identifier": "a property name",
    "DECIMAL": "a number",
    "Double": "a number",
    "SingleQuotedString": "a 'quoted' text",
    "True": "TRUE",
    "False": "FALSE",
    "Null": "NULL",
    "GEOMETRY": "a geometry (WKT)",
    "Array": "a list",
    "ExpressionInParentheses": "a (parenthesised) expression",
    "Negative": "a minus sign",
    "UnaryNot": "NOT",
    "NotFlag": "NOT",
    "EOI": "the end of the filter",
    "And": "AND",
    "Or": "OR",
    **dict.fromkeys(
        ("Add", "Subtract", "Multiply", "Divide", "Modulo", "Power"), "an arithmetic operator"
    ),
    **dict.fromkeys(
        ("Eq", "Gt", "GtEq", "Lt", "LtEq", "NotEq"), "a comparison (=, <>, <, <=, >, >=)"
    ),
    "IsNullPostfix": "IS NULL",
}
"""Human names for the grammar rules the parser says it expected."""

_EXAMPLE = {
    "cql2-text": "for example: analyte = 'Lead' AND value > 400",
    "cql2-json": 'for example: {"op": ">", "args": [{"property": "value"}, 400]}',
}


def _parse_problem(exc: Exception, text: str, lang: str) -> str:
    """Where a filter failed to parse and what was expected there, in words.

    The parser reports ``--> line:column`` and ``= expected Rule, Rule, ...``;
    that becomes "at character 8, after 'lead >': expected a property name,
    a number, ...".  Other errors (the JSON schema's) keep their first line.
    """
    message = str(exc).strip()
    example = _EXAMPLE.get(lang, _EXAMPLE["cql2-text"])
    where = re.search(r"-->\s*(\d+):(\d+)", message)
    expected = re.search(r"=\s*expected (.+)", message)
    if where is None:
        first = message.splitlines()[0][:200] if message else "it could not be read"
        return f"{first} ({example})"
    line, column = int(where.group(1)), int(where.group(2))
    lines = text.splitlines() or [""]
    before = lines[min(line, len(lines)) - 1][: column - 1].rstrip()[-40:]
    place = f"at character {column}" + (f", after {before!r}" if before else "")
    if line > 1:
        place = f"on line {line} " + place
    if expected is None:
        return f"{place} ({example})"
    names: list[str] = []
    for rule in re.split(r",\s*(?:or\s+)?|\s+or\s+", expected.group(1).strip()):
        name = _GRAMMAR_NAMES.get(rule.strip(), rule.strip())
        if name and name not in names:
            names.append(name)
    wanted = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]
    return f"{place}: expected {wanted} ({example})"


def _check_text(text: str) -> None:
    """Refuse text nested deeper, or with longer runs of prefix operators, than the limits."""
    depth = unary = 0
    for lexeme in _TOKENS.findall(text):
        if lexeme == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidRequestError(f"filter: nested deeper than {MAX_DEPTH} parentheses")
        elif lexeme == ")":
            depth -= 1
        unary = unary + 1 if lexeme.upper() == "NOT" or lexeme in ("-", "+") else 0
        if unary > MAX_UNARY:
            raise InvalidRequestError(f"filter: more than {MAX_UNARY} prefix operators in a row")


def _check_json(text: str) -> None:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(f"filter is not JSON: {str(exc)[:120]}") from exc
    _check_size(document)


def _check_size(document: object) -> None:
    """At most :data:`MAX_NODES` objects and lists (coordinates aside), nested at most 64 deep."""
    stack: list[tuple[object, int, bool]] = [(document, 0, False)]
    nodes = 0
    while stack:
        value, depth, in_coordinates = stack.pop()
        if isinstance(value, dict):
            children: list[tuple[object, bool]] = [
                (child, in_coordinates or key == "coordinates") for key, child in value.items()
            ]
        elif isinstance(value, list):
            children = [(child, in_coordinates) for child in value]
        else:
            continue
        if not in_coordinates:
            nodes += 1
        if nodes > MAX_NODES:
            raise InvalidRequestError(f"filter: more than {MAX_NODES} nodes")
        if depth > 4 * MAX_DEPTH:
            raise InvalidRequestError(f"filter: nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1, inside) for child, inside in children)


class _Compiler:
    """CQL2-JSON (as the ``cql2`` library writes it) to a filter tree, checking every name."""

    def __init__(self, schema: LayerSchema, visible: Sequence[str], crs_epsg: int | None) -> None:
        self.schema = schema
        self.visible = tuple(visible)
        self.crs_epsg = crs_epsg
        self.spatial_count = 0

    # -- structure --------------------------------------------------------------

    def expr(self, node: Any, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise InvalidRequestError(f"filter: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, bool):
            return Always(node)
        if not isinstance(node, dict) or "op" not in node:
            raise InvalidRequestError(f"filter: {_show(node)} is not a condition")
        op = str(node["op"]).lower()
        args = node.get("args") or []
        if op in ("and", "or"):
            parts = [self.expr(part, depth + 1) for part in self._chain(op, args)]
            return And(tuple(parts)) if op == "and" else Or(tuple(parts))
        if op == "not":
            return Not(self.expr(self._args(op, args, 1)[0], depth + 1))
        if op in _COMPARISONS:
            return self.comparison(_COMPARISONS[op], self._args(op, args, 2))
        if op == "like":
            spec, pattern = self._property_and(op, self._args(op, args, 2))
            if spec.kind not in ("str", "date") or not isinstance(pattern, str):
                raise InvalidRequestError("filter: LIKE needs a text property and a text pattern")
            return Like.parse(spec, self._text(pattern))
        if op == "in":
            spec, values = self._property_and(op, self._args(op, args, 2))
            if not isinstance(values, list) or not 1 <= len(values) <= MAX_LIST:
                raise InvalidRequestError(f"filter: IN needs a list of 1 to {MAX_LIST} values")
            return In(spec, tuple(dict.fromkeys(self.literal(spec, v) for v in values)))
        if op == "between":
            low_high = self._args(op, args, 3)
            spec = self.property(low_high[0])
            if spec.kind not in ("int", "float", "date"):
                raise InvalidRequestError("filter: BETWEEN needs a number or date property")
            low, high = (self.literal(spec, v) for v in low_high[1:])
            return Range(spec, low, high)
        if op == "isnull":
            argument = self._args(op, args, 1)[0]
            if isinstance(argument, dict) and argument.get("property") == GEOMETRY:
                raise InvalidRequestError(
                    "filter: geometry IS NULL is not supported (every feature has a geometry)"
                )
            return IsNull(self.property(argument))
        if op in _SPATIAL:
            return self.spatial(_SPATIAL[op], args)
        if op in _TEMPORAL:
            return self.temporal(op, args)
        raise InvalidRequestError(
            f"filter: the operator or function {op[:40]!r} is not supported "
            "(see /conformance and the README for what is)"
        )

    def _chain(self, op: str, args: list[Any]) -> list[Any]:
        """The operands of a chain of the same ``and``/``or`` (nested ones flattened)."""
        flat: list[Any] = []
        stack = list(reversed(args))
        while stack:
            item = stack.pop()
            if isinstance(item, dict) and str(item.get("op", "")).lower() == op:
                stack.extend(reversed(item.get("args") or []))
            else:
                flat.append(item)
        return flat

    @staticmethod
    def _args(op: str, args: Any, count: int) -> list[Any]:
        if not isinstance(args, list) or len(args) != count:
            raise InvalidRequestError(f"filter: {op} takes {count} argument(s)")
        return args

    # -- names and values -------------------------------------------------------

    def property(self, node: Any) -> FieldSpec:
        """The queryable field a ``{"property": name}`` names (400 for any other name)."""
        if not isinstance(node, dict) or set(node) != {"property"}:
            raise InvalidRequestError(f"filter: expected a property name, got {_show(node)}")
        name = str(node["property"])
        if name == GEOMETRY:
            raise InvalidRequestError(
                "filter: geometry can only be used in a spatial function (S_INTERSECTS, ...)"
            )
        if name not in self.visible:
            raise InvalidRequestError(
                f"filter: unknown property {name[:40]!r}; queryable: {', '.join(self.visible)}"
            )
        return self.schema.field(name)

    def _property_and(self, op: str, args: list[Any]) -> tuple[FieldSpec, Any]:
        return self.property(args[0]), args[1]

    def _text(self, text: str) -> str:
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidRequestError(
                f"filter: a text literal is longer than {MAX_TEXT_CHARS} characters"
            )
        found = control_character(text)
        if found is not None:
            raise InvalidRequestError(f"filter: a text literal holds the control character {found}")
        return text

    def literal(self, spec: FieldSpec, value: Any) -> object:
        """``value`` as a literal for ``spec``: of its type, or a 400 naming the property."""
        if spec.kind == "bool":
            if isinstance(value, bool):
                return value
        elif spec.kind in ("int", "float"):
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = float(value)
                if not math.isfinite(number):
                    raise InvalidRequestError(f"filter: {spec.name} compared with {value!r}")
                if spec.kind == "int" and number.is_integer() and abs(number) < 2**63:
                    return int(number)
                return number
        elif spec.kind == "date":
            day = _day(value)
            if day is not None:
                return day
        elif isinstance(value, str):
            return self._text(value)
        kinds = {
            "bool": "true or false",
            "int": "a number",
            "float": "a number",
            "date": "a DATE('YYYY-MM-DD') or TIMESTAMP",
            "str": "a quoted text",
        }
        raise InvalidRequestError(
            f"filter: {spec.name} must be compared with {kinds[spec.kind]}, not {_show(value)}"
        )

    # -- operators --------------------------------------------------------------

    def comparison(self, op: CompareOp, args: list[Any]) -> Expr:
        left, right = args
        for side in (left, right):
            if isinstance(side, dict) and "op" in side:
                raise InvalidRequestError(
                    f"filter: the function {str(side['op'])[:40]!r} is not supported; "
                    "compare a property with a literal"
                )
        if not (isinstance(left, dict) and "property" in left):
            if isinstance(right, dict) and "property" in right:
                left, right, op = right, left, _FLIPPED[op]
            else:
                raise InvalidRequestError("filter: a comparison needs a property on one side")
        if isinstance(right, dict) and "property" in right:
            raise InvalidRequestError("filter: comparing two properties is not supported")
        spec = self.property(left)
        if right is None:
            raise InvalidRequestError(f"filter: use {spec.name} IS NULL to find empty values")
        if spec.kind == "bool" and op not in ("=", "<>"):
            raise InvalidRequestError(f"filter: {spec.name} is true or false; use = or <>")
        return Compare(spec, op, self.literal(spec, right))

    def spatial(self, op: SpatialOp, args: list[Any]) -> Expr:
        self.spatial_count += 1
        if self.spatial_count > MAX_SPATIAL:
            raise InvalidRequestError(f"filter: more than {MAX_SPATIAL} spatial predicates")
        if op == "dwithin":
            if not isinstance(args, list) or len(args) not in (3, 4):
                raise InvalidRequestError(
                    "filter: S_DWITHIN takes a geometry, a literal and a distance in metres"
                )
            if len(args) == 4 and _unit(args[3]) not in _METRES:
                raise InvalidRequestError("filter: S_DWITHIN distances are in metres (meters)")
            distance = args[2]
            if (
                not isinstance(distance, int | float)
                or isinstance(distance, bool)
                or not 0 <= distance <= MAX_DISTANCE_M
            ):
                raise InvalidRequestError(
                    f"filter: the S_DWITHIN distance must be 0 to {MAX_DISTANCE_M:.0f} metres"
                )
            args = args[:2]
        else:
            distance = None
            args = self._args(f"S_{op.upper()}", args, 2)
        first, second = args
        if not _is_geometry_property(first):
            first, second = second, first
            op = _SPATIAL_FLIPPED.get(op, op)
        if not _is_geometry_property(first):
            if isinstance(first, dict) and "property" in first:
                self.property(first)  # the same 400 for an unknown name
            raise InvalidRequestError(
                f"filter: spatial functions compare {GEOMETRY!r} with a geometry literal"
            )
        if self.schema.is_table:
            raise InvalidRequestError(f"filter: layer {self.schema.name!r} has no geometry")
        shape = self.geometry(second)
        return Spatial(op, shapely.to_wkb(shape), None if distance is None else float(distance))

    def geometry(self, node: Any) -> shapely.Geometry:
        """A geometry literal in EPSG:4326 lon/lat, from ``filter-crs``."""
        try:
            if isinstance(node, dict) and "bbox" in node:
                values = [float(v) for v in node["bbox"]]
                if len(values) == 6:
                    values = [values[0], values[1], values[3], values[4]]
                if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
                    raise ValueError("a BBOX is minx, miny, maxx, maxy with min <= max")
                shape = shapely.box(*values)
            elif isinstance(node, dict) and "type" in node:
                shape = shapely.geometry.shape(node)
            else:
                raise ValueError(f"{_show(node)} is not a geometry")
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise InvalidRequestError(f"filter: bad geometry literal: {exc}"[:200]) from exc
        if shapely.get_num_coordinates(shape) > MAX_VERTICES:
            raise InvalidRequestError(f"filter: a geometry has more than {MAX_VERTICES} vertices")
        coords = shapely.get_coordinates(shape)
        if shape.is_empty or not all(math.isfinite(c) for c in coords.ravel()):
            raise InvalidRequestError("filter: a geometry literal is empty or not finite")
        if self.crs_epsg is not None:
            transformer = _to_crs84(self.crs_epsg)
            shape = shapely.transform(shape, lambda xy: _pairs(transformer.transform(*xy.T)))
        west, south, east, north = shape.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise InvalidRequestError(
                "filter: a geometry literal lies outside longitude ±180, latitude ±90 "
                "(is filter-crs right?)"
            )
        if not shape.is_valid:
            raise InvalidRequestError(
                f"filter: the geometry literal is not valid ({shapely.is_valid_reason(shape)})"
            )
        return shape

    def temporal(self, op: str, args: list[Any]) -> Expr:
        first, second = self._args(op.upper(), args, 2)
        if not (isinstance(first, dict) and "property" in first):
            raise InvalidRequestError(f"filter: {op.upper()} takes a date property first")
        spec = self.property(first)
        if spec.kind != "date":
            raise InvalidRequestError(f"filter: {spec.name} is not a date")
        if isinstance(second, dict) and "interval" in second:
            ends = second["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise InvalidRequestError("filter: an INTERVAL has a start and an end")
            low, high = (None if end == ".." else self.literal(spec, end) for end in ends)
            if low is not None and high is not None and str(low) > str(high):
                raise InvalidRequestError("filter: the INTERVAL ends before it starts")
        else:
            low = high = self.literal(spec, second)
            if op == "t_during":
                raise InvalidRequestError("filter: T_DURING needs an INTERVAL")
        parts: list[Expr] = []
        if op == "t_intersects":
            if low is not None:
                parts.append(Compare(spec, ">=", low))
            if high is not None:
                parts.append(Compare(spec, "<=", high))
        elif op == "t_during":
            if low is not None:
                parts.append(Compare(spec, ">", low))
            if high is not None:
                parts.append(Compare(spec, "<", high))
        elif op == "t_before":
            parts.append(Compare(spec, "<", low) if low is not None else Always(False))
        else:
            parts.append(Compare(spec, ">", high) if high is not None else Always(False))
        if not parts:  # an interval open at both ends: every dated feature
            return Not(IsNull(spec))
        return parts[0] if len(parts) == 1 else And(tuple(parts))


def parse_sortby(text: str, schema: LayerSchema, visible: Sequence[str]) -> tuple[SortKey, ...]:
    """``sortby``: up to :data:`MAX_SORT_KEYS` comma-separated fields, each ``+`` or ``-``.

    A field without a sign, or with ``+``, sorts ascending; ``-`` descending.
    Fields the caller may not see are refused like unknown ones.
    """
    names = [part.strip() for part in text.split(",")]
    if not text.strip() or len(names) > MAX_SORT_KEYS or not all(names):
        raise InvalidRequestError(
            f"sortby takes 1 to {MAX_SORT_KEYS} comma-separated fields, each with an optional "
            "+ (ascending) or - (descending)"
        )
    keys: list[SortKey] = []
    for name in names:
        descending = name.startswith("-")
        bare = name[1:] if name[0] in "+-" else name
        if bare not in visible:
            raise InvalidRequestError(
                f"sortby: unknown property {bare[:40]!r}; sortable: {', '.join(visible)}"
            )
        if any(key.field.name == bare for key in keys):
            raise InvalidRequestError(f"sortby names {bare!r} twice")
        keys.append(SortKey(schema.field(bare), descending))
    return tuple(keys)


def parse_properties(text: str, visible: Sequence[str]) -> tuple[str, ...]:
    """``properties``: the fields to return, comma-separated, in that order (none: ``""``)."""
    names = [part.strip() for part in text.split(",")] if text.strip() else []
    unknown = [name for name in names if name not in visible]
    if unknown or len(set(names)) != len(names):
        raise InvalidRequestError(
            f"properties: unknown or repeated property {(unknown or names)[0][:40]!r}; "
            f"available: {', '.join(visible)}"
        )
    return tuple(names)


def _is_geometry_property(node: Any) -> bool:
    return isinstance(node, dict) and node.get("property") == GEOMETRY


def _unit(node: Any) -> str:
    if isinstance(node, dict) and "property" in node:
        return str(node["property"]).lower()
    return str(node).lower()


def _day(value: Any) -> str | None:
    """The ISO day of a DATE, TIMESTAMP or plain ISO date text; ``None`` if it is none."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if kind not in ("date", "timestamp"):
            return None
        value = text
    if not isinstance(value, str):
        return None
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return None
    return value[:10]


def _show(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()[:80]


def _to_crs84(epsg: int) -> Transformer:
    return Transformer.from_crs(CRS.from_epsg(epsg), CRS.from_user_input("OGC:CRS84"))


def _pairs(xy: tuple[Any, Any]) -> Any:
    return np.column_stack(xy)


__all__ = [
    "CONFORMANCE",
    "FILTER_LANGS",
    "GEOMETRY",
    "MAX_DEPTH",
    "MAX_DISTANCE_M",
    "MAX_FILTER_CHARS",
    "MAX_LIST",
    "MAX_NODES",
    "MAX_SORT_KEYS",
    "MAX_SPATIAL",
    "MAX_TEXT_CHARS",
    "MAX_VERTICES",
    "parse_filter",
    "parse_properties",
    "parse_sortby",
]
