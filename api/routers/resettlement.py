"""Resettlement records a RAP needs: the entitlement matrix annex, survey rounds and what
changed between them, and the grievance register.

* ``GET /resettlement/matrix`` -- the entitlement matrix as a table (JSON or ``f=csv``).
* ``GET /resettlement/rounds`` -- the survey rounds and which one is the cut-off.
* ``GET /resettlement/changes?from=R2&to=R3`` -- new, removed, extended and converted
  structures per encroachment and parcel, those first seen after the cut-off flagged
  (planners; households only as suppressed aggregates).
* ``GET /resettlement/grievances`` (planners and officers), ``.../summary`` (counts per
  encroachment, small counts suppressed), ``POST /resettlement/grievances`` (officers).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import Caller, Importer, Planner, Principal, demand, read_access
from api.deps import StoreDep
from api.responses import FastJSONResponse
from api.tables import csv_response, records
from site_gis.access import Permission
from site_gis.errors import InvalidRequestError
from site_gis.resettlement import (
    cut_off_basis,
    load_matrix,
    matrix_table,
    place_structures,
    round_changes,
    summarise_grievances,
)
from site_gis.resettlement.grievances import check_new_grievances
from site_gis.schemas import GRIEVANCE_CATEGORIES, GRIEVANCE_STATUSES

router = APIRouter(tags=["resettlement"], dependencies=[Depends(read_access)])

MAX_CHANGES = 10_000
"""Most changed structures one page of ``/resettlement/changes`` lists."""
MAX_NEW_GRIEVANCES = 200
"""Most grievances one ``POST /resettlement/grievances`` adds."""


@router.get(
    "/resettlement/matrix",
    summary="The entitlement matrix as a RAP annex (JSON or CSV)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def matrix(f: Annotated[Literal["json", "csv"], Query()] = "json") -> Response:
    """One line per loss type × affected category × eligibility: the entitlement, amount per
    unit, policy source, rate source, price year and ``verified`` flags."""
    rates = load_matrix()
    table = matrix_table(rates)
    if f == "csv":
        return csv_response(table, "entitlement_matrix.csv")
    return FastJSONResponse(
        {
            "currency": rates.currency,
            "cut_off_round": rates.cut_off_round,
            "cut_off_date": rates.cut_off_date.isoformat(),
            "policies": rates.policies,
            "lines": records(table),
            "to_verify": rates.unverified(),
        }
    )


@router.get("/resettlement/rounds", summary="Survey rounds and the cut-off round")
def rounds(store: StoreDep) -> FastJSONResponse:
    """Each round's date, method and evidence; ``cut_off`` names the round the matrix uses."""
    table = store.read("survey_rounds").sort_values("surveyed_on")
    cut_off = cut_off_basis(load_matrix(), table)
    return FastJSONResponse(
        {
            "rounds": records(table),
            "cut_off": {
                "round_id": cut_off.round_id,
                "on": cut_off.on,
                "basis": cut_off.describe(),
            },
            "synthetic": store.site().synthetic,
        }
    )


class ChangeQuery(BaseModel):
    """Two rounds to compare, and a page of the changed structures."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    first: str = Field("R2", alias="from", max_length=40, description="Earlier round id")
    second: str = Field("R3", alias="to", max_length=40, description="Later round id")
    encroachment_id: str | None = Field(None, max_length=40, description="Only this encroachment")
    limit: int = Field(1000, ge=1, le=MAX_CHANGES, description="Changed structures listed")
    offset: int = Field(0, ge=0, le=1_000_000)
    f: Literal["json", "csv"] = Field("json", description="csv: the changed structures")


@router.get(
    "/resettlement/changes",
    summary="What changed between two survey rounds, per encroachment and parcel",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def changes(store: StoreDep, caller: Planner, query: Annotated[ChangeQuery, Query()]) -> Response:
    """New, removed, extended (floor area up by more than 5 %) and converted structures from
    round ``from`` to round ``to``; structures first seen after the cut-off flagged.  The
    structure list carries no household field; ``households_in_new`` per encroachment and
    parcel is suppressed below 5 new structures."""
    survey = store.read("survey_rounds")
    structures = store.read("structures")
    placed = place_structures(structures, store.read("parcels"), store.read("eia_zones"))
    parcel_of = pd.Series(placed["parcel_id"].to_numpy(), index=structures["structure_id"])
    result = round_changes(
        store.read("structure_observations"),
        survey,
        query.first,
        query.second,
        structures=structures,
        parcel_of=parcel_of,
        cut_off=cut_off_basis(load_matrix(), survey),
    )
    listed = result["structures"]
    if query.encroachment_id is not None:
        listed = listed[listed["encroachment_id"] == query.encroachment_id]
    if query.f == "csv":
        page = listed.iloc[query.offset : query.offset + query.limit]
        return csv_response(page, f"changes_{query.first}_{query.second}.csv")
    page = listed.iloc[query.offset : query.offset + query.limit]
    return FastJSONResponse(
        {
            "from": query.first,
            "to": query.second,
            "by_encroachment": records(result["by_encroachment"]),
            "by_parcel": records(result["by_parcel"]),
            "structures": records(page),
            "numberMatched": len(listed),
            "numberReturned": len(page),
            "synthetic": store.site().synthetic,
        }
    )


def _register_reader(caller: Principal) -> None:
    if not (caller.may(Permission.RESETTLEMENT) or caller.may(Permission.IMPORT)):
        demand(caller, Permission.RESETTLEMENT, "the grievance register")


@router.get("/resettlement/grievances", summary="The grievance register (planners, officers)")
def grievances(
    store: StoreDep,
    caller: Caller,
    encroachment_id: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[Literal[GRIEVANCE_STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> FastJSONResponse:
    """Grievances by date: place, category, status, resolution date (no names are held)."""
    _register_reader(caller)
    table = store.read("grievances").sort_values(["received_on", "grievance_id"])
    if encroachment_id is not None:
        table = table[table["encroachment_id"] == encroachment_id]
    if status is not None:
        table = table[table["status"] == status]
    page = table.iloc[offset : offset + limit]
    return FastJSONResponse(
        {
            "grievances": records(page),
            "numberMatched": len(table),
            "numberReturned": len(page),
            "synthetic": store.site().synthetic,
        }
    )


@router.get(
    "/resettlement/grievances/summary",
    summary="Grievances per encroachment by status and category (small counts suppressed)",
)
def grievance_summary(store: StoreDep, caller: Caller) -> FastJSONResponse:
    """Counts per encroachment; an encroachment with 1 to 4 grievances shows only its total."""
    _register_reader(caller)
    return FastJSONResponse(
        {
            "by_encroachment": records(summarise_grievances(store.read("grievances"))),
            "synthetic": store.site().synthetic,
        }
    )


class NewGrievance(BaseModel):
    """One grievance as received: no name or contact of the complainant."""

    model_config = ConfigDict(extra="forbid")

    received_on: date
    encroachment_id: str | None = Field(None, max_length=40)
    area: str | None = Field(
        None, max_length=200, description="A parcel or locality; never a person's name"
    )
    category: Literal[GRIEVANCE_CATEGORIES]  # type: ignore[valid-type]
    status: Literal[GRIEVANCE_STATUSES] = "received"  # type: ignore[valid-type]
    resolved_on: date | None = None


class NewGrievances(BaseModel):
    """Grievances to add to the register."""

    model_config = ConfigDict(extra="forbid")

    grievances: list[NewGrievance] = Field(min_length=1, max_length=MAX_NEW_GRIEVANCES)


@router.post(
    "/resettlement/grievances",
    summary="Add grievances to the register (officers)",
    status_code=201,
)
def add_grievances(
    store: StoreDep, caller: Importer, body: Annotated[NewGrievances, Body()]
) -> FastJSONResponse:
    """Append grievances in one audited transaction; identifiers are given by the register."""
    rows = pd.DataFrame([g.model_dump() for g in body.grievances])
    for column in ("received_on", "resolved_on"):
        rows[column] = rows[column].map(lambda d: d.isoformat() if d is not None else None)
    check_new_grievances(rows, today=date.today())
    known = set(store.read("encroachments", columns=["encroachment_id"])["encroachment_id"])
    unknown = [
        f"row {i + 1} encroachment_id: no encroachment {e!r}"
        for i, e in enumerate(rows["encroachment_id"])
        if e is not None and e not in known
    ]
    if unknown:
        raise InvalidRequestError("; ".join(unknown))
    existing = store.read("grievances", columns=["grievance_id"])["grievance_id"]
    start = _next_number(existing)
    rows.insert(0, "grievance_id", [f"G-{start + i:04d}" for i in range(len(rows))])
    rows["synthetic"] = False
    entry = store.write(
        {"grievances": rows},
        mode="append",
        actor=caller.actor,
        action="grievance-add",
        note=f"{len(rows)} grievance(s)",
    )
    added: list[dict[str, Any]] = records(rows)
    return FastJSONResponse({"added": added, "audit_id": entry.audit_id}, status_code=201)


def _next_number(ids: pd.Series) -> int:
    numbers = ids.astype(str).str.extract(r"^G-(\d+)$")[0].dropna().astype(int)
    return int(numbers.max()) + 1 if len(numbers) else 1
