"""Small HTML views of collections and features (every value escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
from fastapi import Request

from site_gis.schemas import LayerSchema

BANNER = (
    '<p class="sg-banner" style="background:#b00020;color:#fff;padding:.4em 1em;margin:0;'
    'font-weight:bold;text-align:center">SYNTHETIC DATA: demo values, not measurements</p>'
)


def prefers_html(request: Request) -> bool:
    """Whether the client asked for HTML rather than JSON (a browser)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def page(
    title: str,
    body: str,
    *,
    synthetic: bool,
    json_href: str | None = "?f=json",
    mini_map: str | None = None,
    scripts: tuple[str, ...] = (),
) -> str:
    """An HTML page in the style of the map pages: viewport, ``lang``, the SYNTHETIC
    banner, links home, to the collections, maps and API, and to this page's JSON.

    ``mini_map`` is the URL of GeoJSON (lon/lat) drawn on a small map above the body
    (vendored Leaflet; nothing is fetched from elsewhere); ``scripts`` are further
    static files (paths under ``/static``) the page runs.
    """
    from api.maps.static import asset_url  # the map package imports this module

    alternate = (
        f'<p class="note">This page as <a href="{escape(json_href)}">JSON</a>.</p>'
        if json_href
        else ""
    )
    head = [f'<link rel="stylesheet" href="{asset_url("pages/site-gis-pages.css")}">']
    tail = []
    figure = ""
    if mini_map:
        head.append(f'<link rel="stylesheet" href="{asset_url(LEAFLET + "/leaflet.css")}">')
        tail.append(asset_url(LEAFLET + "/leaflet.js"))
        figure = (
            f'<div class="sg-mini-map" data-url="{escape(mini_map)}" role="region" '
            'aria-label="Map of the features on this page"></div>'
        )
    tail += [asset_url(s) for s in (*scripts, *(("pages/site-gis-pages.js",) if figure else ()))]
    script_tags = "".join(f'<script src="{escape(src)}"></script>' for src in tail)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title>{"".join(head)}'
        f"</head><body>{BANNER if synthetic else ''}"
        '<header class="sg-page-header"><nav aria-label="Pages"><a href="/?f=html">Home</a>'
        '<a href="/collections?f=html">Layers</a><a href="/maps/site">Site map</a>'
        '<a href="/maps/contamination">Contamination</a>'
        '<a href="/groundwater/map">Groundwater</a>'
        '<a href="/maps/encroachments">Encroachments</a><a href="/docs">API</a></nav></header>'
        f"<main><h1>{escape(title)}</h1>{figure}{body}{alternate}</main>"
        f"{script_tags}</body></html>"
    )


LEAFLET = "vendor/leaflet-1.9.4"
SCROLLS = '<div class="table" tabindex="0" role="region" aria-label="Table (scrolls sideways)">'
"""A table's frame that scrolls sideways on a phone, reachable by keyboard."""


def feature_page(
    schema: LayerSchema,
    frame: pd.DataFrame,
    fields: tuple[str, ...],
    matched: int,
    links: list[dict[str, str]],
    *,
    synthetic: bool,
) -> str:
    """An HTML table of a page of features, with paging links and a small map."""
    head = "".join(f'<th scope="col">{escape(f)}</th>' for f in fields)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(row[f]))}</td>" for f in fields) + "</tr>"
        for row in frame.to_dict("records")
    )
    nav = " ".join(
        f'<a href="{escape(link["href"])}">{escape(link["rel"])}</a>'
        for link in links
        if link["rel"] in ("prev", "next", "collection")
    )
    json_href = _json_link(links)
    body = (
        f"<p>{escape(schema.description)}</p>"
        f"<p>{len(frame)} of {matched} features. {nav}</p>"
        f"{SCROLLS}<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )
    has_map = bool(schema.geometry_types) and len(frame) > 0
    return page(
        schema.title,
        body,
        synthetic=synthetic,
        json_href=json_href,
        mini_map=json_href if has_map else None,
    )


def _json_link(links: list[dict[str, str]]) -> str:
    """The JSON (GeoJSON) version of this resource among its ``self``/``alternate`` links."""
    return next(
        (
            k["href"]
            for k in links
            if k["rel"] in ("self", "alternate") and "json" in k.get("type", "")
        ),
        "?f=json",
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
    body = (
        f'{SCROLLS}<table><thead><tr><th scope="col">id</th><th scope="col">title'
        '</th><th scope="col">geometry</th><th scope="col">features</th>'
        f'<th scope="col">items</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )
    title = "Collections" if len(collections) != 1 else str(collections[0]["title"])
    return page(title, body, synthetic=synthetic)


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
        "/groundwater/map",
        "Groundwater map",
        "wells in a monitoring round against a level, trend arrows, each well's series",
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
            f'<td><a data-export href="/exports/{escape(name)}?format={fmt}">{fmt}</a></td>'
            for fmt in ("geojson", "gpkg", "csv")
        )
        + "</tr>"
        for name, layer_title, _ in layers
    )
    public = ",".join(name for name, _, personal in layers if not personal)
    body = (
        f"<p>{escape(summary)}</p><p class=note>{escape(provenance)}</p>"
        f"<h2>Maps</h2><ul>{maps}</ul>"
        "<p class=note>The maps need no internet: every script and style is served from "
        "here; the base map is optional.</p>"
        f"<h2>API</h2><ul>{api}</ul>"
        '<h2 id="exports">Exports</h2><p class=note>Exports need an API key with the '
        'consultant role (an administrator runs <code>site-gis keys create "name" --roles '
        "consultant</code>). Enter it here and the links below send it (it is kept in this "
        "tab only, until you close it); or send it as the <code>X-API-Key</code> header, "
        "e.g. <code>curl -H 'X-API-Key: …' -OJ http://host/exports/eia_zones?format=gpkg"
        "</code>.</p>"
        '<form class="sg-key" id="sg-key"><label>API key <input type="password" name="key" '
        'autocomplete="off" spellcheck="false"></label> <button type="submit">Use this key'
        '</button> <button type="button" name="forget">Forget it</button></form>'
        '<p class="sg-export-status" role="status" aria-live="polite"></p>'
        f'<p><a data-export href="/exports?layers={escape(public)}&amp;format=gpkg">'
        "Every public layer as GeoPackage files in a zip, with a provenance manifest</a></p>"
        f"<table>{exports}</table>"
        "<p class=note>Household-level fields are exported only with a key that also has the "
        "planner role.</p>"
    )
    return page(
        title, body, synthetic=synthetic, json_href="/?f=json", scripts=("pages/exports.js",)
    )


def minimal_landing_page(summary: str, links: list[dict[str, str]]) -> str:
    """The HTML home page for a caller who may not read: what this is and the links, no site."""
    api = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link["title"])}</a></li>'
        for link in links
        if link["rel"] not in ("self", "alternate")
    )
    return page("site-gis", f"<p>{escape(summary)}</p><ul>{api}</ul>", synthetic=False)


def single_feature_page(schema: LayerSchema, feature: dict[str, Any], *, synthetic: bool) -> str:
    """An HTML table of one GeoJSON feature's properties, with its links and a small map."""
    rows = "".join(
        f'<tr><th scope="row">{escape(name)}</th><td>{escape(_text(value))}</td></tr>'
        for name, value in feature["properties"].items()
    )
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type", "none")
    nav = " ".join(
        f'<a href="{escape(link["href"])}">{escape(link["rel"])}</a>'
        for link in feature.get("links", [])
        if link["rel"] in ("collection", "alternate")
    )
    json_href = _json_link(feature.get("links", []))
    title = f"{schema.title}: {feature['id']}"
    body = f'<p>Geometry: {escape(str(kind))}. {nav}</p><table class="fields">{rows}</table>'
    return page(
        title,
        body,
        synthetic=synthetic,
        json_href=json_href,
        mini_map=json_href if geometry else None,
    )


def conformance_page(classes: list[str]) -> str:
    """An HTML list of the conformance classes the service declares."""
    items = "".join(f'<li><a href="{escape(c)}">{escape(c)}</a></li>' for c in classes)
    return page("Conformance classes", f"<ul>{items}</ul>", synthetic=False)


def sign_in_page(status: int, detail: str) -> str:
    """What a browser gets for a 401 or 403: what is needed and how to send it."""
    need = (
        "This needs an API key with the right role"
        if status == 403
        else "This needs an API key: a link opened in a browser cannot send one"
    )
    body = (
        f'<p class="warn">{escape(need)}.</p><p>The server said: {escape(detail)}</p>'
        '<p>Download from the <a href="/?f=html#exports">home page</a>: enter your key '
        "there and the export links send it. Or send it yourself as the "
        "<code>X-API-Key</code> header, e.g. <code>curl -H 'X-API-Key: …' -OJ "
        "URL</code>. An administrator creates keys with <code>site-gis keys create "
        '"name" --roles consultant</code>.</p>'
    )
    return page("Sign-in needed", body, synthetic=False, json_href=None)
