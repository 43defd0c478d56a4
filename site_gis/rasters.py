"""Write surfaces as Cloud-Optimised GeoTIFFs (rasterio's COG driver)."""

from __future__ import annotations

from rasterio.io import MemoryFile

from site_gis.surfaces import NODATA, Surface


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
