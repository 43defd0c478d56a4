"""``GET /audit``: the append-only record of imports, edits, exports and key changes (officers)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.access import Auditor
from api.deps import StoreDep
from api.responses import FastJSONResponse
from api.tables import csv_response, records

router = APIRouter(tags=["audit"])


@router.get(
    "/audit",
    summary="The audit trail: who did what, when, with a hash of the content",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def audit(
    store: StoreDep,
    caller: Auditor,
    action: Annotated[str | None, Query(max_length=40, description="Only this action")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most recent entries")] = 100,
    f: Annotated[Literal["json", "csv"], Query(description="Output format")] = "json",
) -> Response:
    """The most recent entries, newest first; every entry is kept forever."""
    log = store.audit_log()  # oldest first, in the store's order
    if action is not None:
        log = log[log["action"] == action]
    latest = log.iloc[::-1].head(limit)
    if f == "csv":
        return csv_response(latest, "audit.csv")
    return FastJSONResponse({"total": len(log), "entries": records(latest)})
