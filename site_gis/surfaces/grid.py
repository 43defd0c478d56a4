"""Raster grids in the site's metric CRS, clipped to a polygon."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS
from rasterio.features import geometry_mask
from shapely.geometry.base import BaseGeometry

from site_gis.errors import InvalidRequestError

MAX_CELLS = 25_000_000
"""Largest grid (rows × columns) any analysis may ask for."""


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells in a projected metric CRS.

    ``inside`` is true for cells whose centre lies inside the clip polygon.
    """

    transform: Affine
    width: int
    height: int
    crs: CRS
    inside: np.ndarray

    @property
    def cell_size(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in m²."""
        return self.cell_size**2

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y (metres) of the centres of the cells inside the clip, row by row."""
        rows, cols = np.nonzero(self.inside)
        x = self.transform.c + (cols + 0.5) * self.transform.a
        y = self.transform.f + (rows + 0.5) * self.transform.e
        return x, y

    def fill(self, values: np.ndarray, nodata: float) -> np.ndarray:
        """A full raster: ``values`` in the inside cells (row order), ``nodata`` elsewhere."""
        raster = np.full((self.height, self.width), nodata, dtype="float32")
        raster[self.inside] = np.where(np.isfinite(values), values, nodata)
        return raster


def make_grid(
    clip: BaseGeometry, cell_size_m: float, crs: CRS, *, max_cells: int = MAX_CELLS
) -> Grid:
    """A grid covering ``clip`` (in the metric ``crs``) with square cells of ``cell_size_m``.

    Raises
    ------
    InvalidRequestError
        If the cell size is not positive or the grid would exceed ``max_cells``
        (at most :data:`MAX_CELLS`).
    """
    max_cells = min(max_cells, MAX_CELLS)
    if not cell_size_m > 0:
        raise InvalidRequestError("cell size must be a positive number of metres")
    minx, miny, maxx, maxy = clip.bounds
    width = max(1, math.ceil((maxx - minx) / cell_size_m))
    height = max(1, math.ceil((maxy - miny) / cell_size_m))
    if width * height > max_cells:
        raise InvalidRequestError(
            f"a cell size of {cell_size_m:g} m gives a {width} × {height} grid "
            f"({width * height:,} cells); the limit is {max_cells:,}: use cells of at least "
            f"{_smallest_cell(maxx - minx, maxy - miny, max_cells):g} m"
        )
    transform = Affine(cell_size_m, 0, minx, 0, -cell_size_m, maxy)
    inside = geometry_mask([clip], out_shape=(height, width), transform=transform, invert=True)
    return Grid(transform, width, height, crs, inside)


def _smallest_cell(dx: float, dy: float, max_cells: int) -> float:
    """The smallest cell size (to 0.1 m) whose grid fits within ``max_cells``."""
    size = math.ceil(math.sqrt(dx * dy / max_cells) * 10) / 10
    while math.ceil(dx / size) * math.ceil(dy / size) > max_cells:
        size = round(size + 0.1, 1)
    return size
