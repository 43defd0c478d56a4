"""Site versus background: two-sample tests per EIA zone × analyte × medium.

The hypothesis forms of the ProUCL 5.2 Technical Guide (EPA/600/R-07/041, 2022,
chapter 6), stated in every output row:

* **Form 1** (default): H0 site ≤ background; H1 site > background.  A small p-value
  says the zone is above background.
* **Form 2** (with a substantial difference S ≥ 0, in the data's unit): H0 site ≥
  background + S; H1 site < background + S.  A small p-value says the zone is not
  above background by more than S.

Which test, by the data (α, the significance level, default 0.05):

* no non-detects in either group: **Student's t** (pooled variance, or Welch–
  Satterthwaite when an F test rejects equal variances at 5 %) on the means, and
  **Wilcoxon–Mann–Whitney** (normal approximation with the tie correction, no
  continuity correction) on the distributions;
* non-detects in either group: **Gehan's** generalised Wilcoxon test (scores
  h = #definitely below - #definitely above, Mantel's permutation variance
  m·n·Σh² / (N (N - 1))) and the **Tarone–Ware** test (a weighted log-rank test on the
  data read from the top, weights √(number at risk), hypergeometric variance).  With
  left-censored data a non-detect "< DL" is definitely below a detect ≥ DL; two
  non-detects, or a non-detect and a lower detect, are indeterminate.

Each group needs :data:`MIN_PER_GROUP` results; the site group is the zone's
non-background locations, the background group the background locations (same
analyte, medium and unit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _stats

from site_gis.errors import AnalysisTooCostlyError

MIN_PER_GROUP = 4
MAX_GROUP = 200_000
"""A zone or background group of more results is refused (the tests sort each group)."""
FORMS = {
    1: "Form 1: H0 site ≤ background, H1 site > background",
    2: "Form 2: H0 site ≥ background + S, H1 site < background + S",
}


def _p_value(z: float, form: int) -> float:
    return float(_stats.norm.sf(z) if form == 1 else _stats.norm.cdf(z))


def student_t(site: np.ndarray, background: np.ndarray, *, form: int = 1) -> dict[str, Any]:
    """Two-sample t test of the means (no non-detects), pooled or Welch by an F test."""
    m, n = len(site), len(background)
    v1, v2 = site.var(ddof=1), background.var(ddof=1)
    f_p = (
        2 * min(_stats.f.cdf(v1 / v2, m - 1, n - 1), _stats.f.sf(v1 / v2, m - 1, n - 1))
        if v1 > 0 and v2 > 0
        else 1.0
    )
    diff = site.mean() - background.mean()
    if f_p < 0.05:
        se = np.sqrt(v1 / m + v2 / n)
        df = (v1 / m + v2 / n) ** 2 / ((v1 / m) ** 2 / (m - 1) + (v2 / n) ** 2 / (n - 1))
        name = f"Student t (Welch-Satterthwaite, variances differ: F test p = {f_p:.3g})"
    else:
        pooled = ((m - 1) * v1 + (n - 1) * v2) / (m + n - 2)
        se, df = np.sqrt(pooled * (1 / m + 1 / n)), m + n - 2
        name = "Student t (pooled variance)"
    t = float(diff / se) if se > 0 else 0.0
    p = float(_stats.t.sf(t, df) if form == 1 else _stats.t.cdf(t, df))
    return {"test": name, "statistic": t, "df": float(df), "p_value": p}


def wilcoxon_mann_whitney(
    site: np.ndarray, background: np.ndarray, *, form: int = 1
) -> dict[str, Any]:
    """WMW rank-sum test (no non-detects): U of the site, normal approximation with ties."""
    m, n = len(site), len(background)
    combined = np.concatenate([site, background])
    ranks = _stats.rankdata(combined)
    u = float(ranks[:m].sum() - m * (m + 1) / 2)
    big_n = m + n
    _, counts = np.unique(combined, return_counts=True)
    tie = float((counts**3 - counts).sum())
    variance = m * n / 12 * ((big_n + 1) - tie / (big_n * (big_n - 1)))
    z = (u - m * n / 2) / np.sqrt(variance) if variance > 0 else 0.0
    return {
        "test": "Wilcoxon-Mann-Whitney (normal approximation, ties corrected)",
        "statistic": u,
        "z": float(z),
        "p_value": _p_value(float(z), form),
    }


def _gehan_scores(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """h = #definitely below - #definitely above, for each observation of the combined
    sample (left-censored: ``x`` the value or detection limit, ``d`` detected).

    A detect v is definitely above every detect < v and every non-detect with a limit
    ≤ v; a non-detect "< c" is definitely above nothing and below every detect ≥ c.
    Sorting makes this O(N log N).
    """
    detects = np.sort(x[d])
    limits = np.sort(x[~d])
    below = np.where(
        d,
        np.searchsorted(detects, x, side="left") + np.searchsorted(limits, x, side="right"),
        0,
    )
    above = len(detects) - np.where(
        d,
        np.searchsorted(detects, x, side="right"),
        np.searchsorted(detects, x, side="left"),
    )
    return (below - above).astype(float)


def gehan(
    site: np.ndarray,
    site_detected: np.ndarray,
    background: np.ndarray,
    background_detected: np.ndarray,
    *,
    form: int = 1,
) -> dict[str, Any]:
    """Gehan's test for left-censored data with Mantel's permutation variance."""
    x = np.concatenate([site, background]).astype(float)
    d = np.concatenate([site_detected, background_detected]).astype(bool)
    m, big_n = len(site), len(x)
    h = _gehan_scores(x, d)
    w = float(h[:m].sum())
    variance = m * (big_n - m) * float((h**2).sum()) / (big_n * (big_n - 1))
    z = w / np.sqrt(variance) if variance > 0 else 0.0
    return {
        "test": "Gehan (Mantel permutation variance)",
        "statistic": w,
        "z": float(z),
        "p_value": _p_value(float(z), form),
    }


def tarone_ware(
    site: np.ndarray,
    site_detected: np.ndarray,
    background: np.ndarray,
    background_detected: np.ndarray,
    *,
    form: int = 1,
) -> dict[str, Any]:
    """Tarone–Ware test for left-censored data (weights √n at risk).

    Read from the top, each distinct detect t is an event time; at risk at t is every
    observation whose value or limit is ≤ t.
    """
    x_all = np.sort(np.concatenate([site, background]).astype(float))
    x_site = np.sort(np.asarray(site, dtype=float))
    events_all = np.sort(
        np.concatenate([site[site_detected], background[background_detected]]).astype(float)
    )
    events_site = np.sort(np.asarray(site, dtype=float)[site_detected])
    times = np.unique(events_all)
    n_j = np.searchsorted(x_all, times, side="right").astype(float)
    n_1j = np.searchsorted(x_site, times, side="right").astype(float)
    d_j = (
        np.searchsorted(events_all, times, side="right")
        - np.searchsorted(events_all, times, side="left")
    ).astype(float)
    d_1j = (
        np.searchsorted(events_site, times, side="right")
        - np.searchsorted(events_site, times, side="left")
    ).astype(float)
    weight = np.sqrt(n_j)
    numerator = float(np.sum(weight * (d_1j - d_j * n_1j / n_j)))
    many = n_j > 1
    share = n_1j[many] / n_j[many]
    variance = float(
        np.sum(
            weight[many] ** 2
            * d_j[many]
            * share
            * (1 - share)
            * (n_j[many] - d_j[many])
            / (n_j[many] - 1)
        )
    )
    z = numerator / np.sqrt(variance) if variance > 0 else 0.0
    return {
        "test": "Tarone-Ware (weights √n at risk)",
        "statistic": numerator,
        "z": float(z),
        "p_value": _p_value(float(z), form),
    }


_CHECKED: dict[str, dict[str, Any]] = {
    "Student t": {"verified": True, "note": "textbook formulas (checked against scipy)"},
    "Wilcoxon-Mann-Whitney": {
        "verified": False,
        "note": "normal approximation without continuity correction (checked against "
        "scipy); the guide's small-sample critical values to verify",
    },
    "Gehan": {
        "verified": False,
        "note": "Mantel's permutation variance, normal approximation; whether the guide "
        "uses the same variance to verify",
    },
    "Tarone-Ware": {
        "verified": False,
        "note": "hypergeometric variance, normal approximation; the guide's form to verify",
    },
}


def compare_groups(
    site: pd.DataFrame,
    background: pd.DataFrame,
    *,
    form: int = 1,
    substantial_difference: float = 0.0,
    alpha: float = 0.05,
) -> list[dict[str, Any]]:
    """The tests of one site group against its background group.

    Both frames have ``x`` (value, or detection limit for non-detects) and
    ``detected``.  Returns one dict per test: ``test``, ``hypothesis``, ``statistic``,
    ``p_value``, ``conclusion``.
    """
    if form not in FORMS:
        raise ValueError("form must be 1 or 2")
    if form == 1 and substantial_difference:
        raise ValueError("a substantial difference S applies to Form 2 only")
    xs, ds = site["x"].to_numpy(float), site["detected"].to_numpy(bool)
    xb, db = background["x"].to_numpy(float), background["detected"].to_numpy(bool)
    xb = xb + substantial_difference  # Form 2 compares the site with background + S
    hypothesis = (
        FORMS[form].replace("S", f"S (S = {substantial_difference:g})") if form == 2 else FORMS[1]
    )
    if ds.all() and db.all():
        tests = [student_t(xs, xb, form=form), wilcoxon_mann_whitney(xs, xb, form=form)]
    else:
        tests = [gehan(xs, ds, xb, db, form=form), tarone_ware(xs, ds, xb, db, form=form)]
    for test in tests:
        test.update(_CHECKED[test["test"].split(" (")[0]])
        rejected = test["p_value"] < alpha
        if form == 1:
            conclusion = "above background" if rejected else "not shown above background"
        else:
            conclusion = (
                "not above background + S" if rejected else "not shown below background + S"
            )
        test.update(hypothesis=hypothesis, alpha=alpha, reject_h0=rejected, conclusion=conclusion)
    return tests


def compare_to_background(
    results: pd.DataFrame,
    *,
    form: int = 1,
    substantial_difference: float = 0.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Site versus background per zone × analyte × medium (and unit).

    Parameters
    ----------
    results
        Results with ``zone_id``, ``background`` (bool), ``analyte``, ``medium``,
        ``unit``, ``value``, ``detected``, ``detection_limit``.
    form, substantial_difference, alpha
        Hypothesis form (1 or 2), S for Form 2 (the data's unit), significance level.

    Returns
    -------
    DataFrame
        One row per zone × analyte × medium × test: ``zone_id``, ``analyte``,
        ``medium``, ``unit``, ``n_site``, ``detects_site``, ``n_background``,
        ``detects_background``, ``test``, ``hypothesis``, ``statistic``, ``p_value``,
        ``alpha``, ``reject_h0``, ``conclusion``, ``verified`` (false where the
        form of the test is not yet checked against the technical guide), ``note``.
    """
    frame = results[results["analyte"] != "pH"].assign(
        x=results["value"].where(results["detected"].astype(bool), results["detection_limit"]),
        detected=results["detected"].astype(bool),
        background=results["background"].fillna(False).astype(bool),
        zone_id=results["zone_id"].fillna("outside"),
    )
    reference = {k: g for k, g in frame[frame["background"]].groupby(["analyte", "medium", "unit"])}
    rows: list[dict[str, Any]] = []
    site = frame[~frame["background"]]
    for (zone, analyte, medium, unit), group in site.groupby(
        ["zone_id", "analyte", "medium", "unit"], sort=True
    ):
        bg = reference.get((analyte, medium, unit))
        head = {
            "zone_id": zone,
            "analyte": analyte,
            "medium": medium,
            "unit": unit,
            "n_site": len(group),
            "detects_site": int(group["detected"].sum()),
            "n_background": 0 if bg is None else len(bg),
            "detects_background": 0 if bg is None else int(bg["detected"].sum()),
        }
        if bg is None:
            rows.append({**head, "note": "no test: no background results of this medium"})
            continue
        if len(bg) > MAX_GROUP or len(group) > MAX_GROUP:
            raise AnalysisTooCostlyError(
                f"{zone} × {analyte} × {medium} has {len(group):,} site and {len(bg):,} "
                f"background results; at most {MAX_GROUP:,} per group are compared "
                "(select one analyte or medium)",
                limit="max_group",
            )
        if len(bg) < MIN_PER_GROUP or len(group) < MIN_PER_GROUP:
            rows.append(
                {
                    **head,
                    "note": f"no test: each group needs ≥ {MIN_PER_GROUP} results",
                }
            )
            continue
        if not group["detected"].any() and not bg["detected"].any():
            rows.append({**head, "note": "no test: all results are non-detects"})
            continue
        for test in compare_groups(
            group, bg, form=form, substantial_difference=substantial_difference, alpha=alpha
        ):
            rows.append({**head, **test})
    columns = [
        "zone_id", "analyte", "medium", "unit", "n_site", "detects_site", "n_background",
        "detects_background", "test", "hypothesis", "statistic", "z", "df", "p_value",
        "alpha", "reject_h0", "conclusion", "verified", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def zone_verdicts(table: pd.DataFrame) -> pd.DataFrame:
    """One verdict per zone × analyte × medium from :func:`compare_to_background` (Form 1).

    The verdict follows the rank test -- Wilcoxon–Mann–Whitney, or Gehan with
    non-detects -- which needs no distribution: ``above background`` where it rejects
    H0 (site ≤ background), ``not shown above background`` where it does not, and the
    row's note where no test could be made.  Columns: ``zone_id``, ``analyte``,
    ``medium``, ``above_background`` (bool or missing), ``background_verdict`` (text).
    """
    if table.empty:
        return pd.DataFrame(
            columns=["zone_id", "analyte", "medium", "above_background", "background_verdict"]
        )
    test = table["test"].astype("string")
    rank = table[test.fillna("").str.startswith(("Wilcoxon", "Gehan")) | test.isna()]
    rank = rank.assign(
        test=rank["test"].astype("string"),
        conclusion=rank["conclusion"].astype("string"),
        note=rank["note"].astype("string"),
    )
    verdict = np.where(
        rank["test"].isna(),
        rank["note"].fillna("no test"),
        rank["conclusion"].fillna("")
        + " ("
        + rank["test"].fillna("").str.split(" \\(").str[0]
        + ", p = "
        + rank["p_value"].map(lambda p: f"{p:.3g}" if pd.notna(p) else "-")
        + ")",
    )
    return pd.DataFrame(
        {
            "zone_id": rank["zone_id"],
            "analyte": rank["analyte"],
            "medium": rank["medium"],
            "above_background": rank["reject_h0"].where(rank["test"].notna()),
            "background_verdict": verdict,
        }
    ).reset_index(drop=True)
