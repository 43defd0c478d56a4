"""Recognise analytes as labs write them: canonical names, synonyms or CAS numbers."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from site_gis.reference import analytes as analyte_table


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


@cache
def _lookup() -> tuple[dict[str, str], dict[str, str]]:
    """(name or synonym key -> canonical name, CAS number -> canonical name)."""
    by_name: dict[str, str] = {}
    by_cas: dict[str, str] = {}
    for row in analyte_table().itertuples():
        name = str(row.analyte)
        by_name[_key(name)] = name
        for synonym in str(row.synonyms).split("|") if isinstance(row.synonyms, str) else []:
            by_name[_key(synonym)] = name
        if isinstance(row.cas_number, str):
            by_cas[row.cas_number.strip()] = name
    return by_name, by_cas


def known_analytes() -> list[str]:
    """Canonical analyte names, in reference order."""
    return [str(a) for a in analyte_table()["analyte"]]


def cas_numbers() -> dict[str, str | None]:
    """Canonical analyte name -> CAS number (``None`` for pH)."""
    table = analyte_table()
    return {
        str(a): (c if isinstance(c, str) else None)
        for a, c in zip(table["analyte"], table["cas_number"], strict=True)
    }


def resolve_analytes(names: pd.Series, cas: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Canonical analyte names for what a lab sent.

    Parameters
    ----------
    names
        Analyte names as sent (may be empty where a CAS number is given).
    cas
        CAS numbers as sent (may be empty).

    Returns
    -------
    tuple
        Canonical names (missing where unknown) and a boolean array marking rows
        whose name and CAS number name different analytes.
    """
    by_name, by_cas = _lookup()
    from_name = names.fillna("").astype(str).map(lambda t: by_name.get(_key(t)) if t else None)
    cas_text = cas.fillna("").astype(str).str.strip()
    # a CAS number may also be sent in the analyte column
    from_cas = cas_text.map(by_cas.get).where(
        cas_text != "", names.fillna("").astype(str).str.strip().map(by_cas.get)
    )
    canonical = from_cas.where(from_cas.notna(), from_name)
    conflict = (from_name.notna() & from_cas.notna() & (from_name != from_cas)).to_numpy(bool)
    return canonical, conflict
