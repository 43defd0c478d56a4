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


YLORRD = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
"""ColorBrewer YlOrRd, 5 classes: sequential, marked colour-blind safe by ColorBrewer 2.0
(colorbrewer2.org); light to dark as the ratio to the level grows."""
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
"""viridis (matplotlib) at 0, 0.25, 0.5, 0.75, 1: perceptually uniform, colour-blind safe."""
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
"""Okabe & Ito (2008) categorical colours, distinguishable with any colour-vision deficiency."""

RATIO_CLASSES = [
    RatioClass("no level in this standard", "#9e9e9e"),
    RatioClass("not detected (limit at or below level)", "#f0f0f0"),
    RatioClass("detected, ≤ 0.5 × level", YLORRD[0]),
    RatioClass("detected, 0.5–1 × level", YLORRD[1]),
    RatioClass("not detected, limit above level", "#9e9ac8"),
    RatioClass("outside range (pH)", OKABE_ITO[4]),
    RatioClass("exceeds, 1–2 × level", YLORRD[2]),
    RatioClass("exceeds, 2–5 × level", YLORRD[3]),
    RatioClass("exceeds, > 5 × level", YLORRD[4]),
]
"""Classes of the sample points, least severe first (a cluster shows its worst); the
ratio classes are YlOrRd, the others neutral (grey, purple) or blue, off that ramp."""
EXCEEDING_CLASSES = (5, 6, 7, 8)

SURFACE_BREAKS = (0.5, 1.0, 2.0, 5.0)
"""Ratio breaks of the surface colours (× level)."""
SURFACE_COLORS = YLORRD
NO_LEVEL_COLORS = VIRIDIS
"""Surface colours when the standard has no level: quintiles of the estimate."""
PUBU = ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d")
"""ColorBrewer PuBu, 6 classes: sequential, marked colour-blind safe by ColorBrewer 2.0;
off the YlOrRd of the estimate, so the two overlays are not confused."""
SD_COLORS = VIRIDIS
"""Kriging standard deviation: quintiles of the map's values, dark (low) to light (high)."""
PROBABILITY_BREAKS = (0.1, 0.25, 0.5, 0.75, 0.9)
"""Breaks of the probability of exceeding the level (0.5: as likely above as below)."""
PROBABILITY_COLORS = PUBU

HOTSPOT_STYLE = {"color": "#000000", "weight": 2, "dashArray": "5 3", "fillOpacity": 0}
ZONE_COLORS = {
    "blast_furnace_yard": OKABE_ITO[5],
    "coal_coke_storage": "#404040",
    "water_discharge_canals": OKABE_ITO[4],
    "solid_waste_dumps": OKABE_ITO[6],
}
KIND_COLORS = {
    "residential_settlement": OKABE_ITO[0],
    "scrapyard": "#666666",
    "transport_terminal": OKABE_ITO[1],
}
PHASE_COLORS = ("#d7301f", "#fc8d59", "#fdcc8a", "#fef0d9", "#f7f7f7")
"""ColorBrewer OrRd (reversed): phase 1, the first to move, darkest."""
RECEPTOR_COLORS = {
    "community": OKABE_ITO[5],
    "fishing_community": OKABE_ITO[4],
    "port": "#4d4d4d",
    "well": OKABE_ITO[1],
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
