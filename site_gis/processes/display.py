"""What the pages and the encroachment routes need of a surface, computed on a worker
and kept as a small result.

A map page never interpolates in the web server: the contamination map asks for the
``map-surface`` job (the surface warped to Web Mercator for display, and its hotspots
above the page's level); the encroachment map, the parcel queries and the resettlement
estimate ask for the ``exposure`` job (the estimate band as a raster in the site's
metric CRS and its hotspots, which rank and place parcels and encroachments).  A page
draws what is ready and follows what is not.  Neither is offered through OGC API --
Processes; both are ordinary jobs of the engine, with the same budget, memory and time
limits, and are kept and reused like any job.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
from pydantic import Field

from site_gis.processes.catalogue import Process
from site_gis.store import Store
from site_gis.surfaces import (
    EstimateRaster,
    Surface,
    SurfaceRequest,
    find_hotspots,
    surface_to_web_mercator,
)


class MapSurfaceInputs(SurfaceRequest):
    """A surface for display and its hotspots above ``cleanup_level`` (if any).

    A kriging page also sets ``threshold`` (to the same level) so that the one job
    gives the estimate, the kriging standard deviation and the probability of exceeding.
    """

    cleanup_level: float | None = Field(
        None, gt=0, allow_inf_nan=False, description="Level for hotspots, in the result unit"
    )


@dataclass(frozen=True)
class MapSurface:
    """A surface as a map draws it.

    ``values`` are estimates on a Web Mercator (EPSG:3857) grid, NaN outside the clip;
    ``bounds`` are its west, south, east, north in lon/lat; ``hotspots`` are lon/lat
    polygons (EPSG:4326) above the level, or ``None`` without one.  ``std`` (kriging
    standard deviation, in the interpolation space: the result unit, or ln units with
    ``log_transform``) and ``probability`` (of exceeding ``threshold``, 0–1) lie on the
    same grid; both are ``None`` for IDW, ``probability`` also without a threshold.
    """

    values: np.ndarray
    bounds: tuple[float, float, float, float]
    hotspots: gpd.GeoDataFrame | None
    cell_size_m: float
    samples: int
    non_detects: str
    rmse: float
    notes: tuple[str, ...] = ()
    """What the surface is masked to, and why (legend text)."""
    warnings: tuple[str, ...] = ()
    """What went wrong and what was done instead (a refused variogram)."""
    method: str = ""
    """The method that computed the estimates (``idw`` after a refused kriging); empty in
    results kept before it was recorded."""
    std: np.ndarray | None = None
    probability: np.ndarray | None = None
    threshold: float | None = None
    """Level of ``probability``, in the result unit."""
    log_transform: bool = False
    variogram: dict[str, Any] = field(default_factory=dict)
    """The kriging variogram as :func:`site_gis.surfaces.fit_variogram` gives it (model,
    parameters, ``experimental`` lags and ``diagnostics``); empty for IDW requests."""

    def to_bytes(self) -> bytes:
        """The map surface as one compressed NumPy archive (kept as a job's result)."""
        about = {
            "bounds": list(self.bounds),
            "cell_size_m": self.cell_size_m,
            "samples": self.samples,
            "non_detects": self.non_detects,
            "rmse": self.rmse,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "hotspots": None if self.hotspots is None else self.hotspots.to_json(),
            "method": self.method,
            "threshold": self.threshold,
            "log_transform": self.log_transform,
            "variogram": self.variogram,
        }
        bands = {
            name: band.astype("float32")
            for name, band in (("std", self.std), ("probability", self.probability))
            if band is not None
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            values=self.values.astype("float32"),
            about=np.array(json.dumps(about)),
            **bands,  # type: ignore[arg-type]
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> MapSurface:
        """The map surface :meth:`to_bytes` wrote."""
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            values = archive["values"]
            about = json.loads(str(archive["about"]))
            std = archive["std"] if "std" in archive.files else None
            probability = archive["probability"] if "probability" in archive.files else None
        hotspots = None
        if about["hotspots"] is not None:
            parsed = json.loads(about["hotspots"])
            hotspots = (
                gpd.GeoDataFrame.from_features(parsed["features"], crs="EPSG:4326")
                if parsed["features"]
                else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
            )
        west, south, east, north = about["bounds"]
        return cls(
            values=values,
            bounds=(west, south, east, north),
            hotspots=hotspots,
            cell_size_m=float(about["cell_size_m"]),
            samples=int(about["samples"]),
            non_detects=str(about["non_detects"]),
            rmse=float(about["rmse"]),
            notes=tuple(about.get("notes", ())),
            warnings=tuple(about.get("warnings", ())),
            method=str(about.get("method", "")),
            std=std,
            probability=probability,
            threshold=about.get("threshold"),
            log_transform=bool(about.get("log_transform", False)),
            variogram=dict(about.get("variogram") or {}),
        )


def finish_map_surface(surface: Surface, store: Store, inputs: MapSurfaceInputs) -> MapSurface:
    """The surface warped for display (with its kriging standard deviation and probability
    of exceeding, where it has them) and its hotspots (lon/lat) above the level."""
    values, (west, south, east, north) = surface_to_web_mercator(surface)
    std = probability = None
    if surface.std is not None:
        std = np.asarray(surface_to_web_mercator(surface, "std")[0], dtype="float32")
    if surface.probability is not None:
        probability = np.asarray(
            surface_to_web_mercator(surface, "probability")[0], dtype="float32"
        )
    hotspots = None
    if inputs.cleanup_level is not None:
        found = find_hotspots(surface, inputs.cleanup_level, store.read("eia_zones"))
        hotspots = found.to_crs("EPSG:4326")
    return MapSurface(
        values=np.asarray(values, dtype="float32"),
        bounds=(west, south, east, north),
        hotspots=hotspots,
        cell_size_m=surface.grid.cell_size,
        samples=len(surface.samples),
        non_detects=surface.tags()["non_detects"],
        rmse=float(surface.cv.rmse),
        notes=(surface.domain.text(),) if surface.domain else (),
        warnings=tuple(surface.warnings),
        method=surface.method_used,
        std=std,
        probability=probability,
        threshold=surface.request.threshold,
        log_transform=surface.request.log_transform,
        variogram=_plain(surface.variogram),
    )


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars as Python numbers (for JSON), all the way down."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class ExposureInputs(SurfaceRequest):
    """A surface and its hotspots above ``cleanup_level``, to rank parcels by exposure."""

    cleanup_level: float = Field(
        gt=0, allow_inf_nan=False, description="Level for hotspots, in the result unit"
    )


@dataclass(frozen=True)
class Exposure:
    """What parcels and encroachments are ranked against: the estimate and its hotspots.

    ``estimate`` is the surface's estimate band (site's metric CRS, metres); ``hotspots``
    are polygons above the level, split by EIA zone, in the same CRS.
    """

    estimate: EstimateRaster
    hotspots: gpd.GeoDataFrame

    def to_bytes(self) -> bytes:
        """The exposure as one compressed NumPy archive (kept as a job's result)."""
        arrays: dict[str, np.ndarray] = {"hotspots": np.array(self.hotspots.to_json())}
        self.estimate.save(arrays)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Exposure:
        """The exposure :meth:`to_bytes` wrote."""
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            estimate = EstimateRaster.load(archive)
            parsed = json.loads(str(archive["hotspots"]))
        hotspots = (
            gpd.GeoDataFrame.from_features(parsed["features"], crs=estimate.crs)
            if parsed["features"]
            else gpd.GeoDataFrame(geometry=[], crs=estimate.crs)
        )
        return cls(estimate=estimate, hotspots=hotspots)


def finish_exposure(surface: Surface, store: Store, inputs: ExposureInputs) -> Exposure:
    """The estimate band and its hotspots above the level (the surface's metric CRS)."""
    hotspots = find_hotspots(surface, inputs.cleanup_level, store.read("eia_zones"))
    return Exposure(EstimateRaster.of(surface), hotspots)


PAGE_PROCESSES: dict[str, Process] = {
    "map-surface": Process(
        "map-surface",
        "Surface for a map page",
        "The surface warped to Web Mercator for display, with its hotspots (lon/lat) above "
        "the page's level.",
        MapSurfaceInputs,
        finish_map_surface,
        {"npz": "application/octet-stream"},
    ),
    "exposure": Process(
        "exposure",
        "Exposure of parcels and encroachments",
        "The estimate band in the site's metric CRS and its hotspots above the level, "
        "which rank parcels and encroachments by exposure.",
        ExposureInputs,
        finish_exposure,
        {"npz": "application/octet-stream"},
    ),
}
"""Jobs the app's own pages run (not offered through OGC API -- Processes), by id."""
