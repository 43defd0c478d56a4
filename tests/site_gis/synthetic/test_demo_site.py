"""The shipped PSM layers: anchored on the real facts, internally consistent, deterministic.

Expected values come from the issue's facts (18,000 acres, the plant point, the unit
list) and are measured with pyproj.Geod and shapely on the raw files, not with site_gis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from site_gis.io import read_layers_dir, write_layers_dir
from site_gis.schemas import CATALOGUE
from site_gis.synthetic import generate_site
from site_gis.synthetic.readme import layers_readme
from site_gis.validation import validate_site
from tests.conftest import geojson, results_csv

GEOD = Geod(ellps="WGS84")
ACRE_M2 = 4046.8564224  # international acre
PLANT = Point(67.352440, 24.809977)
TO_UTM = Transformer.from_crs(4326, 32642, always_xy=True)


def _shapes(name: str) -> list:
    return [shape(f["geometry"]) for f in geojson(name)["features"]]


def _props(name: str) -> pd.DataFrame:
    return pd.DataFrame([f["properties"] for f in geojson(name)["features"]])


def _utm(geom):
    return shapely.transform(geom, TO_UTM.transform, interleaved=False)


def test_boundary_is_18000_acres_within_1_percent_geodesically() -> None:
    (boundary,) = _shapes("site_boundary")
    area_m2, _ = GEOD.geometry_area_perimeter(boundary)
    acres = abs(area_m2) / ACRE_M2
    assert acres == pytest.approx(18_000, rel=0.01)


def test_boundary_surrounds_the_plant_point() -> None:
    (boundary,) = _shapes("site_boundary")
    assert boundary.contains(PLANT)
    assert boundary.is_valid


def test_four_eia_zones_inside_the_boundary() -> None:
    (boundary,) = _shapes("site_boundary")
    zones = dict(zip(_props("eia_zones")["zone_id"], _shapes("eia_zones"), strict=True))
    assert set(zones) == {
        "blast_furnace_yard",
        "coal_coke_storage",
        "water_discharge_canals",
        "solid_waste_dumps",
    }
    for zone_id, zone in zones.items():
        assert zone.is_valid, zone_id
        assert boundary.buffer(1e-7).contains(zone), zone_id
    for a in zones:
        for b in zones:
            if a < b:
                assert zones[a].intersection(zones[b]).area < 1e-12, (a, b)


def test_canals_drain_south_west_to_the_site_edge() -> None:
    (boundary,) = _shapes("site_boundary")
    zones = dict(zip(_props("eia_zones")["zone_id"], _shapes("eia_zones"), strict=True))
    canals = zones["water_discharge_canals"]
    assert len(canals.geoms) >= 2
    for canal in canals.geoms:
        lowest = min(canal.exterior.coords, key=lambda c: c[1])
        outlet = Point(lowest)
        assert outlet.x < PLANT.x + 0.01 and outlet.y < PLANT.y  # south, not east
        assert boundary.exterior.distance(outlet) < 0.001  # reaches the fence (~100 m)


def test_plant_units_of_an_integrated_works_are_present() -> None:
    units = _props("facilities")["unit"].value_counts()
    assert units["coke_oven_battery"] == 2
    assert units["blast_furnace"] == 2
    for unit in (
        "by_product_plant",
        "sinter_plant",
        "steel_melt_shop",
        "continuous_caster",
        "hot_strip_mill",
        "cold_rolling_mill",
        "power_plant",
        "oxygen_plant",
        "water_reservoir",
        "slag_dump",
        "ore_coal_berth",
        "conveyor",
    ):
        assert units.get(unit, 0) >= 1, unit
    sms = _props("facilities").query("unit == 'steel_melt_shop'")["capacity"].iloc[0]
    assert "130 t" in sms
    power = _props("facilities").query("unit == 'power_plant'")["capacity"].iloc[0]
    assert "110 MW" in power


def test_conveyor_is_four_and_a_half_kilometres() -> None:
    facilities = _props("facilities")
    conveyor = _shapes("facilities")[facilities.index[facilities["unit"] == "conveyor"][0]]
    _, perimeter = GEOD.geometry_area_perimeter(conveyor)
    width = 20.0  # the corridor is 2 × 10 m around the centre line
    assert (perimeter - 2 * width) / 2 == pytest.approx(4_500, rel=0.01)


def test_neighbours_lie_where_the_public_facts_put_them() -> None:
    (boundary,) = _shapes("site_boundary")
    receptors = _props("receptors").assign(geometry=_shapes("receptors"))
    by_name = {r.name: r.geometry for r in receptors.itertuples()}
    geh = by_name["Gulshan-e-Hadeed"]
    port = by_name["Port Qasim"]
    azimuth_geh, _, dist_geh = GEOD.inv(PLANT.x, PLANT.y, geh.x, geh.y)
    azimuth_port, _, dist_port = GEOD.inv(PLANT.x, PLANT.y, port.x, port.y)
    assert dist_geh == pytest.approx(6_700, rel=0.05) and -20 < azimuth_geh < 20  # north
    assert dist_port == pytest.approx(5_200, rel=0.05) and -170 < azimuth_port < -150  # SSW
    assert not any(boundary.contains(g) for g in receptors.geometry)
    east = receptors[receptors["name"].str.startswith("East-side")]
    assert len(east) >= 1 and (east.geometry.map(lambda g: g.x) > boundary.bounds[2]).all()


def test_encroachments_are_on_the_western_fringe() -> None:
    (boundary,) = _shapes("site_boundary")
    props = _props("encroachments")
    shapes = _shapes("encroachments")
    assert set(props["kind"]) == {"residential_settlement", "scrapyard", "transport_terminal"}
    west, east = boundary.bounds[0], boundary.bounds[2]
    for geom in shapes:
        assert boundary.buffer(1e-7).contains(geom)
        assert geom.centroid.x < west + 0.3 * (east - west)
    assert unary_union(shapes).area == pytest.approx(sum(g.area for g in shapes), rel=1e-9)


def test_encroachment_counts_match_their_structures() -> None:
    structures = _props("structures")
    encroachments = _props("encroachments").set_index("encroachment_id")
    assert len(structures) >= 1000
    by_type = pd.crosstab(structures["encroachment_id"], structures["type"])
    for eid, row in encroachments.iterrows():
        assert row["structures_katcha"] == by_type.loc[eid].get("katcha", 0)
        assert row["structures_semi_pucca"] == by_type.loc[eid].get("semi_pucca", 0)
        assert row["structures_pucca"] == by_type.loc[eid].get("pucca", 0)
        mine = structures[structures["encroachment_id"] == eid]
        assert row["households"] == mine["households"].sum()
        assert row["businesses"] == mine["businesses"].sum()


def test_structures_stand_inside_their_encroachment_and_floor_area_fits() -> None:
    encroachments = dict(
        zip(_props("encroachments")["encroachment_id"], _shapes("encroachments"), strict=True)
    )
    structures = _props("structures")
    for geom, row in zip(_shapes("structures"), structures.itertuples(), strict=True):
        assert encroachments[row.encroachment_id].contains(geom)
    # floor area = footprint × storeys; footprints measured in UTM 42N
    sample = structures.sample(200, random_state=1)
    shapes = _shapes("structures")
    for i, row in sample.iterrows():
        footprint = _utm(shapes[i]).area
        assert row["floor_area_m2"] == pytest.approx(footprint * row["storeys"], rel=0.01)


def test_parcels_tile_the_site_without_overlap() -> None:
    (boundary,) = _shapes("site_boundary")
    parcels = [_utm(g) for g in _shapes("parcels")]
    assert 200 <= len(parcels) <= 600
    union = unary_union(parcels)
    assert union.area == pytest.approx(_utm(boundary).area, rel=1e-4)
    assert sum(p.area for p in parcels) == pytest.approx(union.area, rel=1e-4)


def test_results_table_is_edd_shaped_with_non_detects() -> None:
    results = results_csv()
    assert results["analyte"].nunique() >= 15
    assert set(results["medium"]) == {"soil", "sediment", "groundwater", "surface_water"}
    nd = results[results["detected"] == False]  # noqa: E712 (CSV booleans)
    assert len(nd) > 100
    assert nd["value"].isna().all() and (nd["qualifier"] == "U").all()
    assert (nd["detection_limit"] > 0).all()
    soil = results[results["medium"] == "soil"]
    assert soil["depth_top_m"].nunique() >= 3
    assert set(results.loc[results["medium"] == "soil", "unit"]) <= {"mg/kg", "pH units"}
    assert set(results.loc[results["medium"] == "groundwater", "unit"]) <= {"ug/L", "pH units"}
    locations = set(_props("sample_locations")["location_id"])
    assert set(results["location_id"]) <= locations


def _with_locations() -> pd.DataFrame:
    locations = _props("sample_locations").assign(geometry=_shapes("sample_locations"))
    results = results_csv().merge(
        locations[["location_id", "zone_id", "geometry"]], on="location_id"
    )
    # non-detects count at half their detection limit for these comparisons
    results["v"] = results["value"].fillna(results["detection_limit"] / 2)
    return results


def _near(results: pd.DataFrame, point: Point, metres: float) -> np.ndarray:
    x0, y0 = TO_UTM.transform(point.x, point.y)
    xy = np.array([TO_UTM.transform(g.x, g.y) for g in results["geometry"]])
    return np.hypot(xy[:, 0] - x0, xy[:, 1] - y0) < metres


def test_pahs_and_cyanide_concentrate_near_the_coke_ovens() -> None:
    results = _with_locations()
    facilities = _props("facilities")
    coke = _shapes("facilities")[facilities.index[facilities["unit"] == "coke_oven_battery"][0]]
    surface = results[(results["medium"] == "soil") & (results["depth_top_m"] == 0)]
    for analyte in ("Benzo[a]pyrene", "Cyanide (free)", "Benzene", "Phenol"):
        rows = surface[surface["analyte"] == analyte]
        near = _near(rows, coke.centroid, 800)
        assert near.sum() >= 5
        ratio = rows["v"][near].median() / rows["v"][~near].median()
        assert ratio > 10, (analyte, ratio)


def test_metals_in_the_blast_furnace_yard_and_chromium_at_the_dumps() -> None:
    surface = _with_locations().query("medium == 'soil' and depth_top_m == 0")
    for analyte, zone, factor in (
        ("Lead", "blast_furnace_yard", 5),
        ("Zinc", "blast_furnace_yard", 5),
        ("Cadmium", "blast_furnace_yard", 5),
        ("Chromium (total)", "solid_waste_dumps", 5),
    ):
        rows = surface[surface["analyte"] == analyte]
        inside = rows["zone_id"] == zone
        ratio = rows.loc[inside, "v"].median() / rows.loc[rows["zone_id"].isna(), "v"].median()
        assert ratio > factor, (analyte, ratio)
    ph = surface[(surface["analyte"] == "pH") & (surface["zone_id"] == "solid_waste_dumps")]
    assert ph["value"].median() > 10


def test_groundwater_plume_along_the_east_side_boundary() -> None:
    (boundary,) = _shapes("site_boundary")
    gw = _with_locations().query("medium == 'groundwater' and analyte == 'Benzene'")
    east_edge = boundary.bounds[2]
    x = gw["geometry"].map(lambda g: g.x)
    east = gw[x > east_edge - 0.012]  # within about 1.2 km of the eastern extreme
    west = gw[x < PLANT.x - 0.02]
    assert len(east) >= 10 and len(west) >= 4
    assert east["v"].max() > 30  # Dutch intervention value for benzene in groundwater: 30 ug/L
    assert east["v"].median() > 10 * west["v"].median()
    # monsoon: the post-monsoon round is higher on the east side
    by_round = east.assign(post=east["sampled_on"] > "2026-07-01").groupby("post")["v"].median()
    assert by_round[True] > by_round[False]


def test_canal_sediments_carry_metals_and_phenol() -> None:
    results = _with_locations()
    sediment = results[results["medium"] == "sediment"]
    soil = results[(results["medium"] == "soil") & results["zone_id"].isna()]
    for analyte in ("Lead", "Phenol", "Chromium (total)"):
        ratio = (
            sediment.loc[sediment["analyte"] == analyte, "v"].median()
            / soil.loc[soil["analyte"] == analyte, "v"].median()
        )
        assert ratio > 3, (analyte, ratio)


def test_every_shipped_layer_validates(layers_dir: Path) -> None:
    site, frames = read_layers_dir(layers_dir)
    assert set(frames) == set(CATALOGUE)
    assert site.metric_crs == "EPSG:32642" and site.synthetic


def test_generator_is_deterministic_and_reproduces_the_shipped_layers(
    tmp_path: Path, layers_dir: Path
) -> None:
    for run in ("a", "b"):
        site, frames = generate_site()
        write_layers_dir(tmp_path / run, site, frames)
        (tmp_path / run / "README.md").write_text(layers_readme(site, frames), encoding="utf-8")
    for file in sorted(layers_dir.iterdir()):
        first = (tmp_path / "a" / file.name).read_bytes()
        assert first == (tmp_path / "b" / file.name).read_bytes(), file.name
        assert first == file.read_bytes(), f"{file.name} differs from the generator's output"


def test_other_seed_gives_other_data() -> None:
    _, a = generate_site(1)
    _, b = generate_site(2)
    assert not a["results"]["value"].equals(b["results"]["value"])


def test_scaled_site_has_the_requested_sizes() -> None:
    _, frames = generate_site(n_samples=3_000, n_structures=25_000)
    assert len(frames["structures"]) == 25_000
    ids = frames["results"]["sample_id"]
    campaigns = ids[~ids.str.contains(r"-\d{4}-Q\d$")]  # the monitoring rounds come on top
    assert campaigns.nunique() == pytest.approx(3_000, rel=0.05)
    validate_site(frames)
