"""Variograms: the experimental variogram against a brute-force pair count, the fit on a
planted model, refusal of a pure nugget, and the log back-transform in every output."""

from __future__ import annotations

import json
import shutil
from datetime import date

import numpy as np
import pytest

from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.store import GeoPackageStore, Store
from site_gis.surfaces import SurfaceRequest, build_surface, find_hotspots
from site_gis.surfaces.interpolation import describe_surface, local_kriging, variogram_function
from site_gis.surfaces.variogram import (
    ExperimentalVariogram,
    experimental_variogram,
    fit_model,
)


def test_experimental_variogram_equals_a_brute_force_pair_count() -> None:
    rng = np.random.default_rng(21)  # SYNTHETIC
    x, y = rng.uniform(0, 2000, 60), rng.uniform(0, 1000, 60)
    z = rng.lognormal(3, 1, 60)
    ours = experimental_variogram(x, y, z, n_lags=8)
    # brute force: every pair i < j, its distance and half its squared difference
    pairs = [
        (float(np.hypot(x[i] - x[j], y[i] - y[j])), 0.5 * (z[i] - z[j]) ** 2)
        for i in range(60)
        for j in range(i + 1, 60)
    ]
    largest = max(h for h, _ in pairs)
    width = largest / 2 / 8  # default maximum lag: half the largest distance
    lags, gammas, counts = [], [], []
    for b in range(8):
        inside = [(h, g) for h, g in pairs if b * width <= h < (b + 1) * width]
        if b == 7:  # the last bin holds pairs at exactly the maximum lag too
            inside += [(h, g) for h, g in pairs if h == 8 * width]
        if inside:
            lags.append(np.mean([h for h, _ in inside]))
            gammas.append(np.mean([g for _, g in inside]))
            counts.append(len(inside))
    assert ours.max_lag_m == pytest.approx(largest / 2)
    assert ours.pairs.tolist() == counts
    assert ours.lags == pytest.approx(lags, rel=1e-12)
    assert ours.semivariance == pytest.approx(gammas, rel=1e-12)
    # a stated maximum lag keeps only the pairs up to it
    short = experimental_variogram(x, y, z, max_lag_m=300, n_lags=3)
    assert short.pairs.sum() == sum(1 for h, _ in pairs if h <= 300)


def _planted(model: str, psill: float, range_m: float, nugget: float) -> ExperimentalVariogram:
    """An experimental variogram lying exactly on a model (the textbook formula written out)."""
    h = np.linspace(100, 3000, 15)
    if model == "spherical":
        shape = np.where(h < range_m, 1.5 * h / range_m - 0.5 * (h / range_m) ** 3, 1.0)
    else:  # exponential, pykrige's practical range: 1 - exp(-3h / range)
        shape = 1 - np.exp(-3 * h / range_m)
    return ExperimentalVariogram(h, nugget + psill * shape, np.full(15, 100), 3000.0, 200.0)


@pytest.mark.parametrize("model", ["spherical", "exponential"])
def test_the_fit_recovers_a_planted_model_and_says_so(model: str) -> None:
    fitted = fit_model(_planted(model, 2.0, 1500.0, 0.5), model, sample_variance=2.5)
    assert fitted["psill"] == pytest.approx(2.0, rel=1e-4)
    assert fitted["range"] == pytest.approx(1500.0, rel=1e-4)
    assert fitted["nugget"] == pytest.approx(0.5, rel=1e-3, abs=1e-4)
    diagnostics = fitted["diagnostics"]
    assert diagnostics["status"] == "ok"
    assert diagnostics["nugget_to_sill"] == pytest.approx(0.5 / 2.5, rel=1e-3)
    assert diagnostics["weighted_rms_residual"] == pytest.approx(0, abs=1e-4)
    assert diagnostics["sill_to_sample_variance"] == pytest.approx(1.0, rel=1e-3)


def test_a_flat_variogram_is_a_pure_nugget() -> None:
    flat = ExperimentalVariogram(
        np.linspace(100, 3000, 12), np.full(12, 4.0), np.full(12, 200), 3000.0, 250.0
    )
    fitted = fit_model(flat, "spherical", sample_variance=4.0)
    assert fitted["diagnostics"]["status"] == "pure_nugget"


def test_local_kriging_variance_equals_pykrige() -> None:
    from pykrige.ok import OrdinaryKriging

    rng = np.random.default_rng(5)  # SYNTHETIC
    x, y = rng.uniform(0, 3000, 120), rng.uniform(0, 3000, 120)
    z = np.sin(x / 700) + rng.normal(0, 0.1, 120)
    gx, gy = rng.uniform(0, 3000, 300), rng.uniform(0, 3000, 300)
    variogram = {"model": "spherical", "psill": 0.4, "range": 1200.0, "nugget": 0.01}
    estimate, variance = local_kriging(
        x, y, z, gx, gy, variogram_function(variogram), 16, with_variance=True
    )
    model = OrdinaryKriging(
        x,
        y,
        z,
        variogram_model="spherical",
        variogram_parameters={"psill": 0.4, "range": 1200.0, "nugget": 0.01},
    )
    theirs, their_variance = model.execute("points", gx, gy, backend="loop", n_closest_points=16)
    assert estimate == pytest.approx(np.asarray(theirs), rel=1e-8, abs=1e-10)
    assert variance == pytest.approx(np.asarray(their_variance), rel=1e-8, abs=1e-10)


@pytest.fixture(scope="module")
def noise_store(demo_gpkg: GeoPackageStore, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo store plus a planted SYNTHETIC data set with no spatial structure: Lead at
    7-8 m, independent log-normal values at 150 soil boreholes."""
    from site_gis.contamination import import_results

    path = tmp_path_factory.mktemp("noise") / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    store = GeoPackageStore(path)
    boreholes = store.read("sample_locations", where={"medium": "soil"}, limit=150)
    values = np.random.default_rng(8).lognormal(4, 0.2, len(boreholes))
    header = (
        "sample_id,location_id,medium,depth_top_m,depth_bottom_m,sampled_on,analyte,"
        "value,unit,detection_limit,lab,method\n"
    )
    rows = "".join(
        f"NOISE-{i},{loc},soil,7,8,2026-10-01,Lead,{v:.3f},mg/kg,0.5,KarLab,EPA 6020B\n"
        for i, (loc, v) in enumerate(zip(boreholes["location_id"], values, strict=True))
    )
    import_results(store, (header + rows).encode(), actor="t", today=date(2026, 11, 26))
    return store


NOISE = {"analyte": "Lead", "depth_top_m": 7, "depth_bottom_m": 8, "cell_size_m": 100}
PURE_NUGGET = {"variogram_sill": 1.0, "variogram_range_m": 800.0, "variogram_nugget": 1.0}


@pytest.mark.parametrize("given", [{}, PURE_NUGGET], ids=["fitted", "given"])
def test_a_pure_nugget_falls_back_to_idw_loudly(noise_store: Store, given: dict) -> None:
    request = SurfaceRequest(method="kriging", threshold=60, **NOISE, **given)  # type: ignore[arg-type]
    surface = build_surface(noise_store, request)
    assert surface.variogram["diagnostics"]["status"] == "pure_nugget"
    assert surface.method_used == "idw" and surface.std is None and surface.probability is None
    assert "refused" in surface.warnings[0] and "IDW instead" in surface.warnings[0]
    tags = surface.tags()
    assert tags["method"] == "idw" and tags["method_requested"] == "kriging"
    assert "pure nugget" in tags["warnings"]
    summary = describe_surface(surface)
    assert summary["method"] == "idw" and summary["warnings"] == surface.warnings
    assert summary["variogram"]["experimental"]["pairs"]  # the evidence is shown
    with pytest.raises(InsufficientDataError, match="kriging of Lead refused"):
        build_surface(noise_store, request.model_copy(update={"on_bad_variogram": "refuse"}))


def test_a_given_variogram_is_used_as_given(noise_store: Store) -> None:
    request = SurfaceRequest(
        method="kriging",
        variogram_sill=600.0,
        variogram_range_m=1500.0,
        variogram_nugget=30.0,
        **NOISE,  # type: ignore[arg-type]
    )
    surface = build_surface(noise_store, request)
    assert surface.method_used == "kriging"
    assert surface.variogram["source"] == "given"
    assert (surface.variogram["psill"], surface.variogram["nugget"]) == (570.0, 30.0)
    assert json.loads(surface.tags()["variogram"])["range"] == 1500.0
    with pytest.raises(InvalidRequestError, match="needs all of"):
        build_surface(noise_store, request.model_copy(update={"variogram_nugget": None}))


def test_the_back_transform_is_stated_and_used_everywhere(demo_gpkg: GeoPackageStore) -> None:
    lead = SurfaceRequest(
        analyte="Lead",
        depth_top_m=0,
        depth_bottom_m=0.5,
        method="kriging",
        log_transform=True,
        cell_size_m=100,
    )
    median = build_surface(demo_gpkg, lead)
    mean = build_surface(demo_gpkg, lead.model_copy(update={"back_transform": "mean"}))
    assert median.method_used == mean.method_used == "kriging"
    assert median.tags()["back_transform"] == "median: exp(m)"
    assert mean.tags()["back_transform"] == "mean: exp(m + σ²/2)"
    # the lognormal mean is the median times exp(σ²/2), σ the kriging SD in log space
    assert mean.std is not None
    assert mean.estimate == pytest.approx(median.estimate * np.exp(mean.std**2 / 2), rel=1e-9)
    # cross-validation: leave-one-out solved here, back-transformed by hand
    k = min(lead.kriging.neighbours, len(median.samples) - 1)
    m, v = local_kriging(
        _xy(median)[0],
        _xy(median)[1],
        np.log(median.samples["value"].to_numpy()),
        _xy(median)[0],
        _xy(median)[1],
        variogram_function(median.variogram),
        k,
        exclude_self=True,
        with_variance=True,
    )
    observed = median.samples["value"].to_numpy()
    assert mean.cv.bias == pytest.approx(np.mean(np.exp(m + v / 2) - observed), rel=1e-9)
    assert median.cv.bias == pytest.approx(np.mean(np.exp(m) - observed), rel=1e-9)
    # hotspots follow the estimate: the mean is never below the median, so neither is its area
    zones = demo_gpkg.read("eia_zones")
    assert (
        find_hotspots(mean, 800, zones)["area_ha"].sum()
        >= find_hotspots(median, 800, zones)["area_ha"].sum()
    )
    with pytest.raises(InvalidRequestError, match="back_transform=mean needs"):
        build_surface(
            demo_gpkg, lead.model_copy(update={"method": "idw", "back_transform": "mean"})
        )


def _xy(surface) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    return surface.samples.geometry.x.to_numpy(), surface.samples.geometry.y.to_numpy()


def test_the_raw_lead_kriging_of_the_demo_site_shows_hotspots(demo_gpkg: GeoPackageStore) -> None:
    """The pure nugget that the whole-site lags gave is gone with the lags limited to half
    the largest distance, and the hotspots above 800 mg/kg show."""
    surface = build_surface(
        demo_gpkg,
        SurfaceRequest(
            analyte="Lead", depth_top_m=0, depth_bottom_m=0.5, method="kriging", cell_size_m=50
        ),
    )
    diagnostics = surface.variogram["diagnostics"]
    assert surface.method_used == "kriging" and diagnostics["status"] == "ok"
    assert diagnostics["nugget_to_sill"] <= 0.9
    assert surface.variogram["max_lag_m"] < 6_000  # not the 10 km of the whole site
    assert int((surface.samples["value"] > 800).sum()) > 0
    assert find_hotspots(surface, 800, demo_gpkg.read("eia_zones"))["area_ha"].sum() > 0
