"""Unit rates in a stated price year and a stated unit: the cost table and the index table.

Two editable tables, as data (``site_gis/reference/``):

* ``remediation_costs.csv``: one rate per technology, low / central / high, in the
  **unit the source quotes** (``short_ton``, ``tonne``, ``yd3``, ``m3``, ``m2``), with
  the source's own price year (text) and the year it is escalated from
  (``index_year``, an integer; for an undated source the assumed year, said in the
  note), its source and whether the figure was read in it (``verified``).
* ``cost_index.csv``: an escalation index (US CPI-U annual averages, BLS), one row per
  year with its value, the official series as ``source_url``, the secondary table the value
  was read in as ``seen_in`` and ``verified`` (false until read in the BLS release itself).

:func:`price_rates` converts every rate **once** to a metric quantity (per tonne,
per m³ or per m²: 1 short ton = 0.90718474 t, 1 yd³ = 0.764554857984 m³, exact by
definition) and escalates it from its index year to the chosen price year:
``rate × I(price year) / I(index year)``.  The original rate, unit and year stay
beside the converted one in every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from site_gis.errors import InvalidRequestError, Problem, ValidationError

SHORT_TON_T = 0.90718474
"""Tonnes in one US short ton (2,000 lb × 0.45359237 kg/lb, exact)."""
CUBIC_YARD_M3 = 0.764554857984
"""Cubic metres in one cubic yard (0.9144³ m³, exact)."""
UNITS: dict[str, tuple[str, float]] = {
    "short_ton": ("tonnes", SHORT_TON_T),
    "tonne": ("tonnes", 1.0),
    "yd3": ("volume_m3", CUBIC_YARD_M3),
    "m3": ("volume_m3", 1.0),
    "m2": ("area_m2", 1.0),
}
"""Each rate unit: the quantity it is charged on and how many metric units one of it is."""
BASIS_OF = {"tonnes": "per_tonne", "volume_m3": "per_m3", "area_m2": "per_m2"}
UNIT_LABEL = {
    "short_ton": "short ton",
    "tonne": "tonne",
    "yd3": "yd³",
    "m3": "m³",
    "m2": "m²",
}
COST_COLUMNS = (
    "technology",
    "applies_to",
    "unit",
    "low",
    "central",
    "high",
    "currency",
    "price_year",
    "index_year",
    "verified",
    "source_url",
    "note",
)
INDEX_COLUMNS = ("index", "year", "value", "base", "verified", "source_url", "note")
"""Required; ``seen_in`` (a secondary copy the value was read in) is optional."""


def _read(name: str, **kwargs: object) -> pd.DataFrame:
    with resources.files("site_gis.reference").joinpath(name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, **kwargs)  # type: ignore[call-overload]


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def cost_index(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The escalation index table, checked: the shipped one, or ``frame`` in its columns.

    Raises
    ------
    ValidationError
        Naming each row (year) and field that is missing, repeated or not positive.
    """
    table = _read("cost_index.csv") if frame is None else frame.copy()
    problems = [
        Problem("cost index", None, c, None, "required column is missing")
        for c in INDEX_COLUMNS
        if c not in table.columns
    ]
    if problems:
        raise ValidationError(problems)
    years = pd.to_numeric(table["year"], errors="coerce")
    values = pd.to_numeric(table["value"], errors="coerce")
    for i in range(len(table)):
        year, value = years.iloc[i], values.iloc[i]
        row = str(table["year"].iloc[i])
        if pd.isna(year) or year != int(year):
            problems.append(Problem("cost index", i, "year", row, "must be a whole year"))
        if pd.isna(value) or not value > 0:
            problems.append(
                Problem("cost index", row, "value", str(table["value"].iloc[i]), "must be > 0")
            )
    repeated = years[years.duplicated()].dropna().unique()
    problems += [
        Problem("cost index", str(int(y)), "year", str(int(y)), "year given twice")
        for y in repeated
    ]
    if table["index"].nunique() > 1:
        problems.append(
            Problem("cost index", None, "index", None, "the table must hold one index only")
        )
    if problems:
        raise ValidationError(problems, summary="the cost index table has problems")
    table["year"] = years.astype(int)
    table["value"] = values.astype(float)
    table["verified"] = table["verified"].map(_flag)
    if "seen_in" not in table.columns:
        table["seen_in"] = ""
    return table.sort_values("year").reset_index(drop=True)


def unit_costs(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The unit-cost table, checked: the shipped one, or ``frame`` in the same columns.

    Raises
    ------
    ValidationError
        Naming each technology (row) and field with a problem: a missing column, an
        unknown unit, rates not ``0 ≤ low ≤ central ≤ high``, or a rate without a whole
        ``index_year``.
    """
    table = (
        _read("remediation_costs.csv", dtype={"price_year": str}) if frame is None else frame.copy()
    )
    problems = [
        Problem("unit costs", None, c, None, "required column is missing")
        for c in COST_COLUMNS
        if c not in table.columns
    ]
    if problems:
        raise ValidationError(problems)
    for column in ("low", "central", "high", "index_year"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    for row in table.to_dict("records"):
        tech = row["technology"]
        if row["unit"] not in UNITS:
            problems.append(
                Problem(
                    "unit costs", tech, "unit", row["unit"], f"must be one of {', '.join(UNITS)}"
                )
            )
        rates = [row[c] for c in ("low", "central", "high")]
        given = [r for r in rates if not pd.isna(r)]
        if given and (len(given) < 3 or min(given) < 0 or not rates[0] <= rates[1] <= rates[2]):
            problems.append(
                Problem(
                    "unit costs",
                    tech,
                    "low/central/high",
                    str(rates),
                    "give three rates with low ≤ central ≤ high",
                )
            )
        year = row["index_year"]
        if given and (pd.isna(year) or year != int(year)):
            problems.append(
                Problem(
                    "unit costs",
                    tech,
                    "index_year",
                    str(year),
                    "a rate needs the whole year it is escalated from",
                )
            )
    if problems:
        raise ValidationError(problems, summary="the unit-cost table has problems")
    table["verified"] = table["verified"].map(_flag)
    return table


@dataclass(frozen=True)
class PriceBasis:
    """The price year every cost of an estimate is in, and the index that brought it there."""

    year: int
    index: str
    value: float
    verified: bool
    source_url: str

    def describe(self) -> dict[str, object]:
        """As JSON: year, index, index value, verified, source."""
        return {
            "price_year": self.year,
            "index": self.index,
            "index_value": self.value,
            "index_verified": self.verified,
            "index_source": self.source_url,
        }


def price_basis(index: pd.DataFrame, price_year: int | None = None) -> PriceBasis:
    """The chosen price year (default: the latest in the index table) and its index value.

    Raises
    ------
    InvalidRequestError
        For a year the table does not hold (the message lists the years it does).
    """
    year = int(index["year"].max()) if price_year is None else int(price_year)
    row = index[index["year"] == year]
    if row.empty:
        raise InvalidRequestError(
            f"price_year {year} is not in the cost index table; it holds "
            f"{', '.join(str(y) for y in index['year'])}"
        )
    first = row.iloc[0]
    return PriceBasis(
        year=year,
        index=str(first["index"]),
        value=float(first["value"]),
        verified=bool(first["verified"]),
        source_url=str(first["source_url"]),
    )


def price_rates(costs: pd.DataFrame, index: pd.DataFrame, basis: PriceBasis) -> pd.DataFrame:
    """Every rate converted once to a metric quantity and escalated to ``basis.year``.

    Returns
    -------
    DataFrame
        The cost table's rows with ``quantity`` (``tonnes``, ``volume_m3`` or
        ``area_m2``), ``rate_basis`` (``per_tonne``, ``per_m3``, ``per_m2``),
        ``rate_unit`` (the source's, e.g. ``USD/short ton``), ``rate_low`` /
        ``rate_central`` / ``rate_high`` (the source's figures), ``escalation_factor``
        (I(price year) / I(index year)), ``index_year_verified``, and ``low`` /
        ``central`` / ``high`` per metric quantity in the price year (null where the
        table has no rate).

    Raises
    ------
    ValidationError
        Naming each technology whose ``index_year`` the index table does not hold.
    """
    values = dict(zip(index["year"], index["value"], strict=True))
    checked = dict(zip(index["year"], index["verified"], strict=True))
    problems = [
        Problem(
            "unit costs",
            row["technology"],
            "index_year",
            str(int(row["index_year"])),
            f"not in the cost index table ({index['year'].min()}–{index['year'].max()}, "
            f"{len(index)} years)",
        )
        for row in costs.to_dict("records")
        if not pd.isna(row["index_year"]) and int(row["index_year"]) not in values
    ]
    if problems:
        raise ValidationError(problems, summary="unit costs cannot be escalated")
    out = costs.copy()
    out["quantity"] = [UNITS[u][0] for u in out["unit"]]
    out["rate_basis"] = [BASIS_OF[q] for q in out["quantity"]]
    out["rate_unit"] = [
        f"{c}/{UNIT_LABEL[u]}" for c, u in zip(out["currency"], out["unit"], strict=True)
    ]
    size = pd.Series([UNITS[u][1] for u in out["unit"]], index=out.index)
    factor = pd.Series(
        [
            basis.value / values[int(y)] if not pd.isna(y) else float("nan")
            for y in out["index_year"]
        ],
        index=out.index,
    )
    out["escalation_factor"] = factor
    out["index_year_verified"] = [
        bool(checked[int(y)]) if not pd.isna(y) else False for y in out["index_year"]
    ]
    for column in ("low", "central", "high"):
        out[f"rate_{column}"] = out[column]
        out[column] = out[column] / size * factor
    out["price_year_of_costs"] = basis.year
    return out


__all__ = [
    "CUBIC_YARD_M3",
    "SHORT_TON_T",
    "UNITS",
    "PriceBasis",
    "cost_index",
    "price_basis",
    "price_rates",
    "unit_costs",
]
