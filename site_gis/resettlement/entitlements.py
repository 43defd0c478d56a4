"""The entitlement matrix: resettlement rates as editable data, validated, with overrides.

The shipped matrix is ``site_gis/reference/entitlement_matrix.toml``; a user's
copy in the same shape replaces it.  Every problem in a matrix (a missing
category, a negative rate, an unknown structure type, a malformed date) is
reported at once, naming the entry.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from site_gis.errors import Problem, ValidationError
from site_gis.schemas import STRUCTURE_TYPES

CATEGORIES = (
    "shifting_allowance",
    "rental_support",
    "business_loss",
    "wage_earner",
    "vulnerable_household",
    "contingency",
    "administration",
)
"""Categories besides ``structure_replacement`` (one rate per structure type)."""


class Rate(BaseModel):
    """One entitlement: an amount per unit, with its provenance."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    rate: float = Field(ge=0, description="Amount per unit (currency), or a percentage")
    unit: str
    months: float | None = Field(None, ge=0, description="Months, for monthly allowances")
    source: str
    price_year: str
    verified: bool
    note: str = ""


class EntitlementMatrix(BaseModel):
    """Rates of every entitlement, the cut-off date and what it withholds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    currency: str
    cut_off_date: date
    withheld_after_cut_off: list[str]
    workers_per_business: float = Field(ge=0)
    structure_replacement: dict[str, Rate]
    shifting_allowance: Rate
    rental_support: Rate
    business_loss: Rate
    wage_earner: Rate
    vulnerable_household: Rate
    contingency: Rate
    administration: Rate


def load_matrix(
    path: Path | None = None, *, overrides: dict[str, Any] | None = None
) -> EntitlementMatrix:
    """Read and check a matrix (default: the shipped one), applying ``overrides``.

    Parameters
    ----------
    path
        A TOML file in the shape of the shipped matrix.
    overrides
        Dotted paths to new values, e.g. ``{"rental_support.rate": 20000,
        "structure_replacement.katcha.rate": 9000, "cut_off_date": "2025-06-30"}``.

    Raises
    ------
    ValidationError
        Naming every bad entry.
    """
    source = str(path) if path else "entitlement_matrix.toml"
    try:
        if path is None:
            text = (
                resources.files("site_gis.reference")
                .joinpath("entitlement_matrix.toml")
                .read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError([Problem(source, None, None, None, f"cannot read: {exc}")]) from exc
    problems = []
    for key, value in (overrides or {}).items():
        if not _set_path(data, key, value):
            problems.append(Problem(source, None, key, value, "no such entry to override"))
    problems.extend(_shape_problems(data, source))
    if problems:
        raise ValidationError(problems, summary=f"the entitlement matrix {source} has problems")
    try:
        return EntitlementMatrix.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    ".".join(str(p) for p in error["loc"]),
                    error.get("input"),
                    error["msg"],
                )
                for error in exc.errors()
            ],
            summary=f"the entitlement matrix {source} has problems",
        ) from exc


def _shape_problems(data: dict[str, Any], source: str) -> list[Problem]:
    problems = []
    types = data.get("structure_replacement")
    if not isinstance(types, dict):
        problems.append(Problem(source, None, "structure_replacement", None, "missing category"))
    else:
        for name in types:
            if name not in STRUCTURE_TYPES:
                problems.append(
                    Problem(
                        source,
                        None,
                        f"structure_replacement.{name}",
                        None,
                        f"unknown structure type; expected {', '.join(STRUCTURE_TYPES)}",
                    )
                )
        for name in STRUCTURE_TYPES:
            if name not in types:
                problems.append(
                    Problem(
                        source,
                        None,
                        f"structure_replacement.{name}",
                        None,
                        "missing structure type",
                    )
                )
    for category in CATEGORIES:
        if category not in data:
            problems.append(Problem(source, None, category, None, "missing category"))
    withheld = data.get("withheld_after_cut_off", [])
    if not isinstance(withheld, list) or not all(isinstance(w, str) for w in withheld):
        problems.append(
            Problem(
                source,
                None,
                "withheld_after_cut_off",
                str(withheld)[:80],
                "must be a list of category names",
            )
        )
        withheld = []
    for name in withheld:
        if name not in (*CATEGORIES, "structure_replacement"):
            problems.append(Problem(source, None, "withheld_after_cut_off", name, "not a category"))
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
