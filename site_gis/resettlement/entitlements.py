"""The entitlement matrix: rows keyed as in a resettlement action plan, rates as editable data.

A row grants one loss type to one affected category of one eligibility, at a
named rate (or grants nothing), and cites its policy: ADB SPS 2009 Appendix 2,
WB ESS5 paras 10-14, the Land Acquisition Act 1894 ss. 23-24 where titled land
is acquired.  Eligibility follows ESS5 para 10 -- formal rights, recognisable
claims, no recognisable rights -- plus ``after_cut_off`` for anyone first
recorded after the cut-off round, who gets nothing unless a row of the
framework grants a stated allowance.  A (loss, category, eligibility) that no
row names is not entitled either.

The shipped matrix is ``site_gis/reference/entitlement_matrix.toml``; a user's
copy in the same shape replaces it.  Every problem in a matrix (an unknown
loss, category or rate, a duplicated key, a negative rate, a malformed date)
is reported at once, naming the entry.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from site_gis.errors import Problem, ValidationError
from site_gis.schemas import STRUCTURE_TYPES

LOSSES = (
    "residential_structure",
    "commercial_structure",
    "land_use",
    "income_business",
    "wages",
    "shifting",
    "rental",
    "vulnerable",
)
"""Loss types, in RAP order.  Quantities: structures m² of floor area at the cut-off
round; land m² of plot; income businesses × months; wages workers × months;
shifting and vulnerable households; rental households × months."""
CATEGORIES = ("owner_occupier", "tenant", "business_owner", "employee", "post_cut_off_occupant")
"""Affected categories."""
ELIGIBILITIES = ("formal_rights", "recognisable_claim", "no_recognisable_rights", "after_cut_off")
"""Eligibility (ESS5 para 10 (a), (b), (c)) and arrival after the cut-off."""
OVERHEADS = ("contingency", "administration")
"""Rates applied as percentages of the entitlement subtotal."""
STRUCTURE_RATE = "structure"
"""A row's rate meaning "the rate of the structure's construction type"."""


class Rate(BaseModel):
    """One rate: an amount per unit, with its provenance."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    rate: float = Field(ge=0, le=1e12, description="Amount per unit (currency), or a percentage")
    unit: str
    months: float | None = Field(None, ge=0, le=240, description="Months, for monthly allowances")
    source: str
    seen_in: str = Field("", description="A secondary copy, where the figure was seen")
    price_year: str
    verified: bool
    note: str = ""

    @property
    def per_unit(self) -> float:
        """The amount per unit, times the months of a monthly allowance."""
        return self.rate * (self.months if self.months is not None else 1.0)


class EntitlementRow(BaseModel):
    """One row of the matrix; ``loss``, ``category`` and ``eligibility`` may list several."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=40)
    loss: tuple[str, ...]
    category: tuple[str, ...]
    eligibility: tuple[str, ...]
    rate: str = Field("", description='A key of the rates, "structure", or "" (not entitled)')
    multiplier: float = Field(1.0, ge=0, le=10)
    policy: str = Field(min_length=1)
    policy_verified: bool = False
    note: str = ""

    @pydantic.field_validator("loss", "category", "eligibility", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @property
    def grants(self) -> bool:
        """Whether the row grants anything."""
        return bool(self.rate) and self.multiplier > 0


class EntitlementMatrix(BaseModel):
    """Rates, rows, the cut-off round (or date) and the cited policies."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    currency: str
    cut_off_round: str | None = None
    cut_off_date: date
    workers_per_business: float = Field(ge=0, le=1000)
    policies: dict[str, str] = Field(default_factory=dict)
    rates: dict[str, Rate]
    rows: list[EntitlementRow]

    def row_for(self, loss: str, category: str, eligibility: str) -> EntitlementRow | None:
        """The row granting ``loss`` to ``category`` of ``eligibility``, if any."""
        return self.keyed().get((loss, category, eligibility))

    def keyed(self) -> dict[tuple[str, str, str], EntitlementRow]:
        """Every (loss, category, eligibility) a row names, to its row."""
        return {
            (loss, category, eligibility): row
            for row in self.rows
            for loss in row.loss
            for category in row.category
            for eligibility in row.eligibility
        }

    def per_unit(self, row: EntitlementRow, structure_type: str | None = None) -> float:
        """Amount per unit of ``row`` (for structure rows, of ``structure_type``)."""
        if not row.grants:
            return 0.0
        key = f"structure_{structure_type}" if row.rate == STRUCTURE_RATE else row.rate
        return self.rates[key].per_unit * row.multiplier

    def unverified(self) -> list[str]:
        """Rates and rows still to verify at the source."""
        names = [f"rates.{k}" for k, r in self.rates.items() if not r.verified]
        names += [f"rows.{r.id}" for r in self.rows if not r.policy_verified]
        return sorted(names)


def read_reference_toml(name: str, path: Path | None = None) -> tuple[str, dict[str, Any]]:
    """A TOML table: ``path``, or the shipped ``site_gis/reference/<name>``; with its source name.

    Raises
    ------
    ValidationError
        If it cannot be read or parsed (naming the file).
    """
    source = str(path) if path else name
    try:
        if path is None:
            text = resources.files("site_gis.reference").joinpath(name).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return source, tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError([Problem(source, None, None, None, f"cannot read: {exc}")]) from exc


def load_matrix(
    path: Path | None = None, *, overrides: dict[str, Any] | None = None
) -> EntitlementMatrix:
    """Read and check a matrix (default: the shipped one), applying ``overrides``.

    Parameters
    ----------
    path
        A TOML file in the shape of the shipped matrix.
    overrides
        Dotted paths to new values, e.g. ``{"rates.rental_owner.rate": 20000,
        "rates.structure_katcha.rate": 9000, "cut_off_round": "R3"}``.

    Raises
    ------
    ValidationError
        Naming every bad entry.
    """
    source, data = read_reference_toml("entitlement_matrix.toml", path)
    problems = []
    for key, value in (overrides or {}).items():
        if not _set_path(data, key, value):
            problems.append(Problem(source, None, key, value, "no such entry to override"))
    if problems:
        raise ValidationError(problems, summary=f"the entitlement matrix {source} has problems")
    try:
        matrix = EntitlementMatrix.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    _location(data, error["loc"]),
                    error.get("input") if not isinstance(error.get("input"), dict) else None,
                    error["msg"],
                )
                for error in exc.errors()
            ],
            summary=f"the entitlement matrix {source} has problems",
        ) from exc
    problems = _shape_problems(matrix, source)
    if problems:
        raise ValidationError(problems, summary=f"the entitlement matrix {source} has problems")
    return matrix


def _location(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """A pydantic location as a dotted path, naming rows by id (``rows.RS-N.rate``)."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
        rows = data.get("rows") or []
        row = rows[loc[1]] if loc[1] < len(rows) and isinstance(rows[loc[1]], dict) else {}
        parts[1] = str(row.get("id", loc[1]))
    return ".".join(parts)


def _shape_problems(matrix: EntitlementMatrix, source: str) -> list[Problem]:
    problems = []

    def bad(field: str, value: object, reason: str) -> None:
        problems.append(Problem(source, None, field, value, reason))

    for name in STRUCTURE_TYPES:
        if f"structure_{name}" not in matrix.rates:
            bad(f"rates.structure_{name}", None, "missing rate of a structure type")
    for name in OVERHEADS:
        if name not in matrix.rates:
            bad(f"rates.{name}", None, "missing rate")
        elif matrix.rates[name].unit != "percent":
            bad(f"rates.{name}.unit", matrix.rates[name].unit, "must be percent")
    seen: dict[tuple[str, str, str], str] = {}
    ids: set[str] = set()
    for row in matrix.rows:
        if row.id in ids:
            bad(f"rows.{row.id}", row.id, "duplicate row id")
        ids.add(row.id)
        for field, values, allowed in (
            ("loss", row.loss, LOSSES),
            ("category", row.category, CATEGORIES),
            ("eligibility", row.eligibility, ELIGIBILITIES),
        ):
            if not values:
                bad(f"rows.{row.id}.{field}", "", "must name at least one")
            for value in values:
                if value not in allowed:
                    bad(f"rows.{row.id}.{field}", value, f"unknown; expected {', '.join(allowed)}")
        if row.rate and row.rate != STRUCTURE_RATE and row.rate not in matrix.rates:
            bad(f"rows.{row.id}.rate", row.rate, "no such rate in [rates]")
        if row.rate in OVERHEADS:
            bad(f"rows.{row.id}.rate", row.rate, "contingency and administration are overheads")
        for key in ((lo, c, e) for lo in row.loss for c in row.category for e in row.eligibility):
            if key in seen:
                bad(f"rows.{row.id}", ",".join(key), f"already granted by row {seen[key]}")
            seen[key] = row.id
        late = "after_cut_off" in row.eligibility
        if late != ("post_cut_off_occupant" in row.category) or (
            late and (len(row.eligibility) > 1 or len(row.category) > 1)
        ):
            bad(
                f"rows.{row.id}.eligibility",
                ",".join(row.eligibility),
                "after_cut_off goes with the post_cut_off_occupant category only, and only it",
            )
        structural = {"residential_structure", "commercial_structure"}
        if row.rate == STRUCTURE_RATE and not set(row.loss) <= structural:
            bad(f"rows.{row.id}.rate", row.rate, "the structure rate is for structure losses")
    return problems


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> bool:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        return False
    node[parts[-1]] = value
    return True


def matrix_table(matrix: EntitlementMatrix) -> pd.DataFrame:
    """The matrix as a RAP annex: one line per loss × category × eligibility a row names.

    Columns: ``row_id``, ``loss``, ``category``, ``eligibility``, ``entitlement``
    (the rate key, or "not entitled"), ``per_unit`` (currency; empty for structure
    rows, which depend on the type), ``unit``, ``months``, ``multiplier``,
    ``policy``, ``policy_verified``, ``source``, ``price_year``, ``rate_verified``, ``note``.
    """

    lines = []
    for row in matrix.rows:
        rate = matrix.rates.get(row.rate) if row.rate != STRUCTURE_RATE else None
        for loss in row.loss:
            for category in row.category:
                for eligibility in row.eligibility:
                    structural = row.rate == STRUCTURE_RATE
                    lines.append(
                        {
                            "row_id": row.id,
                            "loss": loss,
                            "category": category,
                            "eligibility": eligibility,
                            "entitlement": (
                                "replacement cost by construction type"
                                if structural
                                else row.rate or "not entitled"
                            ),
                            "per_unit": (
                                rate.per_unit * row.multiplier if rate and row.grants else None
                            ),
                            "unit": ("m2 floor area" if structural else rate.unit if rate else ""),
                            "months": rate.months if rate else None,
                            "multiplier": row.multiplier if row.grants else None,
                            "policy": row.policy,
                            "policy_verified": row.policy_verified,
                            "source": (
                                "; ".join(
                                    f"{k}: {matrix.rates[k].source}"
                                    for k in matrix.rates
                                    if k.startswith("structure_")
                                )
                                if structural
                                else rate.source
                                if rate
                                else ""
                            ),
                            "seen_in": rate.seen_in if rate else "",
                            "price_year": rate.price_year if rate else "",
                            "rate_verified": (
                                all(
                                    r.verified
                                    for k, r in matrix.rates.items()
                                    if k.startswith("structure_")
                                )
                                if structural
                                else rate.verified
                                if rate
                                else None
                            ),
                            "note": row.note,
                        }
                    )
    return pd.DataFrame(lines)
