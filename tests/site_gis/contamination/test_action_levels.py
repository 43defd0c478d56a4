"""Tests against an action level: expected p-values from scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from site_gis.contamination.action_levels import (
    action_level_tests,
    proportion_test,
    sign_test,
    signed_rank_test,
)

X = np.array([120.0, 340, 95, 410, 260, 180, 530, 75, 300, 220, 610, 150])
AL = 200.0


def test_sign_test_matches_binomtest() -> None:
    above = int((X > AL).sum())  # 7 of 12
    ref = stats.binomtest(above, len(X), 0.5, alternative="greater")
    assert sign_test(X, np.ones(12, bool), AL)["p_value"] == pytest.approx(ref.pvalue)
    ref2 = stats.binomtest(above, len(X), 0.5, alternative="less")
    assert sign_test(X, np.ones(12, bool), AL, form=2)["p_value"] == pytest.approx(ref2.pvalue)


def test_sign_test_non_detects() -> None:
    # <50 counts below the AL; <250 (limit above the AL) is dropped
    x = np.array([*X, 50.0, 250.0])
    d = np.array([True] * 12 + [False, False])
    result = sign_test(x, d, AL)
    ref = stats.binomtest(7, 13, 0.5, alternative="greater")
    assert result["n_used"] == 13 and result["p_value"] == pytest.approx(ref.pvalue)
    assert "1 non-detect" in result["note"]


def test_signed_rank_matches_scipy() -> None:
    ref = stats.wilcoxon(X - AL, alternative="greater", method="approx", correction=False)
    assert signed_rank_test(X, np.ones(12, bool), AL)["p_value"] == pytest.approx(ref.pvalue)
    assert signed_rank_test(X, np.r_[False, np.ones(11, bool)], AL)["p_value"] is None


def test_proportion_matches_binomtest() -> None:
    ref = stats.binomtest(7, 12, 0.2, alternative="greater")
    result = proportion_test(X, np.ones(12, bool), AL, proportion=0.2)
    assert result["p_value"] == pytest.approx(ref.pvalue)


def test_all_three_state_their_form_and_conclusion() -> None:
    rows = action_level_tests(X, np.ones(12, bool), 100.0)
    assert [r["test"] for r in rows] == [
        "sign test",
        "Wilcoxon signed-rank",
        "proportion test (exact binomial)",
    ]
    assert all(r["hypothesis"].startswith("Form 1: H0") for r in rows)
    assert rows[0]["conclusion"] == "exceeds the action level"
