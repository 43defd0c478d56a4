"""Small HTML views of collections and features (every value escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
from fastapi import Request

from site_gis.schemas import LayerSchema

BANNER = (
    '<p style="background:#b00020;color:#fff;padding:.5em 1em;font-weight:bold">'
    "SYNTHETIC DATA: demo values, not measurements</p>"
)


def prefers_html(request: Request) -> bool:
    """Whether the client asked for HTML rather than JSON (a browser)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def feature_page(
    schema: LayerSchema,
    frame: pd.DataFrame,
    fields: tuple[str, ...],
    matched: int,
    links: list[dict[str, str]],
    *,
    synthetic: bool,
) -> str:
    """An HTML table of a page of features, with paging links."""
    head = "".join(f"<th>{escape(f)}</th>" for f in fields)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(row[f]))}</td>" for f in fields) + "</tr>"
        for row in frame.to_dict("records")
    )
    nav = " ".join(
        f'<a href="{escape(link["href"])}">{escape(link["rel"])}</a>'
        for link in links
        if link["rel"] in ("prev", "next", "collection")
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>"
        f"{escape(schema.title)}</title></head><body>{BANNER if synthetic else ''}"
        f"<h1>{escape(schema.title)}</h1><p>{escape(schema.description)}</p>"
        f"<p>{len(frame)} of {matched} features. {nav}</p>"
        f"<table border=1><tr>{head}</tr>{rows}</table></body></html>"
    )


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def collections_page(collections: list[dict[str, Any]], *, synthetic: bool) -> str:
    """An HTML list of the layers with their counts and links."""
    rows = "".join(
        f'<tr><td><a href="{escape(c["links"][0]["href"])}?f=html">{escape(c["id"])}</a></td>'
        f"<td>{escape(c['title'])}</td><td>{escape(str(c['geometryType'] or 'table'))}</td>"
        f"<td>{c['itemCount']}</td>"
        f'<td><a href="{escape(c["links"][1]["href"])}?f=html">items</a></td></tr>'
        for c in collections
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Collections"
        f"</title></head><body>{BANNER if synthetic else ''}<h1>Collections</h1>"
        f"<table border=1><tr><th>id</th><th>title</th><th>geometry</th><th>features</th>"
        f"<th></th></tr>{rows}</table></body></html>"
    )


MAP_LINKS = (
    (
        "/maps/site",
        "Site map",
        "boundary, EIA zones, plant units, parcels, encroachments, receptors",
    ),
    (
        "/maps/contamination",
        "Contamination map",
        "samples by exceedance of a standard, interpolated surface, hotspots, zone statistics",
    ),
    (
        "/maps/encroachments",
        "Encroachment map",
        "encroachments by kind and phase, encroached parcels on hotspots, resettlement",
    ),
)


def landing_page(
    title: str,
    summary: str,
    provenance: str,
    links: list[dict[str, str]],
    layers: list[tuple[str, str, bool]],
    *,
    synthetic: bool,
) -> str:
    """The HTML home page: the maps, the API and its documentation, and the exports.

    ``layers`` lists (name, title, personal) for the export links; personal layers
    are exported without their personal fields unless the key has the planner role.
    """
    maps = "".join(
        f'<li><a href="{href}"><strong>{escape(name)}</strong></a> — {escape(text)}</li>'
        for href, name, text in MAP_LINKS
    )
    api = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link["title"])}</a></li>'
        for link in links
        if link["rel"] not in ("self", "alternate")
    )
    exports = "".join(
        f"<tr><td>{escape(layer_title)}</td>"
        + "".join(
            f'<td><a href="/exports/{escape(name)}?format={fmt}">{fmt}</a></td>'
            for fmt in ("geojson", "gpkg", "csv")
        )
        + "</tr>"
        for name, layer_title, _ in layers
    )
    public = ",".join(name for name, _, personal in layers if not personal)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:0;color:#1d2b36}"
        "main{max-width:860px;margin:0 auto;padding:8px 20px 40px}"
        "h2{margin-top:1.6em;font-size:1.15em}li{margin:.35em 0}"
        "table{border-collapse:collapse}td{padding:2px 10px 2px 0}a{color:#0b5394}"
        ".note{color:#4a5a66;font-size:.92em}</style></head><body>"
        f"{BANNER if synthetic else ''}<main><h1>{escape(title)}</h1>"
        f"<p>{escape(summary)}</p><p class=note>{escape(provenance)}</p>"
        f"<h2>Maps</h2><ul>{maps}</ul>"
        "<p class=note>The maps need no internet: every script and style is served from "
        "here; the base map is optional.</p>"
        f"<h2>API</h2><ul>{api}</ul>"
        "<h2>Exports</h2><p class=note>Exports need an API key with the consultant role "
        '(<code>site-gis keys create "name" --roles consultant</code>), sent as the '
        "<code>X-API-Key</code> header, e.g. <code>curl -H 'X-API-Key: …' -OJ "
        "http://host/exports/eia_zones?format=gpkg</code>; without one these links answer "
        "401.</p>"
        f'<p><a href="/exports?layers={escape(public)}&amp;format=gpkg">'
        "Every public layer as GeoPackage files in a zip, with a provenance manifest</a></p>"
        f"<table>{exports}</table>"
        "<p class=note>Household-level fields are exported only with a key that also has the "
        "planner role.</p></main></body></html>"
    )


def minimal_landing_page(summary: str, links: list[dict[str, str]]) -> str:
    """The HTML home page for a caller who may not read: what this is and the links, no site."""
    api = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link["title"])}</a></li>'
        for link in links
        if link["rel"] not in ("self", "alternate")
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,"><title>site-gis</title></head>'
        f'<body style="font-family:system-ui,sans-serif"><h1>site-gis</h1>'
        f"<p>{escape(summary)}</p><ul>{api}</ul></body></html>"
    )


def single_feature_page(schema: LayerSchema, feature: dict[str, Any], *, synthetic: bool) -> str:
    """An HTML table of one GeoJSON feature's properties, with its links."""
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(_text(value))}</td></tr>"
        for name, value in feature["properties"].items()
    )
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type", "none")
    nav = " ".join(
        f'<a href="{escape(link["href"])}">{escape(link["rel"])}</a>'
        for link in feature.get("links", [])
        if link["rel"] in ("collection", "alternate")
    )
    title = f"{schema.title}: {feature['id']}"
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
        f"</title></head><body>{BANNER if synthetic else ''}<h1>{escape(title)}</h1>"
        f"<p>Geometry: {escape(str(kind))}. {nav}</p>"
        f"<table border=1>{rows}</table></body></html>"
    )


def conformance_page(classes: list[str]) -> str:
    """An HTML list of the conformance classes the service declares."""
    items = "".join(f'<li><a href="{escape(c)}">{escape(c)}</a></li>' for c in classes)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Conformance</title>"
        '</head><body><h1>Conformance classes</h1><p><a href="?f=json">JSON</a></p>'
        f"<ul>{items}</ul></body></html>"
    )
