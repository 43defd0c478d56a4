"""``/maps/site``: the site at a glance -- boundary, EIA zones, plant units, parcels,
encroachments and receptors."""

from __future__ import annotations

import folium

from api.maps.assets import new_map
from api.maps.elements import BboxLayer, Header, Legend, ReadySignal
from api.maps.layers import (
    boundary_layer,
    data_version,
    geojson_layer,
    site_bounds,
    zone_swatches,
    zones_layer,
)
from api.maps.legend import KIND_COLORS, RECEPTOR_COLORS, Swatch, label, legend, section, swatches
from site_gis.store import Store

PARCEL_MIN_ZOOM = 12
"""Parcels are fetched by bounding box from this zoom on (the whole site fits at 13)."""


def build_site_map(store: Store) -> folium.Map:
    """The site overview map.

    Boundary, EIA zones, plant units, encroachments and receptors are embedded
    (tens of features); parcels, the largest layer, are fetched from the OGC
    API for the visible bounding box.  Geometry is drawn in lon/lat (EPSG:4326).

    Parameters
    ----------
    store
        The site's store.

    Returns
    -------
    folium.Map
        Ready to render with :func:`api.maps.assets.render`.
    """
    site = store.site()
    fmap = new_map(site_bounds(store), title=f"Site map: {site.name}", metric_crs=site.metric_crs)
    Header(
        "Site map",
        site.name,
        synthetic=site.synthetic,
        data_version=data_version(store),
        current="Site",
    ).add_to(fmap)
    zones = store.read("eia_zones")
    facilities = store.read("facilities")
    encroachments = store.read("encroachments")
    receptors = store.read("receptors")
    boundary_layer(store).add_to(fmap)
    zones_layer(zones).add_to(fmap)
    BboxLayer(
        "parcels",
        name="Land parcels (loaded for the visible area)",
        style={"color": "#7f8c8d", "weight": 0.8, "fillOpacity": 0.03, "className": "sg-parcel"},
        title="parcel_id",
        fields=[
            ("land_use", "Land use"),
            ("owner", "Owner"),
            ("area_ha", "Area (ha)"),
            ("zone_id", "EIA zone"),
        ],
        min_zoom=PARCEL_MIN_ZOOM,
        codes=("land_use", "zone_id"),
    ).add_to(fmap)
    geojson_layer(
        facilities,
        name="Plant units",
        id_field="facility_id",
        title="name",
        fields=[
            ("unit", "Unit"),
            ("status", "Status"),
            ("commissioned", "Commissioned"),
            ("capacity", "Capacity"),
            ("zone_id", "EIA zone"),
            ("source", "Source"),
        ],
        style={
            "color": "#34495e",
            "weight": 1,
            "fillColor": "#7f8c8d",
            "fillOpacity": 0.55,
            "className": "sg-facility",
        },
        key="facilities",
        codes=("status", "zone_id"),
    ).add_to(fmap)
    geojson_layer(
        encroachments,
        name="Encroachments",
        id_field="encroachment_id",
        title="name",
        fields=[
            ("encroachment_id", "Encroachment"),
            ("kind", "Kind"),
            ("surveyed_on", "Surveyed on"),
            ("structures_total", "Structures"),
            ("households", "Households"),
            ("businesses", "Businesses"),
            ("area_ha", "Area (ha)"),
        ],
        style=lambda f: {
            "color": KIND_COLORS.get(f["properties"]["kind"], "#000000"),
            "weight": 1.5,
            "fillOpacity": 0.45,
            "className": "sg-encroachment",
        },
        key="encroachments",
        codes=("kind",),
    ).add_to(fmap)
    geojson_layer(
        receptors,
        name="Receptors",
        id_field="receptor_id",
        title="name",
        fields=[
            ("kind", "Kind"),
            ("population", "Population"),
            ("population_basis", "Population basis"),
            ("location_basis", "Location basis"),
        ],
        style=lambda f: {
            "color": "#222222",
            "weight": 1,
            "fillColor": RECEPTOR_COLORS.get(f["properties"]["kind"], "#000000"),
            "fillOpacity": 0.9,
            "radius": 7,
            "className": "sg-receptor",
        },
        key="receptors",
        points_as_circles=True,
        codes=("kind",),
    ).add_to(fmap)
    Legend(
        legend(
            section("EIA zones", swatches(zone_swatches(zones))),
            section(
                "Encroachments",
                swatches(
                    Swatch(label(kind), color, count=int((encroachments["kind"] == kind).sum()))
                    for kind, color in KIND_COLORS.items()
                ),
            ),
            section(
                "Receptors",
                swatches(
                    Swatch(label(kind), color, "dot", int((receptors["kind"] == kind).sum()))
                    for kind, color in RECEPTOR_COLORS.items()
                ),
            ),
            section(
                "Other layers",
                swatches(
                    [
                        Swatch("Site boundary", "#b00020", "line"),
                        Swatch("Plant units", "#7f8c8d", count=len(facilities)),
                        Swatch("Land parcels (zoom 12 and closer)", "#ffffff", outline="#7f8c8d"),
                    ]
                ),
                "Click a feature for its details. Base map: tick it in the layer list "
                "(needs internet).",
            ),
        )
    ).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    ReadySignal().add_to(fmap)
    return fmap
