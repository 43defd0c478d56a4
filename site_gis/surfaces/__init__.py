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
* ``estimate_remediation(hotspots, medium=, depth_m=, density_t_m3=, costs=)`` -> volumes (m³),
  tonnes and costs per hotspot and technology; ``summarise_by_zone(estimate)`` per zone;
  ``cost_curve(surface, zones, levels, ...)`` -> area, volume and cost against the cleanup
  level; ``unit_costs()`` -> the unit-cost table; ``default_depth(surface)`` -> m
* ``receptors_at_risk(hotspots, receptors, ReceptorParams)`` -> receptors near or
  down-gradient of a hotspot, with distance (m) and bearing
* ``zonal_statistics(raster, transform, polygons)`` -> per polygon count, max and mean

Parameters are bounded models (limits in their fields): ``SurfaceOptions`` and
``SurfaceRequest`` (analyte, medium, depth, method), ``IdwParams``, ``KrigingParams``,
``RemediationParams``, ``ReceptorParams``; ``Surface`` is a grid of estimates in the site's
metric CRS with its kriging SD, probability of exceedance and cross-validation.

Modules: ``grid``, ``budget``, ``domains``, ``variogram``, ``interpolation``, ``rasters``,
``hotspots``, ``zonal``, ``remediation``, ``receptors``.
"""

from site_gis.surfaces.budget import SurfaceBudget
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
    default_depth,
    estimate_remediation,
    summarise_by_zone,
    unit_costs,
)
from site_gis.surfaces.zonal import zonal_statistics

__all__ = [
    "EstimateRaster",
    "IdwParams",
    "KrigingParams",
    "ReceptorParams",
    "RemediationParams",
    "Surface",
    "SurfaceBudget",
    "SurfaceOptions",
    "SurfaceRequest",
    "build_surface",
    "cost_curve",
    "default_depth",
    "estimate_remediation",
    "find_hotspots",
    "interpolate_idw",
    "krige",
    "receptors_at_risk",
    "summarise_by_zone",
    "surface_to_cog",
    "surface_to_web_mercator",
    "unit_costs",
    "zonal_statistics",
]
