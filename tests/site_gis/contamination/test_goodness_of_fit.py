"""Goodness of fit against scipy and statsmodels, and the gamma critical values checked."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.diagnostic import lilliefors as statsmodels_lilliefors

from site_gis.contamination.goodness_of_fit import (
    gamma_critical_values,
    gamma_mle,
    goodness_of_fit,
    k_star,
    lilliefors,
    simulate_gamma_critical_values,
)


def _table() -> pd.DataFrame:
    path = resources.files("site_gis.reference").joinpath("gamma_gof_critical_values.csv")
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, comment="#")


@pytest.mark.parametrize("seed", range(8))
def test_lilliefors_matches_statsmodels(seed: int) -> None:
    x = np.random.default_rng(seed).lognormal(0, 0.4 + 0.15 * seed, 30)
    d, p = lilliefors(x)
    d_sm, p_sm = statsmodels_lilliefors(x, pvalmethod="approx")
    assert d == pytest.approx(d_sm, rel=1e-12)
    # below 0.1 both use Dallal–Wilkinson; above, Stephens' polynomial vs statsmodels' table
    assert p == (pytest.approx(p_sm, rel=1e-6) if p_sm < 0.1 else pytest.approx(p_sm, abs=0.03))
    assert (p >= 0.05) == (statsmodels_lilliefors(x, pvalmethod="table")[1] >= 0.05)


def test_gamma_mle_matches_scipy_fit() -> None:
    x = np.random.default_rng(2).gamma(0.7, 4.0, 40)
    k, theta = gamma_mle(x)
    shape, _, scale = stats.gamma.fit(x, floc=0)
    assert k[0] == pytest.approx(shape, rel=1e-6) and theta[0] == pytest.approx(scale, rel=1e-6)
    assert k_star(2.0, 10) == pytest.approx(7 * 2.0 / 10 + 2 / 30)  # (n−3)k/n + 2/(3n)


def test_gamma_statistics_match_scipy_goodness_of_fit() -> None:
    x = np.random.default_rng(5).gamma(2.0, 3.0, 25)
    fit = goodness_of_fit(x).statistics
    for name, statistic in (("gamma_ad", "ad"), ("gamma_ks", "ks")):
        theirs = stats.goodness_of_fit(
            stats.gamma,
            x,
            known_params={"loc": 0},
            statistic=statistic,
            n_mc_samples=10,
            rng=np.random.default_rng(1),
        ).statistic
        assert fit[name] == pytest.approx(theirs, rel=1e-8)


def test_gamma_critical_value_against_scipy_monte_carlo() -> None:
    # scipy's own parametric bootstrap of the AD statistic (MLE refit per sample)
    x = np.random.default_rng(8).gamma(2.0, 1.0, 20)
    result = stats.goodness_of_fit(
        stats.gamma,
        x,
        known_params={"loc": 0},
        statistic="ad",
        n_mc_samples=800,
        rng=np.random.default_rng(9),
    )
    theirs = float(np.quantile(result.null_distribution, 0.95))
    ours, _ = gamma_critical_values(float(result.fit_result.params.a), 20)
    assert ours == pytest.approx(theirs, rel=0.08)  # Monte Carlo error of 800 draws ≈ 5 %


def test_gamma_critical_values_approach_the_published_normal_limits() -> None:
    # large k: the gamma is nearly normal, and the tests tend to the normal-case limits with
    # mean and variance estimated: AD 0.752 (Stephens 1974), KS 0.886/√n (Lilliefors 1967)
    ad, ks = gamma_critical_values(50.0, 1000)
    assert ad == pytest.approx(0.752, rel=0.08)
    assert ks == pytest.approx(0.886 / np.sqrt(1000), rel=0.08)


def test_shipped_cell_regenerates_from_its_seed() -> None:
    cell = simulate_gamma_critical_values((1.0,), (10,))
    shipped = _table().set_index(["k", "n"]).loc[(1.0, 10)]
    assert cell["ad_crit"].iloc[0] == pytest.approx(shipped["ad_crit"], abs=1e-5)
    assert cell["ks_crit"].iloc[0] == pytest.approx(shipped["ks_crit"], abs=1e-5)


def test_interpolation_hits_grid_points() -> None:
    shipped = _table().set_index(["k", "n"]).loc[(2.0, 20)]
    assert gamma_critical_values(2.0, 20) == pytest.approx((shipped["ad_crit"], shipped["ks_crit"]))


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (np.random.default_rng(1).normal(50, 5, 40), "normal"),
        (np.random.default_rng(2).gamma(0.8, 10, 40), "gamma"),
        (np.array([1.0, 1.1, 1.3, 1.2, 1.6, 2.0, 2.6, 3.9, 6.3, 11.0, 25.0, 80.0, 300.0]), None),
    ],
)
def test_accepted_distribution(sample: np.ndarray, expected: str | None) -> None:
    fit = goodness_of_fit(sample)
    sw = stats.shapiro(sample)
    assert fit.statistics["normal_sw_p"] == pytest.approx(sw.pvalue)
    if expected:
        assert fit.distribution == expected and not fit.approximate
    else:  # a heavy tail that neither normal nor gamma fit: decided by the tests, stated
        assert fit.distribution in {"lognormal", "nonparametric"}
    assert fit.distribution in fit.text


def test_too_few_values_skip_gamma() -> None:
    fit = goodness_of_fit(np.array([1.0, 2.0, 4.0]))
    assert fit.statistics["gamma_ad"] is None and fit.statistics["normal_lilliefors_p"] is None


def test_gamma_critical_values_match_a_published_proucl_output() -> None:
    # A ProUCL output printed in a risk assessment (Westinghouse Electric Company, Baseline
    # Human Health Risk Assessment EO-05-003, 2007, appendix "PRO-UCL OUTPUT",
    # 1,1-Dichloroethene): n = 92, k hat 0.367861, k star 0.363112,
    # A-D 5% critical value 0.851095, K-S 5% critical value 0.100345.
    ad, ks = gamma_critical_values(0.367861, 92)
    assert ad == pytest.approx(0.851095, rel=0.03)
    assert ks == pytest.approx(0.100345, rel=0.03)
    assert k_star(0.367861, 92) == pytest.approx(0.363112, abs=5e-6)
