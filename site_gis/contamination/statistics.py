"""Summary statistics of lab results with non-detects, per zone × analyte × medium.

Non-detects are left-censored values ("below the detection limit").  Where a
group has non-detects, the mean and standard deviation come from the
Kaplan–Meier estimator for left-censored data (Helsel, *Statistics for
Censored Environmental Data*, 2012): the data are treated as a survival curve
read from the top, every detect is a step, and a non-detect stays in the risk
set of every detect at or above its detection limit.

Rules, each stated in the ``method`` and ``note`` of every output row:

* no non-detects: arithmetic mean, sample SD, Student-t UCL95 = mean + t(0.95, n-1)·s/√n;
* some non-detects: KM mean and SD; KM-t UCL95 = KM mean + t(0.95, n-1)·SE(KM mean),
  with SE from the Kaplan–Meier variance of the mean (Klein & Moeschberger §4.5);
* highly skewed data (coefficient of variation > 1), where a t-based UCL
  understates the mean's upper bound: the 95 % Chebyshev UCL = mean + √19·SE
  (KM-Chebyshev with non-detects), as ProUCL recommends for such data;
  if the smallest observation is a non-detect it is counted as detected at its
  limit (Efron's correction, as ProUCL does), otherwise the KM curve would not
  reach zero;
* a UCL needs n ≥ 5 and at least 3 detects, else none is given and the row says why;
* all non-detects: no mean, the note gives the highest detection limit;
* exposure point concentration EPC = min(UCL95, maximum detect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _stats

MIN_N_FOR_UCL = 5
SKEWED_CV = 1.0
CHEBYSHEV_95 = float(np.sqrt(1 / 0.05 - 1))  # √19 ≈ 4.359
MIN_DETECTS_FOR_UCL = 3
GROUP_FIELDS = ("zone_id", "analyte", "medium")


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """Kaplan–Meier estimate for left-censored data.

    ``support`` holds the distinct detected values in increasing order and
    ``probability`` the probability mass the estimator puts on each.
    """

    mean: float
    sd: float
    se: float
    support: np.ndarray
    probability: np.ndarray


def kaplan_meier(values: np.ndarray, detected: np.ndarray) -> KaplanMeier:
    """Kaplan–Meier mean, SD and standard error of the mean for left-censored data.

    Parameters
    ----------
    values
        Detected values, and the detection limits of non-detects (same unit).
    detected
        ``True`` for detects, ``False`` for non-detects.

    Raises
    ------
    ValueError
        If there are no detects.
    """
    x = np.asarray(values, dtype=float)
    d = np.asarray(detected, dtype=bool).copy()
    if len(x) == 0 or not d.any():
        raise ValueError("Kaplan–Meier needs at least one detected value")
    d[x == x.min()] = True  # Efron: the smallest observation counts as detected
    steps = np.unique(x[d])[::-1]  # detected values, largest first
    detect_values = np.sort(x[d])
    limit_values = np.sort(x[~d])
    at_risk = (
        np.searchsorted(detect_values, steps, side="right")
        + np.searchsorted(limit_values, steps, side="right")
    ).astype(float)
    events = (
        np.searchsorted(detect_values, steps, side="right")
        - np.searchsorted(detect_values, steps, side="left")
    ).astype(float)
    # F just below each step = product of (1 - d/n) down to it; F at the step is one step earlier
    below = np.cumprod(1 - events / at_risk)
    at = np.concatenate([[1.0], below[:-1]])
    mass = at - below
    mean = float(np.sum(mass * steps))
    sd = float(np.sqrt(np.sum(mass * (steps - mean) ** 2)))
    # variance of the mean: A_j = area under F(x-) between the lowest step and step j
    widths = steps[:-1] - steps[1:]
    area_segments = widths * below[:-1]
    areas = np.concatenate([np.cumsum(area_segments[::-1])[::-1], [0.0]])
    usable = at_risk > events
    variance = float(
        np.sum(
            areas[usable] ** 2
            * events[usable]
            / (at_risk[usable] * (at_risk[usable] - events[usable]))
        )
    )
    return KaplanMeier(mean, sd, float(np.sqrt(variance)), steps[::-1], mass[::-1])


def summarise(values: np.ndarray, detected: np.ndarray) -> dict[str, Any]:
    """Statistics of one group of results (one analyte, medium and zone, one unit)."""
    x = np.asarray(values, dtype=float)
    d = np.asarray(detected, dtype=bool)
    n, k = len(x), int(d.sum())
    row: dict[str, Any] = {
        "n": n,
        "detects": k,
        "percent_non_detect": round(100 * (n - k) / n, 1) if n else None,
        "min_detect": float(x[d].min()) if k else None,
        "max_detect": float(x[d].max()) if k else None,
        "mean": None,
        "sd": None,
        "km_mean": None,
        "km_sd": None,
        "ucl95": None,
        "epc": None,
        "method": None,
        "note": "",
    }
    if k == 0:
        row.update(
            method="none",
            note=f"all {n} results are non-detects; highest detection limit {x.max():g}"
            if n
            else "no results",
        )
        return row
    detects = x[d]
    row["mean"] = float(detects.mean())
    row["sd"] = float(detects.std(ddof=1)) if k > 1 else None
    if k == n:
        method, mean = "Student-t UCL95", float(x.mean())
        se = float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else None
        row["note"] = "no non-detects: arithmetic mean and sample SD"
    else:
        km = kaplan_meier(x, d)
        row.update(km_mean=km.mean, km_sd=km.sd)
        method, mean, se = "KM-t UCL95", km.mean, km.se
        notes = [
            f"{n - k} non-detect(s): mean and SD of detects only in 'mean'/'sd'; "
            "Kaplan–Meier mean and SD (of the KM distribution, no n-1 factor) in "
            "'km_mean'/'km_sd'"
        ]
        if not d[np.argmin(x)] or (x[~d] == x.min()).any():
            notes.append(
                "the lowest value is a non-detect, counted as detected at its limit (Efron)"
            )
        above = int((x[~d] > detects.max()).sum())
        if above:
            notes.append(
                f"caution: {above} non-detect limit(s) above the highest detect "
                "carry no information to Kaplan–Meier; the mean and UCL may be low"
            )
        row["note"] = "; ".join(notes)
    if n < MIN_N_FOR_UCL or k < MIN_DETECTS_FOR_UCL or se is None:
        row.update(
            method="none",
            note=row["note"] + f"; no UCL: needs n ≥ {MIN_N_FOR_UCL} and "
            f"≥ {MIN_DETECTS_FOR_UCL} detects (has n = {n}, {k} detects)",
        )
        return row
    spread = float(x.std(ddof=1)) if k == n else row["km_sd"]
    cv = spread / mean if mean > 0 else 0.0
    if cv > SKEWED_CV:
        method = {"Student-t UCL95": "Chebyshev UCL95", "KM-t UCL95": "KM-Chebyshev UCL95"}[method]
        ucl = mean + CHEBYSHEV_95 * se
        row["note"] += f"; skewed (CV {cv:.2f} > {SKEWED_CV:g}): Chebyshev UCL instead of t"
    else:
        ucl = mean + float(_stats.t.ppf(0.95, n - 1)) * se
    epc = min(ucl, float(detects.max()))
    row.update(ucl95=ucl, epc=epc, method=method)
    row["note"] += "; EPC = " + (
        "UCL95" if ucl <= detects.max() else "maximum detect (UCL95 above it)"
    )
    return row


def compute_statistics(results: pd.DataFrame) -> pd.DataFrame:
    """Statistics per zone × analyte × medium (and unit).

    Parameters
    ----------
    results
        Results with ``zone_id`` (``None`` outside every zone), ``analyte``,
        ``medium``, ``unit``, ``value``, ``detected`` and ``detection_limit``.

    Returns
    -------
    DataFrame
        One row per group; see :func:`summarise` for the columns and the rules.
    """
    frame = results.assign(
        zone_id=results["zone_id"].fillna("(outside zones)"),
        x=results["value"].where(results["detected"], results["detection_limit"]),
    )
    rows = []
    for (zone, analyte, medium, unit), group in frame.groupby(
        ["zone_id", "analyte", "medium", "unit"], sort=True
    ):
        rows.append(
            {
                "zone_id": zone,
                "analyte": analyte,
                "medium": medium,
                "unit": unit,
                **summarise(group["x"].to_numpy(), group["detected"].to_numpy(bool)),
            }
        )
    return pd.DataFrame(rows)
