"""Layers uploaded as GeoJSON, GeoPackage, or a zip holding one of them.

Only those formats are opened, each by what its bytes are, never by what the
file is called:

* GeoJSON is parsed as JSON (orjson) and built with shapely; GDAL never sees
  it, so a VRT, a remote URL or any other file dressed up as ``.geojson`` is
  refused as "not GeoJSON".
* A GeoPackage must start with the SQLite header and carry the GeoPackage
  application id, and hold no text with a NUL (which GDAL would cut short); only
  then does GDAL open it.
* A zip is read in memory (nothing is extracted to disk); member names that
  climb out of the archive, absolute paths and archives that unpack beyond the
  size limit are refused.

The rows then go through the store's write, which validates the store as it
will be afterwards, features far from the site (and among them those whose
latitude and longitude are swapped) included, each reported by row.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tempfile
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.errors import GEOSException

from site_gis.crs import STORAGE_CRS
from site_gis.errors import CRSError, Problem, TooLargeError, ValidationError
from site_gis.schemas import CATALOGUE, LayerSchema
from site_gis.store.base import AuditEntry, Store, WriteMode
from site_gis.validation import control_reason

MAX_VERTICES = 2_000_000
"""Most coordinate pairs one upload may hold."""
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GPKG_APPLICATION_ID = b"GPKG"
_ZIP_MAGIC = b"PK\x03\x04"
_LONLAT_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one upload may hold: bytes (also once unzipped), features and vertices."""

    max_bytes: int = 20 * 1024 * 1024
    max_features: int = 200_000
    max_vertices: int = MAX_VERTICES


def import_layer(
    store: Store,
    data: bytes,
    *,
    layer: str,
    mode: WriteMode,
    actor: str,
    source: str = "upload",
    limits: Limits | None = None,
) -> AuditEntry:
    """Read an uploaded layer and write it to ``store`` (append or replace), all or nothing.

    Raises
    ------
    ValidationError
        For a file that is not one of the accepted formats, a foreign CRS, or
        rows that fail the layer's schema, the site's extent or the store's
        integrity (each problem named by row and field).
    TooLargeError
        For an upload beyond ``limits``.
    """
    schema = _geometry_schema(layer)
    frame = read_layer_upload(data, schema, source=source, limits=limits or Limits())
    return store.write(
        {layer: frame},
        mode=mode,
        actor=actor,
        action="import-layer",
        note=f"{source} ({len(frame)} features)",
        source_hash=hashlib.sha256(data).hexdigest(),
    )


def read_layer_upload(
    data: bytes, schema: LayerSchema, *, source: str, limits: Limits
) -> gpd.GeoDataFrame:
    """The features of an upload as a frame in EPSG:4326 (not yet validated against the schema)."""
    if len(data) > limits.max_bytes:
        raise TooLargeError(f"{source} is {len(data):,} bytes; at most {limits.max_bytes:,}")
    if data.startswith(_ZIP_MAGIC):
        data, source = _from_zip(data, source, limits)
    if data.startswith(_SQLITE_MAGIC):
        frame = _read_geopackage(data, schema, source, limits)
    else:
        frame = _read_geojson(data, schema, source)
    if len(frame) > limits.max_features:
        raise TooLargeError(
            f"{source} has {len(frame):,} features; at most {limits.max_features:,} per upload"
        )
    vertices = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())
    if vertices > limits.max_vertices:
        raise TooLargeError(
            f"{source} has {vertices:,} coordinates; at most {limits.max_vertices:,} per upload"
        )
    return frame


def _geometry_schema(layer: str) -> LayerSchema:
    if layer not in CATALOGUE:
        raise ValidationError(
            [Problem("request", None, "layer", layer, f"choose one of {', '.join(CATALOGUE)}")]
        )
    schema = CATALOGUE[layer]
    if schema.is_table:
        raise ValidationError(
            [
                Problem(
                    "request",
                    None,
                    "layer",
                    layer,
                    "a table without geometry: import lab results as CSV (/imports/results)",
                )
            ]
        )
    return schema


def _fail(source: str, reason: str, field: str | None = None, value: Any = None) -> ValidationError:
    return ValidationError(
        [Problem(source, None, field, value, reason)], summary=f"cannot read {source}"
    )


def _from_zip(data: bytes, source: str, limits: Limits) -> tuple[bytes, str]:
    """The one GeoJSON or GeoPackage member of a zip, read in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(source, f"not a readable zip archive ({exc})") from exc
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in member.filename:
            raise _fail(source, "unsafe member path in the zip", "member", member.filename)
    if sum(m.file_size for m in members) > limits.max_bytes:
        raise TooLargeError(f"{source} unpacks to more than {limits.max_bytes:,} bytes")
    data_members = [
        m for m in members if PurePosixPath(m.filename).suffix.lower() in (".geojson", ".gpkg")
    ]
    if len(data_members) != 1:
        raise _fail(
            source,
            "a zip must hold exactly one .geojson or .gpkg file "
            f"(found {len(data_members)} among {len(members)} members)",
        )
    member = data_members[0]
    try:
        with archive.open(member) as handle:
            content = handle.read(limits.max_bytes + 1)
    except (
        zipfile.BadZipFile,
        RuntimeError,
        NotImplementedError,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
    ) as exc:
        # corrupt data or CRC, encryption, unknown compression, a header that lies
        raise _fail(
            source, f"cannot unpack the member ({type(exc).__name__})", "member", member.filename
        ) from exc
    if len(content) > limits.max_bytes:
        raise TooLargeError(f"{source} unpacks to more than {limits.max_bytes:,} bytes")
    if content.startswith(_ZIP_MAGIC):
        raise _fail(source, "a zip inside a zip is not accepted", "member", member.filename)
    return content, f"{source}:{member.filename}"


def _read_geojson(data: bytes, schema: LayerSchema, source: str) -> gpd.GeoDataFrame:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _fail(
            source,
            f"not GeoJSON ({exc}); accepted: GeoJSON, GeoPackage, or a zip of one",
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _fail(source, "GeoJSON must be a FeatureCollection", "type")
    _check_crs_member(document.get("crs"), source)
    features = document.get("features")
    if not isinstance(features, list):
        raise _fail(source, "a FeatureCollection needs a 'features' list", "features")
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    problems: list[Problem] = []
    for number, feature in enumerate(features, start=1):
        row_id: Any = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(schema.name, row_id, None, None, "not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(schema.name, row_id, "properties", None, "not an object"))
            continue
        if schema.id_field not in properties and "id" in feature:
            properties = {**properties, schema.id_field: feature["id"]}
        nested = [k for k, v in properties.items() if isinstance(v, dict | list)]
        if nested:
            problems.extend(
                Problem(schema.name, row_id, key, None, "an object or list; expected a value")
                for key in nested
            )
            continue
        row_id = properties.get(schema.id_field, row_id)
        geometries.append(_geometry(feature.get("geometry"), schema, row_id, problems))
        rows.append(properties)
    if problems:
        raise ValidationError(problems, summary=f"{source}: problems found; nothing written")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometries, crs=STORAGE_CRS)


def _geometry(value: Any, schema: LayerSchema, row_id: Any, problems: list[Problem]) -> Any:
    """A shapely geometry from a GeoJSON geometry member, or ``None`` with a problem noted."""
    if value is None:
        return None  # the schema check reports a missing geometry
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in schema.geometry_types:
        problems.append(
            Problem(
                schema.name,
                row_id,
                "geometry",
                kind,
                f"geometry type must be {' or '.join(schema.geometry_types)}",
            )
        )
        return None
    try:
        return shapely.from_geojson(orjson.dumps(value))
    except GEOSException as exc:
        reason = str(exc).splitlines()[0]
        problems.append(Problem(schema.name, row_id, "geometry", None, f"malformed: {reason}"))
        return None


def _check_crs_member(member: Any, source: str) -> None:
    if member is None:
        return
    properties = member.get("properties") if isinstance(member, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if name not in _LONLAT_NAMES:
        raise CRSError(
            f"{source} declares the CRS {str(name or member)[:80]!r}; GeoJSON must be lon/lat "
            "(EPSG:4326 / CRS84): reproject it, or drop the 'crs' member if it already is"
        )


def _read_geopackage(
    data: bytes, schema: LayerSchema, source: str, limits: Limits
) -> gpd.GeoDataFrame:
    if data[68:72] != _GPKG_APPLICATION_ID:
        raise _fail(source, "an SQLite file that is not a GeoPackage")
    with tempfile.TemporaryDirectory(prefix="site-gis-upload-") as folder:
        path = Path(folder) / "upload.gpkg"
        path.write_bytes(data)
        layer = _plain_table(path, schema, source, limits)
        try:
            frame = pyogrio.read_dataframe(path, layer=layer, max_features=limits.max_features)
        except (DataSourceError, DataLayerError) as exc:
            raise _fail(source, "not a readable GeoPackage layer") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise _fail(source, "the GeoPackage layer has no geometry")
    if frame.crs is None:
        raise CRSError(f"{source} has no CRS; expected EPSG:4326 (lon/lat)")
    if frame.crs.to_epsg() != STORAGE_CRS.to_epsg():
        raise CRSError(
            f"{source} is in {frame.crs.to_string()}; the store holds EPSG:4326 (lon/lat): "
            "reproject it before loading"
        )
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    return frame


def _plain_table(path: Path, schema: LayerSchema, source: str, limits: Limits) -> str:
    """The feature layer to read: a plain table (not a view), of at most the feature limit.

    Read with SQLite itself (read-only) before GDAL opens the file, so a view
    that unfolds into millions of rows is refused without being run.
    """
    cut: list[Problem] = []
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            layers = dict(
                db.execute(
                    "SELECT c.table_name, m.type FROM gpkg_contents c "
                    "LEFT JOIN sqlite_master m ON m.name = c.table_name "
                    "WHERE c.data_type = 'features'"
                ).fetchall()
            )
            if schema.name in layers:
                layer = schema.name
            elif len(layers) == 1:
                layer = next(iter(layers))
            else:
                raise _fail(
                    source, f"the GeoPackage has {len(layers)} feature layers, none {schema.name!r}"
                )
            if layers[layer] != "table":
                raise _fail(source, f"layer {layer!r} is a {layers[layer] or 'missing table'}")
            quoted = _quoted(layer)
            count = db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
            if count <= limits.max_features:
                cut = _values_with_nul(db, quoted, schema)
    except sqlite3.Error as exc:
        raise _fail(source, "not a readable GeoPackage") from exc
    if count > limits.max_features:
        raise TooLargeError(
            f"{source} has {count:,} features; at most {limits.max_features:,} per upload"
        )
    if cut:
        raise ValidationError(cut, summary=f"{source}: problems found; nothing written")
    return str(layer)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _values_with_nul(db: sqlite3.Connection, table: str, schema: LayerSchema) -> list[Problem]:
    """Text values holding a NUL, found by SQLite: GDAL would cut them short unseen."""
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    key = _quoted(schema.id_field) if schema.id_field in columns else "rowid"
    problems: list[Problem] = []
    for column in columns:
        spec = schema.field(column) if column in schema.field_names else None
        rows = db.execute(
            f"SELECT {key}, {_quoted(column)} FROM {table} "  # noqa: S608
            f"WHERE typeof({_quoted(column)}) = 'text' "
            f"AND instr(CAST({_quoted(column)} AS BLOB), x'00') > 0 LIMIT 1000"
        ).fetchall()
        reason = control_reason(multiline=spec is not None and spec.multiline)
        problems.extend(Problem(schema.name, row, column, value, reason) for row, value in rows)
    return problems
