"""UCL families: hand-worked from the Technical Guide's formulas, and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from site_gis.contamination.kaplan_meier import kaplan_meier
from site_gis.contamination.ucl import (
    adjusted_beta,
    bootstrap_ucls,
    censored_ucls,
    land_h_ucl,
    mvue_mean_se,
    resample_counts,
    ros_impute,
    ros_plotting_positions,
    uncensored_ucls,
)

SMALL = np.array([1.2, 3.4, 0.8, 5.6, 2.2, 4.1, 1.9, 0.5, 2.8, 3.3])  # SYNTHETIC, n = 10


def _by_id(x: np.ndarray, seed: int = 1) -> dict[str, float | None]:
    return {u.method: u.ucl for u in uncensored_ucls(x, rng=np.random.default_rng(seed))}


def test_t_modified_t_clt_chebyshev_by_hand() -> None:
    got = _by_id(SMALL)
    n, mean, s = 10, SMALL.mean(), SMALL.std(ddof=1)
    t = 1.833113  # t(0.95, 9), printed tables
    z = 1.644854
    mu3 = n * np.sum((SMALL - mean) ** 3) / ((n - 1) * (n - 2))
    assert got["student_t"] == pytest.approx(mean + t * s / math.sqrt(n), rel=1e-6)
    assert got["modified_t"] == pytest.approx(
        mean + mu3 / (6 * s**2 * n) + t * s / math.sqrt(n), rel=1e-6
    )
    assert got["clt"] == pytest.approx(mean + z * s / math.sqrt(n), rel=1e-6)
    skew = mu3 / s**3
    assert got["adjusted_clt"] == pytest.approx(
        mean + (z + skew / (6 * math.sqrt(n)) * (1 + 2 * z**2)) * s / math.sqrt(n), rel=1e-6
    )
    assert got["chebyshev_mean_sd_97.5"] == pytest.approx(mean + math.sqrt(39) * s / math.sqrt(n))


def test_gamma_ucls_by_hand_from_the_guide_formulas() -> None:
    got = _by_id(SMALL)
    n = 10
    k_hat = stats.gamma.fit(SMALL, floc=0)[0]  # MLE by scipy's optimiser
    k_star = (n - 3) * k_hat / n + 2 / (3 * n)
    nu = 2 * n * k_star
    mean = SMALL.mean()
    assert got["gamma_approximate"] == pytest.approx(nu * mean / stats.chi2.ppf(0.05, nu), rel=1e-5)
    # β at n = 10 is a printed table value (Grice & Bain 1980): 0.0267
    assert adjusted_beta(10) == 0.0267
    assert got["gamma_adjusted"] == pytest.approx(nu * mean / stats.chi2.ppf(0.0267, nu), rel=1e-5)


def test_adjusted_beta_table_and_limits() -> None:
    assert [adjusted_beta(n) for n in (5, 20, 40)] == [0.0086, 0.0380, 0.0440]
    assert adjusted_beta(15) == pytest.approx((0.0267 + 0.0380) / 2)
    assert 0.0440 < adjusted_beta(100) < 0.05


def test_percentile_and_bca_match_scipy_bootstrap() -> None:
    x = np.random.default_rng(4).lognormal(1, 0.8, 30)
    ours = {
        u.method: u.ucl for u in bootstrap_ucls(x, resamples=20_000, rng=np.random.default_rng(5))
    }
    for method, scipy_method in (("bootstrap_percentile", "percentile"), ("bootstrap_bca", "BCa")):
        # a one-sided 95 % limit is the upper end of a two-sided 90 % interval
        theirs = stats.bootstrap(
            (x,),
            np.mean,
            confidence_level=0.90,
            method=scipy_method,
            n_resamples=20_000,
            rng=np.random.default_rng(6),
        ).confidence_interval.high
        assert ours[method] == pytest.approx(theirs, rel=0.01)


def test_bootstrap_t_against_a_plain_loop() -> None:
    x = np.random.default_rng(7).gamma(1.5, 2.0, 15)
    ours = {u.method: u.ucl for u in bootstrap_ucls(x, resamples=500, rng=np.random.default_rng(8))}
    counts = resample_counts(15, 500, np.random.default_rng(8))
    ts = []
    for row in counts:
        sample = np.repeat(x, row)
        ts.append((sample.mean() - x.mean()) / (sample.std(ddof=1) / math.sqrt(15)))
    expected = x.mean() - np.quantile(ts, 0.05) * x.std(ddof=1) / math.sqrt(15)
    assert ours["bootstrap_t"] == pytest.approx(expected, rel=1e-10)


def test_resampling_is_seeded() -> None:
    a = _by_id(SMALL, seed=3)
    b = _by_id(SMALL, seed=3)
    assert a["bootstrap_bca"] == b["bootstrap_bca"] and a["bootstrap_hall"] == b["bootstrap_hall"]


def test_mvue_is_unbiased_and_h_ucl_covers() -> None:
    # SYNTHETIC lognormal samples, μ = 0, σ = 1: true mean e^0.5
    rng = np.random.default_rng(10)
    samples = rng.lognormal(0, 1, (300, 12))
    logs = np.log(samples)
    mvues = [mvue_mean_se(y.mean(), y.var(ddof=1), 12)[0] for y in logs]
    true_mean = math.exp(0.5)
    assert np.mean(mvues) == pytest.approx(true_mean, rel=0.05)  # MC SE ≈ 2.5 %
    covered = [land_h_ucl(y.mean(), y.std(ddof=1), 12) >= true_mean for y in logs]
    assert 0.92 <= np.mean(covered) <= 0.98  # nominal 95 %, MC SE ≈ 1.3 %


def test_mvue_tends_to_the_lognormal_mean() -> None:
    mean, se = mvue_mean_se(1.0, 0.64, 100_000)
    assert mean == pytest.approx(math.exp(1.0 + 0.32), rel=1e-4) and se > 0


def test_ros_plotting_positions_one_limit_by_hand() -> None:
    # 8 detects ≥ 1.5 and 2 non-detects <1.5: pe(1.5) = 8/10; detects at 0.2 + 0.8·r/9,
    # non-detects at 0.2·r/3
    x = np.array([2, 3, 4, 5, 6, 7, 8, 9, 1.5, 1.5])
    d = np.array([True] * 8 + [False] * 2)
    positions, _ = ros_plotting_positions(x, d)
    assert positions[:8] == pytest.approx(0.2 + 0.8 * np.arange(1, 9) / 9)
    assert positions[8:] == pytest.approx([0.2 / 3, 0.4 / 3])
    filled = ros_impute(x, d, model="lognormal")
    q = stats.norm.ppf(positions)
    slope, intercept = np.polyfit(q[:8], np.log(x[:8]), 1)
    assert filled[8:] == pytest.approx(np.minimum(np.exp(intercept + slope * q[8:]), 1.5))
    assert (filled[:8] == x[:8]).all()


def test_ros_two_limits_by_hand() -> None:
    # <1 (twice), 1.5, <3, 4, 6: limits 1 and 3.
    # At 3: A = 2 detects ≥ 3 (4, 6), B = 4 values known below 3 → pe(3) = 2/6 = 1/3.
    # At 1: A = 1 detect in [1, 3) (1.5), B = 2 → pe(1) = 1/3 + 1/3·(2/3) = 5/9.
    x = np.array([1.0, 1.0, 1.5, 3.0, 4.0, 6.0])
    d = np.array([False, False, True, False, True, True])
    positions, pe = ros_plotting_positions(x, d)
    assert pe[1:3] == pytest.approx([5 / 9, 1 / 3])
    assert positions[2] == pytest.approx(4 / 9 + (5 / 9 - 1 / 3) / 2)  # 1.5
    assert positions[4:] == pytest.approx(2 / 3 + (1 / 3) * np.array([1, 2]) / 3)  # 4, 6
    assert positions[3] == pytest.approx((2 / 3) / 2)  # <3
    assert positions[:2] == pytest.approx((4 / 9) * np.array([1, 2]) / 3)  # <1, <1


def test_censored_families_by_hand() -> None:
    x = np.array([0.5, 0.5, 1.2, 2.0, 2.5, 3.1, 4.0, 0.5, 6.2, 8.0, 1.0, 12.0])  # SYNTHETIC
    d = np.array([0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1], bool)
    got = {u.method: u for u in censored_ucls(x, d, rng=np.random.default_rng(2))}
    km = kaplan_meier(x, d)
    n = 12
    assert got["km_t"].ucl == pytest.approx(km.mean + stats.t.ppf(0.95, n - 1) * km.se)
    assert got["km_chebyshev_99"].ucl == pytest.approx(km.mean + math.sqrt(99) * km.se)
    k_hat = km.mean**2 / km.sd**2
    k_star = (n - 3) * k_hat / n + 2 / (3 * n)
    nu = 2 * n * k_star
    beta = 0.0267 + (12 - 10) * (0.0380 - 0.0267) / 10
    assert got["gamma_km_adjusted"].ucl == pytest.approx(
        nu * km.mean / stats.chi2.ppf(beta, nu), rel=1e-6
    )
    assert got["gamma_km_approximate"].ucl == pytest.approx(
        nu * km.mean / stats.chi2.ppf(0.05, nu), rel=1e-6
    )
    robust = ros_impute(x, d, model="lognormal")
    assert got["ros_robust_t"].ucl == pytest.approx(
        robust.mean() + stats.t.ppf(0.95, n - 1) * robust.std(ddof=1) / math.sqrt(n)
    )
    assert "unrestricted" in got["km_t"].note
    assert "historical reasons" in got["ros_lognormal_h"].note
    boot = got["km_percentile_bootstrap"].ucl
    assert boot is not None and km.mean < boot < got["km_chebyshev_99"].ucl
