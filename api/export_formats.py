"""FlatGeobuf and GeoParquet exports, written page by page to a file (never all in memory).

Both are built from the same pages of a selection as the GeoPackage export,
each page an Arrow table typed from the layer schema (text and ISO dates as
``string``, counts as ``int64``, measures as ``double``, flags as ``bool``), so
every page of a layer has the same columns and types even where one holds only
empty values.

* **FlatGeobuf** (``.fgb``): GDAL's FlatGeobuf driver fed through
  ``pyogrio.write_arrow`` from a stream of pages, geometry as WKB in EPSG:4326,
  with the packed Hilbert R-tree index GDAL builds on closing.  Layers with
  geometry only: FlatGeobuf is a feature format.
* **GeoParquet** (``.parquet``): GeoParquet 1.1 with the native GeoArrow
  encoding of the layer's one geometry type (``geoarrow.point``,
  ``geoarrow.polygon``, ``geoarrow.multipolygon``), written by pyarrow's
  ``ParquetWriter`` one row group per page, with the ``geo`` file metadata
  naming the encoding, the geometry type and the CRS (OGC:CRS84, lon/lat).
  The optional ``bbox`` of that metadata is left out: it is known only after
  the last page.  A table without geometry is plain Parquet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS

from site_gis import __version__
from site_gis.schemas import FieldKind, LayerSchema

FLATGEOBUF_MEDIA_TYPE = "application/flatgeobuf"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
GEOPARQUET_VERSION = "1.1.0"
_ARROW: dict[FieldKind, pa.DataType] = {
    "str": pa.string(),
    "date": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


def attribute_schema(schema: LayerSchema, fields: Sequence[str]) -> pa.Schema:
    """The Arrow types of ``fields`` of ``schema`` (no geometry)."""
    return pa.schema([pa.field(name, _ARROW[schema.field(name).kind]) for name in fields])


def _attributes(page: pd.DataFrame, types: pa.Schema) -> pa.Table:
    frame = pd.DataFrame(page.drop(columns="geometry", errors="ignore"))
    return pa.Table.from_pandas(frame[types.names], schema=types, preserve_index=False)


def write_flatgeobuf(
    schema: LayerSchema, fields: Sequence[str], pages: Iterator[pd.DataFrame], path: Path
) -> int:
    """Write the pages (GeoDataFrames in EPSG:4326) as FlatGeobuf at ``path``; the row count."""
    types = attribute_schema(schema, fields)
    stream_schema = types.append(pa.field("geometry", pa.binary()))
    rows = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for page in pages:
            table = _attributes(page, types)
            wkb = pa.array(shapely.to_wkb(page.geometry.to_numpy()), type=pa.binary())
            rows += len(page)
            yield from table.append_column("geometry", wkb).to_batches()

    reader = pa.RecordBatchReader.from_batches(stream_schema, batches())
    pyogrio.write_arrow(
        reader,
        path,
        layer=schema.name,
        driver="FlatGeobuf",
        geometry_name="geometry",
        geometry_type=schema.geometry_types[0],
        crs="EPSG:4326",
    )
    return rows


def _geo_metadata(schema: LayerSchema, encoding: str) -> bytes:
    """The GeoParquet ``geo`` metadata of a layer's geometry column."""
    column = {
        "encoding": encoding,
        "geometry_types": list(schema.geometry_types),
        "crs": CRS("OGC:CRS84").to_json_dict(),
    }
    body = {
        "version": GEOPARQUET_VERSION,
        "primary_column": "geometry",
        "columns": {"geometry": column},
        "creator": {"library": "site-gis", "version": __version__},
    }
    return json.dumps(body).encode()


def write_geoparquet(
    schema: LayerSchema, fields: Sequence[str], pages: Iterator[pd.DataFrame], path: Path
) -> int:
    """Write the pages as GeoParquet (GeoArrow encoding), or Parquet for a table; the row count."""
    types = attribute_schema(schema, fields)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for page in pages:
            table = _attributes(page, types)
            if isinstance(page, gpd.GeoDataFrame):
                geometry = pa.table(
                    page[["geometry"]].to_arrow(geometry_encoding="geoarrow", index=False)
                )
                field = geometry.schema.field("geometry")
                table = table.append_column(field, geometry.column("geometry"))
            if writer is None:
                writer = pq.ParquetWriter(path, _with_geo(table.schema, schema))
            writer.write_table(table.cast(writer.schema))
            rows += len(page)
        if writer is None:  # nothing matched: the columns alone
            empty = types
            if not schema.is_table:
                empty = types.append(pa.field("geometry", pa.binary()))
            writer = pq.ParquetWriter(path, _with_geo(empty, schema, encoding="WKB"))
    finally:
        if writer is not None:
            writer.close()
    return rows


def _with_geo(types: pa.Schema, schema: LayerSchema, encoding: str | None = None) -> pa.Schema:
    if schema.is_table:
        return types.remove_metadata()
    if encoding is None:
        name = (types.field("geometry").metadata or {}).get(b"ARROW:extension:name", b"")
        encoding = name.decode().removeprefix("geoarrow.")
    return types.remove_metadata().with_metadata({b"geo": _geo_metadata(schema, encoding)})
