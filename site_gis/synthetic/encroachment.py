"""Synthetic encroachments on the western fringe and the structures inside them.

Three kinds, placed as reported for PSM land (encroachment hot spots on the
township side and towards the N-5 / Razzakabad in the west-north-west, oil-tanker
parking towards Port Qasim): residential settlements in the north-west, scrapyards
in the middle, transport terminals in the south-west.  Every outline, count and
survey date is SYNTHETIC.  Structure-type shares and uses are plausible for
Karachi informal settlements, not measured.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from site_gis.crs import PSM_METRIC_CRS
from site_gis.schemas import STRUCTURE_TYPES
from site_gis.synthetic.layout import Frame

# Slot centres in design km and the kind of encroachment placed there.
_SLOTS: list[tuple[float, float, str, float]] = [
    (-5.0, 2.85, "residential_settlement", 260),
    (-4.35, 2.95, "residential_settlement", 230),
    (-5.05, 2.1, "residential_settlement", 280),
    (-4.35, 2.2, "residential_settlement", 250),
    (-3.7, 2.75, "residential_settlement", 200),
    (-5.15, 1.4, "residential_settlement", 240),
    (-4.5, 1.45, "residential_settlement", 220),
    (-5.25, 0.7, "scrapyard", 170),
    (-4.65, 0.8, "scrapyard", 150),
    (-5.25, 0.0, "scrapyard", 180),
    (-4.6, 0.1, "scrapyard", 140),
    (-4.05, 0.55, "scrapyard", 130),
    (-5.0, -0.7, "scrapyard", 160),
    (-4.2, -0.6, "residential_settlement", 190),
    (-4.85, -1.45, "transport_terminal", 230),
    (-4.2, -1.35, "transport_terminal", 200),
    (-4.35, -2.1, "transport_terminal", 210),
    (-3.6, -2.4, "transport_terminal", 180),
    (-3.65, -1.75, "residential_settlement", 170),
]
_NAMES = {
    "residential_settlement": "Western settlement",
    "scrapyard": "Scrapyard cluster",
    "transport_terminal": "Transport terminal",
}
_DENSITY = {"residential_settlement": 1.0, "scrapyard": 0.22, "transport_terminal": 0.18}
_TYPE_SHARES = {
    "residential_settlement": (0.45, 0.35, 0.20),
    "scrapyard": (0.50, 0.40, 0.10),
    "transport_terminal": (0.20, 0.40, 0.40),
}
_USES = {
    "residential_settlement": (("residential", "commercial", "mixed"), (0.85, 0.07, 0.08)),
    "scrapyard": (("scrap_yard_shed", "residential", "mixed"), (0.70, 0.15, 0.15)),
    "transport_terminal": (
        ("workshop", "depot_office", "residential", "commercial"),
        (0.45, 0.35, 0.10, 0.10),
    ),
}
_SIDE_M = {"katcha": (3.5, 6.0), "semi_pucca": (4.5, 8.0), "pucca": (6.0, 10.0)}
LATEST_SURVEY = date(2026, 10, 31)


def encroachment_outlines(
    frame: Frame, boundary: Polygon, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Irregular, non-overlapping encroachment polygons inside the western fringe."""
    centres = [Point(frame.xy(x, y)) for x, y, _, _ in _SLOTS]
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=boundary.buffer(2000))
    by_centre = {i: next(c for c in cells.geoms if c.contains(p)) for i, p in enumerate(centres)}
    inner = boundary.buffer(-20)
    rows = []
    for i, (centre, (_, _, kind, radius)) in enumerate(zip(centres, _SLOTS, strict=True)):
        angles = np.sort(rng.uniform(0, 2 * np.pi, 14))
        radii = radius * frame.scale * rng.uniform(0.7, 1.15, 14)
        star = Polygon(np.c_[centre.x + radii * np.cos(angles), centre.y + radii * np.sin(angles)])
        outline = star.intersection(by_centre[i].buffer(-15)).intersection(inner)
        if outline.geom_type != "Polygon":
            outline = max(outline.geoms, key=lambda g: g.area)
        rows.append({"kind": kind, "geometry": shapely.make_valid(outline)})
    layer = gpd.GeoDataFrame(rows, geometry="geometry", crs=PSM_METRIC_CRS)
    layer["encroachment_id"] = [f"E-{i:03d}" for i in range(1, len(layer) + 1)]
    counters: dict[str, int] = {}
    names = []
    for kind in layer["kind"]:
        counters[kind] = counters.get(kind, 0) + 1
        names.append(f"{_NAMES[kind]} {counters[kind]} (synthetic)")
    layer["name"] = names
    base = date(2025, 1, 15)
    layer["surveyed_on"] = [
        (base + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 165, len(layer))
    ]
    return layer


def structures_layer(
    outlines: gpd.GeoDataFrame, n_structures: int, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Building footprints placed on a lattice inside each encroachment (no overlaps)."""
    weights = outlines.area.to_numpy() * outlines["kind"].map(_DENSITY).to_numpy()
    counts = _apportion(n_structures, weights)
    parts = [
        _structures_in(row, int(n), rng)
        for row, n in zip(outlines.itertuples(), counts, strict=True)
        if n > 0
    ]
    layer = pd.concat(parts, ignore_index=True)
    layer["structure_id"] = [f"S-{i:06d}" for i in range(1, len(layer) + 1)]
    layer["synthetic"] = True
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=PSM_METRIC_CRS)


def _structures_in(row: object, n: int, rng: np.random.Generator) -> pd.DataFrame:
    outline: Polygon = row.geometry  # type: ignore[attr-defined]
    kind: str = row.kind  # type: ignore[attr-defined]
    step = float(np.sqrt(outline.area * 0.8 / n))
    while True:
        inner = outline.buffer(-step / 2)
        minx, miny, maxx, maxy = outline.bounds
        xs, ys = np.meshgrid(np.arange(minx, maxx, step), np.arange(maxy, miny, -step))
        inside = shapely.contains_xy(inner, xs.ravel(), ys.ravel())
        if inside.sum() >= n:
            break
        step *= 0.93
    cx, cy = xs.ravel()[inside], ys.ravel()[inside]
    chosen = np.sort(rng.choice(len(cx), size=n, replace=False))
    cx, cy = cx[chosen], cy[chosen]
    types = rng.choice(STRUCTURE_TYPES, size=n, p=_TYPE_SHARES[kind])
    low = np.array([_SIDE_M[t][0] for t in types])
    high = np.array([_SIDE_M[t][1] for t in types])
    w = np.minimum(rng.uniform(low, high), 0.9 * step)
    h = np.minimum(rng.uniform(low, high), 0.9 * step)
    footprints = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    storeys = np.where(types == "pucca", rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15]), 1)
    uses_, shares = _USES[kind]
    uses = rng.choice(uses_, size=n, p=shares)
    households = np.select(
        [uses == "residential", uses == "mixed", uses == "scrap_yard_shed"],
        [storeys + (rng.random(n) < 0.12), np.ones(n), (rng.random(n) < 0.1).astype(int)],
        default=0,
    ).astype(int)
    businesses = np.where(uses == "residential", 0, 1)
    vulnerable = rng.binomial(households, 0.12)  # SYNTHETIC share of vulnerable households
    # first-recorded dates; survey_layers replaces them with the dates of the survey rounds
    baseline = date.fromisoformat(row.surveyed_on)  # type: ignore[attr-defined]
    late = rng.random(n) < 0.08
    days = rng.integers(30, 400, n)
    surveyed = [
        min(baseline + timedelta(days=int(d)), LATEST_SURVEY).isoformat()
        if is_late
        else baseline.isoformat()
        for is_late, d in zip(late, days, strict=True)
    ]
    return pd.DataFrame(
        {
            "encroachment_id": row.encroachment_id,  # type: ignore[attr-defined]
            "type": types,
            "use": uses,
            "storeys": storeys,
            "floor_area_m2": np.round(w * h * storeys, 1),
            "households": households,
            "businesses": businesses,
            "vulnerable_households": vulnerable,
            "surveyed_on": surveyed,
            "geometry": footprints,
        }
    )


def encroachments_layer(
    outlines: gpd.GeoDataFrame, structures: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Encroachment polygons with counts aggregated from their structures."""
    by_type = pd.crosstab(structures["encroachment_id"], structures["type"]).reindex(
        columns=list(STRUCTURE_TYPES), fill_value=0
    )
    sums = structures.groupby("encroachment_id")[["households", "businesses"]].sum()
    layer = outlines.set_index("encroachment_id")
    for t in STRUCTURE_TYPES:
        layer[f"structures_{t}"] = by_type[t].reindex(layer.index, fill_value=0)
    layer["structures_total"] = by_type.sum(axis=1).reindex(layer.index, fill_value=0)
    layer[["households", "businesses"]] = sums.reindex(layer.index, fill_value=0)
    layer["area_ha"] = (layer.area / 1e4).round(4)
    layer["synthetic"] = True
    return layer.reset_index()


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return counts


# Survey rounds of the structure survey (SYNTHETIC): imagery, the census that sets the
# cut-off, and a later imagery round verified in the field.
ROUNDS: tuple[tuple[str, date, str, str], ...] = (
    ("R1", date(2025, 2, 15), "drone_imagery", "SYNTHETIC orthomosaic PSM-W-2025-02, 5 cm GSD"),
    (
        "R2",
        date(2025, 6, 30),
        "census",
        "SYNTHETIC census of affected persons and inventory of losses PSM-RAP-CEN-2025 "
        "(cut-off notified on the census date)",
    ),
    (
        "R3",
        LATEST_SURVEY,
        "field_verification",
        "SYNTHETIC orthomosaic PSM-W-2026-10 with field verification of every change",
    ),
)
_COMMERCIAL = ("commercial", "scrap_yard_shed", "workshop", "depot_office")


def survey_layers(
    outlines: gpd.GeoDataFrame, structures: gpd.GeoDataFrame, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Three survey rounds, what each saw, the households, and a grievance register.

    Growth is on the western fringe: the further west a structure, the likelier it
    was first seen after the cut-off (round R2).  Between R2 and R3 some
    structures were removed, extended or changed use.  Every value is SYNTHETIC.

    Returns
    -------
    dict
        ``outlines`` and ``structures`` with first-recorded dates, land claims and
        plot areas set from the rounds; ``survey_rounds``, ``structure_observations``,
        ``households`` and ``grievances`` tables.
    """
    n = len(structures)
    x = shapely.get_x(shapely.centroid(structures.geometry.to_numpy()))
    west = (x.max() - x) / max(float(x.max() - x.min()), 1.0)  # 1 = westernmost
    u = rng.random(n)
    after = u < 0.005 + 0.14 * west**2
    between = ~after & (rng.random(n) < 0.06)
    first = np.where(after, 2, np.where(between, 1, 0))
    dates = [r[1].isoformat() for r in ROUNDS]
    out = structures.copy()
    out["surveyed_on"] = [dates[i] for i in first]
    kinds = outlines.set_index("encroachment_id")["kind"]
    settlement = (out["encroachment_id"].map(kinds) == "residential_settlement").to_numpy(bool)
    draw = rng.random(n)
    formal, claim = np.where(settlement, 0.02, 0.05), np.where(settlement, 0.10, 0.03)
    out["land_claim"] = np.where(
        after | (draw >= formal + claim),
        "no_recognisable_rights",
        np.where(draw < formal, "formal_rights", "recognisable_claim"),
    )
    footprint = structures.geometry.area.to_numpy()
    out["plot_area_m2"] = np.round(footprint * rng.uniform(1.2, 1.6, n), 1)

    # What changed between R2 and R3 among the structures standing at the census.
    standing = ~after
    removed = standing & (rng.random(n) < 0.015)
    extended = standing & ~removed & (rng.random(n) < 0.05)
    growth = rng.uniform(0.2, 0.6, n)
    area_now = out["floor_area_m2"].to_numpy(float)
    area_before = np.where(extended, np.round(area_now / (1 + growth), 1), area_now)
    use_now = out["use"].to_numpy(object)
    converted = standing & ~removed & np.isin(use_now, ("mixed", "commercial"))
    converted &= rng.random(n) < 0.3
    use_before = np.where(converted, "residential", use_now)
    ids = out["structure_id"].to_numpy(object)
    rows = []
    for k, (round_id, _, _, _) in enumerate(ROUNDS):
        if k < 2:
            seen = first <= k
            rows.append(
                pd.DataFrame(
                    {
                        "round_id": round_id,
                        "structure_id": ids[seen],
                        "present": True,
                        "floor_area_m2": area_before[seen],
                        "use": use_before[seen],
                    }
                )
            )
        else:
            rows.append(
                pd.DataFrame(
                    {
                        "round_id": round_id,
                        "structure_id": ids,
                        "present": ~removed,
                        "floor_area_m2": np.where(removed, np.nan, area_now),
                        "use": np.where(removed, None, use_now),
                    }
                )
            )
    observations = pd.concat(rows, ignore_index=True)
    observations.insert(
        0, "observation_id", observations["round_id"] + "/" + observations["structure_id"]
    )
    observations["synthetic"] = True
    rounds = pd.DataFrame(
        [
            {"round_id": r, "surveyed_on": d.isoformat(), "method": m, "evidence": e}
            for r, d, m, e in ROUNDS
        ]
    )
    rounds["note"] = [
        "every encroachment; footprints counted from imagery, no enumeration",
        "every encroachment; households enumerated, losses inventoried; the cut-off",
        "every encroachment; new, removed, extended and converted structures checked on foot",
    ]
    rounds["synthetic"] = True
    outlines = outlines.assign(surveyed_on=ROUNDS[1][1].isoformat())
    return {
        "outlines": outlines,
        "structures": out,
        "survey_rounds": rounds,
        "structure_observations": observations,
        "households": _households(out, after, rng),
        "grievances": _grievances(out, rng),
    }


def _households(
    structures: pd.DataFrame, after: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per household of each structure: tenure, vulnerability, enumeration round."""
    counts = structures["households"].to_numpy(int)
    at = np.repeat(np.arange(len(structures)), counts)
    rank = np.arange(len(at)) - np.repeat(np.cumsum(counts) - counts, counts)
    m = len(at)
    dwelling = ~np.isin(structures["use"].to_numpy(object)[at], _COMMERCIAL)
    owner = np.where(rank == 0, rng.random(m) < np.where(dwelling, 0.75, 0.1), rng.random(m) < 0.15)
    vulnerable = rank < structures["vulnerable_households"].to_numpy(int)[at]
    kind = rng.choice(3, size=m, p=[0.45, 0.35, 0.20])
    late_tenant = ~owner & ~after[at] & (rng.random(m) < 0.04)
    return pd.DataFrame(
        {
            "household_id": [f"H-{i:06d}" for i in range(1, m + 1)],
            "structure_id": structures["structure_id"].to_numpy(object)[at],
            "tenure": np.where(owner, "owner_occupier", "tenant"),
            "female_headed": vulnerable & (kind == 0),
            "elderly_headed": vulnerable & (kind == 1),
            "disabled_member": vulnerable & (kind == 2),
            "below_poverty_line": rng.random(m) < 0.35,
            "enumerated_round": np.where(after[at] | late_tenant, "R3", "R2"),
            "synthetic": True,
        }
    )


_GRIEVANCE_CATEGORIES = (
    ("eligibility", 0.25),
    ("cut_off_survey", 0.20),
    ("compensation_amount", 0.25),
    ("relocation_site", 0.10),
    ("livelihood", 0.12),
    ("process_delay", 0.05),
    ("other", 0.03),
)


_ELSEWHERE = "N-5 frontage near Razzakabad (SYNTHETIC)"


def _grievances(structures: pd.DataFrame, rng: np.random.Generator, n: int = 90) -> pd.DataFrame:
    """A register of ``n`` grievances since the census, by encroachment households."""
    households = structures.groupby("encroachment_id")["households"].sum()
    households = households[households > 0]
    encroachment = rng.choice(
        households.index.to_numpy(object), size=n, p=(households / households.sum()).to_numpy()
    )
    elsewhere = rng.random(n) < 0.08
    start = ROUNDS[1][1]
    span = (LATEST_SURVEY - start).days
    received = [start + timedelta(days=int(d)) for d in np.sort(rng.integers(1, span, n))]
    names, shares = zip(*_GRIEVANCE_CATEGORIES, strict=True)
    status = rng.choice(
        ["resolved", "under_review", "received", "referred", "closed_unresolved"],
        size=n,
        p=[0.55, 0.2, 0.1, 0.05, 0.1],
    )
    closed = np.isin(status, ("resolved", "closed_unresolved"))
    took = rng.integers(7, 120, n)
    resolved = [
        min(r + timedelta(days=int(t)), LATEST_SURVEY).isoformat() if c else None
        for r, t, c in zip(received, took, closed, strict=True)
    ]
    return pd.DataFrame(
        {
            "grievance_id": [f"G-{i:04d}" for i in range(1, n + 1)],
            "received_on": [r.isoformat() for r in received],
            "encroachment_id": [
                None if e else x for e, x in zip(elsewhere, encroachment, strict=True)
            ],
            "area": [_ELSEWHERE if e else None for e in elsewhere],
            "category": rng.choice(names, size=n, p=shares),
            "status": status,
            "resolved_on": resolved,
            "synthetic": True,
        }
    )
