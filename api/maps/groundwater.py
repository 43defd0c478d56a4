"""The groundwater view: wells in one round against a level, trend arrows, a chart per well.

Each well is drawn in the selected round's colour against the standard's level
(GWSDAT's threshold colours, :mod:`site_gis.groundwater.matrix`), with an arrow
for its trend class up to that round (GSI toolkit classes: red up for
increasing, orange for probably increasing, green down for decreasing, light
green for probably decreasing, a grey dash for stable or no trend).  Its popup
holds the whole series as an inline SVG chart: detects as filled dots joined by
a line, non-detects as hollow dots at their limit, the level dashed.  The round
selector is a plain form: choosing a round reloads the page.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup

from api.maps import MapRequestError
from api.maps.assets import new_map
from api.maps.elements import Header, Legend, ReadySignal, _json, form_markup
from api.maps.layers import boundary_layer, data_version, site_bounds
from api.maps.legend import Swatch, legend, note, section, swatches
from site_gis.contamination import load_results, resolve_analyte, select_levels
from site_gis.crs import to_storage
from site_gis.groundwater import series_trend
from site_gis.groundwater.flow import round_of
from site_gis.groundwater.matrix import THRESHOLD_COLOURS
from site_gis.groundwater.series import decimal_years
from site_gis.store import Store

ARROWS = {
    "increasing": ("\u25b2", "#D7191C"),
    "probably increasing": ("\u25b2", "#FDAE61"),
    "decreasing": ("\u25bc", "#1A9641"),
    "probably decreasing": ("\u25bc", "#A6D96A"),
    "stable": ("\u25ac", "#555555"),
    "no trend": ("\u25ac", "#999999"),
    "insufficient data": ("?", "#999999"),
}
_FORM = """
<form class="sg-form" method="get" action="/groundwater/map">
  <label>Analyte <select name="analyte">{% for a in analytes %}
    <option{% if a == analyte %} selected{% endif %}>{{ a }}</option>{% endfor %}</select></label>
  <label>Round <select name="round">{% for r in rounds %}
    <option{% if r == round %} selected{% endif %}>{{ r }}</option>{% endfor %}</select></label>
  <label>Standard <select name="standard">{% for s in standards %}
    <option{% if s == standard %} selected{% endif %}>{{ s }}</option>{% endfor %}</select></label>
  <input type="hidden" name="land_use" value="{{ land_use }}">
  <button type="submit">Show</button>
</form>
"""


class WellLayer(MacroElement):
    """Wells as circle markers with trend arrows and popups of ready-escaped HTML.

    Rows: ``[lat, lon, fill colour, popup HTML, tooltip, arrow HTML]``; every text in
    the HTML is escaped on the server, and the rows go into the script as JSON safe
    inside ``<script>``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
          var group = L.layerGroup().addTo(map);
          {{ this.rows_json }}.forEach(function (r) {
            L.circleMarker([r[0], r[1]], {radius: 7, color: "#333", weight: 1,
              fillColor: r[2], fillOpacity: 0.9})
              .bindPopup(r[3], {maxWidth: 300}).bindTooltip(r[4]).addTo(group);
            L.marker([r[0], r[1]], {interactive: false, icon: L.divIcon({
              className: "sg-trend", html: r[5], iconSize: [16, 16]})}).addTo(group);
          });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]]) -> None:
        super().__init__()
        self._name = "WellLayer"
        self.rows_json = _json(rows)


def series_svg(
    dates: np.ndarray,
    values: np.ndarray,
    detected: np.ndarray,
    limits: np.ndarray,
    *,
    level: float | None,
    unit: str,
    width: int = 260,
    height: int = 120,
) -> str:
    """An inline SVG time-series chart (no script): detects, non-detects, the level."""
    t = decimal_years(pd.Series(dates))
    shown = np.where(detected, values, limits).astype(float)
    top = float(np.nanmax([*shown, level or 0.0])) * 1.1 or 1.0
    t0, t1 = float(t.min()), float(t.max())
    span = (t1 - t0) or 1.0
    pad = 24

    def px(a: float) -> float:
        return pad + (a - t0) / span * (width - 2 * pad)

    def py(v: float) -> float:
        return height - pad - v / top * (height - 2 * pad)

    line = " ".join(
        f"{px(a):.1f},{py(v):.1f}" for a, v, d in zip(t, shown, detected, strict=True) if d
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="time series">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#444"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#444"/>',
        f'<text x="{pad}" y="{height - 6}" font-size="9">{int(t0)}</text>',
        f'<text x="{width - pad - 20}" y="{height - 6}" font-size="9">{int(t1)}</text>',
        f'<text x="2" y="{pad - 6}" font-size="9">{top:.3g} {escape(unit)}</text>',
    ]
    if level:
        parts.append(
            f'<line x1="{pad}" y1="{py(level):.1f}" x2="{width - pad}" y2="{py(level):.1f}" '
            'stroke="#D7191C" stroke-dasharray="4 3"><title>level</title></line>'
        )
    if line:
        parts.append(f'<polyline points="{line}" fill="none" stroke="#2c7fb8"/>')
    for a, v, d, dl in zip(t, values, detected, limits, strict=True):
        if d:
            parts.append(
                f'<circle cx="{px(a):.1f}" cy="{py(v):.1f}" r="2.5" fill="#2c7fb8">'
                f"<title>{v:g} {escape(unit)}</title></circle>"
            )
        else:
            parts.append(
                f'<circle cx="{px(a):.1f}" cy="{py(dl):.1f}" r="2.5" fill="white" '
                f'stroke="blue"><title>&lt;{dl:g} {escape(unit)} (not detected)</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def build_groundwater_map(
    store: Store,
    *,
    analyte: str,
    round_id: str | None,
    standard: str,
    land_use: str,
) -> folium.Map:
    """The groundwater view of one analyte in one round (default: the latest)."""
    name = resolve_analyte(analyte)
    results = load_results(store, analyte=name, medium="groundwater")
    if not len(results):
        raise MapRequestError(404, f"no groundwater results for {name}")
    results = results.assign(round=round_of(results["sampled_on"])).sort_values(
        ["location_id", "sampled_on"], kind="stable"
    )
    rounds = sorted(results["round"].unique())
    chosen = round_id or rounds[-1]
    if chosen not in rounds:
        raise MapRequestError(404, f"no {name} results in round {chosen}")
    levels = store.read("screening_levels")
    chosen_levels = select_levels(levels, standard, land_use)
    match = chosen_levels[
        (chosen_levels["analyte"] == name) & (chosen_levels["medium"] == "groundwater")
    ]
    level = float(match["value"].iloc[0]) if len(match) else None
    unit = str(results["unit"].iloc[0])
    wells = to_storage(
        store.read(
            "sample_locations", where={"location_id": sorted(results["location_id"].unique())}
        )
    ).set_index("location_id")
    site = store.site()
    fmap = new_map(
        site_bounds(store), title=f"Groundwater: {name}, {chosen}", metric_crs=site.metric_crs
    )
    form = form_markup(
        _FORM,
        analytes=sorted(levels.loc[levels["medium"] == "groundwater", "analyte"].unique().tolist()),
        analyte=name,
        rounds=rounds,
        round=chosen,
        standards=sorted(levels["standard"].unique()),
        standard=standard,
        land_use=land_use,
    )
    Header(
        f"Groundwater: {name}, round {chosen}",
        f"{site.name}; level {level:g} {unit} ({standard})" if level else site.name,
        synthetic=site.synthetic,
        data_version=data_version(store),
        current="Groundwater",
        form=form,
    ).add_to(fmap)
    boundary_layer(store).add_to(fmap)
    markers: list[list[Any]] = []
    for location, rows in results.groupby("location_id", sort=True):
        upto = rows[rows["round"] <= chosen]
        now = upto[upto["round"] == chosen]
        if not len(now):
            continue  # not sampled in this round (not yet installed, or lost)
        detected = bool(now["detected"].any())
        value = float(now.loc[now["detected"], "value"].mean()) if detected else None
        limit = float(now["detection_limit"].min())
        threshold = _threshold(value, limit, level)
        trend = series_trend(
            upto["sampled_on"].to_numpy(),
            upto["value"].to_numpy(dtype=float),
            upto["detected"].to_numpy(dtype=bool),
            upto["detection_limit"].to_numpy(dtype=float),
        )
        point = wells.geometry.loc[location]
        chart = series_svg(
            rows["sampled_on"].to_numpy(),
            rows["value"].to_numpy(dtype=float),
            rows["detected"].to_numpy(dtype=bool),
            rows["detection_limit"].to_numpy(dtype=float),
            level=level,
            unit=unit,
        )
        shown = f"{value:g} {unit}" if value is not None else f"&lt;{limit:g} {unit}"
        popup = (
            f"<b>{escape(str(location))}</b><br>{escape(name)} in {escape(chosen)}: {shown}"
            f"<br>{escape(threshold)}; trend to this round: {escape(trend['trend'])} "
            f"({trend['n']} rounds)<br>{chart}"
        )
        arrow, colour = ARROWS[trend["trend"]]
        markers.append(
            [
                round(point.y, 6),
                round(point.x, 6),
                THRESHOLD_COLOURS[threshold],
                popup,
                escape(str(location)),
                f'<div style="color:{colour};font-size:14px;margin:-18px 0 0 8px">{arrow}</div>',
            ]
        )
    WellLayer(markers).add_to(fmap)
    Legend(
        legend(
            section(
                f"{name} in {chosen}",
                swatches(Swatch(k, c, "dot") for k, c in THRESHOLD_COLOURS.items()),
            ),
            section(
                "Trend up to the round (GSI Mann-Kendall Toolkit)",
                Markup("").join(
                    Markup('<div><span style="color:{}">{}</span> {}</div>').format(c, a, k)
                    for k, (a, c) in ARROWS.items()
                ),
                note("Click a well for its whole series (hollow dots: non-detects)."),
            ),
        )
    ).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    ReadySignal().add_to(fmap)
    return fmap


def _threshold(value: float | None, limit: float, level: float | None) -> str:
    if level is None:
        return "no level"
    if value is None:
        return "DL above level" if limit > level else "non-detect"
    return "above" if value > level else "at or below"
