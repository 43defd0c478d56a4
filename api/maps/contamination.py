"""``/maps/contamination``: samples coloured by their ratio to a screening level, the
interpolated surface, hotspots above the level and statistics per EIA zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import folium
import numpy as np
import pandas as pd
from folium.raster_layers import ImageOverlay
from markupsafe import Markup

from api.jobs import JobPending
from api.maps import MapRequestError
from api.maps.assets import new_map
from api.maps.elements import (
    Header,
    JobProgress,
    Legend,
    Panel,
    ReadySignal,
    SampleLayer,
    form_markup,
)
from api.maps.kriging import classified_rgba, fell_back, quintiles, uncertainty_layers
from api.maps.layers import boundary_layer, data_version, geojson_layer, site_bounds, zones_layer
from api.maps.legend import (
    EXCEEDING_CLASSES,
    HOTSPOT_STYLE,
    NO_LEVEL_COLORS,
    RATIO_CLASSES,
    SURFACE_BREAKS,
    SURFACE_COLORS,
    Swatch,
    job_progress,
    label,
    legend,
    link,
    note,
    ratio_classes,
    section,
    standard_name,
    surface_scale,
    swatches,
)
from site_gis.contamination import (
    compare_to_background,
    compute_statistics,
    load_results,
    resolve_analyte,
    screen_results,
    zone_verdicts,
)
from site_gis.errors import InsufficientDataError, InvalidRequestError, JobError
from site_gis.processes import MapSurface, MapSurfaceInputs
from site_gis.processes.display import finish_map_surface
from site_gis.schemas import LAND_USES, MEDIA
from site_gis.store import Store
from site_gis.surfaces import SurfaceBudget, build_surface

SurfaceSource = Callable[[MapSurfaceInputs], "MapSurface | JobPending"]
"""Where a map page's surface comes from: ready, or a job still running."""

SURFACE_OPACITY = 0.6
_DEPTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class ContaminationQuery:
    """What the contamination map shows (the page's query parameters).

    ``depth`` is an interval ``top-bottom`` in metres below ground (``0-0.5``):
    samples lying within it; ``None`` takes every depth and, at each location,
    the sample with the highest ratio.
    """

    analyte: str = "Lead"
    medium: str = "soil"
    depth: str | None = None
    standard: str = "dutch_iv"
    land_use: str = "industrial"
    method: str = "idw"


@dataclass(frozen=True)
class _Level:
    value: float | None
    unit: str
    status: str
    source: str | None
    version: str
    citation: str | None = None

    def text(self) -> str:
        if self.value is None:
            return "no level"
        suffix = " (to verify)" if self.status == "to verify" else ""
        return f"{self.value:g} {self.unit}{suffix}"


def parse_depth(depth: str | None) -> tuple[float | None, float | None]:
    """``"0-0.5"`` → ``(0.0, 0.5)`` metres; ``None`` or ``""`` → no limits."""
    if depth is None or not depth.strip():
        return None, None
    found = _DEPTH.match(depth)
    if found is None:
        raise MapRequestError(
            422, f"depth must be an interval in metres such as 0-0.5, not {depth!r}"
        )
    top, bottom = float(found.group(1)), float(found.group(2))
    if bottom <= top:
        raise MapRequestError(422, f"the bottom of the depth interval {depth!r} is above its top")
    return top, bottom


def _depth_text(top: float | None, bottom: float | None) -> str:
    return "all depths" if top is None else f"{top:g}–{bottom:g} m"


def screened_selection(store: Store, query: ContaminationQuery) -> tuple[str, pd.DataFrame]:
    """The canonical analyte and its screened results for the query.

    Raises
    ------
    MapRequestError
        404 for an unknown analyte or standard or a selection with no results;
        422 for a malformed medium, land use, depth or method.
    """
    if query.medium not in MEDIA:
        raise MapRequestError(422, f"medium must be one of {', '.join(MEDIA)}")
    if query.land_use not in LAND_USES:
        raise MapRequestError(422, f"land_use must be one of {', '.join(LAND_USES)}")
    if query.method not in ("idw", "kriging"):
        raise MapRequestError(422, "method must be idw or kriging")
    top, bottom = parse_depth(query.depth)
    try:
        analyte = resolve_analyte(query.analyte)
    except InvalidRequestError:
        raise MapRequestError(404, f"unknown analyte {query.analyte!r}") from None
    levels = store.read("screening_levels")
    standards = sorted(levels["standard"].unique())
    if query.standard not in standards:
        raise MapRequestError(
            404, f"unknown standard {query.standard!r}; available: {', '.join(standards)}"
        )
    results = load_results(store, analyte=analyte, medium=query.medium)
    if top is not None and bottom is not None:
        results = results[(results["depth_top_m"] >= top) & (results["depth_bottom_m"] <= bottom)]
    if results.empty:
        raise MapRequestError(
            404,
            f"no {query.medium.replace('_', ' ')} results for {analyte} at "
            f"{_depth_text(top, bottom)}",
            suggestions=_alternatives(store, query, analyte),
        )
    screened = screen_results(
        results.reset_index(drop=True), levels, standard=query.standard, land_use=query.land_use
    )
    return analyte, screened


def _alternatives(store: Store, query: ContaminationQuery, analyte: str) -> list[tuple[str, str]]:
    """Links to selections that do have results: the same analyte and medium at every
    depth, the same analyte in the other media where it was measured."""
    options = medium_options(store)
    links = []
    here = options[query.medium]
    if analyte in here["analytes"]:
        for depth in ["", *here["depths"]]:
            shown = f"{analyte} in {query.medium.replace('_', ' ')}, " + (
                f"{depth.replace('-', '–')} m" if depth else "all depths"
            )
            params = {"analyte": analyte, "medium": query.medium, "depth": depth}
            links.append(
                (
                    shown,
                    "/maps/contamination?"
                    + urlencode(_with_standard(params, here, query.standard)),
                )
            )
    for medium, other in options.items():
        if medium != query.medium and analyte in other["analytes"]:
            params = {"analyte": analyte, "medium": medium}
            links.append(
                (
                    f"{analyte} in {medium.replace('_', ' ')}, all depths",
                    "/maps/contamination?"
                    + urlencode(_with_standard(params, other, query.standard)),
                )
            )
    return links


def _with_standard(
    params: dict[str, str], options: dict[str, list[Any]], standard: str
) -> dict[str, str]:
    """``params`` with ``standard`` if it has a level for the medium, else the first that has."""
    codes = [c for c, _ in options["standards"]]
    return {**params, "standard": standard if standard in codes else codes[0]}


def _level(screened: pd.DataFrame) -> _Level:
    with_level = screened.dropna(subset=["level"])
    if with_level.empty:
        return _Level(None, str(screened["unit"].iloc[0]), "", None, "")
    row = with_level.iloc[0]
    source = row["level_source"]
    citation = row.get("level_citation")
    return _Level(
        float(row["level"]),
        str(row["level_unit"]),
        str(row["level_status"]),
        None if pd.isna(source) else str(source),
        str(row["version"]),
        None if citation is None or pd.isna(citation) else str(citation),
    )


def sample_rows(store: Store, screened: pd.DataFrame) -> pd.DataFrame:
    """One row per location: its worst sample (highest ratio, else highest value),
    with lon/lat, class, value (the detection limit for a non-detect) and ratio."""
    measured = screened["value"].where(screened["detected"], screened["detection_limit"])
    order = screened.assign(
        measured=measured, _rank=screened["ratio"].fillna(measured.astype(float))
    )
    worst = order.sort_values("_rank", ascending=False, kind="stable").drop_duplicates(
        "location_id"
    )
    places = store.read("sample_locations", where={"location_id": list(worst["location_id"])})
    lonlat = places.set_index("location_id").geometry
    worst = worst.assign(
        lon=lonlat.reindex(worst["location_id"]).x.to_numpy(),
        lat=lonlat.reindex(worst["location_id"]).y.to_numpy(),
        cls=ratio_classes(worst["flag"], worst["ratio"]),
    )
    return worst.sort_values("location_id").reset_index(drop=True)


def _significant(ratio: pd.Series) -> pd.Series:
    """Ratios to three significant figures (0.0000642, not 0), infinities as missing."""
    finite = ratio.replace([np.inf, -np.inf], np.nan).astype(float)
    return finite.map(lambda r: float(f"{r:.3g}"), na_action="ignore")


def _points(rows: pd.DataFrame) -> list[list[Any]]:
    ratio = _significant(rows["ratio"])
    return [
        [round(lat, 6), round(lon, 6), int(c), sid, round(float(v), 4), int(d), r, loc]
        for lat, lon, c, sid, v, d, r, loc in zip(
            rows["lat"],
            rows["lon"],
            rows["cls"],
            rows["sample_id"],
            rows["measured"],
            rows["detected"].astype(bool),
            ratio.astype(object).where(ratio.notna(), None),
            rows["location_id"],
            strict=True,
        )
    ]


def _surface_image(
    shown: MapSurface, level: float | None
) -> tuple[np.ndarray, list[list[float]], tuple[float, ...], tuple[str, ...]]:
    """The surface as classified RGBA pixels in Web Mercator, its lon/lat bounds,
    the class breaks (surface unit) and colours."""
    values, (west, south, east, north) = shown.values, shown.bounds
    if level is not None:
        breaks: tuple[float, ...] = tuple(b * level for b in SURFACE_BREAKS)
        colors = SURFACE_COLORS
    else:
        breaks = quintiles(values)
        colors = NO_LEVEL_COLORS
    rgba = classified_rgba(values, breaks, colors, SURFACE_OPACITY)
    return rgba, [[south, west], [north, east]], breaks, colors


def _zone_statistics(store: Store, screened: pd.DataFrame) -> Any:
    zones = store.read("eia_zones")
    stats = compute_statistics(screened)
    stats = stats.assign(mean_shown=stats["km_mean"].fillna(stats["mean"]))
    keep = ["zone_id", "n", "detects", "percent_non_detect", "max_detect", "mean_shown"]
    keep += ["ucl95", "epc", "method"]
    return zones.merge(stats[keep], on="zone_id", how="left").merge(
        _background_verdicts(screened), on="zone_id", how="left"
    )


def _background_verdicts(screened: pd.DataFrame) -> pd.DataFrame:
    """Whether each zone is above background (WMW or Gehan, Form 1; background locations)."""
    if "background" not in screened or not screened["background"].any():
        return pd.DataFrame({"zone_id": [], "background_verdict": []})
    verdicts = zone_verdicts(compare_to_background(screened))
    return verdicts[["zone_id", "background_verdict"]].drop_duplicates("zone_id")


def local_surface(store: Store, budget: SurfaceBudget | None = None) -> SurfaceSource:
    """A surface source computing in this process (for scripts and tests; the app's pages
    use the engine: :meth:`api.jobs.JobService.page_surface`)."""

    def source(inputs: MapSurfaceInputs) -> MapSurface:
        return finish_map_surface(build_surface(store, inputs, budget=budget), store, inputs)

    return source


def build_contamination_map(
    store: Store, query: ContaminationQuery, *, surface: SurfaceSource | None = None
) -> folium.Map:
    """The contamination map of one analyte in one medium against one standard.

    Sample locations are clustered points coloured by the ratio of their worst
    sample to the level (:data:`api.maps.legend.RATIO_CLASSES`); the surface
    (IDW or kriging onto the site grid in the metric CRS, warped to Web Mercator
    for display) is classified by the same ratios; hotspots are the surface's
    areas above the level; each EIA zone's popup gives its statistics
    (Kaplan–Meier where there are non-detects, UCL95 with its method).

    ``surface`` gives the surface for display: ready, or a job still running (the page
    then shows its progress and reloads when it is done); by default it is computed
    here (:func:`local_surface`).

    Raises
    ------
    MapRequestError
        See :func:`screened_selection`.
    """
    analyte, screened = screened_selection(store, query)
    site = store.site()
    top, bottom = parse_depth(query.depth)
    level = _level(screened)
    unit = str(screened["unit"].iloc[0])
    medium = query.medium.replace("_", " ")
    title = f"{analyte} in {medium}, {_depth_text(top, bottom)}"
    fmap = new_map(
        site_bounds(store), title=f"Contamination map: {title}", metric_crs=site.metric_crs
    )
    Header(
        f"Contamination: {title}",
        f"Screened against {standard_name(query.standard)} ({level.version or 'no level'}), "
        f"{query.land_use} land · {site.name}",
        synthetic=site.synthetic,
        data_version=data_version(store),
        current="Contamination",
        form=_form(store, query, analyte),
    ).add_to(fmap)
    boundary_layer(store).add_to(fmap)
    zone_stats = _zone_statistics(store, screened)
    zones_layer(
        zone_stats,
        name="EIA zones (click for statistics)",
        fields=[
            ("n", f"Results (n), {analyte}"),
            ("detects", "Detects"),
            ("percent_non_detect", "% non-detect"),
            ("max_detect", f"Max detect ({unit})"),
            ("mean_shown", f"Mean ({unit}; KM with non-detects)"),
            ("ucl95", f"95% UCL ({unit})"),
            ("method", "UCL method"),
            ("epc", f"Exposure point conc. ({unit})"),
            ("background_verdict", "Above background?"),
        ],
        fill_opacity=0.05,
    ).add_to(fmap)
    surface_part, hotspot_part = _surface_layers(
        fmap, query, analyte, level, unit, surface or local_surface(store)
    )
    rows = sample_rows(store, screened)
    SampleLayer(
        _points(rows),
        [{"label": c.label, "color": c.color} for c in RATIO_CLASSES],
        name=f"Samples ({len(rows)} locations)",
        options={
            "analyte": analyte,
            "unit": unit,
            "level": f"{level.text()}, {standard_name(query.standard)}",
            "detail_url": (
                f"/maps/contamination/samples/{{id}}?standard={query.standard}"
                f"&land_use={query.land_use}"
            ),
        },
    ).add_to(fmap)
    counts = pd.Series(rows["cls"]).value_counts()
    standard_part = [
        note(
            f"Level: {level.text()} — {standard_name(query.standard)} {level.version}, "
            f"{query.land_use} land"
        ),
    ]
    if level.value is None:
        standard_part = [
            note(
                f"{standard_name(query.standard)} has no level for {analyte} in {medium}",
                warn=True,
            )
        ]
    elif level.status == "to verify":
        standard_part.append(note("This level is still to verify at its source.", warn=True))
    if level.citation:
        standard_part.append(Markup("<p>{}</p>").format(level.citation))
    if level.source:
        standard_part.append(Markup("<p>Source: {}</p>").format(link(level.source, level.source)))
    exceeding = int(counts.reindex(list(EXCEEDING_CLASSES), fill_value=0).sum())
    Legend(
        legend(
            groundwater_section(query, analyte),
            section("Screening level", *standard_part),
            section(
                f"Samples: {len(rows)} locations, {exceeding} exceeding",
                swatches(
                    Swatch(c.label, c.color, "dot", int(counts.get(i, 0)))
                    for i, c in reversed(list(enumerate(RATIO_CLASSES)))
                    if counts.get(i, 0) or i in (2, 3, 6)
                ),
                "Each location shows its highest ratio; a cluster takes the colour of its "
                "worst sample. Exceeds: value > level (equal passes).",
            ),
            surface_part,
            hotspot_part,
            section(
                "EIA zones",
                "Click a zone for n, detects, maximum, mean and 95% UCL of "
                f"{analyte} in {medium} there.",
            ),
        )
    ).add_to(fmap)
    Panel(
        "Zone statistics",
        zone_table(zone_stats, analyte, unit),
        position="bottomleft",
        class_name="sg-zone-panel",
    ).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    ReadySignal().add_to(fmap)
    return fmap


def _count(value: Any, missing: str) -> str:
    return missing if value is None or pd.isna(value) else f"{int(value)}"


def _number(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.4g}"


def zone_table(zone_stats: pd.DataFrame, analyte: str, unit: str) -> Markup:
    """Statistics per EIA zone as a table; each zone's name is a button that shows the
    zone and opens its popup (keyboard: Tab to it, Enter)."""
    rows = Markup("").join(
        Markup(
            '<tr><th scope="row"><button type="button" data-zone="{}">{}</button></th>'
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
        ).format(
            row.zone_id,
            row.name,
            _count(row.n, "0"),
            _count(row.detects, "—"),
            _number(row.max_detect),
            _number(row.mean_shown),
            _number(row.ucl95),
        )
        for row in zone_stats.itertuples(index=False)
    )
    return Markup(
        '<table class="sg-zone-table"><caption>{} ({}); mean: Kaplan–Meier where there are '
        'non-detects</caption><thead><tr><th scope="col">Zone</th><th scope="col">n</th>'
        '<th scope="col">Detects</th><th scope="col">Max</th><th scope="col">Mean</th>'
        '<th scope="col">95% UCL</th></tr></thead><tbody>{}</tbody></table>'
    ).format(analyte, unit, rows)


def _surface_layers(
    fmap: folium.Map,
    query: ContaminationQuery,
    analyte: str,
    level: _Level,
    unit: str,
    source: SurfaceSource,
) -> tuple[Markup, Markup]:
    """Add the surface and its hotspots to ``fmap``; return their legend sections."""
    top, bottom = parse_depth(query.depth)
    method = "IDW" if query.method == "idw" else "ordinary kriging"
    title = f"Interpolated surface ({method})"
    cleanup_level = level.value if level.value and level.value > 0 else None
    try:
        shown = source(
            MapSurfaceInputs(
                analyte=analyte,
                medium=query.medium,
                depth_top_m=top,
                depth_bottom_m=bottom,
                method=query.method,
                cleanup_level=cleanup_level,
                # the same job gives kriging's probability of exceeding the level
                threshold=cleanup_level if query.method == "kriging" else None,
            )
        )
    except (InsufficientDataError, InvalidRequestError, JobError) as exc:
        reason = section("Interpolated surface", note(f"No surface: {exc}", warn=True))
        return reason, Markup("")
    if isinstance(shown, JobPending):
        JobProgress(f"/jobs/{shown.job_id}", shown.progress, subject="surface").add_to(fmap)
        meanwhile = "The page is drawn without it and reloads when it is ready."
        waiting = job_progress("surface", shown.progress, meanwhile)
        return section(title, waiting), section("Hotspots", "Waiting for the surface.")
    rgba, bounds, breaks, colors = _surface_image(shown, level.value)
    ImageOverlay(
        rgba,
        bounds=bounds,
        name=title,
        interactive=False,
        zIndex=1,
        className="sg-surface-estimate",
    ).add_to(fmap)
    if query.method == "kriging" and fell_back(shown):
        method = "IDW: kriging refused"
    surface_part = section(
        f"Interpolated surface ({method}, {shown.cell_size_m:g} m cells)",
        *(note(w, warn=True) for w in shown.warnings),
        surface_scale(breaks, colors, unit),
        f"{shown.samples} locations; non-detects at {shown.non_detects}; "
        f"leave-one-out RMSE {shown.rmse:.3g} {unit}.",
        *(note(n) for n in shown.notes),
    )
    if query.method == "kriging":
        surface_part += uncertainty_layers(fmap, shown, unit, opacity=SURFACE_OPACITY)
    if level.value is None or shown.hotspots is None:
        return surface_part, section("Hotspots", "No level, so no hotspots.")
    hotspots = shown.hotspots
    if not hotspots.empty:
        hotspots = hotspots.assign(
            zone=hotspots["zone_id"].fillna("outside EIA zones").map(label),
            remediation=remediation_link(query, analyte, level.value),
        )
        geojson_layer(
            hotspots,
            name=f"Hotspots (> {level.value:g} {unit})",
            id_field="hotspot_id",
            title="hotspot_id",
            fields=[
                ("zone", "EIA zone"),
                ("area_ha", "Area (ha)"),
                ("max_value", f"Highest estimate ({unit})"),
                ("mean_value", f"Mean estimate ({unit})"),
            ],
            style={**HOTSPOT_STYLE, "className": "sg-hotspot"},
            key="hotspots",
            links=(("remediation", "Remediation", "volume and cost estimate (JSON)"),),
        ).add_to(fmap)
    area = float(hotspots["area_ha"].sum()) if not hotspots.empty else 0.0
    hotspot_part = section(
        "Hotspots",
        swatches(
            [
                Swatch(
                    f"surface above {level.value:g} {unit}: {area:,.1f} ha",
                    "#000000",
                    "line",
                    len(hotspots),
                )
            ]
        ),
    )
    return surface_part, hotspot_part


def groundwater_link(query: ContaminationQuery, analyte: str) -> str:
    """The groundwater map (``/groundwater/map``) of the same analyte, standard and land use
    (its latest round)."""
    params = {"analyte": analyte, "standard": query.standard, "land_use": query.land_use}
    return "/groundwater/map?" + urlencode(params)


def groundwater_section(query: ContaminationQuery, analyte: str) -> Markup:
    """In the groundwater view, a legend section linking the groundwater map."""
    if query.medium != "groundwater":
        return Markup("")
    return section(
        "Groundwater by round",
        Markup('<p class="sg-note"><a class="sg-groundwater-link" href="{}">{}</a></p>').format(
            groundwater_link(query, analyte),
            f"Groundwater map of {analyte}: wells by monitoring round, trends, series",
        ),
        "This map shows each well's highest result over every round; the groundwater map "
        "shows one round at a time, with its trends.",
    )


REMEDIATED_MEDIA = ("soil", "sediment")
"""Media the remediation estimate digs (waters have no unit rate in the cost table)."""


def remediation_link(query: ContaminationQuery, analyte: str, level: float) -> str:
    """The remediation estimate of the map's selection: ``/remediation/estimate`` with the
    same analyte, medium, depth interval, level and method; for a water, a sentence
    saying why there is none.

    The estimate numbers its own hotspots (one surface per sampled depth interval), so
    the link is to the selection's estimate, which lists every hotspot.
    """
    if query.medium not in REMEDIATED_MEDIA:
        return (
            f"not estimated for {query.medium.replace('_', ' ')}: remediation volumes are "
            "for soil and sediment"
        )
    top, bottom = parse_depth(query.depth)
    params: dict[str, str] = {
        "analyte": analyte,
        "cleanup_level": f"{level:g}",
        "medium": query.medium,
        "method": query.method,
    }
    if top is not None and bottom is not None:
        params |= {"depth_top_m": f"{top:g}", "depth_bottom_m": f"{bottom:g}"}
    return "/remediation/estimate?" + urlencode(params)


_FORM = """
<form class="sg-form" method="get" action="/maps/contamination" data-options='{{ options|tojson }}'>
  <label>Medium<select name="medium">{% for m in media %}
    <option value="{{ m }}"{% if m == q.medium %} selected{% endif %}>{{ m|replace("_", " ") }}
    </option>{% endfor %}</select></label>
  <label>Analyte<select name="analyte">{% for a in here.analytes %}
    <option{% if a == analyte %} selected{% endif %}>{{ a }}</option>{% endfor %}</select></label>
  <label>Depth (m)<select name="depth"><option value="">all depths</option>
    {% for d in here.depths %}<option{% if d == q.depth %} selected{% endif %}>{{ d }}</option>
    {% endfor %}</select></label>
  <label>Standard<select name="standard">{% for code, name in here.standards %}
    <option value="{{ code }}"{% if code == q.standard %} selected{% endif %}>{{ name }}</option>
    {% endfor %}</select></label>
  <label>Land use<select name="land_use">{% for u in land_uses %}
    <option{% if u == q.land_use %} selected{% endif %}>{{ u }}</option>{% endfor %}</select>
  </label>
  <label>Surface<select name="method"><option value="idw"{% if q.method == "idw" %} selected
    {% endif %}>IDW</option><option value="kriging"{% if q.method == "kriging" %} selected
    {% endif %}>kriging</option></select></label>
  <button type="submit">Show</button>
  <p class="sg-form-hint" role="status"></p>
</form>
"""


def medium_options(store: Store) -> dict[str, dict[str, list[Any]]]:
    """What the form offers for each medium, so that no choice leads to an empty map:
    the analytes measured in it, its sampled depth intervals (``top-bottom`` in metres)
    and the standards with a level for it (``[id, name]``)."""
    levels = store.read("screening_levels", columns=["standard", "medium"]).drop_duplicates()
    results = store.read(
        "results", columns=["medium", "analyte", "depth_top_m", "depth_bottom_m"]
    ).drop_duplicates()
    options: dict[str, dict[str, list[Any]]] = {}
    for medium in MEDIA:
        here = results[results["medium"] == medium]
        intervals = sorted(set(zip(here["depth_top_m"], here["depth_bottom_m"], strict=True)))
        codes = sorted(levels.loc[levels["medium"] == medium, "standard"].unique())
        standards = [[c, standard_name(c)] for c in codes]
        if not standards:  # samples still shown, classed "no level"
            name = medium.replace("_", " ")
            standards = [
                [c, f"{standard_name(c)} (no {name} level)"]
                for c in sorted(levels["standard"].unique())
            ]
        options[medium] = {
            "analytes": sorted(here["analyte"].unique()),
            "depths": [f"{t:g}-{b:g}" for t, b in intervals],
            "standards": standards,
        }
    return options


def _form(store: Store, query: ContaminationQuery, analyte: str) -> Markup:
    options = medium_options(store)
    here = dict(options[query.medium])
    if query.standard not in [c for c, _ in here["standards"]]:  # kept, but named
        here["standards"] = [*here["standards"], [query.standard, standard_name(query.standard)]]
    if analyte not in here["analytes"]:
        here["analytes"] = sorted([*here["analytes"], analyte])
    return form_markup(
        _FORM,
        analyte=analyte,
        media=MEDIA,
        here=here,
        options=options,
        land_uses=LAND_USES,
        q=query,
    )


def sample_detail(store: Store, sample_id: str, *, standard: str, land_use: str) -> dict[str, Any]:
    """Every result of one sample screened against ``standard`` (a sample's popup).

    Raises
    ------
    MapRequestError
        404 for an unknown sample or standard, 422 for an unknown land use.
    """
    if land_use not in LAND_USES:
        raise MapRequestError(422, f"land_use must be one of {', '.join(LAND_USES)}")
    results = store.read("results", where={"sample_id": sample_id})
    if results.empty:
        raise MapRequestError(404, f"no sample {sample_id!r}")
    levels = store.read("screening_levels")
    if standard not in set(levels["standard"]):
        raise MapRequestError(404, f"unknown standard {standard!r}")
    screened = screen_results(results, levels, standard=standard, land_use=land_use)
    screened = screened.sort_values("analyte")
    first = screened.iloc[0]
    shown = np.where(
        screened["detected"],
        screened["value"].map("{:g}".format) + " " + screened["unit"].astype(str),
        "< " + screened["detection_limit"].map("{:g}".format) + " " + screened["unit"].astype(str),
    )
    ratio = _significant(screened["ratio"])
    return {
        "sample_id": sample_id,
        "location_id": first["location_id"],
        "medium": first["medium"],
        "depth": f"{first['depth_top_m']:g}–{first['depth_bottom_m']:g}",
        "sampled_on": str(first["sampled_on"])[:10],
        "lab": first["lab"],
        "standard": standard,
        "land_use": land_use,
        "results": [
            {
                "analyte": a,
                "result": s,
                "level": None if pd.isna(lv) else float(lv),
                "level_status": None if pd.isna(st) else str(st),
                "ratio": None if pd.isna(r) else float(r),
                "flag": str(f),
            }
            for a, s, lv, st, r, f in zip(
                screened["analyte"],
                shown,
                screened["level"],
                screened["level_status"],
                ratio,
                screened["flag"],
                strict=True,
            )
        ],
    }
