"""Surfaces as rasters: Cloud-Optimised GeoTIFFs (rasterio's COG driver) and a Web
Mercator copy for display on web maps."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.warp import reproject

from site_gis.crs import STORAGE_CRS
from site_gis.surfaces.interpolation import NODATA, Surface

WEB_MERCATOR = "EPSG:3857"


@dataclass(frozen=True)
class EstimateRaster:
    """A surface's estimate band as a plain raster, small enough to keep and send.

    ``values`` are float32 estimates in the surface's unit, ``nodata`` (-9999) outside
    the clip; ``transform`` places them in ``crs``, the site's metric CRS (metres).
    """

    values: np.ndarray
    transform: Affine
    crs: str
    unit: str
    nodata: float = NODATA

    @classmethod
    def of(cls, surface: Surface) -> EstimateRaster:
        """The estimate band of ``surface``."""
        return cls(
            values=surface.raster("estimate").astype("float32"),
            transform=surface.grid.transform,
            crs=str(surface.grid.crs),
            unit=surface.unit,
        )

    def save(self, archive: dict[str, np.ndarray]) -> None:
        """Put the raster into ``archive`` (arrays for ``numpy.savez``)."""
        archive["estimate"] = self.values
        about = {"transform": list(self.transform)[:6], "crs": self.crs, "unit": self.unit}
        archive["estimate_about"] = np.array(json.dumps(about))

    @classmethod
    def load(cls, archive: np.lib.npyio.NpzFile) -> EstimateRaster:
        """The raster :meth:`save` put into an archive."""
        about = json.loads(str(archive["estimate_about"]))
        return cls(
            values=archive["estimate"],
            transform=Affine(*about["transform"]),
            crs=about["crs"],
            unit=about["unit"],
        )


def surface_to_cog(surface: Surface) -> bytes:
    """The surface as a COG: band 1 the estimate, then the kriging standard deviation
    and the probability of exceedance where computed.

    CRS and transform are the grid's (metric CRS), cells outside the clip are
    NODATA (-9999), and the tags record analyte, unit, method, parameters,
    cross-validation and whether the data are SYNTHETIC.
    """
    bands = [("estimate", f"{surface.analyte} estimate ({surface.unit})")]
    if surface.std is not None:
        bands.append(("std", "kriging standard deviation (interpolation space)"))
    if surface.probability is not None:
        bands.append(
            (
                "probability",
                f"probability of exceeding {surface.request.threshold:g} {surface.unit}",
            )
        )
    grid = surface.grid
    with MemoryFile() as memory:
        with memory.open(
            driver="COG",
            width=grid.width,
            height=grid.height,
            count=len(bands),
            dtype="float32",
            crs=grid.crs,
            transform=grid.transform,
            nodata=NODATA,
            compress="deflate",
            blocksize=256,
        ) as dataset:
            for i, (band, description) in enumerate(bands, start=1):
                dataset.write(surface.raster(band), i)  # type: ignore[arg-type]
                dataset.set_band_description(i, description)
            dataset.update_tags(**surface.tags())
        return bytes(memory.read())


def surface_to_web_mercator(
    surface: Surface, band: str = "estimate"
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A band of the surface warped to Web Mercator (EPSG:3857), for a web map overlay.

    Web maps draw images in Web Mercator; placing the metric-CRS grid (UTM) directly
    between lon/lat corners would rotate it by the grid convergence (about 0.7° at
    PSM, over 100 m at the site's edge).

    Parameters
    ----------
    surface
        An interpolated surface (grid in the site's metric CRS, values in the
        surface's unit).
    band
        ``estimate``, ``std`` or ``probability``.

    Returns
    -------
    tuple
        The warped band (float32, NaN outside the clip; nearest-neighbour, cells
        about the grid's cell size) and its bounds in lon/lat degrees
        (west, south, east, north), the corners of the image.
    """
    source = surface.raster(band)  # type: ignore[arg-type]
    grid = surface.grid
    left, top = grid.transform.c, grid.transform.f
    right = left + grid.transform.a * grid.width
    bottom = top + grid.transform.e * grid.height
    x0, y0, x1, y1 = Transformer.from_crs(grid.crs, WEB_MERCATOR, always_xy=True).transform_bounds(
        left, bottom, right, top, densify_pts=21
    )
    size = max((x1 - x0) / grid.width, (y1 - y0) / grid.height)  # square pixels, as many
    width, height = math.ceil((x1 - x0) / size), math.ceil((y1 - y0) / size)
    transform = Affine(size, 0, x0, 0, -size, y1)
    out = np.full((height, width), np.nan, dtype="float32")
    reproject(
        source,
        out,
        src_transform=grid.transform,
        src_crs=grid.crs,
        src_nodata=NODATA,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, STORAGE_CRS, always_xy=True)
    west, north = to_lonlat.transform(x0, y1)
    east, south = to_lonlat.transform(x0 + size * width, y1 - size * height)
    return out, (west, south, east, north)
