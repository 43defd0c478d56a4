"""Folium elements of the map pages; their browser side is ``api/static/maps/site-gis.js``.

* :class:`Header` -- title bar with the SYNTHETIC DATA banner, page links and a form;
* :class:`Legend` -- an HTML legend drawn as a Leaflet control;
* :class:`BboxLayer` -- a layer fetched from the OGC API items endpoint for the
  visible bounding box, refetched when the map moves (large layers stay out of
  the page);
* :class:`SampleLayer` -- clustered sample points from compact rows, coloured by
  class, with popups;
* :class:`ReadySignal` -- sets ``data-map-ready`` on the page once every layer
  has loaded (for tests and the benchmark);
* :func:`popup_code` -- binds escaped, formatted popups to a ``folium.GeoJson``.
"""

from __future__ import annotations

from typing import Any

import orjson
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode
from jinja2 import Template as JinjaTemplate
from markupsafe import Markup

from api.maps.assets import DRAW_CSS, DRAW_JS, MARKERCLUSTER_CSS, MARKERCLUSTER_JS
from site_gis import __version__

Field = tuple[str, str]
"""A popup row: (property name, label)."""
Link = tuple[str, str, str]
"""A popup row holding a link: (property holding a same-server path, label, link text)."""


def _json(value: Any) -> Markup:
    """JSON safe inside a ``<script>`` (no ``</script>``, no HTML-active characters)."""
    text = orjson.dumps(value).decode()
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return Markup(text)  # noqa: S704 - escaped above


def popup_code(
    title: str,
    fields: list[Field],
    *,
    key: str | None = None,
    codes: tuple[str, ...] = (),
    links: tuple[Link, ...] = (),
) -> JsCode:
    """``on_each_feature`` code giving each feature a popup of ``fields``.

    ``title`` is the property shown as the popup's heading.  Values are escaped
    and numbers formatted in the browser; ``key`` registers the layer's
    features for tests under ``siteGis.registry``; ``codes`` are fields shown as words;
    ``links`` are rows linking a path on this server (one starting ``/``, not ``//``;
    any other value is shown as text).
    """
    options = {
        "title": title,
        "fields": fields,
        "key": key,
        "codes": list(codes),
        "links": [list(link) for link in links],
    }
    return JsCode(f"function (f, l) {{ siteGis.bindFeaturePopup(l, {_json(options)}); }}")


class Header(MacroElement):
    """The page's title bar: SYNTHETIC DATA banner, title, subtitle, links, optional form;
    and what a print of the map carries (title, date, data version, SYNTHETIC, north)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <header class="sg-header">
          {% if this.synthetic %}<div class="sg-banner" role="alert">SYNTHETIC DATA<span
            class="sg-wide"> \u2014 demo values, not measurements</span></div>{% endif %}
          <div class="sg-titlebar">
            <div class="sg-titles"><h1 title="{{ this.title|e }}">{{ this.title|e }}</h1>
              <p>{{ this.subtitle|e }}</p></div>
            <button type="button" class="sg-menu-button" aria-expanded="false"
              aria-controls="sg-menu">Menu</button>
            <div class="sg-menu" id="sg-menu">
              <p class="sg-menu-subtitle">{{ this.subtitle|e }}</p>
              <nav aria-label="Pages">{% for label, href in this.links %}<a
                href="{{ href|e }}"{% if label == this.current %} aria-current="page"
                {% endif %}>{{ label|e }}</a>{% endfor %}</nav>
              {% if this.form %}{{ this.form }}{% endif %}
            </div>
          </div>
        </header>
        <div class="sg-print-info" aria-hidden="true">
          {% if this.synthetic %}<p class="sg-print-synthetic">SYNTHETIC DATA \u2014 demo values,
            not measurements</p>{% endif %}
          <p class="sg-print-title">{{ this.title|e }}</p>
          <p>{{ this.subtitle|e }}</p>
          <p>Printed <span class="sg-print-date"></span> \u00b7 data version
            {{ this.data_version|e }} \u00b7 site-gis {{ this.code_version|e }}</p>
        </div>
        <div class="sg-north" aria-hidden="true"><span>\u25b2</span>N</div>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        subtitle: str,
        *,
        synthetic: bool,
        current: str,
        form: Markup | None = None,
        data_version: str = "",
    ) -> None:
        super().__init__()
        self._name = "Header"
        self.title, self.subtitle, self.synthetic = title, subtitle, synthetic
        self.data_version, self.code_version = data_version or "unknown", __version__
        self.current, self.form = current, form
        self.links = [
            ("Home", "/?f=html"),
            ("Site", "/maps/site"),
            ("Contamination", "/maps/contamination"),
            ("Groundwater", "/groundwater/map"),
            ("Encroachments", "/maps/encroachments"),
            ("API", "/docs"),
        ]


class Legend(MacroElement):
    """A legend control (bottom right) holding ready-made, escaped HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.legend({{ this._parent.get_name() }}, {{ this.html_json }});
        {% endmacro %}
        """
    )

    def __init__(self, html: Markup) -> None:
        super().__init__()
        self._name = "Legend"
        self.html_json = _json(str(html))


class Panel(MacroElement):
    """A foldable panel control holding ready-made, escaped HTML (a table, notes)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.panel({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, html: Markup, *, position: str, class_name: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.options_json = _json(
            {"title": title, "html": str(html), "position": position, "className": class_name}
        )


class DrawArea(JSCSSMixin, MacroElement):
    """A polygon drawing tool (vendored Leaflet.draw): the encroached parcels in the drawn
    area and its resettlement estimate (a planner's key, asked for on the page)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.drawArea({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )
    default_js = DRAW_JS
    default_css = DRAW_CSS

    def __init__(self, *, phases: int) -> None:
        super().__init__()
        self._name = "DrawArea"
        self.options_json = _json(
            {
                "parcels_url": "/encroachments/parcels",
                "estimate_url": "/resettlement/estimate",
                "phases": phases,
            }
        )


class BboxLayer(Layer):
    """Features fetched from ``/collections/{layer}/items?bbox=...`` for the visible area.

    Parameters
    ----------
    layer
        Collection id.
    name
        Name in the layer control.
    style
        Leaflet path options (colour, weight, className...).
    title, fields
        Popup heading property and rows.
    min_zoom
        Below this zoom nothing is fetched (a notice on the map says to zoom in).
    limit
        Most features fetched per view (the server caps it at its ``max_items``).
    codes
        Fields shown as words in popups (``land_use``).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = siteGis.bboxLayer(
            {{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        layer: str,
        *,
        name: str,
        style: dict[str, Any],
        title: str,
        fields: list[Field],
        min_zoom: int = 12,
        limit: int = 5000,
        show: bool = True,
        codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "BboxLayer"
        self.options_json = _json(
            {
                "url": f"/collections/{layer}/items",
                "key": layer,
                "name": name.split(" (")[0],  # for notices: "Land parcels are hidden ..."
                "style": style,
                "title": title,
                "fields": fields,
                "minZoom": min_zoom,
                "limit": limit,
                "codes": list(codes),
            }
        )


class SampleLayer(JSCSSMixin, Layer):
    """Clustered sample points; each cluster takes the colour of its worst sample.

    Parameters
    ----------
    rows
        One list per point: ``[lat, lon, class index, sample id, value, detected,
        ratio, location id]`` (value: the result, or the detection limit of a non-detect).
    classes
        ``{"label", "color"}`` per class index, least severe first.
    options
        ``analyte``, ``unit``, ``level`` text and ``detail_url`` (the sample's other
        analytes, fetched when its popup opens; ``{id}`` is replaced by the sample id).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = siteGis.sampleLayer({{ this.options_json }});
        {% endmacro %}
        """
    )
    default_js = MARKERCLUSTER_JS
    default_css = MARKERCLUSTER_CSS

    def __init__(
        self,
        rows: list[list[Any]],
        classes: list[dict[str, str]],
        *,
        name: str,
        options: dict[str, Any],
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "SampleLayer"
        self.options_json = _json({"rows": rows, "classes": classes, "key": "samples", **options})


class ReadySignal(MacroElement):
    """Marks the page ready (``<html data-map-ready="1">``) once every layer has loaded."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.signalReady({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ReadySignal"


class JobProgress(MacroElement):
    """Follows a job's progress in the legend's bar and reloads the page once it is done."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.followJob({{ this.url|tojson }}, {{ this.subject|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, url: str, progress: int, *, subject: str) -> None:
        super().__init__()
        self._name = "JobProgress"
        self.url = url
        self.progress = progress
        self.subject = subject


def form_markup(template: str, **values: Any) -> Markup:
    """Render a small HTML form template with autoescaping."""
    return Markup(JinjaTemplate(template, autoescape=True).render(**values))  # noqa: S704
