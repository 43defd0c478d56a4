"""The analyses offered as processes: their inputs (bounded models) and their last step.

Every process here interpolates a surface first (the engine runs that in chunks) and
then applies its own ``finish`` function to the surface, on a worker.  ``finish``
returns plain library objects (bytes, frames, dicts); the API writes them out.  The
inputs are pydantic models, so each process describes its inputs as JSON Schema
(OGC API -- Processes) for free, with the same bounds as the GET routes' parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
from pydantic import BaseModel, Field, field_validator

from site_gis.crs import to_metric
from site_gis.errors import SiteGISError
from site_gis.groundwater import flow_direction
from site_gis.processes import groundwater
from site_gis.processes.tasks import TaskSteps
from site_gis.store import Store
from site_gis.surfaces import (
    ReceptorParams,
    RemediationParams,
    Surface,
    SurfaceBudget,
    SurfaceRequest,
    build_depth_column,
    cost_curve,
    cost_index,
    depth_volumes,
    estimate_remediation,
    find_hotspots,
    price_basis,
    receptors_at_risk,
    summarise_totals,
    surface_to_cog,
    unit_costs,
    volume_by_interval,
    zonal_statistics,
)
from site_gis.surfaces.interpolation import NODATA, describe_surface
from site_gis.surfaces.remediation import remediated_medium


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


def finish_remediation(
    surface: Surface,
    store: Store,
    inputs: RemediationInputs,
    *,
    budget: SurfaceBudget | None = None,
) -> dict[str, Any]:
    """Costs per hotspot and technology (frame ``rows``), dug per depth interval, in one
    price year; with the volume by depth slice, the totals and the bases used.

    One surface per sampled depth interval of the selection (the job's own surface is
    reused where it is one of them), each checked against ``budget`` (the job's).
    """
    remediated_medium(inputs.medium)  # waters are refused before more surfaces are made
    column = build_depth_column(store, inputs, surface=surface, budget=budget)
    volumes = depth_volumes(
        column,
        inputs.cleanup_level,
        store.read("eia_zones"),
        depth_m=inputs.depth_m,
        max_depth_m=inputs.max_depth_m,
    )
    index = cost_index()
    basis = price_basis(index, inputs.price_year)
    rows = estimate_remediation(
        volumes.hotspots,
        medium=inputs.medium,
        density_t_m3=inputs.bulk_density_t_m3,
        costs=unit_costs(),
        index=index,
        price_year=basis.year,
    )
    return {
        "rows": rows,
        "totals": summarise_totals(rows),
        "by_interval": volumes.by_interval,
        "volume_by_interval": volume_by_interval(volumes.by_interval),
        "depth_basis": volumes.basis,
        "left_below_max_depth_m2": volumes.left_below_m2,
        "price": basis.describe(),
        "domain": _domain(column.first),
        "surface": column.first.tags(),
        "surfaces": column.tags(),
        **_about(column.first),
    }


def finish_curve(
    surface: Surface,
    store: Store,
    inputs: CurveInputs,
    *,
    budget: SurfaceBudget | None = None,
) -> dict[str, Any]:
    """The cost-versus-cleanup-level table (frame ``table``), dug per depth interval, in
    one price year, with the bases used."""
    remediated_medium(inputs.medium)
    column = build_depth_column(store, inputs, surface=surface, budget=budget)
    index = cost_index()
    basis = price_basis(index, inputs.price_year)
    table = cost_curve(
        column,
        store.read("eia_zones"),
        inputs.levels,
        medium=inputs.medium,
        density_t_m3=inputs.bulk_density_t_m3,
        costs=unit_costs(),
        depth_m=inputs.depth_m,
        max_depth_m=inputs.max_depth_m,
        index=index,
        price_year=basis.year,
    )
    return {
        "table": table,
        "depth_basis": str(table["depth_basis"].iloc[0]) if len(table) else "",
        "price": basis.describe(),
        "domain": _domain(column.first),
        "surface": column.first.tags(),
        "surfaces": column.tags(),
        **_about(column.first),
    }


def _domain(surface: Surface) -> str:
    return surface.domain.text() if surface.domain is not None else "the site or zone clip"


def finish_receptors(surface: Surface, store: Store, inputs: ReceptorInputs) -> dict[str, Any]:
    """Receptors at risk (metric CRS), with the surface's tags and the parameters used."""
    hotspots = find_hotspots(surface, inputs.cleanup_level, store.read("eia_zones"))
    params = ReceptorParams(**{k: getattr(inputs, k) for k in ReceptorParams.model_fields})
    params, gradient = _with_flow(store, params)
    found = receptors_at_risk(hotspots, store.read("receptors"), params)
    return {
        "receptors": found,
        "surface": surface.tags(),
        "parameters": params.model_dump(),
        "flow": {
            "azimuth_deg": params.flow_azimuth_deg,
            "gradient": gradient,
            "basis": params.flow_basis,
        },
    }


def _with_flow(store: Store, params: ReceptorParams) -> tuple[ReceptorParams, float | None]:
    """The flow direction receptors are judged by: fitted from heads, or as stated.

    Returns the parameters with the azimuth and its basis, and the hydraulic gradient
    (m/m) where it was fitted.  Without heads to fit, the stated azimuth is kept and the
    basis says why.
    """
    if params.flow_from == "stated":
        return params, None
    try:
        azimuth, gradient, basis = flow_direction(store)
    except SiteGISError as exc:
        why = f"{params.flow_basis}; not fitted from heads: {exc}"
        return params.model_copy(update={"flow_basis": why}), None
    return params.model_copy(update={"flow_azimuth_deg": azimuth, "flow_basis": basis}), gradient


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
    more_surfaces: bool = False
    """Whether ``finish`` interpolates more surfaces (one per depth interval)."""

    steps: TaskSteps | None = None
    """A task process's steps (``None``: a surface process, whose last step is ``finish``)."""

    def finish_within(self, budget: SurfaceBudget) -> Callable[..., Any]:
        """``finish``, held to ``budget`` where it interpolates more surfaces."""
        if self.more_surfaces:
            return functools.partial(self.finish, budget=budget)
        return self.finish


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
            "Volume (m³, dug from the ground surface to the deepest exceeding depth interval), "
            "tonnage and low / central / high cost per hotspot, zone and technology, escalated "
            "to one stated price year; volume by depth interval; totals per technology.",
            RemediationInputs,
            finish_remediation,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
            more_surfaces=True,
        ),
        Process(
            "remediation-curve",
            "Remediation cost against the cleanup level",
            "Area, volume and cost for each cleanup level and technology.",
            CurveInputs,
            finish_curve,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
            more_surfaces=True,
        ),
        Process(
            "receptors-at-risk",
            "Receptors at risk",
            "Communities and wells on, near or down-gradient of any hotspot (flow azimuth and "
            "its basis as inputs), with distance (m), bearing, compass direction and every "
            "hotspot that puts each at risk.",
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
            steps=groundwater.PLUME_STEPS,
        ),
        Process(
            "groundwater-well-redundancy",
            "Groundwater well redundancy",
            "Wells ranked by how little their removal changes one round's plume area and "
            "dissolved mass (most redundant first), with the change for each.",
            groundwater.RedundancyInputs,
            _task_only,
            {"json": "application/json", "csv": "text/csv; charset=utf-8"},
            steps=groundwater.REDUNDANCY_STEPS,
        ),
    )
}
"""Every process by id."""
