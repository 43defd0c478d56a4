"""Surfaces: interpolation onto metric grids, rasters, hotspots, remediation, receptors.

Public verbs (what each takes and returns):

* ``build_surface(store, SurfaceRequest)`` -- a selection of results -> ``Surface`` (IDW or
  kriging on a clipped grid in the site's metric CRS, with cross-validation)
* ``SurfaceBudget`` -- the most one surface may cost (cells, cells × neighbours, kriging
  samples and work); ``build_surface`` refuses beyond it before any work, saying what fits
* ``interpolate_idw(x, y, z, gx, gy, IdwParams)`` / ``krige(x, y, z, gx, gy, KrigingParams)``
  -- sample arrays in metres -> estimates on grid points
* ``surface_to_cog(surface)`` -> Cloud-Optimised GeoTIFF bytes (EPSG of the surface);
  ``EstimateRaster.of(surface)`` -> the estimate band as a plain raster (kept, sent);
  ``surface_to_web_mercator(surface, band)`` -> one band warped to EPSG:3857 for maps
* ``find_hotspots(surface, cleanup_level, zones)`` -> polygons above the level, split by EIA
  zone (ha)
* ``build_depth_column(store, request)`` -> a ``DepthColumn``: one surface per sampled
  depth interval; ``depth_volumes(column, cleanup_level, zones, depth_m=, max_depth_m=)``
  -> ``DepthVolumes``: footprint hotspots dug from the ground surface to the deepest
  exceeding interval, volumes (m³) per hotspot and per depth slice
  (``volume_by_interval``), and the depth basis in words
* ``estimate_remediation(hotspots, medium=, density_t_m3=, costs=, price_year=)`` -> volumes
  (m³), tonnes and costs per hotspot and technology in one price year;
  ``summarise_by_zone(estimate)`` per zone, ``summarise_totals(estimate)`` per technology;
  ``cost_curve(column, zones, levels, ...)`` -> area, volume and cost against the cleanup
  level; ``unit_costs()`` / ``cost_index()`` -> the unit-cost and escalation index tables;
  ``price_basis(index, price_year)`` -> the price year and its index value
* ``receptors_at_risk(hotspots, receptors, ReceptorParams)`` -> receptors on, near or
  down-gradient of any hotspot, with distance (m), bearing and every hotspot at fault
* ``zonal_statistics(raster, transform, polygons)`` -> per polygon count, max and mean

Parameters are bounded models (limits in their fields): ``SurfaceOptions`` and
``SurfaceRequest`` (analyte, medium, depth, method), ``IdwParams``, ``KrigingParams``,
``RemediationParams``, ``ReceptorParams``; ``Surface`` is a grid of estimates in the site's
metric CRS with its kriging SD, probability of exceedance and cross-validation.

Modules: ``grid``, ``budget``, ``domains``, ``variogram``, ``interpolation``, ``rasters``,
``hotspots``, ``zonal``, ``depths``, ``costs``, ``remediation``, ``receptors``.
"""

from site_gis.surfaces.budget import SurfaceBudget
from site_gis.surfaces.costs import cost_index, price_basis, unit_costs
from site_gis.surfaces.depths import (
    DepthColumn,
    DepthVolumes,
    build_depth_column,
    depth_volumes,
    volume_by_interval,
)
from site_gis.surfaces.hotspots import find_hotspots
from site_gis.surfaces.interpolation import (
    IdwParams,
    KrigingParams,
    Surface,
    SurfaceOptions,
    SurfaceRequest,
    build_surface,
    interpolate_idw,
    krige,
)
from site_gis.surfaces.rasters import EstimateRaster, surface_to_cog, surface_to_web_mercator
from site_gis.surfaces.receptors import ReceptorParams, receptors_at_risk
from site_gis.surfaces.remediation import (
    RemediationParams,
    cost_curve,
    estimate_remediation,
    summarise_by_zone,
    summarise_totals,
)
from site_gis.surfaces.zonal import zonal_statistics

__all__ = [
    "DepthColumn",
    "DepthVolumes",
    "EstimateRaster",
    "IdwParams",
    "KrigingParams",
    "ReceptorParams",
    "RemediationParams",
    "Surface",
    "SurfaceBudget",
    "SurfaceOptions",
    "SurfaceRequest",
    "build_depth_column",
    "build_surface",
    "cost_curve",
    "cost_index",
    "depth_volumes",
    "estimate_remediation",
    "find_hotspots",
    "interpolate_idw",
    "krige",
    "price_basis",
    "receptors_at_risk",
    "summarise_by_zone",
    "summarise_totals",
    "surface_to_cog",
    "surface_to_web_mercator",
    "unit_costs",
    "volume_by_interval",
    "zonal_statistics",
]
