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
