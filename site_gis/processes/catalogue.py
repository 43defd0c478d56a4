"""The analyses offered as processes: their inputs (bounded models) and their last step.

Every process here interpolates a surface first (the engine runs that in chunks) and
then applies its own ``finish`` function to the surface, on a worker.  ``finish``
returns plain library objects (bytes, frames, dicts); the API writes them out.  The
inputs are pydantic models, so each process describes its inputs as JSON Schema
(OGC API -- Processes) for free, with the same bounds as the GET routes' parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
from pydantic import BaseModel, Field, field_validator

from site_gis.crs import to_metric
from site_gis.processes import groundwater
from site_gis.processes.tasks import TaskSteps
from site_gis.store import Store
from site_gis.surfaces import (
    ReceptorParams,
    RemediationParams,
    Surface,
    SurfaceRequest,
    cost_curve,
    default_depth,
    estimate_remediation,
    find_hotspots,
    receptors_at_risk,
    surface_to_cog,
    zonal_statistics,
)
from site_gis.surfaces.interpolation import NODATA, describe_surface


class SurfaceInputs(SurfaceRequest):
    """A surface and the form it comes back in."""

    format: Literal["tif", "json"] = Field(
        "tif", description="tif: a Cloud-Optimised GeoTIFF; json: a summary with cross-validation"
    )


class HotspotInputs(SurfaceRequest):
    """Areas above a cleanup level."""

    cleanup_level: float = Field(
        gt=0, allow_inf_nan=False, description="Cleanup level in the result unit"
    )
    probability_at_least: float | None = Field(
        None, gt=0, lt=1, description="Also where P(exceed) is at least this (kriging)"
    )


class RemediationInputs(SurfaceRequest, RemediationParams):
    """Volumes, tonnage and costs of the areas above a cleanup level."""

    cleanup_level: float = Field(
        gt=0, allow_inf_nan=False, description="Cleanup level in the result unit"
    )
    format: Literal["json", "csv"] = Field("json", description="Output format")


class CurveInputs(SurfaceRequest, RemediationParams):
    """Area, volume and cost against the cleanup level."""

    levels: list[float] = Field(
        min_length=1, max_length=50, description="Cleanup levels in the result unit"
    )
    format: Literal["json", "csv"] = Field("json", description="Output format")

    @field_validator("levels")
    @classmethod
    def _positive(cls, levels: list[float]) -> list[float]:
        if any(not (0 < v < float("inf")) for v in levels):
            raise ValueError("every cleanup level must be a finite number above zero")
        return levels


class ReceptorInputs(SurfaceRequest, ReceptorParams):
    """Receptors near or down-gradient of the areas above a cleanup level."""

    cleanup_level: float = Field(
        gt=0, allow_inf_nan=False, description="Cleanup level in the result unit"
    )


class ZonalInputs(SurfaceRequest):
    """Statistics of a surface over polygons of a layer."""

    polygons: Literal["eia_zones", "parcels"] = Field(
        "eia_zones", description="Layer whose polygons the statistics are taken over"
    )


def finish_surface_output(surface: Surface, store: Store, inputs: SurfaceInputs) -> Any:
    """The surface as GeoTIFF bytes, or its JSON summary (a dict)."""
    return surface_to_cog(surface) if inputs.format == "tif" else describe_surface(surface)


def finish_hotspots(surface: Surface, store: Store, inputs: HotspotInputs) -> dict[str, Any]:
    """Hotspot polygons in the surface's metric CRS, with the surface's tags."""
    found = find_hotspots(
        surface,
        inputs.cleanup_level,
        store.read("eia_zones"),
        probability_at_least=inputs.probability_at_least,
    )
    return {"hotspots": found, "surface": surface.tags()}


def finish_remediation(surface: Surface, store: Store, inputs: RemediationInputs) -> dict[str, Any]:
    """Costs per hotspot and technology (frame ``rows``), with depth and provenance."""
    from site_gis.surfaces import unit_costs

    depth = inputs.depth_m or default_depth(surface)
    hotspots = find_hotspots(surface, inputs.cleanup_level, store.read("eia_zones"))
    rows = estimate_remediation(
        hotspots,
        medium=inputs.medium,
        depth_m=depth,
        density_t_m3=inputs.bulk_density_t_m3,
        costs=unit_costs(),
    )
    return {"rows": rows, "depth_m": depth, "surface": surface.tags(), **_about(surface)}


def finish_curve(surface: Surface, store: Store, inputs: CurveInputs) -> dict[str, Any]:
    """The cost-versus-cleanup-level table (frame ``table``), with depth and provenance."""
    from site_gis.surfaces import unit_costs

    depth = inputs.depth_m or default_depth(surface)
    table = cost_curve(
        surface,
        store.read("eia_zones"),
        inputs.levels,
        medium=inputs.medium,
        depth_m=depth,
        density_t_m3=inputs.bulk_density_t_m3,
        costs=unit_costs(),
    )
    return {"table": table, "depth_m": depth, "surface": surface.tags(), **_about(surface)}


def finish_receptors(surface: Surface, store: Store, inputs: ReceptorInputs) -> dict[str, Any]:
    """Receptors at risk (metric CRS), with the surface's tags and the parameters used."""
    hotspots = find_hotspots(surface, inputs.cleanup_level, store.read("eia_zones"))
    params = ReceptorParams(**{k: getattr(inputs, k) for k in ReceptorParams.model_fields})
    found = receptors_at_risk(hotspots, store.read("receptors"), params)
    return {"receptors": found, "surface": surface.tags(), "parameters": params.model_dump()}


def finish_zonal(surface: Surface, store: Store, inputs: ZonalInputs) -> dict[str, Any]:
    """count, min, max, mean and sum of the estimate per polygon (frame ``table``)."""
    layer = store.read(inputs.polygons)
    polygons: gpd.GeoDataFrame = to_metric(layer, store.site().crs)
    key = "zone_id" if inputs.polygons == "eia_zones" else "parcel_id"
    table = zonal_statistics(
        surface.raster("estimate"), surface.grid.transform, list(polygons.geometry), nodata=NODATA
    )
    table.insert(0, key, polygons[key].to_numpy())
    return {"table": table, "surface": surface.tags(), **_about(surface)}


def _about(surface: Surface) -> dict[str, Any]:
    return {"analyte": surface.analyte, "unit": surface.unit}


@dataclass(frozen=True)
class Process:
    """One analysis offered as a process."""

    id: str
    title: str
    description: str
    inputs: type[BaseModel]
    finish: Callable[..., Any]
    outputs: dict[str, str]
    """Output formats and their media types."""
    steps: TaskSteps | None = None
    """A task process's steps (``None``: a surface process, whose last step is ``finish``)."""


def _task_only(*args: Any) -> Any:
    raise TypeError("a task process has no surface step; it runs its steps")


PROCESSES: dict[str, Process] = {
    p.id: p
    for p in (
        Process(
            "surface",
            "Interpolated surface",
            "IDW or ordinary kriging onto a grid in the site's metric CRS, clipped to the site "
            "or a zone, with leave-one-out cross-validation (bands: estimate, kriging SD, "
            "probability of exceeding the threshold).",
            SurfaceInputs,
            finish_surface_output,
            {"tif": "image/tiff; application=geotiff", "json": "application/json"},
        ),
        Process(
            "hotspots",
            "Hotspots above a cleanup level",
            "Polygons (lon/lat) of the cells above the level, split by EIA zone, with area (ha) "
            "and the highest and mean estimate inside.",
            HotspotInputs,
            finish_hotspots,
            {"geojson": "application/geo+json"},
        ),
        Process(
            "remediation-estimate",
            "Remediation volumes and costs",
            "Volume (m³), tonnage and low / central / high cost per hotspot, zone and "
            "technology, in the unit-cost table's currency and price year.",
            RemediationInputs,
            finish_remediation,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
        ),
        Process(
            "remediation-curve",
            "Remediation cost against the cleanup level",
            "Area, volume and cost for each cleanup level and technology.",
            CurveInputs,
            finish_curve,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
        ),
        Process(
            "receptors-at-risk",
            "Receptors at risk",
            "Communities and wells near or down-gradient of hotspots, with distance (m), "
            "bearing and compass direction.",
            ReceptorInputs,
            finish_receptors,
            {"geojson": "application/geo+json"},
        ),
        Process(
            "zonal-statistics",
            "Zonal statistics of a surface",
            "count, min, max, mean and sum of the estimate over each EIA zone or parcel.",
            ZonalInputs,
            finish_zonal,
            {"json": "application/json"},
        ),
        Process(
            "groundwater-plume",
            "Groundwater plume diagnostics per round",
            "Per monitoring round: plume area above a level (IDW on one grid), mean "
            "concentration, dissolved mass (porosity and saturated thickness as given), centre "
            "of mass and its movement (m, azimuth); pre- against post-monsoon differences per "
            "well with Wilcoxon signed-rank tests.",
            groundwater.PlumeInputs,
            _task_only,
            {"json": "application/json"},
            groundwater.PLUME_STEPS,
        ),
        Process(
            "groundwater-well-redundancy",
            "Groundwater well redundancy",
            "Wells ranked by how little their removal changes one round's plume area and "
            "dissolved mass (most redundant first), with the change for each.",
            groundwater.RedundancyInputs,
            _task_only,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
            groundwater.REDUNDANCY_STEPS,
        ),
    )
}
"""Every process by id."""
