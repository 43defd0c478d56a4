"""Contamination surfaces: IDW and ordinary kriging onto a clipped metric grid.

* Sample values: one per location for the chosen analyte, medium and depth
  interval (the highest, or the mean, of the location's samples); non-detects
  enter at half their detection limit by default -- a stated, configurable
  mapping convention (``non_detects``), recorded in every output.
* IDW: inverse-distance weighting over the nearest ``neighbours`` within an
  optional search radius (scipy's cKDTree, all cores).
* Where: each medium within its domain (soil in the site, sediment in the canal
  corridors, surface water along the channels, groundwater in the monitoring
  network's hull plus a buffer) and within a search radius of the nearest sample
  (:mod:`site_gis.surfaces.domains`); the mask and its reason are in every output.
* Ordinary kriging: pykrige (C backend, local neighbourhoods), with the
  variogram fitted here to the experimental variogram up to a stated maximum lag
  and checked (:mod:`site_gis.surfaces.variogram`), or given by the user
  (``variogram_sill``, ``variogram_range_m``, ``variogram_nugget``).  A failed or
  pure-nugget variogram is not kriged with: the surface falls back to IDW and says
  so (``on_bad_variogram=idw``, the default), or is refused (``refuse``).
  pykrige rather than gstools: measured here, 1,000 samples onto 200 × 200 took
  0.4 s with pykrige's local mode and 65 s with gstools.
* Log transform for skewed data: interpolation in ln(value); kriging estimates
  are back-transformed as the median exp(m) (default: the level exceeded with
  probability one half, the same as P(exceed) = 0.5) or the mean
  exp(m + σ²/2) (``back_transform=mean``; the simple-kriging lognormal form, σ²
  the kriging variance), in the estimate, the cross-validation and the hotspots
  alike.  IDW of ln(value) is back-transformed as exp (a weighted geometric mean).
* Leave-one-out cross-validation (RMSE, MAE, bias in the data's unit) comes
  with every surface; for kriging it re-solves each sample's local system
  without it, with the fitted variogram.
* Probability of exceeding a threshold (kriging only): 1 − Φ((t − z) / σ) in the
  interpolation space, from the kriging standard deviation.
"""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pyproj import Transformer
from scipy.spatial import cKDTree
from scipy.stats import norm

from site_gis.contamination import OUTSIDE_ZONES, load_results, resolve_analyte
from site_gis.crs import STORAGE_CRS, to_metric
from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.schemas import ZONE_IDS
from site_gis.store import Store
from site_gis.surfaces.budget import SurfaceBudget, SurfaceCost, check_cost
from site_gis.surfaces.domains import Domain, beyond_radius, medium_domain
from site_gis.surfaces.grid import Grid, make_grid
from site_gis.surfaces.variogram import (
    experimental_variogram,
    fit_model,
    given_model,
    model_function,
    parameter_names,
)

MIN_SAMPLES_IDW = 3
MIN_SAMPLES_KRIGING = 10
NODATA = -9999.0
DENSIFY_POINTS = 21
"""Points added on each edge of a grid's outline before it is transformed to lon/lat."""


class IdwParams(BaseModel):
    """Inverse-distance weighting."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    power: float = Field(2.0, gt=0, le=10, description="Distance exponent")
    neighbours: int = Field(12, ge=1, le=200, description="Nearest samples used per cell")
    radius_m: float | None = Field(
        None, gt=0, le=50_000, description="Search radius in metres (default: unlimited)"
    )


class KrigingParams(BaseModel):
    """Ordinary kriging."""

    variogram: Literal["spherical", "exponential", "gaussian", "linear"] = Field(
        "spherical", description="Variogram model fitted to the samples"
    )
    neighbours: int = Field(30, ge=3, le=200, description="Nearest samples used per cell")
    max_lag_m: float | None = Field(
        None, gt=0, le=50_000, description="Largest lag fitted (default: half the largest distance)"
    )
    lags: int = Field(12, ge=4, le=50, description="Lag bins of the experimental variogram")
    sill: float | None = Field(None, gt=0, description="Given total sill (with range and nugget)")
    range_m: float | None = Field(None, gt=0, description="Given range in metres")
    nugget: float | None = Field(None, ge=0, description="Given nugget")


class SurfaceOptions(BaseModel):
    """How and onto which grid to interpolate (every option bounded)."""

    model_config = ConfigDict(allow_inf_nan=False)  # no float may be inf or nan

    medium: Literal["soil", "sediment", "groundwater", "surface_water"] = Field(
        "soil", description="Sampled medium"
    )
    depth_top_m: float | None = Field(
        None, ge=0, le=200, description="Top of the depth interval (m)"
    )
    depth_bottom_m: float | None = Field(
        None, ge=0, le=200, description="Bottom of the depth interval (m)"
    )
    method: Literal["idw", "kriging"] = Field("idw", description="Interpolation method")
    cell_size_m: float = Field(25.0, ge=1, le=1000, description="Cell size in metres")
    zone: (
        Literal[
            "blast_furnace_yard", "coal_coke_storage", "water_discharge_canals", "solid_waste_dumps"
        ]
        | None
    ) = Field(None, description="Clip to an EIA zone (default: the whole site)")
    log_transform: bool = Field(False, description="Interpolate ln(value) (skewed data)")
    non_detects: Literal["half_dl", "dl", "zero"] = Field(
        "half_dl", description="Value a non-detect enters the map with"
    )
    aggregate: Literal["max", "mean"] = Field(
        "max", description="One value per location: the highest or the mean of its samples"
    )
    threshold: float | None = Field(
        None,
        gt=0,
        description="Level for the probability of exceedance (kriging only), in the result unit",
    )
    power: float = Field(2.0, gt=0, le=10, description="IDW: distance exponent")
    neighbours: int | None = Field(
        None,
        ge=1,
        le=200,
        description="Nearest samples used per cell (default: 12 for IDW, 30 for kriging)",
    )
    radius_m: float | None = Field(
        None,
        gt=0,
        le=50_000,
        description="IDW: search radius for neighbours in metres (default: the mask's radius)",
    )
    search_radius_m: float | None = Field(
        None,
        gt=0,
        le=50_000,
        description="Blank cells farther than this from the nearest sample, metres (default: "
        "the site's, else twice the samples' mean nearest-neighbour distance)",
    )
    variogram: Literal["spherical", "exponential", "gaussian", "linear"] = Field(
        "spherical", description="Kriging: variogram model fitted to the samples"
    )
    max_lag_m: float | None = Field(
        None,
        gt=0,
        le=50_000,
        description="Kriging: largest lag of the variogram fit, metres (default: half the "
        "largest distance between samples)",
    )
    variogram_lags: int = Field(12, ge=4, le=50, description="Kriging: lag bins of the fit")
    variogram_sill: float | None = Field(
        None,
        gt=0,
        description="Kriging: a given total sill (interpolation space; with range and nugget "
        "the variogram is used as given, not fitted)",
    )
    variogram_range_m: float | None = Field(
        None, gt=0, le=100_000, description="Kriging: a given range, metres"
    )
    variogram_nugget: float | None = Field(None, ge=0, description="Kriging: a given nugget")
    on_bad_variogram: Literal["idw", "refuse"] = Field(
        "idw",
        description="Kriging with a failed or pure-nugget variogram: fall back to IDW (saying "
        "so in every output) or refuse",
    )
    back_transform: Literal["median", "mean"] = Field(
        "median",
        description="Log kriging: estimates as the median exp(m) or the mean exp(m + σ²/2)",
    )

    @property
    def idw(self) -> IdwParams:
        """The IDW parameters."""
        return IdwParams(power=self.power, neighbours=self.neighbours or 12, radius_m=self.radius_m)

    @property
    def kriging(self) -> KrigingParams:
        """The kriging parameters."""
        return KrigingParams(
            variogram=self.variogram,
            neighbours=max(self.neighbours or 30, 3),
            max_lag_m=self.max_lag_m,
            lags=self.variogram_lags,
            sill=self.variogram_sill,
            range_m=self.variogram_range_m,
            nugget=self.variogram_nugget,
        )


class SurfaceRequest(SurfaceOptions):
    """A surface of one analyte."""

    analyte: str = Field(description="Analyte name, synonym or CAS number")


@dataclass
class CrossValidation:
    """Leave-one-out errors, in the data's unit (estimate − observed)."""

    n: int
    rmse: float
    mae: float
    bias: float


@dataclass
class Surface:
    """An interpolated surface on a grid, with its provenance and uncertainty."""

    request: SurfaceRequest
    analyte: str
    unit: str
    grid: Grid
    estimate: np.ndarray
    std: np.ndarray | None
    probability: np.ndarray | None
    samples: gpd.GeoDataFrame
    cv: CrossValidation
    variogram: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    method: str = ""
    """The method used (``idw`` after a kriging request fell back); empty: as requested."""
    domain: Domain | None = None
    warnings: list[str] = field(default_factory=list)
    idw_params: IdwParams | None = None
    depth_intervals: tuple[tuple[float, float], ...] = ()
    """The sampled depth intervals (top, bottom; m below ground) the values come from."""

    @property
    def depth_basis(self) -> str:
        """What depth the surface's values stand for, in words."""
        return depth_basis_text(self.request, self.depth_intervals)

    @property
    def method_used(self) -> str:
        """``idw`` or ``kriging``: what computed the estimates."""
        return self.method or self.request.method

    def raster(self, band: Literal["estimate", "std", "probability"] = "estimate") -> np.ndarray:
        """The band as a full raster (NODATA outside the clip)."""
        values = {"estimate": self.estimate, "std": self.std, "probability": self.probability}[band]
        if values is None:
            raise InvalidRequestError(f"this surface has no {band} band")
        return self.grid.fill(values, NODATA)

    def tags(self) -> dict[str, str]:
        """Metadata written into the GeoTIFF and the JSON summary."""
        params: BaseModel = (
            (self.idw_params or self.request.idw)
            if self.method_used == "idw"
            else self.request.kriging
        )
        parameters = {
            k: v for k, v in self.variogram.items() if k not in ("experimental", "diagnostics")
        }
        return {
            "analyte": self.analyte,
            "unit": self.unit,
            "medium": self.request.medium,
            "depth_interval_m": _interval(self.request),
            "depth_basis": self.depth_basis,
            "method": self.method_used,
            "method_requested": self.request.method,
            "parameters": params.model_dump_json(),
            "variogram": json.dumps(parameters) if self.variogram else "",
            "experimental_variogram": json.dumps(self.variogram.get("experimental", {}))
            if self.variogram
            else "",
            "variogram_diagnostics": json.dumps(self.variogram.get("diagnostics", {}))
            if self.variogram
            else "",
            "domain": self.domain.text() if self.domain else "",
            "search_radius_m": f"{self.domain.search_radius_m:.1f}" if self.domain else "",
            "warnings": " | ".join(self.warnings),
            "log_transform": str(self.request.log_transform),
            "back_transform": _back_transform_text(self),
            "non_detects": {
                "half_dl": "half the detection limit",
                "dl": "the detection limit",
                "zero": "zero",
            }[self.request.non_detects],
            "aggregate_per_location": self.request.aggregate,
            "samples": str(len(self.samples)),
            "cv_rmse": f"{self.cv.rmse:.6g}",
            "cv_mae": f"{self.cv.mae:.6g}",
            "cv_bias": f"{self.cv.bias:.6g}",
            "threshold": "" if self.request.threshold is None else f"{self.request.threshold:g}",
            "data": "SYNTHETIC" if self.synthetic else "measured",
        }


def _back_transform_text(surface: Surface) -> str:
    if not surface.request.log_transform:
        return "none"
    if surface.method_used == "kriging" and surface.request.back_transform == "mean":
        return "mean: exp(m + σ²/2)"
    if surface.method_used == "kriging":
        return "median: exp(m)"
    return "exp(m): weighted geometric mean (IDW)"


def sample_values(store: Store, request: SurfaceRequest) -> gpd.GeoDataFrame:
    """One value per location for the request, as points in the site's metric CRS.

    The site's locations only: background (reference) locations are left out.
    """
    analyte = resolve_analyte(request.analyte)
    results = load_results(store, analyte=analyte, medium=request.medium, background=False)
    results = within_depth(results, request)
    factor = {"half_dl": 0.5, "dl": 1.0, "zero": 0.0}[request.non_detects]
    value = results["value"].where(results["detected"], results["detection_limit"] * factor)
    per_location = (
        results.assign(v=value).groupby("location_id")["v"].agg(request.aggregate).dropna()
    )
    locations = (
        store.read("sample_locations", where={"location_id": list(per_location.index)})
        if len(per_location)
        else store.read("sample_locations", limit=1)
    )
    points = locations.set_index("location_id").loc[per_location.index, ["geometry"]]
    frame = gpd.GeoDataFrame(
        {"location_id": per_location.index, "value": per_location.values},
        geometry=points.geometry.values,
        crs=locations.crs,
    )
    frame.attrs["unit"] = str(results["unit"].iloc[0]) if len(results) else ""
    frame.attrs["analyte"] = analyte
    frame.attrs["intervals"] = depth_intervals_of(results)
    metric = to_metric(frame, store.site().crs)
    metric.attrs.update(frame.attrs)
    return metric


def within_depth(results: pd.DataFrame, request: SurfaceOptions) -> pd.DataFrame:
    """The results whose depth interval lies within the request's (all if none given).

    A result counts when its ``depth_top_m >= depth_top_m`` and its ``depth_bottom_m <=
    depth_bottom_m`` (metres below ground); a missing bound does not filter.
    """
    top, bottom = request.depth_top_m, request.depth_bottom_m
    if top is not None and bottom is not None and bottom < top:
        raise InvalidRequestError("depth_bottom_m is above depth_top_m")
    if top is not None:
        results = results[results["depth_top_m"] >= top]
    if bottom is not None:
        results = results[results["depth_bottom_m"] <= bottom]
    return results


def depth_intervals_of(results: pd.DataFrame) -> tuple[tuple[float, float], ...]:
    """The distinct (top, bottom) depth intervals of results (m below ground), top first."""
    if results.empty:
        return ()
    pairs = results[["depth_top_m", "depth_bottom_m"]].dropna().drop_duplicates()
    return tuple(sorted((float(t), float(b)) for t, b in pairs.itertuples(index=False, name=None)))


def depth_basis_text(request: SurfaceOptions, intervals: tuple[tuple[float, float], ...]) -> str:
    """What depth a surface's values stand for, in words (stated in every output)."""
    listed = ", ".join(f"{t:g}–{b:g} m" for t, b in intervals) or "none"
    if len(intervals) == 1:
        return f"the sampled interval {listed} below ground"
    how = "highest" if request.aggregate == "max" else "mean"
    asked = (
        "no depth interval given"
        if request.depth_top_m is None and request.depth_bottom_m is None
        else f"the interval {_interval(request)} m"
    )
    return (
        f"{asked}: each location's {how} value over the sampled intervals {listed} "
        "(not one depth; give depth_top_m and depth_bottom_m for one interval)"
    )


def clip_polygon(store: Store, zone: str | None) -> Any:
    """The site boundary, or one EIA zone, in the site's metric CRS."""
    crs = store.site().crs
    if zone is None:
        return to_metric(store.read("site_boundary"), crs).geometry.union_all()
    if zone not in ZONE_IDS:
        raise InvalidRequestError(f"zone must be one of {', '.join(ZONE_IDS)}")
    return to_metric(store.read("eia_zones", where={"zone_id": zone}), crs).geometry.union_all()


SYSTEM_ELEMENTS = 4_000_000
"""Kriging-matrix entries solved at once in the cross-validation (32 MB of float64)."""
PIECE_CELLS = 65_536
"""Cells computed at once (bounds the memory of one piece: cells × neighbours arrays)."""


@dataclass
class SurfacePlan:
    """Everything a surface needs before its cells are computed: checked, small, picklable.

    Made once by :func:`plan_surface`; its cells can then be computed in pieces
    (:func:`interpolate_cells`, in any order, on any machine), its cross-validation apart
    (:func:`cross_validate`), and the pieces joined by :func:`finish_surface`.
    Coordinates are metres in the site's metric CRS; ``space`` is the value in the
    interpolation space (ln(value) with ``log_transform``).  ``method`` is the method
    used (``idw`` when a kriging request fell back), ``grid.inside`` the cells of the
    domain within the search radius.
    """

    request: SurfaceRequest
    analyte: str
    unit: str
    grid: Grid
    samples: gpd.GeoDataFrame
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    space: np.ndarray
    variogram: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    method: str = ""
    domain: Domain | None = None
    warnings: list[str] = field(default_factory=list)
    depth_intervals: tuple[tuple[float, float], ...] = ()

    @property
    def cells(self) -> int:
        """How many cells (inside the clip) the surface has."""
        return int(self.grid.inside.sum())

    @property
    def method_used(self) -> str:
        """``idw`` or ``kriging``."""
        return self.method or self.request.method

    @property
    def idw(self) -> IdwParams:
        """IDW parameters: the request's, the neighbour search radius defaulting to the mask's."""
        params = self.request.idw
        if params.radius_m is None and self.domain is not None:
            radius = self.domain.search_radius_m
            if np.isfinite(radius):
                params = params.model_copy(update={"radius_m": min(radius, 50_000.0)})
        return params


def masked_grid(
    geometry: Any,
    cell_size_m: float,
    crs: Any,
    x: np.ndarray,
    y: np.ndarray,
    radius_m: float,
    *,
    max_cells: int,
) -> tuple[Grid, int]:
    """The grid of ``geometry`` with cells beyond ``radius_m`` of every sample masked out.

    Returns the grid and how many of the geometry's cells the radius masked.
    """
    grid = make_grid(geometry, cell_size_m, crs, max_cells=max_cells)
    gx, gy = grid.centres()
    far = beyond_radius(x, y, gx, gy, radius_m)
    inside = grid.inside.copy()
    inside[inside] = ~far
    return dataclasses.replace(grid, inside=inside), int(far.sum())


def plan_surface(
    store: Store, request: SurfaceRequest, *, budget: SurfaceBudget | None = None
) -> SurfacePlan:
    """Check a request and gather what its surface needs (samples, grid, fitted variogram).

    The grid covers the medium's domain within the site or zone, less the cells beyond
    the search radius (:mod:`site_gis.surfaces.domains`).  Its cost is estimated from
    the grid, the samples and the neighbours and checked against ``budget``
    (:mod:`site_gis.surfaces.budget`) before the variogram is fitted or any cell
    computed.  A kriging variogram that fails its checks
    (:mod:`site_gis.surfaces.variogram`) makes the plan IDW, with a warning, or is
    refused with ``on_bad_variogram=refuse``.

    Raises
    ------
    InsufficientDataError
        When there are too few samples for the method (the message says how many), or
        the variogram is refused.
    AnalysisTooCostlyError
        For a request whose estimated cost passes the budget (an ``InvalidRequestError``).
    InvalidRequestError
        For a grid that is too large, an unknown zone, an empty domain, a probability
        or a mean back-transform asked of IDW, or an incomplete given variogram.
    """
    budget = budget or SurfaceBudget()
    if request.zone == OUTSIDE_ZONES:
        raise InvalidRequestError("a surface is clipped to the site or to one EIA zone")
    samples = sample_values(store, request)
    clip, crs = clip_polygon(store, request.zone), store.site().crs
    make_grid(clip, request.cell_size_m, crs, max_cells=budget.max_cells)  # size check first
    needed = MIN_SAMPLES_KRIGING if request.method == "kriging" else MIN_SAMPLES_IDW
    if len(samples) < needed:
        raise InsufficientDataError(
            f"{request.method} of {samples.attrs['analyte']} in {request.medium} needs at least "
            f"{needed} sampled locations; the selection has {len(samples)}"
        )
    if request.method == "kriging" and np.ptp(samples["value"].to_numpy(dtype=float)) == 0:
        raise InsufficientDataError(
            f"every sampled value of {samples.attrs['analyte']} is the same: no variogram can "
            "be fitted; use method=idw"
        )
    if request.threshold is not None and request.method != "kriging":
        raise InvalidRequestError("a probability of exceedance needs method=kriging")
    if request.log_transform and request.back_transform == "mean" and request.method != "kriging":
        raise InvalidRequestError(
            "back_transform=mean needs the kriging variance: use method=kriging or "
            "back_transform=median"
        )
    _check_given_variogram(request.kriging)
    x, y = samples.geometry.x.to_numpy(), samples.geometry.y.to_numpy()
    domain = medium_domain(
        store, request.medium, clip, x, y, search_radius_m=request.search_radius_m
    )
    grid, beyond = masked_grid(
        domain.geometry,
        request.cell_size_m,
        crs,
        x,
        y,
        domain.search_radius_m,
        max_cells=budget.max_cells,
    )
    domain = dataclasses.replace(
        domain, cells_in_domain=int(grid.inside.sum()) + beyond, cells_beyond_radius=beyond
    )
    neighbours = request.idw.neighbours if request.method == "idw" else request.kriging.neighbours
    check_cost(
        SurfaceCost(
            request.method, int(grid.inside.sum()), len(samples), min(neighbours, len(samples))
        ),
        budget,
        cell_size_m=request.cell_size_m,
        cells_at=lambda size: int(
            masked_grid(
                domain.geometry, size, crs, x, y, domain.search_radius_m, max_cells=budget.max_cells
            )[0].inside.sum()
        ),
    )
    z = samples["value"].to_numpy(dtype=float)
    if request.log_transform and (z <= 0).any():
        raise InvalidRequestError(
            "log transform needs values above zero (non_detects=zero gives zeros)"
        )
    space = np.log(z) if request.log_transform else z
    method, warnings, variogram = request.method, [], {}
    if request.method == "kriging":
        variogram = fit_variogram(x, y, space, request.kriging)
        diagnostics = variogram["diagnostics"]
        warnings += [f"variogram: {w}" for w in diagnostics.get("warnings", [])]
        if diagnostics["status"] != "ok":
            refusal = (
                f"kriging of {samples.attrs['analyte']} refused: the {variogram['source']} "
                f"{variogram['model']} variogram is {diagnostics['status'].replace('_', ' ')} "
                f"({diagnostics['reason']})"
            )
            if request.on_bad_variogram == "refuse":
                raise InsufficientDataError(
                    f"{refusal}; try log_transform=true, another variogram model, give "
                    "variogram_sill, variogram_range_m and variogram_nugget, or method=idw"
                )
            method = "idw"
            warnings.insert(0, f"{refusal}; this surface is IDW instead")
            if request.threshold is not None:
                warnings.append("no probability of exceedance: it needs a kriging variogram")
            if request.log_transform and request.back_transform == "mean":
                warnings.append("back-transform: exp(m) of the IDW (no kriging variance)")
    return SurfacePlan(
        request=request,
        analyte=samples.attrs["analyte"],
        unit=samples.attrs["unit"],
        grid=grid,
        samples=samples,
        x=x,
        y=y,
        z=z,
        space=space,
        variogram=variogram,
        synthetic=store.site().synthetic,
        method=method,
        domain=domain,
        warnings=warnings,
        depth_intervals=tuple(samples.attrs.get("intervals", ())),
    )


def _check_given_variogram(params: KrigingParams) -> None:
    given = [params.sill, params.range_m, params.nugget]
    if all(v is None for v in given):
        return
    if any(v is None for v in given):
        raise InvalidRequestError(
            "a given variogram needs all of variogram_sill, variogram_range_m and variogram_nugget"
        )
    if params.variogram == "linear":
        raise InvalidRequestError(
            "a given variogram must be spherical, exponential or gaussian (sill, range, nugget)"
        )
    if params.nugget > params.sill:  # type: ignore[operator]
        raise InvalidRequestError("variogram_nugget must not exceed variogram_sill (total sill)")


def interpolate_cells(
    plan: SurfacePlan, start: int, stop: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Estimates (and kriging variances) of the plan's inside cells ``start:stop``.

    In the interpolation space; pieces of any size join to the whole surface exactly.
    """
    gx, gy = plan.grid.centres()
    gx, gy = gx[start:stop], gy[start:stop]
    if plan.method_used == "idw":
        return interpolate_idw(plan.x, plan.y, plan.space, gx, gy, plan.idw), None
    return krige_cells(plan.x, plan.y, plan.space, gx, gy, plan.request.kriging, plan.variogram)


def cross_validate(plan: SurfacePlan) -> tuple[np.ndarray, np.ndarray | None]:
    """Leave-one-out estimates (and kriging variances) at the plan's samples, in the
    interpolation space."""
    if plan.method_used == "idw":
        return idw_leave_one_out(plan.x, plan.y, plan.space, plan.idw), None
    k = min(plan.request.kriging.neighbours, len(plan.z))
    return local_kriging(
        plan.x,
        plan.y,
        plan.space,
        plan.x,
        plan.y,
        variogram_function(plan.variogram),
        min(k, len(plan.z) - 1),
        exclude_self=True,
        with_variance=True,
    )


def finish_surface(
    plan: SurfacePlan,
    pieces: list[tuple[np.ndarray, np.ndarray | None]],
    loo: Any,
) -> Surface:
    """The surface from its plan, its pieces (in cell order) and its leave-one-out estimates
    (as :func:`cross_validate` returns them)."""
    request = plan.request
    estimate = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0)
    loo_estimate, loo_variance = loo if isinstance(loo, tuple) else (loo, None)
    std = probability = None
    variance = None
    if plan.method_used == "kriging":
        variance = np.maximum(np.concatenate([p[1] for p in pieces if p[1] is not None]), 0)
        std = np.sqrt(variance)
        if request.threshold is not None:
            level = np.log(request.threshold) if request.log_transform else request.threshold
            with np.errstate(divide="ignore", invalid="ignore"):
                probability = np.where(
                    std > 0,
                    1 - norm.cdf((level - estimate) / std),
                    (estimate > level).astype(float),
                )
    mean = request.log_transform and request.back_transform == "mean" and variance is not None
    back_estimate = _back(estimate, variance if mean else None, request.log_transform)
    back_loo = _back(
        loo_estimate,
        np.maximum(loo_variance, 0) if mean and loo_variance is not None else None,
        request.log_transform,
    )
    errors = back_loo - plan.z
    errors = errors[np.isfinite(errors)]  # samples with no neighbour within the radius
    cv = CrossValidation(
        n=len(errors),
        rmse=float(np.sqrt(np.mean(errors**2))) if len(errors) else float("nan"),
        mae=float(np.mean(np.abs(errors))) if len(errors) else float("nan"),
        bias=float(np.mean(errors)) if len(errors) else float("nan"),
    )
    return Surface(
        request=request,
        analyte=plan.analyte,
        unit=plan.unit,
        grid=plan.grid,
        estimate=back_estimate,
        std=std,
        probability=probability,
        samples=plan.samples,
        cv=cv,
        variogram=plan.variogram,
        synthetic=plan.synthetic,
        method=plan.method_used,
        domain=plan.domain,
        warnings=list(plan.warnings),
        idw_params=plan.idw if plan.method_used == "idw" else None,
        depth_intervals=plan.depth_intervals,
    )


def _back(values: np.ndarray, variance: np.ndarray | None, log: bool) -> np.ndarray:
    """Back-transform from the interpolation space: exp(m), or exp(m + σ²/2) with variances."""
    if not log:
        return values
    return np.exp(values if variance is None else values + variance / 2)


def build_surface(
    store: Store, request: SurfaceRequest, *, budget: SurfaceBudget | None = None
) -> Surface:
    """Interpolate the request's samples onto a grid clipped to the site or a zone, here.

    :func:`plan_surface`, then the cells in pieces of :data:`PIECE_CELLS`, the
    cross-validation and :func:`finish_surface`; the job engine runs the same steps
    as separate tasks.  See :func:`plan_surface` for the limits and errors.
    """
    plan = plan_surface(store, request, budget=budget)
    pieces = [
        interpolate_cells(plan, start, min(start + PIECE_CELLS, plan.cells))
        for start in range(0, max(plan.cells, 1), PIECE_CELLS)  # one empty piece at least
    ]
    return finish_surface(plan, pieces, cross_validate(plan))


def interpolate_idw(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, gx: np.ndarray, gy: np.ndarray, params: IdwParams
) -> np.ndarray:
    """Inverse-distance-weighted estimates at (gx, gy) from samples (x, y, z), metres.

    A target on a sample takes the sample's value; a target with no sample
    within the radius is NaN.
    """
    tree = cKDTree(np.c_[x, y])
    k = min(params.neighbours, len(z))
    distance, index = tree.query(
        np.c_[gx, gy], k=k, workers=-1, distance_upper_bound=params.radius_m or np.inf
    )
    distance, index = distance.reshape(len(gx), k), index.reshape(len(gx), k)
    return _idw_weights(distance, index, z, params.power)


def idw_leave_one_out(x: np.ndarray, y: np.ndarray, z: np.ndarray, params: IdwParams) -> np.ndarray:
    """IDW estimate at each sample from all the others."""
    tree = cKDTree(np.c_[x, y])
    k = min(params.neighbours + 1, len(z))
    distance, index = tree.query(
        np.c_[x, y], k=k, workers=-1, distance_upper_bound=params.radius_m or np.inf
    )
    distance, index = distance.reshape(len(z), k), index.reshape(len(z), k)
    own = index == np.arange(len(z))[:, None]
    distance = np.where(own, np.inf, distance)  # drop each sample itself
    return _idw_weights(distance, np.where(own, len(z), index), z, params.power)


def _idw_weights(
    distance: np.ndarray, index: np.ndarray, z: np.ndarray, power: float
) -> np.ndarray:
    """Weighted means of the neighbours; ``index == len(z)`` marks a missing neighbour."""
    n = len(z)
    missing = index >= n
    values = z[np.minimum(index, n - 1)]
    with np.errstate(divide="ignore"):
        weights = 1.0 / (distance * distance) if power == 2 else distance**-power
    if missing.any():
        weights[missing] = 0.0
    zero = distance == 0
    exact = zero.any(axis=1)
    weights[exact] = zero[exact].astype(float)  # a target on a sample takes its value
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.einsum("ij,ij->i", weights, values) / total
    out[total == 0] = np.nan
    return out


def fit_variogram(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, params: KrigingParams
) -> dict[str, Any]:
    """The variogram of samples (x, y in metres): fitted, or given, and checked.

    The experimental variogram up to ``params.max_lag_m`` (default half the largest
    distance), the model fitted to it or the parameters given (``sill``, ``range_m``,
    ``nugget``), and the diagnostics (:mod:`site_gis.surfaces.variogram`).

    Returns
    -------
    dict
        ``model``, pykrige's parameters (``psill``, ``range``, ``nugget``; ``slope``
        for linear), ``sill``, ``source`` (fitted or given), ``max_lag_m``,
        ``experimental`` (lags, semivariance, pairs) and ``diagnostics`` (with
        ``status``: ok, pure_nugget or failed, and the ``reason``).
    """
    experimental = experimental_variogram(x, y, z, max_lag_m=params.max_lag_m, n_lags=params.lags)
    variance = float(np.var(z, ddof=1)) if len(z) > 1 else 0.0
    if params.sill is not None and params.range_m is not None and params.nugget is not None:
        variogram = given_model(
            params.variogram,
            sill=params.sill,
            range_m=params.range_m,
            nugget=params.nugget,
            experimental=experimental,
            sample_variance=variance,
        )
    else:
        variogram = fit_model(experimental, params.variogram, sample_variance=variance)
    variogram["max_lag_m"] = experimental.max_lag_m
    variogram["experimental"] = experimental.to_dict()
    return variogram


def _parameters(variogram: dict[str, Any]) -> list[float]:
    return [float(variogram[name]) for name in parameter_names(variogram["model"])]


def variogram_function(variogram: dict[str, Any]) -> Any:
    """γ(h) of a fitted variogram (h in metres), as pykrige evaluates it."""
    parameters = _parameters(variogram)
    function = model_function(variogram["model"])

    def gamma(h: np.ndarray) -> np.ndarray:
        return np.asarray(function(parameters, h))

    return gamma


def krige_cells(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    params: KrigingParams,
    variogram: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary-kriging estimates and variances at (gx, gy) with an already fitted variogram.

    pykrige's C backend over the ``neighbours`` nearest samples of each target.
    """
    if not len(gx):
        return np.empty(0), np.empty(0)
    model = _kriging_model(x, y, z, params, variogram)
    estimate, variance = model.execute(
        "points", gx, gy, backend="C", n_closest_points=min(params.neighbours, len(z))
    )
    return np.asarray(estimate), np.asarray(variance)


def krige(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    params: KrigingParams,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], np.ndarray]:
    """Ordinary kriging with a fitted variogram.

    Returns
    -------
    tuple
        Estimates and kriging variances at (gx, gy), the variogram (model and
        parameters) and the leave-one-out estimates at the samples.
    """
    variogram = fit_variogram(x, y, z, params)
    k = min(params.neighbours, len(z))
    gamma = variogram_function(variogram)
    # pykrige's C loop and the numpy cross-validation overlap on two threads
    with ThreadPoolExecutor(max_workers=2) as pool:
        loo_job = pool.submit(
            local_kriging, x, y, z, x, y, gamma, min(k, len(z) - 1), exclude_self=True
        )
        parts = list(
            pool.map(
                lambda index: krige_cells(x, y, z, gx[index], gy[index], params, variogram),
                np.array_split(np.arange(len(gx)), 2),
            )
        )
        loo = loo_job.result()
    estimate = np.concatenate([p[0] for p in parts])
    variance = np.concatenate([p[1] for p in parts])
    return estimate, variance, variogram, loo


def _kriging_model(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    params: KrigingParams,
    variogram: dict[str, Any] | None,
) -> Any:
    """pykrige's model: fitted to the samples, or with ``variogram``'s parameters as given."""
    from pykrige.ok import OrdinaryKriging

    given = (
        None
        if variogram is None
        else dict(zip(parameter_names(variogram["model"]), _parameters(variogram), strict=True))
    )
    return OrdinaryKriging(
        x,
        y,
        z,
        variogram_model=params.variogram,
        variogram_parameters=given,
        nlags=12,
        coordinates_type="euclidean",
        enable_plotting=False,
    )


def local_kriging(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    tx: np.ndarray,
    ty: np.ndarray,
    gamma: Any,
    k: int,
    *,
    exclude_self: bool = False,
    with_variance: bool = False,
) -> Any:
    """Ordinary-kriging estimates at (tx, ty) from the k nearest samples.

    The systems are solved in batches of about :data:`SYSTEM_ELEMENTS` matrix
    entries, so memory stays bounded whatever the number of targets and neighbours.
    With ``with_variance`` the kriging variances (Σ wᵢ γᵢ₀ + μ) come too, as a pair.
    """
    tree = cKDTree(np.c_[x, y])
    extra = 1 if exclude_self else 0
    _, index = tree.query(np.c_[tx, ty], k=k + extra)
    index = np.asarray(index).reshape(len(tx), k + extra)
    if exclude_self:
        index = index[:, 1:]
    batch = max(1, SYSTEM_ELEMENTS // (k + 1) ** 2)
    parts = [
        _solve_local(x, y, z, tx[i : i + batch], ty[i : i + batch], index[i : i + batch], gamma)
        for i in range(0, len(tx), batch)
    ]
    estimate = np.concatenate([p[0] for p in parts] or [np.empty(0)])
    if not with_variance:
        return estimate
    return estimate, np.concatenate([p[1] for p in parts] or [np.empty(0)])


def _solve_local(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    tx: np.ndarray,
    ty: np.ndarray,
    index: np.ndarray,
    gamma: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary-kriging estimates and variances at (tx, ty) from the samples ``index`` of
    each, at once."""
    k = index.shape[1]
    px, py = x[index], y[index]
    pairwise = np.hypot(px[:, :, None] - px[:, None, :], py[:, :, None] - py[:, None, :])
    n = len(tx)
    system = np.ones((n, k + 1, k + 1))
    system[:, :k, :k] = gamma(pairwise)
    system[:, np.arange(k), np.arange(k)] = 0.0
    system[:, k, k] = 0.0
    rhs = np.ones((n, k + 1))
    rhs[:, :k] = gamma(np.hypot(px - tx[:, None], py - ty[:, None]))
    solution = np.linalg.solve(system, rhs[:, :, None])[:, :, 0]
    weights = solution[:, :k]
    variance = np.sum(weights * rhs[:, :k], axis=1) + solution[:, k]
    return np.sum(weights * z[index], axis=1), variance


def describe_surface(surface: Surface) -> dict[str, Any]:
    """The JSON description of a surface: tags, grid (metres and lon/lat), range, CV."""
    grid = surface.grid
    values = surface.estimate[np.isfinite(surface.estimate)]
    bounds = (
        grid.transform.c,
        grid.transform.f + grid.transform.e * grid.height,
        grid.transform.c + grid.transform.a * grid.width,
        grid.transform.f,
    )
    west, south, east, north = Transformer.from_crs(
        grid.crs, STORAGE_CRS, always_xy=True
    ).transform_bounds(*bounds, densify_pts=DENSIFY_POINTS)
    return {
        "tags": surface.tags(),
        "grid": {
            "width": grid.width,
            "height": grid.height,
            "cell_size_m": grid.cell_size,
            "crs": grid.crs.to_string(),
            "transform": list(grid.transform)[:6],
            "bounds": bounds,
            "bounds_lonlat": [west, south, east, north],
            "bounds_lonlat_method": f"the grid's outline densified ({DENSIFY_POINTS} points "
            "per edge) and transformed to lon/lat",
            "cells_inside": int(grid.inside.sum()),
        },
        "method": surface.method_used,
        "method_requested": surface.request.method,
        "warnings": list(surface.warnings),
        "domain": surface.domain.describe() if surface.domain else None,
        "back_transform": _back_transform_text(surface),
        "depth_basis": surface.depth_basis,
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


def _interval(request: SurfaceOptions) -> str:
    top = "" if request.depth_top_m is None else f"{request.depth_top_m:g}"
    bottom = "" if request.depth_bottom_m is None else f"{request.depth_bottom_m:g}"
    return f"{top}-{bottom}" if top or bottom else "all"


def frame_of(surface: Surface) -> pd.DataFrame:
    """The inside cells as a table (x, y in metres; estimate; std; probability)."""
    gx, gy = surface.grid.centres()
    return pd.DataFrame(
        {
            "x": gx,
            "y": gy,
            "estimate": surface.estimate,
            "std": surface.std,
            "probability": surface.probability,
        }
    )
