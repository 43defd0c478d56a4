"""The standards library: screening levels as data, not code.

Shipped levels live in ``site_gis/reference/screening_levels.csv`` (US EPA
RSLs, Dutch intervention values, CCME industrial soil, WHO drinking water,
Pakistan NSDWQ and SEQS/NEQS effluent), each with its source, version and a
``verified`` flag: levels recalled rather than read at the source ship with
``verified = false`` and show as "to verify" in every output.  Users add their
own standard as a CSV in the same columns (``site-gis import-standard``).

Every shipped level cites its issuing body (``citation``: title, issuer, year,
table or annex) and the issuer's official page (``source_url``).  Where a figure
was only seen in a secondary copy (a mirror, a document-sharing site, a
consultant's note), that copy is named in ``seen_in`` and the level stays
``verified = false`` until it is checked against the issuer's document; no
level cites such a copy as its source (:data:`SECONDARY_HOSTS`, tested).

:func:`prepare_levels` turns such a CSV into rows of the ``screening_levels``
layer: analyte names resolved, units converted to the canonical unit of the
medium (the published figure is kept in ``published``), every problem reported.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from site_gis.contamination.analytes import cas_numbers, resolve_analytes
from site_gis.contamination.units import canonical_unit, conversion_factors, convert
from site_gis.errors import Problem, ValidationError
from site_gis.schemas import LAND_USES, MEDIA

COLUMNS = (
    "standard",
    "version",
    "analyte",
    "cas_number",
    "medium",
    "land_use",
    "value",
    "lower_value",
    "unit",
    "verified",
    "citation",
    "source_url",
    "seen_in",
    "note",
)
SECONDARY_HOSTS = (
    "the-uncensored-wiki.com",
    "scribd.com",
    "studylib.net",
    "morganlewis.com",
    "trihydro.com",
    "heavymetalindex.com",
    "liquisearch.com",
    "zoppoz.workers.dev",
    "sanaterre.com",
    "waterquality.de",
    "bashcloud.ir",
)
"""Hosts of secondary copies seen while compiling the shipped levels: never a ``source_url``."""
REQUIRED = ("standard", "version", "analyte", "medium", "land_use", "value", "unit", "verified")


def shipped_levels() -> pd.DataFrame:
    """The shipped standards library as published (before unit conversion)."""
    with (
        resources.files("site_gis.reference")
        .joinpath("screening_levels.csv")
        .open(encoding="utf-8") as handle
    ):
        return pd.read_csv(handle, dtype=str, keep_default_na=False, na_values=[""])


def prepare_levels(frame: pd.DataFrame, *, source: str = "standards") -> pd.DataFrame:
    """Rows of the ``screening_levels`` layer from a standards table.

    Parameters
    ----------
    frame
        Columns as in the shipped CSV (see :data:`COLUMNS`), values as text.
    source
        Name of the file, used in problem reports (rows are CSV line numbers).

    Raises
    ------
    ValidationError
        Listing every bad row and field.
    """
    problems: list[Problem] = []
    lines = np.arange(len(frame)) + 2  # header is line 1
    for column in REQUIRED:
        if column not in frame.columns:
            problems.append(Problem(source, None, column, None, "required column is missing"))
    if problems:
        raise ValidationError(problems, summary=f"{source} is not a standards table")
    text = frame.reindex(columns=list(COLUMNS)).astype("string").apply(lambda c: c.str.strip())

    def flag(mask: np.ndarray, column: str, reason: str) -> None:
        for i in np.flatnonzero(mask):
            problems.append(Problem(source, int(lines[i]), column, text[column].iloc[i], reason))

    for column in REQUIRED:
        flag(
            (text[column].isna() | (text[column] == "")).fillna(True).to_numpy(bool),
            column,
            "value is required",
        )

    analyte, conflict = resolve_analytes(text["analyte"], text["cas_number"])
    flag((analyte.isna() & text["analyte"].notna()).to_numpy(), "analyte", "unknown analyte")
    flag(conflict, "cas_number", "CAS number names another analyte")
    flag(
        (~text["medium"].isin(MEDIA) & text["medium"].notna()).to_numpy(bool),
        "medium",
        f"medium must be one of {', '.join(MEDIA)}",
    )
    flag(
        (~text["land_use"].isin((*LAND_USES, "any")) & text["land_use"].notna()).to_numpy(bool),
        "land_use",
        "land use must be residential, industrial or any",
    )
    value = pd.to_numeric(text["value"], errors="coerce")
    lower = pd.to_numeric(text["lower_value"], errors="coerce")
    flag(
        (value.isna() & text["value"].notna()).to_numpy(bool) | (value < 0).to_numpy(bool),
        "value",
        "must be a number ≥ 0",
    )
    flag(
        (lower.isna() & text["lower_value"].notna()).to_numpy(bool),
        "lower_value",
        "must be a number",
    )
    flag(
        (lower > value).fillna(False).to_numpy(bool),
        "lower_value",
        "the lower limit is above the level",
    )
    flag((lower < 0).fillna(False).to_numpy(bool), "lower_value", "must be a number ≥ 0")
    verified = text["verified"].str.lower().map({"true": True, "false": False})
    flag(
        (verified.isna() & text["verified"].notna()).to_numpy(bool),
        "verified",
        "must be true or false",
    )
    is_ph = (analyte == "pH").fillna(False)
    factor = conversion_factors(text["unit"], text["medium"], is_ph)
    flag(
        np.isnan(factor)
        & text["unit"].notna().to_numpy(bool)
        & text["medium"].isin(MEDIA).to_numpy(bool),
        "unit",
        "unit cannot be converted to the canonical unit of this medium",
    )
    if problems:
        raise ValidationError(problems, summary=f"{len(problems)} problem(s) in {source}")
    cas = analyte.map(cas_numbers())
    key = cas.where(cas.notna(), analyte)
    return pd.DataFrame(
        {
            "level_id": text["standard"]
            + ":"
            + key
            + ":"
            + text["medium"]
            + ":"
            + text["land_use"],
            "standard": text["standard"],
            "version": text["version"],
            "analyte": analyte,
            "cas_number": cas,
            "medium": text["medium"],
            "land_use": text["land_use"],
            "value": convert(value.to_numpy(float), factor),
            "lower_value": convert(lower.to_numpy(float), factor),
            "unit": [
                canonical_unit(m, is_ph=p) for m, p in zip(text["medium"], is_ph, strict=True)
            ],
            "published": text["value"] + " " + text["unit"],
            "verified": verified.astype(bool),
            "citation": text["citation"],
            "source_url": text["source_url"],
            "seen_in": text["seen_in"],
            "note": text["note"],
        }
    )
