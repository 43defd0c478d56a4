"""Layout of the synthetic Pakistan Steel Mills site: boundary, EIA zones, plant units,
parcels and receptors.

Geometry is drawn in EPSG:32642 as offsets in kilometres from the GEM plant point
(24.809977 N, 67.352440 E), following the usual flow of an integrated BF-BOF works:
ore and coal arrive at the berth at Port Qasim (south-south-west), travel 4.5 km by
conveyor to the stockyard, feed the coke ovens, sinter plant and blast furnaces, then
the steel melt shop, casters and rolling mills.  Slag and waste go to dumps on the
east side; discharge canals drain south-west towards the creeks.

Only the published facts cited in ``layers/README.md`` are real (plant point, unit list,
capacities and dates, neighbouring places); every outline is SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from site_gis.crs import ACRE_M2, PSM_METRIC_CRS, STORAGE_CRS, geodesic_area_m2

PLANT_LON, PLANT_LAT = 67.352440, 24.809977
"""GEM "exact" plant point (V: https://www.gem.wiki/Pakistan_Steel_Mills)."""

TARGET_ACRES = 18_000.0
CONVEYOR_LENGTH_M = 4_500.0
GEM = "https://www.gem.wiki/Pakistan_Steel_Mills"
MESTEEL = "https://www.mesteel.com/countries/pakistan/overview.htm"

# Outline of the site in design kilometres (east, north) from the plant point,
# scaled afterwards so that its geodesic area is exactly TARGET_ACRES.
_BOUNDARY_KM = [
    (-5.4, 3.2),
    (-2.5, 3.7),
    (0.5, 3.9),
    (3.0, 3.6),
    (4.4, 2.8),
    (4.6, 0.5),
    (4.3, -1.8),
    (3.2, -3.0),
    (0.8, -3.4),
    (-1.6, -3.5),
    (-3.6, -3.1),
    (-5.0, -2.2),
    (-5.6, 0.2),
]
# Discharge canals (design km), upstream first; they leave the site towards the creeks.
_CANALS_KM = [
    [(0.2, -0.6), (-1.0, -1.8), (-2.4, -3.0), (-3.0, -3.8)],
    [(2.0, -2.35), (0.9, -3.0), (0.3, -4.0)],
    [(-1.5, 0.2), (-2.8, -0.9), (-4.3, -2.7), (-4.8, -3.3)],
]


@dataclass(frozen=True)
class Frame:
    """Maps design kilometres to EPSG:32642 metres: centre plus uniform scale."""

    east: float
    north: float
    scale: float

    def xy(self, x_km: float, y_km: float) -> tuple[float, float]:
        return self.east + self.scale * 1000 * x_km, self.north + self.scale * 1000 * y_km

    def polygon(self, coords_km: list[tuple[float, float]]) -> Polygon:
        return Polygon([self.xy(x, y) for x, y in coords_km])

    def rect(
        self, x_km: float, y_km: float, width_m: float, height_m: float, angle_deg: float = 0.0
    ) -> Polygon:
        cx, cy = self.xy(x_km, y_km)
        box = shapely.box(cx - width_m / 2, cy - height_m / 2, cx + width_m / 2, cy + height_m / 2)
        return shapely.affinity.rotate(box, angle_deg, origin=(cx, cy)) if angle_deg else box


_TO_WGS84 = Transformer.from_crs(PSM_METRIC_CRS, STORAGE_CRS, always_xy=True)
_TO_UTM = Transformer.from_crs(STORAGE_CRS, PSM_METRIC_CRS, always_xy=True)


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """Project a geometry from EPSG:32642 to EPSG:4326 (lon/lat)."""
    return shapely.transform(geometry, _TO_WGS84.transform, interleaved=False)


def site_frame() -> tuple[Frame, Polygon]:
    """The design frame and the boundary, scaled to 18,000 acres on the WGS 84 ellipsoid."""
    east, north = _TO_UTM.transform(PLANT_LON, PLANT_LAT)
    frame = Frame(east, north, 1.0)
    for _ in range(3):  # area grows with scale²; three rounds converge to < 1e-9
        boundary = frame.polygon(_BOUNDARY_KM)
        acres = geodesic_area_m2(to_lonlat(boundary)) / ACRE_M2
        frame = Frame(east, north, frame.scale * (TARGET_ACRES / acres) ** 0.5)
    return frame, frame.polygon(_BOUNDARY_KM)


def boundary_layer(boundary: Polygon) -> gpd.GeoDataFrame:
    """The site boundary with its geodesic area."""
    area_m2 = geodesic_area_m2(to_lonlat(boundary))
    return _frame(
        [
            {
                "site_id": "psm",
                "name": "Pakistan Steel Mills, Bin Qasim (synthetic outline)",
                "area_acres": round(area_m2 / ACRE_M2, 2),
                "area_ha": round(area_m2 / 1e4, 2),
                "source": "SYNTHETIC outline around the GEM plant point "
                + GEM
                + "; area set to 18,000 acres (PSM holds about 19,013 acres in all)",
                "synthetic": True,
                "geometry": boundary,
            }
        ]
    )


def zone_geometries(frame: Frame, boundary: Polygon) -> dict[str, MultiPolygon]:
    """The four EIA zones, inside the boundary and not overlapping each other."""
    blast = frame.polygon([(-0.7, -0.45), (1.05, -0.55), (1.15, 0.85), (-0.6, 0.95)])
    coal = frame.polygon([(1.6, -2.25), (3.7, -2.05), (3.8, 0.3), (1.7, 0.2)])
    dumps = frame.polygon([(3.0, 0.65), (4.2, 0.6), (4.25, 2.6), (3.1, 2.85)])
    canals = shapely.union_all(
        [
            LineString([frame.xy(x, y) for x, y in line]).buffer(30, cap_style="flat")
            for line in _CANALS_KM
        ]
    )
    inner = boundary.buffer(-5)
    canals = canals.intersection(inner).difference(shapely.union_all([blast, coal, dumps]))
    zones = {
        "blast_furnace_yard": blast,
        "coal_coke_storage": coal,
        "water_discharge_canals": canals,
        "solid_waste_dumps": dumps,
    }
    return {k: _multi(v.intersection(inner)) for k, v in zones.items()}


def canal_centrelines(frame: Frame, boundary: Polygon) -> list[LineString]:
    """Centre lines of the discharge canals, clipped to the site, running downstream."""
    out = []
    for line in _CANALS_KM:
        clipped = LineString([frame.xy(x, y) for x, y in line]).intersection(boundary.buffer(-5))
        out.append(
            clipped
            if isinstance(clipped, LineString)
            else max(clipped.geoms, key=lambda g: g.length)
        )
    return out


_ZONE_TEXT = {
    "blast_furnace_yard": (
        "Blast furnace yard",
        "Blast furnaces 1 and 2 and the sinter plant: dusts and sludges "
        "(lead, zinc, cadmium, manganese).",
    ),
    "coal_coke_storage": (
        "Coal and coke storage",
        "Raw-material stockyard, coke-oven batteries and by-product plant: "
        "PAHs, BTEX, phenols, cyanide.",
    ),
    "water_discharge_canals": (
        "Water discharge canals",
        "Open canals draining the works south-west towards the creeks: "
        "metals and phenol in sediments.",
    ),
    "solid_waste_dumps": (
        "Solid waste dumps",
        "Slag and solid-waste dumps on the east side: chromium, alkaline leachate (high pH).",
    ),
}


def zones_layer(zones: dict[str, MultiPolygon]) -> gpd.GeoDataFrame:
    """The EIA zones with names, descriptions and areas."""
    return _frame(
        [
            {
                "zone_id": zid,
                "name": _ZONE_TEXT[zid][0],
                "description": _ZONE_TEXT[zid][1],
                "area_ha": round(geom.area / 1e4, 4),
                "synthetic": True,
                "geometry": geom,
            }
            for zid, geom in zones.items()
        ]
    )


# (id, unit, name, x_km, y_km, width_m, height_m, commissioned, capacity, source)
_UNITS: list[tuple[str, str, str, float, float, float, float, str | None, str | None, str]] = [
    (
        "F-01",
        "coke_oven_battery",
        "Coke Oven Battery 1",
        2.3,
        -0.25,
        320,
        60,
        "1981-04 (rebuilt 2010-11)",
        None,
        MESTEEL,
    ),
    (
        "F-02",
        "coke_oven_battery",
        "Coke Oven Battery 2",
        2.3,
        -0.55,
        320,
        60,
        "1985-05 (recommissioned 2008-10-04)",
        None,
        MESTEEL,
    ),
    (
        "F-03",
        "by_product_plant",
        "Coke Oven By-product Plant",
        3.05,
        -0.4,
        260,
        200,
        "1981",
        "coal tar, ammonium sulphate, benzol",
        "http://en.haihongsteel.com/news_detail/newsId=1.html",
    ),
    (
        "F-04",
        "raw_material_stockyard",
        "Ore and coal stockyard",
        2.6,
        -1.5,
        1300,
        650,
        None,
        None,
        "http://buildindustrialpakistan.blogspot.com/2013/07/the-iron-ore-coal-berth-of-pakistan.html",
    ),
    (
        "F-05",
        "sinter_plant",
        "Sinter plant",
        0.5,
        -0.15,
        350,
        180,
        None,
        "not published",
        "no public source for this unit; assumed from the BF-BOF route",
    ),
    (
        "F-06",
        "blast_furnace",
        "Blast Furnace 1",
        0.0,
        0.3,
        160,
        160,
        "1981-08-14",
        "relined 1996",
        MESTEEL,
    ),
    (
        "F-07",
        "blast_furnace",
        "Blast Furnace 2",
        0.45,
        0.3,
        160,
        160,
        "1984-08",
        "revived 2014-12 after the 2013 breakout",
        "https://nation.com.pk/14-Dec-2014/psm-s-another-blast-furnace-revived-for-production",
    ),
    (
        "F-08",
        "steel_melt_shop",
        "Steel melt shop",
        -1.2,
        0.55,
        420,
        160,
        "1982-12",
        "2 LD (BOF) converters of 130 t each",
        MESTEEL,
    ),
    (
        "F-09",
        "continuous_caster",
        "Bloom and slab casters",
        -1.95,
        0.55,
        320,
        130,
        "1982-12 to 1983-11 (billet caster 1989-11)",
        "1 bloom caster, 2 slab casters",
        MESTEEL,
    ),
    ("F-10", "hot_strip_mill", "Hot strip mill", -2.3, 1.35, 1000, 120, "1983-12", None, MESTEEL),
    (
        "F-11",
        "cold_rolling_mill",
        "Cold rolling mill",
        -2.3,
        1.95,
        800,
        150,
        "1984-12",
        None,
        MESTEEL,
    ),
    (
        "F-12",
        "power_plant",
        "Thermal power plant and turbo-blower station",
        0.6,
        1.75,
        300,
        200,
        None,
        "110 MW design (3 × 55 MW, one standby); derated to 25-30 MW in 2014",
        "https://brecorder.com/news/4210065/revamp-rehab-of-power-plant-psm-to-seek-japanese-funding-201406291197694",
    ),
    (
        "F-13",
        "oxygen_plant",
        "Oxygen plant",
        1.25,
        1.45,
        150,
        120,
        None,
        "15,200 m³/h",
        "Daily Jang via urdunews.net (Urdu press report)",
    ),
    (
        "F-14",
        "water_reservoir",
        "Industrial water reservoir",
        -0.2,
        2.75,
        900,
        600,
        None,
        "110 million imperial gal/day (about 500,000 m³)",
        "https://scribd.com/document/82113991/The-Pakistan-Steel-Mills",
    ),
    (
        "F-15",
        "slag_dump",
        "Slag dump 1",
        3.5,
        1.2,
        500,
        400,
        None,
        None,
        "no public source for the location; slag is ~90 % of by-products (https://wikimili.com/en/Slag)",
    ),
    (
        "F-16",
        "slag_dump",
        "Slag dump 2",
        3.7,
        2.1,
        420,
        420,
        None,
        None,
        "no public source for the location; slag is ~90 % of by-products (https://wikimili.com/en/Slag)",
    ),
]
_BERTH_SOURCE = (
    "http://buildindustrialpakistan.blogspot.com/2013/07/the-iron-ore-coal-berth-of-pakistan.html"
)


def facilities_layer(frame: Frame, zones: dict[str, MultiPolygon]) -> gpd.GeoDataFrame:
    """Plant units: synthetic footprints, published names, dates and capacities."""
    rows = []
    for fid, unit, name, x, y, w, h, commissioned, capacity, source in _UNITS:
        rows.append(
            {
                "facility_id": fid,
                "unit": unit,
                "name": name,
                "status": "mothballed",
                "commissioned": commissioned,
                "capacity": capacity,
                "source": source,
                "geometry": frame.rect(x, y, w, h),
            }
        )
    conveyor, berth = _conveyor_and_berth(frame)
    rows.append(
        {
            "facility_id": "F-17",
            "unit": "ore_coal_berth",
            "name": "Iron Ore and Coal Berth (IOCB), Port Qasim",
            "status": "idle",
            "commissioned": "1980",
            "capacity": "279 m; 2 grab unloaders of 1,000 t/h; ships up to 55,000 t",
            "source": _BERTH_SOURCE,
            "geometry": berth,
        }
    )
    rows.append(
        {
            "facility_id": "F-18",
            "unit": "conveyor",
            "name": "Berth-to-stockyard conveyors (4.5 km)",
            "status": "idle",
            "commissioned": "1980",
            "capacity": "2 conveyors, 4.5 km",
            "source": _BERTH_SOURCE,
            "geometry": conveyor.buffer(10, cap_style="flat"),
        }
    )
    layer = _frame([{**r, "synthetic": True} for r in rows])
    layer["zone_id"] = zone_of(layer.geometry.representative_point(), zones)
    return layer


def conveyor_line(frame: Frame) -> LineString:
    """Centre line of the conveyor: exactly 4.5 km from the berth to the stockyard."""
    end = np.array(frame.xy(1.95, -1.5))  # west edge of the stockyard
    bend = np.array(frame.xy(0.3, -3.2))
    rest = CONVEYOR_LENGTH_M - float(np.hypot(*(end - bend)))
    heading = np.deg2rad(200.0)  # south-south-west, towards Port Qasim
    start = bend + rest * np.array([np.sin(heading), np.cos(heading)])
    return LineString([start, bend, end])


def _conveyor_and_berth(frame: Frame) -> tuple[LineString, Polygon]:
    line = conveyor_line(frame)
    sx, sy = line.coords[0]
    berth = shapely.affinity.rotate(
        shapely.box(sx - 139.5, sy - 40, sx + 139.5, sy), 20, origin=(sx, sy)
    )
    return line, berth


def zone_of(points: gpd.GeoSeries | np.ndarray, zones: dict[str, MultiPolygon]) -> list[str | None]:
    """The id of the zone containing each point, or ``None``."""
    geoms = np.asarray(points)
    out: list[str | None] = [None] * len(geoms)
    for zid, zone in zones.items():
        shapely.prepare(zone)
        for i in np.flatnonzero(shapely.contains(zone, geoms)):
            out[i] = zid
    return out


def parcels_layer(
    frame: Frame,
    boundary: Polygon,
    zones: dict[str, MultiPolygon],
    facilities: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """A few hundred parcels tiling the site: a jittered survey grid clipped to the boundary."""
    minx, miny, maxx, maxy = boundary.bounds
    step = 480.0 * frame.scale
    xs = np.arange(minx - step, maxx + step, step)
    ys = np.arange(maxy + step, miny - step, -step)
    jitter = rng.uniform(-0.18, 0.18, size=(len(ys), len(xs), 2)) * step
    gx, gy = np.meshgrid(xs, ys)
    vx, vy = gx + jitter[..., 0], gy + jitter[..., 1]
    cells = [
        Polygon(
            [
                (vx[r, c], vy[r, c]),
                (vx[r, c + 1], vy[r, c + 1]),
                (vx[r + 1, c + 1], vy[r + 1, c + 1]),
                (vx[r + 1, c], vy[r + 1, c]),
            ]
        )
        for r in range(len(ys) - 1)
        for c in range(len(xs) - 1)
    ]
    pieces = [g for g in shapely.intersection(cells, boundary) if not g.is_empty]
    parts = [p for g in pieces for p in getattr(g, "geoms", [g]) if p.area > 1.0]
    layer = _frame([{"geometry": p} for p in parts])
    layer["parcel_id"] = [f"P-{i:04d}" for i in range(1, len(layer) + 1)]
    layer["owner"] = "Pakistan Steel Mills Corporation"
    layer["area_ha"] = (layer.area / 1e4).round(4)
    layer["zone_id"] = zone_of(layer.geometry.representative_point(), zones)
    layer["land_use"] = _land_use(frame, layer, zones, facilities)
    layer["synthetic"] = True
    return layer


def _land_use(
    frame: Frame,
    parcels: gpd.GeoDataFrame,
    zones: dict[str, MultiPolygon],
    facilities: gpd.GeoDataFrame,
) -> list[str]:
    by_zone = {
        "blast_furnace_yard": "heavy_industry",
        "coal_coke_storage": "raw_material_storage",
        "solid_waste_dumps": "waste_disposal",
    }
    production = shapely.union_all(
        facilities.geometry[
            facilities["unit"].isin(
                ["steel_melt_shop", "continuous_caster", "hot_strip_mill", "cold_rolling_mill"]
            )
        ]
    )
    utilities = shapely.union_all(
        facilities.geometry[
            facilities["unit"].isin(["power_plant", "oxygen_plant", "water_reservoir"])
        ]
    )
    canal = zones["water_discharge_canals"]
    cx, cy = frame.xy(0, 0)
    uses = []
    for geom, zone in zip(parcels.geometry, parcels["zone_id"], strict=True):
        x_km = (geom.centroid.x - cx) / 1000 / frame.scale
        y_km = (geom.centroid.y - cy) / 1000 / frame.scale
        if zone in by_zone:
            uses.append(by_zone[zone])
        elif geom.intersection(canal).area > 0.1 * geom.area:
            uses.append("drainage_corridor")
        elif geom.intersects(production):
            uses.append("heavy_industry")
        elif geom.intersects(utilities):
            uses.append("utilities")
        elif x_km < -2.0 and y_km < -1.0:
            uses.append("industrial_park_reserve")
        elif y_km > 2.9 or x_km > 4.0:
            uses.append("green_buffer")
        else:
            uses.append("open_land")
    return uses


_GEH = "V: 24°52′11″N 67°21′37″E, https://jmediawiki.org/wiki/Gulshan-e-Hadeed"
_RECEPTORS: list[tuple[str, str, str, float, float, int | None, str, str, bool]] = [
    (
        "R-01",
        "Gulshan-e-Hadeed",
        "community",
        67.36028,
        24.86972,
        40_950,
        "D: about 6,500 houses (Phase I ≈2,500 + Phase II >4,000) × 6.3 persons per household "
        "(Census 2023)",
        _GEH,
        False,
    ),
    (
        "R-02",
        "Steel Town",
        "community",
        67.336711,
        24.862922,
        25_000,
        "V: about 25,000 (2015), https://wikicestina.icu/wiki/Steel_Town_(Karachi)",
        "U: point from public app code (to verify)",
        False,
    ),
    (
        "R-03",
        "Razzakabad",
        "community",
        67.291769,
        24.872938,
        12_000,
        "SYNTHETIC",
        "U: point from public app code (to verify)",
        True,
    ),
    (
        "R-04",
        "Port Qasim",
        "port",
        67.333,
        24.767,
        None,
        "not applicable (workplace)",
        "V: 24°46′N 67°20′E, https://wiki.alquds.edu/?query=Port_Qasim",
        False,
    ),
    (
        "R-05",
        "Rehri Goth (fishing community)",
        "fishing_community",
        67.262,
        24.792,
        30_000,
        "SYNTHETIC",
        "APPROXIMATE: placed west of Port Qasim; Rehri is named as a neighbouring "
        "fishing town (worldportsource.com), no coordinates retrieved",
        True,
    ),
    (
        "R-06",
        "Ibrahim Hyderi (fishing community)",
        "fishing_community",
        67.165,
        24.800,
        60_000,
        "SYNTHETIC",
        "APPROXIMATE: no coordinates retrieved",
        True,
    ),
]
# Synthetic communities and wells beyond the east fence: (id, name, kind, x_km, y_km, pop)
_EAST: list[tuple[str, str, str, float, float, int | None]] = [
    ("R-07", "East-side settlement 1", "community", 6.2, 0.9, 6_500),
    ("R-08", "East-side settlement 2", "community", 5.9, -1.2, 4_200),
    ("R-09", "East-side settlement 3", "community", 7.4, 2.4, 3_100),
    ("R-10", "Community well E1", "well", 5.4, 0.4, None),
    ("R-11", "Community well E2", "well", 5.6, -0.6, None),
    ("R-12", "Community well E3", "well", 6.6, 1.5, None),
    ("R-13", "Community well E4", "well", 5.3, 1.9, None),
    ("R-14", "Western settlement well W1", "well", -6.4, 1.2, None),
    ("R-15", "Western settlement well W2", "well", -6.2, -0.8, None),
]


def receptors_layer(frame: Frame) -> gpd.GeoDataFrame:
    """Communities, wells and the port outside the fence."""
    rows = []
    for rid, name, kind, lon, lat, pop, pop_basis, loc_basis, synthetic in _RECEPTORS:
        rows.append(
            {
                "receptor_id": rid,
                "name": name,
                "kind": kind,
                "population": pop,
                "population_basis": pop_basis,
                "location_basis": loc_basis,
                "synthetic": synthetic,
                "geometry": Point(_TO_UTM.transform(lon, lat)),
            }
        )
    for rid, name, kind, x, y, pop in _EAST:
        rows.append(
            {
                "receptor_id": rid,
                "name": name + " (synthetic)",
                "kind": kind,
                "population": pop,
                "population_basis": "SYNTHETIC" if pop else "not applicable (well)",
                "location_basis": "SYNTHETIC",
                "synthetic": True,
                "geometry": Point(frame.xy(x, y)),
            }
        )
    return _frame(rows)


def _multi(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return MultiPolygon([g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)])


def _frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=PSM_METRIC_CRS)
