"""``/maps/encroachments``: encroachments by kind and resettlement phase, encroached parcels,
their overlap with contamination hotspots, households, people and resettlement cost.

Only aggregates reach the page: per encroachment and per parcel, from
:func:`site_gis.resettlement.estimate_resettlement` and
:func:`site_gis.encroachment.analyse_parcels`, where groups of fewer than
:data:`site_gis.privacy.MIN_GROUP` structures are suppressed.  The structures
layer itself is never drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import folium
import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from api.jobs import JobPending
from api.maps import MapRequestError
from api.maps.assets import new_map
from api.maps.elements import DrawArea, Header, JobProgress, Legend, ReadySignal, form_markup
from api.maps.layers import boundary_layer, data_version, geojson_layer, site_bounds, zones_layer
from api.maps.legend import (
    HOTSPOT_STYLE,
    KIND_COLORS,
    PHASE_COLORS,
    Swatch,
    job_progress,
    label,
    legend,
    note,
    section,
    standard_name,
    swatches,
)
from site_gis.contamination import resolve_analyte, select_levels
from site_gis.errors import InsufficientDataError, InvalidRequestError, JobError
from site_gis.processes import Exposure, ExposureInputs, finish_exposure
from site_gis.resettlement import (
    MIN_GROUP,
    analyse_parcels,
    estimate_resettlement,
    load_matrix,
    survey_inputs,
)
from site_gis.schemas import LAND_USES
from site_gis.store import Store
from site_gis.surfaces import EstimateRaster, SurfaceBudget, build_surface

MEDIUM = "soil"
"""Hotspots near homes are of soil (every depth, the highest at each location)."""
ON_HOTSPOT_COLOR = "#b00020"


@dataclass(frozen=True)
class EncroachmentQuery:
    """Whose hotspots (analyte, against which standard and land use) and how many phases."""

    analyte: str = "Lead"
    standard: str = "dutch_iv"
    land_use: str = "residential"
    phases: int = 3
    cleanup_level: float | None = None
    """Overrides the standard's level (mg/kg), to see which parcels a stricter level reaches."""


def _cleanup_level(store: Store, query: EncroachmentQuery, analyte: str) -> float | None:
    levels = store.read("screening_levels")
    if query.standard not in set(levels["standard"]):
        raise MapRequestError(404, f"unknown standard {query.standard!r}")
    if query.land_use not in LAND_USES:
        raise MapRequestError(422, f"land_use must be one of {', '.join(LAND_USES)}")
    if query.cleanup_level is not None:
        if not (math.isfinite(query.cleanup_level) and query.cleanup_level > 0):
            raise MapRequestError(422, "cleanup_level must be a finite number above zero")
        return query.cleanup_level
    chosen = select_levels(levels, query.standard, query.land_use)
    row = chosen[(chosen["analyte"] == analyte) & (chosen["medium"] == MEDIUM)]
    return float(row["value"].iloc[0]) if len(row) else None


ExposureSource = Callable[[ExposureInputs], "Exposure | JobPending"]
"""Where the map's soil estimate and its hotspots above a level come from (or the
progress of the job computing them)."""


def local_exposure(store: Store, budget: SurfaceBudget | None = None) -> ExposureSource:
    """Estimate and hotspots computed in this process (for scripts and tests; the app's
    pages take them from the engine: :meth:`api.jobs.JobService.page_exposure`)."""

    def source(inputs: ExposureInputs) -> Exposure:
        return finish_exposure(build_surface(store, inputs, budget=budget), store, inputs)

    return source


@dataclass(frozen=True)
class _Shown:
    """The exposure the page draws: estimate and hotspots, or why there are none."""

    estimate: EstimateRaster | None = None
    hotspots: gpd.GeoDataFrame | None = None
    note: str = ""
    pending: JobPending | None = None


def _exposure(analyte: str, level: float | None, source: ExposureSource) -> _Shown:
    if level is None:
        return _Shown(note=f"the standard has no level for {analyte} in soil: no hotspots")
    try:
        shown = source(ExposureInputs(analyte=analyte, medium=MEDIUM, cleanup_level=level))
    except (InsufficientDataError, InvalidRequestError, JobError) as exc:
        return _Shown(note=f"no hotspots: {exc}")
    if isinstance(shown, JobPending):
        return _Shown(pending=shown)
    return _Shown(shown.estimate, shown.hotspots)


def _money(value: float) -> str:
    if pd.isna(value):
        return "suppressed"
    return f"PKR {value / 1e6:,.1f} million"


def build_encroachment_map(
    store: Store,
    query: EncroachmentQuery,
    *,
    household_detail: bool = False,
    exposure: ExposureSource | None = None,
) -> folium.Map:
    """The planners' map of encroachments, parcels, hotspots and resettlement.

    ``household_detail`` adds households and people per parcel to the parcel popups
    (for callers allowed household-level detail).

    Hotspots are the areas where the soil surface (IDW, highest result per
    location, every depth) exceeds the level of ``query.analyte`` in
    ``query.standard`` for ``query.land_use``; parcels whose encroached part
    touches one are outlined in red.  Areas and distances are measured in the
    site's metric CRS, geometry drawn in lon/lat.

    Raises
    ------
    MapRequestError
        404 for an unknown analyte or standard, 422 for an unknown land use.
    """
    try:
        analyte = resolve_analyte(query.analyte)
    except InvalidRequestError:
        raise MapRequestError(404, f"unknown analyte {query.analyte!r}") from None
    if not 1 <= query.phases <= 10:
        raise MapRequestError(422, "phases must be between 1 and 10")
    level = _cleanup_level(store, query, analyte)
    site = store.site()
    exposed = _exposure(analyte, level, exposure or local_exposure(store))
    hotspots = exposed.hotspots
    encroachments = store.read("encroachments")
    parcels, zones = store.read("parcels"), store.read("eia_zones")
    structures = store.read("structures")
    structures = structures[structures["encroachment_id"].notna()]
    report = estimate_resettlement(
        structures,
        encroachments,
        parcels,
        zones,
        load_matrix(),
        crs=site.crs,
        phases=query.phases,
        **survey_inputs(store),
        hotspots=hotspots,
        estimate=exposed.estimate,
        cleanup_level=level,
    )
    ranked = report["by_encroachment"].drop(columns=["kind"])
    shown = encroachments[["encroachment_id", "name", "kind", "surveyed_on", "geometry"]].merge(
        ranked, on="encroachment_id", how="left"
    )
    shown = shown.assign(
        cost=shown["total"].map(_money),
        kind_label=shown["kind"].map(label),
        phase_label=shown["phase"].map(lambda p: f"phase {int(p)}" if pd.notna(p) else "—"),
        since_cut_off=shown["structures"] - shown["eligible_structures"],
    )
    analysed = analyse_parcels(
        parcels,
        encroachments,
        structures,
        zones,
        crs=site.crs,
        hotspots=hotspots,
        estimate=exposed.estimate,
        cleanup_level=level,
    )
    analysed = analysed.assign(
        encroached_pct=(analysed["encroached_share"] * 100).round(1),
        land_use_label=analysed["land_use"].map(label),
    )

    fmap = new_map(
        site_bounds(store), title=f"Encroachment map: {site.name}", metric_crs=site.metric_crs
    )
    source = "chosen level" if query.cleanup_level else standard_name(query.standard)
    level_text = f"{analyte} > {level:g} mg/kg ({source})" if level else analyte
    Header(
        "Encroachments and resettlement",
        f"Hotspots: {level_text} in soil, {query.land_use} land · {query.phases} phases · "
        f"{site.name}",
        synthetic=site.synthetic,
        data_version=data_version(store),
        current="Encroachments",
        form=_form(store, query, analyte),
    ).add_to(fmap)
    boundary_layer(store).add_to(fmap)
    zones_layer(zones, fill_opacity=0.04).add_to(fmap)
    popup = [
        ("encroachment_id", "Encroachment"),
        ("kind_label", "Kind"),
        ("surveyed_on", "Surveyed on"),
        ("structures", "Structures"),
        ("households", "Households"),
        ("people", "People (households × 6.3)"),
        ("businesses", "Businesses"),
        ("cost", "Resettlement estimate"),
        ("since_cut_off", "Changes since cut-off: structures first seen after it"),
        ("phase_label", "Phase"),
        ("priority", "Priority (1 = first)"),
        ("on_hotspot", "On a hotspot"),
        ("distance_to_hotspot_m", "Distance to a hotspot (m)"),
        ("max_exceedance_ratio", "Highest ratio to the level"),
    ]
    geojson_layer(
        shown,
        name="Encroachments by kind",
        id_field="encroachment_id",
        title="name",
        fields=popup,
        style=lambda f: {
            "color": KIND_COLORS.get(f["properties"]["kind"], "#000000"),
            "weight": 1.5,
            "fillOpacity": 0.5,
            "className": "sg-encroachment",
        },
        key="encroachments",
        style_fields=("kind",),
    ).add_to(fmap)
    geojson_layer(
        shown,
        name="Encroachments by resettlement phase",
        id_field="encroachment_id",
        title="name",
        fields=popup,
        style=lambda f: {
            "color": "#444444",
            "weight": 1,
            "fillColor": _phase_color(f["properties"]["phase_label"]),
            "fillOpacity": 0.85,
            "className": "sg-phase",
        },
        key="phases",
        show=False,
    ).add_to(fmap)
    geojson_layer(
        analysed,
        name="Encroached parcels (red: on a hotspot)",
        id_field="parcel_id",
        title="parcel_id",
        fields=[
            ("land_use_label", "Land use"),
            ("encroached_m2", "Encroached (m²)"),
            ("encroached_pct", "Encroached (% of parcel)"),
            ("kinds", "Kinds"),
            ("structures", "Structures"),
            *(
                [("households", "Households"), ("people", "People")]
                if household_detail  # per parcel, they could be recovered by subtraction
                else []
            ),
            ("on_hotspot", "On a hotspot"),
            ("distance_to_hotspot_m", "Distance to a hotspot (m)"),
            ("max_exceedance_ratio", "Highest ratio to the level"),
            ("suppressed", f"Counts suppressed (< {MIN_GROUP} structures)"),
        ],
        style=lambda f: {
            "color": ON_HOTSPOT_COLOR if f["properties"]["on_hotspot"] else "#555555",
            "weight": 3 if f["properties"]["on_hotspot"] else 1,
            "fillOpacity": 0,
            "dashArray": None if f["properties"]["on_hotspot"] else "3 3",
            "className": "sg-parcel-hotspot" if f["properties"]["on_hotspot"] else "sg-parcel",
        },
        key="parcels",
        codes=("kinds",),
        pane="sg-parcels",  # beneath the encroachments: a click on one reaches it
    ).add_to(fmap)
    if hotspots is not None and not hotspots.empty:
        geojson_layer(
            hotspots.assign(zone=hotspots["zone_id"].fillna("outside EIA zones").map(label)),
            name=f"Hotspots ({level_text})",
            id_field="hotspot_id",
            title="hotspot_id",
            fields=[("zone", "EIA zone"), ("area_ha", "Area (ha)"), ("max_value", "Highest")],
            style={**HOTSPOT_STYLE, "className": "sg-hotspot"},
            key="hotspots",
            pane="sg-hotspots",
        ).add_to(fmap)

    by_phase = report["by_phase"]
    totals = report["totals"].iloc[0]
    on_hotspot = int(analysed["on_hotspot"].sum())
    Legend(
        legend(
            section(
                "Encroachments by kind",
                swatches(
                    Swatch(label(kind), color, count=int((shown["kind"] == kind).sum()))
                    for kind, color in KIND_COLORS.items()
                ),
                f"{totals['households']:,.0f} households, {totals['people']:,.0f} people; "
                f"resettlement estimate {_money(totals['total'])}.",
            ),
            section(
                "Resettlement phases (tick the layer)",
                swatches(
                    Swatch(
                        f"Phase {phase}: {households:,.0f} households, {_money(total)}",
                        _phase_color(f"phase {phase}"),
                    )
                    for phase, households, total in zip(
                        by_phase["phase"].astype(int),
                        by_phase["households"].astype(float),
                        by_phase["total"].astype(float),
                        strict=True,
                    )
                ),
                "Ordered by exposure: on a hotspot first, then the highest ratio, then distance.",
            ),
            section(
                "Encroached parcels",
                swatches(
                    [
                        Swatch(
                            "on a hotspot", "#ffffff", count=on_hotspot, outline=ON_HOTSPOT_COLOR
                        ),
                        Swatch(
                            "not on a hotspot",
                            "#ffffff",
                            count=len(analysed) - on_hotspot,
                            outline="#555555",
                        ),
                    ]
                ),
            ),
            _hotspot_section(exposed, level_text, _overlap_note(query, analysed, level)),
            section(
                "Personal data",
                f"Aggregates only: counts of groups of fewer than {MIN_GROUP} structures are "
                "suppressed; no structure or household is shown.",
            ),
        )
    ).add_to(fmap)
    if exposed.pending is not None:
        job = exposed.pending
        JobProgress(f"/jobs/{job.job_id}", job.progress, subject="hotspots").add_to(fmap)
    DrawArea(phases=query.phases).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    ReadySignal().add_to(fmap)
    return fmap


def suggested_level(highest: float) -> float:
    """A level just under ``highest`` (mg/kg) to show where the overlap starts: 90 % of it,
    rounded down to two significant figures (410 → 360, 1234 → 1100)."""
    target = 0.9 * highest
    step = 10 ** (math.floor(math.log10(target)) - 1)
    return math.floor(target / step) * step


def _overlap_note(
    query: EncroachmentQuery, analysed: gpd.GeoDataFrame, level: float | None
) -> Markup:
    """When no encroached parcel is on a hotspot: the highest soil estimate under an
    encroachment and a link to a level at which some are (or why there is none)."""
    if level is None or analysed.empty or bool(analysed["on_hotspot"].any()):
        return Markup("")
    ratios = analysed["max_exceedance_ratio"].dropna()
    if ratios.empty:
        return note(
            "No soil estimate covers the encroached parcels, so no level would put "
            "one on a hotspot."
        )
    highest = float(ratios.max()) * level
    lower = suggested_level(highest)
    params = {
        "analyte": query.analyte,
        "standard": query.standard,
        "land_use": query.land_use,
        "phases": query.phases,
        "cleanup_level": f"{lower:g}",
    }
    return Markup('<p class="sg-note">{} <a href="{}">{}</a></p>').format(
        f"No encroached parcel is on a hotspot at {level:g} mg/kg: the highest soil "
        f"estimate under an encroachment is {highest:,.0f} mg/kg.",
        "/maps/encroachments?" + urlencode(params),
        f"Show hotspots above {lower:g} mg/kg",
    )


_FORM = """
<form class="sg-form" method="get" action="/maps/encroachments">
  <label>Analyte<select name="analyte">{% for a in analytes %}
    <option{% if a == analyte %} selected{% endif %}>{{ a }}</option>{% endfor %}</select></label>
  <label>Standard<select name="standard">{% for code, name in standards %}
    <option value="{{ code }}"{% if code == q.standard %} selected{% endif %}>{{ name }}</option>
    {% endfor %}</select></label>
  <label>Land use<select name="land_use">{% for u in land_uses %}
    <option{% if u == q.land_use %} selected{% endif %}>{{ u }}</option>{% endfor %}</select>
  </label>
  <label>Cleanup level (mg/kg)<input type="number" name="cleanup_level" min="0" step="any"
    inputmode="decimal" placeholder="{{ placeholder }}"
    value="{{ '%g' % q.cleanup_level if q.cleanup_level else '' }}"></label>
  <label>Phases<input type="number" name="phases" min="1" max="10" step="1"
    value="{{ q.phases }}"></label>
  <button type="submit">Show</button>
</form>
"""


def _form(store: Store, query: EncroachmentQuery, analyte: str) -> Markup:
    """Analytes and standards with a soil level (standards by name); an empty cleanup level
    takes the standard's."""
    levels = store.read("screening_levels", columns=["standard", "analyte", "medium"])
    soil = levels[levels["medium"] == MEDIUM]
    return form_markup(
        _FORM,
        analytes=sorted(soil["analyte"].unique()),
        analyte=analyte,
        standards=[(code, standard_name(code)) for code in sorted(soil["standard"].unique())],
        land_uses=LAND_USES,
        placeholder="from the standard",
        q=query,
    )


def _hotspot_section(exposed: _Shown, level_text: str, overlap: Markup) -> Markup:
    if exposed.pending is not None:
        meanwhile = (
            "Parcels and encroachments are drawn without them and ranked by households; "
            "the page reloads when the hotspots are ready."
        )
        return section("Hotspots", job_progress("hotspots", exposed.pending.progress, meanwhile))
    if exposed.note:
        return section("Hotspots", note(exposed.note, warn=True))
    return section(
        "Hotspots",
        swatches([Swatch(f"soil above the level: {level_text}", "#000000", "line")]),
        overlap,
    )


def _phase_color(phase_label: str) -> str:
    if not phase_label.startswith("phase "):
        return "#ffffff"
    return PHASE_COLORS[min(int(phase_label.split()[1]), len(PHASE_COLORS)) - 1]
