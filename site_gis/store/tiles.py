"""Vector tiles of a store's layers: Mapbox Vector Tile 2.1 on the WebMercatorQuad matrix set.

A tile is addressed as OGC API - Tiles does, ``(tile matrix, tile row, tile
column)`` = ``(z, y, x)`` of the OGC WebMercatorQuad tile matrix set
(EPSG:3857, origin at the top left, ``2**z`` by ``2**z`` tiles), whose
definition comes from ``morecantile``.  Every tile has one MVT layer named as
the store layer, holding the features that intersect the tile grown by
:data:`BUFFER`, clipped to that grown tile and quantised to integer
coordinates on a grid of :data:`EXTENT` by :data:`EXTENT` units (y down, as
the MVT specification has it).

Both stores render the same tile: PostGIS in the database with
``ST_AsMVTGeom`` and ``ST_AsMVT``; the GeoPackage store by reading the
features of the grown tile, reprojecting them to EPSG:3857 with pyproj,
clipping them with shapely and encoding them with ``mapbox-vector-tile``.

Bounds
------
* A layer is tiled only in its zoom range (:data:`LAYER_ZOOMS`): below it a
  tile would cover many kilometres and draw building-sized shapes as specks.
* A tile holding more than ``max_features`` features is refused
  (:class:`~site_gis.errors.TooLargeError`), never cut or thinned silently:
  the caller asks the tiles of the next zoom, each about a quarter as full.
  The features are counted (an index scan) before any is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import mapbox_vector_tile
import morecantile
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from psycopg import sql

from site_gis.errors import InvalidRequestError, TooLargeError
from site_gis.schemas import LayerSchema
from site_gis.store.base import BBox, Store
from site_gis.store.common import layer_schema
from site_gis.store.postgis import PostGISStore

TMS_ID = "WebMercatorQuad"
"""The one tile matrix set offered (OGC's registered identifier)."""
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EXTENT = 4096
"""Tile coordinates run from 0 to EXTENT on each axis (the MVT default)."""
BUFFER = 64
"""Tile units kept beyond each edge (1/64 of a tile), so lines and outlines meet across tiles."""
MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
DEFAULT_ZOOMS = (10, 20)
LAYER_ZOOMS: dict[str, tuple[int, int]] = {
    "site_boundary": (6, 18),
    "eia_zones": (8, 18),
    "receptors": (8, 18),
    "facilities": (10, 20),
    "parcels": (10, 20),
    "encroachments": (10, 20),
    "sample_locations": (10, 20),
    "structures": (15, 22),
}
"""Zoom range (tile matrices, inclusive) each layer is tiled in; others: :data:`DEFAULT_ZOOMS`.

Chosen from the shapes' sizes: the site (about 10 km across) fills a tile at
zoom 12 and a structure (about 10 m) is a few pixels at zoom 15, where a tile
is about 1.1 km wide at the site's latitude.
"""


@dataclass(frozen=True, slots=True)
class TileLimit:
    """The rows and columns of one tile matrix a layer's extent covers (inclusive)."""

    tile_matrix: int
    min_row: int
    max_row: int
    min_col: int
    max_col: int


@dataclass(frozen=True, slots=True)
class VectorTile:
    """An encoded tile: the MVT bytes and how many features it holds."""

    data: bytes
    features: int


@cache
def web_mercator_quad() -> morecantile.TileMatrixSet:
    """The OGC WebMercatorQuad tile matrix set (zoom 0 to 24)."""
    return morecantile.tms.get(TMS_ID)


def zoom_range(schema: LayerSchema) -> tuple[int, int]:
    """The tile matrices (lowest, highest) ``schema`` is tiled in."""
    return LAYER_ZOOMS.get(schema.name, DEFAULT_ZOOMS)


def check_tile(z: int, y: int, x: int) -> None:
    """Raise :class:`InvalidRequestError` naming the part of ``z/y/x`` outside WebMercatorQuad."""
    tms = web_mercator_quad()
    if not tms.minzoom <= z <= tms.maxzoom:
        raise InvalidRequestError(
            f"tileMatrix {z} is not in {TMS_ID}: "
            f"it has tile matrices {tms.minzoom} to {tms.maxzoom}"
        )
    for name, value in (("tileRow", y), ("tileCol", x)):
        if not 0 <= value < 2**z:
            raise InvalidRequestError(
                f"{name} {value} is outside tile matrix {z} of {TMS_ID} (0 to {2**z - 1})"
            )


def tile_bounds(z: int, y: int, x: int, *, buffer: float = 0) -> BBox:
    """The tile's bounds in EPSG:3857 metres, grown by ``buffer`` tile units on each side."""
    box = web_mercator_quad().xy_bounds(morecantile.Tile(x, y, z))
    grow = (box.right - box.left) * buffer / EXTENT
    return (box.left - grow, box.bottom - grow, box.right + grow, box.top + grow)


def lonlat_bounds(z: int, y: int, x: int, *, buffer: float = 0) -> BBox:
    """The tile (grown by ``buffer`` tile units) in EPSG:4326 degrees (min lon, min lat, ...).

    WebMercatorQuad maps longitude and latitude each on its own axis, so the
    grown tile is exactly this lon/lat box.
    """
    tms = web_mercator_quad()
    left, bottom, right, top = tile_bounds(z, y, x, buffer=buffer)
    west, south = tms.lnglat(left, bottom)
    east, north = tms.lnglat(right, top)
    return (west, south, east, north)


def tile_limits(bounds: BBox | None, zooms: tuple[int, int]) -> list[TileLimit]:
    """For each tile matrix in ``zooms``, the tiles that a lon/lat ``bounds`` touches."""
    if bounds is None:
        return []
    tms = web_mercator_quad()
    west, south, east, north = bounds
    limits = []
    for z in range(zooms[0], zooms[1] + 1):
        top_left = tms.tile(west, north, z)
        bottom_right = tms.tile(east, south, z)
        limits.append(TileLimit(z, top_left.y, bottom_right.y, top_left.x, bottom_right.x))
    return limits


def within_limits(limits: Sequence[TileLimit], z: int, y: int, x: int) -> bool:
    """Whether tile ``z/y/x`` is one of ``limits``."""
    return any(
        lim.tile_matrix == z and lim.min_row <= y <= lim.max_row and lim.min_col <= x <= lim.max_col
        for lim in limits
    )


def vector_tile(
    store: Store,
    name: str,
    z: int,
    y: int,
    x: int,
    *,
    columns: Sequence[str],
    max_features: int,
) -> VectorTile:
    """Tile ``z/y/x`` of layer ``name`` as a Mapbox Vector Tile with the fields ``columns``.

    Parameters
    ----------
    store
        A GeoPackage or PostGIS store (layers in EPSG:4326).
    name
        A layer with geometry.
    z, y, x
        Tile matrix, row and column in WebMercatorQuad.
    columns
        Attribute fields to put in each feature's properties (empty values are left out).
    max_features
        Most features the tile may hold.

    Raises
    ------
    InvalidRequestError
        For a table (no geometry) or a tile outside the tile matrix set.
    TooLargeError
        If more than ``max_features`` features intersect the grown tile.
    """
    schema = layer_schema(name)
    if schema.is_table:
        raise InvalidRequestError(f"{name} has no geometry, so it has no tiles")
    check_tile(z, y, x)
    box = lonlat_bounds(z, y, x, buffer=BUFFER)
    found = store.count(name, bbox=box)
    if found > max_features:
        raise TooLargeError(
            f"tile {z}/{y}/{x} of {name} holds {found} features, more than the limit of "
            f"{max_features} per tile; use the tiles of tile matrix {z + 1}"
        )
    if found == 0:
        return VectorTile(b"", 0)
    if isinstance(store, PostGISStore):
        return _postgis_tile(store, schema, z, y, x, columns)
    return _encoded_tile(store, schema, z, y, x, columns, box)


def _postgis_tile(
    store: PostGISStore, schema: LayerSchema, z: int, y: int, x: int, columns: Sequence[str]
) -> VectorTile:
    """The tile built by PostGIS: ``ST_AsMVTGeom`` clips and quantises, ``ST_AsMVT`` encodes."""
    fields = sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c in columns)
    query = sql.SQL(
        "WITH box AS (SELECT ST_TileEnvelope({z}, {x}, {y}) AS tile, "
        "ST_Transform(ST_TileEnvelope({z}, {x}, {y}, margin => {margin}), 4326) AS grown), "
        "rows AS (SELECT ST_AsMVTGeom(ST_Transform(t.geometry, 3857), box.tile, {extent}, "
        "{buffer}, true) AS geom{fields} FROM {table} AS t, box "
        "WHERE t.geometry && box.grown AND ST_Intersects(t.geometry, box.grown) ORDER BY t.fid) "
        "SELECT ST_AsMVT(rows, {layer}, {extent}, 'geom'), count(*) FROM rows "
        "WHERE geom IS NOT NULL"
    ).format(
        z=sql.Literal(z),
        x=sql.Literal(x),
        y=sql.Literal(y),
        margin=sql.Literal(BUFFER / EXTENT),
        extent=sql.Literal(EXTENT),
        buffer=sql.Literal(BUFFER),
        fields=fields,
        table=sql.Identifier(schema.name),
        layer=sql.Literal(schema.name),
    )
    with store._db.connection() as conn:  # the store's own pool: this module is part of the store
        row = conn.execute(query).fetchone()
    assert row is not None
    return VectorTile(bytes(row[0] or b""), int(row[1]))


def _encoded_tile(
    store: Store,
    schema: LayerSchema,
    z: int,
    y: int,
    x: int,
    columns: Sequence[str],
    box: BBox,
) -> VectorTile:
    """The tile built here: read the grown tile, reproject, clip, quantise (mapbox-vector-tile)."""
    frame = store.read(schema.name, bbox=box, columns=list(columns))
    if frame.empty:
        return VectorTile(b"", 0)
    shapes = frame.geometry.to_crs(3857).to_numpy()
    clipped = shapely.clip_by_rect(shapes, *tile_bounds(z, y, x, buffer=BUFFER))
    keep = ~(shapely.is_empty(clipped) | shapely.is_missing(clipped))
    records = frame.drop(columns="geometry").loc[keep].to_dict("records")
    features = [
        {"geometry": geometry, "properties": _properties(record)}
        for geometry, record in zip(_quantised(clipped[keep], z, y, x), records, strict=True)
    ]
    if not features:
        return VectorTile(b"", 0)
    options = {
        "extents": EXTENT,
        "y_coord_down": True,
        "on_invalid_geometry": on_invalid_geometry_make_valid,
    }
    data = mapbox_vector_tile.encode(
        [{"name": schema.name, "features": features}], default_options=options
    )
    return VectorTile(data, len(features))


def _quantised(shapes: npt.NDArray[np.object_], z: int, y: int, x: int) -> npt.NDArray[np.object_]:
    """EPSG:3857 shapes in whole tile units: 0 to :data:`EXTENT` from the top left, y down."""
    left, _, right, top = tile_bounds(z, y, x)
    scale = EXTENT / (right - left)

    def to_grid(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        grid = np.column_stack(((coords[:, 0] - left) * scale, (top - coords[:, 1]) * scale))
        return np.round(grid)

    return shapely.transform(shapes, to_grid)


def _properties(record: dict[str, Any]) -> dict[str, Any]:
    """A feature's fields as MVT values: empty ones left out, numpy scalars made plain."""
    return {
        key: value.item() if isinstance(value, np.generic) else value
        for key, value in record.items()
        if not pd.isna(value)
    }
