"""``POST /imports/results``: a lab's CSV, validated and imported all or nothing."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile

from api.access import Importer, import_access
from api.deps import SettingsDep, StoreDep
from api.errors import problem_response
from api.responses import FastJSONResponse
from api.tables import records
from site_gis.lab_import import import_results

router = APIRouter(prefix="/imports", tags=["imports"], dependencies=[Depends(import_access)])

_CHUNK = 1 << 20


@router.post(
    "/results",
    summary="Import a lab's results (EDD-style CSV), all or nothing",
    status_code=201,
    responses={
        200: {"description": "Every row was already stored; nothing written"},
        413: {"description": "The upload is larger than the server accepts"},
        422: {"description": "Problems found: every one listed by CSV line and column"},
    },
    response_model=None,
)
async def post_results(
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    file: Annotated[
        UploadFile,
        File(
            description="CSV: sample_id, location_id, longitude, "
            "latitude, medium, depth_top_m, depth_bottom_m, "
            "sampled_on, analyte or cas_number, value, unit, "
            "detection_limit, qualifier, lab, method"
        ),
    ],
    standard: Annotated[str, Query(description="Standard for the exceedance alert")] = "dutch_iv",
    land_use: Annotated[
        Literal["residential", "industrial"], Query(description="Land use for the exceedance alert")
    ] = "industrial",
) -> FastJSONResponse:
    """Validate every row; write nothing unless all are good; report the new exceedances."""
    data = bytearray()
    while chunk := await file.read(_CHUNK):
        data.extend(chunk)
        if len(data) > settings.max_upload_bytes:
            return problem_response(
                413, f"upload larger than {settings.max_upload_bytes:,} bytes", "PayloadTooLarge"
            )
    report = import_results(
        store,
        bytes(data),
        actor=caller.actor,
        max_rows=settings.max_import_rows,
        source=file.filename or "upload.csv",
        standard=standard,
        land_use=land_use,
    )
    body = {
        "source": report.source,
        "sha256": report.source_hash,
        "rows": report.rows,
        "new_results": report.new_results,
        "already_stored": report.already_stored,
        "new_locations": report.new_locations,
        "standard": report.standard,
        "land_use": report.land_use,
        "audit_id": report.audit.audit_id if report.audit else None,
        "notes": report.notes,
        "exceedances": records(report.exceedances),
    }
    return FastJSONResponse(body, status_code=201 if report.new_results else 200)
