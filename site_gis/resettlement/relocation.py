"""The relocation-site scenario: serviced plots and transport, compared with cash only.

Each household of an offered category (default: owner-occupiers) that is
eligible (not after the cut-off) gets a plot of ``plot`` m² on the site, the
site's basic services per plot and organised transport; the cash entitlements
named in ``replaces`` (default: the shifting allowance) are not paid to it.
Everything else -- structure replacement, rent, livelihood, vulnerability -- is
the same in both scenarios.  Rates come from the editable
``site_gis/reference/relocation_site.toml``; contingency and administration
apply to both subtotals at the matrix's percentages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from site_gis.errors import Problem, ValidationError
from site_gis.resettlement.entitlements import (
    CATEGORIES,
    LOSSES,
    OVERHEADS,
    EntitlementMatrix,
    Rate,
    _set_path,
    read_reference_toml,
)

RELOCATION_COSTS = ("relocation_land", "relocation_services", "relocation_transport")
RELOCATION_MONEY = (
    *RELOCATION_COSTS,
    "relocation_replaced",
    "total_cash_only",
    "total_relocation_site",
)
"""Amounts (currency) the scenario adds to each summary row."""


class RelocationSite(BaseModel):
    """Plot size, the site's rates, who is offered a plot and what it replaces."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    currency: str
    name: str
    categories: list[str] = Field(min_length=1)
    replaces: list[str] = Field(default_factory=list)
    plot: Rate
    rates: dict[str, Rate]

    @pydantic.model_validator(mode="after")
    def _known(self) -> RelocationSite:
        for category in self.categories:
            if category not in CATEGORIES or category == "post_cut_off_occupant":
                raise ValueError(f"categories: {category!r} cannot be offered a plot")
        for loss in self.replaces:
            if loss not in LOSSES:
                raise ValueError(f"replaces: unknown loss {loss!r}")
        for name in ("land", "services", "transport"):
            if name not in self.rates:
                raise ValueError(f"rates.{name} is missing")
        return self


def load_relocation_site(
    path: Path | None = None, *, overrides: dict[str, Any] | None = None
) -> RelocationSite:
    """Read and check relocation-site rates (default: the shipped ones), with overrides.

    Raises
    ------
    ValidationError
        Naming every bad entry.
    """
    source, data = read_reference_toml("relocation_site.toml", path)
    bad = [
        Problem(source, None, f"relocation.{key}", value, "no such entry to override")
        for key, value in (overrides or {}).items()
        if not _set_path(data, key, value)
    ]
    if bad:
        raise ValidationError(bad, summary=f"the relocation-site rates {source} have problems")
    try:
        return RelocationSite.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    ".".join(["relocation", *(str(p) for p in error["loc"])])
                    if error["loc"]
                    else "relocation",
                    None,
                    error["msg"],
                )
                for error in exc.errors()
            ],
            summary=f"the relocation-site rates {source} have problems",
        ) from exc


def relocation_costs(
    claimed: pd.DataFrame, n_structures: int, site: RelocationSite, matrix: EntitlementMatrix
) -> pd.DataFrame:
    """Per structure (by position): plots, the site's costs, the cash replaced, both totals.

    Columns: ``relocation_plots``, ``relocation_land``, ``relocation_services``,
    ``relocation_transport``, ``relocation_replaced`` (currency), ``total_cash_only``
    and ``total_relocation_site`` (with contingency and administration).
    """
    households = claimed[claimed["loss"] == "shifting"]
    offered = households["category"].isin(site.categories) & (
        households["eligibility"] != "after_cut_off"
    )
    plots = np.bincount(households.loc[offered, "structure"], minlength=n_structures).astype(float)
    out = pd.DataFrame({"relocation_plots": plots})
    out["relocation_land"] = plots * site.plot.rate * site.rates["land"].per_unit
    out["relocation_services"] = plots * site.rates["services"].per_unit
    out["relocation_transport"] = plots * site.rates["transport"].per_unit
    replaced = claimed[
        claimed["loss"].isin(site.replaces) & claimed["category"].isin(site.categories)
        & (claimed["eligibility"] != "after_cut_off")
    ]  # fmt: skip
    out["relocation_replaced"] = np.bincount(
        replaced["structure"], weights=replaced["amount"], minlength=n_structures
    )
    overhead = 1 + sum(matrix.rates[name].rate for name in OVERHEADS) / 100
    subtotal = np.bincount(claimed["structure"], weights=claimed["amount"], minlength=n_structures)
    out["total_cash_only"] = subtotal * overhead
    relocated = subtotal - out["relocation_replaced"] + out[list(RELOCATION_COSTS)].sum(axis=1)
    out["total_relocation_site"] = relocated * overhead
    return out


def scenarios(totals: pd.Series, site: RelocationSite) -> pd.DataFrame:
    """The two scenarios side by side, from one summarised row of totals."""

    def value(name: str) -> float | None:
        v = totals.get(name)
        return None if v is None or pd.isna(v) else float(v)

    return pd.DataFrame(
        [
            {
                "scenario": "cash_only",
                "description": "cash compensation and allowances only",
                "plots": 0.0 if value("relocation_plots") is not None else None,
                "relocation_land": 0.0 if value("relocation_land") is not None else None,
                "relocation_services": 0.0 if value("relocation_services") is not None else None,
                "relocation_transport": 0.0 if value("relocation_transport") is not None else None,
                "cash_replaced": 0.0 if value("relocation_replaced") is not None else None,
                "total": value("total_cash_only"),
            },
            {
                "scenario": "relocation_site",
                "description": f"{site.name}: {site.plot.rate:g} m² plot, services and "
                f"transport for {', '.join(site.categories)} households; "
                f"replaces {', '.join(site.replaces) or 'nothing'}",
                "plots": value("relocation_plots"),
                "relocation_land": value("relocation_land"),
                "relocation_services": value("relocation_services"),
                "relocation_transport": value("relocation_transport"),
                "cash_replaced": value("relocation_replaced"),
                "total": value("total_relocation_site"),
            },
        ]
    )
