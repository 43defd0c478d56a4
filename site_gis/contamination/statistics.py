"""Statistics of lab results with non-detects, per zone × analyte × medium, as ProUCL 5.2 does.

For each group (one zone, analyte, medium and unit):

1. **summary**: n, detects, % non-detect, min/max detect, mean and SD of the detects, and
   where there are non-detects the Kaplan–Meier mean, SD and SE (:mod:`kaplan_meier`;
   ``unrestricted`` by default as ProUCL 5.2 / EnvStats, ``restricted`` on request; the row
   names the convention);
2. **goodness of fit** at 5 % (:mod:`goodness_of_fit`): normal, gamma, lognormal, on all
   results or, with non-detects, on the detects; the row names the accepted distribution and
   carries every test statistic;
3. **every UCL family** (:mod:`ucl`), with a seeded generator (the same seed for every group,
   so a group's figures do not depend on what else was selected), 2,000 bootstrap resamples
   by default; a summary alone (``full=False``) resamples only where the recommended UCL is
   a bootstrap one, and its rows are the same;
4. **the recommended UCL**, chosen by ProUCL 5.2's decision tables kept as data
   (:mod:`ucl_choice`, ``site_gis/reference/ucl_recommendations.toml``), with the table row,
   its Guide section, whether it is verified, and the reason;
5. **small samples**: ProUCL's warnings in every row when n < 10 (ProUCL advises at least
   8–10 observations) or, with non-detects, fewer than 6 detects (ProUCL advises at least
   4–6); no UCL at all below n = 5 or 3 detects (this project's threshold, stricter than
   ProUCL's computational minimum), and the row says why;
6. exposure point concentration EPC = min(recommended UCL95, maximum detect).

All concentrations are in the group's ``unit``; statistics have no CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from site_gis.contamination.goodness_of_fit import goodness_of_fit, k_star
from site_gis.contamination.kaplan_meier import (
    CONVENTION_TEXT,
    CONVENTIONS,
    Convention,
    KaplanMeier,
    kaplan_meier,
)
from site_gis.contamination.ucl import (
    BOOTSTRAP_METHODS,
    MAX_RESAMPLES,
    RESAMPLES,
    SEED,
    Ucl,
    censored_ucls,
    ros_impute,
    seeded_counts,
    uncensored_ucls,
)
from site_gis.contamination.ucl_choice import recommend
from site_gis.errors import AnalysisTooCostlyError, InvalidRequestError

__all__ = [
    "GROUP_FIELDS",
    "KaplanMeier",
    "compute_statistics",
    "kaplan_meier",
    "statistics_tables",
    "summarise",
]

MIN_N_FOR_UCL = 5
MIN_DETECTS_FOR_UCL = 3
FEW_N = 10  # ProUCL: at least 8-10 observations
FEW_DETECTS = 6  # ProUCL: at least 4-6 detects
MAX_RESAMPLED_VALUES = 50_000_000  # Σ resamples × n over all groups (≈ 2 s of CPU)
MAX_GROUP_RESAMPLED = 20_000_000  # resamples × n of one group (its B × n array: 160 MB)
GROUP_FIELDS = ("zone_id", "analyte", "medium")
FALLBACK = {False: "chebyshev_mean_sd_95", True: "km_chebyshev_95"}
GOF_FIELDS = (
    "normal_sw_p",
    "normal_lilliefors_p",
    "gamma_k_hat",
    "gamma_ad",
    "gamma_ad_crit",
    "gamma_ks",
    "gamma_ks_crit",
    "lognormal_sw_p",
    "lognormal_lilliefors_p",
    "normal_tests_passed",
    "gamma_tests_passed",
    "lognormal_tests_passed",
)


@dataclass
class GroupResult:
    """One group's summary row and its full list of UCL families."""

    row: dict[str, Any]
    families: list[Ucl] = field(default_factory=list)
    recommended: str | None = None


def _empty_row(n: int, k: int, x: np.ndarray, d: np.ndarray) -> dict[str, Any]:
    return {
        "n": n,
        "detects": k,
        "percent_non_detect": round(100 * (n - k) / n, 1) if n else None,
        "min_detect": float(x[d].min()) if k else None,
        "max_detect": float(x[d].max()) if k else None,
        "mean": None,
        "sd": None,
        "km_mean": None,
        "km_sd": None,
        "km_se": None,
        "km_convention": None,
        "distribution": None,
        "gof_basis": None,
        "gof": None,
        "distribution_ros": None,
        "gof_ros": None,
        **{name: None for name in GOF_FIELDS},
        "k_star": None,
        "sd_log": None,
        "ucl95": None,
        "epc": None,
        "method": None,
        "method_id": None,
        "recommendation_rule": None,
        "recommendation_reason": None,
        "recommendation_section": None,
        "recommendation_verified": None,
        "bootstrap": None,
        "warnings": "",
        "note": "",
    }


def analyse_group(
    values: np.ndarray,
    detected: np.ndarray,
    *,
    convention: Convention = "unrestricted",
    resamples: int = RESAMPLES,
    seed: int = SEED,
    full: bool = True,
) -> GroupResult:
    """Summary, goodness of fit, every UCL family and the recommended UCL for one group.

    Parameters
    ----------
    values
        Detected values and the detection limits of non-detects (one unit).
    detected
        ``True`` for detects.
    convention
        Kaplan–Meier convention, ``"unrestricted"`` (ProUCL 5.2) or ``"restricted"``.
    resamples
        Bootstrap resamples (seeded with ``seed``).
    full
        Compute every UCL family; with ``False`` the bootstrap families are computed only
        when the recommended UCL is one of them (the summary row is the same either way).
    """
    x = np.asarray(values, dtype=float)
    d = np.asarray(detected, dtype=bool)
    n, k = len(x), int(d.sum())
    row = _empty_row(n, k, x, d)
    censored = k < n
    warnings: list[str] = []
    if n and n < FEW_N:
        warnings.append(
            f"only {n} results: ProUCL advises at least 8-10 observations; "
            "GOF tests and UCLs from so few are unreliable"
        )
    if censored and 0 < k < FEW_DETECTS:
        warnings.append(
            f"only {k} detects: ProUCL advises at least 4-6 detects; "
            "KM and ROS estimates from so few are unreliable"
        )
    if k == 0:
        row.update(
            method="none",
            note=f"all {n} results are non-detects; highest detection limit {x.max():g}"
            if n
            else "no results",
            warnings="; ".join(warnings),
        )
        return GroupResult(row)
    detects = x[d]
    row["mean"] = float(detects.mean())
    row["sd"] = float(detects.std(ddof=1)) if k > 1 else None
    notes: list[str] = []
    km: KaplanMeier | None = None
    if censored:
        km = kaplan_meier(x, d, convention=convention)
        row.update(
            km_mean=km.mean,
            km_sd=km.sd,
            km_se=km.se if np.isfinite(km.se) else None,
            km_convention=CONVENTION_TEXT[convention],
        )
        notes.append(
            f"{n - k} non-detect(s): 'mean'/'sd' are of the detects only; "
            f"'km_mean'/'km_sd'/'km_se' by {CONVENTION_TEXT[convention]}"
        )
        above = int((x[~d] > detects.max()).sum())
        if above:
            notes.append(
                f"caution: {above} non-detect limit(s) above the highest detect "
                "carry no information to Kaplan–Meier; the mean and UCL may be low"
            )
    else:
        notes.append("no non-detects: arithmetic mean and sample SD")
    fit = goodness_of_fit(detects)
    row.update({name: fit.statistics.get(name) for name in GOF_FIELDS})
    row.update(
        distribution=("approximately " if fit.approximate else "") + fit.distribution,
        gof_basis="detects only (ProUCL 5.2 ch. 4)" if censored else "all results",
        gof=fit.text,
    )
    if censored and len(np.unique(detects)) >= 3 and (x > 0).all():
        row.update(_ros_fit(x, d))
    if fit.statistics.get("gamma_k_hat") is not None:
        row["k_star"] = k_star(fit.statistics["gamma_k_hat"], k)
    if k > 1 and (detects > 0).all():
        row["sd_log"] = float(np.log(detects).std(ddof=1))
    if n < MIN_N_FOR_UCL or k < MIN_DETECTS_FOR_UCL:
        notes.append(
            f"no UCL: needs n ≥ {MIN_N_FOR_UCL} and ≥ {MIN_DETECTS_FOR_UCL} detects "
            f"(has n = {n}, {k} detects)"
        )
        row.update(method="none", note="; ".join(notes), warnings="; ".join(warnings))
        return GroupResult(row)
    rule = recommend(
        censored=censored,
        distribution=fit.distribution,
        k_star=row["k_star"],
        sd_log=row["sd_log"],
        n=n,
        percent_nd=100 * (n - k) / n,
    )
    bootstrap = full or bool(rule and rule.recommend in BOOTSTRAP_METHODS)
    rng = np.random.default_rng(seed)
    counts = seeded_counts(n, resamples, seed) if bootstrap else None  # default_rng(seed)'s
    if censored:
        families = censored_ucls(
            x,
            d,
            convention=convention,
            resamples=resamples,
            rng=rng,
            km=km,
            counts=counts,
            bootstrap=bootstrap,
        )
    else:
        families = uncensored_ucls(
            x, resamples=resamples, rng=rng, counts=counts, bootstrap=bootstrap
        )
    row["bootstrap"] = (
        f"{resamples} resamples, numpy default_rng({seed}) per group"
        if bootstrap
        else "not needed for the recommended UCL (all families: detail=full)"
    )
    by_id = {u.method: u for u in families}
    chosen = rule.recommend if rule else FALLBACK[censored]
    if chosen not in by_id or by_id[chosen].ucl is None:
        notes.append(f"{chosen} could not be computed; {FALLBACK[censored]} given instead")
        chosen = FALLBACK[censored]
    pick = by_id[chosen]
    assert pick.ucl is not None
    if rule:
        row.update(
            recommendation_rule=rule.id,
            recommendation_reason=rule.reason,
            recommendation_section=rule.section,
            recommendation_verified=rule.verified,
        )
        if not rule.verified:
            notes.append(f"decision-table row {rule.id} not yet verified against the Guide")
    else:
        row.update(
            recommendation_rule="fallback",
            recommendation_reason="no decision-table row matched: 95% Chebyshev "
            "(the conservative nonparametric choice)",
            recommendation_verified=False,
        )
    if chosen in {"h_ucl", "ros_lognormal_h"}:
        warnings.append(pick.note)
    epc = min(pick.ucl, float(detects.max()))
    notes.append(
        "EPC = " + ("UCL95" if pick.ucl <= detects.max() else "maximum detect (UCL95 above it)")
    )
    row.update(
        ucl95=pick.ucl,
        epc=epc,
        method=pick.label,
        method_id=pick.method,
        note="; ".join(notes),
        warnings="; ".join(warnings),
    )
    return GroupResult(row, families, chosen)


def _ros_fit(x: np.ndarray, d: np.ndarray) -> dict[str, Any]:
    """GOF on ROS-imputed data (ProUCL's second option for censored data), for the record."""
    passed = {}
    for model in ("normal", "gamma", "lognormal"):
        fit = goodness_of_fit(ros_impute(x, d, model=model))
        passed[model] = fit.statistics[f"{model}_tests_passed"]
    accepted = next((m for m in passed if passed[m] == "2/2"), None)
    accepted = accepted or next((f"approximately {m}" for m in passed if passed[m][0] != "0"), None)
    text = ", ".join(f"{m} {passed[m]} ({m} ROS)" for m in passed)
    return {
        "distribution_ros": accepted or "nonparametric",
        "gof_ros": text + " (reported; the recommendation uses the detects)",
    }


def summarise(
    values: np.ndarray,
    detected: np.ndarray,
    *,
    convention: Convention = "unrestricted",
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """The summary row of one group (see :func:`analyse_group`)."""
    return analyse_group(
        values, detected, convention=convention, resamples=resamples, seed=seed, full=False
    ).row


def _check_request(results: pd.DataFrame, convention: str, resamples: int, largest: int) -> None:
    if convention not in CONVENTIONS:
        raise InvalidRequestError(f"convention must be one of {', '.join(CONVENTIONS)}")
    if not 100 <= resamples <= MAX_RESAMPLES:
        raise InvalidRequestError(f"resamples must be between 100 and {MAX_RESAMPLES}")
    cost = resamples * len(results)
    if cost > MAX_RESAMPLED_VALUES:
        raise AnalysisTooCostlyError(
            f"{len(results):,} results × {resamples:,} resamples = {cost:,} resampled values, "
            f"above the limit of {MAX_RESAMPLED_VALUES:,}: select fewer results or resamples",
            limit="max_resampled_values",
        )
    if largest * resamples > MAX_GROUP_RESAMPLED:
        raise AnalysisTooCostlyError(
            f"one group has {largest:,} results: × {resamples:,} resamples is above the "
            f"limit of {MAX_GROUP_RESAMPLED:,} per group: select fewer results or resamples",
            limit="max_group_resampled",
        )


def statistics_tables(
    results: pd.DataFrame,
    *,
    convention: Convention = "unrestricted",
    resamples: int = RESAMPLES,
    seed: int = SEED,
    full: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-group summaries and the long table of every UCL family.

    Parameters
    ----------
    results
        Results with ``zone_id`` (``None`` outside every zone), ``analyte``, ``medium``,
        ``unit``, ``value``, ``detected`` and ``detection_limit``.
    convention, resamples, seed, full
        See :func:`analyse_group`. The cost is bounded: results × resamples by
        ``MAX_RESAMPLED_VALUES``, the largest group's size × resamples (its memory) by
        ``MAX_GROUP_RESAMPLED``.

    Returns
    -------
    summary, families
        ``summary``: one row per group (the columns of :func:`analyse_group`).
        ``families``: one row per group and UCL family: ``method_id``, ``method`` (ProUCL's
        name), ``ucl95``, ``recommended``, ``note`` and the group's ``warnings``.

    Raises
    ------
    InvalidRequestError
        Unknown convention, resamples out of range, or too costly a request.

    Notes
    -----
    Results of background (reference) locations (``background`` true, where the
    column is given) are left out: they are what the site is compared with
    (:mod:`site_gis.contamination.background`), not part of any site group.
    """
    if "background" in results.columns:
        results = results[~results["background"].fillna(False).astype(bool)]
    frame = results.assign(
        zone_id=results["zone_id"].fillna("(outside zones)"),
        x=results["value"].where(results["detected"], results["detection_limit"]),
    )
    by = ["zone_id", "analyte", "medium", "unit"]
    largest = int(frame.groupby(by).size().max()) if len(frame) else 0
    _check_request(results, convention, resamples, largest)
    rows, family_rows = [], []
    for (zone, analyte, medium, unit), group in frame.groupby(by, sort=True):
        keys = {"zone_id": zone, "analyte": analyte, "medium": medium, "unit": unit}
        result = analyse_group(
            group["x"].to_numpy(float),
            group["detected"].to_numpy(bool),
            convention=convention,
            resamples=resamples,
            seed=seed,
            full=full,
        )
        rows.append({**keys, **result.row})
        for ucl in result.families:
            family_rows.append(
                {
                    **keys,
                    "method_id": ucl.method,
                    "method": ucl.label,
                    "ucl95": ucl.ucl,
                    "recommended": ucl.method == result.recommended,
                    "note": ucl.note,
                    "warnings": result.row["warnings"],
                }
            )
    family_columns = [
        *GROUP_FIELDS,
        *("unit", "method_id", "method", "ucl95", "recommended", "note", "warnings"),
    ]
    return pd.DataFrame(rows), pd.DataFrame(family_rows, columns=family_columns)


BACKGROUND_LEFT_OUT = (
    "results of background (reference) locations are left out of the site statistics; "
    "see /contamination/background"
)


def compute_statistics(
    results: pd.DataFrame,
    *,
    convention: Convention = "unrestricted",
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    """Statistics per zone × analyte × medium (and unit): :func:`statistics_tables`' summary.

    Bootstrap families are computed only where the recommended UCL is one of them.
    """
    return statistics_tables(
        results, convention=convention, resamples=resamples, seed=seed, full=False
    )[0]
