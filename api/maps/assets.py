"""Page assets served by the app itself: vendored Leaflet and plugins, our script and style.

Folium points every map at public CDNs (Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers); a site office with no internet would get a blank page.  Every
map here is built by :func:`new_map`, which replaces those links with the pinned
copies under ``api/static/vendor`` (see its ``VERSIONS`` file) and drops what the
pages do not use.  The only remote URL left in a page is the optional base map,
a tile layer that is off until the user ticks it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

import folium
import pyproj
from branca.element import Figure, MacroElement
from folium import plugins
from folium.template import Template

from api.maps.static import STATIC_DIR as STATIC_DIR
from api.maps.static import asset_url
from api.security import inline_script_hashes, policy

VENDOR = "vendor"

LEAFLET_JS = [("leaflet", asset_url(f"{VENDOR}/leaflet-1.9.4/leaflet.js"))]
LEAFLET_CSS = [("leaflet_css", asset_url(f"{VENDOR}/leaflet-1.9.4/leaflet.css"))]
MARKERCLUSTER_JS = [
    ("markerclusterjs", asset_url(f"{VENDOR}/leaflet.markercluster-1.5.3/leaflet.markercluster.js"))
]
MARKERCLUSTER_CSS = [
    ("markerclustercss", asset_url(f"{VENDOR}/leaflet.markercluster-1.5.3/MarkerCluster.css")),
    (
        "markerclusterdefaultcss",
        asset_url(f"{VENDOR}/leaflet.markercluster-1.5.3/MarkerCluster.Default.css"),
    ),
]
DRAW_JS = [("leaflet_draw_js", asset_url(f"{VENDOR}/leaflet-draw-1.0.4/leaflet.draw.js"))]
DRAW_CSS = [("leaflet_draw_css", asset_url(f"{VENDOR}/leaflet-draw-1.0.4/leaflet.draw.css"))]
SITE_GIS_JS = [("site_gis_js", asset_url("maps/site-gis.js"))]
SITE_GIS_CSS = [("site_gis_css", asset_url("maps/site-gis.css"))]

BASE_MAP_NAME = "OpenStreetMap base map (needs internet)"
BASE_MAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
"""The one remote URL a page may hold: tiles of the optional base map, off by default."""
BASE_MAP_ATTRIBUTION = "© OpenStreetMap contributors"
BASE_MAP_ORIGIN = "https://tile.openstreetmap.org"


class BaseMapWatch(MacroElement):
    """Says on the map when the optional base map's tiles cannot load (offline)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.baseMap({{ this._parent.get_name() }}, {{ this.layer.get_name() }},
            {{ this.label|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.TileLayer, label: str) -> None:
        super().__init__()
        self._name = "BaseMapWatch"
        self.layer, self.label = layer, label


PANES = {"sg-areas": 360, "sg-parcels": 380, "sg-hotspots": 390}
"""Map panes beneath Leaflet's overlay pane (400), whatever order layers are ticked in:
zones under parcels under hotspots under encroachments, plant units and receptors, so
a click on a small feature reaches it and not the large area around it."""


class Coordinates(MacroElement):
    """The cursor's position (the map centre on a touch screen) in lon/lat and, when it is
    a UTM zone on WGS 84, in the site's metric CRS."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        siteGis.coordinates({{ this._parent.get_name() }}, {{ this.crs|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, metric_crs: str | None) -> None:
        super().__init__()
        self._name = "Coordinates"
        self.crs: dict[str, object] | None = None
        if metric_crs:
            crs = pyproj.CRS.from_user_input(metric_crs)
            zone = crs.utm_zone
            ellipsoid = crs.ellipsoid
            wgs84 = ellipsoid is not None and ellipsoid.name == "WGS 84"
            if zone and wgs84:
                epsg = crs.to_epsg()
                self.crs = {
                    "zone": int(zone[:-1]),
                    "south": zone.endswith("S"),
                    "name": f"EPSG:{epsg}" if epsg else crs.name,
                }


def new_map(bounds: Sequence[float], *, title: str, metric_crs: str | None = None) -> folium.Map:
    """An empty map fitted to ``bounds`` whose every asset is served by the app.

    Parameters
    ----------
    bounds
        (west, south, east, north) in lon/lat degrees (EPSG:4326).
    title
        Page title.
    metric_crs
        The site's metric CRS, for the coordinate readout (UTM zones on WGS 84; others
        show lon/lat only).

    Returns
    -------
    folium.Map
        With a scale bar (metric), full-screen button, measuring tool (metres and
        hectares) and the optional base map (unticked); no tiles are fetched until
        the user ticks the base map.
    """
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        zoom_start=13,
        maxZoom=19,  # Leaflet option (folium's max_zoom only sets tiles)
    )
    fmap.default_js = [*LEAFLET_JS, *SITE_GIS_JS]
    fmap.default_css = [*LEAFLET_CSS, *SITE_GIS_CSS]
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(folium.Element(f"<title>{escape(title)}</title>"), name="title")
    # no favicon request (a 404 would be logged as a console error)
    root.header.add_child(folium.Element('<link rel="icon" href="data:,">'), name="favicon")
    fmap.fit_bounds([[south, west], [north, east]])
    for pane, z_index in PANES.items():
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(fmap)
    base = folium.TileLayer(
        BASE_MAP_TILES,
        name=BASE_MAP_NAME,
        attr=BASE_MAP_ATTRIBUTION,
        overlay=True,
        show=False,
        max_zoom=19,
    )
    base.add_to(fmap)
    BaseMapWatch(base, "OpenStreetMap base map").add_to(fmap)
    fullscreen = plugins.Fullscreen(position="topleft")
    fullscreen.default_js = [
        (
            "Control.Fullscreen.js",
            asset_url(f"{VENDOR}/leaflet.fullscreen-3.0.0/Control.FullScreen.js"),
        )
    ]
    fullscreen.default_css = [
        (
            "Control.FullScreen.css",
            asset_url(f"{VENDOR}/leaflet.fullscreen-3.0.0/Control.FullScreen.css"),
        )
    ]
    fullscreen.add_to(fmap)
    measure = plugins.MeasureControl(
        position="topleft",
        primary_length_unit="meters",
        secondary_length_unit="kilometers",
        primary_area_unit="hectares",
        secondary_area_unit="sqmeters",
    )
    measure.default_js = [
        ("leaflet_measure_js", asset_url(f"{VENDOR}/leaflet-measure-2.1.7/leaflet-measure.min.js"))
    ]
    measure.default_css = [
        ("leaflet_measure_css", asset_url(f"{VENDOR}/leaflet-measure-2.1.7/leaflet-measure.css"))
    ]
    measure.add_to(fmap)
    Coordinates(metric_crs).add_to(fmap)
    return fmap


_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
"""Lets a phone user pinch-zoom the page (folium's own meta forbids it)."""


def render(fmap: folium.Map) -> str:
    """The complete HTML page of a built map, in English, zoomable on a phone."""
    html: str = fmap.get_root().render()
    html = _FOLIUM_VIEWPORT.sub(VIEWPORT, html, count=1)
    return html.replace("<html>", '<html lang="en">', 1)


def map_policy(page: str) -> str:
    """The ``Content-Security-Policy`` of a rendered map page.

    Scripts from this server and the page's own inline scripts (by hash: every
    value in them is escaped, see :mod:`api.maps.elements`); images from here,
    ``data:`` and the base map's tiles.  ``'unsafe-eval'`` because the vendored
    leaflet-measure compiles its lodash templates with ``new Function``.
    """
    return policy(scripts=inline_script_hashes(page), images=[BASE_MAP_ORIGIN], unsafe_eval=True)
