"""Interpolation domains and the search-radius mask, against geopandas overlays and scipy
distances computed here (on both stores)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial.distance import cdist

from site_gis.crs import to_metric
from site_gis.errors import ValidationError
from site_gis.site import SiteInfo
from site_gis.store import Store
from site_gis.surfaces import SurfaceRequest, build_surface, find_hotspots
from site_gis.surfaces.interpolation import describe_surface

LAYERS = Path(__file__).resolve().parents[3] / "layers"
UTM = "EPSG:32642"


def _layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(LAYERS / f"{name}.geojson").to_crs(UTM)


def _sample_xy(medium: str) -> np.ndarray:
    places = _layer("sample_locations")
    site = ~places["background"].fillna(False).astype(bool)  # reference wells are no part
    places = places[(places["medium"] == medium) & site]
    return np.c_[places.geometry.x, places.geometry.y]


def _expected_cells(surface_grid, domain: gpd.GeoDataFrame, samples: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Cells whose centre is in ``domain`` (shapely) and within twice the samples' mean
    nearest-neighbour distance of one (scipy cdist), on the surface's own cell lattice."""
    t = surface_grid.transform
    cols, rows = np.meshgrid(np.arange(surface_grid.width), np.arange(surface_grid.height))
    x, y = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    within = shapely.contains_xy(domain.geometry.union_all(), x, y)
    between = cdist(samples, samples)
    np.fill_diagonal(between, np.inf)
    radius = 2 * between.min(axis=1).mean()
    near = np.zeros_like(within)
    near[within] = cdist(np.c_[x[within], y[within]], samples).min(axis=1) <= radius
    return near


def test_sediment_is_mapped_in_the_canals_only(built_store: Store) -> None:
    surface = build_surface(built_store, SurfaceRequest(analyte="Lead", medium="sediment"))
    canals = _layer("eia_zones").query("zone_id == 'water_discharge_canals'")
    site = _layer("site_boundary")
    domain = gpd.overlay(canals[["geometry"]], site[["geometry"]], how="intersection")
    expected = _expected_cells(surface.grid, domain, _sample_xy("sediment"))
    assert (surface.grid.inside == expected).all()
    assert surface.domain is not None and "water_discharge_canals" in surface.domain.reason
    # every hotspot above 200 mg/kg lies in the canal zone (61 ha), none on dry land
    found = find_hotspots(surface, 200, built_store.read("eia_zones"))
    assert 0 < found["area_ha"].sum() <= canals.area.sum() / 1e4
    outside = gpd.overlay(found[["geometry"]], canals[["geometry"]], how="difference")
    assert outside.area.sum() == pytest.approx(0, abs=1.0)  # m²: edge round-off only


def test_surface_water_stays_along_the_channels_and_the_reservoir(built_store: Store) -> None:
    surface = build_surface(built_store, SurfaceRequest(analyte="Lead", medium="surface_water"))
    canals = _layer("eia_zones").query("zone_id == 'water_discharge_canals'")
    reservoir = _layer("facilities").query("unit == 'water_reservoir'")
    water = gpd.overlay(canals[["geometry"]], reservoir[["geometry"]], how="union")
    domain = gpd.overlay(water, _layer("site_boundary")[["geometry"]], how="intersection")
    expected = _expected_cells(surface.grid, domain, _sample_xy("surface_water"))
    assert (surface.grid.inside == expected).all()
    # never a site-wide field: the mapped area is the channels' and the reservoir's at most
    mapped_ha = surface.grid.inside.sum() * surface.grid.cell_area_m2 / 1e4
    assert mapped_ha <= domain.area.sum() / 1e4 * 1.1
    summary = describe_surface(surface)
    assert summary["domain"]["cells_beyond_radius"] == int(
        shapely.contains_xy(domain.geometry.union_all(), *_centres(surface.grid)).sum()
        - expected.sum()
    )


def _centres(grid):  # type: ignore[no-untyped-def]
    t = grid.transform
    cols, rows = np.meshgrid(np.arange(grid.width), np.arange(grid.height))
    return t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e


def test_groundwater_within_the_network_hull_plus_its_buffer(built_store: Store) -> None:
    surface = build_surface(
        built_store, SurfaceRequest(analyte="Benzene", medium="groundwater", cell_size_m=100)
    )
    wells = _sample_xy("groundwater")
    hull = gpd.GeoDataFrame(geometry=[shapely.MultiPoint(wells).convex_hull.buffer(250)], crs=UTM)
    domain = gpd.overlay(hull, _layer("site_boundary")[["geometry"]], how="intersection")
    expected = _expected_cells(surface.grid, domain, wells)
    assert (surface.grid.inside == expected).all()
    assert "plus 250 m" in surface.tags()["domain"]


def test_the_search_radius_is_stated_and_a_request_may_set_it(built_store: Store) -> None:
    request = SurfaceRequest(analyte="Lead", medium="soil", cell_size_m=100)
    surface = build_surface(built_store, request)
    samples = to_metric(surface.samples, UTM)
    xy = np.c_[samples.geometry.x, samples.geometry.y]
    between = cdist(xy, xy)
    np.fill_diagonal(between, np.inf)
    assert surface.domain is not None
    assert surface.domain.search_radius_m == pytest.approx(2 * between.min(axis=1).mean())
    tags = surface.tags()
    assert "mean nearest-neighbour distance" in tags["domain"]
    assert float(tags["search_radius_m"]) == pytest.approx(surface.domain.search_radius_m, abs=0.1)
    # IDW's neighbour search defaults to the same radius
    assert json.loads(tags["parameters"])["radius_m"] == pytest.approx(
        surface.domain.search_radius_m
    )
    wide = build_surface(built_store, request.model_copy(update={"search_radius_m": 20_000}))
    assert wide.domain is not None and wide.domain.cells_beyond_radius == 0
    assert wide.grid.inside.sum() > surface.grid.inside.sum()
    gx, gy = _centres(surface.grid)
    far = cdist(np.c_[gx[surface.grid.inside], gy[surface.grid.inside]], xy).min(axis=1)
    assert far.max() <= surface.domain.search_radius_m


def test_a_site_description_sets_its_own_domains() -> None:
    shipped = json.loads((LAYERS / "site.json").read_text(encoding="utf-8"))
    site = SiteInfo.from_dict(shipped)
    assert site.surface_domains["sediment"]["zones"] == ["water_discharge_canals"]
    older = {k: v for k, v in shipped.items() if k != "surface_domains"}
    assert SiteInfo.from_dict(older).surface_domains == {}  # defaults apply
    bad = {
        **shipped,
        "surface_domains": {
            "sediment": {"within": "river", "buffer_m": -5, "colour": "blue"},
            "lava": {"within": "site"},
        },
    }
    with pytest.raises(ValidationError) as caught:
        SiteInfo.from_dict(bad)
    text = str(caught.value.problems)
    for field in (
        "sediment.within",
        "sediment.buffer_m",
        "sediment.colour",
        "surface_domains.lava",
    ):
        assert field in text


def test_a_zone_domain_that_misses_the_clip_is_refused(built_store: Store) -> None:
    from site_gis.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="does not overlap"):
        build_surface(
            built_store,
            SurfaceRequest(analyte="Lead", medium="sediment", zone="coal_coke_storage"),
        )
