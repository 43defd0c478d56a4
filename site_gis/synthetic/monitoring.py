"""SYNTHETIC quarterly monitoring rounds 2023-2026 and groundwater heads.

No public groundwater monitoring record for PSM exists, so every value here is
SYNTHETIC.  What the record is built to show:

* quarterly rounds from February 2023 to November 2026 (16 rounds): February
  and May (dry season), August and September (the monsoon, July to September)
  and November (after the monsoon).  The May and September 2026 rounds are the
  campaigns of :mod:`site_gis.synthetic.contamination`; this module adds the
  other fourteen;
* groundwater wells analysed for a monitoring suite (BTEX marker compounds,
  phenol, cyanide, chromium(VI), manganese, nickel, arsenic, pH), surface-water
  stations for the canal suite;
* monsoon leaching: the plume term is 1.6 times higher in monsoon rounds and
  1.2 times in the round after, as in the 2026 campaigns;
* the plumes drift down-gradient: each plume's leading edge advances along the
  flow direction (400 m a year from the coke ovens, 250 m from the dumps, both
  assumptions -- fast for a sandy coastal aquifer) and reaches the east-side
  wells during 2023-2025; by September 2026 the plumes are as the 2026
  campaigns draw them;
* wells added and dropped: the west wells were installed in 2025, a few
  on-site wells in 2023-2025, and four wells between the coke-oven source and
  the east-side line were lost after the November 2024 round;
* groundwater heads (m above mean sea level) on a planar water table falling
  0.8 m/km towards 95 degrees, higher in the monsoon, declining 0.12 m a year
  (the regional water table of Karachi is reported to be declining: Sohail et
  al. 2022, Applied Water Science; the gradient, levels and rates are
  assumptions, not measurements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from site_gis.crs import PSM_METRIC_CRS
from site_gis.reference import analytes as analyte_table
from site_gis.synthetic import contamination as lab
from site_gis.synthetic.layout import Frame, zone_of

GROUNDWATER_SUITE = (
    "Benzene",
    "Toluene",
    "Naphthalene",
    "Phenol",
    "Cyanide (free)",
    "Chromium(VI)",
    "Manganese",
    "Nickel",
    "Arsenic",
    "pH",
)
"""Analytes of the quarterly groundwater rounds (the 2026 campaigns analyse all 17)."""
SURFACE_WATER_SUITE = ("Phenol", "Cyanide (free)", "Lead", "Zinc", "Chromium (total)", "Nickel")
"""Analytes of the quarterly surface-water rounds."""

MONSOON_MONTHS = (7, 8, 9)
"""The south-west monsoon over Karachi: July to September."""
_FRONT_M_PER_YEAR = (400.0, 250.0)  # per plume in contamination._PLUMES (assumption)
_FRONT_AT_REFERENCE_M = (2800.0, 2000.0)  # from the source along the flow (assumption)
_FRONT_WIDTH_M = 250.0
_REFERENCE_YEAR = 2026.7  # the September 2026 campaign: the plumes as drawn there
_HEAD_AT_PLANT_M = 6.0  # m above mean sea level (assumption)
_HEAD_GRADIENT = 0.0008  # m/m (assumption)
_FLOW_AZIMUTH_DEG = 95.0  # as the coke-oven plume of contamination._PLUMES
_HEAD_DECLINE_M_PER_YEAR = 0.12
_LOST_WELLS_KM = ((3.0, -0.5), (3.3, -0.2), (3.4, -0.8), (3.1, 0.1))
_LAST_ROUND_OF_LOST = "2024-Q4"


@dataclass(frozen=True)
class Round:
    """A quarterly round: its id, first day, sampling spread (days) and plume factor."""

    round_id: str
    start: date
    spread_days: int
    leaching: float


def rounds() -> list[Round]:
    """The 14 rounds this module adds (the May and September 2026 ones exist already)."""
    quarters = ((2, 6, 1.0), (5, 8, 1.0), (8, 10, 1.6), (11, 8, 1.2))
    out = []
    for year in (2023, 2024, 2025, 2026):
        for q, (month, day, leaching) in enumerate(quarters, start=1):
            if year == 2026 and q in (2, 3):
                continue
            out.append(Round(f"{year}-Q{q}", date(year, month, day), 14, leaching))
    return out


def lost_wells(frame: Frame, zones: dict[str, MultiPolygon], start_number: int) -> gpd.GeoDataFrame:
    """Four wells sampled until November 2024 and lost afterwards (metric CRS)."""
    xy = np.array([frame.xy(*p) for p in _LOST_WELLS_KM])
    layer = gpd.GeoDataFrame(
        {
            "location_id": [f"MW-{start_number + i:05d}" for i in range(len(xy))],
            "location_type": "monitoring_well",
            "medium": "groundwater",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=PSM_METRIC_CRS,
    )
    layer["zone_id"] = zone_of(layer.geometry, zones)
    layer["synthetic"] = True
    return layer


def monitoring_results(
    frame: Frame,
    boundary: Polygon,
    locations: gpd.GeoDataFrame,
    lost: gpd.GeoDataFrame,
    canals: list[LineString],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Results of the 14 added rounds, in the EDD columns of the results layer."""
    samples = _samples(frame, boundary, locations, lost, rng)
    x = samples["x"].to_numpy()
    y = samples["y"].to_numpy()
    medium = samples["medium"].to_numpy()
    years = samples["year"].to_numpy()
    leaching = samples["leaching"].to_numpy()
    along_canal = lab._distance_downstream(x, y, canals)
    water = np.zeros(len(x), dtype=bool)
    parts = []
    for ref in analyte_table().itertuples():
        name = str(ref.analyte)
        wanted = np.where(
            medium == "groundwater", name in GROUNDWATER_SUITE, name in SURFACE_WATER_SUITE
        )
        if not wanted.any():
            continue
        if name == "pH":
            values = lab._ph(frame, x, y, medium, rng)
        else:
            values = lab._BACKGROUND[name][1] * rng.lognormal(0, 0.4, len(x))
            for k, (centre, azimuth, offset, s_along, s_across, peaks) in enumerate(lab._PLUMES):
                if name not in peaks:
                    continue
                influence = lab._plume(frame, x, y, centre, azimuth, offset, s_along, s_across)
                influence *= _front(frame, x, y, centre, azimuth, k, years)
                values += (medium == "groundwater") * peaks[name] * influence * leaching
            decay = np.exp(-along_canal / lab._CANAL_DECAY_M)
            values += (medium == "surface_water") * lab._CANAL_WATER.get(name, 0) * decay
            values *= rng.lognormal(0, 0.5, len(x))
        rows = lab._result_rows(samples, ref, values, water, rng)
        parts.append(rows[wanted])
    results = pd.concat(parts, ignore_index=True)
    return results.sort_values("result_id", kind="stable").reset_index(drop=True)


def groundwater_heads(
    frame: Frame, locations: gpd.GeoDataFrame, results: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One head per well and sampling visit (every groundwater sample's date)."""
    visits = (
        results.loc[results["medium"] == "groundwater", ["location_id", "sampled_on"]]
        .drop_duplicates()
        .sort_values(["location_id", "sampled_on"], kind="stable")
        .reset_index(drop=True)
    )
    points = locations.set_index("location_id").geometry
    x = points.loc[visits["location_id"]].x.to_numpy()
    y = points.loc[visits["location_id"]].y.to_numpy()
    px, py = frame.xy(0, 0)
    theta = np.deg2rad(_FLOW_AZIMUTH_DEG)
    along = (x - px) * np.sin(theta) + (y - py) * np.cos(theta)
    when = pd.to_datetime(visits["sampled_on"])
    month = when.dt.month.to_numpy()
    years = (when.dt.year + (when.dt.day_of_year - 1) / 365.25).to_numpy()
    season = np.where(np.isin(month, MONSOON_MONTHS), 0.5, np.where(month >= 10, 0.2, 0.0))
    head = (
        _HEAD_AT_PLANT_M
        - _HEAD_GRADIENT * along
        + season
        - _HEAD_DECLINE_M_PER_YEAR * (years - 2023.0)
        + rng.normal(0, 0.03, len(x))
    )
    return pd.DataFrame(
        {
            "head_id": visits["location_id"] + ":" + visits["sampled_on"],
            "location_id": visits["location_id"],
            "measured_on": visits["sampled_on"],
            "head_m": np.round(head, 3),
            "datum": "mean sea level",
            "synthetic": True,
        }
    )


def _front(
    frame: Frame,
    x: np.ndarray,
    y: np.ndarray,
    centre: tuple[float, float],
    azimuth: float,
    plume: int,
    years: np.ndarray,
) -> np.ndarray:
    """Share of the plume arrived at each point: a logistic leading edge moving down-gradient."""
    theta = np.deg2rad(azimuth)
    sx, sy = frame.xy(*centre)
    along = (x - sx) * np.sin(theta) + (y - sy) * np.cos(theta)
    edge = _FRONT_AT_REFERENCE_M[plume] - _FRONT_M_PER_YEAR[plume] * (_REFERENCE_YEAR - years)
    return 1.0 / (1.0 + np.exp(np.clip((along - edge) / _FRONT_WIDTH_M, -50, 50)))


def _samples(
    frame: Frame,
    boundary: Polygon,
    locations: gpd.GeoDataFrame,
    lost: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per location and round it was sampled in (installation and loss applied)."""
    waters = locations[locations["medium"].isin(["groundwater", "surface_water"])]
    every = pd.concat([waters, lost], ignore_index=True)
    all_rounds = rounds()
    index = {r.round_id: i for i, r in enumerate(all_rounds)}
    first = np.zeros(len(every), dtype=int)
    last = np.full(len(every), len(all_rounds) - 1)
    wells = (every["medium"] == "groundwater").to_numpy()
    x = every.geometry.x.to_numpy()
    plant_x, _ = frame.xy(0, 0)
    east_line = wells & (shapely.distance(boundary.exterior, every.geometry.to_numpy()) < 300)
    west = wells & (x < plant_x - 3000)
    first[west] = index["2025-Q1"]
    candidates = np.flatnonzero(
        wells & ~east_line & ~west & ~every["location_id"].isin(lost["location_id"]).to_numpy()
    )
    added = rng.choice(candidates, size=min(6, len(candidates)), replace=False)
    first[added] = rng.integers(index["2023-Q3"], index["2025-Q3"] + 1, size=len(added))
    last[every["location_id"].isin(lost["location_id"]).to_numpy()] = index[_LAST_ROUND_OF_LOST]
    offsets = rng.integers(0, 45, size=len(every))
    rows = []
    for i, r in enumerate(all_rounds):
        take = (first <= i) & (i <= last)
        group = every[take]
        year = r.start.year + (r.start.timetuple().tm_yday - 1) / 365.25
        rows.append(
            pd.DataFrame(
                {
                    "sample_id": group["location_id"] + f"-{r.round_id}",
                    "location_id": group["location_id"].to_numpy(),
                    "medium": group["medium"].to_numpy(),
                    "depth_top_m": np.where(group["medium"] == "groundwater", 6.0, 0.0),
                    "depth_bottom_m": np.where(group["medium"] == "groundwater", 12.0, 0.3),
                    "sampled_on": [
                        (r.start + timedelta(days=int(d % r.spread_days))).isoformat()
                        for d in offsets[take]
                    ],
                    "year": year,
                    "leaching": r.leaching,
                    "x": group.geometry.x.to_numpy(),
                    "y": group.geometry.y.to_numpy(),
                    "lab": rng.choice(lab.LABS, size=len(group)),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
