"""Zonal statistics of a raster over many polygons: rasterise once, reduce with numpy.

Cells are assigned to the polygon containing their centre
(``rasterio.features.rasterize``); where polygons overlap, a cell counts for the
polygon drawn last, so give non-overlapping polygons (parcels, zones,
footprints) for exact figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from affine import Affine
from rasterio.features import rasterize
from shapely.geometry.base import BaseGeometry


def zonal_statistics(
    raster: np.ndarray,
    transform: Affine,
    polygons: list[BaseGeometry],
    *,
    nodata: float | None = None,
) -> pd.DataFrame:
    """count, min, max, mean and sum of the raster's valid cells in each polygon.

    Parameters
    ----------
    raster
        2-D array; ``nodata`` and NaN cells are ignored.
    transform
        The raster's affine transform (same CRS as the polygons).
    polygons
        Polygons, non-overlapping for exact results.

    Returns
    -------
    DataFrame
        One row per polygon, in input order; statistics are NaN where a polygon
        covers no valid cell.
    """
    labels = rasterize(
        ((g, i + 1) for i, g in enumerate(polygons)),
        out_shape=raster.shape,
        transform=transform,
        fill=0,
        dtype="int32",
    )
    valid = np.isfinite(raster) & (labels > 0)
    if nodata is not None:
        valid &= raster != nodata
    index, values = labels[valid], raster[valid].astype(float)
    n = len(polygons) + 1
    count = np.bincount(index, minlength=n)
    total = np.bincount(index, weights=values, minlength=n)
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    np.minimum.at(low, index, values)
    np.maximum.at(high, index, values)
    has = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has, total / np.maximum(count, 1), np.nan)
    return pd.DataFrame(
        {
            "count": count[1:],
            "min": np.where(has, low, np.nan)[1:],
            "max": np.where(has, high, np.nan)[1:],
            "mean": mean[1:],
            "sum": np.where(has, total, np.nan)[1:],
        }
    )
