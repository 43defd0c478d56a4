"""SYNTHETIC off-site background (reference) locations and their lab results.

Background threshold values need samples of the same media from ground the
site never touched.  The demo places them west-south-west of the boundary:
upwind of the south-west monsoon wind that blows over Karachi for most of the
year and up-gradient of the eastward groundwater flow the demo assumes (both
stated assumptions, not site measurements).  They are 12 soil boreholes
(three depth intervals each) and 6 monitoring wells (two rounds each), every
location flagged ``background = true`` and ``synthetic = true``.

Assumed natural levels (geometric means; log-normal spread with σ = 0.45 in
natural logs, so about 95 % of values lie within a factor of 2.4 either side):

==================  ============  =============  =========================================
analyte             soil (mg/kg)  water (µg/L)   basis
==================  ============  =============  =========================================
Lead                15            2              world-soil mean about 27 mg/kg (Kabata-
                                                 Pendias, *Trace Elements in Soils and
                                                 Plants*, 4th ed., 2011; recalled, to
                                                 verify), lowered for sandy arid coastal
                                                 soil; Rehri Creek sediment 2.8-6.8 ppm
                                                 (DOMAIN_FACTS section 3)
Chromium (total)    35            3              world-soil mean about 60 (same source,
                                                 to verify); Rehri Creek 3-9.6 ppm
Chromium(VI)        0.1           2              a small fraction of total Cr; mostly
                                                 below the reporting limit
Arsenic             6             5              world-soil mean about 6.8 (same source);
                                                 Rehri Creek 8.2-17.4 ppm
Nickel              20            5              world-soil mean about 29; Rehri 4.2-14.7
Zinc                45            20             world-soil mean about 70; Rehri 19-110
Cadmium             0.2           0.2            world-soil mean about 0.4
Manganese           350           150            world-soil mean about 490; saline
                                                 coastal groundwater often high in Mn
==================  ============  =============  =========================================

Organics (PAHs, BTEX, phenol, cyanide) are given the same low levels as the
site-wide background of :mod:`site_gis.synthetic.contamination`, so most are
non-detects, as at a real reference area; pH is near neutral (soil 7.9, water
7.5).  These figures are assumptions for a demo, not measurements near PSM.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from site_gis.crs import PSM_METRIC_CRS
from site_gis.reference import analytes as analyte_table
from site_gis.synthetic.contamination import _BACKGROUND, SOLIDS, _result_rows, _samples
from site_gis.synthetic.layout import Frame, zone_of

BOREHOLES = 12
WELLS = 6
SPREAD = 0.45
"""Log-normal spread (σ of natural logs) of the natural levels."""
AREA_KM = ((-9.0, -3.2), (-6.3, 0.2))
"""The reference area in design kilometres (south-west and north-east corners)."""


def background_locations(
    frame: Frame, boundary: Polygon, zones: dict[str, MultiPolygon], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """The off-site reference boreholes and wells (EPSG:32642), flagged background."""
    area = shapely.box(*frame.xy(*AREA_KM[0]), *frame.xy(*AREA_KM[1])).difference(
        boundary.buffer(500)
    )
    xy = _spread_points(area, BOREHOLES + WELLS, rng)
    table = pd.DataFrame(
        {
            "location_id": [f"BS-{i:05d}" for i in range(1, BOREHOLES + 1)]
            + [f"BW-{i:05d}" for i in range(1, WELLS + 1)],
            "location_type": ["borehole"] * BOREHOLES + ["monitoring_well"] * WELLS,
            "medium": ["soil"] * BOREHOLES + ["groundwater"] * WELLS,
        }
    )
    layer = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=PSM_METRIC_CRS
    )
    layer["zone_id"] = zone_of(layer.geometry, zones)
    layer["synthetic"] = True
    layer["background"] = True
    return layer


def background_results(locations: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Lab results of the reference locations at the assumed natural levels."""
    samples = _samples(locations, rng)
    medium = samples["medium"].to_numpy()
    solid = np.isin(medium, SOLIDS)
    parts = []
    for ref in analyte_table().itertuples():
        name = str(ref.analyte)
        if name == "pH":
            values = np.where(solid, 7.9, 7.5) + rng.normal(0, 0.25, len(samples))
        else:
            bg_solid, bg_water = _BACKGROUND[name]
            values = np.where(solid, bg_solid, bg_water) * rng.lognormal(0, SPREAD, len(samples))
        parts.append(_result_rows(samples, ref, values, solid, rng))
    return pd.concat(parts, ignore_index=True).sort_values("result_id", kind="stable")


def _spread_points(
    area: Polygon | MultiPolygon, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` points in ``area``, at least 300 m apart (rejection sampling)."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        x, y = rng.uniform((minx, miny), (maxx, maxy))
        if shapely.contains_xy(area, x, y) and all(
            np.hypot(x - fx, y - fy) >= 300 for fx, fy in found
        ):
            found.append((float(x), float(y)))
    return np.array(found)
