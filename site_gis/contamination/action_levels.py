"""One-sample tests of results against an action level (AL), in the AL's unit.

Hypothesis forms as in the ProUCL 5.2 Technical Guide (EPA/600/R-07/041, 2022,
chapter 6), stated in every output:

* **Form 1**: H0 the median (sign, signed-rank) or the proportion above the AL is at
  most the limit; H1 it is above.  Small p: the area exceeds.
* **Form 2**: H0 at least the limit; H1 below it.  Small p: the area complies.

Tests:

* **sign test** of the median: n+ results above the AL against Binomial(n', 1/2),
  n' = results not equal to the AL; a non-detect whose detection limit is at or below
  the AL counts as below; one whose limit is above the AL is indeterminate and dropped
  (the output says how many);
* **Wilcoxon signed-rank** test of the median (symmetric data): ranks of |x - AL|, zero
  differences dropped, normal approximation with the tie correction, no continuity
  correction; only without non-detects (with them the output says to use the sign test);
* **proportion test**: k results above the AL among n (non-detects below it as in the
  sign test) against Binomial(n, P0), exact; P0 the allowed exceedance proportion.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as _stats

FORMS = {
    1: "Form 1: H0 {what} ≤ {limit}, H1 {what} > {limit}",
    2: "Form 2: H0 {what} ≥ {limit}, H1 {what} < {limit}",
}


def _binomial_p(k: int, n: int, p: float, form: int) -> float:
    """Exact one-sided binomial p-value: P(K ≥ k) for Form 1, P(K ≤ k) for Form 2."""
    return float(_stats.binom.sf(k - 1, n, p) if form == 1 else _stats.binom.cdf(k, n, p))


def _split(values: np.ndarray, detected: np.ndarray, level: float) -> tuple[int, int, int]:
    """(above, below, indeterminate) counts against the level; ties with it excluded."""
    x, d = np.asarray(values, float), np.asarray(detected, bool)
    above = int((d & (x > level)).sum())
    below = int((d & (x < level)).sum() + (~d & (x <= level)).sum())
    return above, below, int((~d & (x > level)).sum())


def sign_test(
    values: np.ndarray, detected: np.ndarray, action_level: float, *, form: int = 1
) -> dict[str, Any]:
    """Sign test of the median against ``action_level``."""
    above, below, unknown = _split(values, detected, action_level)
    n = above + below
    note = f"{unknown} non-detect(s) with a limit above the AL dropped" if unknown else ""
    return {
        "test": "sign test",
        "hypothesis": FORMS[form].format(what="median", limit=f"AL ({action_level:g})"),
        "statistic": above,
        "n_used": n,
        "p_value": _binomial_p(above, n, 0.5, form) if n else None,
        "note": note,
    }


def signed_rank_test(
    values: np.ndarray, detected: np.ndarray, action_level: float, *, form: int = 1
) -> dict[str, Any]:
    """Wilcoxon signed-rank test of the median against ``action_level`` (no non-detects)."""
    hypothesis = FORMS[form].format(what="median", limit=f"AL ({action_level:g})")
    if not np.asarray(detected, bool).all():
        return {
            "test": "Wilcoxon signed-rank",
            "hypothesis": hypothesis,
            "statistic": None,
            "n_used": 0,
            "p_value": None,
            "note": "not computed: the data have non-detects (use the sign test)",
        }
    diff = np.asarray(values, float) - action_level
    diff = diff[diff != 0]
    n = len(diff)
    ranks = _stats.rankdata(np.abs(diff))
    w_plus = float(ranks[diff > 0].sum())
    _, counts = np.unique(np.abs(diff), return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24 - float((counts**3 - counts).sum()) / 48
    z = (w_plus - n * (n + 1) / 4) / np.sqrt(variance) if variance > 0 else 0.0
    p = float(_stats.norm.sf(z) if form == 1 else _stats.norm.cdf(z)) if n else None
    return {
        "test": "Wilcoxon signed-rank",
        "hypothesis": hypothesis,
        "statistic": w_plus,
        "z": float(z),
        "n_used": n,
        "p_value": p,
        "note": "normal approximation, ties corrected, zero differences dropped",
    }


def proportion_test(
    values: np.ndarray,
    detected: np.ndarray,
    action_level: float,
    *,
    proportion: float = 0.05,
    form: int = 1,
) -> dict[str, Any]:
    """Exact test of the proportion of results above ``action_level`` against P0."""
    if not 0 < proportion < 1:
        raise ValueError("proportion must be between 0 and 1")
    above, below, unknown = _split(values, detected, action_level)
    ties = len(values) - above - below - unknown
    n = above + below + ties  # a value equal to the AL does not exceed it
    return {
        "test": "proportion test (exact binomial)",
        "hypothesis": FORMS[form].format(what="proportion above AL", limit=f"P0 ({proportion:g})"),
        "statistic": above,
        "n_used": n,
        "p_value": _binomial_p(above, n, proportion, form) if n else None,
        "note": f"{unknown} non-detect(s) with a limit above the AL dropped" if unknown else "",
    }


def action_level_tests(
    values: np.ndarray,
    detected: np.ndarray,
    action_level: float,
    *,
    form: int = 1,
    proportion: float = 0.05,
    alpha: float = 0.05,
) -> list[dict[str, Any]]:
    """The three tests against ``action_level``, each with its conclusion at ``alpha``."""
    if form not in FORMS:
        raise ValueError("form must be 1 or 2")
    if action_level < 0:
        raise ValueError("the action level must be ≥ 0")
    rows = [
        sign_test(values, detected, action_level, form=form),
        signed_rank_test(values, detected, action_level, form=form),
        proportion_test(values, detected, action_level, proportion=proportion, form=form),
    ]
    for row in rows:
        p = row["p_value"]
        row["alpha"] = alpha
        row["reject_h0"] = None if p is None else bool(p < alpha)
        if p is None:
            row["conclusion"] = "no test"
        elif form == 1:
            row["conclusion"] = "exceeds the action level" if p < alpha else "not shown to exceed"
        else:
            row["conclusion"] = "below the action level" if p < alpha else "not shown below"
    return rows
