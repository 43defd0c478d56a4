"""Kaplan–Meier against the published ShePyrene figures, scipy's ECDF and a hand example."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from site_gis.contamination.kaplan_meier import kaplan_meier, kaplan_meier_many
from site_gis.contamination.statistics import kaplan_meier as reexported

# ShePyrene (Helsel 2012; NADA / EnvStats), transcribed from STATISTICS_REFERENCES.md
SHE_VALUES_TEXT = """
    28, 31, 32, 34, 35, 35, 40, 47, 48, 58, 59, 63, 64, 64, 67, 67, 67, 72, 73, 84, 86, 86,
    87, 94, 98, 100, 103, 103, 105, 107, 110, 111, 117, 119, 119, 122, 122, 132, 133, 133, 138,
    163, 163, 163, 163, 174, 187, 190, 222, 238, 273, 289, 306, 333, 459, 2982"""
SHE_CENSORED_TEXT = """
    1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"""
SHE_VALUES = np.array(SHE_VALUES_TEXT.split(","), dtype=float)
SHE_CENSORED = np.array(SHE_CENSORED_TEXT.split(","), dtype=int).astype(bool)


def test_shepyrene_published_figures() -> None:
    assert len(SHE_VALUES) == 56 and SHE_CENSORED.sum() == 11
    km = kaplan_meier(SHE_VALUES, ~SHE_CENSORED)
    assert km.convention == "unrestricted"
    assert round(km.mean, 4) == 164.2036
    assert round(km.sd, 4) == 389.3761
    assert round(km.se, 4) == 52.6439
    upper = km.mean + stats.t.ppf(0.975, km.n - 1) * km.se
    assert round(upper, 5) == 269.70433


def test_shepyrene_restricted_differs_and_says_so() -> None:
    km = kaplan_meier(SHE_VALUES, ~SHE_CENSORED, convention="restricted")
    assert km.convention == "restricted"
    # Efron puts the leftover mass on the lowest limit (28) instead of the lowest detect (31)
    unrestricted = kaplan_meier(SHE_VALUES, ~SHE_CENSORED)
    leftover = unrestricted.probability[0] - km.probability[km.support == 31][0]
    assert km.mean == pytest.approx(unrestricted.mean - leftover * (31 - 28), rel=1e-12)


def test_masses_match_scipy_ecdf_on_flipped_data() -> None:
    rng = np.random.default_rng(11)
    x = np.round(rng.lognormal(1.0, 0.8, 80), 2)
    limits = rng.choice([1.0, 2.0, 3.0], 80)
    detected = x >= limits
    values = np.where(detected, x, limits)
    km = kaplan_meier(values, detected)
    flip = 1000.0
    sample = stats.CensoredData(uncensored=flip - values[detected], right=flip - values[~detected])
    survival = stats.ecdf(sample).sf
    times = survival.quantiles  # flipped detected values, increasing
    prob = survival.probabilities
    mass = np.concatenate([[1.0], prob[:-1]]) - prob
    # unrestricted: what is left below the lowest detect (largest flipped event) sits on it
    mass[np.flatnonzero(mass > 0)[-1]] += prob[-1]
    expected_mean = float(np.sum(mass * (flip - times)))
    assert km.mean == pytest.approx(expected_mean, rel=1e-12)
    assert np.sort(km.support) == pytest.approx(np.sort(flip - times[mass > 0]))


def test_many_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(0, 1, 25)
    detected = rng.random(25) > 0.3
    weights = np.bincount(
        (rng.integers(0, 25, (40, 25)) + 25 * np.arange(40)[:, None]).ravel(), minlength=1000
    ).reshape(40, 25)
    means, ses = kaplan_meier_many(values, detected, weights)
    for b in range(40):
        pick = np.repeat(np.arange(25), weights[b])
        if detected[pick].sum() < 2:
            continue
        one = kaplan_meier(values[pick], detected[pick])
        assert means[b] == pytest.approx(one.mean, rel=1e-10)
        assert ses[b] == pytest.approx(one.se, rel=1e-10)


def test_reexported_for_other_modules() -> None:
    assert reexported is kaplan_meier


@pytest.mark.parametrize(
    ("values", "detected", "convention"),
    [
        ([1.0, 2.0], [False, False], "unrestricted"),
        ([], [], "unrestricted"),
        ([1.0, 2.0], [True, True], "efron"),
    ],
)
def test_bad_input(values: list, detected: list, convention: str) -> None:
    with pytest.raises(ValueError):
        kaplan_meier(np.array(values), np.array(detected, bool), convention=convention)  # type: ignore[arg-type]
