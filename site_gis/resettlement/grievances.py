"""The grievance register (ESS5 grievance mechanism): counts per encroachment and status.

Officers add grievances; planners read the register and these counts.  The
register stores no name or contact of a complainant -- only date, place,
category and status -- and counts of 1 to ``MIN_GROUP - 1`` grievances in an
encroachment are suppressed, so a count never points at one complainant.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from site_gis.errors import InvalidRequestError
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups
from site_gis.schemas import GRIEVANCE_CATEGORIES, GRIEVANCE_STATUSES

CLOSED = ("resolved", "closed_unresolved")
"""Statuses that need a resolution date."""


def summarise_grievances(
    grievances: pd.DataFrame, *, today: date | None = None, minimum: int = MIN_GROUP
) -> pd.DataFrame:
    """Per encroachment (``(no encroachment)`` for others): grievances by status and category,
    open ones, and the median days to resolve those closed.

    Rows with 1 to ``minimum - 1`` grievances are suppressed (``suppressed`` column).
    """
    table = grievances.assign(
        encroachment_id=grievances["encroachment_id"].fillna("(no encroachment)")
    )
    key = table["encroachment_id"]
    by_status = pd.crosstab(key, table["status"]).reindex(
        columns=list(GRIEVANCE_STATUSES), fill_value=0
    )
    by_category = pd.crosstab(key, table["category"]).reindex(
        columns=list(GRIEVANCE_CATEGORIES), fill_value=0
    )
    by_category.columns = [f"category_{c}" for c in by_category.columns]
    out = pd.concat([by_status, by_category], axis=1)
    out.insert(0, "grievances", by_status.sum(axis=1))
    out["open"] = out["grievances"] - out[list(CLOSED)].sum(axis=1)
    days = (
        pd.to_datetime(table["resolved_on"], format="%Y-%m-%d")
        - pd.to_datetime(table["received_on"], format="%Y-%m-%d")
    ).dt.days
    out["median_days_to_close"] = days.groupby(key).median().reindex(out.index)
    out = out.reset_index(names="encroachment_id")
    hidden = [c for c in out.columns if c not in ("encroachment_id", "grievances")]
    return suppress_small_groups(out, count="grievances", columns=hidden, minimum=minimum)


def check_new_grievances(rows: pd.DataFrame, *, today: date) -> None:
    """Refuse rows a register must not hold: closed without a date, resolved before received,
    dated in the future.  Names the row and field of each problem (one error)."""
    problems = []
    for i, row in enumerate(rows.to_dict("records")):
        received = str(row["received_on"])
        value = row.get("resolved_on")
        resolved = str(value) if isinstance(value, str) and value else None
        status = str(row["status"])
        if received > today.isoformat():
            problems.append(f"row {i + 1} received_on: {received} is in the future")
        if status in CLOSED and not resolved:
            problems.append(f"row {i + 1} resolved_on: needed when status is {status}")
        if resolved and status not in CLOSED:
            problems.append(f"row {i + 1} resolved_on: only for status {' or '.join(CLOSED)}")
        if resolved and resolved < received:
            problems.append(f"row {i + 1} resolved_on: {resolved} is before received_on")
    if problems:
        raise InvalidRequestError("; ".join(problems))
