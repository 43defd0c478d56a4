"""Layers shared by the map pages: GeoJSON overlays with popups, boundary and EIA zones."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import orjson
import shapely

from api.geojson import feature_collection
from api.maps.elements import Field, Link, popup_code
from api.maps.legend import ZONE_COLORS, Swatch
from site_gis.crs import to_storage
from site_gis.store import Store

COORDINATE_DECIMALS = 6
"""Decimals of lon/lat kept in pages (about 0.1 m)."""

Style = dict[str, Any]


def data_version(store: Store) -> str:
    """A short token of the stored data (12 hex digits of the SHA-256 of the store's
    version), printed on maps so that two prints can be told apart."""
    return hashlib.sha256(store.version().encode()).hexdigest()[:12]


def site_bounds(store: Store) -> tuple[float, float, float, float]:
    """The site boundary's (west, south, east, north) in lon/lat degrees."""
    info = store.layer_info("site_boundary")
    if info.bounds is None:
        raise ValueError("the site has no boundary")
    west, south, east, north = info.bounds
    return west, south, east, north


def geojson_layer(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    id_field: str,
    title: str,
    fields: list[Field],
    style: Style | Callable[[dict[str, Any]], Style],
    key: str | None = None,
    show: bool = True,
    points_as_circles: bool = False,
    style_fields: tuple[str, ...] = (),
    codes: tuple[str, ...] = (),
    pane: str | None = None,
    links: tuple[Link, ...] = (),
) -> folium.GeoJson:
    """An overlay of ``frame`` (any CRS; drawn in lon/lat) with a popup per feature.

    Parameters
    ----------
    frame
        Features; only ``id_field``, ``title`` and the popup ``fields`` go into the page,
        coordinates rounded to :data:`COORDINATE_DECIMALS` decimals.
    name
        Name in the layer control.
    style
        Leaflet path options, or a function of the feature giving them; a
        ``className`` lets tests count the drawn features.
    key
        Name under which the features are registered in ``siteGis.registry``.
    style_fields
        Further properties kept for ``style`` (not shown in the popup).
    points_as_circles
        Draw points as circle markers (styled by ``style``, legible at any zoom).
    codes
        Fields holding codes (``residential_settlement``), shown as words in popups
        ("Residential settlement"); the data keeps the codes, for styles.
    pane
        Map pane (:data:`api.maps.assets.PANES`); default Leaflet's overlay pane.
    links
        Popup rows linking a path of this server held in a property
        (:data:`api.maps.elements.Link`).
    """
    lonlat = to_storage(frame)
    geometry = shapely.transform(
        lonlat.geometry.to_numpy(), lambda xy: np.round(xy, COORDINATE_DECIMALS)
    )
    columns = list(
        dict.fromkeys(
            [id_field, title, *(f for f, _ in fields), *(f for f, _, _ in links), *style_fields]
        )
    )
    slim = gpd.GeoDataFrame(lonlat[columns], geometry=geometry, crs=lonlat.crs)
    data = orjson.loads(feature_collection(slim, id_field=id_field, fields=columns))
    style_function = style if callable(style) else (lambda _feature, s=style: s)
    extra: dict[str, Any] = {"pane": pane} if pane else {}
    return folium.GeoJson(
        data,
        name=name,
        style_function=style_function,
        on_each_feature=popup_code(title, fields, key=key, codes=codes, links=links),
        show=show,
        control=True,
        overlay=True,
        zoom_on_click=False,
        marker=folium.CircleMarker(fill=True) if points_as_circles else None,
        **extra,
    )


def boundary_layer(store: Store) -> folium.GeoJson:
    """The site boundary (outline only)."""
    return geojson_layer(
        store.read("site_boundary"),
        name="Site boundary",
        id_field="site_id",
        title="name",
        fields=[("area_acres", "Area (acres)"), ("area_ha", "Area (ha)"), ("source", "Source")],
        style={"color": "#b00020", "weight": 3, "fill": False, "className": "sg-boundary"},
        key="site_boundary",
    )


def zones_layer(
    zones: gpd.GeoDataFrame,
    *,
    name: str = "EIA zones",
    fields: list[Field] | None = None,
    fill_opacity: float = 0.12,
) -> folium.GeoJson:
    """EIA zones coloured by zone, with the given popup fields (default: name and area)."""
    return geojson_layer(
        zones,
        name=name,
        id_field="zone_id",
        title="name",
        fields=fields or [("zone_id", "Zone"), ("area_ha", "Area (ha)")],
        style=lambda f: {
            "color": ZONE_COLORS.get(f["properties"]["zone_id"], "#555555"),
            "weight": 2,
            "fillOpacity": fill_opacity,
            "className": "sg-zone",
        },
        key="eia_zones",
        pane="sg-areas",
    )


def zone_swatches(zones: gpd.GeoDataFrame) -> list[Swatch]:
    """Legend rows of the EIA zones."""
    return [
        Swatch(str(name), ZONE_COLORS.get(zone, "#555555"))
        for zone, name in zip(zones["zone_id"], zones["name"], strict=True)
    ]
