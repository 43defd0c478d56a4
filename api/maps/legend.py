"""Legends, colours and classes shared by the map pages (every text escaped)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from markupsafe import Markup

from site_gis.contamination import DL_ABOVE, EXCEEDS, NO_LEVEL, NOT_DETECTED, OUTSIDE_RANGE, PASSES

Shape = Literal["box", "dot", "line"]


@dataclass(frozen=True)
class Swatch:
    """One legend row: a coloured symbol, its label and an optional count."""

    label: str
    color: str
    shape: Shape = "box"
    count: int | None = None
    outline: str | None = None


@dataclass(frozen=True)
class RatioClass:
    """A class of results by their ratio to the screening level."""

    label: str
    color: str


RATIO_CLASSES = [
    RatioClass("no level in this standard", "#9e9e9e"),
    RatioClass("not detected (limit at or below level)", "#d9e3ea"),
    RatioClass("detected, ≤ 0.5 × level", "#1a9850"),
    RatioClass("detected, 0.5–1 × level", "#fee08b"),
    RatioClass("not detected, limit above level", "#b39ddb"),
    RatioClass("outside range (pH)", "#e7298a"),
    RatioClass("exceeds, 1–2 × level", "#fc8d59"),
    RatioClass("exceeds, 2–5 × level", "#d73027"),
    RatioClass("exceeds, > 5 × level", "#67001f"),
]
"""Classes of the sample points, least severe first (a cluster shows its worst)."""
EXCEEDING_CLASSES = (5, 6, 7, 8)

SURFACE_BREAKS = (0.5, 1.0, 2.0, 5.0)
"""Ratio breaks of the surface colours (× level)."""
SURFACE_COLORS = ("#c7e9c0", "#fee08b", "#fc8d59", "#d73027", "#67001f")
NO_LEVEL_COLORS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
"""Surface colours when the standard has no level: quintiles of the estimate."""

HOTSPOT_STYLE = {"color": "#000000", "weight": 2, "dashArray": "5 3", "fillOpacity": 0}
ZONE_COLORS = {
    "blast_furnace_yard": "#8c510a",
    "coal_coke_storage": "#404040",
    "water_discharge_canals": "#2166ac",
    "solid_waste_dumps": "#762a83",
}
KIND_COLORS = {
    "residential_settlement": "#e6550d",
    "scrapyard": "#636363",
    "transport_terminal": "#3182bd",
}
PHASE_COLORS = ("#d7301f", "#fc8d59", "#fdcc8a", "#fef0d9", "#f7f7f7")
RECEPTOR_COLORS = {
    "community": "#e41a1c",
    "fishing_community": "#377eb8",
    "port": "#4d4d4d",
    "well": "#00a6ca",
}


def ratio_classes(flags: pd.Series, ratios: pd.Series) -> np.ndarray:
    """Index into :data:`RATIO_CLASSES` of each screened result (flag and ratio)."""
    flag = flags.astype(str).to_numpy()
    ratio = ratios.to_numpy(dtype=float)
    out = np.zeros(len(flag), dtype=int)
    out[flag == NOT_DETECTED] = 1
    passes = flag == PASSES
    out[passes] = np.where(ratio[passes] <= 0.5, 2, 3)
    out[flag == DL_ABOVE] = 4
    out[flag == OUTSIDE_RANGE] = 5
    exceeds = flag == EXCEEDS
    out[exceeds] = np.select([ratio[exceeds] <= 2, ratio[exceeds] <= 5], [6, 7], 8)
    out[flag == NO_LEVEL] = 0
    return out


STANDARD_NAMES = {
    "ccme_soil": "CCME soil quality guidelines (Canada)",
    "dutch_iv": "Dutch intervention values",
    "pak_nsdwq": "Pakistan NSDWQ (drinking water)",
    "seqs_effluent": "Pakistan SEQS (industrial effluent)",
    "us_epa_rsl": "US EPA regional screening levels",
    "who_dwq": "WHO drinking-water guidelines",
}
"""Names shown for the shipped standards; a standard added later shows its id as words."""

MEDIUM_NAMES = {"surface_water": "surface water"}


def standard_name(code: str) -> str:
    """``dutch_iv`` → ``Dutch intervention values``."""
    return STANDARD_NAMES.get(code) or label(code)


def label(value: str) -> str:
    """``solid_waste_dumps`` → ``Solid waste dumps``."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def swatches(items: Iterable[Swatch]) -> Markup:
    """A list of coloured symbols with labels (and counts)."""
    rows = []
    for item in items:
        shape = {"box": "sg-swatch", "dot": "sg-swatch sg-dot", "line": "sg-swatch sg-line"}
        fill = "transparent" if item.shape == "line" else item.color
        style = f"background:{fill};border-top-color:{item.color}"
        if item.outline:
            style += f";border-color:{item.outline}"
        count = "" if item.count is None else f"{item.count:,}"
        rows.append(
            Markup(
                '<li><span class="{}" style="{}"></span>{}<span class="sg-count">{}</span></li>'
            ).format(shape[item.shape], style, item.label, count)
        )
    return Markup("<ul>{}</ul>").format(Markup("").join(rows))


def job_progress(subject: str, progress: int, meanwhile: str) -> Markup:
    """A job's progress bar (fed by ``siteGis.followJob``) and what the page shows meanwhile."""
    return Markup(
        '<p class="sg-job-text" role="status">Computing the {}: {} %</p>'
        '<progress class="sg-job-progress" max="100" value="{}"></progress>'
        "<p>{}</p>"
    ).format(subject, progress, progress, meanwhile)


def section(title: str, *parts: Markup | str) -> Markup:
    """A legend section: a heading and its parts (plain strings become notes)."""
    body = Markup("").join(part if isinstance(part, Markup) else note(part) for part in parts)
    return Markup("<h4>{}</h4>{}").format(title, body)


def note(text: str, *, warn: bool = False) -> Markup:
    """A line of explanatory text (``warn``: highlighted)."""
    return Markup('<p class="{}">{}</p>').format("sg-warn" if warn else "sg-note", text)


def link(text: str, href: str) -> Markup:
    """A link opening in a new tab (sources of standards)."""
    return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(href, text)


def legend(*sections: Markup) -> Markup:
    """The whole legend."""
    return Markup("").join(sections)


def surface_scale(breaks: Sequence[float], colors: Sequence[str], unit: str) -> Markup:
    """Swatches of a classified surface: ``< b0``, ``b0–b1``, …, ``≥ bn`` in ``unit``."""
    edges = [f"{b:,.4g}" for b in breaks]
    labels = [f"< {edges[0]} {unit}"]
    labels += [f"{a}–{b} {unit}" for a, b in itertools.pairwise(edges)]
    labels.append(f"≥ {edges[-1]} {unit}")
    return swatches(Swatch(t, c) for t, c in zip(labels, colors, strict=True))
