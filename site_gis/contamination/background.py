"""Background threshold values (BTVs) from reference locations, as ProUCL 5.2 computes them.

Reference: US EPA, *ProUCL Version 5.2.0 Technical Guide*, EPA/600/R-07/041, 2022,
the chapter on background threshold values (chapter 3 for data without non-detects,
chapter 5 with them).  For each analyte × medium of the background locations
(``background = true`` on ``sample_locations``) four statistics, each at 95 %:

* **UTL95-95**: upper tolerance limit, 95 % coverage with 95 % confidence;
* **UPL95**: upper prediction limit for one future observation;
* **USL95**: upper simultaneous limit (all background observations below it with 95 %
  confidence, as a set);
* **P95**: the 95th percentile.

Each in several variants (x̄, s: mean and SD; y = transformed values):

=================  ==========================================================  ========
variant            formula                                                     verified
=================  ==========================================================  ========
normal             x̄ + K s;  x̄ + t(0.95, n-1) s √(1 + 1/n);  x̄ + d s;  x̄ + z s    yes
                   (K exact one-sided tolerance factor, noncentral t; d see
                   below; z = z(0.95))
lognormal          the normal formulas on y = ln x, back-transformed exp(·)    yes
gamma WH / HW      the normal formulas on y = x^(1/3) (Wilson-Hilferty) or     no
                   x^(1/4) (Hawkins-Wixley), back-transformed y³ / y⁴; the
                   gamma P95 from the fitted gamma (bias-corrected shape k*)
nonparametric      UTL: the smallest order statistic x(r) with                 yes
                   P(Binomial(n, 0.95) ≤ r - 1) ≥ 0.95 (the confidence
                   reached is stated); USL: the maximum.  Not verified: UPL
                   x(⌈0.95 (n+1)⌉) and P95 by linear interpolation (the
                   guide's rank and percentile rules may differ)
KM (normal,        with non-detects: the normal formulas with the              no
lognormal,         Kaplan–Meier mean and SD (of x, ln x, x^(1/3)) in place of
gamma WH)          x̄ and s
=================  ==========================================================  ========

``d`` (USL) is the critical value of the largest Mahalanobis distance of n normal
observations, d² = ((n-1)²/n)·Beta(1 - 0.05/n; 1/2, (n-2)/2) (Wilks 1963), which is
how the technical guide describes it; it is recalled, not checked against the
guide's tables, so USL rows carry ``verified = false``.  Gamma rows are also
``verified = false``: the guide's gamma UTL/UPL use the WH and HW transformations as
here, but its gamma goodness-of-fit uses Anderson–Darling and Kolmogorov–Smirnov
tests with its own critical values, for which a Shapiro–Wilk test on x^(1/3) stands
in here.  The KM variants use :func:`site_gis.contamination.statistics.kaplan_meier`
(whose conventions follow ProUCL there).

The **recommended** BTV (one row per group, ``recommended = true``) follows the
guide's logic: the distribution is the first of normal, gamma, lognormal that the
data (the detects, with non-detects) do not reject at the 5 % level (Shapiro–Wilk),
else nonparametric; the statistic is the UTL95-95, the guide's default when the
number of on-site observations to be compared with the BTV is not small (use the
UPL95 for a single comparison, the USL95 for a clean background set with many
comparisons).  Candidate outliers (Dixon for n ≤ 25, Rosner above) are flagged in
``outliers`` and never removed: the guide asks the user to decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _stats

from site_gis.contamination.outliers import candidate_outliers
from site_gis.contamination.statistics import kaplan_meier
from site_gis.errors import AnalysisTooCostlyError

COVERAGE = 0.95
CONFIDENCE = 0.95
ALPHA_GOF = 0.05
MIN_N = 4
"""Fewer background observations give no BTV."""
ADVISED_N = 8
"""The technical guide advises at least 8 to 10 background observations."""
MIN_DETECTS = 3
MAX_N = 5000
"""Largest background group (Shapiro–Wilk's p-value is not reliable beyond it)."""
STATISTICS = ("UTL95-95", "UPL95", "USL95", "P95")
RECOMMENDED_STATISTIC = "UTL95-95"
RECOMMENDATION_REASON = (
    "UTL95-95: the technical guide's BTV when the number of on-site observations to "
    "compare with it is not small (UPL95 for one comparison; USL95 for an outlier-free "
    "background set and many comparisons)"
)
REFERENCE = "US EPA ProUCL 5.2.0 Technical Guide, EPA/600/R-07/041 (2022), BTV chapters"
BTV_RULE = (
    "background threshold values per analyte × medium from the background locations: "
    "UTL95-95, UPL95, USL95 and 95th percentile, normal, gamma (WH, HW), lognormal, "
    "nonparametric and Kaplan–Meier variants; the recommended row is marked with its reason"
)


def tolerance_factor(n: int, coverage: float = COVERAGE, confidence: float = CONFIDENCE) -> float:
    """Exact one-sided normal tolerance factor K (noncentral t).

    K = t'(confidence; n - 1, z(coverage)·√n) / √n, so that x̄ + K s exceeds the
    ``coverage`` quantile with probability ``confidence`` (Natrella 1963; NIST/SEMATECH
    e-Handbook §7.2.6.3).
    """
    if n < 2:
        raise ValueError("a tolerance factor needs n ≥ 2")
    delta = float(_stats.norm.ppf(coverage)) * np.sqrt(n)
    return float(_stats.nct.ppf(confidence, n - 1, delta) / np.sqrt(n))


def prediction_factor(n: int, confidence: float = CONFIDENCE) -> float:
    """t(confidence, n - 1)·√(1 + 1/n): the UPL for one future observation is x̄ + this·s."""
    return float(_stats.t.ppf(confidence, n - 1) * np.sqrt(1 + 1 / n))


def simultaneous_factor(n: int, confidence: float = CONFIDENCE) -> float:
    """d: critical value of the largest Mahalanobis distance of ``n`` normal observations.

    d² = ((n-1)²/n)·Beta(1 - (1 - confidence)/n; 1/2, (n-2)/2) (Wilks 1963, as recalled
    from the technical guide; to verify against its tables).
    """
    if n < 3:
        raise ValueError("a simultaneous limit needs n ≥ 3")
    quantile = _stats.beta.ppf(1 - (1 - confidence) / n, 0.5, (n - 2) / 2)
    return float(np.sqrt((n - 1) ** 2 / n * quantile))


def nonparametric_utl_rank(
    n: int, coverage: float = COVERAGE, confidence: float = CONFIDENCE
) -> tuple[int, float]:
    """The rank r (1-based) of the order statistic that is the nonparametric UTL, and
    the confidence it reaches, P(Binomial(n, coverage) ≤ r - 1).  If even the maximum
    does not reach ``confidence``, r = n and the lower confidence is returned."""
    ranks = np.arange(1, n + 1)
    reached = _stats.binom.cdf(ranks - 1, n, coverage)
    ok = np.flatnonzero(reached >= confidence)
    r = int(ranks[ok[0]]) if ok.size else n
    return r, float(reached[r - 1])


def _factors(n: int) -> dict[str, float]:
    return {
        "UTL95-95": tolerance_factor(n),
        "UPL95": prediction_factor(n),
        "USL95": simultaneous_factor(n),
        "P95": float(_stats.norm.ppf(COVERAGE)),
    }


def _parametric(
    variant: str,
    mean: float,
    sd: float,
    n: int,
    back: Callable[[float], float],
    verified: bool,
    note: str,
) -> list[dict[str, Any]]:
    rows = []
    for statistic, factor in _factors(n).items():
        rows.append(
            {
                "statistic": statistic,
                "variant": variant,
                "value": back(mean + factor * sd),
                "verified": verified and statistic != "USL95",
                "note": note
                + (
                    "; USL critical value d recalled (Wilks 1963), to verify"
                    if statistic == "USL95"
                    else ""
                ),
            }
        )
    return rows


def _gamma_p95(x: np.ndarray) -> float:
    """95th percentile of the gamma fitted by maximum likelihood, shape bias-corrected
    k* = (n - 3) k / n + 2 / (3n) as the technical guide does."""
    n = len(x)
    k, _, _ = _stats.gamma.fit(x, floc=0)
    k_star = (n - 3) * k / n + 2 / (3 * n)
    return float(_stats.gamma.ppf(COVERAGE, k_star, scale=x.mean() / k_star))


def _cube(v: float) -> float:
    return float(max(v, 0.0) ** 3)


def _fourth(v: float) -> float:
    return float(max(v, 0.0) ** 4)


def _exp(v: float) -> float:
    return float(np.exp(v))


def _same(v: float) -> float:
    return float(v)


def _not_rejected(sample: np.ndarray) -> tuple[bool, float]:
    """Shapiro–Wilk at 5 %: (not rejected, p-value)."""
    if len(sample) < 3 or np.ptp(sample) == 0:
        return False, float("nan")
    p = float(_stats.shapiro(sample).pvalue)
    return p >= ALPHA_GOF, p


def threshold_values(values: np.ndarray, detected: np.ndarray) -> pd.DataFrame:
    """Every BTV variant of one background data set (one analyte, medium and unit).

    Parameters
    ----------
    values
        Detected values and the detection limits of non-detects (one unit, e.g. mg/kg
        for soil, µg/L for groundwater).
    detected
        ``True`` for detects.

    Returns
    -------
    DataFrame
        Columns ``statistic``, ``variant``, ``value`` (the unit of ``values``),
        ``recommended``, ``reason``, ``verified``, ``note``; empty if there are fewer
        than :data:`MIN_N` values or :data:`MIN_DETECTS` detects.
    """
    x = np.asarray(values, dtype=float)
    d = np.asarray(detected, dtype=bool)
    n, k = len(x), int(d.sum())
    if n < MIN_N or k < MIN_DETECTS:
        return pd.DataFrame(columns=["statistic", "variant", "value", "recommended", "reason"])
    rows: list[dict[str, Any]] = []
    positive = bool((x > 0).all())
    if k == n:
        mean, sd = float(x.mean()), float(x.std(ddof=1))
        rows += _parametric("normal", mean, sd, n, _same, True, "mean and sample SD")
        if positive:
            logs = np.log(x)
            rows += _parametric(
                "lognormal",
                float(logs.mean()),
                float(logs.std(ddof=1)),
                n,
                _exp,
                True,
                "normal formulas on ln x, back-transformed"
                + (
                    "; SD of ln x > 1: lognormal limits may be unrealistically high"
                    if logs.std(ddof=1) > 1
                    else ""
                ),
            )
        for variant, power, back in (("gamma WH", 1 / 3, _cube), ("gamma HW", 1 / 4, _fourth)):
            y = np.clip(x, 0, None) ** power
            gamma_rows = _parametric(
                variant,
                float(y.mean()),
                float(y.std(ddof=1)),
                n,
                back,
                False,
                f"normal formulas on x^({'1/3' if power > 0.3 else '1/4'}), back-transformed; "
                "gamma approximation as the technical guide uses it, to verify",
            )
            if positive:
                gamma_rows[-1].update(
                    value=_gamma_p95(x),
                    note="95th percentile of the fitted gamma (bias-corrected shape k*); "
                    "to verify against the technical guide",
                )
            rows += gamma_rows
    else:
        for variant, transform, back in (
            ("KM normal", np.asarray, _same),
            ("KM gamma WH", lambda v: np.clip(v, 0, None) ** (1 / 3), _cube),
            ("KM lognormal", np.log, _exp),
        ):
            if variant == "KM lognormal" and not positive:
                continue
            km = kaplan_meier(transform(x), d)
            rows += _parametric(
                variant,
                km.mean,
                km.sd,
                n,
                back,
                False,
                f"Kaplan–Meier mean and SD ({n - k} of {n} non-detects) in the normal "
                "formulas; to verify against the technical guide's KM BTVs",
            )
    rows += _nonparametric(x, d)
    table = pd.DataFrame(rows)
    chosen, reason = _recommend(x, d)
    table["recommended"] = (table["variant"] == chosen) & (
        table["statistic"] == RECOMMENDED_STATISTIC
    )
    table["reason"] = np.where(table["recommended"], reason + "; " + RECOMMENDATION_REASON, "")
    return table


def _nonparametric(x: np.ndarray, d: np.ndarray) -> list[dict[str, Any]]:
    n = len(x)
    order = np.argsort(x, kind="stable")
    ordered, ordered_d = x[order], d[order]
    r, reached = nonparametric_utl_rank(n)
    upl_rank = min(n, int(np.ceil(COVERAGE * (n + 1))))
    censored_note = "" if d.all() else "; non-detects ranked at their detection limits"

    def at(rank: int, what: str) -> dict[str, Any]:
        flag = "" if ordered_d[rank - 1] else "; the order statistic is a non-detect's limit"
        return {"value": float(ordered[rank - 1]), "note": what + censored_note + flag}

    utl_note = f"order statistic x({r}) of {n}, confidence reached {reached:.3f}"
    if reached < CONFIDENCE:
        utl_note += f" (below {CONFIDENCE:g}: too few observations for a 95-95 UTL)"
    return [
        {"statistic": "UTL95-95", "variant": "nonparametric", "verified": True, **at(r, utl_note)},
        {
            "statistic": "UPL95",
            "variant": "nonparametric",
            "verified": False,
            **at(
                upl_rank,
                f"order statistic x({upl_rank}) = x(⌈0.95 (n+1)⌉); the guide's rank rule "
                "(rounding or interpolation) to verify",
            ),
        },
        {
            "statistic": "USL95",
            "variant": "nonparametric",
            "verified": True,
            **at(n, "the largest observation"),
        },
        {
            "statistic": "P95",
            "variant": "nonparametric",
            "value": float(np.percentile(x, 95)),
            "verified": False,
            "note": "sample percentile by linear interpolation; the guide's percentile "
            "definition may differ, to verify" + censored_note,
        },
    ]


def _recommend(x: np.ndarray, d: np.ndarray) -> tuple[str, str]:
    """The recommended variant and why (goodness of fit on the detects at 5 %)."""
    detects = x[d]
    km = "" if d.all() else "KM "
    normal, p_n = _not_rejected(detects)
    if normal:
        return f"{km}normal", f"Shapiro–Wilk does not reject normality (p = {p_n:.3f})"
    cube, p_g = _not_rejected(np.clip(detects, 0, None) ** (1 / 3))
    if cube:
        return (
            "KM gamma WH" if km else "gamma WH",
            f"normality rejected (p = {p_n:.3f}); gamma not rejected (Shapiro–Wilk on "
            f"x^(1/3), p = {p_g:.3f}, standing in for the guide's AD/KS gamma tests)",
        )
    if (detects > 0).all():
        lognormal, p_l = _not_rejected(np.log(detects))
        if lognormal:
            return (
                f"{km}lognormal",
                f"normality and gamma rejected; lognormality not rejected (p = {p_l:.3f})",
            )
    return "nonparametric", "no distribution fits at 5 %: nonparametric"


def compute_background(results: pd.DataFrame) -> pd.DataFrame:
    """BTVs per analyte × medium (and unit) of the background results.

    Parameters
    ----------
    results
        Results of background locations only: ``analyte``, ``medium``, ``unit``,
        ``value``, ``detected``, ``detection_limit``.  pH is skipped (a range, not a
        one-sided limit).

    Returns
    -------
    DataFrame
        One row per group × statistic × variant: ``analyte``, ``medium``, ``unit``,
        ``n``, ``detects``, ``max_detect``, ``statistic``, ``variant``, ``value``,
        ``recommended``, ``reason``, ``verified``, ``note``, ``outliers`` (candidate
        outliers of the group, flagged not removed), ``reference``.  A group too small
        for a BTV gives one row with ``statistic`` empty and the reason in ``note``.
    """
    frame = results[results["analyte"] != "pH"]
    frame = frame.assign(
        x=frame["value"].where(frame["detected"].astype(bool), frame["detection_limit"])
    )
    parts = []
    for (analyte, medium, unit), group in frame.groupby(["analyte", "medium", "unit"], sort=True):
        x = group["x"].to_numpy(float)
        d = group["detected"].to_numpy(bool)
        if len(x) > MAX_N:
            raise AnalysisTooCostlyError(
                f"{analyte} in {medium} has {len(x):,} background results; BTVs are computed "
                f"for at most {MAX_N:,} (select fewer background locations)",
                limit="max_background_n",
            )
        head: dict[str, Any] = {
            "analyte": analyte,
            "medium": medium,
            "unit": unit,
            "n": len(x),
            "detects": int(d.sum()),
            "max_detect": float(x[d].max()) if d.any() else None,
        }
        table = threshold_values(x, d)
        if table.empty:
            why = (
                f"no BTV: needs n ≥ {MIN_N} and ≥ {MIN_DETECTS} detects "
                f"(has n = {len(x)}, {int(d.sum())} detects)"
            )
            if not d.any() and len(x):
                why += f"; all non-detects, highest detection limit {x.max():g}"
            parts.append(pd.DataFrame([{**head, "recommended": False, "note": why}]))
            continue
        if len(x) < ADVISED_N:
            table["note"] = table["note"] + (
                f"; only {len(x)} background observations (the guide advises ≥ 8-10)"
            )
        flagged = candidate_outliers(x[d]) if d.sum() >= 3 else []
        table = table.assign(
            **head, outliers=", ".join(f"{v:g}" for v in flagged) if flagged else ""
        )
        parts.append(table)
    columns = ["analyte", "medium", "unit", "n", "detects", "max_detect", "statistic"]
    columns += ["variant", "value", "recommended", "reason", "verified", "note", "outliers"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "reference"])
    out = pd.concat(parts, ignore_index=True)
    out["reference"] = REFERENCE
    return out.reindex(columns=[*columns, "reference"])


def recommended_btvs(table: pd.DataFrame) -> pd.DataFrame:
    """The recommended BTV of each analyte × medium: ``analyte``, ``medium``, ``unit``,
    ``btv``, ``btv_statistic`` (e.g. ``"UTL95-95 (gamma WH)"``)."""
    chosen = table[table["recommended"].fillna(False).astype(bool)]
    return pd.DataFrame(
        {
            "analyte": chosen["analyte"],
            "medium": chosen["medium"],
            "unit": chosen["unit"],
            "btv": chosen["value"].astype(float),
            "btv_statistic": chosen["statistic"].astype(str)
            + " ("
            + chosen["variant"].astype(str)
            + ")",
        }
    ).reset_index(drop=True)
