"""Plume diagnostics per monitoring round, monsoon differences, and well redundancy.

Each round's results are interpolated (IDW, :func:`site_gis.surfaces.interpolate_idw`)
onto one grid in the site's metric CRS covering the convex hull of every well of
the analyte plus ``buffer_m`` -- the same grid for every round, so rounds compare.
On that grid:

* **plume area**: cells whose estimate is above ``level`` (strictly), in m² and ha;
* **mean concentration**: over the plume cells (and over the whole grid);
* **dissolved mass** (kg) ``= sum(C * A * b * n) * 1e-6`` over the grid and over
  the plume, with ``C`` in µg/L (= mg/m³), ``A`` the cell area (m²), ``b`` the
  saturated thickness (m) and ``n`` the effective porosity, both stated inputs
  (defaults 6 m, the screened interval of the wells, and 0.30, a textbook value
  for sand: assumptions to replace with site data);
* **centre of mass**: the concentration-weighted mean of the plume cells' centres
  (of all cells when no cell is above the level), and its movement between
  consecutive rounds as a geodesic distance (m) and azimuth (degrees from true
  north).

Non-detects enter at half their limit by default (``non_detects``).  Pre- and
post-monsoon: for each well and year the mean of the April-June results against
the mean of the July-September results, the per-well Wilcoxon signed-rank test
over the years (with 4 years its smallest two-sided p is 0.125) and the network's
Wilcoxon test over the wells' median differences.

Well redundancy (GWSDAT's well influence idea): the round's plume is estimated
again without each well in turn; the wells whose removal moves area and mass
least are the most redundant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy.stats import wilcoxon

from site_gis.contamination import load_results, resolve_analyte
from site_gis.crs import WGS84_GEOD, to_metric
from site_gis.errors import AnalysisTooCostlyError, InsufficientDataError
from site_gis.groundwater.flow import round_of
from site_gis.store import Store
from site_gis.surfaces import IdwParams, interpolate_idw
from site_gis.surfaces.grid import make_grid

MAX_WORK = 400_000_000
"""Most (grid cells x wells used per cell x estimates) one job may ask for."""
MIN_WELLS_PER_ROUND = 4


class PlumeParams(BaseModel):
    """Inputs of the plume diagnostics (every one bounded)."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")

    analyte: str = Field(description="Analyte name, synonym or CAS number", max_length=100)
    level: float = Field(gt=0, description="Plume boundary concentration (ug/L)")
    porosity: float = Field(0.30, gt=0, le=0.6, description="Effective porosity (fraction)")
    saturated_thickness_m: float = Field(
        6.0, gt=0, le=200, description="Saturated thickness the plume occupies (m)"
    )
    cell_size_m: float = Field(50.0, ge=5, le=1000, description="Grid cell size (m)")
    buffer_m: float = Field(250.0, ge=0, le=5000, description="Grid beyond the wells' hull (m)")
    power: float = Field(2.0, gt=0, le=10, description="IDW distance exponent")
    neighbours: int = Field(8, ge=1, le=50, description="Wells used per cell")
    non_detects: Literal["half_dl", "dl", "zero"] = Field(
        "half_dl", description="Value a non-detect enters with"
    )
    rounds: list[str] | None = Field(
        None, max_length=100, description="Rounds (e.g. 2026-Q3) to analyse; default: all"
    )
    redundancy_round: str | None = Field(
        None, max_length=20, description="Well redundancy: the round (default: the latest)"
    )

    @field_validator("analyte")
    @classmethod
    def _known(cls, analyte: str) -> str:
        return resolve_analyte(analyte)  # an unknown name is refused before any job starts


@dataclass(frozen=True)
class PlumeData:
    """What every round's estimate needs: the values by round and the grid (metric CRS)."""

    values: pd.DataFrame
    """round, location_id, x, y (m), value (ug/L), season month"""
    gx: np.ndarray
    gy: np.ndarray
    cell_area_m2: float
    crs: str
    unit: str
    analyte: str
    synthetic: bool


def prepare_plume(store: Store, params: PlumeParams) -> PlumeData:
    """Read the analyte's groundwater results and build the grid; refuse a job too large."""
    analyte = resolve_analyte(params.analyte)
    results = load_results(store, analyte=analyte, medium="groundwater", background=False)
    if not len(results):
        raise InsufficientDataError(f"no groundwater results for {analyte}")
    factor = {"half_dl": 0.5, "dl": 1.0, "zero": 0.0}[params.non_detects]
    value = results["value"].where(results["detected"], results["detection_limit"] * factor)
    wells = store.read(
        "sample_locations", where={"location_id": sorted(results["location_id"].unique())}
    )
    crs = store.site().crs
    metric: gpd.GeoDataFrame = to_metric(wells, crs)
    xy = pd.DataFrame(
        {"location_id": metric["location_id"], "x": metric.geometry.x, "y": metric.geometry.y}
    )
    table = (
        pd.DataFrame(
            {
                "round": round_of(results["sampled_on"]),
                "location_id": results["location_id"],
                "month": pd.to_datetime(results["sampled_on"]).dt.month,
                "year": pd.to_datetime(results["sampled_on"]).dt.year,
                "value": value,
            }
        )
        .dropna(subset=["value"])
        .merge(xy, on="location_id", validate="many_to_one")
    )
    clip = shapely.convex_hull(shapely.multipoints(xy[["x", "y"]].to_numpy())).buffer(
        params.buffer_m
    )
    grid = make_grid(clip, params.cell_size_m, crs)
    gx, gy = grid.centres()
    rounds = params.rounds or sorted(table["round"].unique())
    unknown = sorted(set(rounds) - set(table["round"]))
    if unknown:
        raise InsufficientDataError(f"no {analyte} results in round(s) {', '.join(unknown)}")
    work = len(gx) * params.neighbours * (len(rounds) + len(xy))
    if work > MAX_WORK:
        raise AnalysisTooCostlyError(
            f"{len(gx):,} cells x {params.neighbours} wells x {len(rounds) + len(xy)} estimates "
            f"is {work:,}; the limit is {MAX_WORK:,}: use a larger cell_size_m or fewer rounds"
        )
    units = results["unit"].unique()
    return PlumeData(
        values=table[table["round"].isin(rounds)].reset_index(drop=True),
        gx=gx,
        gy=gy,
        cell_area_m2=grid.cell_area_m2,
        crs=str(crs),
        unit=str(units[0]) if len(units) else "ug/L",
        analyte=analyte,
        synthetic=bool(results["synthetic"].any()) if "synthetic" in results else False,
    )


def plume_metrics(
    estimate: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    *,
    cell_area_m2: float,
    level: float,
    porosity: float,
    saturated_thickness_m: float,
) -> dict[str, Any]:
    """Area, mean, dissolved mass and centre of mass of one estimated grid (see module notes).

    ``estimate`` in µg/L at cell centres ``gx``, ``gy`` (m); NaN cells are left out.
    """
    ok = np.isfinite(estimate)
    c, x, y = estimate[ok], gx[ok], gy[ok]
    above = c > level
    water_m3 = cell_area_m2 * saturated_thickness_m * porosity  # per cell
    mass_kg = float(c.sum() * water_m3 * 1e-6)
    plume_mass_kg = float(c[above].sum() * water_m3 * 1e-6)
    weight = c[above] if above.any() else c
    wx, wy = (x[above], y[above]) if above.any() else (x, y)
    total = float(weight.sum())
    centre = (
        (float((weight * wx).sum() / total), float((weight * wy).sum() / total)) if total else None
    )
    return {
        "area_m2": float(above.sum() * cell_area_m2),
        "area_ha": float(above.sum() * cell_area_m2 / 1e4),
        "mean_in_plume": float(c[above].mean()) if above.any() else None,
        "mean_over_grid": float(c.mean()) if len(c) else None,
        "max_estimate": float(c.max()) if len(c) else None,
        "mass_kg": mass_kg,
        "plume_mass_kg": plume_mass_kg,
        "centre_of_mass_xy": centre,
        "centre_of": "plume cells" if above.any() else "all cells (none above the level)",
    }


def _estimate(data: PlumeData, rows: pd.DataFrame, params: PlumeParams) -> np.ndarray:
    per_well = rows.groupby("location_id", sort=True).agg(
        x=("x", "first"), y=("y", "first"), value=("value", "mean")
    )
    idw = IdwParams(power=params.power, neighbours=params.neighbours)
    return interpolate_idw(
        per_well["x"].to_numpy(),
        per_well["y"].to_numpy(),
        per_well["value"].to_numpy(dtype=float),
        data.gx,
        data.gy,
        idw,
    )


def plume_for_round(data: PlumeData, round_id: str, params: PlumeParams) -> dict[str, Any]:
    """The plume metrics of one round (a task of the job)."""
    rows = data.values[data.values["round"] == round_id]
    wells = rows["location_id"].nunique()
    out: dict[str, Any] = {"round": round_id, "wells": wells}
    if wells < MIN_WELLS_PER_ROUND:
        out["note"] = f"fewer than {MIN_WELLS_PER_ROUND} wells: not estimated"
        return out
    out.update(
        plume_metrics(
            _estimate(data, rows, params),
            data.gx,
            data.gy,
            cell_area_m2=data.cell_area_m2,
            level=params.level,
            porosity=params.porosity,
            saturated_thickness_m=params.saturated_thickness_m,
        )
    )
    return out


def combine_rounds(
    data: PlumeData, per_round: list[dict[str, Any]], params: PlumeParams
) -> dict[str, Any]:
    """The rounds in order with the centre of mass's movement, and the monsoon comparison."""
    ordered = sorted(per_round, key=lambda r: r["round"])
    lonlat = _to_lonlat([r.get("centre_of_mass_xy") for r in ordered], data.crs)
    previous = None
    for entry, point in zip(ordered, lonlat, strict=True):
        entry["centre_of_mass_lonlat"] = point
        if point is not None and previous is not None:
            azimuth, _, distance = WGS84_GEOD.inv(previous[0], previous[1], point[0], point[1])
            entry["moved_m"] = float(distance)
            entry["moved_azimuth_deg"] = float(azimuth % 360)
        if point is not None:
            previous = point
    return {
        "analyte": data.analyte,
        "unit": data.unit,
        "level": params.level,
        "assumptions": {
            "porosity": params.porosity,
            "saturated_thickness_m": params.saturated_thickness_m,
            "non_detects": params.non_detects,
            "interpolation": f"IDW power {params.power:g}, {params.neighbours} nearest wells",
            "grid": f"{params.cell_size_m:g} m cells over the wells' hull + {params.buffer_m:g} m "
            f"({len(data.gx):,} cells, {data.crs})",
            "mass": "sum(C * cell area * saturated thickness * porosity) * 1e-6 kg (C in ug/L)",
        },
        "synthetic": data.synthetic,
        "rounds": ordered,
        "monsoon": monsoon_differences(data.values),
    }


def _to_lonlat(points: list[Any], crs: str) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = [None] * len(points)
    present = [i for i, p in enumerate(points) if p is not None]
    if not present:
        return out
    xs = [points[i][0] for i in present]
    ys = [points[i][1] for i in present]
    series = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(4326)
    for k, i in enumerate(present):
        out[i] = (round(float(series.x.iloc[k]), 7), round(float(series.y.iloc[k]), 7))
    return out


def monsoon_differences(values: pd.DataFrame) -> dict[str, Any]:
    """Per well and year, post-monsoon (Jul-Sep) minus pre-monsoon (Apr-Jun) mean; paired tests."""
    season = np.where(
        values["month"].between(4, 6), "pre", np.where(values["month"].between(7, 9), "post", "")
    )
    table = (
        values.assign(season=season)[season != ""]
        .groupby(["location_id", "year", "season"])["value"]
        .mean()
        .unstack("season")
    )
    if not {"pre", "post"} <= set(table.columns):
        return {"wells": [], "network": None, "note": "no year with both seasons"}
    pairs = table.dropna(subset=["pre", "post"])
    wells = []
    medians = []
    for location, group in pairs.groupby(level="location_id", sort=True):
        diff = (group["post"] - group["pre"]).to_numpy()
        medians.append(float(np.median(diff)))
        wells.append(
            {
                "location_id": location,
                "years": len(diff),
                "median_difference": float(np.median(diff)),
                "differences": {
                    str(int(y)): float(d) for (_, y), d in zip(group.index, diff, strict=True)
                },
                "wilcoxon_p": _wilcoxon(diff),
            }
        )
    network = {
        "wells": len(medians),
        "median_of_well_medians": float(np.median(medians)) if medians else None,
        "wilcoxon_p": _wilcoxon(np.asarray(medians)),
        "test": "Wilcoxon signed-rank, two-sided, over the wells' median differences",
    }
    return {"wells": wells, "network": network}


def _wilcoxon(diff: np.ndarray) -> float | None:
    nonzero = diff[diff != 0]
    if len(nonzero) < 2:
        return None
    return float(wilcoxon(nonzero, alternative="two-sided").pvalue)


def well_influence(
    data: PlumeData, params: PlumeParams, location_id: str, round_id: str
) -> dict[str, Any]:
    """The round's plume area and mass without ``location_id`` (a task of the job)."""
    rows = data.values[
        (data.values["round"] == round_id) & (data.values["location_id"] != location_id)
    ]
    metrics = plume_metrics(
        _estimate(data, rows, params),
        data.gx,
        data.gy,
        cell_area_m2=data.cell_area_m2,
        level=params.level,
        porosity=params.porosity,
        saturated_thickness_m=params.saturated_thickness_m,
    )
    return {
        "location_id": location_id,
        "area_m2": metrics["area_m2"],
        "mass_kg": metrics["mass_kg"],
    }


def rank_redundancy(
    baseline: dict[str, Any], without: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Wells ranked from most to least redundant: by the larger relative change of area or mass."""
    ranked = []
    for entry in without:
        d_area = entry["area_m2"] - baseline["area_m2"]
        d_mass = entry["mass_kg"] - baseline["mass_kg"]
        rel_area = abs(d_area) / baseline["area_m2"] if baseline["area_m2"] else 0.0
        rel_mass = abs(d_mass) / baseline["mass_kg"] if baseline["mass_kg"] else 0.0
        ranked.append(
            {
                **entry,
                "area_change_m2": d_area,
                "mass_change_kg": d_mass,
                "area_change_pct": 100 * rel_area,
                "mass_change_pct": 100 * rel_mass,
                "influence_pct": 100 * max(rel_area, rel_mass),
            }
        )
    ranked.sort(key=lambda r: (r["influence_pct"], r["location_id"]))
    for rank, entry in enumerate(ranked, start=1):
        entry["rank"] = rank
    return ranked


def plume_diagnostics(store: Store, params: PlumeParams) -> dict[str, Any]:
    """Every round's plume, its movement and the monsoon comparison, in this process."""
    data = prepare_plume(store, params)
    rounds = sorted(data.values["round"].unique())
    return combine_rounds(data, [plume_for_round(data, r, params) for r in rounds], params)


def redundancy_round(data: PlumeData, params: PlumeParams) -> str:
    """The round the well redundancy is assessed in: the one asked for, else the latest."""
    rounds = sorted(data.values["round"].unique())
    chosen = params.redundancy_round or rounds[-1]
    if chosen not in rounds:
        raise InsufficientDataError(f"no {data.analyte} results in round {chosen}")
    return chosen


def well_redundancy(store: Store, params: PlumeParams) -> dict[str, Any]:
    """Wells ranked by how little their removal changes the round's plume area and mass."""
    data = prepare_plume(store, params)
    chosen = redundancy_round(data, params)
    baseline = plume_for_round(data, chosen, params)
    wells = sorted(data.values.loc[data.values["round"] == chosen, "location_id"].unique())
    without = [well_influence(data, params, w, chosen) for w in wells]
    return redundancy_result(data, params, chosen, baseline, without)


def redundancy_result(
    data: PlumeData,
    params: PlumeParams,
    chosen: str,
    baseline: dict[str, Any],
    without: list[dict[str, Any]],
) -> dict[str, Any]:
    """The redundancy ranking with its baseline and assumptions."""
    if "area_m2" not in baseline:
        raise InsufficientDataError(f"round {chosen}: {baseline.get('note')}")
    return {
        "analyte": data.analyte,
        "unit": data.unit,
        "level": params.level,
        "round": chosen,
        "baseline": {"area_m2": baseline["area_m2"], "mass_kg": baseline["mass_kg"]},
        "method": "the round's plume estimated again without each well in turn (IDW, same "
        "grid); influence = the larger relative change of area or mass; rank 1 = most "
        "redundant",
        "synthetic": data.synthetic,
        "wells": rank_redundancy(baseline, without),
    }
