"""``/surfaces/{analyte}`` (GeoTIFF or JSON summary) and ``/hotspots`` (GeoJSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.access import read_access
from api.deps import GridCells, StoreDep
from api.geojson import GEOJSON_MEDIA_TYPE, feature_collection
from api.responses import FastJSONResponse
from site_gis.crs import to_storage
from site_gis.store import Store
from site_gis.surfaces import (
    Surface,
    SurfaceOptions,
    SurfaceRequest,
    build_surface,
    find_hotspots,
    surface_to_cog,
)

router = APIRouter(tags=["surfaces"], dependencies=[Depends(read_access)])

Analyte = Annotated[
    str, Path(description="Analyte name, synonym or CAS number", examples=["Lead", "71-43-2"])
]
Options = Annotated[SurfaceOptions, Query()]
CleanupLevel = Annotated[
    float,
    Query(
        gt=0,
        allow_inf_nan=False,
        description="Cleanup level in the result unit (mg/kg for solids, ug/L for waters)",
    ),
]
Probability = Annotated[
    float | None,
    Query(
        gt=0,
        lt=1,
        allow_inf_nan=False,
        description="Also the area where the probability of exceedance is at least this (kriging)",
    ),
]


def surface_for(store: Store, analyte: str, options: SurfaceOptions, max_cells: int) -> Surface:
    """Build the surface an API request asks for (a grid of at most ``max_cells`` cells)."""
    return build_surface(
        store, SurfaceRequest(analyte=analyte, **options.model_dump()), max_cells=max_cells
    )


def summary(surface: Surface) -> dict[str, Any]:
    """The JSON description of a surface (no cell values)."""
    grid = surface.grid
    values = surface.estimate[np.isfinite(surface.estimate)]
    bounds = (
        grid.transform.c,
        grid.transform.f + grid.transform.e * grid.height,
        grid.transform.c + grid.transform.a * grid.width,
        grid.transform.f,
    )
    box = gpd.GeoSeries.from_xy([bounds[0], bounds[2]], [bounds[1], bounds[3]], crs=grid.crs)
    lonlat = to_storage(gpd.GeoDataFrame(geometry=box)).geometry
    return {
        "tags": surface.tags(),
        "grid": {
            "width": grid.width,
            "height": grid.height,
            "cell_size_m": grid.cell_size,
            "crs": grid.crs.to_string(),
            "transform": list(grid.transform)[:6],
            "bounds": bounds,
            "bounds_lonlat": [lonlat.x.min(), lonlat.y.min(), lonlat.x.max(), lonlat.y.max()],
            "cells_inside": int(grid.inside.sum()),
        },
        "estimate": {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
        }
        if values.size
        else None,
        "cross_validation": vars(surface.cv),
        "variogram": surface.variogram or None,
        "samples": len(surface.samples),
    }


@router.get(
    "/surfaces/{analyte}",
    summary="Interpolated surface: Cloud-Optimised GeoTIFF, or a JSON summary with f=json",
    response_class=Response,
    responses={
        200: {"content": {"image/tiff; application=geotiff": {}, "application/json": {}}},
        422: {"description": "Too few samples for the method, or bad parameters"},
    },
)
def surface(
    store: StoreDep,
    cells: GridCells,
    analyte: Analyte,
    options: Options,
    f: Annotated[Literal["tif", "json"], Query(description="Output")] = "tif",
) -> Response:
    """IDW or ordinary kriging onto a grid in the site's metric CRS, clipped to the site or
    a zone, with leave-one-out cross-validation; bands: estimate, kriging standard
    deviation, probability of exceeding ``threshold``."""
    built = surface_for(store, analyte, options, cells)
    if f == "json":
        return FastJSONResponse(summary(built))
    name = f"{built.analyte}_{options.medium}_{options.method}.tif".replace(" ", "_")
    return Response(
        surface_to_cog(built),
        media_type="image/tiff; application=geotiff",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/hotspots",
    summary="Areas where a surface exceeds a cleanup level (GeoJSON)",
    response_class=Response,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
def hotspots(
    store: StoreDep,
    cells: GridCells,
    analyte: Annotated[str, Query(description="Analyte")],
    cleanup_level: CleanupLevel,
    options: Options,
    probability_at_least: Probability = None,
) -> Response:
    """Polygons (lon/lat) of the cells above the level, split by EIA zone, with area in
    hectares and the highest and mean estimate inside."""
    built = surface_for(store, analyte, options, cells)
    found = hotspot_frame(store, built, cleanup_level, probability_at_least)
    fields = [c for c in found.columns if c != "geometry"]
    body = feature_collection(
        to_storage(found), id_field="hotspot_id", fields=fields, extra={"surface": built.tags()}
    )
    return Response(body, media_type=GEOJSON_MEDIA_TYPE)


def hotspot_frame(
    store: Store, built: Surface, cleanup_level: float, probability_at_least: float | None = None
) -> gpd.GeoDataFrame:
    """Hotspots of a surface, in the metric CRS."""
    return find_hotspots(
        built, cleanup_level, store.read("eia_zones"), probability_at_least=probability_at_least
    )
