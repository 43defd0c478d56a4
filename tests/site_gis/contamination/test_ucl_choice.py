"""One test per decision-table row: the recommended UCL is the one the row names.

The expectations below are typed from the ProUCL 5.2 decision logic as written in
``site_gis/reference/ucl_recommendations.toml`` (each row cites its Guide section and says
whether it is verified); a group inside each row's conditions must get that row's method.
"""

from __future__ import annotations

import numpy as np
import pytest

from site_gis.contamination.statistics import analyse_group
from site_gis.contamination.ucl_choice import recommend, rules

# id: (censored, distribution, k*, SD of logs, n, % non-detect, expected method)
CASES = {
    "U-N": (False, "normal", 3.0, 0.3, 20, 0, "student_t"),
    "U-G0": (False, "gamma", 0.05, 3.0, 10, 0, "bootstrap_t"),
    "U-G1": (False, "gamma", 0.8, 1.2, 30, 0, "gamma_adjusted"),
    "U-G2": (False, "gamma", 0.8, 1.2, 80, 0, "gamma_approximate"),
    "U-L1": (False, "lognormal", None, 0.7, 30, 0, "h_ucl"),
    "U-L2": (False, "lognormal", None, 1.2, 20, 0, "chebyshev_mvue_95"),
    "U-L3": (False, "lognormal", None, 1.2, 40, 0, "h_ucl"),
    "U-L4": (False, "lognormal", None, 1.7, 15, 0, "chebyshev_mvue_99"),
    "U-L5": (False, "lognormal", None, 1.7, 30, 0, "chebyshev_mvue_97.5"),
    "U-L6": (False, "lognormal", None, 1.7, 60, 0, "h_ucl"),
    "U-L7": (False, "lognormal", None, 2.2, 10, 0, "chebyshev_mvue_99"),
    "U-L8": (False, "lognormal", None, 2.2, 30, 0, "chebyshev_mvue_97.5"),
    "U-L9": (False, "lognormal", None, 2.2, 60, 0, "chebyshev_mvue_95"),
    "U-L10": (False, "lognormal", None, 2.2, 90, 0, "h_ucl"),
    "U-L11": (False, "lognormal", None, 2.7, 20, 0, "chebyshev_mean_sd_99"),
    "U-L12": (False, "lognormal", None, 2.7, 50, 0, "chebyshev_mvue_97.5"),
    "U-L13": (False, "lognormal", None, 2.7, 80, 0, "chebyshev_mvue_95"),
    "U-L14": (False, "lognormal", None, 2.7, 150, 0, "h_ucl"),
    "U-L15": (False, "lognormal", None, 3.2, 10, 0, "bootstrap_t"),
    "U-L16": (False, "lognormal", None, 3.2, 40, 0, "chebyshev_mean_sd_99"),
    "U-NP1": (False, "nonparametric", None, 0.3, 30, 0, "student_t"),
    "U-NP2": (False, "nonparametric", None, 0.8, 30, 0, "modified_t"),
    "U-NP3": (False, "nonparametric", None, 1.2, 30, 0, "chebyshev_mean_sd_95"),
    "U-NP4": (False, "nonparametric", None, 2.0, 12, 0, "chebyshev_mean_sd_99"),
    "U-NP5": (False, "nonparametric", None, 2.0, 30, 0, "chebyshev_mean_sd_97.5"),
    "U-NP6": (False, "nonparametric", None, 2.0, 60, 0, "chebyshev_mean_sd_95"),
    "U-NP7": (False, "nonparametric", None, 3.5, 60, 0, "chebyshev_mean_sd_99"),
    "C-N": (True, "normal", 4.0, 0.2, 25, 30, "km_t"),
    "C-G1": (True, "gamma", 1.5, 0.9, 25, 30, "gamma_km_adjusted"),
    "C-G2": (True, "gamma", 1.5, 0.9, 60, 30, "gamma_km_approximate"),
    "C-S1": (True, "lognormal", None, 0.4, 25, 30, "km_t"),
    "C-S2": (True, "nonparametric", None, 0.8, 25, 30, "km_percentile_bootstrap"),
    "C-S3": (True, "lognormal", None, 1.2, 25, 30, "km_chebyshev_95"),
    "C-S4": (True, "nonparametric", None, 1.8, 15, 30, "km_chebyshev_99"),
    "C-S5": (True, "lognormal", None, 1.8, 30, 30, "km_chebyshev_97.5"),
    "C-S6": (True, "nonparametric", None, 1.8, 80, 30, "km_chebyshev_95"),
}


def test_every_row_has_a_case_and_cites_its_source() -> None:
    assert {r.id for r in rules()} == set(CASES)
    for rule in rules():
        assert rule.section.startswith("TG ch.") and rule.reason and rule.relied_on


@pytest.mark.parametrize("row_id", sorted(CASES))
def test_row_recommends_its_method(row_id: str) -> None:
    censored, distribution, k_star, sd_log, n, nd, expected = CASES[row_id]
    rule = recommend(
        censored=censored,
        distribution=distribution,
        k_star=k_star,
        sd_log=sd_log,
        n=n,
        percent_nd=nd,
    )
    assert rule is not None and rule.id == row_id and rule.recommend == expected


def test_end_to_end_gamma_group_gets_the_adjusted_gamma_ucl() -> None:
    x = np.random.default_rng(21).gamma(2.0, 5.0, 30)  # SYNTHETIC
    result = analyse_group(x, np.ones(30, bool))
    row = result.row
    assert row["distribution"] == "gamma" and row["recommendation_rule"] == "U-G1"
    assert row["method"] == "95% Adjusted Gamma UCL"
    family = {u.method: u.ucl for u in result.families}
    assert row["ucl95"] == family["gamma_adjusted"]


def test_end_to_end_censored_normal_detects_get_km_t() -> None:
    rng = np.random.default_rng(22)
    x = rng.normal(100, 10, 30)  # SYNTHETIC
    detected = x > 90
    values = np.where(detected, x, 90.0)
    row = analyse_group(values, detected).row
    assert row["gof_basis"].startswith("detects only")
    assert row["distribution"] == "normal" and row["method"] == "95% KM (t) UCL"
    # ProUCL's other option, GOF on ROS-imputed data, is reported alongside
    assert "normal ROS" in row["gof_ros"] and row["distribution_ros"]


def test_h_ucl_recommendation_carries_proucls_warning() -> None:
    x = np.random.default_rng(5).lognormal(2.0, 0.6, 20)  # SYNTHETIC
    row = analyse_group(x, np.ones(20, bool)).row
    if row["method_id"] == "h_ucl":
        assert "historical reasons" in row["warnings"]
    assert row["recommendation_verified"] is False  # no row is verified yet: said in the row
    assert "not yet verified" in row["note"]


def test_too_few_results_give_no_ucl_and_say_why() -> None:
    result = analyse_group(np.array([1.0, 2.0, 3.0, 5.0]), np.ones(4, bool))
    assert result.row["ucl95"] is None and result.families == []
    assert "needs n ≥ 5" in result.row["note"]
    assert "ProUCL advises at least 8-10" in result.row["warnings"]
    few_detects = analyse_group(
        np.array([1.0, 1.0, 1.0, 1.0, 2.0, 3.0]), np.array([0, 0, 0, 0, 1, 1], bool)
    )
    assert few_detects.row["ucl95"] is None and "≥ 3 detects" in few_detects.row["note"]
    assert "ProUCL advises at least 4-6 detects" in few_detects.row["warnings"]
