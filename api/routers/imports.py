"""Imports, all or nothing: a lab's CSV (``/imports/results``) and layers (``/imports/layers``).

Uploads are read in chunks and refused (413) as soon as they pass the
server's ``max_upload_bytes``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.access import Importer, import_access
from api.deps import SettingsDep, StoreDep
from api.responses import FastJSONResponse
from api.tables import records
from site_gis.contamination import import_results
from site_gis.errors import TooLargeError
from site_gis.io import Limits, import_layer

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
    data = await _read_upload(file, settings.max_upload_bytes)
    report = await run_in_threadpool(
        import_results,
        store,
        data,
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


@router.post(
    "/layers/{layer}",
    summary="Import features into a layer (GeoJSON, GeoPackage, or a zip of one), all or nothing",
    status_code=201,
    responses={
        413: {"description": "The upload is larger than the server accepts"},
        422: {"description": "Problems found: every one listed by feature and field"},
    },
)
async def post_layer(
    store: StoreDep,
    settings: SettingsDep,
    caller: Importer,
    layer: Annotated[str, Path(description="Layer to add to or replace, e.g. receptors")],
    file: Annotated[
        UploadFile, File(description="GeoJSON FeatureCollection (lon/lat), GeoPackage, or zip")
    ],
    mode: Annotated[
        Literal["append", "replace"],
        Query(description="Add the features, or replace the layer's whole content"),
    ] = "append",
) -> FastJSONResponse:
    """The file's format is read from its bytes, never its name; rows are validated against
    the layer's schema, the site's extent and the store's references before anything is written."""
    data = await _read_upload(file, settings.max_upload_bytes)
    entry = await run_in_threadpool(
        import_layer,
        store,
        data,
        layer=layer,
        mode=mode,
        actor=caller.actor,
        source=file.filename or "upload",
        limits=Limits(max_bytes=settings.max_upload_bytes, max_features=settings.max_import_rows),
    )
    return FastJSONResponse(
        {
            "layer": layer,
            "mode": mode,
            "features": entry.rows,
            "audit_id": entry.audit_id,
            "sha256": entry.source_hash,
            "content_hash": entry.content_hash,
        },
        status_code=201,
    )


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes; :class:`TooLargeError` (413) once past ``limit``."""
    data = bytearray()
    while chunk := await file.read(_CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            raise TooLargeError(f"upload larger than {limit:,} bytes")
    return bytes(data)
