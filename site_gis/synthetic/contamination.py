"""Synthetic sample locations and an EDD-style table of laboratory results.

No public soil or groundwater data for PSM exists, so every value here is
SYNTHETIC.  The spatial structure follows what integrated steel works and
coke plants are known for (sources in ``layers/README.md``):

* PAHs, BTEX, phenol and cyanide around the coke ovens, by-product plant and
  coal stockyard;
* lead, zinc, cadmium and manganese in the blast furnace yard;
* chromium, Cr(VI), manganese, nickel and high pH at the slag and waste dumps;
* metals and phenol in canal sediments, decreasing downstream;
* a groundwater plume from the coke ovens and the dumps moving east, crossing
  the east-side boundary, stronger after the monsoon.

Concentration = background + Σ source × influence, times log-normal noise;
soil values fall off with depth.  Values below the reporting limit become
non-detects (``detected`` false, empty ``value``, qualifier ``U``).
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from site_gis.crs import PSM_METRIC_CRS
from site_gis.reference import analytes as analyte_table
from site_gis.synthetic.layout import Frame, zone_of

SOLIDS = ("soil", "sediment")
LABS = ("Synthetic Lab A, Karachi", "Synthetic Lab B, Lahore")

# Background per analyte: (soil/sediment mg/kg, groundwater/surface water ug/L).
_BACKGROUND = {
    "Benzo[a]pyrene": (0.02, 0.005),
    "Naphthalene": (0.02, 0.03),
    "Benzene": (0.002, 0.2),
    "Toluene": (0.003, 0.3),
    "Ethylbenzene": (0.002, 0.2),
    "Xylenes (total)": (0.004, 0.5),
    "Phenol": (0.05, 0.5),
    "Cyanide (free)": (0.05, 2.0),
    "Lead": (15, 2),
    "Zinc": (45, 20),
    "Cadmium": (0.2, 0.2),
    "Chromium (total)": (35, 3),
    "Chromium(VI)": (0.1, 2),
    "Arsenic": (6, 5),
    "Nickel": (20, 5),
    "Manganese": (350, 150),
}
_SLAG_DUMPS = ((3.5, 1.2), (3.7, 2.1))  # design km, as the slag dump facilities
_SLAG: dict[str, float] = {
    "Chromium (total)": 900,
    "Chromium(VI)": 12,
    "Manganese": 8000,
    "Nickel": 150,
}
# Soil sources: centre (design km), spread sigma (m), peak added concentration (mg/kg).
_SOIL_SOURCES: list[tuple[tuple[float, float], float, dict[str, float]]] = [
    (
        (2.5, -0.4),
        600,
        {
            "Benzo[a]pyrene": 8,
            "Naphthalene": 25,
            "Benzene": 6,
            "Toluene": 20,
            "Ethylbenzene": 4,
            "Xylenes (total)": 15,
            "Phenol": 30,
            "Cyanide (free)": 40,
        },
    ),
    ((2.6, -1.5), 550, {"Benzo[a]pyrene": 3, "Naphthalene": 8, "Phenol": 5}),
    (
        (0.25, 0.2),
        500,
        {"Lead": 1200, "Zinc": 3000, "Cadmium": 25, "Manganese": 6000, "Arsenic": 20},
    ),
    *[(dump, 450.0, _SLAG) for dump in _SLAG_DUMPS],
]
# Groundwater plumes: source (design km), flow azimuth (deg), offset along flow (m),
# sigma along / across flow (m), peak added concentration (ug/L).
_PLUMES: list[tuple[tuple[float, float], float, float, float, float, dict[str, float]]] = [
    (
        (2.5, -0.4),
        95,
        1300,
        1700,
        450,
        {
            "Benzene": 800,
            "Toluene": 400,
            "Ethylbenzene": 100,
            "Xylenes (total)": 300,
            "Naphthalene": 300,
            "Phenol": 2000,
            "Cyanide (free)": 500,
            "Benzo[a]pyrene": 0.5,
        },
    ),
    (
        (3.6, 1.6),
        90,
        700,
        1200,
        400,
        {"Chromium (total)": 150, "Chromium(VI)": 80, "Manganese": 2000, "Nickel": 60},
    ),
]
# Canal sediments and surface water: peak at the upstream end, decaying downstream.
_CANAL_SEDIMENT = {
    "Lead": 600,
    "Zinc": 1500,
    "Chromium (total)": 400,
    "Nickel": 120,
    "Arsenic": 25,
    "Cadmium": 8,
    "Phenol": 10,
    "Benzo[a]pyrene": 2,
    "Naphthalene": 3,
    "Cyanide (free)": 5,
}
_CANAL_WATER = {
    "Phenol": 60,
    "Cyanide (free)": 40,
    "Lead": 30,
    "Zinc": 300,
    "Chromium (total)": 60,
    "Nickel": 20,
}
_CANAL_DECAY_M = 1500.0


def sample_locations(
    frame: Frame,
    boundary: Polygon,
    zones: dict[str, MultiPolygon],
    canals: list[LineString],
    reservoir: Polygon,
    scale: float,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Boreholes, wells, sediment and surface-water stations (``scale`` multiplies counts)."""

    def n(count: int) -> int:
        return max(1, round(count * scale))

    east_band = boundary.difference(boundary.buffer(-600)).intersection(
        shapely.box(*frame.xy(3.5, -4), *frame.xy(6, 4))
    )
    west = boundary.intersection(shapely.box(*frame.xy(-7, -4), *frame.xy(-3.0, 4)))
    groups: list[tuple[str, str, str, np.ndarray]] = [
        (
            "SB",
            "borehole",
            "soil",
            np.vstack(
                [
                    *(
                        _points_in(zones[z], n(28), rng)
                        for z in ("blast_furnace_yard", "coal_coke_storage", "solid_waste_dumps")
                    ),
                    _points_in(east_band, n(16), rng),
                    _points_in(boundary, n(70), rng),
                ]
            ),
        ),
        ("SD", "sediment_station", "sediment", _points_on(canals, n(30), rng)),
        (
            "MW",
            "monitoring_well",
            "groundwater",
            np.vstack(
                [
                    _east_line(frame, boundary, n(14)),
                    _points_in(boundary, n(18), rng),
                    _points_in(west, n(4), rng),
                ]
            ),
        ),
        (
            "SW",
            "surface_water_station",
            "surface_water",
            np.vstack([_points_on(canals, n(12), rng), _points_in(reservoir, n(3), rng)]),
        ),
    ]
    parts = []
    for prefix, kind, medium, xy in groups:
        parts.append(
            pd.DataFrame(
                {
                    "location_id": [f"{prefix}-{i:05d}" for i in range(1, len(xy) + 1)],
                    "location_type": kind,
                    "medium": medium,
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    layer = gpd.GeoDataFrame(
        table.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(table["x"], table["y"]),
        crs=PSM_METRIC_CRS,
    )
    layer["zone_id"] = zone_of(layer.geometry, zones)
    layer["synthetic"] = True
    return layer


def lab_results(
    frame: Frame, locations: gpd.GeoDataFrame, canals: list[LineString], rng: np.random.Generator
) -> pd.DataFrame:
    """The EDD-style long table: one row per sample and analyte."""
    samples = _samples(locations, rng)
    x = samples["x"].to_numpy()
    y = samples["y"].to_numpy()
    medium = samples["medium"].to_numpy()
    solid = np.isin(medium, SOLIDS)
    mid_depth = (samples["depth_top_m"] + samples["depth_bottom_m"]).to_numpy() / 2
    monsoon = np.where(samples["round"].to_numpy() == 2, 1.6, 1.0)
    along_canal = _distance_downstream(x, y, canals)
    reference = analyte_table()
    parts = []
    for ref in reference.itertuples():
        name = str(ref.analyte)
        if name == "pH":
            values = _ph(frame, x, y, medium, rng)
        else:
            bg_solid, bg_water = _BACKGROUND[name]
            values = np.where(solid, bg_solid, bg_water) * rng.lognormal(0, 0.4, len(x))
            soil = medium == "soil"
            for centre, sigma, peaks in _SOIL_SOURCES:
                if name in peaks:
                    cx, cy = frame.xy(*centre)
                    influence = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))
                    decay = np.exp(-mid_depth / (1.2 if name in _ORGANICS else 0.8))
                    values += soil * peaks[name] * influence * decay
            for centre, azimuth, offset, s_along, s_across, peaks in _PLUMES:
                if name in peaks:
                    influence = _plume(frame, x, y, centre, azimuth, offset, s_along, s_across)
                    values += (medium == "groundwater") * peaks[name] * influence * monsoon
            canal_decay = np.exp(-along_canal / _CANAL_DECAY_M)
            values += (medium == "sediment") * _CANAL_SEDIMENT.get(name, 0) * canal_decay
            values += (medium == "surface_water") * _CANAL_WATER.get(name, 0) * canal_decay
            values *= rng.lognormal(0, 0.5, len(x))
        parts.append(_result_rows(samples, ref, values, solid, rng))
    results = pd.concat(parts, ignore_index=True)
    return results.sort_values("result_id", kind="stable").reset_index(drop=True)


_ORGANICS = {
    "Benzo[a]pyrene",
    "Naphthalene",
    "Benzene",
    "Toluene",
    "Ethylbenzene",
    "Xylenes (total)",
    "Phenol",
    "Cyanide (free)",
}
_SOIL_DEPTHS = ((0.0, 0.5), (0.5, 1.5), (1.5, 3.0))


def _samples(locations: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per physical sample: location × depth interval × sampling round."""
    rows = []
    campaigns = {
        "soil": [(date(2026, 2, 2), 45, d) for d in _SOIL_DEPTHS],
        "sediment": [(date(2026, 3, 2), 20, (0.0, 0.15))],
        "groundwater": [(date(2026, 5, 11), 14, (6.0, 12.0)), (date(2026, 9, 7), 14, (6.0, 12.0))],
        "surface_water": [(date(2026, 5, 11), 14, (0.0, 0.3)), (date(2026, 9, 7), 14, (0.0, 0.3))],
    }
    for medium, group in locations.groupby("medium", sort=False):
        offsets = rng.integers(0, 45, size=len(group))
        for k, (start, spread, (top, bottom)) in enumerate(campaigns[str(medium)], start=1):
            day_offset = offsets % spread
            rows.append(
                pd.DataFrame(
                    {
                        "sample_id": group["location_id"] + f"-{k}",
                        "location_id": group["location_id"].to_numpy(),
                        "medium": medium,
                        "depth_top_m": top,
                        "depth_bottom_m": bottom,
                        "sampled_on": [
                            (start + timedelta(days=int(d))).isoformat() for d in day_offset
                        ],
                        "round": 2
                        if (medium in ("groundwater", "surface_water") and k == 2)
                        else 1,
                        "x": group.geometry.x.to_numpy(),
                        "y": group.geometry.y.to_numpy(),
                        "lab": rng.choice(LABS, size=len(group)),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _result_rows(
    samples: pd.DataFrame,
    ref: object,
    values: np.ndarray,
    solid: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    name = str(ref.analyte)  # type: ignore[attr-defined]
    is_ph = name == "pH"
    limit = np.where(solid, ref.solid_dl, ref.water_dl).astype(float)  # type: ignore[attr-defined]
    detected = np.ones(len(values), dtype=bool) if is_ph else values >= limit
    shown = _round_sig(values, 3) if not is_ph else np.round(values, 2)
    qualifier = pd.Series(None, index=samples.index, dtype=object)
    qualifier[values < 2 * limit] = "J"
    qualifier[~detected] = "U"
    cas = ref.cas_number if isinstance(ref.cas_number, str) else None  # type: ignore[attr-defined]
    return pd.DataFrame(
        {
            "result_id": samples["sample_id"] + ":" + (cas or name),
            "sample_id": samples["sample_id"],
            "location_id": samples["location_id"],
            "medium": samples["medium"],
            "depth_top_m": samples["depth_top_m"],
            "depth_bottom_m": samples["depth_bottom_m"],
            "sampled_on": samples["sampled_on"],
            "analyte": name,
            "cas_number": cas,
            "value": np.where(detected, shown, np.nan),
            "unit": np.where(solid, ref.solid_unit, ref.water_unit),  # type: ignore[attr-defined]
            "detected": detected,
            "detection_limit": None if is_ph else limit,
            "qualifier": None if is_ph else qualifier,
            "lab": samples["lab"],
            "method": np.where(solid, ref.solid_method, ref.water_method),  # type: ignore[attr-defined]
            "synthetic": True,
        }
    )


def _ph(
    frame: Frame, x: np.ndarray, y: np.ndarray, medium: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """pH: near-neutral background, alkaline near the slag dumps and in their leachate."""
    near = np.zeros(len(x))
    for dump in _SLAG_DUMPS:
        dx, dy = frame.xy(*dump)
        near = np.maximum(near, np.exp(-((x - dx) ** 2 + (y - dy) ** 2) / (2 * 450.0**2)))
    leachate = _plume(frame, x, y, (3.6, 1.6), 90, 700, 1200, 400)
    base = np.where(np.isin(medium, SOLIDS), 7.9, 7.5) + rng.normal(0, 0.25, len(x))
    lift = np.where(
        medium == "soil", 3.8 * near, np.where(medium == "groundwater", 4.0 * leachate, 0.0)
    )
    return np.clip(base + lift, 6.0, 12.8)


def _plume(
    frame: Frame,
    x: np.ndarray,
    y: np.ndarray,
    centre: tuple[float, float],
    azimuth: float,
    offset: float,
    s_along: float,
    s_across: float,
) -> np.ndarray:
    """Anisotropic Gaussian stretched along the groundwater flow direction."""
    theta = np.deg2rad(azimuth)
    ux, uy = np.sin(theta), np.cos(theta)
    sx, sy = frame.xy(*centre)
    dx, dy = x - (sx + offset * ux), y - (sy + offset * uy)
    along = dx * ux + dy * uy
    across = -dx * uy + dy * ux
    return np.exp(-(along**2) / (2 * s_along**2) - across**2 / (2 * s_across**2))


def _distance_downstream(x: np.ndarray, y: np.ndarray, canals: list[LineString]) -> np.ndarray:
    """Distance along the nearest canal from its upstream end, in metres."""
    points = shapely.points(x, y)
    distances = np.stack([shapely.distance(c, points) for c in canals])
    nearest = distances.argmin(axis=0)
    along = np.stack([shapely.line_locate_point(c, points) for c in canals])
    return along[nearest, np.arange(len(x))]


def _points_in(area: Polygon | MultiPolygon, count: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found = np.empty((0, 2))
    while len(found) < count:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(64, 4 * count), 2))
        found = np.vstack([found, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    return found[:count]


def _points_on(lines: list[LineString], count: int, rng: np.random.Generator) -> np.ndarray:
    lengths = np.array([line.length for line in lines])
    which = rng.choice(len(lines), size=count, p=lengths / lengths.sum())
    where = rng.uniform(0, 1, size=count)
    points = [lines[w].interpolate(f, normalized=True) for w, f in zip(which, where, strict=True)]
    return np.array([(p.x, p.y) for p in points])


def _east_line(frame: Frame, boundary: Polygon, count: int) -> np.ndarray:
    """Wells evenly spaced 150 m inside the east-side boundary."""
    ring = boundary.buffer(-150).exterior
    east = ring.intersection(shapely.box(*frame.xy(3.9, -2.0), *frame.xy(6, 2.8)))
    line = east if isinstance(east, LineString) else shapely.ops.linemerge(east)
    fractions = (np.arange(count) + 0.5) / count
    return np.array([(p.x, p.y) for p in (line.interpolate(f, normalized=True) for f in fractions)])


def _round_sig(values: np.ndarray, digits: int) -> np.ndarray:
    safe = np.where(values > 0, values, 1.0)
    factor = 10.0 ** (digits - 1 - np.floor(np.log10(safe)))
    return np.where(values > 0, np.round(values * factor) / factor, 0.0)
