"""The report's sections, each built from the same library calls the API's routes make.

:func:`read_report_data` reads the store once (results, levels, zones and the other
layers the sections need); each ``*_section`` function turns that data -- and, for the
surfaces, the store -- into a :class:`~site_gis.report.document.Section`.  No section
holds household-level data: resettlement appears only as aggregates per zone and phase,
suppressed below the minimum group size as the API suppresses them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from site_gis import __version__
from site_gis.contamination import (
    DL_ABOVE,
    EXCEEDS,
    OUTSIDE_ZONES,
    RULE,
    compare_to_background,
    load_results,
    resolve_analyte,
    screen_results,
    select_levels,
    statistics_tables,
    zone_verdicts,
)
from site_gis.contamination.kaplan_meier import CONVENTION_TEXT
from site_gis.contamination.ucl import SEED as UCL_SEED
from site_gis.crs import to_metric
from site_gis.errors import SiteGISError
from site_gis.groundwater import flow_direction, indicator_matrix
from site_gis.groundwater.flow import round_of
from site_gis.groundwater.trends import MONSOON_MONTHS
from site_gis.report import figures
from site_gis.report.document import Assumption, Section
from site_gis.report.params import MAX_TREND_WELLS, ReportParams
from site_gis.resettlement import (
    MIN_GROUP,
    estimate_resettlement,
    load_matrix,
    load_relocation_site,
    report_basis,
    survey_inputs,
)
from site_gis.store import Store
from site_gis.surfaces import (
    ReceptorParams,
    RemediationParams,
    SurfaceBudget,
    SurfaceRequest,
    build_depth_column,
    build_surface,
    cost_curve,
    cost_index,
    depth_volumes,
    estimate_remediation,
    find_hotspots,
    price_basis,
    receptors_at_risk,
    summarise_by_zone,
    summarise_totals,
    unit_costs,
)
from site_gis.surfaces.interpolation import NODATA, cross_validate, plan_surface

CURVE_FACTORS = (0.5, 1.0, 2.0, 4.0)
"""Cleanup levels of the cost curve, as multiples of the standard's level."""
LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "rasterio",
    "pykrige",
    "matplotlib",
    "pydantic",
    "dask",
)


@dataclass
class ReportData:
    """What the sections read from the store, once."""

    store_url: str
    site: Any
    data_version: str
    content_hash: str
    results: pd.DataFrame
    levels: pd.DataFrame
    zones: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame
    locations: gpd.GeoDataFrame
    receptors: gpd.GeoDataFrame


def read_report_data(store: Store) -> ReportData:
    """Read the layers the report needs; the content hash is SHA-256 over their rows in id
    order (whatever order the store returns them in)."""
    site = store.site()
    results = load_results(store)
    levels = store.read("screening_levels")
    zones = store.read("eia_zones")
    boundary = store.read("site_boundary")
    locations = store.read("sample_locations")
    receptors = store.read("receptors")
    digest = hashlib.sha256()
    for frame in (results, levels, zones, boundary, locations, receptors):
        ordered = frame.sort_values(list(frame.columns[:1]), kind="stable")  # the id field first
        plain = pd.DataFrame(ordered).drop(columns="geometry", errors="ignore")
        digest.update(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
        if "geometry" in ordered:
            digest.update(b"".join(ordered.geometry.to_wkb()))
    return ReportData(
        store_url=store.url,
        site=site,
        data_version=store.version(),
        content_hash=digest.hexdigest(),
        results=results,
        levels=levels,
        zones=zones,
        boundary=boundary,
        locations=locations,
        receptors=receptors,
    )


def fmt(value: Any) -> str:
    """A number as the report prints it: 4 significant figures, thousands separated."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 10_000 else f"{number:.4g}"
    return str(value)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, formatted by :func:`fmt` (missing values as a dash)."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        out[column] = [fmt(None if _missing(v) else v) for v in out[column]]
    return out


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _zone(series: pd.Series) -> pd.Series:
    return series.fillna(OUTSIDE_ZONES).astype(str)


def _metric(data: ReportData, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return to_metric(frame, data.site.crs)


def site_section(data: ReportData, params: ReportParams) -> Section:
    """The site, its four EIA zones and their areas (ha, in the metric CRS), with a map."""
    section = Section("site", "Site and EIA zones")
    boundary = _metric(data, data.boundary)
    zones = _metric(data, data.zones).sort_values("zone_id")
    site_ha = float(boundary.area.sum()) / 1e4
    section.text(
        f"{data.site.name}. Site area {fmt(site_ha)} ha ({fmt(site_ha * 2.471054)} acres), "
        f"measured in {data.site.metric_crs}. {data.site.provenance}"
    )
    table = pd.DataFrame(
        {
            "zone_id": zones["zone_id"].to_numpy(),
            "name": zones["name"].to_numpy(),
            "area_ha": (zones.area / 1e4).to_numpy(),
            "share_of_site_pct": (100 * zones.area / 1e4 / site_ha).to_numpy(),
        }
    )
    section.table(
        "EIA zones and their areas (ha, computed in the metric CRS)", shown(table), key="zones"
    )
    section.figure(
        f"Site boundary, EIA zones, sample locations and receptors ({data.site.metric_crs})",
        figures.site_map(
            boundary,
            zones,
            _metric(data, data.locations),
            _metric(data, data.receptors),
            synthetic=data.site.synthetic,
        ),
    )
    return section


def inventory_section(data: ReportData, params: ReportParams) -> Section:
    """Locations and results by medium, zone, round and laboratory; non-detects and
    detection limits above the chosen levels."""
    section = Section("inventory", "Data inventory and quality")
    results = data.results.assign(zone=_zone(data.results["zone_id"]))
    locations = data.locations.assign(zone=_zone(data.locations["zone_id"]))
    by_location = locations.groupby(["medium", "zone"]).size().unstack(fill_value=0).reset_index()
    section.table("Sample locations by medium and EIA zone", shown(by_location), key="locations")
    results = results.assign(round=round_of(results["sampled_on"]))
    by_round = results.groupby(["medium", "round"]).size().unstack(fill_value=0).reset_index()
    section.table(
        "Results by medium and sampling round (calendar quarter)", shown(by_round), key="rounds"
    )
    by_lab = results.groupby(["lab", "medium"]).size().unstack(fill_value=0).reset_index()
    section.table("Results by laboratory and medium", shown(by_lab), key="labs")
    screened = _screened(data, params)
    quality = (
        screened.assign(
            non_detect=~screened["detected"].astype(bool),
            dl_above=screened["flag"] == DL_ABOVE,
        )
        .groupby(["medium", "zone"])
        .agg(
            results=("result_id", "size"),
            non_detects=("non_detect", "sum"),
            dl_above_level=("dl_above", "sum"),
        )
        .reset_index()
        .assign(zone=lambda t: t["zone"].astype(str))
    )
    quality.insert(4, "non_detect_pct", 100 * quality["non_detects"] / quality["results"])
    section.table(
        f"Non-detects and detection limits above the {params.standard} ({params.land_use}) "
        "level, by medium and zone",
        shown(quality),
        note="A non-detect whose detection limit is above the level cannot show the level is met "
        f"(flag '{DL_ABOVE}').",
        key="quality",
    )
    return section


def _screened(data: ReportData, params: ReportParams) -> pd.DataFrame:
    screened = screen_results(
        data.results, data.levels, standard=params.standard, land_use=params.land_use
    )
    return screened.assign(zone=_zone(screened["zone_id"]))


def screening_section(data: ReportData, params: ReportParams) -> Section:
    """Exceedances per zone and medium against the chosen standard, with its citations."""
    section = Section("screening", f"Screening against {params.standard} ({params.land_use})")
    screened = _screened(data, params)
    section.text(f"Rule: {RULE}.")
    counts = (
        screened.assign(exceeds=screened["flag"] == EXCEEDS)
        .groupby(["zone", "medium", "analyte"])
        .agg(
            results=("result_id", "size"),
            exceedances=("exceeds", "sum"),
            max_ratio=("ratio", "max"),
        )
        .reset_index()
    )
    counts = counts[counts["exceedances"] > 0].sort_values(["zone", "medium", "analyte"])
    section.table(
        "Results above the level per zone, medium and analyte (max_ratio = highest result / level)",
        shown(counts),
        key="screening-counts",
    )
    used = screened.dropna(subset=["level"]).drop_duplicates(["analyte", "medium"])
    citations = used[
        ["analyte", "medium", "level", "level_unit", "version", "level_status", "level_citation"]
    ].sort_values(["medium", "analyte"])
    section.table(
        f"Levels of {params.standard} applied, with their citation and status",
        shown(citations),
        key="levels",
    )
    for row in used[used["level_status"] == "to verify"].itertuples():
        section.assumptions.append(
            Assumption(
                f"{params.standard} level, {row.analyte} in {row.medium}",
                f"{fmt(row.level)} {row.level_unit}",
                str(row.level_source or row.level_citation),
                "screening",
            )
        )
    missing = screened.loc[screened["level"].isna()].groupby("medium")["analyte"].unique()
    if len(missing):
        listed = "; ".join(f"{m}: {', '.join(sorted(a))}" for m, a in missing.items())
        section.text(f"No level of {params.standard} for (not screened) -- {listed}.")
    section.methods.append(f"screening: standard {params.standard}, land use {params.land_use}")
    return section


STAT_COLUMNS = {
    "zone_id": "zone",
    "medium": "medium",
    "analyte": "analyte",
    "unit": "unit",
    "n": "n",
    "percent_non_detect": "% ND",
    "max_detect": "max",
    "km_mean": "KM mean",
    "mean": "mean",
    "ucl95": "UCL95",
    "epc": "EPC",
    "method": "UCL method",
    "recommendation_rule": "rule",
}


def statistics_section(data: ReportData, params: ReportParams) -> Section:
    """Per zone × analyte × medium: n, non-detects, mean, the recommended UCL95 / EPC, the
    method and why (``statistics_tables``, as ``GET /contamination/statistics``)."""
    section = Section("statistics", "Statistics per zone, analyte and medium")
    table, _ = statistics_tables(
        data.results, convention="unrestricted", resamples=params.resamples, full=False
    )
    table = table.sort_values(["zone_id", "medium", "analyte"]).reset_index(drop=True)
    section.text(
        "Non-detects by Kaplan–Meier ("
        + CONVENTION_TEXT["unrestricted"]
        + "); the UCL is chosen by the ProUCL 5.2 decision table "
        "(site_gis/reference/ucl_recommendations.toml). Background locations are left out."
    )
    section.table(
        "Recommended 95 % UCL and exposure point concentration (EPC) per group",
        shown(table[list(STAT_COLUMNS)].rename(columns=STAT_COLUMNS)),
        key="statistics",
    )
    reasons = table[["recommendation_rule", "recommendation_reason", "recommendation_section"]]
    reasons = reasons.drop_duplicates("recommendation_rule").sort_values("recommendation_rule")
    section.table(
        "Why each UCL method: the decision-table rules used", shown(reasons), key="ucl-rules"
    )
    unverified = table.loc[~table["recommendation_verified"].astype(bool), "recommendation_rule"]
    for rule in sorted(unverified.dropna().astype(str).unique()):
        section.assumptions.append(
            Assumption(
                f"UCL decision rule {rule}",
                "recommendation row",
                "site_gis/reference/ucl_recommendations.toml (ProUCL 5.2 TG)",
                "statistics",
            )
        )
    section.methods.append(
        f"statistics: statistics_tables(convention=unrestricted, resamples={params.resamples}, "
        f"seed={UCL_SEED}, numpy default_rng)"
    )
    return section


def background_section(data: ReportData, params: ReportParams) -> Section:
    """Site against background per zone × analyte × medium (Form 1 tests) and the verdicts."""
    section = Section("background", "Background comparison")
    tests = compare_to_background(data.results)
    verdicts = zone_verdicts(tests)
    section.table(
        "Site zone against background: verdict of the rank test (α = 0.05, Form 1)",
        shown(verdicts[["zone_id", "medium", "analyte", "background_verdict"]]),
        key="background",
    )
    if "verified" in tests and len(tests):
        for test in sorted(tests.loc[~tests["verified"].astype(bool), "test"].dropna().unique()):
            section.assumptions.append(
                Assumption(
                    f"background test {test}",
                    "critical values / implementation",
                    "site_gis.contamination.comparisons",
                    "background",
                )
            )
    section.methods.append("background: compare_to_background(form=1, alpha=0.05); zone_verdicts")
    return section


def _cleanup_level(data: ReportData, params: ReportParams, analyte: str) -> tuple[float, str]:
    chosen = select_levels(data.levels, params.standard, params.land_use)
    row = chosen[(chosen["analyte"] == analyte) & (chosen["medium"] == params.medium)]
    if row.empty:
        raise SiteGISError(
            f"{params.standard} has no {params.land_use} level for {analyte} in {params.medium}"
        )
    return float(row["value"].iloc[0]), str(row["unit"].iloc[0])


def surface_section(
    store: Store, data: ReportData, params: ReportParams, analyte: str, budget: SurfaceBudget
) -> Section:
    """One analyte's surface, hotspots above the standard's level with uncertainty, its
    remediation volumes and costs per zone and technology, the cost curve, and the
    receptors at risk."""
    name = resolve_analyte(analyte)
    section = Section(f"surface:{name}", f"{name}: surface, hotspots, remediation, receptors")
    try:
        level, unit = _cleanup_level(data, params, name)
    except SiteGISError as exc:
        section.text(f"Not reported: {exc}.")
        section.omitted.append(f"{name}: surface and remediation ({exc})")
        return section
    request = SurfaceRequest(
        analyte=name,
        medium=params.medium,
        method=params.method,
        cell_size_m=params.cell_size_m,
        threshold=level if params.method == "kriging" else None,
    )
    surface = build_surface(store, request, budget=budget)
    boundary = _metric(data, data.boundary)
    hotspots = find_hotspots(surface, level, data.zones)
    tags = surface.tags()
    section.text(
        f"Cleanup level: the {params.standard} {params.land_use} level, {fmt(level)} {unit}. "
        f"Method: {surface.method_used}; {tags['depth_basis']}. {tags['domain']}"
    )
    grid = surface.grid
    left, top = grid.transform.c, grid.transform.f
    bounds = (left, top - grid.height * grid.cell_size, left + grid.width * grid.cell_size, top)
    synthetic = data.site.synthetic
    section.figure(
        f"{name} in {params.medium}: estimate ({unit}), hotspots above {fmt(level)} {unit} "
        "outlined in red, samples as crosses",
        figures.raster_map(
            surface.raster("estimate"),
            bounds,
            label=f"{name} ({unit})",
            boundary=boundary,
            hotspots=hotspots,
            samples=surface.samples,
            nodata=NODATA,
            synthetic=synthetic,
        ),
    )
    if surface.probability is not None and surface.std is not None:
        section.figure(
            f"{name}: probability that the level {fmt(level)} {unit} is exceeded (kriging)",
            figures.raster_map(
                surface.raster("probability"),
                bounds,
                label="P(exceed)",
                boundary=boundary,
                hotspots=hotspots,
                nodata=NODATA,
                synthetic=synthetic,
                cmap="magma",
            ),
        )
        section.figure(
            f"{name}: kriging standard deviation ({unit}), the estimate's uncertainty",
            figures.raster_map(
                surface.raster("std"),
                bounds,
                label=f"kriging SD ({unit})",
                boundary=boundary,
                nodata=NODATA,
                synthetic=synthetic,
                cmap="cividis",
            ),
        )
    else:
        section.omitted.append(f"{name}: uncertainty maps (IDW gives no standard deviation)")
    if surface.variogram:
        section.figure(
            f"{name}: experimental semivariogram and the fitted {surface.variogram.get('model')} "
            "model",
            figures.variogram_plot(surface.variogram, unit=unit, synthetic=synthetic),
        )
    cv = pd.DataFrame(
        [
            {
                "n": surface.cv.n,
                "rmse": surface.cv.rmse,
                "mae": surface.cv.mae,
                "bias": surface.cv.bias,
                "unit": unit,
            }
        ]
    )
    plan = plan_surface(store, request, budget=budget)
    loo, _ = cross_validate(plan)
    if not request.log_transform and len(loo) == len(plan.z):
        section.figure(
            f"{name}: leave-one-out cross-validation at the {len(plan.z)} sampled locations "
            f"({surface.method_used})",
            figures.cross_validation_plot(plan.z, loo, unit=unit, synthetic=synthetic),
        )
    section.table(
        f"{name}: leave-one-out cross-validation (estimate − observed)",
        shown(cv),
        key="cross-validation",
    )
    listed = hotspots.drop(columns="geometry")[
        ["hotspot_id", "zone_id", "area_ha", "max_value", "mean_value"]
    ]
    section.table(f"{name}: hotspots above {fmt(level)} {unit}", shown(listed), key="hotspots")
    section.methods.append(
        f"surface {name}: {tags['method']} {tags['parameters']} "
        f"variogram {tags['variogram'] or 'none'}; samples {tags['samples']}"
    )
    _remediation(section, store, data, params, request, surface, level, unit, budget)
    _receptors(section, store, data, hotspots, name)
    return section


def _remediation(
    section: Section,
    store: Store,
    data: ReportData,
    params: ReportParams,
    request: SurfaceRequest,
    surface: Any,
    level: float,
    unit: str,
    budget: SurfaceBudget,
) -> None:
    name = surface.analyte
    defaults = RemediationParams()
    column = build_depth_column(store, request, surface=surface, budget=budget)
    zones = data.zones
    volumes = depth_volumes(column, level, zones)
    index = cost_index()
    basis = price_basis(index, defaults.price_year)
    costs = unit_costs()
    rows = estimate_remediation(
        volumes.hotspots,
        medium=params.medium,
        density_t_m3=defaults.bulk_density_t_m3,
        costs=costs,
        index=index,
        price_year=basis.year,
    )
    price = basis.describe()
    section.text(
        f"Remediation of {name} above {fmt(level)} {unit}: {volumes.basis}. Bulk density "
        f"{defaults.bulk_density_t_m3} t/m³. Costs in USD of {price['price_year']} "
        f"({price['index']} {fmt(price['index_value'])})."
    )
    if "technology" in rows:
        by_zone = summarise_by_zone(rows)
        section.table(
            f"{name}: volume (m³), tonnes and cost (USD {price['price_year']}) per zone "
            "and technology",
            shown(by_zone),
            key="remediation-by-zone",
        )
        section.table(
            f"{name}: totals per technology (USD {price['price_year']})",
            shown(summarise_totals(rows)),
            key="remediation-totals",
        )
    curve = cost_curve(
        column,
        zones,
        [level * f for f in CURVE_FACTORS],
        medium=params.medium,
        density_t_m3=defaults.bulk_density_t_m3,
        costs=costs,
        index=index,
        price_year=basis.year,
    )
    section.figure(
        f"{name}: central cost against the cleanup level (USD {price['price_year']})",
        figures.cost_curve_plot(curve, unit=unit, currency="USD", synthetic=data.site.synthetic),
    )
    section.table(
        f"{name}: area, volume and central cost against the cleanup level",
        shown(curve[["cleanup_level", "technology", "area_ha", "volume_m3", "cost_central"]]),
        key="cost-curve",
    )
    if not price["index_verified"]:
        section.assumptions.append(
            Assumption(
                f"cost index {price['index']} {price['price_year']}",
                fmt(price["index_value"]),
                str(price["index_source"]),
                "remediation",
            )
        )
    for row in costs[~costs["verified"].astype(bool)].itertuples():
        section.assumptions.append(
            Assumption(
                f"unit cost {row.technology}",
                f"{fmt(row.low)}–{fmt(row.high)} {row.currency}/{row.unit}",
                str(row.source_url),
                "remediation",
            )
        )
    section.methods.append(
        f"remediation {name}: build_depth_column + depth_volumes(cleanup level {fmt(level)} "
        f"{unit}), estimate_remediation(density {defaults.bulk_density_t_m3} t/m³, price year "
        f"{price['price_year']}), cost_curve at {', '.join(f'{f:g}' for f in CURVE_FACTORS)} × "
        "the level"
    )
    section.assumptions.append(
        Assumption(
            "bulk density",
            f"{defaults.bulk_density_t_m3} t/m³",
            "default of RemediationParams (no site measurement)",
            "remediation",
        )
    )


def _receptors(
    section: Section, store: Store, data: ReportData, hotspots: gpd.GeoDataFrame, name: str
) -> None:
    params = ReceptorParams()
    gradient = None
    try:
        azimuth, gradient, basis = flow_direction(store)
        params = params.model_copy(update={"flow_azimuth_deg": azimuth, "flow_basis": basis})
    except SiteGISError as exc:
        params = params.model_copy(
            update={"flow_basis": f"{params.flow_basis}; not fitted from heads: {exc}"}
        )
    found = receptors_at_risk(hotspots, data.receptors, params)
    section.methods.append(f"receptors {name}: receptors_at_risk({params.model_dump_json()})")
    section.text(
        f"Receptors within {fmt(params.within_m)} m of a {name} hotspot or down-gradient of it "
        f"(±{fmt(params.half_angle_deg)}° of the flow azimuth {fmt(params.flow_azimuth_deg)}°, "
        f"up to {fmt(params.max_downgradient_m)} m). Flow basis: {params.flow_basis}"
        + (f"; hydraulic gradient {fmt(gradient)} m/m." if gradient is not None else ".")
    )
    wanted = [
        c
        for c in (
            "receptor_id",
            "name",
            "kind",
            "population",
            "distance_m",
            "bearing_deg",
            "direction",
            "hotspot_id",
            "on_hotspot",
            "within",
            "downgradient",
            "hotspot_count",
        )
        if c in found.columns
    ]
    section.table(
        f"{name}: receptors at risk: distance (m) and bearing (°) to the nearest hotspot that "
        "puts each at risk, and why (on it, within the distance, down-gradient)",
        shown(found.drop(columns="geometry")[wanted]),
        key="receptors",
    )


def _east_wells(data: ReportData) -> pd.DataFrame:
    wells = _metric(data, data.locations[data.locations["medium"] == "groundwater"])
    centre = _metric(data, data.boundary).geometry.union_all().centroid
    return wells[wells.geometry.x > centre.x]


def groundwater_section(data: ReportData, params: ReportParams) -> Section:
    """The indicator matrix of the east-side wells and their trend charts through the monsoon."""
    section = Section("groundwater", "Groundwater: east-side wells through the monsoon")
    east = _east_wells(data)
    matrix = indicator_matrix(
        data.results, data.levels, standard=params.standard, land_use=params.land_use
    )
    matrix = matrix[matrix["location_id"].isin(east["location_id"])]
    section.text(
        f"East-side wells: the {len(east)} groundwater locations east of the site's centroid, "
        "where the monsoon leaches towards the boundary. Trend classes are the GSI "
        "Mann–Kendall toolkit's (at least 4 rounds); monsoon months "
        f"{', '.join(str(m) for m in MONSOON_MONTHS)} are shaded in the charts."
    )
    chosen = params.analytes  # canonical names (ReportParams resolves them)
    shown_matrix = matrix[matrix["analyte"].isin(chosen)]
    section.table(
        "Indicator matrix of the east-side wells (latest result against the level; trend)",
        shown(
            shown_matrix[
                [
                    "location_id",
                    "analyte",
                    "latest_sampled_on",
                    "latest_value",
                    "unit",
                    "level",
                    "threshold",
                    "rounds",
                    "trend",
                    "sen_slope_per_year",
                ]
            ]
        ),
        key="indicator-matrix",
    )
    waters = data.results[
        (data.results["medium"] == "groundwater")
        & data.results["location_id"].isin(east["location_id"])
    ]
    for analyte in chosen:
        series = waters[waters["analyte"] == analyte]
        if series.empty:
            section.omitted.append(f"groundwater trend charts of {analyte}: no east-side results")
            continue
        counts = series.groupby("location_id").size().sort_values(ascending=False, kind="stable")
        wells = sorted(counts.index[:MAX_TREND_WELLS])
        levels = select_levels(data.levels, params.standard, params.land_use)
        level = levels[(levels["analyte"] == analyte) & (levels["medium"] == "groundwater")]
        section.figure(
            f"{analyte} in east-side wells {', '.join(wells)} (hollow: non-detect at its "
            "detection limit; shaded: monsoon)",
            figures.trend_plot(
                series[series["location_id"].isin(wells)],
                analyte=analyte,
                unit=str(series["unit"].iloc[0]),
                level=float(level["value"].iloc[0]) if len(level) else None,
                synthetic=data.site.synthetic,
                monsoon_months=MONSOON_MONTHS,
            ),
        )
    section.methods.append(
        f"groundwater: indicator_matrix(standard={params.standard}); wells "
        f"east of the site centroid; at most {MAX_TREND_WELLS} wells charted"
    )
    return section


RESETTLEMENT_COLUMNS = [
    "structures",
    "eligible_structures",
    "households",
    "people",
    "total_cash_only",
    "total_relocation_site",
]


def resettlement_section(store: Store, data: ReportData, params: ReportParams) -> Section:
    """Resettlement aggregates per zone and phase (no household-level data; groups of fewer
    than ``MIN_GROUP`` structures suppressed, as the API does)."""
    section = Section("resettlement", "Resettlement summary")
    matrix = load_matrix()
    relocation = load_relocation_site()
    inputs = survey_inputs(store)
    structures = store.read("structures")
    selected = structures[structures["encroachment_id"].notna()]
    estimate = estimate_resettlement(
        selected,
        store.read("encroachments"),
        store.read("parcels"),
        store.read("eia_zones"),
        matrix,
        crs=data.site.crs,
        relocation=relocation,
        **inputs,
    )
    basis = report_basis(matrix, inputs["rounds"], inputs["households"], selected)
    section.text(
        f"Entitlements of the editable matrix in {matrix.currency}; {basis['cut_off']}. "
        f"Aggregates only: a group of fewer than {MIN_GROUP} structures is suppressed (–)."
    )
    for key, label in (("by_zone", "zone_id"), ("by_phase", "phase")):
        table = estimate[key]
        table = table[[label, *RESETTLEMENT_COLUMNS, "suppressed"]]
        section.table(
            f"Resettlement per {label.replace('_id', '')} ({matrix.currency})",
            shown(table),
            key=f"resettlement-{key}",
        )
    for name in matrix.unverified():
        section.assumptions.append(
            Assumption(
                f"entitlement {name}",
                "see the entitlement matrix",
                "site_gis/reference/entitlement_matrix.toml",
                "resettlement",
            )
        )
    for key, rate in sorted(relocation.rates.items()):
        if not rate.verified:
            section.assumptions.append(
                Assumption(
                    f"relocation-site rate {key}",
                    f"{fmt(rate.rate)} {rate.unit}",
                    f"{rate.source} (site_gis/reference/relocation_site.toml)",
                    "resettlement",
                )
            )
    if not relocation.plot.verified:
        section.assumptions.append(
            Assumption(
                "relocation-site plot",
                f"{fmt(relocation.plot.rate)} {relocation.plot.unit}",
                f"{relocation.plot.source} (site_gis/reference/relocation_site.toml)",
                "resettlement",
            )
        )
    stated = basis.get("assumptions")
    for line in stated if isinstance(stated, list) else []:
        section.assumptions.append(
            Assumption("resettlement basis", str(line), "report_basis", "resettlement")
        )
    return section


def assumptions_section(sections: list[Section]) -> Section:
    """Every assumption and unverified value the other sections used, with its source."""
    section = Section("assumptions", "Assumptions and values to verify")
    rows = [a for s in sections for a in s.assumptions]
    table = pd.DataFrame(
        [
            {"item": a.item, "value": a.value, "source": a.source, "used in": a.used_in}
            for a in rows
        ],
        columns=["item", "value", "source", "used in"],
    ).drop_duplicates()
    section.text(
        "Values marked unverified in the reference tables (verified = false) are used as they "
        "stand; each must be checked against its source before the figures are relied on."
    )
    section.table("Assumptions and unverified values used", table, key="assumptions")
    return section


def methods_section(data: ReportData, params: ReportParams, sections: list[Section]) -> Section:
    """Library versions, the report's parameters and each analysis's parameters and seeds."""
    section = Section("methods", "Methods and versions")
    versions = [{"package": "site-gis", "version": __version__}]
    for name in LIBRARIES:
        try:
            versions.append({"package": name, "version": importlib.metadata.version(name)})
        except importlib.metadata.PackageNotFoundError:
            versions.append({"package": name, "version": "not installed"})
    section.table("Software versions", pd.DataFrame(versions), key="versions")
    parameters = pd.DataFrame(
        [{"parameter": k, "value": str(v)} for k, v in params.model_dump(mode="json").items()]
    )
    section.table("Report parameters", parameters, key="parameters")
    lines = [m for s in sections for m in s.methods]
    section.table(
        "Analyses and their parameters", pd.DataFrame({"analysis": lines}), key="analyses"
    )
    section.text(f"Data version {data.data_version}; content SHA-256 {data.content_hash}.")
    return section


def omitted_section(sections: list[Section]) -> Section:
    """What the report does not include, and why."""
    section = Section("not-included", "Not included")
    items = [o for s in sections for o in s.omitted] + [
        "groundwater plume areas and masses per round (the groundwater-plume process)",
        "resettlement priority by exposure to the hotspots (the report's estimate is unranked)",
    ]
    section.table("Not included in this report", pd.DataFrame({"item": items}), key="omitted")
    return section
