"""Screening: lab results against a chosen standard and land use.

For each result the matching level (same analyte and medium; the land use's own
level if the standard has one, else its ``any`` level) gives an exceedance
ratio and a flag.  The rules, stated here and in every output:

* a detect **exceeds** when its value is strictly above the level; a value
  exactly at the level passes ("at or below level");
* the ratio is value / level for detects and detection limit / level for
  non-detects;
* a non-detect whose detection limit is above the level is flagged
  **DL above level** -- the lab could not show compliance -- never as an
  exceedance; otherwise it is **not detected**;
* for a range (pH) a value above the upper or below the lower limit is
  **outside range**;
* a result with no level in the standard is **no level**;
* levels not yet checked at the source carry ``level_status = "to verify"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from site_gis.errors import InvalidRequestError
from site_gis.schemas import LAND_USES

EXCEEDS = "exceeds"
OUTSIDE_RANGE = "outside range"
PASSES = "at or below level"
NOT_DETECTED = "not detected"
DL_ABOVE = "DL above level"
NO_LEVEL = "no level"
EXCEEDING_FLAGS = (EXCEEDS, OUTSIDE_RANGE)
FLAGS = [EXCEEDS, OUTSIDE_RANGE, DL_ABOVE, PASSES, NOT_DETECTED, NO_LEVEL]
"""Every flag, most severe first (the categories of the ``flag`` column)."""

RULE = (
    "exceeds: detected value > level (a value equal to the level passes); ratio = value / "
    "level, or detection limit / level for non-detects; a non-detect whose detection limit "
    "is above the level is 'DL above level', not an exceedance; pH outside its range is "
    "'outside range'"
)


def select_levels(levels: pd.DataFrame, standard: str, land_use: str) -> pd.DataFrame:
    """The levels of ``standard`` that apply to ``land_use``, one per analyte and medium.

    Raises
    ------
    InvalidRequestError
        For an unknown standard or land use (the message lists the valid ones).
    """
    if land_use not in LAND_USES:
        raise InvalidRequestError(f"land use must be one of {', '.join(LAND_USES)}")
    available = sorted(levels["standard"].unique())
    if standard not in available:
        raise InvalidRequestError(
            f"unknown standard {standard!r}; available: {', '.join(available)}"
        )
    chosen = levels[
        (levels["standard"] == standard) & levels["land_use"].isin([land_use, "any"])
    ].copy()
    chosen["_specific"] = chosen["land_use"] == land_use
    chosen["key"] = chosen["cas_number"].fillna(chosen["analyte"])
    chosen = chosen.sort_values("_specific", ascending=False).drop_duplicates(["key", "medium"])
    return chosen.drop(columns="_specific")


BACKGROUND_RULE = (
    "level = max(standard level, background threshold value): where the recommended "
    "background BTV of the analyte and medium is above the standard's level, the BTV is "
    "the screening level (level_basis says which)"
)


def screen_results(
    results: pd.DataFrame,
    levels: pd.DataFrame,
    *,
    standard: str,
    land_use: str,
    background: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Screen results against one standard for one land use.

    Parameters
    ----------
    results
        Rows of the results layer (canonical units: mg/kg for solids, ug/L for waters).
    levels
        Rows of the screening_levels layer.
    standard, land_use
        Which standard, for residential or industrial land.
    background
        Optional recommended background threshold values (``analyte``, ``medium``,
        ``unit``, ``btv``, ``btv_statistic``, as from
        :func:`site_gis.contamination.background.recommended_btvs`): the level becomes
        max(standard level, BTV) (:data:`BACKGROUND_RULE`), and ``standard_level``,
        ``background_btv`` and ``level_basis`` are added.  Results without a standard
        level keep "no level".

    Returns
    -------
    DataFrame
        ``results`` with ``standard``, ``version``, ``level``, ``lower_level``,
        ``level_unit``, ``level_status`` ("verified" / "to verify"),
        ``level_source`` (the issuer's official page), ``level_citation``
        (issuer, title, year, table), ``ratio`` and ``flag`` added (see the module rules).
    """
    chosen = select_levels(levels, standard, land_use).reset_index(drop=True)
    if "citation" not in chosen:  # a store built before levels carried their citation
        chosen["citation"] = None
    lookup = pd.MultiIndex.from_arrays([chosen["key"], chosen["medium"]])
    key = results["cas_number"].fillna(results["analyte"])
    position = lookup.get_indexer(pd.MultiIndex.from_arrays([key, results["medium"]]))
    has_level = position >= 0

    def take(column: str) -> np.ndarray:
        out = np.full(len(position), np.nan)
        out[has_level] = chosen[column].to_numpy(dtype=float)[position[has_level]]
        return out

    def take_text(column: str) -> pd.Categorical:
        codes, names = pd.factorize(chosen[column])
        full = np.full(len(position), -1)
        full[has_level] = codes[position[has_level]]
        return pd.Categorical.from_codes(full, categories=names)

    level = take("value")
    lower = take("lower_value")
    extra: dict[str, Any] = {}
    if background is not None:
        btv = _background_levels(results, background)
        use_btv = has_level & (btv > level)
        extra = {
            "standard_level": level.copy(),
            "background_btv": btv,
            "level_basis": pd.Categorical.from_codes(
                np.where(use_btv, 1, np.where(has_level, 0, -1)),
                categories=pd.Index(["standard", "background BTV"]),
            ),
        }
        level = np.where(use_btv, btv, level)
    detected = results["detected"].to_numpy(dtype=bool)
    measured = np.where(
        detected,
        results["value"].to_numpy(dtype=float),
        results["detection_limit"].to_numpy(dtype=float),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(level > 0, measured / level, np.where(measured > 0, np.inf, 0.0))
    flag = np.full(len(results), FLAGS.index(NO_LEVEL))
    flag[has_level & detected] = FLAGS.index(PASSES)
    flag[has_level & detected & (measured > level)] = FLAGS.index(EXCEEDS)
    is_range = has_level & ~np.isnan(lower)
    flag[is_range & detected & ((measured > level) | (measured < lower))] = FLAGS.index(
        OUTSIDE_RANGE
    )
    flag[has_level & ~detected] = FLAGS.index(NOT_DETECTED)
    flag[has_level & ~detected & (measured > level)] = FLAGS.index(DL_ABOVE)
    status = np.full(len(position), -1)
    status[has_level] = np.where(chosen["verified"].to_numpy(dtype=bool)[position[has_level]], 0, 1)
    constant = np.zeros(len(results), dtype=int)
    return results.assign(
        standard=pd.Categorical.from_codes(constant, categories=pd.Index([standard])),
        land_use=pd.Categorical.from_codes(constant, categories=pd.Index([land_use])),
        version=take_text("version"),
        level=level,
        lower_level=lower,
        level_unit=take_text("unit"),
        level_status=pd.Categorical.from_codes(
            status, categories=pd.Index(["verified", "to verify"])
        ),
        level_source=take_text("source_url"),
        level_citation=take_text("citation"),
        ratio=np.where(has_level, ratio, np.nan),
        flag=pd.Categorical.from_codes(flag, categories=pd.Index(FLAGS)),
        **extra,
    )


def _background_levels(results: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """The BTV of each result's analyte, medium and unit (NaN where there is none)."""
    keys = pd.MultiIndex.from_frame(background[["analyte", "medium", "unit"]].astype(str))
    where = keys.get_indexer(
        pd.MultiIndex.from_frame(results[["analyte", "medium", "unit"]].astype(str))
    )
    values = background["btv"].to_numpy(dtype=float)
    return (
        np.where(where >= 0, values[np.maximum(where, 0)], np.nan)
        if len(values)
        else (np.full(len(results), np.nan))
    )


def exceedance_table(screened: pd.DataFrame, *, only_exceeding: bool = True) -> pd.DataFrame:
    """Samples × analytes table of screened results (EQuIS-style crosstab).

    Each cell shows the value (``<DL`` for non-detects) followed by the flag in
    brackets where it is not a pass: ``"1200 [exceeds 2.3×]"``,
    ``"<0.5 [DL above level]"``.  With ``only_exceeding`` only samples with at
    least one exceedance are kept.
    """
    sample_fields = [
        "sample_id",
        "location_id",
        "medium",
        "depth_top_m",
        "depth_bottom_m",
        "sampled_on",
    ]
    if screened.empty:
        return pd.DataFrame(columns=sample_fields)
    values = screened["value"].map("{:g}".format)
    limits = "<" + screened["detection_limit"].map("{:g}".format)
    shown = values.where(screened["detected"].astype(bool), limits)
    marks = {EXCEEDS: "exceeds", OUTSIDE_RANGE: "outside range", DL_ABOVE: "DL above level"}
    note = screened["flag"].map(marks)
    ratio = screened["ratio"].map(lambda r: f" {r:.3g}×" if np.isfinite(r) else "")
    suffix = note.fillna("") + ratio.where(screened["flag"] == EXCEEDS, "")
    cell = shown.where(note.isna(), shown + " [" + suffix + "]")
    wide = screened.assign(cell=cell).pivot_table(
        index=sample_fields, columns="analyte", values="cell", aggfunc="first"
    )
    if only_exceeding:
        exceeding = screened.loc[screened["flag"].isin(EXCEEDING_FLAGS), "sample_id"].unique()
        wide = wide[wide.index.get_level_values("sample_id").isin(exceeding)]
    wide.columns.name = None
    wide = wide.reindex(columns=sorted(wide.columns))
    return wide.reset_index()
